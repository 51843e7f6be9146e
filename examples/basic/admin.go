package main

import (
	"crypto/sha256"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"html/template"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/scimkit/scim/tokens"
)

// The admin page: plain HTML with inline CSS and JavaScript, no build step.
//
//go:embed admin.html
var adminHTML string

//go:embed login.html
var loginHTML string

var loginTemplate = template.Must(template.New("login").Parse(loginHTML))

// An admin session ends sessionTTL after its sign-in however busy it
// is, and sooner when no request has used it for sessionIdle (OWASP's
// session management cheat sheet: 15 to 30 minutes idle for an
// application of high value, where credentials are made): a browser left
// signed in on an unattended machine is not a way in for the day.
const (
	sessionCookie = "scimkit_admin"
	sessionTTL    = 12 * time.Hour
	sessionIdle   = 30 * time.Minute
)

// adminSite is the example's stand-in for a host's own admin
// authentication: a password form that starts a cookie session, in front
// of the admin page and the tokens admin API. A real host uses its own
// sign-in and decides which tenant the admin manages.
type adminSite struct {
	password [sha256.Size]byte // SHA-256 of the admin password, which sign-in compares
	// sessionSecret keys session ids (sessionKey): the password's
	// Argon2id (sessionSecretOf), so that the ids a database keeps and a
	// cookie do not check a guess at the password at SHA-256's speed.
	sessionSecret [sha256.Size]byte
	api           http.Handler // admin.NewHandler
	pageCSP       string
	now           func() time.Time
	log           *slog.Logger
	limiter       *signInLimiter
	csrf          *http.CrossOriginProtection // sign-in and sign-out forms
	// secure marks the session cookie Secure on every response, not only
	// on those to requests that came over TLS: the admin page is served
	// over https by a proxy in front.
	secure bool
	// behindProxy: -external-url says a proxy is in front, so the
	// sign-in limiter names a client by the address the proxy appended to
	// X-Forwarded-For (see clientAddr).
	behindProxy bool
	sessions    sessionStore
}

// adminSiteOptions configure newAdminSite.
type adminSiteOptions struct {
	Password string
	API      http.Handler // admin.NewHandler
	Logger   *slog.Logger
	Limits   signInLimits
	Sessions sessionStore
	// ExternalOrigin, if set, is the origin ("https://scim.example.com")
	// browsers see the admin page at, behind a proxy. Forms posted from it
	// pass the cross-origin check even when the proxy rewrites Host, and
	// with https the session cookie is Secure.
	ExternalOrigin string
}

func newAdminSite(opts adminSiteOptions) (*adminSite, error) {
	csrf := http.NewCrossOriginProtection()
	secure := false
	if opts.ExternalOrigin != "" {
		if err := csrf.AddTrustedOrigin(opts.ExternalOrigin); err != nil {
			return nil, err
		}
		secure = strings.HasPrefix(opts.ExternalOrigin, "https://")
	}
	return &adminSite{
		password:      sha256.Sum256([]byte(opts.Password)),
		sessionSecret: sessionSecretOf(opts.Password),
		api:           opts.API,
		pageCSP:       contentSecurityPolicy(adminHTML),
		now:           time.Now,
		log:           opts.Logger,
		limiter:       newSignInLimiter(opts.Limits),
		csrf:          csrf,
		secure:        secure,
		behindProxy:   opts.ExternalOrigin != "",
		sessions:      opts.Sessions,
	}, nil
}

// register mounts the admin routes on mux:
//
//	GET  /admin          the admin page, or the sign-in form
//	POST /admin/login    password -> session cookie
//	POST /admin/logout   ends the session
//	/admin/api/...       admin.NewHandler, for signed-in admins only
func (a *adminSite) register(mux *http.ServeMux) {
	mux.HandleFunc("GET /admin", a.page)
	mux.Handle("GET /admin/{$}", http.RedirectHandler("/admin", http.StatusSeeOther))
	mux.Handle("POST /admin/login", a.csrf.Handler(http.HandlerFunc(a.login)))
	mux.Handle("POST /admin/logout", a.csrf.Handler(http.HandlerFunc(a.logout)))
	mux.Handle("/admin/api/", a.requireSession(http.StripPrefix("/admin/api", a.api)))
}

// page serves the admin page to a signed-in admin and the sign-in form to
// anyone else.
func (a *adminSite) page(w http.ResponseWriter, r *http.Request) {
	ok, err := a.signedIn(r)
	if err != nil {
		a.internalError(w, r, err)
		return
	}
	if !ok {
		a.loginForm(w, http.StatusOK, "")
		return
	}
	setPageHeaders(w, a.pageCSP)
	_, _ = w.Write([]byte(adminHTML))
}

func (a *adminSite) loginForm(w http.ResponseWriter, status int, message string) {
	setPageHeaders(w, "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	w.WriteHeader(status)
	_ = loginTemplate.Execute(w, struct{ Error string }{message})
}

func (a *adminSite) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	if err := r.ParseForm(); err != nil {
		a.loginForm(w, http.StatusBadRequest, "Could not read the form.")
		return
	}
	client := clientKey(clientAddr(r, a.behindProxy))
	if v := a.limiter.allow(client, a.now()); !v.ok {
		if v.first {
			// Later refusals of the same lockout are answered but not
			// logged, so that a flood of guesses cannot fill the log.
			a.log.Warn("admin sign-in refused: too many attempts", "ip", client, "limit", v.scope, "retry_after", v.retryAfter.Round(time.Second).String())
		}
		w.Header().Set("Retry-After", strconv.Itoa(int((v.retryAfter+time.Second-1)/time.Second)))
		a.loginForm(w, http.StatusTooManyRequests, "Too many sign-in attempts. Wait a minute and try again.")
		return
	}
	// Hashing both sides gives equal lengths, so the comparison takes the
	// same time whatever the password tried.
	got := sha256.Sum256([]byte(r.PostForm.Get("password")))
	if subtle.ConstantTimeCompare(got[:], a.password[:]) != 1 {
		// The record's time and the client; never the password tried: it
		// may be the admin's real one, mistyped.
		a.log.Warn("admin sign-in failed: wrong password", "ip", client)
		a.loginForm(w, http.StatusUnauthorized, "Wrong password.")
		return
	}
	a.limiter.succeeded(client)
	// A sign-in rotates the session: the session the browser held before,
	// if any, ends here, so that an id someone else learnt or planted
	// before the sign-in is worth nothing after it.
	if c, err := r.Cookie(sessionCookie); err == nil {
		if err := a.sessions.revoke(r.Context(), sessionKey(a.sessionSecret, c.Value)); err != nil {
			a.internalError(w, r, err)
			return
		}
	}
	token, err := randomString(32)
	if err != nil {
		a.internalError(w, r, err)
		return
	}
	now := a.now()
	if err := a.sessions.create(r.Context(), sessionKey(a.sessionSecret, token), now, now.Add(sessionTTL), now.Add(sessionIdle)); err != nil {
		a.internalError(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name:     sessionCookie,
		Value:    token,
		Path:     "/admin",
		MaxAge:   int(sessionTTL / time.Second),
		HttpOnly: true,
		Secure:   a.secure || r.TLS != nil,
		SameSite: http.SameSiteStrictMode,
	})
	http.Redirect(w, r, "/admin", http.StatusSeeOther)
}

func (a *adminSite) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		if err := a.sessions.revoke(r.Context(), sessionKey(a.sessionSecret, c.Value)); err != nil {
			a.internalError(w, r, err) // the cookie is kept: the session still works
			return
		}
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/admin", MaxAge: -1, HttpOnly: true, Secure: a.secure || r.TLS != nil, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, "/admin", http.StatusSeeOther)
}

// adminRefreshHeader marks the admin page's own periodic refresh
// (admin.html: "auto"), which no admin asked for.
const adminRefreshHeader = "X-Admin-Refresh"

// signedIn reports whether r carries a live session cookie, and keeps
// that session from ending idle for another sessionIdle, unless r is the
// page's own refresh: a page left open refreshes every few seconds, and
// would otherwise keep an unattended session from ever ending idle. (A
// client that leaves the header out is taken as an admin at work: the
// header can only shorten a session, never lengthen one.)
func (a *adminSite) signedIn(r *http.Request) (bool, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return false, nil
	}
	now := a.now()
	idle := now.Add(sessionIdle)
	if r.Header.Get(adminRefreshHeader) == "auto" {
		idle = now // use never moves a deadline back: the session's stays
	}
	return a.sessions.use(r.Context(), sessionKey(a.sessionSecret, c.Value), now, idle)
}

// internalError logs err and answers a plain 500 that does not show it.
// The path is logged as the SCIM handler logs one, a token in it redacted
// (one pasted where DELETE /admin/api/tokens/{id} takes an id).
func (a *adminSite) internalError(w http.ResponseWriter, r *http.Request, err error) {
	a.log.Error("admin page", "path", tokens.Redact(r.URL.EscapedPath()), "error", err)
	http.Error(w, "internal error", http.StatusInternalServerError)
}

// requireSession answers 401 in JSON unless the admin is signed in.
func (a *adminSite) requireSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ok, err := a.signedIn(r)
		if err != nil {
			a.internalError(w, r, err)
			return
		}
		if !ok {
			h := w.Header()
			h.Set("Content-Type", "application/json; charset=utf-8")
			h.Set("Cache-Control", "no-store")
			h.Set("X-Content-Type-Options", "nosniff") // as admin.NewHandler's answers
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"error":"not signed in"}` + "\n"))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// setPageHeaders sets the headers of an HTML page. csp holds
// frame-ancestors 'none', and X-Frame-Options says it to a browser that
// reads no CSP (OWASP's clickjacking cheat sheet asks for both): the
// admin page's buttons generate and revoke credentials.
func setPageHeaders(w http.ResponseWriter, csp string) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", csp)
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
}

// contentSecurityPolicy allows the page's one inline script by its hash,
// and nothing else but same-origin requests.
func contentSecurityPolicy(page string) string {
	const open, end = "<script>", "</script>"
	i := strings.Index(page, open)
	j := strings.Index(page, end)
	if i < 0 || j < i {
		panic("admin.html: no <script> element")
	}
	sum := sha256.Sum256([]byte(page[i+len(open) : j]))
	return "default-src 'none'; script-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'; " +
		"style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
}
