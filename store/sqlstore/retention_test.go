package sqlstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/internal/clocktest"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/sqlstore"
)

// TestFeedRetention: Prune deletes the entries older than FeedRetention
// and those every named consumer of their tenant has acknowledged, and
// nothing a consumer still needs (within the retention).
func TestFeedRetention(t *testing.T) {
	forEachDB(t, func(t *testing.T, db opener) {
		clk := clocktest.New(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
		s := db.open(t, sqlstore.Config{ChangeFeed: true, FeedRetention: time.Hour, Now: clk.Now})
		acme, globex := store.WithTenant(context.Background(), "acme"), store.WithTenant(context.Background(), "globex")
		create := func(ctx context.Context, n int) {
			for i := range n {
				_, err := s.CreateUser(ctx, &resources.User{UserName: fmt.Sprint(clk.Now().Unix(), "-", i), Active: ptr(true)})
				require.NoError(t, err)
			}
		}
		seqs := func(ctx context.Context) []int64 {
			cs, err := s.Feed().Changes(ctx, 0, 10_000)
			require.NoError(t, err)
			out := []int64{}
			for _, c := range cs {
				out = append(out, c.Seq)
			}
			return out
		}
		create(acme, 600) // more than one pruning batch
		create(globex, 2)
		clk.Advance(30 * time.Minute)
		create(acme, 2)
		create(globex, 2)

		n, err := s.Feed().Prune(context.Background())
		require.NoError(t, err)
		assert.Zero(t, n, "nothing is older than the retention yet, and no consumer has acknowledged anything")

		clk.Advance(45 * time.Minute)
		n, err = s.Feed().Prune(context.Background())
		require.NoError(t, err)
		assert.Equal(t, int64(602), n, "the entries older than an hour go, in batches")
		assert.Equal(t, []int64{601, 602}, seqs(acme))
		assert.Equal(t, []int64{3, 4}, seqs(globex))

		// A consumer of globex acknowledges 3: entry 3 goes, 4 stays.
		_, err = s.Feed().LeaseFeed(globex, "sessions", "r1", time.Minute)
		require.NoError(t, err)
		require.NoError(t, s.Feed().AckFeed(globex, "sessions", "r1", 3, time.Minute))
		n, err = s.Feed().Prune(context.Background())
		require.NoError(t, err)
		assert.Equal(t, int64(1), n)
		assert.Equal(t, []int64{4}, seqs(globex), "what the consumer has not acknowledged stays")
		assert.Equal(t, []int64{601, 602}, seqs(acme), "a consumer of another tenant prunes nothing here")

		// Numbering goes on after pruning.
		create(globex, 1)
		assert.Equal(t, []int64{4, 5}, seqs(globex))

		// And after every entry of a tenant is pruned (SQLite numbers
		// from the newest entry, and from what Prune kept when there
		// is none), as FeedStatus reports.
		require.NoError(t, s.Feed().AckFeed(globex, "sessions", "r1", 5, time.Minute))
		n, err = s.Feed().Prune(context.Background())
		require.NoError(t, err)
		assert.Equal(t, int64(2), n)
		assert.Empty(t, seqs(globex))
		st, err := s.Feed().FeedStatus(context.Background())
		require.NoError(t, err)
		require.Len(t, st, 2)
		assert.Equal(t, []int64{602, 5}, []int64{st[0].Head, st[1].Head}, "acme, globex")
		clk.Advance(time.Second)
		create(globex, 1)
		assert.Equal(t, []int64{6}, seqs(globex))
		st, err = s.Feed().FeedStatus(context.Background())
		require.NoError(t, err)
		assert.Equal(t, int64(6), st[1].Head)
	})
}

// TestFeedPruneWithinAWrite: a consumer whose position falls between
// the entries of one write (a deactivation's updated and deactivated)
// reads the rest of them after it, before and after Prune, and Prune
// deletes no entry it has not acknowledged. On SQLite the write's entries
// are one row (migration 0011), which goes once its last entry may: its
// acknowledged first entry is kept until then, and Prune counts the
// entries it deletes, not the rows.
func TestFeedPruneWithinAWrite(t *testing.T) {
	forEachDB(t, func(t *testing.T, db opener) {
		s := db.open(t, sqlstore.Config{ChangeFeed: true})
		tctx := store.WithTenant(context.Background(), "acme")
		createDeactivated(t, tctx, s, "ann")
		kinds := func(after int64) []string {
			cs, err := s.Feed().Changes(tctx, after, 10)
			require.NoError(t, err)
			out := []string{}
			for _, c := range cs {
				out = append(out, fmt.Sprint(c.Seq, " ", c.Kind))
			}
			return out
		}
		require.Equal(t, []string{"1 user.created", "2 user.updated", "3 user.deactivated"}, kinds(0))

		_, err := s.Feed().LeaseFeed(tctx, "sessions", "r1", time.Minute)
		require.NoError(t, err)
		require.NoError(t, s.Feed().AckFeed(tctx, "sessions", "r1", 2, time.Minute))
		assert.Equal(t, []string{"3 user.deactivated"}, kinds(2), "after a position within a write: the rest of its entries")
		n, err := s.Feed().Prune(context.Background())
		require.NoError(t, err)
		want := []string{"3 user.deactivated"}
		if isPG(s) {
			assert.Equal(t, int64(2), n, "the entries acknowledged")
		} else {
			assert.Equal(t, int64(1), n, "the entries acknowledged, but the deactivation's first: its row holds an entry not acknowledged")
			want = []string{"2 user.updated", "3 user.deactivated"}
		}
		assert.Equal(t, want, kinds(0))
		assert.Equal(t, []string{"3 user.deactivated"}, kinds(2), "what the consumer has not acknowledged stays")

		require.NoError(t, s.Feed().AckFeed(tctx, "sessions", "r1", 3, time.Minute))
		n2, err := s.Feed().Prune(context.Background())
		require.NoError(t, err)
		assert.Equal(t, int64(3), n+n2, "every entry, counted once")
		assert.Empty(t, kinds(0))
		_, err = s.CreateUser(tctx, &resources.User{UserName: "bob"})
		require.NoError(t, err)
		assert.Equal(t, []string{"4 user.created"}, kinds(0), "numbered on after the pruned row's last entry")
	})
}

// TestFeedPruneStatements: a pruning batch reads the tenant's rows once
// to find what may go and deletes them in one statement, which also
// counts their entries on SQLite (DELETE ... RETURNING: a row of a
// deactivation holds two), and keeps the tenant's last Seq (SQLite's
// head row): the tenants, the batch, the delete and, on SQLite, the
// head, whatever the entries of each row. On PostgreSQL it first numbers
// the entries waiting in scim_feed_pending: one statement for their
// tenants, one a tenant whose head row exists (a tenant's first
// numbering finds none, makes it and numbers again: two more).
func TestFeedPruneStatements(t *testing.T) {
	forEachDB(t, func(t *testing.T, db opener) {
		clk := clocktest.New(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
		s, log, err := sqlstore.NewCountingForTest(ctx, sqlstore.Config{DSN: db.dsn(t), ChangeFeed: true, FeedRetention: time.Hour, Now: clk.Now})
		require.NoError(t, err)
		t.Cleanup(func() { s.Close() })
		tctx := store.WithTenant(context.Background(), "acme")
		createDeactivated(t, tctx, s, "ann")
		_, err = s.Feed().Changes(tctx, 0, 1) // the tenant's first numbering, on PostgreSQL: its head row made
		require.NoError(t, err)
		createDeactivated(t, tctx, s, "bob")
		_, err = s.CreateUser(tctx, &resources.User{UserName: "cy"})
		require.NoError(t, err)
		clk.Advance(2 * time.Hour)
		log.Take()

		n, err := s.Feed().Prune(context.Background())
		require.NoError(t, err)
		assert.Equal(t, int64(7), n, "entries, not rows: two creations and deactivations of two entries each, one creation")
		var sqls []string
		for _, e := range log.Take() {
			if e.SQL != "" {
				sqls = append(sqls, e.SQL)
			}
		}
		want := 3 // the tenants, the batch, the delete
		if !isPG(s) {
			want++ // the head row
		} else {
			want += 2 // the entries waiting to be numbered: their tenants, the numbering (pgNumber)
		}
		assert.Len(t, sqls, want, "%q", sqls)
		cs, err := s.Feed().Changes(tctx, 0, 10)
		require.NoError(t, err)
		assert.Empty(t, cs)
	})
}
