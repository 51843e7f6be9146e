package main

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/store/sqlstore"
	"github.com/scimkit/scim/store/sqlstore/sqltest"
)

// testPassword keys the sessions of TestSessionStores.
var testPassword = sha256.Sum256([]byte("password"))

// TestSessionStores runs the session store contract on memory, SQLite and
// PostgreSQL.
func TestSessionStores(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name string
		// open returns the store, and for SQL its database (to look at rows).
		open func(t *testing.T) (sessionStore, *sql.DB)
	}{
		{"memory", func(*testing.T) (sessionStore, *sql.DB) { return newMemorySessions(), nil }},
		{"sqlite", func(t *testing.T) (sessionStore, *sql.DB) {
			return openSQLSessions(t, filepath.Join(t.TempDir(), "scim.db"))
		}},
		{"postgres", func(t *testing.T) (sessionStore, *sql.DB) { return openSQLSessions(t, sqltest.PostgresDSN(t)) }},
	}
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, db := tc.open(t)
			a, b := sessionKey(testPassword, "token-a"), sessionKey(testPassword, "token-b")
			require.NoError(t, s.create(ctx, a, t0, t0.Add(time.Hour)))
			require.NoError(t, s.create(ctx, b, t0, t0.Add(2*time.Hour)))

			checks := []struct {
				id   sessionID
				at   time.Duration
				want bool
			}{
				{a, 0, true},
				{a, time.Hour - time.Microsecond, true},
				{a, time.Hour, false},
				{b, time.Hour, true},
				{sessionKey(testPassword, "token-c"), 0, false},
			}
			for _, c := range checks {
				got, err := s.valid(ctx, c.id, t0.Add(c.at))
				require.NoError(t, err)
				assert.Equal(t, c.want, got, "%x at +%s", c.id[:4], c.at)
			}

			require.NoError(t, s.revoke(ctx, b))
			require.NoError(t, s.revoke(ctx, b), "revoking twice is no error")
			ok, err := s.valid(ctx, b, t0)
			require.NoError(t, err)
			assert.False(t, ok, "revoked")

			if db == nil {
				return
			}
			// A new session prunes the ended ones; rows hold the hash,
			// never the token.
			require.NoError(t, s.create(ctx, b, t0.Add(time.Hour), t0.Add(3*time.Hour)))
			var key string
			require.NoError(t, db.QueryRowContext(ctx, "SELECT token_sha256 FROM "+sessionTable).Scan(&key))
			assert.Equal(t, hex.EncodeToString(b[:]), key, "one row, a's was pruned")
		})
	}
}

// openSQLSessions opens the SQL store at dsn and its session table.
func openSQLSessions(t *testing.T, dsn string) (sessionStore, *sql.DB) {
	t.Helper()
	st, err := sqlstore.Open(context.Background(), dsn)
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	s, err := newSQLSessions(context.Background(), st.DB(), st.Dialect())
	require.NoError(t, err)
	// Opening again finds the table there.
	_, err = newSQLSessions(context.Background(), st.DB(), st.Dialect())
	require.NoError(t, err)
	return s, st.DB()
}

func TestSQLSessionsRejectsUnknownDialect(t *testing.T) {
	_, err := newSQLSessions(context.Background(), nil, "mysql")
	assert.ErrorIs(t, err, errDialect)
}

// TestSessionsSharedByReplicas: two example servers over one SQLite file,
// as behind a load balancer: a sign-in on one works on the other, and
// signing out on either ends it on both.
func TestSessionsSharedByReplicas(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "scim.db")
	const password = "replicated password"
	one := startConfig(t, config{DB: dbPath, AdminPassword: password})
	two := startConfig(t, config{DB: dbPath, AdminPassword: password})
	require.NotEqual(t, one.origin, two.origin)

	status := func(t *testing.T, origin string, ck *http.Cookie) int {
		t.Helper()
		req, err := http.NewRequest("GET", origin+"/admin/api/status", nil)
		require.NoError(t, err)
		req.AddCookie(&http.Cookie{Name: ck.Name, Value: ck.Value})
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		require.NoError(t, resp.Body.Close())
		return resp.StatusCode
	}
	signIn := func(t *testing.T, origin string) *http.Cookie {
		t.Helper()
		resp := postLogin(t, client(t), origin, password)
		require.Equal(t, http.StatusSeeOther, resp.StatusCode)
		require.Len(t, resp.Cookies(), 1)
		return resp.Cookies()[0]
	}
	signOut := func(t *testing.T, origin string, ck *http.Cookie) {
		t.Helper()
		req, err := http.NewRequest("POST", origin+"/admin/logout", nil)
		require.NoError(t, err)
		req.AddCookie(&http.Cookie{Name: ck.Name, Value: ck.Value})
		resp, err := client(t).Do(req)
		require.NoError(t, err)
		require.NoError(t, resp.Body.Close())
		require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	}

	cases := []struct {
		name        string
		in, out     *server
		first, then *server
	}{
		{"sign in on one, out on two", one, two, two, one},
		{"sign in on two, out on two", two, two, one, two},
		{"sign in on one, out on one", one, one, two, one},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ck := signIn(t, tc.in.origin)
			for _, s := range []*server{one, two} {
				assert.Equal(t, http.StatusOK, status(t, s.origin, ck), s.origin)
			}
			signOut(t, tc.out.origin, ck)
			for _, s := range []*server{tc.first, tc.then} {
				assert.Equal(t, http.StatusUnauthorized, status(t, s.origin, ck), "revoked on %s", s.origin)
			}
		})
	}
}

// TestSessionsEndWithPassword: a session signed in with one password does
// not outlive it. Two sites over one session store stand for a restart,
// or a replica, over the SQL store with a new -admin-password: whoever
// signed in with a leaked password is signed out by changing it.
func TestSessionsEndWithPassword(t *testing.T) {
	sessions := newMemorySessions()
	site := func(t *testing.T, password string) *http.ServeMux {
		t.Helper()
		a, err := newAdminSite(adminSiteOptions{
			Password: password,
			API:      http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) }),
			Logger:   slog.New(slog.DiscardHandler),
			Limits:   defaultSignInLimits(),
			Sessions: sessions,
		})
		require.NoError(t, err)
		mux := http.NewServeMux()
		a.register(mux)
		return mux
	}
	signedIn := site(t, "old password")
	form := url.Values{"password": {"old password"}}.Encode()
	req := httptest.NewRequest("POST", "/admin/login", strings.NewReader(form))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	signedIn.ServeHTTP(rec, req)
	require.Equal(t, http.StatusSeeOther, rec.Code)
	cookies := rec.Result().Cookies()
	require.Len(t, cookies, 1)

	cases := []struct {
		name     string
		password string
		want     int
	}{
		{"same password", "old password", http.StatusOK},
		{"password changed", "new password", http.StatusUnauthorized},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", "/admin/api/status", nil)
			req.AddCookie(cookies[0])
			rec := httptest.NewRecorder()
			site(t, tc.password).ServeHTTP(rec, req)
			assert.Equal(t, tc.want, rec.Code)
		})
	}
}
