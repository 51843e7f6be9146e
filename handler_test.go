package scim_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/admin"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/memory"
	"github.com/scimkit/scim/tokens"
)

func TestNewHandlerValidatesConfig(t *testing.T) {
	toks := tokens.NewManager(tokens.NewMemoryStore(), tokens.Options{})
	db := memory.New()
	tests := []struct {
		name string
		cfg  scim.Config
		want string
	}{
		{"no users", scim.Config{Tokens: toks}, "Config.Users is required"},
		{"no auth", scim.Config{Users: db}, "Config.Tokens is required"},
		{"relative base", scim.Config{Users: db, Tokens: toks, BaseURL: "/scim/v2"}, "must be an absolute URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := scim.NewHandler(tt.cfg)
			require.ErrorContains(t, err, tt.want)
		})
	}
	_, err := scim.NewHandler(scim.Config{Users: db, InsecureNoAuth: true})
	require.NoError(t, err)
}

func TestDiscovery(t *testing.T) {
	e := newEnv(t, func(c *scim.Config) { c.DocumentationURI = "https://docs.example.com/scim"; c.MaxPageSize = 500 })

	spc := e.do("GET", "/ServiceProviderConfig", nil)
	require.Equal(t, http.StatusOK, spc.Code, spc.Raw)
	assert.Equal(t, "application/scim+json", spc.Header.Get("Content-Type"))
	assert.Equal(t, []any{"urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"}, spc.Body["schemas"])
	assert.Equal(t, map[string]any{"supported": true}, spc.Body["patch"])
	assert.Equal(t, map[string]any{"supported": true, "maxOperations": float64(1000), "maxPayloadSize": float64(4 << 20)}, spc.Body["bulk"])
	assert.Equal(t, map[string]any{"supported": true, "maxResults": float64(500)}, spc.Body["filter"])
	assert.Equal(t, map[string]any{"supported": true}, spc.Body["etag"])
	assert.Equal(t, map[string]any{"supported": true}, spc.Body["sort"])
	assert.Equal(t, "https://docs.example.com/scim", spc.Body["documentationUri"])
	assert.Equal(t, "oauthbearertoken", spc.Body["authenticationSchemes"].([]any)[0].(map[string]any)["type"])
	assert.Equal(t, base+"/ServiceProviderConfig", spc.Body["meta"].(map[string]any)["location"])

	rts := e.do("GET", "/ResourceTypes", nil)
	require.Equal(t, http.StatusOK, rts.Code)
	assert.Equal(t, float64(2), rts.Body["totalResults"])
	user := e.do("GET", "/ResourceTypes/User", nil)
	require.Equal(t, http.StatusOK, user.Code)
	assert.Equal(t, "/Users", user.Body["endpoint"])
	assert.Equal(t, resources.UserSchema, user.Body["schema"])
	assert.Equal(t, []any{map[string]any{"schema": resources.EnterpriseUserSchema, "required": false}}, user.Body["schemaExtensions"])
	assert.Equal(t, base+"/ResourceTypes/User", user.Body["meta"].(map[string]any)["location"])

	schemas := e.do("GET", "/Schemas", nil)
	require.Equal(t, http.StatusOK, schemas.Code)
	assert.Equal(t, float64(3), schemas.Body["totalResults"])
	for _, id := range []string{resources.UserSchema, resources.GroupSchema, resources.EnterpriseUserSchema} {
		s := e.do("GET", "/Schemas/"+id, nil)
		require.Equal(t, http.StatusOK, s.Code, id)
		assert.Equal(t, id, s.Body["id"])
		assert.NotEmpty(t, s.Body["attributes"])
		assert.Equal(t, base+"/Schemas/"+id, s.Body["meta"].(map[string]any)["location"])
	}
	requireError(t, e.do("GET", "/Schemas/urn:nope", nil), 404, "", "no schema")
	// RFC 7644 §4: "If a "filter" is provided, the service provider SHOULD
	// respond with HTTP status code 403 (Forbidden) to ensure that clients
	// cannot incorrectly assume that any matching conditions specified in
	// a filter are true": on every discovery endpoint, the single
	// documents too, since a 200 would say the filter matched.
	for _, path := range []string{
		"/ResourceTypes", "/Schemas", "/ServiceProviderConfig",
		"/ResourceTypes/User", "/Schemas/" + resources.UserSchema,
	} {
		requireError(t, e.do("GET", path+"?filter=name%20eq%20%22User%22", nil), 403, "", "filtering is not supported on "+path)
		requireError(t, e.do("GET", path+"?filter=", nil), 403, "", "filtering is not supported")
	}
}

func TestDiscoveryWithoutGroups(t *testing.T) {
	e := newEnv(t, func(c *scim.Config) { c.Groups = nil })
	rts := e.do("GET", "/ResourceTypes", nil)
	assert.Equal(t, float64(1), rts.Body["totalResults"])
	requireError(t, e.do("GET", "/Groups", nil), 404, "", "no SCIM endpoint")
	s := e.do("GET", "/Schemas", nil)
	assert.Equal(t, float64(2), s.Body["totalResults"])
}

func TestAuthentication(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := &now
	toks := tokens.NewManager(tokens.NewMemoryStore(), tokens.Options{Now: func() time.Time { return *clock }, Policy: tokens.Multiple})
	ctx := context.Background()
	revoked, rtok, err := toks.Generate(ctx, tokens.GenerateOptions{Name: "old"})
	require.NoError(t, err)
	require.NoError(t, toks.Revoke(ctx, "", rtok.ID))
	expiring, _, err := toks.Generate(ctx, tokens.GenerateOptions{Name: "short", ExpiresIn: time.Hour})
	require.NoError(t, err)
	valid, _, err := toks.Generate(ctx, tokens.GenerateOptions{Name: "good"})
	require.NoError(t, err)
	e := newEnv(t, func(c *scim.Config) { c.Tokens = toks })
	e.token = valid
	now = now.Add(2 * time.Hour)

	var bodies []string
	// RFC 6750 §3: a request with no bearer token gets a challenge
	// without an error code; one whose token failed gets
	// error="invalid_token" (§3.1).
	const challenge, invalid = `Bearer realm="SCIM"`, `Bearer realm="SCIM", error="invalid_token"`
	for _, tt := range []struct{ name, header, challenge string }{
		{"missing", "Authorization:", challenge},
		{"not bearer", "Authorization: Basic dXNlcjpwYXNz", challenge},
		{"unknown", "Authorization: Bearer scim_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", invalid},
		{"revoked", "Authorization: Bearer " + revoked, invalid},
		{"expired", "Authorization: Bearer " + expiring, invalid},
		{"not a token", "Authorization: Bearer x", invalid},
		{"no prefix", "Authorization: " + valid, challenge},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do("GET", "/Users", nil, tt.header)
			requireError(t, r, http.StatusUnauthorized, "", "bearer token")
			assert.Equal(t, tt.challenge, r.Header.Get("WWW-Authenticate"))
			bodies = append(bodies, r.Raw)
		})
	}
	for _, b := range bodies {
		assert.Equal(t, bodies[0], b, "every 401 must be identical")
	}
	assert.Equal(t, http.StatusOK, e.do("GET", "/Users", nil, "Authorization: bearer "+valid).Code, "scheme is case-insensitive")
	assert.NotContains(t, e.logs.String(), valid, "tokens are never logged")
	assert.NotContains(t, e.logs.String(), revoked)
}

// brokenTokens is a token store whose database is down.
type brokenTokens struct{ *tokens.MemoryStore }

func (brokenTokens) TokenByHash(context.Context, []byte) (*tokens.Token, error) {
	return nil, errors.New("dial tcp 10.0.0.5:5432: connection refused")
}

func TestTokenStoreOutageIsNot401(t *testing.T) {
	e := newEnv(t, func(c *scim.Config) {
		c.Tokens = tokens.NewManager(brokenTokens{tokens.NewMemoryStore()}, tokens.Options{})
	})
	r := e.do("GET", "/Users", nil)
	requireError(t, r, http.StatusInternalServerError, "", "internal server error")
	assert.Empty(t, r.Header.Get("WWW-Authenticate"))
	assert.NotContains(t, r.Raw, "10.0.0.5")
	assert.Contains(t, e.logs.String(), "connection refused")
	requireError(t, e.do("GET", "/Users", nil, "Authorization:"), http.StatusUnauthorized, "", "bearer token")
}

// suspendingTokens is a host's Authenticator that embeds a Manager and
// refuses the tokens of a suspended tenant before the Manager checks them.
type suspendingTokens struct {
	*tokens.Manager
	suspended string
}

func (s suspendingTokens) Authenticate(ctx context.Context, bearer string) (*tokens.Token, error) {
	tok, err := s.Manager.Authenticate(ctx, bearer)
	if err == nil && tok.TenantID == s.suspended {
		return nil, tokens.ErrInvalidToken
	}
	return tok, err
}

func TestAuthenticatorEmbeddingManager(t *testing.T) {
	// The handler writes a *tokens.Manager's token into its own request
	// state (AuthenticateInto), but a host type that embeds a Manager
	// gets its own Authenticate called: it may refuse more.
	toks := tokens.NewManager(tokens.NewMemoryStore(), tokens.Options{Policy: tokens.Multiple})
	ctx := context.Background()
	ok, _, err := toks.Generate(ctx, tokens.GenerateOptions{TenantID: "acme"})
	require.NoError(t, err)
	blocked, _, err := toks.Generate(ctx, tokens.GenerateOptions{TenantID: "globex"})
	require.NoError(t, err)
	for _, tc := range []struct {
		name   string
		auth   scim.Authenticator
		token  string
		status int
	}{
		{"Manager", toks, blocked, http.StatusOK},
		{"embedding type, allowed tenant", suspendingTokens{toks, "globex"}, ok, http.StatusOK},
		{"embedding type, suspended tenant", suspendingTokens{toks, "globex"}, blocked, http.StatusUnauthorized},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var seen []string
			e := newEnv(t, func(c *scim.Config) {
				c.Tokens = tc.auth
				c.Events = func(ctx context.Context, _ scim.Event) {
					tok := scim.TokenFrom(ctx)
					seen = append(seen, tok.TenantID+"/"+tok.Hint)
				}
			})
			e.token = tc.token
			assert.Equal(t, tc.status, e.do("GET", "/Users", nil).Code)
			if tc.status != http.StatusOK {
				return
			}
			// TokenFrom answers the token that authenticated the
			// request, whichever Authenticate wrote it.
			require.Equal(t, http.StatusCreated, e.do("POST", "/Users", map[string]any{"userName": "tok-" + tc.name}).Code)
			tok, err := toks.Authenticate(ctx, tc.token)
			require.NoError(t, err)
			assert.Equal(t, []string{tok.TenantID + "/" + tok.Hint}, seen)
		})
	}
}

// tenantTokens is a tokens.Manager on a memory store and a token of it
// for each of opts, in their order.
func tenantTokens(t *testing.T, opts ...tokens.GenerateOptions) (*tokens.Manager, []string) {
	toks := tokens.NewManager(tokens.NewMemoryStore(), tokens.Options{})
	var plain []string
	for _, o := range opts {
		p, _, err := toks.Generate(context.Background(), o)
		require.NoError(t, err)
		plain = append(plain, p)
	}
	return toks, plain
}

func TestTenantScoping(t *testing.T) {
	toks, plain := tenantTokens(t, tokens.GenerateOptions{TenantID: "acme"}, tokens.GenerateOptions{TenantID: "globex"})
	a, b := plain[0], plain[1]
	var seen []string
	var mu sync.Mutex
	e := newEnv(t, func(c *scim.Config) {
		c.Tokens = toks
		c.Events = func(ctx context.Context, ev scim.Event) {
			mu.Lock()
			defer mu.Unlock()
			seen = append(seen, store.Tenant(ctx)+"/"+ev.Tenant+"/"+scim.TokenFrom(ctx).TenantID)
		}
	})
	e.token = a
	u := e.createUser("same@example.com")
	e.token = b
	e.createUser("same@example.com") // same userName, other tenant: fine
	requireError(t, e.do("GET", "/Users/"+u["id"].(string), nil), 404, "", "not found")
	requireError(t, e.do("DELETE", "/Users/"+u["id"].(string), nil), 404, "", "not found")
	list := e.do("GET", "/Users", nil)
	assert.Equal(t, float64(1), list.Body["totalResults"])
	assert.Equal(t, []string{"acme/acme/acme", "globex/globex/globex"}, seen)
}

func TestContentTypesAndBodies(t *testing.T) {
	e := newEnv(t, func(c *scim.Config) { c.MaxBodyBytes = 2048 })
	user := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"%s"}`
	tests := []struct {
		name     string
		ctype    string
		body     string
		status   int
		scimType string
		detail   string
	}{
		{"scim+json", "application/scim+json", fmt.Sprintf(user, "a"), 201, "", ""},
		{"json", "application/json", fmt.Sprintf(user, "b"), 201, "", ""},
		{"json with charset", "application/json; charset=utf-8", fmt.Sprintf(user, "c"), 201, "", ""},
		{"text", "text/plain", fmt.Sprintf(user, "d"), 415, "", "is not accepted"}, // RFC 7644 §3.12: scimType is for 400s
		{"malformed", "application/json", `{"userName": "x",`, 400, "invalidSyntax", "JSON"},
		{"not an object", "application/json", `["x"]`, 400, "invalidSyntax", "JSON object"},
		{"empty", "application/json", ``, 400, "invalidSyntax", "JSON object"},
		{"trailing data", "application/json", fmt.Sprintf(user, "e") + `{}`, 400, "invalidSyntax", "after the JSON object"},
		{"too large", "application/json", `{"userName":"` + strings.Repeat("x", 4096) + `"}`, 413, "", "larger than 2048 bytes"},
		{"attribute given twice", "application/json", `{"userName":"f","USERNAME":"g"}`, 400, "invalidSyntax", `"userName": is given more than once`},
		{"wrong type", "application/json", `{"userName":"g","active":"maybe"}`, 400, "invalidValue", `"active": must be a boolean`},
		{"missing userName", "application/json", `{"displayName":"h"}`, 400, "invalidValue", "userName is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do("POST", "/Users", tt.body, "Content-Type: "+tt.ctype)
			if tt.status == 201 {
				require.Equal(t, 201, r.Code, r.Raw)
				return
			}
			requireError(t, r, tt.status, tt.scimType, tt.detail)
		})
	}
	list := e.do("GET", "/Users?count=0", nil)
	assert.Equal(t, float64(3), list.Body["totalResults"], "rejected requests stored nothing")
}

// TestResponseTypeWhateverAccept: every response, errors included, is
// application/scim+json whatever the request's Accept says. RFC 7644 §3.8
// has "Accept: application/json" (which a service provider SHOULD support)
// mean the client asks for JSON, which application/scim+json is (§8.1),
// and Microsoft Entra's validator expects application/scim+json on every
// response; an Accept that takes neither gets the same, not 406.
func TestResponseTypeWhateverAccept(t *testing.T) {
	e := newEnv(t)
	id := e.createUser("accepting")["id"].(string)
	want := e.do("GET", "/Users/"+id, nil).Raw
	for _, accept := range []string{
		"application/json",
		"Application/JSON; charset=utf-8",
		"application/scim+json;q=0.5, application/json",
		"application/scim+json",
		"*/*",
		"text/html",
		"",
	} {
		t.Run(accept, func(t *testing.T) {
			r := e.do("GET", "/Users/"+id, nil, "Accept: "+accept)
			require.Equal(t, http.StatusOK, r.Code, r.Raw)
			assert.Equal(t, "application/scim+json", r.Header.Get("Content-Type"))
			assert.JSONEq(t, want, r.Raw)
			miss := e.do("GET", "/Users/nobody", nil, "Accept: "+accept)
			assert.Equal(t, http.StatusNotFound, miss.Code, miss.Raw)
			assert.Equal(t, "application/scim+json", miss.Header.Get("Content-Type"), "an error too")
			assert.Equal(t, "nosniff", r.Header.Get("X-Content-Type-Options"))
			assert.Equal(t, "nosniff", miss.Header.Get("X-Content-Type-Options"), "an error too")
		})
	}
}

func TestUserLifecycle(t *testing.T) {
	e := newEnv(t)
	created := e.do("POST", "/Users", map[string]any{
		"schemas":    []string{resources.UserSchema, resources.EnterpriseUserSchema},
		"userName":   "bjensen@example.com",
		"externalId": "ext-1",
		"name":       map[string]any{"givenName": "Barbara", "familyName": "Jensen"},
		"emails":     []any{map[string]any{"value": "bjensen@example.com", "type": "work", "primary": true}},
		"password":   "t1meMa$heen",
		"active":     true,
		"id":         "client-chosen-id-is-ignored",
		resources.EnterpriseUserSchema: map[string]any{
			"employeeNumber": "701984",
			"manager":        map[string]any{"value": "26118915-6090-4610-87e4-49d8ca9f808d"},
		},
	})
	require.Equal(t, http.StatusCreated, created.Code, created.Raw)
	id := created.str("id")
	require.NotEmpty(t, id)
	assert.NotEqual(t, "client-chosen-id-is-ignored", id)
	meta := created.Body["meta"].(map[string]any)
	assert.Equal(t, base+"/Users/"+id, created.Header.Get("Location"))
	assert.Equal(t, created.Header.Get("Location"), meta["location"])
	assert.Equal(t, "User", meta["resourceType"])
	assert.NotEmpty(t, meta["created"])
	assert.NotEmpty(t, meta["lastModified"])
	assert.Equal(t, created.Header.Get("ETag"), meta["version"])
	assert.NotContains(t, created.Body, "password", "password is never returned")
	assert.NotContains(t, created.Raw, "t1meMa$heen")
	assert.Equal(t, []any{resources.UserSchema, resources.EnterpriseUserSchema}, created.Body["schemas"])
	assert.Equal(t, "701984", created.Body[resources.EnterpriseUserSchema].(map[string]any)["employeeNumber"])

	got := e.do("GET", "/Users/"+id, nil)
	require.Equal(t, http.StatusOK, got.Code)
	assert.Equal(t, created.Body, got.Body)
	assert.Equal(t, meta["version"], got.Header.Get("ETag"))

	nm := e.do("GET", "/Users/"+id, nil, "If-None-Match: "+got.Header.Get("ETag"))
	assert.Equal(t, http.StatusNotModified, nm.Code)
	assert.Empty(t, nm.Raw)

	put := e.do("PUT", "/Users/"+id, map[string]any{
		"schemas":  []string{resources.UserSchema},
		"userName": "bjensen@example.com",
		"name":     map[string]any{"givenName": "Babs"},
		"active":   true,
	}, "If-Match: "+got.Header.Get("ETag"))
	require.Equal(t, http.StatusOK, put.Code, put.Raw)
	assert.NotEqual(t, got.Header.Get("ETag"), put.Header.Get("ETag"))
	assert.Equal(t, map[string]any{"givenName": "Babs"}, put.Body["name"])
	assert.NotContains(t, put.Body, "emails", "PUT replaces the whole resource")
	assert.Equal(t, meta["created"], put.Body["meta"].(map[string]any)["created"])

	stale := e.do("PUT", "/Users/"+id, map[string]any{"userName": "x"}, "If-Match: "+got.Header.Get("ETag"))
	requireError(t, stale, http.StatusPreconditionFailed, "", "If-Match")
	staleDel := e.do("DELETE", "/Users/"+id, nil, "If-Match: "+got.Header.Get("ETag"))
	requireError(t, staleDel, http.StatusPreconditionFailed, "", "If-Match")
	weak := strings.TrimPrefix(put.Header.Get("ETag"), "W/")
	assert.Equal(t, http.StatusOK, e.do("PATCH", "/Users/"+id, patchBody(op("replace", "title", "CEO")), "If-Match: "+weak).Code, "If-Match compares weakly")

	del := e.do("DELETE", "/Users/"+id, nil)
	assert.Equal(t, http.StatusNoContent, del.Code)
	assert.Empty(t, del.Raw)
	requireError(t, e.do("GET", "/Users/"+id, nil), 404, "", "not found")
	requireError(t, e.do("DELETE", "/Users/"+id, nil), 404, "", "not found")
	requireError(t, e.do("PATCH", "/Users/"+id, patchBody(op("replace", "active", false))), 404, "", "not found")
	requireError(t, e.do("PUT", "/Users/"+id, map[string]any{"userName": "x"}), 404, "", "not found")

	assert.Equal(t, []scim.EventType{scim.UserCreated, scim.UserUpdated, scim.UserUpdated, scim.UserDeleted}, e.eventTypes())
}

func TestCreateWithoutActiveIsActive(t *testing.T) {
	e := newEnv(t)
	r := e.do("POST", "/Users", map[string]any{"userName": "noactive@example.com"})
	require.Equal(t, 201, r.Code, r.Raw)
	assert.Equal(t, true, r.Body["active"])
	r = e.do("GET", "/Users?filter="+q(`active eq true`), nil)
	assert.Equal(t, float64(1), r.Body["totalResults"])
}

func TestPutWithoutActiveKeepsIt(t *testing.T) {
	e := newEnv(t)
	id := e.createUser("inactive@example.com", map[string]any{"active": false})["id"].(string)
	r := e.do("PUT", "/Users/"+id, map[string]any{"userName": "inactive@example.com", "title": "T"})
	require.Equal(t, 200, r.Code, r.Raw)
	assert.Equal(t, false, r.Body["active"])
}

func TestUniqueness(t *testing.T) {
	e := newEnv(t)
	e.createUser("bjensen@example.com")
	requireError(t, e.do("POST", "/Users", map[string]any{"userName": "BJensen@Example.com"}), 409, "uniqueness", "userName")
	other := e.createUser("other@example.com")
	requireError(t, e.do("PUT", "/Users/"+other["id"].(string), map[string]any{"userName": "bjensen@example.com"}), 409, "uniqueness", "userName")
	requireError(t, e.do("PATCH", "/Users/"+other["id"].(string), patchBody(op("replace", "userName", "BJENSEN@example.com"))), 409, "uniqueness", "userName")
	e.createGroup("Admins")
	requireError(t, e.do("POST", "/Groups", map[string]any{"displayName": "admins"}), 409, "uniqueness", "displayName")
}

func TestConcurrentCreatesOfOneUserName(t *testing.T) {
	e := newEnv(t)
	const n = 16
	codes := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i] = e.do("POST", "/Users", map[string]any{"userName": "race@example.com"}).Code
		}()
	}
	wg.Wait()
	count := map[int]int{}
	for _, c := range codes {
		count[c]++
	}
	assert.Equal(t, map[int]int{201: 1, 409: n - 1}, count)
}

func TestRoutingErrorsAreSCIM(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		method, path string
		status       int
		detail       string
		allow        string
	}{
		{"GET", "/Nope", 404, "no SCIM endpoint", ""},
		{"DELETE", "/Users", 405, "not allowed", "GET, HEAD, POST"},
		{"POST", "/Users/abc", 405, "not allowed", "GET, HEAD, PUT, PATCH, DELETE"},
		{"PUT", "/ServiceProviderConfig", 405, "not allowed", "GET, HEAD"},
		{"POST", "/Groups/abc", 405, "not allowed", "GET, HEAD, PUT, PATCH, DELETE"},
		{"HEAD", "/.search", 405, "", "POST"},
		{"HEAD", "/Users/.search", 405, "", "POST"},
		{"GET", "/.search", 405, "not allowed", "POST"},
		{"GET", "/Me", 501, "/Me is not supported", ""},
		{"GET", "/Bulk", 405, "allowed: POST", "POST"},
		// A method no pattern names reaches the method-less /Users/{id}
		// fallback: .search still allows POST alone (RFC 9110 §15.5.6:
		// Allow lists the target's methods; RFC 7644 §3.4.3: .search is
		// POST). It listed the methods of /Users/{id}.
		{"OPTIONS", "/Users/.search", 405, "allowed: POST", "POST"},
		{"TRACE", "/Groups/.search", 405, "allowed: POST", "POST"},
		{"PROPFIND", "/users/.SEARCH", 405, "allowed: POST", "POST"},
		{"OPTIONS", "/Users/abc", 405, "not allowed", "GET, HEAD, PUT, PATCH, DELETE"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			r := e.do(tt.method, tt.path, nil)
			requireError(t, r, tt.status, "", tt.detail)
			assert.Equal(t, tt.allow, r.Header.Get("Allow"))
		})
	}
}

func TestMe(t *testing.T) {
	e := newEnv(t)
	u := e.createUser("me@example.com")
	e2 := newEnv(t, func(c *scim.Config) {
		c.Users, c.Groups = e.db, e.db
		c.Me = func(ctx context.Context) (string, error) { return u["id"].(string), nil }
	})
	r := e2.do("GET", "/Me", nil)
	require.Equal(t, 200, r.Code, r.Raw)
	assert.Equal(t, "me@example.com", r.Body["userName"])
	head := e2.do("HEAD", "/Me", nil)
	assert.Equal(t, 200, head.Code, "HEAD is GET without the body: %s", head.Raw)
	assert.Equal(t, r.Header.Get("ETag"), head.Header.Get("ETag"))
	r = e2.do("POST", "/Me", nil)
	requireError(t, r, 405, "", "POST is not allowed on /Me")
	assert.Equal(t, "GET, HEAD, PUT, PATCH, DELETE", r.Header.Get("Allow"))
	r = e2.do("PATCH", "/Me", patchBody(op("replace", "displayName", "Me")))
	require.Equal(t, 200, r.Code, r.Raw)
	assert.Equal(t, "Me", r.Body["displayName"])
}

// TestMeMethodBeforeResolver: a method /Me does not allow is answered
// 405 with Allow before Config.Me runs (RFC 9110 §15.5.6): a resolver
// that fails (no user for this token) answered in its place, and one
// that succeeds ran for nothing.
func TestMeMethodBeforeResolver(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
	}{
		{"failing resolver", &scim.Error{Status: 403, Detail: "no user for this token"}},
		{"resolver error", errors.New("directory down")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			calls := 0
			e := newEnv(t, func(c *scim.Config) {
				c.Me = func(context.Context) (string, error) { calls++; return "", tc.err }
			})
			for _, method := range []string{"POST", "OPTIONS"} {
				r := e.do(method, "/Me", nil)
				requireError(t, r, 405, "", method+" is not allowed on /Me")
				assert.Equal(t, "GET, HEAD, PUT, PATCH, DELETE", r.Header.Get("Allow"))
			}
			assert.Zero(t, calls, "the resolver is not called for a method /Me does not allow")
		})
	}
}

// panicStore panics in every list call, as a broken host store might.
type panicStore struct{ *memory.Store }

func (panicStore) ListUsers(context.Context, store.Query) (store.Page[*resources.User], error) {
	panic("boom")
}

// failStore returns an error whose text must not reach the client.
type failStore struct{ *memory.Store }

func (failStore) GetUser(context.Context, string, store.GetOptions) (*resources.User, error) {
	return nil, errors.New(`pq: relation "users" does not exist`)
}

func TestStoreFailuresBecome500(t *testing.T) {
	e := newEnv(t, func(c *scim.Config) { c.Users = panicStore{memory.New()} })
	r := e.do("GET", "/Users", nil)
	requireError(t, r, 500, "", "internal server error")
	assert.Contains(t, e.logs.String(), "boom")

	e = newEnv(t, func(c *scim.Config) { c.Users = failStore{memory.New()} })
	r = e.do("GET", "/Users/x", nil)
	requireError(t, r, 500, "", "internal server error")
	assert.NotContains(t, r.Raw, "relation")
	assert.Contains(t, e.logs.String(), "relation")
}

// lateStore fails GetUser with an error of no known kind once the
// request's store deadline has passed, as a store on database/sql does
// whose transaction the deadline rolled back (sql.ErrTxDone).
type lateStore struct{ *memory.Store }

func (lateStore) GetUser(ctx context.Context, _ string, _ store.GetOptions) (*resources.User, error) {
	<-ctx.Done()
	return nil, sql.ErrTxDone
}

func TestStoreErrorAfterDeadlineIs503(t *testing.T) {
	e := newEnv(t, func(c *scim.Config) {
		c.Users = lateStore{memory.New()}
		c.StoreTimeout = 20 * time.Millisecond
		// No token check: it runs under the same deadline, and on a
		// loaded machine 20 ms could pass in it, before GetUser, whose
		// error after the deadline is what this test is about.
		c.Tokens, c.InsecureNoAuth = nil, true
	})
	r := e.do("GET", "/Users/x", nil)
	requireError(t, r, 503, "", "did not answer in time")
	assert.NotEmpty(t, r.Header.Get("Retry-After"))
	assert.NotContains(t, r.Raw, "transaction")
	assert.Contains(t, e.logs.String(), "transaction has already been committed or rolled back")
}

func TestHostErrorChoosesResponse(t *testing.T) {
	e := newEnv(t, func(c *scim.Config) {
		c.Users = hostErrStore{memory.New()}
	})
	requireError(t, e.do("GET", "/Users/x", nil), 403, "sensitive", "not for you")
}

type hostErrStore struct{ *memory.Store }

func (hostErrStore) GetUser(context.Context, string, store.GetOptions) (*resources.User, error) {
	return nil, fmt.Errorf("wrapped: %w", &scim.Error{Status: 403, ScimType: scim.ScimTypeSensitive, Detail: "not for you"})
}

func TestDerivedBaseURL(t *testing.T) {
	e := newEnv(t, func(c *scim.Config) { c.BaseURL = "" })
	mux := http.NewServeMux()
	mux.Handle("/scim/v2/", http.StripPrefix("/scim/v2", e.h))
	// The second spelling is rewritten to /Users by the handler; the base
	// URL must still carry the prefix the host's mux stripped.
	for i, path := range []string{"/scim/v2/Users", "/scim/v2/users/"} {
		req := httptest.NewRequest("POST", "http://host.example:8080"+path, strings.NewReader(fmt.Sprintf(`{"userName":"a%d"}`, i)))
		req.Header.Set("Authorization", "Bearer "+e.token)
		req.Header.Set("X-Forwarded-Proto", "https")
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		require.Equal(t, 201, rec.Code, rec.Body.String())
		assert.True(t, strings.HasPrefix(rec.Header().Get("Location"), "https://host.example:8080/scim/v2/Users/"), rec.Header().Get("Location"))
	}
}

func TestRequestLogging(t *testing.T) {
	e := newEnv(t)
	e.createUser("log@example.com")
	logs := e.logs.String()
	assert.Contains(t, logs, `"method":"POST"`)
	assert.Contains(t, logs, `"status":201`)
	assert.Contains(t, logs, `"request_id"`)
	assert.NotContains(t, logs, e.token)
}

func TestRequestLogSource(t *testing.T) {
	// With AddSource, the request line names the handler's middleware as
	// its source, on the first request (which finds it) as on later ones
	// (which reuse it), and its time is when the request ended.
	var buf bytes.Buffer
	e := newEnv(t, func(c *scim.Config) {
		c.Logger = slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{AddSource: true}))
	})
	before := time.Now()
	e.createUser("source@example.com")
	e.do("GET", "/Users", nil)
	type logLine struct {
		Time   time.Time
		Msg    string
		Source struct {
			Function, File string
			Line           int
		}
	}
	var lines []logLine
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var one logLine
		require.NoError(t, json.Unmarshal([]byte(l), &one))
		lines = append(lines, one)
	}
	require.Len(t, lines, 2)
	for _, l := range lines {
		assert.Equal(t, "scim request", l.Msg)
		assert.Contains(t, l.Source.Function, "github.com/scimkit/scim.NewHandler.(*handler).middleware")
		assert.Equal(t, "handler.go", filepath.Base(l.Source.File))
		assert.Equal(t, lines[0].Source, l.Source)
		assert.False(t, l.Time.Before(before))
	}
}

// TestTenantFromHostMiddleware: a host that authenticates in its own
// middleware (InsecureNoAuth) sets the tenant with store.WithTenant, and
// every store call is scoped by it.
func TestTenantFromHostMiddleware(t *testing.T) {
	db := memory.New()
	h, err := scim.NewHandler(scim.Config{BaseURL: base, Users: db, Groups: db, InsecureNoAuth: true, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	withTenant := func(tenant string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h.ServeHTTP(w, r.WithContext(store.WithTenant(r.Context(), tenant)))
		})
	}
	send := func(tenant, method, path, body string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, "http://app.example.com"+path, strings.NewReader(body))
		if body != "" {
			req.Header.Set("Content-Type", "application/scim+json")
		}
		rec := httptest.NewRecorder()
		withTenant(tenant).ServeHTTP(rec, req)
		return rec
	}
	created := send("acme", "POST", "/Users", `{"userName":"ann"}`)
	require.Equal(t, 201, created.Code, created.Body.String())
	var u map[string]any
	require.NoError(t, json.Unmarshal(created.Body.Bytes(), &u))
	id := u["id"].(string)

	for _, tc := range []struct {
		tenant string
		code   int
		total  string
	}{{"acme", 200, `"totalResults":1`}, {"other", 404, `"totalResults":0`}, {"", 404, `"totalResults":0`}} {
		t.Run(tc.tenant, func(t *testing.T) {
			assert.Equal(t, tc.code, send(tc.tenant, "GET", "/Users/"+id, "").Code)
			assert.Contains(t, send(tc.tenant, "GET", "/Users?filter=userName+eq+%22ann%22", "").Body.String(), tc.total)
		})
	}
	// The same userName is free in another tenant.
	assert.Equal(t, 201, send("other", "POST", "/Users", `{"userName":"ann"}`).Code)
}

// TestTokenTenantOverHost: a request authenticated by a token is scoped
// by the token's tenant, the default one ("") included, whatever tenant
// a host's middleware put in the request's context before; without a
// token (a public endpoint) the host's stays. Every store call, the
// request stats and the events see the same one.
func TestTokenTenantOverHost(t *testing.T) {
	toks, plain := tenantTokens(t, tokens.GenerateOptions{TenantID: "acme"}, tokens.GenerateOptions{Name: "default"})
	acme, dflt := plain[0], plain[1]
	var mu sync.Mutex
	var seen []string
	record := func(what, tenant string) {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, what+"="+tenant)
	}
	db := memory.New()
	h, err := scim.NewHandler(scim.Config{BaseURL: base, Users: db, Groups: db, Tokens: toks, Logger: slog.New(slog.DiscardHandler),
		Observe: func(ctx context.Context, s scim.RequestStats) { record("stats", s.Tenant) },
		Events:  func(ctx context.Context, ev scim.Event) { record("event", ev.Tenant+"/"+store.Tenant(ctx)) },
	})
	require.NoError(t, err)
	for _, tc := range []struct {
		name, token, method, path, body string
		status                          int
		want                            []string
	}{
		{"token of a tenant", acme, "POST", "/Users", `{"userName":"ann"}`, 201, []string{"event=acme/acme", "stats=acme"}},
		{"token of the default tenant", dflt, "POST", "/Users", `{"userName":"ann"}`, 201, []string{"event=/", "stats="}},
		{"no token, a public endpoint", "", "GET", "/ServiceProviderConfig", "", 200, []string{"stats=host"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			seen = nil
			req := httptest.NewRequest(tc.method, "http://app.example.com"+tc.path, strings.NewReader(tc.body))
			if tc.token != "" {
				req.Header.Set("Authorization", "Bearer "+tc.token)
			}
			if tc.body != "" {
				req.Header.Set("Content-Type", "application/scim+json")
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req.WithContext(store.WithTenant(req.Context(), "host")))
			require.Equal(t, tc.status, rec.Code, rec.Body.String())
			assert.Equal(t, tc.want, seen)
		})
	}
	// Each user went to its token's tenant: one ann in each.
	for _, tenant := range []string{"acme", "", "host"} {
		page, err := db.ListUsers(store.WithTenant(context.Background(), tenant), store.Query{StartIndex: 1, Count: 10})
		require.NoError(t, err)
		assert.Equal(t, map[string]int{"acme": 1, "": 1, "host": 0}[tenant], page.Total, "tenant %q", tenant)
	}
}

// keepingTokens is a host's authenticator that keeps the context it was
// given and reads its tenant on a goroutine of its own (an audit hook),
// while the handler goes on with the request.
type keepingTokens struct {
	*tokens.Manager
	seen chan string
}

func (k keepingTokens) Authenticate(ctx context.Context, bearer string) (*tokens.Token, error) {
	go func() {
		for range 100 {
			_ = store.Tenant(ctx)
		}
		k.seen <- store.Tenant(ctx)
	}()
	return k.Manager.Authenticate(ctx, bearer)
}

// TestAuthenticatorKeepsContext: an authenticator may keep the context
// it was given, and read it while the handler scopes the request to the
// token's tenant (run with -race: the tenant is set after Authenticate
// returns, on the same context). It reads the host's tenant, or the
// token's once set, never anything else.
func TestAuthenticatorKeepsContext(t *testing.T) {
	toks, plain := tenantTokens(t, tokens.GenerateOptions{TenantID: "acme"})
	db := memory.New()
	keep := keepingTokens{Manager: toks, seen: make(chan string, 1)}
	h, err := scim.NewHandler(scim.Config{BaseURL: base, Users: db, Groups: db, Tokens: keep, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	for range 20 {
		req := httptest.NewRequest("GET", "http://app.example.com/Users", nil)
		req.Header.Set("Authorization", "Bearer "+plain[0])
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req.WithContext(store.WithTenant(req.Context(), "host")))
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		assert.Contains(t, []string{"host", "acme"}, <-keep.seen)
	}
}

// TestRequestLineTenant: the request line names the tenant, and leaves it
// out for the default tenant ("") of a single-tenant host.
func TestRequestLineTenant(t *testing.T) {
	for _, tenant := range []string{"", "acme"} {
		t.Run("tenant="+tenant, func(t *testing.T) {
			var buf bytes.Buffer
			db := memory.New()
			h, err := scim.NewHandler(scim.Config{BaseURL: base, Users: db, Groups: db, InsecureNoAuth: true,
				Logger: slog.New(slog.NewJSONHandler(&buf, nil))})
			require.NoError(t, err)
			req := httptest.NewRequest("GET", "http://app.example.com/Users", nil)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req.WithContext(store.WithTenant(req.Context(), tenant)))
			require.Equal(t, 200, rec.Code)
			var line map[string]any
			require.NoError(t, json.Unmarshal(buf.Bytes(), &line))
			assert.Equal(t, "scim request", line["msg"])
			for _, k := range []string{"request_id", "method", "path", "status", "duration"} {
				assert.Contains(t, line, k)
			}
			if tenant == "" {
				assert.NotContains(t, line, "tenant")
			} else {
				assert.Equal(t, tenant, line["tenant"])
			}
		})
	}
}

// TestRequestLinePath: the request line's path is the path the request
// log keeps of the request, without its query: sent escapes kept, a
// token redacted, cut to admin.MaxRequestFieldBytes. Both are made once,
// by admin.Request.Sanitized, so they cannot differ; the line showed the
// decoded path (a space, a NUL) where the log kept what was sent.
func TestRequestLinePath(t *testing.T) {
	ring := admin.NewRequestRing(100)
	e := newEnv(t, func(c *scim.Config) { c.RequestLog = ring })
	long := "/Users/" + strings.Repeat("a", 2*admin.MaxRequestFieldBytes)
	for _, tc := range []struct{ name, path, line string }{
		{"plain", "/Users/abc", "/Users/abc"},
		{"escapes", "/Users/a%20b%00c", "/Users/a%20b%00c"},
		{"query left out", "/Users?filter=userName+eq+%22bob%22", "/Users"},
		{"password query left out", "/Users?filter=password+eq+%22Hunter2%22", "/Users"},
		{"token", "/Users/" + e.token, "/Users/scim_[REDACTED]"},
		{"long", long, long[:admin.MaxRequestFieldBytes-len("…")] + "…"},
		{"long, with a query", long + "?count=1", long[:admin.MaxRequestFieldBytes-len("…")] + "…"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.logs.Reset()
			e.do("GET", tc.path, nil)
			var line struct{ Msg, Path string }
			require.NoError(t, json.Unmarshal(e.logs.Bytes(), &line), e.logs.String())
			require.Equal(t, "scim request", line.Msg)
			assert.Equal(t, tc.line, line.Path)
			recent, err := ring.Recent(context.Background(), "", 1)
			require.NoError(t, err)
			logged, _, _ := strings.Cut(recent[0].Path, "?")
			assert.Equal(t, logged, line.Path, "the request log's path, without the query")
		})
	}
}
