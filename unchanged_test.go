package scim_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
)

// TestWriteThatChangesNothing: providers resend unchanged resources on
// every cycle; a PUT or PATCH equal to what is stored keeps the version,
// reports no event and appends nothing to the change feed, on every
// store.
func TestWriteThatChangesNothing(t *testing.T) {
	for name, open := range concurrencyStores(t) {
		t.Run(name, func(t *testing.T) {
			users, groups := open(t)
			e := newEnv(t, func(c *scim.Config) { c.Users, c.Groups = users, groups })
			user := map[string]any{"userName": "same", "name": map[string]any{"givenName": "A"}, "emails": []any{map[string]any{"value": "a@x", "type": "work"}}}
			u := e.do("POST", "/Users", user)
			require.Equal(t, 201, u.Code, u.Raw)
			uid, v1 := u.str("id"), u.Header.Get("ETag")
			m1 := e.createUser("m1")["id"].(string)
			m2 := e.createUser("m2")["id"].(string)
			g := e.do("POST", "/Groups", map[string]any{"displayName": "Same", "members": []any{map[string]any{"value": m1}, map[string]any{"value": m2}}})
			require.Equal(t, 201, g.Code, g.Raw)
			gid, gv1 := g.str("id"), g.Header.Get("ETag")
			e.clearEvents()
			head := feedHead(t, users)

			for _, tc := range []struct {
				name, method, path string
				body               any
				tag                string
				status             int
			}{
				{"identical user PUT", "PUT", "/Users/" + uid, user, v1, 200},
				{"PATCH to the stored value", "PATCH", "/Users/" + uid, patchBody(op("replace", "name.givenName", "A")), v1, 200},
				{"identical group PUT, members in another order", "PUT", "/Groups/" + gid,
					map[string]any{"displayName": "Same", "members": []any{map[string]any{"value": m2}, map[string]any{"value": m1}}}, gv1, 200},
				// Config.Events names the ids a membership PATCH asked for
				// (documented); the feed names what changed: nothing.
				{"PATCH adding a present member", "PATCH", "/Groups/" + gid, patchBody(op("add", "members", []any{map[string]any{"value": m1}})), gv1, 204},
			} {
				t.Run(tc.name, func(t *testing.T) {
					r := e.do(tc.method, tc.path, tc.body)
					require.Equal(t, tc.status, r.Code, r.Raw)
					assert.Equal(t, tc.tag, r.Header.Get("ETag"), "the version is kept")
					if tc.status == 200 {
						assert.Empty(t, e.eventTypes())
					}
					e.clearEvents()
					assert.Equal(t, head, feedHead(t, users), "nothing appended to the change feed")
				})
			}
			r := e.do("PUT", "/Users/"+uid, map[string]any{"userName": "same", "title": "changed"})
			require.Equal(t, 200, r.Code)
			assert.NotEqual(t, v1, r.Header.Get("ETag"))
			assert.Equal(t, []scim.EventType{scim.UserUpdated}, e.eventTypes())
			assert.Equal(t, head+1, feedHead(t, users), "a real change appends its entry")
		})
	}
}

// TestPanickingEventsCallback: a panic in Config.Events is logged and
// does not change the response of a change already made.
func TestPanickingEventsCallback(t *testing.T) {
	e := newEnv(t, func(c *scim.Config) {
		c.Events = func(context.Context, scim.Event) { panic("host bug") }
	})
	r := e.do("POST", "/Users", map[string]any{"userName": "survives"})
	require.Equal(t, 201, r.Code, r.Raw)
	assert.Contains(t, e.logs.String(), "Config.Events panicked")
	assert.Contains(t, e.logs.String(), "host bug")
}
