package scim_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/store"
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
				r := unchangedGroupWrite(t, e, tc.method, gid, tc.body, tag)
				assert.ElementsMatch(t, []string{m1, m2}, memberIDs(r.Body))
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

// TestGroupWriteOfSkippedMembersChangesNothingWithoutUpdater is
// TestGroupWriteOfSkippedMembersChangesNothing for a host store without
// store.GroupUpdater: the handler reads the group and calls ReplaceGroup,
// which writes a new version whatever it skips, so the handler itself
// must find that the only new member values name no one. Before, each
// such PUT or PATCH made a new version and a feed entry on every store.
func TestGroupWriteOfSkippedMembersChangesNothingWithoutUpdater(t *testing.T) {
	for name, wrap := range map[string]func(store.GroupStore) store.GroupStore{
		"store fills MemberSkips":         func(g store.GroupStore) store.GroupStore { return groupStoreOnly{g} },
		"store does not fill MemberSkips": func(g store.GroupStore) store.GroupStore { return unfilledSkips{g} },
	} {
		t.Run(name, func(t *testing.T) {
			eachStore(t, func(t *testing.T, e *env) {
				m1 := e.createUser("m1")["id"].(string)
				m2 := e.createUser("m2")["id"].(string)
				g := e.do("POST", "/Groups", map[string]any{"displayName": "Same", "members": []any{map[string]any{"value": m1}}})
				require.Equal(t, 201, g.Code, g.Raw)
				gid, tag := g.str("id"), g.Header.Get("ETag")
				ghost := []any{map[string]any{"value": m1}, map[string]any{"value": "not-provisioned"}}
				// More than one lookup's worth (maxIDLookup): the handler
				// looked up at most 16 and wrote a new version beyond.
				ghosts := []any{map[string]any{"value": m1}}
				for i := range 150 {
					ghosts = append(ghosts, map[string]any{"value": fmt.Sprintf("not-provisioned-%d", i)})
				}

				for _, tc := range []struct {
					name, method string
					body         any
				}{
					{"PUT listing a member that names no one", "PUT", map[string]any{"displayName": "Same", "members": ghost}},
					{"PUT listing the group itself", "PUT", map[string]any{"displayName": "Same", "members": []any{map[string]any{"value": m1}, map[string]any{"value": gid}}}},
					{"PATCH replacing the members with one more that names no one", "PATCH", patchBody(op("replace", "members", ghost))},
					{"PUT listing 150 members that name no one", "PUT", map[string]any{"displayName": "Same", "members": ghosts}},
				} {
					t.Run(tc.name, func(t *testing.T) {
						r := unchangedGroupWrite(t, e, tc.method, gid, tc.body, tag)
						assert.ElementsMatch(t, []string{m1}, memberIDs(r.Body))
						// A member PATCH goes to ModifyMembers, which skips
						// unseen on a store that does not fill MemberSkips
						// (TestUnknownMembersUnfilledStore).
						if name == "store fills MemberSkips" || tc.method == "PUT" {
							assert.Contains(t, e.logs.String(), "skipped members", "the skipped member is still warned of")
						}
					})
				}

				// A member that names someone, beside one that names no
				// one, is a change.
				r := e.do("PUT", "/Groups/"+gid, map[string]any{"displayName": "Same", "members": append(ghost, map[string]any{"value": m2})})
				require.Equal(t, 200, r.Code, r.Raw)
				assert.NotEqual(t, tag, r.Header.Get("ETag"))
				assert.ElementsMatch(t, []string{m1, m2}, memberIDs(r.Body))
			}, func(c *scim.Config) { c.Groups = wrap(c.Groups) })
		})
	}
}

// unchangedGroupWrite sends a write of group gid (asking for its members)
// that must change nothing: 200 with the version tag, no event, nothing
// appended to the change feed. The handler's log is reset before, so the
// caller can look for the write's warnings in it.
func unchangedGroupWrite(t *testing.T, e *env, method, gid string, body any, tag string) *resp {
	t.Helper()
	e.clearEvents()
	e.logs.Reset()
	head := feedHead(t, e.users)
	r := e.do(method, "/Groups/"+gid+"?attributes=members", body)
	require.Equal(t, 200, r.Code, r.Raw)
	assert.Equal(t, tag, r.Header.Get("ETag"), "the version is kept")
	assert.Empty(t, e.eventTypes(), "no event for a write that changed nothing")
	assert.Equal(t, head, feedHead(t, e.users), "nothing appended to the change feed")
	return r
}
