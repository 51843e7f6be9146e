package admin_test

import (
	"context"
	"time"

	"github.com/scimkit/scim/internal/clocktest"
	"github.com/scimkit/scim/tokens/tokenstest"
)

var (
	ctx = context.Background()
	t0  = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
)

// newClock is the tests' clock, standing still at t0 until moved.
func newClock() *clocktest.Clock { return clocktest.New(t0) }

// countingStore counts the token store's calls (tokenstest.CountingStore).
type countingStore = tokenstest.CountingStore

// eventLog records a Manager's events (tokenstest.EventLog).
type eventLog = tokenstest.EventLog
