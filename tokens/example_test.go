package tokens_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/scimkit/scim/tokens"
)

// An admin generates a token and pastes it into the identity provider,
// which then sends it with every SCIM request.
func ExampleManager_Generate() {
	ctx := context.Background()
	m := tokens.NewManager(tokens.NewMemoryStore(), tokens.Options{})

	plaintext, tok, err := m.Generate(ctx, tokens.GenerateOptions{
		TenantID:  "acme",
		Name:      "Okta",
		CreatedBy: "admin@acme.example",
	})
	if err != nil {
		panic(err)
	}
	// Show plaintext to the admin once; keep only tok.ID and tok.Hint.
	fmt.Println(strings.HasPrefix(plaintext, "scim_"), len(plaintext))
	fmt.Println(strings.HasPrefix(tok.Hint, "scim_…"))

	// Later, the SCIM handler authenticates a request.
	r := httptest.NewRequest("GET", "/scim/v2/Users", nil)
	r.Header.Set("Authorization", "Bearer "+plaintext)
	bearer, _ := tokens.BearerToken(r)
	got, err := m.Authenticate(ctx, bearer)
	fmt.Println(got.TenantID, err)

	_, err = m.Authenticate(ctx, "scim_guessed")
	fmt.Println(err)
	// Output:
	// true 48
	// true
	// acme <nil>
	// tokens: invalid token
}

// Status drives an admin page: configure, wait for the provider, connected.
func ExampleManager_Status() {
	ctx := context.Background()
	m := tokens.NewManager(tokens.NewMemoryStore(), tokens.Options{})

	show := func() {
		st, err := m.Status(ctx, "acme")
		if err != nil {
			panic(err)
		}
		fmt.Println(st.State, st.ActiveTokens)
	}

	show()
	plaintext, tok, _ := m.Generate(ctx, tokens.GenerateOptions{TenantID: "acme"})
	show()
	_, _ = m.Authenticate(ctx, plaintext)
	show()
	_ = m.Revoke(ctx, "acme", tok.ID)
	show()
	// Output:
	// not_configured 0
	// waiting_for_first_request 1
	// connected 1
	// not_configured 0
}

// A host mounts the admin API behind its own admin authentication; here a
// stand-in requireAdmin middleware and a single-tenant host.
func ExampleNewAdminHandler() {
	m := tokens.NewManager(tokens.NewMemoryStore(), tokens.Options{})
	ring := tokens.NewRequestRing(100) // also set as scim.Config.RequestLog

	admin := tokens.NewAdminHandler(m, tokens.AdminOptions{
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
	mux.Handle("/admin/api/", requireAdmin(http.StripPrefix("/admin/api", admin)))

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
	ring := tokens.NewRequestRing(2)
	for _, path := range []string{"/Users", "/Groups", "/Users/42"} {
		_ = ring.Record(ctx, tokens.Request{TenantID: "acme", Method: "GET", Path: path, Status: 200})
	}
	recent, _ := ring.Recent(ctx, "acme", 10)
	for _, r := range recent {
		fmt.Println(r.Method, r.Path, r.Status)
	}
	// Output:
	// GET /Users/42 200
	// GET /Groups 200
}
