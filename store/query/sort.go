package query

import (
	"strings"
	"time"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/resources"
)

// Sorter orders resource documents by one attribute path (Query.SortBy),
// following RFC 7644 §3.4.2.3: strings compare case-insensitively unless
// the attribute is caseExact (the byte order of Fold), the unique name
// (NameAttr, not caseExact) by the byte order of its NameKey, the key
// every filter operator compares it by, numbers numerically, dateTime values as
// instants, false before true (a boolean is a JSON boolean: a string
// "true" in a document sorts as missing, storedBool). For a multi-valued
// attribute the primary value is used, or else the first (the first on a
// model whose subset leaves the attribute's primary out, which no
// response then shows: SortsByPrimary). Documents without a value sort after
// every document with one, so in a descending sort (the reversed order)
// they come first. Build it with Evaluator.Sorter; it is safe for
// concurrent use.
type Sorter struct {
	t *target
	// firstShown is !SortsByPrimary of t's attribute (a subset left its
	// primary out): the first value is the one shown, worked out once
	// rather than per value sorted.
	firstShown bool
}

// SortKey is the value a Sorter orders one document by. Extract it once
// per document with Sorter.Key and compare keys with SortKey.Compare, so
// that sorting n documents reads each document once.
type SortKey struct {
	present bool
	kind    int
	exact   bool
	s       string
	n       num
	t       time.Time
	b       bool
}

// Sorter parses sortBy (an attribute path such as "userName",
// "name.familyName", "emails" or
// "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department")
// against the resource type. An unknown attribute, or a complex attribute
// without a sub-attribute and without a "value" sub-attribute, gives a
// *FilterError.
func (ev *Evaluator) Sorter(sortBy string) (*Sorter, error) {
	if ev == nil || ev.Type == nil || ev.Type.Schema == nil {
		return nil, filterErrorf("no resource type to sort")
	}
	p, err := ev.splitPath(sortBy)
	if err != nil {
		return nil, err
	}
	t, err := ev.resolve(scope{}, p, false)
	if err != nil {
		return nil, &FilterError{Msg: strings.Replace(err.Error(), "in filter", "in sortBy", 1)}
	}
	return &Sorter{t: t, firstShown: !SortsByPrimary(t.attr)}, nil
}

// SortsByPrimary reports which element of a, a multi-valued complex
// attribute, gives a sort by one of its sub-attributes its value: true,
// the element marked primary (by a JSON true: a string "true" is no
// boolean, storedBool), or else the first that has the sub-attribute;
// false, the first that has it. False when a has no
// primary sub-attribute (a model whose subset leaves it out shows no
// value as primary, whatever a store kept from before,
// resources.Model.FitUser, so the first value is the one shown) and for
// a nil a. It is the one rule of that choice: Sorter follows it, and a
// store that compiles sortBy to SQL (store/sqlstore) asks it, so the two
// cannot order a list differently.
func SortsByPrimary(a *resources.Attribute) bool {
	return a != nil && a.Sub("primary") != nil
}

// Attr is the attribute the Sorter sorts by, as its resource type defines
// it (of the core schema or an extension; for "name.familyName", name),
// or nil when it sorts by a whole extension's value filter members, which
// have no definition. A store tells by it a sortBy on what it does not
// keep in the documents it sorts (a user's groups, a group's members).
func (s *Sorter) Attr() *resources.Attribute {
	if s == nil || s.t == nil {
		return nil
	}
	return s.t.attr
}

// Compare orders a and b by sortBy (see Sorter): negative when a sorts
// first, positive when b does, 0 when they tie. For many comparisons build
// a Sorter once instead.
func (ev *Evaluator) Compare(sortBy string, a, b map[string]any) (int, error) {
	s, err := ev.Sorter(sortBy)
	if err != nil {
		return 0, err
	}
	return s.Compare(a, b), nil
}

// splitPath parses an attribute path of the form [urn:]name[.sub].
func (ev *Evaluator) splitPath(s string) (filter.AttrPath, error) {
	p, err := filter.Parser{Schemas: ev.Type.KnownSchemaURNs()}.ParsePath(s) // its error is not shown: no SecretNames
	if err != nil || p.Filter != nil {
		return filter.AttrPath{}, filterErrorf("%q is not an attribute path", s)
	}
	return p.AttrPath, nil
}

// Key returns the value doc sorts by.
func (s *Sorter) Key(doc map[string]any) SortKey {
	if s == nil || s.t == nil {
		return SortKey{}
	}
	v := s.pick(doc)
	if v == nil {
		return SortKey{}
	}
	kind := kindOf(s.t.leaf)
	if kind == kindRaw {
		switch v.(type) {
		case string:
			kind = kindString
		case bool:
			kind = kindBool
		default:
			if _, ok := toNum(v); ok {
				kind = kindNumber
			}
		}
	}
	k := SortKey{kind: kind, exact: s.t.leaf != nil && s.t.leaf.CaseExact}
	switch kind {
	case kindString:
		k.s, k.present = v.(string)
		if k.present && s.t.isName && !k.exact {
			// The unique name sorts by its NameKey: the key its filters
			// compare (namePred), so that "userName gt X" holds of the
			// names a sort puts after X. A key is folded already, so
			// compareFold orders two keys by their bytes, and a key and
			// another type's string (a merged list of resource types,
			// sorted by a displayName only a group's is unique by) as
			// it orders two folded strings.
			k.s = NameKey(k.s, false)
		}
	case kindBool:
		k.b, k.present = storedBool(v)
	case kindNumber:
		k.n, k.present = toNum(v)
	case kindTime:
		k.t, k.present = toTime(v)
	}
	if !k.present {
		return SortKey{}
	}
	return k
}

// pick returns the single value a document sorts by: for a multi-valued
// attribute, the primary element's value or else the first one.
func (s *Sorter) pick(doc map[string]any) any {
	t := s.t
	v := t.value(doc)
	if t.sub == "" {
		if list, ok := v.([]any); ok {
			for _, el := range list {
				if el != nil {
					return el
				}
			}
			return nil
		}
		return v
	}
	switch x := v.(type) {
	case map[string]any:
		return lookup(x, t.sub)
	case []any:
		var first any
		for _, el := range x {
			m, ok := el.(map[string]any)
			if !ok {
				continue
			}
			sv := lookup(m, t.sub)
			if sv == nil {
				continue
			}
			// A subset without the primary sub-attribute shows no
			// primary value (resources.Model.FitUser), even where
			// one was stored before: the first value is what is shown.
			if s.firstShown {
				return sv
			}
			if p, _ := storedBool(lookup(m, "primary")); p {
				return sv
			}
			if first == nil {
				first = sv
			}
		}
		return first
	}
	return nil
}

// Compare orders a and b: see Sorter.
func (s *Sorter) Compare(a, b map[string]any) int { return s.Key(a).Compare(s.Key(b)) }

// Compare orders k before o (negative), after it (positive) or ties (0).
// A missing value sorts after any present one.
func (k SortKey) Compare(o SortKey) int {
	switch {
	case !k.present && !o.present:
		return 0
	case !k.present:
		return 1
	case !o.present:
		return -1
	case k.kind != o.kind:
		if k.kind < o.kind {
			return -1
		}
		return 1
	}
	switch k.kind {
	case kindString:
		if k.exact {
			return strings.Compare(k.s, o.s)
		}
		return compareFold(k.s, o.s)
	case kindBool:
		switch {
		case k.b == o.b:
			return 0
		case !k.b:
			return -1
		}
		return 1
	case kindNumber:
		return k.n.compare(o.n)
	case kindTime:
		return k.t.Compare(o.t)
	}
	return 0
}

// Present reports whether the document had a value to sort by.
func (k SortKey) Present() bool { return k.present }
