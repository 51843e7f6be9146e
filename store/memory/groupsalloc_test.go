package memory_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/internal/race"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/memory"
)

// TestGroupsFilterAllocations: a filter on groups that no index answers
// reads every candidate's groups into the list's one slice (groupsRead),
// so that in a flat tenant a candidate costs the allocations of its
// document alone: the list of its groups, each group's element
// (query.GroupRefValue: a map and its three strings) and the shallow copy
// of the document they are set in (query.With), 9 for a user in one
// group (10 when each candidate's groups were a slice of their own).
func TestGroupsFilterAllocations(t *testing.T) {
	if race.Enabled {
		t.Skip("the race detector allocates on its own")
	}
	ctx := context.Background()
	allocs := func(n int) float64 {
		db := memory.New()
		var ms []resources.Member
		for i := range n {
			u, err := db.CreateUser(ctx, &resources.User{UserName: fmt.Sprintf("u%d", i)})
			require.NoError(t, err)
			ms = append(ms, resources.Member{Value: u.ID})
		}
		// Every user in one group of its own half: "first" or "second".
		_, err := db.CreateGroup(ctx, &resources.Group{DisplayName: "first", Members: ms[:n/2]})
		require.NoError(t, err)
		_, err = db.CreateGroup(ctx, &resources.Group{DisplayName: "second", Members: ms[n/2:]})
		require.NoError(t, err)
		q := store.Query{Filter: parse(t, `groups.display eq "first"`), StartIndex: 1, Count: 5, ReadOnly: true}
		_, err = db.ListUsers(ctx, q) // documents are rendered on first use
		require.NoError(t, err)
		return testing.AllocsPerRun(50, func() {
			p, err := db.ListUsers(ctx, q)
			if err != nil || p.Total != n/2 || len(p.Items) != 5 {
				t.Fatal(err, p.Total)
			}
		})
	}
	small, large := allocs(20), allocs(120)
	t.Logf("20 users: %.0f, 120 users: %.0f", small, large)
	const perCandidate = 9
	require.InDelta(t, perCandidate, (large-small)/100, 0.2, "allocations a candidate costs (20 users: %.0f, 120: %.0f)", small, large)
}
