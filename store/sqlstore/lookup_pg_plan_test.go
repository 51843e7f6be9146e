package sqlstore_test

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/sqlstore"
)

// TestLookupPlansWithoutStatisticsPG: the lookups identity providers send
// (Entra's and Okta's matching rules, a group pushed by name, a test
// connection's id, a member's groups) find their few rows on PostgreSQL
// before the first ANALYZE of the tables, as during and just after a
// provider's first big push: planned afresh, generic plan and custom,
// part way through the push (2,000 users, 500 groups) and at its end
// (20,000 and 5,000), and at the end with the generic plan a connection
// made and cached part way through (a pooled connection keeps a prepared
// statement's generic plan until an invalidation, such as ANALYZE's, makes
// it plan again). No plan may read more than 50 rows, counting those its
// filters remove, nor scan a table.
//
// Without statistics PostgreSQL takes every equality for selective, and
// among paths of about the same estimated cost keeps one whose order a
// join could use: it found emails[type eq "work"].value eq, and every
// other email lookup, along scim_user_values' primary key (tenant,
// user_id, ...), reading every email of the tenant: 3,000 rows at 2,000
// users, and 30,000 at 20,000 with the plan cached at 2,000.
//
// Smaller tables are left out: below a few hundred rows every estimate
// rounds to one row and the planner's choice among the indexes that lead
// with the tenant is a tie; reading such a table whole costs little, but
// a generic plan cached then can read the tenant's rows until an ANALYZE
// makes it plan again: autovacuum's first (after 50 rows written, within
// autovacuum_naptime), or the store's own once the table has doubled
// from 8 pages (TestPlansCachedWhileSmall).
func TestLookupPlansWithoutStatisticsPG(t *testing.T) {
	s := openWith(postgresDSN)(t, sqlstore.Config{})
	noAutovacuum(t, s)
	const (
		tenant = "acme"
		early  = 2000  // users when the connection plans the lookups
		n      = 20000 // users at the end of the push
		groups = n / 4
		k      = 4 // the user and the group looked up (even: a user with a home email too)
	)
	tctx := store.WithTenant(ctx, tenant)
	users := make([]*resources.User, n)
	for i := range users {
		u := &resources.User{
			UserName:   fmt.Sprintf("user%06d@example.com", i),
			ExternalID: fmt.Sprintf("ext-%d", i),
			Active:     ptr(true),
			Emails:     []resources.MultiValue{{Value: fmt.Sprintf("user%d@work.example", i), Type: "work", Primary: resources.Bool(true)}},
		}
		if i%2 == 0 {
			u.Emails = append(u.Emails, resources.MultiValue{Value: fmt.Sprintf("user%d@home.example", i), Type: "home"})
		}
		users[i] = u
	}
	gs := make([]*resources.Group, groups)
	for i := range gs {
		gs[i] = &resources.Group{DisplayName: fmt.Sprintf("Group %d", i), ExternalID: fmt.Sprintf("gext-%d", i)}
	}
	// push seeds users [from, to) and their share of the groups, each
	// group i with user i as its member, and all of them in "Everyone".
	var uids, gids []string
	everyone, err := s.SeedGroupsForTest(ctx, tenant, []*resources.Group{{DisplayName: "Everyone"}})
	require.NoError(t, err)
	push := func(from, to int) {
		ids, err := s.SeedUsersForTest(ctx, tenant, users[from:to])
		require.NoError(t, err)
		uids = append(uids, ids...)
		ids, err = s.SeedGroupsForTest(ctx, tenant, gs[from/4:to/4])
		require.NoError(t, err)
		gids = append(gids, ids...)
		require.NoError(t, s.SeedMembersForTest(ctx, tenant, everyone[0], "User", uids[from:to]))
		require.NoError(t, s.SeedMembershipsForTest(ctx, tenant, "User", gids[from/4:to/4], uids[from/4:to/4]))
	}
	push(0, early)

	lookups := []struct {
		users   bool
		filter  string
		want    int  // matches
		members bool // a list of groups with their members (listGroupsWithMembers)
	}{
		{true, `userName eq "USER000004@example.com"`, 1, false},
		{true, `externalId eq "ext-4"`, 1, false},
		{true, `id eq "` + uids[k] + `"`, 1, false},
		{true, `emails[type eq "work"].value eq "User4@work.example"`, 1, false},
		{true, `emails[type eq "work" and value eq "user4@work.example"]`, 1, false},
		{true, `emails[primary eq true].value eq "user4@work.example"`, 1, false},
		{true, `emails.value eq "user4@home.example"`, 1, false},
		{true, `emails eq "user4@home.example"`, 1, false},
		{true, `emails[type eq "home"].value eq "user4@work.example"`, 0, false},
		{true, `userName eq "user000004@example.com" and active eq true`, 1, false},
		{false, `displayName eq "group 4"`, 1, false},
		{false, `displayName eq "group 4"`, 1, true},
		{false, `externalId eq "gext-4"`, 1, false},
		{false, `id eq "` + gids[k] + `"`, 1, false},
		{false, `members[value eq "` + uids[k] + `"]`, 2, false},
		{false, `members.value eq "` + uids[k] + `"`, 2, false},
	}
	type statement struct {
		name, q string
		args    []any
	}
	stmts := make([]statement, len(lookups))
	for i, l := range lookups {
		q := store.Query{Filter: mustParse(t, l.filter), StartIndex: 1, Count: 100, ExcludeMembers: !l.members}
		stmt, args, residual, err := s.ListSQLForTest(tctx, l.users, q)
		require.NoError(t, err)
		require.False(t, residual, l.filter)
		name := l.filter
		if l.members {
			name += " with members"
		}
		stmts[i] = statement{name, stmt, args}
	}
	check := func(t *testing.T, plan []string, st statement) {
		t.Helper()
		rows := readRows(plan)
		assert.LessOrEqual(t, rows, 50, "the lookup reads %d rows:\n%s\n%s", rows, st.q, strings.Join(plan, "\n"))
		for _, line := range plan {
			assert.NotContains(t, line, "Seq Scan", "a lookup scans no table:\n%s\n%s", st.q, strings.Join(plan, "\n"))
		}
	}
	modes := []string{"force_generic_plan", "force_custom_plan"}
	for _, st := range stmts {
		for _, mode := range modes {
			t.Run(fmt.Sprintf("users=%d/%s/%s", early, st.name, mode), func(t *testing.T) {
				check(t, explainPG(t, s.DB(), mode, st.q, st.args), st)
			})
		}
	}

	// One connection makes and caches each statement's generic plan now.
	conn, err := s.DB().Conn(ctx)
	require.NoError(t, err)
	defer conn.Close()
	_, err = conn.ExecContext(ctx, `SET plan_cache_mode = force_generic_plan`)
	require.NoError(t, err)
	for i, st := range stmts {
		_, err := conn.ExecContext(ctx, fmt.Sprintf(`PREPARE early%d AS %s`, i, st.q))
		require.NoError(t, err)
		_, err = conn.ExecContext(ctx, fmt.Sprintf(`EXECUTE early%d(%s)`, i, pgLiterals(t, st.args)))
		require.NoError(t, err)
	}

	push(early, n)
	_, err = s.SeedUsersForTest(ctx, "other", users[:n/10]) // the same names in another tenant
	require.NoError(t, err)
	var analyzed int
	require.NoError(t, s.DB().QueryRowContext(ctx, `SELECT count(*) FROM pg_stats WHERE schemaname = current_schema()`).Scan(&analyzed))
	require.Zero(t, analyzed, "the test needs tables never analyzed")

	for i, st := range stmts {
		for _, mode := range modes {
			t.Run(fmt.Sprintf("users=%d/%s/%s", n, st.name, mode), func(t *testing.T) {
				check(t, explainPG(t, s.DB(), mode, st.q, st.args), st)
			})
		}
		t.Run(fmt.Sprintf("users=%d/%s/generic plan of users=%d", n, st.name, early), func(t *testing.T) {
			plan := queryLines(t, conn, fmt.Sprintf(`EXPLAIN (ANALYZE, COSTS OFF) EXECUTE early%d(%s)`, i, pgLiterals(t, st.args)))
			check(t, plan, st)
			var generic int
			require.NoError(t, conn.QueryRowContext(ctx, `SELECT generic_plans FROM pg_prepared_statements WHERE name = $1`, fmt.Sprintf("early%d", i)).Scan(&generic))
			assert.Equal(t, 2, generic, "the plan made early ran again")
		})
	}
	// and the store answers them
	for _, l := range lookups {
		q := store.Query{Filter: mustParse(t, l.filter), StartIndex: 1, Count: 100, ExcludeMembers: !l.members}
		if l.users {
			p, err := s.ListUsers(tctx, q)
			require.NoError(t, err)
			assert.Equal(t, l.want, p.Total, l.filter)
		} else {
			p, err := s.ListGroups(tctx, q)
			require.NoError(t, err)
			assert.Equal(t, l.want, p.Total, l.filter)
		}
	}
}

// statTables are the store's tables whose statistics the planner's
// choices for a tenant depend on: those it analyzes as they grow.
var statTables = sqlstore.AnalyzeTablesForTest

// noAutovacuum keeps autovacuum off statTables of s's schema, and with it
// the store's own ANALYZE (which leaves such a table alone), so that their
// statistics stay what the test made them (none, or an old ANALYZE's), as
// when autovacuum lags behind a provider's push.
func noAutovacuum(tb testing.TB, s *sqlstore.Store) {
	tb.Helper()
	for _, table := range statTables {
		_, err := s.DB().ExecContext(ctx, `ALTER TABLE `+table+` SET (autovacuum_enabled = false)`)
		require.NoError(tb, err)
	}
}

// threeGroupsEach returns the memberships (group ids, user ids, for
// SeedMembershipsForTest) that put user i of the first len(gids) users in
// groups i, i+n/3 and i+2n/3 (mod n), n = len(gids).
func threeGroupsEach(gids, uids []string) (mg, mu []string) {
	n := len(gids)
	for i := range n {
		for k := range 3 {
			mg, mu = append(mg, gids[(i+k*n/3)%n]), append(mu, uids[i])
		}
	}
	return mg, mu
}

// readRows adds up the rows the nodes of an EXPLAIN ANALYZE plan read:
// those each returned and those its filters removed, over all its loops.
func readRows(plan []string) int {
	total, loops := 0, 1
	num := func(s string) float64 {
		s, _, _ = strings.Cut(strings.TrimSpace(s), " ")
		f, _ := strconv.ParseFloat(strings.TrimRight(s, ")"), 64)
		return f
	}
	for _, line := range plan {
		if _, a, ok := strings.Cut(line, "(actual "); ok {
			loops = 1
			if _, l, ok := strings.Cut(a, " loops="); ok {
				loops = int(num(l))
			}
			if _, r, ok := strings.Cut(a, "rows="); ok {
				total += int(num(r) * float64(loops))
			}
		}
		for _, what := range []string{"Rows Removed by Filter: ", "Rows Removed by Index Recheck: ", "Rows Removed by Join Filter: "} {
			if _, r, ok := strings.Cut(line, what); ok {
				total += int(num(r) * float64(loops)) // an average over the node's loops
			}
		}
	}
	return total
}
