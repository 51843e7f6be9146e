package sqlstore_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/sqlstore"
)

// TestNameSortPlans: a list and a cursor walk sorted by the unique name
// (userName, a group's displayName) read the tenant's rows in the order
// of the name's key index (the key every filter on the name compares),
// from the walk's position on, and sort none of them: a page deep into a
// large tenant costs what the first does. Checked with EXPLAIN on 10,000
// users and 2,000 groups.
func TestNameSortPlans(t *testing.T) {
	forEachDB(t, func(t *testing.T, db opener) {
		s := db.open(t, sqlstore.Config{})
		const tenant = "namesort"
		seedUsers(t, s, tenant, 10000)
		seedUsers(t, s, tenant+"-other", 1000)
		tctx := store.WithTenant(ctx, tenant)
		for i := 0; i < 2000; i++ {
			_, err := s.CreateGroup(tctx, &resources.Group{DisplayName: fmt.Sprintf("Group %d", i)})
			require.NoError(t, err)
		}
		analyze(t, s)
		mid := func(users bool) string {
			q := store.Query{SortBy: "userName", Count: 100, ExcludeGroups: true}
			if !users {
				q = store.Query{SortBy: "displayName", Count: 100, ExcludeMembers: true}
			}
			var pos []string
			if users {
				p, err := s.ListUsersAfter(tctx, q, "")
				require.NoError(t, err)
				pos = p.Positions
			} else {
				p, err := s.ListGroupsAfter(tctx, q, "")
				require.NoError(t, err)
				pos = p.Positions
			}
			require.Len(t, pos, 100)
			return pos[len(pos)-1]
		}
		umid, gmid := mid(true), mid(false)
		for _, tc := range []struct {
			name  string
			users bool
			stmt  func() (string, []any, error)
		}{
			{"users by userName, first page", true, func() (string, []any, error) {
				return s.PageSQLForTest(tctx, true, store.Query{SortBy: "userName", StartIndex: 1, Count: 100})
			}},
			{"users by userName descending, first page", true, func() (string, []any, error) {
				return s.PageSQLForTest(tctx, true, store.Query{SortBy: "userName", Descending: true, StartIndex: 1, Count: 100})
			}},
			{"users by userName, cursor after 100", true, func() (string, []any, error) {
				return s.CursorSQLForTest(tctx, store.Query{SortBy: "userName", Count: 100}, umid)
			}},
			{"users by userName descending, cursor after 100", true, func() (string, []any, error) {
				return s.CursorSQLForTest(tctx, store.Query{SortBy: "userName", Descending: true, Count: 100}, umid)
			}},
			{"groups by displayName, first page", false, func() (string, []any, error) {
				return s.PageSQLForTest(tctx, false, store.Query{SortBy: "displayName", StartIndex: 1, Count: 100})
			}},
			{"groups by displayName, cursor after 100", false, func() (string, []any, error) {
				return s.GroupsCursorSQLForTest(tctx, store.Query{SortBy: "displayName", Count: 100, ExcludeMembers: true}, gmid)
			}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				stmt, args, err := tc.stmt()
				require.NoError(t, err)
				plan := explain(t, s, stmt, args...)
				t.Logf("%s\n%s", stmt, plan)
				table, alias, index := "scim_users", "u", "scim_users_user_name_key"
				if !tc.users {
					table, alias, index = "scim_groups", "g", "scim_groups_display_name_key"
				}
				if isPG(s) {
					assert.Contains(t, plan, " using "+index+" on "+table+" ", "the rows are read in the order of the name's key index:\n%s", plan)
					assert.NotContains(t, plan, "Seq Scan", "no row is read outside that index:\n%s", plan)
					// Ties of the key (names shared before migration
					// 0004) go by seq: sorted within the ties only.
					for _, line := range strings.Split(plan, "\n") {
						line = strings.TrimLeft(line, " ->")
						assert.False(t, strings.HasPrefix(line, "Sort  ("), "the page's rows are not sorted whole:\n%s", plan)
					}
					return
				}
				assert.Contains(t, plan, "SEARCH "+alias+" USING INDEX "+index+" (tenant=?", "the rows are read in the order of the name's key index:\n%s", plan)
				// SQLite sorts the rows of one key by seq (the last term),
				// not the tenant's rows: it stops at the LIMIT.
				assert.NotContains(t, plan, "USE TEMP B-TREE FOR ORDER BY", "the page's rows are not sorted whole:\n%s", plan)
			})
		}
	})
}
