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

// TestPGMemberStatementsPlannedOnce: on PostgreSQL every statement of
// the store's member paths (a one-member add and removal, a change of 3
// in and 3 out, a PUT that replaces one member, a group's read with its
// members, a PUT's read of the member ids) is planned a few times per
// connection and then runs its generic plan, once the tables have
// statistics. Two were planned again on every call: the statement that
// resolves and locks the users added ("id = ANY($2::text[]) … FOR KEY
// SHARE"), whose generic plan reckons on an array of 10 and costs more
// than the custom plan of the one id it is given (the ids are now a
// parameter each, dialect.eachID, as the removals' and the bridge's), and
// the read of a group's members, whose bare group_id parameter the
// planner looked up in the column's statistics (dialect.groupPh). The
// store has one connection, so the test's connection is the one whose
// prepared statements (pgx's cache) the writes made.
func TestPGMemberStatementsPlannedOnce(t *testing.T) {
	dsn := postgresDSN(t)
	s, err := sqlstore.New(ctx, sqlstore.Config{DSN: dsn, MaxOpenConns: 1, NoAnalyze: true})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	users := createUsers(t, s, "plan", 600)
	g, err := s.CreateGroup(ctx, &resources.Group{DisplayName: "plans", Members: memberList(users[500:510])})
	require.NoError(t, err)
	put, err := s.CreateGroup(ctx, &resources.Group{DisplayName: "plans put", Members: memberList(users[510:513])})
	require.NoError(t, err)
	analyze(t, s)
	var before map[string]plans

	// PostgreSQL compares the generic plan with the custom ones after the
	// fifth run: the warm-up's runs, then those counted.
	const warm, runs = 6, 6
	var last []string
	for i := range warm + runs {
		if i == warm {
			before = preparedPlans(t, s)
		}
		one := users[100+i : 101+i]
		_, err := s.ModifyMembers(ctx, g.ID, one, nil, "")
		require.NoError(t, err)
		_, err = s.ModifyMembers(ctx, g.ID, nil, one, "")
		require.NoError(t, err)
		add := users[3*i : 3*i+3]
		_, err = s.ModifyMembers(ctx, g.ID, add, last, "")
		require.NoError(t, err)
		last = add
		next := put.Clone()
		next.Members = memberList(append([]string{users[200+i]}, users[510:512]...))
		put, err = s.ReplaceGroup(ctx, next, "")
		require.NoError(t, err)
		require.Len(t, put.Members, 3)
		_, err = s.GetGroup(ctx, g.ID, store.GetOptions{})
		require.NoError(t, err)
		_, err = s.UpdateGroup(store.WithMemberIDs(ctx), put.ID, "", true, func(*resources.Group) (*resources.Group, error) { return nil, nil })
		require.NoError(t, err)
	}
	checked := map[string]bool{}
	for q, p := range preparedPlans(t, s) {
		if !strings.Contains(q, "scim_members") && !strings.Contains(q, "FOR KEY SHARE") {
			continue
		}
		b := before[q]
		generic, custom := p.generic-b.generic, p.custom-b.custom
		if generic+custom < runs {
			continue // a statement the runs did not repeat
		}
		what := strings.Join(strings.Fields(q), " ")
		switch {
		case strings.Contains(q, "FOR KEY SHARE"):
			checked["resolve"] = true
		case strings.HasPrefix(what, "DELETE FROM scim_members"):
			checked["remove"] = true
		case strings.HasPrefix(what, "INSERT INTO scim_members"):
			checked["add"] = true
		case strings.HasPrefix(what, "SELECT member_id, member_type FROM scim_members"):
			checked["read member ids"] = true
		case strings.Contains(what, "ORDER BY m.seq"):
			checked["read members"] = true
		}
		assert.Zero(t, custom, "planned %d times in %d runs after %d (generic plans %d): %s", custom, generic+custom, warm, generic, what)
	}
	assert.Equal(t, map[string]bool{"resolve": true, "remove": true, "add": true, "read members": true, "read member ids": true}, checked, "the member statements were found")
}

// plans are a prepared statement's counts of plans.
type plans struct{ generic, custom int }

// preparedPlans returns the plan counts of the statements prepared on
// s's one connection (pgx's cache), by statement.
func preparedPlans(t *testing.T, s *sqlstore.Store) map[string]plans {
	t.Helper()
	rows, err := s.DB().QueryContext(ctx, `SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements`)
	require.NoError(t, err)
	defer rows.Close()
	out := map[string]plans{}
	for rows.Next() {
		var q string
		var p plans
		require.NoError(t, rows.Scan(&q, &p.generic, &p.custom))
		out[q] = p
	}
	require.NoError(t, rows.Err())
	return out
}

// TestUpdateGroupMemberIDs: under store.WithMemberIDs (the handler's
// PUT) UpdateGroup hands change the stored members without their names,
// which it does not read, and returns the group's members in full.
func TestUpdateGroupMemberIDs(t *testing.T) {
	forEachDB(t, func(t *testing.T, db opener) {
		s := db.open(t, sqlstore.Config{})
		a, err := s.CreateUser(ctx, &resources.User{UserName: "a@example.com", DisplayName: "A"})
		require.NoError(t, err)
		b, err := s.CreateUser(ctx, &resources.User{UserName: "b@example.com"})
		require.NoError(t, err)
		g, err := s.CreateGroup(ctx, &resources.Group{DisplayName: "ids", Members: memberList([]string{a.ID})})
		require.NoError(t, err)
		for _, tc := range []struct {
			name string
			add  bool
			want []resources.Member
		}{
			{"unchanged", false, []resources.Member{{Value: a.ID, Type: "User", Display: "A"}}},
			{"a member added", true, []resources.Member{{Value: a.ID, Type: "User", Display: "A"}, {Value: b.ID, Type: "User", Display: "b@example.com"}}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				out, err := s.UpdateGroup(store.WithMemberIDs(ctx), g.ID, "", true, func(cur *resources.Group) (*resources.Group, error) {
					assert.Equal(t, []resources.Member{{Value: a.ID, Type: "User"}}, cur.Members, "the members' ids and types, without names")
					if !tc.add {
						return nil, nil
					}
					cur.Members = append(cur.Members, resources.Member{Value: b.ID})
					return cur, nil
				})
				require.NoError(t, err)
				assert.Equal(t, tc.want, out.Members)
			})
		}
	})
}

// TestPGGroupReadsPlannedOnce: the statements that read a group's rows
// of scim_members by its id keep their generic plan on PostgreSQL in a
// tenant of one 20,000-member group and three of 3 members, analyzed: a
// GetGroup of a small group, a PUT's read of its member ids and a
// deletion's (which reports its member changes, ownMembers). With a bare
// group_id parameter, which the planner looks up in the column's most
// common values, the small group's custom plan costs less than the
// generic plan and each was planned again on every call
// (dialect.groupPh).
func TestPGGroupReadsPlannedOnce(t *testing.T) {
	dsn := postgresDSN(t)
	s, err := sqlstore.New(ctx, sqlstore.Config{DSN: dsn, MaxOpenConns: 1, NoAnalyze: true})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	const big = 20_000
	users := make([]*resources.User, big)
	for i := range users {
		users[i] = &resources.User{UserName: fmt.Sprintf("plan%d@example.com", i)}
	}
	uids, err := s.SeedUsersForTest(ctx, "", users)
	require.NoError(t, err)
	gids, err := s.SeedGroupsForTest(ctx, "", []*resources.Group{{DisplayName: "big"}, {DisplayName: "a"}, {DisplayName: "b"}, {DisplayName: "c"}})
	require.NoError(t, err)
	require.NoError(t, s.SeedMembersForTest(ctx, "", gids[0], "User", uids))
	for i, gid := range gids[1:] {
		require.NoError(t, s.SeedMembersForTest(ctx, "", gid, "User", uids[3*i:3*i+3]))
	}
	analyze(t, s)

	const warm, runs = 6, 6
	var before map[string]plans
	for i := range warm + runs {
		if i == warm {
			before = preparedPlans(t, s)
		}
		small, err := s.GetGroup(ctx, gids[1], store.GetOptions{})
		require.NoError(t, err)
		require.Len(t, small.Members, 3)
		_, err = s.UpdateGroup(store.WithMemberIDs(ctx), gids[2], "", true, func(*resources.Group) (*resources.Group, error) { return nil, nil })
		require.NoError(t, err)
		del, err := s.CreateGroup(ctx, &resources.Group{DisplayName: fmt.Sprint("deleted ", i), Members: memberList(uids[100+i : 101+i])})
		require.NoError(t, err)
		require.NoError(t, s.DeleteGroup(store.WithReport(ctx, &store.Report{}), del.ID, ""))
	}
	checked := map[string]bool{}
	for q, p := range preparedPlans(t, s) {
		what := strings.Join(strings.Fields(q), " ")
		var name string
		switch {
		case strings.Contains(what, "FROM scim_members m WHERE") && strings.HasSuffix(what, "ORDER BY 1, 10"):
			name = "group with members"
		case strings.HasPrefix(what, "SELECT member_id, member_type FROM scim_members"):
			name = "a PUT's member ids"
		case strings.HasPrefix(what, "SELECT member_id FROM scim_members") && strings.HasSuffix(what, "ORDER BY seq"):
			name = "a deletion's member ids"
		default:
			continue
		}
		checked[name] = true
		b := before[q]
		generic, custom := p.generic-b.generic, p.custom-b.custom
		assert.Equal(t, runs, generic+custom, "%s: %s", name, what)
		assert.Zero(t, custom, "%s planned %d times in %d runs after %d (generic plans %d): %s", name, custom, generic+custom, warm, generic, what)
	}
	assert.Equal(t, map[string]bool{"group with members": true, "a PUT's member ids": true, "a deletion's member ids": true}, checked, "the statements were found")
}

// createUsers creates n users named prefix0@example.com and on, one
// CreateUser each, and returns their ids.
func createUsers(t *testing.T, s *sqlstore.Store, prefix string, n int) []string {
	t.Helper()
	ids := make([]string, n)
	for i := range ids {
		u, err := s.CreateUser(ctx, &resources.User{UserName: fmt.Sprintf("%s%d@example.com", prefix, i)})
		require.NoError(t, err)
		ids[i] = u.ID
	}
	return ids
}
