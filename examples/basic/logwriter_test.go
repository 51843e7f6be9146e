package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// signalWriter records what is written to it and signals each write.
type signalWriter struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	writes int
	wrote  chan struct{}
}

func (w *signalWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	w.buf.Write(p)
	w.writes++
	w.mu.Unlock()
	select {
	case w.wrote <- struct{}{}:
	default:
	}
	return len(p), nil
}

func (w *signalWriter) text() (string, int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String(), w.writes
}

// TestLogWriter: lines reach the file whole and in order, many in one
// write: at a tick, once the buffer passes logFlushAt, and at Close, after
// which lines are written as they come.
func TestLogWriter(t *testing.T) {
	for _, c := range []struct {
		name string
		// lines are logged, each with pad bytes of padding, then flush
		// makes them reach the file.
		lines, pad int
		flush      func(ticks chan time.Time, l *logWriter)
	}{
		{"tick", 3, 20, func(ticks chan time.Time, _ *logWriter) { ticks <- time.Now() }},
		{"past logFlushAt", logFlushAt/40 + 1, 20, func(chan time.Time, *logWriter) {}},
		{"close", 3, 20, func(_ chan time.Time, l *logWriter) { require.NoError(t, l.Close()) }},
		// A burst past maxLogBacklog is written whole and in order,
		// whichever of the loop (kicked) and a Write past the backlog
		// flushes it.
		{"past maxLogBacklog", maxLogBacklog/1000 + 1, 1000, func(chan time.Time, *logWriter) {}},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := &signalWriter{wrote: make(chan struct{}, 1)}
			ticks := make(chan time.Time)
			l := newLogWriter(w, ticks)
			logger := slog.New(slog.NewTextHandler(l, nil))
			for i := range c.lines {
				line := fmt.Sprintf("line %06d %s", i, strings.Repeat("x", c.pad))
				logger.Info(line)
			}
			if got, _ := w.text(); c.lines < 10 {
				assert.Empty(t, got, "a line is buffered, not written at once")
			}
			c.flush(ticks, l)
			<-w.wrote // no timeout: the test's deadline is the bound
			got, writes := w.text()
			assert.Less(t, writes, c.lines, "lines are written many at a time")
			gotLines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
			require.NotEmpty(t, gotLines)
			for i, line := range gotLines {
				assert.Contains(t, line, fmt.Sprintf("line %06d", i), "whole lines, in order")
				assert.True(t, strings.HasPrefix(line, "time="), "whole lines: %q", line)
			}
			if c.name != "close" {
				require.NoError(t, l.Close())
			}
			got, _ = w.text()
			assert.Equal(t, c.lines, strings.Count(got, "\n"), "every line is written by Close")
			logger.Info("after close")
			got, _ = w.text()
			assert.True(t, strings.HasSuffix(got, "msg=\"after close\"\n"), "a line after Close is written at once")
		})
	}
}

// TestLogWriterConcurrent: lines logged from many goroutines at once, with
// flushes between them, each reach the file once and whole.
func TestLogWriterConcurrent(t *testing.T) {
	w := &signalWriter{wrote: make(chan struct{}, 1)}
	ticks := make(chan time.Time)
	l := newLogWriter(w, ticks)
	logger := slog.New(slog.NewTextHandler(l, nil))
	const goroutines, each = 4, 500
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range each {
				logger.Info("request", "g", g, "i", i, "pad", strings.Repeat("y", 40))
			}
		})
	}
	wg.Go(func() {
		for range 10 {
			ticks <- time.Now()
		}
	})
	wg.Wait()
	require.NoError(t, l.Close())
	got, _ := w.text()
	lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
	require.Len(t, lines, goroutines*each)
	seen := map[string]bool{}
	for _, line := range lines {
		require.True(t, strings.HasPrefix(line, "time=") && strings.HasSuffix(line, strings.Repeat("y", 40)), "a whole line: %q", line)
		i := strings.Index(line, " g=")
		require.False(t, seen[line[i:]], "a line written twice: %q", line)
		seen[line[i:]] = true
	}
}

// BenchmarkLogLine is one request's log line (what the SCIM handler logs)
// through the example's text handler, to a file written line by line
// (as to os.Stderr before logWriter) and through logWriter: the write
// system call per line against a copy; and to io.Discard, the
// formatting alone.
func BenchmarkLogLine(b *testing.B) {
	for _, to := range []string{"direct", "logWriter", "discard"} {
		b.Run(to, func(b *testing.B) {
			f, err := os.CreateTemp(b.TempDir(), "log")
			if err != nil {
				b.Fatal(err)
			}
			defer f.Close()
			var w io.Writer = f
			switch to {
			case "discard": // the formatting alone
				w = io.Discard
			case "logWriter":
				ticker := time.NewTicker(logFlushEvery)
				defer ticker.Stop()
				lw := newLogWriter(f, ticker.C)
				defer lw.Close()
				w = lw
			}
			logger := slog.New(slog.NewTextHandler(w, nil))
			b.ReportAllocs()
			for b.Loop() {
				logger.LogAttrs(context.Background(), slog.LevelInfo, "scim request",
					slog.String("request_id", "0123456789abcdef"), slog.String("method", "GET"),
					slog.String("path", "/Users/2819c223-7f76-453a-919d-413861904646"), slog.Int("status", 200),
					slog.Duration("duration", 41*time.Microsecond))
			}
		})
	}
}
