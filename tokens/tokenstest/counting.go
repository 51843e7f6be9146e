package tokenstest

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/scimkit/scim/tokens"
)

// CountingStore wraps a tokens.Store, counts the calls a cache must save
// and injects failures: what a test of a tokens.Manager (or of code over
// one) uses to see how often the store is asked. Because it embeds only
// the Store interface it hides a store's Rotator, so a Manager over it
// takes the create-then-revoke path. Safe for concurrent use.
type CountingStore struct {
	tokens.Store
	// Lookups and Touches count TokenByHash and TouchToken calls.
	Lookups, Touches atomic.Int64
	// LookupErr, when set, is what every TokenByHash returns.
	LookupErr error
	// TouchErr, when set, is what every TouchToken returns.
	TouchErr atomic.Pointer[error]
	// FailRevokes makes that many RevokeToken calls fail with RevokeErr.
	FailRevokes atomic.Int64
	RevokeErr   error
}

// TokenByHash counts the call, then fails with LookupErr or asks Store.
func (s *CountingStore) TokenByHash(ctx context.Context, hash []byte) (*tokens.Token, error) {
	s.Lookups.Add(1)
	if s.LookupErr != nil {
		return nil, s.LookupErr
	}
	return s.Store.TokenByHash(ctx, hash)
}

// TouchToken counts the call, then fails with TouchErr or asks Store.
func (s *CountingStore) TouchToken(ctx context.Context, id string, at time.Time) error {
	s.Touches.Add(1)
	if p := s.TouchErr.Load(); p != nil {
		return *p
	}
	return s.Store.TouchToken(ctx, id, at)
}

// RevokeToken fails with RevokeErr while FailRevokes lasts, else asks
// Store.
func (s *CountingStore) RevokeToken(ctx context.Context, tenantID, id string, at time.Time) error {
	if s.FailRevokes.Add(-1) >= 0 {
		return s.RevokeErr
	}
	return s.Store.RevokeToken(ctx, tenantID, id, at)
}

// EventLog records the events a Manager reports (tokens.Options.OnEvent:
// pass its Record). Safe for concurrent use.
type EventLog struct {
	mu     sync.Mutex
	events []tokens.Event
}

// Record is a tokens.Options.OnEvent function.
func (l *EventLog) Record(_ context.Context, e tokens.Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, e)
}

// Events returns the events recorded so far, in order.
func (l *EventLog) Events() []tokens.Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]tokens.Event(nil), l.events...)
}
