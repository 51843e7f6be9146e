package scim_test

import (
	"context"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/memory"
)

// bareVersions is a user store whose versions are opaque strings that are
// not entity tags ("1", `a"b`), as a host's store may return: the memory
// store's W/"n" with the tag syntax taken off, plus a suffix.
type bareVersions struct {
	store.UserStore // the interface alone: memory's UpdateUser would return its own versions
	suffix          string
}

func (b bareVersions) out(u *resources.User, err error) (*resources.User, error) {
	if u != nil {
		u.Meta.Version = strings.TrimSuffix(strings.TrimPrefix(u.Meta.Version, `W/"`), `"`) + b.suffix
	}
	return u, err
}

func (b bareVersions) in(v string) string {
	if v == "" {
		return ""
	}
	return `W/"` + strings.TrimSuffix(v, b.suffix) + `"`
}

func (b bareVersions) CreateUser(ctx context.Context, u *resources.User) (*resources.User, error) {
	return b.out(b.UserStore.CreateUser(ctx, u))
}

func (b bareVersions) GetUser(ctx context.Context, id string, opts store.GetOptions) (*resources.User, error) {
	return b.out(b.UserStore.GetUser(ctx, id, opts))
}

func (b bareVersions) ReplaceUser(ctx context.Context, u *resources.User, ifVersion string) (*resources.User, error) {
	return b.out(b.UserStore.ReplaceUser(ctx, u, b.in(ifVersion)))
}

func (b bareVersions) DeleteUser(ctx context.Context, id, ifVersion string) error {
	return b.UserStore.DeleteUser(ctx, id, b.in(ifVersion))
}

func (b bareVersions) ListUsers(ctx context.Context, q store.Query) (store.Page[*resources.User], error) {
	p, err := b.UserStore.ListUsers(ctx, q)
	for _, u := range p.Items {
		b.out(u, nil)
	}
	return p, err
}

// TestETagFromOpaqueVersion: whatever opaque version a store returns, the
// ETag header is a valid entity tag, meta.version carries the same tag,
// and If-Match / If-None-Match compare with it.
func TestETagFromOpaqueVersion(t *testing.T) {
	for _, tc := range []struct {
		name, suffix, tag1, tag2 string
	}{
		{"bare number", "", `W/"1"`, `W/"2"`},
		{"quote and space", `"x y`, `W/"1%22x%20y"`, `W/"2%22x%20y"`},
		{"percent", "%", `W/"1%25"`, `W/"2%25"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, func(c *scim.Config) { c.Users = bareVersions{memory.New(), tc.suffix}; c.Groups = nil })
			created := e.do("POST", "/Users", map[string]any{"userName": "etag"})
			require.Equal(t, 201, created.Code, created.Raw)
			assert.Equal(t, tc.tag1, created.Header.Get("ETag"))
			assert.Equal(t, tc.tag1, created.Body["meta"].(map[string]any)["version"])
			path := "/Users/" + created.str("id")

			got := e.do("GET", path, nil)
			assert.Equal(t, tc.tag1, got.Header.Get("ETag"))
			assert.Equal(t, 304, e.do("GET", path, nil, "If-None-Match: "+tc.tag1).Code)

			stale := e.do("PUT", path, map[string]any{"userName": "etag", "title": "x"}, "If-Match: "+tc.tag2)
			requireError(t, stale, 412, "", "If-Match")
			put := e.do("PUT", path, map[string]any{"userName": "etag", "title": "x"}, "If-Match: "+tc.tag1)
			require.Equal(t, 200, put.Code, put.Raw)
			assert.Equal(t, tc.tag2, put.Header.Get("ETag"))

			requireError(t, e.do("DELETE", path, nil, "If-Match: "+tc.tag1), 412, "", "If-Match")
			assert.Equal(t, 204, e.do("DELETE", path, nil, "If-Match: "+tc.tag2).Code)
		})
	}
}

// TestConditionalRequests: If-Match and If-None-Match are evaluated on
// every method, as RFC 9110 §13.1.1 and §13.1.2 say ("An origin server
// MUST NOT perform the requested method if the condition evaluates to
// false"): a GET whose If-Match names another version is a 412, and a
// PUT, PATCH or DELETE whose If-None-Match names the current version (or
// "*", which any existing resource matches) is a 412 that changes
// nothing. Groups take the member-only PATCH path too.
func TestConditionalRequests(t *testing.T) {
	e := newEnv(t)
	u := e.do("POST", "/Users", map[string]any{"userName": "cond"})
	require.Equal(t, 201, u.Code, u.Raw)
	g := e.do("POST", "/Groups", map[string]any{"displayName": "Cond"})
	require.Equal(t, 201, g.Code, g.Raw)
	user, group := "/Users/"+u.str("id"), "/Groups/"+g.str("id")
	member := patchBody(map[string]any{"op": "add", "path": "members", "value": []any{map[string]any{"value": u.str("id")}}})
	for _, tc := range []struct {
		name, method, path string
		body               any
		header             func(tag string) string
		status             int
		detail             string
	}{
		{"GET If-Match stale", "GET", user, nil, func(string) string { return `If-Match: W/"999"` }, 412, "If-Match"},
		{"GET If-Match current", "GET", user, nil, func(tag string) string { return "If-Match: " + tag }, 200, ""},
		{"GET If-Match *", "GET", user, nil, func(string) string { return "If-Match: *" }, 200, ""},
		{"PUT If-None-Match current", "PUT", user, map[string]any{"userName": "cond", "title": "x"}, func(tag string) string { return "If-None-Match: " + tag }, 412, "If-None-Match"},
		{"PUT If-None-Match *", "PUT", user, map[string]any{"userName": "cond", "title": "x"}, func(string) string { return "If-None-Match: *" }, 412, "If-None-Match"},
		{"PATCH If-None-Match current", "PATCH", user, patchBody(op("replace", "title", "x")), func(tag string) string { return "If-None-Match: " + tag }, 412, "If-None-Match"},
		{"PATCH If-None-Match in a list", "PATCH", user, patchBody(op("replace", "title", "x")), func(tag string) string { return `If-None-Match: W/"999", ` + tag }, 412, "If-None-Match"},
		{"DELETE If-None-Match *", "DELETE", user, nil, func(string) string { return "If-None-Match: *" }, 412, "If-None-Match"},
		{"group PATCH If-None-Match current", "PATCH", group, member, func(tag string) string { return "If-None-Match: " + tag }, 412, "If-None-Match"},
		{"group PUT If-None-Match *", "PUT", group, map[string]any{"displayName": "Cond"}, func(string) string { return "If-None-Match: *" }, 412, "If-None-Match"},
		{"group DELETE If-None-Match current", "DELETE", group, nil, func(tag string) string { return "If-None-Match: " + tag }, 412, "If-None-Match"},
		{"PATCH If-None-Match other version", "PATCH", user, patchBody(op("replace", "title", "y")), func(string) string { return `If-None-Match: W/"999"` }, 200, ""},
		{"group PATCH If-None-Match other version", "PATCH", group, member, func(string) string { return `If-None-Match: W/"999"` }, 204, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := e.do("GET", tc.path, nil)
			require.Equal(t, 200, before.Code, before.Raw)
			tag := before.Header.Get("ETag")
			r := e.do(tc.method, tc.path, tc.body, tc.header(tag))
			if tc.status >= 400 {
				requireError(t, r, tc.status, "", tc.detail)
				after := e.do("GET", tc.path, nil)
				assert.Equal(t, before.Body, after.Body, "a refused request changes nothing")
				return
			}
			require.Equal(t, tc.status, r.Code, r.Raw)
		})
	}
}

// TestResourceResponseHeaders: every response that carries one resource
// (RFC 7644 §3.3's POST, §3.4.1's GET, §3.5.1's PUT, a PATCH answered with
// the resource) has the Location and ETag of RFC 7644's examples, equal to
// the body's meta.location and meta.version, also when attributes= leaves
// meta out of the body; a list, a 204 and an error carry no Location.
func TestResourceResponseHeaders(t *testing.T) {
	e := newEnv(t)
	uid := e.createUser("headers")["id"].(string)
	gid := e.createGroup("headers", uid)["id"].(string)
	patch := patchBody(op("replace", "title", "T"))
	for _, tc := range []struct {
		name, method, path string
		body               any
		code               int
		location           string // "" for none
	}{
		{"POST user", "POST", "/Users", map[string]any{"userName": "posted"}, 201, "/Users/"},
		{"GET user", "GET", "/Users/" + uid, nil, 200, "/Users/" + uid},
		{"GET user attributes", "GET", "/Users/" + uid + "?attributes=userName", nil, 200, "/Users/" + uid},
		{"PUT user", "PUT", "/Users/" + uid, map[string]any{"userName": "headers", "title": "P"}, 200, "/Users/" + uid},
		{"PATCH user", "PATCH", "/Users/" + uid, patch, 200, "/Users/" + uid},
		{"PATCH user excludedAttributes", "PATCH", "/Users/" + uid + "?excludedAttributes=meta", patchBody(op("replace", "title", "U")), 200, "/Users/" + uid},
		{"GET group", "GET", "/Groups/" + gid, nil, 200, "/Groups/" + gid},
		{"PUT group", "PUT", "/Groups/" + gid, map[string]any{"displayName": "headers", "members": []any{map[string]any{"value": uid}}}, 200, "/Groups/" + gid},
		{"PATCH group rename", "PATCH", "/Groups/" + gid, patchBody(op("replace", "displayName", "renamed")), 204, ""},
		{"PATCH group rename attributes", "PATCH", "/Groups/" + gid + "?attributes=displayName", patchBody(op("replace", "displayName", "renamed again")), 200, "/Groups/" + gid},
		{"PATCH group members", "PATCH", "/Groups/" + gid, patchBody(op("remove", "members", nil)), 204, ""},
		{"list", "GET", "/Users", nil, 200, ""},
		{"not found", "GET", "/Users/nobody", nil, 404, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do(tc.method, tc.path, tc.body)
			require.Equal(t, tc.code, r.Code, r.Raw)
			loc := r.Header.Get("Location")
			if tc.location == "" {
				assert.Empty(t, loc)
				return
			}
			assert.True(t, strings.HasPrefix(loc, base+tc.location), loc)
			assert.NotEmpty(t, r.Header.Get("ETag"))
			if meta, ok := r.Body["meta"].(map[string]any); ok {
				assert.Equal(t, meta["location"], loc)
				assert.Equal(t, meta["version"], r.Header.Get("ETag"))
			}
			got := e.do("GET", strings.TrimPrefix(loc, base), nil)
			require.Equal(t, 200, got.Code, "Location leads to the resource: %s", got.Raw)
			assert.Equal(t, got.Header.Get("ETag"), r.Header.Get("ETag"))
		})
	}
}

// TestEntityTagsOnSeveralLines: an If-Match or If-None-Match given on
// several header lines is one list (RFC 9110 §5.3), so a tag on the
// second line counts as one on the first would.
func TestEntityTagsOnSeveralLines(t *testing.T) {
	e := newEnv(t)
	id := e.createUser("lines")["id"].(string)
	current := e.do("GET", "/Users/"+id, nil).Header.Get("ETag")
	for _, tc := range []struct {
		name   string
		header string
		lines  []string
		method string
		code   int
	}{
		{"If-None-Match, current on the second line", "If-None-Match", []string{`W/"other"`, current}, "GET", 304},
		{"If-None-Match, current on neither", "If-None-Match", []string{`W/"other"`, `W/"else"`}, "GET", 200},
		// An empty first line leaves the second to be read: the
		// middleware's test for a request without tags counts lines.
		// (current is the version before the PATCH rows.)
		{"If-None-Match, current after an empty line", "If-None-Match", []string{"", current}, "GET", 304},
		{"If-Match, current on the second line", "If-Match", []string{`W/"other"`, current}, "PATCH", 200},
		{"If-Match, current on neither", "If-Match", []string{`W/"other"`, `"else"`}, "PATCH", 412},
		{"If-Match, another after an empty line", "If-Match", []string{"", `"else"`}, "PATCH", 412},
		{"If-Match, one empty line", "If-Match", []string{""}, "PATCH", 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var body io.Reader
			if tc.method == "PATCH" {
				body = strings.NewReader(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"title","value":"t"}]}`)
			}
			req := httptest.NewRequest(tc.method, "http://app.example.com/Users/"+id, body)
			req.Header.Set("Authorization", "Bearer "+e.token)
			req.Header.Set("Content-Type", "application/scim+json")
			for _, l := range tc.lines {
				req.Header.Add(tc.header, l)
			}
			rec := httptest.NewRecorder()
			e.h.ServeHTTP(rec, req)
			assert.Equal(t, tc.code, rec.Code, rec.Body.String())
			current = e.do("GET", "/Users/"+id, nil).Header.Get("ETag")
		})
	}
}
