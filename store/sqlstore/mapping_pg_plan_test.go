package sqlstore_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store/sqlstore"
)

// TestHostTablesPGMemberListsPlannedOnce: on PostgreSQL the statements
// that carry the bridge's join rows of several members (a change of 3
// members in and 3 out, whose version's UPDATE folds both; a group's
// create with 3 members) are planned once per connection and then run
// their generic plan, as every other statement of a write does, each id
// a parameter of its own. With the ids as one array ("= ANY($n::text[])")
// PostgreSQL planned the 3-in-3-out statement again on every run (with
// the benchmark's 10,000 accounts and a join table analyzed with rows in
// it, as the test's): its generic plan reckons on an array of 10 and
// costs more than the custom plan of 3, so it never kept it, and the
// change spent twice its execution planning.
// The store has one connection, so the test's connection is the one
// whose prepared statements (pgx's cache) the writes made.
func TestHostTablesPGMemberListsPlannedOnce(t *testing.T) {
	s, users, gid := bridgePlanStore(t)
	const runs = 12 // PostgreSQL compares the generic plan with the custom ones after the fifth
	var last []string
	for i := range runs {
		add := users[3*i : 3*i+3]
		_, err := s.ModifyMembers(ctx, gid, add, last, "")
		require.NoError(t, err)
		last = add
		_, err = s.CreateGroup(ctx, &resources.Group{DisplayName: fmt.Sprint("team ", i), Members: memberList(users[40+i : 43+i])})
		require.NoError(t, err)
	}
	var n int
	require.NoError(t, s.DB().QueryRowContext(ctx, `SELECT count(*) FROM app_team_members`).Scan(&n))
	require.Equal(t, 10+3+3*runs, n, "the join rows were written")

	conn, err := s.DB().Conn(ctx)
	require.NoError(t, err)
	defer conn.Close()
	rows, err := conn.QueryContext(ctx, `SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements WHERE statement LIKE '%host_added%'`)
	require.NoError(t, err)
	defer rows.Close()
	checked := map[string]bool{}
	for rows.Next() {
		var q string
		var generic, custom int
		require.NoError(t, rows.Scan(&q, &generic, &custom))
		if generic+custom < runs-1 {
			continue // a statement the runs did not repeat (the first member change, removing nothing)
		}
		what := "create"
		if strings.Contains(q, "host_removed") {
			what = "3 in, 3 out"
		}
		checked[what] = true
		assert.LessOrEqual(t, custom, 5, "%s: planned %d times in %d runs (generic plans %d): %s", what, custom, generic+custom, generic, q)
		assert.NotContains(t, q, "ANY(", "%s: a list of 3 ids is a parameter each", what)
	}
	require.NoError(t, rows.Err())
	assert.Equal(t, map[string]bool{"create": true, "3 in, 3 out": true}, checked, "the statements of both writes were found")
}

// TestPGLongMemberListsPlannedOnce: on PostgreSQL a member change of
// more ids than are bound one parameter each (17 to 200 here; a
// provider's push of thousands), whose ids are one array, keeps its
// generic plan too, the store's statements (the resolve, the insert, the
// removal) and the bridge's: the generic plan reckons on an array of 10
// and costs less than the custom plan of a longer one, so PostgreSQL
// keeps it after the first five runs of each statement, whatever the
// lengths (dialect.eachID).
func TestPGLongMemberListsPlannedOnce(t *testing.T) {
	s, users, gid := bridgePlanStore(t)
	const rounds = 4
	sizes := []int{17, 40, 200} // each round: an add and a removal of each
	for i := range rounds {
		for _, n := range sizes {
			ids := users[i : i+n]
			_, err := s.ModifyMembers(ctx, gid, ids, nil, "")
			require.NoError(t, err)
			_, err = s.ModifyMembers(ctx, gid, nil, ids, "")
			require.NoError(t, err)
		}
	}
	runs := rounds * len(sizes)
	checked := map[string]bool{}
	for q, p := range preparedPlans(t, s) {
		what := strings.Join(strings.Fields(q), " ")
		if !strings.Contains(what, "::text[]") || p.generic+p.custom < runs {
			continue
		}
		var name string
		switch {
		case strings.Contains(what, "host_added"):
			name = "bridge add"
		case strings.Contains(what, "host_removed"):
			name = "bridge remove"
		case strings.Contains(what, "FOR KEY SHARE"):
			name = "resolve"
		case strings.HasPrefix(what, "INSERT INTO scim_members"):
			name = "add"
		case strings.HasPrefix(what, "DELETE FROM scim_members"):
			name = "remove"
		default:
			continue
		}
		checked[name] = true
		assert.LessOrEqual(t, p.custom, 5, "%s planned %d times in %d runs (generic plans %d): %s", name, p.custom, p.generic+p.custom, p.generic, what)
	}
	assert.Equal(t, map[string]bool{"bridge add": true, "bridge remove": true, "resolve": true, "add": true, "remove": true}, checked, "the statements were found")
}

// bridgePlanStore returns a PostgreSQL store of one connection (so that
// the test's connection is the one whose prepared statements, pgx's
// cache, the writes made) with the mapping bridge over hostSchema, the
// host's 10,000 accounts SCIM does not manage (with few rows both plans
// cost alike whatever the ids), 600 users and a group of users[500:510],
// analyzed.
func bridgePlanStore(t *testing.T) (s *sqlstore.Store, users []string, gid string) {
	t.Helper()
	dsn := postgresDSN(t)
	bridge, err := hostTables(true, false).Bridge(dsn)
	require.NoError(t, err)
	s, err = sqlstore.New(ctx, sqlstore.Config{DSN: dsn, Bridge: bridge, MaxOpenConns: 1, NoAnalyze: true})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	for _, q := range hostSchema(true, false) {
		_, err := s.DB().Exec(q)
		require.NoError(t, err)
	}
	_, err = s.DB().Exec(`INSERT INTO app_users (email) SELECT 'app' || i || '@example.com' FROM generate_series(1, 10000) AS i`)
	require.NoError(t, err)
	users = createUsers(t, s, "u", 600)
	g, err := s.CreateGroup(ctx, &resources.Group{DisplayName: "several", Members: memberList(users[500:510])})
	require.NoError(t, err)
	analyze(t, s)
	return s, users, g.ID
}

// TestHostTablesAnalyzedAsTheyGrow: on PostgreSQL the store analyzes the
// host's tables its Config.Bridge writes as they grow, as it does its
// own, so that the plans its connections cached while they were small
// live until a table doubles at most. One connection creates 8 groups
// of 3 members while the host has a handful of teams (each join row's
// foreign key check of its team is then a cached plan made on a tiny
// app_teams), then 1,000 more; the next group's create may read a few
// rows of app_teams. Without the host's tables among those analyzed
// (and autovacuum kept out), each of its 3 join rows' check scanned
// every team: 3,000 rows, growing with every group created.
func TestHostTablesAnalyzedAsTheyGrow(t *testing.T) {
	dsn := postgresDSN(t)
	bridge, err := hostTables(true, false).Bridge(dsn)
	require.NoError(t, err)
	s, err := sqlstore.New(ctx, sqlstore.Config{DSN: dsn, Bridge: bridge, MaxOpenConns: 1})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	for _, q := range hostSchema(true, false) {
		_, err := s.DB().Exec(q)
		require.NoError(t, err)
	}
	for _, table := range []string{"app_teams", "app_team_members"} {
		// Autovacuum's own ANALYZE would replan the checks under the test.
		_, err := s.DB().Exec(`ALTER TABLE ` + table + ` SET (autovacuum_analyze_threshold = 1000000000)`)
		require.NoError(t, err)
	}
	members := memberList(createUsers(t, s, "m", 3))
	analyze(t, s)
	create := func(i int) {
		_, err := s.CreateGroup(ctx, &resources.Group{DisplayName: fmt.Sprintf("team %d", i), Members: members})
		require.NoError(t, err)
	}
	const teams = 1008
	for i := range teams {
		create(i)
	}
	// What the next write's check would do, so that the test does not
	// depend on when the background check ran.
	_, _, err = s.AnalyzeForTest(ctx)
	require.NoError(t, err)

	reads := func() int64 {
		var n int64
		_, err := s.DB().ExecContext(ctx, `SELECT pg_stat_force_next_flush()`)
		require.NoError(t, err)
		require.NoError(t, s.DB().QueryRowContext(ctx, `SELECT coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0)
			FROM pg_stat_user_tables WHERE schemaname = current_schema() AND relname = 'app_teams'`).Scan(&n))
		return n
	}
	before := reads()
	create(teams)
	n := reads() - before
	assert.LessOrEqual(t, n, int64(20), "a group's create read %d rows of %d teams", n, teams+1)
}
