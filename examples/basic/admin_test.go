package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAdminResponseHeaders: every answer of the admin site, signed in or
// not, HTML or JSON, is kept by no cache and never sniffed as another
// type; the HTML pages (the admin page, which shows a new token, and the
// sign-in form) may be framed by no page, by CSP frame-ancestors and, for
// a browser that knows only that, X-Frame-Options.
func TestAdminResponseHeaders(t *testing.T) {
	s := startServer(t, "")
	out := client(t)
	in := client(t)
	require.Equal(t, http.StatusSeeOther, postLogin(t, in, s.origin, s.password).StatusCode)

	send := func(c *http.Client, method, path, body string) *http.Response {
		t.Helper()
		req, err := http.NewRequest(method, s.origin+path, strings.NewReader(body))
		require.NoError(t, err)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := c.Do(req)
		require.NoError(t, err)
		_, _ = io.Copy(io.Discard, resp.Body)
		require.NoError(t, resp.Body.Close())
		return resp
	}
	for _, tc := range []struct {
		name         string
		c            *http.Client
		method, path string
		body         string
		status       int
		html         bool
	}{
		{"sign-in form", out, "GET", "/admin", "", 200, true},
		{"API signed out", out, "GET", "/admin/api/status", "", 401, false},
		{"admin page", in, "GET", "/admin", "", 200, true},
		{"API status", in, "GET", "/admin/api/status", "", 200, false},
		{"a new token", in, "POST", "/admin/api/tokens", "{}", 201, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := send(tc.c, tc.method, tc.path, tc.body)
			require.Equal(t, tc.status, resp.StatusCode)
			h := resp.Header
			assert.Equal(t, "no-store", h.Get("Cache-Control"))
			assert.Equal(t, "nosniff", h.Get("X-Content-Type-Options"))
			if !tc.html {
				assert.Equal(t, "application/json; charset=utf-8", h.Get("Content-Type"))
				return
			}
			assert.Equal(t, "text/html; charset=utf-8", h.Get("Content-Type"))
			assert.Contains(t, h.Get("Content-Security-Policy"), "frame-ancestors 'none'")
			assert.Equal(t, "DENY", h.Get("X-Frame-Options"))
		})
	}
}

// failingSessions is a session store whose database is down.
type failingSessions struct{}

var errSessionsDown = errors.New("sessions: database is down")

func (failingSessions) create(context.Context, sessionID, time.Time, time.Time, time.Time) error {
	return errSessionsDown
}

func (failingSessions) use(context.Context, sessionID, time.Time, time.Time) (bool, error) {
	return false, errSessionsDown
}

func (failingSessions) revoke(context.Context, sessionID) error { return errSessionsDown }

// TestAdminErrorLogRedactsToken: a token pasted where the admin API takes
// a token's id is not logged when the session store fails, as the SCIM
// handler's request line and the admin API's own errors redact it.
func TestAdminErrorLogRedactsToken(t *testing.T) {
	const token = "scim_q1Vb3o0b6ZB1tOu1s9cN3t7TjQyA3b7pYV4a8a1B2c3"
	var logs logBuffer
	site, err := newAdminSite(adminSiteOptions{
		Password: "pw", API: http.NotFoundHandler(), Limits: defaultSignInLimits(), Sessions: failingSessions{},
		Logger: slog.New(slog.NewTextHandler(&logs, nil)),
	})
	require.NoError(t, err)
	mux := http.NewServeMux()
	site.register(mux)
	req := httptest.NewRequest("DELETE", "/admin/api/tokens/"+token, nil)
	req.AddCookie(&http.Cookie{Name: sessionCookie, Value: "x"})
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, req)
	assert.Equal(t, http.StatusInternalServerError, rec.Code)
	assert.NotContains(t, rec.Body.String(), "database")
	assert.Contains(t, logs.String(), "database is down")
	assert.Contains(t, logs.String(), "/admin/api/tokens/scim_")
	assert.NotContains(t, logs.String(), strings.TrimPrefix(token, "scim_"))
}
