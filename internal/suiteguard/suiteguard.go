// Package suiteguard is what the conformance suites (store/storetest,
// tokens/tokenstest) share to keep a misbehaving store from crashing the
// test binary: a panic in a store method, or in a check that met a value
// it did not foresee, fails the check that met it, with a message naming
// the method and the file that states its contract, and every parallel
// subtest goes on.
package suiteguard

import (
	"fmt"
	"runtime/debug"
	"testing"
)

// Suite names a conformance suite in its messages.
type Suite struct {
	// Name is the suite's package, e.g. "storetest".
	Name string
	// Contract is the file that documents the store's methods, e.g.
	// "store/store.go".
	Contract string
	// Panicked is the sentinel the error of a method that panicked wraps.
	Panicked error
}

// Catch recovers a panic of the store method named method (for example
// "store.UserStore.GetUser"), reports it with t.Errorf, so that it is
// never taken for an expected error, and sets *err to an error wrapping
// s.Panicked. It must be deferred directly: recover sees a panic only
// there.
func (s Suite) Catch(t testing.TB, method string, err *error) {
	if r := recover(); r != nil {
		t.Errorf("%s panicked: %v\nA store must never panic: return an error instead (see %s in %s).\n%s", method, r, method, s.Contract, debug.Stack())
		*err = fmt.Errorf("%w: %s: %v", s.Panicked, method, r)
	}
}

// Recover ends a subtest that panicked outside a store method (the
// suite met a value its checks did not foresee) with one failure of that
// subtest, instead of a crash of the test binary that takes every
// parallel subtest down with it. It must be deferred directly.
func (s Suite) Recover(t testing.TB) {
	if r := recover(); r != nil {
		t.Fatalf("%s: this check panicked on a value the store returned: %v\n"+
			"The store broke a contract the checks above did not catch first; please report it to scimkit with this trace.\n%s", s.Name, r, debug.Stack())
	}
}
