package feed_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/feed"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/memory"
)

// countingSource records the positions a consumer acknowledges.
type countingSource struct {
	feed.Source
	mu     sync.Mutex
	acks   []int64
	leases int
}

func (c *countingSource) AckFeed(ctx context.Context, consumer, holder string, seq int64, ttl time.Duration) error {
	c.mu.Lock()
	c.acks = append(c.acks, seq)
	c.mu.Unlock()
	return c.Source.AckFeed(ctx, consumer, holder, seq, ttl)
}

func (c *countingSource) LeaseFeed(ctx context.Context, consumer, holder string, ttl time.Duration) (int64, error) {
	c.mu.Lock()
	c.leases++
	c.mu.Unlock()
	return c.Source.LeaseFeed(ctx, consumer, holder, ttl)
}

// feedOfUsers is a memory store with its change feed on and users u0 to
// u(n-1) created: entries 1 to n to consume.
func feedOfUsers(t *testing.T, n int) *memory.Store {
	t.Helper()
	db := memory.New(memory.WithChangeFeed(0))
	for i := range n {
		_, err := db.CreateUser(context.Background(), &resources.User{UserName: fmt.Sprint("u", i)})
		require.NoError(t, err)
	}
	return db
}

func (c *countingSource) leased() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.leases
}

func (c *countingSource) acked() []int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]int64(nil), c.acks...)
}

// TestConsumerAcknowledgesPerBatch: an acknowledgement is a write to the
// store, so the consumer makes one per batch, not one per entry; the
// entries handled before a failing one are acknowledged before its
// retries wait, so a crash while a downstream system is down hands over
// only the failing entry again.
func TestConsumerAcknowledgesPerBatch(t *testing.T) {
	for _, tc := range []struct {
		name     string
		entries  int
		batch    int
		failSeq  int64 // fails once
		wantAcks []int64
	}{
		{name: "one batch", entries: 10, batch: 100, wantAcks: []int64{10}},
		{name: "batches", entries: 10, batch: 4, wantAcks: []int64{4, 8, 10}},
		{name: "a failing entry", entries: 10, batch: 100, failSeq: 6, wantAcks: []int64{5, 10}},
		{name: "the first entry failing", entries: 3, batch: 100, failSeq: 1, wantAcks: []int64{3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := feedOfUsers(t, tc.entries)
			ctx := context.Background()
			src := &countingSource{Source: db.Feed()}
			// Handle cancels at the last entry; the deadline ends a run
			// that never gets there (a position not advancing) as a failure.
			rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			var (
				mu     sync.Mutex
				failed bool
				got    []int64
			)
			c := &feed.Consumer{Name: "t", Feed: src, Batch: tc.batch, Poll: 4 * time.Millisecond, Logger: quiet,
				Handle: func(_ context.Context, ch store.Change) error {
					mu.Lock()
					defer mu.Unlock()
					if ch.Seq == tc.failSeq && !failed {
						failed = true
						return errors.New("downstream unavailable")
					}
					got = append(got, ch.Seq)
					if ch.Seq == int64(tc.entries) {
						cancel()
					}
					return nil
				}}
			require.ErrorIs(t, c.Run(rctx), context.Canceled, "the consumer reached the last entry")
			assert.Len(t, got, tc.entries, "every entry handled once")
			assert.Equal(t, tc.wantAcks, src.acked())
		})
	}
}

// slowChanges is a source whose Changes is slow to answer, as a store
// numbering many waiting entries first may.
type slowChanges struct {
	*countingSource
	slow time.Duration
}

func (s *slowChanges) Changes(ctx context.Context, after int64, limit int) ([]store.Change, error) {
	time.Sleep(s.slow)
	return s.countingSource.Changes(ctx, after, limit)
}

// TestConsumerLeaseCountsFromLeaseFeed: the lease LeaseFeed renews runs
// from before that call, so a batch read slowly has used part of it:
// once Lease/3 has passed when the batch is read, the consumer renews
// the lease before it hands anything over, and then acknowledges once
// for the batch.
func TestConsumerLeaseCountsFromLeaseFeed(t *testing.T) {
	db := feedOfUsers(t, 2)
	ctx := context.Background()
	const lease = 300 * time.Millisecond
	src := &slowChanges{countingSource: &countingSource{Source: db.Feed()}, slow: lease / 2}
	rctx, cancel := context.WithTimeout(ctx, 30*time.Second) // as in TestConsumerAcknowledgesPerBatch
	defer cancel()
	c := &feed.Consumer{Name: "t", Feed: src, Batch: 100, Poll: 4 * time.Millisecond, Lease: lease, Logger: quiet,
		Handle: func(_ context.Context, ch store.Change) error {
			if ch.Seq == 2 {
				cancel()
			}
			return nil
		}}
	require.ErrorIs(t, c.Run(rctx), context.Canceled, "the consumer reached the last entry")
	assert.Equal(t, 2, src.leased(), "the reading of the batch took more than Lease/3: the lease is taken again before the entries are handed over")
	assert.Equal(t, []int64{2}, src.acked(), "then one acknowledgement for the batch")
}

// statusCounting is a countingSource that also counts FeedStatus calls.
type statusCounting struct {
	*countingSource
	statuses int
}

func (s *statusCounting) FeedStatus(ctx context.Context) ([]store.FeedStatus, error) {
	s.mu.Lock()
	s.statuses++
	s.mu.Unlock()
	return s.countingSource.FeedStatus(ctx)
}

// TestConsumerBusyPassWrites: behind a busy writer each pass reads a full
// batch and goes on at once. Such a pass reads the tenants again only once
// a Poll has passed, and takes the lease only when its last renewal (the
// last acknowledgement) is Lease/3 old: a pass is then the batch and its
// one acknowledgement, where it was also a listing of every tenant's head
// and a write of the lease.
func TestConsumerBusyPassWrites(t *testing.T) {
	for _, tc := range []struct {
		batch    int
		wantAcks []int64
	}{
		{batch: 3, wantAcks: []int64{3, 6, 9, 12}},
		{batch: 4, wantAcks: []int64{4, 8, 12}},
	} {
		t.Run(fmt.Sprint("batch ", tc.batch), func(t *testing.T) {
			db := feedOfUsers(t, 12)
			ctx := context.Background()
			src := &statusCounting{countingSource: &countingSource{Source: db.Feed()}}
			rctx, cancel := context.WithCancel(ctx)
			defer cancel()
			var got []int64
			// A Poll and a Lease longer than the test: the passes after the
			// first are all within them.
			c := &feed.Consumer{Name: "t", Feed: src, Batch: tc.batch, Poll: time.Hour, Lease: time.Hour, Logger: quiet,
				Handle: func(_ context.Context, ch store.Change) error {
					got = append(got, ch.Seq)
					return nil
				}}
			done := make(chan error, 1)
			go func() { done <- c.Run(rctx) }()
			require.Eventually(t, func() bool { return len(src.acked()) == len(tc.wantAcks) }, 5*time.Second, time.Millisecond)
			time.Sleep(20 * time.Millisecond) // the pass after the last full batch finds nothing and pauses
			cancel()
			require.ErrorIs(t, <-done, context.Canceled)
			assert.Equal(t, []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, got)
			assert.Equal(t, tc.wantAcks, src.acked(), "one acknowledgement per batch")
			assert.Equal(t, 1, src.leased(), "the lease taken once, renewed by the acknowledgements")
			src.mu.Lock()
			defer src.mu.Unlock()
			assert.Equal(t, 1, src.statuses, "the tenants read once")
		})
	}
}
