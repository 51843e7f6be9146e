package scim_test

import (
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/resources"
)

// TestServerMadeRefused: every value the server makes as it answers and
// no store keeps (a $ref it makes, the manager's displayName,
// meta.location) is refused wherever a client could compare or order by
// it, in one text (resources.ResourceType.ServerMade): a list's filter
// (400 invalidFilter), a sortBy (400 invalidValue: a sortBy on the
// manager's $ref answered 200 in creation order) and a PATCH path's value
// filter (400 invalidFilter, nothing changed), on every store.
func TestServerMadeRefused(t *testing.T) {
	const why = "cannot be used in a filter or a sortBy: the server makes it from "
	cases := []struct {
		endpoint, path, use string
		patch               string // a PATCH path whose value filter names it ("" for none)
	}{
		{"/Users", entURN + ":manager.$ref", entURN + ":manager.value", entURN + `:manager[$ref pr]`},
		{"/Users", entURN + ":manager.displayName", entURN + ":manager.value", entURN + `:manager[displayName pr]`},
		{"/Users", "groups.$ref", "groups.value", ""},
		{"/Users", "meta.location", "id", ""},
		{"/Groups", "members.$ref", "members.value", `members[$ref pr]`},
		{"/Groups", "meta.location", "id", ""},
	}
	for name, open := range modelStores(resources.DefaultModel()) {
		t.Run(name, func(t *testing.T) {
			users, groups := open(t)
			e := newEnv(t, func(c *scim.Config) { c.Users, c.Groups = users, groups })
			boss := e.createUser("boss")["id"].(string)
			uid := e.createUser("worker", map[string]any{entURN: map[string]any{"manager": map[string]any{"value": boss}}})["id"].(string)
			gid := e.createGroup("team", uid)["id"].(string)
			for _, tc := range cases {
				t.Run(tc.endpoint+" "+tc.path, func(t *testing.T) {
					detail := `"` + tc.path + `" ` + why
					r := e.do("GET", tc.endpoint+"?filter="+url.QueryEscape(tc.path+" pr"), nil)
					requireError(t, r, 400, "invalidFilter", detail)
					assert.Contains(t, r.Raw, "use "+tc.use+" instead")
					r = e.do("GET", tc.endpoint+"?sortBy="+url.QueryEscape(tc.path), nil)
					requireError(t, r, 400, "invalidValue", detail)
					assert.Contains(t, r.Raw, "use "+tc.use+" instead")
					if tc.patch == "" {
						return
					}
					id := uid
					if tc.endpoint == "/Groups" {
						id = gid
					}
					before := e.do("GET", tc.endpoint+"/"+id, nil)
					require.Equal(t, 200, before.Code, before.Raw)
					r = e.do("PATCH", tc.endpoint+"/"+id, patchBody(op("remove", tc.patch, nil)))
					requireError(t, r, 400, "invalidFilter", detail)
					assert.Equal(t, before.Raw, e.do("GET", tc.endpoint+"/"+id, nil).Raw, "nothing changed")
				})
			}
		})
	}
}
