package resources

import (
	"encoding/json"
	"errors"

	"github.com/elimity-com/scim/schema"

	"github.com/scimkit/scim/internal/jsonscan"
	"github.com/scimkit/scim/internal/names"
)

var errNotObject = errors.New("resources: the document is not a JSON object")

// errQualified stops a read that meets a key naming an attribute by its
// schema URN, to read the document again with it moved (unqualifiedJSON).
var errQualified = errors.New("resources: a qualified attribute name")

// UserFromJSON is UserFromMap for a document's JSON text: it reads the
// object's members in place, without building the document's map or
// reflecting on User. A core attribute, or the enterprise extension, in
// its usual shape is read straight from its text into its field (a
// field's scan, fields.go); only a member of another shape (a value of
// an unexpected type, a name given twice in one object) is decoded to a
// generic value and read as UserFromMap reads it, which gives the same
// user, or error, as reading every member that way. A store reads its
// stored documents (MarshalJSON's output) back with it; every read of a
// user from a SQL store goes through here. Names are read in their
// canonical spelling, as UserFromMap reads them; an extension object is
// kept as its JSON text. The user keeps no reference to data, which the
// caller may reuse (sqlstore decodes a row's bytes inside Scan).
func UserFromJSON(data []byte) (*User, error) {
	u := new(User)
	err := eachMember(data, func(k string, raw []byte) error {
		if qualifiedKey(k, UserSchema, EnterpriseUserSchema) {
			return errQualified
		}
		if !isExtensionKey(k, UserSchema) {
			return readText(userFields, u, k, raw)
		}
		if !names.Equal(k, EnterpriseUserSchema) {
			putExtension(&u.Extensions, k, append(json.RawMessage(nil), raw...))
			return nil
		}
		e, extra, ok := scanEnterprise(raw)
		if !ok {
			v, _ := wellKnown.Value(raw, 0)
			var err error
			if e, extra, err = buildEnterprise(k, v, false); err != nil {
				return err
			}
		}
		if extra {
			// The attributes it has no field for keep their text, as
			// the extensions do (raw is part of checked text).
			_ = members(raw, func(k string, raw []byte) error {
				if !isEnterpriseField(k) {
					putExtension(&e.Extra, k, append(json.RawMessage(nil), raw...))
				}
				return nil
			})
		}
		u.Enterprise = e
		return nil
	})
	if err == errQualified {
		if data, err = unqualifiedJSON(data, UserSchema, EnterpriseUserSchema); err != nil {
			return nil, err
		}
		return UserFromJSON(data)
	}
	if err != nil {
		return nil, err
	}
	u.compact()
	return u, nil
}

// scanEnterprise is buildEnterprise (without Extra) for the extension's
// text in its usual shape; ok is false for any other, which
// buildEnterprise then reads from the decoded value.
func scanEnterprise(raw []byte) (e *EnterpriseUser, extra, ok bool) {
	e = new(EnterpriseUser)
	switch raw[0] {
	case 'n':
		return e, false, true
	case '{':
		if scanFields(raw, e, enterpriseFields, func(key []byte) {
			extra = extra || !isEnterpriseField(memberName(key))
		}) {
			return e, extra, true
		}
	}
	return nil, false, false
}

// readText reads the member k of a document, its text raw, into t: by its
// field's scan in its usual shape, else decoded and read as UserFromMap
// reads it (the same field's set, which words the error); a name without a
// field is ignored, as set ignores it.
func readText[T any](fields []field[T], t *T, k string, raw []byte) error {
	f := fieldNamed(fields, k)
	if f == nil || f.scan(t, raw) {
		return nil
	}
	v, _ := wellKnown.Value(raw, 0)
	return f.read(t, "", v)
}

// GroupFromJSON is GroupFromMap for a document's JSON text, as
// UserFromJSON is for a user, and likewise keeps no reference to data.
func GroupFromJSON(data []byte) (*Group, error) {
	g := new(Group)
	err := eachMember(data, func(k string, raw []byte) error {
		if qualifiedKey(k, GroupSchema, "") {
			return errQualified
		}
		if isExtensionKey(k, GroupSchema) {
			putExtension(&g.Extensions, k, append(json.RawMessage(nil), raw...))
			return nil
		}
		return readText(groupFields, g, k, raw)
	})
	if err == errQualified {
		if data, err = unqualifiedJSON(data, GroupSchema, ""); err != nil {
			return nil, err
		}
		return GroupFromJSON(data)
	}
	if err != nil {
		return nil, err
	}
	g.compact()
	return g, nil
}

// eachMember calls f with each top-level member of the JSON object data:
// its name, unquoted, and its value's text, which json.Valid has checked.
func eachMember(data []byte, f func(k string, raw []byte) error) error {
	if !json.Valid(data) {
		return errNotObject
	}
	return members(data, f)
}

// members is eachMember for text json.Valid has checked already (a value
// within a checked document).
func members(data []byte, f func(k string, raw []byte) error) error {
	var buf [32]jsonscan.Member
	ms, err := jsonscan.Members(data, buf[:0])
	if err != nil {
		return errNotObject
	}
	for _, m := range ms {
		if err := f(memberName(m.Key), m.Val); err != nil {
			return err
		}
	}
	return nil
}

// memberName is a member's name, unquoted: one of the canonical names
// without a copy, any other as jsonscan unquotes it.
func memberName(key []byte) string { return wellKnown.Key(key) }

// wellKnown is what decoding a document (a request body, a stored
// document's member) takes from the schema rather than make it again:
// the canonical names, and the string values a client sends as the
// schema writes them (schema URNs, canonical values such as "work").
var wellKnown = &jsonscan.Names{Keys: canonicalNames, Values: canonicalValues}

// canonicalNames maps each attribute and sub-attribute name of a user, a
// group and the enterprise extension to itself, so that reading a
// member's name allocates nothing (UserFromJSON's top-level names,
// namesOnce's at every depth). canonicalValues maps the schema URNs of a
// user, a group and the enterprise extension, and every canonical value
// of their attributes, to itself in an any (jsonscan.Names). Both are
// built from the schema definitions in one walk, so that an attribute
// added to them is canonical without a second list; every name a field
// table reads (userFields, groupFields, ...) must be among them
// (TestFieldNamesAreCanonical).
var canonicalNames, canonicalValues = canonicalTables()

func canonicalTables() (map[string]string, map[string]any) {
	names := map[string]string{EnterpriseUserSchema: EnterpriseUserSchema}
	values := map[string]any{}
	for _, s := range []string{UserSchema, GroupSchema, EnterpriseUserSchema} {
		values[s] = s
	}
	for _, attrs := range [][]schema.CoreAttribute{schema.CommonAttributes(), schema.CoreUserSchema().Attributes, schema.CoreGroupSchema().Attributes, schema.ExtensionEnterpriseUser().Attributes} {
		for _, a := range attrs {
			for _, sub := range append([]schema.CoreAttribute{a}, a.SubAttributes()...) {
				names[sub.Name()] = sub.Name()
				for _, v := range sub.CanonicalValues() {
					values[v] = v
				}
			}
		}
	}
	return names, values
}
