package sqlstore_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/sqlstore"
)

// BenchmarkDeleteUserStaleStatistics measures a user's delete (the
// user in three groups, whose versions it bumps) on PostgreSQL whose
// statistics date from the tenant's first group: ANALYZE ran when the
// tenant had one group, then groups=N groups and N users landed, never
// analyzed (autovacuum off on the tables, as when it lags behind a
// push). /analyzed runs ANALYZE after the push instead: the delete as
// it costs on fresh statistics. Each iteration deletes another user, so
// -test.benchtime must not exceed N iterations (300x is the figure in
// BENCHMARKS.md). Each iteration also deletes a user in no group, in
// turn first or second: the commit and the user's own row cost both the
// same, so the ratio (delete/nogroup) shows what the groups cost, on a
// machine whose disk's flushes vary more than that:
//
//	go test -c -o /tmp/b.test ./store/sqlstore/
//	SCIM_TEST_POSTGRES_URL=… /tmp/b.test -test.run=NONE -test.bench=BenchmarkDeleteUserStaleStatistics -test.benchtime=300x
func BenchmarkDeleteUserStaleStatistics(b *testing.B) {
	const tenant = "bench"
	tctx := store.WithTenant(ctx, tenant)
	for _, n := range []int{1500, 10000} {
		for _, analyzed := range []bool{false, true} {
			name := fmt.Sprintf("groups=%d", n)
			if analyzed {
				name += "/analyzed"
			}
			b.Run(name, func(b *testing.B) {
				if b.N > n {
					b.Fatalf("at most %d iterations (-test.benchtime=%dx)", n, n)
				}
				s := openWith(postgresDSN)(b, sqlstore.Config{})
				tables := strings.Join(statTables, ", ")
				noAutovacuum(b, s)
				_, err := s.SeedGroupsForTest(ctx, tenant, []*resources.Group{{DisplayName: "first"}})
				require.NoError(b, err)
				_, err = s.DB().ExecContext(ctx, `ANALYZE `+tables)
				require.NoError(b, err)
				users := make([]*resources.User, 2*n) // the second half in no group
				for i := range users {
					users[i] = seedUser(i)
				}
				uids, err := s.SeedUsersForTest(ctx, tenant, users)
				require.NoError(b, err)
				groups := make([]*resources.Group, n)
				for i := range groups {
					groups[i] = &resources.Group{DisplayName: fmt.Sprintf("team %d", i)}
				}
				gids, err := s.SeedGroupsForTest(ctx, tenant, groups)
				require.NoError(b, err)
				mg, mu := threeGroupsEach(gids, uids)
				require.NoError(b, s.SeedMembershipsForTest(ctx, tenant, "User", mg, mu))
				if analyzed {
					_, err = s.DB().ExecContext(ctx, `ANALYZE `+tables)
					require.NoError(b, err)
				}
				var inGroups, alone time.Duration
				del := func(id string, d *time.Duration) {
					t := time.Now()
					if err := s.DeleteUser(tctx, id, ""); err != nil {
						b.Fatal(err)
					}
					*d += time.Since(t)
				}
				b.ResetTimer()
				for i := range b.N {
					if i%2 == 0 {
						del(uids[i], &inGroups)
						del(uids[n+i], &alone)
					} else {
						del(uids[n+i], &alone)
						del(uids[i], &inGroups)
					}
				}
				b.ReportMetric(float64(inGroups.Microseconds())/1000/float64(b.N), "ms/delete")
				b.ReportMetric(float64(alone.Microseconds())/1000/float64(b.N), "ms/nogroup")
				b.ReportMetric(float64(inGroups)/float64(alone), "delete/nogroup")
			})
		}
	}
}
