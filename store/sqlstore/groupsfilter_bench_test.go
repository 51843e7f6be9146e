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

// BenchmarkGroupsFilter measures a list by groups.value eq (the users of
// one group, with their groups, as the handler lists them) against a
// GetUser in the same iteration, on 2,000 users in 200 groups of 10
// ("Group 0" to "Group 199"), analyzed. The list names one of groups 100
// to 199. The tenants:
//   - flat: no group is a member of a group (nearly every tenant), so a
//     filter on groups finds the group's 10 direct members;
//   - nested: each group i < 100 is a member of group 100+i, so the list
//     finds 10 direct and 10 indirect members.
//
// It reports each one's time and list/GetUser: the ratio is what the
// filter costs, measured against a read the change leaves alone.
func BenchmarkGroupsFilter(b *testing.B) {
	const tenant = "bench"
	tctx := store.WithTenant(ctx, tenant)
	for _, db := range databases() {
		for _, nested := range []bool{false, true} {
			name := db.name + "/flat"
			if nested {
				name = db.name + "/nested"
			}
			b.Run(name, func(b *testing.B) {
				s := db.open(b, sqlstore.Config{})
				users := make([]*resources.User, 2000)
				for i := range users {
					users[i] = seedUser(i)
				}
				uids, err := s.SeedUsersForTest(ctx, tenant, users)
				require.NoError(b, err)
				gids := make([]string, 200)
				for i := range gids {
					ms := make([]resources.Member, 0, 11)
					for _, id := range uids[10*i : 10*i+10] {
						ms = append(ms, resources.Member{Value: id})
					}
					if nested && i >= 100 {
						ms = append(ms, resources.Member{Value: gids[i-100]})
					}
					g, err := s.CreateGroup(tctx, &resources.Group{DisplayName: fmt.Sprintf("Group %d", i), Members: ms})
					require.NoError(b, err)
					gids[i] = g.ID
				}
				analyze(b, s)
				want := 10
				if nested {
					want = 20
				}
				var get, list time.Duration
				for i := 0; b.Loop(); i++ {
					k := (i * 7919) % 100
					t := time.Now()
					if _, err := s.GetUser(tctx, uids[k*13%2000], store.GetOptions{}); err != nil {
						b.Fatal(err)
					}
					get += time.Since(t)
					f := mustParse(b, `groups.value eq "`+gids[100+k]+`"`)
					t = time.Now()
					p, err := s.ListUsers(tctx, store.Query{Filter: f, StartIndex: 1, Count: 100})
					list += time.Since(t)
					if err != nil {
						b.Fatal(err)
					}
					if !nested && p.Total != want {
						b.Fatalf("%d users, want %d", p.Total, want)
					}
				}
				b.ReportMetric(float64(get.Nanoseconds())/float64(b.N), "GetUser-ns/op")
				b.ReportMetric(float64(list.Nanoseconds())/float64(b.N), "list-ns/op")
				b.ReportMetric(float64(list)/float64(get), "list/GetUser")
			})
		}
	}
}
