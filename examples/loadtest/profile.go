package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"sync/atomic"
)

// phaseNow is the phase the driver is running, for the servers' profile
// labels: a server's goroutines are not the driver's, so they cannot
// inherit its labels.
var phaseNow atomic.Pointer[string]

// setPhase records the phase the driver starts.
func setPhase(phase string) { phaseNow.Store(&phase) }

// labelled wraps a target's handler so that, while a CPU profile is taken,
// each sample of its requests carries the label phase=the driver's phase
// besides the server's side=server and target=name (see serve): `go tool
// pprof -tagfocus target=memory` shows one target's server side, without
// the load generator (side=client) or the other targets that share the
// process, and -tagfocus phase=reads its handler's work in one phase (the
// connection's reads and writes outside the handler carry no phase). It
// is only used with -cpuprofile: pprof.Do allocates per request.
func labelled(name string, h http.Handler) http.Handler {
	// Do restores the labels of the context it is given when f returns:
	// the connection goroutine's own (inherited from serve's), not none.
	// A request's context carries no labels, so one context serves all.
	conn := pprof.WithLabels(context.Background(), serverLabels(name))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		phase := ""
		if p := phaseNow.Load(); p != nil {
			phase = *p
		}
		pprof.Do(conn, pprof.Labels("phase", phase), func(context.Context) {
			h.ServeHTTP(w, r)
		})
	})
}

// startProfiles starts the CPU profile of -cpuprofile and returns a
// function that stops it and writes the heap (allocations) profile of
// -memprofile; either path may be empty.
func startProfiles(cpu, mem string) (stop func() error, err error) {
	var f *os.File
	if cpu != "" {
		if f, err = os.Create(cpu); err != nil {
			return nil, err
		}
		if err = pprof.StartCPUProfile(f); err != nil {
			return nil, fmt.Errorf("cpu profile: %w", err)
		}
	}
	return func() error {
		if f != nil {
			pprof.StopCPUProfile()
			if err := f.Close(); err != nil {
				return err
			}
		}
		if mem == "" {
			return nil
		}
		m, err := os.Create(mem)
		if err != nil {
			return err
		}
		runtime.GC() // the profile's in-use figures are as of the last collection
		if err := pprof.Lookup("allocs").WriteTo(m, 0); err != nil {
			_ = m.Close()
			return err
		}
		return m.Close()
	}, nil
}

// serverLabels are the profile labels of a target's server goroutines.
func serverLabels(name string) pprof.LabelSet {
	return pprof.Labels("side", "server", "target", name)
}

// gcStats is the garbage collector's work over a phase, from
// runtime/metrics: how often it ran, the CPU it took (its background
// workers and the assists it charged to allocating goroutines) and the
// live heap it found, which is what it scans each time.
type gcStats struct {
	Cycles     uint64  `json:"cycles"`
	CPUSeconds float64 `json:"cpuSeconds"`
	// LiveMB is the heap the last collection of the phase found live.
	LiveMB float64 `json:"liveMB"`
	// AllocMB is what the process allocated during the phase, load
	// generator and servers: a count, unlike a time, that the machine's
	// other work does not change (the report compares it per request
	// between the member phases).
	AllocMB float64 `json:"allocMB"`
}

var gcMetrics = []string{"/gc/cycles/total:gc-cycles", "/cpu/classes/gc/total:cpu-seconds", "/gc/heap/live:bytes", "/gc/heap/allocs:bytes"}

// readGC reads the collector's counters now.
func readGC() gcStats {
	s := make([]metrics.Sample, len(gcMetrics))
	for i, name := range gcMetrics {
		s[i].Name = name
	}
	metrics.Read(s)
	var g gcStats
	if s[0].Value.Kind() == metrics.KindUint64 {
		g.Cycles = s[0].Value.Uint64()
	}
	if s[1].Value.Kind() == metrics.KindFloat64 {
		g.CPUSeconds = s[1].Value.Float64()
	}
	if s[2].Value.Kind() == metrics.KindUint64 {
		g.LiveMB = float64(s[2].Value.Uint64()) / (1 << 20)
	}
	if s[3].Value.Kind() == metrics.KindUint64 {
		g.AllocMB = float64(s[3].Value.Uint64()) / (1 << 20)
	}
	return g
}

// since is the work between start and g, with g's live heap.
func (g gcStats) since(start gcStats) gcStats {
	return gcStats{Cycles: g.Cycles - start.Cycles, CPUSeconds: g.CPUSeconds - start.CPUSeconds, LiveMB: g.LiveMB, AllocMB: g.AllocMB - start.AllocMB}
}

// plus is the work of g and then o, with o's live heap.
func (g gcStats) plus(o gcStats) gcStats {
	return gcStats{Cycles: g.Cycles + o.Cycles, CPUSeconds: g.CPUSeconds + o.CPUSeconds, LiveMB: o.LiveMB, AllocMB: g.AllocMB + o.AllocMB}
}
