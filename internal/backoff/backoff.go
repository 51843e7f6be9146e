// Package backoff paces the retries of a write that lost a race to a
// concurrent one: the root package's read-modify-write that met a newer
// version, and sqlstore's transaction the database made retry (deadlock,
// serialization failure, SQLite busy, a row lock not taken).
//
// The budget is time, not attempts, and starts when the write does (not at
// its first failure): under load one attempt can take long, or many can
// fail within a few milliseconds, and either way the write should wait
// rather than fail while its request has time. The pauses are jittered
// (so writers that collided do not collide again in step) and double per
// attempt, from 1 ms up to 64 ms. A pause that would end within Margin of
// the limit (the budget's end, or the context's deadline when sooner) is
// not taken: the caller gives up at once with its own error rather than
// run an attempt that meets the deadline.
//
// The clock is the wall clock's monotonic reading, not a host's
// Config.Now: what the pacing races is the context's deadline, which runs
// on that clock, and a clock a test holds still would otherwise keep a
// write retrying for ever. Whatever clock Policy.Now gives, the time a
// write has spent counts at least the pauses it has taken, so that its
// retries end within the budget's worth of pauses even when that clock
// stands still.
package backoff

import (
	"context"
	"math/rand/v2"
	"time"
)

// DefaultBudget is how long a write keeps retrying when Policy.Budget is
// not set (sqlstore.DefaultWriteRetryBudget is this constant).
const DefaultBudget = 5 * time.Second

// Margin is how much time must remain before the limit after a pause for
// the pause to be taken: a timer may fire late on a loaded machine, and
// the attempt after it (a read and a write) takes time.
const Margin = 20 * time.Millisecond

// maxShift caps the doubling of the pauses: 1 ms << 6 = 64 ms.
const maxShift = 6

// Policy is how a write retries. Its zero value is the production policy:
// DefaultBudget, the wall clock, a real timer and math/rand/v2. Tests set
// Now, Sleep and Jitter to see the pauses and the give-up point without
// waiting.
type Policy struct {
	// Budget bounds the retries from the write's start (DefaultBudget
	// when zero or negative); the context's deadline ends them sooner.
	Budget time.Duration
	// Now is the clock (time.Now when nil). The time spent is never
	// taken as less than the pauses taken, so a clock that stands still
	// ends the retries once the pauses fill the budget.
	Now func() time.Time
	// Sleep waits d and reports true, or reports false as soon as ctx
	// ends (a timer when nil).
	Sleep func(ctx context.Context, d time.Duration) bool
	// Jitter returns a duration in [0, n] (uniform, math/rand/v2, when nil).
	Jitter func(n time.Duration) time.Duration
}

// Retry is the state of one write's retries. Start it when the write
// starts, call Again after each lost attempt; it is not safe for
// concurrent use (one write is one goroutine).
type Retry struct {
	p       Policy
	start   time.Time
	until   time.Time
	paused  time.Duration // the pauses taken: the least time spent
	attempt int
}

// Start begins the retries of a write that starts now: the limit is the
// budget from now, or ctx's deadline when that is sooner.
func (p Policy) Start(ctx context.Context) Retry {
	if p.Budget <= 0 {
		p.Budget = DefaultBudget
	}
	start := p.now()
	until := start.Add(p.Budget)
	if d, ok := ctx.Deadline(); ok && d.Before(until) {
		until = d
	}
	return Retry{p: p, start: start, until: until}
}

func (p Policy) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

// Next is the pause before the next attempt, and whether it is to be
// taken: false when it would end within Margin of the limit, the time
// spent being the clock's since Start or the pauses taken, whichever is
// more. It counts the attempt either way, and the pause when it is to be
// taken, and does not wait (Again does).
func (r *Retry) Next() (time.Duration, bool) {
	full := time.Millisecond << min(r.attempt, maxShift)
	r.attempt++
	var j time.Duration
	if r.p.Jitter != nil {
		j = r.p.Jitter(full / 2)
	} else {
		j = rand.N(full/2 + 1)
	}
	pause := full/2 + j
	spent := max(r.p.now().Sub(r.start), r.paused)
	if r.start.Add(spent + pause + Margin).After(r.until) {
		return pause, false
	}
	r.paused += pause
	return pause, true
}

// Again waits the next pause and reports whether the write is to be tried
// again: false, without waiting, when the pause would cross the limit
// (see Next), and false as soon as ctx ends during the pause.
func (r *Retry) Again(ctx context.Context) bool {
	pause, ok := r.Next()
	if !ok {
		return false
	}
	if r.p.Sleep != nil {
		return r.p.Sleep(ctx, pause)
	}
	t := time.NewTimer(pause)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// Retried reports how many pauses were asked for (Next or Again), taken
// or not: 0 while the write has not lost a race.
func (r *Retry) Retried() int { return r.attempt }
