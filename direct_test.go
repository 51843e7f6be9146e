package scim

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/store/memory"
)

// TestDirectRoute: the requests directRoute serves without the mux are
// ones the mux routes to the same pattern (GET /Users/{id} or
// GET /Groups/{id} with the same id, GET or POST of /Users or /Groups);
// every other one is left to the mux.
func TestDirectRoute(t *testing.T) {
	db := memory.New()
	hs := map[bool]*handler{}
	for _, groups := range []bool{true, false} {
		cfg := Config{Users: db, InsecureNoAuth: true}
		if groups {
			cfg.Groups = db
		}
		h, err := newHandler(cfg)
		require.NoError(t, err)
		hs[groups] = h
	}
	// ids is what the mux's {id} wildcard gives.
	var id string
	ids := http.NewServeMux()
	ids.HandleFunc("GET /Users/{id}", func(_ http.ResponseWriter, r *http.Request) { id = r.PathValue("id") })
	ids.HandleFunc("GET /Groups/{id}", func(_ http.ResponseWriter, r *http.Request) { id = r.PathValue("id") })

	for _, c := range []struct {
		method, target string
		groups         bool
		direct         bool
	}{
		{"GET", "/Users/2819c223-7f76-453a-919d-413861904646", true, true},
		{"GET", "/Groups/e9e30dba-f08f-4109-8486-d5c6a331660a", true, true},
		{"GET", "/Groups/e9e30dba", false, false},
		{"GET", "/Users/a%20b", true, true},
		{"GET", "/Users/%C3%A9t%C3%A9", true, true},
		{"GET", "/Users/a+b;c@d:e", true, true},
		{"GET", "/Users/a%2Fb", true, false},
		{"GET", "/Users/%c3%a9", true, false},
		{"GET", "/Users/%2E%2E", true, false},
		{"GET", "/Users/.search", true, false},
		{"GET", "/Groups/.search", true, false},
		{"GET", "/Users/.", true, false},
		{"GET", "/Users/..", true, false},
		{"GET", "/Users/", true, false},
		{"GET", "/Users/x/", true, false},
		{"GET", "/Users/x/y", true, false},
		{"GET", "/Users", true, true},
		{"POST", "/Users", true, true},
		{"GET", "/Groups", true, true},
		{"POST", "/Groups", true, true},
		{"GET", "/Groups", false, false},
		{"POST", "/Groups", false, false},
		{"HEAD", "/Users", true, false},
		{"PUT", "/Users", true, false},
		{"PATCH", "/Groups", true, false},
		{"POST", "/Users/", true, false},
		{"GET", "/users", true, false},
		{"POST", "/Users/.search", true, false},
		{"GET", "/Users?filter=userName+eq+%22x%22", true, true},
		{"GET", "/Users%2F", true, false},
		{"GET", "/UsersX/y", true, false},
		{"GET", "/Schemas/urn:x", true, false},
		{"HEAD", "/Users/x", true, false},
		{"PUT", "/Users/x", true, false},
		{"DELETE", "/Groups/x", true, false},
	} {
		t.Run(c.method+" "+c.target, func(t *testing.T) {
			h := hs[c.groups]
			r := httptest.NewRequest(c.method, c.target, nil)
			pattern, got := h.directPattern(r)
			require.Equal(t, c.direct, pattern != "")
			if pattern == "" {
				return
			}
			_, want := h.mux.Handler(r)
			assert.Equal(t, want, pattern, "the mux routes it to the pattern directRoute serves")
			if !strings.HasSuffix(pattern, "{id}") {
				assert.Empty(t, got)
				assert.NotNil(t, h.collections[pattern], "the mux's handler of it")
				return
			}
			id = "\x00"
			ids.ServeHTTP(httptest.NewRecorder(), r)
			assert.Equal(t, id, got, "the mux's id")
		})
	}
}
