package tokens_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scimkit/scim/internal/clocktest"
	"github.com/scimkit/scim/tokens"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// newClock is the tests' clock, standing still at t0 until moved.
func newClock() *clocktest.Clock { return clocktest.New(t0) }

// countingStore wraps a Store, counts calls and can inject errors. Because
// it embeds only the Store interface it hides MemoryStore's Rotator, so a
// Manager over it takes the create-then-revoke path.
type countingStore struct {
	tokens.Store
	lookups   atomic.Int64
	touches   atomic.Int64
	lookupErr error
	touchErr  atomic.Pointer[error]
	// failRevokes makes that many RevokeToken calls fail with revokeErr.
	failRevokes atomic.Int64
	revokeErr   error
}

func (s *countingStore) TokenByHash(ctx context.Context, hash []byte) (*tokens.Token, error) {
	s.lookups.Add(1)
	if s.lookupErr != nil {
		return nil, s.lookupErr
	}
	return s.Store.TokenByHash(ctx, hash)
}

func (s *countingStore) TouchToken(ctx context.Context, id string, at time.Time) error {
	s.touches.Add(1)
	if p := s.touchErr.Load(); p != nil {
		return *p
	}
	return s.Store.TouchToken(ctx, id, at)
}

func (s *countingStore) RevokeToken(ctx context.Context, tenantID, id string, at time.Time) error {
	if s.failRevokes.Add(-1) >= 0 {
		return s.revokeErr
	}
	return s.Store.RevokeToken(ctx, tenantID, id, at)
}

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

// eventLog records events passed to Options.OnEvent.
type eventLog struct {
	mu     sync.Mutex
	events []tokens.Event
}

func (l *eventLog) record(_ context.Context, e tokens.Event) {
	l.mu.Lock()
	l.events = append(l.events, e)
	l.mu.Unlock()
}

func (l *eventLog) get() []tokens.Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]tokens.Event(nil), l.events...)
}

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
