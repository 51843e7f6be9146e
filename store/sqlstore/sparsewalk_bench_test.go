package sqlstore_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/sqlstore"
)

// BenchmarkSparseWalk is the evidence of what a page of a cursor walk
// costs when its filter runs in SQL but no index serves it (title eq,
// active eq): on each database, a tenant of SCIM_BENCH_SPARSE_USERS users
// (100,000 by default) seeded in bulk and analyzed, of whom every
// 10,000th has the title "rare" (10 users) and every 100th the title
// "some" (1,000), a walk of count=100 with no filter (the baseline), an
// indexed lookup (externalId eq), no filter sorted by meta.lastModified
// (no index gives that order), a filter matching none, 10 and 1,000 of
// them, and active eq false (one in seven): the walk's first page, and
// the whole walk page by page (but for the sorted one). It runs only when
// SCIM_BENCH_SPARSE is set, so that CI stays fast; -v logs the plans.
func BenchmarkSparseWalk(b *testing.B) {
	if envCount("SCIM_BENCH_SPARSE", 0) == 0 {
		b.Skip("set SCIM_BENCH_SPARSE=1 to run")
	}
	n := envCount("SCIM_BENCH_SPARSE_USERS", 100000)
	const page = 100
	for _, db := range databases() {
		b.Run(db.name, func(b *testing.B) {
			s := db.open(b, sqlstore.Config{})
			tctx := store.WithTenant(ctx, "sparse")
			seedUsersInBatches(b, s, "sparse", n, func(i int, u *resources.User) {
				switch {
				case i%10000 == 5000:
					u.Title = "rare"
				case i%100 == 50:
					u.Title = "some"
				}
			})
			analyze(b, s)
			if isPG(s) {
				_, err := s.DB().ExecContext(ctx, `VACUUM scim_users`)
				require.NoError(b, err)
			}
			for _, c := range []struct {
				name   string
				filter string
				sortBy string
				want   int
			}{
				{"no filter", "", "", n},
				{"externalId eq", `externalId eq "ext-5000"`, "", 1},
				{"no filter, sortBy meta.lastModified", "", "meta.lastModified", n},
				{"matching 0", `title eq "none"`, "", 0},
				{"matching 10", `title eq "rare"`, "", n / 10000},
				{"matching 1000", `title eq "some"`, "", n / 100},
				{"active eq false", `active eq false`, "", (n + 6) / 7},
			} {
				q := store.Query{SortBy: c.sortBy, Count: page, ExcludeGroups: true, ReadOnly: true}
				if c.filter != "" {
					q.Filter = mustParse(b, c.filter)
				}
				query, args, err := s.UsersCursorSQLForTest(tctx, q, "")
				require.NoError(b, err)
				b.Logf("%s, first page, %s:\n%s\n%s", db.name, c.name, query, explain(b, s, query, args...))
				b.Run(c.name+"/first page", func(b *testing.B) {
					for b.Loop() {
						_, err := s.ListUsersAfter(tctx, q, "")
						require.NoError(b, err)
					}
				})
				if c.sortBy != "" {
					// Each page sorts the rest of the tenant: its first
					// page says what a page costs.
					continue
				}
				b.Run(c.name+"/whole walk", func(b *testing.B) {
					pages := 0
					for b.Loop() {
						got, after := 0, ""
						pages = 0
						for {
							p, err := s.ListUsersAfter(tctx, q, after)
							require.NoError(b, err)
							pages++
							got += len(p.Items)
							next, more := walkNext(p)
							if !more {
								break
							}
							after = next
						}
						require.Equal(b, c.want, got)
					}
					b.ReportMetric(float64(pages), "pages")
				})
			}
		})
	}
}
