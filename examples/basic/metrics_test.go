package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/scimkit/scim"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMetrics: /metrics counts SCIM requests by route and status through
// scim.Config.Observe, with the token cache and the request log's drops.
func TestMetrics(t *testing.T) {
	s := startServer(t, "pw")
	scimRequest(t, "POST", s.base+"/Users", s.token, `{"userName":"metrics"}`)
	scimRequest(t, "GET", s.base+"/Users?filter=userName%20eq%20%22metrics%22", s.token, "")
	scimRequest(t, "GET", s.base+"/Users?filter=userName%20eq%20%22metrics%22", s.token, "")
	scimRequest(t, "GET", s.base+"/Users", "wrong", "")

	resp, err := http.Get(s.origin + "/metrics")
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	text := string(body)
	for _, line := range []string{
		`scim_requests_total{route="POST /Users",status="201"} 1`,
		`scim_requests_total{route="GET /Users",status="200"} 2`,
		`scim_requests_total{route="none",status="401"} 1`,
		`scim_store_calls_total{route="GET /Users",status="200"} 2`, // each: the page, its users with their groups
		`scim_token_cache_hits_total 2`,
		`scim_token_cache_misses_total 2`,
		`scim_request_log_dropped_total 0`,
	} {
		assert.Contains(t, text, line+"\n")
	}
	assert.Contains(t, text, "# TYPE scim_requests_total counter\n")
}

// TestMetricsObserve: observe adds each request to its route and status's
// series, exactly under concurrent requests (run with -race), and once a
// series exists it allocates nothing: no map or series made per request.
func TestMetricsObserve(t *testing.T) {
	m := newMetrics(func() map[string]uint64 { return nil })
	stats := []scim.RequestStats{
		{Route: "GET /Users/{id}", Status: 200, Duration: 1500 * time.Microsecond, StoreCalls: 1, StoreDuration: 500 * time.Microsecond},
		{Route: "POST /Users", Status: 201, Duration: 2 * time.Millisecond, StoreCalls: 2, StoreDuration: time.Millisecond},
		{Route: "", Status: 401, Duration: time.Millisecond},
	}
	const goroutines, each = 8, 250
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				m.observe(context.Background(), stats[(g+i)%len(stats)])
			}
		}()
	}
	wg.Wait()

	allocs := testing.AllocsPerRun(200, func() { m.observe(context.Background(), stats[0]) })
	assert.Zero(t, allocs, "allocations a request, its series existing")

	// A request whose series exists takes no lock: it is counted while
	// another holds the one that adding a series takes.
	m.mu.Lock()
	done := make(chan struct{})
	go func() {
		defer close(done)
		m.observe(context.Background(), stats[1])
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("observe waited for the lock that adds a series")
	}
	m.mu.Unlock()

	rec := httptest.NewRecorder()
	m.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	text := rec.Body.String()
	// 2,000 requests, spread evenly over the three stats in turn: 667,
	// 667 and 666, then the 201 of AllocsPerRun's (its warm-up included)
	// and the one beside the held lock.
	for _, tt := range []struct{ line string }{
		{`scim_requests_total{route="GET /Users/{id}",status="200"} 868`},
		{`scim_requests_total{route="POST /Users",status="201"} 668`},
		{`scim_requests_total{route="none",status="401"} 666`},
		{`scim_request_duration_seconds_total{route="GET /Users/{id}",status="200"} 1.302`},
		{`scim_store_calls_total{route="POST /Users",status="201"} 1336`},
		{`scim_store_duration_seconds_total{route="POST /Users",status="201"} 0.668`},
		{`scim_store_calls_total{route="none",status="401"} 0`},
	} {
		assert.Contains(t, text, tt.line+"\n")
	}
}
