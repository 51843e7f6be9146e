package scim_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store/memory"
)

// TestPatchValueNamesAttributeTwice: a no-path PATCH value that names one
// attribute under two keys, with and without its schema's URN, is
// refused (400 invalidSyntax) as a POST or PUT body giving it twice is
// (resources.Normalize), and changes nothing: the PATCH applied both
// keys in sorted order, the later winning. Entra's no-path replace,
// whose dotted and URN keys each name another target, still applies.
func TestPatchValueNamesAttributeTwice(t *testing.T) {
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
		{"a core attribute and its qualified key", `{"title":"a","` + core + `:title":"b"}`, `"title" is given more than once`},
		{"the password beside the core URN's object", `{"password":"Secret-1","` + core + `":{"password":"Secret-2"}}`, `is given more than once`},
		{"a sub-attribute and its qualified key", `{"name.givenName":"a","` + core + `:name.givenName":"b"}`, `"name.givenName" is given more than once`},
		{"an enterprise attribute in its object and qualified", `{"` + ent + `":{"department":"a"},"` + ent + `:department":"b"}`, `"` + ent + `:department" is given more than once`},
		{"a host extension's attribute in its object and qualified", `{"` + acmeURN + `":{"vip":true},"` + acmeURN + `:VIP":false}`, `"` + acmeURN + `:vip" is given more than once`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			requireError(t, e.do("PATCH", "/Users/"+uid, patch(tc.value)), 400, "invalidSyntax", tc.detail)
			assert.Equal(t, before.Body, e.do("GET", "/Users/"+uid, nil).Body, "nothing was changed")
		})
	}
	// The same names in a PUT: refused as the PATCH refuses them.
	requireError(t, e.do("PUT", "/Users/"+uid, `{"userName":"twice","title":"a","`+core+`:title":"b"}`), 400, "invalidSyntax", "is given more than once")
	r := e.do("PATCH", "/Users/"+uid, patch(`{"name.givenName":"A","`+ent+`:employeeNumber":"7","`+core+`":{"title":"T"}}`))
	require.Equal(t, 200, r.Code, r.Raw)
	assert.Equal(t, "T", r.Body["title"])
	assert.Equal(t, "7", r.Body[ent].(map[string]any)["employeeNumber"])
}
