// Package scim gives a Go web application a complete SCIM 2.0 provisioning
// endpoint (RFC 7643, RFC 7644), so that identity providers such as Okta,
// Microsoft Entra ID, Google Workspace, OneLogin, JumpCloud and Ping can
// create, update, deactivate and delete its users and push its groups.
//
// A host builds one http.Handler with NewHandler and mounts it where the
// SCIM base URL points:
//
//	db := memory.New() // or sqlstore.Open, or the host's own store.UserStore / store.GroupStore
//	toks := tokens.NewManager(tokens.NewMemoryStore(), tokens.Options{})
//	h, err := scim.NewHandler(scim.Config{
//		BaseURL: "https://app.example.com/scim/v2",
//		Users:   db,
//		Groups:  db,
//		Tokens:  toks,
//	})
//	scimPaths := http.StripPrefix("/scim/v2", h)
//	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
//		if strings.HasPrefix(r.URL.Path, "/scim/v2/") {
//			scimPaths.ServeHTTP(w, r)
//			return
//		}
//		mux.ServeHTTP(w, r) // the rest of the application
//	})}
//
// Mount it ahead of the application's http.ServeMux, as above, rather
// than on it (mux.Handle("/scim/v2/", ...)): the mux cleans a path before
// routing it, so a provider given the base URL with a slash at its end,
// whose requests then go to /scim/v2//Users, would be answered with a
// redirect (307), which not every provider follows. Reached as sent,
// //Users is served as /Users with a warning.
//
// Serve it from an http.Server (and proxy) whose MaxHeaderBytes is at
// least cfg.HeaderBytes(), so that a filter or cursor too long for a GET's
// URL gets the handler's SCIM 400, not net/http's plain-text 431.
//
// Every request goes through one pipeline, the same for users and groups:
// authenticate the bearer token (cached, see tokens.Options.CacheTTL) ->
// decode the body once -> check it against the resource type, or plan the
// PATCH (the PATCH engine, or a membership change that costs the same for
// any group size) -> one store call -> project (attributes,
// excludedAttributes) -> encode once. The handler parses filters, applies
// PATCH operations itself (including the quirks real identity providers
// send), enforces limits and renders SCIM errors; the store interfaces of
// package store are all it needs from a database.
//
// The resource types, with the host's extension schemas, are described
// once by a resources.Model. A store built from it (memory.WithModel,
// sqlstore.Config.Model) hands it to the handler; a host store that is not
// sets Config.Model.
//
// Names (attribute names, schema URNs, endpoint and resource type names,
// the members of a SearchRequest, BulkRequest or PatchOp, op names,
// sortOrder, bulk methods) match in any ASCII case and in no other
// spelling: RFC 7643 §2.1's names are ASCII, so a name with a non-ASCII
// letter, even one Unicode folds to an ASCII one ("ſortBy"), names
// nothing. Values keep Unicode case folding (store/query.Fold).
package scim

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"runtime"
	"strings"
	"time"

	"github.com/scimkit/scim/admin"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/tokens"
)

// Defaults applied by NewHandler to zero Config fields.
const (
	DefaultMaxBodyBytes       = 1 << 20
	DefaultMaxFilterLength    = 4096
	DefaultMaxSubstringBytes  = 128
	DefaultMaxPatchOperations = 1000
	DefaultMaxPageSize        = 1000
	DefaultPageSize           = 100
	DefaultStoreTimeout       = 10 * time.Second
	DefaultMaxValueBytes      = 16 << 10
	DefaultMaxKeyBytes        = store.KeyLimitBytes
	DefaultMaxMultiValues     = store.MultiValueLimit
	DefaultMaxBulkOperations  = 1000
	DefaultMaxBulkPayload     = 4 << 20
	DefaultMaxResponseBytes   = 8 << 20
	DefaultCursorTimeout      = time.Hour
)

// RequestStats describes one served request, for Config.Observe.
type RequestStats struct {
	// Method is the request's method.
	Method string
	// Route is the endpoint pattern that served the request, such as
	// "GET /Users/{id}" or "PATCH /Groups/{id}"; "" when no endpoint
	// matched (404), or when authentication refused the request. It is a
	// bounded set, fit for a metrics label, unlike the path.
	Route string
	// Status is the response's HTTP status.
	Status int
	// Duration is the time from the request's arrival to the end of its
	// response.
	Duration time.Duration
	// StoreCalls and StoreDuration count the store calls the request
	// made and the time spent in them.
	StoreCalls    int
	StoreDuration time.Duration
	// Tenant is the tenant the request acted for.
	Tenant string
}

// Authenticator checks a bearer token. *tokens.Manager implements it.
type Authenticator interface {
	// Authenticate returns the token the bearer string belongs to. A
	// token that is unknown, revoked, expired or malformed (or empty: no
	// Authorization header) must give an error wrapping
	// tokens.ErrInvalidToken, answered 401; any other error means the
	// check could not be made and is answered 500.
	Authenticate(ctx context.Context, bearer string) (*tokens.Token, error)
}

// MeResolver maps an authenticated request to the id of the User it acts
// as, for the /Me endpoint (RFC 7644 §3.11).
type MeResolver func(ctx context.Context) (userID string, err error)

// Config configures NewHandler. Zero values take the documented defaults,
// and so do negative limits (every Max field, DefaultPageSize,
// CursorTimeout; a negative StoreTimeout means no bound).
type Config struct {
	// BaseURL is the absolute URL the handler is mounted at, e.g.
	// "https://app.example.com/scim/v2". It is used for Location headers
	// and meta.location. When empty, it is derived from each request (its
	// Host, TLS state or X-Forwarded-Proto, and the path prefix stripped
	// before the handler).
	BaseURL string

	// Users stores users. Required.
	Users store.UserStore
	// Groups stores groups. Optional: when nil, /Groups answers 404 and is
	// not advertised in /ResourceTypes.
	Groups store.GroupStore

	// Tokens authenticates bearer tokens; the token's tenant scopes every
	// store call. Required unless InsecureNoAuth is set. Every endpoint
	// wants a token but GET /ServiceProviderConfig, which holds no tenant's
	// data and is served without one (RFC 7643 §5); a token that is sent
	// there is checked all the same.
	Tokens Authenticator
	// InsecureNoAuth serves requests without any authentication, all in the
	// default tenant "". Only for tests and for hosts that authenticate in
	// their own middleware before the handler (they can still set the
	// tenant with store.WithTenant; store.Tenant reads it, in the
	// handler, the stores and Events alike).
	InsecureNoAuth bool

	// Events, when set, is called after every successful change, on the
	// request's goroutine; keep it fast or hand the event off. A panic in
	// it is logged and never changes the response. Events are lost when
	// the process stops between the commit and the call, and each
	// replica sees only the changes it served. Membership events name
	// the members really added or removed, as the store reports them
	// (store.Report; store/memory and store/sqlstore do): a member
	// PATCH's, and those a user's or group's deletion removed (after
	// its UserDeleted or GroupDeleted). With a store that does not
	// report, a member PATCH's events name the ids the request named and
	// a deletion has none. For what must not be missed (ending a
	// deactivated user's sessions), consume the store's change feed
	// instead (store.ChangeFeed, package feed).
	Events func(ctx context.Context, e Event)
	// Logger receives one line per request ("scim request", at Info, or
	// at Warn with the request's warnings: request_id, method, path,
	// status, tenant unless it is the default "", duration) and the
	// details of internal errors. Defaults to slog.Default(). The
	// warnings are one attribute, "warnings", whose value writes itself
	// as a JSON array of strings: an array under slog.NewJSONHandler,
	// and under slog.NewTextHandler that array's text, quoted
	// (warnings="[\"ignored unknown attribute \\\"adreses\\\"\"]"), since
	// the text handler writes a plain list as [a b c], where warnings,
	// which hold spaces, cannot be told apart. The path is
	// the one RequestLog keeps, without the query: as sent, escapes kept
	// (/Users/a%20b), cut to admin.MaxRequestFieldBytes. Tokens are
	// never logged: token-shaped text a client puts in the path or in
	// a warning's text is logged as scim_[REDACTED], however it is
	// percent-encoded, and an X-Request-Id holding one is replaced.
	// Nor are secrets: client text that names a secret attribute (the
	// password, or any attribute the handler's model makes returned
	// "never", such as a host extension's pin, by its name in any letter
	// case, URN-qualified or percent-encoded) and is more than its path
	// (a filter, a PATCH path or sortBy with a value filter, a query
	// parameter), and any part of it a warning or an error's detail would
	// quote, is shown as [REDACTED: names a secret], and an X-Request-Id
	// that names one is replaced. The secrets are this handler's model's
	// alone: another model in the process conceals nothing here. Any one
	// piece of client text a warning quotes is cut to 128 bytes, with its
	// length.
	Logger *slog.Logger
	// RequestLog, when set, records every authenticated request (method,
	// path, status, SCIM error, latency, token hint; never bodies,
	// tokens or secrets: a query parameter that names a secret attribute
	// of the handler's model, as Logger conceals it, is kept as
	// name=[REDACTED: names a secret]) for the host's admin page. Record
	// is called as the request
	// ends, on its goroutine: wrap a log that does I/O (sqlstore.Store) in
	// admin.NewAsyncLog so that it only buffers. See admin.RequestLog.
	RequestLog admin.RequestLog

	// PasswordHasher, when set, stores a password a provider pushes as its
	// one-way hash (Argon2id{} is one). OnPassword, when set, receives the
	// password as sent, once per request (in /Bulk, per operation), with
	// the user's id, after the write that carried it has committed, or,
	// when that PUT or PATCH changed nothing stored (the password alone,
	// not kept without a PasswordHasher), after it was found to write
	// nothing: a reset must reach the host either way. A host that signs
	// users in with it sets its own credential there. A write that fails
	// hands nothing over. With neither, a pushed password is dropped: most
	// hosts sign users in through SSO and never need it, and a password
	// never kept cannot leak from a backup. /ServiceProviderConfig
	// advertises changePassword as supported only when one of them is set.
	// With a PasswordHasher, a PUT or PATCH that sends a password is a
	// change (a new version, UserUpdated, a feed entry naming "password")
	// whatever it sends, the stored password or the stored hash's text
	// too, which is hashed as any password is: otherwise a hasher without
	// a salt would keep the version for the right password alone, and
	// answer a guess at it. The same holds for every attribute returned
	// "never" (see the README).
	// A password never reaches Events, responses, logs or error details.
	// An Argon2id beyond MaxArgon2idMemoryKiB or MaxArgon2idTime is
	// refused by NewHandler.
	// At most MaxPasswordHashes passwords are hashed at once (Argon2id{}
	// takes 64 MiB and a core a password): a write waiting for its turn
	// past StoreTimeout, or until its client leaves, is a 503 that stored
	// nothing.
	PasswordHasher PasswordHasher
	OnPassword     func(ctx context.Context, userID, password string)
	// MaxPasswordHashes bounds the passwords PasswordHasher hashes at
	// once, across every request of the handler. Default GOMAXPROCS: a
	// hash is CPU-bound, so more at once answers none sooner. A host in a
	// small memory limit sets fewer (each Argon2id{} hash holds its
	// MemoryKiB), one with a cheap hasher may set more.
	MaxPasswordHashes int

	// Now is the clock used for event times. Defaults to time.Now.
	Now func() time.Time

	// Model describes the resource types served, with the host's
	// extension schemas and, when the host declared one
	// (resources.ModelConfig.UserAttributes), the subset of attributes
	// and sub-attributes it supports, which /Schemas advertises. Leave
	// it nil when the store was built from the model (store/memory, store/sqlstore implement store.ModelProvider):
	// the handler takes it from the store, so extensions are registered
	// once, where the store is built. Set it for a store that does not
	// provide one; when both are set they must describe the same types.
	// Defaults to resources.DefaultModel().
	Model *resources.Model

	// Strict refuses what the handler otherwise accepts from a sloppy
	// client by changing it (README, "Leniency, with a trace"). By
	// default each such bend is taken as said in parentheses below, with
	// a warning in the log line and the request log; under Strict the
	// request is refused, changing nothing, with a 400 naming what is at
	// fault (a 415 for a missing Content-Type). Strict mode refuses:
	//   - an attribute, sub-attribute or schema no schema defines, or one
	//     the model leaves out (ignored);
	//   - a second primary value (demoted) or a duplicate value (dropped),
	//     unless a PATCH found the pair stored so;
	//   - a reference that is no URI, or a relative one for an external
	//     resource such as profileUrl (kept as sent;
	//     resources.ReferenceProblem);
	//   - one value for a multi-valued attribute in a POST or PUT body,
	//     or for the "schemas" of any body (taken as a list of it);
	//   - a body without "schemas", or whose "schemas" does not list what
	//     it is sent as (taken as that);
	//   - a body that begins with a UTF-8 byte order mark (read without
	//     it);
	//   - a POST, PUT or PATCH body without a Content-Type (read as
	//     application/scim+json; 415), or whose Content-Type declares a
	//     charset other than UTF-8 (read as UTF-8; 415);
	//   - an unquoted filter value (taken as a string), and a filter value
	//     of another type than its attribute (read as the attribute's
	//     type: userName gt 1 compares "1"), in a list's filter, a PATCH
	//     path's value filter and a value filter in attributes;
	//   - an empty or signed startIndex or count (read as none, or as the
	//     integer), and a list parameter given twice with one value
	//     (taken once);
	//   - an entity tag without its quotes in If-Match, If-None-Match or a
	//     bulk operation's version (read as the quoted tag);
	//   - a PATCH whose "Operations" list is empty (changes nothing, as
	//     Microsoft's SCIM validator expects);
	//   - a PATCH path that is empty or only spaces (taken as none), a
	//     PATCH path or op with white space around it (taken without it),
	//     and a PATCH add or replace whose value filter matches nothing
	//     and would create a value of nothing but type and primary
	//     (ignored);
	//   - a member of a PATCH or bulk operation that is not one of its
	//     own (ignored);
	//   - a name in attributes or excludedAttributes that the resource
	//     type does not define, on the root query one no type defines
	//     (ignored; 400 invalidValue);
	//   - a group member that names no user or group of the tenant, or
	//     the group itself (skipped; the warning names the first five
	//     and how many more, by the PATCH operation that sent them,
	//     Operations[i], or their place in a POST's or PUT's list,
	//     members[j]; strict mode's refusal names them so too). Strict
	//     mode can refuse it only on a store
	//     that fills store.MemberSkips (memory and sqlstore do); another
	//     skips it in both modes, a POST or PUT warning of the ids the
	//     group it returns does not hold (a PATCH too when it replaces
	//     the member list through a store.GroupUpdater), and the skips
	//     of other member PATCHes go unseen.
	//
	// Endpoint spelling, a query parameter's letter case ("Filter") and
	// members beside Operations change no data and are accepted in both
	// modes, with a warning; a PATCH op's letter case ("Replace", as
	// Entra ID sends it) is no bend at all.
	Strict bool

	// Me resolves /Me. When nil, /Me answers 501.
	Me MeResolver

	// DocumentationURI is advertised in /ServiceProviderConfig.
	DocumentationURI string

	// StoreTimeout bounds the store calls of one request, together: a
	// database that does not answer in time is answered 503 with
	// Retry-After, as an outage is, instead of holding every request; so
	// is any error of no known kind a store returns once the deadline has
	// passed (database/sql's ErrTxDone, say). A write the store reports
	// done is never answered 503: a read after it that only completes
	// the response and fails is left out of it, with a warning. The
	// bound is on the store's calls before they commit: a COMMIT sent
	// before the deadline (with store/sqlstore on PostgreSQL, a write sent
	// as one statement, lock waits included) may take up to 5 s more, so
	// that its outcome, not the deadline, is the answer; a request can
	// therefore take up to StoreTimeout plus 5 s. Default 10 seconds; a
	// negative value means no bound beyond the request's own context.
	StoreTimeout time.Duration

	// Observe, when set, receives one RequestStats per request after its
	// response is written, on the request's goroutine: the hook a host
	// wires to Prometheus, OpenTelemetry or expvar (examples/basic serves
	// /metrics from it). Keep it fast.
	Observe func(ctx context.Context, s RequestStats)

	// MaxBodyBytes bounds request bodies (413 beyond). Default 1 MiB.
	MaxBodyBytes int64
	// MaxValueBytes bounds every string value of a resource, in bytes
	// (400 beyond). Default 16 KiB: room for an x509 certificate or a
	// photo URL, not for a payload smuggled into an attribute.
	MaxValueBytes int
	// MaxKeyBytes bounds the values stores index for lookups and
	// uniqueness (userName, externalId, displayName, emails.value,
	// phoneNumbers.value), in bytes. Default 512: every store must be
	// able to index them (PostgreSQL refuses an index entry of about
	// 2,700 bytes), and the handler decides it, the same on every store.
	// At most MaxValueBytes (a larger one is MaxValueBytes).
	MaxKeyBytes int
	// MaxMultiValues bounds the values of one multi-valued attribute of a
	// resource (emails, roles, an extension's list; a group's members are
	// not bounded), and the values one PATCH adds or replaces in such
	// attributes (400 beyond). Default 1000 (store.MultiValueLimit): every
	// store must be able to keep them, and a PATCH compares each value it
	// adds with those the attribute holds. Raised, it is the store's to
	// keep up: store/memory and store/sqlstore keep any number
	// (store/sqlstore binds the emails and phone numbers of a user who
	// has more than 2,000 as one JSON array, where a parameter each
	// passed SQLite's 32,766).
	MaxMultiValues int
	// MaxBulkOperations bounds the operations of one /Bulk request (413
	// beyond), advertised as bulk.maxOperations. Default 1000.
	MaxBulkOperations int
	// MaxBulkPayloadBytes bounds the body of a /Bulk request (413
	// beyond, before the body is read past it), advertised as
	// bulk.maxPayloadSize. Default 4 MiB.
	MaxBulkPayloadBytes int64
	// MaxFilterLength bounds the filter parameter, in bytes, once
	// decoded (400 invalidFilter beyond). Default 4096. In a GET the
	// filter rides in the URL, which the host's http.Server bounds first
	// (MaxHeaderBytes): HeaderBytes says what it must allow.
	MaxFilterLength int
	// MaxSubstringBytes bounds the operands of a filter's co
	// comparisons, in bytes together (400 invalidFilter beyond): the
	// filter parameter's, those of the value-filtered names of
	// attributes, and those of the value filters in one PATCH's paths
	// and no-path value keys, each set bounded apart. Default 128.
	// Neither database searches for a substring in time linear in the
	// stored value (SQLite's instr and PostgreSQL's strpos may compare
	// the operand at each offset of each value), so one list's work
	// grows with the bytes it reads times its co operands'. An ew
	// compares the value's end on every store of this module, and sw its
	// start, in time linear in the value, so neither is bounded beyond
	// MaxFilterLength: a host's own store should compare them so too
	// (query.Select does), not by a pattern with a leading wildcard.
	MaxSubstringBytes int
	// MaxPatchOperations bounds the operations of one PATCH. Default 1000.
	MaxPatchOperations int
	// MaxPageSize caps count on list requests; it is advertised as
	// filter.maxResults. Default 1000.
	MaxPageSize int
	// MaxResponseBytes bounds the resources of one list response: a page
	// whose resources would encode larger is cut short (itemsPerPage
	// tells the client how many came), so a list of large documents never
	// holds unbounded memory. Default 8 MiB.
	MaxResponseBytes int
	// DefaultPageSize is the page size when a list request has no count.
	// Default 100; at most MaxPageSize (a larger one is MaxPageSize).
	DefaultPageSize int

	// CursorKey is the secret that seals the cursors of cursor paging
	// (RFC 9865, offered when the stores implement
	// store.UserCursorLister and store.GroupCursorLister): AES-256-GCM,
	// under keys derived from it, over the store's position, the
	// resource type, the query (filter, sortBy, sortOrder) and an
	// expiry, bound to the tenant, so that a client can neither read
	// a cursor (a store's position may hold a sequence numbered across
	// tenants, as sqlstore's does), nor alter it, nor use it for another
	// tenant or query. At least 32 bytes. When nil, NewHandler draws a random key: cursors
	// then work on this handler only, so a host running several replicas
	// behind a load balancer sets the same key on each (from its secret
	// store), or a page may fail with invalidCursor on another replica.
	// Changing the key invalidates the cursors in flight, nothing else.
	CursorKey []byte
	// CursorTimeout is how long a cursor stays valid after the page that
	// issued it, advertised as pagination.cursorTimeout; an older one is
	// answered 400 expiredCursor. Default 1 hour.
	CursorTimeout time.Duration
}

// HeaderBytes returns the least http.Server.MaxHeaderBytes (or the
// bound of a proxy in front) that lets every query parameter this
// handler bounds itself reach it in a GET, so that each is answered by
// the handler's own SCIM error rather than net/http's plain-text "431
// Request Header Fields Too Large", which no SCIM client can read:
// a filter of MaxFilterLength bytes with each byte percent-encoded
// (3 bytes in the URL, as a non-ASCII value is sent) and a cursor as
// long as the handler reads (16 times MaxValueBytes plus 64 KiB: 320
// KiB by default), plus 16 KiB for the rest of the URL and the headers
// (a bearer token, a proxy's X-Forwarded-*). Zero fields count as their
// defaults, as NewHandler takes them. net/http itself allows 4 KiB more
// than MaxHeaderBytes; a proxy may not, so this leaves that to spare.
// A host whose server allows less still gets SCIM errors for filters of
// up to (MaxHeaderBytes - 16 KiB) / 3 bytes; a longer cursor can always
// go in a POST /.search body.
func (c Config) HeaderBytes() int {
	filter, value := c.MaxFilterLength, c.MaxValueBytes
	if filter <= 0 {
		filter = DefaultMaxFilterLength
	}
	if value <= 0 {
		value = DefaultMaxValueBytes
	}
	return 3*filter + maxCursorBytes(value) + 16<<10
}

// checkHasher refuses an Argon2id hasher configured beyond the costs
// Verify accepts (Argon2id.check), so that what Hash would refuse fails
// here, at construction, and not at the first pushed password.
func checkHasher(ph PasswordHasher) error {
	switch a := ph.(type) {
	case Argon2id:
		return a.check()
	case *Argon2id:
		if a != nil {
			return a.check()
		}
	}
	return nil
}

func (c *Config) setDefaults() error {
	if c.Users == nil {
		return errors.New("scim: Config.Users is required")
	}
	if c.Tokens == nil && !c.InsecureNoAuth {
		return errors.New("scim: Config.Tokens is required (set InsecureNoAuth only in tests or behind your own authentication)")
	}
	if err := checkHasher(c.PasswordHasher); err != nil {
		return fmt.Errorf("scim: Config.PasswordHasher: %w", err)
	}
	if c.BaseURL != "" {
		u, err := url.Parse(c.BaseURL)
		if err != nil || u.Scheme == "" || u.Host == "" {
			return fmt.Errorf("scim: Config.BaseURL %q must be an absolute URL such as https://app.example.com/scim/v2", c.BaseURL)
		}
		c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.StoreTimeout == 0 {
		c.StoreTimeout = DefaultStoreTimeout
	}
	if c.MaxValueBytes <= 0 {
		c.MaxValueBytes = DefaultMaxValueBytes
	}
	if c.MaxKeyBytes <= 0 {
		c.MaxKeyBytes = DefaultMaxKeyBytes
	}
	if c.MaxKeyBytes > c.MaxValueBytes {
		c.MaxKeyBytes = c.MaxValueBytes
	}
	if c.MaxMultiValues <= 0 {
		c.MaxMultiValues = DefaultMaxMultiValues
	}
	if c.MaxBulkOperations <= 0 {
		c.MaxBulkOperations = DefaultMaxBulkOperations
	}
	if c.MaxBulkPayloadBytes <= 0 {
		c.MaxBulkPayloadBytes = DefaultMaxBulkPayload
	}
	if c.MaxResponseBytes <= 0 {
		c.MaxResponseBytes = DefaultMaxResponseBytes
	}
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if c.MaxFilterLength <= 0 {
		c.MaxFilterLength = DefaultMaxFilterLength
	}
	if c.MaxSubstringBytes <= 0 {
		c.MaxSubstringBytes = DefaultMaxSubstringBytes
	}
	if c.MaxPatchOperations <= 0 {
		c.MaxPatchOperations = DefaultMaxPatchOperations
	}
	if c.MaxPageSize <= 0 {
		c.MaxPageSize = DefaultMaxPageSize
	}
	if c.DefaultPageSize <= 0 {
		c.DefaultPageSize = DefaultPageSize
	}
	if c.DefaultPageSize > c.MaxPageSize {
		c.DefaultPageSize = c.MaxPageSize
	}
	if c.CursorTimeout <= 0 {
		c.CursorTimeout = DefaultCursorTimeout
	}
	if c.MaxPasswordHashes <= 0 {
		c.MaxPasswordHashes = runtime.GOMAXPROCS(0)
	}
	switch {
	case c.CursorKey == nil:
		c.CursorKey = make([]byte, 32)
		if _, err := rand.Read(c.CursorKey); err != nil {
			return fmt.Errorf("scim: drawing a cursor key: %w", err)
		}
	case len(c.CursorKey) < 32:
		return fmt.Errorf("scim: Config.CursorKey must be at least 32 bytes, got %d", len(c.CursorKey))
	default:
		c.CursorKey = append([]byte(nil), c.CursorKey...)
	}
	return nil
}

// model is Config.Model, or the model the stores were built from, or the
// default; a store built from another model than the others is an error
// here rather than a filter that fails at run time.
func (c *Config) model() (*resources.Model, error) {
	m := c.Model
	for _, s := range []any{c.Users, c.Groups} {
		mp, ok := s.(store.ModelProvider)
		if !ok {
			continue
		}
		sm := mp.Model()
		switch {
		case sm == nil:
		case m == nil:
			m = sm
		case !m.Same(sm):
			return nil, fmt.Errorf("scim: the stores and Config.Model describe different resource types (%T was built from another resources.Model): build the model once and give the same one to every store, and leave Config.Model nil", s)
		}
	}
	if m == nil {
		m = resources.DefaultModel()
	}
	return m, nil
}

// EventType names a change: the kinds of a store's change feed
// (store.ChangeKind), so an Events callback and a feed consumer switch on
// the same values.
type EventType = store.ChangeKind

// The events a handler reports through Config.Events.
const (
	UserCreated     = store.UserCreated
	UserUpdated     = store.UserUpdated
	UserDeactivated = store.UserDeactivated
	UserReactivated = store.UserReactivated
	UserDeleted     = store.UserDeleted
	GroupCreated    = store.GroupCreated
	GroupUpdated    = store.GroupUpdated
	GroupDeleted    = store.GroupDeleted
	MembersAdded    = store.MembersAdded
	MembersRemoved  = store.MembersRemoved
)

// Event describes a change made through the handler. A PUT or PATCH that
// turns active from true to false reports UserUpdated and then
// UserDeactivated (UserReactivated for false to true), so a host can end
// the user's sessions on deactivation; DELETE reports UserDeleted. Each
// event's User or Group is a copy of its own, which the callback may keep
// or change.
type Event struct {
	// Type is what changed: one of the Event constants below.
	Type EventType
	// Tenant is the tenant of the token that made the change.
	Tenant string
	// ID is the id of the user or group changed.
	ID string
	// User is the user after the change (before, for UserDeleted: nil),
	// without its password or any other secret (an extension attribute
	// returned "never"), as a GET would never show them: an event is fit
	// to log.
	User *resources.User
	// Group is the group after the change, members not loaded for
	// membership events; nil for GroupDeleted and for the membership
	// events of a deletion. Like User, it holds no secret.
	Group *resources.Group
	// Members are the member ids a membership event added or removed
	// (see Config.Events for a store that does not report them).
	Members []string
	// At is when the handler made the change.
	At time.Time
}

// TokenFrom returns the token that authenticated the request, or nil: the
// request's own copy of it (a Config.Tokens Authenticator's token is
// copied there when the request is authenticated).
func TokenFrom(ctx context.Context) *tokens.Token {
	if st := stateOf(ctx); st != nil {
		return st.token()
	}
	return nil
}
