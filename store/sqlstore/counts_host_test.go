package sqlstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/sqlstore"
)

// countExec runs a statement of a test of the counts, in tx when it is
// not nil, with ? placeholders made $n on PostgreSQL (rebind).
type countExec struct {
	s *sqlstore.Store
}

// group inserts a bare group of tenant named name through tx (or the
// pool), as a host's own statement would.
func (c countExec) group(ctx context.Context, tx *sql.Tx, tenant, name string) error {
	q := rebind(c.s, `INSERT INTO scim_groups (tenant, id, display_name, display_name_fold, doc, q, created, last_modified, version)
		VALUES (?, ?, ?, ?, '{}', '{}', ?, ?, 1)`)
	args := []any{tenant, name, name, name, nowArg(c.s), nowArg(c.s)}
	var err error
	if tx != nil {
		_, err = tx.ExecContext(ctx, q, args...)
	} else {
		_, err = c.s.DB().ExecContext(ctx, q, args...)
	}
	return err
}

// counted returns tenant's count of kind as the lists read it and the
// rows of that kind its table holds.
func (c countExec) counted(t *testing.T, tenant, kind string) (counted, stored int) {
	t.Helper()
	require.NoError(t, c.s.DB().QueryRowContext(ctx, rebind(c.s, `SELECT COALESCE(sum(n), 0) FROM scim_counts WHERE tenant = ? AND kind = ?`), tenant, kind).Scan(&counted))
	require.NoError(t, c.s.DB().QueryRowContext(ctx, rebind(c.s, `SELECT count(*) FROM scim_`+kind+` WHERE tenant = ?`), tenant).Scan(&stored))
	return counted, stored
}

// nextDelta makes the next delta of scim_counts take id next (a 32nd
// folds), whichever connection draws it.
func (c countExec) nextDelta(t *testing.T, next int64) {
	t.Helper()
	_, err := c.s.DB().ExecContext(ctx, `SELECT setval(pg_get_serial_sequence('scim_counts', 'id'), $1)`, next-1)
	require.NoError(t, err)
}

// TestTenantCountFoldsNeverWait: on PostgreSQL a fold (every 32nd delta,
// migration 0014) runs in whichever write's transaction drew it. Before
// migration 0016 it deleted its tenant's deltas with a plain DELETE,
// which waits for another fold's row locks until that fold's transaction
// ends, so two transactions that each fold two tenants in opposite
// orders (a host's transaction writing several scim_ rows, the store's
// retries aside) deadlocked: one lost with 40P01. And a fold in a host's
// REPEATABLE READ transaction, of deltas that a fold committed after its
// snapshot deleted, failed with 40001. Each case below is the
// interleaving step by step, with the delta ids set so that the chosen
// writes fold; every write must succeed and the counts stay exact.
func TestTenantCountFoldsNeverWait(t *testing.T) {
	forEachDB(t, func(t *testing.T, db opener) {
		for _, tc := range []struct {
			name string
			run  func(t *testing.T, c countExec)
		}{
			{name: "two folds in opposite orders", run: func(t *testing.T, c countExec) {
				tx1, err := c.s.DB().BeginTx(ctx, nil)
				require.NoError(t, err)
				defer tx1.Rollback()
				tx2, err := c.s.DB().BeginTx(ctx, nil)
				require.NoError(t, err)
				defer tx2.Rollback()
				var pid1 int
				require.NoError(t, tx1.QueryRowContext(ctx, `SELECT pg_backend_pid()`).Scan(&pid1))

				c.nextDelta(t, 32)
				require.NoError(t, c.group(ctx, tx1, "a", "x1"), "tx1 folds a, holding a's deltas")
				c.nextDelta(t, 64)
				require.NoError(t, c.group(ctx, tx2, "b", "x2"), "tx2 folds b, holding b's deltas")
				c.nextDelta(t, 96)
				done := make(chan error, 1)
				go func() { done <- c.group(ctx, tx1, "b", "y1") }() // folds b: before 0016, waits for tx2
				var err1 error
				waited := false
				for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline) && !waited; {
					select {
					case err1 = <-done:
						done = nil
						waited = true
						continue
					default:
					}
					var lock bool
					require.NoError(t, c.s.DB().QueryRowContext(ctx, `SELECT COALESCE(wait_event_type = 'Lock', false) FROM pg_stat_activity WHERE pid = $1`, pid1).Scan(&lock))
					if lock {
						t.Log("tx1 waits for tx2's lock")
						break
					}
					time.Sleep(5 * time.Millisecond)
				}
				c.nextDelta(t, 128)
				err2 := c.group(ctx, tx2, "a", "y2") // folds a: before 0016, waits for tx1, a deadlock
				if done != nil {
					err1 = <-done
				}
				require.NoError(t, err1, "tx1")
				require.NoError(t, err2, "tx2")
				require.NoError(t, tx1.Commit())
				require.NoError(t, tx2.Commit())
			}},
			{name: "fold in a repeatable read transaction", run: func(t *testing.T, c countExec) {
				rr, err := c.s.DB().BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead})
				require.NoError(t, err)
				defer rr.Rollback()
				var n int
				require.NoError(t, rr.QueryRowContext(ctx, `SELECT count(*) FROM scim_counts`).Scan(&n), "the snapshot")
				c.nextDelta(t, 32)
				require.NoError(t, c.group(ctx, nil, "a", "x1"), "a fold of a commits")
				c.nextDelta(t, 64)
				require.NoError(t, c.group(ctx, rr, "a", "x2"), "a fold of a in the older snapshot")
				require.NoError(t, rr.Commit())
			}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				s := db.open(t, sqlstore.Config{})
				if !isPG(s) {
					t.Skip("SQLite keeps one row per tenant, without folds")
				}
				c := countExec{s}
				for _, tenant := range []string{"a", "b"} {
					for i := range 3 {
						require.NoError(t, c.group(ctx, nil, tenant, fmt.Sprintf("g%d", i)))
					}
				}
				tc.run(t, c)
				for _, tenant := range []string{"a", "b"} {
					counted, stored := c.counted(t, tenant, "groups")
					assert.Equal(t, stored, counted, tenant)
				}
				var rows int
				require.NoError(t, s.DB().QueryRowContext(ctx, `SELECT count(*) FROM scim_counts`).Scan(&rows))
				t.Logf("%d delta rows", rows)
			})
		}
	})
}

// TestTenantCountsExactAcrossTenantsInOneTransaction: writers whose
// every transaction creates and deletes groups of several tenants in a
// random order (a host's own batch, the bridge, /Bulk in one
// transaction), with every delta a fold (the identity steps by 32), all
// succeed, and each tenant's count is its rows. Before migration 0016
// such folds deadlocked.
func TestTenantCountsExactAcrossTenantsInOneTransaction(t *testing.T) {
	forEachDB(t, func(t *testing.T, db opener) {
		s := db.open(t, sqlstore.Config{})
		if !isPG(s) {
			t.Skip("SQLite has one writer at a time and no folds")
		}
		c := countExec{s}
		_, err := s.DB().ExecContext(ctx, `ALTER TABLE scim_counts ALTER COLUMN id SET INCREMENT BY 32`)
		require.NoError(t, err)
		_, err = s.DB().ExecContext(ctx, `SELECT setval(pg_get_serial_sequence('scim_counts', 'id'), 32)`)
		require.NoError(t, err)
		tenants := []string{"t0", "t1", "t2", "t3", "t4"}
		const writers, rounds = 8, 25
		var wg sync.WaitGroup
		errs := make(chan error, writers)
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := rand.New(rand.NewPCG(uint64(w), 7))
				for i := range rounds {
					tx, err := s.DB().BeginTx(ctx, nil)
					if err != nil {
						errs <- err
						return
					}
					for _, k := range r.Perm(len(tenants))[:3] {
						name := fmt.Sprintf("w%d-%d", w, i)
						if err = c.group(ctx, tx, tenants[k], name); err == nil && i%2 == 0 {
							_, err = tx.ExecContext(ctx, `DELETE FROM scim_groups WHERE tenant = $1 AND id = $2`, tenants[k], name)
						}
						if err != nil {
							break
						}
					}
					if err == nil {
						err = tx.Commit()
					}
					if err != nil {
						tx.Rollback()
						errs <- fmt.Errorf("writer %d, round %d: %w", w, i, err)
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
		for _, tenant := range tenants {
			counted, stored := c.counted(t, tenant, "groups")
			assert.Equal(t, stored, counted, tenant)
		}
	})
}

// TestTenantCountsLeaveNoRowsForEmptiedTenants: a tenant whose users and
// groups are all deleted (a churn of test or trial tenants) leaves no
// rows in scim_counts, whether its rows go one by one through the store
// or in one statement. Before migration 0016, SQLite kept a row of zero
// per tenant and kind, and PostgreSQL the tenant's unfolded deltas.
func TestTenantCountsLeaveNoRowsForEmptiedTenants(t *testing.T) {
	forEachDB(t, func(t *testing.T, db opener) {
		for _, tc := range []struct {
			name  string
			empty func(t *testing.T, s *sqlstore.Store, tenant string, users, groups []string)
		}{
			{name: "through the store", empty: func(t *testing.T, s *sqlstore.Store, tenant string, users, groups []string) {
				tctx := store.WithTenant(ctx, tenant)
				for _, id := range groups {
					require.NoError(t, s.DeleteGroup(tctx, id, ""))
				}
				for _, id := range users {
					require.NoError(t, s.DeleteUser(tctx, id, ""))
				}
			}},
			{name: "one statement each", empty: func(t *testing.T, s *sqlstore.Store, tenant string, _, _ []string) {
				c := countExec{s}
				for _, table := range []string{"scim_groups", "scim_users"} {
					_, err := s.DB().ExecContext(ctx, rebind(c.s, `DELETE FROM `+table+` WHERE tenant = ?`), tenant)
					require.NoError(t, err)
				}
			}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				s := db.open(t, sqlstore.Config{})
				tctx := store.WithTenant(ctx, "kept")
				_, err := s.CreateUser(tctx, &resources.User{UserName: "kept"})
				require.NoError(t, err)
				for i := range 50 {
					tenant := fmt.Sprintf("trial%02d", i)
					tctx := store.WithTenant(ctx, tenant)
					var users, groups []string
					for j := range 3 {
						u, err := s.CreateUser(tctx, &resources.User{UserName: fmt.Sprintf("u%d", j)})
						require.NoError(t, err)
						users = append(users, u.ID)
					}
					for j := range 2 {
						g, err := s.CreateGroup(tctx, &resources.Group{DisplayName: fmt.Sprintf("g%d", j), Members: []resources.Member{{Value: users[j]}}})
						require.NoError(t, err)
						groups = append(groups, g.ID)
					}
					tc.empty(t, s, tenant, users, groups)
				}
				var rows int
				require.NoError(t, s.DB().QueryRowContext(ctx, `SELECT count(*) FROM scim_counts WHERE tenant LIKE 'trial%'`).Scan(&rows))
				assert.Zero(t, rows, "rows of the emptied tenants")
				for _, tenant := range []string{"kept", "trial07"} {
					listed, stored := totals(t, s, tenant)
					assert.Equal(t, stored, listed, tenant)
				}
			})
		}
	})
}

// TestTenantCountsFollowMovedRows: a host's UPDATE that moves users or
// groups to another tenant takes them from the one's count and adds them
// to the other's; an UPDATE that sets tenant to the value it has counts
// nothing. Before migration 0016 both tenants' lists kept the old
// totals.
func TestTenantCountsFollowMovedRows(t *testing.T) {
	forEachDB(t, func(t *testing.T, db opener) {
		for _, tc := range []struct {
			name  string
			moves []string // statements, each with the tenants to and from
			after map[string][2]int
		}{
			{name: "one user", moves: []string{`UPDATE scim_users SET tenant = ? WHERE tenant = ? AND user_name = 'a-u0'`},
				after: map[string][2]int{"a": {2, 2}, "b": {2, 1}}},
			{name: "every user and group", moves: []string{`UPDATE scim_users SET tenant = ? WHERE tenant = ?`, `UPDATE scim_groups SET tenant = ? WHERE tenant = ?`},
				after: map[string][2]int{"a": {0, 0}, "b": {4, 3}}},
			{name: "to the same tenant", moves: []string{`UPDATE scim_users SET tenant = ? WHERE tenant = ? AND tenant = 'a'`},
				after: map[string][2]int{"a": {3, 2}, "b": {1, 1}}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				s := db.open(t, sqlstore.Config{})
				c := countExec{s}
				for tenant, n := range map[string][2]int{"a": {3, 2}, "b": {1, 1}} {
					tctx := store.WithTenant(ctx, tenant)
					for i := range n[0] {
						_, err := s.CreateUser(tctx, &resources.User{UserName: fmt.Sprintf("%s-u%d", tenant, i)})
						require.NoError(t, err)
					}
					for i := range n[1] {
						_, err := s.CreateGroup(tctx, &resources.Group{DisplayName: fmt.Sprintf("%s-g%d", tenant, i)})
						require.NoError(t, err)
					}
				}
				to := "b"
				if tc.name == "to the same tenant" {
					to = "a"
				}
				for _, q := range tc.moves {
					_, err := s.DB().ExecContext(ctx, rebind(c.s, q), to, "a")
					require.NoError(t, err, q)
				}
				for tenant, want := range tc.after {
					listed, stored := totals(t, s, tenant)
					assert.Equal(t, want, stored, tenant)
					assert.Equal(t, stored, listed, tenant)
				}
			})
		}
	})
}

// TestUpgradeTo16: migration 0016 applies on a database at version 15
// holding tenants, emptied ones among them, whose rows it removes, and
// the counts of the others stay.
func TestUpgradeTo16(t *testing.T) {
	forEachDB(t, func(t *testing.T, db opener) {
		dsn, old, _ := rewound(t, db, undo0016())
		v, err := old.SchemaVersion(ctx)
		require.NoError(t, err)
		require.Equal(t, 15, v)
		for _, tenant := range []string{"gone1", "gone2", "kept"} {
			tctx := store.WithTenant(ctx, tenant)
			var ids []string
			for i := range 4 {
				u, err := old.CreateUser(tctx, &resources.User{UserName: fmt.Sprintf("u%d", i)})
				require.NoError(t, err)
				ids = append(ids, u.ID)
			}
			g, err := old.CreateGroup(tctx, &resources.Group{DisplayName: "g"})
			require.NoError(t, err)
			if tenant != "kept" {
				for _, id := range ids {
					require.NoError(t, old.DeleteUser(tctx, id, ""))
				}
				require.NoError(t, old.DeleteGroup(tctx, g.ID, ""))
			}
		}
		var rows int
		require.NoError(t, old.DB().QueryRowContext(ctx, `SELECT count(*) FROM scim_counts WHERE tenant LIKE 'gone%'`).Scan(&rows))
		require.NotZero(t, rows, "version 15 keeps the emptied tenants' rows")
		require.NoError(t, old.Close())
		s := openAt(t, sqlstore.Config{DSN: dsn})
		v, err = s.SchemaVersion(ctx)
		require.NoError(t, err)
		assert.Equal(t, 16, v)
		require.NoError(t, s.DB().QueryRowContext(ctx, `SELECT count(*) FROM scim_counts WHERE tenant LIKE 'gone%'`).Scan(&rows))
		assert.Zero(t, rows)
		for tenant, want := range map[string][2]int{"kept": {4, 1}, "gone1": {0, 0}} {
			listed, stored := totals(t, s, tenant)
			assert.Equal(t, want, stored, tenant)
			assert.Equal(t, stored, listed, tenant)
		}
	})
}

// TestTenantCountsFoldUnderRepeatableRead: where the host makes
// REPEATABLE READ the default isolation (the store's writes then run at
// it), concurrent creates of one tenant all succeed, the count stays
// exact and the folds still run (a fold that meets a delta folded after
// its snapshot drops itself, not the write).
func TestTenantCountsFoldUnderRepeatableRead(t *testing.T) {
	forEachDB(t, func(t *testing.T, db opener) {
		dsn := db.dsn(t)
		if !isPGDSN(dsn) {
			t.Skip("SQLite has no isolation levels to choose")
		}
		u, err := url.Parse(dsn)
		require.NoError(t, err)
		q := u.Query()
		q.Set("default_transaction_isolation", "repeatable read")
		u.RawQuery = strings.ReplaceAll(q.Encode(), "+", "%20") // pgx reads no + as a space
		s := openAt(t, sqlstore.Config{DSN: u.String()})
		var iso string
		require.NoError(t, s.DB().QueryRowContext(ctx, `SELECT current_setting('transaction_isolation')`).Scan(&iso))
		require.Equal(t, "repeatable read", iso)
		const writers, rounds = 4, 40
		tctx := store.WithTenant(ctx, "a")
		var wg sync.WaitGroup
		errs := make(chan error, writers)
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range rounds {
					if _, err := s.CreateUser(tctx, &resources.User{UserName: fmt.Sprintf("u%d-%d", w, i)}); err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
		listed, stored := totals(t, s, "a")
		assert.Equal(t, [2]int{writers * rounds, 0}, stored)
		assert.Equal(t, stored, listed)
		var rows int
		require.NoError(t, s.DB().QueryRowContext(ctx, `SELECT count(*) FROM scim_counts`).Scan(&rows))
		assert.Less(t, rows, writers*rounds*3/4, "the deltas are folded")
	})
}

// TestTenantCountEmptiedBesideOpenWrites: on PostgreSQL the delete that
// empties a tenant folds it and deletes the fold's row when the sum it
// holds is zero (migration 0016), while another transaction's delta of
// the tenant is not yet committed: the probe of the table does not see
// that transaction's row, and the fold neither sees nor locks its delta.
// The count stays exact whether that transaction commits or rolls back,
// and a 32nd delta drawn by a write beside an open delete of the
// tenant's last row folds only what it can lock. Two connections, step
// by step.
func TestTenantCountEmptiedBesideOpenWrites(t *testing.T) {
	forEachDB(t, func(t *testing.T, db opener) {
		for _, tc := range []struct {
			name   string
			commit bool
			fold   bool // the open transaction's write draws a 32nd delta
		}{
			{"open insert commits", true, false},
			{"open insert rolls back", false, false},
			{"open insert that folds commits", true, true},
			{"open insert that folds rolls back", false, true},
		} {
			t.Run(tc.name, func(t *testing.T) {
				s := db.open(t, sqlstore.Config{})
				if !isPG(s) {
					t.Skip("SQLite has one writer at a time and no fold")
				}
				c := countExec{s}
				for i := range 3 {
					require.NoError(t, c.group(ctx, nil, "a", fmt.Sprintf("g%d", i)))
				}
				open, err := s.DB().BeginTx(ctx, nil)
				require.NoError(t, err)
				defer open.Rollback()
				if tc.fold {
					c.nextDelta(t, 64)
				}
				require.NoError(t, c.group(ctx, open, "a", "open"), "the open transaction's delta of a")
				// The pool empties a in one statement: its delete sees no
				// row of a left (open's is not committed) and folds a.
				_, err = s.DB().ExecContext(ctx, `DELETE FROM scim_groups WHERE tenant = 'a'`)
				require.NoError(t, err)
				if tc.commit {
					require.NoError(t, open.Commit())
				} else {
					require.NoError(t, open.Rollback())
				}
				counted, stored := c.counted(t, "a", "groups")
				assert.Equal(t, stored, counted, "a's count")
				if !tc.fold {
					// The delete folded a to zero and deleted its row:
					// what is left is open's delta, if it committed.
					var rows int
					require.NoError(t, s.DB().QueryRowContext(ctx, `SELECT count(*) FROM scim_counts WHERE tenant = 'a' AND kind = 'groups'`).Scan(&rows))
					assert.Equal(t, stored, rows, "a's delta rows after the emptying delete")
				}
				// A later write that empties a folds what is left (a
				// rolled back fold's deltas too): an emptied a keeps no
				// rows.
				require.NoError(t, c.group(ctx, nil, "a", "later"))
				_, err = s.DB().ExecContext(ctx, `DELETE FROM scim_groups WHERE tenant = 'a'`)
				require.NoError(t, err)
				counted, stored = c.counted(t, "a", "groups")
				assert.Equal(t, 0, stored)
				assert.Equal(t, 0, counted, "a's count once emptied")
				var rows int
				require.NoError(t, s.DB().QueryRowContext(ctx, `SELECT count(*) FROM scim_counts WHERE tenant = 'a' AND kind = 'groups'`).Scan(&rows))
				assert.Zero(t, rows, "rows of the emptied tenant")
			})
		}
	})
}
