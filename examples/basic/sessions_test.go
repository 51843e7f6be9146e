package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/argon2"

	"github.com/scimkit/scim/admin"
	"github.com/scimkit/scim/store/sqlstore"
	"github.com/scimkit/scim/store/sqlstore/sqltest"
	"github.com/scimkit/scim/tokens"
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
			c := sessionKey(testPassword, "token-c") // the idle one
			never := t0.Add(24 * time.Hour)          // an idle deadline past the expiry
			require.NoError(t, s.create(ctx, a, t0, t0.Add(time.Hour), never))
			require.NoError(t, s.create(ctx, b, t0, t0.Add(2*time.Hour), never))
			require.NoError(t, s.create(ctx, c, t0, t0.Add(2*time.Hour), t0.Add(10*time.Minute)))

			checks := []struct {
				id   sessionID
				at   time.Duration
				idle time.Duration // the idle deadline use moves it to
				want bool
			}{
				{a, 0, 24 * time.Hour, true},
				{a, time.Hour - time.Microsecond, 24 * time.Hour, true},
				{a, time.Hour, 24 * time.Hour, false}, // expired, though not idle
				{b, time.Hour, 24 * time.Hour, true},
				{sessionKey(testPassword, "token-d"), 0, 24 * time.Hour, false},
				{c, 10*time.Minute - time.Microsecond, 20 * time.Minute, true}, // used: idle until +20m
				{c, 20*time.Minute - time.Microsecond, 30 * time.Minute, true},
				{c, 30 * time.Minute, 40 * time.Minute, false}, // idle, and staying so
				{c, 31 * time.Minute, 40 * time.Minute, false},
			}
			for _, ck := range checks {
				got, err := s.use(ctx, ck.id, t0.Add(ck.at), t0.Add(ck.idle))
				require.NoError(t, err)
				assert.Equal(t, ck.want, got, "%x at +%s", ck.id[:4], ck.at)
			}

			require.NoError(t, s.revoke(ctx, b))
			require.NoError(t, s.revoke(ctx, b), "revoking twice is no error")
			ok, err := s.use(ctx, b, t0, never)
			require.NoError(t, err)
			assert.False(t, ok, "revoked")

			if db == nil {
				return
			}
			// A new session prunes the ended ones (a expired, c idle);
			// rows hold the hash, never the token.
			require.NoError(t, s.create(ctx, b, t0.Add(time.Hour), t0.Add(3*time.Hour), never))
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
	site := func(t *testing.T, password string) *http.ServeMux { return siteOver(t, password, sessions, nil) }
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

// siteOver is the example's admin site over sessions in front of an API
// that answers 200, its clock now (nil: the time).
func siteOver(t *testing.T, password string, sessions sessionStore, now func() time.Time) *http.ServeMux {
	t.Helper()
	a, err := newAdminSite(adminSiteOptions{
		Password: password,
		API:      http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) }),
		Logger:   slog.New(slog.DiscardHandler),
		Limits:   defaultSignInLimits(),
		Sessions: sessions,
	})
	require.NoError(t, err)
	if now != nil {
		a.now = now
	}
	mux := http.NewServeMux()
	a.register(mux)
	return mux
}

// siteWithAPI is the example's admin site over memory sessions and the
// real admin API on a memory token store, whose Manager it returns.
func siteWithAPI(t *testing.T, password string) (*http.ServeMux, *tokens.Manager) {
	t.Helper()
	toks := tokens.NewManager(tokens.NewMemoryStore(), tokens.Options{})
	a, err := newAdminSite(adminSiteOptions{
		Password: password,
		API: admin.NewHandler(toks, admin.Options{
			Tenant: func(*http.Request) (string, error) { return "", nil },
			Logger: slog.New(slog.DiscardHandler),
		}),
		Logger:   slog.New(slog.DiscardHandler),
		Limits:   defaultSignInLimits(),
		Sessions: newMemorySessions(),
	})
	require.NoError(t, err)
	mux := http.NewServeMux()
	a.register(mux)
	return mux, toks
}

// serve sends req to mux with cookies and returns the response.
func serve(mux http.Handler, req *http.Request, cookies ...*http.Cookie) *http.Response {
	for _, c := range cookies {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, req)
	return rec.Result()
}

// signedIn signs in to mux with password and returns the session cookie.
func signedIn(t *testing.T, mux http.Handler, password string) *http.Cookie {
	t.Helper()
	resp := serve(mux, signInRequest(password))
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.Len(t, resp.Cookies(), 1)
	return resp.Cookies()[0]
}

// signInRequest is the sign-in form's POST of password.
func signInRequest(password string) *http.Request {
	req := httptest.NewRequest("POST", "/admin/login", strings.NewReader(url.Values{"password": {password}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req
}

// TestSignInRotatesSession: signing in while holding a session gives a
// new session id and ends the old one, so an id learnt or planted before
// the sign-in does not outlive it; a failed sign-in leaves the session
// alone.
func TestSignInRotatesSession(t *testing.T) {
	const password = "rotate password"
	mux, _ := siteWithAPI(t, password)
	status := func(ck *http.Cookie) int {
		return serve(mux, httptest.NewRequest("GET", "/admin/api/status", nil), ck).StatusCode
	}
	signIn := func(t *testing.T, password string, held ...*http.Cookie) *http.Response {
		t.Helper()
		return serve(mux, signInRequest(password), held...)
	}
	resp := signIn(t, password)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	first := resp.Cookies()[0]
	require.Equal(t, http.StatusOK, status(first))

	cases := []struct {
		name      string
		password  string
		rotated   bool // a new cookie, and the held one ended
		heldAfter int  // the held session's status after the sign-in
	}{
		{"wrong password", "nope", false, http.StatusOK},
		{"right password", password, true, http.StatusUnauthorized},
	}
	held := first
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp := signIn(t, tc.password, held)
			if !tc.rotated {
				assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
				assert.Empty(t, resp.Cookies())
				assert.Equal(t, tc.heldAfter, status(held))
				return
			}
			require.Equal(t, http.StatusSeeOther, resp.StatusCode)
			require.Len(t, resp.Cookies(), 1)
			next := resp.Cookies()[0]
			assert.NotEqual(t, held.Value, next.Value, "a new session id")
			assert.Equal(t, tc.heldAfter, status(held), "the held session ended")
			assert.Equal(t, http.StatusOK, status(next))
		})
	}
}

// TestAdminAPICrossOrigin: a signed-in admin's browser cannot be made to
// generate a token from another origin, though it sends the session
// cookie (SameSite=Strict keeps it from other sites, not from another
// origin of the same site, such as another port of the host): the admin
// API refuses the request (http.CrossOriginProtection, tested on its own
// in package admin) before it acts, behind the example's session check.
func TestAdminAPICrossOrigin(t *testing.T) {
	const password = "csrf password"
	mux, toks := siteWithAPI(t, password)
	session := signedIn(t, mux, password)
	generate := func(header, value string) int {
		req := httptest.NewRequest("POST", "http://127.0.0.1:8080/admin/api/tokens", strings.NewReader(`{"name":"x"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(header, value)
		return serve(mux, req, session).StatusCode
	}
	assert.Equal(t, http.StatusForbidden, generate("Sec-Fetch-Site", "same-site"), "another port of the host")
	assert.Equal(t, http.StatusForbidden, generate("Origin", "http://127.0.0.1:9999"), "an older browser, from another port")
	list, err := toks.List(context.Background(), "")
	require.NoError(t, err)
	assert.Empty(t, list, "nothing generated")
	assert.Equal(t, http.StatusCreated, generate("Sec-Fetch-Site", "same-origin"), "the page's own request")
}

// TestSessionIDKeyedByArgon2id: the id a session store keeps is the
// cookie's HMAC keyed by the password's Argon2id, not by a fast hash of
// it: with a kept id and the cookie it was made of, each guess at the
// password costs an Argon2id.
func TestSessionIDKeyedByArgon2id(t *testing.T) {
	const password = "argon password"
	sessions := newMemorySessions()
	a, err := newAdminSite(adminSiteOptions{
		Password: password, API: http.NotFoundHandler(), Logger: slog.New(slog.DiscardHandler),
		Limits: defaultSignInLimits(), Sessions: sessions,
	})
	require.NoError(t, err)
	mux := http.NewServeMux()
	a.register(mux)
	resp := serve(mux, signInRequest(password))
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.Len(t, resp.Cookies(), 1)
	token := resp.Cookies()[0].Value

	mac := func(key []byte) sessionID {
		m := hmac.New(sha256.New, key)
		m.Write([]byte(token))
		return sessionID(m.Sum(nil))
	}
	fast := sha256.Sum256([]byte(password))
	slow := argon2.IDKey([]byte(password), []byte("scimkit example: admin session ids"), 2, 19*1024, 1, 32)
	sessions.mu.Lock()
	defer sessions.mu.Unlock()
	require.Len(t, sessions.sessions, 1)
	assert.Contains(t, sessions.sessions, mac(slow), "keyed by the password's Argon2id")
	assert.NotContains(t, sessions.sessions, mac(fast[:]), "not by its SHA-256")
}

// TestSessionIdleTimeout: a session left unused for sessionIdle ends,
// though its lifetime (sessionTTL) has not; each request that finds it
// live moves its idle deadline, and however busy it is it ends at
// sessionTTL. Run on the site over memory, SQLite and PostgreSQL
// sessions.
func TestSessionIdleTimeout(t *testing.T) {
	const password = "idle password"
	stores := []struct {
		name string
		open func(t *testing.T) sessionStore
	}{
		{"memory", func(*testing.T) sessionStore { return newMemorySessions() }},
		{"sqlite", func(t *testing.T) sessionStore {
			s, _ := openSQLSessions(t, filepath.Join(t.TempDir(), "scim.db"))
			return s
		}},
		{"postgres", func(t *testing.T) sessionStore {
			s, _ := openSQLSessions(t, sqltest.PostgresDSN(t))
			return s
		}},
	}
	type step struct {
		after time.Duration // since the previous step
		want  int           // GET /admin/api/status
		auto  bool          // sent by the page's own refresh (adminRefreshHeader)
	}
	second := time.Second
	busy := []step{} // a request every idle period less a second, up to the lifetime
	for used := time.Duration(0); used+sessionIdle-second < sessionTTL; used += sessionIdle - second {
		busy = append(busy, step{sessionIdle - second, http.StatusOK, false})
	}
	busy = append(busy, step{sessionTTL - time.Duration(len(busy))*(sessionIdle-second), http.StatusUnauthorized, false})
	cases := []struct {
		name  string
		steps []step
	}{
		{"used within the idle timeout", []step{{sessionIdle - second, http.StatusOK, false}, {sessionIdle - second, http.StatusOK, false}}},
		{"idle for the timeout", []step{{sessionIdle - second, http.StatusOK, false}, {sessionIdle, http.StatusUnauthorized, false}}},
		{"unused since sign-in", []step{{sessionIdle, http.StatusUnauthorized, false}}},
		{"busy until its lifetime ends", busy},
		// The open page refreshes itself every few seconds: that is no
		// admin at the machine, and keeps no session from ending idle.
		{"only the page's refresh", []step{{sessionIdle / 2, http.StatusOK, true}, {sessionIdle/2 - second, http.StatusOK, true}, {second, http.StatusUnauthorized, true}}},
		{"a refresh, then a click", []step{{sessionIdle - second, http.StatusOK, true}, {0, http.StatusOK, false}, {sessionIdle - second, http.StatusOK, true}, {second, http.StatusUnauthorized, true}}},
	}
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			sessions := st.open(t)
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
					mux := siteOver(t, password, sessions, func() time.Time { return now })
					ck := signedIn(t, mux, password)
					for i, s := range tc.steps {
						now = now.Add(s.after)
						req := httptest.NewRequest("GET", "/admin/api/status", nil)
						if s.auto {
							req.Header.Set(adminRefreshHeader, "auto")
						}
						got := serve(mux, req, ck).StatusCode
						require.Equal(t, s.want, got, "step %d, +%s", i, s.after)
					}
				})
			}
		})
	}
}

// TestSignOutEndsSession: signing out ends the session on the server (the
// cookie, kept, signs no one in) and expires the cookie with the flags it
// was set with.
func TestSignOutEndsSession(t *testing.T) {
	const password = "sign-out password"
	mux, _ := siteWithAPI(t, password)
	ck := signedIn(t, mux, password)
	status := func() int { return serve(mux, httptest.NewRequest("GET", "/admin/api/status", nil), ck).StatusCode }
	require.Equal(t, http.StatusOK, status())

	for _, tls := range []bool{false, true} {
		req := httptest.NewRequest("POST", "/admin/logout", nil)
		if tls {
			req = httptest.NewRequest("POST", "https://example.com/admin/logout", nil)
		}
		out := serve(mux, req, ck)
		require.Equal(t, http.StatusSeeOther, out.StatusCode)
		require.Len(t, out.Cookies(), 1)
		gone := out.Cookies()[0]
		assert.Equal(t, sessionCookie, gone.Name)
		assert.Empty(t, gone.Value)
		assert.Negative(t, gone.MaxAge, "the browser drops it")
		assert.Equal(t, "/admin", gone.Path)
		assert.True(t, gone.HttpOnly)
		assert.Equal(t, http.SameSiteStrictMode, gone.SameSite)
		assert.Equal(t, tls, gone.Secure)
		assert.Equal(t, http.StatusUnauthorized, status(), "the kept cookie signs no one in")
	}
}

// TestSQLSessionsAddIdleColumn: a session table an earlier example made,
// without idle deadlines, gets its column when the example starts over
// it; the sessions in it, started without an idle timeout, have ended,
// and new ones work.
func TestSQLSessionsAddIdleColumn(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct{ name, dsn string }{
		{"sqlite", filepath.Join(t.TempDir(), "scim.db")},
		{"postgres", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dsn := tc.dsn
			if dsn == "" {
				dsn = sqltest.PostgresDSN(t)
			}
			st, err := sqlstore.Open(ctx, dsn)
			require.NoError(t, err)
			t.Cleanup(func() { st.Close() })
			db := st.DB()
			old := sessionKey(testPassword, "old")
			_, err = db.ExecContext(ctx, "CREATE TABLE "+sessionTable+" (token_sha256 CHAR(64) PRIMARY KEY, expires_at BIGINT NOT NULL)")
			require.NoError(t, err)
			t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
			_, err = db.ExecContext(ctx, "INSERT INTO "+sessionTable+" VALUES ('"+hex.EncodeToString(old[:])+"', "+strconv.FormatInt(t0.Add(time.Hour).UnixMicro(), 10)+")")
			require.NoError(t, err)

			s, err := newSQLSessions(ctx, db, st.Dialect())
			require.NoError(t, err)
			ok, err := s.use(ctx, old, t0, t0.Add(sessionIdle))
			require.NoError(t, err)
			assert.False(t, ok, "a session started without an idle timeout has ended")
			fresh := sessionKey(testPassword, "fresh")
			require.NoError(t, s.create(ctx, fresh, t0, t0.Add(time.Hour), t0.Add(sessionIdle)))
			ok, err = s.use(ctx, fresh, t0, t0.Add(sessionIdle))
			require.NoError(t, err)
			assert.True(t, ok)
		})
	}
}
