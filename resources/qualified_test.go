package resources

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTypedReadsTakeQualifiedNames: RFC 7644 §3.10 lets a client name an
// attribute by its schema URN ("urn:...:User:userName"), and a request
// reads such a key, and the members of an object under the core schema's
// URN, as the attribute itself (Normalize); a fully qualified attribute
// of the enterprise extension is that extension's. Every typed read
// (UnmarshalJSON, ...FromMap, ...FromJSON) reads them so too, where it
// kept the key as an extension, and refuses an attribute given in both
// forms as a request does.
func TestTypedReadsTakeQualifiedNames(t *testing.T) {
	const (
		core = UserSchema
		ent  = EnterpriseUserSchema
	)
	users := []struct {
		name string
		body string
		want string // the user as JSON, or "error: ..."
	}{
		{"core attribute", `{"` + core + `:userName":"x"}`, `{"userName":"x"}`},
		{"core URN in another case", `{"URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER:userName":"x"}`, `{"userName":"x"}`},
		{"complex and multi-valued", `{"userName":"x","` + core + `:name":{"givenName":"g"},"` + core + `:emails":[{"value":"a@x"}]}`,
			`{"userName":"x","name":{"givenName":"g"},"emails":[{"value":"a@x"}]}`},
		{"core object", `{"` + core + `":{"userName":"x","title":"t"}}`, `{"userName":"x","title":"t"}`},
		{"enterprise attribute", `{"userName":"x","` + ent + `:department":"d"}`, `{"userName":"x","` + ent + `":{"department":"d"}}`},
		{"enterprise attribute beside its object", `{"userName":"x","` + ent + `":{"costCenter":"c"},"` + ent + `:department":"d"}`,
			`{"userName":"x","` + ent + `":{"costCenter":"c","department":"d"}}`},
		// (a request ignores a schema the type does not register)
		{"other extensions stay", `{"userName":"x","urn:acme:x":{"a":1}}`, `{"userName":"x","urn:acme:x":{"a":1}}`},
		{"given twice", `{"userName":"a","` + core + `:userName":"b"}`, `error: ` + twice("userName").Error()},
		{"given twice in the core object", `{"userName":"a","` + core + `":{"userName":"b"}}`, `error: ` + twice("userName").Error()},
		{"enterprise attribute given twice", `{"userName":"x","` + ent + `":{"department":"a"},"` + ent + `:department":"b"}`,
			`error: ` + twice(ent+":department").Error()},
		{"URNs do not nest", `{"` + core + `":{"userName":"x","urn:acme:x":{}}}`, `error: ` + (&AttrError{Path: core + ":urn:acme:x", Msg: "schema URNs do not nest"}).Error()},
		{"URN after the core URN", `{"` + core + `:` + ent + `:department":"x"}`,
			`error: ` + (&AttrError{Path: core + ":" + ent + ":department", Msg: "schema URNs do not nest"}).Error()},
		{"core URN after the core URN", `{"` + core + `:` + core + `:userName":"x"}`,
			`error: ` + (&AttrError{Path: core + ":" + core + ":userName", Msg: "schema URNs do not nest"}).Error()},
		{"core URN after an unknown URN", `{"userName":"x","urn:acme:ext:` + core + `:userName":"y"}`,
			`error: ` + (&AttrError{Path: "urn:acme:ext:" + core + ":userName", Msg: "schema URNs do not nest"}).Error()},
		{"enterprise URN after an unknown URN", `{"userName":"x","URN:acme:` + ent + `":{"department":"d"}}`,
			`error: ` + (&AttrError{Path: "URN:acme:" + ent, Msg: "schema URNs do not nest"}).Error()},
		{"core Group URN after an unknown URN", `{"userName":"x","urn:acme:ext:` + GroupSchema + `:displayName":"y"}`,
			`error: ` + (&AttrError{Path: "urn:acme:ext:" + GroupSchema + ":displayName", Msg: "schema URNs do not nest"}).Error()},
		{"core object not an object", `{"userName":"x","` + core + `":"y"}`, `error: ` + (&AttrError{Path: core, Msg: "must be a JSON object"}).Error()},
	}
	render := func(u any, err error) string {
		if err != nil {
			return "error: " + err.Error()
		}
		b, merr := json.Marshal(u)
		require.NoError(t, merr)
		var doc map[string]any
		require.NoError(t, json.Unmarshal(b, &doc))
		delete(doc, "schemas")
		b, merr = json.Marshal(doc)
		require.NoError(t, merr)
		return string(b)
	}
	// checkReads holds every reader to want: a document's JSON, or an
	// error's text.
	checkReads := func(t *testing.T, want string, reads map[string]func() (any, error)) {
		for name, read := range reads {
			if got := render(read()); want[0] == '{' {
				assert.JSONEq(t, want, got, name)
			} else {
				assert.Equal(t, want, got, name)
			}
		}
	}
	for _, tt := range users {
		t.Run("User/"+tt.name, func(t *testing.T) {
			doc, err := Decode([]byte(tt.body))
			require.NoError(t, err)
			reads := map[string]func() (any, error){
				"UserFromMap":  func() (any, error) { return UserFromMap(doc) },
				"UserFromJSON": func() (any, error) { return UserFromJSON([]byte(tt.body)) },
				"User.UnmarshalJSON": func() (any, error) {
					var u User
					err := json.Unmarshal([]byte(tt.body), &u)
					return &u, err
				},
			}
			checkReads(t, tt.want, reads)
			if tt.name == "other extensions stay" {
				return
			}
			// The request path reads the body the same way.
			reqDoc, err := Decode([]byte(tt.body))
			require.NoError(t, err)
			l := &Lenience{}
			out, err := NewUserType().Normalize(reqDoc, l)
			if tt.want[0] != '{' {
				assert.Equal(t, tt.want, render(nil, err), "the request")
				return
			}
			require.NoError(t, err)
			u, err := UserFromMap(out)
			assert.JSONEq(t, tt.want, render(u, err), "the request")
		})
	}
	groups := []struct {
		name string
		body string
		want string
	}{
		{"core attribute", `{"` + GroupSchema + `:displayName":"g"}`, `{"displayName":"g"}`},
		{"core object", `{"` + GroupSchema + `":{"displayName":"g","members":[{"value":"1"}]}}`, `{"displayName":"g","members":[{"value":"1"}]}`},
		{"given twice", `{"displayName":"a","` + GroupSchema + `:displayName":"b"}`, `error: ` + twice("displayName").Error()},
		{"core User URN after an unknown URN", `{"displayName":"g","urn:acme:ext:` + UserSchema + `:userName":"y"}`,
			`error: ` + (&AttrError{Path: "urn:acme:ext:" + UserSchema + ":userName", Msg: "schema URNs do not nest"}).Error()},
		{"enterprise URN after an unknown URN", `{"displayName":"g","urn:acme:` + EnterpriseUserSchema + `":{"department":"d"}}`,
			`error: ` + (&AttrError{Path: "urn:acme:" + EnterpriseUserSchema, Msg: "schema URNs do not nest"}).Error()},
	}
	for _, tt := range groups {
		t.Run("Group/"+tt.name, func(t *testing.T) {
			doc, err := Decode([]byte(tt.body))
			require.NoError(t, err)
			reads := map[string]func() (any, error){
				"GroupFromMap":  func() (any, error) { return GroupFromMap(doc) },
				"GroupFromJSON": func() (any, error) { return GroupFromJSON([]byte(tt.body)) },
				"Group.UnmarshalJSON": func() (any, error) {
					var g Group
					err := json.Unmarshal([]byte(tt.body), &g)
					return &g, err
				},
			}
			checkReads(t, tt.want, reads)
			reqDoc, err := Decode([]byte(tt.body))
			require.NoError(t, err)
			out, err := NewGroupType().Normalize(reqDoc, &Lenience{})
			if tt.want[0] != '{' {
				assert.Equal(t, tt.want, render(nil, err), "the request")
				return
			}
			require.NoError(t, err)
			g, err := GroupFromMap(out)
			assert.JSONEq(t, tt.want, render(g, err), "the request")
		})
	}
}
