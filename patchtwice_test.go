package scim_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store/memory"
)

// TestPatchValueNamesAttributeTwice: a no-path PATCH value that names one
// attribute under two keys, with and without its schema's URN, is refused
// (400 invalidSyntax) as a POST or PUT body giving it twice is
// (resources.ResourceType.Normalize), and changes nothing: the PATCH applied
// both keys in sorted order, the later winning. Entra's no-path replace,
// whose dotted and URN keys each name another target, still applies.
func TestPatchValueNamesAttributeTwice(t *testing.T) {
	const givenTwice = "is given more than once (names match case-insensitively, with or without the schema URN); send it once"
	model := acmeModel(t)
	e := newEnv(t, func(c *scim.Config) {
		db := memory.New(memory.WithModel(model))
		c.Users, c.Groups, c.Model = db, db, model
	})
	uid := e.createUser("twice")["id"].(string)
	const core, ent = resources.UserSchema, resources.EnterpriseUserSchema
	patch := func(value string) string {
		return `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":` + value + `}]}`
	}
	before := e.do("GET", "/Users/"+uid, nil)
	for _, tc := range []struct{ name, value, detail string }{
		{"a core attribute and its qualified key", `{"title":"a","` + core + `:title":"b"}`, `"title" in the value, again as`},
		{"the password beside the core URN's object", `{"password":"Secret-1","` + core + `":{"password":"Secret-2"}}`, `is given more than once`},
		{"a sub-attribute and its qualified key", `{"name.givenName":"a","` + core + `:name.givenName":"b"}`, `"name.givenName" in the value, again as`},
		{"an enterprise attribute in its object and qualified", `{"` + ent + `":{"department":"a"},"` + ent + `:department":"b"}`, `"` + ent + `:department" in the value, again as`},
		{"a host extension's attribute in its object and qualified", `{"` + acmeURN + `":{"vip":true},"` + acmeURN + `:VIP":false}`, `"` + acmeURN + `:vip" in the value, again as`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			requireError(t, e.do("PATCH", "/Users/"+uid, patch(tc.value)), 400, "invalidSyntax", tc.detail)
			assert.Equal(t, before.Body, e.do("GET", "/Users/"+uid, nil).Body, "nothing was changed")
		})
	}
	// The same names in a PUT: refused as the PATCH refuses them, in the
	// same words after the name.
	put := e.do("PUT", "/Users/"+uid, `{"userName":"twice","title":"a","`+core+`:title":"b"}`)
	requireError(t, put, 400, "invalidSyntax", "is given more than once")
	pat := e.do("PATCH", "/Users/"+uid, patch(`{"title":"a","`+core+`:title":"b"}`))
	assert.True(t, strings.HasSuffix(put.Body["detail"].(string), givenTwice), put.Raw)
	assert.True(t, strings.HasSuffix(pat.Body["detail"].(string), givenTwice), pat.Raw)
	// A sub-attribute given twice in an operation's value for a path, in
	// two spellings: refused as a POST or PUT refuses it, where the later
	// key in sorted order was applied.
	for _, op := range []string{
		`{"op":"replace","path":"name","value":{"givenName":"a","GIVENNAME":"b"}}`,
		`{"op":"add","path":"emails","value":[{"value":"a@x","VALUE":"b@x"}]}`,
		`{"op":"replace","value":{"name":{"givenName":"a","GivenName":"b"}}}`,
	} {
		r := e.do("PATCH", "/Users/"+uid, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[`+op+`]}`)
		requireError(t, r, 400, "invalidSyntax", "is given more than once")
		assert.Equal(t, before.Body, e.do("GET", "/Users/"+uid, nil).Body, "nothing was changed")
	}
	r := e.do("PATCH", "/Users/"+uid, patch(`{"name.givenName":"A","`+ent+`:employeeNumber":"7","`+core+`":{"title":"T"}}`))
	require.Equal(t, 200, r.Code, r.Raw)
	assert.Equal(t, "T", r.Body["title"])
	assert.Equal(t, "7", r.Body[ent].(map[string]any)["employeeNumber"])
}
