// Package multivalue holds RFC 7643 §2.4's rules for the values of a
// multi-valued complex attribute (emails, phoneNumbers, roles): no two
// duplicates (the same "type" and "value") and at most one primary. It is
// the one implementation resources.ResourceType.Normalize (a POST or PUT
// body) and the PATCH engine (internal/patch, the list its operations leave)
// hold a list to, so that a PATCH stores no list a POST would not. It knows
// no schema type: each caller describes the attribute by a Shape.
package multivalue

import (
	"fmt"
	"reflect"

	"github.com/scimkit/scim/internal/clienttext"
	"github.com/scimkit/scim/internal/fold"
)

// Field is a sub-attribute as the rules compare it: its name as the schema
// spells it (the key a normalised element holds it under), and whether its
// values compare case-sensitively. The zero Field is a sub-attribute the
// attribute does not have.
//
// Field and Shape are aliases of struct types, not types of their own:
// resources.ValueField and resources.ValueShape, which
// resources.Attribute.ValueShape gives (to this package's callers, and to
// a host without naming an internal package), are the same types, and
// every call that hands one to this package checks it.
type Field = struct {
	Name      string
	CaseExact bool
}

// Shape is what the rules read of a multi-valued attribute: its "value",
// "type" and "primary" sub-attributes. The zero Shape (a simple attribute,
// or a complex one without them) has no duplicates and no primary.
type Shape = struct {
	Value, Type, Primary Field
}

// ShapeOf is the Shape of a schema attribute: the zero Shape unless it is
// complex, else its "value", "type" and "primary" sub-attributes as sub
// gives them (the zero Field for one it does not have). A caller reads its
// own schema type, which this package does not import.
func ShapeOf(complex bool, sub func(name string) Field) Shape {
	if !complex {
		return Shape{}
	}
	return Shape{Value: sub("value"), Type: sub("type"), Primary: sub("primary")}
}

// Bend answers one bend Tidy makes: x is the element it changes (the
// duplicate dropped, or the extra primary made not primary) and y the one
// kept (the first of x's duplicates, or the first primary); primary says
// which. refusal is the message of a refusal, warning that of a warning.
// A non-nil error stops Tidy, which returns it.
type Bend func(x, y map[string]any, primary bool, refusal, warning string) error

// Tidy keeps at most one primary:true value in list, the values of a
// multi-valued attribute of shape s, and drops duplicate values: elements
// equal in their "type" and "value" (Same). The first primary and the
// first of duplicates are kept; a dropped duplicate that was primary
// passes primary to the one kept, and its sub-attributes the kept one
// lacks (display) are merged into it. Each is a bend, answered by bend
// (path names the attribute in its warning, which quotes an element's
// value concealed as secrets, the model's set of secret names, says: see
// describe); a nil bend makes each without a word.
//
// It may reuse list's backing array. A list of at most eight elements
// without duplicates costs no allocation for the check.
func Tidy(s Shape, path string, list []any, secrets *clienttext.Secrets, bend Bend) ([]any, error) {
	if len(list) < 2 {
		return list, nil
	}
	if bend == nil {
		bend = func(_, _ map[string]any, _ bool, _, _ string) error { return nil }
	}
	if s.Value.Name != "" && mayHoldDuplicates(s, list) {
		// Each kept element is found by its key in a map: a provider's
		// push of a group lists 20,000 members, which comparing each
		// with every one kept took seconds for.
		kept := list[:0:0]
		index := make(map[valueKey]int, len(list))
		for _, el := range list {
			m, _ := el.(map[string]any)
			key, ok := keyOf(s, m)
			dup, found := index[key]
			if !ok || !found {
				if ok {
					index[key] = len(kept)
				}
				kept = append(kept, el)
				continue
			}
			keep, _ := kept[dup].(map[string]any)
			warning := fmt.Sprintf("dropped a duplicate %s value %s", path, describe(secrets, s, path, m))
			if err := bend(m, keep, false, "lists the same value twice (strict mode)", warning); err != nil {
				return nil, err
			}
			if s.Primary.Name != "" && m[s.Primary.Name] == true {
				keep[s.Primary.Name] = true
			}
			// What the dropped element said that the kept one does not
			// (a display, a sub-attribute a replace set on it) is kept,
			// as an add of a present value merges into it. An empty
			// string or null says nothing (a type of "" is none).
			for k, v := range m {
				if v == nil || v == "" || (s.Primary.Name != "" && k == s.Primary.Name) {
					continue
				}
				if _, has := keep[k]; !has {
					keep[k] = v
				}
			}
		}
		list = kept
	}
	if s.Primary.Name == "" {
		return list, nil
	}
	var first map[string]any
	for _, el := range list {
		m, _ := el.(map[string]any)
		if m[s.Primary.Name] != true {
			continue
		}
		if first == nil {
			first = m
			continue
		}
		warning := fmt.Sprintf("kept the first primary %s value, made %s not primary", path, describe(secrets, s, path, m))
		if err := bend(m, first, true, "has more than one primary value (strict mode)", warning); err != nil {
			return nil, err
		}
		m[s.Primary.Name] = false
	}
	return list, nil
}

// StoredBends calls note for each element of list, values of shape s, that
// is part of a bend Tidy tidies: dupOf is the first of the elements it is
// a duplicate of (Same; the element itself when it is that first one), nil
// when it has none, and primary is set when it is one of two or more
// primary values. The PATCH engine notes them (Stored.Note) before an
// operation changes the list, so that its Bend can tell a stored bend
// from one the PATCH made (Stored.Bent).
//
// A list of at most eight elements costs no allocation.
func StoredBends(s Shape, list []any, note func(el, dupOf map[string]any, primary bool)) {
	if len(list) < 2 {
		return
	}
	primaries := 0
	if s.Primary.Name != "" {
		for _, el := range list {
			if m, _ := el.(map[string]any); m[s.Primary.Name] == true {
				primaries++
			}
		}
	}
	type group struct {
		first map[string]any
		n     int
	}
	var index map[valueKey]*group
	if s.Value.Name != "" && len(list) > shortList {
		index = make(map[valueKey]*group, len(list))
		for _, el := range list {
			m, _ := el.(map[string]any)
			if key, ok := keyOf(s, m); ok {
				if g := index[key]; g != nil {
					g.n++
				} else {
					index[key] = &group{first: m, n: 1}
				}
			}
		}
	}
	for i, el := range list {
		m, _ := el.(map[string]any)
		if m == nil {
			continue
		}
		var dupOf map[string]any
		switch {
		case s.Value.Name == "":
		case index != nil:
			if key, ok := keyOf(s, m); ok && index[key].n > 1 {
				dupOf = index[key].first
			}
		default:
			for j, other := range list {
				o, _ := other.(map[string]any)
				if j == i || !Same(s, o, m) {
					continue
				}
				if j < i {
					dupOf = o
					break
				}
				dupOf = m // m is the first of its duplicates
				break
			}
		}
		primary := primaries > 1 && m[s.Primary.Name] == true
		if dupOf != nil || primary {
			note(m, dupOf, primary)
		}
	}
}

// Stored is what StoredBends noted of a list before a request changed
// it, which tells a bend Tidy finds in what the request left from one an
// earlier release stored: a PATCH's strict mode refuses only the former,
// since refusing the latter would make every later request that touches
// the attribute fail. The zero Stored has noted nothing.
//
// It holds the elements themselves and compares them by identity (the
// PATCH engine changes an element in place and makes a new map for a new
// one), so no element's address is reused while it is in use.
type Stored struct {
	notes []storedNote
}

// storedNote is one element StoredBends noted.
type storedNote struct {
	el, dupOf map[string]any
	primary   bool
}

// Note records el as StoredBends reports it; it is StoredBends' note.
// It allocates only when there is a bend, which a list rarely holds.
func (st *Stored) Note(el, dupOf map[string]any, primary bool) {
	st.notes = append(st.notes, storedNote{el: el, dupOf: dupOf, primary: primary})
}

// Bent reports whether x and y, the elements of one of Tidy's bends,
// were together part of one bend that was noted: duplicates of the same
// first element, or (primary) two of its primary values.
func (st *Stored) Bent(x, y map[string]any, primary bool) bool {
	nx, ny := st.of(x), st.of(y)
	if nx == nil || ny == nil {
		return false
	}
	if primary {
		return nx.primary && ny.primary
	}
	return nx.dupOf != nil && sameMap(nx.dupOf, ny.dupOf)
}

// of is what was noted of m, or nil.
func (st *Stored) of(m map[string]any) *storedNote {
	for i := range st.notes {
		if sameMap(st.notes[i].el, m) {
			return &st.notes[i]
		}
	}
	return nil
}

// sameMap reports whether x and y are one map.
func sameMap(x, y map[string]any) bool {
	return reflect.ValueOf(x).Pointer() == reflect.ValueOf(y).Pointer()
}

// shortList is the longest list mayHoldDuplicates compares pair by pair.
const shortList = 8

// mayHoldDuplicates reports whether two elements of list may be
// duplicates: for a short list (a user's emails, phone numbers), whether
// two are (Same), compared pair by pair without allocating; a longer one
// (a group's members) is left to Tidy's index.
func mayHoldDuplicates(s Shape, list []any) bool {
	if len(list) > shortList {
		return true
	}
	for i, el := range list {
		m, _ := el.(map[string]any)
		for _, prev := range list[:i] {
			p, _ := prev.(map[string]any)
			if Same(s, p, m) {
				return true
			}
		}
	}
	return false
}

// Same reports whether x and y, elements of a multi-valued attribute of
// shape s, are duplicates by RFC 7643 §2.4: the same non-empty string
// "value" and the same "type", each compared case-insensitively unless its
// sub-attribute is caseExact. It allocates nothing.
func Same(s Shape, x, y map[string]any) bool {
	if s.Value.Name == "" {
		return false
	}
	if v, _ := x[s.Value.Name].(string); v == "" {
		return false
	}
	return equal(s.Value, x, y) && equal(s.Type, x, y)
}

// equal reports whether x and y hold the same value of f (true when the
// attribute has no such sub-attribute).
func equal(f Field, x, y map[string]any) bool {
	if f.Name == "" {
		return true
	}
	s, _ := x[f.Name].(string)
	t, _ := y[f.Name].(string)
	if f.CaseExact {
		return s == t
	}
	return fold.Equal(s, t)
}

// key is m's value of f as Same compares it: folded unless f is caseExact.
func key(f Field, m map[string]any) string {
	if f.Name == "" {
		return ""
	}
	s, _ := m[f.Name].(string)
	if f.CaseExact {
		return s
	}
	return fold.String(s)
}

// valueKey is an element's "value" and "type" as Same compares them: two
// elements are duplicates when they have the same key.
type valueKey struct{ value, typ string }

// keyOf returns m's valueKey, and false when m has no non-empty string
// value (such an element is no duplicate of any other).
func keyOf(s Shape, m map[string]any) (valueKey, bool) {
	if v, _ := m[s.Value.Name].(string); v == "" {
		return valueKey{}, false
	}
	return valueKey{value: key(s.Value, m), typ: key(s.Type, m)}, true
}

// describe names m, an element of the attribute path, in a warning: its
// value, quoted as client text is (secrets.Quote: token-shaped text
// redacted, text naming a secret concealed, cut to a bound), since the
// value is what the client sent and its warning reaches the logs. The
// value of a secret (path, or its value sub-attribute, names one of
// secrets: a host's multi-valued attribute returned "never") is the
// secret itself, and is not shown at all. An element may have no value
// (emails' is optional) or, in a host's extension, one of another type.
func describe(secrets *clienttext.Secrets, s Shape, path string, m map[string]any) string {
	if s.Value.Name == "" {
		return "(an element)"
	}
	v, has := m[s.Value.Name]
	switch {
	case !has || v == nil:
		return "(an element without a value)"
	case secrets.NamesSecret(path) || secrets.NamesSecret(s.Value.Name):
		return "(a secret value, not shown)"
	}
	if t, ok := v.(string); ok {
		return secrets.Quote(t)
	}
	return secrets.Quote(fmt.Sprint(v))
}
