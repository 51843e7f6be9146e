package sqlstore

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// TestWriteScopeAllocs: what a write pays in allocations for being
// called under a context that can end (the handler's StoreTimeout), for
// the scope that follows that context until the COMMIT and bounds the
// COMMIT by the grace after it: counted against the same write run under
// the caller's context itself, which database/sql and the driver derive
// from in the same way (a transaction's context, a watch of a statement)
// and which is made in both counts.
func TestWriteScopeAllocs(t *testing.T) {
	s := &Store{commitGrace: defaultCommitGrace}
	// drive does with the write's context what database/sql and pgx do
	// with BeginTx's: derive the transaction's, and watch it during a
	// statement.
	drive := func(c context.Context) {
		d, cancel := context.WithCancel(c)
		stop := context.AfterFunc(d, func() {})
		_ = d.Done()
		stop()
		cancel()
	}
	for _, tc := range []struct {
		name   string
		budget float64
		write  func(caller context.Context)
	}{
		{"transaction", 9, func(caller context.Context) {
			sc := s.scope(caller, false)
			drive(sc.context(caller))
			sc.detach()
			sc.end()
		}},
		{"one statement", 9, func(caller context.Context) {
			sc, err := s.committing(caller)
			if err != nil {
				t.Fatal(err)
			}
			drive(sc.context(caller))
			sc.end()
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			count := func(write func(context.Context)) float64 {
				return testing.AllocsPerRun(100, func() {
					caller, cancel := context.WithTimeout(context.Background(), time.Minute)
					write(caller)
					cancel()
				})
			}
			plain := count(drive)
			scoped := count(tc.write)
			assert.LessOrEqual(t, scoped-plain, tc.budget, "allocations of the scope (%v with it, %v under the caller's context)", scoped, plain)
		})
	}
}
