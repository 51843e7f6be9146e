package resources

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/internal/names"
)

// This file narrows the built-in User and Group types to the attributes
// and sub-attributes a host supports (ModelConfig.UserAttributes,
// GroupAttributes). A narrowed type simply has fewer attributes, and its
// attributes fewer sub-attributes (a copy of each, which remembers the
// whole in Attribute.full): its schema documents leave the others out,
// and Resolve, Normalize, the PATCH engine, filters, sorting and
// projection treat them as they treat any attribute no schema defines.
// What needs to know more asks Omits (and OmittedIn), and a response is
// cut to the model by FitUser and FitGroup.

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
	// subs are the sub-attributes listed of an attribute listed only by
	// its sub-attributes ("name.givenName"); an attribute listed whole
	// too is kept whole.
	subs := map[*Attribute][]*Attribute{}
	var order []*Attribute // the attributes of subs, as first listed
	wholeExt := map[*Schema]bool{}
	for _, n := range names {
		a, sub, ext, err := rt.subsetEntry(n)
		if err != nil {
			return fmt.Errorf("resources: ModelConfig.%s: %w", field, err)
		}
		switch {
		case sub != nil:
			if _, ok := subs[a]; !ok {
				order = append(order, a)
			}
			subs[a] = append(subs[a], sub)
		case a != nil:
			keep[a] = true
		case ext != nil:
			wholeExt[ext] = true
		}
	}
	for _, r := range requiredAttrs[rt.Name] {
		if a, _ := rt.Attr("", r.name); a != nil && !keep[a] {
			return fmt.Errorf("resources: ModelConfig.%s leaves out %q, which a %s cannot do without: %s; add it (every subset keeps %s)",
				field, r.name, rt.Name, r.why, requiredList(rt.Name))
		}
	}
	// narrowed holds the copy of each attribute kept with some of its
	// sub-attributes only.
	narrowed := map[*Attribute]*Attribute{}
	for _, a := range order {
		if keep[a] {
			continue // listed whole as well
		}
		if v := a.Sub("value"); v != nil && !slices.Contains(subs[a], v) {
			return fmt.Errorf("resources: ModelConfig.%s keeps %s without %s.value, which it cannot do without: %s is a list of values (or a reference) identified by their value (RFC 7643 §2.4); add %q",
				field, a.Name, a.Name, a.Name, subsetName(rt, a, "value"))
		}
		c := *a
		c.SubAttributes, c.full = nil, a
		for _, s := range a.SubAttributes {
			if slices.Contains(subs[a], s) || rt.madeByServer(a, s) {
				c.SubAttributes = append(c.SubAttributes, s)
			}
		}
		keep[a] = true
		narrowed[a] = &c
	}
	kept := func(attrs []*Attribute) []*Attribute {
		var out []*Attribute
		for _, a := range attrs {
			if c := narrowed[a]; c != nil {
				out = append(out, c)
			} else if keep[a] {
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

// madeByServer reports whether sub, a sub-attribute of a, is one the
// server makes rather than a store holds: a read-only one (the groups
// of a user, the manager's displayName) or a $ref the server renders
// from the value beside it (ServerRefSub). A subset keeps it whenever
// it keeps a: leaving it out would spare a store nothing.
func (rt *ResourceType) madeByServer(a, sub *Attribute) bool {
	return sub.ReadOnly() || rt.ServerRefSub(a, sub)
}

// subsetName is how a subset entry names the sub-attribute sub of a, an
// attribute of rt's built-in schemas: "emails.value", or with its URN
// for an enterprise attribute.
func subsetName(rt *ResourceType, a *Attribute, sub string) string {
	if ent := rt.Extension(EnterpriseUserSchema); ent != nil && slices.Contains(ent.Attributes, a) {
		return EnterpriseUserSchema + ":" + a.Name + "." + sub
	}
	return a.Name + "." + sub
}

// subsetEntry resolves one entry of a subset: a core or common attribute
// (a, nil, nil), an enterprise attribute (a, nil, its schema), one
// sub-attribute of either (a, sub, ...) or the whole enterprise extension
// (nil, nil, its schema).
func (rt *ResourceType) subsetEntry(n string) (*Attribute, *Attribute, *Schema, error) {
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
			return nil, nil, nil, fmt.Errorf("%q belongs to the extension %s, which the host defines: a host extension is kept whole, so define only the attributes it supports", n, ext.ID)
		case ext == nil && hasURNPrefix(n, rt.Schema.ID):
			name = n[len(rt.Schema.ID)+1:]
		case ext == nil:
			return nil, nil, nil, fmt.Errorf("%q names no schema of the %s resource type", n, rt.Name)
		case name == "":
			return nil, nil, ext, nil
		}
	}
	name, subName, dotted := strings.Cut(name, ".")
	var a *Attribute
	switch {
	case ext != nil:
		a = ext.Attr(name)
	case names.Equal(name, "schemas") && !dotted:
		return nil, nil, nil, nil // always there: it is the resource's envelope, not an attribute
	default:
		a, _ = rt.Attr("", name)
	}
	if a == nil {
		where := rt.Schema.ID
		if ext != nil {
			where = ext.ID
		}
		return nil, nil, nil, fmt.Errorf("%q is not an attribute of %s (enterprise attributes are written with their URN, e.g. %q)", n, where, EnterpriseUserSchema+":department")
	}
	if !dotted {
		return a, nil, ext, nil
	}
	sub := a.Sub(subName)
	switch {
	case len(a.SubAttributes) == 0:
		return nil, nil, nil, fmt.Errorf("%q: %s has no sub-attributes; list %q", n, a.Name, n[:len(n)-len(subName)-1])
	case sub == nil:
		return nil, nil, nil, fmt.Errorf("%q: %s has no sub-attribute %q (it has %s)", n, a.Name, subName, subNames(a))
	case find(rt.common, a.Name) == a || rt.Name == "Group" && names.Equal(a.Name, "members"):
		// meta is the server's; a member is its value, type and $ref,
		// which the server reads to resolve and render it.
		return nil, nil, nil, fmt.Errorf("%q: %s is kept whole, with all its sub-attributes; list %q", n, a.Name, a.Name)
	}
	return a, sub, ext, nil
}

// subNames lists the names of a's sub-attributes for an error.
func subNames(a *Attribute) string {
	out := make([]string, len(a.SubAttributes))
	for i, s := range a.SubAttributes {
		out[i] = s.Name
	}
	return strings.Join(out, ", ")
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

// Narrowed reports whether the host's subset (ModelConfig.UserAttributes,
// GroupAttributes) narrowed rt: left out an attribute, a sub-attribute
// or an extension's attribute that the built-in schemas define. A check
// that only a narrowed type needs (query.KeptFilter) asks it first.
func (rt *ResourceType) Narrowed() bool { return rt != nil && rt.full != nil }

// Omits reports whether path names an attribute (or extension, or
// sub-attribute) that the built-in schemas define but the host's subset
// left out of rt: "addresses", "name.middleName",
// "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter",
// or whose value filter names one ("emails[type eq \"work\"].value"
// when the subset keeps emails.value alone).
// It is false for anything rt defines and for what no schema defines.
func (rt *ResourceType) Omits(path string) bool {
	if rt.full == nil || path == "" {
		return false
	}
	p, err := filter.Parser{Schemas: rt.full.KnownSchemaURNs()}.ParsePath(path)
	return err == nil && rt.OmitsPath(p)
}

// OmitsPath is Omits for a path its caller has parsed already (the
// PATCH engine's value paths, a sortBy), with a parser that knows rt's
// schema URNs (KnownSchemaURNs), as Omits parses one: it parses nothing.
func (rt *ResourceType) OmitsPath(p filter.Path) bool {
	if rt.full == nil {
		return false
	}
	if rt.omitsAttr(p.AttrPath) {
		return true
	}
	if p.Filter == nil {
		return false
	}
	// A value filter naming a sub-attribute left out
	// (emails[type eq "work"].value without emails.type) selects by
	// what no kept value holds.
	for q := range filter.Paths(&filter.ValuePath{Path: filter.AttrPath{URI: p.URI, Name: p.Name}, Filter: p.Filter}) {
		if rt.omitsAttr(q) {
			return true
		}
	}
	return false
}

// omitsAttr is OmitsPath for a path without a value filter: what
// OmittedIn asks of each path a filter names.
func (rt *ResourceType) omitsAttr(p filter.AttrPath) bool {
	return !rt.full.Resolve(p).Missing && rt.Resolve(p).Missing
}

// OmittedIn returns the attribute paths of the filter e that the host's
// subset left out of rt (Omits), in the order filter.Paths yields them,
// or nil: the handler refuses a filter on one, and a conformance check
// that would send one does not. A path inside a value filter names a
// sub-attribute of the filtered attribute, and is returned with it:
// "emails.display" for emails[display eq "x"].
func (rt *ResourceType) OmittedIn(e filter.Expr) []string {
	if rt.full == nil {
		return nil
	}
	var out []string
	whole := false // the value filter's attribute is left out, its sub-attributes with it
	for p, inner := range filter.Paths(e) {
		if inner && whole {
			continue
		}
		omitted := rt.omitsAttr(p)
		whole = !inner && omitted
		if omitted {
			out = append(out, p.String())
		}
	}
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
	for _, a := range rt.Schema.Attributes {
		if a.full != nil {
			fitUserSubs(u, a)
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

// KeepUnseenGroup is KeepUnseen for a group a PUT is about to store over
// cur: the externalId a model without it leaves out (the one attribute of
// a group a subset can leave out, FitGroup) keeps its stored value, which
// no client can see or resend. Without it, a group stored with one before
// the narrowing lost it to the first PUT, and every provider cycle's PUT
// was a change. It reports whether it ran.
func (m *Model) KeepUnseenGroup(next, cur *Group) bool {
	rt := m.Group
	if rt.full == nil || next == nil || cur == nil {
		return false
	}
	if find(rt.common, "externalId") == nil {
		next.ExternalID = cur.ExternalID
	}
	return true
}

// clearUserAttr clears the field of u holding the User attribute name
// (its canonical spelling). The required attributes (requiredAttrs) are
// never cleared, so they have no case. A switch, not the readers' table
// (userFields) with a clear function per field: calling such a function
// with u makes u escape, and a caller's User on the stack moves to the
// heap (BenchmarkFitUser: 1 allocation of 128 B a read became 2 of 704 B).
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
	case "addresses":
		u.Addresses = nil
	case "groups":
		u.Groups = nil
	default:
		if p := multiValues(u, name); p != nil {
			*p = nil
		}
	}
}

// fitUserSubs clears in u the sub-attributes of a, a core User attribute
// kept with some of its sub-attributes only, that the subset left out.
// It never writes through u's pointers and slices, which a user read
// with store.GetOptions.ReadOnly shares with its store: it sets new ones.
// Only name, addresses and the lists of MultiValue can be narrowed: the
// groups are the server's (madeByServer), and an enterprise manager keeps
// its value and with it the rest, which the server makes.
func fitUserSubs(u *User, a *Attribute) {
	switch a.Name {
	case "name":
		if u.Name == nil {
			return
		}
		n := *u.Name
		clearFields(&n, nameFields, leftOut(nameFields, a))
		if n == (Name{}) {
			u.Name = nil
		} else {
			u.Name = &n
		}
	case "addresses":
		u.Addresses = fitList(u.Addresses, addressFields, leftOut(addressFields, a))
	default:
		if p := multiValues(u, a.Name); p != nil {
			*p = fitList(*p, multiValueFields, leftOut(multiValueFields, a))
		}
	}
}

// fitList returns a copy of vs with the fields in cut (leftOut) cleared
// in each value and the values left with nothing dropped, or nil when none
// is left. It never writes vs's array.
func fitList[S comparable](vs []S, fields []field[S], cut uint64) []S {
	var out []S
	var zero S
	for _, v := range vs {
		// Cleared in place in out: a value cleared through a pointer to
		// v would be moved to the heap.
		out = append(out, v)
		clearFields(&out[len(out)-1], fields, cut)
		if out[len(out)-1] == zero {
			out = out[:len(out)-1]
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// multiValues returns the field of u holding the MultiValue list of the
// User attribute name (its canonical spelling), or nil.
func multiValues(u *User, name string) *[]MultiValue {
	switch name {
	case "emails":
		return &u.Emails
	case "phoneNumbers":
		return &u.PhoneNumbers
	case "ims":
		return &u.IMs
	case "photos":
		return &u.Photos
	case "entitlements":
		return &u.Entitlements
	case "roles":
		return &u.Roles
	case "x509Certificates":
		return &u.X509Certificates
	}
	return nil
}

// clearEnterpriseAttr is clearUserAttr for an attribute of the enterprise
// extension, a switch for the same reason.
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

// KeepUnseen gives next, the user a PUT is about to store over cur (as a
// store holds it), cur's stored value of every attribute the PUT leaves
// as a client sees it: one the model leaves out, and one whose value
// fitted to the model (FitUser) is next's. A user stored before the host
// narrowed its model may hold values a client never sees (name.middleName,
// an email's type, addresses), and so cannot resend: as a PUT keeps a
// password it does not mention, it keeps them, so that a PUT of what a GET
// showed writes nothing, and a PUT that changes one attribute changes
// that one alone (its change feed entry and Config.Events say so). An
// attribute the PUT changes is written as sent, without what the model
// leaves out of it. A PATCH's result (next, made from cur) is kept so
// too. It does nothing under a model without a subset, and reports
// whether it ran; it never writes through cur, which may be a store's
// own value.
func (m *Model) KeepUnseen(next, cur *User) bool {
	if m.User.full == nil || next == nil || cur == nil {
		return false
	}
	seen := cur.Clone()
	m.FitUser(seen)
	c := cur.Clone()
	keep := func(same bool, dst, src *string) {
		if same {
			*dst = *src
		}
	}
	for _, f := range []struct{ n, s, c *string }{
		{&next.ExternalID, &seen.ExternalID, &c.ExternalID}, {&next.DisplayName, &seen.DisplayName, &c.DisplayName},
		{&next.NickName, &seen.NickName, &c.NickName}, {&next.ProfileURL, &seen.ProfileURL, &c.ProfileURL},
		{&next.Title, &seen.Title, &c.Title}, {&next.UserType, &seen.UserType, &c.UserType},
		{&next.PreferredLanguage, &seen.PreferredLanguage, &c.PreferredLanguage}, {&next.Locale, &seen.Locale, &c.Locale},
		{&next.Timezone, &seen.Timezone, &c.Timezone},
	} {
		keep(sameStr(*f.n, *f.s), f.n, f.c)
	}
	if sameName(next.Name, seen.Name) {
		next.Name = c.Name
	}
	for _, f := range []struct{ n, s, c *[]MultiValue }{
		{&next.Emails, &seen.Emails, &c.Emails}, {&next.PhoneNumbers, &seen.PhoneNumbers, &c.PhoneNumbers},
		{&next.IMs, &seen.IMs, &c.IMs}, {&next.Photos, &seen.Photos, &c.Photos},
		{&next.Entitlements, &seen.Entitlements, &c.Entitlements}, {&next.Roles, &seen.Roles, &c.Roles},
		{&next.X509Certificates, &seen.X509Certificates, &c.X509Certificates},
	} {
		if sameList(*f.n, *f.s, sameMultiValue) {
			*f.n = *f.c
		}
	}
	if sameList(next.Addresses, seen.Addresses, sameAddress) {
		next.Addresses = c.Addresses
	}
	next.Enterprise = keepUnseenEnterprise(next.Enterprise, seen.Enterprise, c.Enterprise)
	return true
}

// keepUnseenEnterprise is KeepUnseen for the enterprise extension, one
// attribute at a time as for the core ones: of next (what the write
// leaves), seen (cur fitted to the model: what a client saw) and cur,
// each attribute next leaves as seen takes cur's stored value. Taken
// whole, a PUT changing department would drop a costCenter the model
// leaves out, which no client can resend. It never writes through next
// or cur.
func keepUnseenEnterprise(next, seen, cur *EnterpriseUser) *EnterpriseUser {
	if sameEnterprise(next, seen) {
		return cur
	}
	if cur == nil {
		return next
	}
	var n, s EnterpriseUser
	if next != nil {
		n = *next
	}
	if seen != nil {
		s = *seen
	}
	for _, f := range []struct{ n, s, c *string }{
		{&n.EmployeeNumber, &s.EmployeeNumber, &cur.EmployeeNumber}, {&n.CostCenter, &s.CostCenter, &cur.CostCenter},
		{&n.Organization, &s.Organization, &cur.Organization}, {&n.Division, &s.Division, &cur.Division},
		{&n.Department, &s.Department, &cur.Department},
	} {
		if sameStr(*f.n, *f.s) {
			*f.n = *f.c
		}
	}
	if sameEnterprise(&EnterpriseUser{Manager: n.Manager}, &EnterpriseUser{Manager: s.Manager}) {
		n.Manager = cur.Manager
	}
	n.Extra = keepUnseenRaw(n.Extra, s.Extra, cur.Extra)
	if n.EmployeeNumber == "" && n.CostCenter == "" && n.Organization == "" && n.Division == "" &&
		n.Department == "" && n.Manager == nil && len(n.Extra) == 0 {
		return nil
	}
	return &n
}

// keepUnseenRaw is keepUnseenEnterprise for raw attributes by name (the
// enterprise extension's Extra): a new map holding next's, and cur's
// value of each name next leaves as seen has it (both without it, or
// the same value).
func keepUnseenRaw(next, seen, cur map[string]json.RawMessage) map[string]json.RawMessage {
	out := maps.Clone(next)
	for k, cv := range cur {
		nv, inNext := next[k]
		sv, inSeen := seen[k]
		if inNext != inSeen || inNext && !sameExtensions(map[string]json.RawMessage{k: nv}, map[string]json.RawMessage{k: sv}) {
			continue
		}
		if out == nil {
			out = make(map[string]json.RawMessage, len(cur))
		}
		out[k] = cv
	}
	return out
}
