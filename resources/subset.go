package resources

import (
	"fmt"
	"strings"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/internal/names"
)

// This file narrows the built-in User and Group types to the attributes a
// host supports (ModelConfig.UserAttributes, GroupAttributes). A narrowed
// type simply has fewer attributes: its schema documents leave the others
// out, and Resolve, Normalize, the PATCH engine, filters, sorting and
// projection treat them as they treat any attribute no schema defines.
// Nothing else needs to know about subsets.

// requiredAttrs are the attributes a subset cannot leave out, with the
// reason an error gives.
var requiredAttrs = map[string][]struct{ name, why string }{
	"User": {
		{"id", "the server assigns it and every reference to the user is by id"},
		{"meta", "it carries the version ETags and If-Match rely on"},
		{"userName", "it is the user's unique identifier (RFC 7643 §4.1, required)"},
		{"active", "identity providers deprovision by setting active to false; without it a removed person stays active"},
	},
	"Group": {
		{"id", "the server assigns it and every reference to the group is by id"},
		{"meta", "it carries the version ETags and If-Match rely on"},
		{"displayName", "it is the group's unique name (RFC 7643 §4.2, required)"},
		{"members", "group membership is what a Group is for"},
	},
}

// subset narrows rt, as built by NewUserType or NewGroupType, to the
// attributes names lists (see ModelConfig.UserAttributes). field names the
// ModelConfig field in errors.
func (rt *ResourceType) subset(field string, names []string) error {
	full := *rt
	keep := map[*Attribute]bool{}
	wholeExt := map[*Schema]bool{}
	for _, n := range names {
		a, ext, err := rt.subsetEntry(n)
		if err != nil {
			return fmt.Errorf("resources: ModelConfig.%s: %w", field, err)
		}
		if a != nil {
			keep[a] = true
		} else if ext != nil {
			wholeExt[ext] = true
		}
	}
	for _, r := range requiredAttrs[rt.Name] {
		if a, _ := rt.Attr("", r.name); a != nil && !keep[a] {
			return fmt.Errorf("resources: ModelConfig.%s leaves out %q, which a %s cannot do without: %s; add it (every subset keeps %s)",
				field, r.name, rt.Name, r.why, requiredList(rt.Name))
		}
	}
	kept := func(attrs []*Attribute) []*Attribute {
		var out []*Attribute
		for _, a := range attrs {
			if keep[a] {
				out = append(out, a)
			}
		}
		return out
	}
	core, err := NewSchema(rt.Schema.ID, rt.Schema.Name, rt.Schema.Description, kept(rt.Schema.Attributes)...)
	if err != nil {
		return err
	}
	rt.Schema = core
	rt.common = kept(rt.common)
	var exts []Extension
	for _, e := range rt.Extensions {
		if !builtInExtension(e.Schema.ID) || wholeExt[e.Schema] {
			exts = append(exts, e)
			continue
		}
		attrs := kept(e.Schema.Attributes)
		if len(attrs) == 0 {
			continue // nothing of it is supported: the extension is gone
		}
		s, err := NewSchema(e.Schema.ID, e.Schema.Name, e.Schema.Description, attrs...)
		if err != nil {
			return err
		}
		exts = append(exts, Extension{Schema: s, Required: e.Required})
	}
	rt.Extensions = exts
	rt.full = &full
	return nil
}

// subsetEntry resolves one entry of a subset: a core or common attribute
// (a, nil), an enterprise attribute (a, its schema) or the whole
// enterprise extension (nil, its schema).
func (rt *ResourceType) subsetEntry(n string) (*Attribute, *Schema, error) {
	name := n
	var ext *Schema
	if IsURN(n) {
		for _, e := range rt.Extensions {
			switch {
			case names.Equal(n, e.Schema.ID):
				ext = e.Schema
				name = ""
			case hasURNPrefix(n, e.Schema.ID):
				ext = e.Schema
				name = n[len(e.Schema.ID)+1:]
			}
		}
		switch {
		case ext != nil && !builtInExtension(ext.ID):
			return nil, nil, fmt.Errorf("%q belongs to the extension %s, which the host defines: a host extension is kept whole, so define only the attributes it supports", n, ext.ID)
		case ext == nil && hasURNPrefix(n, rt.Schema.ID):
			name = n[len(rt.Schema.ID)+1:]
		case ext == nil:
			return nil, nil, fmt.Errorf("%q names no schema of the %s resource type", n, rt.Name)
		case name == "":
			return nil, ext, nil
		}
	}
	if strings.Contains(name, ".") {
		top, _, _ := strings.Cut(name, ".")
		return nil, nil, fmt.Errorf("%q: a subset lists top-level attributes, whose sub-attributes all come with them; list %q", n, top)
	}
	var a *Attribute
	switch {
	case ext != nil:
		a = ext.Attr(name)
	case names.Equal(name, "schemas"):
		return nil, nil, nil // always there: it is the resource's envelope, not an attribute
	default:
		a, _ = rt.Attr("", name)
	}
	if a == nil {
		where := rt.Schema.ID
		if ext != nil {
			where = ext.ID
		}
		return nil, nil, fmt.Errorf("%q is not an attribute of %s (enterprise attributes are written with their URN, e.g. %q)", n, where, EnterpriseUserSchema+":department")
	}
	return a, ext, nil
}

func requiredList(typ string) string {
	var names []string
	for _, r := range requiredAttrs[typ] {
		names = append(names, r.name)
	}
	return strings.Join(names, ", ")
}

// builtInExtension reports whether urn is an extension scimkit defines
// (the enterprise user), which a subset may narrow; a host's own
// extensions are kept whole.
func builtInExtension(urn string) bool { return names.Equal(urn, EnterpriseUserSchema) }

// Omits reports whether path names an attribute (or extension) that the
// built-in schemas define but the host's subset left out of rt: "addresses",
// "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter".
// It is false for anything rt defines and for what no schema defines.
func (rt *ResourceType) Omits(path string) bool {
	if rt.full == nil || path == "" {
		return false
	}
	p, err := filter.Parser{Schemas: rt.full.KnownSchemaURNs()}.ParsePath(path)
	if err != nil {
		return false
	}
	return !rt.full.Resolve(p.AttrPath).Missing && rt.Resolve(p.AttrPath).Missing
}

// OmittedIn returns the attribute paths of the filter e that the host's
// subset left out of rt (Omits), in the order filter.AnyPath visits them,
// or nil: the handler refuses a filter on one, and a conformance check
// that would send one does not. The inner paths of a value filter are
// sub-attributes, which a subset keeps with their attribute.
func (rt *ResourceType) OmittedIn(e filter.Expr) []string {
	var out []string
	filter.AnyPath(e, func(p filter.AttrPath) bool {
		if s := p.String(); rt.Omits(s) {
			out = append(out, s)
		}
		return false // every path
	})
	return out
}

// NarrowsExtension reports whether the model's type leaves out the
// extension urn, or one of its attributes, that the full type has: what
// FitUser (for the enterprise extension) clears from a user read.
func (rt *ResourceType) NarrowsExtension(urn string) bool {
	if rt.full == nil {
		return false
	}
	full := rt.full.Extension(urn)
	if full == nil {
		return false
	}
	ext := rt.Extension(urn)
	for _, a := range full.Attributes {
		if ext == nil || ext.Attr(a.Name) == nil {
			return true
		}
	}
	return false
}

// FitUser clears from u every attribute the model's User type leaves out (see
// ModelConfig.UserAttributes), so that a user read from a store (one
// stored before the host narrowed its model, or with the groups a store
// computes) carries only what /Schemas advertises. It does nothing under
// a model without a subset.
func (m *Model) FitUser(u *User) {
	rt := m.User
	if rt.full == nil || u == nil {
		return
	}
	for _, a := range rt.full.Schema.Attributes {
		if rt.Schema.Attr(a.Name) == nil {
			clearUserAttr(u, a.Name)
		}
	}
	for _, a := range rt.full.common {
		if find(rt.common, a.Name) == nil {
			clearUserAttr(u, a.Name)
		}
	}
	if u.Enterprise == nil {
		return
	}
	ent := rt.Extension(EnterpriseUserSchema)
	if ent == nil {
		u.Enterprise = nil
		return
	}
	e := u.Enterprise
	for _, a := range rt.full.Extension(EnterpriseUserSchema).Attributes {
		if ent.Attr(a.Name) == nil {
			clearEnterpriseAttr(e, a.Name)
		}
	}
	if e.EmployeeNumber == "" && e.CostCenter == "" && e.Organization == "" && e.Division == "" &&
		e.Department == "" && e.Manager == nil && len(e.Extra) == 0 {
		u.Enterprise = nil // nothing left: no enterprise URN in schemas
	}
}

// FitGroup is FitUser for a group.
func (m *Model) FitGroup(g *Group) {
	rt := m.Group
	if rt.full == nil || g == nil {
		return
	}
	if find(rt.common, "externalId") == nil {
		g.ExternalID = ""
	}
}

// clearUserAttr clears the field of u holding the User attribute name
// (its canonical spelling). The required attributes (requiredAttrs) are
// never cleared, so they have no case.
func clearUserAttr(u *User, name string) {
	switch name {
	case "externalId":
		u.ExternalID = ""
	case "name":
		u.Name = nil
	case "displayName":
		u.DisplayName = ""
	case "nickName":
		u.NickName = ""
	case "profileUrl":
		u.ProfileURL = ""
	case "title":
		u.Title = ""
	case "userType":
		u.UserType = ""
	case "preferredLanguage":
		u.PreferredLanguage = ""
	case "locale":
		u.Locale = ""
	case "timezone":
		u.Timezone = ""
	case "password":
		u.Password = ""
	case "emails":
		u.Emails = nil
	case "phoneNumbers":
		u.PhoneNumbers = nil
	case "ims":
		u.IMs = nil
	case "photos":
		u.Photos = nil
	case "addresses":
		u.Addresses = nil
	case "groups":
		u.Groups = nil
	case "entitlements":
		u.Entitlements = nil
	case "roles":
		u.Roles = nil
	case "x509Certificates":
		u.X509Certificates = nil
	}
}

func clearEnterpriseAttr(e *EnterpriseUser, name string) {
	switch name {
	case "employeeNumber":
		e.EmployeeNumber = ""
	case "costCenter":
		e.CostCenter = ""
	case "organization":
		e.Organization = ""
	case "division":
		e.Division = ""
	case "department":
		e.Department = ""
	case "manager":
		e.Manager = nil
	}
}
