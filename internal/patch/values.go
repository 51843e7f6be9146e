package patch

import (
	"encoding/json"
	"reflect"
	"strconv"

	"github.com/scimkit/scim/internal/fold"
	"github.com/scimkit/scim/internal/names"
	"github.com/scimkit/scim/resources"
)

// lookup finds name in m and returns the key it is kept under: attribute
// names are case-insensitive (RFC 7643 §2.1), and of two other spellings
// the one names.Key picks answers, whatever Go's map order.
func lookup(m map[string]any, name string) (key string, v any, ok bool) {
	return names.Key(m, name)
}

func copyMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m)+2)
	for k, v := range m {
		out[k] = copyValue(v)
	}
	return out
}

func copyValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		return copyMap(x)
	case []any:
		out := make([]any, len(x))
		for i, el := range x {
			out[i] = copyValue(el)
		}
		return out
	}
	return v
}

// isEmpty reports whether v, a normalised value put into the document,
// unassigns the attribute there and then: null, an empty list or an empty
// object (RFC 7643 §2.5). It is shallower than resources.Assigned, the
// rule of what holds a value, on purpose: "" and lists or objects of
// nothing else stay in the document ApplyTo gives, and the resource made
// of it drops them (resources.UserFromMap and GroupFromMap compact by
// Assigned), so what is stored is the same. Leaving them keeps ApplyTo's
// document the one Scalar promises (doc[attr.Name] = v, for a replace
// of title with "" too: TestScalarIsApply), which lets the handler take
// that PATCH on its typed path, and puts no walk of a whole value list
// into every put.
func isEmpty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case []any:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	}
	return false
}

func isEmptyList(v any) bool {
	l, ok := v.([]any)
	return ok && len(l) == 0
}

// dropEmpty removes elements left without sub-attributes.
func dropEmpty(list []any) []any {
	out := list[:0]
	for _, el := range list {
		if m, ok := el.(map[string]any); ok && len(m) == 0 {
			continue
		}
		out = append(out, el)
	}
	return out
}

// EqualValue reports whether two normalised values of attr are the same
// value as a SCIM comparison judges it: strings case-insensitively (the
// one fold of values, internal/fold) unless
// attr is caseExact, numbers by value, complex values sub-attribute by
// sub-attribute. It is the one test of "the same value" an immutable
// attribute's write is held to (RFC 7644 §3.5.1), PATCH's and PUT's,
// and what matches a value a PUT sends to a stored one (keepInValues).
func EqualValue(attr *resources.Attribute, x, y any) bool {
	if attr.MultiValued {
		xl, ok1 := x.([]any)
		yl, ok2 := y.([]any)
		if !ok1 || !ok2 || len(xl) != len(yl) {
			return ok1 == ok2 && len(xl) == 0 && len(yl) == 0
		}
		for i := range xl {
			if !equalElem(attr, xl[i], yl[i]) {
				return false
			}
		}
		return true
	}
	return equalElem(attr, x, y)
}

// equalElem compares one value (one element, for a multi-valued
// attribute) of attr: strings case-insensitively unless caseExact,
// complex values sub-attribute by sub-attribute.
func equalElem(attr *resources.Attribute, x, y any) bool {
	if attr.Type == resources.TypeComplex {
		xm, ok1 := x.(map[string]any)
		ym, ok2 := y.(map[string]any)
		if !ok1 || !ok2 {
			return reflect.DeepEqual(x, y)
		}
		return len(xm) == len(ym) && subset(attr, xm, ym)
	}
	switch xv := x.(type) {
	case string:
		yv, ok := y.(string)
		if !ok {
			return false
		}
		if attr.CaseExact {
			return xv == yv
		}
		return fold.Equal(xv, yv)
	case json.Number:
		yv, ok := y.(json.Number)
		if !ok {
			return false
		}
		return resources.SameNumber(xv, yv)
	}
	return reflect.DeepEqual(x, y)
}

// subset reports whether in holds every sub-attribute of small with an
// equal value.
func subset(attr *resources.Attribute, small, in map[string]any) bool {
	for k, sv := range small {
		_, bv, ok := lookup(in, k)
		if !ok {
			return false
		}
		sub := attr.Sub(k)
		if sub == nil {
			if !reflect.DeepEqual(sv, bv) {
				return false
			}
			continue
		}
		if !EqualValue(sub, sv, bv) {
			return false
		}
	}
	return true
}

// literal turns a filter comparison value into a document value.
func literal(v any) any {
	switch x := v.(type) {
	case int64:
		return json.Number(strconv.FormatInt(x, 10))
	case float64:
		return json.Number(strconv.FormatFloat(x, 'g', -1, 64))
	}
	return v
}
