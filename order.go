package scim

import (
	"encoding/json"
	"strconv"

	"github.com/scimkit/scim/internal/jsonscan"
	"github.com/scimkit/scim/internal/names"
	"github.com/scimkit/scim/resources"
)

// appendDoc appends doc, a projected document of rt (projection.apply),
// as JSON with its members in the order a full response has them
// (resources.User.AppendJSON, Group's): "schemas", id, externalId, the
// core schema's attributes in its order, meta, the enterprise extension,
// then the other extensions by URN; inside a value, its sub-attributes
// in their schema's order (meta's: resourceType, created, lastModified,
// location, version), as the typed encoder writes them; inside an
// extension, its attributes in their schema's order (a full response
// writes a host's extension as it was stored). Members no definition
// names come after the others, by name. Strings are escaped as a full
// response's (jsonscan.AppendString).
func appendDoc(dst []byte, rt *resources.ResourceType, doc map[string]any) ([]byte, error) {
	core := rt.Schema.Attributes
	n := len(core)
	return appendObject(dst, doc, func(k string) (int, []*resources.Attribute) {
		switch k {
		case "schemas":
			return 0, nil
		case "id":
			return 1, nil
		case "externalId":
			return 2, nil
		case "meta":
			meta, _ := rt.Attr("", "meta")
			return 4 + n, subsOf(meta)
		}
		if resources.IsURN(k) {
			if ext := rt.Extension(k); ext != nil {
				if names.Equal(k, resources.EnterpriseUserSchema) {
					return 5 + n, ext.Attributes
				}
				return 6 + n, ext.Attributes
			}
			return 7 + n, nil
		}
		i, a := attrIndex(core, k)
		return 3 + i, subsOf(a) // one the schema lacks: 3+n, after the others, by name
	})
}

// appendValue appends v, a value of a document, whose members (an
// object's, or each element's of a list) attrs defines.
func appendValue(dst []byte, v any, attrs []*resources.Attribute) ([]byte, error) {
	switch x := v.(type) {
	case string:
		return jsonscan.AppendString(dst, x), nil
	case bool:
		return strconv.AppendBool(dst, x), nil
	case nil:
		return append(dst, "null"...), nil
	case json.Number:
		return append(dst, x...), nil
	case map[string]any:
		return appendObject(dst, x, func(k string) (int, []*resources.Attribute) {
			i, a := attrIndex(attrs, k)
			return i, subsOf(a)
		})
	case []any:
		dst = append(dst, '[')
		for i, el := range x {
			if i > 0 {
				dst = append(dst, ',')
			}
			var err error
			if dst, err = appendValue(dst, el, attrs); err != nil {
				return dst, err
			}
		}
		return append(dst, ']'), nil
	}
	b, err := json.Marshal(v)
	return append(dst, b...), err
}

// appendObject appends m with its members ordered by rank, then by name;
// rank also gives the definitions of each member's own members.
func appendObject(dst []byte, m map[string]any, rank func(k string) (int, []*resources.Attribute)) ([]byte, error) {
	type member struct {
		key   string
		rank  int
		attrs []*resources.Attribute
	}
	var buf [24]member
	ms := buf[:0]
	for k := range m {
		r, attrs := rank(k)
		ms = append(ms, member{k, r, attrs})
		// Insertion sort: an object has a few members.
		for i := len(ms) - 1; i > 0 && (ms[i].rank < ms[i-1].rank || ms[i].rank == ms[i-1].rank && ms[i].key < ms[i-1].key); i-- {
			ms[i], ms[i-1] = ms[i-1], ms[i]
		}
	}
	dst = append(dst, '{')
	for i, mb := range ms {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(jsonscan.AppendString(dst, mb.key), ':')
		var err error
		if dst, err = appendValue(dst, m[mb.key], mb.attrs); err != nil {
			return dst, err
		}
	}
	return append(dst, '}'), nil
}

// attrIndex returns the index in attrs of the attribute named k and the
// attribute; len(attrs) and nil when none is.
func attrIndex(attrs []*resources.Attribute, k string) (int, *resources.Attribute) {
	for i, a := range attrs {
		if names.Equal(a.Name, k) {
			return i, a
		}
	}
	return len(attrs), nil
}

// subsOf returns a's sub-attributes; nil for nil.
func subsOf(a *resources.Attribute) []*resources.Attribute {
	if a == nil {
		return nil
	}
	return a.SubAttributes
}
