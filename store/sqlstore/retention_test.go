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
