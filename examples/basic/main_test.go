package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// server is an example server started by run on a random port.
type server struct {
	origin   string // http://127.0.0.1:port
	base     string // SCIM base URL
	token    string // printed bearer token
	password string // printed admin password (or "" if set by the caller)
	lines    []string
}

// startServer runs the example like main does, on the memory store, and
// parses what it prints.
func startServer(t *testing.T, adminPassword string) *server {
	t.Helper()
	s := startConfig(t, config{AdminPassword: adminPassword})
	require.Len(t, s.lines, 3)
	m := regexp.MustCompile(`^SCIM base URL: (http://127\.0\.0\.1:\d+)/scim/v2$`).FindStringSubmatch(s.lines[0])
	require.NotNil(t, m, s.lines[0])
	assert.Equal(t, s.origin+"/scim/v2", s.base)
	m = regexp.MustCompile(`^Bearer token: (scim_[A-Za-z0-9_-]{43})$`).FindStringSubmatch(s.lines[1])
	require.NotNil(t, m, s.lines[1])
	m = regexp.MustCompile(`^Admin page: (\S+) \(password: (.+)\)$`).FindStringSubmatch(s.lines[2])
	require.NotNil(t, m, s.lines[2])
	assert.Equal(t, s.origin+"/admin", m[1])
	return s
}

// startConfig runs the example with cfg (on 127.0.0.1:0, the memory store
// and a discarding logger unless cfg says otherwise) until the test ends,
// and parses the lines it prints up to the admin page's.
func startConfig(t *testing.T, cfg config) *server {
	t.Helper()
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	if cfg.DB == "" {
		cfg.DB = "memory"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	errc := make(chan error, 1)
	go func() {
		err := run(ctx, cfg, pw)
		_ = pw.CloseWithError(io.ErrUnexpectedEOF)
		errc <- err
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-errc:
			assert.NoError(t, err)
		case <-time.After(10 * time.Second):
			t.Error("server did not stop")
		}
	})

	s := &server{}
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		line := sc.Text()
		s.lines = append(s.lines, line)
		if v, ok := strings.CutPrefix(line, "Listening on "); ok {
			s.origin = "http://" + strings.Fields(v)[0]
		}
		if v, ok := strings.CutPrefix(line, "SCIM base URL: "); ok {
			s.base = v
			if s.origin == "" {
				s.origin = strings.TrimSuffix(v, "/scim/v2")
			}
		}
		if v, ok := strings.CutPrefix(line, "Bearer token: "); ok {
			s.token = v
		}
		if v, ok := strings.CutPrefix(line, "Admin page: "); ok {
			if pw, ok := strings.CutPrefix(v[strings.Index(v, " ")+1:], "(password: "); ok && cfg.AdminPassword == "" {
				s.password = strings.TrimSuffix(pw, ")")
			}
			break
		}
	}
	require.NotEmpty(t, s.origin, "run printed %q (err %v)", s.lines, sc.Err())
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	return s
}

// scimRequest sends a SCIM request with a bearer token.
func scimRequest(t *testing.T, method, url, token, body string) *http.Response {
	t.Helper()
	resp, _ := scimRequestBy(t, http.DefaultClient, method, url, token, body)
	return resp
}

// scimRequestBy is scimRequest sent by c, with the response's body read.
func scimRequestBy(t *testing.T, c *http.Client, method, url, token, body string) (*http.Response, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	if body != "" {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	resp, err := c.Do(req)
	require.NoError(t, err)
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	return resp, string(b)
}

// client returns an HTTP client with a cookie jar that does not follow
// redirects.
func client(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func TestPrintedLines(t *testing.T) {
	cases := []struct {
		name     string
		password string
		shown    *regexp.Regexp
	}{
		{"random password", "", regexp.MustCompile(`\(password: [A-Za-z0-9_-]{22}\)$`)},
		{"given password", "hunter2-but-longer", regexp.MustCompile(`\(password: as set by -admin-password or SCIM_ADMIN_PASSWORD\)$`)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := startServer(t, tc.password)
			assert.Regexp(t, tc.shown, s.lines[2])
			if tc.password != "" {
				assert.NotContains(t, strings.Join(s.lines, "\n"), tc.password, "a given password is not echoed")
			}

			// The printed token works, the base URL is right.
			resp := scimRequest(t, "GET", s.base+"/Users", s.token, "")
			assert.Equal(t, http.StatusOK, resp.StatusCode)
		})
	}
}

func TestRunRejectsUnknownDB(t *testing.T) {
	cases := []struct{ dsn, shown string }{
		{"mysql://app@db/app", "mysql://app@db/app"},
		{"sqlite:", "sqlite:"},
		{"mysql://app:Sekrit@db/app", "mysql://app:xxxxx@db/app"},
	}
	for _, tc := range cases {
		err := run(context.Background(), config{Addr: "127.0.0.1:0", DB: tc.dsn}, io.Discard)
		require.ErrorContains(t, err, fmt.Sprintf("-db %q", tc.shown))
		assert.NotContains(t, err.Error(), "Sekrit", "the database's password is not shown")
	}
}

// TestShownDB: what the example prints or logs of -db never holds the
// database's password, which a postgres:// URL may carry in its user
// information or its password parameter.
func TestShownDB(t *testing.T) {
	cases := []struct{ dsn, want string }{
		{"memory", "memory"},
		{"scim.db", "scim.db"},
		{"sqlite:/var/lib/scim.db", "sqlite:/var/lib/scim.db"},
		{"postgres://app@db:5432/scim?sslmode=disable", "postgres://app@db:5432/scim?sslmode=disable"},
		{"postgres://app:Sekrit@db:5432/scim?sslmode=disable", "postgres://app:xxxxx@db:5432/scim?sslmode=disable"},
		{"postgresql://db/scim?password=Sekrit&user=app", "postgresql://db/scim?password=xxxxx&user=app"},
		{"POSTGRES://app:Sekrit@db/scim", "postgres://app:xxxxx@db/scim"},
		{"postgres://app:Sek%zzrit@db/scim", "postgres://…"},
	}
	for _, tc := range cases {
		t.Run(tc.dsn, func(t *testing.T) {
			assert.Equal(t, tc.want, shownDB(tc.dsn))
		})
	}
}

// TestRestartKeepsToken: the default SQLite file keeps data and tokens
// across a restart, which prints no new token unless -new-token asks.
func TestRestartKeepsToken(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "scim.db")
	start := func(newToken bool) (string, func()) {
		ctx, cancel := context.WithCancel(context.Background())
		pr, pw := io.Pipe()
		done := make(chan error, 1)
		go func() {
			done <- run(ctx, config{Addr: "127.0.0.1:0", DB: dbPath, NewToken: newToken, Logger: slog.New(slog.DiscardHandler)}, pw)
			pw.Close()
		}()
		sc := bufio.NewScanner(pr)
		var lines []string
		for sc.Scan() && len(lines) < 2 {
			lines = append(lines, sc.Text())
		}
		go func() { _, _ = io.Copy(io.Discard, pr) }()
		require.Len(t, lines, 2)
		return lines[1], func() { cancel(); require.NoError(t, <-done) }
	}
	first, stop := start(false)
	require.True(t, strings.HasPrefix(first, "Bearer token: scim_"), first)
	stop()
	second, stop := start(false)
	assert.Equal(t, "No new bearer token: "+dbPath+" already has one (use the token printed before, or restart with -new-token to replace it)", second)
	stop()
	third, stop := start(true)
	assert.True(t, strings.HasPrefix(third, "Bearer token: scim_"), third)
	assert.NotEqual(t, first, third)
	stop()
}

func TestAdminGate(t *testing.T) {
	s := startServer(t, "")
	c := client(t)

	login := func(t *testing.T, password string, headers ...string) *http.Response {
		t.Helper()
		req, err := http.NewRequest("POST", s.origin+"/admin/login", strings.NewReader(url.Values{"password": {password}}.Encode()))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for _, h := range headers {
			k, v, _ := strings.Cut(h, ": ")
			req.Header.Set(k, v)
		}
		resp, err := c.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		return resp
	}
	get := func(t *testing.T, path string) (*http.Response, string) {
		t.Helper()
		resp, err := c.Get(s.origin + path)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp, string(b)
	}

	// Signed out: the page is the sign-in form and the API refuses.
	resp, body := get(t, "/admin")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, body, `action="/admin/login"`)
	assert.NotContains(t, body, "Generate SCIM token")
	resp, body = get(t, "/admin/api/status")
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	assert.JSONEq(t, `{"error":"not signed in"}`, body)

	cases := []struct {
		name     string
		password string
		headers  []string
		status   int
	}{
		{"wrong password", "nope", nil, http.StatusUnauthorized},
		{"empty password", "", nil, http.StatusUnauthorized},
		{"cross-site form post", s.password, []string{"Sec-Fetch-Site: cross-site"}, http.StatusForbidden},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp := login(t, tc.password, tc.headers...)
			assert.Equal(t, tc.status, resp.StatusCode)
			assert.Empty(t, resp.Cookies())
		})
	}

	// The right password starts a session with a strict, HttpOnly cookie.
	resp = login(t, s.password, "Sec-Fetch-Site: same-origin")
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, "/admin", resp.Header.Get("Location"))
	require.Len(t, resp.Cookies(), 1)
	ck := resp.Cookies()[0]
	assert.Equal(t, sessionCookie, ck.Name)
	assert.True(t, ck.HttpOnly)
	assert.Equal(t, http.SameSiteStrictMode, ck.SameSite)
	assert.Equal(t, "/admin", ck.Path)
	assert.GreaterOrEqual(t, len(ck.Value), 43)

	resp, body = get(t, "/admin")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, body, "Generate SCIM token")
	assert.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
	assert.Regexp(t, `(^|; )script-src 'sha256-[A-Za-z0-9+/]+=*';`, resp.Header.Get("Content-Security-Policy"), "scripts are allowed by hash only")

	resp, body = get(t, "/admin/api/status")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var st map[string]any
	require.NoError(t, json.Unmarshal([]byte(body), &st))
	assert.Equal(t, "waiting_for_first_request", st["state"], "the printed token is active, unused")
	assert.Equal(t, s.base, st["baseUrl"])

	// The admin API and the SCIM handler share the Manager and the log.
	scimRequest(t, "GET", s.base+"/Users?count=1", s.token, "")
	_, body = get(t, "/admin/api/status")
	assert.Contains(t, body, `"state":"connected"`)
	// The request log is written in the background: wait for the entry.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		_, body = get(t, "/admin/api/requests")
		if strings.Contains(body, `"path":"/Users?count=1"`) || time.Now().After(deadline) {
			break
		}
	}
	assert.Contains(t, body, `"path":"/Users?count=1"`)
	assert.NotContains(t, body, s.token[len("scim_"):])

	// Signing out ends the session on the server too.
	req, err := http.NewRequest("POST", s.origin+"/admin/logout", nil)
	require.NoError(t, err)
	old := c.Jar.Cookies(req.URL)
	resp, err = c.Do(req)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
	replay, err := http.NewRequest("GET", s.origin+"/admin/api/status", nil)
	require.NoError(t, err)
	for _, ck := range old {
		replay.AddCookie(ck)
	}
	resp, err = http.DefaultClient.Do(replay)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, "old cookie no longer works")
}

func TestContentSecurityPolicyMatchesScript(t *testing.T) {
	assert.Equal(t, 1, strings.Count(adminHTML, "<script>"))
	assert.Equal(t, 1, strings.Count(adminHTML, "</script>"))
	assert.Contains(t, contentSecurityPolicy(adminHTML), "script-src 'sha256-")
	assert.Panics(t, func() { contentSecurityPolicy("<p>no script</p>") })
}

// logBuffer collects log output; safe for concurrent use.
type logBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// postLogin posts the sign-in form with password to origin.
func postLogin(t *testing.T, c *http.Client, origin, password string) *http.Response {
	t.Helper()
	resp, err := c.PostForm(origin+"/admin/login", url.Values{"password": {password}})
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, resp.Body)
	require.NoError(t, resp.Body.Close())
	return resp
}

// TestSignInLimit: after a few wrong passwords the sign-in form answers 429
// with Retry-After, even to the right password, and every failure is
// logged with the client's address, never with the password tried.
func TestSignInLimit(t *testing.T) {
	var logs logBuffer
	const password = "the right password"
	s := startConfig(t, config{AdminPassword: password, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	c := client(t)
	perClient := defaultSignInLimits().PerClient
	for i := range perClient {
		resp := postLogin(t, c, s.origin, fmt.Sprintf("guess-%d", i))
		require.Equal(t, http.StatusUnauthorized, resp.StatusCode, "attempt %d", i+1)
		assert.Empty(t, resp.Header.Get("Retry-After"))
	}
	for _, pw := range []string{"guess-again", password} {
		resp := postLogin(t, c, s.origin, pw)
		require.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
		retry, err := strconv.Atoi(resp.Header.Get("Retry-After"))
		require.NoError(t, err, "Retry-After in seconds")
		assert.Positive(t, retry)
		assert.LessOrEqual(t, retry, int(defaultSignInLimits().PerClientEvery/time.Second))
		assert.Empty(t, resp.Cookies(), "no session while limited")
	}

	out := logs.String()
	failed := regexp.MustCompile(`(?m)^time=\S+ level=WARN msg="admin sign-in failed: wrong password" ip=127\.0\.0\.1$`)
	assert.Len(t, failed.FindAllString(out, -1), perClient, out)
	assert.Equal(t, 1, strings.Count(out, `msg="admin sign-in refused: too many attempts" ip=127.0.0.1 limit=client`), "the first refusal of a lockout is logged: %s", out)
	assert.NotContains(t, out, "guess-")
	assert.NotContains(t, out, password)
}

// TestExternalURL: behind a TLS-terminating proxy, -external-url names the
// SCIM base URL and the admin page's origin; with https the session cookie
// is Secure although the proxy speaks plain HTTP to the example.
func TestExternalURL(t *testing.T) {
	cases := []struct {
		external   string
		base       string
		secure     bool
		origin     string // the Origin of a form post from the admin page
		wantOrigin int    // the sign-in's status for a post from origin with no Sec-Fetch-Site
	}{
		{"", "", false, "", http.StatusSeeOther},
		{"https://scim.example.com", "https://scim.example.com/scim/v2", true, "https://scim.example.com", http.StatusSeeOther},
		{"HTTPS://SCIM.example.com:8443/", "https://scim.example.com:8443/scim/v2", true, "https://scim.example.com:8443", http.StatusSeeOther},
		{"http://scim.internal", "http://scim.internal/scim/v2", false, "http://scim.internal", http.StatusSeeOther},
		{"https://scim.example.com", "https://scim.example.com/scim/v2", true, "https://evil.example", http.StatusForbidden},
	}
	for _, tc := range cases {
		t.Run(tc.external+" from "+tc.origin, func(t *testing.T) {
			const password = "proxy password"
			s := startConfig(t, config{AdminPassword: password, ExternalURL: tc.external})
			if tc.base != "" {
				assert.Equal(t, tc.base, s.base)
				assert.Regexp(t, `^Listening on 127\.0\.0\.1:\d+ \(external URL `+regexp.QuoteMeta(strings.TrimSuffix(tc.base, "/scim/v2"))+`\)$`, s.lines[0])
				assert.Equal(t, "Admin page: "+strings.TrimSuffix(tc.base, "/scim/v2")+"/admin (password: as set by -admin-password or SCIM_ADMIN_PASSWORD)", s.lines[len(s.lines)-1])
			}

			req, err := http.NewRequest("POST", s.origin+"/admin/login", strings.NewReader(url.Values{"password": {password}}.Encode()))
			require.NoError(t, err)
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if tc.origin != "" {
				req.Header.Set("Origin", tc.origin) // an older browser: no Sec-Fetch-Site
			}
			resp, err := client(t).Do(req)
			require.NoError(t, err)
			require.NoError(t, resp.Body.Close())
			require.Equal(t, tc.wantOrigin, resp.StatusCode)
			if tc.wantOrigin != http.StatusSeeOther {
				return
			}
			require.Len(t, resp.Cookies(), 1)
			ck := resp.Cookies()[0]
			assert.Equal(t, tc.secure, ck.Secure)
			assert.True(t, ck.HttpOnly)
			assert.Equal(t, http.SameSiteStrictMode, ck.SameSite)

			// The admin API shows the external base URL.
			req, err = http.NewRequest("GET", s.origin+"/admin/api/status", nil)
			require.NoError(t, err)
			req.AddCookie(&http.Cookie{Name: ck.Name, Value: ck.Value})
			resp, err = http.DefaultClient.Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			var st struct{ BaseURL string }
			require.NoError(t, json.NewDecoder(resp.Body).Decode(&st))
			assert.Equal(t, s.base, st.BaseURL)

			// The admin page generates a token from the external origin:
			// the proxy rewrote Host, and an older browser sends Origin
			// alone. The admin API trusts that origin as the sign-in does.
			if tc.origin == "" {
				return
			}
			req, err = http.NewRequest("POST", s.origin+"/admin/api/tokens", strings.NewReader(`{"name":"from the page"}`))
			require.NoError(t, err)
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Origin", tc.origin)
			req.AddCookie(&http.Cookie{Name: ck.Name, Value: ck.Value})
			gen, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			require.NoError(t, gen.Body.Close())
			assert.Equal(t, http.StatusCreated, gen.StatusCode, "a token generated from %s", tc.origin)
		})
	}
}

func TestExternalURLRejected(t *testing.T) {
	for _, raw := range []string{
		"scim.example.com",
		"ftp://scim.example.com",
		"https://",
		"https:scim.example.com",
		"https://scim.example.com/prefix",
		"https://scim.example.com/?a=b",
		"https://scim.example.com/#top",
		"https://admin@scim.example.com",
		"https://scim.example.com:port",
	} {
		err := run(context.Background(), config{Addr: "127.0.0.1:0", DB: "memory", ExternalURL: raw}, io.Discard)
		assert.ErrorContains(t, err, "-external-url", raw)
	}
}

// TestSessionCookieSecureOverTLS: a request that reached the example over
// TLS gets a Secure cookie even without an https external URL.
func TestSessionCookieSecureOverTLS(t *testing.T) {
	for _, target := range []string{"https://127.0.0.1/admin/login", "http://127.0.0.1/admin/login"} {
		a, err := newAdminSite(adminSiteOptions{Password: "pw", API: http.NotFoundHandler(), Logger: slog.New(slog.DiscardHandler), Limits: defaultSignInLimits(), Sessions: newMemorySessions()})
		require.NoError(t, err)
		mux := http.NewServeMux()
		a.register(mux)
		req := httptest.NewRequest("POST", target, strings.NewReader("password=pw"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		require.Equal(t, http.StatusSeeOther, rec.Code)
		cookies := rec.Result().Cookies()
		require.Len(t, cookies, 1)
		assert.Equal(t, req.TLS != nil, cookies[0].Secure, target)
	}
}

// TestBaseURLWithTrailingSlash: a provider given the base URL with a
// slash at its end sends POST /scim/v2//Users. The example mounted the
// handler on an http.ServeMux, which cleans a path before routing it and
// answered 307 to /scim/v2/Users: a provider that does not resend a
// POST's body after a redirect created nothing, and the handler, which
// takes //Users as /Users, never saw the request. Every path under
// /scim/v2/ now reaches the handler as sent, so no SCIM request is
// redirected; the rest of the site is the mux's, as before.
func TestBaseURLWithTrailingSlash(t *testing.T) {
	s := startServer(t, "")
	c := client(t) // follows no redirect
	do := func(method, url, body string) (*http.Response, string) {
		t.Helper()
		return scimRequestBy(t, c, method, url, s.token, body)
	}
	for _, tc := range []struct {
		method, path, body string
		status             int
		contains           string
	}{
		{"POST", "//Users", `{"userName":"slash@example.com"}`, 201, `"userName":"slash@example.com"`},
		{"GET", "//Users?filter=userName+eq+%22slash@example.com%22", "", 200, `"totalResults":1`},
		{"POST", "//Groups", `{"displayName":"Slashed"}`, 201, `"displayName":"Slashed"`},
		{"GET", "//ServiceProviderConfig", "", 200, `"bulk"`},
		{"GET", "/Users//x", "", 404, `no SCIM resource at this path`},
		{"GET", "/../admin", "", 404, `no SCIM resource at this path`},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			resp, body := do(tc.method, s.base+tc.path, tc.body)
			require.Equal(t, tc.status, resp.StatusCode, body)
			assert.Equal(t, "application/scim+json", resp.Header.Get("Content-Type"))
			assert.Contains(t, body, tc.contains)
			if tc.status == 201 {
				assert.True(t, strings.HasPrefix(resp.Header.Get("Location"), s.base+"/"), resp.Header.Get("Location"))
			}
		})
	}
	// The base URL without its slash is redirected to it, as the mux did.
	resp, _ := do("GET", s.base, "")
	assert.Equal(t, 3, resp.StatusCode/100)
	assert.Equal(t, "/scim/v2/", resp.Header.Get("Location"))
	// The rest of the site is the mux's, its cleaning included.
	resp, _ = do("GET", s.origin+"/admin", "")
	assert.Equal(t, 200, resp.StatusCode)
	resp, _ = do("GET", s.origin+"//admin", "")
	assert.Equal(t, 3, resp.StatusCode/100, "the mux redirects //admin to /admin")
}
