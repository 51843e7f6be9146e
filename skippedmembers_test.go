package scim_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestGroupWriteOfSkippedMembersChangesNothing: a group write whose only
// difference from the stored group is a member value naming no user or
// group of the tenant (a provider pushing a member it has not provisioned
// yet, README "Leniency, with a trace": skipped with a warning) changes
// nothing, so it keeps the version, reports no event and appends nothing
// to the change feed, as README's "A PUT or PATCH that changes nothing
// writes nothing and keeps the version" promises. RFC 7644 §3.14: the
// version identifies the resource's state; a provider re-pushing the same
// group every cycle (Okta's Push Groups by PUT, idptest) must not see it
// change. Before, each such write made a new version, a group.updated
// event and a feed entry on memory, SQLite and PostgreSQL.
func TestGroupWriteOfSkippedMembersChangesNothing(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		m1 := e.createUser("m1")["id"].(string)
		m2 := e.createUser("m2")["id"].(string)
		g := e.do("POST", "/Groups", map[string]any{"displayName": "Same", "members": []any{map[string]any{"value": m1}, map[string]any{"value": m2}}})
		require.Equal(t, 201, g.Code, g.Raw)
		gid, tag := g.str("id"), g.Header.Get("ETag")
		stored := []any{map[string]any{"value": m2}, map[string]any{"value": m1}, map[string]any{"value": "not-provisioned"}}

		for _, tc := range []struct {
			name, method string
			body         any
		}{
			{"PUT listing a member that names no one", "PUT", map[string]any{"displayName": "Same", "members": stored}},
			{"PATCH replacing the members with one more that names no one", "PATCH", patchBody(op("replace", "members", stored))},
			// Entra's filtered add makes the member the filter
			// describes (README, "Deliberate deviations"); it names no
			// one, so it is skipped.
			{"PATCH of a filtered member that names no one", "PATCH", patchBody(op("replace", `members[value eq "not-provisioned"].display`, "x"))},
			{"PATCH of a rename to the stored name beside such a member", "PATCH", patchBody(op("replace", "displayName", "Same"), op("replace", "members", stored))},
		} {
			t.Run(tc.name, func(t *testing.T) {
				e.clearEvents()
				e.logs.Reset()
				head := feedHead(t, e.users)
				r := e.do(tc.method, "/Groups/"+gid+"?attributes=members", tc.body)
				require.Equal(t, 200, r.Code, r.Raw)
				assert.Equal(t, tag, r.Header.Get("ETag"), "the version is kept")
				assert.ElementsMatch(t, []string{m1, m2}, memberIDs(r.Body))
				assert.Empty(t, e.eventTypes(), "no event for a write that changed nothing")
				assert.Equal(t, head, feedHead(t, e.users), "nothing appended to the change feed")
				assert.True(t, strings.Contains(e.logs.String(), "not-provisioned"), "the skipped member is still warned of: %s", e.logs.String())
			})
		}

		// A real change beside the skipped member is written.
		r := e.do("PUT", "/Groups/"+gid, map[string]any{"displayName": "Renamed", "members": stored})
		require.Equal(t, 200, r.Code, r.Raw)
		assert.NotEqual(t, tag, r.Header.Get("ETag"))
		assert.Equal(t, "Renamed", r.str("displayName"))
		assert.ElementsMatch(t, []string{m1, m2}, memberIDs(r.Body))
	})
}
