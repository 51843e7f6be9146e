package sqlstore_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/internal/backoff"
	"github.com/scimkit/scim/internal/clocktest"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/query"
	"github.com/scimkit/scim/store/sqlstore"
)

// TestWriteWhoseContextEndsMidTransaction: a write whose context ends
// while its transaction is open (the handler's StoreTimeout expiring, the
// client going away) is rolled back by database/sql on its own, and the
// statement or Commit after it answers sql.ErrTxDone. The store's error
// must still say the context ended (the handler answers 503 with
// Retry-After, not 500) and nothing is written. OnChange runs inside the
// transaction, so it can end the context there and wait for the rollback.
func TestWriteWhoseContextEndsMidTransaction(t *testing.T) {
	forEachDB(t, func(t *testing.T, db opener) {
		var mu sync.Mutex
		var cancel context.CancelFunc // ends the write under test; nil: let writes through
		s := db.open(t, sqlstore.Config{ChangeFeed: true, OnChange: func(_ context.Context, tx *sql.Tx, _ sqlstore.Change) error {
			mu.Lock()
			c := cancel
			cancel = nil
			mu.Unlock()
			if c == nil {
				return nil
			}
			c()
			// database/sql rolls the transaction back in a goroutine of
			// its own once the context ends: wait for it.
			for {
				if _, err := tx.ExecContext(context.Background(), `SELECT 1`); errors.Is(err, sql.ErrTxDone) {
					return nil
				}
			}
		}})
		u, err := s.CreateUser(ctx, &resources.User{UserName: "kept"})
		require.NoError(t, err)
		g, err := s.CreateGroup(ctx, &resources.Group{DisplayName: "kept"})
		require.NoError(t, err)
		for _, tc := range []struct {
			name  string
			write func(ctx context.Context) error
		}{
			{"CreateUser", func(ctx context.Context) error {
				_, err := s.CreateUser(ctx, &resources.User{UserName: "never"})
				return err
			}},
			{"ReplaceUser", func(ctx context.Context) error {
				_, err := s.ReplaceUser(ctx, &resources.User{ID: u.ID, UserName: "renamed"}, "")
				return err
			}},
			{"DeleteUser", func(ctx context.Context) error { return s.DeleteUser(ctx, u.ID, "") }},
			{"CreateGroup", func(ctx context.Context) error {
				_, err := s.CreateGroup(ctx, &resources.Group{DisplayName: "never"})
				return err
			}},
			{"ModifyMembers", func(ctx context.Context) error {
				_, err := s.ModifyMembers(ctx, g.ID, []string{u.ID}, nil, "")
				return err
			}},
			{"DeleteGroup", func(ctx context.Context) error { return s.DeleteGroup(ctx, g.ID, "") }},
		} {
			t.Run(tc.name, func(t *testing.T) {
				wctx, c := context.WithCancel(ctx)
				defer c()
				mu.Lock()
				cancel = c
				mu.Unlock()
				err := tc.write(wctx)
				require.Error(t, err)
				assert.ErrorIs(t, err, context.Canceled, "the error must name the context's end, so the handler answers 503, not 500")
				requireUntouched(t, s, u.ID, g.ID)
			})
		}
	})
}

// requireUntouched checks that a failed write left the two tests' data
// as they made it: the user "kept" (no title) and the group without
// members, the only user.
func requireUntouched(t *testing.T, s *sqlstore.Store, uid, gid string) {
	t.Helper()
	got, err := s.GetUser(ctx, uid, store.GetOptions{})
	require.NoError(t, err, "nothing was deleted")
	assert.Equal(t, "kept", got.UserName)
	assert.Empty(t, got.Title)
	gg, err := s.GetGroup(ctx, gid, store.GetOptions{})
	require.NoError(t, err, "nothing was deleted")
	assert.Empty(t, gg.Members)
	page, err := s.ListUsers(ctx, store.Query{})
	require.NoError(t, err)
	assert.Equal(t, 1, page.Total, "nothing was created")
}

// losingStore opens a store of db (WriteRetryBudget budget) whose every
// write after the user and the group it returns, both named "kept",
// loses: Config.OnChange reports a deadlock, counted in calls. Its
// retries are paced by the clock it returns, which stands still (at the
// time of the call, until the test sets it), by pauses that are not
// waited but count as time spent (internal/backoff), and by no jitter:
// each pause is the whole of its step (1, 2, 4 ... 64 ms). How many
// attempts a write gets is then the same however slowly the machine runs
// them: on the real clock, a first attempt that took the whole limit on
// a loaded machine was never run again. The clock is Config.Now too, as
// a host's test clock is.
func losingStore(t *testing.T, db opener, budget time.Duration) (s *sqlstore.Store, u *resources.User, g *resources.Group, calls *atomic.Int64, clock *clocktest.Clock) {
	var lose atomic.Bool
	calls = new(atomic.Int64)
	clock = clocktest.New(time.Now())
	s, err := sqlstore.NewPacedForTest(ctx, sqlstore.Config{DSN: db.dsn(t), ChangeFeed: true, WriteRetryBudget: budget, Now: clock.Now,
		OnChange: func(context.Context, *sql.Tx, sqlstore.Change) error {
			if !lose.Load() {
				return nil
			}
			calls.Add(1)
			return &pgconn.PgError{Code: "40P01", Message: "injected deadlock"}
		}}, backoff.Policy{
		Now:    clock.Now,
		Sleep:  func(ctx context.Context, _ time.Duration) bool { return ctx.Err() == nil },
		Jitter: func(n time.Duration) time.Duration { return n },
	})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	u, err = s.CreateUser(ctx, &resources.User{UserName: "kept"})
	require.NoError(t, err)
	g, err = s.CreateGroup(ctx, &resources.Group{DisplayName: "kept"})
	require.NoError(t, err)
	lose.Store(true)
	return s, u, g, calls, clock
}

// attemptsIn100ms is how many attempts a write that keeps losing gets on
// losingStore's pacing when its limit is 100 ms away: the pauses 1 + 2 +
// 4 + 8 + 16 + 32 = 63 ms are taken, and the next, 64 ms, would end
// within backoff.Margin of the limit. With the default budget (5 s) as
// the limit it gets 83.
const attemptsIn100ms = 7

// TestWriteThatKeepsLosingIsUnavailable: a write the database makes retry
// (deadlock, serialization failure) on every attempt, here because
// Config.OnChange reports a deadlock each time, is run again until its
// WriteRetryBudget runs out, then gives up with store.ErrUnavailable, so
// that the handler answers 503 with Retry-After (the provider retries),
// never 500, and nothing is written.
func TestWriteThatKeepsLosingIsUnavailable(t *testing.T) {
	forEachDB(t, func(t *testing.T, db opener) {
		// A short budget (5 s by default), which the handler's store
		// deadline (StoreTimeout, 10 s) does not cut shorter.
		s, u, g, calls, _ := losingStore(t, db, 100*time.Millisecond)
		h, err := scim.NewHandler(scim.Config{Users: s, Groups: s, InsecureNoAuth: true})
		require.NoError(t, err)
		for _, tc := range []struct {
			name  string
			write func() error
			// the same write through the handler
			method, path, body string
		}{
			{"CreateUser", func() error {
				_, err := s.CreateUser(ctx, &resources.User{UserName: "never"})
				return err
			}, "POST", "/Users", `{"userName":"never"}`},
			{"ReplaceUser", func() error {
				_, err := s.ReplaceUser(ctx, &resources.User{ID: u.ID, UserName: "renamed"}, "")
				return err
			}, "PUT", "/Users/" + u.ID, `{"userName":"renamed"}`},
			{"UpdateUser", func() error {
				_, err := s.UpdateUser(ctx, u.ID, "", func(cur *resources.User) (*resources.User, error) {
					cur.Title = "new"
					return cur, nil
				})
				return err
			}, "PATCH", "/Users/" + u.ID, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"title","value":"new"}]}`},
			{"ModifyMembers", func() error {
				_, err := s.ModifyMembers(ctx, g.ID, []string{u.ID}, nil, "")
				return err
			}, "PATCH", "/Groups/" + g.ID, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"members","value":[{"value":"` + u.ID + `"}]}]}`},
			{"DeleteUser", func() error { return s.DeleteUser(ctx, u.ID, "") }, "DELETE", "/Users/" + u.ID, ""},
			{"DeleteGroup", func() error { return s.DeleteGroup(ctx, g.ID, "") }, "DELETE", "/Groups/" + g.ID, ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				calls.Store(0)
				err := tc.write()
				assert.ErrorIs(t, err, store.ErrUnavailable, "a write that lost every attempt is unavailable, not an internal error")
				assert.Equal(t, int64(attemptsIn100ms), calls.Load(), "the write was run again until its budget ran out, and no more")

				calls.Store(0)
				rec := serve(h, tc.method, tc.path, tc.body)
				assert.Equal(t, http.StatusServiceUnavailable, rec.Code, rec.Body.String())
				assert.NotEmpty(t, rec.Header().Get("Retry-After"))
				assert.Equal(t, int64(attemptsIn100ms), calls.Load(), "the handler's write was run again until its budget ran out, and no more")

				requireUntouched(t, s, u.ID, g.ID)
			})
		}
	})
}

// TestWriteThatKeepsLosingStopsAtTheDeadline: with the default
// WriteRetryBudget (5 s), a write the database makes retry on every
// attempt stops at its context's deadline (a request's StoreTimeout,
// here 100 ms away on the retries' clock), not at the budget's end,
// with store.ErrUnavailable, never the database's raw deadlock error,
// and nothing written.
func TestWriteThatKeepsLosingStopsAtTheDeadline(t *testing.T) {
	forEachDB(t, func(t *testing.T, db opener) {
		s, u, g, calls, clock := losingStore(t, db, 0) // the default budget
		for _, tc := range []struct {
			name  string
			write func(ctx context.Context) error
		}{
			{"CreateUser", func(ctx context.Context) error {
				_, err := s.CreateUser(ctx, &resources.User{UserName: "never"})
				return err
			}},
			{"UpdateUser", func(ctx context.Context) error {
				_, err := s.UpdateUser(ctx, u.ID, "", func(cur *resources.User) (*resources.User, error) {
					cur.Title = "new"
					return cur, nil
				})
				return err
			}},
			{"ModifyMembers", func(ctx context.Context) error {
				_, err := s.ModifyMembers(ctx, g.ID, []string{u.ID}, nil, "")
				return err
			}},
			{"DeleteGroup", func(ctx context.Context) error { return s.DeleteGroup(ctx, g.ID, "") }},
		} {
			t.Run(tc.name, func(t *testing.T) {
				calls.Store(0)
				// The deadline is 100 ms after the retries' clock, and a
				// minute away on the real one, which the write never
				// needs: whether it passes during an attempt does not
				// depend on the machine's load.
				deadline := time.Now().Add(time.Minute)
				clock.Set(deadline.Add(-100 * time.Millisecond))
				wctx, cancel := context.WithDeadline(ctx, deadline)
				defer cancel()
				err := tc.write(wctx)
				require.Error(t, err)
				assert.ErrorIs(t, err, store.ErrUnavailable, "a write that lost until its deadline is unavailable, never the database's deadlock alone")
				assert.Equal(t, int64(attemptsIn100ms), calls.Load(), "the write was run again until its deadline, not until its budget's end")
				requireUntouched(t, s, u.ID, g.ID)
			})
		}
	})
}

// TestDeletesOfMembersOfTheSameGroupsDoNotDeadlock: a provider
// deprovisioning people in parallel deletes users who share groups (every
// one is in "All staff" and a few others). Each delete locks the groups
// it leaves to give them a new version; they took them in whatever order
// the UPDATE met them, so two deletes deadlocked, which PostgreSQL breaks
// only after deadlock_timeout (1 s), and a delete that lost four times was
// a 500. Locked in id order, no delete runs twice and each group ends
// empty, its version raised once per member that left.
func TestDeletesOfMembersOfTheSameGroupsDoNotDeadlock(t *testing.T) {
	forEachDB(t, func(t *testing.T, db opener) {
		const users, groups, workers = 32, 6, 16
		s := db.open(t, sqlstore.Config{ChangeFeed: true})
		var uids []string
		for i := range users {
			u, err := s.CreateUser(ctx, &resources.User{UserName: fmt.Sprintf("u%d", i)})
			require.NoError(t, err)
			uids = append(uids, u.ID)
		}
		var gids []string
		for i := range groups {
			g, err := s.CreateGroup(ctx, &resources.Group{DisplayName: fmt.Sprintf("g%d", i)})
			require.NoError(t, err)
			gids = append(gids, g.ID)
		}
		// Each user joins the groups in an order of its own, as a
		// provider's pushes add them: a user's memberships then lie in
		// the table in that order, which is the order the UPDATE met
		// the groups in.
		for i, uid := range uids {
			for j := range groups {
				_, err := s.ModifyMembers(ctx, gids[(i+j)%groups], []string{uid}, nil, "")
				require.NoError(t, err)
			}
		}
		if isPG(s) {
			// As autovacuum leaves the tables after such a push: the
			// UPDATE then finds the groups through the user's
			// memberships, in the order they lie in.
			_, err := s.DB().ExecContext(ctx, `ANALYZE scim_groups, scim_members`)
			require.NoError(t, err)
		}
		before := s.RetriedForTest()
		next := make(chan string, users)
		for _, id := range uids {
			next <- id
		}
		close(next)
		errs := make(chan error, users)
		var wg sync.WaitGroup
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for id := range next {
					errs <- s.DeleteUser(ctx, id, "")
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
		assert.Zero(t, s.RetriedForTest()-before, "a delete ran again: the deletes deadlocked")
		for _, gid := range gids {
			g, err := s.GetGroup(ctx, gid, store.GetOptions{})
			require.NoError(t, err)
			assert.Empty(t, g.Members)
			assert.Equal(t, query.FormatVersion(1+2*users), g.Meta.Version, "created, then one version per member that joined and per member that left")
		}
	})
}

// TestReplaceOfMembersDoesNotWaitForADeleteInProgress: a replace of a
// group's members (PUT, or a PATCH that needs them: UpdateGroup) holds
// the group's row and only then locks the members it adds, the reverse of
// the order of a delete (the member's row, then the groups it leaves). It
// waited for a member a delete in progress held, and when that delete
// (here, a transaction that holds the member's row as a DELETE does and
// then wants the group, as the chain of two deletes and two replaces
// does) waited for the group, they deadlocked: PostgreSQL broke it after
// deadlock_timeout (1 s), aborting the delete. Now the replace does not
// wait for the member: it starts again, after the delete has had the group.
//
// The schedule is the only one possible, so that the replace runs exactly
// twice: its pause before the second attempt waits for the test, which
// lets it go once the delete holds the group. A row whose locker aborted
// goes to whichever transaction locks it first, not to the one that
// waited for it: a second attempt let go at once (its pause is 0.5 to 1
// ms) could take the group again before PostgreSQL woke the waiting
// delete, lose the member again, and so on, as many times as a loaded
// machine was slow to wake it.
func TestReplaceOfMembersDoesNotWaitForADeleteInProgress(t *testing.T) {
	paused, again := make(chan struct{}), make(chan struct{})
	var pauses atomic.Int64
	s, err := sqlstore.NewPacedForTest(ctx, sqlstore.Config{DSN: postgresDSN(t), ChangeFeed: true}, backoff.Policy{
		Sleep: func(ctx context.Context, _ time.Duration) bool {
			if pauses.Add(1) == 1 {
				close(paused)
				select {
				case <-again:
				case <-ctx.Done():
					return false
				}
			}
			return ctx.Err() == nil
		},
	})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	u, err := s.CreateUser(ctx, &resources.User{UserName: "leaving"})
	require.NoError(t, err)
	g, err := s.CreateGroup(ctx, &resources.Group{DisplayName: "staff"})
	require.NoError(t, err)

	// The delete in progress: it holds the user's row.
	del := holdUser(t, s, u.ID)
	var pid int
	require.NoError(t, del.QueryRowContext(ctx, `SELECT pg_backend_pid()`).Scan(&pid))
	// blocked reports whether a backend waits for the delete's locks
	// (blocking), or whether the delete waits for another's (!blocking).
	blocked := func(blocking bool) bool {
		if blocking {
			return blocks(t, s.DB(), pid)
		}
		var b bool
		require.NoError(t, s.DB().QueryRowContext(ctx, `SELECT cardinality(pg_blocking_pids($1)) > 0`, pid).Scan(&b))
		return b
	}
	waitFor := func(blocking bool) {
		for !blocked(blocking) {
			runtime.Gosched()
		}
	}

	// The replace's context ends with the test, so that a pause still
	// waiting for it then ends too.
	rctx, cancel := context.WithCancel(ctx)
	t.Cleanup(cancel)
	holding, proceed := make(chan struct{}), make(chan struct{})
	var runs atomic.Int64
	done := make(chan error, 1)
	go func() {
		_, err := s.UpdateGroup(rctx, g.ID, "", true, func(cur *resources.Group) (*resources.Group, error) {
			if runs.Add(1) == 1 {
				close(holding) // the group's row is locked
				<-proceed
			}
			cur.Members = append(cur.Members, resources.Member{Value: u.ID})
			return cur, nil
		})
		done <- err
	}()
	<-holding
	// The delete now wants the group, and waits for the replace.
	locked := make(chan error, 1)
	go func() {
		_, err := del.ExecContext(ctx, `SELECT 1 FROM scim_groups WHERE tenant = '' AND id = $1 FOR NO KEY UPDATE`, g.ID)
		locked <- err
	}()
	// Wait until it does, so that it waited first (and would be the
	// deadlock's victim, as the one whose deadlock_timeout ends first,
	// when the cycle closes before it does).
	waitFor(false)
	close(proceed)
	// The replace finds the member locked, gives the group up and pauses;
	// nothing else wants the group, so the delete gets it. Until then no
	// one waits for the delete: a replace that waited for the member
	// closed the cycle, and when PostgreSQL chose it, not the delete, as
	// the deadlock's victim, it too ran exactly twice.
	var lockErr error
	for waiting := true; waiting; {
		select {
		case lockErr = <-locked:
			waiting = false
		default:
			require.False(t, blocked(true), "the replace waited for the member the delete holds")
			runtime.Gosched()
		}
	}
	require.NoError(t, lockErr, "the delete got the group without a deadlock")
	<-paused
	require.Equal(t, int64(1), runs.Load(), "the replace lost its first attempt")
	// The replace's second attempt waits for the group the delete holds;
	// then the delete ends.
	close(again)
	waitFor(true)
	require.NoError(t, del.Rollback())
	require.NoError(t, <-done)
	assert.Equal(t, int64(2), runs.Load(), "the replace ran again once the delete was done")
	assert.Equal(t, int64(1), pauses.Load(), "the replace lost only its first attempt")
	got, err := s.GetGroup(ctx, g.ID, store.GetOptions{})
	require.NoError(t, err)
	require.Len(t, got.Members, 1)
	assert.Equal(t, u.ID, got.Members[0].Value)
}

// TestReplaceOfMembersOutwaitsADeleteThatIsNotWaitingForIt: the member a
// replace adds is held by a delete that does not want the group (it is
// busy elsewhere). The replace does not wait for it (NOWAIT) but runs
// again, more times than for a deadlock, so that it still succeeds once
// the delete ends instead of answering 503 after four quick attempts, as
// it succeeded when it waited.
func TestReplaceOfMembersOutwaitsADeleteThatIsNotWaitingForIt(t *testing.T) {
	s := openWith(postgresDSN)(t, sqlstore.Config{})
	u, err := s.CreateUser(ctx, &resources.User{UserName: "busy"})
	require.NoError(t, err)
	g, err := s.CreateGroup(ctx, &resources.Group{DisplayName: "staff"})
	require.NoError(t, err)

	del := holdUser(t, s, u.ID)

	before := s.RetriedForTest()
	done := make(chan error, 1)
	go func() {
		_, err := s.UpdateGroup(ctx, g.ID, "", true, func(cur *resources.Group) (*resources.Group, error) {
			cur.Members = append(cur.Members, resources.Member{Value: u.ID})
			return cur, nil
		})
		done <- err
	}()
	// As many runs as a deadlock gets, all of them finding the member
	// locked; then the delete ends.
	for s.RetriedForTest()-before < 4 {
		select {
		case err := <-done:
			t.Fatalf("the replace gave up while the member was locked: %v", err)
		default:
			runtime.Gosched()
		}
	}
	require.NoError(t, del.Rollback())
	require.NoError(t, <-done)
	got, err := s.GetGroup(ctx, g.ID, store.GetOptions{})
	require.NoError(t, err)
	require.Len(t, got.Members, 1)
	assert.Equal(t, u.ID, got.Members[0].Value)
}

// lockCycleStore opens a PostgreSQL store whose connections carry an
// application_name of their own, and returns it with a function that
// waits until n of them wait for a lock: a test builds a lock cycle step
// by step, each writer waiting before the next starts, so that the order
// in which they get a row is the order they asked for it.
func lockCycleStore(t *testing.T, cfg sqlstore.Config) (*sqlstore.Store, func(n int)) {
	t.Helper()
	app := "scimlocks_" + randomHex(6)
	cfg.DSN = withApplicationName(t, postgresDSN(t), app)
	cfg.NoAnalyze = true // no background statement in the count
	s, err := sqlstore.New(ctx, cfg)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	// The watcher has a pool of its own: the store's connections may
	// all be waiting.
	watch, err := sql.Open("pgx", os.Getenv(pgEnv))
	require.NoError(t, err)
	t.Cleanup(func() { watch.Close() })
	return s, func(n int) {
		t.Helper()
		for {
			var waiting int
			require.NoError(t, watch.QueryRowContext(ctx, `SELECT count(*) FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`, app).Scan(&waiting))
			if waiting >= n {
				return
			}
			runtime.Gosched()
		}
	}
}

// parentAndChild creates two groups and returns them as parent and
// child, the parent's id the smaller (the lock order takes it first), and
// the child a member of the parent.
func parentAndChild(t *testing.T, s *sqlstore.Store) (parent, child string) {
	t.Helper()
	a, err := s.CreateGroup(ctx, &resources.Group{DisplayName: "a"})
	require.NoError(t, err)
	b, err := s.CreateGroup(ctx, &resources.Group{DisplayName: "b"})
	require.NoError(t, err)
	parent, child = min(a.ID, b.ID), max(a.ID, b.ID)
	_, err = s.ModifyMembers(ctx, parent, []string{child}, nil, "")
	require.NoError(t, err)
	return parent, child
}

// holdGroup begins a transaction that holds group id's row as a write of
// it does, and returns it; the test rolls it back to let the writers
// waiting for the group go on.
func holdGroup(t *testing.T, s *sqlstore.Store, id string) *sql.Tx {
	return holdRow(t, s, `SELECT 1 FROM scim_groups WHERE tenant = '' AND id = $1 FOR NO KEY UPDATE`, id)
}

// holdUser is holdGroup for user id's row, held as its DELETE holds it.
func holdUser(t *testing.T, s *sqlstore.Store, id string) *sql.Tx {
	return holdRow(t, s, `SELECT 1 FROM scim_users WHERE tenant = '' AND id = $1 FOR UPDATE`, id)
}

func holdRow(t *testing.T, s *sqlstore.Store, lock, id string) *sql.Tx {
	t.Helper()
	tx, err := s.DB().BeginTx(ctx, nil)
	require.NoError(t, err)
	t.Cleanup(func() { tx.Rollback() })
	_, err = tx.ExecContext(ctx, lock, id)
	require.NoError(t, err)
	return tx
}

// TestNestedGroupDeletesFollowTheLockOrder: a group's delete locked its
// own row, then the groups it is a member of; a user's delete locks the
// user, then its groups in id order. A user in a group and in that
// group's parent, the parent's id the smaller: the user's delete took the
// parent and waited for the group, the group's delete held the group and
// waited for the parent, a deadlock PostgreSQL broke after
// deadlock_timeout (1 s). Now the group's delete locks itself and its
// parents in id order in one statement, and waits for the parent
// holding nothing. A member change of the parent that adds the group
// again (a provider resending a membership) locks the parent and the
// group it adds in id order too: taking the member first (KEY SHARE), it
// waited for the parent while the group's delete, holding the parent,
// waited for the member. Each cycle is built step by step: a
// transaction holds the parent, the first writer waits for it, then the
// second, and the transaction ends; the writers must finish without
// running again, on both delete paths (the feed reads a deleted group's
// members under its lock; without it the DELETE is the first lock).
func TestNestedGroupDeletesFollowTheLockOrder(t *testing.T) {
	for _, feed := range []bool{true, false} {
		t.Run(fmt.Sprintf("feed=%v", feed), func(t *testing.T) {
			for _, tc := range []struct {
				name   string
				first  func(s *sqlstore.Store, parent, child, user string) error
				second func(s *sqlstore.Store, parent, child, user string) error
			}{
				{"a member's delete, then its group's",
					func(s *sqlstore.Store, _, _, user string) error { return s.DeleteUser(ctx, user, "") },
					func(s *sqlstore.Store, _, child, _ string) error { return s.DeleteGroup(ctx, child, "") }},
				{"a group's delete, then its parent's member change adding it again",
					func(s *sqlstore.Store, _, child, _ string) error { return s.DeleteGroup(ctx, child, "") },
					func(s *sqlstore.Store, parent, child, _ string) error {
						_, err := s.ModifyMembers(ctx, parent, []string{child}, nil, "")
						return err
					}},
				{"a group's delete, then its member group's delete",
					func(s *sqlstore.Store, _, child, _ string) error { return s.DeleteGroup(ctx, child, "") },
					func(s *sqlstore.Store, parent, _, _ string) error { return s.DeleteGroup(ctx, parent, "") }},
			} {
				t.Run(tc.name, func(t *testing.T) {
					s, waiting := lockCycleStore(t, sqlstore.Config{ChangeFeed: feed})
					parent, child := parentAndChild(t, s)
					u, err := s.CreateUser(ctx, &resources.User{UserName: "both"})
					require.NoError(t, err)
					for _, g := range []string{child, parent} {
						_, err := s.ModifyMembers(ctx, g, []string{u.ID}, nil, "")
						require.NoError(t, err)
					}
					before := s.RetriedForTest()
					hold := holdGroup(t, s, parent)
					errs := make(chan error, 2)
					go func() { errs <- tc.first(s, parent, child, u.ID) }()
					waiting(1)
					go func() { errs <- tc.second(s, parent, child, u.ID) }()
					waiting(2)
					require.NoError(t, hold.Rollback())
					for range 2 {
						require.NoError(t, <-errs)
					}
					assert.Zero(t, s.RetriedForTest()-before, "a write ran again: the two deadlocked")
				})
			}
		})
	}
}
