package sqlstore_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/sqlstore"
)

// BenchmarkListRoundTrips measures, at the store, the lists whose round
// trips TestRoundTripBudget counts: the lookups identity providers send
// before a create or a push (a group by displayName with its 10 members
// and without them, a user by userName, found and not), a list's total
// alone (count=0), a page past the end and a first page of groups with
// their members. 1,000 users, 100 groups of 10 members, analyzed.
// Besides ns/op it reports, on a PostgreSQL server on this machine, the
// CPU its backend spends (pg-cpu-µs/op, as BenchmarkHandlerReads: run a
// few thousand iterations). One connection (MaxOpenConns 1), so that the
// backend is one process.
func BenchmarkListRoundTrips(b *testing.B) {
	for _, db := range databases() {
		b.Run(db.name, func(b *testing.B) {
			const n, groups = 1000, 100
			s, app := teamsStore(b, db, "scimlist_", n, groups, 10)
			c := store.WithTenant(ctx, "")
			userQ := func(f string, start, count int) func(i int) store.Query {
				return func(i int) store.Query {
					q := store.Query{StartIndex: start, Count: count}
					if f != "" {
						q.Filter = mustParse(b, fmt.Sprintf(f, i%n))
					}
					return q
				}
			}
			groupQ := func(f string, start, count int, exclude bool) func(i int) store.Query {
				return func(i int) store.Query {
					q := store.Query{StartIndex: start, Count: count, ExcludeMembers: exclude}
					if f != "" {
						q.Filter = mustParse(b, fmt.Sprintf(f, i%groups))
					}
					return q
				}
			}
			for _, bc := range []struct {
				name  string
				users bool
				query func(i int) store.Query
				want  int // Total
			}{
				{"group_displayName_eq", false, groupQ(`displayName eq "Team %d"`, 1, 100, false), 1},
				{"group_displayName_eq_no_members", false, groupQ(`displayName eq "Team %d"`, 1, 100, true), 1},
				{"userName_eq", true, userQ(`userName eq "user%06d@example.com"`, 1, 100), 1},
				{"userName_eq_miss", true, userQ(`userName eq "nobody%06d@example.com"`, 1, 100), 0},
				{"users_count_0", true, userQ(``, 1, 0), n},
				{"users_past_the_end", true, userQ(``, 5000, 10), n},
				{"groups_page_with_members", false, groupQ(``, 1, 10, false), groups},
			} {
				b.Run(bc.name, func(b *testing.B) {
					qs := make([]store.Query, n)
					for i := range qs {
						qs[i] = bc.query(i)
					}
					run := func(i int) {
						var total int
						var err error
						if bc.users {
							var p store.Page[*resources.User]
							p, err = s.ListUsers(c, qs[i%n])
							total = p.Total
						} else {
							var p store.Page[*resources.Group]
							p, err = s.ListGroups(c, qs[i%n])
							total = p.Total
						}
						if err != nil || total != bc.want {
							b.Fatal(err, total)
						}
					}
					loopBackend(b, s, app, 20, run)
				})
			}
		})
	}
}

// teamsStore opens a store of one connection on db (on PostgreSQL
// named app, for backendPIDs) holding n users and groups "Team i" of
// size users each (users i*size to i*size+size-1), analyzed.
func teamsStore(b *testing.B, db opener, prefix string, n, groups, size int) (*sqlstore.Store, string) {
	app := prefix + randomHex(4)
	dsn := db.dsn(b)
	if db.name == "postgres" {
		dsn = withApplicationName(b, dsn, app)
	}
	s, err := sqlstore.New(ctx, sqlstore.Config{DSN: dsn, MaxOpenConns: 1})
	require.NoError(b, err)
	b.Cleanup(func() { s.Close() })
	users := make([]*resources.User, n)
	for i := range users {
		users[i] = seedUser(i)
	}
	uids, err := s.SeedUsersForTest(ctx, "", users)
	require.NoError(b, err)
	gs := make([]*resources.Group, groups)
	for i := range gs {
		gs[i] = &resources.Group{DisplayName: fmt.Sprintf("Team %d", i)}
	}
	gids, err := s.SeedGroupsForTest(ctx, "", gs)
	require.NoError(b, err)
	for i, g := range gids {
		require.NoError(b, s.SeedMembersForTest(ctx, "", g, "User", uids[i*size:i*size+size]))
	}
	analyze(b, s)
	return s, app
}

// loopBackend runs run warm times, then under b.Loop, reporting
// allocations and, on PostgreSQL, the CPU app's backend spends a run
// (pg-cpu-µs/op).
func loopBackend(b *testing.B, s *sqlstore.Store, app string, warm int, run func(i int)) {
	for i := range warm {
		run(i)
	}
	pids := backendPIDs(b, s, app)
	pg0 := backendCPU(pids)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		run(i)
	}
	if pids != nil {
		b.ReportMetric(float64((backendCPU(pids)-pg0).Microseconds())/float64(b.N), "pg-cpu-µs/op")
	}
}
