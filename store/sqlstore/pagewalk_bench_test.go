package sqlstore_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/sqlstore"
)

// BenchmarkPageWalk is the evidence of what a whole-tenant walk by
// startIndex costs page by page (issue 11: PingFederate lists every group
// to find one, Okta and Google page users by 100): on each database, a
// tenant of SCIM_BENCH_PAGEWALK_USERS users (100,000 by default; 1,000 in
// another tenant) and a tenant's tenth as many groups, seeded in bulk and
// analyzed (and vacuumed on PostgreSQL), the first page of 100, page 500 and the last page of users
// unfiltered, filtered (active eq true) and sorted by userName, each also
// as count=0 (the count alone, what totalResults costs), and the first,
// middle and last page of groups without members. It runs only when
// SCIM_BENCH_PAGEWALK is set, so that CI stays fast; -v logs the plans.
func BenchmarkPageWalk(b *testing.B) {
	if envCount("SCIM_BENCH_PAGEWALK", 0) == 0 {
		b.Skip("set SCIM_BENCH_PAGEWALK=1 to run")
	}
	n := envCount("SCIM_BENCH_PAGEWALK_USERS", 100000)
	ng := n / 10
	const page = 100
	for _, db := range databases() {
		b.Run(db.name, func(b *testing.B) {
			s := db.open(b, sqlstore.Config{})
			big := store.WithTenant(ctx, "walk")
			seedUsersInBatches(b, s, "walk", n)
			seedUsers(b, s, "walk-other", 1000)
			groups := make([]*resources.Group, ng)
			for i := range groups {
				groups[i] = &resources.Group{DisplayName: fmt.Sprintf("Group %06d", i)}
			}
			_, err := s.SeedGroupsForTest(ctx, "walk", groups)
			require.NoError(b, err)
			analyze(b, s)
			if isPG(s) {
				// As autovacuum leaves a table a while after a bulk load:
				// hint bits set and the visibility map current, so that
				// the first list measured does not pay for them.
				_, err := s.DB().ExecContext(ctx, `VACUUM scim_users, scim_groups`)
				require.NoError(b, err)
			}
			active := mustParse(b, `active eq true`)
			nActive := 0
			for i := range n {
				if i%7 != 0 {
					nActive++
				}
			}
			lists := []struct {
				name  string
				q     store.Query
				total int
			}{
				{"all", store.Query{}, n},
				{"active", store.Query{Filter: active}, nActive},
				{"sorted", store.Query{SortBy: "userName"}, n},
			}
			for _, l := range lists {
				for _, pg := range []struct {
					name  string
					start int
				}{{"first", 1}, {"p500", 499*page + 1}, {"last", (l.total-1)/page*page + 1}} {
					q := l.q
					q.StartIndex, q.Count, q.ExcludeGroups = pg.start, page, true
					if testing.Verbose() {
						query, args, err := s.PageSQLForTest(big, true, q)
						require.NoError(b, err)
						b.Logf("%s %s:\n%s\n%s", l.name, pg.name, query, explain(b, s, query, args...))
					}
					want := max(0, min(page, l.total-pg.start+1))
					b.Run("users_"+l.name+"_"+pg.name, func(b *testing.B) {
						for b.Loop() {
							p, err := s.ListUsers(big, q)
							if err != nil || len(p.Items) != want || p.Total != l.total {
								b.Fatal(err, len(p.Items), p.Total)
							}
						}
					})
				}
				q := l.q
				q.StartIndex, q.Count = 1, 0
				b.Run("users_"+l.name+"_count", func(b *testing.B) {
					for b.Loop() {
						p, err := s.ListUsers(big, q)
						if err != nil || p.Total != l.total {
							b.Fatal(err, p.Total)
						}
					}
				})
			}
			for _, pg := range []struct {
				name  string
				start int
			}{{"first", 1}, {"middle", ng/2 + 1}, {"last", (ng-1)/page*page + 1}} {
				q := store.Query{StartIndex: pg.start, Count: page, ExcludeMembers: true}
				want := min(page, ng-pg.start+1)
				b.Run("groups_"+pg.name, func(b *testing.B) {
					for b.Loop() {
						p, err := s.ListGroups(big, q)
						if err != nil || len(p.Items) != want || p.Total != ng {
							b.Fatal(err, len(p.Items), p.Total)
						}
					}
				})
			}
		})
	}
}

// seedUsersInBatches stores seedUser(0) to seedUser(n-1) in tenant in
// bulk (SeedUsersForTest), 20,000 a batch, so that a benchmark's seeding
// of a large tenant holds one batch's rows in memory at a time. edit,
// when not nil, changes the i-th user before it is stored. It returns
// the users' ids.
func seedUsersInBatches(b *testing.B, s *sqlstore.Store, tenant string, n int, edit ...func(i int, u *resources.User)) []string {
	b.Helper()
	const batch = 20000
	ids := make([]string, 0, n)
	for from := 0; from < n; from += batch {
		users := make([]*resources.User, min(batch, n-from))
		for i := range users {
			users[i] = seedUser(from + i)
			for _, e := range edit {
				e(from+i, users[i])
			}
		}
		got, err := s.SeedUsersForTest(ctx, tenant, users)
		require.NoError(b, err)
		ids = append(ids, got...)
	}
	return ids
}
