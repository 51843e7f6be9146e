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

// TestListReadOnlyAllocations: a list with store.Query.ReadOnly copies
// its page out in as few allocations as the page allows (one block for a
// lookup's one user with the page's slice, a slab and a slice for more),
// where each user's deep copy is one of its own and the page's slice
// another. The counts are the whole ListUsers call's (the candidates and
// query.Select's work too); the groups are left out so that only the
// copy differs.
func TestListReadOnlyAllocations(t *testing.T) {
	if race.Enabled {
		t.Skip("the race detector allocates on its own")
	}
	ctx := context.Background()
	db := memory.New()
	for i := range 20 {
		_, err := db.CreateUser(ctx, &resources.User{UserName: fmt.Sprintf("u%d", i), Active: resources.Bool(true),
			Name:       &resources.Name{GivenName: "G"},
			Emails:     []resources.MultiValue{{Value: fmt.Sprintf("u%d@example.com", i), Primary: resources.Bool(true)}},
			Enterprise: &resources.EnterpriseUser{Department: "D"}})
		require.NoError(t, err)
	}
	for _, c := range []struct {
		name           string
		q              store.Query
		copied, viewed float64
	}{
		{"lookup", store.Query{Filter: parse(t, `userName eq "u3"`), StartIndex: 1, Count: 10, ExcludeGroups: true}, 3, 2},
		{"page of 10", store.Query{StartIndex: 1, Count: 10, ExcludeGroups: true}, 24, 15},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, readOnly := range []bool{false, true} {
				q := c.q
				q.ReadOnly = readOnly
				got := testing.AllocsPerRun(100, func() {
					p, err := db.ListUsers(ctx, q)
					if err != nil || len(p.Items) == 0 {
						t.Fatal(err, len(p.Items))
					}
				})
				want := c.copied
				if readOnly {
					want = c.viewed
				}
				t.Logf("ReadOnly %v: %.0f", readOnly, got)
				require.Equal(t, want, got, "allocations of ListUsers, ReadOnly %v", readOnly)
			}
		})
	}
}
