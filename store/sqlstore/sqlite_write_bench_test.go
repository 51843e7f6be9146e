package sqlstore_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/sqlstore"
)

// BenchmarkSQLiteWrites measures the store's writes on SQLite, with the
// change feed on, in a tenant of 3,000 users and 60 groups of 50 members
// (seeded in bulk), with the statistics of ANALYZE (analyzed=true: a
// host ran it, or PRAGMA optimize, on the database it shares) and
// without: a user's create, a user's update (a PATCH of name), a group's
// replace (a PUT of its 10 members, one swapped for another) and a
// one-member ModifyMembers of that group. A statement comparing an
// indexed column with a bare parameter is compiled again on every run
// once sqlite_stat4 exists (TestSQLiteStatementsCompiledOnce); this is
// what that costs. BENCHMARKS.md ("Lookups on a database never
// analyzed") has the figures and how they were taken.
func BenchmarkSQLiteWrites(b *testing.B) {
	const tenant = "bench"
	tctx := store.WithTenant(ctx, tenant)
	ops := []struct {
		name  string
		setup func(b *testing.B, s *sqlstore.Store, uids []string) func(i int) error
	}{
		{"CreateUser", func(b *testing.B, s *sqlstore.Store, _ []string) func(i int) error {
			return func(i int) error {
				_, err := s.CreateUser(tctx, &resources.User{UserName: fmt.Sprintf("new-%d@example.com", i), Active: ptr(true),
					Name: &resources.Name{GivenName: "Given", FamilyName: "Family"}, Emails: []resources.MultiValue{{Value: fmt.Sprintf("new-%d@work.example", i), Type: "work"}}})
				return err
			}
		}},
		{"UpdateUser", func(b *testing.B, s *sqlstore.Store, uids []string) func(i int) error {
			return func(i int) error {
				_, err := s.UpdateUser(tctx, uids[i%len(uids)], "", func(cur *resources.User) (*resources.User, error) {
					cur.Name = &resources.Name{GivenName: fmt.Sprint("Given ", i), FamilyName: "Family"}
					return cur, nil
				})
				return err
			}
		}},
		{"ReplaceGroup", func(b *testing.B, s *sqlstore.Store, uids []string) func(i int) error {
			g, err := s.CreateGroup(tctx, &resources.Group{DisplayName: "Team", Members: memberList(uids[:10])})
			require.NoError(b, err)
			return func(i int) error {
				ids := append([]string{uids[10+i%100]}, uids[1:10]...)
				_, err := s.ReplaceGroup(tctx, &resources.Group{ID: g.ID, DisplayName: "Team", Members: memberList(ids)}, "")
				return err
			}
		}},
		{"ModifyMembers", func(b *testing.B, s *sqlstore.Store, uids []string) func(i int) error {
			return oneMemberChanges(tctx, b, s, uids)
		}},
	}
	for _, analyzed := range []bool{false, true} {
		for _, op := range ops {
			b.Run(fmt.Sprintf("analyzed=%v/%s", analyzed, op.name), func(b *testing.B) {
				s := openWith(sqliteDSN)(b, sqlstore.Config{ChangeFeed: true})
				users := make([]*resources.User, 3000)
				for i := range users {
					users[i] = seedUser(i)
				}
				uids, err := s.SeedUsersForTest(ctx, tenant, users)
				require.NoError(b, err)
				groups := make([]*resources.Group, 60)
				for i := range groups {
					groups[i] = &resources.Group{DisplayName: fmt.Sprintf("group %d", i)}
				}
				gids, err := s.SeedGroupsForTest(ctx, tenant, groups)
				require.NoError(b, err)
				for i, gid := range gids {
					require.NoError(b, s.SeedMembersForTest(ctx, tenant, gid, "User", uids[50*i:50*i+50]))
				}
				write := op.setup(b, s, uids[:200])
				if analyzed {
					analyze(b, s)
				}
				b.ReportAllocs()
				for i := 0; b.Loop(); i++ {
					if err := write(i); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
