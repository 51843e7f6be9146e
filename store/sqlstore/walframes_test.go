package sqlstore_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/internal/pairbench"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/sqlstore"
)

// TestWALFrames counts the WAL frames a SQLite commit writes for each of
// BenchmarkFeedWrite's writes, with the change feed off and on: a
// PASSIVE checkpoint after every write, on a store of its own (nothing
// else reads or writes it), reports the frames the write appended, and,
// having copied them all, lets the next write start the WAL over. The
// counts have no noise, unlike the timings; BENCHMARKS.md has them. It is
// a measurement, run on demand: set SCIM_WAL_FRAMES=1 and -v.
func TestWALFrames(t *testing.T) {
	if os.Getenv("SCIM_WAL_FRAMES") == "" {
		t.Skip("set SCIM_WAL_FRAMES=1 to count the WAL frames of a write (BENCHMARKS.md)")
	}
	const writes = 2000
	tctx := store.WithTenant(ctx, "bench")
	for _, op := range feedWriteOps(tctx) {
		t.Run(op.name, func(t *testing.T) {
			var perWrite [2]float64
			for k, feed := range []bool{false, true} {
				s := openWith(sqliteDSN)(t, sqlstore.Config{ChangeFeed: feed})
				write := op.setup(t, s)
				checkpoint(t, s)
				total := 0
				for i := range writes {
					require.NoError(t, write(i))
					total += checkpoint(t, s)
				}
				perWrite[k] = float64(total) / writes
				var pageSize int
				require.NoError(t, s.DB().QueryRowContext(ctx, `PRAGMA page_size`).Scan(&pageSize))
				t.Logf("%s, feed on %v: %.2f frames a write (%d-byte pages: %.0f WAL bytes)", op.name, feed, perWrite[k], pageSize, perWrite[k]*float64(24+pageSize))
			}
			assert.Greater(t, perWrite[1], perWrite[0], "the feed's entries are written too")
		})
	}
}

// checkpoint runs a PASSIVE checkpoint of SQLite store s, on which
// nothing else reads or writes, and returns how many WAL frames it
// found: the frames the writes since the last one appended. Having
// copied them all, it lets the next write start the WAL over.
func checkpoint(t *testing.T, s *sqlstore.Store) int {
	t.Helper()
	var busy, frames, copied int
	require.NoError(t, s.DB().QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &frames, &copied))
	require.Zero(t, busy, "the checkpoint ran")
	require.Equal(t, frames, copied, "the checkpoint copied every frame, so the next write starts the WAL over")
	return frames
}

// TestSQLiteReplaceKeepsNameIndexes: on SQLite a replace (PUT) or an
// update (PATCH) of a user or group whose userName or displayName and
// externalId stay as stored writes no page of their indexes (SQLite
// rewrites the index entry of every column an UPDATE sets, changed or
// not, so the UPDATE sets only those that change), and one that changes
// them writes their indexes, and the names read back as written.
func TestSQLiteReplaceKeepsNameIndexes(t *testing.T) {
	dsn := sqliteDSN(t)
	s := openWith(func(testing.TB) string { return dsn })(t, sqlstore.Config{})
	u, err := s.CreateUser(ctx, &resources.User{UserName: "ann@example.com", ExternalID: "ext-ann", Name: &resources.Name{GivenName: "Ann"}})
	require.NoError(t, err)
	g, err := s.CreateGroup(ctx, &resources.Group{DisplayName: "Eng", ExternalID: "ext-eng"})
	require.NoError(t, err)
	// scim_users_user_name and scim_groups_display_name, the folded
	// names' unique indexes before schema version 13, are never written.
	userNames := []string{"scim_users_external_id", "scim_users_user_name", "scim_users_user_name_key"}
	groupNames := []string{"scim_groups_display_name", "scim_groups_display_name_key", "scim_groups_external_id"}
	putUser := func(name, ext, given string) func() error {
		return func() error {
			_, err := s.ReplaceUser(ctx, &resources.User{ID: u.ID, UserName: name, ExternalID: ext, Name: &resources.Name{GivenName: given}}, "")
			return err
		}
	}
	putGroup := func(name, ext string) func() error {
		return func() error {
			_, err := s.ReplaceGroup(ctx, &resources.Group{ID: g.ID, DisplayName: name, ExternalID: ext}, "")
			return err
		}
	}
	for _, tc := range []struct {
		name      string
		write     func() error
		want      []string // the name indexes the write writes
		user      bool
		wantName  string
		wantExtID string
	}{
		{"PUT user, names kept", putUser("ann@example.com", "ext-ann", "Anne"), nil, true, "ann@example.com", "ext-ann"},
		{"PATCH user, names kept", func() error {
			_, err := s.UpdateUser(ctx, u.ID, "", func(cur *resources.User) (*resources.User, error) {
				cur.Name = &resources.Name{GivenName: "Annie"}
				return cur, nil
			})
			return err
		}, nil, true, "ann@example.com", "ext-ann"},
		{"PUT user, userName changed", putUser("anne@example.com", "ext-ann", "Anne"), []string{"scim_users_user_name_key"}, true, "anne@example.com", "ext-ann"},
		{"PUT user, externalId changed", putUser("anne@example.com", "ext-anne", "Anne"), []string{"scim_users_external_id"}, true, "anne@example.com", "ext-anne"},
		{"PUT user, externalId dropped", putUser("anne@example.com", "", "Anne"), []string{"scim_users_external_id"}, true, "anne@example.com", ""},
		{"rename a group, externalId kept", putGroup("Engineering", "ext-eng"), []string{"scim_groups_display_name_key"}, false, "Engineering", "ext-eng"},
		{"PUT group, names kept", putGroup("Engineering", "ext-eng"), nil, false, "Engineering", "ext-eng"},
		{"PATCH group, externalId changed", func() error {
			_, err := s.UpdateGroup(ctx, g.ID, "", false, func(cur *resources.Group) (*resources.Group, error) {
				cur.ExternalID = "ext-engineering"
				return cur, nil
			})
			return err
		}, []string{"scim_groups_external_id"}, false, "Engineering", "ext-engineering"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.DB().Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
			require.NoError(t, err)
			require.NoError(t, tc.write())
			names := groupNames
			if tc.user {
				names = userNames
			}
			var got []string
			for _, bt := range walBTrees(t, s, dsn) {
				if slices.Contains(names, bt) {
					got = append(got, bt)
				}
			}
			assert.Equal(t, tc.want, got, "the name indexes written")
			if tc.user {
				r, err := s.GetUser(ctx, u.ID, store.GetOptions{})
				require.NoError(t, err)
				assert.Equal(t, []string{tc.wantName, tc.wantExtID}, []string{r.UserName, r.ExternalID})
				p, err := s.ListUsers(ctx, store.Query{Filter: mustParse(t, `userName eq "`+tc.wantName+`"`), StartIndex: 1, Count: 10})
				require.NoError(t, err)
				assert.Equal(t, 1, p.Total, "found by its userName")
			} else {
				r, err := s.GetGroup(ctx, g.ID, store.GetOptions{})
				require.NoError(t, err)
				assert.Equal(t, []string{tc.wantName, tc.wantExtID}, []string{r.DisplayName, r.ExternalID})
			}
		})
	}
}

// TestWALFramesBridge counts, as TestWALFrames does, the WAL frames a
// SQLite commit writes for the writes of BenchmarkHostTablesBridge over
// its host schema (hostTables, adopting by email, soft deletes; the host's
// table holding 2,000 accounts, which the store without the bridge has
// too and never writes), without and with Config.Bridge: the host's
// pages a write adds, which no change of the bridge's statements can
// save (each is a B-tree of the host's whose rows the write changes). A
// measurement, run on demand: set SCIM_WAL_FRAMES=1 and -v.
func TestWALFramesBridge(t *testing.T) {
	if os.Getenv("SCIM_WAL_FRAMES") == "" {
		t.Skip("set SCIM_WAL_FRAMES=1 to count the WAL frames of a write (BENCHMARKS.md)")
	}
	const writes, hostRows = 300, 2000
	type write func(s *sqlstore.Store, i int) error
	users := func(t *testing.T, s *sqlstore.Store, prefix string, n int) []string {
		ids := make([]string, n)
		for i := range ids {
			u, err := s.CreateUser(ctx, &resources.User{UserName: fmt.Sprintf("%s-%d@example.com", prefix, i), Active: ptr(true)})
			require.NoError(t, err)
			ids[i] = u.ID
		}
		return ids
	}
	for _, op := range []struct {
		name  string
		setup func(t *testing.T, s *sqlstore.Store) write
	}{
		{"POST /Users", func(t *testing.T, s *sqlstore.Store) write {
			return func(s *sqlstore.Store, i int) error {
				_, err := s.CreateUser(ctx, &resources.User{UserName: fmt.Sprintf("new-%d@example.com", i), Active: ptr(true), Name: &resources.Name{GivenName: "New"}})
				return err
			}
		}},
		{"POST /Users adopting", func(t *testing.T, s *sqlstore.Store) write {
			return func(s *sqlstore.Store, i int) error {
				_, err := s.CreateUser(ctx, &resources.User{UserName: fmt.Sprintf("APP%06d@example.com", i), Active: ptr(true), Name: &resources.Name{GivenName: "New"}})
				return err
			}
		}},
		{"POST /Groups, 3 members", func(t *testing.T, s *sqlstore.Store) write {
			ids := users(t, s, "member", 10)
			return func(s *sqlstore.Store, i int) error {
				_, err := s.CreateGroup(ctx, &resources.Group{DisplayName: fmt.Sprintf("team-%d", i), Members: memberList(ids[i%5 : i%5+3])})
				return err
			}
		}},
		{"3 in, 3 out", func(t *testing.T, s *sqlstore.Store) write {
			ids := users(t, s, "member", 3*writes+3)
			g, err := s.CreateGroup(ctx, &resources.Group{DisplayName: "several", Members: memberList(ids[:3])})
			require.NoError(t, err)
			return func(s *sqlstore.Store, i int) error {
				_, err := s.ModifyMembers(ctx, g.ID, ids[3*i+3:3*i+6], ids[3*i:3*i+3], "")
				return err
			}
		}},
		{"DELETE /Users", func(t *testing.T, s *sqlstore.Store) write {
			ids := users(t, s, "victim", writes)
			return func(s *sqlstore.Store, i int) error { return s.DeleteUser(ctx, ids[i], "") }
		}},
		{"DELETE /Groups, 3 members", func(t *testing.T, s *sqlstore.Store) write {
			ids := users(t, s, "member", 10)
			groups := make([]string, writes)
			for i := range groups {
				g, err := s.CreateGroup(ctx, &resources.Group{DisplayName: fmt.Sprintf("doomed-%d", i), Members: memberList(ids[i%5 : i%5+3])})
				require.NoError(t, err)
				groups[i] = g.ID
			}
			return func(s *sqlstore.Store, i int) error { return s.DeleteGroup(ctx, groups[i], "") }
		}},
	} {
		t.Run(op.name, func(t *testing.T) {
			var perWrite [2]float64
			for k, bridged := range []bool{false, true} {
				dsn := sqliteDSN(t)
				cfg := sqlstore.Config{DSN: dsn}
				if bridged {
					b, err := hostTables(true, false).Bridge(dsn)
					require.NoError(t, err)
					cfg.Bridge = b
				}
				s, err := sqlstore.New(ctx, cfg)
				require.NoError(t, err)
				t.Cleanup(func() { s.Close() })
				for _, q := range hostSchema(false, false) {
					_, err := s.DB().Exec(q)
					require.NoError(t, err, q)
				}
				_, err = s.DB().Exec(`WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?)
					INSERT INTO app_users (email, given_name) SELECT printf('app%06d@example.com', i), 'App' FROM n`, hostRows)
				require.NoError(t, err)
				w := op.setup(t, s)
				checkpoint(t, s)
				total := 0
				for i := range writes {
					require.NoError(t, w(s, i))
					total += checkpoint(t, s)
				}
				perWrite[k] = float64(total) / writes
			}
			t.Logf("%s: %.2f frames a write without the bridge, %.2f with it (+%.2f)", op.name, perWrite[0], perWrite[1], perWrite[1]-perWrite[0])
			assert.Greater(t, perWrite[1], perWrite[0], "the bridge writes the host's pages too")
		})
	}
}

// TestWALNameWrites counts the write-ahead log a write of a unique name
// appends, on each database: SQLite's WAL frames (as TestWALFrames
// counts them) and PostgreSQL's WAL bytes (pg_current_wal_insert_lsn
// before and after the writes), a write, for a user's create, a change
// of its userName, a group's create and its rename, each on a store of
// its own with the change feed off. The counts have no noise on SQLite
// and little on PostgreSQL (its own background work, none of the
// store's); BENCHMARKS.md has them (schema version 13 dropped the
// folded names' unique indexes). A measurement, run on demand: set
// SCIM_WAL_FRAMES=1 and -v.
func TestWALNameWrites(t *testing.T) {
	if os.Getenv("SCIM_WAL_FRAMES") == "" {
		t.Skip("set SCIM_WAL_FRAMES=1 to count the WAL of a name's write (BENCHMARKS.md)")
	}
	const writes = 2000
	ops := nameWriteOps(store.WithTenant(ctx, "bench"))
	forEachDB(t, func(t *testing.T, db opener) {
		for _, op := range ops {
			t.Run(op.name, func(t *testing.T) {
				s := db.open(t, sqlstore.Config{})
				write := op.setup(t, s)
				if !isPG(s) {
					checkpoint(t, s)
					total := 0
					for i := range writes {
						require.NoError(t, write(i))
						total += checkpoint(t, s)
					}
					t.Logf("sqlite %s: %.2f frames a write", op.name, float64(total)/writes)
					return
				}
				var start string
				require.NoError(t, s.DB().QueryRowContext(ctx, `SELECT pg_current_wal_insert_lsn()::text`).Scan(&start))
				for i := range writes {
					require.NoError(t, write(i))
				}
				var bytes int64
				require.NoError(t, s.DB().QueryRowContext(ctx, `SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), $1::pg_lsn)::bigint`, start).Scan(&bytes))
				t.Logf("postgres %s: %.0f WAL bytes a write", op.name, float64(bytes)/writes)
			})
		}
	})
}

// nameWriteOps returns the writes of a unique name that TestWALNameWrites
// and BenchmarkFoldNameIndexes measure: a user's create, a change of its
// userName, a group's create and its rename, in the tenant of tctx.
func nameWriteOps(tctx context.Context) []feedWriteOp {
	return []feedWriteOp{
		{"CreateUser", func(t testing.TB, s *sqlstore.Store) func(i int) error {
			return func(i int) error {
				_, err := s.CreateUser(tctx, &resources.User{UserName: fmt.Sprintf("new-%d@example.com", i), Active: ptr(true)})
				return err
			}
		}},
		{"userName change", func(t testing.TB, s *sqlstore.Store) func(i int) error {
			ids := make([]string, 100)
			for k := range ids {
				u, err := s.CreateUser(tctx, &resources.User{UserName: fmt.Sprintf("user-%d@example.com", k), Active: ptr(true)})
				require.NoError(t, err)
				ids[k] = u.ID
			}
			return func(i int) error {
				_, err := s.ReplaceUser(tctx, &resources.User{ID: ids[i%len(ids)], UserName: fmt.Sprintf("renamed-%d@example.com", i), Active: ptr(true)}, "")
				return err
			}
		}},
		{"CreateGroup", func(t testing.TB, s *sqlstore.Store) func(i int) error {
			return func(i int) error {
				_, err := s.CreateGroup(tctx, &resources.Group{DisplayName: fmt.Sprintf("team-%d", i)})
				return err
			}
		}},
		{"group rename", func(t testing.TB, s *sqlstore.Store) func(i int) error {
			ids := make([]string, 100)
			for k := range ids {
				g, err := s.CreateGroup(tctx, &resources.Group{DisplayName: fmt.Sprintf("group-%d", k)})
				require.NoError(t, err)
				ids[k] = g.ID
			}
			return func(i int) error {
				_, err := s.ReplaceGroup(tctx, &resources.Group{ID: ids[i%len(ids)], DisplayName: fmt.Sprintf("renamed-%d", i)}, "")
				return err
			}
		}},
	}
}

// BenchmarkFoldNameIndexes times TestWALNameWrites' writes with and
// without the folded names' unique indexes that schema version 13
// dropped, paired (pairbench): side off writes to a store whose indexes
// were created again (the schema before), side on to one without them;
// med-on/off is what dropping them saved a write.
func BenchmarkFoldNameIndexes(b *testing.B) {
	tctx := store.WithTenant(ctx, "bench")
	for _, db := range databases() {
		b.Run(db.name, func(b *testing.B) {
			for _, op := range nameWriteOps(tctx) {
				b.Run(op.name, func(b *testing.B) {
					before := db.open(b, sqlstore.Config{})
					for _, q := range undo0013()[:2] {
						// A user's write stores user_name_fold empty since
						// branch mends3, so its index is made again not
						// unique: the B-tree insert a write paid is still
						// there to time.
						q = strings.Replace(q, "UNIQUE INDEX scim_users_user_name", "INDEX scim_users_user_name", 1)
						_, err := before.DB().ExecContext(ctx, q)
						require.NoError(b, err, q)
					}
					writes := [2]func(i int) error{op.setup(b, before), op.setup(b, db.open(b, sqlstore.Config{}))}
					pairbench.Run(b, func(k, i int) {
						if err := writes[k](i); err != nil {
							b.Fatal(err)
						}
					})
				})
			}
		})
	}
}
