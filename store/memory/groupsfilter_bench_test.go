package memory_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
)

// BenchmarkListUsersGroupsFilter lists users by a filter on groups among
// 10,000 users in 1,000 groups of 10 ("Group 0" to "Group 999"), a page of
// up to 100 with each user's groups, as the handler lists them:
//   - value: groups.value eq, whose candidates the group's members are
//     (10 users);
//   - display: groups.display sw, which no index answers: every user is a
//     candidate, its groups read for the filter (100 users match);
//   - nested: display's filter in a tenant where each group i < 500 is
//     a member of group 500+i, so half the users have an indirect group.
func BenchmarkListUsersGroupsFilter(b *testing.B) {
	ctx := context.Background()
	for _, nested := range []bool{false, true} {
		s, ids := seeded(b, 10_000)
		gids := make([]string, 1000)
		for i := range gids {
			ms := make([]resources.Member, 0, 11)
			for _, id := range ids[10*i : 10*i+10] {
				ms = append(ms, resources.Member{Value: id})
			}
			if nested && i >= 500 {
				ms = append(ms, resources.Member{Value: gids[i-500]})
			}
			g, err := s.CreateGroup(ctx, &resources.Group{DisplayName: fmt.Sprintf("Group %d", i), Members: ms})
			if err != nil {
				b.Fatal(err)
			}
			gids[i] = g.ID
		}
		for _, tc := range []struct {
			name, filter string
			want         int
		}{
			{"value", `groups.value eq "` + gids[12] + `"`, 10},
			{"display", `groups.display sw "Group 12"`, 110},
		} {
			name := "flat/" + tc.name
			if nested {
				if tc.name == "value" {
					continue
				}
				name = "nested/" + tc.name
			}
			b.Run(name, func(b *testing.B) {
				e, err := filter.Parse(tc.filter)
				if err != nil {
					b.Fatal(err)
				}
				q := store.Query{Filter: e, StartIndex: 1, Count: 100, ReadOnly: true}
				// The users' documents are rendered on first use: not here.
				if _, err := s.ListUsers(ctx, q); err != nil {
					b.Fatal(err)
				}
				b.ReportAllocs()
				for b.Loop() {
					p, err := s.ListUsers(ctx, q)
					if err != nil || p.Total != tc.want {
						b.Fatal(p.Total, err)
					}
				}
			})
		}
	}
}
