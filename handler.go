package scim

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"time"

	"github.com/scimkit/scim/admin"
	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/internal/patch"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/tokens"
)

const contentType = "application/scim+json"

// handler serves the SCIM protocol. One is built per NewHandler call and is
// safe for concurrent use; it holds no mutable state.
type handler struct {
	cfg       Config
	mux       *http.ServeMux
	userType  *resources.ResourceType
	groupType *resources.ResourceType
	users     *kind
	groups    *kind
	parser    filter.Parser
	discovery discovery
}

// kind bundles what the handler needs for one resource type.
type kind struct {
	rt     *resources.ResourceType
	eval   *store.Evaluator
	engine *patch.Engine
}

// NewHandler returns the SCIM endpoint described by cfg. Mount it at the
// SCIM base URL with the prefix stripped:
//
//	mux.Handle("/scim/v2/", http.StripPrefix("/scim/v2", h))
//
// It serves /ServiceProviderConfig, /ResourceTypes, /Schemas, /Users,
// /Groups (when cfg.Groups is set), /.search, /Me and /Bulk (501).
func NewHandler(cfg Config) (http.Handler, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	h := &handler{cfg: cfg}
	h.userType = resources.NewUserType(cfg.UserExtensions...)
	h.groupType = resources.NewGroupType(cfg.GroupExtensions...)
	h.users = newKind(h.userType)
	h.groups = newKind(h.groupType)
	schemas := append(h.userType.SchemaURNs(), h.groupType.SchemaURNs()...)
	h.parser = filter.Parser{Schemas: schemas, MaxLength: cfg.MaxFilterLength}
	if err := h.buildDiscovery(); err != nil {
		return nil, err
	}
	h.routes()
	return h.middleware(h.mux), nil
}

func newKind(rt *resources.ResourceType) *kind {
	return &kind{rt: rt, eval: store.NewEvaluator(rt), engine: patch.NewEngine(rt)}
}

func (h *handler) routes() {
	m := http.NewServeMux()
	m.HandleFunc("GET /ServiceProviderConfig", h.serviceProviderConfig)
	m.HandleFunc("GET /ResourceTypes", h.resourceTypes)
	m.HandleFunc("GET /ResourceTypes/{name}", h.resourceType)
	m.HandleFunc("GET /Schemas", h.schemas)
	m.HandleFunc("GET /Schemas/{id}", h.schema)

	m.HandleFunc("GET /Users", h.listUsers)
	m.HandleFunc("POST /Users", h.createUser)
	m.HandleFunc("POST /Users/.search", h.searchUsers)
	m.HandleFunc("GET /Users/{id}", h.getUser)
	m.HandleFunc("PUT /Users/{id}", h.replaceUser)
	m.HandleFunc("PATCH /Users/{id}", h.patchUser)
	m.HandleFunc("DELETE /Users/{id}", h.deleteUser)
	if h.cfg.Groups != nil {
		m.HandleFunc("GET /Groups", h.listGroups)
		m.HandleFunc("POST /Groups", h.createGroup)
		m.HandleFunc("POST /Groups/.search", h.searchGroups)
		m.HandleFunc("GET /Groups/{id}", h.getGroup)
		m.HandleFunc("PUT /Groups/{id}", h.replaceGroup)
		m.HandleFunc("PATCH /Groups/{id}", h.patchGroup)
		m.HandleFunc("DELETE /Groups/{id}", h.deleteGroup)
		h.methodNotAllowed(m, "/Groups", "GET, POST")
		h.methodNotAllowed(m, "/Groups/.search", "POST")
		h.methodNotAllowed(m, "/Groups/{id}", "GET, PUT, PATCH, DELETE")
	}
	m.HandleFunc("POST /.search", h.searchAll)
	m.HandleFunc("/Me", h.me)
	m.HandleFunc("/Bulk", func(w http.ResponseWriter, r *http.Request) {
		h.writeError(w, r, errorf(http.StatusNotImplemented, "", "bulk operations are not supported (bulk.supported is false in /ServiceProviderConfig)"))
	})
	h.methodNotAllowed(m, "/ServiceProviderConfig", "GET")
	h.methodNotAllowed(m, "/ResourceTypes", "GET")
	h.methodNotAllowed(m, "/ResourceTypes/{name}", "GET")
	h.methodNotAllowed(m, "/Schemas", "GET")
	h.methodNotAllowed(m, "/Schemas/{id}", "GET")
	h.methodNotAllowed(m, "/Users", "GET, POST")
	h.methodNotAllowed(m, "/Users/.search", "POST")
	h.methodNotAllowed(m, "/Users/{id}", "GET, PUT, PATCH, DELETE")
	h.methodNotAllowed(m, "/.search", "POST")
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		h.writeError(w, r, errorf(http.StatusNotFound, "", "no SCIM endpoint at %q", r.URL.Path))
	})
	h.mux = m
}

// methodNotAllowed answers other methods on pattern with a SCIM 405, so no
// client ever sees the mux's plain-text error.
//
// A method-less "/Users/.search" would conflict with "GET /Users/{id}" in
// the mux, so for the .search endpoints the other methods are registered
// one by one.
func (h *handler) methodNotAllowed(m *http.ServeMux, pattern, allow string) {
	fn := func(w http.ResponseWriter, r *http.Request) {
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

type requestIDKey struct{}

func requestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

func newRequestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// statusWriter records the status for the request log.
type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
	err    *Error // the SCIM error answered, if any
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.status, w.wrote = code, true
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
		ctx := context.WithValue(r.Context(), requestIDKey{}, newRequestID())
		sw := &statusWriter{ResponseWriter: w}
		r = r.WithContext(ctx)
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				h.cfg.Logger.LogAttrs(ctx, slog.LevelError, "scim: panic serving request",
					slog.String("request_id", requestID(ctx)), slog.Any("panic", p), slog.String("stack", string(debug.Stack())))
				if !sw.wrote {
					h.writeError(sw, r, &Error{Status: http.StatusInternalServerError, Detail: "internal server error (request " + requestID(ctx) + ")"})
				}
			}
			if h.cfg.RequestLog != nil {
				h.recordRequest(r, sw, start)
			}
			h.cfg.Logger.LogAttrs(ctx, slog.LevelInfo, "scim request",
				slog.String("request_id", requestID(ctx)),
				slog.String("method", r.Method),
				slog.String("path", r.URL.Path),
				slog.Int("status", sw.status),
				slog.String("tenant", store.Tenant(r.Context())),
				slog.Duration("duration", time.Since(start)))
		}()
		if !h.cfg.InsecureNoAuth {
			tok, err := h.authenticate(r)
			if err != nil {
				if err == errUnauthorized {
					sw.Header().Set("WWW-Authenticate", `Bearer realm="SCIM"`)
				}
				h.writeError(sw, r, err)
				return
			}
			ctx = store.WithTenant(context.WithValue(ctx, tokenKey{}, tok), tok.TenantID)
			r = r.WithContext(ctx)
		}
		if r.Body != nil && r.Body != http.NoBody {
			if ct := r.Header.Get("Content-Type"); ct != "" && !acceptableContentType(ct) {
				h.writeError(sw, r, errorf(http.StatusUnsupportedMediaType, ScimTypeInvalidSyntax, "Content-Type %q is not accepted; send application/scim+json or application/json", ct))
				return
			}
			r.Body = http.MaxBytesReader(sw, r.Body, h.cfg.MaxBodyBytes)
		}
		next.ServeHTTP(sw, r)
	})
}

// recordRequest adds an authenticated request to Config.RequestLog. A
// failure to record is logged, never answered.
func (h *handler) recordRequest(r *http.Request, sw *statusWriter, start time.Time) {
	tok := TokenFrom(r.Context())
	if tok == nil && !h.cfg.InsecureNoAuth {
		return // unauthenticated: no tenant to file it under
	}
	entry := admin.Request{
		At:        start,
		TenantID:  store.Tenant(r.Context()),
		RequestID: requestID(r.Context()),
		Method:    r.Method,
		Path:      r.URL.Path,
		Status:    sw.status,
		Latency:   time.Since(start),
	}
	if r.URL.RawQuery != "" {
		entry.Path += "?" + r.URL.RawQuery
	}
	if tok != nil {
		entry.TokenHint = tok.Hint
	}
	if sw.err != nil {
		entry.ScimType, entry.Detail = sw.err.ScimType, sw.err.Detail
	}
	if err := h.cfg.RequestLog.Record(r.Context(), entry); err != nil {
		h.cfg.Logger.LogAttrs(r.Context(), slog.LevelWarn, "scim: recording the request failed", slog.String("request_id", entry.RequestID), slog.String("error", err.Error()))
	}
}

// authenticate returns the request's token. A missing, unknown, revoked or
// expired token is errUnauthorized; any other error (the token store is
// down) is returned as it is, so the client gets a 500 it retries rather
// than a 401 that makes an identity provider suspend provisioning.
func (h *handler) authenticate(r *http.Request) (*tokens.Token, error) {
	bearer, ok := tokens.BearerToken(r)
	if !ok {
		// Do the same work as for a wrong token, so timing does not tell
		// a missing header from a bad token.
		bearer = ""
	}
	tok, err := h.cfg.Tokens.Authenticate(r.Context(), bearer)
	switch {
	case !ok:
		return nil, errUnauthorized
	case err != nil && !errors.Is(err, tokens.ErrInvalidToken):
		return nil, err
	case err != nil || tok == nil:
		return nil, errUnauthorized
	}
	return tok, nil
}

var errUnauthorized = errorf(http.StatusUnauthorized, "", "a valid bearer token is required: send the header \"Authorization: Bearer <token>\" with a token that is neither revoked nor expired")

func acceptableContentType(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	return mt == "application/scim+json" || mt == "application/json"
}

// readJSON reads and decodes the request body into a document.
func (h *handler) readJSON(r *http.Request) (map[string]any, error) {
	data, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, errorf(http.StatusRequestEntityTooLarge, "", "the request body is larger than %d bytes", h.cfg.MaxBodyBytes)
		}
		return nil, errorf(http.StatusBadRequest, ScimTypeInvalidSyntax, "could not read the request body: %v", err)
	}
	doc, err := resources.Decode(data)
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
		h.writeError(w, r, h.toError(r.Context(), fmt.Errorf("encoding response: %w", err)))
		return
	}
	h.writeBytes(w, status, data)
}

func (h *handler) writeBytes(w http.ResponseWriter, status int, data []byte) {
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	_, _ = w.Write(data)
}

func (h *handler) writeError(w http.ResponseWriter, r *http.Request, err error) {
	e := h.toError(r.Context(), err)
	if sw, ok := w.(*statusWriter); ok {
		sw.err = e
	}
	data, _ := e.MarshalJSON()
	h.writeBytes(w, e.Status, data)
}

// baseURL is Config.BaseURL, or the URL the request reached the handler
// at, without the resource path.
func (h *handler) baseURL(r *http.Request) string {
	if h.cfg.BaseURL != "" {
		return h.cfg.BaseURL
	}
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

func (h *handler) emit(ctx context.Context, e Event) {
	if h.cfg.Events == nil {
		return
	}
	e.Tenant = store.Tenant(ctx)
	e.At = h.cfg.Now()
	h.cfg.Events(ctx, e)
}
