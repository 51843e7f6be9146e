// Command basic is a complete SCIM 2.0 server on scimkit's embedded store,
// mounted the way a host application mounts it: under /scim/v2 on its own
// http.ServeMux. It prints the base URL and a bearer token to paste into an
// identity provider (or into curl), and serves an admin page at /admin
// (behind a password) to generate tokens, watch the connection status and
// read the recent SCIM requests.
//
// By default the data lives in the SQLite file scim.db in the working
// directory, so it survives a restart; a restart does not print a new token
// unless -new-token asks for one.
//
//	go run ./examples/basic
//	go run ./examples/basic -addr 127.0.0.1:9090
//	go run ./examples/basic -db memory
//	go run ./examples/basic -db /var/lib/app/scim.db -new-token
//	go run ./examples/basic -db postgres://app@localhost/app
//	go run ./examples/basic -addr 10.0.0.5:8080 -external-url https://scim.example.com
//	SCIM_ADMIN_PASSWORD=secret go run ./examples/basic
package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/admin"
	"github.com/scimkit/scim/feed"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/memory"
	"github.com/scimkit/scim/store/sqlstore"
	"github.com/scimkit/scim/tokens"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	db := flag.String("db", "scim.db", `store: a SQLite file path (also "sqlite:FILE"), a postgres:// URL, or "memory" (data is lost when the server stops)`)
	newToken := flag.Bool("new-token", false, "generate and print a new bearer token even if the database already has one (the old one is revoked)")
	externalURL := flag.String("external-url", "", "the URL clients reach this server at, behind a TLS-terminating proxy (e.g. https://scim.example.com): the prefix of the SCIM base URL and the admin page's origin; with https the admin session cookie is Secure")
	adminPassword := flag.String("admin-password", "", "password of the /admin page (default: $SCIM_ADMIN_PASSWORD, which other users of the machine cannot read in its process list as they can this flag; else a random one printed at start)")
	flag.Parse()
	if *adminPassword == "" {
		*adminPassword = os.Getenv("SCIM_ADMIN_PASSWORD")
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg := config{Addr: *addr, DB: *db, AdminPassword: *adminPassword, NewToken: *newToken, ExternalURL: *externalURL}
	if err := run(ctx, cfg, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "basic:", err)
		os.Exit(1)
	}
}

// config is what the command line chooses.
type config struct {
	Addr string
	DB   string
	// AdminPassword protects /admin; empty means a random one, printed.
	AdminPassword string
	// NewToken generates a token even when the database already has one.
	NewToken bool
	// ExternalURL is the URL clients reach the server at when a proxy
	// terminates TLS in front of it: scheme and host only. Empty means
	// http:// and the listening address.
	ExternalURL string
	// Logger defaults to text on stderr, buffered (logWriter).
	Logger *slog.Logger

	// The http.Server's limits; zero means the default* constants below
	// (the command line keeps them, tests shorten them).
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration
	MaxHeaderBytes    int

	// The change feed consumer's lease and poll (feed.Consumer); zero
	// means its defaults (tests shorten them).
	FeedLease time.Duration
	FeedPoll  time.Duration
}

// The server's limits around the SCIM handler, whose own limits are on
// the body (scim.Config.MaxBodyBytes, 1 MiB) and on each store call
// (scim.Config.StoreTimeout, 10 s).
const (
	// defaultReadHeaderTimeout: headers are a few KiB; a client that has
	// not sent them in 10 s is holding the connection open (slowloris).
	defaultReadHeaderTimeout = 10 * time.Second
	// defaultReadTimeout bounds headers and body together: 1 MiB in 30 s
	// is 35 KB/s, slower than any provider; a body that stalls is cut and
	// the handler's read fails instead of waiting forever.
	defaultReadTimeout = 30 * time.Second
	// defaultWriteTimeout runs from the end of the headers to the end of
	// the response: the body (up to 30 s), the store calls (up to 10 s,
	// plus 5 s for a COMMIT sent in time), then the response: a list page
	// of up to 8 MiB (scim.Config.MaxResponseBytes), or more for a group
	// with many members, to a slow client.
	defaultWriteTimeout = 2 * time.Minute
	// defaultIdleTimeout closes a keep-alive connection no request has
	// used for 2 minutes; providers send requests in bursts, which reuse
	// it, and an idle connection costs a goroutine and a descriptor.
	defaultIdleTimeout = 2 * time.Minute
)

// handlerLimits are the limits run gives the SCIM handler on what a URL
// carries (the handler's defaults), which the server's header bound must
// let through.
var handlerLimits = scim.Config{MaxFilterLength: scim.DefaultMaxFilterLength, MaxValueBytes: scim.DefaultMaxValueBytes}

// defaultMaxHeaderBytes lets every filter and cursor the handler bounds
// itself reach it (scim.Config.HeaderBytes: 348 KiB with handlerLimits),
// so that one too long gets the handler's SCIM 400, which providers read,
// rather than net/http's plain-text 431 before the handler runs: a
// filter of 4096 bytes is up to 12 KiB percent-encoded, a cursor for a
// walk sorted by a long attribute up to 320 KiB. Go's default of 1 MiB
// would let each connection hold a megabyte before any handler runs.
var defaultMaxHeaderBytes = handlerLimits.HeaderBytes()

// newHTTPServer returns the server for h with cfg's limits (or the
// defaults), logging its own errors (TLS handshakes, panics) to logger.
func newHTTPServer(cfg config, h http.Handler, logger *slog.Logger) *http.Server {
	or := func(d, def time.Duration) time.Duration {
		if d > 0 {
			return d
		}
		return def
	}
	maxHeader := cfg.MaxHeaderBytes
	if maxHeader <= 0 {
		maxHeader = defaultMaxHeaderBytes
	}
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: or(cfg.ReadHeaderTimeout, defaultReadHeaderTimeout),
		ReadTimeout:       or(cfg.ReadTimeout, defaultReadTimeout),
		WriteTimeout:      or(cfg.WriteTimeout, defaultWriteTimeout),
		IdleTimeout:       or(cfg.IdleTimeout, defaultIdleTimeout),
		MaxHeaderBytes:    maxHeader,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
}

// run serves until ctx is done, then shuts the server down and writes the
// buffered request log entries. It prints the base URL, the initial token
// and the admin page's address to out once it listens.
func run(ctx context.Context, cfg config, out io.Writer) error {
	logger := cfg.Logger
	if logger == nil {
		// Text on standard error, buffered (see logWriter); closed last
		// (deferred first), after everything else that logs has stopped.
		ticker := time.NewTicker(logFlushEvery)
		defer ticker.Stop()
		lw := newLogWriter(os.Stderr, ticker.C)
		defer lw.Close()
		logger = slog.New(slog.NewTextHandler(lw, nil))
	}
	external, err := externalOrigin(cfg.ExternalURL)
	if err != nil {
		return err
	}
	db, err := openDB(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer db.close()
	// The SCIM handler records each request into a buffer; a goroutine
	// writes the buffer to the database in batches, off the request path.
	requests := admin.NewAsyncLog(db.requests, admin.AsyncOptions{Logger: logger})
	defer func() {
		// Deferred after db.close, so it runs first: the buffered entries
		// are written while the database is still open.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := requests.Close(ctx); err != nil {
			logger.Warn("request log: not all entries written", "error", err, "dropped_total", requests.Dropped())
		}
	}()
	toks := tokens.NewManager(db.tokens, tokens.Options{
		OnEvent: func(ctx context.Context, e tokens.Event) {
			logger.Info("token event", "type", e.Type.String(), "id", e.Token.ID, "hint", e.Token.Hint, "tenant", e.Token.TenantID)
		},
	})

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	origin := "http://" + ln.Addr().String()
	if external != "" {
		// The proxy needs to know where to send requests.
		fmt.Fprintf(out, "Listening on %s (external URL %s)\n", ln.Addr(), external)
		origin = external
	}
	base := origin + "/scim/v2"

	mets := newMetrics(func() map[string]uint64 {
		cs := toks.CacheStats()
		return map[string]uint64{
			"scim_token_cache_hits_total":    cs.Hits,
			"scim_token_cache_misses_total":  cs.Misses,
			"scim_request_log_dropped_total": uint64(requests.Dropped()),
		}
	})
	h, err := scim.NewHandler(scim.Config{
		BaseURL:    base,
		Users:      db.users,
		Groups:     db.groups,
		Tokens:     toks,
		RequestLog: requests,
		Logger:     logger,
		Observe:    mets.observe,
		// The server's MaxHeaderBytes is made for these.
		MaxFilterLength: handlerLimits.MaxFilterLength,
		MaxValueBytes:   handlerLimits.MaxValueBytes,
	})
	if err != nil {
		return err
	}
	// What a host does on deactivation: end the user's sessions. The
	// consumer reads the store's change feed, so a deactivation is acted
	// on even when this process stopped right after committing it, and
	// replicas of this server share the work (feed.Consumer's leases).
	sessionsConsumer := &feed.Consumer{Name: "sessions", Feed: db.feed, Logger: logger, Handle: endSessions(logger), Lease: cfg.FeedLease, Poll: cfg.FeedPoll}
	consumerDone := make(chan struct{})
	consumerCtx, stopConsumer := context.WithCancel(ctx)
	go func() {
		defer close(consumerDone)
		sessionsConsumer.Run(consumerCtx)
	}()
	defer func() { stopConsumer(); <-consumerDone }()

	password, shown := cfg.AdminPassword, "as set by -admin-password or SCIM_ADMIN_PASSWORD"
	if password == "" {
		if password, err = randomString(16); err != nil {
			return err
		}
		shown = password
	}
	site, err := newAdminSite(adminSiteOptions{Password: password, Logger: logger, Limits: defaultSignInLimits(), Sessions: db.sessions, ExternalOrigin: external, API: admin.NewHandler(toks, admin.Options{
		// A single-tenant host: every admin manages the default tenant "".
		Tenant:     func(*http.Request) (string, error) { return "", nil },
		RequestLog: requests,
		Feed:       db.feed,
		BaseURL:    base,
		CreatedBy:  func(*http.Request) string { return "admin" },
		Logger:     logger,
		// The page's origin behind a proxy, trusted as the sign-in form
		// trusts it (adminSiteOptions.ExternalOrigin).
		TrustedOrigins: trustedOrigins(external),
	})})
	if err != nil {
		return err
	}

	mux := http.NewServeMux()
	site.register(mux)
	// /metrics is open here, on a loopback example; a host serves it on an
	// internal port or behind its own authentication.
	mux.Handle("GET /metrics", mets)
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "scimkit example server\nSCIM base URL: %s\nAdmin page: %s/admin\n", base, origin)
	})

	fmt.Fprintf(out, "SCIM base URL: %s\n", base)
	kept, err := db.hasTokens(ctx)
	if err != nil {
		return err
	}
	if kept && !cfg.NewToken {
		fmt.Fprintf(out, "No new bearer token: %s already has one (use the token printed before, or restart with -new-token to replace it)\n", shownDB(cfg.DB))
	} else {
		plaintext, _, err := toks.Generate(ctx, tokens.GenerateOptions{Name: "example", CreatedBy: "command line"})
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "Bearer token: %s\n", plaintext)
	}
	fmt.Fprintf(out, "Admin page: %s/admin (password: %s)\n", origin, shown)

	srv := newHTTPServer(cfg, underPrefix("/scim/v2", h, mux), logger)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err = srv.Shutdown(shutdown)
	if errors.Is(err, context.DeadlineExceeded) {
		// A connection still open: a request that outran the 5 seconds,
		// or one a browser opened ahead of a request it never sent
		// (Shutdown waits 5 seconds before it takes such a connection as
		// idle). Its client sees the connection close, as on any
		// restart; the stop itself went as asked.
		logger.Warn("shutdown: closing the connections still open after 5 seconds")
		err = srv.Close()
	}
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// underPrefix serves every request whose path begins with prefix+"/" by
// h, with prefix stripped and the path otherwise as sent, and any other
// by mux. A ServeMux cleans a path before routing it: a provider given the
// base URL with a slash at its end sends POST /scim/v2//Users, which the
// mux would redirect to /scim/v2/Users (a redirect after which a client
// need not resend a POST's body). The SCIM handler itself takes //Users
// as /Users with a warning and answers a path it cannot serve with a SCIM
// error, never a redirect. It registers prefix+"/" on mux too, so that
// the prefix alone, which stays the mux's, is redirected to prefix+"/".
func underPrefix(prefix string, h http.Handler, mux *http.ServeMux) http.Handler {
	scim := http.StripPrefix(prefix, h)
	mux.Handle(prefix+"/", scim)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, prefix+"/") {
			scim.ServeHTTP(w, r)
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// trustedOrigins is the admin API's Options.TrustedOrigins: the external
// origin when there is one.
func trustedOrigins(external string) []string {
	if external == "" {
		return nil
	}
	return []string{external}
}

// externalOrigin checks the -external-url value and returns its origin
// (scheme://host[:port]), or "" for "". It must be http or https with a
// host and nothing after it: the example serves its pages at fixed paths
// (/scim/v2, /admin), so a proxy must forward the whole host to it.
func externalOrigin(raw string) (string, error) {
	if raw == "" {
		return "", nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("-external-url: %w", err)
	}
	u.Scheme = strings.ToLower(u.Scheme)
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return "", fmt.Errorf("-external-url %q: the scheme must be https (or http)", raw)
	case u.Host == "" || u.Opaque != "":
		return "", fmt.Errorf("-external-url %q: no host", raw)
	case u.User != nil:
		return "", fmt.Errorf("-external-url %q: no user information, please", raw)
	case (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return "", fmt.Errorf("-external-url %q: scheme and host only (the proxy forwards the whole host to this server)", raw)
	}
	return u.Scheme + "://" + strings.ToLower(u.Host), nil
}

// database is what -db opens: the SCIM stores, the token store, the
// recent-request log and the admin page's sessions.
type database struct {
	users    store.UserStore
	groups   store.GroupStore
	tokens   tokens.Store
	requests admin.RequestLog // written by the SCIM handler, read by the admin page
	sessions sessionStore     // the admin page's sign-ins
	feed     feed.Source      // the stores' change feed
	// hasTokens reports whether the database kept a token from an earlier
	// run, active or not.
	hasTokens func(context.Context) (bool, error)
	close     func()
}

// openDB opens "memory", a postgres:// URL, or a SQLite file (a path, or
// "sqlite:FILE"). The SQL stores keep users, groups, tokens and the
// request log in the database, so they survive a restart and are shared
// by replicas; so are the admin sessions, in a table of the example's
// own. Memory keeps everything in the process.
func openDB(ctx context.Context, dsn string) (*database, error) {
	lower := strings.ToLower(dsn)
	var sqlDSN string
	switch {
	case dsn == "" || dsn == "memory":
		m := memory.New(memory.WithChangeFeed(0))
		return &database{users: m, groups: m, tokens: tokens.NewMemoryStore(), requests: admin.NewRequestRing(100), sessions: newMemorySessions(), feed: m.Feed(),
			hasTokens: func(context.Context) (bool, error) { return false, nil }, close: func() {}}, nil
	case strings.HasPrefix(lower, "sqlite:"):
		sqlDSN = dsn[len("sqlite:"):]
	case strings.HasPrefix(lower, "postgres://"), strings.HasPrefix(lower, "postgresql://"):
		sqlDSN = dsn
	case strings.Contains(dsn, "://"):
		// Some other database's URL: not a file name.
	default:
		sqlDSN = dsn // a SQLite file path
	}
	if sqlDSN == "" {
		return nil, fmt.Errorf(`-db %q: use a SQLite file path, a postgres:// URL or "memory"`, shownDB(dsn))
	}
	s, err := sqlstore.New(ctx, sqlstore.Config{DSN: sqlDSN, ChangeFeed: true})
	if err != nil {
		return nil, fmt.Errorf("-db: %w", err)
	}
	sessions, err := newSQLSessions(ctx, s.DB(), s.Dialect())
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("-db: %w", err)
	}
	return &database{users: s, groups: s, tokens: s, requests: s, sessions: sessions, feed: s.Feed(), hasTokens: s.HasTokens, close: func() { s.Close() }}, nil
}

// shownDB is -db as the example prints or logs it: a URL's password (in
// its user information, or a password parameter, which pgx reads too)
// replaced by "xxxxx", since what a server prints at start ends up in its
// logs. A URL that does not parse is shown by its scheme alone.
func shownDB(dsn string) string {
	i := strings.Index(dsn, "://")
	if i < 0 {
		return dsn // "memory" or a SQLite file
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return dsn[:i] + "://…"
	}
	if q := u.Query(); q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}

// endSessions is the example's feed handler: it logs the line where a
// host ends the sessions and revokes the API keys of a user the identity
// provider deactivated or deleted, and of members a group lost (a host
// that grants access by group). It must be idempotent: the feed delivers
// at least once.
func endSessions(logger *slog.Logger) func(ctx context.Context, c store.Change) error {
	return func(ctx context.Context, c store.Change) error {
		switch c.Kind {
		case store.UserDeactivated, store.UserDeleted:
			logger.Info("end sessions for user "+c.ID, "tenant", c.Tenant, "reason", c.Kind, "seq", c.Seq)
		case store.MembersRemoved:
			logger.Info("re-check access of users who left group "+c.ID, "tenant", c.Tenant, "members", c.Members, "seq", c.Seq)
		}
		return nil
	}
}

// randomString returns n random bytes, base64url encoded.
func randomString(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
