package feed_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/feed"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/memory"
	"github.com/scimkit/scim/store/sqlstore"
)

// TestStopAcknowledgesTheHandledEntry: a host stops its consumer (cancels
// Run's context) while Handle is working on an entry, as a graceful
// shutdown does; Handle finishes it, and Run acknowledges it before it
// returns, so the next start does not hand it over again.
func TestStopAcknowledgesTheHandledEntry(t *testing.T) {
	for _, tc := range []struct {
		name string
		open func(t *testing.T) (store.UserStore, feed.Source)
	}{
		{"memory", func(t *testing.T) (store.UserStore, feed.Source) {
			m := memory.New(memory.WithChangeFeed(0))
			return m, m.Feed()
		}},
		{"sqlite", func(t *testing.T) (store.UserStore, feed.Source) {
			s, err := sqlstore.New(context.Background(), sqlstore.Config{DSN: filepath.Join(t.TempDir(), "scim.db"), ChangeFeed: true})
			require.NoError(t, err)
			t.Cleanup(func() { s.Close() })
			return s, s.Feed()
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			users, src := tc.open(t)
			ctx := context.Background()
			for i := range 2 {
				_, err := users.CreateUser(ctx, &resources.User{UserName: "stop" + string(rune('a'+i))})
				require.NoError(t, err)
			}
			rctx, cancel := context.WithCancel(ctx)
			var got []int64
			c := &feed.Consumer{Name: "stop", Feed: src, Logger: quiet, Handle: func(_ context.Context, ch store.Change) error {
				got = append(got, ch.Seq)
				cancel() // the host stops while the entry is being handled
				return nil
			}}
			require.ErrorIs(t, c.Run(rctx), context.Canceled)
			require.Equal(t, []int64{1}, got)
			st, err := src.FeedStatus(ctx)
			require.NoError(t, err)
			require.Len(t, st, 1)
			require.Len(t, st[0].Consumers, 1)
			assert.Equal(t, int64(1), st[0].Consumers[0].Acked, "the entry Handle finished is acknowledged")
			assert.Empty(t, st[0].Consumers[0].Holder, "and the lease released")
		})
	}
}
