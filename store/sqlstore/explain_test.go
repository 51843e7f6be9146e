package sqlstore_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/sqlstore"
)

// seedUser is the i-th user of the seeded data sets.
func seedUser(i int) *resources.User {
	return &resources.User{
		UserName:    fmt.Sprintf("user%06d@example.com", i),
		ExternalID:  fmt.Sprintf("ext-%d", i),
		DisplayName: fmt.Sprintf("User %d", i),
		Active:      ptr(i%7 != 0),
		Name:        &resources.Name{GivenName: "Given", FamilyName: fmt.Sprintf("Family%d", i%1000)},
		Emails: []resources.MultiValue{
			{Value: fmt.Sprintf("user%d@work.example", i), Type: "work", Primary: resources.Bool(true)},
			{Value: fmt.Sprintf("user%d@home.example", i), Type: "home"},
		},
		Enterprise: &resources.EnterpriseUser{Department: fmt.Sprintf("Dept %d", i%50)},
	}
}

// seedUsers stores seedUser(0) to seedUser(n-1) in tenant in bulk
// (SeedUsersForTest) and returns their ids.
func seedUsers(t testing.TB, s *sqlstore.Store, tenant string, n int) []string {
	t.Helper()
	users := make([]*resources.User, n)
	for i := range users {
		users[i] = seedUser(i)
	}
	uids, err := s.SeedUsersForTest(ctx, tenant, users)
	require.NoError(t, err)
	return uids
}

// seed stores n users (plus n/10 in another tenant), groups "Group 0" to
// "Group 199" and a group "Big" whose members are the first big users, and
// refreshes the planner statistics.
func seed(t testing.TB, s *sqlstore.Store, tenant string, n, big int) (uids []string, bigID string) {
	t.Helper()
	uids = seedUsers(t, s, tenant, n)
	seedUsers(t, s, tenant+"-other", n/10)
	tctx := store.WithTenant(ctx, tenant)
	for i := 0; i < 200; i++ {
		_, err := s.CreateGroup(tctx, &resources.Group{DisplayName: fmt.Sprintf("Group %d", i), Members: []resources.Member{{Value: uids[i]}}})
		require.NoError(t, err)
	}
	g, err := s.CreateGroup(tctx, &resources.Group{DisplayName: "Big"})
	require.NoError(t, err)
	require.NoError(t, s.SeedMembersForTest(ctx, tenant, g.ID, "User", uids[:big]))
	analyze(t, s)
	return uids, g.ID
}

// explain returns the query plan of query with args, one line per node.
func explain(t testing.TB, s *sqlstore.Store, query string, args ...any) string {
	t.Helper()
	prefix := "EXPLAIN QUERY PLAN "
	if isPG(s) {
		prefix = "EXPLAIN "
	}
	rows, err := s.DB().QueryContext(ctx, prefix+query, args...)
	require.NoError(t, err, query)
	defer rows.Close()
	cols, err := rows.Columns()
	require.NoError(t, err)
	var lines []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		require.NoError(t, rows.Scan(ptrs...))
		lines = append(lines, fmt.Sprint(vals[len(vals)-1])) // PG: the line; SQLite: detail
	}
	require.NoError(t, rows.Err())
	return strings.Join(lines, "\n")
}

// TestExplainUsesIndexes checks, on a table large enough for the planner
// to prefer an index when one fits, that the lookups identity providers
// make and the membership statements use the indexes meant for them.
func TestExplainUsesIndexes(t *testing.T) {
	forEachDB(t, func(t *testing.T, db opener) {
		s := db.open(t, sqlstore.Config{})
		const tenant = "explain"
		uids, bigID := seed(t, s, tenant, 10000, 5000)
		tctx := store.WithTenant(ctx, tenant)
		parser := filter.Parser{}

		usesIndex := func(plan, index string) bool {
			if isPG(s) {
				return strings.Contains(plan, " using "+index+" on ") || strings.Contains(plan, "Index Scan using "+index) ||
					strings.Contains(plan, "Index Only Scan using "+index) || strings.Contains(plan, "Bitmap Index Scan on "+index)
			}
			return strings.Contains(plan, "USING INDEX "+index+" ") || strings.Contains(plan, "USING COVERING INDEX "+index+" ") ||
				strings.Contains(plan, "USING INDEX "+index+"\n") || strings.HasSuffix(plan, "USING INDEX "+index)
		}
		noScan := func(plan, table string) bool {
			if isPG(s) {
				return !strings.Contains(plan, "Seq Scan on "+table+" ")
			}
			return !strings.Contains(plan, "SCAN "+table+"\n") && !strings.HasSuffix(plan, "SCAN "+table) && !strings.Contains(plan, "SCAN "+table+" ")
		}
		lists := []struct {
			name   string
			users  bool
			filter string
			index  string
		}{
			{"userName eq", true, `userName eq "USER000123@example.com"`, "scim_users_user_name_key"},
			{"userName sw", true, `userName sw "USER000123@"`, "scim_users_user_name_key"},
			{"externalId eq", true, `externalId eq "ext-123"`, "scim_users_external_id"},
			{"emails work value eq", true, `emails[type eq "work"].value eq "User123@work.example"`, "scim_user_values_value"},
			{"emails.value eq", true, `emails.value eq "user123@home.example"`, "scim_user_values_value"},
			{"group displayName eq", false, `displayName eq "group 7"`, "scim_groups_display_name_key"},
			{"group members.value eq", false, `members.value eq "` + uids[4000] + `"`, "scim_members_member"}, // in Big only
		}
		for _, l := range lists {
			t.Run(l.name, func(t *testing.T) {
				e, err := parser.Parse(l.filter)
				require.NoError(t, err)
				q := store.Query{Filter: e, StartIndex: 1, Count: 100}
				query, args, err := s.PageSQLForTest(tctx, l.users, q)
				require.NoError(t, err)
				plan := explain(t, s, query, args...)
				t.Logf("%s\n%s", query, plan)
				assert.True(t, usesIndex(plan, l.index), "plan does not use %s:\n%s", l.index, plan)
				table := "scim_groups"
				if l.users {
					table = "scim_users"
				}
				assert.True(t, noScan(plan, table) && noScan(plan, "u") && noScan(plan, "g"), "plan scans %s:\n%s", table, plan)
				// and the store answers it
				if l.users {
					p, err := s.ListUsers(tctx, q)
					require.NoError(t, err)
					assert.Equal(t, 1, p.Total)
				} else {
					p, err := s.ListGroups(tctx, q)
					require.NoError(t, err)
					assert.Equal(t, 1, p.Total)
				}
			})
		}
		g7, err := s.ListGroups(tctx, store.Query{Filter: mustParse(t, `displayName eq "Group 7"`), StartIndex: 1, Count: 1, ExcludeMembers: true})
		require.NoError(t, err)
		require.Len(t, g7.Items, 1)
		// probesBy reports whether every read of index in plan is a probe
		// by (tenant, group_id): one group's rows, never every row of the
		// tenant the index holds.
		probesBy := func(plan, index string) bool {
			lines := strings.Split(plan, "\n")
			for i, l := range lines {
				if isPG(s) {
					if strings.Contains(l, "using "+index+" on ") && (i+1 == len(lines) || !strings.Contains(lines[i+1], "Index Cond:") || !strings.Contains(lines[i+1], "group_id =")) {
						return false
					}
				} else if strings.Contains(l, "INDEX "+index+" ") && !strings.Contains(l, "(tenant=? AND group_id=?)") {
					return false
				}
			}
			return true
		}
		// A filter on groups.value eq: the direct memberships by group, the
		// walk down from that group by the partial index of nested groups by
		// group, one probe per group within it; it reads neither every user
		// or membership of the tenant nor its whole nesting (the walk up,
		// scim_members_group_member), with or without a nested group. A
		// filter of another shape walks up from every nested group.
		for _, nested := range []bool{false, true} {
			t.Run(fmt.Sprintf("groups.value eq, nested %v", nested), func(t *testing.T) {
				if nested {
					g8, err := s.ListGroups(tctx, store.Query{Filter: mustParse(t, `displayName eq "Group 8"`), StartIndex: 1, Count: 1, ExcludeMembers: true})
					require.NoError(t, err)
					require.Len(t, g8.Items, 1)
					_, err = s.ModifyMembers(tctx, g7.Items[0].ID, []string{g8.Items[0].ID}, nil, "")
					require.NoError(t, err)
					analyze(t, s)
				}
				for _, f := range []string{`groups.value eq "` + g7.Items[0].ID + `"`, `groups[value eq "` + g7.Items[0].ID + `" and type eq "indirect"]`, `not (groups.value eq "` + g7.Items[0].ID + `")`} {
					q := store.Query{Filter: mustParse(t, f), StartIndex: 1, Count: 100}
					query, args, err := s.PageSQLForTest(tctx, true, q)
					require.NoError(t, err)
					plan := explain(t, s, query, args...)
					t.Logf("%s\n%s", query, plan)
					assert.True(t, usesIndex(plan, "scim_members_nested_groups"), "%s: plan does not walk down by scim_members_nested_groups:\n%s", f, plan)
					assert.True(t, probesBy(plan, "scim_members_nested_groups"), "%s: plan reads every nested group of the tenant:\n%s", f, plan)
					assert.False(t, usesIndex(plan, "scim_members_group_member"), "%s: plan walks up the tenant's whole nesting:\n%s", f, plan)
					if f[0] == 'n' {
						continue // not: every user is read anyway
					}
					for _, table := range []string{"scim_users", "u", "scim_members", "m", "d", "p", "x"} {
						assert.True(t, noScan(plan, table), "%s: plan scans %s:\n%s", f, table, plan)
					}
				}
				p, err := s.ListUsers(tctx, store.Query{Filter: mustParse(t, `groups.value eq "`+g7.Items[0].ID+`"`), StartIndex: 1, Count: 100})
				require.NoError(t, err)
				want := 1
				if nested {
					want = 2 // user 8, through group 8
				}
				assert.Equal(t, want, p.Total)
				q := store.Query{Filter: mustParse(t, `groups[type eq "indirect" and display eq "group 7"]`), StartIndex: 1, Count: 100}
				query, args, err := s.PageSQLForTest(tctx, true, q)
				require.NoError(t, err)
				plan := explain(t, s, query, args...)
				t.Logf("%s\n%s", query, plan)
				assert.True(t, usesIndex(plan, "scim_members_group_member"), "plan does not walk up from the nested groups by scim_members_group_member:\n%s", plan)
				assert.False(t, usesIndex(plan, "scim_members_nested_groups"), "plan walks down, from no group:\n%s", plan)
				assert.True(t, noScan(plan, "p") && noScan(plan, "x"), "plan scans memberships:\n%s", plan)
				p, err = s.ListUsers(tctx, q)
				require.NoError(t, err)
				want = 0
				if nested {
					want = 1 // user 8, through group 8
				}
				assert.Equal(t, want, p.Total)
			})
		}
		removeOne, removeOneArgs := s.SQLDeleteMembersForTest(tenant, bigID, uids[:1])
		removeThree, removeThreeArgs := s.SQLDeleteMembersForTest(tenant, bigID, uids[:3])
		resolveOne, resolveOneArgs := s.SQLResolveForTest("scim_users", tenant, bigID, uids[:1])
		resolveMany, resolveManyArgs := s.SQLResolveForTest("scim_users", tenant, bigID, uids[:20])
		type stmtPlan struct {
			name  string
			query string
			args  []any
			index string // or, after "|", another index that is as good
		}
		stmts := []stmtPlan{
			{"GroupsOf", s.SQLGroupsOfForTest(), []any{tenant, s.ListArgForTest(uids[:3])}, "scim_members_member"},
			{"load members in order", s.SQLLoadMembersForTest(), []any{tenant, g7.Items[0].ID}, "scim_members_order"},
			// by (group, member) or by (member) then group: either way a
			// lookup per removed id, whatever the size of the group
			{"ModifyMembers remove", removeOne, removeOneArgs, pkIndex(s, "scim_members") + "|scim_members_member"},
			{"ModifyMembers remove three", removeThree, removeThreeArgs, pkIndex(s, "scim_members") + "|scim_members_member"},
			{"ModifyMembers resolve users", resolveOne, resolveOneArgs, pkIndex(s, "scim_users")},
			{"ModifyMembers resolve 20 users", resolveMany, resolveManyArgs, pkIndex(s, "scim_users")},
		}
		if !isPG(s) {
			// The forms that change every id's row or none (a tracked
			// change of several ids): the guard probes the same index.
			types := []string{"User", "User", "User"}
			stmts = append(stmts,
				stmtPlan{"ModifyMembers remove three, all or none", s.SQLMembersAllOrNoneForTest(false), removeThreeArgs, pkIndex(s, "scim_members") + "|scim_members_member"},
				stmtPlan{"ModifyMembers add three, all or none", s.SQLMembersAllOrNoneForTest(true), []any{tenant, bigID, sqlstore.SQLitePairsArgForTest(uids[:3], types)}, pkIndex(s, "scim_members") + "|scim_members_member"})
		}
		for _, st := range stmts {
			t.Run(st.name, func(t *testing.T) {
				plan := explain(t, s, st.query, st.args...)
				t.Logf("%s\n%s", st.query, plan)
				ok := false
				for _, ix := range strings.Split(st.index, "|") {
					ok = ok || usesIndex(plan, ix)
				}
				assert.True(t, ok, "plan does not use %s:\n%s", st.index, plan)
				assert.True(t, noScan(plan, "scim_members") && noScan(plan, "m") && noScan(plan, "scim_users"), "plan scans a table:\n%s", plan)
			})
		}
		// A member's display is found by the primary key of the user or
		// group it names (memberDisplay), in the generic plan and in the
		// custom one, which, joining them, hash-joined the group's
		// members with every user and group of the tenant, each read
		// whole: Big holds half the tenant's users.
		t.Run("a member's display by its id", func(t *testing.T) {
			if !isPG(s) {
				t.Skip("SQLite looks each member up by its key, joined or not")
			}
			for _, st := range []struct{ name, query string }{
				{"load members", s.SQLLoadMembersForTest()},
				{"GetGroup", s.SQLGroupWithMembersForTest()},
			} {
				for _, mode := range []string{"force_generic_plan", "force_custom_plan"} {
					plan := strings.Join(explainPG(t, s.DB(), mode, st.query, []any{tenant, bigID}), "\n")
					t.Logf("%s, %s: %s\n%s", st.name, mode, st.query, plan)
					for _, table := range []string{"scim_users", "scim_groups"} {
						assert.NotContains(t, plan, "Seq Scan on "+table+" ", "%s, %s: a member's display is found by its id:\n%s", st.name, mode, plan)
					}
				}
			}
		})
		t.Run("deep pages", func(t *testing.T) { deepPagePlans(t, s, tctx) })
		t.Run("deep pages skip by index", func(t *testing.T) { deepSkipPlans(t, s, tctx) })
	})
}

// pkIndex is the name of the index of table's primary key (PostgreSQL) or
// of its UNIQUE (tenant, id...) constraint (SQLite).
func pkIndex(s *sqlstore.Store, table string) string {
	if isPG(s) {
		return table + "_pkey"
	}
	return "sqlite_autoindex_" + table + "_1"
}

func mustParse(t testing.TB, f string) filter.Expr {
	t.Helper()
	e, err := (&filter.Parser{}).Parse(f)
	require.NoError(t, err, f)
	return e
}

func mustParseWith(t testing.TB, f string, schemas ...string) filter.Expr {
	t.Helper()
	e, err := (&filter.Parser{Schemas: schemas}).Parse(f)
	require.NoError(t, err, f)
	return e
}
