package admin_test

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/scimkit/scim/internal/clocktest"
	"github.com/scimkit/scim/tokens"
)

var (
	ctx = context.Background()
	t0  = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
)

// newClock is the tests' clock, standing still at t0 until moved.
func newClock() *clocktest.Clock { return clocktest.New(t0) }

// countingStore wraps a token Store, counts lookups and can make revokes
// fail.
type countingStore struct {
	tokens.Store
	lookups atomic.Int64
	// failRevokes makes that many RevokeToken calls fail with revokeErr.
	failRevokes atomic.Int64
	revokeErr   error
}

func (s *countingStore) TokenByHash(ctx context.Context, hash []byte) (*tokens.Token, error) {
	s.lookups.Add(1)
	return s.Store.TokenByHash(ctx, hash)
}

func (s *countingStore) RevokeToken(ctx context.Context, tenantID, id string, at time.Time) error {
	if s.failRevokes.Add(-1) >= 0 {
		return s.revokeErr
	}
	return s.Store.RevokeToken(ctx, tenantID, id, at)
}

// eventLog records events passed to tokens.Options.OnEvent.
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
