package admin_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/admin"
	"github.com/scimkit/scim/internal/clocktest"
	"github.com/scimkit/scim/tokens"
)

// adminEnv is an admin API handler over a Manager with a fake clock, for the
// tenant named in the X-Tenant header (a stand-in for the host's session).
type adminEnv struct {
	m     *tokens.Manager
	cs    *countingStore
	clk   *clocktest.Clock
	ring  *admin.RequestRing
	h     http.Handler
	logs  *bytes.Buffer
	event eventLog
}

func newAdminEnv(t *testing.T, policy tokens.Policy) *adminEnv {
	t.Helper()
	e := &adminEnv{clk: newClock(), ring: admin.NewRequestRing(10), logs: &bytes.Buffer{}}
	e.cs = &countingStore{Store: tokens.NewMemoryStore()}
	e.m = tokens.NewManager(e.cs, tokens.Options{Now: e.clk.Now, Policy: policy, OnEvent: e.event.Record})
	e.h = admin.NewHandler(e.m, admin.Options{
		Tenant: func(r *http.Request) (string, error) {
			if r.Header.Get("X-Tenant") == "forbidden" {
				return "", errors.New("secret reason")
			}
			return r.Header.Get("X-Tenant"), nil
		},
		RequestLog: e.ring,
		BaseURL:    "https://app.example.com/scim/v2",
		CreatedBy:  func(r *http.Request) string { return "admin-of-" + r.Header.Get("X-Tenant") },
		Logger:     slog.New(slog.NewTextHandler(e.logs, nil)),
	})
	return e
}

// do sends a request with the given headers ("K: V" pairs) and returns
// the recorded response.
func (e *adminEnv) do(method, path, body string, headers ...string) *httptest.ResponseRecorder {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	r := httptest.NewRequest(method, path, rd)
	if method == http.MethodPost {
		r.Header.Set("Content-Type", "application/json")
	}
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ": ")
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	return w
}

// decode parses a JSON response body.
func decode(t *testing.T, w *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	assert.Equal(t, "application/json; charset=utf-8", w.Header().Get("Content-Type"))
	var v map[string]any
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &v), w.Body.String())
	return v
}

// generate creates a token through the API and returns the response body.
func (e *adminEnv) generate(t *testing.T, tenant, body string) map[string]any {
	t.Helper()
	w := e.do("POST", "/tokens", body, "X-Tenant: "+tenant)
	require.Equal(t, http.StatusCreated, w.Code, w.Body.String())
	return decode(t, w)
}

func TestAdminGenerate(t *testing.T) {
	e := newAdminEnv(t, tokens.OneActive)
	w := e.do("POST", "/tokens", `{"name":"Okta","expiresInDays":30,"connectionId":"conn_1","labels":{"idp":"okta"}}`, "X-Tenant: acme")
	require.Equal(t, http.StatusCreated, w.Code, w.Body.String())
	assert.Equal(t, "no-store", w.Header().Get("Cache-Control"))
	assert.Equal(t, "nosniff", w.Header().Get("X-Content-Type-Options"))
	body := decode(t, w)

	plain, _ := body["token"].(string)
	require.True(t, strings.HasPrefix(plain, tokens.Prefix), body)
	info := body["info"].(map[string]any)
	assert.Equal(t, "Okta", info["name"])
	assert.Equal(t, "acme", info["tenantId"])
	assert.Equal(t, "conn_1", info["connectionId"])
	assert.Equal(t, map[string]any{"idp": "okta"}, info["labels"])
	assert.Equal(t, "admin-of-acme", info["createdBy"])
	assert.Equal(t, "active", info["state"])
	assert.Equal(t, t0.Add(30*24*time.Hour).Format(time.RFC3339), info["expiresAt"])
	assert.Equal(t, "scim_…"+plain[len(plain)-4:], info["hint"])
	assert.NotContains(t, info, "hash")
	assert.Equal(t, 1, strings.Count(w.Body.String(), plain[len(tokens.Prefix):]), "plaintext appears once")

	got, err := e.m.Authenticate(ctx, plain)
	require.NoError(t, err)
	assert.Equal(t, "acme", got.TenantID)
	assert.NotContains(t, e.logs.String(), plain[len(tokens.Prefix):], "plaintext is never logged")

	// An empty body and an empty object take the defaults.
	for _, b := range []string{"", "{}"} {
		info := e.generate(t, "acme", b)["info"].(map[string]any)
		assert.NotContains(t, info, "expiresAt")
		assert.NotContains(t, info, "name")
	}
}

func TestAdminGenerateRevokesPrevious(t *testing.T) {
	cases := []struct {
		policy     tokens.Policy
		wantStates []string // newest first
	}{
		{tokens.OneActive, []string{"active", "revoked"}},
		{tokens.Multiple, []string{"active", "active"}},
	}
	for _, tc := range cases {
		t.Run(tc.policy.String(), func(t *testing.T) {
			e := newAdminEnv(t, tc.policy)
			first := e.generate(t, "acme", `{"name":"first"}`)["token"].(string)
			e.clk.Advance(time.Second)
			e.generate(t, "acme", `{"name":"second"}`)

			w := e.do("GET", "/tokens", "", "X-Tenant: acme")
			require.Equal(t, http.StatusOK, w.Code)
			list := decode(t, w)["tokens"].([]any)
			var states, names []string
			for _, tok := range list {
				states = append(states, tok.(map[string]any)["state"].(string))
				names = append(names, tok.(map[string]any)["name"].(string))
			}
			assert.Equal(t, tc.wantStates, states)
			assert.Equal(t, []string{"second", "first"}, names)
			_, err := e.m.Authenticate(ctx, first)
			assert.Equal(t, tc.policy == tokens.Multiple, err == nil)
		})
	}
}

func TestAdminGenerateInvalid(t *testing.T) {
	cases := []struct {
		name    string
		body    string
		headers []string
		status  int
		errText string
	}{
		{"form content type", "name=x", []string{"Content-Type: application/x-www-form-urlencoded"}, http.StatusUnsupportedMediaType, "application/json"},
		{"text/plain", `{"name":"x"}`, []string{"Content-Type: text/plain"}, http.StatusUnsupportedMediaType, "application/json"},
		{"no content type", `{"name":"x"}`, []string{"Content-Type: "}, http.StatusUnsupportedMediaType, "application/json"},
		{"json with charset", `{"name":"x"}`, []string{"Content-Type: application/json; charset=utf-8"}, http.StatusCreated, ""},
		{"not json", `{name`, nil, http.StatusBadRequest, "invalid JSON"},
		{"array", `[]`, nil, http.StatusBadRequest, "invalid JSON body: the body is an array where an object is expected"},
		{"null", `null`, nil, http.StatusBadRequest, "a JSON object"},
		{"null after space", " \n null", nil, http.StatusBadRequest, "a JSON object"},
		{"string", `"x"`, nil, http.StatusBadRequest, "invalid JSON body: the body is a string where an object is expected"},
		{"empty body takes the defaults", ``, nil, http.StatusCreated, ""},
		{"unknown field", `{"nmae":"x"}`, nil, http.StatusBadRequest, `invalid JSON body: unknown field "nmae"; the fields are name, expiresInDays, connectionId and labels`},
		{"long unknown field", `{"` + strings.Repeat("n", 60<<10) + `":"x"}`, nil, http.StatusBadRequest, `unknown field "nnnn`},
		{"long number", `{"expiresInDays":1` + strings.Repeat("0", 60<<10) + `}`, nil, http.StatusBadRequest, "holds the number 1000"},
		{"trailing data", `{"name":"x"} {}`, nil, http.StatusBadRequest, "trailing"},
		{"trailing brace", `{"name":"x"}}`, nil, http.StatusBadRequest, "trailing"},
		{"trailing bracket", `{"name":"x"} ]`, nil, http.StatusBadRequest, "trailing"},
		{"fractional days", `{"expiresInDays":1.5}`, nil, http.StatusBadRequest, `invalid JSON body: "expiresInDays" holds the number 1.5 where a whole number is expected`},
		// A type error names the JSON member and JSON types, never the
		// server's Go types or struct names.
		{"days as text", `{"expiresInDays":"30"}`, nil, http.StatusBadRequest, `"expiresInDays" holds a string where a whole number is expected`},
		{"name as number", `{"name":7}`, nil, http.StatusBadRequest, `"name" holds a number where a string is expected`},
		{"labels as list", `{"labels":["a"]}`, nil, http.StatusBadRequest, `"labels" holds an array where an object is expected`},
		{"label value as bool", `{"labels":{"a":true}}`, nil, http.StatusBadRequest, `"labels" holds a boolean where a string is expected`},
		{"days beyond an int", `{"expiresInDays":1e400}`, nil, http.StatusBadRequest, `"expiresInDays" holds the number 1e400 where a whole number is expected`},
		{"negative days", `{"expiresInDays":-1}`, nil, http.StatusBadRequest, "expiresInDays"},
		{"too many days", `{"expiresInDays":99999999}`, nil, http.StatusBadRequest, "expiresInDays"},
		{"long name", `{"name":"` + strings.Repeat("x", 201) + `"}`, nil, http.StatusBadRequest, "name"},
		{"long connection id", `{"connectionId":"` + strings.Repeat("x", 201) + `"}`, nil, http.StatusBadRequest, "connectionId"},
		{"empty label key", `{"labels":{"":"v"}}`, nil, http.StatusBadRequest, "label"},
		{"too many labels", `{"labels":{` + manyLabels(33) + `}}`, nil, http.StatusBadRequest, "labels"},
		// Its size is at fault, not its content: 413, as the SCIM handler
		// answers a body past its limit.
		{"huge body", `{"name":"` + strings.Repeat("x", 70<<10) + `"}`, nil, http.StatusRequestEntityTooLarge, "the request body is larger than 65536 bytes; send a smaller one"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newAdminEnv(t, tokens.OneActive)
			w := e.do("POST", "/tokens", tc.body, tc.headers...)
			require.Equal(t, tc.status, w.Code, w.Body.String())
			body := decode(t, w)
			if tc.status >= 400 {
				assert.Contains(t, body["error"], tc.errText)
				assert.NotContains(t, body["error"], "Go ", "the server's types are its own")
				assert.NotContains(t, body["error"], "generateRequest")
				assert.Less(t, len(body["error"].(string)), 400, "client text in a message is bounded")
				st, err := e.m.Status(ctx, "")
				require.NoError(t, err)
				assert.Equal(t, tokens.NotConfigured, st.State, "nothing generated")
			}
		})
	}
}

func manyLabels(n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = `"k` + strings.Repeat("x", i) + `":"v"`
	}
	return strings.Join(parts, ",")
}

func TestAdminCrossOrigin(t *testing.T) {
	cases := []struct {
		name    string
		method  string
		path    string
		headers []string
		status  int
	}{
		{"same-origin POST", "POST", "/tokens", []string{"Sec-Fetch-Site: same-origin"}, http.StatusCreated},
		{"user-typed POST", "POST", "/tokens", []string{"Sec-Fetch-Site: none"}, http.StatusCreated},
		{"non-browser POST", "POST", "/tokens", nil, http.StatusCreated},
		{"cross-site POST", "POST", "/tokens", []string{"Sec-Fetch-Site: cross-site"}, http.StatusForbidden},
		{"same-site POST", "POST", "/tokens", []string{"Sec-Fetch-Site: same-site"}, http.StatusForbidden},
		{"foreign Origin POST", "POST", "/tokens", []string{"Origin: https://evil.example"}, http.StatusForbidden},
		{"same Origin POST", "POST", "/tokens", []string{"Origin: http://example.com"}, http.StatusCreated},
		{"cross-site DELETE", "DELETE", "/tokens/whatever", []string{"Sec-Fetch-Site: cross-site"}, http.StatusForbidden},
		{"cross-site GET is harmless", "GET", "/status", []string{"Sec-Fetch-Site: cross-site"}, http.StatusOK},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newAdminEnv(t, tokens.OneActive)
			w := e.do(tc.method, tc.path, "", tc.headers...)
			require.Equal(t, tc.status, w.Code, w.Body.String())
			body := decode(t, w)
			if tc.status == http.StatusForbidden {
				assert.Equal(t, "cross-origin request refused", body["error"])
				assert.Equal(t, int64(0), e.cs.Lookups.Load())
				assert.Empty(t, e.event.Events(), "nothing changed")
			}
		})
	}
}

// TestAdminTrustedOrigins: behind a proxy that rewrites Host, the admin
// page's origin differs from the Host the handler sees, and a browser
// that sends Origin but not Sec-Fetch-Site was refused when it generated
// a token. Options.TrustedOrigins names the origins the page is served
// from; any other origin is still refused, and an origin that is none is
// a panic of NewHandler, as a missing Tenant is.
func TestAdminTrustedOrigins(t *testing.T) {
	m := tokens.NewManager(tokens.NewMemoryStore(), tokens.Options{})
	h := admin.NewHandler(m, admin.Options{Tenant: func(*http.Request) (string, error) { return "", nil },
		TrustedOrigins: []string{"https://public.example"}})
	for _, tc := range []struct {
		name, origin string
		status       int
	}{
		{"the external origin", "https://public.example", http.StatusCreated},
		{"another origin", "https://evil.example", http.StatusForbidden},
		{"the external host over http", "http://public.example", http.StatusForbidden},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest("POST", "http://10.0.0.7:8080/tokens", strings.NewReader(`{"name":"x"}`))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Origin", tc.origin)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			assert.Equal(t, tc.status, w.Code, w.Body.String())
		})
	}
	tenant := func(*http.Request) (string, error) { return "", nil }
	assert.Panics(t, func() { admin.NewHandler(m, admin.Options{Tenant: tenant, TrustedOrigins: []string{"public.example"}}) })
}

func TestAdminRevoke(t *testing.T) {
	e := newAdminEnv(t, tokens.Multiple)
	body := e.generate(t, "acme", `{}`)
	plain := body["token"].(string)
	id := body["info"].(map[string]any)["id"].(string)
	other := e.generate(t, "other", `{}`)["info"].(map[string]any)["id"].(string)

	cases := []struct {
		name   string
		tenant string
		id     string
		status int
	}{
		{"another tenant's token", "acme", other, http.StatusNotFound},
		{"unknown id", "acme", "nope", http.StatusNotFound},
		{"own token", "acme", id, http.StatusNoContent},
		{"again is idempotent", "acme", id, http.StatusNoContent},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := e.do("DELETE", "/tokens/"+tc.id, "", "X-Tenant: "+tc.tenant)
			require.Equal(t, tc.status, w.Code, w.Body.String())
			if tc.status == http.StatusNoContent {
				assert.Empty(t, w.Body.String())
			} else {
				assert.Equal(t, "no such token", decode(t, w)["error"])
			}
		})
	}
	_, err := e.m.Authenticate(ctx, plain)
	require.ErrorIs(t, err, tokens.ErrInvalidToken)
	w := e.do("GET", "/tokens", "", "X-Tenant: acme")
	assert.Equal(t, "revoked", decode(t, w)["tokens"].([]any)[0].(map[string]any)["state"])
	w = e.do("GET", "/tokens", "", "X-Tenant: other")
	assert.Equal(t, "active", decode(t, w)["tokens"].([]any)[0].(map[string]any)["state"])
}

func TestAdminStatus(t *testing.T) {
	e := newAdminEnv(t, tokens.OneActive)
	status := func() map[string]any {
		t.Helper()
		w := e.do("GET", "/status", "", "X-Tenant: acme")
		require.Equal(t, http.StatusOK, w.Code)
		assert.Equal(t, "no-store", w.Header().Get("Cache-Control"))
		return decode(t, w)
	}

	st := status()
	assert.Equal(t, map[string]any{
		"state": "not_configured", "activeTokens": float64(0), "policy": "one_active",
		"baseUrl": "https://app.example.com/scim/v2", "now": t0.Format(time.RFC3339),
	}, st)

	body := e.generate(t, "acme", `{"expiresInDays":1}`)
	plain := body["token"].(string)
	st = status()
	assert.Equal(t, "waiting_for_first_request", st["state"])
	assert.Equal(t, body["info"].(map[string]any)["hint"], st["tokenHint"])

	e.clk.Advance(5 * time.Second)
	_, err := e.m.Authenticate(ctx, plain)
	require.NoError(t, err)
	e.clk.Advance(12 * time.Second)
	st = status()
	assert.Equal(t, "connected", st["state"])
	assert.Equal(t, t0.Add(5*time.Second).Format(time.RFC3339), st["lastRequestAt"])
	assert.Equal(t, t0.Add(17*time.Second).Format(time.RFC3339), st["now"])

	e.clk.Advance(24 * time.Hour)
	assert.Equal(t, "not_configured", status()["state"], "expired")
	w := e.do("GET", "/tokens", "", "X-Tenant: acme")
	assert.Equal(t, "expired", decode(t, w)["tokens"].([]any)[0].(map[string]any)["state"])
}

func TestAdminRequests(t *testing.T) {
	e := newAdminEnv(t, tokens.OneActive)
	record(t, e.ring, "acme", 1, 8)
	record(t, e.ring, "other", 100, 100)
	require.NoError(t, e.ring.Record(ctx, admin.Request{TenantID: "acme", Method: "PATCH", Path: "/Users/1", Status: 400, ScimType: "invalidValue", Detail: "bad", Latency: 1500 * time.Microsecond, TokenHint: "scim_…a1B2"}))

	cases := []struct {
		name   string
		query  string
		status int
		count  int
	}{
		{"default", "", http.StatusOK, 9},
		{"limit", "?limit=2", http.StatusOK, 2},
		{"huge limit is capped", "?limit=100000", http.StatusOK, 9},
		{"zero", "?limit=0", http.StatusBadRequest, 0},
		{"negative", "?limit=-1", http.StatusBadRequest, 0},
		{"not a number", "?limit=ten", http.StatusBadRequest, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := e.do("GET", "/requests"+tc.query, "", "X-Tenant: acme")
			require.Equal(t, tc.status, w.Code, w.Body.String())
			body := decode(t, w)
			if tc.status != http.StatusOK {
				assert.Contains(t, body["error"], "limit")
				return
			}
			assert.Equal(t, true, body["enabled"])
			reqs := body["requests"].([]any)
			require.Len(t, reqs, tc.count)
			assert.Equal(t, map[string]any{
				"at": "0001-01-01T00:00:00Z", "tenantId": "acme", "requestId": "", "method": "PATCH",
				"path": "/Users/1", "status": float64(400), "scimType": "invalidValue", "detail": "bad",
				"latency": float64(1500000), "tokenHint": "scim_…a1B2",
			}, reqs[0], "newest first, all fields")
		})
	}

	w := e.do("GET", "/requests", "", "X-Tenant: nobody")
	assert.Equal(t, map[string]any{"enabled": true, "requests": []any{}}, decode(t, w))

	// Without a RequestLog the page can hide its table.
	h := admin.NewHandler(e.m, admin.Options{Tenant: func(*http.Request) (string, error) { return "", nil }})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/requests", nil))
	require.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, map[string]any{"enabled": false, "requests": []any{}}, decode(t, rec))
}

func TestAdminErrors(t *testing.T) {
	cases := []struct {
		name    string
		method  string
		path    string
		headers []string
		status  int
		errText string
		allow   string
	}{
		{"unknown path", "GET", "/nope", nil, http.StatusNotFound, `no admin API endpoint at "/nope"`, ""},
		{"root", "GET", "/", nil, http.StatusNotFound, `no admin API endpoint at "/"`, ""},
		{"missing id", "DELETE", "/tokens/", nil, http.StatusNotFound, `no admin API endpoint at "/tokens/"`, ""},
		// A 405 names what is allowed, as the SCIM handler's does.
		{"PUT tokens", "PUT", "/tokens", nil, http.StatusMethodNotAllowed, "PUT is not allowed on /tokens; allowed: GET, HEAD, POST", "GET, HEAD, POST"},
		{"POST status", "POST", "/status", nil, http.StatusMethodNotAllowed, "POST is not allowed on /status; allowed: GET, HEAD", "GET, HEAD"},
		{"GET token by id", "GET", "/tokens/abc", nil, http.StatusMethodNotAllowed, "GET is not allowed on /tokens/abc; allowed: DELETE", "DELETE"},
		{"DELETE requests", "DELETE", "/requests", nil, http.StatusMethodNotAllowed, "DELETE is not allowed on /requests; allowed: GET, HEAD", "GET, HEAD"},
		{"tenant refused", "GET", "/status", []string{"X-Tenant: forbidden"}, http.StatusForbidden, "forbidden", ""},
		{"tenant refused on generate", "POST", "/tokens", []string{"X-Tenant: forbidden"}, http.StatusForbidden, "forbidden", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newAdminEnv(t, tokens.OneActive)
			w := e.do(tc.method, tc.path, "", tc.headers...)
			require.Equal(t, tc.status, w.Code, w.Body.String())
			assert.Equal(t, tc.allow, w.Header().Get("Allow"))
			assert.Equal(t, "no-store", w.Header().Get("Cache-Control"))
			assert.Contains(t, decode(t, w)["error"], tc.errText)
			assert.NotContains(t, w.Body.String(), "secret reason", "the host's error is logged, not shown")
		})
	}
}

// TestAdminUncleanPath: a path ServeMux would redirect to its cleaned
// form (an empty, "." or ".." segment, no leading slash) is answered 404
// in JSON, as any unknown path: mounted under http.StripPrefix, the
// mux's redirect to "/tokens" would send the client (a POST or DELETE
// with its body, a 307) out of the admin API to the host's /tokens.
func TestAdminUncleanPath(t *testing.T) {
	for _, tc := range []struct{ method, path string }{
		{"GET", "//tokens"},
		{"POST", "//tokens"},
		{"DELETE", "/tokens/../tokens/@a"},
		{"GET", "/./status"},
		{"GET", "/requests/.."},
		{"GET", "*"},
		{"GET", ""},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			e := newAdminEnv(t, tokens.OneActive)
			_, tok, err := e.m.Generate(ctx, tokens.GenerateOptions{TenantID: "acme"})
			require.NoError(t, err)
			r := httptest.NewRequest(tc.method, "http://admin.example.com/", strings.NewReader(`{}`))
			r.URL.Path = strings.ReplaceAll(tc.path, "@a", tok.ID)
			r.Header.Set("Content-Type", "application/json")
			r.Header.Set("X-Tenant", "acme")
			w := httptest.NewRecorder()
			e.h.ServeHTTP(w, r)
			require.Equal(t, http.StatusNotFound, w.Code, w.Body.String())
			assert.Empty(t, w.Header().Get("Location"))
			assert.Contains(t, decode(t, w)["error"], "no admin API endpoint at ")
			list, err := e.m.List(ctx, "acme")
			require.NoError(t, err)
			require.Len(t, list, 1)
			assert.True(t, list[0].RevokedAt.IsZero(), "the token is not revoked")
		})
	}
}

func TestAdminStoreFailure(t *testing.T) {
	e := newAdminEnv(t, tokens.OneActive)
	e.cs.RevokeErr = errors.New("pq: connection refused to 10.0.0.5")
	e.cs.FailRevokes.Store(1)
	id := e.generate(t, "", `{}`)["info"].(map[string]any)["id"].(string)
	w := e.do("DELETE", "/tokens/"+id, "", "X-Request-Id: req-7")
	require.Equal(t, http.StatusInternalServerError, w.Code)
	assert.Equal(t, map[string]any{"error": "internal error (request req-7)"}, decode(t, w))
	assert.Contains(t, e.logs.String(), "connection refused", "logged for the operator")
	assert.Contains(t, e.logs.String(), "request_id=req-7", "the log line names the request the 500 names")
}

func TestNewHandlerPanics(t *testing.T) {
	m := tokens.NewManager(tokens.NewMemoryStore(), tokens.Options{})
	tenant := func(*http.Request) (string, error) { return "", nil }
	assert.Panics(t, func() { admin.NewHandler(nil, admin.Options{Tenant: tenant}) })
	assert.Panics(t, func() { admin.NewHandler(m, admin.Options{}) })
	assert.NotPanics(t, func() { admin.NewHandler(m, admin.Options{Tenant: tenant}) })
}

// failingList is a token store whose ListTokens fails, as a database that
// is down does.
type failingList struct{ tokens.Store }

func (failingList) ListTokens(context.Context, string) ([]*tokens.Token, error) {
	return nil, errors.New("db down")
}

// TestInternalErrorLogRedactsPath: a 500's log line keeps the request's
// path as the request log does (redacted, bounded); a token pasted where
// a revoke's id goes is no token id, answered 404 before the store is
// asked, and is not written to the log in clear.
func TestInternalErrorLogRedactsPath(t *testing.T) {
	var logs bytes.Buffer
	m := tokens.NewManager(failingList{tokens.NewMemoryStore()}, tokens.Options{})
	h := admin.NewHandler(m, admin.Options{
		Tenant: func(*http.Request) (string, error) { return "", nil },
		Logger: slog.New(slog.NewTextHandler(&logs, nil)),
	})
	const token = "scim_6LrdJ4O2wZP1uc4GbEX6vBsR8S4b18MMhe6KDX0-2s8"
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodDelete, "/tokens/"+token, nil))
	require.Equal(t, http.StatusNotFound, w.Code, w.Body.String())
	id := strings.Repeat("0", 32)
	w = httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodDelete, "/tokens/"+id, nil))
	require.Equal(t, http.StatusInternalServerError, w.Code, w.Body.String())
	assert.Contains(t, logs.String(), "db down", "the error is logged for the operator")
	assert.Contains(t, logs.String(), "/tokens/"+id, "with the path")
	assert.NotContains(t, logs.String(), token, "the token is not logged")
}

// TestTenantErrorLogRedacted: the host's Tenant error is logged for the
// operator, with a token it quotes (from a header or a cookie the request
// sent) redacted, as a 500's error is; the client gets a bare 403.
func TestTenantErrorLogRedacted(t *testing.T) {
	const token = "scim_6LrdJ4O2wZP1uc4GbEX6vBsR8S4b18MMhe6KDX0-2s8"
	for _, tc := range []struct {
		name, err string
	}{
		{"token quoted", "no session for cookie " + token},
		{"token escaped", "no session for cookie " + strings.ReplaceAll(token, "_", "%5F")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var logs bytes.Buffer
			m := tokens.NewManager(tokens.NewMemoryStore(), tokens.Options{})
			h := admin.NewHandler(m, admin.Options{
				Tenant: func(*http.Request) (string, error) { return "", errors.New(tc.err) },
				Logger: slog.New(slog.NewTextHandler(&logs, nil)),
			})
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/status", nil))
			require.Equal(t, http.StatusForbidden, w.Code, w.Body.String())
			assert.Contains(t, logs.String(), "no session for cookie", "the error is logged for the operator")
			assert.NotContains(t, logs.String(), "6LrdJ4O2wZP1uc4GbEX6vBsR8S4b18MMhe6KDX0", "the token redacted")
		})
	}
}

// listCountingStore counts ListTokens calls.
type listCountingStore struct {
	tokens.Store
	lists atomic.Int64
}

func (s *listCountingStore) ListTokens(ctx context.Context, tenantID string) ([]*tokens.Token, error) {
	s.lists.Add(1)
	return s.Store.ListTokens(ctx, tenantID)
}

// TestAdminRevokeMalformedID: DELETE /tokens/{id} with an id no token
// can have (token ids are 32 lowercase hex digits) is answered 404
// without asking the token store, whatever the id's length: a 100,000
// byte id was sent to the store, and compared with each of the tenant's
// tokens. A well-formed id the tenant has not is asked for, and 404s.
func TestAdminRevokeMalformedID(t *testing.T) {
	cs := &listCountingStore{Store: tokens.NewMemoryStore()}
	m := tokens.NewManager(cs, tokens.Options{})
	h := admin.NewHandler(m, admin.Options{Tenant: func(*http.Request) (string, error) { return "acme", nil }})
	for _, tc := range []struct {
		name  string
		id    string
		lists int64
	}{
		{"short", "nope", 0},
		{"long", strings.Repeat("a", 100_000), 0},
		{"upper-case hex", strings.Repeat("A", 32), 0},
		{"one digit short", strings.Repeat("a", 31), 0},
		{"not hex", strings.Repeat("g", 32), 0},
		{"well-formed, unknown", strings.Repeat("a", 32), 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := cs.lists.Load()
			r := httptest.NewRequest("DELETE", "/tokens/"+tc.id, nil)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			require.Equal(t, http.StatusNotFound, w.Code, w.Body.String())
			assert.Equal(t, "no such token", decode(t, w)["error"])
			assert.Equal(t, tc.lists, cs.lists.Load()-before, "token store calls")
		})
	}
}

// TestAdminErrorsNameTheRequest: a 404 names the path it was sent to, a
// 403 and a 500 the request's id, which the X-Request-Id header and the
// host's log line carry too, as the SCIM handler's errors do: "not
// found", "forbidden" and "internal error" gave an admin nothing to find
// the log line by.
func TestAdminErrorsNameTheRequest(t *testing.T) {
	for _, tc := range []struct {
		name, method, path string
		headers            []string
		status             int
		errText, logged    string
	}{
		{"no endpoint", "GET", "/tokns", []string{"X-Request-Id: req-1"}, http.StatusNotFound,
			`no admin API endpoint at "/tokns"; the endpoints are /status, /tokens, /tokens/{id}, /requests and /feed`, ""},
		{"no tenant", "GET", "/status", []string{"X-Tenant: forbidden", "X-Request-Id: req-2"}, http.StatusForbidden,
			"forbidden: the host found no tenant for this request; its log says why (request req-2)", `request_id=req-2`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newAdminEnv(t, tokens.OneActive)
			w := e.do(tc.method, tc.path, "", tc.headers...)
			require.Equal(t, tc.status, w.Code, w.Body.String())
			assert.Equal(t, tc.errText, decode(t, w)["error"])
			assert.Equal(t, tc.headers[len(tc.headers)-1][len("X-Request-Id: "):], w.Header().Get("X-Request-Id"))
			if tc.logged != "" {
				assert.Contains(t, e.logs.String(), tc.logged)
			}
		})
	}
	e := newAdminEnv(t, tokens.OneActive)
	w := e.do("GET", "/status", "", "X-Tenant: acme")
	assert.Len(t, w.Header().Get("X-Request-Id"), 16, "a request without one gets an id of its own")
}
