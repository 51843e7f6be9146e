package query

import (
	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/internal/names"
	"github.com/scimkit/scim/resources"
)

// KeptFilter returns what the filter node e (a presence test, a
// comparison or a value filter, outside a value filter) means on rt when
// it tests a complex attribute a host's subset narrowed to some of its
// sub-attributes (resources.Attribute.Narrowed: name with givenName and
// familyName, emails with value) or a whole extension it narrowed
// (resources.ResourceType.NarrowsExtension), and nil for any other node.
//
// A store may hold values of such an attribute from before the model was
// narrowed whose only members are ones the model now leaves out (a name
// with only a middleName, an email with only a type). A response leaves
// them out (resources.Model.FitUser), so the client sees no such value,
// and a filter must not find one either (RFC 7644 §3.4.2.2: "pr" matches
// a value): a value counts only when it holds a member the model keeps.
// So "name pr" is "name[familyName pr or givenName pr]", "emails pr"
// "emails[value pr]", a value filter "emails[F]" is
// "emails[(F) and (value pr)]", "emails.value ne X" (some value is not X)
// is "emails[value ne X and (value pr)]", and an extension is present
// when one of the attributes the model keeps of it is. The result's value
// filters are final: KeptFilter rewrites none of them again. The
// Evaluator compiles such a node so, and so must a store that compiles
// filters to its own queries (store/sqlstore does).
func KeptFilter(rt *resources.ResourceType, e filter.Expr) filter.Expr {
	if !rt.Narrowed() {
		return nil // nothing narrowed: every node means what it says
	}
	switch x := e.(type) {
	case *filter.Present:
		if x == nil || x.Path.Sub != "" || x.Path.Name == "" && x.Path.URI == "" {
			return nil
		}
		res := rt.ResolveQuery(x.Path)
		if a := res.Attr; a == nil && !res.Missing && res.Extension != nil && rt.NarrowsExtension(res.Extension.ID) {
			var out filter.Expr
			for _, y := range res.Extension.Attributes {
				out = or(out, &filter.Present{Path: filter.AttrPath{URI: res.Extension.ID, Name: y.Name}})
			}
			return out
		}
		if a := narrowed(rt, x.Path); a != nil {
			return &filter.ValuePath{Path: whole(x.Path), Filter: kept(a)}
		}
	case *filter.ValuePath:
		if x == nil || x.Path.Sub != "" {
			return nil
		}
		if a := narrowed(rt, x.Path); a != nil {
			return &filter.ValuePath{Path: x.Path, Filter: &filter.Logical{Op: filter.And, Left: x.Filter, Right: kept(a)}}
		}
	case *filter.Compare:
		if x == nil || x.Value == nil || !names.Equal(string(x.Op), string(filter.Ne)) {
			return nil
		}
		a := narrowed(rt, whole(x.Path))
		if a == nil || !a.MultiValued {
			return nil // a single value's ne is "not eq": true without one
		}
		sub := x.Path.Sub
		if sub == "" {
			if sub = "value"; a.Sub(sub) == nil {
				return nil // the Evaluator refuses it
			}
		}
		cmp := &filter.Compare{Path: filter.AttrPath{Name: sub}, Op: x.Op, Value: x.Value}
		return &filter.ValuePath{Path: whole(x.Path), Filter: &filter.Logical{Op: filter.And, Left: cmp, Right: kept(a)}}
	}
	return nil
}

// narrowed returns the complex attribute p names when a subset narrowed
// it (p without a sub-attribute), else nil.
func narrowed(rt *resources.ResourceType, p filter.AttrPath) *resources.Attribute {
	if p.Sub != "" || p.Name == "" {
		return nil
	}
	res := rt.ResolveQuery(p)
	if a := res.Attr; a != nil && !res.Missing && res.Sub == nil && a.Type == resources.TypeComplex && a.Narrowed() {
		return a
	}
	return nil
}

// whole is p without its sub-attribute.
func whole(p filter.AttrPath) filter.AttrPath {
	return filter.AttrPath{URI: p.URI, Name: p.Name}
}

// kept is the value filter "some member a keeps is present".
func kept(a *resources.Attribute) filter.Expr {
	var out filter.Expr
	for _, s := range a.SubAttributes {
		out = or(out, &filter.Present{Path: filter.AttrPath{Name: s.Name}})
	}
	return out
}

// or is "l or r", or r when l is nil.
func or(l, r filter.Expr) filter.Expr {
	if l == nil {
		return r
	}
	return &filter.Logical{Op: filter.Or, Left: l, Right: r}
}
