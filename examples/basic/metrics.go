package main

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/scimkit/scim"
)

// metrics is the worked example of scim.Config.Observe: it counts requests
// by route and status, their latency and their store time, and serves the
// counts with the token cache's and the request log's at /metrics in the
// Prometheus text format. A host that uses the Prometheus or OpenTelemetry
// client libraries does the same in its Observe function with their
// counters and histograms; scimkit itself depends on neither.
type metrics struct {
	// routes holds a map of each route and status seen to its sums. The
	// map is never changed once stored: a request that finds its series
	// (nearly every request: the routes and statuses are few and fixed)
	// reads it without a lock and adds to the sums atomically, so
	// concurrent requests never wait on one another here; a new series
	// stores a copy with it added, under mu.
	routes atomic.Pointer[map[routeStatus]*routeStats]
	mu     sync.Mutex // serialises adding a series
	// gauges read at scrape time: token cache hits and misses, request
	// log entries dropped.
	gauges func() map[string]uint64
}

type routeStatus struct {
	route  string
	status int
}

// routeStats are one series' sums, each added to atomically; times in
// nanoseconds, written as seconds.
type routeStats struct {
	count, storeCalls, nanos, storeNanos atomic.Uint64
}

// newMetrics returns metrics with no series yet; gauges is read at each
// scrape.
func newMetrics(gauges func() map[string]uint64) *metrics {
	m := &metrics{gauges: gauges}
	m.routes.Store(&map[routeStatus]*routeStats{})
	return m
}

// observe is the scim.Config.Observe hook.
func (m *metrics) observe(_ context.Context, s scim.RequestStats) {
	route := s.Route
	if route == "" {
		route = "none" // unauthenticated, or no endpoint: a bounded label all the same
	}
	rs := m.series(routeStatus{route, s.Status})
	rs.count.Add(1)
	rs.nanos.Add(uint64(max(s.Duration, 0)))
	rs.storeCalls.Add(uint64(max(s.StoreCalls, 0)))
	rs.storeNanos.Add(uint64(max(s.StoreDuration, 0)))
}

// series returns k's sums, adding the series if it is new.
func (m *metrics) series(k routeStatus) *routeStats {
	if rs := (*m.routes.Load())[k]; rs != nil {
		return rs
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	old := *m.routes.Load()
	if rs := old[k]; rs != nil {
		return rs // added since the look above
	}
	routes := maps.Clone(old)
	rs := &routeStats{}
	routes[k] = rs
	m.routes.Store(&routes)
	return rs
}

// seconds writes a sum of nanoseconds as seconds.
func seconds(n *atomic.Uint64) string {
	return strconv.FormatFloat(float64(n.Load())/1e9, 'g', -1, 64)
}

// ServeHTTP writes the metrics in the Prometheus text exposition format.
func (m *metrics) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	stats := *m.routes.Load()
	keys := make([]routeStatus, 0, len(stats))
	for k := range stats {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b routeStatus) int {
		if a.route != b.route {
			if a.route < b.route {
				return -1
			}
			return 1
		}
		return a.status - b.status
	})
	w.Header().Set("Content-Type", "text/plain; version=0.0.4")
	for _, series := range []struct {
		name, help, kind string
		value            func(*routeStats) string
	}{
		{"scim_requests_total", "SCIM requests served.", "counter", func(r *routeStats) string { return strconv.FormatUint(r.count.Load(), 10) }},
		{"scim_request_duration_seconds_total", "Time spent serving SCIM requests.", "counter", func(r *routeStats) string { return seconds(&r.nanos) }},
		{"scim_store_calls_total", "Store calls made by SCIM requests.", "counter", func(r *routeStats) string { return strconv.FormatUint(r.storeCalls.Load(), 10) }},
		{"scim_store_duration_seconds_total", "Time SCIM requests spent in store calls.", "counter", func(r *routeStats) string { return seconds(&r.storeNanos) }},
	} {
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s %s\n", series.name, series.help, series.name, series.kind)
		for _, k := range keys {
			fmt.Fprintf(w, "%s{route=%q,status=\"%d\"} %s\n", series.name, k.route, k.status, series.value(stats[k]))
		}
	}
	g := m.gauges()
	names := make([]string, 0, len(g))
	for name := range g {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		fmt.Fprintf(w, "# TYPE %s counter\n%s %d\n", name, name, g[name])
	}
}
