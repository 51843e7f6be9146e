package scim

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/scimkit/scim/internal/backoff"
	"github.com/scimkit/scim/internal/names"
	"github.com/scimkit/scim/internal/patch"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/query"
)

// kind is one resource type as the request pipeline serves it. Users and
// groups go through the same functions (create, get, update, delete,
// list); what differs between them is only what these fields say.
type kind[T any] struct {
	rt     *resources.ResourceType
	eval   *query.Evaluator
	engine *patch.Engine
	// returned are the extension attributes whose "returned" every
	// projection of the type applies, found once.
	returned extReturned
	// keeps is what a PUT keeps of the stored extensions
	// (keepOnReplace), required what the extensions require of every
	// write (resources.Required): both found once.
	keeps    []extKeep
	required []resources.Required
	// secretExts says that the type's extensions have an attribute or
	// sub-attribute returned "never" (a secret, see secretwrite.go);
	// secretWrites that a write may send a secret the store keeps: one
	// of those, or a user's password when it is hashed and stored.
	secretExts, secretWrites bool

	// build turns a normalised document (a request body, or a document
	// after PATCH) into a resource and checks its core schema's required
	// attributes (what extensions require is checkRequired's).
	build func(doc map[string]any) (T, error)
	// settle, when set, applies to the resource of a POST or PUT body
	// what needs the request (its base URL): a user's managerFromRef.
	settle func(r *http.Request, v T) error
	id     func(T) string
	meta   func(T) *resources.Meta
	// extensions is the resource's extensions other than the enterprise
	// one (User.Extensions, Group.Extensions), which a PUT readies
	// (readyPut).
	extensions func(T) *map[string]json.RawMessage
	// same reports whether two resources render as the same document,
	// meta and computed values aside (resources.EqualUsers,
	// resources.EqualGroups): a PATCH whose result is the same as the
	// stored resource writes nothing.
	same func(a, b T) bool

	// related is the computed multi-valued attribute a read may load with
	// the resource: a group's "members", a user's "groups".
	related string

	// maxIDLen is the longest id the store gives (store.IDLimiter), 0
	// when it does not say: a request naming a longer one is answered
	// 404 without calling the store (knownID).
	maxIDLen int

	// The store's methods for T. get loads related only when withMembers
	// says so.
	create func(ctx context.Context, v T) (T, error)
	get    func(ctx context.Context, id string, withMembers bool) (T, error)
	// view is get for a response alone (serveGet), with
	// store.GetOptions.ReadOnly: the resource may share memory with the
	// store, and only the response's preparation (prepareOne,
	// tagVersion) changes it, which writes its own fields alone (see
	// ownUser).
	view    func(ctx context.Context, id string, withMembers bool) (T, error)
	replace func(ctx context.Context, v T, ifVersion string) (T, error)
	// updater, when the store has one (store.UserUpdater,
	// store.GroupUpdater), runs a whole read-modify-write in one
	// transaction; nil otherwise.
	updater func(ctx context.Context, id string, withMembers bool, change func(cur T) (T, error)) (T, error)
	// skipsOnly, when set, reports whether next, the change of cur that
	// the versioned write (no updater) would hand to replace, differs
	// from cur only by values replace would skip (a group's member
	// values naming no one): such a write would change nothing but the
	// version, so it is not made. withMembers says cur and next carry
	// their members.
	skipsOnly func(ctx context.Context, cur, next T, withMembers bool) (bool, error)
	remove    func(ctx context.Context, id, ifVersion string) error
	// list reads one page; with q.ReadOnly (every list the handler
	// answers, see listParams) its resources are the store's, to be
	// read only: render gives those it answers their own copies (own).
	list func(ctx context.Context, q store.Query) (store.Page[T], error)
	// listAfter, when the store pages by position
	// (store.UserCursorLister, store.GroupCursorLister), reads one page
	// of a cursor walk; nil otherwise.
	listAfter func(ctx context.Context, q store.Query, after string) (store.CursorPage[T], error)

	// prepare readies a resource for a response: meta.resourceType and
	// location, references, and values computed by the handler (a user's
	// groups) unless fresh says the resources were just created and have
	// none. It gets a whole page at once, so such values cost one store
	// call per page.
	prepare func(r *http.Request, base string, proj *projection, items []T, fresh bool) error
	// prepareOne is prepare of one resource (the response of a GET, POST,
	// PUT or PATCH): prepare called directly with a slice the compiler
	// keeps on the stack, where one passed through the prepare field is
	// made on the heap.
	prepareOne func(r *http.Request, base string, proj *projection, v T, fresh bool) error
	// own, when not nil, gives resources listed with store.Query.ReadOnly
	// their own copies of what prepare writes through a pointer
	// (ownUsers). render calls it on the resources it answers alone: a
	// merged page across types reads many more than it sends.
	own func(items []T)

	// created reports the events of a create; changed those of an
	// update from before to after (members tells whether both carry
	// their members); deleted is the event type of a delete.
	created func(ctx context.Context, v T)
	changed func(ctx context.Context, before, after T, members bool)
	deleted EventType
	// unchanged, when not nil, runs after an update that wrote nothing
	// (id names the resource): a user's hands a password the request
	// sent but the store does not keep to Config.OnPassword
	// (passwordSent). Only users set it.
	unchanged func(ctx context.Context, id string)
}

// newKind fills what every kind derives from its resource type, with
// the PATCH engine's bound on substring operands (Config.MaxSubstringBytes).
func newKind[T any](k *kind[T], maxSubstrings int) *kind[T] {
	k.eval = query.NewEvaluator(k.rt)
	k.engine = patch.NewEngine(k.rt).LimitSubstrings(maxSubstrings)
	k.returned = newExtReturned(k.rt)
	k.keeps = newExtKeeps(k.rt, k.returned.hidden)
	k.required = k.rt.Required()
	k.secretExts = neverHidden(k.returned.hidden)
	k.secretWrites = k.secretExts
	return k
}

// decode turns a request document into a checked resource; replace: the
// body of a PUT.
func (k *kind[T]) decode(h *handler, ctx context.Context, doc map[string]any, replace bool) (T, error) {
	l := h.lenience()
	nd, err := k.rt.Normalize(doc, l)
	warnAll(ctx, l)
	if err != nil {
		var zero T
		return zero, err
	}
	return k.fromDoc(h, nd, replace)
}

// fromDoc builds the resource of a normalised document (a request body,
// or the stored resource after PATCH), with every value held to what
// every store can keep, and holds it to what its extensions require
// (checkRequired, on the document's objects, which build stores as they
// are) but for a PUT's body (replace), which is held to it once what the
// PUT keeps of the stored resource is applied (readyPut).
func (k *kind[T]) fromDoc(h *handler, doc map[string]any, replace bool) (T, error) {
	var zero T
	if err := h.checkValues(doc); err != nil {
		return zero, err
	}
	if !replace {
		err := k.checkRequired(func(urn string) (map[string]any, bool) {
			_, v, _ := names.Key(doc, urn)
			obj, ok := v.(map[string]any)
			return obj, ok || v == nil
		})
		if err != nil {
			return zero, err
		}
	}
	return k.build(doc)
}

// readBody reads the request document of a POST or PUT and the
// attributes/excludedAttributes of its response.
func (k *kind[T]) readBody(h *handler, r *http.Request) (*projection, T, error) {
	var zero T
	proj, err := h.projectionFromQuery(r, k)
	if err != nil {
		return nil, zero, err
	}
	doc, err := h.readJSON(r)
	if err != nil {
		return nil, zero, err
	}
	v, err := k.decode(h, r.Context(), doc, r.Method == http.MethodPut)
	if err != nil {
		return nil, zero, err
	}
	if k.settle != nil {
		if err := k.settle(r, v); err != nil {
			return nil, zero, err
		}
	}
	return proj, v, nil
}

// serveCreate is POST /{Resources}. reset clears what a client may not set
// on a new resource and applies the defaults of a create.
func (k *kind[T]) serveCreate(h *handler, reset func(T)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		proj, v, err := k.readBody(h, r)
		if err != nil {
			h.writeError(w, r, err)
			return
		}
		*k.meta(v) = resources.Meta{}
		reset(v)
		created, err := k.create(r.Context(), v)
		if err != nil {
			h.writeError(w, r, err)
			return
		}
		committed(r.Context())
		k.created(r.Context(), created)
		k.respond(h, w, r, http.StatusCreated, created, proj)
	}
}

// beyondIDs reports whether id is longer than any id the store gives,
// which the store would answer store.ErrNotFound.
func (k *kind[T]) beyondIDs(id string) bool { return k.maxIDLen > 0 && len(id) > k.maxIDLen }

// knownID serves a PUT, PATCH or DELETE of /{Resources}/{id} by fn unless
// the id is longer than any the store gives: that is a 404 at once, as
// the store would answer, with no store call, no transaction and the
// body unread (getByID checks a GET's own, for directRoute too).
func (k *kind[T]) knownID(h *handler, fn http.HandlerFunc) http.HandlerFunc {
	if k.maxIDLen == 0 {
		return fn
	}
	return func(w http.ResponseWriter, r *http.Request) {
		if k.beyondIDs(r.PathValue("id")) {
			h.writeError(w, r, store.ErrNotFound)
			return
		}
		fn(w, r)
	}
}

// serveGet is GET /{Resources}/{id}.
func (k *kind[T]) serveGet(h *handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { k.getByID(h, w, r, r.PathValue("id")) }
}

// getByID answers GET /{Resources}/{id} of the resource id: serveGet's
// work, and directRoute's.
func (k *kind[T]) getByID(h *handler, w http.ResponseWriter, r *http.Request, id string) {
	if k.beyondIDs(id) {
		h.writeError(w, r, store.ErrNotFound)
		return
	}
	proj, err := h.projectionFromQuery(r, k)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	v, err := k.view(r.Context(), id, proj.wants(k.related))
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	if !tagless(r) {
		if !ifMatchOK(r, k.meta(v).Version) {
			h.writeError(w, r, errStale) // RFC 9110 §13.2.2: If-Match first, on a GET too
			return
		}
		if inm := headerOf(r, "If-None-Match"); inm != "" {
			if tag := etag(k.meta(v).Version); tagMatches(inm, tag) {
				w.Header().Set("ETag", tag)
				w.WriteHeader(http.StatusNotModified)
				return
			}
		}
	}
	k.respond(h, w, r, http.StatusOK, v, proj)
}

// serveDelete is DELETE /{Resources}/{id}. With If-Match or If-None-Match
// the resource is read and checked, and the store deletes it only at the
// version read, so a write between the check and the delete makes the
// delete fail instead of being lost.
func (k *kind[T]) serveDelete(h *handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		id := r.PathValue("id")
		version := ""
		if hasPrecondition(r) {
			cur, err := k.get(ctx, id, false)
			if err != nil {
				h.writeError(w, r, err)
				return
			}
			version = k.meta(cur).Version
			if err := precondition(r, version); err != nil {
				h.writeError(w, r, err)
				return
			}
		}
		rctx, report := h.reporting(ctx)
		if err := k.remove(rctx, id, version); err != nil {
			h.writeError(w, r, err)
			return
		}
		h.emit(ctx, Event{Type: k.deleted, ID: id})
		// The memberships the deletion removed, as the store reports
		// them (a store that does not: none).
		if report != nil && report.Filled {
			for _, c := range report.Changes {
				if c.Kind == store.MembersRemoved {
					h.emit(ctx, Event{Type: MembersRemoved, ID: c.ID, Members: c.Members})
				}
			}
		}
		w.WriteHeader(http.StatusNoContent)
	}
}

// update runs a versioned read-modify-write of the resource the request
// names: change computes the new resource from the stored one, which it
// must not modify (the events compare it with the result), or returns
// changed false. withMembers says whether change needs a
// group's stored members; without them the resource is read and written
// without members, which the store leaves as they are. It reports the
// events and writes the response. password is the password the request
// most likely sets ("" for none known): it is hashed before the store's
// calls (withHashing), through a store's updater (updateInStore) or the
// versioned read-modify-write (readModifyWrite) alike. noContent says the
// answer is 204 No Content when the request asks for no attributes (a
// group PATCH, patchGroup), so that no member list is read to answer.
func (k *kind[T]) update(h *handler, w http.ResponseWriter, r *http.Request, withMembers bool, password string, noContent bool, change func(cur T) (next T, changed bool, err error)) {
	proj, err := h.projectionFromQuery(r, k)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	// The store's calls carry what change records of the secrets the
	// request sent (secretsSent), for the write's feed entry.
	ctx, done := withSecretsSent(r.Context(), k.secretWrites)
	defer done()
	if ctx != r.Context() {
		r = r.WithContext(ctx)
	}
	id := r.PathValue("id")
	// change may run more than once: a store's updater may run it again,
	// the versioned write after a lost race, withHashing after hashing a
	// password the change asked for. Only the last run's bends count:
	// each run drops those of the runs before, recorded since mark.
	mark := warningMark(ctx)
	// before is the resource read, after the one answered: the one
	// written when changed, else the one read.
	var before, after T
	changed := false
	var rt *retrier // the read-modify-write's, once it starts
	err = h.withHashing(ctx, password, func() error {
		var err error
		if k.updater != nil {
			before, after, changed, err = k.updateInStore(r, withMembers, mark, change)
			return err
		}
		if rt == nil {
			rt = h.newRetrier(ctx)
		}
		var out T
		before, out, changed, err = readModifyWrite(r, rt,
			func() (T, error) { return k.get(ctx, id, withMembers) },
			func(v T) string { return k.meta(v).Version },
			func(cur T) (T, bool, error) {
				next, changed, err := k.attempt(r, mark, change, cur)
				if changed && err == nil && k.skipsOnly != nil {
					var same bool
					if same, err = k.skipsOnly(ctx, cur, next, withMembers); same || err != nil {
						var zero T
						return zero, false, err
					}
				}
				return next, changed, err
			},
			func(next T, version string) (T, error) { return k.replace(ctx, next, version) })
		after = before
		if changed {
			after = out
		}
		return err
	})
	// A store may find a change to write nothing after all (a group's
	// only new members naming no one, skipped: store.GroupUpdater) and
	// keep the version: then nothing changed.
	if changed && err == nil && k.meta(after).Version == k.meta(before).Version {
		changed = false
	}
	switch {
	case err != nil:
		h.writeError(w, r, err)
		return
	case changed:
		committed(ctx)
		k.changed(ctx, before, after, withMembers)
	case k.unchanged != nil:
		k.unchanged(ctx, id)
	}
	if noContent && proj.defaultSet() {
		k.noContent(w, after)
		return
	}
	k.respondRead(h, w, r, after, withMembers, proj)
}

// updateInStore is update's write through the store's updater: the read,
// the attempt (the If-Match and If-None-Match checks, then change) and
// the write are one transaction, so there is nothing to retry and no 412
// without one of those headers. change may run more than once; what it
// leaves in the request (warnings, recorded since mark, a password for
// OnPassword) is that of the run that counted. It returns the resource
// read and the one the store answers with (the one written when changed).
func (k *kind[T]) updateInStore(r *http.Request, withMembers bool, mark int, change func(cur T) (next T, changed bool, err error)) (before, after T, changed bool, err error) {
	after, err = k.updater(r.Context(), r.PathValue("id"), withMembers, func(c T) (T, error) {
		before = c
		next, ch, err := k.attempt(r, mark, change, c)
		if changed = ch && err == nil; !changed {
			var zero T
			return zero, err
		}
		return next, nil
	})
	return before, after, changed && err == nil, err
}

// attempt is one run of update's change on the stored resource cur,
// through a store's updater (updateInStore) or the versioned write
// (readModifyWrite) alike: the bends of the runs before dropped (those
// recorded since mark), the If-Match and If-None-Match checks, then
// change, whose result keeps cur's meta for the store to version.
func (k *kind[T]) attempt(r *http.Request, mark int, change func(cur T) (next T, changed bool, err error), cur T) (T, bool, error) {
	dropWarnings(r.Context(), mark)
	if err := precondition(r, k.meta(cur).Version); err != nil {
		var zero T
		return zero, false, err
	}
	next, changed, err := change(cur)
	if err == nil && changed {
		*k.meta(next) = *k.meta(cur)
	}
	return next, changed, err
}

// respondRead answers with v, reading it again when the response needs
// the members v was loaded without. When that read fails after the
// request's write committed (readAfterWrite), the answer is 204 No
// Content with the ETag of the version written: a 503 would make the
// provider send the change again. Only a PATCH gets there (RFC 7644
// §3.5.2 allows it 204): a PUT of a group is read and written with its
// members (replaceGroup), so its 200 needs no read after the write.
func (k *kind[T]) respondRead(h *handler, w http.ResponseWriter, r *http.Request, v T, haveMembers bool, proj *projection) {
	if !haveMembers && k.related == "members" && proj.wants("members") {
		full, err := k.get(r.Context(), k.id(v), true)
		if err != nil {
			if !h.readAfterWrite(r.Context(), "the group's members", err) {
				h.writeError(w, r, err)
				return
			}
			k.noContent(w, v)
			return
		}
		v = full
	}
	k.respond(h, w, r, http.StatusOK, v, proj)
}

// noContent answers a PATCH of v with 204 No Content and v's ETag (RFC
// 7644 §3.5.2 allows it): a group PATCH that asks for no attributes, as
// Entra ID and Okta expect, and one whose read after the write failed.
func (k *kind[T]) noContent(w http.ResponseWriter, v T) {
	if tag := etag(k.meta(v).Version); tag != "" {
		w.Header().Set("ETag", tag)
	}
	w.WriteHeader(http.StatusNoContent)
}

// respond writes one resource with its ETag and Location.
func (k *kind[T]) respond(h *handler, w http.ResponseWriter, r *http.Request, status int, v T, proj *projection) {
	if err := k.renderOne(r, h.baseURL(r), proj, v, status == http.StatusCreated); err != nil {
		h.writeError(w, r, err)
		return
	}
	buf := bodyBuffer()
	defer buf.release()
	body, err := encodeTo(buf.b[:0], v, proj)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	buf.b = body
	m := k.meta(v)
	if m.Version != "" {
		w.Header()["Etag"] = headerValue(w, slotETag, m.Version) // the canonical spelling of ETag
	}
	if m.Location != "" {
		// Not only for 201: RFC 7644's GET (§3.4.1) and PUT (§3.5.1)
		// answers carry it too, and RFC 7643 §3.1 has meta.location
		// name the resource returned, which /Me answers as another URL's
		// (RFC 7644 §3.11: "In any response, the HTTP "Location" header
		// MUST be the permanent location of the aliased resource"; a
		// DELETE of /Me answers 204, without a body or the header).
		w.Header()["Location"] = headerValue(w, slotLocation, m.Location)
	}
	h.writeBytes(w, status, body)
}

// pooledBody is a response body's buffer, kept for the next response
// once this one is written: a resource's encoding is about a kilobyte,
// which every read would otherwise allocate (and the collector reclaim).
// It is safe because a ResponseWriter does not keep what Write is given
// (io.Writer's contract; net/http copies it to the connection's buffer).
type pooledBody struct {
	b []byte
	// head and n serve a ListResponse (startItems): the bytes left before
	// its resources, and how many resources b holds.
	head, n int
}

// maxPooledBody bounds the buffers kept: a large group's response is
// allocated for itself and left to the collector, not held for every
// later one.
const maxPooledBody = 64 << 10

var bodyPool = sync.Pool{New: func() any { return &pooledBody{b: make([]byte, 0, 2048)} }}

// bodyBuffer takes a buffer from the pool; release gives it back.
func bodyBuffer() *pooledBody { return bodyPool.Get().(*pooledBody) }

// release returns the buffer to the pool, unless it grew past
// maxPooledBody. The bytes it held must not be used after.
func (p *pooledBody) release() {
	if cap(p.b) > maxPooledBody {
		return
	}
	p.b = p.b[:0]
	bodyPool.Put(p)
}

// urlText makes the URLs of a response (meta.location, $ref: base, a
// segment and an id each) as substrings of one string, so that a page's
// URLs cost one allocation instead of one each. grow it by their total
// length (urlLen) first; a wrong total costs allocations, never a wrong
// URL (what is written is never changed, and a string already cut keeps
// the bytes it was cut from).
type urlText struct{ b strings.Builder }

// urlLen is the length of the URL url(base, seg, id) returns for an id
// that needs no percent-encoding (a store's id), and a little short of it
// for one that does (which costs the builder a second allocation, never
// a wrong URL): url escapes each id once, not here again.
func urlLen(base, seg, id string) int { return len(base) + len(seg) + len(id) }

func (t *urlText) grow(n int) { t.b.Grow(n) }

// url returns base+seg+id, id percent-encoded as a path segment: a $ref or
// meta.location is a URI (RFC 7643 §2.3.7), and an id is not only the
// store's (a UUID, which needs no encoding, costs a scan and no
// allocation) but also a manager's value as the client sent it ("a b/c").
// A GET of the URL reaches the id, since the router decodes a segment.
func (t *urlText) url(base, seg, id string) string {
	start := t.b.Len()
	t.b.WriteString(base)
	t.b.WriteString(seg)
	t.b.WriteString(url.PathEscape(id))
	return t.b.String()[start:]
}

// appender is a resource that appends its own encoding
// (resources.User.AppendJSON, resources.Group.AppendJSON).
type appender interface {
	AppendJSON(dst []byte) ([]byte, error)
}

// encodeTo appends the encoding of v for a response to dst: without a
// projection, a resource that encodes itself writes straight into dst;
// with one, the projected document is written in the same order
// (appendDoc).
func encodeTo(dst []byte, v any, proj *projection) ([]byte, error) {
	if a, ok := v.(appender); ok && proj == nil {
		return a.AppendJSON(dst)
	}
	if proj == nil {
		b, err := json.Marshal(v)
		if err != nil {
			return dst, err
		}
		return append(dst, b...), nil
	}
	doc, err := resources.ToMap(v)
	if err != nil {
		return dst, err
	}
	out, err := appendDoc(dst, proj.rt, proj.apply(doc))
	if err != nil {
		return dst, err
	}
	return out, nil
}

// items reads one page of a list and appends each resource of it to
// body (encodePage).
func (k *kind[T]) items(h *handler, r *http.Request, proj *projection, q store.Query, body *pooledBody) (int, int, error) {
	page, err := k.list(r.Context(), q)
	if err != nil {
		return 0, 0, err
	}
	sent, err := k.encodePage(h, r, proj, page.Items, body)
	return sent, page.Total, err
}

// itemsAfter reads one page of a cursor walk and appends each resource
// of it to body (encodePage).
func (k *kind[T]) itemsAfter(h *handler, r *http.Request, proj *projection, q store.Query, after string, body *pooledBody) (int, []string, bool, error) {
	page, err := k.listAfter(r.Context(), q, after)
	if err != nil {
		return 0, nil, false, err
	}
	if err := checkCursorPage(page, q.Count); err != nil {
		return 0, nil, false, err
	}
	sent, err := k.encodePage(h, r, proj, page.Items, body)
	return sent, page.Positions, page.More, err
}

// encodePage renders the resources of a page and appends them to body, a
// ListResponse's resources (startItems), in order, each encoded once,
// straight into body: it returns how many it appended. A page of large
// resources is cut short rather than held whole in memory (at least one
// resource is sent): when the resources this call appended pass
// Config.MaxResponseBytes, the one that passed it is taken back and the
// page ends there; itemsPerPage says how many came, and the client asks
// for the rest from startIndex+itemsPerPage, as RFC 7644 §3.4.2.4
// allows, or from the cursor after the last one sent.
func (k *kind[T]) encodePage(h *handler, r *http.Request, proj *projection, items []T, body *pooledBody) (int, error) {
	if err := k.render(r, h.baseURL(r), proj, items, false); err != nil {
		return 0, err
	}
	size, sent := 0, 0
	for _, v := range items {
		ok, err := appendResource(h, body, v, proj, &size, sent > 0)
		if err != nil {
			return sent, err
		}
		if !ok {
			break
		}
		sent++
	}
	return sent, nil
}

// appendResource encodes v and appends it to body's resources; size
// counts the bytes appended so far to the page. When they pass
// Config.MaxResponseBytes and mayCut says another resource came first, v
// is taken back and appendResource reports false: the page ends before it.
func appendResource(h *handler, body *pooledBody, v any, proj *projection, size *int, mayCut bool) (bool, error) {
	mark := len(body.b)
	if body.n > 0 {
		body.b = append(body.b, ',')
	}
	from := len(body.b)
	b, err := encodeTo(body.b, v, proj)
	if err != nil {
		body.b = body.b[:mark]
		return false, err
	}
	body.b = b
	if *size += len(b) - from; *size > h.cfg.MaxResponseBytes && mayCut {
		body.b = body.b[:mark]
		return false, nil
	}
	body.n++
	return true, nil
}

// cursors reports whether the store pages this kind by position.
func (k *kind[T]) cursors() bool { return k.listAfter != nil }

// render readies resources for a response: prepare, and meta.version as
// the entity tag the ETag header carries.
func (k *kind[T]) render(r *http.Request, base string, proj *projection, items []T, fresh bool) error {
	if k.own != nil {
		k.own(items) // render's items are list pages, read with ReadOnly
	}
	if err := k.prepare(r, base, proj, items, fresh); err != nil {
		return err
	}
	for _, v := range items {
		k.tagVersion(v)
	}
	return nil
}

// tagVersion makes v's Meta.Version, as the store gave it, the ETag the
// response carries.
func (k *kind[T]) tagVersion(v T) {
	m := k.meta(v)
	m.Version = etag(m.Version)
}

// renderOne is render of one resource.
func (k *kind[T]) renderOne(r *http.Request, base string, proj *projection, v T, fresh bool) error {
	if err := k.prepareOne(r, base, proj, v, fresh); err != nil {
		return err
	}
	k.tagVersion(v)
	return nil
}

// resourceType is the resource type a kind serves.
func (k *kind[T]) resourceType() *resources.ResourceType { return k.rt }

// evaluator checks filters against the kind's resource type.
func (k *kind[T]) evaluator() *query.Evaluator { return k.eval }

// extReturned is the kind's extension attributes whose "returned" every
// projection applies.
func (k *kind[T]) extReturned() *extReturned { return &k.returned }

// applyPatch is the change of a PATCH: the stored resource with ops
// applied, rebuilt and checked, or changed false when the result equals
// cur (k.same), so a PATCH that changes nothing writes nothing, unless it
// sends a secret (applyPatchSecrets).
func (k *kind[T]) applyPatch(h *handler, ctx context.Context, cur T, ops []patch.Operation) (T, bool, error) {
	next, changed, _, err := k.applyPatchSecrets(h, ctx, cur, ops)
	return next, changed, err
}

// applyPatchSecrets is applyPatch that also returns the secrets the
// operations sent that the store keeps (keptSecrets), recorded for the
// store (secretsSent): a PATCH that sends one is a change whatever the
// result (secretwrite.go), so that a right guess at the stored value
// answers as a wrong one.
func (k *kind[T]) applyPatchSecrets(h *handler, ctx context.Context, cur T, ops []patch.Operation) (T, bool, []string, error) {
	var zero T
	// The document is rendered for this call alone, so the engine applies
	// the operations to it in place: a failed request throws it away, and
	// the no-op test compares typed values, not the document with a copy.
	doc, err := resources.WritableMap(cur)
	if err != nil {
		return zero, false, nil, err
	}
	l := h.lenience()
	secrets, err := k.engine.ApplyToSecrets(doc, ops, l)
	warnAll(ctx, l)
	if err != nil {
		return zero, false, nil, err
	}
	secrets = h.keptSecrets(secrets)
	secretsSent(ctx, secrets)
	next, err := k.fromDoc(h, doc, false)
	if err != nil {
		// Operations that change nothing are no change, even to a
		// resource stored before today's checks (Config limits) applied;
		// but not those that sent a secret, whose result would then tell
		// whether they changed it.
		if orig, e := resources.WritableMap(cur); e == nil && len(secrets) == 0 && resources.EqualDocs(orig, doc) {
			return zero, false, nil, nil
		}
		return zero, false, nil, err
	}
	if len(secrets) == 0 && k.same(cur, next) {
		return zero, false, nil, nil
	}
	return next, true, secrets, nil
}

// built checks a resource built from a document: a build error is the
// client's (400 invalidValue), then check decides.
func built[T any](v T, err error, check func(T) error) (T, error) {
	if err != nil {
		return v, errorf(http.StatusBadRequest, ScimTypeInvalidValue, "%s", err.Error())
	}
	return v, check(v)
}

// errStale is the 412 of a write whose precondition names a version the
// resource no longer has: the If-Match header's, a bulk operation's
// version (sent as its sub-request's If-Match), or a store's
// ErrPreconditionFailed. One value, never changed, shared by every answer.
var errStale = errorf(http.StatusPreconditionFailed, "", "the resource was changed since the version given in If-Match (or in a bulk operation's version); read it again and retry")

// errNoneMatch answers a write whose If-None-Match names the resource's
// current version, or is "*", which every existing resource matches.
var errNoneMatch = errorf(http.StatusPreconditionFailed, "", "the resource matches If-None-Match (its current version, or *), so the change was not made; send If-Match to change a version you have read")

// committed records that the request's write has committed. From then
// on a read that only completes the response (a group's members, a
// user's groups, a manager's displayName) cannot make it an error
// (readAfterWrite): the store's deadline that passed after the commit,
// or a database that failed then, would otherwise answer 503 for a
// change that was made, and the provider's retry of a create would get
// 409 uniqueness.
func committed(ctx context.Context) {
	if st := stateOf(ctx); st != nil {
		st.wrote = true
	}
}

// readAfterWrite reports whether err, the error of a read for the
// response of a write, is to be answered without what, the part that
// read would have added: true once the request's write has committed
// (committed). It then warns, in the request log and the log line, so
// the admin sees the response was cut short, and logs err.
func (h *handler) readAfterWrite(ctx context.Context, what string, err error) bool {
	st := stateOf(ctx)
	if st == nil || !st.wrote {
		return false
	}
	warn(ctx, "the change was made, but %s could not be read for the response, which leaves it out", what)
	h.cfg.Logger.LogAttrs(ctx, slog.LevelWarn, "scim: read after a committed write failed",
		slog.String("request_id", requestID(ctx)), slog.String("read", what), loggedError(err))
	return true
}

// errBusy answers a write without If-Match that lost to concurrent writers
// for the whole retry budget: a 503 the client retries after a pause,
// never a 412 for a precondition it did not set.
var errBusy = errorf(http.StatusServiceUnavailable, "", "the resource is being changed by other requests; retry later")

// retrier paces the retries of a versioned write that lost to a
// concurrent writer (internal/backoff): jittered pauses within
// backoff.DefaultBudget from the write's start and the request's store
// deadline (Config.StoreTimeout); a pause that would end within
// backoff.Margin of it is not taken, so the 503 (errBusy) comes at once
// rather than when the deadline has passed. A retry that met the passed
// deadline would answer 503 "unavailable" and log an error for what is a
// lost race.
type retrier struct{ backoff.Retry }

// newRetrier starts the retries of a write that starts now, paced by
// h.pace: the production policy, unless a test set its own.
func (h *handler) newRetrier(ctx context.Context) *retrier {
	return &retrier{h.pace.Start(ctx)}
}

// lost is err, the error of an attempt after a lost race, or errBusy
// when it is the request's store deadline that passed during the retry
// (backoff.Margin did not cover a late timer or a slow attempt): the
// request lost to concurrent writers, nothing was written, and the
// store is not to be reported unavailable for it.
func (rt *retrier) lost(ctx context.Context, err error) error {
	if rt.Retried() > 0 && err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) &&
		(errors.Is(err, context.DeadlineExceeded) || errors.Is(err, store.ErrUnavailable)) {
		return errBusy
	}
	return err
}

// readModifyWrite runs the versioned read-modify-write of PUT and PATCH:
// get the stored resource, compute the new one with change (changed false
// when nothing changes), which checks If-Match and If-None-Match first
// (update's attempt), and write it with replace at the version read.
// With If-Match the version must match (412 otherwise). Without it, a
// concurrent change makes it start again after a jittered
// backoff, for up to backoff.DefaultBudget, then answer 503: a request that set no
// precondition never fails one. It returns the resource read and, when
// changed, the one written. rt paces the retries (handler.newRetrier,
// started when the write starts).
func readModifyWrite[T any](r *http.Request, rt *retrier, get func() (T, error), version func(T) string,
	change func(cur T) (next T, changed bool, err error), replace func(next T, ifVersion string) (T, error),
) (cur, out T, changed bool, err error) {
	for {
		if cur, err = get(); err != nil {
			return cur, out, false, rt.lost(r.Context(), err)
		}
		next, changed, err := change(cur)
		if err != nil || !changed {
			return cur, out, false, err
		}
		out, err = replace(next, version(cur))
		if errors.Is(err, store.ErrPreconditionFailed) && !hasIfMatch(r) {
			if rt.Again(r.Context()) {
				continue
			}
			return cur, out, false, errBusy
		}
		return cur, out, err == nil, rt.lost(r.Context(), err)
	}
}

// etag renders a store's opaque version as an entity tag (RFC 9110
// §8.8.3): a version that already is one (W/"3", "abc") is used as it is;
// any other is quoted as a weak tag, with the characters an entity tag
// cannot hold percent-encoded. Responses carry it as the ETag header and
// as meta.version, and If-Match and If-None-Match are compared with it.
func etag(version string) string {
	if version == "" || isEntityTag(version) {
		return version
	}
	var b strings.Builder
	b.WriteString(`W/"`)
	for i := 0; i < len(version); i++ {
		c := version[i]
		if isEtagc(c) && c != '%' {
			b.WriteByte(c)
			continue
		}
		const hex = "0123456789ABCDEF"
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	b.WriteByte('"')
	return b.String()
}

// isEntityTag reports whether s is an entity-tag: [W/] DQUOTE *etagc DQUOTE.
func isEntityTag(s string) bool {
	s = strings.TrimPrefix(s, "W/")
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
		return false
	}
	for i := 1; i < len(s)-1; i++ {
		if !isEtagc(s[i]) {
			return false
		}
	}
	return true
}

// tagHeaders are the request headers that list entity tags.
var tagHeaders = [...]string{"If-Match", "If-None-Match"}

// quoteTagHeaders reads the entity tags of r's If-Match and If-None-Match
// headers as quoted, each once per request (the /Bulk operation's
// version goes through quoteTags as well). RFC 9110 §8.8.3 quotes an
// entity tag (W/"3"); a client that sends W/3 or abc means the tag W/"3"
// or "abc", and comparing what it sent with the quoted tag answered 412
// for a tag that names the version: the tag is quoted, with a warning,
// and refused with 400 invalidValue in strict mode. What no quoting makes
// a tag of (a space, a lone quote) is compared as sent and matches
// nothing, as before. Entra ID and Okta send no tag or a quoted one.
// A header given on several lines is one list (RFC 9110 §5.3), joined
// here so that every later reading of its first line sees all of it.
func (h *handler) quoteTagHeaders(ctx context.Context, r *http.Request) error {
	for _, name := range tagHeaders {
		lines := r.Header[name]
		if len(lines) == 0 {
			continue
		}
		v := lines[0]
		if len(lines) > 1 {
			v = strings.Join(lines, ", ")
		}
		fixed, bad := h.quoteTags(ctx, name, v)
		if bad != nil {
			return bad
		}
		if fixed != lines[0] || len(lines) > 1 {
			r.Header[name] = []string{fixed}
		}
	}
	return nil
}

// quoteTags is quoteTagHeaders for one list of entity tags, what naming
// where it came from ("If-Match", "Operations[2].version"): the list with
// each unquoted tag quoted, with a warning, or under Config.Strict a 400
// invalidValue naming the first.
func (h *handler) quoteTags(ctx context.Context, what, list string) (string, *Error) {
	var parts []string
	bent := false
	for rest := list; rest != ""; {
		var t string
		t, rest = nextTag(rest)
		if q, ok := quoteTag(t); ok {
			// The tags as a message shows client text: bounded, no token.
			st, sq := h.secrets.Unquoted(t), h.secrets.Unquoted(q)
			refusal := errorf(http.StatusBadRequest, ScimTypeInvalidValue, "%s: %s is no entity tag, which is quoted (RFC 9110 §8.8.3); send %s (strict mode)", what, st, sq)
			if h.bend(ctx, refusal, "%s: unquoted entity tag %s taken as %s", what, st, sq) != nil {
				return "", refusal
			}
			t, bent = q, true
		}
		parts = append(parts, t)
	}
	if !bent {
		return list, nil
	}
	return strings.Join(parts, ", "), nil
}

// nextTag returns the first element of a list of entity tags, trimmed,
// and the list after its comma. A comma inside a quoted tag belongs to
// the tag ("a,b" is one: RFC 9110 §8.8.3's etagc holds the comma); an
// element with an unclosed quote runs to the end of the list.
func nextTag(list string) (t, rest string) {
	quoted := false
	for i := 0; i < len(list); i++ {
		switch list[i] {
		case '"':
			quoted = !quoted
		case ',':
			if !quoted {
				return strings.TrimSpace(list[:i]), list[i+1:]
			}
		}
	}
	return strings.TrimSpace(list), ""
}

// quoteTag returns t, an unquoted entity tag (abc, W/3), quoted ("abc",
// W/"3"); ok is false for "*", a tag already quoted, and what quoting
// would not make a tag of.
func quoteTag(t string) (quoted string, ok bool) {
	if t == "*" || t == "" || isEntityTag(t) {
		return "", false
	}
	weak, opaque := "", t
	if rest, isWeak := strings.CutPrefix(t, "W/"); isWeak {
		weak, opaque = "W/", rest
	}
	if opaque == "" {
		return "", false
	}
	for i := 0; i < len(opaque); i++ {
		if !isEtagc(opaque[i]) {
			return "", false
		}
	}
	return weak + `"` + opaque + `"`, true
}

// isEtagc: %x21 / %x23-7E / obs-text.
func isEtagc(c byte) bool { return c == 0x21 || (c >= 0x23 && c != 0x7F) }

// ifMatchOK reports whether the If-Match header, if any, names the
// resource at version ("*" matches any existing resource).
func ifMatchOK(r *http.Request, version string) bool {
	im := strings.TrimSpace(headerOf(r, "If-Match"))
	return im == "" || tagMatches(im, etag(version))
}

func hasIfMatch(r *http.Request) bool { return !tagless(r) && headerOf(r, "If-Match") != "" }

// hasPrecondition reports whether a write names a version to check.
func hasPrecondition(r *http.Request) bool {
	return !tagless(r) && (headerOf(r, "If-Match") != "" || headerOf(r, "If-None-Match") != "")
}

// tagless reports whether the middleware found r without If-Match and
// If-None-Match (requestState.tagless): then r has no precondition, and
// the two header lookups, which cost more than the state's, are saved.
func tagless(r *http.Request) bool {
	st := stateOf(r.Context())
	return st != nil && st.tagless
}

// precondition evaluates a write's If-Match and If-None-Match against the
// resource at version, in RFC 9110 §13.2.2's order: nil when the write may
// proceed, else its 412. If-None-Match matters on writes too (§13.1.2: for
// methods other than GET and HEAD a match is a 412), though providers send
// it only on reads.
func precondition(r *http.Request, version string) error {
	if tagless(r) {
		return nil
	}
	if !ifMatchOK(r, version) {
		return errStale
	}
	if inm := headerOf(r, "If-None-Match"); inm != "" && tagMatches(inm, etag(version)) {
		return errNoneMatch
	}
	return nil
}

// headerOf is r.Header.Get(key) for a key spelled canonically, as the
// handler's constants are: net/http files a request's headers under their
// canonical keys, and Get would check and canonicalise the key again on
// every request.
func headerOf(r *http.Request, key string) string {
	if v := r.Header[key]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// tagMatches reports whether a list of entity tags (If-Match,
// If-None-Match) names tag: "*" or the same tag, compared weakly (RFC
// 9110 §8.8.3.2: W/ is ignored). For If-Match, RFC 9110 §13.1.1 asks a
// strong comparison, which no tag etag makes from a store's version could
// pass (it makes weak ones, and RFC 7644 §3.14 has clients send them back
// in If-Match), so both headers compare weakly.
func tagMatches(list, tag string) bool {
	if list == "" || tag == "" {
		return false
	}
	for rest := list; rest != ""; {
		var t string
		t, rest = nextTag(rest)
		if t == "*" || strings.TrimPrefix(t, "W/") == strings.TrimPrefix(tag, "W/") {
			return true
		}
	}
	return false
}
