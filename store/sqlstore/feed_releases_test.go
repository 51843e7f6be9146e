package sqlstore_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/query"
	"github.com/scimkit/scim/store/sqlstore"
)

// previousOnChangeAppend is the statement with which a process of the
// previous release (4957a4f) with Config.OnChange updated a user on
// PostgreSQL, as its foldWrite rendered it for an entry of kind $5 at
// version $6: the user's UPDATE (user $2 of tenant $1, at $3, to version
// $4; its row locked already), its entry appended to scim_feed_pending
// (pgFeed with its head read from w), and the tenant's head row made
// when the statement does not see it (pgFeed's "made", that release's pgEnsureHead),
// for the numbering that follows in the same transaction.
const previousOnChangeAppend = `WITH w AS (UPDATE scim_users SET last_modified = $3, version = $4 WHERE tenant = $1 AND id = $2 RETURNING 1),
		head AS (SELECT 0::bigint AS seq FROM (SELECT count(*) AS n FROM w) AS done WHERE done.n > 0), entries AS (
			INSERT INTO scim_feed_pending (tenant, at, kind, resource_id, version, attrs, members)
			SELECT $1, $3::timestamptz, v.kind, v.id, v.version, v.attrs, v.members
			FROM head, (VALUES (1, $5, $2, $6, $7, $8)) AS v (i, kind, id, version, attrs, members) ORDER BY v.i
		), made AS (INSERT INTO scim_feed_heads (tenant, seq) SELECT $1, 0 FROM head
			WHERE NOT EXISTS (SELECT FROM scim_feed_heads WHERE tenant = $1) ON CONFLICT (tenant) DO NOTHING)
		SELECT head.seq FROM head`

// previousNumber is the previous release's pgNumber (4957a4f), which its
// writes with Config.OnChange sent after their append, in the write's
// transaction, holding the tenant's head row until the commit: it
// numbers every entry of the tenant the statement sees waiting, and
// yields the Seqs of the transaction's own (a NULL when it has none).
// Most of it is this release's pgNumber, copied on purpose: it is that
// release's text, which must not follow this release's changes.
const previousNumber = `WITH head AS MATERIALIZED (
			SELECT seq FROM scim_feed_heads WHERE tenant = $1 FOR UPDATE
		), moved AS (
			DELETE FROM scim_feed_pending WHERE tenant = $1 AND EXISTS (SELECT FROM head)
				AND id >= (SELECT min(id) FROM scim_feed_pending WHERE tenant = $1)
			RETURNING id, xmin::text AS tx, xmin = pg_current_xact_id()::xid AS own, at, kind, resource_id, version, attrs, members
		), numbered AS (
			SELECT (SELECT seq FROM head) + row_number() OVER (ORDER BY first, id) AS seq, *
			FROM (SELECT min(id) OVER (PARTITION BY tx) AS first, * FROM moved) AS m
		), entries AS (
			INSERT INTO scim_feed (tenant, seq, at, kind, resource_id, version, attrs, members)
			SELECT $1, seq, at, kind, resource_id, version, attrs, members FROM numbered
		), advanced AS (
			UPDATE scim_feed_heads SET seq = seq + (SELECT count(*) FROM numbered) WHERE tenant = $1 AND EXISTS (SELECT FROM numbered)
		)
		SELECT n.seq FROM head LEFT JOIN numbered AS n ON n.own ORDER BY n.seq`

// previousOnChangeUpdate updates user id of tenant over db as a process
// of the previous release with Config.OnChange did, in one transaction:
// the user's row locked, the UPDATE with its entry's append
// (previousOnChangeAppend), the numbering (previousNumber), then OnChange
// (here nothing), the commit. It returns the entry's version and the Seq
// OnChange was handed, and fails as that release failed the write when
// the numbering did not number its one entry. A deadlock or a
// serialization failure runs it again, as that release's retry did.
func previousOnChangeUpdate(ctx context.Context, db *sql.DB, tenant, id, attrs string) (version string, seq int64, retried int, err error) {
	for {
		version, seq, err = previousOnChangeUpdateOnce(ctx, db, tenant, id, attrs)
		var pe *pgconn.PgError
		if errors.As(err, &pe) && (pe.Code == "40P01" || pe.Code == "40001") {
			retried++
			continue
		}
		return version, seq, retried, err
	}
}

func previousOnChangeUpdateOnce(ctx context.Context, db *sql.DB, tenant, id, attrs string) (string, int64, error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return "", 0, err
	}
	defer tx.Rollback()
	var v int64
	if err := tx.QueryRowContext(ctx, `SELECT version FROM scim_users WHERE tenant = $1 AND id = $2 FOR NO KEY UPDATE`, tenant, id).Scan(&v); err != nil {
		return "", 0, err
	}
	version := query.FormatVersion(v + 1)
	var head int64
	if err := tx.QueryRowContext(ctx, previousOnChangeAppend, tenant, id, time.Now().UTC(), v+1,
		string(store.UserUpdated), version, attrs, nil).Scan(&head); err != nil {
		return "", 0, fmt.Errorf("append: %w", err)
	}
	rows, err := tx.QueryContext(ctx, previousNumber, tenant)
	if err != nil {
		return "", 0, fmt.Errorf("number: %w", err)
	}
	var seqs []int64
	for rows.Next() {
		var s sql.NullInt64
		if err := rows.Scan(&s); err != nil {
			rows.Close()
			return "", 0, err
		}
		if s.Valid {
			seqs = append(seqs, s.Int64)
		}
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return "", 0, fmt.Errorf("number: %w", err)
	}
	if len(seqs) != 1 {
		return "", 0, fmt.Errorf("change feed: %d entries numbered for a write of 1", len(seqs))
	}
	return version, seqs[0], tx.Commit()
}

// TestFeedMixedReleases: a process of this release and one of the
// previous release (4957a4f, whose writes with Config.OnChange numbered
// the tenant's waiting entries in their own transaction, holding the
// head row until their commit) write the same users of one tenant on one
// PostgreSQL database at once, as a rolling upgrade runs them: this
// release's writes without OnChange and with it (which leave their
// entries waiting, handing OnChange Seq 0), and the previous release's
// OnChange write path (its statements, previousOnChangeUpdate), while
// readers of this release read the feed as consumers do, numbering what
// waits. The tenant's first numbering is one of them (no head row before):
// a previous release's write makes the row in its append, a reader in a
// statement of its own. Every consumer's pages follow each other without
// a gap, and, once all is written, the feed holds every write's entries
// exactly once, at Seqs 1..N, a resource's in the order of its writes
// (its versions, which each write takes under the resource's row lock,
// in Seq order), a write's entries at consecutive Seqs; what the
// consumers read is what the feed holds at those Seqs, and an entry the
// previous release numbered is at the Seq its OnChange was handed.
func TestFeedMixedReleases(t *testing.T) {
	dsn := postgresDSN(t)
	type key = feedKey
	var mu sync.Mutex
	want := map[key]bool{}         // every entry of every write that returned
	previousSeq := map[key]int64{} // the previous release's entries: the Seq its OnChange was handed
	record := func(keys ...key) {
		mu.Lock()
		defer mu.Unlock()
		for _, k := range keys {
			assert.False(t, want[k], "%v written twice", k)
			want[k] = true
		}
	}
	var handed sync.Map // key -> true: this release's OnChange was handed it
	plain := openAt(t, sqlstore.Config{DSN: dsn, ChangeFeed: true})
	hooked := openAt(t, sqlstore.Config{DSN: dsn, ChangeFeed: true,
		OnChange: func(_ context.Context, _ *sql.Tx, c sqlstore.Change) error {
			if c.Seq != 0 {
				return fmt.Errorf("entry %s of %s handed with Seq %d before it is numbered", c.Kind, c.ID, c.Seq)
			}
			handed.Store(key{c.Kind, c.ID, c.Version}, true) // a write run again is handed its entries again
			return nil
		}})
	previous, err := sql.Open("pgx", dsn) // the other process's pool
	require.NoError(t, err)
	t.Cleanup(func() { previous.Close() })
	acme := store.WithTenant(ctx, "acme")

	const users = 6
	var ids []string
	for i := range users {
		u, err := plain.CreateUser(acme, &resources.User{UserName: fmt.Sprint("u", i), Active: ptr(true)})
		require.NoError(t, err)
		ids = append(ids, u.ID)
		record(key{store.UserCreated, u.ID, u.Meta.Version})
	}

	// The writers: two of each kind, each writing every user in turn.
	const perWriter = 20
	var retried int
	mixedUpdate := func(s *sqlstore.Store, g, k int) error {
		keys, err := updateMixed(acme, s, ids[(g+k)%users], g, k)
		if err == nil {
			record(keys...)
		}
		return err
	}
	writers := []func(g, k int) error{
		func(g, k int) error { return mixedUpdate(plain, g, k) },
		func(g, k int) error { return mixedUpdate(hooked, g, k) },
		func(g, k int) error {
			id := ids[(g+k)%users]
			v, seq, r, err := previousOnChangeUpdate(acme, previous, "acme", id, `["displayName"]`)
			if err != nil {
				return err
			}
			k1 := key{store.UserUpdated, id, v}
			record(k1)
			mu.Lock()
			previousSeq[k1], retried = seq, retried+r
			mu.Unlock()
			return nil
		},
	}
	// The consumers: each reads on from the last Seq it read, as package
	// feed does, until the writers are done and it has read everything.
	type read struct {
		got []store.Change
		err error
	}
	stop := make(chan struct{})
	reads := make([]chan read, 2)
	for r, s := range []*sqlstore.Store{plain, hooked} {
		reads[r] = make(chan read, 1)
		go func() {
			var got []store.Change
			for done := false; ; {
				page, err := s.Feed().Changes(acme, int64(len(got)), 7)
				if err != nil {
					reads[r] <- read{got, err}
					return
				}
				for i, c := range page {
					if want := int64(len(got) + 1); c.Seq != want {
						reads[r] <- read{got, fmt.Errorf("after Seq %d, entry %d of a page has Seq %d, not %d", len(got)-i, i, c.Seq, want)}
						return
					}
					got = append(got, c)
				}
				if len(page) == 0 && done {
					reads[r] <- read{got, nil}
					return
				}
				select {
				case <-stop:
					done = true // one read more after the last write
				default:
				}
			}
		}()
	}
	var wg sync.WaitGroup
	for g := range 2 * len(writers) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range perWriter {
				if err := writers[g%len(writers)](g, k); !assert.NoError(t, err, "writer %d, write %d", g, k) {
					return
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	var consumed [][]store.Change
	for r := range reads {
		rd := <-reads[r]
		require.NoError(t, rd.err, "consumer %d", r)
		consumed = append(consumed, rd.got)
	}
	t.Logf("the previous release's writes ran again %d times (deadlocks, serialization failures)", retried)

	got := readFeed(t, acme, plain.Feed(), 0)
	require.Len(t, got, len(want), "every write's entries, once")
	last := map[string]int{}
	for i, c := range got {
		require.Equal(t, int64(i+1), c.Seq, "Seqs 1..N without a gap")
		k := key{c.Kind, c.ID, c.Version}
		require.True(t, want[k], "entry %d: %v, which no write wrote or another entry has too", c.Seq, k)
		want[k] = false
		v, err := strconv.Atoi(strings.Trim(strings.TrimPrefix(c.Version, "W/"), `"`))
		require.NoError(t, err)
		if c.Kind == store.UserDeactivated || c.Kind == store.UserReactivated {
			prev := got[i-1]
			require.Equal(t, key{store.UserUpdated, c.ID, c.Version}, key{prev.Kind, prev.ID, prev.Version},
				"entry %d (%s of %s): right after its write's first entry", c.Seq, c.Kind, c.ID)
		} else {
			require.Greater(t, v, last[c.ID], "entry %d (%s of %s): its resource's writes in Seq order", c.Seq, c.Kind, c.ID)
		}
		last[c.ID] = v
		if seq, ok := previousSeq[k]; ok {
			require.Equal(t, seq, c.Seq, "entry %v: at the Seq the previous release's OnChange was handed", k)
		}
		if _, ok := handed.Load(k); ok {
			handed.Store(k, false) // found
		}
	}
	handed.Range(func(k, unseen any) bool {
		assert.False(t, unseen.(bool), "%v: this release's OnChange was handed an entry the feed does not have", k)
		return true
	})
	for r, c := range consumed {
		assert.Equal(t, got, c, "consumer %d read what the feed holds, at the same Seqs", r)
	}
	var head int64
	require.NoError(t, plain.DB().QueryRowContext(ctx, `SELECT seq FROM scim_feed_heads WHERE tenant = 'acme'`).Scan(&head))
	assert.Equal(t, int64(len(got)), head, "the head row at the last Seq")
}

// updateMixed is TestFeedMixedReleases's update of user id through s by
// writer g's write k: a new displayName (an entry), and every third write
// active flipped too (a second entry, at the same version). It returns
// the write's entries.
func updateMixed(c context.Context, s *sqlstore.Store, id string, g, k int) ([]feedKey, error) {
	flip := k%3 == 0
	u, err := s.UpdateUser(c, id, "", func(cur *resources.User) (*resources.User, error) {
		cur.DisplayName = fmt.Sprint(g, "-", k)
		if flip {
			cur.Active = ptr(!*cur.Active)
		}
		return cur, nil
	})
	if err != nil {
		return nil, err
	}
	keys := []feedKey{{store.UserUpdated, id, u.Meta.Version}}
	switch {
	case !flip:
	case *u.Active:
		keys = append(keys, feedKey{store.UserReactivated, id, u.Meta.Version})
	default:
		keys = append(keys, feedKey{store.UserDeactivated, id, u.Meta.Version})
	}
	return keys, nil
}
