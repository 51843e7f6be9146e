package sqlstore_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/store"
)

// BenchmarkDeepPages measures, at the store, the pages an identity
// provider's import walks to the end of (Okta's and OneLogin's GET
// /Users?startIndex=N&count=100, and /Groups likewise): 10,000 users,
// every one of them in one of 1,000 groups of 10 members, analyzed. The
// deep pages (startIndex 5,001 of the users, 501 of the groups) cost
// what their own rows cost only if the users' groups and the groups'
// members are read for the page's rows alone, not for every row OFFSET
// skips; the first page of users is the control, and a cursor page
// (RFC 9865) of groups with their members the one statement of
// ListGroupsAfter. As BenchmarkListRoundTrips: one connection, and on
// PostgreSQL the backend's CPU (pg-cpu-µs/op).
func BenchmarkDeepPages(b *testing.B) {
	for _, db := range databases() {
		b.Run(db.name, func(b *testing.B) {
			const n, groups, size, page = 10000, 1000, 10, 100
			s, app := teamsStore(b, db, "scimdeep_", n, groups, size)
			c := store.WithTenant(ctx, "")
			// The position after the first half of the groups, walked to.
			mid := ""
			for range groups / 2 / page {
				p, err := s.ListGroupsAfter(c, store.Query{Count: page, ExcludeMembers: true}, mid)
				require.NoError(b, err)
				mid = p.Positions[len(p.Positions)-1]
			}
			for _, bc := range []struct {
				name string
				run  func() (int, error) // the number of items
			}{
				{"users_first_page_with_groups", func() (int, error) {
					p, err := s.ListUsers(c, store.Query{StartIndex: 1, Count: page})
					return len(p.Items), err
				}},
				{"users_deep_page_with_groups", func() (int, error) {
					p, err := s.ListUsers(c, store.Query{StartIndex: n/2 + 1, Count: page})
					return len(p.Items), err
				}},
				{"users_deep_page_no_groups", func() (int, error) {
					p, err := s.ListUsers(c, store.Query{StartIndex: n/2 + 1, Count: page, ExcludeGroups: true})
					return len(p.Items), err
				}},
				{"groups_deep_page_with_members", func() (int, error) {
					p, err := s.ListGroups(c, store.Query{StartIndex: groups/2 + 1, Count: page})
					return len(p.Items), err
				}},
				{"groups_cursor_page_with_members", func() (int, error) {
					p, err := s.ListGroupsAfter(c, store.Query{Count: page}, mid)
					return len(p.Items), err
				}},
			} {
				b.Run(bc.name, func(b *testing.B) {
					run := func() {
						if got, err := bc.run(); err != nil || got != page {
							b.Fatal(err, got)
						}
					}
					loopBackend(b, s, app, 5, func(int) { run() })
				})
			}
		})
	}
}
