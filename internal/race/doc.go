// Package race tells tests whether the race detector is on: allocation
// counts (testing.AllocsPerRun) are not the code's own then, so the tests
// that hold code to an allocation budget skip. The README's test command
// (and .ci/run) runs the suite a second time without -race, where they
// run.
package race
