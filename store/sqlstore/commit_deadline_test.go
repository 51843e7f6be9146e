package sqlstore_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/sqlstore"
)

// countingWithUserAndGroup opens a store on a fresh database of db that
// logs its statements, with a user "bjensen" and a group "team".
func countingWithUserAndGroup(t *testing.T, db opener) (*sqlstore.Store, *sqlstore.StatementLog, *resources.User, *resources.Group) {
	t.Helper()
	s, log, err := sqlstore.NewCountingForTest(ctx, sqlstore.Config{DSN: db.dsn(t)})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	u, err := s.CreateUser(tctx(), &resources.User{UserName: "bjensen"})
	require.NoError(t, err)
	g, err := s.CreateGroup(tctx(), &resources.Group{DisplayName: "team"})
	require.NoError(t, err)
	return s, log, u, g
}

// TestDeadlineDuringCommit: a request's context that ends while its
// write's COMMIT is on its way (the fault point is the driver's Commit,
// as database/sql calls it) does not end the COMMIT: the write commits
// and the store says so. Before, the drivers ended the COMMIT with the
// context (pgx closes the connection, whatever the server did with it),
// and the handler answered 503 for a write that may have committed; a
// provider's retried create then got 409. A context that ended before
// the COMMIT still rolls the write back (the second table).
func TestDeadlineDuringCommit(t *testing.T) {
	oneMember := func(t *testing.T, s *sqlstore.Store, _, gid string, committed bool) {
		g, err := s.GetGroup(tctx(), gid, store.GetOptions{})
		require.NoError(t, err)
		assert.Equal(t, committed, len(g.Members) == 1, "members %v", g.Members)
	}
	writes := []struct {
		name  string
		write func(ctx context.Context, s *sqlstore.Store, uid, gid string) error
		check func(t *testing.T, s *sqlstore.Store, uid, gid string, committed bool)
	}{
		{
			name: "create group",
			write: func(ctx context.Context, s *sqlstore.Store, uid, _ string) error {
				_, err := s.CreateGroup(ctx, &resources.Group{DisplayName: "new", Members: []resources.Member{{Value: uid}}})
				return err
			},
			check: func(t *testing.T, s *sqlstore.Store, _, _ string, committed bool) {
				page, err := s.ListGroups(tctx(), store.Query{StartIndex: 1, Count: 10, ExcludeMembers: true})
				require.NoError(t, err)
				assert.Equal(t, map[bool]int{true: 2, false: 1}[committed], page.Total)
			},
		},
		{
			name: "add a member",
			write: func(ctx context.Context, s *sqlstore.Store, uid, gid string) error {
				_, err := s.ModifyMembers(ctx, gid, []string{uid}, nil, "")
				return err
			},
			check: oneMember,
		},
		{
			name: "checked member change",
			write: func(ctx context.Context, s *sqlstore.Store, uid, gid string) error {
				_, err := s.ModifyMembersChecked(ctx, gid, []string{uid}, nil, "", func(*resources.Group) error { return nil })
				return err
			},
			check: oneMember,
		},
		{
			name: "delete user",
			write: func(ctx context.Context, s *sqlstore.Store, uid, _ string) error {
				return s.DeleteUser(ctx, uid, "")
			},
			check: func(t *testing.T, s *sqlstore.Store, uid, _ string, committed bool) {
				_, err := s.GetUser(tctx(), uid, store.GetOptions{})
				assert.Equal(t, committed, err != nil, "%v", err)
			},
		},
	}
	forEachDB(t, func(t *testing.T, db opener) {
		for _, w := range writes {
			for _, tc := range []struct {
				name      string
				at        string // "commit": the context ends as the COMMIT is sent; "before": before the write
				committed bool
			}{
				{"ends during the commit", "commit", true},
				{"ended before the write", "before", false},
			} {
				t.Run(w.name+"/"+tc.name, func(t *testing.T) {
					s, log, u, g := countingWithUserAndGroup(t, db)

					wctx, cancel := context.WithCancel(tctx())
					defer cancel()
					commits := 0
					switch tc.at {
					case "commit":
						log.BeforeCommit(func(context.Context) { commits++; cancel() })
					case "before":
						cancel()
					}
					err := w.write(wctx, s, u.ID, g.ID)
					log.BeforeCommit(nil)
					if tc.committed {
						require.NoError(t, err, "a write whose COMMIT was sent is the COMMIT's outcome")
						assert.Equal(t, 1, commits)
					} else {
						require.ErrorIs(t, err, context.Canceled)
					}
					w.check(t, s, u.ID, g.ID, tc.committed)
				})
			}
		}
	})
}

// TestContextEndsDuringOneStatementWrite: a request's context that ends
// while a write sent as one statement runs (on PostgreSQL, CreateUser's
// and UpdateUser's INSERT or UPDATE with its CTEs, which commits as it
// completes; the fault point runs as the statement is sent) does not
// end the statement: its outcome is the store's answer, and that answer
// is what was stored. On SQLite the same statement runs in a
// transaction whose COMMIT is not yet sent, which the ended context
// rolls back: an error, and nothing written.
func TestContextEndsDuringOneStatementWrite(t *testing.T) {
	writes := []struct {
		name   string
		marker string // the fault runs before the statement that holds it
		write  func(ctx context.Context, s *sqlstore.Store, uid string) error
		stored func(t *testing.T, s *sqlstore.Store, uid string) bool
	}{
		{
			name:   "create user",
			marker: "INSERT INTO scim_users",
			write: func(ctx context.Context, s *sqlstore.Store, _ string) error {
				_, err := s.CreateUser(ctx, &resources.User{UserName: "new"})
				return err
			},
			stored: func(t *testing.T, s *sqlstore.Store, _ string) bool {
				page, err := s.ListUsers(tctx(), store.Query{StartIndex: 1, Count: 10, ExcludeGroups: true})
				require.NoError(t, err)
				return page.Total == 2
			},
		},
		{
			name:   "update user",
			marker: "UPDATE scim_users",
			write: func(ctx context.Context, s *sqlstore.Store, uid string) error {
				_, err := s.UpdateUser(ctx, uid, "", func(cur *resources.User) (*resources.User, error) {
					next := *cur
					next.DisplayName = "Barbara"
					return &next, nil
				})
				return err
			},
			stored: func(t *testing.T, s *sqlstore.Store, uid string) bool {
				u, err := s.GetUser(tctx(), uid, store.GetOptions{})
				require.NoError(t, err)
				return u.DisplayName == "Barbara"
			},
		},
	}
	forEachDB(t, func(t *testing.T, db opener) {
		for _, w := range writes {
			t.Run(w.name, func(t *testing.T) {
				s, log, err := sqlstore.NewCountingForTest(ctx, sqlstore.Config{DSN: db.dsn(t)})
				require.NoError(t, err)
				t.Cleanup(func() { s.Close() })
				u, err := s.CreateUser(tctx(), &resources.User{UserName: "bjensen"})
				require.NoError(t, err)

				wctx, cancel := context.WithCancel(tctx())
				defer cancel()
				var fired atomic.Int32
				log.BeforeWrite(func(_ context.Context, q string) {
					if strings.Contains(q, w.marker) {
						fired.Add(1)
						cancel()
					}
				})
				err = w.write(wctx, s, u.ID)
				log.BeforeWrite(nil)
				require.Equal(t, int32(1), fired.Load(), "the fault ran before the write's statement")
				stored := w.stored(t, s, u.ID)
				assert.Equal(t, err == nil, stored, "the answer (%v) says what was stored", err)
				if db.name == "postgres" {
					require.NoError(t, err, "a statement sent before the context ended is its own outcome")
				} else {
					require.ErrorIs(t, err, context.Canceled)
				}
			})
		}
	})
}

// TestCommitGraceWithoutDeadline: a caller's context that has no
// deadline but is cancelled while its write's COMMIT (or a write sent as
// one statement, on PostgreSQL a create) is on its way bounds the write
// all the same: once the cancellation is seen, a timer of the store's
// commit grace is armed (not the default grace of 5 s), and the write's
// context ends when it fires: not before (a timer never fires early), and
// not never. The timer is the real one, seen through
// SetGraceTimerForTest, so the test asserts which grace was armed rather
// than an upper bound on how long it took to fire, which a loaded machine
// stretches; the minute it allows is a liveness bound only. The answer
// still says what was stored.
func TestCommitGraceWithoutDeadline(t *testing.T) {
	const grace = 50 * time.Millisecond
	writes := []struct {
		name string
		// marker: the fault runs before the statement that holds it, on
		// PostgreSQL, where the write is one statement; otherwise (and
		// always when empty) before the COMMIT.
		marker string
		write  func(ctx context.Context, s *sqlstore.Store, uid, gid string) error
		stored func(t *testing.T, s *sqlstore.Store, uid, gid string) bool
	}{
		{
			name:   "create user",
			marker: "INSERT INTO scim_users",
			write: func(ctx context.Context, s *sqlstore.Store, _, _ string) error {
				_, err := s.CreateUser(ctx, &resources.User{UserName: "new"})
				return err
			},
			stored: func(t *testing.T, s *sqlstore.Store, _, _ string) bool {
				page, err := s.ListUsers(tctx(), store.Query{StartIndex: 1, Count: 10, ExcludeGroups: true})
				require.NoError(t, err)
				return page.Total == 2
			},
		},
		{
			name: "add a member",
			write: func(ctx context.Context, s *sqlstore.Store, uid, gid string) error {
				_, err := s.ModifyMembers(ctx, gid, []string{uid}, nil, "")
				return err
			},
			stored: func(t *testing.T, s *sqlstore.Store, _, gid string) bool {
				g, err := s.GetGroup(tctx(), gid, store.GetOptions{})
				require.NoError(t, err)
				return len(g.Members) == 1
			},
		},
	}
	forEachDB(t, func(t *testing.T, db opener) {
		for _, w := range writes {
			t.Run(w.name, func(t *testing.T) {
				s, log, u, g := countingWithUserAndGroup(t, db)
				s.SetCommitGraceForTest(grace)
				// Every arming is kept (a second one would be a fault the
				// test reports, not a hang under the scope's lock).
				armed := make(chan time.Duration, 8)
				s.SetGraceTimerForTest(func(d time.Duration, f func()) *time.Timer {
					select {
					case armed <- d:
					default:
					}
					return time.AfterFunc(d, f)
				})

				wctx, cancel := context.WithCancel(tctx())
				defer cancel()
				_, hasDeadline := wctx.Deadline()
				require.False(t, hasDeadline)
				var faults int
				var ended bool
				var waited, armedGrace time.Duration // armedGrace: 0 when no timer was armed
				fault := func(c context.Context) {
					faults++
					// Before cancel: the grace is armed by the goroutine
					// cancel starts, which may run before the next line.
					start := time.Now()
					cancel()
					select {
					case <-c.Done():
						ended = true
					case <-time.After(time.Minute):
					}
					waited = time.Since(start)
					// Armed before it fired, so before c ended.
					select {
					case armedGrace = <-armed:
					default:
					}
				}
				if w.marker != "" && db.name == "postgres" {
					log.BeforeWrite(func(c context.Context, q string) {
						if strings.Contains(q, w.marker) {
							fault(c)
						}
					})
				} else {
					log.BeforeCommit(fault)
				}
				err := w.write(wctx, s, u.ID, g.ID)
				log.BeforeWrite(nil)
				log.BeforeCommit(nil)
				require.Equal(t, 1, faults, "the fault ran once")
				assert.Equal(t, grace, armedGrace, "the timer armed at the caller's cancellation is the store's grace")
				assert.Empty(t, armed, "one grace armed")
				assert.True(t, ended, "the write's context ends when its grace's timer fires, not %v later or more", waited)
				assert.GreaterOrEqual(t, waited, grace, "the write had its grace")
				assert.Equal(t, err == nil, w.stored(t, s, u.ID, g.ID), "the answer (%v) says what was stored", err)
			})
		}
	})
}
