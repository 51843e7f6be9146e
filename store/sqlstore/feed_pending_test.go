package sqlstore_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/sqlstore"
)

// TestFeedAppendTakesNoHeadLock: on PostgreSQL a write appends its feed
// entries without locking the tenant's head row (migration 0012), with
// Config.OnChange or without, so that concurrent writes of a tenant
// commit together rather than one at a time.
func TestFeedAppendTakesNoHeadLock(t *testing.T) {
	for _, tc := range []struct {
		name     string
		onChange func(context.Context, *sql.Tx, sqlstore.Change) error
	}{
		{name: "feed alone"},
		{name: "with OnChange", onChange: func(context.Context, *sql.Tx, sqlstore.Change) error { return nil }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := databases()[1].open(t, sqlstore.Config{ChangeFeed: true, OnChange: tc.onChange})
			acme := store.WithTenant(context.Background(), "acme")
			_, err := s.CreateUser(acme, &resources.User{UserName: "first", Active: ptr(true)})
			require.NoError(t, err)
			_, err = s.Feed().Changes(acme, 0, 10) // the head row exists, numbered
			require.NoError(t, err)

			// Another transaction holds the head row's lock.
			tx, err := s.DB().BeginTx(ctx, nil)
			require.NoError(t, err)
			defer tx.Rollback()
			var holder int
			require.NoError(t, tx.QueryRowContext(ctx, `SELECT pg_backend_pid() FROM scim_feed_heads WHERE tenant = 'acme' FOR UPDATE`).Scan(&holder))

			// The timeout is liveness only: the write completes while
			// the lock is held, or fails once it has waited that long.
			wctx, cancel := context.WithTimeout(acme, 30*time.Second)
			defer cancel()
			_, err = s.CreateUser(wctx, &resources.User{UserName: "second", Active: ptr(true)})
			require.NoError(t, err, "the write takes no lock on the head row (holder %d)", holder)
			require.NoError(t, tx.Rollback())
			cs, err := s.Feed().Changes(acme, 0, 10)
			require.NoError(t, err)
			require.Len(t, cs, 2)
			assert.Equal(t, []int64{1, 2}, []int64{cs[0].Seq, cs[1].Seq})
			assert.Equal(t, store.UserCreated, cs[1].Kind)
		})
	}
}

// TestFeedOnChangeWritesCommitTogether: on PostgreSQL two concurrent
// writes of one tenant with Config.OnChange do not wait for each other:
// while one holds its transaction open inside OnChange, the other
// commits, and a reader of the feed numbers the committed one's entry;
// the held one's is numbered once it has committed, after it. In a new
// tenant (no head row yet) and in one whose head row exists. (Until
// OnChange was handed Seq 0 there, the write numbered its entries itself,
// holding the tenant's head row until its commit: the other waited.)
func TestFeedOnChangeWritesCommitTogether(t *testing.T) {
	for _, known := range []bool{false, true} {
		t.Run(map[bool]string{false: "new tenant", true: "tenant with a head"}[known], func(t *testing.T) {
			inside := make(chan int, 1) // the held write's backend, once it is inside OnChange
			release := make(chan struct{})
			s := databases()[1].open(t, sqlstore.Config{ChangeFeed: true, OnChange: func(ctx context.Context, tx *sql.Tx, c sqlstore.Change) error {
				if c.Seq != 0 {
					return fmt.Errorf("entry %s of %s handed with Seq %d before it is numbered", c.Kind, c.ID, c.Seq)
				}
				if c.UserAfter == nil || c.UserAfter.UserName != "held" {
					return nil
				}
				var pid int
				if err := tx.QueryRowContext(ctx, `SELECT pg_backend_pid()`).Scan(&pid); err != nil {
					return err
				}
				inside <- pid
				<-release
				return nil
			}})
			acme := store.WithTenant(ctx, "acme")
			var want []string // the user names, in Seq order
			if known {
				_, err := s.CreateUser(acme, &resources.User{UserName: "first", Active: ptr(true)})
				require.NoError(t, err)
				_, err = s.Feed().Changes(acme, 0, 10) // the head row exists, numbered
				require.NoError(t, err)
				want = append(want, "first")
			}
			heldDone := make(chan error, 1)
			go func() {
				_, err := s.CreateUser(acme, &resources.User{UserName: "held", Active: ptr(true)})
				heldDone <- err
			}()
			// finish lets the held write go on and returns its error.
			finish := sync.OnceValue(func() error {
				close(release)
				return <-heldDone
			})
			defer finish()
			var holder int
			select {
			case holder = <-inside:
			case err := <-heldDone:
				heldDone <- err // for finish
				require.Fail(t, "the held write returned before OnChange", "%v", err)
			}

			// The timeout is liveness only: the write commits, is seen
			// waiting for the held one, or fails once it has waited that
			// long.
			wctx, cancel := context.WithTimeout(acme, 30*time.Second)
			defer cancel()
			otherDone := make(chan error, 1)
			go func() {
				_, err := s.CreateUser(wctx, &resources.User{UserName: "other", Active: ptr(true)})
				otherDone <- err
			}()
			poll := time.NewTicker(10 * time.Millisecond)
			defer poll.Stop()
			for committed := false; !committed; {
				select {
				case err := <-otherDone:
					require.NoError(t, err, "the write commits while the other is held in OnChange")
					committed = true
				case <-poll.C:
					require.False(t, blocks(t, s.DB(), holder), "a write of the tenant waits for the one held in OnChange")
				}
			}
			want = append(want, "other")
			assert.Equal(t, want, feedUserNames(t, acme, s), "the committed write's entry is numbered, the held one's waits")

			require.NoError(t, finish())
			assert.Equal(t, append(want, "held"), feedUserNames(t, acme, s), "the held write's entry, numbered once committed")
		})
	}
}

// TestFeedNumbersCommittedEntries: an entry appended to scim_feed_pending
// by a transaction still open is not numbered by a read of the feed: it
// gets its Seq once it has committed, after the entries numbered before,
// so a consumer that has read up to n never misses an entry numbered
// below n later. FeedStatus counts the committed entries waiting in each
// tenant's head, new tenants' included, without numbering them.
func TestFeedNumbersCommittedEntries(t *testing.T) {
	s := databases()[1].open(t, sqlstore.Config{ChangeFeed: true})
	acme := store.WithTenant(context.Background(), "acme")
	_, err := s.CreateUser(acme, &resources.User{UserName: "a", Active: ptr(true)})
	require.NoError(t, err)

	// A write still running has appended its entry.
	tx, err := s.DB().BeginTx(ctx, nil)
	require.NoError(t, err)
	defer tx.Rollback()
	_, err = tx.ExecContext(ctx, `INSERT INTO scim_feed_pending (tenant, at, kind, resource_id, version) VALUES ('acme', now(), 'user.created', 'slow', '1')`)
	require.NoError(t, err)

	// One that started later commits first.
	_, err = s.CreateUser(acme, &resources.User{UserName: "b", Active: ptr(true)})
	require.NoError(t, err)
	cs, err := s.Feed().Changes(acme, 0, 10)
	require.NoError(t, err)
	require.Len(t, cs, 2, "the uncommitted entry is not numbered")
	assert.Equal(t, []int64{1, 2}, []int64{cs[0].Seq, cs[1].Seq})
	assert.NotEqual(t, "slow", cs[1].ID)

	require.NoError(t, tx.Commit())
	cs, err = s.Feed().Changes(acme, 2, 10)
	require.NoError(t, err)
	require.Len(t, cs, 1, "committed, it is numbered after what a consumer has read")
	assert.Equal(t, int64(3), cs[0].Seq)
	assert.Equal(t, "slow", cs[0].ID)

	// A tenant whose entries all wait shows in FeedStatus, its head the
	// Seq its last entry will get; FeedStatus numbers nothing.
	_, err = s.CreateUser(store.WithTenant(context.Background(), "globex"), &resources.User{UserName: "g", Active: ptr(true)})
	require.NoError(t, err)
	heads := feedHeads(t, s)
	assert.Equal(t, map[string]int64{"acme": 3, "globex": 1}, heads)
	var waiting int
	require.NoError(t, s.DB().QueryRowContext(ctx, `SELECT count(*) FROM scim_feed_pending`).Scan(&waiting))
	assert.Equal(t, 1, waiting, "FeedStatus writes nothing")
	cs, err = s.Feed().Changes(store.WithTenant(context.Background(), "globex"), 0, 10)
	require.NoError(t, err)
	require.Len(t, cs, 1)
	assert.Equal(t, int64(1), cs[0].Seq, "numbered as FeedStatus said")
}

// TestFeedReadOnlyReader: a role that may only read the feed's tables (or
// a hot standby, whose transactions are read-only) can read the feed
// while entries wait to be numbered: Changes returns what is numbered,
// FeedStatus writes nothing and counts the entries waiting in the heads,
// and Prune, which may delete but not number, prunes and returns the
// numbering's failure after.
func TestFeedReadOnlyReader(t *testing.T) {
	dsn := postgresDSN(t)
	s := openAt(t, sqlstore.Config{DSN: dsn, ChangeFeed: true})
	acme, globex := store.WithTenant(ctx, "acme"), store.WithTenant(ctx, "globex")
	for _, name := range []string{"a", "b"} {
		_, err := s.CreateUser(acme, &resources.User{UserName: name, Active: ptr(true)})
		require.NoError(t, err)
	}
	cs, err := s.Feed().Changes(acme, 0, 10)
	require.NoError(t, err)
	require.Len(t, cs, 2)
	_, err = s.Feed().LeaseFeed(acme, "c", "h", time.Minute)
	require.NoError(t, err)
	require.NoError(t, s.Feed().AckFeed(acme, "c", "h", 1, time.Minute))
	_, err = s.CreateUser(acme, &resources.User{UserName: "c", Active: ptr(true)}) // waits
	require.NoError(t, err)
	_, err = s.CreateUser(globex, &resources.User{UserName: "g", Active: ptr(true)}) // waits, a tenant of its own
	require.NoError(t, err)

	open := func(t *testing.T, grants ...string) *sqlstore.Store {
		return openAt(t, sqlstore.Config{DSN: roleDSN(t, s, dsn, grants...), ChangeFeed: true, FeedRetention: time.Hour})
	}
	readOnly := []string{`GRANT USAGE ON SCHEMA {schema} TO {role}`, `GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO {role}`}
	t.Run("SELECT only", func(t *testing.T) {
		ro := open(t, readOnly...)
		cs, err := ro.Feed().Changes(acme, 0, 10)
		require.NoError(t, err, "what is numbered, though the entries waiting cannot be")
		assert.Equal(t, []int64{1, 2}, []int64{cs[0].Seq, cs[1].Seq})
		assert.Len(t, cs, 2)
		heads := feedHeads(t, ro)
		assert.Equal(t, map[string]int64{"acme": 3, "globex": 1}, heads, "the numbered head and the entries waiting")
	})
	t.Run("SELECT and DELETE", func(t *testing.T) {
		pr := open(t, append(readOnly, `GRANT DELETE ON scim_feed TO {role}`)...)
		n, err := pr.Feed().Prune(ctx)
		require.Error(t, err, "numbering needs more than DELETE")
		assert.Contains(t, err.Error(), "permission denied")
		assert.Equal(t, int64(1), n, "the acknowledged entry is pruned all the same")
	})
	cs, err = s.Feed().Changes(acme, 1, 10)
	require.NoError(t, err)
	require.Len(t, cs, 2, "a reader that may write numbers what waits")
	assert.Equal(t, []int64{2, 3}, []int64{cs[0].Seq, cs[1].Seq})
}

// TestFeedReadOnlyTransaction: a reader whose transactions are read-only
// (a hot standby, default_transaction_read_only) cannot number what
// waits (SQLSTATE 25006): Changes returns what is numbered and
// FeedStatus counts the waiting entries in the head, without an error.
func TestFeedReadOnlyTransaction(t *testing.T) {
	dsn := postgresDSN(t)
	s := openAt(t, sqlstore.Config{DSN: dsn, ChangeFeed: true})
	acme := store.WithTenant(ctx, "acme")
	_, err := s.CreateUser(acme, &resources.User{UserName: "a", Active: ptr(true)})
	require.NoError(t, err)
	cs, err := s.Feed().Changes(acme, 0, 10)
	require.NoError(t, err)
	require.Len(t, cs, 1, "numbered by a reader that may write")
	_, err = s.CreateUser(acme, &resources.User{UserName: "b", Active: ptr(true)}) // waits
	require.NoError(t, err)

	u, err := url.Parse(dsn)
	require.NoError(t, err)
	q := u.Query()
	q.Set("default_transaction_read_only", "on")
	u.RawQuery = q.Encode()
	ro := openAt(t, sqlstore.Config{DSN: u.String(), ChangeFeed: true})
	cs, err = ro.Feed().Changes(acme, 0, 10)
	require.NoError(t, err, "a read-only reader gets what is numbered")
	require.Len(t, cs, 1)
	assert.Equal(t, int64(1), cs[0].Seq)
	heads := feedHeads(t, ro)
	assert.Equal(t, int64(2), heads["acme"], "the head counts the entry waiting")
}

// TestFeedOnChangeRollbackKeepsOthersWaiting: a write whose OnChange
// refuses rolls back with its entries, and leaves the entries other
// writes left waiting as they were: the next reader numbers those,
// without a gap.
func TestFeedOnChangeRollbackKeepsOthersWaiting(t *testing.T) {
	dsn := postgresDSN(t)
	plain := openAt(t, sqlstore.Config{DSN: dsn, ChangeFeed: true})
	refuse := errors.New("the host refuses")
	hooked := openAt(t, sqlstore.Config{DSN: dsn, ChangeFeed: true,
		OnChange: func(context.Context, *sql.Tx, sqlstore.Change) error { return refuse }})
	acme := store.WithTenant(ctx, "acme")
	_, err := plain.CreateUser(acme, &resources.User{UserName: "a", Active: ptr(true)}) // waits
	require.NoError(t, err)
	_, err = hooked.CreateUser(acme, &resources.User{UserName: "b", Active: ptr(true)})
	require.ErrorIs(t, err, refuse)
	_, err = plain.CreateUser(acme, &resources.User{UserName: "c", Active: ptr(true)})
	require.NoError(t, err)
	var waiting int
	require.NoError(t, plain.DB().QueryRowContext(ctx, `SELECT count(*) FROM scim_feed_pending WHERE tenant = 'acme'`).Scan(&waiting))
	assert.Equal(t, 2, waiting, "a's and c's entries wait, b's rolled back")
	cs, err := plain.Feed().Changes(acme, 0, 10)
	require.NoError(t, err)
	require.Len(t, cs, 2, "a's and c's entries, b's rolled back")
	assert.Equal(t, []int64{1, 2}, []int64{cs[0].Seq, cs[1].Seq})
}

// TestFeedPruneNumbersPastAFailingTenant: Prune numbers each tenant's
// waiting entries in a transaction of its own, so a tenant whose
// numbering fails (here: a row already at the Seq its next entry gets)
// keeps no other tenant's entries waiting, and each failure is returned,
// naming its tenant. Two tenants fail: whatever order the tenants come
// in, one is numbered after a failure.
func TestFeedPruneNumbersPastAFailingTenant(t *testing.T) {
	s := databases()[1].open(t, sqlstore.Config{ChangeFeed: true})
	tenants := []string{"bad-1", "good", "bad-2"}
	for _, tenant := range tenants {
		_, err := s.CreateUser(store.WithTenant(ctx, tenant), &resources.User{UserName: "u", Active: ptr(true)}) // waits
		require.NoError(t, err)
	}
	for _, tenant := range []string{"bad-1", "bad-2"} {
		_, err := s.DB().ExecContext(ctx, `INSERT INTO scim_feed (tenant, seq, at, kind, resource_id, version) VALUES ($1, 1, now(), 'user.created', 'squatter', '1')`, tenant)
		require.NoError(t, err)
	}

	_, err := s.Feed().Prune(ctx)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `tenant "bad-1"`)
	assert.Contains(t, err.Error(), `tenant "bad-2"`)
	assert.NotContains(t, err.Error(), `tenant "good"`)
	waiting := map[string]int{}
	rows, err := s.DB().QueryContext(ctx, `SELECT tenant, count(*) FROM scim_feed_pending GROUP BY tenant`)
	require.NoError(t, err)
	defer rows.Close()
	for rows.Next() {
		var tenant string
		var n int
		require.NoError(t, rows.Scan(&tenant, &n))
		waiting[tenant] = n
	}
	require.NoError(t, rows.Err())
	assert.Equal(t, map[string]int{"bad-1": 1, "bad-2": 1}, waiting, "the good tenant's entry is numbered, the failing ones' wait")
	cs, err := s.Feed().Changes(store.WithTenant(ctx, "good"), 0, 10)
	require.NoError(t, err)
	require.Len(t, cs, 1)
	assert.Equal(t, int64(1), cs[0].Seq)
}

// feedUserNames reads the whole feed of the tenant in c, whose entries
// all name users, checks that it runs 1..N without a gap (nothing twice)
// and returns the users' names in Seq order.
func feedUserNames(t *testing.T, c context.Context, s *sqlstore.Store) []string {
	t.Helper()
	var names []string
	for i, e := range readFeed(t, c, s.Feed(), 0) {
		require.Equal(t, int64(i+1), e.Seq, "Seqs 1..N without a gap")
		u, err := s.GetUser(c, e.ID, store.GetOptions{})
		require.NoError(t, err)
		names = append(names, u.UserName)
	}
	return names
}

// feedHeads is FeedStatus's head of each tenant.
func feedHeads(t *testing.T, s *sqlstore.Store) map[string]int64 {
	t.Helper()
	sts, err := s.Feed().FeedStatus(ctx)
	require.NoError(t, err)
	heads := map[string]int64{}
	for _, st := range sts {
		heads[st.Tenant] = st.Head
	}
	return heads
}

// TestFeedNumberingWaitsWithItsSnapshot: PostgreSQL's numbering
// (pgNumber) is one statement whose snapshot is taken before it waits for
// the tenant's head lock. Another numbering holds the lock and has moved
// an entry (b); a reader of the feed, with c waiting to be numbered,
// waits behind it; an entry (d) commits after that reader's snapshot.
// Whether the holder commits or rolls back, every entry is numbered once,
// without a gap, in the order the writes committed: b is not numbered
// twice when the holder commits, nor lost when it rolls back, and d waits
// for the next numbering rather than being skipped.
func TestFeedNumberingWaitsWithItsSnapshot(t *testing.T) {
	for _, tc := range []struct {
		name   string
		commit bool
	}{
		{"the holder commits", true},
		{"the holder rolls back", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dsn := postgresDSN(t)
			plain := openAt(t, sqlstore.Config{DSN: dsn, ChangeFeed: true})
			reader := openAt(t, sqlstore.Config{DSN: dsn, ChangeFeed: true})
			acme := store.WithTenant(ctx, "acme")
			_, err := plain.CreateUser(acme, &resources.User{UserName: "a", Active: ptr(true)})
			require.NoError(t, err)
			_, err = plain.Feed().Changes(acme, 0, 10) // a numbered 1: the head row exists
			require.NoError(t, err)
			_, err = plain.CreateUser(acme, &resources.User{UserName: "b", Active: ptr(true)})
			require.NoError(t, err)

			// A numbering in progress: it holds the head and has moved b as 2.
			tx, err := plain.DB().BeginTx(ctx, nil)
			require.NoError(t, err)
			var holder int
			require.NoError(t, tx.QueryRowContext(ctx, `SELECT pg_backend_pid() FROM scim_feed_heads WHERE tenant = 'acme' FOR UPDATE`).Scan(&holder))
			_, err = tx.ExecContext(ctx, `WITH m AS (DELETE FROM scim_feed_pending WHERE tenant = 'acme' RETURNING *)
				INSERT INTO scim_feed (tenant, seq, at, kind, resource_id, version) SELECT 'acme', 2, at, kind, resource_id, version FROM m`)
			require.NoError(t, err)
			_, err = tx.ExecContext(ctx, `UPDATE scim_feed_heads SET seq = 2 WHERE tenant = 'acme'`)
			require.NoError(t, err)

			_, err = plain.CreateUser(acme, &resources.User{UserName: "c", Active: ptr(true)})
			require.NoError(t, err)
			type read struct {
				cs  []store.Change
				err error
			}
			done := make(chan read, 1)
			go func() {
				cs, err := reader.Feed().Changes(acme, 0, 10)
				done <- read{cs, err}
			}()
			// The reader's numbering waits for the holder (observed, not timed).
			require.Eventually(t, func() bool {
				var n int
				require.NoError(t, plain.DB().QueryRowContext(ctx, `SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND $1 = ANY (pg_blocking_pids(pid))`, holder).Scan(&n))
				return n > 0
			}, 30*time.Second, 10*time.Millisecond)
			// d commits after the waiting numbering's snapshot.
			_, err = plain.CreateUser(acme, &resources.User{UserName: "d", Active: ptr(true)})
			require.NoError(t, err)
			if tc.commit {
				require.NoError(t, tx.Commit())
			} else {
				require.NoError(t, tx.Rollback())
			}
			r := <-done
			require.NoError(t, r.err)
			require.Len(t, r.cs, 3, "the waiting reader numbered c, and not d")
			assert.Equal(t, []int64{1, 2, 3}, []int64{r.cs[0].Seq, r.cs[1].Seq, r.cs[2].Seq})

			assert.Equal(t, []string{"a", "b", "c", "d"}, feedUserNames(t, acme, plain), "the entries in the order their writes committed")
		})
	}
}

// TestFeedFirstWritesWithOnChange: a new tenant's first writes with
// Config.OnChange, several writers at once in each of several new
// tenants, a reader polling the feed meanwhile (whose first numbering
// makes the tenant's head row, sequencePending): no write deadlocks
// (none runs again), OnChange is handed each entry once, with Seq 0, and
// the reader numbers every entry exactly once, 1..N, in the order the
// writes committed: a write that began after another returned has the
// higher Seq. The tenant has one head row, at its last Seq.
func TestFeedFirstWritesWithOnChange(t *testing.T) {
	const tenants, writers, perWriter = 4, 8, 3
	var mu sync.Mutex
	handed := map[string]map[string]int{} // tenant -> user id -> times handed
	s := databases()[1].open(t, sqlstore.Config{ChangeFeed: true, OnChange: func(_ context.Context, _ *sql.Tx, c sqlstore.Change) error {
		if c.Seq != 0 {
			return fmt.Errorf("entry %s of %s handed with Seq %d before it is numbered", c.Kind, c.ID, c.Seq)
		}
		mu.Lock()
		defer mu.Unlock()
		if handed[c.Tenant] == nil {
			handed[c.Tenant] = map[string]int{}
		}
		handed[c.Tenant][c.ID]++
		return nil
	}})
	// A write, between a tick taken before it began and one after it
	// returned: it committed after every write that returned before its
	// begin tick.
	type write struct {
		id         string
		begin, end int64
	}
	var clock atomic.Int64
	for n := range tenants {
		tenant := fmt.Sprint("new-", n)
		tctx := store.WithTenant(ctx, tenant)
		start, stop := make(chan struct{}), make(chan struct{})
		writes := make([][]write, writers)
		var wg, reader sync.WaitGroup
		for g := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				for k := range perWriter {
					begin := clock.Add(1)
					u, err := s.CreateUser(tctx, &resources.User{UserName: fmt.Sprint("u", g, "-", k), Active: ptr(true),
						Emails: []resources.MultiValue{{Value: fmt.Sprint("u", g, "-", k, "@example.com")}}})
					if !assert.NoError(t, err) {
						return
					}
					writes[g] = append(writes[g], write{u.ID, begin, clock.Add(1)})
				}
			}()
		}
		reader.Add(1)
		go func() {
			defer reader.Done()
			<-start
			for {
				_, err := s.Feed().Changes(tctx, 0, 1)
				assert.NoError(t, err)
				select {
				case <-stop:
					return
				default:
				}
			}
		}()
		close(start)
		wg.Wait()
		close(stop)
		reader.Wait()

		entries := readFeed(t, tctx, s.Feed(), 0)
		require.Len(t, entries, writers*perWriter, "tenant %s: every write's entry", tenant)
		seqOf := map[string]int64{}
		for i, e := range entries {
			require.Equal(t, int64(i+1), e.Seq, "tenant %s: Seqs 1..N without a gap", tenant)
			seqOf[e.ID] = e.Seq
		}
		mu.Lock()
		assert.Len(t, handed[tenant], len(entries), "tenant %s: OnChange was handed each entry", tenant)
		for _, e := range entries {
			assert.Equal(t, 1, handed[tenant][e.ID], "tenant %s: OnChange was handed %s's entry once", tenant, e.ID)
		}
		mu.Unlock()
		var all []write
		for _, ws := range writes {
			all = append(all, ws...)
		}
		for _, a := range all {
			for _, b := range all {
				if a.end < b.begin {
					require.Less(t, seqOf[a.id], seqOf[b.id], "tenant %s: a write that began after another returned is numbered after it", tenant)
				}
			}
		}
		var heads, head int64
		require.NoError(t, s.DB().QueryRowContext(ctx, `SELECT count(*), COALESCE(max(seq), 0) FROM scim_feed_heads WHERE tenant = $1`, tenant).Scan(&heads, &head))
		assert.Equal(t, []int64{1, writers * perWriter}, []int64{heads, head}, "tenant %s: one head row, at the last Seq", tenant)
	}
	assert.Zero(t, s.RetriedForTest(), "no write was run again (a deadlock is one)")
}
