package resources

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"reflect"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/scimkit/scim/internal/jsonscan"
	"github.com/scimkit/scim/internal/names"
)

// This file converts between the typed model (User, Group) and documents
// (map[string]any as Decode gives it) field by field. The result is
// exactly what encoding the typed value to JSON and decoding it again
// would give (the differential tests hold it to that), without the JSON in
// between: only the extension objects, which the typed model keeps as
// json.RawMessage, are encoded or decoded.

// ToMap renders a *User, *Group, User or Group as a document: the form
// filters are evaluated on and PATCH is applied to. It holds what the
// resource's JSON encoding holds ("schemas" computed from the extensions
// present, meta times as RFC 3339 strings, extensions under their URN), as
// Decode would read it back: numbers json.Number, lists []any, objects
// map[string]any.
func ToMap(v any) (map[string]any, error) {
	switch r := v.(type) {
	case *User:
		if r != nil {
			return r.toMap()
		}
	case User:
		return r.toMap()
	case *Group:
		if r != nil {
			return r.toMap()
		}
	case Group:
		return r.toMap()
	default:
		return nil, fmt.Errorf("resources: ToMap takes a User or a Group, not %T", v)
	}
	return nil, errors.New("resources: ToMap of a nil resource")
}

// WritableMap is ToMap without what a client never writes: meta, and a
// user's groups, which are computed. It is the document a PATCH is
// applied to, rendered without copying the resource to clear them.
func WritableMap(v any) (map[string]any, error) {
	switch r := v.(type) {
	case *User:
		if r != nil {
			return r.render(false)
		}
	case *Group:
		if r != nil {
			return r.render(false)
		}
	default:
		return ToMap(v)
	}
	return nil, errors.New("resources: WritableMap of a nil resource")
}

func (u *User) toMap() (map[string]any, error) { return u.render(true) }

// render is ToMap, or WritableMap without all.
func (u *User) render(all bool) (map[string]any, error) {
	doc := make(map[string]any, 12+len(u.Extensions))
	schemas := make([]any, 0, 2+len(u.Extensions))
	schemas = append(schemas, UserSchema)
	if u.Enterprise != nil {
		schemas = append(schemas, EnterpriseUserSchema)
	}
	keys := sortedKeys(u.Extensions)
	for _, k := range keys {
		schemas = append(schemas, jsonString(k))
	}
	doc["schemas"] = schemas
	putString(doc, "id", u.ID)
	putString(doc, "externalId", u.ExternalID)
	doc["userName"] = jsonString(u.UserName)
	if n := u.Name; n != nil {
		m := make(map[string]any, 6)
		putString(m, "formatted", n.Formatted)
		putString(m, "familyName", n.FamilyName)
		putString(m, "givenName", n.GivenName)
		putString(m, "middleName", n.MiddleName)
		putString(m, "honorificPrefix", n.HonorificPrefix)
		putString(m, "honorificSuffix", n.HonorificSuffix)
		doc["name"] = m
	}
	putString(doc, "displayName", u.DisplayName)
	putString(doc, "nickName", u.NickName)
	putString(doc, "profileUrl", u.ProfileURL)
	putString(doc, "title", u.Title)
	putString(doc, "userType", u.UserType)
	putString(doc, "preferredLanguage", u.PreferredLanguage)
	putString(doc, "locale", u.Locale)
	putString(doc, "timezone", u.Timezone)
	if u.Active != nil {
		doc["active"] = *u.Active
	}
	putString(doc, "password", u.Password)
	putList(doc, "emails", u.Emails, (*MultiValue).toMap)
	putList(doc, "phoneNumbers", u.PhoneNumbers, (*MultiValue).toMap)
	putList(doc, "ims", u.IMs, (*MultiValue).toMap)
	putList(doc, "photos", u.Photos, (*MultiValue).toMap)
	putList(doc, "addresses", u.Addresses, (*Address).toMap)
	if all {
		putList(doc, "groups", u.Groups, (*GroupRef).toMap)
	}
	putList(doc, "entitlements", u.Entitlements, (*MultiValue).toMap)
	putList(doc, "roles", u.Roles, (*MultiValue).toMap)
	putList(doc, "x509Certificates", u.X509Certificates, (*MultiValue).toMap)
	if all {
		if err := u.Meta.put(doc); err != nil {
			return nil, err
		}
	}
	// Extensions go last: in the JSON encoding they follow the core
	// attributes, so a key they repeat wins.
	if u.Enterprise != nil {
		e, err := u.Enterprise.toMap()
		if err != nil {
			return nil, err
		}
		doc[EnterpriseUserSchema] = e
	}
	return doc, putExtensions(doc, keys, u.Extensions)
}

func (g *Group) toMap() (map[string]any, error) { return g.render(true) }

// render is ToMap, or WritableMap without all.
func (g *Group) render(all bool) (map[string]any, error) {
	doc := make(map[string]any, 6+len(g.Extensions))
	schemas := make([]any, 0, 1+len(g.Extensions))
	schemas = append(schemas, GroupSchema)
	keys := sortedKeys(g.Extensions)
	for _, k := range keys {
		schemas = append(schemas, jsonString(k))
	}
	doc["schemas"] = schemas
	putString(doc, "id", g.ID)
	putString(doc, "externalId", g.ExternalID)
	doc["displayName"] = jsonString(g.DisplayName)
	putList(doc, "members", g.Members, (*Member).toMap)
	if all {
		if err := g.Meta.put(doc); err != nil {
			return nil, err
		}
	}
	return doc, putExtensions(doc, keys, g.Extensions)
}

func (e *EnterpriseUser) toMap() (map[string]any, error) {
	m := make(map[string]any, 6+len(e.Extra))
	putString(m, "employeeNumber", e.EmployeeNumber)
	putString(m, "costCenter", e.CostCenter)
	putString(m, "organization", e.Organization)
	putString(m, "division", e.Division)
	putString(m, "department", e.Department)
	if mg := e.Manager; mg != nil {
		mm := make(map[string]any, 3)
		putString(mm, "value", mg.Value)
		putString(mm, "$ref", mg.Ref)
		putString(mm, "displayName", mg.DisplayName)
		m["manager"] = mm
	}
	return m, putExtensions(m, sortedKeys(e.Extra), e.Extra)
}

func (v *MultiValue) toMap() map[string]any {
	m := make(map[string]any, 4)
	putString(m, "value", v.Value)
	putString(m, "display", v.Display)
	putString(m, "type", v.Type)
	if v.Primary != nil {
		m["primary"] = *v.Primary
	}
	return m
}

func (a *Address) toMap() map[string]any {
	m := make(map[string]any, 8)
	putString(m, "formatted", a.Formatted)
	putString(m, "streetAddress", a.StreetAddress)
	putString(m, "locality", a.Locality)
	putString(m, "region", a.Region)
	putString(m, "postalCode", a.PostalCode)
	putString(m, "country", a.Country)
	putString(m, "type", a.Type)
	if a.Primary != nil {
		m["primary"] = *a.Primary
	}
	return m
}

// GroupRefMap renders r as one element of a user's "groups" in the
// document form: as ToMap renders it inside a User and the User's JSON
// encoding writes it, "value" always, "$ref", "display" and "type" only
// when not empty. It is the one rendering of a membership: what a GET
// shows is what a filter reads (RFC 7644 §3.4.2.2), whoever builds the
// element (store/query.GroupRefValue).
func GroupRefMap(r GroupRef) map[string]any { return r.toMap() }

// MemberMap renders m as one element of a group's "members" in the
// document form, as GroupRefMap renders a user's group: "value" always,
// "$ref", "type" and "display" only when not empty.
func MemberMap(m Member) map[string]any { return m.toMap() }

func (r *GroupRef) toMap() map[string]any {
	m := make(map[string]any, 4)
	m["value"] = jsonString(r.Value)
	putString(m, "$ref", r.Ref)
	putString(m, "display", r.Display)
	putString(m, "type", r.Type)
	return m
}

func (r *Member) toMap() map[string]any {
	m := make(map[string]any, 4)
	m["value"] = jsonString(r.Value)
	putString(m, "$ref", r.Ref)
	putString(m, "type", r.Type)
	putString(m, "display", r.Display)
	return m
}

// put adds meta to doc unless m is the zero Meta (the omitzero rule of its
// JSON encoding).
func (m *Meta) put(doc map[string]any) error {
	if *m == (Meta{}) {
		return nil
	}
	out := make(map[string]any, 5)
	putString(out, "resourceType", m.ResourceType)
	for _, t := range []struct {
		key string
		t   time.Time
	}{{"created", m.Created}, {"lastModified", m.LastModified}} {
		if t.t.IsZero() {
			continue
		}
		// MarshalText is the RFC 3339 rendering (and the range check)
		// encoding/json uses for a time.Time.
		b, err := t.t.MarshalText()
		if err != nil {
			return fmt.Errorf("meta.%s: %w", t.key, err)
		}
		out[t.key] = string(b)
	}
	putString(out, "location", m.Location)
	putString(out, "version", m.Version)
	doc["meta"] = out
	return nil
}

func putString(m map[string]any, key, s string) {
	if s != "" {
		m[key] = jsonString(s)
	}
}

func putList[T any](doc map[string]any, key string, list []T, conv func(*T) map[string]any) {
	if len(list) == 0 {
		return
	}
	out := make([]any, len(list))
	for i := range list {
		out[i] = conv(&list[i])
	}
	doc[key] = out
}

// putExtensions decodes each raw object of exts (in the order of keys)
// into doc; an empty one is null.
func putExtensions(doc map[string]any, keys []string, exts map[string]json.RawMessage) error {
	for _, k := range keys {
		v, err := decodeRaw(exts[k])
		if err != nil {
			return fmt.Errorf("%s: %w", k, err)
		}
		doc[jsonString(k)] = v
	}
	return nil
}

var errInvalidRaw = errors.New("invalid JSON")

// decodeRaw decodes one JSON value with numbers as json.Number; empty is
// null.
func decodeRaw(raw json.RawMessage) (any, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	v, _, _, ok := wellKnown.Parse(raw, false) // checked as json.Valid checks
	if !ok {
		return nil, errInvalidRaw
	}
	return v, nil
}

// jsonString returns s as a JSON encoding and decoding gives it back:
// encoding/json writes each byte that is not valid UTF-8 as U+FFFD.
func jsonString(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			b.WriteRune(utf8.RuneError)
		} else {
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// UserFromMap builds a User from a normalised document (attribute names in
// their canonical spelling, as Normalize gives them; other keys, such as
// "schemas", are ignored). An attribute named by its schema URN is read
// as a request reads it (unqualifyMap). A value of the wrong type gives an *AttrError.
//
// The typed model cannot tell an empty string from an unassigned value
// (both are ""), so a complex value the document gives only empty strings
// is unassigned too: {"name": {"givenName": ""}} has no name, a manager of
// {"value": ""} is no manager, an enterprise extension of empty strings is
// absent, and an email, phone number or address with nothing but a type
// and primary is dropped. Template-driven clients (OneLogin's SCIM JSON
// template) send such values for fields a user has no value for; kept, they
// would come back as {} and as an enterprise schema with nothing in it.
// Another extension's object keeps its values as sent but for those that
// hold none (Assigned: null, "", an empty list or object, at any depth),
// as the core attributes keep no empty string, and an extension left with
// nothing is absent: "urn:acme:X": null, {}, {"badge": null} and
// {"badge": ""} are no extension (compactExtensions).
//
// Of two faults the same one is reported every time, the first in sorted
// order (walkSorted); an extension given under two spellings of its URN
// (which Normalize would have refused) is an *AttrError too, as in a
// request, rather than either one of them.
func UserFromMap(doc map[string]any) (*User, error) {
	u := new(User)
	if err := walkMembers(doc, u.set); err != nil {
		// set refuses a qualified name (errQualified): the document is
		// read again with those moved, as a request reads them.
		if moved, err := unqualifyMap(doc, UserSchema, EnterpriseUserSchema); err != nil || moved != nil {
			if err != nil {
				return nil, err
			}
			return UserFromMap(moved)
		}
		u = new(User) // so that the second walk meets no name of the first
		return nil, walkSorted(doc, u.set, err)
	}
	u.compact()
	return u, nil
}

// set reads the document member k into u: a core attribute through its
// field (userFields), the enterprise extension, another extension.
func (u *User) set(k string, v any) error {
	if f := fieldNamed(userFields, k); f != nil {
		return f.read(u, "", v)
	}
	if qualifiedKey(k, UserSchema, EnterpriseUserSchema) {
		return errQualified
	}
	if !isExtensionKey(k, UserSchema) {
		return nil
	}
	if names.Equal(k, EnterpriseUserSchema) {
		if u.Enterprise != nil {
			return twice(EnterpriseUserSchema)
		}
		e, err := enterpriseFromDoc(k, v)
		u.Enterprise = e
		return err
	}
	return setExtension(&u.Extensions, k, v)
}

// SetAttr sets one single-valued simple attribute of u's core schema, a
// string (userName, displayName, title, ...) or active, named in its
// schema spelling, to v, a value as a normalised document holds it (a
// string; a bool for active), read as UserFromMap reads that document
// member. When u is as UserFromMap makes users (Compact reports no
// change), u is then what UserFromMap makes of u's document with that one
// member changed: it is how a PATCH that replaces one simple attribute
// (patch.Engine.Scalar) changes a typed user without its document. It
// checks nothing a schema says (mutability, uniqueness, limits): its
// caller has. Any other name (id, a complex or multi-valued attribute,
// an extension's) is an error, and so is a value of the wrong type,
// which may leave u changed.
func (u *User) SetAttr(name string, v any) error {
	f := fieldNamed(userFields, name)
	if f == nil || (f.str == nil && f.name != "active") || f.name == "id" {
		return fmt.Errorf("resources: %q is not a single-valued simple core attribute of User that SetAttr sets", name)
	}
	return f.read(u, "", v)
}

// Compact unassigns what UserFromMap leaves unassigned (a name, a
// multi-valued attribute's value, an address or a manager that holds
// only empty strings, an enterprise extension with nothing in it, an
// extension's null, empty list or empty object, and an extension left
// with nothing) and
// reports whether u held any of it: a user a store kept so is not what
// UserFromMap makes of its document. A host's store may use it to keep
// users in the form UserFromMap gives them; SetAttr's promise needs it.
func (u *User) Compact() (changed bool) { return u.compact() }

// compact unassigns the complex values that hold only empty strings (see
// UserFromMap), and reports whether it changed u.
func (u *User) compact() (changed bool) {
	if u.Name != nil && *u.Name == (Name{}) {
		u.Name, changed = nil, true
	}
	for _, list := range []*[]MultiValue{&u.Emails, &u.PhoneNumbers, &u.IMs, &u.Photos, &u.Entitlements, &u.Roles, &u.X509Certificates} {
		n, held := len(*list), *list != nil
		*list = dropValueless(*list)
		changed = changed || len(*list) != n || (*list != nil) != held
	}
	if u.Addresses != nil {
		n := len(u.Addresses)
		kept := u.Addresses[:0]
		for _, a := range u.Addresses {
			if a.Formatted != "" || a.StreetAddress != "" || a.Locality != "" || a.Region != "" || a.PostalCode != "" || a.Country != "" {
				kept = append(kept, a)
			}
		}
		u.Addresses = nilIfEmpty(kept)
		changed = changed || len(u.Addresses) != n || u.Addresses == nil
	}
	var extChanged bool
	u.Extensions, extChanged = compactExtensions(u.Extensions)
	changed = changed || extChanged
	if e := u.Enterprise; e != nil {
		e.Extra, extChanged = compactExtensions(e.Extra)
		changed = changed || extChanged
		if e.Manager != nil && e.Manager.Value == "" && e.Manager.Ref == "" {
			e.Manager, changed = nil, true
		}
		if e.EmployeeNumber == "" && e.CostCenter == "" && e.Organization == "" && e.Division == "" && e.Department == "" && e.Manager == nil && len(e.Extra) == 0 {
			u.Enterprise, changed = nil, true
		}
	}
	return changed
}

// Compact is User.Compact for a group: it unassigns what GroupFromMap
// leaves unassigned (an extension's null, empty string, empty list or
// empty object, and an extension left with nothing) and reports whether g
// held any of it. A store keeps every group it writes so (store/memory
// and store/sqlstore do, and so may a host's store), as it keeps users,
// so that no filter or sort finds a value a GET of the group does not
// show.
func (g *Group) Compact() (changed bool) { return g.compact() }

// compact is (*User).compact for a group: it drops what its extension
// objects hold without a value (compactExtensions).
func (g *Group) compact() (changed bool) {
	g.Extensions, changed = compactExtensions(g.Extensions)
	return changed
}

// compactExtensions returns exts, a resource's extension objects (or the
// enterprise extension's Extra attributes), without what they hold
// unassigned, and whether it dropped anything. RFC 7643 §2.5 makes null,
// an empty list and an empty object the unassigned state, and an empty
// string is no value either (Assigned), at any depth: {"urn:acme:X":
// null}, {"urn:acme:X": {}}, {"urn:acme:X": {"badge": null}} and
// {"urn:acme:X": {"badge": ""}} all leave the extension unassigned, and a
// resource that holds it so neither shows "urn:acme:X": null in a
// response nor lists the extension in "schemas", as the PATCH engine
// already leaves none. An entry left with nothing is dropped, and an
// empty map is nil, as UserFromMap leaves a user without extensions. Only
// an entry whose text may hold a null, an empty string or an empty list
// or object is rewritten (unassignedIn),
// and what it keeps is kept as written, in its order (appendAssigned): a
// host's extension reads back as it was sent but for what it left
// unassigned.
func compactExtensions(exts map[string]json.RawMessage) (map[string]json.RawMessage, bool) {
	changed := false
	for k, raw := range exts {
		if !unassignedIn(raw) {
			continue
		}
		if len(raw) > 0 {
			if _, at, valid := jsonscan.ValidRepeated(raw); !valid || at >= 0 {
				// Not JSON: kept as it is, as putExtensions fails on it.
				// A name given twice means its last value, which a
				// member-by-member copy would not keep: left as it is
				// (a request's document never repeats one).
				continue
			}
		}
		kept, held := appendAssigned(nil, raw)
		switch {
		case !held:
			delete(exts, k)
		case len(kept) != len(raw):
			exts[k] = kept
		default:
			continue // a "null" inside a string
		}
		changed = true
	}
	if exts != nil && len(exts) == 0 {
		// An empty map is no extension, as nil is: only what was dropped
		// is a change (Compact's answer, which scalarPatch reads).
		return nil, changed
	}
	return exts, changed
}

// unassignedIn reports whether raw, one JSON value, is empty or may hold
// a value that holds none (Assigned): a null (outside a string, an 'n'
// begins nothing else), an empty string or an empty list or object. It
// may report one in a string, or an empty member name, too;
// appendAssigned then finds nothing to drop.
func unassignedIn(raw []byte) bool {
	if len(raw) == 0 {
		return true
	}
	for i := 0; i < len(raw); i++ {
		switch raw[i] {
		case '"':
			if i+1 < len(raw) && raw[i+1] == '"' {
				return true
			}
			i = jsonscan.StringEnd(raw, i) - 1
		case 'n':
			return true
		case '[', '{':
			if j := jsonscan.SkipSpace(raw, i+1); j < len(raw) && (raw[j] == ']' || raw[j] == '}') {
				return true
			}
		}
	}
	return false
}

// appendAssigned appends to dst the JSON value raw (valid JSON) without
// the members and elements that hold no value (Assigned: null, "", or a
// list or object left empty) and without the white space between its
// tokens; held
// reports whether raw holds a value at all (dst is then as it was). What
// is kept is its text as written, in its order: names with their escapes,
// numbers as written (1.50 stays 1.50), so that a host's extension is not
// rewritten beyond what is dropped.
func appendAssigned(dst, raw []byte) (_ []byte, held bool) {
	i := jsonscan.SkipSpace(raw, 0)
	if i >= len(raw) {
		return dst, false
	}
	mark := len(dst)
	switch raw[i] {
	case '{', '[':
		obj, end := raw[i] == '{', byte(']')
		if obj {
			end = '}'
		}
		dst = append(dst, raw[i])
		n := 0
		for j := i + 1; ; {
			var key, val []byte
			var ok bool
			if obj {
				key, val, j, ok = jsonscan.NextMember(raw, j)
			} else {
				val, j, ok = jsonscan.NextElement(raw, j)
			}
			if !ok {
				break
			}
			before := len(dst)
			if n > 0 {
				dst = append(dst, ',')
			}
			if obj {
				dst = append(append(append(dst, '"'), key...), '"', ':')
			}
			var h bool
			if dst, h = appendAssigned(dst, val); !h {
				dst = dst[:before]
				continue
			}
			n++
		}
		if n == 0 {
			return dst[:mark], false
		}
		return append(dst, end), true
	}
	tok := raw[i:jsonscan.ValueEnd(raw, i)]
	if !assignedScalar(tok) {
		return dst, false
	}
	return append(dst, tok...), true
}

// dropValueless removes the values with neither a value nor a display.
func dropValueless(list []MultiValue) []MultiValue {
	if list == nil {
		return nil
	}
	kept := list[:0]
	for _, v := range list {
		if v.Value != "" || v.Display != "" {
			kept = append(kept, v)
		}
	}
	return nilIfEmpty(kept)
}

func nilIfEmpty[T any](list []T) []T {
	if len(list) == 0 {
		return nil
	}
	return list
}

// GroupFromMap builds a Group from a normalised document (see UserFromMap
// for the keys it reads).
func GroupFromMap(doc map[string]any) (*Group, error) {
	g := new(Group)
	if err := walkMembers(doc, g.set); err != nil {
		if moved, err := unqualifyMap(doc, GroupSchema, ""); err != nil || moved != nil {
			if err != nil {
				return nil, err
			}
			return GroupFromMap(moved)
		}
		g = new(Group)
		return nil, walkSorted(doc, g.set, err)
	}
	g.compact()
	return g, nil
}

// set is (*User).set for a group (groupFields).
func (g *Group) set(k string, v any) error {
	if f := fieldNamed(groupFields, k); f != nil {
		return f.read(g, "", v)
	}
	if qualifiedKey(k, GroupSchema, "") {
		return errQualified
	}
	if !isExtensionKey(k, GroupSchema) {
		return nil
	}
	return setExtension(&g.Extensions, k, v)
}

// enterpriseFromDoc builds the enterprise extension from its object; null
// is an extension with nothing in it (which compact then drops).
func enterpriseFromDoc(path string, v any) (*EnterpriseUser, error) {
	e, _, err := buildEnterprise(path, v, true)
	return e, err
}

// buildEnterprise is enterpriseFromDoc, which keeps the attributes
// EnterpriseUser has no field for in Extra only when keepExtra is set;
// extra reports whether there were any. UserFromJSON keeps them from their
// text instead, rather than encoding their decoded values a second time.
func buildEnterprise(path string, v any, keepExtra bool) (e *EnterpriseUser, extra bool, err error) {
	e = new(EnterpriseUser)
	if v == nil {
		return e, false, nil
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, false, typeError(path, "an object", v)
	}
	read := func(k string, v any) error {
		if f := fieldNamed(enterpriseFields, k); f != nil {
			return f.read(e, EnterpriseUserSchema+":", v)
		}
		if isEnterpriseField(k) {
			return nil // a field's name in another spelling
		}
		extra = true
		if keepExtra {
			return setExtension(&e.Extra, k, v)
		}
		return nil
	}
	if err := walkMembers(obj, read); err != nil {
		e, extra = new(EnterpriseUser), false
		return nil, false, walkSorted(obj, read, err)
	}
	return e, extra, nil
}

func isEnterpriseField(k string) bool {
	for _, f := range enterpriseFields {
		if names.Equal(k, f.name) {
			return true
		}
	}
	return false
}

// set reads a meta object into m, over what m holds (metaFields).
func (m *Meta) set(v any) error {
	if v == nil {
		return nil
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return typeError("meta", "an object", v)
	}
	read := func(k string, x any) error {
		if f := fieldNamed(metaFields, k); f != nil {
			return f.read(m, "meta.", x)
		}
		return nil
	}
	if err := walkMembers(obj, read); err != nil {
		return walkSorted(obj, read, err) // each name sets its own field again
	}
	return nil
}

// isExtensionKey reports whether a document key is a schema URN other
// than the core one: the key of an extension object. A URN is what
// IsURN says, as for a request's keys: "urn:" alone names no schema, and
// is an unknown attribute, ignored, in a typed read as in a request.
func isExtensionKey(k, core string) bool {
	return IsURN(k) && !names.Equal(k, core)
}

// setExtension keeps v, JSON-encoded, under k in *exts. A k that *exts
// holds already in another spelling ("urn:acme:X" and "URN:ACME:X") is
// refused (twice), as Normalize refuses it in a request: kept, both
// would be rendered, or one would replace the other.
func setExtension(exts *map[string]json.RawMessage, k string, v any) error {
	jk := jsonString(k) // the name as JSON gives it back, the key it is kept under
	if _, _, ok := names.Key(*exts, jk); ok {
		return twice(k)
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return &AttrError{Path: k, Msg: err.Error()}
	}
	if *exts == nil {
		*exts = make(map[string]json.RawMessage)
	}
	(*exts)[jk] = raw
	return nil
}

// putExtension keeps raw under k (the name as JSON gives it back) in
// *exts, made when nil.
func putExtension(exts *map[string]json.RawMessage, k string, raw json.RawMessage) {
	if *exts == nil {
		*exts = make(map[string]json.RawMessage)
	}
	(*exts)[jsonString(k)] = raw
}

// The getters below set *dst from a document value; null leaves *dst as it
// is (a pointer or a list becomes nil), as it does in encoding/json. An
// attribute's path in errors is parent+key: parent is a constant ("name.",
// "emails.") so that reading allocates nothing for it.

func getString(parent, k string, v any, dst *string) error {
	switch x := v.(type) {
	case nil:
		return nil
	case string:
		*dst = jsonString(x)
		return nil
	}
	return typeError(parent+k, "a string", v)
}

func getBoolPtr(parent, k string, v any, dst **bool) error {
	switch x := v.(type) {
	case nil:
		*dst = nil
		return nil
	case bool:
		*dst = &x
		return nil
	}
	return typeError(parent+k, "a boolean", v)
}

func getTime(parent, k string, v any, dst *time.Time) error {
	switch x := v.(type) {
	case nil:
		return nil
	case string:
		// UnmarshalText parses RFC 3339 as strictly as encoding/json does.
		if err := dst.UnmarshalText([]byte(x)); err != nil {
			return &AttrError{Path: parent + k, Msg: err.Error()}
		}
		return nil
	}
	return typeError(parent+k, "a string", v)
}

// getObject reads an object into a new *T; prefix is the object's path
// followed by ".".
func getObject[T any](prefix string, v any, dst **T, set func(t *T, prefix, k string, v any) error) error {
	if v == nil {
		*dst = nil
		return nil
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return typeError(prefix[:len(prefix)-1], "an object", v)
	}
	t := new(T)
	for k, x := range obj { // walkMembers, without a closure per call
		if err := set(t, prefix, k, x); err != nil {
			t = new(T)
			return walkSorted(obj, func(k string, x any) error { return set(t, prefix, k, x) }, err)
		}
	}
	*dst = t
	return nil
}

// getList reads a list of objects; an empty list gives an empty, non-nil
// slice and a null element a zero value, as in encoding/json. prefix is
// the list's path followed by ".".
func getList[T any](prefix string, v any, dst *[]T, set func(t *T, prefix, k string, v any) error) error {
	if v == nil {
		*dst = nil
		return nil
	}
	list, ok := v.([]any)
	if !ok {
		return typeError(prefix[:len(prefix)-1], "a list", v)
	}
	out := make([]T, len(list))
	for i, el := range list {
		if el == nil {
			continue
		}
		obj, ok := el.(map[string]any)
		if !ok {
			return typeError(prefix[:len(prefix)-1], "a list of objects", v)
		}
		for k, x := range obj { // walkMembers, without a closure per element
			if err := set(&out[i], prefix, k, x); err != nil {
				var t T
				return walkSorted(obj, func(k string, x any) error { return set(&t, prefix, k, x) }, err)
			}
		}
	}
	*dst = out
	return nil
}

// walkMembers calls f with each member of obj in Go's map order and
// returns f's first error; a document without a fault (as the handler
// gives, nearly every call) is read without sorting its names. When there
// is one, the map's order would choose which of several faults is
// reported, so the caller starts again from a fresh value and walks in
// sorted order (walkSorted), whose first fault is the same every time.
func walkMembers(obj map[string]any, f func(k string, v any) error) error {
	for k, v := range obj {
		if err := f(k, v); err != nil {
			return err
		}
	}
	return nil
}

// walkSorted is walkMembers in sorted order (jsonscan.SortedKeys). Its
// first error is returned, or, should it find none, err, the fault the
// map-order walk found.
func walkSorted(obj map[string]any, f func(k string, v any) error, err error) error {
	var buf [jsonscan.SmallObject]string
	for _, k := range jsonscan.SortedKeys(buf[:0], obj) {
		if e := f(k, obj[k]); e != nil {
			return e
		}
	}
	return err
}

// typeError is the refusal of a value of the wrong type in a document
// UserFromMap or GroupFromMap reads. It quotes a string concealing the
// password alone (DescribeValue), not a model's other secrets: the
// handler builds from a document Normalize has checked (with its model's
// secrets, describeFor), whose values have the right types, so only a
// host's own document, which no client wrote, reaches it.
func typeError(path, want string, v any) error {
	return &AttrError{Path: path, Msg: fmt.Sprintf("must be %s, got %s", want, DescribeValue(v))}
}

// EqualDocs reports whether two documents (as Decode, ToMap and
// Normalize make them: maps, lists, strings, booleans, json.Number and
// nil) hold the same values: numbers by value (SameNumber), strings
// exactly, case included. It is reflect.DeepEqual for documents, numbers
// aside, without its allocations: the handler compares a resource before and
// after every PATCH.
func EqualDocs(a, b map[string]any) bool { return equalDoc(a, b) }

// EqualDocValues is EqualDocs for two values of a document (as Decode,
// ToMap and Normalize make them), not only whole documents: a value
// absent and nil are both nil. A PUT matches the values of a multi-valued
// complex attribute it sends to the stored ones with it (the handler's
// keepOnReplace).
func EqualDocValues(a, b any) bool { return equalDoc(a, b) }

func equalDoc(a, b any) bool {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !equalDoc(v, w) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !equalDoc(x[i], y[i]) {
				return false
			}
		}
		return true
	case string:
		y, ok := b.(string)
		return ok && x == y
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case json.Number:
		y, ok := b.(json.Number)
		return ok && SameNumber(x, y)
	case nil:
		return b == nil
	}
	return reflect.DeepEqual(a, b) // a value of another type: compared as Go does
}

// SameNumber reports whether two JSON numbers are the same value (RFC
// 7643 §2.3.3 and §2.3.4 compare decimals and integers by value): 1, 1.0
// and 1e0 are one number. A write that only spells a number another way
// changes nothing (store.UserStore.ReplaceUser).
func SameNumber(x, y json.Number) bool {
	if x == y {
		return true
	}
	// SetString's default precision (64 bits) would round two decimals
	// that differ past their 19th digit to one value, and a write of
	// the other to no change. 4 bits a character holds each number's
	// digits whole, and a rounding far finer than any difference
	// between decimals of that many digits (an exponent costs a few
	// multiplications at that precision, whatever its size).
	prec := uint(4*max(len(x), len(y)) + 64)
	xf, ok1 := new(big.Float).SetPrec(prec).SetString(string(x))
	yf, ok2 := new(big.Float).SetPrec(prec).SetString(string(y))
	return ok1 && ok2 && xf.Cmp(yf) == 0
}
