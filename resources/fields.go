package resources

import (
	"math/bits"
	"time"

	"github.com/scimkit/scim/internal/jsonscan"
)

// A field is one attribute a typed value has a Go field for: its name and
// both ways of reading it. set reads a decoded document's value (UserFromMap
// and every request); scan reads the value's JSON text in place, without
// the generic value (UserFromJSON, every read from a SQL store). Both are
// made from one description (str, flag, timeField, object, list), so an
// attribute is decoded one way whichever form it comes in.
//
// scan reads only the usual shape (a string for a string, an object of
// known members each given once for an object, ...) and reports false,
// having changed nothing, for anything else: the caller then decodes the
// value and reads it with set, which gives the error, or the result, a
// repeated name or an unexpected type gives. That keeps the two readers'
// results identical (FuzzFromJSONRef) with one set of rules, set's.
type field[T any] struct {
	name string
	// set reads v into t; parent is the path of t's attribute and "."
	// (a constant, so that an error's path costs nothing until made).
	set  func(t *T, parent string, v any) error
	scan func(t *T, raw []byte) bool
	// str is a string attribute's field, read by read without set's
	// second call (most attributes are strings).
	str func(*T) *string
	// boolean is a boolean attribute's field (flag), which FitUser clears
	// as it clears a string's.
	boolean func(*T) **bool
}

// read is set, for a string attribute without its closure.
func (f *field[T]) read(t *T, parent string, v any) error {
	if f.str != nil {
		return getString(parent, f.name, v, f.str(t))
	}
	return f.set(t, parent, v)
}

// str is a string attribute: null leaves the field as it is.
func str[T any](name string, at func(*T) *string) field[T] {
	return field[T]{
		name: name,
		str:  at,
		set:  func(t *T, p string, v any) error { return getString(p, name, v, at(t)) },
		scan: func(t *T, raw []byte) bool {
			switch raw[0] {
			case '"':
				// Unquote's result is valid UTF-8 (a byte that is not, or
				// a lone surrogate, becomes U+FFFD as jsonString makes it).
				*at(t) = jsonscan.UnquoteValue(raw)
				return true
			case 'n':
				return true
			}
			return false
		},
	}
}

// flag is a boolean attribute kept as a *bool: null makes it nil.
func flag[T any](name string, at func(*T) **bool) field[T] {
	return field[T]{
		name:    name,
		boolean: at,
		set:     func(t *T, p string, v any) error { return getBoolPtr(p, name, v, at(t)) },
		scan: func(t *T, raw []byte) bool {
			switch raw[0] {
			case 't', 'f':
				b := raw[0] == 't'
				*at(t) = &b
				return true
			case 'n':
				*at(t) = nil
				return true
			}
			return false
		},
	}
}

// timeField is a dateTime attribute (meta's): null leaves it as it is.
func timeField[T any](name string, at func(*T) *time.Time) field[T] {
	return field[T]{
		name: name,
		set:  func(t *T, p string, v any) error { return getTime(p, name, v, at(t)) },
		scan: func(t *T, raw []byte) bool {
			switch raw[0] {
			case '"':
				var tm time.Time
				if tm.UnmarshalText([]byte(jsonscan.UnquoteValue(raw))) != nil {
					return false // set words the error
				}
				*at(t) = tm
				return true
			case 'n':
				return true
			}
			return false
		},
	}
}

// object is a complex attribute read into a new *S (getObject); prefix
// is its path and ".".
func object[T, S any](name, prefix string, at func(*T) **S, fields []field[S]) field[T] {
	sub := setter(fields)
	return field[T]{
		name: name,
		set:  func(t *T, _ string, v any) error { return getObject(prefix, v, at(t), sub) },
		scan: func(t *T, raw []byte) bool {
			switch raw[0] {
			case '{':
				s := new(S)
				if !scanFields(raw, s, fields, nil) {
					return false
				}
				*at(t) = s
				return true
			case 'n':
				*at(t) = nil
				return true
			}
			return false
		},
	}
}

// list is a multi-valued complex attribute (getList), a top-level one:
// its sub-attributes' paths are its name and ".".
func list[T, S any](name string, at func(*T) *[]S, fields []field[S]) field[T] {
	sub, prefix := setter(fields), name+"."
	return field[T]{
		name: name,
		set:  func(t *T, _ string, v any) error { return getList(prefix, v, at(t), sub) },
		scan: func(t *T, raw []byte) bool {
			switch raw[0] {
			case '[':
				n := 0
				for i := 1; ; n++ {
					_, next, ok := jsonscan.NextElement(raw, i)
					if !ok {
						break
					}
					i = next
				}
				out := make([]S, n)
				for i, k := 1, 0; k < n; k++ {
					el, next, _ := jsonscan.NextElement(raw, i)
					i = next
					switch el[0] {
					case 'n': // a zero value, as getList reads null
					case '{':
						if !scanFields(el, &out[k], fields, nil) {
							return false
						}
					default:
						return false
					}
				}
				*at(t) = out
				return true
			case 'n':
				*at(t) = nil
				return true
			}
			return false
		},
	}
}

// setter is set for a complex value's members, as getObject and getList
// take it: an attribute without a field is ignored.
func setter[S any](fields []field[S]) func(s *S, p, k string, v any) error {
	return func(s *S, p, k string, v any) error {
		if f := fieldNamed(fields, k); f != nil {
			return f.read(s, p, v)
		}
		return nil
	}
}

func fieldNamed[T any](fields []field[T], k string) *field[T] {
	for i := range fields {
		if fields[i].name == k {
			return &fields[i]
		}
	}
	return nil
}

// leftOut returns the set of fields, the strings and booleans of a
// complex value (nameFields, addressFields, multiValueFields), that a,
// the attribute of such values narrowed to some of its sub-attributes,
// lacks, bit i for fields[i]: what clearFields clears in each value,
// found once for all the values of a list.
func leftOut[S any](fields []field[S], a *Attribute) uint64 {
	var out uint64
	for i := range fields {
		if a.Sub(fields[i].name) == nil {
			out |= 1 << i
		}
	}
	return out
}

// clearFields clears in s the fields in the set out (leftOut): FitUser's
// cut of a value to the sub-attributes a narrowed model keeps.
func clearFields[S any](s *S, fields []field[S], out uint64) {
	for ; out != 0; out &= out - 1 {
		switch f := &fields[bits.TrailingZeros64(out)]; {
		case f.str != nil:
			*f.str(s) = ""
		case f.boolean != nil:
			*f.boolean(s) = nil
		}
	}
}

// scanFields reads the members of the JSON object obj into s. It reports
// false when a member has a shape its field's scan does not read, or a
// field is named twice: a decoded object keeps a repeated name's last
// value, with null's meaning there (set's), which a member-by-member read
// would not give. other, when not nil, is told the name of each member
// without a field (the enterprise extension's Extra).
func scanFields[S any](obj []byte, s *S, fields []field[S], other func(key []byte)) bool {
	var seen uint64
	for i := 1; ; {
		key, val, next, ok := jsonscan.NextMember(obj, i)
		if !ok {
			return true
		}
		i = next
		j := fieldIndex(fields, key)
		if j < 0 {
			if other != nil {
				other(key)
			}
			continue
		}
		if seen&(1<<j) != 0 || !fields[j].scan(s, val) {
			return false
		}
		seen |= 1 << j
	}
}

// fieldIndex is the index in fields of the one named by key (a member
// name's text, escapes as written), or -1.
func fieldIndex[T any](fields []field[T], key []byte) int {
	for _, c := range key {
		if c == '\\' {
			k := jsonscan.Unquote(key)
			for j := range fields {
				if fields[j].name == k {
					return j
				}
			}
			return -1
		}
	}
	for j := range fields {
		if fields[j].name == string(key) {
			return j
		}
	}
	return -1
}

// The attributes of each typed value, in one place for both readers.

var nameFields = []field[Name]{
	str("formatted", func(n *Name) *string { return &n.Formatted }),
	str("familyName", func(n *Name) *string { return &n.FamilyName }),
	str("givenName", func(n *Name) *string { return &n.GivenName }),
	str("middleName", func(n *Name) *string { return &n.MiddleName }),
	str("honorificPrefix", func(n *Name) *string { return &n.HonorificPrefix }),
	str("honorificSuffix", func(n *Name) *string { return &n.HonorificSuffix }),
}

var multiValueFields = []field[MultiValue]{
	str("value", func(v *MultiValue) *string { return &v.Value }),
	str("display", func(v *MultiValue) *string { return &v.Display }),
	str("type", func(v *MultiValue) *string { return &v.Type }),
	flag("primary", func(v *MultiValue) **bool { return &v.Primary }),
}

var addressFields = []field[Address]{
	str("formatted", func(a *Address) *string { return &a.Formatted }),
	str("streetAddress", func(a *Address) *string { return &a.StreetAddress }),
	str("locality", func(a *Address) *string { return &a.Locality }),
	str("region", func(a *Address) *string { return &a.Region }),
	str("postalCode", func(a *Address) *string { return &a.PostalCode }),
	str("country", func(a *Address) *string { return &a.Country }),
	str("type", func(a *Address) *string { return &a.Type }),
	flag("primary", func(a *Address) **bool { return &a.Primary }),
}

var groupRefFields = []field[GroupRef]{
	str("value", func(r *GroupRef) *string { return &r.Value }),
	str("$ref", func(r *GroupRef) *string { return &r.Ref }),
	str("display", func(r *GroupRef) *string { return &r.Display }),
	str("type", func(r *GroupRef) *string { return &r.Type }),
}

var memberFields = []field[Member]{
	str("value", func(r *Member) *string { return &r.Value }),
	str("$ref", func(r *Member) *string { return &r.Ref }),
	str("type", func(r *Member) *string { return &r.Type }),
	str("display", func(r *Member) *string { return &r.Display }),
}

var managerFields = []field[Manager]{
	str("value", func(m *Manager) *string { return &m.Value }),
	str("$ref", func(m *Manager) *string { return &m.Ref }),
	str("displayName", func(m *Manager) *string { return &m.DisplayName }),
}

// metaFields are read into the Meta a resource has: a second "meta"
// member adds to the first (Meta.set).
var metaFields = []field[Meta]{
	str("resourceType", func(m *Meta) *string { return &m.ResourceType }),
	timeField("created", func(m *Meta) *time.Time { return &m.Created }),
	timeField("lastModified", func(m *Meta) *time.Time { return &m.LastModified }),
	str("location", func(m *Meta) *string { return &m.Location }),
	str("version", func(m *Meta) *string { return &m.Version }),
}

// metaField is meta as a resource's attribute.
func metaField[T any](at func(*T) *Meta) field[T] {
	return field[T]{
		name: "meta",
		set:  func(t *T, _ string, v any) error { return at(t).set(v) },
		scan: func(t *T, raw []byte) bool {
			switch raw[0] {
			case '{':
				m := *at(t)
				if !scanFields(raw, &m, metaFields, nil) {
					return false
				}
				*at(t) = m
				return true
			case 'n':
				return true
			}
			return false
		},
	}
}

// userFields are a user's core attributes; every other key is an
// extension, a qualified name or ignored ((*User).set). They are looked up
// in order, so the attributes every provider sends come first.
var userFields = []field[User]{
	str("userName", func(u *User) *string { return &u.UserName }),
	object("name", "name.", func(u *User) **Name { return &u.Name }, nameFields),
	list("emails", func(u *User) *[]MultiValue { return &u.Emails }, multiValueFields),
	flag("active", func(u *User) **bool { return &u.Active }),
	str("displayName", func(u *User) *string { return &u.DisplayName }),
	str("externalId", func(u *User) *string { return &u.ExternalID }),
	str("id", func(u *User) *string { return &u.ID }),
	metaField(func(u *User) *Meta { return &u.Meta }),
	list("phoneNumbers", func(u *User) *[]MultiValue { return &u.PhoneNumbers }, multiValueFields),
	list("addresses", func(u *User) *[]Address { return &u.Addresses }, addressFields),
	str("title", func(u *User) *string { return &u.Title }),
	str("locale", func(u *User) *string { return &u.Locale }),
	str("nickName", func(u *User) *string { return &u.NickName }),
	str("profileUrl", func(u *User) *string { return &u.ProfileURL }),
	str("userType", func(u *User) *string { return &u.UserType }),
	str("preferredLanguage", func(u *User) *string { return &u.PreferredLanguage }),
	str("timezone", func(u *User) *string { return &u.Timezone }),
	str("password", func(u *User) *string { return &u.Password }),
	list("ims", func(u *User) *[]MultiValue { return &u.IMs }, multiValueFields),
	list("photos", func(u *User) *[]MultiValue { return &u.Photos }, multiValueFields),
	list("groups", func(u *User) *[]GroupRef { return &u.Groups }, groupRefFields),
	list("entitlements", func(u *User) *[]MultiValue { return &u.Entitlements }, multiValueFields),
	list("roles", func(u *User) *[]MultiValue { return &u.Roles }, multiValueFields),
	list("x509Certificates", func(u *User) *[]MultiValue { return &u.X509Certificates }, multiValueFields),
}

// groupFields are a group's core attributes.
var groupFields = []field[Group]{
	str("id", func(g *Group) *string { return &g.ID }),
	str("externalId", func(g *Group) *string { return &g.ExternalID }),
	str("displayName", func(g *Group) *string { return &g.DisplayName }),
	list("members", func(g *Group) *[]Member { return &g.Members }, memberFields),
	metaField(func(g *Group) *Meta { return &g.Meta }),
}

// enterpriseFields are the attributes EnterpriseUser has fields for;
// every other key of the extension object goes to Extra. Their parent
// path is the extension's URN and ":".
var enterpriseFields = []field[EnterpriseUser]{
	str("employeeNumber", func(e *EnterpriseUser) *string { return &e.EmployeeNumber }),
	str("costCenter", func(e *EnterpriseUser) *string { return &e.CostCenter }),
	str("organization", func(e *EnterpriseUser) *string { return &e.Organization }),
	str("division", func(e *EnterpriseUser) *string { return &e.Division }),
	str("department", func(e *EnterpriseUser) *string { return &e.Department }),
	object("manager", EnterpriseUserSchema+":manager.", func(e *EnterpriseUser) **Manager { return &e.Manager }, managerFields),
}
