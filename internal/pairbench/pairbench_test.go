package pairbench

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestMedian(t *testing.T) {
	for _, tc := range []struct {
		name string
		ds   []time.Duration
		want time.Duration
	}{
		{"one", []time.Duration{7}, 7},
		{"odd, unsorted", []time.Duration{9, 1, 5}, 5},
		{"even: the upper middle", []time.Duration{4, 1, 3, 2}, 3},
		{"a stalled operation does not move it", []time.Duration{100, 110, 105, 90_000, 95}, 105},
		{"repeated values", []time.Duration{2, 2, 1, 2}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, median(tc.ds))
		})
	}
}

// TestRun: every iteration runs both sides once, each with its
// iteration's number, the side that goes first alternating.
func TestRun(t *testing.T) {
	type call struct{ k, i int }
	var calls []call
	n := 0
	testing.Benchmark(func(b *testing.B) {
		calls = calls[:0]
		Run(b, func(k, i int) { calls = append(calls, call{k, i}) })
		n = b.N
	})
	assert.Positive(t, n)
	want := make([]call, 0, 2*n)
	for i := range n {
		want = append(want, call{i % 2, i}, call{(i + 1) % 2, i})
	}
	assert.Equal(t, want, calls)
}

// TestReportLeavesOutUnmeasuredCPU: a side whose thread CPU time read 0
// (the clock's granularity, a few operations) gives no CPU figures, rather
// than a ratio of 0 or of infinity.
func TestReportLeavesOutUnmeasuredCPU(t *testing.T) {
	for _, tc := range []struct {
		name    string
		cpu     [2]time.Duration
		wantCPU bool
	}{
		{"both measured", [2]time.Duration{4 * time.Millisecond, 5 * time.Millisecond}, true},
		{"on side read 0", [2]time.Duration{4 * time.Millisecond, 0}, false},
		{"off side read 0", [2]time.Duration{0, 5 * time.Millisecond}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := testing.Benchmark(func(b *testing.B) {
				p := &Sides{cpuOK: true, cpu: tc.cpu, wall: [2]time.Duration{time.Millisecond, time.Millisecond}}
				for b.Loop() {
				}
				p.Report(b)
			})
			_, ok := r.Extra["cpu-on/off"]
			assert.Equal(t, tc.wantCPU, ok, r.Extra)
			assert.Contains(t, r.Extra, "on/off")
		})
	}
}
