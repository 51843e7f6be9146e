package admin_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/admin"
)

// fakeDest is a destination log that records what it is handed. The
// tests run in a synctest bubble, so a goroutine left blocked at the end
// of a test (a leaked writer) fails it.
type fakeDest struct {
	// stuck makes every call wait until its ctx is done.
	stuck bool
	// gate, if set, makes the first call wait until it is closed.
	gate chan struct{}
	// err fails every call.
	err error

	mu      sync.Mutex
	calls   int
	batches [][]admin.Request // one per successful call
}

func (d *fakeDest) put(ctx context.Context, rs []admin.Request) error {
	d.mu.Lock()
	d.calls++
	first := d.calls == 1
	d.mu.Unlock()
	if d.stuck {
		<-ctx.Done()
		return ctx.Err()
	}
	if first && d.gate != nil {
		select {
		case <-d.gate:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if d.err != nil {
		return d.err
	}
	d.mu.Lock()
	d.batches = append(d.batches, slices.Clone(rs))
	d.mu.Unlock()
	return nil
}

func (d *fakeDest) Record(ctx context.Context, r admin.Request) error {
	return d.put(ctx, []admin.Request{r})
}

// Recent returns every entry written, newest first, whatever the tenant.
func (d *fakeDest) Recent(context.Context, string, int) ([]admin.Request, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []admin.Request
	for _, b := range d.batches {
		out = append(out, b...)
	}
	slices.Reverse(out)
	return out, nil
}

// callCount returns how many calls the destination got.
func (d *fakeDest) callCount() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.calls
}

// sizes returns the size of each batch written.
func (d *fakeDest) sizes() []int {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make([]int, len(d.batches))
	for i, b := range d.batches {
		out[i] = len(b)
	}
	return out
}

// batchDest is a fakeDest that is also an admin.BatchRecorder.
type batchDest struct{ *fakeDest }

func (d batchDest) RecordBatch(ctx context.Context, rs []admin.Request) error {
	return d.put(ctx, rs)
}

// destKinds wraps a fakeDest as a plain RequestLog and as a BatchRecorder.
var destKinds = []struct {
	name  string
	batch bool
	wrap  func(*fakeDest) admin.RequestLog
}{
	{"RecordBatch", true, func(d *fakeDest) admin.RequestLog { return batchDest{d} }},
	{"Record", false, func(d *fakeDest) admin.RequestLog { return d }},
}

// recordN records entries with Status from..to and requires each Record
// to succeed.
func recordN(t *testing.T, l admin.RequestLog, from, to int) {
	t.Helper()
	for i := from; i <= to; i++ {
		require.NoError(t, l.Record(ctx, admin.Request{TenantID: "acme", Status: i}))
	}
}

// warnings counts the warning lines in a text log.
func warnings(logs *bytes.Buffer) int {
	return strings.Count(logs.String(), "level=WARN")
}

func TestAsyncLogNeverBlocksOnAStuckDestination(t *testing.T) {
	for _, kind := range destKinds {
		t.Run(kind.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				logs := &bytes.Buffer{}
				dst := &fakeDest{stuck: true}
				l := admin.NewAsyncLog(kind.wrap(dst), admin.AsyncOptions{Buffer: 4, FlushDelay: -1, Logger: slog.New(slog.NewTextHandler(logs, nil))})

				recordN(t, l, 1, 1)
				synctest.Wait() // the writer is now stuck writing entry 1
				require.Equal(t, 1, dst.callCount())
				// Four fit in the buffer; the other six are dropped, and
				// every Record returns at once.
				recordN(t, l, 2, 11)
				assert.Equal(t, int64(6), l.Dropped())
				assert.Equal(t, 1, warnings(logs), "one warning, not one per drop")
				assert.Contains(t, logs.String(), "buffer full")

				cancelled, cancel := context.WithCancel(ctx)
				cancel()
				require.ErrorIs(t, l.Close(cancelled), context.Canceled, "Close returns when its ctx is done")
				synctest.Wait() // the writer has given up
				assert.Equal(t, int64(11), l.Dropped(), "the entry in flight and the buffered ones are lost")
				assert.Equal(t, 1, dst.callCount(), "nothing more is written once Close gave up")

				require.ErrorIs(t, l.Record(ctx, admin.Request{}), admin.ErrClosed)
				assert.Equal(t, int64(12), l.Dropped())
			})
		})
	}
}

func TestAsyncLogCloseTimesOut(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dst := &fakeDest{stuck: true}
		l := admin.NewAsyncLog(batchDest{dst}, admin.AsyncOptions{Logger: slog.New(slog.DiscardHandler)})
		recordN(t, l, 1, 3)
		start := time.Now()
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		require.ErrorIs(t, l.Close(cctx), context.DeadlineExceeded)
		assert.Equal(t, 5*time.Second, time.Since(start), "Close waited for its ctx, no longer")
	})
}

func TestAsyncLogBatches(t *testing.T) {
	cases := []struct {
		name      string
		batch     bool
		batchSize int
		sizes     []int // of each write, once released
	}{
		{"one batch for what waited", true, 0, []int{1, 9}},
		{"batches bounded by BatchSize", true, 4, []int{1, 4, 4, 1}},
		{"a plain RequestLog gets one Record each", false, 0, []int{1, 1, 1, 1, 1, 1, 1, 1, 1, 1}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				dst := &fakeDest{gate: make(chan struct{})}
				var dl admin.RequestLog = dst
				if tc.batch {
					dl = batchDest{dst}
				}
				l := admin.NewAsyncLog(dl, admin.AsyncOptions{BatchSize: tc.batchSize, FlushDelay: -1})
				defer l.Close(ctx)

				recordN(t, l, 1, 1)
				synctest.Wait() // the writer holds entry 1 at the gate
				recordN(t, l, 2, 10)
				close(dst.gate)
				synctest.Wait()

				assert.Equal(t, tc.sizes, dst.sizes())
				assert.Equal(t, len(tc.sizes), dst.callCount())
				got, err := l.Recent(ctx, "acme", 0)
				require.NoError(t, err)
				assert.Equal(t, []int{10, 9, 8, 7, 6, 5, 4, 3, 2, 1}, statuses(got), "all written, in order")
				assert.Zero(t, l.Dropped())
			})
		})
	}
}

func TestAsyncLogFlushDelay(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dst := &fakeDest{}
		l := admin.NewAsyncLog(batchDest{dst}, admin.AsyncOptions{FlushDelay: time.Second})
		defer l.Close(ctx)
		for i := 1; i <= 5; i++ {
			recordN(t, l, i, i)
			synctest.Wait()
		}
		assert.Zero(t, dst.callCount(), "the batch waits for FlushDelay")
		time.Sleep(time.Second)
		synctest.Wait()
		assert.Equal(t, []int{5}, dst.sizes())
	})
}

// TestAsyncLogDefaultDelay: by default the writer gathers what arrives
// within DefaultAsyncFlushDelay and writes it at once, and a full batch
// goes without waiting the delay out.
func TestAsyncLogDefaultDelay(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dst := &fakeDest{}
		l := admin.NewAsyncLog(batchDest{dst}, admin.AsyncOptions{BatchSize: 4})
		defer l.Close(ctx)
		for i := 1; i <= 3; i++ {
			recordN(t, l, i, i)
			synctest.Wait()
		}
		assert.Zero(t, dst.callCount(), "three entries wait for the delay")
		time.Sleep(admin.DefaultAsyncFlushDelay)
		synctest.Wait()
		assert.Equal(t, []int{3}, dst.sizes(), "one write for the three")

		start := time.Now()
		recordN(t, l, 4, 8)
		synctest.Wait()
		assert.Equal(t, []int{3, 4}, dst.sizes(), "a full batch is written at once")
		assert.Zero(t, time.Since(start), "without waiting the delay out")
		time.Sleep(admin.DefaultAsyncFlushDelay)
		synctest.Wait()
		assert.Equal(t, []int{3, 4, 1}, dst.sizes())
	})
}

func TestAsyncLogCloseFlushes(t *testing.T) {
	for _, kind := range destKinds {
		t.Run(kind.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				dst := &fakeDest{gate: make(chan struct{})}
				l := admin.NewAsyncLog(kind.wrap(dst), admin.AsyncOptions{BatchSize: 7, FlushDelay: time.Hour})
				recordN(t, l, 1, 20)
				close(dst.gate)
				require.NoError(t, l.Close(ctx), "Close does not wait for FlushDelay")
				got, err := l.Recent(ctx, "acme", 0)
				require.NoError(t, err)
				assert.Len(t, got, 20)
				assert.Equal(t, 20, statuses(got)[0])
				assert.Zero(t, l.Dropped())
				require.NoError(t, l.Close(ctx), "again")
				require.ErrorIs(t, l.Record(ctx, admin.Request{}), admin.ErrClosed)
			})
		})
	}
}

func TestAsyncLogFailingDestination(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		logs := &bytes.Buffer{}
		dst := &fakeDest{err: errors.New("database is down")}
		l := admin.NewAsyncLog(batchDest{dst}, admin.AsyncOptions{FlushDelay: -1, Logger: slog.New(slog.NewTextHandler(logs, nil))})
		defer l.Close(ctx)
		for i := 1; i <= 3; i++ {
			require.NoError(t, l.Record(ctx, admin.Request{Status: i}), "a failing destination never fails a request")
			synctest.Wait()
		}
		assert.Equal(t, 3, dst.callCount())
		assert.Equal(t, int64(3), l.Dropped())
		assert.Equal(t, 1, warnings(logs), "rate-limited")
		assert.Contains(t, logs.String(), "database is down")

		time.Sleep(time.Minute)
		require.NoError(t, l.Record(ctx, admin.Request{}))
		synctest.Wait()
		assert.Equal(t, 2, warnings(logs), "a minute later it warns again")
		assert.Contains(t, logs.String(), "dropped_total=4")
	})
}

func TestAsyncLogConcurrentRecordAndClose(t *testing.T) {
	// Every entry is either written or counted as dropped, also when
	// Close races with Record.
	dst := &fakeDest{}
	l := admin.NewAsyncLog(batchDest{dst}, admin.AsyncOptions{Buffer: 64, BatchSize: 8, Logger: slog.New(slog.DiscardHandler)})
	const workers, each = 8, 300
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				err := l.Record(ctx, admin.Request{TenantID: fmt.Sprint(w), Status: i})
				if err != nil {
					assert.ErrorIs(t, err, admin.ErrClosed)
				}
			}
		})
	}
	require.NoError(t, l.Close(ctx))
	wg.Wait()
	written, err := l.Recent(ctx, "", 0)
	require.NoError(t, err)
	assert.Equal(t, int64(workers*each), int64(len(written))+l.Dropped())
}

func TestNewAsyncLogNilPanics(t *testing.T) {
	assert.Panics(t, func() { admin.NewAsyncLog(nil, admin.AsyncOptions{}) })
}

func BenchmarkAsyncLogRecord(b *testing.B) {
	l := admin.NewAsyncLog(admin.NewRequestRing(100), admin.AsyncOptions{Logger: slog.New(slog.DiscardHandler)})
	defer l.Close(ctx)
	req := admin.Request{TenantID: "acme", Method: "GET", Path: "/Users?filter=userName%20eq%20%22bjensen%22", Status: 200, TokenHint: "scim_…a1B2"}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			_ = l.Record(ctx, req)
		}
	})
}
