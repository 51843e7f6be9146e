package scim

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/scimkit/scim/admin"
	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/internal/backoff"
	"github.com/scimkit/scim/internal/clienttext"
	"github.com/scimkit/scim/internal/jsonscan"
	"github.com/scimkit/scim/internal/names"
	"github.com/scimkit/scim/internal/reqid"
	"github.com/scimkit/scim/internal/tenantkey"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/tokens"
)

const contentType = "application/scim+json"

// retryAfter is the Retry-After of a 503, in seconds.
const retryAfter = "5"

// handler serves the SCIM protocol. One is built per NewHandler call and is
// safe for concurrent use; it holds no mutable state but a cache of a
// value that is the same for every request (linePC).
type handler struct {
	cfg Config
	mux *http.ServeMux
	// collections are the handlers of GET and POST on /Users and /Groups
	// by their patterns, as the mux has them: directRoute serves them.
	collections map[string]http.HandlerFunc
	model       *resources.Model
	// secrets is the model's (resources.Model.SecretNames): every message,
	// warning and log of a request conceals the client text that names
	// one of them.
	secrets   *clienttext.Secrets
	users     *kind[*resources.User]
	groups    *kind[*resources.Group]
	parser    filter.Parser
	discovery discovery
	// uniqueAttrs are the qualified names of the extension attributes
	// declared unique (resources.ResourceType.UniqueAttributes): stores
	// index them, so their values are held to Config.MaxKeyBytes.
	uniqueAttrs map[string]bool
	// manager is Config.Tokens when it is a *tokens.Manager itself, whose
	// AuthenticateInto the handler calls instead of Authenticate (see
	// authenticate). Only then: a host type that embeds a Manager and
	// overrides Authenticate must have its Authenticate called.
	manager *tokens.Manager
	// hashing holds a slot for each password being hashed (see
	// setPassword): Config.MaxPasswordHashes of them when
	// Config.PasswordHasher is set.
	hashing chan struct{}
	// checkedMembers is Config.Groups as a store.CheckedMemberModifier,
	// or nil: resolved once, as groups.updater is (patchMembers).
	checkedMembers store.CheckedMemberModifier
	// cursors seals and opens the cursors of cursor paging under the
	// keys derived from Config.CursorKey.
	cursors *cursorSealer
	// linePC caches requestLinePC's answer, the same for every request.
	linePC atomic.Uintptr
	// userGroups says whether the model's User has the groups attribute
	// (a model may leave it out): asked on every read of a user.
	userGroups bool
	// narrowEnterprise says whether the model's User leaves out an
	// attribute of the enterprise extension, which FitUser then clears
	// in a user's extension (see ownUser).
	narrowEnterprise bool
	// pace paces the retries of a write that lost to a concurrent one
	// (newRetrier): the zero Policy, the production one, unless a test
	// set a clock, a sleep and a jitter it holds (export_test.go), so
	// that how many times such a write is tried does not depend on how
	// fast the machine runs it.
	pace backoff.Policy
}

// NewHandler returns the SCIM endpoint described by cfg. Mount it at the
// SCIM base URL with the prefix stripped, ahead of any http.ServeMux (see
// the package documentation: a mux answers //Users with a redirect):
//
//	scimPaths := http.StripPrefix("/scim/v2", h) // for paths under /scim/v2/
//
// It serves /ServiceProviderConfig, /ResourceTypes, /Schemas, /Users,
// /Groups (when cfg.Groups is set), /.search and GET / (a query across
// every resource type), /Me (501 unless cfg.Me is set) and /Bulk.
func NewHandler(cfg Config) (http.Handler, error) {
	h, err := newHandler(cfg)
	if err != nil {
		return nil, err
	}
	return h.middleware(h.mux), nil
}

// newHandler is NewHandler's handler, without the middleware.
func newHandler(cfg Config) (*handler, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	model, err := cfg.model()
	if err != nil {
		return nil, err
	}
	if err := checkUniqueEnforced(model.User, cfg.Users); err != nil {
		return nil, err
	}
	if cfg.Groups != nil {
		if err := checkUniqueEnforced(model.Group, cfg.Groups); err != nil {
			return nil, err
		}
	}
	h := &handler{cfg: cfg, model: model, secrets: clienttext.NewSecrets(model.SecretNames()...), userGroups: model.User.Schema.Attr("groups") != nil,
		narrowEnterprise: model.User.NarrowsExtension(resources.EnterpriseUserSchema)}
	for _, rt := range []*resources.ResourceType{model.User, model.Group} {
		for _, ua := range rt.UniqueAttributes() {
			if h.uniqueAttrs == nil {
				h.uniqueAttrs = map[string]bool{}
			}
			h.uniqueAttrs[ua.Name()] = true
		}
	}
	h.manager, _ = cfg.Tokens.(*tokens.Manager)
	if h.cursors, err = newCursorSealer(cfg.CursorKey); err != nil {
		return nil, fmt.Errorf("scim: Config.CursorKey: %w", err)
	}
	if cfg.PasswordHasher != nil {
		h.hashing = make(chan struct{}, cfg.MaxPasswordHashes)
	}
	h.users = h.userKind(model.User)
	if cfg.Groups != nil {
		h.groups = h.groupKind(model.Group)
		h.checkedMembers, _ = cfg.Groups.(store.CheckedMemberModifier)
	}
	// Both types' URNs: a filter on / reads users and groups alike.
	h.parser = filter.Parser{Schemas: model.KnownSchemaURNs(), MaxLength: cfg.MaxFilterLength, Strict: cfg.Strict, SecretNames: h.secrets.Names()}
	if err := h.buildDiscovery(); err != nil {
		return nil, err
	}
	h.routes()
	return h, nil
}

// checkUniqueEnforced refuses a model whose resource type rt has extension
// attributes declared unique (server or global) over a store st that does
// not enforce them (store.UniqueEnforcer): /Schemas would advertise a
// uniqueness no write keeps, and two users would get the same value.
func checkUniqueEnforced(rt *resources.ResourceType, st any) error {
	ua := rt.UniqueAttributes()
	if len(ua) == 0 {
		return nil
	}
	if ue, ok := st.(store.UniqueEnforcer); ok && ue.EnforcesUniqueAttributes() {
		return nil
	}
	return fmt.Errorf("scim: the %s attribute %s is declared Uniqueness %q, but the store %T does not enforce it (it is no store.UniqueEnforcer): use store/memory or store/sqlstore, make your store enforce it and implement store.UniqueEnforcer (storetest checks it), or declare the attribute Uniqueness none",
		rt.Name, ua[0].Name(), ua[0].Attr.Uniqueness, st)
}

func (h *handler) routes() {
	m := http.NewServeMux()
	m.HandleFunc("GET /ServiceProviderConfig", h.serviceProviderConfig)
	m.HandleFunc("GET /ResourceTypes", h.resourceTypes)
	m.HandleFunc("GET /ResourceTypes/{name}", h.resourceType)
	m.HandleFunc("GET /Schemas", h.schemas)
	m.HandleFunc("GET /Schemas/{id}", h.schema)

	h.collections = map[string]http.HandlerFunc{}
	collection := func(pattern string, fn http.HandlerFunc) {
		m.HandleFunc(pattern, fn)
		h.collections[pattern] = fn
	}
	collection("GET /Users", h.serveList(h.users))
	collection("POST /Users", h.users.serveCreate(h, resetNewUser))
	m.HandleFunc("POST /Users/.search", h.serveSearch(h.users))
	m.HandleFunc("GET /Users/{id}", h.users.serveGet(h))
	m.HandleFunc("PUT /Users/{id}", h.users.knownID(h, h.replaceUser))
	m.HandleFunc("PATCH /Users/{id}", h.users.knownID(h, h.patchUser))
	m.HandleFunc("DELETE /Users/{id}", h.users.knownID(h, h.users.serveDelete(h)))
	if h.groups != nil {
		collection("GET /Groups", h.serveList(h.groups))
		collection("POST /Groups", h.groups.serveCreate(h, resetNewGroup))
		m.HandleFunc("POST /Groups/.search", h.serveSearch(h.groups))
		m.HandleFunc("GET /Groups/{id}", h.groups.serveGet(h))
		m.HandleFunc("PUT /Groups/{id}", h.groups.knownID(h, h.replaceGroup))
		m.HandleFunc("PATCH /Groups/{id}", h.groups.knownID(h, h.patchGroup))
		m.HandleFunc("DELETE /Groups/{id}", h.groups.knownID(h, h.groups.serveDelete(h)))
		h.methodNotAllowed(m, "/Groups", "GET, HEAD, POST")
		h.methodNotAllowed(m, "/Groups/.search", "POST")
		h.methodNotAllowed(m, "/Groups/{id}", "GET, HEAD, PUT, PATCH, DELETE")
	}
	m.HandleFunc("POST /.search", h.searchAll)
	m.HandleFunc("GET /{$}", h.serveRoot)
	h.methodNotAllowed(m, "/{$}", "GET, HEAD")
	m.HandleFunc("/Me", h.me)
	m.HandleFunc("POST /Bulk", h.bulk)
	h.methodNotAllowed(m, "/Bulk", "POST")
	h.methodNotAllowed(m, "/ServiceProviderConfig", "GET, HEAD")
	h.methodNotAllowed(m, "/ResourceTypes", "GET, HEAD")
	h.methodNotAllowed(m, "/ResourceTypes/{name}", "GET, HEAD")
	h.methodNotAllowed(m, "/Schemas", "GET, HEAD")
	h.methodNotAllowed(m, "/Schemas/{id}", "GET, HEAD")
	h.methodNotAllowed(m, "/Users", "GET, HEAD, POST")
	h.methodNotAllowed(m, "/Users/.search", "POST")
	h.methodNotAllowed(m, "/Users/{id}", "GET, HEAD, PUT, PATCH, DELETE")
	h.methodNotAllowed(m, "/.search", "POST")
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		h.writeError(w, r, errorf(http.StatusNotFound, "", "no SCIM endpoint at %q", r.URL.Path))
	})
	h.mux = m
}

// methodNotAllowed answers other methods on pattern with a SCIM 405, so no
// client ever sees the mux's plain-text error. allow names HEAD wherever
// GET is served: the mux gives a HEAD request to a GET pattern's handler,
// and net/http drops the body (RFC 9110 §9.3.2).
//
// A method-less "/Users/.search" would conflict with "GET /Users/{id}" in
// the mux, so for the .search endpoints the other methods are registered
// one by one; any other method (OPTIONS, TRACE, ...) on them reaches the
// method-less "/Users/{id}" or "/Groups/{id}", which answers for
// .search as .search's own does.
func (h *handler) methodNotAllowed(m *http.ServeMux, pattern, allow string) {
	search := pattern == "/Users/{id}" || pattern == "/Groups/{id}"
	fn := func(w http.ResponseWriter, r *http.Request) {
		allow := allow
		if search && r.PathValue("id") == ".search" {
			allow = "POST"
		}
		w.Header().Set("Allow", allow)
		h.writeError(w, r, errorf(http.StatusMethodNotAllowed, "", "%s is not allowed on %s; allowed: %s", r.Method, r.URL.Path, allow))
	}
	if pattern == "/.search" || !strings.HasSuffix(pattern, "/.search") {
		m.HandleFunc(pattern, fn)
		return
	}
	for _, method := range []string{http.MethodGet, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		m.HandleFunc(method+" "+pattern, fn)
	}
}

// requestState is what the pipeline keeps about one request, in its
// context: the request id and the store calls made so far. A request's
// store calls run one after another, on its goroutine.
//
// It is itself the context that carries it: the request's context with
// one more value (requestStateKey answers the state) and, once
// authenticated, the tenant (store.Tenant's key): what two
// context.WithValue would make, without an allocation of their own.
type requestState struct {
	context.Context
	id string
	// storeCalls is an int32 so that wrote and tagless share its word
	// (see requestScope).
	storeCalls int32
	// wrote says that a write of the request has committed (see
	// committed): the reads that complete its response are then best
	// effort. In /Bulk, whose operations share the request's state, it
	// is reset before each operation (runBulkOp).
	wrote bool
	// tagless says that the middleware found the request without
	// If-Match and If-None-Match (serve), so that the preconditions need
	// not look for them again (see tagless). In /Bulk it is cleared
	// before each operation, whose sub-request may carry the operation's
	// version as If-Match (runBulkOp). Beside wrote too.
	tagless bool
	// authed says that tok holds the token that authenticated the
	// request. Beside wrote too.
	authed    bool
	storeTime time.Duration
	// warnings are the bends made to accept the request (see warn).
	warnings []string
	// secrets is the handler's (handler.secrets), which warn conceals
	// client text by.
	secrets *clienttext.Secrets
	// base is the base URL the request reached the handler at, when
	// Config.BaseURL is unset.
	base string
	// query is the query string of url, the request's URL as the
	// middleware passes it on, decoded once (see queryOf). A pointer,
	// not the raw query: a sub-request of /Bulk has a URL of its own.
	query url.Values
	url   *url.URL
	// passwords is what the request's password writes leave (see
	// setPassword), and what a write of a type with secrets records of
	// those it sent (withSecretsSent), made by the first: a pointer, as
	// few requests carry a password or another secret.
	passwords *passwords
	// tok is the token that authenticated the request, when authed: a
	// tokens.Manager writes it there, another Authenticator's is copied
	// (see token).
	tok tokens.Token
	// tenant is the authenticated token's tenant id, a string, which
	// Value answers for store.Tenant once setTenant has set it (nil
	// before): what store.WithTenant would carry, without a context of
	// its own. Atomic: the context that Config.Tokens' Authenticate was
	// given is this one, before the tenant was set, and an
	// authenticator may keep it (a goroutine of its own) and read it
	// while setTenant writes.
	tenant atomic.Value
}

// setTenant makes the state's context carry tenant, as
// store.WithTenant(st, tenant) would. The middleware calls it once, after
// authentication, before any store call of the request's handler.
func (st *requestState) setTenant(tenant string) {
	st.tenant.Store(tenant) // boxed once, "" without an allocation; never nil
}

// warn records that the handler bent the request to accept it (a
// leniency toward a sloppy client): the request log entry and the log
// line carry it, so the admin sees what a provider sends that was not
// taken as sent. The message is made as errorf's detail is
// (clienttext.Secrets.Sprintf with the model's secrets): bounded, without
// a token, and without a secret.
// Within a /Bulk operation it is prefixed by the operation's name
// (bulkOpPrefix), so that the admin tells which one bent.
func warn(ctx context.Context, format string, args ...any) {
	if st := stateOf(ctx); st != nil && len(st.warnings) < maxWarnings {
		st.warnings = append(st.warnings, bulkOpPrefix(ctx)+st.secrets.Sprintf(format, args...))
	}
}

// warnOnce is warn of a message the request has not recorded yet: a
// query across resource types checks its filter once per type.
func warnOnce(ctx context.Context, msg string) {
	if st := stateOf(ctx); st != nil && !slices.Contains(st.warnings, bulkOpPrefix(ctx)+msg) {
		warn(ctx, "%s", msg)
	}
}

// bend is the one place Config.Strict decides what a bend costs the
// client: a request this server reads other than as sent, because
// identity providers send it so (DESIGN.md, "leniency with a trace").
// Under Strict it returns refusal, which a caller words as the site's
// own error (its status and scimType) saying what to send, its detail
// ending "(strict mode)"; otherwise nil, and the warning format and args
// make is recorded, once a request (warnOnce: a query across resource
// types meets a bend of its parameters once per type), for the log line
// and the request log. A caller reaches it only once it met the bend, so
// a request that bends nothing pays nothing for it.
func (h *handler) bend(ctx context.Context, refusal *Error, format string, args ...any) error {
	if h.cfg.Strict {
		return refusal
	}
	warnOnce(ctx, h.secrets.Sprintf(format, args...))
	return nil
}

// bulkOpKey is the context key of the name of the /Bulk operation a
// sub-request serves (runBulkOp), a string ending in ": ". It lives in
// the sub-request's context, not in requestState, which is kept within
// its size class (TestRequestScopeSize), and only warn reads it.
type bulkOpKey struct{}

// bulkOpPrefix is what warn puts before a warning made in ctx: the
// /Bulk operation's name, or "" outside one.
func bulkOpPrefix(ctx context.Context) string {
	p, _ := ctx.Value(bulkOpKey{}).(string)
	return p
}

// lenience is what Normalize and the PATCH engine bend under, for one
// request: strict as Config.Strict says.
func (h *handler) lenience() *resources.Lenience {
	return h.model.Lenience(h.cfg.Strict)
}

// messageSchemas holds the "schemas" of a message body (a PatchOp,
// SearchRequest or BulkRequest) to urn as Normalize holds a resource's to
// its core schema: given says the body has "schemas" at all, one that it
// is one string (resources.Lenience.OneValue: taken as a list of it), and
// listed that it lists or is urn; one that does not is taken as what it
// was sent to be (resources.Lenience.MissingSchema), and scim1 says it
// names a SCIM 1.1 schema URN (schemaurn.NamesSCIM1), which the warning or
// refusal then says, as a resource body's does. Each bend is a warning, or
// a refusal under Config.Strict.
func (h *handler) messageSchemas(ctx context.Context, what, urn string, given, one, listed, scim1 bool) error {
	if listed && !one {
		return nil
	}
	l := h.lenience()
	var err error
	if one {
		err = l.OneValue("schemas")
	}
	if err == nil && !listed {
		err = l.MissingSchema(what, urn, given, scim1)
	}
	warnAll(ctx, l)
	return err
}

// warnAll records the bends l collected as the request's warnings.
func warnAll(ctx context.Context, l *resources.Lenience) {
	for _, w := range l.Warnings {
		warn(ctx, "%s", w)
	}
	l.Warnings = l.Warnings[:0]
}

// maxWarnings bounds the warnings of one request: a body with a thousand
// unknown attributes needs no thousand lines to be understood.
const maxWarnings = 20

type requestStateKey struct{}

// Value is the state for requestStateKey, the tenant for store.Tenant's
// key once setTenant ran, the parent context's value of any other key.
func (st *requestState) Value(key any) any {
	switch key.(type) {
	case requestStateKey:
		return st
	case tenantkey.Key:
		if t := st.tenant.Load(); t != nil {
			return t
		}
	}
	return st.Context.Value(key)
}

// String names the context as context.WithValue's would.
func (st *requestState) String() string { return "scim.requestState" }

// token is the token that authenticated the request, or nil.
func (st *requestState) token() *tokens.Token {
	if !st.authed {
		return nil
	}
	return &st.tok
}

// requestScope is what the middleware allocates for one request, in one
// allocation: its state (and context), its response writer and its
// store deadline. It is kept at 568 bytes or less: with the 8-byte header
// the runtime gives an object of more than 512 bytes that holds pointers,
// that is the 576-byte size class, where 8 bytes more take the 640-byte
// one (TestRequestScopeSize).
type requestScope struct {
	st requestState
	sw statusWriter
	dl storeDeadline
}

func stateOf(ctx context.Context) *requestState {
	st, _ := ctx.Value(requestStateKey{}).(*requestState)
	return st
}

func requestID(ctx context.Context) string {
	if st := stateOf(ctx); st != nil {
		return st.id
	}
	return ""
}

// requestIDFrom is the request's id (reqid.Of): its X-Request-Id when
// sane and naming no secret of the model, else a new one.
func (h *handler) requestIDFrom(r *http.Request) string {
	return reqid.Of(headerOf(r, "X-Request-Id"), h.secrets.Conceals)
}

// call runs one store call and counts it in the request's stats
// (RequestStats, for Config.Observe). The request's context carries the
// deadline of Config.StoreTimeout (set once per request by the
// middleware): a call that runs out of time gives
// context.DeadlineExceeded, answered 503.
func call[T any](h *handler, ctx context.Context, f func(ctx context.Context) (T, error)) (T, error) {
	if h.cfg.Observe == nil {
		return f(ctx) // the stats are for Observe alone: no clock to read
	}
	start := time.Now()
	v, err := f(ctx)
	if st := stateOf(ctx); st != nil {
		st.storeCalls++
		st.storeTime += time.Since(start)
	}
	return v, err
}

// statusWriter records the status for the request log.
type statusWriter struct {
	http.ResponseWriter
	// status is an int32 (a status code has three digits) so that wrote
	// shares its word: see requestScope.
	status int32
	wrote  bool
	err    *Error // the SCIM error answered, if any
	// values holds the header values the handler sets on every response
	// (see headerValue).
	values [numHeaderSlots]string
}

// The headers the handler sets on nearly every response, by their slot
// in statusWriter.values.
const (
	slotRequestID = iota
	slotContentType
	slotETag
	slotLocation
	slotNoSniff
	numHeaderSlots
)

// headerValue is []string{v} for w.Header()[name]: with w the
// middleware's statusWriter, a slice of its values (one allocation for
// all of them), cut to its one element so that appending to it copies.
func headerValue(w http.ResponseWriter, slot int, v string) []string {
	sw, ok := w.(*statusWriter)
	if !ok {
		return []string{v}
	}
	sw.values[slot] = v
	return sw.values[slot : slot+1 : slot+1]
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.status, w.wrote = int32(code), true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if !w.wrote {
		w.status, w.wrote = http.StatusOK, true
	}
	return w.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// middleware: request id, panic recovery, logging, authentication, tenant,
// body limit and content-type check, in that order.
func (h *handler) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rs := &requestScope{}
		st := &rs.st
		st.Context, st.id, st.secrets = r.Context(), h.requestIDFrom(r), h.secrets
		var ctx context.Context = st
		if h.cfg.StoreTimeout > 0 {
			// One deadline for the request's store calls together: a
			// database that hangs holds a request at most this long.
			dl := &rs.dl
			dl.init(ctx, start.Add(h.cfg.StoreTimeout))
			ctx = dl
			defer dl.stop()
		}
		sw := &rs.sw
		sw.ResponseWriter = w
		sw.Header()["X-Request-Id"] = headerValue(sw, slotRequestID, st.id) // canonical already: no Set
		// Authenticate before the request takes its context, so it takes
		// it once, with the tenant in it.
		tok, authErr := h.authenticate(ctx, r, &st.tok)
		if authErr == errUnauthorized && publicEndpoint(r) {
			authErr = nil
		}
		if tok != nil {
			if tok != &st.tok {
				st.tok = *tok
			}
			st.authed = true
			st.setTenant(tok.TenantID) // ctx answers it: st is in its chain
		}
		r = r.WithContext(ctx)
		// Pattern is the host's mux's ("/scim/v2/") until ours sets its
		// own; RequestStats.Route is ours alone.
		r.Pattern = ""
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				h.cfg.Logger.LogAttrs(ctx, slog.LevelError, "scim: panic serving request",
					slog.String("request_id", st.id), loggedPanic(p), slog.String("stack", string(debug.Stack())))
				if !sw.wrote {
					h.writeError(sw, r, &Error{Status: http.StatusInternalServerError, Detail: "internal server error (request " + st.id + ")"})
				}
			}
			now := time.Now()
			elapsed := now.Sub(start)
			tenant := store.Tenant(r.Context())
			recorded := "" // the request log's path of r, when it keeps r
			if h.cfg.RequestLog != nil {
				recorded = h.recordRequest(r, st, sw, tenant, start, elapsed)
			}
			level := slog.LevelInfo
			if len(st.warnings) > 0 {
				level = slog.LevelWarn
			}
			if lh := h.cfg.Logger.Handler(); lh.Enabled(ctx, level) {
				// On the stack, and not built for a logger that drops it.
				// The default tenant is left out: a single-tenant host's
				// lines then carry five attributes, which a slog.Record
				// holds without allocating.
				attrs := [...]slog.Attr{
					slog.String("request_id", st.id),
					slog.String("method", r.Method),
					slog.String("path", linePath(r, recorded)),
					slog.Int("status", int(sw.status)),
					slog.Duration("duration", elapsed),
					{}, {},
				}
				n := 5
				if tenant != "" {
					attrs[n] = slog.String("tenant", tenant)
					n++
				}
				if level == slog.LevelWarn {
					attrs[n] = slog.Any("warnings", warningList(redactAll(st.warnings)))
					n++
				}
				// What Logger.LogAttrs does, with the clock read above and
				// the line's program counter (the record's source) found
				// once: slog walks the stack for it on every call.
				rec := slog.NewRecord(now, level, "scim request", h.requestLinePC())
				rec.AddAttrs(attrs[:n]...)
				_ = lh.Handle(ctx, rec)
			}
			if h.cfg.Observe != nil {
				h.cfg.Observe(r.Context(), RequestStats{
					Method: r.Method, Route: r.Pattern, Status: int(sw.status), Duration: elapsed,
					StoreCalls: int(st.storeCalls), StoreDuration: st.storeTime, Tenant: tenant,
				})
			}
		}()
		// The rest, whose every refusal returns, is a function of its own:
		// with each return here the compiler counts against this function's
		// two defers, and past 15 (returns times defers) it stops open-coding
		// them and runs the runtime's defer records instead, some 250
		// instructions a request by callgrind.
		h.serve(ctx, st, next, sw, r, authErr)
	})
}

// serve is the middleware's part after authentication, for the request r
// whose context ctx is and whose state st is: it answers authErr, checks
// the request's body type, entity tags, query and path, limits its body
// and routes it, directly or through next.
func (h *handler) serve(ctx context.Context, st *requestState, next http.Handler, sw *statusWriter, r *http.Request, authErr error) {
	if authErr != nil {
		switch authErr {
		case errUnauthorized:
			sw.Header().Set("WWW-Authenticate", `Bearer realm="SCIM"`)
		case errInvalidToken:
			sw.Header().Set("WWW-Authenticate", `Bearer realm="SCIM", error="invalid_token"`)
		}
		h.writeError(sw, r, authErr)
		return
	}
	if r.Body != nil && r.Body != http.NoBody && r.ContentLength != 0 {
		// A body's type, checked here alone (a /Bulk operation's
		// sub-request, which skips this, is the bulk request's body).
		// RFC 7644 §3.8 has a client send application/scim+json (or
		// application/json): any other type is refused; none is read
		// as application/scim+json with a warning, since a client
		// whose HTTP library adds none (an unset header in a script)
		// means JSON, and refused in strict mode. That is judged only
		// for the methods that read a body (readsBody): a GET or
		// DELETE with a body and no type is served, as the body is
		// never read. An empty body (ContentLength 0) has no type to
		// check: its request gets the endpoint's own answer ("the body
		// is empty"); a chunked one (ContentLength -1) is judged
		// before it is read, as one with bytes.
		if err := h.singleContentType(r.Header["Content-Type"]); err != nil {
			h.writeError(sw, r, err)
			return
		}
		switch ct := headerOf(r, "Content-Type"); {
		case ct == "" && !readsBody(r.Method):
		case ct == "":
			// No scimType: RFC 7644 §3.12 defines them for 400 alone.
			if err := h.bend(ctx, errorf(http.StatusUnsupportedMediaType, "", "the request has a body but no Content-Type; send Content-Type: application/scim+json (strict mode)"),
				"no Content-Type: the body was read as application/scim+json"); err != nil {
				h.writeError(sw, r, err)
				return
			}
		case !acceptableContentType(ct):
			h.writeError(sw, r, errorf(http.StatusUnsupportedMediaType, "", "Content-Type %q is not accepted; send application/scim+json or application/json", ct))
			return
		case !readsBody(r.Method):
		default:
			// A JSON body is UTF-8 (RFC 8259 §8.1, RFC 7644 §8.1), and
			// is read as UTF-8 whatever charset the type declares: a
			// declared other one is a bend, the body's bytes being read
			// as what they were not said to be.
			if cs := foreignCharset(ct); cs != "" {
				if err := h.bend(ctx, errorf(http.StatusUnsupportedMediaType, "", "Content-Type %q declares the charset %q; a SCIM body is UTF-8 (RFC 7644 §8.1): send charset=utf-8 or none (strict mode)", ct, cs),
					"Content-Type's charset %q ignored: the body was read as UTF-8", cs); err != nil {
					h.writeError(sw, r, err)
					return
				}
			}
		}
	}
	// Nearly every request has neither header: it costs the two lookups
	// alone, and the preconditions need not look again (tagless). A
	// header of any lines, empty ones too, is quoteTagHeaders' to read.
	if st.tagless = len(r.Header["If-Match"]) == 0 && len(r.Header["If-None-Match"]) == 0; !st.tagless {
		if err := h.quoteTagHeaders(ctx, r); err != nil {
			h.writeError(sw, r, err)
			return
		}
	}
	query, err := parseQuery(r.URL.RawQuery)
	if err != nil {
		// r.URL.Query() would drop the broken pair silently: a lookup
		// whose filter is lost would list every user.
		h.writeError(sw, r, errorf(http.StatusBadRequest, ScimTypeInvalidValue, "the query string cannot be decoded (%v); percent-encode it", queryError(err)))
		return
	}
	st.query = query
	if err := unservablePath(r.URL.Path); err != nil {
		h.writeError(sw, r, err)
		return
	}
	if p, ok := canonicalPath(r.URL.Path); ok && p != r.URL.Path {
		if h.cfg.BaseURL == "" {
			st.base = requestBase(r)
		}
		warn(ctx, "endpoint %q taken as %q", r.URL.Path, p)
		u := *r.URL // the caller's URL is not ours to change
		canonicalURL(&u)
		r.URL = &u
	}
	if err := uncleanPath(r.URL); err != nil {
		h.writeError(sw, r, err)
		return
	}
	st.url = r.URL
	if r.Body != nil && r.Body != http.NoBody {
		// Limited once the path is canonical, so that /bulk/ gets the
		// limit of /Bulk.
		limit := h.bodyLimit(r.URL.Path)
		if r.ContentLength > limit {
			h.writeError(sw, r, h.tooLarge(r.URL.Path)) // refused before a byte of the body is read
			return
		}
		r.Body = http.MaxBytesReader(sw, r.Body, limit)
	}
	if h.directRoute(sw, r) {
		return
	}
	next.ServeHTTP(sw, r)
}

// directPattern is the pattern directRoute serves r by, and the id its
// {id} takes, or "" for a request left to the mux: GET /Users/{id} and
// GET /Groups/{id} of an id in one segment, and GET and POST of /Users
// and /Groups.
func (h *handler) directPattern(r *http.Request) (pattern, id string) {
	if r.URL.RawPath != "" {
		return "", ""
	}
	p := r.URL.Path
	switch {
	case p == "/Users" && r.Method == http.MethodGet:
		return "GET /Users", ""
	case p == "/Users" && r.Method == http.MethodPost:
		return "POST /Users", ""
	case p == "/Groups" && r.Method == http.MethodGet && h.groups != nil:
		return "GET /Groups", ""
	case p == "/Groups" && r.Method == http.MethodPost && h.groups != nil:
		return "POST /Groups", ""
	}
	if r.Method != http.MethodGet {
		return "", ""
	}
	users := strings.HasPrefix(p, "/Users/")
	if !users && (h.groups == nil || !strings.HasPrefix(p, "/Groups/")) {
		return "", ""
	}
	id = p[strings.IndexByte(p[1:], '/')+2:]
	if id == "" || id == "." || id == ".." || id == ".search" || strings.IndexByte(id, '/') >= 0 {
		return "", ""
	}
	if users {
		return "GET /Users/{id}", id
	}
	return "GET /Groups/{id}", id
}

// directRoute serves, without the mux, the requests identity providers
// send most: GET /Users/{id} and GET /Groups/{id}, a sync cycle's lookup
// (GET /Users?filter=...) and create (POST /Users), and their /Groups
// forms. The mux's pattern tree and path cleaning took a tenth of a
// read's time in the handler. It reports whether it served r. It takes a
// path only where the mux would route it, as it is, to that pattern: the
// canonical path (the middleware made it so), not escaped otherwise than
// net/http escapes it (RawPath empty: the mux would take the id from the
// escaped path and unescape it, which then gives the same), and an id of
// one segment that is neither empty, "." or ".." (the mux cleans those
// away), nor ".search" (which the mux answers 405 on a GET). HEAD, which
// the mux serves by a GET pattern, is left to it. It sets the pattern as
// the mux would, for RequestStats.Route; an id is handed to getByID, not
// set as the request's path value. Any other request is left to the mux
// (TestDirectRoute holds the two to one pattern and id,
// TestDirectRouteAnswersAsTheMux to one answer).
func (h *handler) directRoute(w http.ResponseWriter, r *http.Request) bool {
	pattern, id := h.directPattern(r)
	switch pattern {
	case "":
		return false
	case "GET /Users/{id}":
		r.Pattern = pattern
		h.users.getByID(h, w, r, id)
	case "GET /Groups/{id}":
		r.Pattern = pattern
		h.groups.getByID(h, w, r, id)
	default:
		r.Pattern = pattern
		h.collections[pattern](w, r)
	}
	return true
}

// requestLinePC is the program counter the request log line gives slog
// as its source (what a handler with AddSource prints): that of this
// function's caller, the middleware's logging, found on the first request
// and kept, where Logger.LogAttrs would walk the stack on every one.
func (h *handler) requestLinePC() uintptr {
	if pc := h.linePC.Load(); pc != 0 {
		return pc
	}
	var pcs [1]uintptr
	runtime.Callers(2, pcs[:]) // skip runtime.Callers and this function
	h.linePC.Store(pcs[0])
	return pcs[0]
}

// parseQuery decodes a query string, or reports that url.ParseQuery
// cannot decode it.
func parseQuery(raw string) (url.Values, error) {
	if raw == "" {
		return nil, nil
	}
	return url.ParseQuery(raw)
}

// queryOf is r.URL.Query(), decoded once per request by the middleware.
// The caller must not change it.
func queryOf(r *http.Request) url.Values {
	if st := stateOf(r.Context()); st != nil && st.query != nil && st.url == r.URL {
		return st.query
	}
	return r.URL.Query()
}

// queryError is the part of a url.ParseQuery error worth showing: the
// escape that failed, not the whole query again.
func queryError(err error) string {
	var ee url.EscapeError
	if errors.As(err, &ee) {
		return fmt.Sprintf("invalid escape %q", string(ee))
	}
	return err.Error()
}

// endpoints are the first path segments the handler serves, spelled as
// the routes spell them, keyed by that spelling and by its lower-case
// form.
var endpoints = func() map[string]string {
	m := map[string]string{}
	for _, e := range []string{"Users", "Groups", "ServiceProviderConfig", "ResourceTypes", "Schemas", "Me", "Bulk", ".search"} {
		m[e] = e
		m[names.Lower(e)] = e
	}
	return m
}()

// unservablePath is the 404 of a request path (a request's, or a /Bulk
// operation's) that is not valid UTF-8 or holds a NUL: no resource has
// such an id, on any store (PostgreSQL would refuse to even compare with
// it). It is nil for any other path.
func unservablePath(p string) *Error {
	if storable(p) {
		return nil
	}
	return errorf(http.StatusNotFound, "", "no SCIM resource at this path: it is not valid UTF-8 or contains a NUL character")
}

// uncleanPath is the 404 of a request whose path, once canonicalPath has
// spelled its endpoint (taking //Users as /Users), has an empty segment
// or a "." or ".." segment (/Users//ID, /Users/./ID, /Users/../Groups,
// //nope), and nil for any other. The handler's mux would answer such a path with a redirect to
// its cleaned form, whose Location ("/Users/ID") drops the prefix the
// host mounted the handler at (http.StripPrefix does not clean a path),
// in an HTML body, and which a client need not follow with a POST's
// body. An id is one segment, so such a path names no resource. The
// escaped path is the one judged, as the mux judges it: an id holding an
// escaped slash (a%2F%2Fb) is one segment.
func uncleanPath(u *url.URL) *Error {
	p := u.RawPath
	if p == "" {
		p = u.Path
	}
	for i := 0; i < len(p); i++ {
		if p[i] != '/' {
			continue
		}
		seg := p[i+1:]
		if j := strings.IndexByte(seg, '/'); j >= 0 {
			seg = seg[:j]
			if seg == "" {
				return errUncleanPath(p)
			}
		}
		if seg == "." || seg == ".." {
			return errUncleanPath(p)
		}
	}
	return nil
}

// errUncleanPath is uncleanPath's 404 for the escaped path p.
func errUncleanPath(p string) *Error {
	return errorf(http.StatusNotFound, "", "no SCIM resource at this path: %q has an empty, \".\" or \"..\" segment, and an id is one segment; send /Users/{id} or /Groups/{id}", p)
}

// storable reports whether s is text every store can compare and keep:
// valid UTF-8 without a NUL (PostgreSQL refuses NUL in text).
func storable(s string) bool { return utf8.ValidString(s) && strings.IndexByte(s, 0) < 0 }

// canonicalPath spells an endpoint path the way the routes do, for
// clients that write endpoint names in another case (/users) or end them
// with a slash (/Users/?filter=...), as Microsoft's SCIM validator does,
// or begin them with more than one (//Users: JumpCloud, given a base URL
// that ends with a slash, appends /Users to it; the mux would redirect
// it to /Users, outside the path the host mounted the handler at).
// Resource ids and schema URNs keep their spelling. ok is false for paths
// that name no endpoint. A path already spelled as the routes spell it
// (nearly every request) is returned as it is, not copied.
func canonicalPath(p string) (string, bool) {
	if len(p) > 1 {
		p = strings.TrimRight(p, "/")
	}
	rest := strings.TrimLeft(p, "/")
	first, tail, hasTail := strings.Cut(rest, "/")
	e, ok := endpoints[first]
	if !ok {
		if e, ok = endpoints[names.Lower(first)]; !ok {
			return "", false
		}
	}
	t := tail
	if (e == "Users" || e == "Groups") && names.Equal(tail, ".search") {
		t = ".search"
	}
	switch {
	case e == first && t == tail && len(p) == len(rest)+1: // one leading slash
		return p, true
	case hasTail:
		return "/" + e + "/" + t, true
	}
	return "/" + e, true
}

// canonicalURL spells u's endpoint as canonicalPath does, in its path and
// in its escaped form (RawPath), which the router reads an id from: an id
// with an escaped slash or space (/users/a%20b%2Fc) still reaches its
// resource once /users is taken as /Users.
func canonicalURL(u *url.URL) {
	p, ok := canonicalPath(u.Path)
	if !ok {
		return
	}
	raw := ""
	if u.RawPath != "" {
		if rp, ok := canonicalPath(u.RawPath); ok {
			raw = rp // url.URL.EscapedPath checks that it escapes p
		}
	}
	u.Path, u.RawPath = p, raw
}

// publicEndpoint reports whether r may be served without credentials: a
// GET of /ServiceProviderConfig (in any spelling canonicalPath takes).
// RFC 7643 §5: "To enable seamless discovery of configurations, the
// service provider SHOULD, with the appropriate security considerations,
// make the authenticationSchemes attribute publicly accessible without
// prior authentication." The document holds handler-wide settings and
// nothing of a tenant; /Schemas and /ResourceTypes, which name a host's
// own extensions and attributes, stay behind the token. A request that
// does send a bearer token is authenticated as any other, so a revoked
// one is still a 401.
func publicEndpoint(r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	p, ok := canonicalPath(r.URL.Path)
	return ok && p == "/ServiceProviderConfig"
}

// recordRequest adds an authenticated request to Config.RequestLog: the
// request r of tenant, with state st, answered through sw, began at start
// and took elapsed (the tenant and the time the request line logs too:
// the context is walked and the clock read once). It returns the path
// the entry keeps (linePath shows it), or "" when r is not recorded. A
// failure to record is logged, never answered.
func (h *handler) recordRequest(r *http.Request, st *requestState, sw *statusWriter, tenant string, start time.Time, elapsed time.Duration) string {
	tok := st.token()
	if tok == nil && !h.cfg.InsecureNoAuth {
		return "" // unauthenticated: no tenant to file it under
	}
	entry := admin.Request{
		At:        start,
		TenantID:  tenant,
		RequestID: st.id,
		Method:    r.Method,
		// As sent, escapes kept: what the client wrote, and text any
		// log keeps (the decoded path of /Users/a%00b holds a NUL, of
		// /Users/%FF a byte that is not UTF-8; store/sqlstore stores
		// such bytes of other fields as U+FFFD).
		Path:    requestPath(r),
		Status:  int(sw.status),
		Latency: elapsed,
	}
	if tok != nil {
		entry.TokenHint = tok.Hint
	}
	if sw.err != nil {
		entry.ScimType, entry.Detail = sw.err.ScimType, sw.err.Detail
	}
	entry.Warnings = st.warnings
	// Sanitized once, here, for every RequestLog: a host's keeps what
	// it is handed, and a RequestRing keeps an entry so made as it is. The
	// query is searched once, for the password and the model's other
	// secrets together (a default model's set is nil: the password
	// alone, as Sanitized's own rule).
	entry = entry.SanitizedWith(h.secrets.ConcealQuery)
	if err := h.cfg.RequestLog.Record(r.Context(), entry); err != nil {
		h.cfg.Logger.LogAttrs(r.Context(), slog.LevelWarn, "scim: recording the request failed", slog.String("request_id", entry.RequestID), loggedError(err))
	}
	return entry.Path
}

// linePath is the path the request line logs: recorded, the path the
// request log's entry of r keeps (admin.Request.Sanitized: escapes as
// sent, a token redacted, cut to admin.MaxRequestFieldBytes), without
// its query; r's path made so when r is not recorded (recorded ""). The
// path is redacted once a request, and the two logs show it alike.
func linePath(r *http.Request, recorded string) string {
	if recorded == "" {
		return admin.Request{Path: r.URL.EscapedPath()}.Sanitized().Path
	}
	if r.URL.RawQuery == "" {
		return recorded // no query, and an escaped path holds no "?"
	}
	if i := strings.IndexByte(recorded, '?'); i >= 0 {
		return recorded[:i]
	}
	return recorded // the query cut off by the bound
}

// warningList is a request line's warnings as a slog handler writes them:
// one list whose items can be told apart. A plain []string is written by
// slog's text handler as fmt prints it, [a b c], and every warning holds
// spaces, so where one ends and the next begins would be a guess.
// MarshalText gives the list as JSON text, which the text handler quotes
// as it quotes any value with spaces; MarshalJSON keeps it a JSON array
// of strings for the JSON handler (which would otherwise write
// MarshalText's text as one string).
type warningList []string

// MarshalJSON writes the warnings as a JSON array of strings.
func (w warningList) MarshalJSON() ([]byte, error) {
	n := 2
	for _, s := range w {
		n += len(s) + 3
	}
	b := append(make([]byte, 0, n), '[')
	for i, s := range w {
		if i > 0 {
			b = append(b, ',')
		}
		b = jsonscan.AppendString(b, s)
	}
	return append(b, ']'), nil
}

// MarshalText writes the warnings as MarshalJSON does: a JSON array, whose
// items are quoted, for slog's text handler.
func (w warningList) MarshalText() ([]byte, error) { return w.MarshalJSON() }

// redactAll is ws with token-shaped text redacted (tokens.Redact): ws
// itself when none holds any, as is nearly always the case. warn has
// redacted each string argument already; this runs where the line is
// written, for what an argument of another type (a list, a value decoded
// from the body) or a format's text beside an argument put together, and
// costs a scan only on a line with warnings.
func redactAll(ws []string) []string {
	for i, w := range ws {
		if r := tokens.Redact(w); r != w {
			out := append([]string(nil), ws...)
			out[i] = r
			for j := i + 1; j < len(out); j++ {
				out[j] = tokens.Redact(out[j])
			}
			return out
		}
	}
	return ws
}

// requestPath is the request's path and query as sent, escapes kept:
// r.URL.EscapedPath(), then "?" and the raw query when there is one. A
// server's request carries them, so written, at the end of its
// RequestURI (after the prefix a mux stripped), and the text is cut from
// there rather than put together for every list request the log records.
func requestPath(r *http.Request) string {
	p, q := r.URL.EscapedPath(), r.URL.RawQuery
	if q == "" {
		return p
	}
	uri := r.RequestURI
	if n := len(p) + 1 + len(q); len(uri) >= n {
		tail := uri[len(uri)-n:]
		if tail[:len(p)] == p && tail[len(p)] == '?' && tail[len(p)+1:] == q {
			return tail
		}
	}
	return p + "?" + q
}

// authenticate returns the request's token: into, when Config.Tokens is a
// *tokens.Manager, which writes it there (AuthenticateInto: a cached token
// costs no allocation), or the one Authenticate returns. A missing bearer
// token is errUnauthorized, an unknown, revoked or expired one
// errInvalidToken; any other error (the token store is down) is returned
// as it is, so the client gets a 500 it retries rather than a 401 that
// makes an identity provider suspend provisioning.
func (h *handler) authenticate(ctx context.Context, r *http.Request, into *tokens.Token) (*tokens.Token, error) {
	if h.cfg.InsecureNoAuth {
		return nil, nil
	}
	bearer, ok := tokens.BearerToken(r)
	if !ok {
		// Do the same work as for a wrong token, so timing does not tell
		// a missing header from a bad token.
		bearer = ""
	}
	var tok *tokens.Token
	var err error
	if h.manager != nil {
		if err = h.manager.AuthenticateInto(ctx, bearer, into); err == nil {
			tok = into
		}
	} else {
		tok, err = h.cfg.Tokens.Authenticate(ctx, bearer)
	}
	switch {
	case !ok:
		return nil, errUnauthorized
	case err != nil && !errors.Is(err, tokens.ErrInvalidToken):
		return nil, err
	case err != nil || tok == nil:
		return nil, errInvalidToken
	}
	return tok, nil
}

// errUnauthorized answers a request without a bearer token (no
// Authorization header, or another scheme), errInvalidToken one whose
// bearer token is unknown, revoked or expired. Their bodies are one
// text, so a 401 never tells those three apart; only the
// WWW-Authenticate header differs, with what the client knows already
// (whether it sent a token): RFC 6750 §3, "If the protected resource
// request included an access token and failed authentication, the
// resource server SHOULD include the "error" attribute" (invalid_token,
// §3.1), and "If the request lacks any authentication information ...
// the resource server SHOULD NOT include an error code or other error
// information".
var (
	errUnauthorized = errorf(http.StatusUnauthorized, "", unauthorizedDetail)
	errInvalidToken = errorf(http.StatusUnauthorized, "", unauthorizedDetail)
)

const unauthorizedDetail = "a valid bearer token is required: send the header \"Authorization: Bearer <token>\" with a token that is neither revoked nor expired"

// readsBody reports whether a request of method has its body read: POST,
// PUT and PATCH. A missing Content-Type is judged only for them.
func readsBody(method string) bool {
	return method == http.MethodPost || method == http.MethodPut || method == http.MethodPatch
}

// singleContentType refuses a body sent with several Content-Type header
// lines that differ: RFC 9110 §5.3 lets a sender repeat only a field
// defined as a list, which Content-Type is not (§8.3), and which of the
// types the body has is left to guessing; no client is known to send
// them, so strict mode or not, the answer is a 415 naming each. Lines
// repeating one value are one type, taken as it. Each line is any text
// the client sent, quoted as the model's secrets say.
func (h *handler) singleContentType(lines []string) error {
	if len(lines) < 2 || !slices.ContainsFunc(lines[1:], func(v string) bool { return v != lines[0] }) {
		return nil
	}
	quoted := make([]string, len(lines))
	for i, v := range lines {
		quoted[i] = h.secrets.Quote(v) // client text: bounded, no token, no secret
	}
	return errorf(http.StatusUnsupportedMediaType, "", "the request has %d Content-Type headers that differ (%s); send one, application/scim+json", len(lines), strings.Join(quoted, ", "))
}

func acceptableContentType(ct string) bool {
	if ct == contentType || ct == "application/json" {
		return true // the usual spellings, without parsing
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	return mt == "application/scim+json" || mt == "application/json"
}

// foreignCharset is the charset parameter of ct, an acceptable Content-Type,
// when it names another encoding than UTF-8; "" when it names UTF-8 or
// there is none.
func foreignCharset(ct string) string {
	if ct == contentType || ct == "application/json" {
		return ""
	}
	_, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return ""
	}
	cs := params["charset"]
	if cs == "" || strings.EqualFold(cs, "utf-8") || strings.EqualFold(cs, "utf8") {
		return ""
	}
	return cs
}

// bodyLimit is the most a request body to path may hold: /Bulk has a
// limit of its own (MaxBulkPayloadBytes, maxPayloadSize in
// /ServiceProviderConfig).
func (h *handler) bodyLimit(path string) int64 {
	if path == "/Bulk" {
		return h.cfg.MaxBulkPayloadBytes
	}
	return h.cfg.MaxBodyBytes
}

// tooLarge is the 413 for a body to path beyond bodyLimit. It carries no
// scimType: RFC 7644 §3.12 lists none for it, and §3.7.4's 413 has none.
func (h *handler) tooLarge(path string) *Error {
	if path == "/Bulk" {
		return &Error{Status: http.StatusRequestEntityTooLarge,
			Detail: fmt.Sprintf("the bulk request is larger than %d bytes (maxPayloadSize in /ServiceProviderConfig); split it", h.cfg.MaxBulkPayloadBytes)}
	}
	return errorf(http.StatusRequestEntityTooLarge, "", "the request body is larger than %d bytes", h.cfg.MaxBodyBytes)
}

// readBody reads the request body, within bodyLimit (the middleware
// limits it and checks its Content-Type), and checks that it is UTF-8.
func (h *handler) readBody(r *http.Request) ([]byte, error) {
	data, err := readAll(r.Body, min(r.ContentLength, maxFirstRead))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, h.tooLarge(r.URL.Path)
		}
		return nil, errorf(http.StatusBadRequest, ScimTypeInvalidSyntax, "could not read the request body: %v", err)
	}
	if bytes.HasPrefix(data, utf8BOM) {
		// RFC 8259 §8.1: a JSON text sent over a network must not begin
		// with one, but "implementations that parse JSON texts MAY ignore
		// the presence of a byte order mark rather than treating it as an
		// error". Clients writing through a UTF-8 encoder with a preamble
		// (.NET's StreamWriter, PowerShell) send one.
		if err := h.bend(r.Context(), errorf(http.StatusBadRequest, ScimTypeInvalidSyntax, "the request body begins with a UTF-8 byte order mark (EF BB BF), which a JSON text sent over a network must not carry (RFC 8259 §8.1): send the body without it (strict mode)"),
			"ignored a UTF-8 byte order mark at the start of the body"); err != nil {
			return nil, err
		}
		// Blanked, not cut off: a JSON error's offset then counts the
		// bytes as sent (two marks were "at byte 1", the second's start
		// at byte 4), and JSON reads spaces before a value as nothing.
		// data is readAll's own buffer.
		copy(data, "   ")
	}
	return data, validUTF8(data)
}

// utf8BOM is the UTF-8 encoding of U+FEFF, the byte order mark.
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// maxFirstRead bounds the buffer readAll makes before the body arrives: a
// Content-Length is the client's word, and a client that announces a
// megabyte and sends it slowly gets no megabyte held for it up front.
const maxFirstRead = 32 << 10

// readAll is io.ReadAll with a first buffer of size+1 bytes when the
// request says its size (Content-Length, bounded by the caller): a body
// of a few hundred bytes, as most are, takes one buffer of its size, not
// io.ReadAll's 512 bytes and more. The +1 is the read that sees the end.
func readAll(r io.Reader, size int64) ([]byte, error) {
	if size <= 0 {
		return io.ReadAll(r)
	}
	b := make([]byte, 0, size+1)
	for {
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err != nil {
			if err == io.EOF {
				err = nil
			}
			return b, err
		}
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)] // the body is longer than it said
		}
	}
}

// readJSON reads and decodes the request body into a document.
func (h *handler) readJSON(r *http.Request) (map[string]any, error) {
	data, err := h.readBody(r)
	if err != nil {
		return nil, err
	}
	doc, err := h.model.DecodeRequest(data)
	if err != nil {
		return nil, errorf(http.StatusBadRequest, ScimTypeInvalidSyntax, "%s", err.Error())
	}
	return doc, nil
}

func jsonMarshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// writeJSON writes a SCIM response body.
func (h *handler) writeJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	data, err := jsonMarshal(v)
	if err != nil {
		h.writeError(w, r, h.toError(r, fmt.Errorf("encoding response: %w", err)))
		return
	}
	h.writeBytes(w, status, data)
}

func (h *handler) writeBytes(w http.ResponseWriter, status int, data []byte) {
	hdr := w.Header()
	hdr["Content-Type"] = headerValue(w, slotContentType, contentType) // canonical already: no Set
	// A body can quote client text (an error's detail, a stored value):
	// no browser may take it for anything but the JSON it is labelled.
	hdr["X-Content-Type-Options"] = headerValue(w, slotNoSniff, "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(data)
}

func (h *handler) writeError(w http.ResponseWriter, r *http.Request, err error) {
	e := h.toError(r, err)
	if sw, ok := w.(*statusWriter); ok {
		sw.err = e
	}
	data, _ := e.MarshalJSON()
	if e.Status == http.StatusServiceUnavailable && w.Header().Get("Retry-After") == "" {
		// Identity providers back off on a 503 with Retry-After.
		w.Header().Set("Retry-After", retryAfter)
	}
	h.writeBytes(w, e.Status, data)
}

// baseURL is Config.BaseURL, or the URL the request reached the handler
// at, without the resource path.
func (h *handler) baseURL(r *http.Request) string {
	if h.cfg.BaseURL != "" {
		return h.cfg.BaseURL
	}
	if st := stateOf(r.Context()); st != nil && st.base != "" {
		return st.base
	}
	return requestBase(r)
}

// requestBase is the base URL r reached the handler at, from its Host,
// TLS state or X-Forwarded-Proto, and the path prefix stripped before the
// handler. The middleware takes it before it rewrites the path (see
// canonicalPath), which would hide the prefix.
func requestBase(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") {
		scheme = "https"
	}
	// The prefix a mux stripped (http.StripPrefix) is what the original
	// request path has before the path the handler sees.
	prefix := ""
	if u, err := url.ParseRequestURI(r.RequestURI); err == nil {
		full := u.EscapedPath()
		if strings.HasSuffix(full, r.URL.EscapedPath()) {
			prefix = strings.TrimSuffix(full, r.URL.EscapedPath())
		}
	}
	return scheme + "://" + r.Host + prefix
}

// reporting returns ctx asking the store for a store.Report of the write
// it is passed to, and that report, when Config.Events will name what the
// write did; ctx and nil when nothing reads it.
func (h *handler) reporting(ctx context.Context) (context.Context, *store.Report) {
	if h.cfg.Events == nil {
		return ctx, nil
	}
	r := new(store.Report)
	return store.WithReport(ctx, r), r
}

// emit reports e to Config.Events, if set, with copies of its user or
// group of its own (the callback may keep or change them, and each event
// of a change gets its own): the password removed, which events never
// show, nor its hash, nor any other secret (dropSecrets), and fitted to
// the model as a GET is (a user stored before the host narrowed it may
// hold what the model leaves out).
func (h *handler) emit(ctx context.Context, e Event) {
	if h.cfg.Events == nil {
		return
	}
	if e.User != nil {
		e.User = e.User.Clone()
		e.User.Password = ""
		h.model.FitUser(e.User)
		h.users.dropSecrets(e.User)
	}
	if e.Group != nil {
		e.Group = e.Group.Clone()
		h.model.FitGroup(e.Group)
		if h.groups != nil {
			h.groups.dropSecrets(e.Group)
		}
	}
	e.Tenant = store.Tenant(ctx)
	e.At = h.cfg.Now()
	defer func() {
		// The change is committed: a panicking callback must not turn it
		// into a 500, which the provider would retry (a retried POST
		// then gets 409).
		if p := recover(); p != nil {
			h.cfg.Logger.LogAttrs(ctx, slog.LevelError, "scim: Config.Events panicked",
				slog.String("request_id", requestID(ctx)), slog.String("event", string(e.Type)), loggedPanic(p))
		}
	}()
	h.cfg.Events(ctx, e)
}
