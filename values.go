package scim

import (
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/scimkit/scim/internal/jsonscan"
	"github.com/scimkit/scim/internal/names"
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
// Config.MaxValueBytes bytes (MaxKeyBytes for the indexed attributes).
// Invalid UTF-8 never gets this far: readBody refuses it.
func (h *handler) checkValues(doc map[string]any) error {
	// Walked in sorted order (jsonscan.SortedKeys), so a body with two bad
	// values gets the same error every time.
	var buf [jsonscan.SmallObject]string
	for _, k := range jsonscan.SortedKeys(buf[:0], doc) {
		v := doc[k]
		if ext, ok := v.(map[string]any); ok && resources.IsURN(k) {
			// An extension object: its attributes are named urn:...:name.
			var ebuf [jsonscan.SmallObject]string
			for _, ek := range jsonscan.SortedKeys(ebuf[:0], ext) {
				if err := h.walkValues(valuePath{k + ":" + ek, ""}, ext[ek]); err != nil {
					return err
				}
			}
			continue
		}
		if err := h.walkValues(valuePath{k, ""}, v); err != nil {
			return err
		}
	}
	return nil
}

// valuePath names a value: an attribute and a sub-attribute, joined only
// for an error message (most requests have none).
type valuePath struct{ attr, sub string }

func (p valuePath) String() string {
	if p.sub == "" {
		return p.attr
	}
	return p.attr + "." + p.sub
}

func (h *handler) walkValues(path valuePath, v any) error {
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
		for _, el := range x {
			if err := h.walkValues(path, el); err != nil {
				return err
			}
		}
	case map[string]any:
		var buf [jsonscan.SmallObject]string
		for _, k := range jsonscan.SortedKeys(buf[:0], x) {
			el := x[k]
			sub := valuePath{path.attr, k}
			if path.sub != "" {
				sub = valuePath{path.String(), k} // deeper than SCIM nests: rare
			}
			if err := h.walkValues(sub, el); err != nil {
				return err
			}
		}
	}
	return nil
}

// validUTF8 refuses a body that is not UTF-8, or that escapes half of a
// UTF-16 surrogate pair alone ("\ud800"): the decoder would turn each bad
// byte or escape into U+FFFD and store a value the client never sent.
// (The filter parser refuses both in a filter.)
func validUTF8(data []byte) error {
	if !utf8.Valid(data) {
		return errorf(http.StatusBadRequest, ScimTypeInvalidSyntax, "the request body is not valid UTF-8")
	}
	if esc := jsonscan.LoneSurrogate(data); esc != "" {
		return errorf(http.StatusBadRequest, ScimTypeInvalidSyntax, "the request body escapes half of a UTF-16 surrogate pair alone (%s), which is no character: send the character itself, or both halves of its pair", esc)
	}
	return nil
}

// messageKeys returns the member names of a message body (a
// SearchRequest, a BulkRequest, a bulk operation) sorted
// (jsonscan.SortedKeys), and repeated, a
// name the object also gives in another case ("data" and "dAtA"; "" when
// none). A message's members match case-insensitively, so two spellings
// would leave which value counts to the map's iteration order, and an
// unsorted walk would leave to it which of two errors answers: the same
// request must get the same answer every time (and on every store). The
// PATCH decoder and resources.Normalize refuse such a body too.
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
