package admin

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults of an AsyncLog.
const (
	// DefaultAsyncBuffer is how many entries an AsyncLog holds for its
	// writer when AsyncOptions.Buffer is <= 0.
	DefaultAsyncBuffer = 4096
	// DefaultAsyncBatch is the largest batch an AsyncLog hands to its
	// destination when AsyncOptions.BatchSize is <= 0.
	DefaultAsyncBatch = 256
	// DefaultAsyncWriteTimeout bounds each write to the destination when
	// AsyncOptions.WriteTimeout is <= 0.
	DefaultAsyncWriteTimeout = 10 * time.Second
	// DefaultAsyncFlushDelay is how long the writer gathers entries
	// before it writes them when AsyncOptions.FlushDelay is 0: long
	// enough that a busy server's requests do not each wake it, short
	// enough that the admin page shows a request at once to a human.
	DefaultAsyncFlushDelay = 100 * time.Millisecond
)

// lostWarnEvery is the least time between two warnings about lost entries,
// so that a full buffer or a failing destination logs a line a minute,
// not one per request.
const lostWarnEvery = time.Minute

// ErrClosed is returned by AsyncLog.Record after Close.
var ErrClosed = errors.New("admin: request log closed")

// AsyncOptions configure NewAsyncLog. The zero value takes every default.
type AsyncOptions struct {
	// Buffer is how many entries may wait for the writer (default
	// DefaultAsyncBuffer). When it is full, Record drops the entry.
	Buffer int
	// BatchSize is the most entries handed to the destination at once
	// (default DefaultAsyncBatch).
	BatchSize int
	// FlushDelay is how long the writer waits, after an entry arrives, for
	// more to join its batch, unless BatchSize entries are waiting first
	// (default DefaultAsyncFlushDelay). The writer sleeps meanwhile:
	// without a delay (a negative FlushDelay) it writes as soon as it is
	// free, and a server whose destination is fast (the memory store)
	// then wakes it for every request, a goroutine switch each (in the
	// load test, 3 to 5% of the memory store's reads). A longer delay
	// means fewer writes and a longer wait before the admin page shows a
	// request.
	FlushDelay time.Duration
	// WriteTimeout bounds each call to the destination (default
	// DefaultAsyncWriteTimeout); a batch that times out is dropped.
	WriteTimeout time.Duration
	// Logger receives the warnings about lost entries, at most one a
	// minute. Nil means slog.Default().
	Logger *slog.Logger
}

// AsyncLog is a RequestLog that takes the writing of entries off the
// request path: Record puts the entry in a bounded buffer and returns at
// once, and one background goroutine writes the buffered entries to the
// destination in batches, with one RecordBatch call per batch when the
// destination is a BatchRecorder (sqlstore.Store is: one INSERT per
// batch) and one Record per entry otherwise. A slow, failing or stuck
// destination therefore never delays or fails a SCIM request.
//
// The request log is a diagnostic, so under pressure it drops rather than
// waits: an entry is dropped when the buffer is full, when its write fails
// or times out, and when Close gives up. Dropped counts them, and a
// warning is logged at most once a minute.
//
// Recent reads through to the destination, so the newest entries, still
// buffered or being written, may not show yet. Entries live in memory
// until written: a crash, or an exit without Close, loses the unflushed
// tail, at most Buffer plus BatchSize entries (normally those of the last
// FlushDelay).
//
// An AsyncLog is safe for concurrent use. Create it with NewAsyncLog and
// Close it on shutdown to flush the buffer and stop its goroutine.
type AsyncLog struct {
	dst       RequestLog
	batcher   BatchRecorder // dst as a BatchRecorder, or nil
	batchSize int
	delay     time.Duration
	timeout   time.Duration
	log       *slog.Logger

	mu      sync.RWMutex // guards closed against Record's send
	closed  bool
	entries chan Request
	kick    chan struct{} // a batch is waiting: the writer need not wait the flush delay out
	stop    chan struct{} // closed by Close
	done    chan struct{} // closed when the writer has returned

	// ctx is the context of every write; cancel abandons the write in
	// flight and whatever is still buffered (Close giving up).
	ctx    context.Context
	cancel context.CancelFunc

	dropped  atomic.Int64
	lastWarn atomic.Int64 // UnixNano of the last warning; 0: none yet
}

var _ RequestLog = (*AsyncLog)(nil)

// NewAsyncLog returns an AsyncLog writing to dst and starts its writer
// goroutine. It panics if dst is nil.
func NewAsyncLog(dst RequestLog, opts AsyncOptions) *AsyncLog {
	if dst == nil {
		panic("admin: NewAsyncLog with nil destination")
	}
	if opts.Buffer <= 0 {
		opts.Buffer = DefaultAsyncBuffer
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = DefaultAsyncBatch
	}
	if opts.WriteTimeout <= 0 {
		opts.WriteTimeout = DefaultAsyncWriteTimeout
	}
	if opts.FlushDelay == 0 {
		opts.FlushDelay = DefaultAsyncFlushDelay
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	l := &AsyncLog{
		dst:       dst,
		batchSize: opts.BatchSize,
		delay:     max(opts.FlushDelay, 0),
		timeout:   opts.WriteTimeout,
		log:       opts.Logger,
		entries:   make(chan Request, opts.Buffer),
		kick:      make(chan struct{}, 1),
		stop:      make(chan struct{}),
		done:      make(chan struct{}),
	}
	l.batcher, _ = dst.(BatchRecorder)
	l.ctx, l.cancel = context.WithCancel(context.Background())
	go l.run()
	return l
}

// Record implements RequestLog: it buffers r for the writer and returns
// at once, never blocking and never failing the request. A full buffer
// drops r (see Dropped). After Close it drops r and returns ErrClosed.
func (l *AsyncLog) Record(_ context.Context, r Request) error {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if l.closed {
		l.dropped.Add(1)
		return ErrClosed
	}
	select {
	case l.entries <- r:
		if len(l.entries) >= l.batchSize {
			select {
			case l.kick <- struct{}{}:
			default:
			}
		}
	default:
		l.lose(1, "buffer full", nil)
	}
	return nil
}

// Recent implements RequestLog by reading the destination. Entries still
// buffered or being written do not show yet.
func (l *AsyncLog) Recent(ctx context.Context, tenantID string, limit int) ([]Request, error) {
	return l.dst.Recent(ctx, tenantID, limit)
}

// Dropped returns how many entries never reached the destination: refused
// because the buffer was full or the log closed, lost in a failed or
// timed-out write, or abandoned by a Close that gave up.
func (l *AsyncLog) Dropped() int64 {
	return l.dropped.Load()
}

// Close stops accepting entries, writes what is buffered and stops the
// writer goroutine. If ctx ends first, Close cancels the write in flight,
// counts what is left as dropped and returns ctx's error without waiting
// further; the goroutine then ends as soon as the destination returns
// from the cancelled call. Close may be called more than once.
func (l *AsyncLog) Close(ctx context.Context) error {
	l.mu.Lock()
	if !l.closed {
		l.closed = true
		close(l.stop)
	}
	l.mu.Unlock()
	select {
	case <-l.done:
		return nil
	default:
	}
	select {
	case <-l.done:
		return nil
	case <-ctx.Done():
		l.cancel()
		return fmt.Errorf("admin: close request log: %w", ctx.Err())
	}
}

// run is the writer goroutine: it writes batches until Close, then the
// rest of the buffer.
func (l *AsyncLog) run() {
	defer close(l.done)
	defer l.cancel()
	batch := make([]Request, 0, l.batchSize)
	for {
		select {
		case r := <-l.entries:
			batch = append(batch[:0], r)
		case <-l.stop:
			l.drain(batch[:0])
			return
		}
		var stopped bool
		batch, stopped = l.fill(batch)
		l.write(batch)
		if stopped {
			l.drain(batch[:0])
			return
		}
	}
}

// fill adds buffered entries to batch, up to batchSize, after waiting
// the flush delay for more to arrive. It sleeps rather than taking each
// entry as it comes: a writer woken by every Record would cost each
// request a goroutine switch. Record wakes it early (kick) once a batch
// is waiting. It reports whether Close was called meanwhile.
func (l *AsyncLog) fill(batch []Request) ([]Request, bool) {
	stopped := false
	if l.delay > 0 {
		timer := time.NewTimer(l.delay)
		defer timer.Stop()
		select {
		case <-timer.C:
		case <-l.kick:
		case <-l.stop:
			stopped = true
		}
	}
	return l.buffered(batch), stopped
}

// drain writes what is left in the buffer once Close was called; no new
// entries arrive by then.
func (l *AsyncLog) drain(batch []Request) {
	for {
		batch = l.buffered(batch[:0])
		if len(batch) == 0 {
			return
		}
		l.write(batch)
	}
}

// buffered adds the entries already buffered to batch, up to batchSize,
// without waiting.
func (l *AsyncLog) buffered(batch []Request) []Request {
	for len(batch) < l.batchSize {
		select {
		case r := <-l.entries:
			batch = append(batch, r)
		default:
			return batch
		}
	}
	return batch
}

// write hands batch to the destination, counting what fails as dropped.
// An entry keeps its Sanitized mark on the way: a RequestRing behind the
// AsyncLog does not sanitize again what the handler did.
func (l *AsyncLog) write(batch []Request) {
	if err := l.ctx.Err(); err != nil {
		l.lose(len(batch), "abandoned by Close", err)
		return
	}
	ctx, cancel := context.WithTimeout(l.ctx, l.timeout)
	defer cancel()
	if l.batcher != nil {
		if err := l.batcher.RecordBatch(ctx, batch); err != nil {
			l.lose(len(batch), "write failed", err)
		}
		return
	}
	for _, r := range batch {
		if err := l.dst.Record(ctx, r); err != nil {
			l.lose(1, "write failed", err)
		}
	}
}

// lose counts n dropped entries and logs a warning unless one was logged
// less than lostWarnEvery ago.
func (l *AsyncLog) lose(n int, reason string, err error) {
	total := l.dropped.Add(int64(n))
	now := time.Now().UnixNano()
	last := l.lastWarn.Load()
	if last != 0 && now-last < int64(lostWarnEvery) || !l.lastWarn.CompareAndSwap(last, now) {
		return
	}
	attrs := []slog.Attr{slog.String("reason", reason), slog.Int64("dropped_total", total)}
	if err != nil {
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	l.log.LogAttrs(context.Background(), slog.LevelWarn, "admin: request log entries dropped (further warnings suppressed for a minute)", attrs...)
}
