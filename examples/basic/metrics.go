package main

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"sync"

	"github.com/scimkit/scim"
)

// metrics is the worked example of scim.Config.Observe: it counts requests
// by route and status, their latency and their store time, and serves the
// counts with the token cache's and the request log's at /metrics in the
// Prometheus text format. A host that uses the Prometheus or OpenTelemetry
// client libraries does the same in its Observe function with their
// counters and histograms; scimkit itself depends on neither.
type metrics struct {
	mu     sync.Mutex
	routes map[routeStatus]*routeStats
	// gauges read at scrape time: token cache hits and misses, request
	// log entries dropped.
	gauges func() map[string]uint64
}

type routeStatus struct {
	route  string
	status int
}

type routeStats struct {
	count, storeCalls     uint64
	seconds, storeSeconds float64
}

func newMetrics(gauges func() map[string]uint64) *metrics {
	return &metrics{routes: map[routeStatus]*routeStats{}, gauges: gauges}
}

// observe is the scim.Config.Observe hook.
func (m *metrics) observe(_ context.Context, s scim.RequestStats) {
	route := s.Route
	if route == "" {
		route = "none" // unauthenticated, or no endpoint: a bounded label all the same
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	k := routeStatus{route, s.Status}
	rs := m.routes[k]
	if rs == nil {
		rs = &routeStats{}
		m.routes[k] = rs
	}
	rs.count++
	rs.seconds += s.Duration.Seconds()
	rs.storeCalls += uint64(s.StoreCalls)
	rs.storeSeconds += s.StoreDuration.Seconds()
}

// ServeHTTP writes the metrics in the Prometheus text exposition format.
func (m *metrics) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	m.mu.Lock()
	keys := make([]routeStatus, 0, len(m.routes))
	for k := range m.routes {
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
		{"scim_requests_total", "SCIM requests served.", "counter", func(r *routeStats) string { return strconv.FormatUint(r.count, 10) }},
		{"scim_request_duration_seconds_total", "Time spent serving SCIM requests.", "counter", func(r *routeStats) string { return fmt.Sprint(r.seconds) }},
		{"scim_store_calls_total", "Store calls made by SCIM requests.", "counter", func(r *routeStats) string { return strconv.FormatUint(r.storeCalls, 10) }},
		{"scim_store_duration_seconds_total", "Time SCIM requests spent in store calls.", "counter", func(r *routeStats) string { return fmt.Sprint(r.storeSeconds) }},
	} {
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s %s\n", series.name, series.help, series.name, series.kind)
		for _, k := range keys {
			fmt.Fprintf(w, "%s{route=%q,status=\"%d\"} %s\n", series.name, k.route, k.status, series.value(m.routes[k]))
		}
	}
	m.mu.Unlock()
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
