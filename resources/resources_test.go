package resources_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/resources"
)

func decode(t *testing.T, s string) map[string]any {
	t.Helper()
	m, err := resources.Decode([]byte(s))
	require.NoError(t, err)
	return m
}

func TestNormalize(t *testing.T) {
	rt := resources.NewUserType()
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"canonical names", `{"USERNAME":"a","Name":{"GIVENNAME":"B"}}`, `{"userName":"a","name":{"givenName":"B"}}`},
		{"read-only dropped", `{"userName":"a","id":"x","meta":{"version":"1"},"groups":[{"value":"g"}]}`, `{"userName":"a"}`},
		{"schemas recomputed later", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"a"}`, `{"userName":"a"}`},
		{"string booleans", `{"userName":"a","active":"False","emails":[{"value":"e","primary":"TRUE"}]}`, `{"userName":"a","active":false,"emails":[{"value":"e","primary":true}]}`},
		{"single value wrapped", `{"userName":"a","emails":{"value":"e"}}`, `{"userName":"a","emails":[{"value":"e"}]}`},
		{"manager as a string", `{"userName":"a","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":"m1"}}`,
			`{"userName":"a","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":{"value":"m1"}}}`},
		{"manager displayName is read-only", `{"userName":"a","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":{"value":"m","displayName":"M"}}}`,
			`{"userName":"a","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":{"value":"m"}}}`},
		{"fully qualified keys folded", `{"urn:ietf:params:scim:schemas:core:2.0:User:userName":"a","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department":"D"}`,
			`{"userName":"a","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"D"}}`},
		{"URN case-insensitive", `{"userName":"a","URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER":{"Department":"D"}}`,
			`{"userName":"a","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"D"}}`},
		{"unknown extension attribute ignored", `{"userName":"a","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"costCentreCode":"7","department":"D"}}`,
			`{"userName":"a","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"D"}}`},
		{"core schema object", `{"urn:ietf:params:scim:schemas:core:2.0:User":{"userName":"a"}}`, `{"userName":"a"}`},
		{"null stays null", `{"userName":"a","title":null}`, `{"userName":"a","title":null}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := rt.Normalize(decode(t, tt.in), nil)
			require.NoError(t, err)
			assert.Equal(t, decode(t, tt.want), got)
		})
	}
}

func TestNormalizeErrors(t *testing.T) {
	rt := resources.NewUserType()
	tests := []struct {
		name, in, want string
	}{
		{"attribute given twice", `{"userName":"a","USERNAME":"b"}`, `attribute "userName": is given more than once`},
		{"attribute given twice, once with its URN", `{"userName":"a","urn:ietf:params:scim:schemas:core:2.0:User:userName":"b"}`, `attribute "userName": is given more than once`},
		// Named by its whole path, as a typed read names it
		// (TestUnmarshalRefusesNamesGivenTwice).
		{"sub-attribute given twice", `{"name":{"givenName":"a","GIVENNAME":"b"}}`, `attribute "name.givenName": is given more than once`},
		{"sub-attribute of an element given twice", `{"emails":[{"value":"a@x","VALUE":"b@x"}]}`, `attribute "emails.value": is given more than once`},
		{"extension attribute given twice in its object", `{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"a","Department":"b"}}`,
			`attribute "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department": is given more than once`},
		// Which of two spellings of one schema's URN was meant cannot be
		// known: a null under one and the object under the other dropped
		// the extension or kept it as the keys sorted, and disjoint
		// objects were merged, where a PATCH value refuses both.
		{"extension in two spellings, one null", `{"userName":"a","URN:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"D"},"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":null}`,
			`attribute "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": is given more than once`},
		{"extension in two spellings, other members", `{"userName":"a","URN:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"D"},"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"division":"V"}}`,
			`attribute "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": is given more than once`},
		{"core schema's object in two spellings", `{"urn:ietf:params:scim:schemas:core:2.0:User":{"userName":"a"},"URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER":{"title":"t"}}`,
			`attribute "urn:ietf:params:scim:schemas:core:2.0:User": is given more than once`},
		{"boolean", `{"active":"yes"}`, `attribute "active": must be a boolean, got the string "yes"`},
		{"string", `{"userName":7}`, `attribute "userName": must be a string, got the number 7`},
		{"list for single", `{"userName":["a"]}`, `is single-valued; a list was given`},
		{"complex", `{"name":"x"}`, `attribute "name": must be a JSON object`},
		{"extension not an object", `{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":"x"}`, `an extension must be a JSON object`},
		{"schemas not a list of strings", `{"schemas":7}`, `must be a list of schema URNs`},
		{"schemas, with its URN, not a list of strings", `{"urn:ietf:params:scim:schemas:core:2.0:User:schemas":["x",7]}`, `attribute "schemas": must be a list of schema URNs`},
		{"a value of the wrong type, with its URN", `{"urn:ietf:params:scim:schemas:core:2.0:User:active":"yes"}`, `attribute "active": must be a boolean, got the string "yes"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := rt.Normalize(decode(t, tt.in), nil)
			var ae *resources.AttrError
			require.ErrorAs(t, err, &ae)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

// TestNormalizeLenience: what no schema defines is ignored with a warning
// (never stored), primaries are made one and duplicates dropped, a body
// whose "schemas" is missing or does not list the core schema is taken as
// a User; strict mode refuses each of them instead.
func TestNormalizeLenience(t *testing.T) {
	rt := resources.NewUserType()
	for _, tc := range []struct {
		name, in, want string
		warnings       []string
		strictErr      string
	}{
		{"unknown attribute", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"a","adreses":[{"type":"work"}]}`, `{"userName":"a"}`,
			[]string{`ignored unknown attribute "adreses"`}, `attribute "adreses": is not an attribute of User or its extensions; send one`},
		{"unknown sub-attribute", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"a","name":{"givenName":"G","nickname":"x"}}`, `{"userName":"a","name":{"givenName":"G"}}`,
			[]string{`ignored unknown attribute "name.nickname"`}, `attribute "name.nickname"`},
		{"unknown schema", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"a","urn:example:1.0:Thing":{"a":1}}`, `{"userName":"a"}`,
			[]string{`ignored unknown attribute "urn:example:1.0:Thing"`}, `attribute "urn:example:1.0:Thing"`},
		{"unknown attribute with the core URN", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"a","urn:ietf:params:scim:schemas:core:2.0:User:shoe":"9"}`, `{"userName":"a"}`,
			[]string{`ignored unknown attribute "urn:ietf:params:scim:schemas:core:2.0:User:shoe"`}, `attribute "urn:ietf:params:scim:schemas:core:2.0:User:shoe": is not an attribute of User or its extensions; send one`},
		{"attributes with the core URN", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"urn:ietf:params:scim:schemas:core:2.0:User:USERNAME":"a","urn:ietf:params:scim:schemas:core:2.0:User:id":"x","urn:ietf:params:scim:schemas:core:2.0:User:schemas":[]}`,
			`{"userName":"a"}`, nil, ""},
		{"unknown extension attribute", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"a","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:shoe":"9"}`, `{"userName":"a"}`,
			[]string{`ignored unknown attribute "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:shoe"`}, `is not an attribute of User or its extensions; send one`},
		{"two primaries", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"a","emails":[{"value":"a@x","primary":true},{"value":"b@x","primary":true}]}`,
			`{"userName":"a","emails":[{"value":"a@x","primary":true},{"value":"b@x","primary":false}]}`,
			[]string{`kept the first primary emails value, made "b@x" not primary`}, `has more than one primary value`},
		{"two primaries, the second without a value", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"a","emails":[{"value":"a@x","primary":true},{"type":"home","primary":true}]}`,
			`{"userName":"a","emails":[{"value":"a@x","primary":true},{"type":"home","primary":false}]}`,
			[]string{`kept the first primary emails value, made (an element without a value) not primary`}, `has more than one primary value`},
		{"primary false round-trips", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"a","emails":[{"value":"a@x","primary":false}]}`,
			`{"userName":"a","emails":[{"value":"a@x","primary":false}]}`, nil, ""},
		{"duplicate value", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"a","emails":[{"value":"a@x","type":"work"},{"value":"A@X","type":"work","primary":true},{"value":"a@x","type":"home"}]}`,
			`{"userName":"a","emails":[{"value":"a@x","type":"work","primary":true},{"value":"a@x","type":"home"}]}`,
			[]string{`dropped a duplicate emails value "A@X"`}, `lists the same value twice`},
		// Duplicates are found wherever they are in the list (by key, not
		// only next to each other), under Unicode folding (the Kelvin sign
		// folds to k, as strings.EqualFold says), and an element without a
		// value duplicates nothing.
		// A dropped duplicate's sub-attributes the kept one lacks are
		// merged into it, as its primary is.
		{"a duplicate's display merged into the one kept", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"a","emails":[{"value":"a@x","type":"work"},{"value":"A@x","type":"work","display":"Work","primary":true}]}`,
			`{"userName":"a","emails":[{"value":"a@x","type":"work","display":"Work","primary":true}]}`,
			[]string{`dropped a duplicate emails value "A@x"`}, `lists the same value twice`},
		{"duplicates apart, folded", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"a","emails":[{"value":"k@x"},{"value":"b@x"},{"type":"work"},{"type":"work"},{"value":"\u212a@X"},{"value":"b@x","type":""},{"value":"b@x","type":"home"}]}`,
			`{"userName":"a","emails":[{"value":"k@x"},{"value":"b@x"},{"type":"work"},{"type":"work"},{"value":"b@x","type":"home"}]}`,
			[]string{`dropped a duplicate emails value "K@X"`, `dropped a duplicate emails value "b@x"`}, `lists the same value twice`},
		// The last of eight values and the last of nine, which
		// internal/multivalue.Tidy finds by a comparison of each pair and by its index.
		{"a duplicate last of eight", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"a","emails":[{"value":"e0@x"},{"value":"e1@x"},{"value":"e2@x"},{"value":"e3@x"},{"value":"e4@x"},{"value":"e5@x"},{"value":"e6@x"},{"value":"E6@x"}]}`,
			`{"userName":"a","emails":[{"value":"e0@x"},{"value":"e1@x"},{"value":"e2@x"},{"value":"e3@x"},{"value":"e4@x"},{"value":"e5@x"},{"value":"e6@x"}]}`,
			[]string{`dropped a duplicate emails value "E6@x"`}, `lists the same value twice`},
		{"a duplicate last of nine", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"a","emails":[{"value":"e0@x"},{"value":"e1@x"},{"value":"e2@x"},{"value":"e3@x"},{"value":"e4@x"},{"value":"e5@x"},{"value":"e6@x"},{"value":"e7@x"},{"value":"E0@X"}]}`,
			`{"userName":"a","emails":[{"value":"e0@x"},{"value":"e1@x"},{"value":"e2@x"},{"value":"e3@x"},{"value":"e4@x"},{"value":"e5@x"},{"value":"e6@x"},{"value":"e7@x"}]}`,
			[]string{`dropped a duplicate emails value "E0@X"`}, `lists the same value twice`},
		{"schemas missing", `{"userName":"a"}`, `{"userName":"a"}`,
			[]string{`"schemas" missing; taken as a User`}, `attribute "schemas": is required: send "schemas":["` + resources.UserSchema + `"]`},
		{"schemas without the core schema", `{"schemas":["` + resources.EnterpriseUserSchema + `"],"userName":"a"}`, `{"userName":"a"}`,
			[]string{`"schemas" does not list ` + resources.UserSchema + `; taken as a User`}, `attribute "schemas": must list "` + resources.UserSchema + `"`},
		{"schemas of another type", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"userName":"a"}`, `{"userName":"a"}`,
			[]string{`"schemas" does not list ` + resources.UserSchema + `; taken as a User`}, `must list "` + resources.UserSchema + `"`},
		// One value for a multi-valued attribute, "schemas" too, is taken
		// as a list of it (RFC 7643 §2.4 gives a list).
		{"one email", `{"schemas":["` + resources.UserSchema + `"],"userName":"a","emails":{"value":"a@x"}}`, `{"userName":"a","emails":[{"value":"a@x"}]}`,
			[]string{`one value for multi-valued "emails" taken as a list of it`}, `attribute "emails": is multi-valued: send a JSON list, even of one value`},
		{"one extension value", `{"schemas":["` + resources.UserSchema + `"],"userName":"a","phoneNumbers":[],"roles":{"value":"r"}}`, `{"userName":"a","phoneNumbers":[],"roles":[{"value":"r"}]}`,
			[]string{`one value for multi-valued "roles" taken as a list of it`}, `attribute "roles": is multi-valued`},
		{"schemas as one string", `{"schemas":"` + resources.UserSchema + `","userName":"a"}`, `{"userName":"a"}`,
			[]string{`one value for multi-valued "schemas" taken as a list of it`}, `attribute "schemas": is multi-valued: send a JSON list, even of one value`},
		{"schemas as one string, with its URN", `{"urn:ietf:params:scim:schemas:core:2.0:User:schemas":"` + resources.UserSchema + `","userName":"a"}`, `{"userName":"a"}`,
			[]string{`one value for multi-valued "schemas" taken as a list of it`, `"schemas" missing; taken as a User`}, `attribute "schemas": is multi-valued`},
		{"schemas as one string of another type", `{"schemas":"urn:ietf:params:scim:schemas:core:2.0:Group","userName":"a"}`, `{"userName":"a"}`,
			[]string{`one value for multi-valued "schemas" taken as a list of it`, `"schemas" does not list ` + resources.UserSchema + `; taken as a User`}, `attribute "schemas": is multi-valued`},
		{"schemas with a URN of no schema here", `{"schemas":["` + resources.UserSchema + `","urn:example:1.0:Thing"],"userName":"a"}`, `{"userName":"a"}`, nil, ""},
		{"schemas in another case, with the extension", `{"schemas":["URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER","` + resources.EnterpriseUserSchema + `"],"userName":"a"}`,
			`{"userName":"a"}`, nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := &resources.Lenience{}
			got, err := rt.Normalize(decode(t, tc.in), l)
			require.NoError(t, err)
			assert.Equal(t, decode(t, tc.want), got)
			assert.Equal(t, tc.warnings, l.Warnings)

			_, err = rt.Normalize(decode(t, tc.in), &resources.Lenience{Strict: true})
			if tc.strictErr == "" {
				assert.NoError(t, err)
				return
			}
			var ae *resources.AttrError
			require.ErrorAs(t, err, &ae)
			assert.Contains(t, err.Error(), tc.strictErr)
			assert.Contains(t, err.Error(), "strict mode")
		})
	}
}

// TestNeverReturnedValuesStayOutOfErrors: a password of the wrong type is
// refused without its value in the message.
func TestNeverReturnedValuesStayOutOfErrors(t *testing.T) {
	_, err := resources.NewUserType().Normalize(decode(t, `{"userName":"a","password":123456789}`), nil)
	require.Error(t, err)
	assert.Equal(t, `attribute "password": must be a string, got a number`, err.Error())
}

func TestDecodeErrors(t *testing.T) {
	for _, in := range []string{``, `[]`, `{`, `{"a":1} {}`, `null`} {
		_, err := resources.Decode([]byte(in))
		assert.Error(t, err, in)
	}
}

func TestUserJSONRoundTrip(t *testing.T) {
	active := true
	u := &resources.User{
		ID: "1", UserName: "bjensen", Active: &active,
		Name:       &resources.Name{GivenName: "Barbara"},
		Emails:     []resources.MultiValue{{Value: "b@x", Type: "work", Primary: resources.Bool(true)}},
		Enterprise: &resources.EnterpriseUser{Department: "R&D", Manager: &resources.Manager{Value: "m"}, Extra: map[string]json.RawMessage{"custom": json.RawMessage(`"c"`)}},
		Extensions: map[string]json.RawMessage{"urn:example:ext:1.0:User": json.RawMessage(`{"badge":7}`)},
	}
	data, err := json.Marshal(u)
	require.NoError(t, err)
	assert.JSONEq(t, `{
		"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User","urn:example:ext:1.0:User"],
		"id":"1","userName":"bjensen","active":true,"name":{"givenName":"Barbara"},
		"emails":[{"value":"b@x","type":"work","primary":true}],
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"R&D","manager":{"value":"m"},"custom":"c"},
		"urn:example:ext:1.0:User":{"badge":7}}`, string(data))
	var back resources.User
	require.NoError(t, json.Unmarshal(data, &back))
	assert.Equal(t, u, &back)

	clone := u.Clone()
	clone.Emails[0].Value = "changed"
	clone.Enterprise.Manager.Value = "changed"
	clone.Enterprise.Extra["custom"][1] = 'X'
	clone.Extensions["urn:example:ext:1.0:User"][2] = 'X'
	*clone.Active = false
	assert.Equal(t, "b@x", u.Emails[0].Value, "Clone copies deeply")
	assert.Equal(t, "m", u.Enterprise.Manager.Value)
	assert.Equal(t, `"c"`, string(u.Enterprise.Extra["custom"]))
	assert.Equal(t, `{"badge":7}`, string(u.Extensions["urn:example:ext:1.0:User"]))
	assert.True(t, *u.Active)
}

func TestGroupJSONAndIsActive(t *testing.T) {
	g := &resources.Group{ID: "g", DisplayName: "G", Members: []resources.Member{{Value: "u", Type: "User"}}}
	data, err := json.Marshal(g)
	require.NoError(t, err)
	assert.JSONEq(t, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"id":"g","displayName":"G","members":[{"value":"u","type":"User"}]}`, string(data))
	assert.True(t, (&resources.User{}).IsActive(), "unset active counts as active")
	f := false
	assert.False(t, (&resources.User{Active: &f}).IsActive())
}

func TestResourceTypeAttr(t *testing.T) {
	rt := resources.NewUserType()
	a, urn := rt.Attr("", "USERNAME")
	require.NotNil(t, a)
	assert.Equal(t, "userName", a.Name)
	assert.Equal(t, resources.UserSchema, urn)
	a, urn = rt.Attr("", "externalId")
	require.NotNil(t, a)
	assert.Equal(t, "", urn, "common attributes belong to no schema")
	a, urn = rt.Attr(resources.EnterpriseUserSchema, "")
	assert.Nil(t, a)
	assert.Equal(t, resources.EnterpriseUserSchema, urn, "a bare extension URN names the whole extension")
	a, _ = rt.Attr(resources.EnterpriseUserSchema, "manager")
	require.NotNil(t, a)
	assert.Equal(t, resources.ReadOnly, a.Sub("displayName").Mutability)
	a, _ = rt.Attr("", "password")
	assert.Equal(t, resources.ReturnedNever, a.Returned)
	a, _ = rt.Attr("urn:example:nope", "x")
	assert.Nil(t, a)
}

func TestUserFromMapUnassignsEmptyValues(t *testing.T) {
	rt := resources.NewUserType()
	doc, err := rt.Normalize(decode(t, `{"userName":"a",
		"name":{"givenName":"","familyName":""},
		"emails":[{"value":"","type":"work","primary":true},{"value":"b@x","type":"home"}],
		"phoneNumbers":[{"value":"","type":"mobile"}],
		"addresses":[{"type":"work","streetAddress":""}],
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"","manager":{"value":""}}}`), nil)
	require.NoError(t, err)
	u, err := resources.UserFromMap(doc)
	require.NoError(t, err)
	data, err := json.Marshal(u)
	require.NoError(t, err)
	assert.JSONEq(t, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"a","emails":[{"value":"b@x","type":"home"}]}`, string(data))

	doc, err = rt.Normalize(decode(t, `{"userName":"a","name":{"givenName":"B"},
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":{"value":""},"department":"D"}}`), nil)
	require.NoError(t, err)
	u, err = resources.UserFromMap(doc)
	require.NoError(t, err)
	assert.Equal(t, &resources.Name{GivenName: "B"}, u.Name)
	assert.Equal(t, &resources.EnterpriseUser{Department: "D"}, u.Enterprise, "an empty manager is no manager; the extension stays for its department")
}

func TestDecodeRefusesTrailingData(t *testing.T) {
	for _, in := range []string{`{"a":1}}`, `{"a":1}]`, `{"a":1} x`, `{"a":1}{}`} {
		_, err := resources.Decode([]byte(in))
		assert.ErrorContains(t, err, "unexpected data after the JSON object", in)
	}
	_, err := resources.Decode([]byte("{\"a\":1} \n\t"))
	assert.NoError(t, err, "white space is fine")
}

// TestModelKnownSchemaURNs: the URNs a filter of the server root may be
// qualified with are the standard ones and both types' own, each once,
// whether NewModel built the Model or a host wrote it as a literal.
func TestModelKnownSchemaURNs(t *testing.T) {
	ext, err := resources.NewSchema("urn:example:params:scim:schemas:extension:acme:2.0:Group", "AcmeGroup", "",
		&resources.Attribute{Name: "code", Type: resources.TypeString})
	require.NoError(t, err)
	built, err := resources.NewModel(resources.ModelConfig{GroupExtensions: []*resources.Schema{ext}})
	require.NoError(t, err)
	for _, tc := range []struct {
		name  string
		model *resources.Model
	}{
		{"NewModel", built},
		{"a literal Model", &resources.Model{User: resources.NewUserType(), Group: resources.NewGroupType(ext)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.ElementsMatch(t, []string{resources.UserSchema, resources.GroupSchema, resources.EnterpriseUserSchema, ext.ID},
				tc.model.KnownSchemaURNs())
		})
	}
}
