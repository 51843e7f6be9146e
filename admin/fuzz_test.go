package admin_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/tokens"
)

// fuzzAdminMethods are the methods FuzzAdminAPI sends: the routes' and
// some no route has.
var fuzzAdminMethods = []string{"GET", "POST", "DELETE", "HEAD", "PUT", "PATCH"}

// tokenList is the JSON of a tenant's tokens as the Manager lists them:
// what a refused request must leave as it was.
func tokenList(t *testing.T, m *tokens.Manager, tenant string) string {
	t.Helper()
	list, err := m.List(ctx, tenant)
	require.NoError(t, err)
	b, err := json.Marshal(list)
	require.NoError(t, err)
	return string(b)
}

// FuzzAdminAPI sends any method, path (with a query), Content-Type,
// Sec-Fetch-Site and body to the admin API of tenant acme, which has a
// token, beside tenant other, which has one too ("@a" and "@o" in the
// path are their ids), and requires:
//   - a status below 500, a JSON object with an "error" for a 4xx, and
//     Cache-Control: no-store on every answer;
//   - a 4xx or a read (GET, HEAD) changes no tenant's tokens;
//   - whatever it does, other's tokens are unchanged: the handler
//     manages the tenant Options.Tenant names, no other;
//   - a 201 to POST /tokens returns a plaintext that authenticates as
//     acme, under the name the body gave; a 204 to DELETE revoked one of
//     acme's tokens.
func FuzzAdminAPI(f *testing.F) {
	for _, s := range []struct {
		method               uint8
		path, ct, site, body string
	}{
		{0, "/status", "", "", ""},
		{0, "/tokens", "", "", ""},
		{0, "/requests?limit=5", "", "", ""},
		{0, "/requests?limit=-1", "", "", ""},
		{0, "/feed?limit=99999999999999999999", "", "", ""},
		{1, "/tokens", "application/json", "same-origin", `{"name":"Okta","expiresInDays":30,"connectionId":"c","labels":{"idp":"okta"}}`},
		{1, "/tokens", "application/json; charset=utf-8", "", `{}`},
		{1, "/tokens", "application/json", "", ``},
		{1, "/tokens", "application/json", "", `null`},
		{1, "/tokens", "application/json", "", `{"name":"x"} {}`},
		{1, "/tokens", "application/json", "", `{"name":"\ud800","labels":{"":"x"}}`},
		{1, "/tokens", "application/json", "", `{"expiresInDays":1e400}`},
		{1, "/tokens", "text/plain", "", `{}`},
		{1, "/tokens", "application/json", "cross-site", `{}`},
		{2, "/tokens/@a", "", "", ""},
		{2, "/tokens/@o", "", "", ""},
		{2, "/tokens/%2e%2e/status", "", "", ""},
		{3, "/tokens", "", "", ""},
		{4, "/tokens/@a", "application/json", "", `{}`},
		{5, "/nowhere", "", "", ""},
	} {
		f.Add(s.method, s.path, s.ct, s.site, s.body)
	}
	f.Fuzz(func(t *testing.T, method uint8, path, ct, site, body string) {
		e := newAdminEnv(t, tokens.OneActive)
		_, a, err := e.m.Generate(ctx, tokens.GenerateOptions{TenantID: "acme", Name: "a"})
		require.NoError(t, err)
		_, o, err := e.m.Generate(ctx, tokens.GenerateOptions{TenantID: "other", Name: "o"})
		require.NoError(t, err)
		path = strings.NewReplacer("@a", a.ID, "@o", o.ID).Replace(path)
		u, err := url.ParseRequestURI(path)
		if err != nil || u.Host != "" || u.Scheme != "" {
			t.Skip("no path a client can send")
		}
		m := fuzzAdminMethods[int(method)%len(fuzzAdminMethods)]
		r, err := http.NewRequest(m, "http://admin.example.com"+u.RequestURI(), strings.NewReader(body))
		if err != nil {
			t.Skip("no request a client can send")
		}
		for k, v := range map[string]string{"Content-Type": ct, "Sec-Fetch-Site": site} {
			if v != "" {
				if strings.ContainsAny(v, "\r\n\x00") {
					t.Skip("a header net/http would refuse")
				}
				r.Header.Set(k, v)
			}
		}
		r.Header.Set("X-Tenant", "acme")
		acme, other := tokenList(t, e.m, "acme"), tokenList(t, e.m, "other")
		w := httptest.NewRecorder()
		e.h.ServeHTTP(w, r)
		what := m + " " + r.URL.String() + " " + body + ": " + w.Result().Status + " " + w.Body.String()

		require.Less(t, w.Code, 500, what+"\nlogged: "+e.logs.String())
		require.Equal(t, "no-store", w.Header().Get("Cache-Control"), what)
		if m != "HEAD" && w.Code != http.StatusNoContent {
			var v map[string]any
			require.NoError(t, json.Unmarshal(w.Body.Bytes(), &v), what)
			if w.Code >= 400 {
				require.IsType(t, "", v["error"], what)
			}
		}
		require.Equal(t, other, tokenList(t, e.m, "other"), what)
		if w.Code >= 400 || m == "GET" || m == "HEAD" {
			require.Equal(t, acme, tokenList(t, e.m, "acme"), what)
		}
		switch w.Code {
		case http.StatusCreated:
			var resp struct {
				Token string
				Info  tokens.Token
			}
			require.NoError(t, json.Unmarshal(w.Body.Bytes(), &resp), what)
			got, err := e.m.Authenticate(ctx, resp.Token)
			require.NoError(t, err, what)
			require.Equal(t, "acme", got.TenantID, what)
			var req struct{ Name string }
			_ = json.Unmarshal([]byte(body), &req)
			require.Equal(t, req.Name, got.Name, what)
		case http.StatusNoContent:
			list, err := e.m.List(ctx, "acme")
			require.NoError(t, err, what)
			require.Len(t, list, 1, what)
			require.False(t, list[0].RevokedAt.IsZero(), "a 204 that revoked nothing: "+what)
		}
	})
}
