package scim_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/memory"
	"github.com/scimkit/scim/tokens"
)

const base = "https://app.example.com/scim/v2"

// env is a handler on a memory store with one valid token, recording the
// events it reports and everything it logs.
type env struct {
	t      testing.TB
	h      http.Handler
	db     *memory.Store
	users  store.UserStore  // the handler's (Config.Users): db unless an option set another
	groups store.GroupStore // likewise
	toks   *tokens.Manager
	token  string
	logs   *bytes.Buffer
	mu     sync.Mutex
	events []scim.Event
}

type option func(*scim.Config)

func newEnv(t testing.TB, opts ...option) *env {
	t.Helper()
	return newEnvOf(t, scim.NewHandler, opts...)
}

// newEnvOf is newEnv with the handler built by build from the Config
// (scim.NewHandler, or a test's variant of it).
func newEnvOf(t testing.TB, build func(scim.Config) (http.Handler, error), opts ...option) *env {
	t.Helper()
	e := &env{t: t, db: memory.New(), toks: tokens.NewManager(tokens.NewMemoryStore(), tokens.Options{}), logs: &bytes.Buffer{}}
	plain, _, err := e.toks.Generate(context.Background(), tokens.GenerateOptions{Name: "test"})
	require.NoError(t, err)
	e.token = plain
	var logMu sync.Mutex
	cfg := scim.Config{
		BaseURL: base,
		Users:   e.db,
		Groups:  e.db,
		Tokens:  e.toks,
		Logger:  slog.New(slog.NewJSONHandler(lockedWriter{&logMu, e.logs}, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Events: func(_ context.Context, ev scim.Event) {
			e.mu.Lock()
			defer e.mu.Unlock()
			e.events = append(e.events, ev)
		},
	}
	for _, o := range opts {
		o(&cfg)
	}
	h, err := build(cfg)
	require.NoError(t, err)
	e.h, e.users, e.groups = h, cfg.Users, cfg.Groups
	return e
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (e *env) eventTypes() []scim.EventType {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []scim.EventType
	for _, ev := range e.events {
		out = append(out, ev.Type)
	}
	return out
}

func (e *env) clearEvents() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.events = nil
}

// resp is a recorded response with its body decoded (when JSON).
type resp struct {
	Code   int
	Header http.Header
	Raw    string
	Body   map[string]any
}

// str returns a top-level string attribute of the body.
func (r *resp) str(key string) string {
	s, _ := r.Body[key].(string)
	return s
}

// do sends a request with the valid token. body may be a string (sent as
// is) or any value (sent as JSON). hdr are "Name: value" pairs; a
// "Authorization:" pair replaces the default.
func (e *env) do(method, path string, body any, hdr ...string) *resp {
	e.t.Helper()
	return e.doVia(e.h, method, path, body, hdr...)
}

// doVia is do, served by h (e's handler mounted as a host mounts it)
// rather than by e's handler itself.
func (e *env) doVia(h http.Handler, method, path string, body any, hdr ...string) *resp {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		data, err := json.Marshal(b)
		require.NoError(e.t, err)
		rd = bytes.NewReader(data)
	}
	req := httptest.NewRequest(method, "http://app.example.com"+path, rd)
	req.Header.Set("Authorization", "Bearer "+e.token)
	if rd != nil {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	for _, h := range hdr {
		k, v, _ := strings.Cut(h, ":")
		if strings.TrimSpace(v) == "" {
			req.Header.Del(k)
			continue
		}
		req.Header.Set(k, strings.TrimSpace(v))
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	out := &resp{Code: rec.Code, Header: rec.Header(), Raw: rec.Body.String()}
	if strings.HasPrefix(rec.Header().Get("Content-Type"), "application/scim+json") && rec.Body.Len() > 0 {
		require.NoError(e.t, json.Unmarshal(rec.Body.Bytes(), &out.Body), "body: %s", rec.Body.String())
	}
	return out
}

// requireError asserts a SCIM error response.
func requireError(t *testing.T, r *resp, status int, scimType, detailPart string) {
	t.Helper()
	require.Equal(t, status, r.Code, "body: %s", r.Raw)
	require.Equal(t, "application/scim+json", r.Header.Get("Content-Type"))
	require.Equal(t, []any{"urn:ietf:params:scim:api:messages:2.0:Error"}, r.Body["schemas"], r.Raw)
	require.Equal(t, http.StatusText(status) != "" && true, true)
	require.Equal(t, itoa(status), r.Body["status"], "status must be a string: %s", r.Raw)
	if scimType == "" {
		require.NotContains(t, r.Body, "scimType", r.Raw)
	} else {
		require.Equal(t, scimType, r.Body["scimType"], r.Raw)
	}
	require.Contains(t, r.str("detail"), detailPart, r.Raw)
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func (e *env) createUser(userName string, extra ...map[string]any) map[string]any {
	e.t.Helper()
	body := map[string]any{
		"schemas":  []string{"urn:ietf:params:scim:schemas:core:2.0:User"},
		"userName": userName,
		"active":   true,
	}
	for _, x := range extra {
		for k, v := range x {
			body[k] = v
		}
	}
	r := e.do("POST", "/Users", body)
	require.Equal(e.t, http.StatusCreated, r.Code, r.Raw)
	return r.Body
}

func (e *env) createGroup(name string, members ...string) map[string]any {
	e.t.Helper()
	ms := []map[string]any{}
	for _, m := range members {
		ms = append(ms, map[string]any{"value": m})
	}
	r := e.do("POST", "/Groups", map[string]any{
		"schemas":     []string{"urn:ietf:params:scim:schemas:core:2.0:Group"},
		"displayName": name,
		"members":     ms,
	})
	require.Equal(e.t, http.StatusCreated, r.Code, r.Raw)
	return r.Body
}

func patchBody(ops ...map[string]any) map[string]any {
	return map[string]any{
		"schemas":    []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
		"Operations": ops,
	}
}

func op(kind, path string, value any) map[string]any {
	m := map[string]any{"op": kind}
	if path != "" {
		m["path"] = path
	}
	if value != nil {
		m["value"] = value
	}
	return m
}

// memberIDs returns the member values of a group body.
func memberIDs(body map[string]any) []string {
	var out []string
	ms, _ := body["members"].([]any)
	for _, m := range ms {
		out = append(out, m.(map[string]any)["value"].(string))
	}
	return out
}

// memberValues is the members value of a PATCH or a body naming ids, each
// as {"value": id}.
func memberValues(ids ...string) []any {
	out := []any{}
	for _, id := range ids {
		out = append(out, map[string]any{"value": id})
	}
	return out
}
