package scim

import (
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/internal/jsonscan"
	"github.com/scimkit/scim/internal/names"
	"github.com/scimkit/scim/internal/patch"
	"github.com/scimkit/scim/resources"
)

// keyAttributes are the attribute paths stores index for lookups and
// uniqueness, held to Config.MaxKeyBytes. phoneNumbers.value is among
// them: store/sqlstore indexes it with emails.value (a provider looks a
// user up by phone number), and PostgreSQL refuses an index entry of
// about 2,700 bytes with an error, which was a 500.
var keyAttributes = map[string]bool{
	"userName": true, "externalId": true, "displayName": true, "emails.value": true, "phoneNumbers.value": true,
}

// checkValues holds every string of a resource document to what every
// store can keep, before any store sees it: no NUL character (PostgreSQL
// refuses it in text; SQLite and memory would keep it, so the same request
// would succeed on one store and fail with a 500 on another), and at most
// Config.MaxValueBytes bytes (MaxKeyBytes for the indexed attributes);
// and no multi-valued attribute but a group's members holds more than
// Config.MaxMultiValues values (a PATCH compares each value it adds with
// those the attribute holds, and every store must keep what is let
// through: store.MultiValueLimit).
// Invalid UTF-8 never gets this far: readBody refuses it.
func (h *handler) checkValues(doc map[string]any) error {
	// A body with two bad values gets the same error every time: the one
	// a walk in sorted order (jsonscan.SortedKeys) meets first. Most
	// documents have none, and are walked once in map order, without
	// sorting the names of each object; only one that has a bad value is
	// walked again, sorted, for the error.
	if h.checkDoc(doc, false) == nil {
		return nil
	}
	return h.checkDoc(doc, true)
}

// valuesFit reports, without a document, that checkValues accepts every
// string of u's document (WritableMap's): no string u holds
// (User.EachString) is longer than the smaller of MaxValueBytes and
// MaxKeyBytes, holds NUL, or holds a byte that is not UTF-8 (a document
// renders it as U+FFFD, a change the typed value would not make), and the
// schema URNs the document lists fit too; and no list of u's core
// attributes that the document holds (groups it does not) has more than
// MaxMultiValues values. It is a sufficient test, not
// checkValues: false says only that the document must be checked. A PATCH
// of one simple attribute (scalarPatch) relies on it to leave the stored
// user's document unrendered; a user holding a longer string (a
// certificate, a long photo URL: MaxKeyBytes is 512 by default) takes the
// document's way, correctly and without the saving. It reads the
// strings where the user holds them: the document's are the same (a
// valid string unchanged), so the user is not encoded to be checked.
func (h *handler) valuesFit(u *resources.User) bool {
	limit := min(h.cfg.MaxValueBytes, h.cfg.MaxKeyBytes)
	if limit < len(resources.EnterpriseUserSchema) {
		// The longest URN in "schemas" of a user without other extensions
		// (which scalarPatch leaves to the document): a value checked too.
		return false
	}
	for _, n := range [...]int{len(u.Emails), len(u.PhoneNumbers), len(u.IMs), len(u.Photos), len(u.Entitlements),
		len(u.Roles), len(u.X509Certificates), len(u.Addresses)} { // not groups: WritableMap leaves them out
		if n > h.cfg.MaxMultiValues {
			return false
		}
	}
	return u.EachString(func(s string) bool {
		return len(s) <= limit && strings.IndexByte(s, 0) < 0 && utf8.ValidString(s)
	})
}

// checkDoc is checkValues' walk, in sorted order or in map order.
func (h *handler) checkDoc(doc map[string]any, sorted bool) error {
	return eachMember(doc, sorted, func(k string, v any) error {
		if ext, ok := v.(map[string]any); ok && resources.IsURN(k) {
			// An extension object: its attributes are named urn:...:name.
			return h.walkValues(filter.AttrPath{URI: k}, ext, sorted)
		}
		return h.walkValues(filter.AttrPath{Name: k}, v, sorted)
	})
}

// eachMember calls f with each member of obj until f fails, in sorted
// order or in map order.
func eachMember(obj map[string]any, sorted bool, f func(k string, v any) error) error {
	if !sorted {
		for k, v := range obj {
			if err := f(k, v); err != nil {
				return err
			}
		}
		return nil
	}
	var buf [jsonscan.SmallObject]string
	for _, k := range jsonscan.SortedKeys(buf[:0], obj) {
		if err := f(k, obj[k]); err != nil {
			return err
		}
	}
	return nil
}

// walkValues checks each string of v, the value at path. A path is joined
// (filter.AttrPath.String) only when its name is needed: a long value, an
// error message.
func (h *handler) walkValues(path filter.AttrPath, v any, sorted bool) error {
	switch x := v.(type) {
	case string:
		limit := h.cfg.MaxValueBytes
		if len(x) > h.cfg.MaxKeyBytes {
			if p := path.String(); keyAttributes[p] || h.uniqueAttrs[p] {
				limit = h.cfg.MaxKeyBytes
			}
		}
		if strings.IndexByte(x, 0) >= 0 {
			return errorf(http.StatusBadRequest, ScimTypeInvalidValue, "attribute %q contains a NUL character (\\u0000), which cannot be stored", path)
		}
		if len(x) > limit {
			return errorf(http.StatusBadRequest, ScimTypeInvalidValue, "attribute %q is %d bytes long; at most %d are accepted", path, len(x), limit)
		}
	case []any:
		if len(x) > h.cfg.MaxMultiValues && !isMembers(path) {
			return errorf(http.StatusBadRequest, ScimTypeInvalidValue, "attribute %q has %d values; at most %d are accepted", path, len(x), h.cfg.MaxMultiValues)
		}
		for _, el := range x {
			if err := h.walkValues(path, el, sorted); err != nil {
				return err
			}
		}
	case map[string]any:
		return eachMember(x, sorted, func(k string, el any) error {
			return h.walkValues(memberPath(path, k), el, sorted)
		})
	}
	return nil
}

// memberPath is the path of the member k of the object at path: an
// attribute of the schema path names alone (an extension's object), a
// sub-attribute of the attribute it names.
func memberPath(path filter.AttrPath, k string) filter.AttrPath {
	switch {
	case path.Name == "":
		return filter.AttrPath{URI: path.URI, Name: k}
	case path.Sub == "":
		return filter.AttrPath{URI: path.URI, Name: path.Name, Sub: k}
	default:
		return filter.AttrPath{Name: path.String(), Sub: k} // deeper than SCIM nests: rare
	}
}

// isMembers reports whether path is a group's members, the one
// multi-valued attribute Config.MaxMultiValues does not bound: a group of
// 100,000 members is a group, and its member changes go to the store as
// changes (store.GroupStore.ModifyMembers), not as a list to compare.
func isMembers(path filter.AttrPath) bool {
	return (path.URI == "" || names.Equal(path.URI, resources.GroupSchema)) && path.Sub == "" && names.Equal(path.Name, "members")
}

// checkPatchValues refuses a PATCH whose operations' values hold more
// than Config.MaxMultiValues values in all, a group's members aside
// (isMembers): the PATCH engine compares each value an add names with
// each the attribute holds, so 20,000 emails in one add took minutes of
// CPU on every store before the document's check (checkValues) could
// refuse the result. Arrays are counted wherever they are in a value (an
// extension's list in a no-path value), as the result may hold them all,
// and so is each key of a no-path value that holds a value filter, which
// may make an element (countValues).
func (h *handler) checkPatchValues(ops []patch.Operation) error {
	n := 0
	for i, op := range ops {
		if !holdsValues(op.Value) {
			continue // a scalar: its path is not parsed
		}
		n += countValues(patchPath(op.Path), op.Value)
		if n > h.cfg.MaxMultiValues {
			return errorf(http.StatusBadRequest, ScimTypeInvalidValue, "Operations[%d]: the PATCH names more than %d values of multi-valued attributes; at most %d are accepted in one request", i, h.cfg.MaxMultiValues, h.cfg.MaxMultiValues)
		}
	}
	return nil
}

// patchPath is the attribute a PATCH path names, its value filter aside,
// or that a no-path value's key names ("members", or qualified with the
// Group schema's URN): the zero path for "", which names the resource.
// A path the parser refuses names no attribute here: the PATCH engine
// refuses it, and its values are counted meanwhile.
func patchPath(s string) filter.AttrPath {
	if s == "" {
		return filter.AttrPath{}
	}
	p, err := filter.ParsePath(s)
	if err != nil {
		return filter.AttrPath{Name: s}
	}
	return p.AttrPath
}

// holdsValues reports whether v, a JSON value, may hold an array.
func holdsValues(v any) bool {
	switch v.(type) {
	case []any, map[string]any:
		return true
	}
	return false
}

// countValues counts the elements of the arrays v, the value at path,
// holds, at any depth, but a group's members (isMembers), and a member of
// an object whose name holds a value filter as one: a no-path value's key
// may be a path (`emails[type eq "t1"].value`, at the top, in the core
// schema's object or in an extension's), and each such key whose filter
// matches nothing makes an element (the Entra quirk), which the engine
// compares with those made before, so 25,000 of them in one value took
// more than a minute of CPU before the result's count refused them. The
// zero path is a no-path operation's: the members of its object are named
// as PATCH paths are (patchPath).
func countValues(path filter.AttrPath, v any) int {
	n := 0
	switch x := v.(type) {
	case []any:
		if isMembers(path) {
			return 0
		}
		n = len(x)
		for _, el := range x {
			n += countValues(path, el)
		}
	case map[string]any:
		for k, el := range x {
			if strings.IndexByte(k, '[') >= 0 {
				n++
			}
			if !holdsValues(el) {
				continue
			}
			if path == (filter.AttrPath{}) {
				n += countValues(patchPath(k), el)
			} else {
				n += countValues(memberPath(path, k), el)
			}
		}
	}
	return n
}

// validUTF8 refuses a body that is not UTF-8, or that escapes half of a
// UTF-16 surrogate pair alone ("\ud800"): the decoder would turn each bad
// byte or escape into U+FFFD and store a value the client never sent.
// (The filter parser refuses both in a filter.)
//
// Each error says "at byte N" as a malformed JSON error does (encoding/json's
// offset, one past the byte's index), counted on the bytes as sent: readBody
// blanks a byte order mark rather than cutting it off.
func validUTF8(data []byte) error {
	if !utf8.Valid(data) {
		at := jsonscan.InvalidUTF8(string(data)) // a copy only on the way to a 400
		return errorf(http.StatusBadRequest, ScimTypeInvalidSyntax, "the request body is not valid UTF-8 at byte %d: invalid byte 0x%02X (RFC 8259 §8.1: send JSON encoded as UTF-8)", at+1, data[at])
	}
	if at := jsonscan.LoneSurrogate(data); at >= 0 {
		return errorf(http.StatusBadRequest, ScimTypeInvalidSyntax, "the request body escapes half of a UTF-16 surrogate pair alone at byte %d (%s), which is no character: send the character itself, or both halves of its pair", at+1, data[at:at+6])
	}
	return nil
}

// messageKeys returns the member names of a message body (a SearchRequest, a
// BulkRequest, a bulk operation) sorted (jsonscan.SortedKeys), and repeated,
// a name the object also gives in another case ("data" and "dAtA"; "" when
// none). A message's members match case-insensitively, so two spellings
// would leave which value counts to the map's iteration order, and an
// unsorted walk would leave to it which of two errors answers: the same
// request must get the same answer every time (and on every store). The
// PATCH decoder and resources.ResourceType.Normalize refuse such a body too.
//
// Names are the same when names.Equal says so (ASCII case folding), the
// fold the readers' switches classify them by (names.Lower), so that a
// pair refused here is a pair they would read as one member: "sortBy" and
// "ſortBy" are two names, the second of which names nothing
// (names.Repeated finds the pair).
func messageKeys(doc map[string]any) (keys []string, repeated string) {
	keys = jsonscan.SortedKeys(make([]string, 0, len(doc)), doc)
	repeated, _ = names.Repeated(keys)
	return keys, repeated
}
