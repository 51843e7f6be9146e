package sqlstore_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/sqlstore"
)

// BenchmarkCursorScale is the scale evidence of cursor paging (see
// BENCHMARKS.md). It runs only when SCIM_BENCH_SCALE names the tenant
// size, e.g. SCIM_BENCH_SCALE=1000000, so that CI stays fast. On each
// database it seeds that many users in one tenant (bulk inserts:
// SeedUsersForTest, COPY on PostgreSQL) and 1,000 in another, logs the
// seeding time and the plans, and measures: a userName eq lookup in the
// small and the large tenant; the first and the last page (100 users) of a
// cursor walk, in creation order and sorted by userName (and its middle
// page, ascending and descending); the first page of index paging
// sorted by userName; and, for comparison, the first and the last page
// of index paging (OFFSET).
func BenchmarkCursorScale(b *testing.B) {
	n, err := strconv.Atoi(os.Getenv("SCIM_BENCH_SCALE"))
	if err != nil || n < 1000 {
		b.Skip("set SCIM_BENCH_SCALE to the number of users to seed (at least 1000), e.g. SCIM_BENCH_SCALE=100000")
	}
	const page = 100
	for _, db := range databases() {
		b.Run(db.name, func(b *testing.B) {
			s := db.open(b, sqlstore.Config{})
			big, small := store.WithTenant(ctx, "scale"), store.WithTenant(ctx, "small")
			start := time.Now()
			seedUsersInBatches(b, s, "scale", n)
			seeded := time.Since(start)
			users := make([]*resources.User, 1000)
			for i := range users {
				users[i] = seedUser(i)
			}
			_, err := s.SeedUsersForTest(ctx, "small", users)
			require.NoError(b, err)
			analyze(b, s)
			b.Logf("%s: seeded %d users in %s (%.0f users/s)", db.name, n, seeded.Round(time.Millisecond), float64(n)/seeded.Seconds())

			// The positions of the last page: after the row n-page-1 of
			// each order.
			var seq int64
			require.NoError(b, s.DB().QueryRowContext(ctx, `SELECT seq FROM scim_users WHERE tenant = 'scale' ORDER BY seq LIMIT 1 OFFSET `+strconv.Itoa(n-page-1)).Scan(&seq))
			lastSeq := sqlstore.PositionForTest(nil, seq)
			var key string
			require.NoError(b, s.DB().QueryRowContext(ctx, `SELECT user_name_key, seq FROM scim_users WHERE tenant = 'scale' ORDER BY user_name_key, seq LIMIT 1 OFFSET `+strconv.Itoa(n-page-1)).Scan(&key, &seq))
			lastName := sqlstore.PositionForTest(key, seq)
			require.NoError(b, s.DB().QueryRowContext(ctx, `SELECT user_name_key, seq FROM scim_users WHERE tenant = 'scale' ORDER BY user_name_key, seq LIMIT 1 OFFSET `+strconv.Itoa(n/2)).Scan(&key, &seq))
			midName := sqlstore.PositionForTest(key, seq)
			byName := store.Query{SortBy: "userName", Count: page}
			for _, c := range []struct {
				name  string
				q     store.Query
				after string
			}{{"creation order", store.Query{Count: page}, lastSeq}, {"userName", byName, lastName}, {"userName, middle", byName, midName}, {"userName descending, middle", store.Query{SortBy: "userName", Descending: true, Count: page}, midName}} {
				query, args, err := s.CursorSQLForTest(big, c.q, c.after)
				require.NoError(b, err)
				b.Logf("last cursor page, %s, at %d users:\n%s\n%s", c.name, n, query, explain(b, s, query, args...))
			}
			query, args, err := s.PageSQLForTest(big, true, store.Query{StartIndex: n - page + 1, Count: page})
			require.NoError(b, err)
			b.Logf("last index page at %d users:\n%s\n%s", n, query, explain(b, s, query, args...))

			lookup := func(_ store.Query, tctx context.Context, size int) func(b *testing.B) {
				return func(b *testing.B) {
					for i := 0; b.Loop(); i++ {
						f := mustParse(b, fmt.Sprintf(`userName eq "user%06d@example.com"`, (i*7919)%size))
						p, err := s.ListUsers(tctx, store.Query{Filter: f, StartIndex: 1, Count: page, ExcludeGroups: true})
						if err != nil || p.Total != 1 {
							b.Fatal(err, p.Total)
						}
					}
				}
			}
			b.Run("userName_eq/users=1000", lookup(store.Query{}, small, 1000))
			b.Run(fmt.Sprintf("userName_eq/users=%d", n), lookup(store.Query{}, big, n))
			cursor := func(q store.Query, after string) func(b *testing.B) {
				return func(b *testing.B) {
					q.ExcludeGroups = true
					for b.Loop() {
						p, err := s.ListUsersAfter(big, q, after)
						if err != nil || len(p.Items) != page {
							b.Fatal(err, len(p.Items))
						}
					}
				}
			}
			b.Run("cursor_first_page", cursor(store.Query{Count: page}, ""))
			b.Run("cursor_last_page", cursor(store.Query{Count: page}, lastSeq))
			b.Run("cursor_userName_first_page", cursor(byName, ""))
			b.Run("cursor_userName_middle_page", cursor(byName, midName))
			b.Run("cursor_userName_last_page", cursor(byName, lastName))
			b.Run("cursor_userName_descending_middle_page", cursor(store.Query{SortBy: "userName", Descending: true, Count: page}, midName))
			index := func(startIndex int) func(b *testing.B) {
				return func(b *testing.B) {
					for b.Loop() {
						p, err := s.ListUsers(big, store.Query{StartIndex: startIndex, Count: page, ExcludeGroups: true})
						if err != nil || len(p.Items) != page {
							b.Fatal(err, len(p.Items))
						}
					}
				}
			}
			b.Run("index_userName_first_page", func(b *testing.B) {
				for b.Loop() {
					p, err := s.ListUsers(big, store.Query{SortBy: "userName", StartIndex: 1, Count: page, ExcludeGroups: true})
					if err != nil || len(p.Items) != page {
						b.Fatal(err, len(p.Items))
					}
				}
			})
			b.Run("index_first_page", index(1))
			b.Run("index_last_page", index(n-page+1))
		})
	}
}
