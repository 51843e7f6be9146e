package admin

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
	"path"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/scimkit/scim/feed"
	"github.com/scimkit/scim/internal/clienttext"
	"github.com/scimkit/scim/internal/reqid"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/tokens"
)

// Limits of the handler's POST /tokens body and GET /requests.
const (
	maxBody            = 64 << 10
	maxNameBytes       = 200
	maxConnectionBytes = 200
	maxLabels          = 32
	maxLabelKeyBytes   = 100
	maxLabelValueBytes = 500
	maxExpiresInDays   = 100 * 366

	defaultRequestLimit = 100
	maxRequestLimit     = 1000
)

// Options configure NewHandler.
type Options struct {
	// Tenant returns the tenant the signed-in admin of r manages.
	// Required; a single-tenant host returns "", nil. An error answers
	// 403 (the error is logged, not shown).
	Tenant func(r *http.Request) (string, error)

	// RequestLog, if set, is read by GET /requests; use the same log as
	// scim.Config.RequestLog (an AsyncLog reads through to its
	// destination).
	RequestLog RequestLog

	// Feed, if set, is read by GET /feed: the store's change feed
	// (sqlstore's or memory's Feed), its recent entries and its named
	// consumers' lag.
	Feed feed.Source

	// BaseURL is the SCIM base URL to show the admin (the value to paste
	// into the identity provider), returned by GET /status.
	BaseURL string

	// CreatedBy, if set, names the admin of r; it is stored in the
	// CreatedBy of tokens generated through the handler.
	CreatedBy func(r *http.Request) string

	// Logger receives internal errors. Nil means slog.Default(). Token
	// plaintext is never logged.
	Logger *slog.Logger

	// TrustedOrigins are origins ("https://admin.example.com", scheme,
	// host and port only) the host's admin page is served from besides
	// the request's own Host: behind a proxy that rewrites Host, a
	// browser that sends Origin but not Sec-Fetch-Site would otherwise
	// be refused as cross-origin (see NewHandler). Name the external
	// origin the proxy serves, never one an untrusted page is served
	// from. NewHandler panics on one that is no origin.
	TrustedOrigins []string
}

// NewHandler returns the JSON API behind a host's "SCIM provisioning"
// admin page. It panics if m or opts.Tenant is nil, or an entry of
// opts.TrustedOrigins is no origin.
//
// SECURITY: the handler performs no authentication. It can create and
// revoke credentials, so the host MUST mount it behind its own admin
// authentication (session cookie, SSO, ...) and let opts.Tenant decide
// which tenant the signed-in admin may manage. Never mount it
// unauthenticated or on a public listener.
//
// Mount it with its prefix stripped, e.g.
//
//	mux.Handle("/admin/api/", requireAdmin(http.StripPrefix("/admin/api", admin.NewHandler(m, opts))))
//
// Routes, relative to the mount point:
//
//	GET    /status          {"state", "lastRequestAt", "tokenHint", "activeTokens", "policy", "baseUrl", "now"}
//	GET    /tokens          {"tokens": [Token + "state": "active"|"revoked"|"expired"]}, newest first
//	POST   /tokens          body {"name", "expiresInDays", "connectionId", "labels"} (all optional;
//	                        expiresInDays 0 or absent: never expires)
//	                        -> 201 {"token": "<plaintext, shown once>", "info": Token + "state"}
//	DELETE /tokens/{id}     -> 204; 404 if the tenant has no such token
//	GET    /requests?limit=N {"enabled": bool, "requests": [Request]}, newest first (N defaults
//	                        to 100, at most 1000; enabled is false without a RequestLog)
//	GET    /feed?limit=N    {"enabled": bool, "head": Seq, "consumers": [{"name", "acked", "lag",
//	                        "holder", "leaseUntil"}], "entries": [store.Change]}, entries newest
//	                        first (N as for /requests; enabled is false without a Feed)
//
// Errors are {"error": "<message>"} with a 4xx or 500 status; a path
// that is not clean (//tokens, /./status) is not found, never redirected
// (a redirect would leave the mount point). Every response carries
// Cache-Control: no-store. Token hashes are never returned; the
// plaintext only once, in the POST response.
//
// Cross-site request forgery: because the host's authentication is
// usually a cookie, state-changing requests (POST, DELETE) are refused
// with 403 when they come from another origin, as judged by
// http.CrossOriginProtection (the browser's Sec-Fetch-Site header, only
// "same-origin" and "none" pass, else Origin compared with Host or one of
// opts.TrustedOrigins). A POST
// must also have Content-Type: application/json, which an HTML form
// cannot send without a CORS preflight; DELETE cannot be sent cross-site
// without a preflight at all. Do not enable credentialed CORS for the
// handler's path.
func NewHandler(m *tokens.Manager, opts Options) http.Handler {
	if m == nil {
		panic("admin: NewHandler with nil Manager")
	}
	if opts.Tenant == nil {
		panic("admin: NewHandler without Options.Tenant")
	}
	a := &api{m: m, opts: opts, log: opts.Logger, csrf: http.NewCrossOriginProtection()}
	for _, o := range opts.TrustedOrigins {
		if err := a.csrf.AddTrustedOrigin(o); err != nil {
			panic("admin: NewHandler: Options.TrustedOrigins: " + err.Error())
		}
	}
	if a.log == nil {
		a.log = slog.Default()
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /status", a.status)
	mux.HandleFunc("GET /tokens", a.listTokens)
	mux.HandleFunc("POST /tokens", a.generate)
	mux.HandleFunc("DELETE /tokens/{id}", a.revoke)
	mux.HandleFunc("GET /requests", a.requests)
	mux.HandleFunc("GET /feed", a.feed)
	// Method-less fallbacks, so a wrong method or path is answered in
	// JSON rather than with the mux's plain text.
	for path, allow := range map[string]string{
		"/status":      "GET, HEAD",
		"/tokens":      "GET, HEAD, POST",
		"/tokens/{id}": "DELETE",
		"/requests":    "GET, HEAD",
		"/feed":        "GET, HEAD",
	} {
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Allow", allow)
			// The method is client text, of any length: quoted as the
			// SCIM handler's 405 quotes it.
			writeError(w, http.StatusMethodNotAllowed, "%s", clienttext.Sprintf("%s is not allowed on %s; allowed: %s", r.Method, r.URL.Path, allow))
		})
	}
	mux.HandleFunc("/", notFound)
	return a.guard(mux)
}

// api implements NewHandler.
type api struct {
	m    *tokens.Manager
	opts Options
	log  *slog.Logger
	csrf *http.CrossOriginProtection
}

// apiToken is a tokens.Token as the admin API shows it.
type apiToken struct {
	*tokens.Token
	// State is "active", "revoked" or "expired".
	State string `json:"state"`
}

// apiStatus is the body of GET /status.
type apiStatus struct {
	tokens.Status
	Policy  string    `json:"policy"`
	BaseURL string    `json:"baseUrl,omitempty"`
	Now     time.Time `json:"now"`
}

// generateRequest is the body of POST /tokens.
type generateRequest struct {
	Name          string            `json:"name"`
	ExpiresInDays int               `json:"expiresInDays"`
	ConnectionID  string            `json:"connectionId"`
	Labels        map[string]string `json:"labels"`
}

// guard sets the common headers and applies the cross-origin rules.
func (a *api) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Cache-Control", "no-store")
		h.Set("X-Content-Type-Options", "nosniff")
		// One id names the request in the response and in the host's
		// log, as the SCIM handler's requests are named (reqid).
		id := reqid.Of(r.Header.Get("X-Request-Id"), nil)
		h.Set("X-Request-Id", id)
		r = r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id))
		if err := a.csrf.Check(r); err != nil {
			writeError(w, http.StatusForbidden, "cross-origin request refused")
			return
		}
		if !muxClean(r.URL.Path) {
			// The mux would redirect to the cleaned path, which under
			// http.StripPrefix is outside the mount point (and its 307
			// has a client send a POST or DELETE there again).
			notFound(w, r)
			return
		}
		if r.Method == http.MethodPost {
			mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
			if err != nil || mt != "application/json" {
				writeError(w, http.StatusUnsupportedMediaType, "Content-Type must be application/json")
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// muxClean reports whether http.ServeMux serves path p as it is rather
// than redirecting to its cleaned form: p begins with a slash and has no
// empty, "." or ".." segment (a trailing slash aside).
func muxClean(p string) bool {
	if p == "" || p[0] != '/' {
		return false
	}
	np := path.Clean(p)
	if strings.HasSuffix(p, "/") && np != "/" {
		np += "/"
	}
	return np == p
}

// tenant resolves the request's tenant, answering 403 on failure. The
// host's error is logged redacted, as internal's are: it may quote the
// request (a header, a cookie, a token pasted where a session goes).
func (a *api) tenant(w http.ResponseWriter, r *http.Request) (string, bool) {
	tenant, err := a.opts.Tenant(r)
	if err != nil {
		a.log.LogAttrs(r.Context(), slog.LevelWarn, "admin: no tenant for request", slog.String("request_id", requestID(r)), slog.String("error", clienttext.Redact(err.Error())))
		writeError(w, http.StatusForbidden, "forbidden: the host found no tenant for this request; its log says why (request %s)", requestID(r))
		return "", false
	}
	return tenant, true
}

// internal logs err and answers a generic 500. The path is client text
// kept as the request log keeps it (clienttext.Field: a token pasted
// where a revoke's id goes is redacted, the length bounded), and so is
// the error's text, which may quote it.
func (a *api) internal(w http.ResponseWriter, r *http.Request, err error) {
	a.log.LogAttrs(r.Context(), slog.LevelError, "admin: internal error",
		slog.String("request_id", requestID(r)), slog.String("method", r.Method), slog.String("path", clienttext.Field(r.URL.Path, MaxRequestFieldBytes)),
		slog.String("error", clienttext.Redact(err.Error())))
	writeError(w, http.StatusInternalServerError, "internal error (request %s)", requestID(r))
}

// requestIDKey is the context key of the request's id (guard).
type requestIDKey struct{}

// requestID is the id guard gave r: in the X-Request-Id header, and in
// a 403's and a 500's error and their log lines, so an admin finds the
// line a client's error is about.
func requestID(r *http.Request) string {
	id, _ := r.Context().Value(requestIDKey{}).(string)
	return id
}

// notFound answers a path the admin API has no endpoint at with a 404
// that names the path, as the SCIM handler's does (the path is client
// text, quoted as the 405's is).
func notFound(w http.ResponseWriter, r *http.Request) {
	writeError(w, http.StatusNotFound, "%s", clienttext.Sprintf("no admin API endpoint at %q; the endpoints are /status, /tokens, /tokens/{id}, /requests and /feed", r.URL.Path))
}

func (a *api) status(w http.ResponseWriter, r *http.Request) {
	tenant, ok := a.tenant(w, r)
	if !ok {
		return
	}
	st, err := a.m.Status(r.Context(), tenant)
	if err != nil {
		a.internal(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, apiStatus{
		Status:  st,
		Policy:  a.m.Policy(r.Context(), tenant).String(),
		BaseURL: a.opts.BaseURL,
		Now:     a.m.Now(),
	})
}

func (a *api) listTokens(w http.ResponseWriter, r *http.Request) {
	tenant, ok := a.tenant(w, r)
	if !ok {
		return
	}
	list, err := a.m.List(r.Context(), tenant)
	if err != nil {
		a.internal(w, r, err)
		return
	}
	now := a.m.Now()
	out := make([]apiToken, len(list))
	for i, t := range list {
		out[i] = a.view(t, now)
	}
	writeJSON(w, http.StatusOK, map[string]any{"tokens": out})
}

func (a *api) generate(w http.ResponseWriter, r *http.Request) {
	tenant, ok := a.tenant(w, r)
	if !ok {
		return
	}
	var req generateRequest
	if err := decodeJSON(w, r, &req); err != nil {
		status := http.StatusBadRequest
		if errors.As(err, new(tooLargeError)) {
			status = http.StatusRequestEntityTooLarge // as the SCIM handler answers a body past its limit
		}
		writeError(w, status, "%s", err.Error())
		return
	}
	if msg := req.validate(); msg != "" {
		writeError(w, http.StatusBadRequest, "%s", msg)
		return
	}
	opts := tokens.GenerateOptions{
		TenantID:     tenant,
		Name:         req.Name,
		ConnectionID: req.ConnectionID,
		Labels:       req.Labels,
		ExpiresIn:    time.Duration(req.ExpiresInDays) * 24 * time.Hour,
	}
	if a.opts.CreatedBy != nil {
		opts.CreatedBy = a.opts.CreatedBy(r)
	}
	plaintext, tok, err := a.m.Generate(r.Context(), opts)
	if err != nil {
		a.internal(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"token": plaintext, "info": a.view(tok, a.m.Now())})
}

func (a *api) revoke(w http.ResponseWriter, r *http.Request) {
	tenant, ok := a.tenant(w, r)
	if !ok {
		return
	}
	err := a.m.Revoke(r.Context(), tenant, r.PathValue("id"))
	switch {
	case errors.Is(err, tokens.ErrNotFound):
		writeError(w, http.StatusNotFound, "no such token")
	case err != nil:
		a.internal(w, r, err)
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}

func (a *api) requests(w http.ResponseWriter, r *http.Request) {
	tenant, limit, ok := a.tenantLimit(w, r)
	if !ok {
		return
	}
	if a.opts.RequestLog == nil {
		writeJSON(w, http.StatusOK, map[string]any{"enabled": false, "requests": []Request{}})
		return
	}
	reqs, err := a.opts.RequestLog.Recent(r.Context(), tenant, limit)
	if err != nil {
		a.internal(w, r, err)
		return
	}
	if reqs == nil {
		reqs = []Request{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"enabled": true, "requests": reqs})
}

// tenantLimit is the tenant of a read of /requests or /feed (a.tenant)
// and its limit query parameter (limitParam); false when either answered
// the request already.
func (a *api) tenantLimit(w http.ResponseWriter, r *http.Request) (tenant string, limit int, ok bool) {
	if tenant, ok = a.tenant(w, r); !ok {
		return "", 0, false
	}
	if limit, ok = limitParam(w, r); !ok {
		return "", 0, false
	}
	return tenant, limit, true
}

// limitParam reads the limit query parameter of /requests and /feed,
// answering 400 when it is not a positive integer.
func limitParam(w http.ResponseWriter, r *http.Request) (int, bool) {
	limit := defaultRequestLimit
	if s := r.URL.Query().Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			writeError(w, http.StatusBadRequest, "limit must be a positive integer")
			return 0, false
		}
		limit = min(n, maxRequestLimit)
	}
	return limit, true
}

// apiConsumer is a named feed consumer as GET /feed shows it.
type apiConsumer struct {
	Name       string     `json:"name"`
	Acked      int64      `json:"acked"`
	Lag        int64      `json:"lag"`
	Holder     string     `json:"holder,omitempty"`
	LeaseUntil *time.Time `json:"leaseUntil,omitempty"`
}

// feed answers GET /feed: the tenant's last entries and its consumers.
func (a *api) feed(w http.ResponseWriter, r *http.Request) {
	tenant, limit, ok := a.tenantLimit(w, r)
	if !ok {
		return
	}
	if a.opts.Feed == nil {
		writeJSON(w, http.StatusOK, map[string]any{"enabled": false, "head": 0, "consumers": []apiConsumer{}, "entries": []store.Change{}})
		return
	}
	sts, err := a.opts.Feed.FeedStatus(r.Context())
	if err != nil {
		a.internal(w, r, err)
		return
	}
	var head int64
	consumers := []apiConsumer{}
	for _, st := range sts {
		if st.Tenant != tenant {
			continue
		}
		head = st.Head
		for _, c := range st.Consumers {
			ac := apiConsumer{Name: c.Name, Acked: c.Acked, Lag: max(st.Head-c.Acked, 0), Holder: c.Holder}
			if !c.LeaseUntil.IsZero() {
				ac.LeaseUntil = &c.LeaseUntil
			}
			consumers = append(consumers, ac)
		}
	}
	entries, err := a.opts.Feed.Changes(store.WithTenant(r.Context(), tenant), max(head-int64(limit), 0), limit)
	if err != nil {
		a.internal(w, r, err)
		return
	}
	slices.Reverse(entries)
	if entries == nil {
		entries = []store.Change{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"enabled": true, "head": head, "consumers": consumers, "entries": entries})
}

// view returns the admin API form of t.
func (a *api) view(t *tokens.Token, now time.Time) apiToken {
	state := "active"
	switch {
	case !t.RevokedAt.IsZero():
		state = "revoked"
	case t.Expired(now):
		state = "expired"
	}
	return apiToken{Token: t, State: state}
}

// validate checks a POST /tokens body, returning a message if it is bad.
func (g *generateRequest) validate() string {
	switch {
	case len(g.Name) > maxNameBytes:
		return fmt.Sprintf("name is longer than %d bytes", maxNameBytes)
	case len(g.ConnectionID) > maxConnectionBytes:
		return fmt.Sprintf("connectionId is longer than %d bytes", maxConnectionBytes)
	case g.ExpiresInDays < 0 || g.ExpiresInDays > maxExpiresInDays:
		return fmt.Sprintf("expiresInDays must be between 0 (never expires) and %d", maxExpiresInDays)
	case len(g.Labels) > maxLabels:
		return fmt.Sprintf("at most %d labels are allowed", maxLabels)
	}
	for k, v := range g.Labels {
		if k == "" || len(k) > maxLabelKeyBytes || len(v) > maxLabelValueBytes {
			return fmt.Sprintf("label keys must have 1 to %d bytes and values at most %d", maxLabelKeyBytes, maxLabelValueBytes)
		}
	}
	return ""
}

// tooLargeError is decodeJSON's refusal of a body past maxBody, which is
// answered 413, not 400: the body's content is not at fault, its size
// is, and a client told so can tell a smaller one will be taken.
type tooLargeError struct{}

func (tooLargeError) Error() string {
	return fmt.Sprintf("the request body is larger than %d bytes; send a smaller one", maxBody)
}

// decodeJSON reads one JSON object of at most maxBody bytes into v,
// rejecting unknown fields and trailing data. An empty body leaves v as is;
// null, which encoding/json would also leave v as is by, is no object and
// is refused: a client sending it has a bug to hear about.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	var raw json.RawMessage // unknown fields are refused by obj, below
	if err := dec.Decode(&raw); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return tooLargeError{}
		}
		if errors.Is(err, io.EOF) {
			return nil // an empty body takes every default
		}
		return fmt.Errorf("invalid JSON body: %v", err)
	}
	// Anything but the end after the object is trailing data; dec.More
	// would pass a stray '}' or ']'.
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("invalid JSON body: trailing data")
	}
	if string(raw) == "null" { // RawMessage holds the value without the space around it
		return errors.New("invalid JSON body: null; send a JSON object, or no body for every default")
	}
	obj := json.NewDecoder(bytes.NewReader(raw))
	obj.DisallowUnknownFields()
	if err := obj.Decode(v); err != nil {
		return fmt.Errorf("invalid JSON body: %s", decodeDetail(err, v))
	}
	return nil
}

// decodeDetail words an error of decoding the object raw into v (a
// pointer to a request struct) in the request's terms: encoding/json
// names the server's Go types and struct ("into Go struct field
// generateRequest.expiresInDays of type int"), which tell a caller
// nothing it can act on and describe the server's insides.
func decodeDetail(err error, v any) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		got := map[string]string{"string": "a string", "bool": "a boolean", "array": "an array", "object": "an object", "number": "a number"}[te.Value]
		if n, ok := strings.CutPrefix(te.Value, "number "); ok {
			got = "the number " + clienttext.Clip(n, 64) // the client's digits, of any length
		} else if got == "" {
			got = "a value of another type"
		}
		if te.Field == "" {
			return fmt.Sprintf("the body is %s where an object is expected", got)
		}
		return fmt.Sprintf("%q holds %s where %s is expected", te.Field, got, jsonKind(te.Type))
	}
	// DisallowUnknownFields' error has no type of its own; its text is
	// `json: unknown field "name"`.
	if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		// The name is the client's, of any length, quoted as written:
		// shown as client text is (bounded, a token redacted).
		f = strings.TrimSuffix(strings.TrimPrefix(f, `"`), `"`)
		return clienttext.Sprintf("unknown field %q; the fields are %s", f, fieldList(reflect.TypeOf(v).Elem()))
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

// jsonKind is what a JSON value decoded into t must be, in JSON's terms.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		return "an array"
	default:
		return "an object"
	}
}

// fieldList is the JSON names of struct type t's fields, in their order,
// as a sentence lists them ("a, b and c").
func fieldList(t reflect.Type) string {
	var names []string
	for f := range t.Fields() {
		if name, _, _ := strings.Cut(f.Tag.Get("json"), ","); name != "" && name != "-" {
			names = append(names, name)
		}
	}
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// writeJSON answers v as JSON with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"internal error"}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// writeError answers {"error": message} with the given status.
func writeError(w http.ResponseWriter, status int, format string, args ...any) {
	writeJSON(w, status, map[string]string{"error": fmt.Sprintf(format, args...)})
}
