package sqlstore_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/sqlstore"
)

// BenchmarkHostileSubstring measures a case-insensitive co and ew filter
// whose operand (128 bytes, Config.MaxSubstringBytes) nearly matches at
// every offset of every value: users whose displayName is 160 "A"s (160
// "a"s folded), searched for 127 "a"s then a "b" (a_b) and for a "b"
// then 127 "a"s (b_a). Neither finds a user, so every row is tested. A
// comparison of the operand at each offset costs up to 128 character
// comparisons per character of the value; a linear one does not.
// SCIM_BENCH_SUBSTRING_ROWS sets the number of users (default 100,000).
func BenchmarkHostileSubstring(b *testing.B) {
	const tenant = "bench"
	n := envCount("SCIM_BENCH_SUBSTRING_ROWS", 100_000)
	tctx := store.WithTenant(ctx, tenant)
	aB := strings.Repeat("a", 127) + "b"
	bA := "b" + strings.Repeat("a", 127)
	for _, db := range databases() {
		b.Run(db.name, func(b *testing.B) {
			s := db.open(b, sqlstore.Config{})
			users := make([]*resources.User, n)
			for i := range users {
				users[i] = &resources.User{UserName: fmt.Sprintf("user%06d", i), DisplayName: strings.Repeat("A", 160)}
			}
			_, err := s.SeedUsersForTest(ctx, tenant, users)
			require.NoError(b, err)
			analyze(b, s)
			for _, bc := range []struct{ name, filter string }{
				{"co_a_b", `displayName co "` + aB + `"`},
				{"co_b_a", `displayName co "` + bA + `"`},
				{"ew_a_b", `displayName ew "` + aB + `"`},
				{"ew_b_a", `displayName ew "` + bA + `"`},
			} {
				b.Run(bc.name, func(b *testing.B) {
					q := store.Query{Filter: mustParse(b, bc.filter), StartIndex: 1, Count: 10}
					for b.Loop() {
						p, err := s.ListUsers(tctx, q)
						if err != nil || p.Total != 0 {
							b.Fatal(err, p.Total)
						}
					}
				})
			}
		})
	}
}

// BenchmarkSubstringFilters measures co, sw and ew on userName (a
// column), displayName (the query document) and emails.value (rows of
// scim_user_values) with an operand no user's value holds, so that
// every row a filter reads is tested and the page is empty (one
// statement). Users as seedUser makes them; SCIM_BENCH_SUBSTRING_ROWS
// sets their number (default 100,000). Run it with -benchtime of several
// iterations: the first run of a statement is planned and reads cold
// pages, which a steady list does not.
func BenchmarkSubstringFilters(b *testing.B) {
	const tenant = "bench"
	n := envCount("SCIM_BENCH_SUBSTRING_ROWS", 100_000)
	tctx := store.WithTenant(ctx, tenant)
	for _, db := range databases() {
		b.Run(db.name, func(b *testing.B) {
			s := db.open(b, sqlstore.Config{})
			seedUsers(b, s, tenant, n)
			analyze(b, s)
			for _, attr := range []string{"userName", "displayName", "emails.value"} {
				for _, op := range []string{"co", "sw", "ew"} {
					b.Run(attr+"_"+op, func(b *testing.B) {
						q := store.Query{Filter: mustParse(b, attr+" "+op+` "zq9"`), StartIndex: 1, Count: 10}
						for b.Loop() {
							p, err := s.ListUsers(tctx, q)
							if err != nil || p.Total != 0 {
								b.Fatal(err, p.Total)
							}
						}
					})
				}
			}
		})
	}
}
