// Package fanout runs calls at once, for the module's tests of races (two
// creates of one name, a conditional write racing another, rotations of
// one tenant's tokens): the conformance suites (store/storetest,
// tokens/tokenstest) and the handler's own tests share it, so every race
// starts the same way.
package fanout

import "sync"

// Run runs n calls of f, f(0) to f(n-1), each on its own goroutine,
// released together once all are launched so that they overlap as much as
// the scheduler lets them, and returns their errors, errs[i] f(i)'s.
func Run(n int, f func(i int) error) []error {
	var wg sync.WaitGroup
	errs := make([]error, n)
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = f(i)
		}()
	}
	close(start)
	wg.Wait()
	return errs
}
