// Package race tells tests whether the race detector is on: allocation
// counts (testing.AllocsPerRun) are not the code's own then, so the tests
// that hold code to an allocation budget skip.
package race
