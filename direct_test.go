package scim

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/store/memory"
)

// TestDirectRoute: the requests directRoute serves without the mux are
// ones the mux routes to the same pattern (GET /Users/{id} or
// GET /Groups/{id} with the same id, GET or POST of /Users or /Groups);
// every other one is left to the mux.
func TestDirectRoute(t *testing.T) {
	db := memory.New()
	hs := map[bool]*handler{}
	for _, groups := range []bool{true, false} {
		cfg := Config{Users: db, InsecureNoAuth: true}
		if groups {
			cfg.Groups = db
		}
		h, err := newHandler(cfg)
		require.NoError(t, err)
		hs[groups] = h
	}
	// ids is what the mux's {id} wildcard gives.
	var id string
	ids := http.NewServeMux()
	ids.HandleFunc("GET /Users/{id}", func(_ http.ResponseWriter, r *http.Request) { id = r.PathValue("id") })
	ids.HandleFunc("GET /Groups/{id}", func(_ http.ResponseWriter, r *http.Request) { id = r.PathValue("id") })

	for _, c := range []struct {
		method, target string
		groups         bool
		direct         bool
	}{
		{"GET", "/Users/2819c223-7f76-453a-919d-413861904646", true, true},
		{"GET", "/Groups/e9e30dba-f08f-4109-8486-d5c6a331660a", true, true},
		{"GET", "/Groups/e9e30dba", false, false},
		{"GET", "/Users/a%20b", true, true},
		{"GET", "/Users/%C3%A9t%C3%A9", true, true},
		{"GET", "/Users/a+b;c@d:e", true, true},
		{"GET", "/Users/a%2Fb", true, false},
		{"GET", "/Users/%c3%a9", true, false},
		{"GET", "/Users/%2E%2E", true, false},
		{"GET", "/Users/.search", true, false},
		{"GET", "/Groups/.search", true, false},
		{"GET", "/Users/.", true, false},
		{"GET", "/Users/..", true, false},
		{"GET", "/Users/", true, false},
		{"GET", "/Users/x/", true, false},
		{"GET", "/Users/x/y", true, false},
		{"GET", "/Users", true, true},
		{"POST", "/Users", true, true},
		{"GET", "/Groups", true, true},
		{"POST", "/Groups", true, true},
		{"GET", "/Groups", false, false},
		{"POST", "/Groups", false, false},
		{"HEAD", "/Users", true, false},
		{"PUT", "/Users", true, false},
		{"PATCH", "/Groups", true, false},
		{"POST", "/Users/", true, false},
		{"GET", "/users", true, false},
		{"POST", "/Users/.search", true, false},
		{"GET", "/Users?filter=userName+eq+%22x%22", true, true},
		{"GET", "/Users%2F", true, false},
		{"GET", "/UsersX/y", true, false},
		{"GET", "/Schemas/urn:x", true, false},
		{"HEAD", "/Users/x", true, false},
		{"PUT", "/Users/x", true, false},
		{"DELETE", "/Groups/x", true, false},
	} {
		t.Run(c.method+" "+c.target, func(t *testing.T) {
			h := hs[c.groups]
			r := httptest.NewRequest(c.method, c.target, nil)
			pattern, got := h.directPattern(r)
			require.Equal(t, c.direct, pattern != "")
			if pattern == "" {
				return
			}
			_, want := h.mux.Handler(r)
			assert.Equal(t, want, pattern, "the mux routes it to the pattern directRoute serves")
			if !strings.HasSuffix(pattern, "{id}") {
				assert.Empty(t, got)
				assert.NotNil(t, h.collections[pattern], "the mux's handler of it")
				return
			}
			id = "\x00"
			ids.ServeHTTP(httptest.NewRecorder(), r)
			assert.Equal(t, id, got, "the mux's id")
		})
	}
}

// TestDirectRouteAnswersAsTheMux: every request directRoute serves gets
// the answer the mux's handler gives it: status, headers and body. The
// mux's answer is had by giving the request a RawPath equal to its
// escaped path, which routes it the same way but which directPattern
// leaves to the mux (it takes only requests whose RawPath is empty).
func TestDirectRouteAnswersAsTheMux(t *testing.T) {
	newServer := func() http.Handler {
		db := memory.New()
		h, err := NewHandler(Config{Users: db, Groups: db, InsecureNoAuth: true})
		require.NoError(t, err)
		return h
	}
	do := func(h http.Handler, method, target, body string, hdr map[string]string, viaMux bool) *httptest.ResponseRecorder {
		var r *http.Request
		if body == "" {
			r = httptest.NewRequest(method, target, nil)
		} else {
			r = httptest.NewRequest(method, target, strings.NewReader(body))
			r.Header.Set("Content-Type", "application/scim+json")
		}
		for k, v := range hdr {
			r.Header.Set(k, v)
		}
		if viaMux {
			r.URL.RawPath = r.URL.EscapedPath()
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	seeded := newServer()
	user := do(seeded, "POST", "/Users", `{"userName":"bjensen","emails":[{"value":"b@x","type":"work"}]}`, nil, false)
	require.Equal(t, http.StatusCreated, user.Code, user.Body.String())
	uid := decodeID(t, user.Body.Bytes())
	group := do(seeded, "POST", "/Groups", `{"displayName":"admins","members":[{"value":"`+uid+`"}]}`, nil, false)
	require.Equal(t, http.StatusCreated, group.Code, group.Body.String())
	gid := decodeID(t, group.Body.Bytes())

	for _, c := range []struct {
		name, method, target, body string
		hdr                        map[string]string
		// fresh sends the request to two servers of empty stores, one
		// each way, for a request that makes a resource.
		fresh bool
	}{
		{"user", "GET", "/Users/" + uid, "", nil, false},
		{"user, projected", "GET", "/Users/" + uid + "?attributes=userName,groups", "", nil, false},
		{"user, not modified", "GET", "/Users/" + uid, "", map[string]string{"If-None-Match": user.Header().Get("ETag")}, false},
		{"user missing", "GET", "/Users/2819c223-7f76-453a-919d-413861904646", "", nil, false},
		{"user, bad attributes", "GET", "/Users/" + uid + "?excludedAttributes=id", "", nil, false},
		{"group", "GET", "/Groups/" + gid, "", nil, false},
		{"group, without members", "GET", "/Groups/" + gid + "?excludedAttributes=members", "", nil, false},
		{"lookup", "GET", `/Users?filter=userName+eq+%22bjensen%22`, "", nil, false},
		{"lookup, a miss", "GET", `/Users?filter=userName+eq+%22nobody%22`, "", nil, false},
		{"lookup, bad filter", "GET", `/Users?filter=userName+eq`, "", nil, false},
		{"list, bad count", "GET", "/Users?count=x", "", nil, false},
		{"groups", "GET", "/Groups?filter=displayName+eq+%22admins%22", "", nil, false},
		{"create, taken", "POST", "/Users", `{"userName":"BJensen"}`, nil, false},
		{"create, no userName", "POST", "/Users", `{"name":{"givenName":"B"}}`, nil, false},
		{"create, not JSON", "POST", "/Users", `{"userName":`, nil, false},
		{"create group, taken", "POST", "/Groups", `{"displayName":"admins"}`, nil, false},
		{"create", "POST", "/Users?attributes=userName", `{"userName":"alice","active":true}`, nil, true},
		{"create group, unknown member", "POST", "/Groups", `{"displayName":"ops","members":[{"value":"nobody"}]}`, nil, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			viaDirect, viaMux := seeded, seeded
			if c.fresh {
				viaDirect, viaMux = newServer(), newServer()
			}
			direct := do(viaDirect, c.method, c.target, c.body, c.hdr, false)
			mux := do(viaMux, c.method, c.target, c.body, c.hdr, true)
			assert.Equal(t, mux.Code, direct.Code)
			for _, k := range []string{"Content-Type", "Location", "ETag", "Allow"} {
				if c.fresh && k == "Location" {
					continue // each server made its own resource
				}
				assert.Equal(t, mux.Header().Get(k), direct.Header().Get(k), k)
			}
			if c.fresh {
				require.Equal(t, http.StatusCreated, direct.Code, direct.Body.String())
				assert.Equal(t, withoutMeta(t, mux.Body.Bytes()), withoutMeta(t, direct.Body.Bytes()))
				return
			}
			assert.Equal(t, mux.Body.String(), direct.Body.String())
		})
	}
}

// decodeID is the id of the resource document body.
func decodeID(t *testing.T, body []byte) string {
	t.Helper()
	var doc struct{ ID string }
	require.NoError(t, json.Unmarshal(body, &doc))
	require.NotEmpty(t, doc.ID)
	return doc.ID
}

// withoutMeta is the resource document body without its id and meta,
// which differ between two resources made from one request.
func withoutMeta(t *testing.T, body []byte) map[string]any {
	t.Helper()
	var doc map[string]any
	require.NoError(t, json.Unmarshal(body, &doc))
	delete(doc, "id")
	delete(doc, "meta")
	return doc
}
