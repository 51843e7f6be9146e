package sqlstore_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/sqlstore"
)

// BenchmarkGroupLookupPastPage measures a lookup by displayName of a group
// of 5,000 members from startIndex 2 (past its one match: an empty page,
// totalResults 1) against the same lookup from startIndex 1 (the group
// and its members) in the same iteration, analyzed, and reports
// past/first: what a page that returns no group costs, in lookups that
// return it.
func BenchmarkGroupLookupPastPage(b *testing.B) {
	const tenant = "bench"
	tctx := store.WithTenant(ctx, tenant)
	for _, db := range databases() {
		b.Run(db.name, func(b *testing.B) {
			s := db.open(b, sqlstore.Config{})
			uids := seedUsers(b, s, tenant, 5_000)
			gids, err := s.SeedGroupsForTest(ctx, tenant, []*resources.Group{{DisplayName: "Everyone"}, {DisplayName: "Other"}})
			require.NoError(b, err)
			require.NoError(b, s.SeedMembersForTest(ctx, tenant, gids[0], "User", uids))
			analyze(b, s)
			f := mustParseWith(b, `displayName eq "everyone"`, resources.GroupSchema)
			var first, past time.Duration
			for b.Loop() {
				t := time.Now()
				p, err := s.ListGroups(tctx, store.Query{Filter: f, StartIndex: 1, Count: 10})
				first += time.Since(t)
				if err != nil || len(p.Items) != 1 || len(p.Items[0].Members) != len(uids) {
					b.Fatal(err)
				}
				t = time.Now()
				p, err = s.ListGroups(tctx, store.Query{Filter: f, StartIndex: 2, Count: 10})
				past += time.Since(t)
				if err != nil || len(p.Items) != 0 || p.Total != 1 {
					b.Fatal(err, p.Total)
				}
			}
			b.ReportMetric(float64(first.Nanoseconds())/float64(b.N), "first-ns/op")
			b.ReportMetric(float64(past.Nanoseconds())/float64(b.N), "past-ns/op")
			b.ReportMetric(float64(past)/float64(first), "past/first")
		})
	}
}
