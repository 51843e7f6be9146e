package sqlstore_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/sqlstore"
)

// BenchmarkResidualGroupsList measures a list of users finished in Go
// whose filter names groups, against a GetUser in the same iteration, on
// 10,000 users in 1,000 groups of 10 ("Group 0" to "Group 999"),
// analyzed. The filter's userName prefix is its SQL part, which keeps the
// candidates; the rest (the acme extension's integer, which no column
// holds, or a group's display) is evaluated in Go on them, with each
// candidate's groups:
//   - 10: userName sw "user00012" keeps 10 users;
//   - 1000: userName sw "user000" keeps 1,000.
//
// It reports each one's time and list/GetUser: the ratio is what the
// list costs, measured against a read the change leaves alone.
func BenchmarkResidualGroupsList(b *testing.B) {
	const tenant = "bench"
	tctx := store.WithTenant(ctx, tenant)
	for _, db := range databases() {
		b.Run(db.name, func(b *testing.B) {
			s := db.open(b, sqlstore.Config{Model: acmeModel(b)})
			uids := seedUsers(b, s, tenant, 10_000)
			groups := make([]*resources.Group, len(uids)/10)
			for i := range groups {
				groups[i] = &resources.Group{DisplayName: fmt.Sprintf("Group %d", i)}
			}
			gids, err := s.SeedGroupsForTest(ctx, tenant, groups)
			require.NoError(b, err)
			of := make([]string, len(uids))
			for i := range uids {
				of[i] = gids[i/10]
			}
			require.NoError(b, s.SeedMembershipsForTest(ctx, tenant, "User", of, uids))
			analyze(b, s)
			for _, tc := range []struct {
				name, prefix string
				want         int
			}{{"10", "user00012", 10}, {"1000", "user000", 20}} {
				b.Run(tc.name, func(b *testing.B) {
					// Group 12 (users 120 to 129) and Group 55 (550 to 559).
					f := mustParse(b, `userName sw "`+tc.prefix+`" and (`+acme+`:level gt 2 or groups.display eq "Group 12" or groups.display eq "Group 55")`)
					var get, list time.Duration
					for i := 0; b.Loop(); i++ {
						t := time.Now()
						if _, err := s.GetUser(tctx, uids[(i*7919)%len(uids)], store.GetOptions{}); err != nil {
							b.Fatal(err)
						}
						get += time.Since(t)
						t = time.Now()
						p, err := s.ListUsers(tctx, store.Query{Filter: f, StartIndex: 1, Count: 100})
						list += time.Since(t)
						if err != nil {
							b.Fatal(err)
						}
						if p.Total != tc.want {
							b.Fatalf("%d users, want %d", p.Total, tc.want)
						}
					}
					b.ReportMetric(float64(get.Nanoseconds())/float64(b.N), "GetUser-ns/op")
					b.ReportMetric(float64(list.Nanoseconds())/float64(b.N), "list-ns/op")
					b.ReportMetric(float64(list)/float64(get), "list/GetUser")
				})
			}
		})
	}
}
