//go:build race

package scim_test

// raceEnabled reports that the race detector is on: allocation counts
// are not the handler's alone then.
const raceEnabled = true
