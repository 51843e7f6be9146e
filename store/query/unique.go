package query

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/scimkit/scim/internal/names"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
)

// UniqueKey is the key under which a store files one value of an
// attribute declared unique (resources.ResourceType.UniqueAttributes).
type UniqueKey struct {
	// Attr is the attribute's qualified name (UniqueAttribute.Name),
	// e.g. "urn:example:...:User:badge".
	Attr string
	// Key is the value's comparison form: two values with the same Key
	// conflict. A string or reference is folded with Fold unless the
	// attribute is caseExact (the comparison "eq" makes in a filter); a
	// number is its shortest decimal form, so 7 and 7.0 are one value; a
	// dateTime is its UTC instant, so one instant written in two zones is
	// one value; a binary value is compared exactly, as RFC 7643 §2.3.6
	// says. Keys are persisted by store/sqlstore: the output for a given
	// input must not change between releases.
	Key string
	// Value is the value as stored, for the conflict's detail.
	Value string
	// folded: Key is Value case-folded (for the detail's words).
	folded bool
}

// UniqueKeys returns the keys of the unique attributes attrs that exts
// (a resource's Extensions) holds a value of. An absent, null or empty
// value (resources.AssignedJSON: "" too, which a resource does not keep)
// has no key: it is not constrained (RFC 7643 §2.2 constrains values, and any
// number of resources may leave an optional attribute unset). attrs is
// usually rt.UniqueAttributes(); for none, UniqueKeys returns nil at once.
// A value of a type the attribute does not have (the handler's checks
// refuse it before a store sees it) is compared as its JSON text.
func UniqueKeys(attrs []resources.UniqueAttribute, exts map[string]json.RawMessage) []UniqueKey {
	if len(attrs) == 0 || len(exts) == 0 {
		return nil
	}
	var out []UniqueKey
	var objs map[string]map[string]json.RawMessage // decoded extension objects, by URN as stored
	for _, ua := range attrs {
		urn, raw, ok := names.Key(exts, ua.Schema)
		if !ok || len(raw) == 0 {
			continue
		}
		if objs == nil {
			objs = map[string]map[string]json.RawMessage{}
		}
		obj, seen := objs[urn]
		if !seen {
			_ = json.Unmarshal(raw, &obj) // not an object: no values
			objs[urn] = obj
		}
		_, v, ok := names.Key(obj, ua.Attr.Name)
		if !ok {
			continue
		}
		if !resources.AssignedJSON(v) {
			continue
		}
		v = bytes.TrimSpace(v)
		key, value, folded := uniqueKey(ua.Attr, v)
		out = append(out, UniqueKey{Attr: ua.Name(), Key: key, Value: value, folded: folded})
	}
	return out
}

// uniqueKey returns the key and the text of the JSON value v of a, and
// whether the key is the value case-folded.
func uniqueKey(a *resources.Attribute, v json.RawMessage) (key, value string, folded bool) {
	value = string(v)
	var s string
	if v[0] == '"' && json.Unmarshal(v, &s) == nil {
		value = s
	}
	switch a.Type {
	case resources.TypeString, resources.TypeReference:
		if a.CaseExact {
			return value, value, false
		}
		return Fold(value), value, true
	case resources.TypeInteger, resources.TypeDecimal:
		// Not math/big: "1e999999999" is a short value and a huge number.
		if n, err := strconv.ParseInt(value, 10, 64); err == nil {
			return strconv.FormatInt(n, 10), value, false
		}
		if f, err := strconv.ParseFloat(value, 64); err == nil {
			if f == float64(int64(f)) {
				return strconv.FormatInt(int64(f), 10), value, false
			}
			return strconv.FormatFloat(f, 'g', -1, 64), value, false
		}
	case resources.TypeDateTime:
		if t, ok := ParseTime(value); ok {
			return t.UTC().Format(time.RFC3339Nano), value, false
		}
	}
	return value, value, false
}

// UniqueConflict returns the store.ErrConflict a store reports when k's
// value is already held by another resource of the tenant. The text after
// "store: conflict: " is the response's detail: it names the attribute
// and the value, and says how values are compared.
func UniqueConflict(k UniqueKey) error {
	how := "compared exactly"
	if k.folded {
		how = "compared without regard to case"
	}
	return fmt.Errorf("%w: %s %s is already taken by another resource (the attribute is declared unique; values are %s)",
		store.ErrConflict, k.Attr, strconv.Quote(k.Value), how)
}
