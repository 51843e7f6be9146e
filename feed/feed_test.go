package feed_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/feed"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/memory"
	"github.com/scimkit/scim/store/sqlstore"
	"github.com/scimkit/scim/store/sqlstore/sqltest"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func TestConsumerRetriesAFailingEntry(t *testing.T) {
	db := memory.New(memory.WithChangeFeed(0))
	ctx := context.Background()
	for i := range 3 {
		_, err := db.CreateUser(ctx, &resources.User{UserName: fmt.Sprint("u", i), Active: ptr(true)})
		require.NoError(t, err)
	}
	var (
		mu       sync.Mutex
		got      []int64
		failures int
	)
	done := make(chan struct{})
	c := &feed.Consumer{Name: "t", Feed: db.Feed(), Poll: 4 * time.Millisecond, Logger: quiet,
		Handle: func(_ context.Context, ch store.Change) error {
			mu.Lock()
			defer mu.Unlock()
			if ch.Seq == 2 && failures < 2 {
				failures++
				return errors.New("downstream unavailable")
			}
			if ch.Seq == 1 && len(got) == 0 && failures == 0 {
				got = append(got, ch.Seq)
				panic("a panicking handler is a failure, not a crash")
			}
			got = append(got, ch.Seq)
			if ch.Seq == 3 {
				close(done)
			}
			return nil
		}}
	rctx, cancel := context.WithCancel(ctx)
	errc := make(chan error, 1)
	go func() { errc <- c.Run(rctx) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("the consumer did not reach the last entry")
	}
	cancel()
	assert.ErrorIs(t, <-errc, context.Canceled)
	assert.Equal(t, []int64{1, 1, 2, 3}, got, "a failing entry is tried again, and nothing after it is handed over first")
	assert.Equal(t, 2, failures)

	st, err := db.Feed().FeedStatus(ctx)
	require.NoError(t, err)
	require.Len(t, st, 1)
	require.Len(t, st[0].Consumers, 1)
	assert.Equal(t, int64(3), st[0].Consumers[0].Acked)
	assert.Empty(t, st[0].Consumers[0].Holder, "Run releases its lease when it ends")
}

func TestConsumerNeedsConfig(t *testing.T) {
	assert.ErrorIs(t, (&feed.Consumer{}).Run(context.Background()), feed.ErrConfig)
}

// TestReplicas runs three replicas of one consumer, each with its own
// connection pool, over one database while changes are written in two
// tenants; one replica is stopped and started again halfway. Every entry
// is handled, in order per tenant, and never by two replicas at once.
func TestReplicas(t *testing.T) {
	for _, db := range []struct {
		name string
		dsn  func(t *testing.T) string
	}{
		{"sqlite", func(t *testing.T) string { return filepath.Join(t.TempDir(), "feed.db") }},
		{"postgres", func(t *testing.T) string { return sqltest.PostgresDSN(t) }},
	} {
		t.Run(db.name, func(t *testing.T) {
			dsn := db.dsn(t)
			ctx := context.Background()
			open := func() *sqlstore.Store {
				s, err := sqlstore.New(ctx, sqlstore.Config{DSN: dsn, ChangeFeed: true})
				require.NoError(t, err)
				t.Cleanup(func() { s.Close() })
				return s
			}
			writer := open()
			tenants := []string{"acme", "globex"}

			var (
				mu      sync.Mutex
				handled = map[string][]int64{}
				inside  = map[string]*atomic.Int32{"acme": {}, "globex": {}}
				overlap atomic.Int32
			)
			handle := func(_ context.Context, ch store.Change) error {
				if inside[ch.Tenant].Add(1) > 1 {
					overlap.Add(1)
				}
				defer inside[ch.Tenant].Add(-1)
				time.Sleep(100 * time.Microsecond)
				mu.Lock()
				handled[ch.Tenant] = append(handled[ch.Tenant], ch.Seq)
				mu.Unlock()
				return nil
			}
			run := func(ctx context.Context, name string) <-chan error {
				c := &feed.Consumer{Name: "sessions", Feed: open().Feed(), Handle: handle, Holder: name,
					Poll: 5 * time.Millisecond, Lease: 10 * time.Second, Batch: 7, Logger: quiet}
				errc := make(chan error, 1)
				go func() { errc <- c.Run(ctx) }()
				return errc
			}
			rctx, stop := context.WithCancel(ctx)
			defer stop()
			r1ctx, stopR1 := context.WithCancel(rctx)
			defer stopR1()
			r1 := run(r1ctx, "r1")
			run(rctx, "r2")
			run(rctx, "r3")

			const perTenant = 60
			for i := range perTenant {
				for _, tn := range tenants {
					_, err := writer.CreateUser(store.WithTenant(ctx, tn), &resources.User{UserName: fmt.Sprint("user", i), Active: ptr(true)})
					require.NoError(t, err)
				}
				if i == perTenant/2 {
					stopR1()
					assert.ErrorIs(t, <-r1, context.Canceled)
					r1 = run(rctx, "r1") // restarted: resumes from what was acknowledged
				}
			}
			require.Eventually(t, func() bool {
				mu.Lock()
				defer mu.Unlock()
				return len(handled["acme"]) >= perTenant && len(handled["globex"]) >= perTenant &&
					handled["acme"][len(handled["acme"])-1] == perTenant && handled["globex"][len(handled["globex"])-1] == perTenant
			}, 60*time.Second, 10*time.Millisecond, "every entry is handled")
			stop()

			assert.Zero(t, overlap.Load(), "no two replicas handle a tenant's entries at once")
			mu.Lock()
			defer mu.Unlock()
			for _, tn := range tenants {
				seqs := handled[tn]
				seen := map[int64]bool{}
				for i, s := range seqs {
					seen[s] = true
					if i > 0 {
						assert.GreaterOrEqual(t, s, seqs[i-1], "tenant %s: entries are handled in Seq order (an entry whose acknowledgement was lost comes again)", tn)
					}
				}
				assert.Len(t, seen, perTenant, "tenant %s: every entry handled", tn)
				assert.LessOrEqual(t, len(seqs)-perTenant, 1, "tenant %s: at most the entry in flight when r1 stopped is handled twice", tn)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

// TestConsumerRefusesNames: a Name or Holder no store keeps is ErrConfig
// (and store.ErrConsumerName) at once; before, Run took it and logged a
// failed lease every Poll, forever (PostgreSQL refused a NUL, memory and
// SQLite kept it).
func TestConsumerRefusesNames(t *testing.T) {
	db := memory.New(memory.WithChangeFeed(0))
	handle := func(context.Context, store.Change) error { return nil }
	for _, tc := range []struct{ name, holder string }{
		{"a\x00b", ""},
		{"caf\xe9", ""},
		{strings.Repeat("n", store.MaxConsumerName+1), ""},
		{"sessions", "h\x00"},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err := (&feed.Consumer{Name: tc.name, Holder: tc.holder, Feed: db.Feed(), Handle: handle}).Run(ctx)
		cancel()
		assert.ErrorIs(t, err, feed.ErrConfig, "name %.20q holder %q", tc.name, tc.holder)
		assert.ErrorIs(t, err, store.ErrConsumerName, "name %.20q holder %q", tc.name, tc.holder)
	}
}
