package backoff

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fake is a clock that moves only when the retry sleeps, and a jitter
// that always answers the same fraction of its range.
type fake struct {
	now    time.Time
	slept  []time.Duration
	frac   float64 // jitter: frac of n
	cancel bool    // Sleep reports the context ended
}

func (f *fake) policy(budget time.Duration) Policy {
	return Policy{
		Budget: budget,
		Now:    func() time.Time { return f.now },
		Sleep: func(_ context.Context, d time.Duration) bool {
			f.slept = append(f.slept, d)
			f.now = f.now.Add(d)
			return !f.cancel
		},
		Jitter: func(n time.Duration) time.Duration { return time.Duration(f.frac * float64(n)) },
	}
}

var t0 = time.Date(2026, 11, 30, 5, 0, 0, 0, time.UTC)

func ms(n float64) time.Duration { return time.Duration(n * float64(time.Millisecond)) }

func TestRetryPausesAndGivesUp(t *testing.T) {
	for _, tc := range []struct {
		name     string
		budget   time.Duration
		deadline time.Duration // ctx's deadline from the start; 0: none
		spent    time.Duration // the first attempt's duration, before the first failure
		frac     float64
		attempts int             // attempts taken before it gives up
		pauses   []time.Duration // the pauses taken
	}{
		{
			// No jitter: half of each step (1 ms, 2 ms ... 64 ms, then
			// 64 ms each). After 159.5 ms, a 32 ms pause would end at
			// 191.5 ms, within Margin of the 200 ms budget: not taken.
			name: "the pauses double up to 64 ms", budget: ms(200), frac: 0,
			pauses: []time.Duration{ms(0.5), ms(1), ms(2), ms(4), ms(8), ms(16), ms(32), ms(32), ms(32), ms(32)},
		},
		{
			// Full jitter: the pause is the whole step. After 1+2+...+64 =
			// 127 ms, the next 64 ms pause would end at 191 ms, within
			// Margin (20 ms) of the 200 ms budget: not taken.
			name: "the pause that would end within the margin is not taken", budget: ms(200), frac: 1,
			pauses: []time.Duration{ms(1), ms(2), ms(4), ms(8), ms(16), ms(32), ms(64)},
		},
		{
			// The margin exactly fits: 127 ms + 64 ms + 20 ms = 211 ms.
			name: "a pause ending exactly at the margin is taken", budget: ms(211), frac: 1,
			pauses: []time.Duration{ms(1), ms(2), ms(4), ms(8), ms(16), ms(32), ms(64), ms(64)},
		},
		{
			// The context's deadline comes before the budget's end.
			name: "the context's deadline bounds the budget", budget: DefaultBudget, deadline: ms(50), frac: 1,
			pauses: []time.Duration{ms(1), ms(2), ms(4), ms(8)},
		},
		{
			// The budget starts with the write: an attempt that took
			// 190 ms of a 200 ms budget leaves no room for a pause.
			name: "the budget starts at the write's start", budget: ms(200), spent: ms(190), frac: 1,
		},
		{
			name: "zero budget is the default", budget: 0, spent: DefaultBudget - Margin - ms(1), frac: 1,
			pauses: []time.Duration{ms(1)},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fake{now: t0, frac: tc.frac}
			ctx := context.Background()
			if tc.deadline > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithDeadline(ctx, t0.Add(tc.deadline))
				defer cancel()
			}
			r := f.policy(tc.budget).Start(ctx)
			f.now = f.now.Add(tc.spent)
			n := 0
			for r.Again(ctx) {
				n++
				require.Less(t, n, 1000, "the retries never stop")
			}
			assert.Equal(t, tc.pauses, f.slept)
			assert.Equal(t, len(tc.pauses)+1, r.Retried(), "the pause not taken is counted too")
		})
	}
}

// TestRetryFrozenClock: a clock that stands still (a test's Config.Now,
// a fake that moves only when told) still ends the retries: the time
// spent is at least the pauses taken, so the pauses stop once they would
// fill the budget, as with a clock that moves with them.
func TestRetryFrozenClock(t *testing.T) {
	for _, tc := range []struct {
		name   string
		budget time.Duration
		frac   float64
		pauses []time.Duration // as TestRetryPausesAndGivesUp's with a moving clock
	}{
		{"no jitter", ms(200), 0, []time.Duration{ms(0.5), ms(1), ms(2), ms(4), ms(8), ms(16), ms(32), ms(32), ms(32), ms(32)}},
		{"full jitter", ms(200), 1, []time.Duration{ms(1), ms(2), ms(4), ms(8), ms(16), ms(32), ms(64)}},
		{"the default budget", 0, 1, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fake{now: t0, frac: tc.frac}
			p := f.policy(tc.budget)
			p.Sleep = func(_ context.Context, d time.Duration) bool {
				f.slept = append(f.slept, d) // the clock does not move
				return true
			}
			r := p.Start(context.Background())
			n := 0
			for r.Again(context.Background()) {
				n++
				require.Less(t, n, 1000, "the retries never stop")
			}
			var total time.Duration
			for _, d := range f.slept {
				total = total + d
			}
			budget := tc.budget
			if budget <= 0 {
				budget = DefaultBudget
			}
			assert.LessOrEqual(t, total+Margin, budget, "the pauses fit the budget with the margin")
			if tc.pauses != nil {
				assert.Equal(t, tc.pauses, f.slept)
			}
			assert.Equal(t, t0, f.now, "the clock stood still")
		})
	}
}

// TestRetryStopsWhenTheContextEnds: a pause the context ended during is
// the last one.
func TestRetryStopsWhenTheContextEnds(t *testing.T) {
	f := &fake{now: t0, frac: 1, cancel: true}
	r := f.policy(ms(200)).Start(context.Background())
	assert.False(t, r.Again(context.Background()))
	assert.Equal(t, []time.Duration{ms(1)}, f.slept)
}

// TestRetryRealTimer: the zero Policy waits with a real timer, and a
// context that has ended stops it.
func TestRetryRealTimer(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	r := Policy{}.Start(ctx)
	require.True(t, r.Again(ctx), "a 1 ms pause within the default budget")
	cancel()
	assert.False(t, r.Again(ctx), "the context has ended")
}

// TestRetryJitterStaysInRange: the default jitter keeps each pause within
// half and the whole of its step.
func TestRetryJitterStaysInRange(t *testing.T) {
	r := Policy{Now: func() time.Time { return t0 }}.Start(context.Background())
	for i := range 20 {
		step := time.Millisecond << min(i, maxShift)
		pause, ok := r.Next()
		require.True(t, ok)
		assert.GreaterOrEqual(t, pause, step/2)
		assert.LessOrEqual(t, pause, step)
	}
}
