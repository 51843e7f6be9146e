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
// to 199 (list/GetUser) and, apart, one of groups 0 to 99, which hold no
// group (leaf/GetUser: 10 users in both tenants). The tenants:
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
				list := func(gid string) (time.Duration, int) {
					f := mustParse(b, `groups.value eq "`+gid+`"`)
					t := time.Now()
					p, err := s.ListUsers(tctx, store.Query{Filter: f, StartIndex: 1, Count: 100})
					d := time.Since(t)
					if err != nil {
						b.Fatal(err)
					}
					return d, p.Total
				}
				var get, top, leaf time.Duration
				for i := 0; b.Loop(); i++ {
					k := (i * 7919) % 100
					t := time.Now()
					if _, err := s.GetUser(tctx, uids[k*13%2000], store.GetOptions{}); err != nil {
						b.Fatal(err)
					}
					get += time.Since(t)
					d, n := list(gids[100+k])
					top += d
					if !nested && n != want {
						b.Fatalf("%d users, want %d", n, want)
					}
					d, n = list(gids[k])
					leaf += d
					if n != 10 {
						b.Fatalf("%d users in a group without groups in it, want 10", n)
					}
				}
				b.ReportMetric(float64(get.Nanoseconds())/float64(b.N), "GetUser-ns/op")
				b.ReportMetric(float64(top.Nanoseconds())/float64(b.N), "list-ns/op")
				b.ReportMetric(float64(top)/float64(get), "list/GetUser")
				b.ReportMetric(float64(leaf)/float64(get), "leaf/GetUser")
			})
		}
	}
}
