package main

import (
	"io"
	"sync"
	"time"
)

// logFlushEvery is how long a log line may wait in logWriter's buffer
// before it is written: short enough for someone watching the terminal.
const logFlushEvery = 100 * time.Millisecond

// logFlushAt is the buffered size past which logWriter writes without
// waiting for the next tick, so a burst of requests is written in blocks
// of about this size rather than held.
const logFlushAt = 32 << 10

// maxLogBuffer bounds the buffer logWriter keeps for reuse.
const maxLogBuffer = 1 << 20

// maxLogBacklog is the most logWriter buffers: past it, a Write waits
// for the file.
const maxLogBacklog = 4 << 20

// logWriter is the example's standard error as its logger writes to it:
// each line (the SCIM handler logs one per request) is copied into a
// buffer, and the buffer is written to the file every logFlushEvery, once
// it passes logFlushAt and at Close. Written straight to os.Stderr, every
// request's line is a write system call of its own, which took more time
// than the handler's whole work for a read; buffered, a few hundred lines
// share one. Nothing of a line changes and each is written whole, in
// order. The cost: a line reaches the file up to logFlushEvery late, and
// a process killed outright (SIGKILL) loses what is buffered; run closes
// the writer on every return, so an orderly exit loses nothing.
type logWriter struct {
	w io.Writer
	// wmu serialises the writes to w (flush), so blocks stay in order.
	wmu sync.Mutex
	// mu guards buf and spare; a Write holds it for a copy only, never
	// during a write to w.
	mu         sync.Mutex
	buf, spare []byte
	closed     bool          // after Close, lines are written as they come
	kick       chan struct{} // a Write past logFlushAt asks the loop to flush
	stop, done chan struct{}
}

// newLogWriter starts the writer of w, flushed at each tick of ticks
// (time.NewTicker(logFlushEvery).C, or a test's channel). Close stops it.
func newLogWriter(w io.Writer, ticks <-chan time.Time) *logWriter {
	l := &logWriter{w: w, kick: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	go l.loop(ticks)
	return l
}

// Write buffers p, which slog hands over as one whole line.
func (l *logWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		l.wmu.Lock()
		defer l.wmu.Unlock()
		return l.w.Write(p)
	}
	l.buf = append(l.buf, p...)
	full, backlog := len(l.buf) >= logFlushAt, len(l.buf) >= maxLogBacklog
	l.mu.Unlock()
	if backlog {
		// Standard error is not keeping up (a stalled pipe): wait for it,
		// as a direct write would have, rather than grow without bound.
		l.flush()
		return len(p), nil
	}
	if full {
		select {
		case l.kick <- struct{}{}:
		default: // a flush is already asked for
		}
	}
	return len(p), nil
}

func (l *logWriter) loop(ticks <-chan time.Time) {
	defer close(l.done)
	for {
		select {
		case <-ticks:
		case <-l.kick:
		case <-l.stop:
			return
		}
		l.flush()
	}
}

// flush writes what is buffered. A failed write is not retried: there is
// nowhere else to report it, and the lines that follow are still written.
func (l *logWriter) flush() {
	l.wmu.Lock()
	defer l.wmu.Unlock()
	l.mu.Lock()
	if len(l.buf) == 0 {
		l.mu.Unlock()
		return
	}
	b := l.buf
	l.buf, l.spare = l.spare[:0], nil
	l.mu.Unlock()
	_, _ = l.w.Write(b)
	if cap(b) > maxLogBuffer {
		return // a burst's buffer is left to the collector, not kept
	}
	l.mu.Lock()
	l.spare = b[:0] // the next flush's buffer: two buffers, reused
	l.mu.Unlock()
}

// Close stops the ticks and writes what is left; lines written after it
// are written as they come, unbuffered.
func (l *logWriter) Close() error {
	close(l.stop)
	<-l.done
	l.wmu.Lock()
	defer l.wmu.Unlock()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	if len(l.buf) > 0 {
		_, err := l.w.Write(l.buf)
		l.buf = nil
		return err
	}
	return nil
}
