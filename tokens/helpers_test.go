package tokens_test

import (
	"testing"
	"time"

	"github.com/scimkit/scim/internal/clocktest"
	"github.com/scimkit/scim/tokens"
	"github.com/scimkit/scim/tokens/tokenstest"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// newClock is the tests' clock, standing still at t0 until moved.
func newClock() *clocktest.Clock { return clocktest.New(t0) }

// countingStore counts the token store's calls (tokenstest.CountingStore).
type countingStore = tokenstest.CountingStore

// rotatingStore is a countingStore that also exposes MemoryStore's Rotator.
type rotatingStore struct {
	*countingStore
	tokens.Rotator
}

// storeKinds builds a store with and without the Rotator capability.
var storeKinds = []struct {
	name string
	make func(*tokens.MemoryStore) (tokens.Store, *countingStore)
}{
	{"rotator", func(m *tokens.MemoryStore) (tokens.Store, *countingStore) {
		c := &countingStore{Store: m}
		return rotatingStore{c, m}, c
	}},
	{"fallback", func(m *tokens.MemoryStore) (tokens.Store, *countingStore) {
		c := &countingStore{Store: m}
		return c, c
	}},
}

// eventLog records a Manager's events (tokenstest.EventLog).
type eventLog = tokenstest.EventLog

// setup returns a Manager over a counting MemoryStore with a fake clock.
func setup(t *testing.T, opts tokens.Options) (*tokens.Manager, *tokens.MemoryStore, *countingStore, *clocktest.Clock) {
	t.Helper()
	mem := tokens.NewMemoryStore()
	cs := &countingStore{Store: mem}
	clk := newClock()
	if opts.Now == nil {
		opts.Now = clk.Now
	}
	return tokens.NewManager(cs, opts), mem, cs, clk
}
