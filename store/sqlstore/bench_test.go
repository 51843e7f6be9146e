package sqlstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/internal/pairbench"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/sqlstore"
)

// benchUsers is the size of the seeded user table and of the big group
// (SCIM_BENCH_USERS overrides it, e.g. for a quick run).
func benchUsers() int { return envCount("SCIM_BENCH_USERS", 100000) }

// BenchmarkStore measures, on each database holding benchUsers users (and
// a tenth as many in another tenant) and a group with benchUsers members:
// creating a user, the lookups identity providers make, reading the big
// group without members, and adding or removing one member of the big
// group and of a 10-member group. With -v it logs the query plans of the
// lookups at that size.
func BenchmarkStore(b *testing.B) {
	n := benchUsers()
	for _, db := range databases() {
		b.Run(db.name, func(b *testing.B) {
			s := db.open(b, sqlstore.Config{})
			const tenant = "bench"
			tctx := store.WithTenant(ctx, tenant)
			uids, bigID := seed(b, s, tenant, n, n)
			small, err := s.CreateGroup(tctx, &resources.Group{DisplayName: "Small"})
			require.NoError(b, err)
			require.NoError(b, s.SeedMembersForTest(ctx, tenant, small.ID, "User", uids[n-10:]))

			for _, l := range []struct{ name, filter string }{
				{"userName_eq", `userName eq "user000123@example.com"`},
				{"emails_work_value_eq", `emails[type eq "work"].value eq "user123@work.example"`},
			} {
				query, args, err := s.PageSQLForTest(tctx, true, store.Query{Filter: mustParse(b, l.filter), StartIndex: 1, Count: 100})
				require.NoError(b, err)
				b.Logf("%s at %d users:\n%s\n%s", l.filter, n, query, explain(b, s, query, args...))
			}
			gq, gargs, err := s.PageSQLForTest(tctx, false, store.Query{Filter: mustParse(b, `displayName eq "group 7"`), StartIndex: 1, Count: 100})
			require.NoError(b, err)
			b.Logf("group displayName eq:\n%s\n%s", gq, explain(b, s, gq, gargs...))
			remove, removeArgs := s.SQLDeleteMembersForTest(tenant, bigID, uids[:1])
			b.Logf("ModifyMembers remove on the %d-member group:\n%s\n%s", n, remove, explain(b, s, remove, removeArgs...))

			b.Run("RoundTrip_SELECT_1", func(b *testing.B) {
				// the cost of one statement, for scale
				for b.Loop() {
					var one int
					if err := s.DB().QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("CreateUser", func(b *testing.B) {
				b.ReportAllocs()
				for i := 0; b.Loop(); i++ {
					_, err := s.CreateUser(tctx, &resources.User{UserName: fmt.Sprintf("new-%d-%s@example.com", i, randomHex(4)),
						Emails: []resources.MultiValue{{Value: "x@work.example", Type: "work"}}})
					if err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("GetUser", func(b *testing.B) {
				b.ReportAllocs()
				for i := 0; b.Loop(); i++ {
					if _, err := s.GetUser(tctx, uids[(i*7919)%n], store.GetOptions{}); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("ListUsers_page", func(b *testing.B) {
				// One of the first ten unfiltered pages of 100, with
				// the count of the whole tenant: what a provider's
				// full sync reads first.
				b.ReportAllocs()
				for i := 0; b.Loop(); i++ {
					p, err := s.ListUsers(tctx, store.Query{StartIndex: 1 + (i%10)*100, Count: 100})
					if err != nil || len(p.Items) != 100 {
						b.Fatal(err)
					}
				}
			})
			b.Run("ListUsers_userName_eq", func(b *testing.B) {
				b.ReportAllocs()
				for i := 0; b.Loop(); i++ {
					f := mustParse(b, fmt.Sprintf(`userName eq "USER%06d@example.com"`, (i*7919)%n))
					p, err := s.ListUsers(tctx, store.Query{Filter: f, StartIndex: 1, Count: 100})
					if err != nil || p.Total != 1 {
						b.Fatal(err, p.Total)
					}
				}
			})
			b.Run("ListUsers_emails_work_value_eq", func(b *testing.B) {
				b.ReportAllocs()
				for i := 0; b.Loop(); i++ {
					f := mustParse(b, fmt.Sprintf(`emails[type eq "work"].value eq "user%d@work.example"`, (i*7919)%n))
					p, err := s.ListUsers(tctx, store.Query{Filter: f, StartIndex: 1, Count: 100})
					if err != nil || p.Total != 1 {
						b.Fatal(err, p.Total)
					}
				}
			})
			b.Run("GetGroup_excludeMembers_big", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := s.GetGroup(tctx, bigID, store.GetOptions{ExcludeMembers: true}); err != nil {
						b.Fatal(err)
					}
				}
			})
			for _, g := range []struct {
				name string
				id   string
			}{{fmt.Sprintf("members=%d", n), bigID}, {"members=10", small.ID}} {
				b.Run("GetGroup_withMembers/"+g.name, func(b *testing.B) {
					b.ReportAllocs()
					for b.Loop() {
						if _, err := s.GetGroup(tctx, g.id, store.GetOptions{}); err != nil {
							b.Fatal(err)
						}
					}
				})
				b.Run("ReplaceGroup_one_member_changed/"+g.name, func(b *testing.B) {
					// A PUT (PingFederate) or a rename with members (Okta):
					// the whole list is sent, one member differs; only the
					// difference is written.
					cur, err := s.GetGroup(tctx, g.id, store.GetOptions{})
					require.NoError(b, err)
					extra, err := s.CreateUser(tctx, &resources.User{UserName: "put-extra-" + randomHex(6)})
					require.NoError(b, err)
					with := cur.Clone()
					with.Members = append(with.Members, resources.Member{Value: extra.ID})
					b.ReportAllocs()
					for i := 0; b.Loop(); i++ {
						next := cur
						if i%2 == 0 {
							next = with
						}
						if _, err := s.ReplaceGroup(tctx, next, ""); err != nil {
							b.Fatal(err)
						}
					}
				})
				b.Run("ModifyMembers_add_one/"+g.name, func(b *testing.B) {
					var pool []string // users that are in no group yet
					b.ReportAllocs()
					for i := 0; i < b.N; i++ {
						if len(pool) == 0 {
							b.StopTimer()
							users := make([]*resources.User, 5000)
							for k := range users {
								users[k] = &resources.User{UserName: fmt.Sprintf("pool-%s-%d", randomHex(6), k)}
							}
							pool, err = s.SeedUsersForTest(ctx, tenant, users)
							require.NoError(b, err)
							b.StartTimer()
						}
						if _, err := s.ModifyMembers(tctx, g.id, pool[:1], nil, ""); err != nil {
							b.Fatal(err)
						}
						pool = pool[1:]
					}
				})
				b.Run("ModifyMembers_remove_one/"+g.name, func(b *testing.B) {
					members := uids[:n-10]
					if g.id == small.ID {
						members = uids[n-10:]
					}
					b.ReportAllocs()
					for i := 0; i < b.N; i++ {
						id := members[i%len(members)]
						// remove, and put back untimed, so the group keeps its size
						if _, err := s.ModifyMembers(tctx, g.id, nil, []string{id}, ""); err != nil {
							b.Fatal(err)
						}
						b.StopTimer()
						if _, err := s.ModifyMembers(tctx, g.id, []string{id}, nil, ""); err != nil {
							b.Fatal(err)
						}
						b.StartTimer()
					}
				})
			}
		})
	}
}

// BenchmarkFeedWrite measures what the change feed costs a write: on each
// database, CreateUser, an UpdateUser that changes one attribute (what a
// PATCH of name.givenName does), one that deactivates or reactivates the
// user (two entries) and a one-member ModifyMembers (an add or a remove,
// alternately, in a group of 10 to 110 members), with
// Config.ChangeFeed off and on, each on a fresh database, one after the
// other (feed=off, feed=on), then both at once ("paired": every iteration
// writes to both stores, and it reports each one's time and their ratio),
// and paired again with a no-op Config.OnChange on both stores
// ("paired_onchange").
// The budget is on ÷ off ≤ 1.15 per operation; BENCHMARKS.md has
// the figures and how they were taken.
func BenchmarkFeedWrite(b *testing.B) {
	const tenant = "bench"
	tctx := store.WithTenant(ctx, tenant)
	for _, db := range databases() {
		b.Run(db.name, func(b *testing.B) {
			ops := feedWriteOps(tctx)
			for _, op := range ops {
				for _, feed := range []bool{false, true} {
					b.Run(op.name+"/feed="+map[bool]string{false: "off", true: "on"}[feed], func(b *testing.B) {
						s := db.open(b, sqlstore.Config{ChangeFeed: feed})
						write := op.setup(b, s)
						b.ReportAllocs()
						for i := 0; b.Loop(); i++ {
							if err := write(i); err != nil {
								b.Fatal(err)
							}
						}
					})
				}
				// paired: each iteration writes once with the feed off and
				// once with it on, in alternating order, and times each
				// (wall and the thread's CPU, see pairbench): on a shared
				// machine both see the same load at the same moment, so
				// their ratio is steadier than that of two runs.
				// paired_onchange is the same with a Config.OnChange that
				// does nothing on both sides: its med-on/off is what the
				// feed costs a write with OnChange (on PostgreSQL it
				// appends as without OnChange; on SQLite it reads the
				// last Seq first, one statement more), to be read against
				// paired's from the same run.
				noop := func(context.Context, *sql.Tx, sqlstore.Change) error { return nil }
				for _, pair := range []struct {
					name    string
					off, on sqlstore.Config
				}{
					{"paired", sqlstore.Config{}, sqlstore.Config{ChangeFeed: true}},
					{"paired_onchange", sqlstore.Config{OnChange: noop}, sqlstore.Config{ChangeFeed: true, OnChange: noop}},
				} {
					b.Run(op.name+"/"+pair.name, func(b *testing.B) {
						writes := [2]func(i int) error{
							op.setup(b, db.open(b, pair.off)),
							op.setup(b, db.open(b, pair.on)),
						}
						pairbench.Run(b, func(k, i int) {
							if err := writes[k](i); err != nil {
								b.Fatal(err)
							}
						})
					})
				}
			}
		})
	}
}

// feedWriteOp is a write BenchmarkFeedWrite (or TestWALNameWrites)
// measures: setup prepares a store and returns the write of iteration i.
type feedWriteOp struct {
	name  string
	setup func(tb testing.TB, s *sqlstore.Store) func(i int) error
}

// feedWriteOps returns the writes of BenchmarkFeedWrite (and of
// TestWALFrames), in the tenant of tctx.
func feedWriteOps(tctx context.Context) []feedWriteOp {
	return []feedWriteOp{
		{"CreateUser", func(b testing.TB, s *sqlstore.Store) func(i int) error {
			return func(i int) error {
				_, err := s.CreateUser(tctx, &resources.User{UserName: fmt.Sprintf("new-%d@example.com", i), Active: ptr(true),
					Name: &resources.Name{GivenName: "Given", FamilyName: "Family"}, Emails: []resources.MultiValue{{Value: fmt.Sprintf("new-%d@work.example", i), Type: "work"}}})
				return err
			}
		}},
		{"UpdateUser", func(b testing.TB, s *sqlstore.Store) func(i int) error {
			ids := feedBenchUsers(tctx, b, s, 100)
			return func(i int) error {
				_, err := s.UpdateUser(tctx, ids[i%len(ids)], "", func(cur *resources.User) (*resources.User, error) {
					cur.Name = &resources.Name{GivenName: fmt.Sprint("Given ", i), FamilyName: "Family"}
					return cur, nil
				})
				return err
			}
		}},
		{"UpdateUser_active", func(b testing.TB, s *sqlstore.Store) func(i int) error {
			// Entra ID's deactivation: two entries (updated, then
			// deactivated or, on the next round, reactivated).
			ids := feedBenchUsers(tctx, b, s, 100)
			return func(i int) error {
				active := (i/len(ids))%2 == 1
				_, err := s.UpdateUser(tctx, ids[i%len(ids)], "", func(cur *resources.User) (*resources.User, error) {
					cur.Active = &active
					return cur, nil
				})
				return err
			}
		}},
		{"ModifyMembers", func(b testing.TB, s *sqlstore.Store) func(i int) error {
			return oneMemberChanges(tctx, b, s, feedBenchUsers(tctx, b, s, 110))
		}},
	}
}

// oneMemberChanges creates a group of ids[100:110] and returns the
// write of iteration i: a one-member ModifyMembers of it, iterations 0-99
// adding ids[:100] one by one, 100-199 removing them, and so on.
func oneMemberChanges(tctx context.Context, b testing.TB, s *sqlstore.Store, ids []string) func(i int) error {
	g, err := s.CreateGroup(tctx, &resources.Group{DisplayName: "Group", Members: memberList(ids[100:110])})
	require.NoError(b, err)
	pool := ids[:100]
	return func(i int) error {
		id := pool[i%len(pool)]
		var err error
		if (i/len(pool))%2 == 0 {
			_, err = s.ModifyMembers(tctx, g.ID, []string{id}, nil, "")
		} else {
			_, err = s.ModifyMembers(tctx, g.ID, nil, []string{id}, "")
		}
		return err
	}
}

// feedBenchUsers creates n users for BenchmarkFeedWrite and returns their ids.
func feedBenchUsers(tctx context.Context, tb testing.TB, s *sqlstore.Store, n int) []string {
	ids := make([]string, n)
	for i := range ids {
		u, err := s.CreateUser(tctx, &resources.User{UserName: fmt.Sprintf("user-%d@example.com", i), Active: ptr(true),
			Name: &resources.Name{GivenName: "Given", FamilyName: "Family"}, Emails: []resources.MultiValue{{Value: fmt.Sprintf("user-%d@work.example", i), Type: "work"}}})
		require.NoError(tb, err)
		ids[i] = u.ID
	}
	return ids
}

// BenchmarkFeedConcurrentCreate creates users from at least 8 goroutines
// at once (a multiple of GOMAXPROCS: 8 on 1, 2, 4 or 8 CPUs) in one
// tenant, the change feed off and on: what the feed costs writes
// that commit concurrently, as a provider's sync does over several
// connections. A write that held the tenant's feed head until its commit
// made them commit one at a time (migration 0012); on PostgreSQL with
// fsync on, feed=on ÷ feed=off shows what that serialisation costs.
// onchange/ is the same pair with a no-op Config.OnChange on both
// stores: its feed=on ÷ feed=off is what the feed costs such writes
// (until OnChange was handed Seq 0 on PostgreSQL, such a write numbered
// its entries itself and held the head until it committed).
// SQLite, one writer, commits one at a time either way.
func BenchmarkFeedConcurrentCreate(b *testing.B) {
	tctx := store.WithTenant(ctx, "bench")
	noop := func(context.Context, *sql.Tx, sqlstore.Change) error { return nil }
	for _, db := range databases() {
		b.Run(db.name, func(b *testing.B) {
			for _, hook := range []bool{false, true} {
				for _, feed := range []bool{false, true} {
					name, cfg := "feed="+map[bool]string{false: "off", true: "on"}[feed], sqlstore.Config{ChangeFeed: feed}
					if hook {
						name, cfg.OnChange = "onchange/"+name, noop
					}
					b.Run(name, func(b *testing.B) {
						s := db.open(b, cfg)
						var n atomic.Int64
						p := runtime.GOMAXPROCS(0)
						b.SetParallelism((8 + p - 1) / p) // RunParallel runs GOMAXPROCS times this many
						b.ReportAllocs()
						b.RunParallel(func(pb *testing.PB) {
							for pb.Next() {
								i := n.Add(1)
								if _, err := s.CreateUser(tctx, &resources.User{UserName: fmt.Sprintf("c-%d@example.com", i), Active: ptr(true)}); err != nil {
									b.Error(err)
									return
								}
							}
						})
					})
				}
			}
		})
	}
}
