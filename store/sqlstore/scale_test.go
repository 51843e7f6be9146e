package sqlstore_test

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/internal/pairbench"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/sqlstore"
)

// This file measures what grows with the size of the tables: each common
// request's store operation on a small store (scaleSmall users, as many
// groups) and on a large one (SCIM_SCALE_USERS, default 100,000), both
// with a group of all their users and a group of 10. BenchmarkScale
// times the two side by side (large ÷ small); TestScalePlans runs the same
// operations on a store of 10,000 and plans every statement they send.

// scaleSmall is the small side's size.
const scaleSmall = 1000

// scaleTenant is the tenant of every scale store's data.
const scaleTenant = "scale"

// scaleData is a seeded scale store: n users ("user%06d@example.com",
// seedUser), n groups "Team i" each holding user i, "Big" holding every
// user and "Small" holding the last 10, analyzed.
type scaleData struct {
	s              *sqlstore.Store
	dsn            string
	n              int
	uids, gids     []string
	bigID, smallID string
	// mid is the cursor position after the first half of the users.
	mid string
}

// scaleStore opens a scaleData of n users on db. On SQLite the seeded
// file is built once per size and schema version under the system's temp
// dir and copied for each store, so that a benchmark run with -count=5
// seeds 100,000 users once; PostgreSQL is seeded by COPY into a fresh
// schema.
func scaleStore(t testing.TB, db opener, n int) *scaleData {
	t.Helper()
	dsn := db.dsn(t)
	if db.name == "sqlite" {
		copyFile(t, scaleSQLiteFile(t, n), dsn)
	} else {
		s := openAt(t, sqlstore.Config{DSN: dsn})
		seedScale(t, s, n)
		require.NoError(t, s.Close())
	}
	d := &scaleData{s: openAt(t, sqlstore.Config{DSN: dsn}), dsn: dsn, n: n}
	d.uids = scaleIDs(t, d.s, "scim_users")
	d.gids = scaleIDs(t, d.s, "scim_groups")
	require.Len(t, d.uids, n)
	require.Len(t, d.gids, n+2)
	d.bigID, d.smallID, d.gids = d.gids[n], d.gids[n+1], d.gids[:n]
	p, err := d.s.ListUsersAfter(store.WithTenant(ctx, scaleTenant), store.Query{Count: n / 2, ExcludeGroups: true}, "")
	require.NoError(t, err)
	d.mid = p.Positions[len(p.Positions)-1]
	return d
}

// seedScale fills s as scaleData describes, in bulk.
func seedScale(t testing.TB, s *sqlstore.Store, n int) {
	t.Helper()
	uids := seedUsers(t, s, scaleTenant, n)
	groups := make([]*resources.Group, n, n+2)
	for i := range groups {
		groups[i] = &resources.Group{DisplayName: fmt.Sprintf("Team %d", i), ExternalID: fmt.Sprintf("team-%d", i)}
	}
	groups = append(groups, &resources.Group{DisplayName: "Big"}, &resources.Group{DisplayName: "Small"})
	gids, err := s.SeedGroupsForTest(ctx, scaleTenant, groups)
	require.NoError(t, err)
	require.NoError(t, s.SeedMembershipsForTest(ctx, scaleTenant, "User", gids[:n], uids))
	require.NoError(t, s.SeedMembersForTest(ctx, scaleTenant, gids[n], "User", uids))
	require.NoError(t, s.SeedMembersForTest(ctx, scaleTenant, gids[n+1], "User", uids[n-10:]))
	analyze(t, s)
}

// scaleIDs returns the ids of table's rows of the scale tenant in
// creation order.
func scaleIDs(t testing.TB, s *sqlstore.Store, table string) []string {
	t.Helper()
	return queryLines(t, s.DB(), `SELECT id FROM `+table+` WHERE tenant = 'scale' ORDER BY seq`)
}

// scaleSQLiteFile returns the path of a seeded SQLite file of n users for
// this schema version, building it if it is not there yet.
func scaleSQLiteFile(t testing.TB, n int) string {
	t.Helper()
	probe := openAt(t, sqlstore.Config{DSN: filepath.Join(t.TempDir(), "probe.db")})
	vs := sqlstore.MigrationVersions(probe)
	path := filepath.Join(os.TempDir(), fmt.Sprintf("scimkit-scale-%d-v%d.db", n, vs[len(vs)-1]))
	if _, err := os.Stat(path); err == nil {
		return path
	}
	tmp := filepath.Join(t.TempDir(), "seed.db")
	s := openAt(t, sqlstore.Config{DSN: tmp})
	seedScale(t, s, n)
	// Everything in the main file, so that one copy of it is the database.
	_, err := s.DB().ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`)
	require.NoError(t, err)
	require.NoError(t, s.Close())
	// A file of its own, renamed into place: two test processes building
	// it at once each rename a whole file.
	part, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*.part")
	require.NoError(t, err)
	require.NoError(t, part.Close())
	copyFile(t, tmp, part.Name())
	require.NoError(t, os.Rename(part.Name(), path))
	return path
}

// copyFile copies the file from to to.
func copyFile(t testing.TB, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	require.NoError(t, err)
	defer in.Close()
	out, err := os.Create(to)
	require.NoError(t, err)
	_, err = io.Copy(out, in)
	require.NoError(t, err)
	require.NoError(t, out.Close())
}

// scaleOp is one request's store operation: run does its i-th iteration
// on d, passing the part a request makes to timed (what BenchmarkScale
// times and TestScalePlans plans); anything around it is setup.
type scaleOp struct {
	name string
	run  func(d *scaleData, i int, timed func(func() error) error) error
}

// scaleOps are the operations BenchmarkScale and TestScalePlans run.
func scaleOps() []scaleOp {
	tctx := store.WithTenant(ctx, scaleTenant)
	// k spreads iteration i over the store's users and groups.
	k := func(d *scaleData, i int) int { return (i * 7919) % d.n }
	list := func(f string, want int) func(d *scaleData, i int, timed func(func() error) error) error {
		return func(d *scaleData, i int, timed func(func() error) error) error {
			e, err := (&filter.Parser{}).Parse(fmt.Sprintf(f, k(d, i)))
			if err != nil {
				return err
			}
			return timed(func() error {
				p, err := d.s.ListUsers(tctx, store.Query{Filter: e, StartIndex: 1, Count: 100})
				if err == nil && p.Total != want {
					err = fmt.Errorf("%s: %d results", f, p.Total)
				}
				return err
			})
		}
	}
	member := func(big, add bool) func(d *scaleData, i int, timed func(func() error) error) error {
		return func(d *scaleData, i int, timed func(func() error) error) error {
			g := d.smallID
			if big {
				g = d.bigID
			}
			u, err := d.s.CreateUser(tctx, &resources.User{UserName: fmt.Sprintf("member-%d-%s", i, randomHex(4))})
			if err != nil {
				return err
			}
			if add {
				return timed(func() error { _, err := d.s.ModifyMembers(tctx, g, []string{u.ID}, nil, ""); return err })
			}
			if _, err := d.s.ModifyMembers(tctx, g, []string{u.ID}, nil, ""); err != nil {
				return err
			}
			return timed(func() error { _, err := d.s.ModifyMembers(tctx, g, nil, []string{u.ID}, ""); return err })
		}
	}
	return []scaleOp{
		{"CreateUser", func(d *scaleData, i int, timed func(func() error) error) error {
			return timed(func() error {
				_, err := d.s.CreateUser(tctx, &resources.User{UserName: fmt.Sprintf("new-%d-%s@example.com", i, randomHex(4)),
					ExternalID: "new-" + randomHex(8), Emails: []resources.MultiValue{{Value: "x@work.example", Type: "work"}}})
				return err
			})
		}},
		{"GetUser", func(d *scaleData, i int, timed func(func() error) error) error {
			return timed(func() error { _, err := d.s.GetUser(tctx, d.uids[k(d, i)], store.GetOptions{}); return err })
		}},
		{"userName_eq", list(`userName eq "USER%06d@example.com"`, 1)},
		{"externalId_eq", list(`externalId eq "ext-%d"`, 1)},
		{"group_displayName_eq", func(d *scaleData, i int, timed func(func() error) error) error {
			f, err := (&filter.Parser{}).Parse(fmt.Sprintf(`displayName eq "team %d"`, k(d, i)))
			if err != nil {
				return err
			}
			return timed(func() error {
				p, err := d.s.ListGroups(tctx, store.Query{Filter: f, StartIndex: 1, Count: 100})
				if err == nil && p.Total != 1 {
					err = fmt.Errorf("group displayName eq: %d results", p.Total)
				}
				return err
			})
		}},
		{"ReplaceUser", func(d *scaleData, i int, timed func(func() error) error) error {
			u := seedUser(k(d, i))
			u.ID, u.Title = d.uids[k(d, i)], fmt.Sprintf("title %d", i)
			return timed(func() error { _, err := d.s.ReplaceUser(tctx, u, ""); return err })
		}},
		{"PatchUser_active_false", func(d *scaleData, i int, timed func(func() error) error) error {
			// Each user in turn, every other round back to true, so that
			// every iteration writes.
			active := (i/d.n)%2 == 1
			return timed(func() error {
				_, err := d.s.UpdateUser(tctx, d.uids[k(d, i)], "", func(cur *resources.User) (*resources.User, error) {
					c := cur.Clone()
					c.Active = ptr(active)
					return c, nil
				})
				return err
			})
		}},
		{"DeleteUser", func(d *scaleData, i int, timed func(func() error) error) error {
			// A user in a team, as a provider's user is.
			u, err := d.s.CreateUser(tctx, &resources.User{UserName: fmt.Sprintf("doomed-%d-%s", i, randomHex(4))})
			if err != nil {
				return err
			}
			if _, err := d.s.ModifyMembers(tctx, d.gids[k(d, i)], []string{u.ID}, nil, ""); err != nil {
				return err
			}
			return timed(func() error { return d.s.DeleteUser(tctx, u.ID, "") })
		}},
		{"CreateGroup", func(d *scaleData, i int, timed func(func() error) error) error {
			return timed(func() error {
				_, err := d.s.CreateGroup(tctx, &resources.Group{DisplayName: fmt.Sprintf("new %d %s", i, randomHex(4)),
					Members: []resources.Member{{Value: d.uids[k(d, i)]}}})
				return err
			})
		}},
		{"add_member_small", member(false, true)},
		{"add_member_big", member(true, true)},
		{"remove_member_small", member(false, false)},
		{"remove_member_big", member(true, false)},
		{"list_page_1", func(d *scaleData, i int, timed func(func() error) error) error {
			return timed(func() error {
				p, err := d.s.ListUsers(tctx, store.Query{StartIndex: 1, Count: 100})
				if err == nil && len(p.Items) != 100 {
					err = fmt.Errorf("first page: %d users", len(p.Items))
				}
				return err
			})
		}},
		{"cursor_page_mid", func(d *scaleData, i int, timed func(func() error) error) error {
			return timed(func() error {
				p, err := d.s.ListUsersAfter(tctx, store.Query{Count: 100}, d.mid)
				if err == nil && len(p.Items) != 100 {
					err = fmt.Errorf("cursor page: %d users", len(p.Items))
				}
				return err
			})
		}},
		{"startIndex_mid", func(d *scaleData, i int, timed func(func() error) error) error {
			return timed(func() error {
				p, err := d.s.ListUsers(tctx, store.Query{StartIndex: d.n/2 + 1, Count: 100})
				if err == nil && len(p.Items) != 100 {
					err = fmt.Errorf("deep page: %d users", len(p.Items))
				}
				return err
			})
		}},
	}
}

// BenchmarkScale times each of scaleOps on a store of scaleSmall users
// and on one of SCIM_SCALE_USERS (default 100,000), on each database,
// alternating the two an iteration (pairbench: off is the small store, on
// the large, so on/off and med-on/off are large ÷ small). Each side has
// its own database on the same server (SQLite: two files), so a statement
// that reads a whole table shows as a ratio above 1 whichever tenant it
// reads.
func BenchmarkScale(b *testing.B) {
	n := envCount("SCIM_SCALE_USERS", 100000)
	for _, db := range databases() {
		b.Run(db.name, func(b *testing.B) {
			sides := [2]*scaleData{scaleStore(b, db, scaleSmall), scaleStore(b, db, n)}
			for _, op := range scaleOps() {
				b.Run(op.name, func(b *testing.B) {
					p := pairbench.Start()
					for i := 0; b.Loop(); i++ {
						for j := range 2 {
							k := (i + j) % 2
							err := op.run(sides[k], i, func(f func() error) (err error) {
								p.Time(k, func() { err = f() })
								return err
							})
							if err != nil {
								b.Fatal(err)
							}
						}
					}
					p.Report(b)
				})
			}
		})
	}
}

// TestScalePlans runs each of scaleOps on a store of 10,000 users and
// 10,000 groups (SCIM_SCALE_PLAN_USERS) through the statement counter,
// which must count what the same operation sends on a store of scaleSmall
// (TestRoundTripBudget's measure), and plans every statement it sent (SQLite's EXPLAIN QUERY PLAN, PostgreSQL's
// EXPLAIN): none may read a table of the store whole (SQLite's SCAN of a
// table, not of a co-routine or a materialized subquery of the page;
// PostgreSQL's Seq Scan), whose cost would grow with the table, except
// the two a list makes by design (scaleAccepted). SQLite's temporary
// B-trees all sort what is bounded by the request (a page's rows, a
// user's groups, the members a request names) and are logged, not
// refused (-v).
func TestScalePlans(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds 10,000 users and groups on each database")
	}
	forEachDB(t, func(t *testing.T, db opener) {
		// counting opens a counting store on the data of d.
		counting := func(d *scaleData) (*scaleData, *sqlstore.StatementLog) {
			s, log, err := sqlstore.NewCountingForTest(ctx, sqlstore.Config{DSN: d.dsn})
			require.NoError(t, err)
			t.Cleanup(func() { s.Close() })
			c := *d
			c.s = s
			return &c, log
		}
		large := scaleStore(t, db, envCount("SCIM_SCALE_PLAN_USERS", 10000))
		small, smallLog := counting(scaleStore(t, db, scaleSmall))
		counted, log := counting(large)
		for _, op := range scaleOps() {
			t.Run(op.name, func(t *testing.T) {
				// run runs op on d, returning what its request sent.
				run := func(d *scaleData, log *sqlstore.StatementLog) []sqlstore.SQLEvent {
					var events []sqlstore.SQLEvent
					require.NoError(t, op.run(d, 3, func(f func() error) error {
						log.Take()
						err := f()
						events = log.Take()
						return err
					}))
					return events
				}
				events := run(counted, log)
				assert.Equal(t, measure(run(small, smallLog)), measure(events), "%s sends as many statements at %d users as at %d", op.name, large.n, scaleSmall)
				t.Logf("%s: %s", op.name, measure(events))
				for _, e := range events {
					if e.Begin || !planned(e.SQL) {
						continue
					}
					whole, plan := wholeTables(t, large.s, e.Query, e.Args)
					for _, line := range plan {
						if strings.Contains(line, "TEMP B-TREE") {
							t.Logf("%s sorts: %s", op.name, line)
						}
					}
					if len(whole) > 0 && !scaleAccepted(op.name, e.SQL, whole) {
						t.Errorf("%s reads a table whole: %q\n%s\n%s", op.name, whole, e.SQL, strings.Join(plan, "\n"))
					}
				}
			})
		}
	})
}

// scaleAccepted reports whether the whole-table reads of op's statement
// stmt are the two a list of one tenant's users makes by design:
//   - PostgreSQL's read of the tenant's count for totalResults, a Seq
//     Scan of scim_counts, which holds a few rows per tenant (migration
//     0014): a table of one page, which the planner reads whole rather
//     than through its primary key. The tenant's users are no longer
//     counted (until migration 0014 a Seq Scan of scim_users);
//   - SQLite's first page in creation order, a SCAN of the table in rowid
//     order that LIMIT stops after the page: with one tenant in the table
//     it is what the (tenant, seq) index gives, which SQLite's planner
//     takes once another tenant's rows are analyzed (deepSkipPlans).
func scaleAccepted(op, stmt string, whole []string) bool {
	if op != "list_page_1" && op != "startIndex_mid" {
		return false
	}
	for _, w := range whole {
		count := strings.HasPrefix(w, "Seq Scan on scim_counts ") && strings.Contains(stmt, "FROM scim_counts c WHERE c.tenant = ")
		first := w == "SCAN u" && op == "list_page_1"
		if !count && !first {
			return false
		}
	}
	return true
}

// planned reports whether stmt is one EXPLAIN plans (not a transaction's
// control or a pragma).
func planned(stmt string) bool {
	for _, w := range []string{"SELECT", "INSERT", "UPDATE", "DELETE", "WITH"} {
		if len(stmt) >= len(w) && strings.EqualFold(stmt[:len(w)], w) {
			return true
		}
	}
	return false
}

// wholeTables returns the nodes of stmt's plan on s that read one of the
// store's tables whole: on SQLite a SCAN of a name stmt gives a scim_
// table (not one that reads a co-routine of the same name made beside it,
// as a page's subquery aliased like its table), on PostgreSQL a Seq Scan
// of a scim_ table.
func wholeTables(t *testing.T, s *sqlstore.Store, stmt string, args []any) (whole, plan []string) {
	t.Helper()
	if isPG(s) {
		plan = strings.Split(explain(t, s, stmt, args...), "\n")
		for _, line := range plan {
			if l := strings.TrimPrefix(strings.TrimSpace(line), "->  "); strings.HasPrefix(l, "Seq Scan on scim_") {
				whole = append(whole, l)
			}
		}
		return whole, plan
	}
	nodes := sqlitePlanTree(t, s, stmt, args)
	for _, n := range nodes {
		plan = append(plan, n.detail)
	}
	for _, n := range nodes {
		name, ok := strings.CutPrefix(n.detail, "SCAN ")
		if !ok {
			continue
		}
		name, _, _ = strings.Cut(name, " ")
		if !regexp.MustCompile(`scim_\w+ ` + regexp.QuoteMeta(name) + `\b`).MatchString(stmt) {
			continue // a co-routine, a CTE, json_each, a VALUES list
		}
		coroutine := slices.ContainsFunc(nodes, func(c planNode) bool {
			return c.parent == n.parent && (c.detail == "CO-ROUTINE "+name || c.detail == "MATERIALIZE "+name)
		})
		if !coroutine {
			whole = append(whole, n.detail)
		}
	}
	return whole, plan
}

// TestWALScaleCreates counts the write-ahead log a create appends on a
// store of SCIM_SCALE_USERS (default 100,000) users and groups, for
// BenchmarkScale's CreateUser and CreateGroup (the create after each
// other one, on the same store): on SQLite the WAL frames of each
// commit (a PASSIVE checkpoint after every create, as TestWALFrames
// counts them) and the pages the database grew by; on PostgreSQL the WAL
// bytes (pg_current_wal_insert_lsn before and after) after a
// CHECKPOINT, so that each page a create is the first to change since is
// written whole (a full-page image), as in production after each one:
// run it on a server with full_page_writes on (pg.sh with
// SCIM_PG_FAST=0), which the log says.
// Where a create's id lands in the indexes that carry it decides both
// (BENCHMARKS.md). A measurement, run on demand: set SCIM_WAL_FRAMES=1
// and -v.
func TestWALScaleCreates(t *testing.T) {
	if os.Getenv("SCIM_WAL_FRAMES") == "" {
		t.Skip("set SCIM_WAL_FRAMES=1 to count the WAL of a create at scale (BENCHMARKS.md)")
	}
	const writes = 2000
	n := envCount("SCIM_SCALE_USERS", 100000)
	forEachDB(t, func(t *testing.T, db opener) {
		d := scaleStore(t, db, n)
		for _, op := range scaleOps() {
			if op.name != "CreateUser" && op.name != "CreateGroup" {
				continue
			}
			t.Run(op.name, func(t *testing.T) {
				run := func(i int) error { return op.run(d, i, func(f func() error) error { return f() }) }
				if !isPG(d.s) {
					pages := func() (n int) {
						require.NoError(t, d.s.DB().QueryRowContext(ctx, `PRAGMA page_count`).Scan(&n))
						return n
					}
					checkpoint(t, d.s)
					before, frames := pages(), 0
					for i := range writes {
						require.NoError(t, run(i))
						frames += checkpoint(t, d.s)
					}
					t.Logf("sqlite %s at %d: %.2f WAL frames a create, %.3f pages grown a create", op.name, n, float64(frames)/writes, float64(pages()-before)/writes)
					return
				}
				var start, fpw string
				require.NoError(t, d.s.DB().QueryRowContext(ctx, `SHOW full_page_writes`).Scan(&fpw))
				_, err := d.s.DB().ExecContext(ctx, `CHECKPOINT`)
				require.NoError(t, err)
				require.NoError(t, d.s.DB().QueryRowContext(ctx, `SELECT pg_current_wal_insert_lsn()::text`).Scan(&start))
				for i := range writes {
					require.NoError(t, run(i))
				}
				var bytes int64
				require.NoError(t, d.s.DB().QueryRowContext(ctx, `SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), $1::pg_lsn)::bigint`, start).Scan(&bytes))
				t.Logf("postgres %s at %d: %.0f WAL bytes a create (full_page_writes %s)", op.name, n, float64(bytes)/writes, fpw)
			})
		}
	})
}
