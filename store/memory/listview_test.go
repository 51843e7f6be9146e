package memory_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/filter"
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
		{"page of 10", store.Query{StartIndex: 1, Count: 10, ExcludeGroups: true}, 23, 14},
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

// BenchmarkListReadOnly is a lookup (userName eq, displayName eq of a
// group of ten) and a page of ten, each copied out (copy) and as views
// (view, store.Query.ReadOnly), sub-benchmarks of one run so that
// -count alternates them: BENCHMARKS.md reports the ratio.
func BenchmarkListReadOnly(b *testing.B) {
	ctx := context.Background()
	db := memory.New()
	ids := make([]resources.Member, 0, 10)
	for i := range 100 {
		u, err := db.CreateUser(ctx, &resources.User{UserName: fmt.Sprintf("u%d", i), Active: resources.Bool(true), ExternalID: fmt.Sprint("ext-", i),
			DisplayName: "U", Name: &resources.Name{GivenName: "G", FamilyName: "F", Formatted: "G F"},
			Emails:     []resources.MultiValue{{Value: fmt.Sprintf("u%d@example.com", i), Type: "work", Primary: resources.Bool(true)}},
			Enterprise: &resources.EnterpriseUser{Department: "D"}})
		require.NoError(b, err)
		if len(ids) < 10 {
			ids = append(ids, resources.Member{Value: u.ID})
		}
	}
	_, err := db.CreateGroup(ctx, &resources.Group{DisplayName: "g", Members: ids})
	require.NoError(b, err)
	byName := parse(b, `userName eq "u7"`)
	byGroupName, err := filter.Parser{Schemas: resources.NewGroupType().SchemaURNs()}.Parse(`displayName eq "g"`)
	require.NoError(b, err)
	for _, c := range []struct {
		name string
		list func(readOnly bool) error
	}{
		{"user lookup", func(ro bool) error {
			_, err := db.ListUsers(ctx, store.Query{Filter: byName, StartIndex: 1, Count: 100, ReadOnly: ro})
			return err
		}},
		{"user page of 10", func(ro bool) error {
			_, err := db.ListUsers(ctx, store.Query{StartIndex: 1, Count: 10, ReadOnly: ro})
			return err
		}},
		{"group lookup", func(ro bool) error {
			_, err := db.ListGroups(ctx, store.Query{Filter: byGroupName, StartIndex: 1, Count: 100, ReadOnly: ro})
			return err
		}},
	} {
		for _, ro := range []bool{false, true} {
			name := c.name + "/copy"
			if ro {
				name = c.name + "/view"
			}
			b.Run(name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if err := c.list(ro); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
