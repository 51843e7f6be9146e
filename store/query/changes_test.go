package query_test

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/query"
)

// decodedChanges is what ChangedAttributes computed before it split the
// documents in place: both decoded into maps of their members' text.
func decodedChanges(t *testing.T, before, after []byte) []string {
	t.Helper()
	var b, a map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(before, &b))
	require.NoError(t, json.Unmarshal(after, &a))
	ignored := map[string]bool{"id": true, "meta": true, "schemas": true, "groups": true, "members": true}
	var out []string
	for k, v := range a {
		if w, ok := b[k]; (!ok || string(v) != string(w)) && !ignored[k] {
			out = append(out, k)
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok && !ignored[k] {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

func TestChangedAttributes(t *testing.T) {
	active, inactive := true, false
	user := &resources.User{UserName: "bjensen", Active: &active, Name: &resources.Name{GivenName: "Barbara", FamilyName: "Jensen"},
		Emails: []resources.MultiValue{{Value: "b@example.com", Type: "work", Primary: &active}}}
	doc := func(change func(u *resources.User)) string {
		u := user.Clone()
		if change != nil {
			change(u)
		}
		b, err := json.Marshal(u)
		require.NoError(t, err)
		return string(b)
	}
	for _, tc := range []struct {
		name          string
		before, after string
		want          []string
	}{
		{"the same user", doc(nil), doc(nil), nil},
		{"a name changed", doc(nil), doc(func(u *resources.User) { u.Name.GivenName = "Babs" }), []string{"name"}},
		{"deactivated", doc(nil), doc(func(u *resources.User) { u.Active = &inactive }), []string{"active"}},
		{"active dropped", doc(nil), doc(func(u *resources.User) { u.Active = nil }), []string{"active"}},
		{"emails and title", doc(nil), doc(func(u *resources.User) { u.Emails = nil; u.Title = "Boss" }), []string{"emails", "title"}},
		{"ignored members", `{"id":"1","meta":{},"schemas":["a"],"groups":[],"members":[],"a":1}`,
			`{"id":"2","meta":{"v":1},"schemas":["b"],"groups":[1],"members":[2],"a":1}`, nil},
		{"an attribute gone and one new", `{"a":1,"b":2}`, `{"b":2,"c":3}`, []string{"a", "c"}},
		{"empty objects", `{}`, ` { } `, nil},
		{"strings holding brackets, quotes and escapes", `{"a":{"x":"}]\"{"},"b":["[",{"c":"\\"}]}`,
			`{"a":{"x":"}]\"{"},"b":["[",{"c":"\\\\"}]}`, []string{"b"}},
		{"white space around members", "{ \"a\" :\t1 ,\n\"b\" : [ 1 , 2 ] }", `{"a":1,"b":[ 1 , 2 ]}`, nil},
		{"numbers and literals", `{"a":-1.5e3,"b":true,"c":null,"d":false}`, `{"a":-1.5e3,"b":false,"c":null,"d":false}`, []string{"b"}},
		{"a repeated name counts once, the last", `{"a":1,"a":2}`, `{"a":2}`, nil},
		{"the same names in order, the first of a repeated one changed", `{"a":1,"b":1,"a":2}`, `{"a":3,"b":1,"a":2}`, nil},
		{"the same names in order, the last of a repeated one changed", `{"a":1,"b":1,"a":2}`, `{"a":1,"b":1,"a":3}`, []string{"a"}},
		{"the same names in another order", `{"a":1,"b":2,"c":3}`, `{"c":3,"a":1,"b":5}`, []string{"b"}},
		{"the same names in order, several changed", `{"a":1,"b":2,"c":3,"d":4}`, `{"a":0,"b":2,"c":0,"d":4}`, []string{"a", "c"}},
		{"an escaped name", `{"\u00e9t\u00e9":1}`, `{"\u00e9t\u00e9":2}`, []string{"été"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := query.ChangedAttributes([]byte(tc.before), []byte(tc.after))
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
			assert.Equal(t, decodedChanges(t, []byte(tc.before), []byte(tc.after)), got, "the same as decoding both documents")
		})
	}
}

// TestChangedAttributesRejectsBrokenDocuments: a document that is not a
// JSON object (a corrupt stored one) gives an error, never a diff.
func TestChangedAttributesRejectsBrokenDocuments(t *testing.T) {
	for _, doc := range []string{
		``, `[1]`, `"a"`, `{`, `{"a":1`, `{"a" 1}`, `{"a":}`, `{"a":1,}`, `{"a":[1}`, `{"a":{"b":1]}`,
		`{"a":"x}`, `{"a":1} x`, `{a:1}`, `{"a":1 "b":2}`, "{\"a\":\"\x01\"}",
	} {
		t.Run(doc, func(t *testing.T) {
			_, err := query.ChangedAttributes([]byte(doc), []byte(`{"a":1}`))
			assert.Error(t, err, "as before")
			_, err = query.ChangedAttributes([]byte(`{"a":1}`), []byte(doc))
			assert.Error(t, err, "as after")
		})
	}
}

// TestChangedAttributesBrokenEscapeInName: Members does not check the
// escapes of a member's name, so a name whose escape is broken (a corrupt
// stored document) is listed as written, never unquoted past its end.
func TestChangedAttributesBrokenEscapeInName(t *testing.T) {
	for _, name := range []string{`a\x`, `a\u12`, `\u`} {
		t.Run(name, func(t *testing.T) {
			got, err := query.ChangedAttributes([]byte(`{"`+name+`":1}`), []byte(`{"`+name+`":2}`))
			require.NoError(t, err)
			assert.Equal(t, []string{name}, got)
		})
	}
}

func TestUserChanges(t *testing.T) {
	for _, tc := range []struct {
		name          string
		before, after string
		password      bool
		want          []store.Change
	}{
		{"nothing", `{"userName":"a","active":true}`, `{"userName":"a","active":true}`, false, nil},
		{"the password alone", `{"userName":"a"}`, `{"userName":"a"}`, true,
			[]store.Change{{Kind: store.UserUpdated, ID: "u", Version: `W/"2"`, Attributes: []string{"password"}}}},
		{"deactivated", `{"active":true,"userName":"a"}`, `{"active":false,"userName":"a"}`, false, []store.Change{
			{Kind: store.UserUpdated, ID: "u", Version: `W/"2"`, Attributes: []string{"active"}},
			{Kind: store.UserDeactivated, ID: "u", Version: `W/"2"`}}},
		{"reactivated by dropping active", `{"active":false,"userName":"a"}`, `{"userName":"b"}`, true, []store.Change{
			{Kind: store.UserUpdated, ID: "u", Version: `W/"2"`, Attributes: []string{"active", "password", "userName"}},
			{Kind: store.UserReactivated, ID: "u", Version: `W/"2"`}}},
		{"reactivated", `{"active":false}`, `{"active":true}`, false, []store.Change{
			{Kind: store.UserUpdated, ID: "u", Version: `W/"2"`, Attributes: []string{"active"}},
			{Kind: store.UserReactivated, ID: "u", Version: `W/"2"`}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := query.UserChanges("u", `W/"2"`, []byte(tc.before), []byte(tc.after), tc.password)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

// BenchmarkUserChanges is the diff of a user's update (a new name), as a
// write with the change feed on works it out.
func BenchmarkUserChanges(b *testing.B) {
	active := true
	u := &resources.User{UserName: "bjensen@example.com", Active: &active, Name: &resources.Name{GivenName: "Given", FamilyName: "Family"},
		Emails: []resources.MultiValue{{Value: "bjensen@work.example", Type: "work"}}}
	before, _ := json.Marshal(u)
	u.Name.GivenName = "Other"
	after, _ := json.Marshal(u)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := query.UserChanges("u", `W/"2"`, before, after, false); err != nil {
			b.Fatal(err)
		}
	}
}
