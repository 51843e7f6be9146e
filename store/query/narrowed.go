package query

import (
	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/resources"
)

// KeptPresence returns the filter that "p pr" means on rt when p names a
// complex attribute a host's subset narrowed to some of its
// sub-attributes (resources.Attribute.Narrowed: name with givenName and
// familyName, emails with value) or a whole extension it narrowed
// (resources.ResourceType.NarrowsExtension), and nil for any other path.
// A store may hold a value of such an attribute from before the model was
// narrowed whose only members are ones the model leaves out
// (name.middleName); a response leaves them out (resources.Model.FitUser),
// so the client sees no value, and "pr", which matches a value
// (RFC 7644 §3.4.2.2), must not match it: the filter tests the members
// the model keeps instead, "name[familyName pr or givenName pr]" for
// "name pr", an element of a multi-valued attribute holding one of them
// for "emails pr", one of the extension's attributes the model keeps for
// the extension. The Evaluator compiles "pr" so, and so must a store that
// compiles filters to its own queries (store/sqlstore does).
func KeptPresence(rt *resources.ResourceType, p filter.AttrPath) filter.Expr {
	if rt == nil || p.Sub != "" || p.Name == "" && p.URI == "" {
		return nil
	}
	res := rt.ResolveQuery(p)
	switch a := res.Attr; {
	case a == nil && !res.Missing && res.Extension != nil:
		if !rt.NarrowsExtension(res.Extension.ID) {
			return nil
		}
		var out filter.Expr
		for _, x := range res.Extension.Attributes {
			out = or(out, &filter.Present{Path: filter.AttrPath{URI: res.Extension.ID, Name: x.Name}})
		}
		return out
	case a != nil && !res.Missing && res.Sub == nil && a.Type == resources.TypeComplex && a.Narrowed():
		var in filter.Expr
		for _, s := range a.SubAttributes {
			in = or(in, &filter.Present{Path: filter.AttrPath{Name: s.Name}})
		}
		return &filter.ValuePath{Path: filter.AttrPath{URI: p.URI, Name: p.Name}, Filter: in}
	}
	return nil
}

// or is "l or r", or r when l is nil.
func or(l, r filter.Expr) filter.Expr {
	if l == nil {
		return r
	}
	return &filter.Logical{Op: filter.Or, Left: l, Right: r}
}
