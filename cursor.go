package scim

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/scimkit/scim/internal/names"
	"github.com/scimkit/scim/store"
)

// A cursor (RFC 9865) is what the handler gives a client for the next
// page of a cursor walk: the store's opaque position, sealed so that the
// client can neither read it, nor read another tenant's data with it, nor
// change the query under it. Its form is base64url(nonce || ciphertext),
// only RFC 3986 unreserved characters: the JSON payload encrypted with
// AES-256-GCM under a key derived from Config.CursorKey, the tenant as
// additional data, so that it opens for the tenant it was issued to
// alone. The payload names the resource type, a hash of the query
// (filter, sortBy, sortOrder) and an expiry, and holds the store's
// position, which a client must not read: sqlstore's holds the row's
// creation sequence, numbered across every tenant of the database, so
// that two cursors in the clear a while apart would tell a tenant how
// much the others wrote meanwhile. The tenant is in no cursor.
//
// The nonce is synthetic, an HMAC of the tenant and the payload under a
// second derived key (as in SIV): it repeats only for one tenant's one
// payload, whose cursor is then the same, so that no random source is
// needed and nonces never collide across the key's many cursors.

// cursorPayload is what a cursor carries.
type cursorPayload struct {
	V int    `json:"v"`
	R string `json:"r"` // resource type of the walk's current part
	H string `json:"h"` // hash of the query the cursor was issued for
	E int64  `json:"e"` // expiry, Unix seconds
	P string `json:"p"` // the store's position
	// W are the store's positions in each type of a walk sorted across
	// types (walkMerged, R mergedScope), in the order users, groups: ""
	// for a type none of whose resources has been sent yet.
	W []string `json:"w,omitempty"`
}

// mergedScope is the scope of the root query's cursors (GET / and POST
// /.search, walkCursor's and walkMerged's), and the R of a cursor of
// walkMerged, which is in every type at once; no resource type has this
// name.
const mergedScope = "*"

// queryHash binds a cursor to the query a client must repeat: the list's
// scope (a resource type, or mergedScope for the root query), the filter as sent,
// sortBy case-folded and sortOrder as ascending or descending. count and
// attributes may change between pages.
func queryHash(scope string, rl rawList) string {
	order := "a"
	if names.Equal(rl.sortOrder, "descending") {
		order = "d"
	}
	sum := sha256.Sum256([]byte(scope + "\x00" + rl.filter + "\x00" + names.Lower(rl.sortBy) + "\x00" + order))
	return base64.RawURLEncoding.EncodeToString(sum[:16])
}

// cursorSealer seals and opens cursors under the keys derived from
// Config.CursorKey once, when the handler is built.
type cursorSealer struct {
	aead     cipher.AEAD
	nonceKey []byte
}

// newCursorSealer derives the cursor keys from key (Config.CursorKey, at
// least 32 bytes): an AES-256 key and the nonces' HMAC key, each an
// HMAC-SHA256 of key over its own label, so that neither is the other.
func newCursorSealer(key []byte) (*cursorSealer, error) {
	derive := func(label string) []byte {
		m := hmac.New(sha256.New, key)
		m.Write([]byte(label))
		return m.Sum(nil)
	}
	block, err := aes.NewCipher(derive("scimkit cursor encryption v2"))
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &cursorSealer{aead: aead, nonceKey: derive("scimkit cursor nonce v2")}, nil
}

// additional is the data a cursor of tenant is sealed with besides its
// payload: the tenant binds it.
func cursorAdditional(tenant string) []byte {
	return append([]byte("scimkit cursor v2\x00"), tenant...)
}

// seal returns the cursor of the encoded payload for tenant.
func (c *cursorSealer) seal(tenant string, payload []byte) string {
	m := hmac.New(sha256.New, c.nonceKey)
	m.Write([]byte(tenant))
	m.Write([]byte{0})
	m.Write(payload)
	nonce := m.Sum(nil)[:c.aead.NonceSize()]
	return base64.RawURLEncoding.EncodeToString(c.aead.Seal(nonce, nonce, payload, cursorAdditional(tenant)))
}

// open returns the payload of cursor b (decoded from base64url) for
// tenant, or false when the cursor was not sealed under these keys for
// this tenant, or was altered.
func (c *cursorSealer) open(tenant string, b []byte) ([]byte, bool) {
	n := c.aead.NonceSize()
	if len(b) < n+c.aead.Overhead() {
		return nil, false
	}
	out, err := c.aead.Open(nil, b[:n], b[n:], cursorAdditional(tenant))
	return out, err == nil
}

// sealCursor returns the cursor that continues a walk of the query hash
// over resource type rt from the store's position pos.
func (h *handler) sealCursor(ctx context.Context, rt, hash, pos string) string {
	return h.seal(ctx, cursorPayload{R: rt, H: hash, P: pos})
}

// seal returns the cursor of p, with its version and expiry set.
func (h *handler) seal(ctx context.Context, p cursorPayload) string {
	p.V, p.E = 2, h.cfg.Now().Add(h.cfg.CursorTimeout).Unix()
	b, _ := json.Marshal(p)
	return h.cursors.seal(store.Tenant(ctx), b)
}

// errInvalidCursor is the answer to a cursor this handler did not issue
// for this tenant and query (RFC 9865 invalidCursor).
func errInvalidCursor(why string) *Error {
	return errorf(http.StatusBadRequest, ScimTypeInvalidCursor, "the cursor is invalid (%s): send an empty cursor for the first page, then each response's nextCursor unchanged, with the same filter, sortBy and sortOrder", why)
}

// maxCursorBytes bounds the cursors openCursor reads, before any work on
// them. A cursor this handler issued holds the store's position, which
// holds the sort value of a page's last item (at most MaxValueBytes),
// escaped as a JSON string (up to 6 bytes a byte) and base64-encoded
// twice (the position by our stores, the payload here): about 11 bytes a
// byte of the value. 16 bytes a byte and 64 KiB for the rest leave room
// for a host store's own position format. A walk at the root sorted
// across types (walkMerged) holds a position in each type, but what both
// types have to sort by is short: displayName and externalId (names, at
// most 512 bytes), id and meta's timestamps.
func (h *handler) maxCursorBytes() int { return maxCursorBytes(h.cfg.MaxValueBytes) }

// maxCursorBytes is handler.maxCursorBytes for a MaxValueBytes, for
// Config.HeaderBytes too.
func maxCursorBytes(maxValueBytes int) int { return 16*maxValueBytes + 64<<10 }

// openCursor checks a cursor a client sent and returns what it carries.
// A cursor that is malformed, altered, issued for another tenant (or by a
// handler with another CursorKey) or for another query is invalidCursor;
// one past its expiry is expiredCursor. The expiry is read only from a
// cursor that opened (its authentication tag held), so that it cannot be
// forged.
func (h *handler) openCursor(ctx context.Context, c, hash string) (cursorPayload, error) {
	var p cursorPayload
	if len(c) > h.maxCursorBytes() {
		return p, errInvalidCursor("malformed")
	}
	sealed, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return p, errInvalidCursor("malformed")
	}
	b, ok := h.cursors.open(store.Tenant(ctx), sealed)
	if !ok {
		return p, errInvalidCursor("not issued by this server for this tenant, or altered")
	}
	if json.Unmarshal(b, &p) != nil || p.V != 2 {
		return p, errInvalidCursor("malformed")
	}
	if p.H != hash {
		return p, errInvalidCursor("issued for another filter, sortBy or sortOrder")
	}
	if h.cfg.Now().Unix() > p.E {
		return p, errorf(http.StatusBadRequest, ScimTypeExpiredCursor, "the cursor has expired: a walk must ask for its next page within %d seconds (pagination.cursorTimeout); start again with an empty cursor", int(h.cfg.CursorTimeout.Seconds()))
	}
	return p, nil
}

// checkCursorPage checks a store's cursor page asked for count
// resources against store.CursorPage's contract before the handler
// follows it: one position per item, and at least one item when it says
// More (unless count is 0). A page with no items that says More leaves
// the walk nowhere to go on from: a nextCursor at the same position would
// send a client round the same page for ever, and a page without one
// would tell it the walk ended when it did not (a client reconciling its
// directory would then drop what it never saw). Both defects are the
// store's, answered as any store failure is: a generic 500, the reason
// logged.
func checkCursorPage[T any](page store.CursorPage[T], count int) error {
	if len(page.Positions) != len(page.Items) {
		return errors.New("scim: the store's cursor page has not one position per item")
	}
	if page.More && len(page.Items) == 0 && count > 0 {
		return fmt.Errorf("scim: the store's cursor page asked for %d resources has no items but More (store.CursorPage): the walk cannot go on", count)
	}
	return nil
}

// checkCursorRequest checks the paging parameters of a cursor request
// over parts.
func checkCursorRequest(rl rawList, parts []part) error {
	if rl.startIndex.set {
		return errorf(http.StatusBadRequest, ScimTypeInvalidValue, "startIndex and cursor cannot be used together: use cursor (RFC 9865) or startIndex (index paging), not both")
	}
	for _, p := range parts {
		if !p.k.cursors() {
			return errorf(http.StatusBadRequest, ScimTypeInvalidValue, "this server pages %s by index only (pagination.cursor is false in /ServiceProviderConfig): use startIndex and count", p.k.resourceType().Endpoint)
		}
	}
	return nil
}

// startWalk checks a cursor request over parts and opens its cursor: the
// query's hash, and the cursor's payload, or first when the request
// starts the walk (an empty cursor).
func (h *handler) startWalk(ctx context.Context, rl rawList, scope string, parts []part) (hash string, p cursorPayload, first bool, err error) {
	if err = checkCursorRequest(rl, parts); err != nil {
		return "", p, false, err
	}
	hash = queryHash(scope, rl)
	if *rl.cursor == "" {
		return hash, p, true, nil
	}
	p, err = h.openCursor(ctx, *rl.cursor, hash)
	return hash, p, false, err
}

// walkCursor answers one page of a cursor walk over parts in order (a
// resource type's list, or POST /.search and GET /: the order listAll
// gives, unless every type has the sortBy attribute: walkMerged), the cursor
// naming the resource type it is in. scope keeps the cursors of one
// endpoint from being taken at another.
func (h *handler) walkCursor(w http.ResponseWriter, r *http.Request, rl rawList, scope string, parts []part) {
	ctx := r.Context()
	hash, p, first, err := h.startWalk(ctx, rl, scope, parts)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	start, pos := 0, ""
	if !first {
		start = -1
		for i, pt := range parts {
			if pt.k.resourceType().Name == p.R {
				start = i
			}
		}
		if start < 0 {
			h.writeError(w, r, errInvalidCursor("issued for another resource type"))
			return
		}
		pos = p.P
	}
	remaining := parts[0].lp.query.Count
	body := startItems(cursorHeadSize)
	next := ""
	for i := start; i < len(parts); i++ {
		q := parts[i].lp.query
		q.Count = remaining
		sent, positions, more, err := parts[i].k.itemsAfter(h, r, parts[i].lp.proj, q, pos, body)
		if err != nil {
			body.release()
			h.writeError(w, r, err)
			return
		}
		remaining -= sent
		rt := parts[i].k.resourceType().Name
		if sent < len(positions) || more {
			if sent > 0 {
				pos = positions[sent-1]
			}
			next = h.sealCursor(ctx, rt, hash, pos)
			break
		}
		pos = ""
		if remaining <= 0 {
			if i+1 < len(parts) {
				next = h.sealCursor(ctx, parts[i+1].k.resourceType().Name, hash, "")
			}
			break
		}
	}
	h.writeCursorList(w, body, next)
}

// walkMerged answers one page of a cursor walk at the server root sorted
// by an attribute every type has (parts, users then groups): the order of
// listMerged, so a walk and index paging give one list. The cursor holds
// a position in each type's list: each page reads up to count resources
// of each type after its position, merges them (mergeRuns) and sends the
// first count; a type's position moves past those of it that were sent,
// so what was read and not sent is read again by the next page. As in a
// walk of one type, whatever is created or deleted meanwhile, no resource
// comes twice and none that existed for the whole walk is skipped.
func (h *handler) walkMerged(w http.ResponseWriter, r *http.Request, rl rawList, parts []part) {
	ctx := r.Context()
	hash, p, first, err := h.startWalk(ctx, rl, mergedScope, parts)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	pos := make([]string, len(parts))
	if !first {
		if p.R != mergedScope || len(p.W) != len(parts) {
			h.writeError(w, r, errInvalidCursor("issued for another resource type"))
			return
		}
		copy(pos, p.W)
	}
	count := parts[0].lp.query.Count
	runs := make([]sortedRun, len(parts))
	more := make([]bool, len(parts))
	read := 0
	for i, pt := range parts {
		q := pt.lp.query
		q.Count = count
		rn, m, err := pt.k.sortedAfter(h, r, q, pos[i])
		if err != nil {
			h.writeError(w, r, err)
			return
		}
		runs[i], more[i], read = rn, m, read+len(rn.keys())
	}
	page := mergeRuns(runs, more, 0, count, parts[0].lp.query.Descending)
	body := startItems(cursorHeadSize)
	kept, sent, err := h.encodeMerged(r, parts, runs, page, body)
	if err != nil {
		body.release()
		h.writeError(w, r, err)
		return
	}
	for i, n := range sent {
		if n > 0 {
			pos[i] = runs[i].position(kept[i][n-1])
		}
	}
	next := ""
	if slices.Contains(more, true) || body.n < read {
		next = h.seal(ctx, cursorPayload{R: mergedScope, H: hash, W: pos})
	}
	h.writeCursorList(w, body, next)
}
