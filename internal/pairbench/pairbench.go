// Package pairbench times the two sides of a paired benchmark: each
// iteration runs an operation once without a feature and once with it,
// alternating which goes first, so that on a shared machine both see the
// same load at the same moment (BenchmarkFeedWrite, BenchmarkFeedRequests).
// Besides each side's total wall time it reports the median of its
// operations' wall times, which a few operations stalled by other
// processes (a descheduled thread, a disk flush) do not move, and the CPU
// time of the benchmark's own thread (Linux). That CPU time is the client
// thread's only: it covers an operation's work on SQLite, which runs in
// the thread, but not on PostgreSQL, where the server does the work and
// the thread mostly waits. BENCHMARKS.md has how far each figure moved
// from run to run on a shared machine. Each side runs under a profiler
// label (side=off, side=on), so that one CPU profile of a paired run
// compares the two under the same load.
package pairbench

import (
	"context"
	"runtime"
	"runtime/pprof"
	"slices"
	"testing"
	"time"
)

// Sides accumulates the two sides' times: side 0 is the one without the
// feature ("off"), side 1 the one with it ("on").
type Sides struct {
	wall, cpu [2]time.Duration
	each      [2][]time.Duration
	cpuOK     bool
	// labels are the profiler labels of each side (side=off, side=on)
	// and of neither, set around each operation, so that a CPU profile of
	// a paired run (-cpuprofile) splits by side: go tool pprof
	// -tagfocus=side=on. Both sides see the same load at the same
	// moment, which two profiles of two runs do not.
	labels [3]context.Context
}

// Start locks the calling goroutine (the benchmark's) to its thread, so
// that the thread's CPU time is the operations' own; Report unlocks it.
func Start() *Sides {
	runtime.LockOSThread()
	_, ok := threadCPU()
	bg := context.Background()
	return &Sides{cpuOK: ok, labels: [3]context.Context{
		pprof.WithLabels(bg, pprof.Labels("side", "off")),
		pprof.WithLabels(bg, pprof.Labels("side", "on")),
		bg,
	}}
}

// Time runs op as side k (0 or 1) and adds its wall and CPU time.
func (p *Sides) Time(k int, op func()) {
	pprof.SetGoroutineLabels(p.labels[k]) // a pointer's store: nothing timed
	c0, _ := threadCPU()
	t0 := time.Now()
	op()
	d := time.Since(t0)
	c1, _ := threadCPU() // before the append, whose growth is not op's
	pprof.SetGoroutineLabels(p.labels[2])
	p.wall[k] += d
	p.cpu[k] += c1 - c0
	p.each[k] = append(p.each[k], d)
}

// Run is a paired benchmark's loop: each iteration i of b runs op(k, i)
// for both sides k (0, off; 1, on), timed as that side, side i%2 first,
// so that neither side always runs first; then it reports (Report). op
// calls b.Fatal on an error: Run times it, it checks nothing.
func Run(b *testing.B, op func(k, i int)) {
	p := Start()
	for i := 0; b.Loop(); i++ {
		for j := range 2 {
			k := (i + j) % 2
			p.Time(k, func() { op(k, i) })
		}
	}
	p.Report(b)
}

// Report reports each side's wall time per operation (off-ns/op,
// on-ns/op) and their ratio (on/off), the medians of its operations' wall
// times and theirs (off-med-ns, on-med-ns, med-on/off), and the same as
// the first of the thread's CPU time (off-cpu-ns/op, on-cpu-ns/op,
// cpu-on/off) where it is measured (the client thread's only, see the
// package doc); and unlocks the goroutine from its
// thread.
func (p *Sides) Report(b *testing.B) {
	defer runtime.UnlockOSThread()
	n := float64(b.N)
	b.ReportMetric(float64(p.wall[0].Nanoseconds())/n, "off-ns/op")
	b.ReportMetric(float64(p.wall[1].Nanoseconds())/n, "on-ns/op")
	b.ReportMetric(float64(p.wall[1])/float64(p.wall[0]), "on/off")
	if len(p.each[0]) > 0 && len(p.each[1]) > 0 {
		m0, m1 := median(p.each[0]), median(p.each[1])
		b.ReportMetric(float64(m0.Nanoseconds()), "off-med-ns")
		b.ReportMetric(float64(m1.Nanoseconds()), "on-med-ns")
		b.ReportMetric(float64(m1)/float64(m0), "med-on/off")
	}
	if !p.cpuOK || p.cpu[0] <= 0 || p.cpu[1] <= 0 {
		// The thread's CPU time has the clock's granularity: a few
		// operations can read 0 on a side, and a ratio of it no figure.
		return
	}
	b.ReportMetric(float64(p.cpu[0].Nanoseconds())/n, "off-cpu-ns/op")
	b.ReportMetric(float64(p.cpu[1].Nanoseconds())/n, "on-cpu-ns/op")
	b.ReportMetric(float64(p.cpu[1])/float64(p.cpu[0]), "cpu-on/off")
}

// median returns the median of ds, which it sorts: for an even count the
// upper of the two middle values (one of the times measured, not a mean).
// ds must not be empty.
func median(ds []time.Duration) time.Duration {
	slices.Sort(ds)
	return ds[len(ds)/2]
}
