package scim_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/admin"
)

// TestEndpointSpelling: endpoint names in any case and with a trailing
// slash (Microsoft's SCIM validator sends /users and /Users/?filter=) are
// served like the canonical ones, with a warning; ids keep their case.
func TestEndpointSpelling(t *testing.T) {
	ring := admin.NewRequestRing(100)
	e := newEnv(t, func(c *scim.Config) { c.RequestLog = ring })
	u := e.createUser("spelling")
	id := u["id"].(string)
	for _, tc := range []struct {
		path    string
		code    int
		warning string
	}{
		{"/users?filter=userName+eq+%22spelling%22", 200, `endpoint "/users" taken as "/Users"`},
		{"/Users/?filter=userName+eq+%22spelling%22", 200, `endpoint "/Users/" taken as "/Users"`},
		{"/USERS/" + id, 200, `endpoint "/USERS/` + id + `" taken as "/Users/` + id + `"`},
		{"/serviceproviderconfig", 200, `taken as "/ServiceProviderConfig"`},
		{"/schemas/urn:ietf:params:scim:schemas:core:2.0:User", 200, `taken as "/Schemas/urn:ietf:params:scim:schemas:core:2.0:User"`},
		{"/Users/" + id, 200, ""},
		{"/Users/" + id + "X", 404, ""},
		{"/Nope/", 404, ""},
	} {
		t.Run(tc.path, func(t *testing.T) {
			r := e.do("GET", tc.path, nil)
			require.Equal(t, tc.code, r.Code, r.Raw)
			recent, err := ring.Recent(context.Background(), "", 1)
			require.NoError(t, err)
			require.Len(t, recent, 1)
			if tc.warning == "" {
				assert.Empty(t, recent[0].Warnings)
				return
			}
			require.Len(t, recent[0].Warnings, 1)
			assert.Contains(t, recent[0].Warnings[0], tc.warning)
			assert.Contains(t, e.logs.String(), `"level":"WARN","msg":"scim request"`)
		})
	}
	r := e.do("POST", "/groups/", map[string]any{"displayName": "spelled"})
	assert.Equal(t, 201, r.Code, r.Raw)
	r = e.do("POST", "/users/.SEARCH", map[string]any{"filter": `userName eq "spelling"`})
	assert.Equal(t, 200, r.Code, r.Raw)
}

// TestPatchOpExtraMembers: Microsoft's SCIM validator sends the resource's
// id beside Operations; it is ignored, with a warning.
func TestPatchOpExtraMembers(t *testing.T) {
	ring := admin.NewRequestRing(10)
	e := newEnv(t, func(c *scim.Config) { c.RequestLog = ring })
	id := e.createUser("envelope")["id"].(string)
	r := e.do("PATCH", "/Users/"+id, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"id":"`+id+`","Operations":[{"op":"replace","path":"title","value":"Boss"}]}`)
	require.Equal(t, 200, r.Code, r.Raw)
	assert.Equal(t, "Boss", r.str("title"))
	recent, err := ring.Recent(context.Background(), "", 1)
	require.NoError(t, err)
	assert.Equal(t, []string{`ignored "id" beside Operations in the PatchOp body`}, recent[0].Warnings)
}
