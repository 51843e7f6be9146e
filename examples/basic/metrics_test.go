package main

import (
	"io"
	"net/http"
	"testing"

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
