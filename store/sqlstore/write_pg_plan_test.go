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

// TestWritePlansWithStaleStatistics: on PostgreSQL, every statement of
// a provider's writes finds its rows by key on statistics autovacuum has
// not refreshed since the tenant was small: ANALYZE ran when the tenant
// had one group (and, in the second case, one user and one membership
// too), then 1,500 groups, 20,000 users, a group of all of them and
// three groups for each of 1,500 users were written, never analyzed.
// Each statement the store sent for a user's delete (in three groups and
// the big one), a group's delete (a member of another group), a member
// added to and removed from the big group (one, and three), a group
// replaced, a user deactivated and a user replaced is planned again,
// custom and generic, and run (EXPLAIN ANALYZE, rolled back): none may
// read more than 50 rows of the store's tables, counting those its
// filters remove, nor scan one. With the change feed off, and on with
// the mapping bridge (which folds its work into the delete's and the
// member change's statements).
//
// ANALYZE of one row stores every column as all distinct, the tenant
// too, so "tenant = $1" was estimated at one row and each index that
// leads with the tenant looked as good as the primary key: the user's
// delete read the tenant's 20,000 users to find its row, and bumped its
// groups' versions by a loop over the tenant's 1,500 groups, each
// probing the memberships (3 ms; seconds when the probe walked the
// tenant's memberships too); locking a group read every group. No shape
// of the statement helped (BENCHMARKS.md); PostgreSQL's migration 0007
// keeps a tenant from being taken for a key.
func TestWritePlansWithStaleStatistics(t *testing.T) {
	for _, tc := range []struct {
		name             string
		allTables        bool // one user and one membership analyzed too
		feed, withBridge bool
	}{
		{"one group analyzed", false, false, false},
		{"one group analyzed/feed and bridge", false, true, true},
		{"one row of each analyzed", true, false, false},
		{"one row of each analyzed/feed and bridge", true, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dsn := postgresDSN(t)
			// The seeding store copies rows in (COPY), which the counting
			// store's connections do not offer.
			seed, err := sqlstore.New(ctx, sqlstore.Config{DSN: dsn})
			require.NoError(t, err)
			t.Cleanup(func() { seed.Close() })
			cfg := sqlstore.Config{DSN: dsn, ChangeFeed: tc.feed}
			if tc.withBridge {
				b, err := hostTables(true, false).Bridge(dsn)
				require.NoError(t, err)
				cfg.Bridge = b
			}
			s, log, err := sqlstore.NewCountingForTest(ctx, cfg)
			require.NoError(t, err)
			t.Cleanup(func() { s.Close() })
			writePlansWithStaleStatistics(t, seed, s, log, tc.allTables, tc.withBridge)
		})
	}
}

// writePlansWithStaleStatistics is TestWritePlansWithStaleStatistics on
// one schema: seed fills it, s (whose statements log records) writes.
func writePlansWithStaleStatistics(t *testing.T, seed, s *sqlstore.Store, log *sqlstore.StatementLog, allTables, withBridge bool) {
	exec := func(q string) {
		t.Helper()
		_, err := s.DB().ExecContext(ctx, q)
		require.NoError(t, err, q)
	}
	if withBridge {
		for _, q := range hostSchema(true, false) {
			exec(q)
		}
	}
	noAutovacuum(t, s)
	const tenant = "acme"
	_, err := seed.SeedGroupsForTest(ctx, tenant, []*resources.Group{{DisplayName: "first"}})
	require.NoError(t, err)
	if allTables {
		first, err := seed.SeedUsersForTest(ctx, tenant, []*resources.User{{UserName: "first"}})
		require.NoError(t, err)
		g, err := seed.SeedGroupsForTest(ctx, tenant, []*resources.Group{{DisplayName: "first's"}})
		require.NoError(t, err)
		require.NoError(t, seed.SeedMembersForTest(ctx, tenant, g[0], "User", first))
	}
	exec(`ANALYZE ` + strings.Join(statTables, ", "))

	const nGroups, nUsers = 1500, 20000
	users := make([]*resources.User, nUsers)
	for i := range users {
		users[i] = &resources.User{UserName: fmt.Sprintf("user%d@example.com", i), Active: ptr(true),
			Emails: []resources.MultiValue{{Value: fmt.Sprintf("user%d@work.example", i), Type: "work"}}}
	}
	uids, err := seed.SeedUsersForTest(ctx, tenant, users)
	require.NoError(t, err)
	groups := make([]*resources.Group, nGroups)
	for i := range groups {
		groups[i] = &resources.Group{DisplayName: fmt.Sprintf("team %d", i)}
	}
	gids, err := seed.SeedGroupsForTest(ctx, tenant, groups)
	require.NoError(t, err)
	big, err := seed.SeedGroupsForTest(ctx, tenant, []*resources.Group{{DisplayName: "Everyone"}})
	require.NoError(t, err)
	require.NoError(t, seed.SeedMembersForTest(ctx, tenant, big[0], "User", uids))
	// User i (i < nGroups) is in groups i, i+500 and i+1000; group i is
	// a member of group i+1 for i < 100.
	mg, mu := threeGroupsEach(gids, uids)
	require.NoError(t, seed.SeedMembershipsForTest(ctx, tenant, "User", mg, mu))
	require.NoError(t, seed.SeedMembershipsForTest(ctx, tenant, "Group", gids[1:101], gids[:100]))
	// ANALYZE's count of rows stands (COPY leaves it), and so do its
	// statistics of the tenant: nothing analyzed the tables since.
	var stale int
	require.NoError(t, s.DB().QueryRowContext(ctx, `SELECT count(*) FROM pg_class
		WHERE relnamespace = current_schema()::regnamespace AND relname = ANY($1) AND reltuples <= 2`, statTables).Scan(&stale))
	require.Equal(t, len(statTables), stale, "the test needs statistics older than the tenant's rows")
	require.NoError(t, s.DB().QueryRowContext(ctx, `SELECT count(*) FROM pg_stats
		WHERE schemaname = current_schema() AND tablename = 'scim_groups' AND attname = 'tenant'`).Scan(&stale))
	require.Equal(t, 1, stale, "ANALYZE saw the tenant's first group")

	tctx := store.WithTenant(ctx, tenant)
	writes := []struct {
		name  string
		write func() error
	}{
		{"delete a user in 4 groups", func() error { return s.DeleteUser(tctx, uids[7], "") }},
		{"delete a group in a group", func() error { return s.DeleteGroup(tctx, gids[50], "") }},
		{"remove 1 of 20,000", func() error {
			_, err := s.ModifyMembers(tctx, big[0], nil, uids[3000:3001], "")
			return err
		}},
		{"add 1 to 20,000", func() error {
			_, err := s.ModifyMembers(tctx, big[0], uids[3000:3001], nil, "")
			return err
		}},
		{"remove 3 of 20,000", func() error {
			_, err := s.ModifyMembers(tctx, big[0], nil, uids[3001:3004], "")
			return err
		}},
		{"add 3 to 20,000", func() error {
			_, err := s.ModifyMembers(tctx, big[0], uids[3001:3004], nil, "")
			return err
		}},
		{"add a group and a user to a group", func() error {
			// The group, locked with the group it adds in id order
			// (lockForMembers).
			_, err := s.ModifyMembers(tctx, gids[300], []string{gids[301], uids[4000]}, nil, "")
			return err
		}},
		{"replace a group", func() error {
			_, err := s.ReplaceGroup(tctx, &resources.Group{ID: gids[700], DisplayName: "team 700 renamed",
				Members: []resources.Member{{Value: uids[700]}, {Value: uids[5000]}}}, "")
			return err
		}},
		{"deactivate a user", func() error {
			_, err := s.UpdateUser(tctx, uids[900], "", func(cur *resources.User) (*resources.User, error) {
				cur.Active = ptr(false)
				return cur, nil
			})
			return err
		}},
		{"replace a user", func() error {
			_, err := s.ReplaceUser(tctx, &resources.User{ID: uids[950], UserName: "user950@example.com", Active: ptr(false)}, "")
			return err
		}},
	}
	for _, w := range writes {
		log.Take()
		require.NoError(t, w.write(), w.name)
		events := log.Take()
		require.NotEmpty(t, events)
		for i, e := range events {
			if e.Begin {
				continue
			}
			for _, mode := range []string{"force_custom_plan", "force_generic_plan"} {
				t.Run(fmt.Sprintf("%s/%d/%s", w.name, i, mode), func(t *testing.T) {
					plan := explainPG(t, s.DB(), mode, e.Query, e.Args)
					rows := readRows(storeNodes(plan))
					assert.LessOrEqual(t, rows, 50, "it reads %d rows of the tenant's:\n%s\n%s", rows, e.SQL, strings.Join(plan, "\n"))
					for _, line := range plan {
						assert.NotContains(t, line, "Seq Scan on scim_", "%s\n%s", e.SQL, strings.Join(plan, "\n"))
					}
				})
			}
		}
	}
}

// storeNodes returns the lines of plan that belong to nodes reading the
// store's tables (a node's line and the detail lines under it): the
// host's tables, which the bridge writes, are the host's to index.
func storeNodes(plan []string) []string {
	var out []string
	keep := true
	for _, line := range plan {
		if strings.Contains(line, "(actual ") {
			keep = !strings.Contains(line, " on app_")
		}
		if keep {
			out = append(out, line)
		}
	}
	return out
}
