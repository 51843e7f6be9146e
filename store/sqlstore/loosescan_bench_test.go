package sqlstore_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/sqlstore"
)

// BenchmarkLooseScan measures what testing and sorting by an extension's
// attribute costs a row (compiler.anyIn, compiler.looseSortKey: the
// value may be a list, so its type is read before it): on each database,
// SCIM_BENCH_LOOSE_USERS users (50,000 by default) seeded in bulk and
// analyzed, the first cursor page of count=100 with a filter on the
// enterprise department matching no one (every row tested), and sorted
// by it (every row's key read). SCIM_BENCH_LOOSE=1 runs it.
func BenchmarkLooseScan(b *testing.B) {
	if envCount("SCIM_BENCH_LOOSE", 0) == 0 {
		b.Skip("set SCIM_BENCH_LOOSE=1 to run")
	}
	n := envCount("SCIM_BENCH_LOOSE_USERS", 50000)
	const dept = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"
	for _, db := range databases() {
		b.Run(db.name, func(b *testing.B) {
			s := db.open(b, sqlstore.Config{})
			tctx := store.WithTenant(ctx, "loose")
			seedUsersInBatches(b, s, "loose", n)
			analyze(b, s)
			if isPG(s) {
				_, err := s.DB().ExecContext(ctx, `VACUUM scim_users`)
				require.NoError(b, err)
			}
			for _, c := range []struct {
				name string
				q    store.Query
				want int
			}{
				{"filter matching none", store.Query{Filter: mustParse(b, dept+` eq "none"`), Count: 100, ExcludeGroups: true}, 0},
				{"sorted", store.Query{SortBy: dept, Count: 100, ExcludeGroups: true}, 100},
			} {
				b.Run(c.name, func(b *testing.B) {
					for b.Loop() {
						p, err := s.ListUsersAfter(tctx, c.q, "")
						require.NoError(b, err)
						require.Len(b, p.Items, c.want)
					}
				})
			}
		})
	}
}
