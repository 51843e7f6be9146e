package scim_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/admin"
)

// TestMemberRemovalWarningsBothPaths: a group PATCH whose operations
// remove a member by value warns of each operation that removed nothing
// (patch.MembersNotRemoved), once, naming its Operations[i], whichever
// way it is applied: the member plan (the member operations alone, or
// with a displayName that changes nothing) or the full PATCH engine (with
// a rename). The plan warned the last of two removals of one member and
// not the first, and warned a removal of a member an earlier operation
// had added, where the engine, applying the operations in order, did the
// opposite; the engine warned no removal by a value list from a group
// left without members.
func TestMemberRemovalWarningsBothPaths(t *testing.T) {
	eachMemberStore(t, func(t *testing.T, e, _ *env, ring *admin.RequestRing, u, v string) {
		val, eq := memberValues, memberEq
		none := func(i int, ids string) string {
			return fmt.Sprintf("Operations[%d]: removed no member %s: the group has none with that value", i, ids)
		}
		q := func(id string) string { return `"` + id + `"` }
		for _, tc := range []struct {
			name     string
			ops      []map[string]any
			left     []string // the members after it, sorted
			warnings []string
		}{
			{"add then remove", []map[string]any{op("add", "members", val(v)), op("remove", eq(v), nil)}, []string{u}, nil},
			{"an absent member removed twice", []map[string]any{op("remove", eq(v), nil), op("remove", "members", val(v))}, []string{u},
				[]string{none(0, q(v)), none(1, q(v))}},
			{"a member removed twice", []map[string]any{op("remove", eq(u), nil), op("remove", eq(u), nil)}, []string{},
				[]string{none(1, q(u))}},
			{"added, then removed twice", []map[string]any{op("add", "members", val(v)), op("remove", eq(v), nil), op("remove", eq(v), nil)}, []string{u},
				[]string{none(2, q(v))}},
			{"an absent member removed, then added", []map[string]any{op("remove", eq(v), nil), op("add", "members", val(v))}, []string{u, v},
				[]string{none(0, q(v))}},
			{"a member removed, then added", []map[string]any{op("remove", eq(u), nil), op("add", "members", val(u))}, []string{u}, nil},
			{"replaced, then a member removed", []map[string]any{op("replace", "members", val(v)), op("remove", eq(u), nil)}, []string{v},
				[]string{none(1, q(u))}},
			{"all removed, then a member", []map[string]any{op("remove", "members", nil), op("remove", eq(u), nil)}, []string{},
				[]string{none(1, q(u))}},
			{"one value twice in one operation", []map[string]any{op("remove", "members", val(v, v))}, []string{u},
				[]string{"Operations[0]: dropped a duplicate members value " + q(v), none(0, q(v))}},
			{"the last member removed, then again by a value list", []map[string]any{op("remove", eq(u), nil), op("remove", "members", val(u))}, []string{},
				[]string{none(1, q(u))}},
			{"all removed, then by a value list", []map[string]any{op("remove", "members", nil), op("remove", "members", val(u, v))}, []string{},
				[]string{none(1, q(u)+", "+q(v))}},
			{"two operations, each its own", []map[string]any{op("remove", "members", val(v, u)), op("remove", "members", val(u, "ghost"))}, []string{},
				[]string{none(0, q(v)), none(1, q(u)+", "+q("ghost"))}},
		} {
			for _, way := range []struct {
				name  string
				extra []map[string]any
			}{
				{"members alone", nil},
				{"with a displayName that changes nothing", []map[string]any{op("replace", "displayName", "G")}},
				{"with a rename (the engine)", []map[string]any{op("replace", "displayName", "G2")}},
			} {
				t.Run(tc.name+"/"+way.name, func(t *testing.T) {
					gid := e.createGroup("G", u)["id"].(string)
					t.Cleanup(func() { e.do("DELETE", "/Groups/"+gid, nil) })
					r := e.do("PATCH", "/Groups/"+gid, patchBody(append(slices.Clone(tc.ops), way.extra...)...))
					require.Equal(t, 204, r.Code, r.Raw)
					warnings := lastWarnings(t, ring)
					if len(tc.warnings) == 0 {
						assert.Empty(t, warnings)
					} else {
						assert.Equal(t, tc.warnings, warnings)
					}
					got := memberIDs(e.do("GET", "/Groups/"+gid, nil).Body)
					if got == nil {
						got = []string{}
					}
					slices.Sort(got)
					want := slices.Clone(tc.left)
					slices.Sort(want)
					assert.Equal(t, want, got)
				})
			}
		}
	})
}

// TestRemoveThenAddStaysOnMemberPlan: Okta's membership update (a
// removal by members[value eq] and an add of members, the displayName
// resent) that removes and adds back one id costs the store calls the
// same update of two ids does: the member plan, no read of the member
// list. Whether its removal removed a member, which it warns of, is
// told by what the store reports it added. It read the whole group to
// decide that warning, however many members the group has.
func TestRemoveThenAddStaysOnMemberPlan(t *testing.T) {
	for name, open := range memberPatchStores(t) {
		t.Run(name, func(t *testing.T) {
			users, groups := open(t)
			var calls storeCalls
			e := newEnv(t, func(c *scim.Config) { c.Users, c.Groups, c.Observe = users, groups, calls.observe })
			u := e.createUser("member")["id"].(string)
			v := e.createUser("other")["id"].(string)
			gid := e.createGroup("G", u)["id"].(string)
			for _, tc := range []struct {
				name        string
				add, remove []string
			}{
				{"two ids", []string{v}, []string{u}},
				{"one id removed and added back", []string{u}, []string{u}},
				{"an absent id removed and added", []string{v}, []string{v}},
			} {
				r := e.do("PATCH", "/Groups/"+gid, oktaPatch(gid, "G", tc.add, tc.remove))
				require.Equal(t, 204, r.Code, tc.name+": "+r.Raw)
			}
			require.Len(t, calls.calls, 3)
			assert.Equal(t, calls.calls[0], calls.calls[1], "store calls: removed and added back, as two ids")
			assert.Equal(t, calls.calls[0], calls.calls[2], "store calls: absent, removed and added, as two ids")
		})
	}
}
