// Package testlog gives tests a logger whose errors reach the test's own
// log, so that a test that fails on a 500 or a 503 says why: the handler
// logs the cause (the store's error, a deadline) that the response does
// not carry.
package testlog

import (
	"log/slog"
	"strings"
	"testing"
)

// Errors returns a logger that writes each line logged at
// slog.LevelError or above to t's log, and nothing below.
func Errors(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(writer{t}, &slog.HandlerOptions{Level: slog.LevelError}))
}

// writer writes each log line to t's log.
type writer struct{ t testing.TB }

func (w writer) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}
