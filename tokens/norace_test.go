//go:build !race

package tokens_test

// raceEnabled reports that the race detector is on: allocation counts
// are not the code's alone then.
const raceEnabled = false
