package resources

import (
	"encoding/json"
	"fmt"
	"testing"
	"unicode"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// answer renders what reading a typed resource gave, the error included,
// so that two reads can be compared whole.
func answer(v any, err error) string {
	if err != nil {
		return "error: " + err.Error()
	}
	b, merr := json.Marshal(v)
	if merr != nil {
		return "marshal error: " + merr.Error()
	}
	return string(b)
}

const entUpper = "URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER"

// TestTypedReadsDeterministic reads the same ambiguous input into the
// typed model 20 times and requires one answer, byte for byte: which of
// two faults is reported, and what a URN given in two spellings gives (an
// *AttrError, as a request gets, rather than either value), must not
// follow Go's map order.
func TestTypedReadsDeterministic(t *testing.T) {
	twoSpellings := func(a, b string) map[string]any {
		return map[string]any{
			"userName": "u",
			a:          map[string]any{"department": "from " + a},
			b:          map[string]any{"department": "from " + b},
		}
	}
	cases := []struct {
		name  string
		read  func() (any, error)
		error string // what the one answer must say
	}{
		{
			name:  "UserFromMap: the enterprise URN in two spellings",
			read:  func() (any, error) { return UserFromMap(twoSpellings(EnterpriseUserSchema, entUpper)) },
			error: "is given more than once",
		},
		{
			name:  "UserFromMap: an extension URN in two spellings",
			read:  func() (any, error) { return UserFromMap(twoSpellings("urn:acme:x", "URN:ACME:X")) },
			error: "is given more than once",
		},
		{
			name: "GroupFromMap: an extension URN in two spellings",
			read: func() (any, error) {
				return GroupFromMap(map[string]any{"displayName": "g", "urn:acme:g": map[string]any{"a": 1}, "Urn:Acme:G": map[string]any{"a": 2}})
			},
			error: "is given more than once",
		},
		{
			name: "UserFromMap: two attributes of the wrong type",
			read: func() (any, error) {
				return UserFromMap(map[string]any{"userName": 1, "title": 2, "nickName": 3, "displayName": 4})
			},
			error: `"displayName": must be a string`,
		},
		{
			name: "UserFromMap: two sub-attributes of the wrong type",
			read: func() (any, error) {
				return UserFromMap(map[string]any{"name": map[string]any{"givenName": 1, "familyName": 2, "middleName": 3}})
			},
			error: `"name.familyName": must be a string`,
		},
		{
			name: "UserFromMap: an element with two faults",
			read: func() (any, error) {
				return UserFromMap(map[string]any{"emails": []any{map[string]any{"value": 1, "type": 2, "display": 3}}})
			},
			error: `"emails.display": must be a string`,
		},
		{
			name: "UserFromMap: meta with two faults",
			read: func() (any, error) {
				return UserFromMap(map[string]any{"meta": map[string]any{"version": 1, "location": 2, "resourceType": 3}})
			},
			error: `"meta.location": must be a string`,
		},
		{
			name: "UserFromMap: the enterprise extension with two faults",
			read: func() (any, error) {
				return UserFromMap(map[string]any{EnterpriseUserSchema: map[string]any{"division": 1, "department": 2, "costCenter": 3}})
			},
			error: `costCenter": must be a string`,
		},
		{
			name: "GroupFromMap: two attributes of the wrong type",
			read: func() (any, error) {
				return GroupFromMap(map[string]any{"displayName": 1, "externalId": 2, "id": 3})
			},
			error: `"displayName": must be a string`,
		},
		{
			name: "User.UnmarshalJSON: the enterprise URN in two spellings",
			read: func() (any, error) {
				var u User
				err := json.Unmarshal([]byte(`{"userName":"u","`+EnterpriseUserSchema+`":{"department":"a"},"`+entUpper+`":{"department":"b"}}`), &u)
				return &u, err
			},
			error: "is given more than once",
		},
		{
			name: "Group.UnmarshalJSON: an extension URN in two spellings",
			read: func() (any, error) {
				var g Group
				err := json.Unmarshal([]byte(`{"displayName":"g","urn:acme:g":{"a":1},"URN:ACME:G":{"a":2}}`), &g)
				return &g, err
			},
			error: "is given more than once",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			first := answer(c.read())
			require.Contains(t, first, c.error)
			for range 20 { // map iteration order is random: read many times
				require.Equal(t, first, answer(c.read()))
			}
		})
	}
}

// TestUnmarshalNamesASCII: the typed model reads a member only under its
// ASCII name in any ASCII case (the name fold of internal/names), as a
// request is read; encoding/json's own matching would also take the four
// non-ASCII letters that fold to ASCII ones.
func TestUnmarshalNamesASCII(t *testing.T) {
	for _, tc := range []struct{ name, body string }{
		{"long s", `{"uſerName":"x"}`},
		{"long s, escaped", `{"u\u017ferName":"x"}`},
		{"dotless i", `{"dısplayName":"x"}`},
		{"dotted capital I", `{"dİsplayName":"x"}`},
		{"Kelvin sign in a sub-attribute", `{"name":{"\u212Aey":"x","givenName":"g"}}`},
		{"long s in an element", `{"emails":[{"value":"a@b","diſplay":"x"}]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var u User
			require.NoError(t, json.Unmarshal([]byte(tc.body), &u))
			assert.Empty(t, u.UserName)
			assert.Empty(t, u.DisplayName)
			if len(u.Emails) > 0 {
				assert.Empty(t, u.Emails[0].Display)
			}
		})
	}
	var e EnterpriseUser
	require.NoError(t, json.Unmarshal([]byte(`{"diviſion":"x","department":"d"}`), &e))
	assert.Empty(t, e.Division, "diviſion names no field")
	assert.Equal(t, "d", e.Department)
	assert.JSONEq(t, `"x"`, string(e.Extra["diviſion"]), "an attribute the extension has no field for")

	var u User
	require.NoError(t, json.Unmarshal([]byte(`{"USERNAME":"x","Urn:ietf:params:scim:schemas:extension:enterprise:2.0:user":{"DEPARTMENT":"d"}}`), &u))
	assert.Equal(t, "x", u.UserName, "ASCII case still folds")
	require.NotNil(t, u.Enterprise, `a URN starting "Urn:" is an extension too`)
	assert.Equal(t, "d", u.Enterprise.Department)
}

// TestFoldsToASCII: foldsToASCII holds every rune that encoding/json
// matches to an ASCII letter of a field's name.
func TestFoldsToASCII(t *testing.T) {
	var want []rune
	for r := rune(0x80); r <= unicode.MaxRune; r++ {
		if unicode.ToUpper(unicode.ToLower(r)) < 0x80 {
			want = append(want, r)
		}
	}
	assert.Equal(t, string(want), foldsToASCII, fmt.Sprintf("%U", want))
}

// TestUnmarshalEscapedURN: an extension whose URN a client escapes is
// still found.
func TestUnmarshalEscapedURN(t *testing.T) {
	var u User
	require.NoError(t, json.Unmarshal([]byte(`{"userName":"u","\u0055rn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"d"}}`), &u))
	require.NotNil(t, u.Enterprise)
	assert.Equal(t, "d", u.Enterprise.Department)
}

// TestUnmarshalRefusesNamesGivenTwice: an object of a typed read that
// gives a member twice, in two spellings (userName and USERNAME, names
// match case-insensitively) or in one, is refused with an error naming
// it, as a request giving it is (DecodeRequest, Normalize: 400), where
// encoding/json kept whichever came last.
func TestUnmarshalRefusesNamesGivenTwice(t *testing.T) {
	tests := []struct {
		name, body, want string
	}{
		{"userName", `{"userName":"a","USERNAME":"b"}`, `attribute "userName": is given more than once`},
		{"last first", `{"USERNAME":"b","userName":"a"}`, `attribute "userName": is given more than once`},
		{"one spelling", `{"userName":"a","userName":"b"}`, `attribute "userName": is given more than once`},
		{"a sub-attribute", `{"name":{"givenName":"a","GivenName":"b"}}`, `attribute "name.givenName": is given more than once`},
		{"in an element", `{"emails":[{"value":"a@x"},{"value":"b@x","VALUE":"c@x"}]}`, `attribute "emails.value": is given more than once`},
		{"in the enterprise extension", `{"` + EnterpriseUserSchema + `":{"department":"a","Department":"b"}}`, `attribute "` + EnterpriseUserSchema + `:department": is given more than once`},
		{"in another extension", `{"urn:acme:x":{"a":1,"A":2}}`, `attribute "urn:acme:x:a": is given more than once`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var u User
			err := json.Unmarshal([]byte(tt.body), &u)
			var ae *AttrError
			require.ErrorAs(t, err, &ae)
			assert.EqualError(t, err, tt.want+" (names match case-insensitively, with or without the schema URN); send it once")
		})
	}
	// A request body (Normalize) is refused with the same error where
	// the decoder leaves both spellings to it: not "one spelling", which
	// DecodeRequest refuses first, nor "urn:acme:x", which is no
	// extension of a User, so a body's is ignored.
	rt := NewUserType()
	for _, tt := range tests {
		if tt.name == "one spelling" || tt.name == "in another extension" {
			continue
		}
		t.Run("Normalize "+tt.name, func(t *testing.T) {
			doc, err := Decode([]byte(tt.body))
			require.NoError(t, err)
			_, err = rt.Normalize(doc, nil)
			assert.EqualError(t, err, tt.want+" (names match case-insensitively, with or without the schema URN); send it once")
		})
	}
	var g Group
	require.ErrorContains(t, json.Unmarshal([]byte(`{"displayName":"a","DISPLAYNAME":"b"}`), &g), `attribute "displayName": is given more than once`)
	require.ErrorContains(t, json.Unmarshal([]byte(`{"members":[{"value":"1","Value":"2"}]}`), &g), `attribute "members.value": is given more than once`)
	var e EnterpriseUser
	require.ErrorContains(t, json.Unmarshal([]byte(`{"manager":{"value":"1","VALUE":"2"}}`), &e), `attribute "manager.value": is given more than once`)
	// Different names, and the same name in different objects, are fine.
	var u User
	require.NoError(t, json.Unmarshal([]byte(`{"userName":"a","name":{"givenName":"g"},"emails":[{"value":"a@x"},{"value":"b@x"}],"displayName":"d"}`), &u))
	assert.Equal(t, "a", u.UserName)
}

// TestBareURNPrefix: "urn:" alone, in any case, names no schema (RFC
// 8141: a URN has a namespace identifier and a namespace-specific
// string after it), so it is no extension's key: a request takes it for
// an unknown attribute (IsURN), and so does every typed read, which
// ignores it as it ignores any unknown attribute, where it kept it as an
// extension. "urn:x" and beyond start like a URN and are read as one.
func TestBareURNPrefix(t *testing.T) {
	tests := []struct {
		key string
		urn bool
	}{
		{"urn:", false},
		{"URN:", false},
		{"Urn:", false},
		{"urn", false},
		{"urn:x", true},
		{"URN:X", true},
		{"urn:acme:x", true},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			assert.Equal(t, tt.urn, IsURN(tt.key))
			assert.Equal(t, tt.urn, isExtensionKey(tt.key, UserSchema))
			body := `{"schemas":["` + UserSchema + `"],"userName":"u","displayName":"g","` + tt.key + `":{"a":1}}`
			doc, err := Decode([]byte(body))
			require.NoError(t, err)
			reads := map[string]func() (map[string]json.RawMessage, error){
				"UserFromMap": func() (map[string]json.RawMessage, error) {
					u, err := UserFromMap(doc)
					return u.Extensions, err
				},
				"UserFromJSON": func() (map[string]json.RawMessage, error) {
					u, err := UserFromJSON([]byte(body))
					return u.Extensions, err
				},
				"User.UnmarshalJSON": func() (map[string]json.RawMessage, error) {
					var u User
					err := json.Unmarshal([]byte(body), &u)
					return u.Extensions, err
				},
				"GroupFromMap": func() (map[string]json.RawMessage, error) {
					g, err := GroupFromMap(doc)
					return g.Extensions, err
				},
				"GroupFromJSON": func() (map[string]json.RawMessage, error) {
					g, err := GroupFromJSON([]byte(body))
					return g.Extensions, err
				},
				"Group.UnmarshalJSON": func() (map[string]json.RawMessage, error) {
					var g Group
					err := json.Unmarshal([]byte(body), &g)
					return g.Extensions, err
				},
			}
			for name, read := range reads {
				exts, err := read()
				require.NoError(t, err, name)
				if tt.urn {
					assert.JSONEq(t, `{"a":1}`, string(exts[tt.key]), "%s: an extension", name)
				} else {
					assert.Empty(t, exts, "%s: no extension", name)
				}
			}
			// A request: an unknown attribute's warning, or an unknown
			// schema's; neither is stored.
			l := &Lenience{}
			out, err := NewUserType().Normalize(doc, l)
			require.NoError(t, err)
			assert.NotContains(t, out, tt.key)
			assert.Equal(t, []string{fmt.Sprintf("ignored unknown attribute %q", tt.key)}, l.Warnings)
		})
	}
}
