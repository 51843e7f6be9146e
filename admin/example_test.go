package admin_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/scimkit/scim/admin"
	"github.com/scimkit/scim/tokens"
)

// A host mounts the admin API behind its own admin authentication; here a
// stand-in requireAdmin middleware and a single-tenant host.
func ExampleNewHandler() {
	m := tokens.NewManager(tokens.NewMemoryStore(), tokens.Options{})
	ring := admin.NewRequestRing(100) // also set as scim.Config.RequestLog

	api := admin.NewHandler(m, admin.Options{
		Tenant:     func(*http.Request) (string, error) { return "", nil },
		RequestLog: ring,
		BaseURL:    "https://app.example.com/scim/v2",
	})
	requireAdmin := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("X-Demo-Admin") != "yes" { // a real host checks its session
				http.Error(w, "unauthorized", http.StatusUnauthorized)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
	mux := http.NewServeMux()
	mux.Handle("/admin/api/", requireAdmin(http.StripPrefix("/admin/api", api)))

	r := httptest.NewRequest("POST", "/admin/api/tokens", strings.NewReader(`{"name":"Okta"}`))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("X-Demo-Admin", "yes")
	w := httptest.NewRecorder()
	mux.ServeHTTP(w, r)
	fmt.Println(w.Code, w.Header().Get("Cache-Control"))

	r = httptest.NewRequest("GET", "/admin/api/status", nil)
	w = httptest.NewRecorder()
	mux.ServeHTTP(w, r)
	fmt.Println(w.Code)
	// Output:
	// 201 no-store
	// 401
}

// The SCIM handler records each authenticated request; the admin page
// shows the newest first.
func ExampleRequestRing() {
	ctx := context.Background()
	ring := admin.NewRequestRing(2)
	for _, path := range []string{"/Users", "/Groups", "/Users/42"} {
		_ = ring.Record(ctx, admin.Request{TenantID: "acme", Method: "GET", Path: path, Status: 200})
	}
	recent, _ := ring.Recent(ctx, "acme", 10)
	for _, r := range recent {
		fmt.Println(r.Method, r.Path, r.Status)
	}
	// Output:
	// GET /Users/42 200
	// GET /Groups 200
}

// A log that writes to a database is wrapped in an AsyncLog, so recording
// a request only buffers it; Close writes the buffer on shutdown.
func ExampleAsyncLog() {
	ctx := context.Background()
	dst := admin.NewRequestRing(100) // a host passes its sqlstore.Store here
	requests := admin.NewAsyncLog(dst, admin.AsyncOptions{})
	// scim.Config{RequestLog: requests} records every request; here by hand.
	for _, path := range []string{"/Users", "/Groups"} {
		_ = requests.Record(ctx, admin.Request{TenantID: "acme", Method: "GET", Path: path, Status: 200})
	}
	if err := requests.Close(ctx); err != nil {
		panic(err)
	}
	recent, _ := requests.Recent(ctx, "acme", 10)
	fmt.Println(len(recent), recent[0].Path, requests.Dropped())
	// Output:
	// 2 /Groups 0
}
