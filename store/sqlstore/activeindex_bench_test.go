package sqlstore_test

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/sqlstore"
)

// BenchmarkActiveIndex measures whether an expression index on a user's
// active would pay: on each database, SCIM_BENCH_ACTIVE_USERS users
// (100,000 by default), 10 of them inactive, the first cursor page of
// active eq false and active eq true as the store sends it (the JSON
// path bound as a parameter), as the same statement with every value
// written as a literal (what a path emitted as SQL text would be), and
// that literal statement again with an index on (tenant, active
// expression, seq); then the write cost of such an index: rounds of
// CreateUser and of UpdateUser flipping active, alternately with and
// without the index; and the store's own page (the path bound) with
// and without the index. It logs the ratios; SCIM_BENCH_ACTIVE=1 runs it.
func BenchmarkActiveIndex(b *testing.B) {
	if envCount("SCIM_BENCH_ACTIVE", 0) == 0 {
		b.Skip("set SCIM_BENCH_ACTIVE=1 to run")
	}
	n := envCount("SCIM_BENCH_ACTIVE_USERS", 100000)
	rounds := envCount("SCIM_BENCH_ACTIVE_ROUNDS", 5)
	writes := envCount("SCIM_BENCH_ACTIVE_WRITES", 300)
	for _, db := range databases() {
		b.Run(db.name, func(b *testing.B) {
			s := db.open(b, sqlstore.Config{})
			tctx := store.WithTenant(ctx, "act")
			ids := seedUsersInBatches(b, s, "act", n, func(i int, u *resources.User) {
				u.Active = ptr(i%10000 != 5000)
			})
			analyze(b, s)
			if isPG(s) {
				_, err := s.DB().ExecContext(ctx, `VACUUM scim_users`)
				require.NoError(b, err)
			}
			pg := isPG(s)
			type stmt struct {
				bound, literal string
				args           []any
			}
			stmts := map[string]stmt{}
			var expr string
			for _, f := range []string{"false", "true"} {
				q := store.Query{Filter: mustParse(b, "active eq "+f), Count: 100, ExcludeGroups: true}
				query, args, err := s.UsersCursorSQLForTest(tctx, q, "")
				require.NoError(b, err)
				lit := inline(b, pg, query, args)
				stmts[f] = stmt{query, lit, args}
				expr = activeExpr(b, pg, lit)
			}
			index := `CREATE INDEX bench_users_active ON scim_users (tenant, (` + strings.ReplaceAll(expr, "u.", "") + `), seq)`
			b.Logf("%s index: %s", db.name, index)
			drop := func() {
				_, err := s.DB().ExecContext(ctx, `DROP INDEX IF EXISTS bench_users_active`)
				require.NoError(b, err)
			}
			create := func() {
				_, err := s.DB().ExecContext(ctx, index)
				require.NoError(b, err)
				analyze(b, s)
			}
			run := func(query string, args ...any) time.Duration {
				start := time.Now()
				rows, err := s.DB().QueryContext(ctx, query, args...)
				require.NoError(b, err)
				for rows.Next() {
				}
				require.NoError(b, rows.Err())
				rows.Close()
				return time.Since(start)
			}
			// Reads: bound vs literal without the index vs literal with it.
			for _, f := range []string{"false", "true"} {
				st := stmts[f]
				var tb, tl, ti time.Duration
				for range rounds {
					drop()
					tb += run(st.bound, st.args...)
					tl += run(st.literal)
					create()
					ti += run(st.literal)
				}
				b.Logf("%s read active eq %s: literal/bound %.3f, literal+index/bound %.4f\n%s", db.name, f, float64(tl)/float64(tb), float64(ti)/float64(tb), explain(b, s, st.literal))
			}
			// The store's own page (the path bound), with the index and
			// without, 10 pages each: whether the database matches a
			// bound path to the index (a plan made for its value).
			sparse := store.Query{Filter: mustParse(b, "active eq false"), Count: 100, ExcludeGroups: true}
			var sw, so time.Duration
			for range rounds {
				for _, on := range []bool{false, true} {
					if on {
						create()
					} else {
						drop()
					}
					start := time.Now()
					for range 10 {
						p, err := s.ListUsersAfter(tctx, sparse, "")
						require.NoError(b, err)
						require.Len(b, p.Items, n/10000)
					}
					if on {
						sw += time.Since(start)
					} else {
						so += time.Since(start)
					}
				}
			}
			b.Logf("%s store page of active eq false (path bound), with index / without: %.4f", db.name, float64(sw)/float64(so))
			// Writes: with and without the index, alternately.
			var with, without [2]time.Duration
			next := 0
			for r := range 2 * rounds {
				on := r%2 == 1
				if on {
					create()
				} else {
					drop()
				}
				start := time.Now()
				for i := range writes {
					u := seedUser(n + r*writes + i)
					_, err := s.CreateUser(tctx, u)
					require.NoError(b, err)
				}
				c := time.Since(start)
				start = time.Now()
				for range writes {
					id := ids[(next*7919)%len(ids)]
					next++
					_, err := s.UpdateUser(tctx, id, "", func(cur *resources.User) (*resources.User, error) {
						cur.Active = ptr(cur.Active != nil && !*cur.Active)
						return cur, nil
					})
					require.NoError(b, err)
				}
				p := time.Since(start)
				if on {
					with[0], with[1] = with[0]+c, with[1]+p
				} else {
					without[0], without[1] = without[0]+c, without[1]+p
				}
			}
			b.Logf("%s writes with index / without (%d rounds of %d each): create %.3f, PATCH active %.3f", db.name, rounds, writes, float64(with[0])/float64(without[0]), float64(with[1])/float64(without[1]))
			drop()
		})
	}
}

// inline returns query with its arguments written as literals.
func inline(b *testing.B, pg bool, query string, args []any) string {
	b.Helper()
	for i := len(args); i >= 1; i-- {
		var lit string
		switch v := args[i-1].(type) {
		case string:
			lit = "'" + strings.ReplaceAll(v, "'", "''") + "'"
		case int:
			lit = strconv.Itoa(v)
		case int64:
			lit = strconv.FormatInt(v, 10)
		case []string:
			lit = "'{" + strings.Join(v, ",") + "}'"
		default:
			b.Fatalf("argument %d of %T", i, v)
		}
		ph := "?" + strconv.Itoa(i)
		if pg {
			ph = "$" + strconv.Itoa(i)
		}
		query = strings.ReplaceAll(query, ph, lit)
	}
	return query
}

// activeExpr is the expression the literal statement compares with the
// active value.
func activeExpr(b *testing.B, pg bool, lit string) string {
	b.Helper()
	re := regexp.MustCompile(`AND \(\((.*)\) = 'false'(::jsonb)?\)`)
	if !strings.Contains(lit, "'false'") {
		re = regexp.MustCompile(`AND \(\((.*)\) = 'true'(::jsonb)?\)`)
	}
	m := re.FindStringSubmatch(lit)
	require.NotNil(b, m, fmt.Sprintf("no active comparison in %s", lit))
	_ = pg
	return m[1]
}
