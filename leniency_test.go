package scim_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/admin"
	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/idptest"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/memory"
)

// TestEndpointSpelling: endpoint names in any case and with a trailing
// slash (Microsoft's SCIM validator sends /users and /Users/?filter=) are
// served like the canonical ones, with a warning; ids keep their case.
func TestEndpointSpelling(t *testing.T) {
	ring := admin.NewRequestRing(100)
	e := newEnv(t, func(c *scim.Config) { c.RequestLog = ring })
	u := e.createUser("spelling")
	id := u["id"].(string)
	for _, tc := range []struct {
		path    string
		code    int
		warning string
	}{
		{"/users?filter=userName+eq+%22spelling%22", 200, `endpoint "/users" taken as "/Users"`},
		{"/Users/?filter=userName+eq+%22spelling%22", 200, `endpoint "/Users/" taken as "/Users"`},
		{"/USERS/" + id, 200, `endpoint "/USERS/` + id + `" taken as "/Users/` + id + `"`},
		{"/serviceproviderconfig", 200, `taken as "/ServiceProviderConfig"`},
		{"/schemas/urn:ietf:params:scim:schemas:core:2.0:User", 200, `taken as "/Schemas/urn:ietf:params:scim:schemas:core:2.0:User"`},
		{"//Users?filter=userName+eq+%22spelling%22", 200, `endpoint "//Users" taken as "/Users"`},
		{"//Users/" + id, 200, `endpoint "//Users/` + id + `" taken as "/Users/` + id + `"`},
		{"///ServiceProviderConfig", 200, `endpoint "///ServiceProviderConfig" taken as "/ServiceProviderConfig"`},
		{"/Users/" + id, 200, ""},
		{"/Users/" + id + "X", 404, ""},
		{"/Nope/", 404, ""},
	} {
		t.Run(tc.path, func(t *testing.T) {
			r := e.do("GET", tc.path, nil)
			require.Equal(t, tc.code, r.Code, r.Raw)
			recent, err := ring.Recent(context.Background(), "", 1)
			require.NoError(t, err)
			require.Len(t, recent, 1)
			if tc.warning == "" {
				assert.Empty(t, recent[0].Warnings)
				return
			}
			require.Len(t, recent[0].Warnings, 1)
			assert.Contains(t, recent[0].Warnings[0], tc.warning)
			assert.Contains(t, e.logs.String(), `"level":"WARN","msg":"scim request"`)
		})
	}
	r := e.do("POST", "/groups/", map[string]any{"displayName": "spelled"})
	assert.Equal(t, 201, r.Code, r.Raw)
	// JumpCloud, given a base URL that ends with a slash, creates its
	// test user at //Users.
	r = e.do("POST", "//Users", map[string]any{"userName": "doubleslash"})
	assert.Equal(t, 201, r.Code, r.Raw)
	assert.Equal(t, base+"/Users/"+r.str("id"), r.Header.Get("Location"))
	r = e.do("POST", "/users/.SEARCH", map[string]any{"filter": `userName eq "spelling"`})
	assert.Equal(t, 200, r.Code, r.Raw)
}

// TestUncleanPathIsNoRedirect: a path with an empty segment inside it or
// a dot segment (/Users//ID, /Users/./ID, /Users/../Groups) was answered
// by the handler's own mux with a redirect to the cleaned path, 307 with
// an HTML body, whose Location ("/Users/ID") drops the prefix the host
// mounted the handler at (a plain http.StripPrefix does not clean
// paths): a client that follows it leaves the SCIM endpoint, and one that
// does not resend a POST's body gets no SCIM answer. Such a path names no
// resource (an id is one segment); it is a SCIM 404 that changes
// nothing. A doubled leading slash and a trailing one stay bends.
func TestUncleanPathIsNoRedirect(t *testing.T) {
	e := newEnv(t)
	id := e.createUser("unclean")["id"].(string)
	mounted := http.StripPrefix("/scim/v2", e.h)
	for _, tc := range []struct {
		method string
		path   string
		code   int
	}{
		{"GET", "/Users//" + id, 404},
		{"PATCH", "/Users//" + id, 404},
		{"DELETE", "/Users//" + id, 404},
		{"GET", "/Users/./" + id, 404},
		{"GET", "/Users/" + id + "/.", 404},
		{"GET", "/Users/" + id + "/..", 404},
		{"GET", "/Users/../Groups", 404},
		{"POST", "/./Users", 404},
		{"POST", "/../Users", 404},
		{"GET", "//Users//" + id, 404},
		{"POST", "/Users//.search", 404},
		{"GET", "/nope//x", 404},
		{"GET", "//nope", 404},
		{"GET", "//", 404},
		{"GET", "//Users/" + id, 200},
		{"GET", "/Users/" + id + "/", 200},
		{"GET", "/Users/a%2F%2Fb", 200}, // the id a//b, escaped: no such user
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			var body any
			if tc.method == "POST" || tc.method == "PATCH" {
				body = map[string]any{"userName": "made", "Operations": []any{map[string]any{"op": "replace", "path": "title", "value": "x"}}}
			}
			for _, r := range []*resp{e.do(tc.method, tc.path, body), e.doVia(mounted, tc.method, "/scim/v2"+tc.path, body)} {
				if tc.code == 404 {
					requireError(t, r, 404, "", "no SCIM resource at this path")
					assert.Empty(t, r.Header.Get("Location"), r.Raw)
					continue
				}
				if strings.Contains(tc.path, "%2F") {
					requireError(t, r, 404, "", "resource not found")
					continue
				}
				assert.Equal(t, tc.code, r.Code, r.Raw)
			}
		})
	}
	r := e.do("GET", "/Users/"+id, nil)
	require.Equal(t, 200, r.Code, r.Raw)
	assert.NotContains(t, r.Body, "title", "no PATCH was applied")
	assert.Equal(t, float64(1), e.do("GET", "/Users", nil).Body["totalResults"], "no POST created a user")
}

// TestPatchPathSchemas: a PATCH operation whose path is "schemas" was
// taken for one on an attribute no schema defines: "ignored unknown
// attribute \"schemas\"", and in strict mode a 400 saying "schemas" is
// not an attribute of the User resource, which RFC 7643 §3 makes every
// resource's. The server makes a resource's schemas from its attributes
// (a no-path value's "schemas" key was skipped so already, without a
// warning): an operation on it changes nothing, in either mode, and is no
// bend.
func TestPatchPathSchemas(t *testing.T) {
	for _, strict := range []bool{false, true} {
		ring := admin.NewRequestRing(10)
		e := newEnv(t, func(c *scim.Config) { c.RequestLog = ring; c.Strict = strict })
		id := e.createUser("schemaspath")["id"].(string)
		gid := e.createGroup("schemaspath")["id"].(string)
		for _, tc := range []struct {
			path string
			op   map[string]any
		}{
			{"/Users/" + id, op("remove", "schemas", nil)},
			{"/Users/" + id, op("add", "schemas", []any{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"})},
			{"/Users/" + id, op("replace", "SCHEMAS", []any{resources.UserSchema})},
			{"/Groups/" + gid, op("remove", "schemas", nil)},
		} {
			t.Run(fmt.Sprintf("strict=%v %s %s", strict, tc.op["op"], tc.path[:7]), func(t *testing.T) {
				query := "" // a group's members are left out of the answer
				if strings.HasPrefix(tc.path, "/Groups/") {
					query = "?excludedAttributes=members"
				}
				r := e.do("PATCH", tc.path+query, patchBody(tc.op))
				require.Equal(t, 200, r.Code, r.Raw)
				assert.Equal(t, `W/"1"`, r.Header.Get("ETag"), "nothing changed")
				recent, err := ring.Recent(context.Background(), "", 1)
				require.NoError(t, err)
				require.Len(t, recent, 1)
				assert.Empty(t, recent[0].Warnings)
			})
		}
	}
}

// TestPatchOpExtraMembers: Microsoft's SCIM validator sends the resource's
// id beside Operations; it is ignored, with a warning.
func TestPatchOpExtraMembers(t *testing.T) {
	ring := admin.NewRequestRing(10)
	e := newEnv(t, func(c *scim.Config) { c.RequestLog = ring })
	id := e.createUser("envelope")["id"].(string)
	r := e.do("PATCH", "/Users/"+id, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"id":"`+id+`","Operations":[{"op":"replace","path":"title","value":"Boss"}]}`)
	require.Equal(t, 200, r.Code, r.Raw)
	assert.Equal(t, "Boss", r.str("title"))
	recent, err := ring.Recent(context.Background(), "", 1)
	require.NoError(t, err)
	assert.Equal(t, []string{`ignored "id" beside Operations in the PatchOp body`}, recent[0].Warnings)
}

// TestAttributesValueFilter: a value filter in attributes returns only the
// matching elements (Microsoft's validator sends attributes=emails[type eq
// "work"]); names that resolve to nothing return only what is always
// returned.
func TestAttributesValueFilter(t *testing.T) {
	e := newEnv(t)
	e.createUser("vf", map[string]any{"emails": []any{
		map[string]any{"value": "home@example.com", "type": "home"},
		map[string]any{"value": "work@example.com", "type": "work", "primary": true},
	}})
	for _, tc := range []struct {
		name, query string
		code        int
		want        map[string]any // the first resource, without schemas and id
	}{
		{"filtered elements", `attributes=emails[type+eq+%22work%22]`, 200,
			map[string]any{"emails": []any{map[string]any{"value": "work@example.com", "type": "work", "primary": true}}}},
		{"filtered sub-attribute", `attributes=emails[type+eq+%22home%22].value`, 200,
			map[string]any{"emails": []any{map[string]any{"value": "home@example.com"}}}},
		{"no element matches", `attributes=emails[type+eq+%22other%22],userName`, 200,
			map[string]any{"userName": "vf"}},
		{"the whole attribute wins", `attributes=emails,emails[type+eq+%22work%22]`, 200,
			map[string]any{"emails": []any{
				map[string]any{"value": "home@example.com", "type": "home"},
				map[string]any{"value": "work@example.com", "type": "work", "primary": true},
			}}},
		{"unknown name", `attributes=bogus`, 200, map[string]any{}},
		{"single-valued with a filter", `attributes=userName[type+eq+%22x%22]`, 400, nil},
		{"filter in excludedAttributes", `excludedAttributes=emails[type+eq+%22work%22]`, 400, nil},
		{"bad sub-attribute in the filter", `attributes=emails[nope+eq+%22x%22]`, 400, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do("GET", "/Users?filter=userName+eq+%22vf%22&"+tc.query, nil)
			require.Equal(t, tc.code, r.Code, r.Raw)
			if tc.code != 200 {
				return
			}
			res := r.Body["Resources"].([]any)[0].(map[string]any)
			assert.NotEmpty(t, res["id"])
			assert.Equal(t, []any{"urn:ietf:params:scim:schemas:core:2.0:User"}, res["schemas"])
			delete(res, "id")
			delete(res, "schemas")
			assert.Equal(t, tc.want, res)
		})
	}
}

// TestMalformedQuery: a query string that cannot be decoded is a 400, not
// a list whose filter was silently dropped.
func TestMalformedQuery(t *testing.T) {
	e := newEnv(t)
	e.createUser("someone")
	for _, q := range []string{"filter=userName%20eq%20%22x%ZZ%22", "count=%G1", "attributes=a;b"} {
		t.Run(q, func(t *testing.T) {
			requireError(t, e.do("GET", "/Users?"+q, nil), 400, "invalidValue", "query string cannot be decoded")
		})
	}
}

// recordingLog keeps what the handler records, as a database-backed
// RequestLog would, without sanitizing anything itself.
type recordingLog struct {
	mu      sync.Mutex
	entries []admin.Request
}

func (l *recordingLog) Record(_ context.Context, r admin.Request) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.entries = append(l.entries, r)
	return nil
}

func (l *recordingLog) Recent(context.Context, string, int) ([]admin.Request, error) {
	return nil, nil
}

// TestRequestLogNeverStoresTokens: a token sent in a query string is
// redacted before any RequestLog sees the entry.
func TestRequestLogNeverStoresTokens(t *testing.T) {
	log := &recordingLog{}
	e := newEnv(t, func(c *scim.Config) { c.RequestLog = log })
	e.do("GET", "/Users?access_token="+e.token, nil)
	log.mu.Lock()
	defer log.mu.Unlock()
	require.Len(t, log.entries, 1)
	assert.NotContains(t, log.entries[0].Path, e.token)
	assert.Contains(t, log.entries[0].Path, "[REDACTED]")
}

// TestManagerReference: the enterprise manager's $ref and displayName are
// computed from the manager's User (RFC 7643 §4.3), with one lookup for a
// whole page.
func TestManagerReference(t *testing.T) {
	e := newEnv(t)
	boss := e.createUser("boss", map[string]any{"displayName": "The Boss"})
	ent := "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	for i := range 3 {
		e.createUser(fmt.Sprintf("report%d", i), map[string]any{ent: map[string]any{"manager": map[string]any{"value": boss["id"], "displayName": "stale"}}})
	}
	e.createUser("orphan", map[string]any{ent: map[string]any{"manager": "nobody"}})
	r := e.do("GET", "/Users?filter=userName+sw+%22report%22+or+userName+eq+%22orphan%22", nil)
	require.Equal(t, 200, r.Code, r.Raw)
	for _, res := range r.Body["Resources"].([]any) {
		u := res.(map[string]any)
		m := u[ent].(map[string]any)["manager"].(map[string]any)
		if u["userName"] == "orphan" {
			assert.Equal(t, map[string]any{"value": "nobody"}, m, "no user has the id: no $ref")
			continue
		}
		assert.Equal(t, map[string]any{"value": boss["id"], "$ref": base + "/Users/" + boss["id"].(string), "displayName": "The Boss"}, m)
	}
	excluded := e.do("GET", "/Users?filter=userName+eq+%22report0%22&excludedAttributes="+ent+":manager", nil)
	assert.NotContains(t, excluded.Raw, "manager")
}

// TestLeniencyAndStrictMode: what a sloppy client sends is accepted with a
// warning in the request log, and refused with a 400 in strict mode; what
// a client sends and compares comes back as sent.
func TestLeniencyAndStrictMode(t *testing.T) {
	for name, open := range concurrencyStores(t) {
		t.Run(name, func(t *testing.T) {
			users, groups := open(t)
			ring := admin.NewRequestRing(10)
			e := newEnv(t, func(c *scim.Config) { c.Users, c.Groups, c.RequestLog = users, groups, ring })
			strict := newEnv(t, func(c *scim.Config) { c.Users, c.Groups, c.Strict = users, groups, true })
			lastWarnings := func() []string {
				recent, err := ring.Recent(context.Background(), "", 1)
				require.NoError(t, err)
				return recent[0].Warnings
			}

			u := e.do("POST", "/Users", map[string]any{"userName": "sloppy", "emails": []any{
				map[string]any{"value": "a@x", "primary": false}, map[string]any{"value": "b@x", "primary": true}, map[string]any{"value": "c@x", "primary": true},
				map[string]any{"value": "B@X", "type": nil}}})
			require.Equal(t, 201, u.Code, u.Raw)
			id := u.str("id")
			want := []any{
				map[string]any{"value": "a@x", "primary": false},
				map[string]any{"value": "b@x", "primary": true},
				map[string]any{"value": "c@x", "primary": false},
			}
			assert.Equal(t, want, u.Body["emails"], "primary false round-trips; one primary; the duplicate dropped")
			assert.Equal(t, want, e.do("GET", "/Users/"+id, nil).Body["emails"])

			r := e.do("PUT", "/Users/"+id, map[string]any{"schemas": []any{resources.UserSchema}, "userName": "sloppy", "adreses": []any{map[string]any{"type": "work"}}})
			require.Equal(t, 200, r.Code, r.Raw)
			assert.NotContains(t, r.Raw, "adreses")
			assert.Equal(t, []string{`ignored unknown attribute "adreses"`}, lastWarnings())

			for _, tc := range []struct {
				name, method, path string
				body               any
				scimType, detail   string
			}{
				{"unknown attribute", "PUT", "/Users/" + id, map[string]any{"userName": "sloppy", "adreses": []any{}}, "invalidSyntax", "adreses"},
				{"two primaries", "POST", "/Users", map[string]any{"userName": "s2", "emails": []any{map[string]any{"value": "a@x", "primary": true}, map[string]any{"value": "b@x", "primary": true}}}, "invalidValue", "more than one primary"},
				{"duplicate value", "POST", "/Users", map[string]any{"userName": "s3", "emails": []any{map[string]any{"value": "a@x"}, map[string]any{"value": "A@x"}}}, "invalidValue", "same value twice"},
				{"unknown path", "PATCH", "/Users/" + id, patchBody(op("replace", "shoeSize", "9")), "invalidPath", "shoeSize"},
				{"unquoted filter value", "GET", "/Users?filter=userName+eq+sloppy", nil, "invalidFilter", "must be quoted"},
			} {
				t.Run("strict "+tc.name, func(t *testing.T) {
					requireError(t, strict.do(tc.method, tc.path, tc.body), 400, tc.scimType, tc.detail)
				})
			}
			assert.Equal(t, 1, int(e.do("GET", "/Users?filter=userName+eq+sloppy", nil).Body["totalResults"].(float64)), "an unquoted value is a string")
			assert.Equal(t, []string{`unquoted filter value "sloppy" taken as a string`}, lastWarnings())
			// A query across resource types reads the filter once, whatever
			// number of types it runs on (users lack displayName, groups
			// userName: listParamsAcross rewrites it for each).
			for _, f := range []string{"userName+eq+sloppy", "displayName+eq+%22sloppy%22+or+userName+eq+sloppy"} {
				r := e.do("GET", "/?filter="+f, nil)
				require.Equal(t, 200, r.Code, r.Raw)
				assert.Equal(t, 1, int(r.Body["totalResults"].(float64)), f)
				assert.Equal(t, []string{`unquoted filter value "sloppy" taken as a string`}, lastWarnings(), f)
			}

			// A group PATCH bends each thing once, whichever way it is
			// applied: member changes alone, with others that change
			// nothing, or in full.
			g := e.do("POST", "/Groups", map[string]any{"displayName": "sloppy"})
			require.Equal(t, 201, g.Code, g.Raw)
			member := op("add", "members", []any{map[string]any{"value": id, "shoeSize": "9"}})
			unquoted := op("remove", "members[value eq nobody]", nil)
			// Each named by its operation (Operations[i]), however planned.
			bent := []string{`Operations[0]: ignored unknown attribute "members.shoeSize"`, `Operations[1]: unquoted filter value "nobody" taken as a string`,
				`Operations[1]: removed no member "nobody": the group has none with that value`}
			for _, body := range []any{
				patchBody(member, unquoted),
				patchBody(member, unquoted, op("replace", "displayName", "sloppy")),
				patchBody(member, unquoted, op("replace", "displayName", "renamed")),
			} {
				r := e.do("PATCH", "/Groups/"+g.str("id"), body)
				require.Less(t, r.Code, 300, r.Raw)
				assert.ElementsMatch(t, bent, lastWarnings())
			}
		})
	}
}

// TestFilterOnUnknownAttribute: one policy for attributes no schema
// defines: a filter on one is a 400 invalidFilter, in the core schema and
// in a registered extension alike.
func TestFilterOnUnknownAttribute(t *testing.T) {
	e := newEnv(t)
	for _, f := range []string{`shoeSize eq "9"`, `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:shoeSize eq "9"`} {
		t.Run(f, func(t *testing.T) {
			requireError(t, e.do("GET", "/Users?filter="+url.QueryEscape(f), nil), 400, "invalidFilter", "shoeSize")
		})
	}
}

// loggedEnv is newEnv with a request log of its own, in strict mode or
// not, and the users named created; last returns, as a one-entry slice,
// the log's newest entry: the request the test sent last.
func loggedEnv(t *testing.T, strict bool, users ...string) (e *env, last func() []admin.Request) {
	t.Helper()
	ring := admin.NewRequestRing(10)
	e = newEnv(t, func(c *scim.Config) { c.RequestLog, c.Strict = ring, strict })
	for _, n := range users {
		e.createUser(n)
	}
	return e, func() []admin.Request {
		t.Helper()
		recent, err := ring.Recent(context.Background(), "", 1)
		require.NoError(t, err)
		require.Len(t, recent, 1)
		return recent
	}
}

// TestPagingParameterBends: RFC 7644 §3.4.2.4 gives startIndex and count
// as integers. An empty value and an integer with spaces or a plus sign
// are taken, with a warning, and refused with 400 invalidValue in strict
// mode; what is no integer (1.5) is a 400 in both modes.
func TestPagingParameterBends(t *testing.T) {
	for _, tc := range []struct {
		query string
		// code and warning in the default mode; strict is the status in
		// strict mode.
		code    int
		warning string
		strict  int
		// startIndex and itemsPerPage of the default mode's page.
		start, items int
	}{
		{"startIndex=2&count=1", 200, "", 200, 2, 1},
		{"startIndex=-5&count=03", 200, "", 200, 1, 3},
		{"startIndex=&count=1", 200, "empty startIndex ignored", 400, 1, 1},
		{"count=", 200, "empty count ignored", 400, 1, 3},
		{"startIndex=%2B3&count=1", 200, `startIndex "+3" taken as 3`, 400, 3, 1},
		{"count=%2B2", 200, `count "+2" taken as 2`, 400, 1, 2},
		{"count=+2", 200, `count " 2" taken as 2`, 400, 1, 2}, // a plus sign unescaped is a space
		{"startIndex=%202&count=1", 200, `startIndex " 2" taken as 2`, 400, 2, 1},
		{"count=2%20", 200, `count "2 " taken as 2`, 400, 1, 2},
		{"startIndex=1.5", 400, "", 400, 0, 0},
		{"count=1.5", 400, "", 400, 0, 0},
		{"count=%20", 200, "empty count ignored", 400, 1, 3},
		{"count=%2B-2", 400, "", 400, 0, 0},
		{"count=%2B%2B2", 400, "", 400, 0, 0},
		{"count=1e2", 400, "", 400, 0, 0},
	} {
		t.Run(tc.query, func(t *testing.T) {
			for _, strict := range []bool{false, true} {
				e, last := loggedEnv(t, strict, "a", "b", "c")
				r := e.do("GET", "/Users?attributes=id&"+tc.query, nil)
				recent := last()
				if strict {
					require.Equal(t, tc.strict, r.Code, r.Raw)
					if tc.strict == 400 {
						requireError(t, r, 400, "invalidValue", "")
					}
					assert.Empty(t, recent[0].Warnings)
					continue
				}
				require.Equal(t, tc.code, r.Code, r.Raw)
				if tc.code != 200 {
					requireError(t, r, 400, "invalidValue", "must be an integer")
					continue
				}
				assert.Equal(t, float64(tc.start), r.Body["startIndex"])
				assert.Equal(t, float64(tc.items), r.Body["itemsPerPage"])
				if tc.warning == "" {
					assert.Empty(t, recent[0].Warnings)
					continue
				}
				assert.Equal(t, []string{tc.warning}, recent[0].Warnings)
				assert.Contains(t, e.logs.String(), `"level":"WARN","msg":"scim request"`)
			}
		})
	}
}

// TestSchemasBend: a body whose "schemas" is missing or does not list the
// URN of what it is sent as (RFC 7643 §3 makes "schemas" REQUIRED in a
// resource; RFC 7644 §3.5.2, §3.4.3 and §3.7.1 give the PatchOp,
// SearchRequest and BulkRequest bodies their URNs) is taken as that, with
// a warning in the log line and the request log; strict mode refuses it
// with 400 invalidSyntax and changes nothing. A message body's "schemas"
// given as one string is one value for a multi-valued attribute, as a
// resource's is: taken as a list of it, and refused in strict mode with
// the same words.
func TestSchemasBend(t *testing.T) {
	ring := admin.NewRequestRing(20)
	e := newEnv(t, func(c *scim.Config) { c.RequestLog = ring })
	strict := newEnv(t, func(c *scim.Config) { c.Users, c.Groups, c.Strict = e.db, e.db, true })
	uid := e.createUser("schemaless")["id"].(string)
	gid := e.createGroup("schemaless team")["id"].(string)
	const (
		patchOp  = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
		search   = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
		bulkReq  = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
		listResp = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
		// A resource's "schemas" as one string is refused in these words.
		oneSchema  = `one value for multi-valued "schemas" taken as a list of it`
		oneRefused = `attribute "schemas": is multi-valued: send a JSON list, even of one value (strict mode)`
		// OneLogin's "Core Schema" app sends SCIM 1.1's URN.
		scim1Core   = "urn:scim:schemas:core:1.0"
		scim1Advice = `its "schemas" lists a SCIM 1.1 schema (urn:scim:schemas:…) and this endpoint speaks SCIM 2.0 (RFC 7643, RFC 7644): configure the identity provider's SCIM 2.0 connector instead`
	)
	title := []any{op("replace", "title", "T")}
	member := []any{op("add", "members", []any{map[string]any{"value": uid}})}
	for _, tc := range []struct {
		name, method, path string
		body               map[string]any
		code               int
		warnings           []string
		detail             string // of the strict refusal, beside "schemas" and "strict mode"
	}{
		{"POST /Users without schemas", "POST", "/Users", map[string]any{"userName": "noschemas"}, 201,
			[]string{`"schemas" missing; taken as a User`}, ""},
		{"POST /Users with the Group schema", "POST", "/Users", map[string]any{"schemas": []any{resources.GroupSchema}, "userName": "groupschema"}, 201,
			[]string{`"schemas" does not list ` + resources.UserSchema + `; taken as a User`}, ""},
		{"PUT /Users/{id} without schemas", "PUT", "/Users/" + uid, map[string]any{"userName": "schemaless", "title": "P"}, 200,
			[]string{`"schemas" missing; taken as a User`}, ""},
		{"POST /Groups without schemas", "POST", "/Groups", map[string]any{"displayName": "noschemas team"}, 201,
			[]string{`"schemas" missing; taken as a Group`}, ""},
		{"PATCH /Users/{id} without schemas", "PATCH", "/Users/" + uid, map[string]any{"Operations": title}, 200,
			[]string{`"schemas" missing; taken as a PatchOp`}, ""},
		{"member PATCH with another message's schemas", "PATCH", "/Groups/" + gid, map[string]any{"schemas": []any{search}, "Operations": member}, 204,
			[]string{`"schemas" does not list ` + patchOp + `; taken as a PatchOp`}, ""},
		{"POST /Users/.search without schemas", "POST", "/Users/.search", map[string]any{"filter": `userName eq "schemaless"`}, 200,
			[]string{`"schemas" missing; taken as a SearchRequest`}, ""},
		{"POST /.search with the ListResponse schema", "POST", "/.search", map[string]any{"schemas": []any{listResp}}, 200,
			[]string{`"schemas" does not list ` + search + `; taken as a SearchRequest`}, ""},
		{"POST /Bulk without schemas", "POST", "/Bulk", map[string]any{"Operations": []any{map[string]any{"method": "POST", "path": "/Users", "bulkId": "b",
			"data": map[string]any{"schemas": []any{resources.UserSchema}, "userName": "bulkschemaless"}}}}, 200,
			[]string{`"schemas" missing; taken as a BulkRequest`}, ""},
		{"PATCH with schemas as one string", "PATCH", "/Users/" + uid, map[string]any{"schemas": patchOp, "Operations": title}, 200,
			[]string{oneSchema}, oneRefused},
		{"member PATCH with schemas as one string", "PATCH", "/Groups/" + gid, map[string]any{"schemas": strings.ToUpper(patchOp), "Operations": member}, 204,
			[]string{oneSchema}, oneRefused},
		{"PATCH with another message's schema as one string", "PATCH", "/Users/" + uid, map[string]any{"schemas": search, "Operations": title}, 200,
			[]string{oneSchema, `"schemas" does not list ` + patchOp + `; taken as a PatchOp`}, oneRefused},
		{"POST /Users/.search with schemas as one string", "POST", "/Users/.search", map[string]any{"schemas": search, "filter": `userName eq "schemaless"`}, 200,
			[]string{oneSchema}, oneRefused},
		{"POST /Bulk with schemas as one string", "POST", "/Bulk", map[string]any{"schemas": bulkReq, "Operations": []any{}}, 200,
			[]string{oneSchema}, oneRefused},
		{"POST /Bulk with another message's schema as one string", "POST", "/Bulk", map[string]any{"schemas": patchOp, "Operations": []any{}}, 200,
			[]string{oneSchema, `"schemas" does not list ` + bulkReq + `; taken as a BulkRequest`}, oneRefused},
		{"POST /Users with SCIM 1.1's core schema", "POST", "/Users", map[string]any{"schemas": []any{scim1Core}, "userName": "scim1user"}, 201,
			[]string{`"schemas" does not list ` + resources.UserSchema + `; taken as a User; ` + scim1Advice}, scim1Advice + " (strict mode)"},
		{"PUT /Users/{id} with SCIM 1.1's core schema as one string, in capitals", "PUT", "/Users/" + uid, map[string]any{"schemas": strings.ToUpper(scim1Core), "userName": "schemaless"}, 200,
			[]string{oneSchema, `"schemas" does not list ` + resources.UserSchema + `; taken as a User; ` + scim1Advice}, oneRefused},
		{"POST /Groups with SCIM 1.1's core schema", "POST", "/Groups", map[string]any{"schemas": []any{scim1Core}, "displayName": "scim1 team"}, 201,
			[]string{`"schemas" does not list ` + resources.GroupSchema + `; taken as a Group; ` + scim1Advice}, scim1Advice + " (strict mode)"},
		{"POST /Bulk with SCIM 1.1's core schema", "POST", "/Bulk", map[string]any{"schemas": []any{scim1Core}, "Operations": []any{map[string]any{"method": "POST", "path": "/Users", "bulkId": "b",
			"data": map[string]any{"schemas": []any{resources.UserSchema}, "userName": "bulkscim1"}}}}, 200,
			[]string{`"schemas" does not list ` + bulkReq + `; taken as a BulkRequest; ` + scim1Advice}, scim1Advice + " (strict mode)"},
		{"POST /Bulk with SCIM 1.1's core schema as one string, in capitals", "POST", "/Bulk", map[string]any{"schemas": strings.ToUpper(scim1Core), "Operations": []any{}}, 200,
			[]string{oneSchema, `"schemas" does not list ` + bulkReq + `; taken as a BulkRequest; ` + scim1Advice}, oneRefused},
		{"POST /Bulk as SCIM 1.1 sends it, its data too", "POST", "/Bulk", map[string]any{"schemas": []any{scim1Core}, "Operations": []any{map[string]any{"method": "POST", "path": "/Users", "bulkId": "b",
			"data": map[string]any{"schemas": []any{scim1Core}, "userName": "bulkscim1data"}}}}, 200,
			[]string{`"schemas" does not list ` + bulkReq + `; taken as a BulkRequest; ` + scim1Advice,
				`Operations[0] (bulkId "b"): "schemas" does not list ` + resources.UserSchema + `; taken as a User; ` + scim1Advice}, scim1Advice + " (strict mode)"},
		{"POST /.search with SCIM 1.1's core schema", "POST", "/.search", map[string]any{"schemas": []any{scim1Core}}, 200,
			[]string{`"schemas" does not list ` + search + `; taken as a SearchRequest; ` + scim1Advice}, scim1Advice + " (strict mode)"},
		{"PATCH with SCIM 1.1's core schema beside Operations", "PATCH", "/Users/" + uid, map[string]any{"schemas": []any{scim1Core}, "Operations": title}, 200,
			[]string{`"schemas" does not list ` + patchOp + `; taken as a PatchOp; ` + scim1Advice}, scim1Advice + " (strict mode)"},
		{"POST /Users listing its schemas in another case", "POST", "/Users", map[string]any{
			"schemas": []any{strings.ToUpper(resources.UserSchema), resources.EnterpriseUserSchema}, "userName": "listed"}, 201, nil, ""},
		{"POST /Groups with Entra's own schema URN beside the core one", "POST", "/Groups", map[string]any{"schemas": []any{resources.GroupSchema,
			"http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"}, "displayName": "entra team", "members": []any{}}, 201, nil, ""},
		{"PATCH listing PatchOp", "PATCH", "/Users/" + uid, map[string]any{"schemas": []any{patchOp}, "Operations": title}, 200, nil, ""},
		{"POST /Bulk listing BulkRequest", "POST", "/Bulk", map[string]any{"schemas": []any{bulkReq}, "Operations": []any{}}, 200, nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := [2]string{e.do("GET", "/Users", nil).Raw, e.do("GET", "/Groups", nil).Raw}
			r := strict.do(tc.method, tc.path, tc.body)
			if tc.warnings != nil {
				requireError(t, r, 400, "invalidSyntax", `"schemas"`)
				assert.Contains(t, r.str("detail"), "strict mode")
				assert.Contains(t, r.str("detail"), tc.detail)
				assert.Equal(t, before, [2]string{e.do("GET", "/Users", nil).Raw, e.do("GET", "/Groups", nil).Raw}, "a refused request changes nothing")
			} else {
				require.Equal(t, tc.code, r.Code, r.Raw)
			}

			body := tc.body
			if r.Code == 201 { // strict mode created it: another name
				body = maps.Clone(body)
				for _, k := range []string{"userName", "displayName"} {
					if v, ok := body[k].(string); ok {
						body[k] = v + "2"
					}
				}
			}
			r = e.do(tc.method, tc.path, body)
			require.Equal(t, tc.code, r.Code, r.Raw)
			recent, err := ring.Recent(context.Background(), "", 1)
			require.NoError(t, err)
			assert.Equal(t, tc.warnings, recent[0].Warnings)
			for _, w := range tc.warnings {
				esc, err := json.Marshal(w)
				require.NoError(t, err)
				assert.Contains(t, e.logs.String(), string(esc[1:len(esc)-1]), "the log line carries the warning")
			}
		})
	}
}

// TestSCIM1Patch: a SCIM 1.1 client's membership PATCH (its resource's
// own members with "operation":"delete", no Operations) is no PatchOp; the
// 400 says it is SCIM 1.1's, so the admin changes the identity provider's
// connector instead of looking for a fault in the body, and the group
// keeps its members. A PatchOp-less body without SCIM 1.1's URN keeps the
// example of a PatchOp to send.
func TestSCIM1Patch(t *testing.T) {
	for _, strict := range []bool{false, true} {
		e, _ := loggedEnv(t, strict)
		uid := e.createUser("scim1member")["id"].(string)
		gid := e.createGroup("scim1 team", uid)["id"].(string)
		before := e.do("GET", "/Groups/"+gid, nil).Raw
		for _, tc := range []struct {
			name   string
			body   map[string]any
			detail string
		}{
			{"SCIM 1.1 member removal", map[string]any{"schemas": []any{"urn:scim:schemas:core:1.0"},
				"members": []any{map[string]any{"value": uid, "operation": "delete"}}}, "this one is SCIM 1.1's: its \"schemas\" lists a SCIM 1.1 schema"},
			{"SCIM 1.1's URN as one string, in capitals", map[string]any{"schemas": "URN:SCIM:SCHEMAS:CORE:1.0",
				"members": []any{map[string]any{"value": uid}}}, "configure the identity provider's SCIM 2.0 connector instead"},
			{"no Operations, no SCIM 1.1", map[string]any{"schemas": []any{"urn:ietf:params:scim:api:messages:2.0:PatchOp"}},
				`a PATCH body needs an "Operations" list: {"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"]`},
		} {
			t.Run(fmt.Sprintf("%s/strict=%v", tc.name, strict), func(t *testing.T) {
				r := e.do("PATCH", "/Groups/"+gid, tc.body)
				requireError(t, r, 400, "invalidSyntax", tc.detail)
				assert.Equal(t, before, e.do("GET", "/Groups/"+gid, nil).Raw, "a refused PATCH changes nothing")
			})
		}
	}
}

// TestSCIM1BulkWithoutOperations: a bulk body without an Operations list
// that lists a SCIM 1.1 schema is refused, as a SCIM 1.1 PATCH is, with
// a 400 that says it is SCIM 1.1's, so the admin changes the connector;
// one without SCIM 1.1's URN keeps the example of a BulkRequest to send.
func TestSCIM1BulkWithoutOperations(t *testing.T) {
	for _, strict := range []bool{false, true} {
		e, _ := loggedEnv(t, strict)
		for _, tc := range []struct {
			name   string
			body   map[string]any
			detail string
		}{
			{"SCIM 1.1's URN", map[string]any{"schemas": []any{"urn:scim:schemas:core:1.0"}},
				"a BulkRequest needs an \"Operations\" list, and this one is SCIM 1.1's: its \"schemas\" lists a SCIM 1.1 schema"},
			{"SCIM 1.1's URN as one string, in capitals", map[string]any{"schemas": "URN:SCIM:SCHEMAS:CORE:1.0"},
				"configure the identity provider's SCIM 2.0 connector instead"},
			{"no Operations, no SCIM 1.1", map[string]any{"schemas": []any{"urn:ietf:params:scim:api:messages:2.0:BulkRequest"}},
				`a BulkRequest needs an "Operations" list: {"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"]`},
		} {
			t.Run(fmt.Sprintf("%s/strict=%v", tc.name, strict), func(t *testing.T) {
				r := e.do("POST", "/Bulk", tc.body)
				requireError(t, r, 400, "invalidSyntax", tc.detail)
			})
		}
	}
}

// TestProvidersListTheirSchemas: every identity provider conversation
// idptest replays (Entra's group create lists its own ADSCIM URN beside
// the core one) passes without a "schemas" warning, so the warning points
// at a client that really omits or misnames its URN.
func TestProvidersListTheirSchemas(t *testing.T) {
	var logs bytes.Buffer
	var mu sync.Mutex
	db := memory.New()
	h, err := scim.NewHandler(scim.Config{Users: db, Groups: db, InsecureNoAuth: true,
		Logger: slog.New(slog.NewJSONHandler(lockedWriter{&mu, &logs}, nil))})
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	results, err := idptest.Replay(context.Background(), idptest.Target{BaseURL: srv.URL})
	require.NoError(t, err)
	require.NotEmpty(t, results)
	for _, r := range results {
		assert.True(t, r.Passed(), "%s: %+v", r.Conversation.Name, r.Failures)
	}
	mu.Lock()
	defer mu.Unlock()
	assert.NotContains(t, logs.String(), `\"schemas\"`, "no provider's body is taken for a missing or misnamed schemas")
	assert.Contains(t, logs.String(), `"warnings"`, "the log carries the bends it does make")
}

// TestRepeatedListParameters: a list's one-value parameters (filter,
// sortBy, sortOrder, startIndex, count, cursor) given twice with different
// values are ambiguous, a 400 in both modes (invalidFilter for filter,
// invalidValue for the others); given twice with one value, that value is
// taken with a warning in the default mode and refused in strict mode.
// Before, the first was taken silently. attributes and excludedAttributes
// take lists, and a repeat adds to them.
func TestRepeatedListParameters(t *testing.T) {
	for _, tc := range []struct {
		query   string
		code    int    // default mode
		strict  int    // strict mode
		scim    string // scimType of a 400
		detail  string
		warning string
		items   int // itemsPerPage of a 200
	}{
		{query: `filter=userName+eq+"a"&filter=userName+eq+"b"`, code: 400, strict: 400, scim: "invalidFilter", detail: `filter is given 2 times with different values ("userName eq \"a\"", "userName eq \"b\"")`},
		{query: `filter=userName+eq+"a"&filter=userName+eq+"a"`, code: 200, strict: 400, scim: "invalidFilter", warning: "filter given 2 times with one value", items: 1},
		{query: `sortBy=userName&sortBy=id`, code: 400, strict: 400, scim: "invalidValue", detail: "sortBy is given 2 times with different values"},
		{query: `sortOrder=ascending&sortOrder=descending`, code: 400, strict: 400, scim: "invalidValue", detail: "sortOrder is given 2 times"},
		{query: `count=1&count=2`, code: 400, strict: 400, scim: "invalidValue", detail: "count is given 2 times"},
		{query: `startIndex=2&startIndex=2&startIndex=2`, code: 200, strict: 400, scim: "invalidValue", warning: "startIndex given 3 times with one value", items: 2},
		{query: `cursor=&cursor=abc`, code: 400, strict: 400, scim: "invalidValue", detail: "cursor is given 2 times"},
		{query: `attributes=userName&attributes=id`, code: 200, strict: 200, items: 3},
	} {
		t.Run(tc.query, func(t *testing.T) {
			for _, strict := range []bool{false, true} {
				e, last := loggedEnv(t, strict, "a", "b", "c")
				r := e.do("GET", "/Users?"+tc.query, nil)
				recent := last()
				want := tc.code
				if strict {
					want = tc.strict
				}
				require.Equal(t, want, r.Code, r.Raw)
				if want == 400 {
					requireError(t, r, 400, tc.scim, tc.detail)
					assert.Empty(t, recent[0].Warnings)
					continue
				}
				assert.Equal(t, float64(tc.items), r.Body["itemsPerPage"])
				if strict || tc.warning == "" {
					assert.Empty(t, recent[0].Warnings)
					continue
				}
				assert.Equal(t, []string{tc.warning}, recent[0].Warnings)
			}
		})
	}
}

// TestPatchOperationExtraMembers: a PATCH operation has op, path and
// value (RFC 7644 §3.5.2). Another member ("vaule", a misspelling) changes
// nothing; it was ignored in silence. It is ignored with a warning now,
// and refused in strict mode with 400 invalidSyntax naming it.
func TestPatchOperationExtraMembers(t *testing.T) {
	for _, strict := range []bool{false, true} {
		e, last := loggedEnv(t, strict)
		id := e.createUser("extra")["id"].(string)
		r := e.do("PATCH", "/Users/"+id, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[`+
			`{"op":"replace","path":"title","value":"Boss"},{"op":"replace","path":"nickName","vaule":"n","value":"Nick","note":1}]}`)
		recent := last()
		if strict {
			requireError(t, r, 400, "invalidSyntax", "Operations[1].vaule is not a member of a PATCH operation")
			got := e.do("GET", "/Users/"+id, nil)
			assert.Nil(t, got.Body["title"], "a refused PATCH changes nothing")
			continue
		}
		require.Equal(t, 200, r.Code, r.Raw)
		assert.Equal(t, "Boss", r.Body["title"])
		assert.Equal(t, "Nick", r.Body["nickName"])
		assert.Equal(t, []string{
			"ignored Operations[1].vaule: a PATCH operation has op, path and value",
			"ignored Operations[1].note: a PATCH operation has op, path and value",
		}, recent[0].Warnings)
	}
}

// TestBulkOperationExtraMembers: a bulk operation has method, bulkId,
// version, path and data (RFC 7644 §3.7); another member changes nothing
// and was ignored in silence. It is ignored with a warning now, and
// refused in strict mode with 400 invalidSyntax naming it.
func TestBulkOperationExtraMembers(t *testing.T) {
	for _, strict := range []bool{false, true} {
		e, last := loggedEnv(t, strict)
		r := e.do("POST", "/Bulk", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[`+
			`{"method":"POST","bulkId":"1","path":"/Users","note":"x","data":{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bulked"}}]}`)
		recent := last()
		if strict {
			requireError(t, r, 400, "invalidSyntax", "Operations[0].note is not a member of a bulk operation")
			assert.EqualValues(t, 0, e.do("GET", "/Users?count=0", nil).Body["totalResults"], "a refused bulk changes nothing")
			continue
		}
		require.Equal(t, 200, r.Code, r.Raw)
		assert.EqualValues(t, 1, e.do("GET", "/Users?count=0", nil).Body["totalResults"])
		assert.Contains(t, recent[0].Warnings, "ignored Operations[0].note: a bulk operation has method, bulkId, version, path and data")
	}
}

// TestExtraMemberNameBounded: the name of a member an operation does not
// have (a PATCH's or a bulk's) is the client's and of any length; the
// warning, the log line, the request log and a strict refusal show it as
// they show any client text, cut to clienttext.MaxQuoted bytes with its
// length, not whole (a 5,000-byte name was copied whole into each).
func TestExtraMemberNameBounded(t *testing.T) {
	name := strings.Repeat("k", 5000)
	shown := strings.Repeat("k", 128) + "… (5000 bytes)"
	tests := []struct {
		kind, method, path, body, message string
	}{
		{"PATCH", "PATCH", "/Users/{id}", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"title","value":"Boss","` + name + `":1}]}`,
			"a PATCH operation has op, path and value"},
		{"bulk", "POST", "/Bulk", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[{"method":"DELETE","path":"/Users/{id}","` + name + `":1}]}`,
			"a bulk operation has method, bulkId, version, path and data"},
	}
	for _, tt := range tests {
		for _, strict := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/strict=%v", tt.kind, strict), func(t *testing.T) {
				e, last := loggedEnv(t, strict)
				id := e.createUser("extra")["id"].(string)
				e.logs.Reset()
				r := e.do(tt.method, strings.ReplaceAll(tt.path, "{id}", id), strings.ReplaceAll(tt.body, "{id}", id))
				recent := last()
				entry, err := json.Marshal(recent[0])
				require.NoError(t, err)
				for where, text := range map[string]string{"response": r.Raw, "request log": string(entry), "log line": e.logs.String()} {
					assert.NotContains(t, text, strings.Repeat("k", 129), "%s holds the name whole", where)
				}
				if strict {
					require.Equal(t, 400, r.Code, r.Raw)
					assert.Contains(t, r.Body["detail"], "Operations[0]."+shown+" is not a member of")
					return
				}
				require.Less(t, r.Code, 300, r.Raw)
				assert.Contains(t, recent[0].Warnings, "ignored Operations[0]."+shown+": "+tt.message)
			})
		}
	}
}

// TestUnknownAttributeWarningNames: an attribute no schema of the type
// defines is ignored with a warning (and refused in strict mode) that
// names it by a path a human can find in the request and that names it
// alone (RFC 7644 §3.10): as sent when the client sent a path or a
// qualified key; a key inside an object after the object's name (a
// sub-attribute "name.foo"), inside an extension's object after the
// extension's URN and a colon (the RFC's fully qualified form), inside the
// core schema's object as the core name it is. A body and a PATCH name
// each the same way; the request log and the log line carry the same
// text.
func TestUnknownAttributeWarningNames(t *testing.T) {
	const ent, core = resources.EnterpriseUserSchema, resources.UserSchema
	e, last := loggedEnv(t, false)
	strict, _ := loggedEnv(t, true)
	user := func(e *env) string { return e.createUser("named")["id"].(string) }
	id, strictID := user(e), user(strict)
	put := func(k string, v any) map[string]any {
		return map[string]any{"schemas": []any{core}, "userName": "named", k: v}
	}
	value := func(k string, v any) map[string]any { return patchBody(op("replace", "", map[string]any{k: v})) }
	for _, tc := range []struct {
		name, method string
		body         map[string]any
		want         string // the name in the warning
		strict       string // what the refusal in strict mode says, when not attribute "want"
	}{
		{"top-level key", "PUT", put("shoeSize", 9), "shoeSize", ""},
		{"sub-attribute", "PUT", put("name", map[string]any{"foo": 1}), "name.foo", ""},
		{"sub-attribute of a multi-valued attribute", "PUT", put("emails", []any{map[string]any{"value": "a@x", "foo": 1}}), "emails.foo", ""},
		{"key qualified by the core URN", "PUT", put(core+":foo", 1), core + ":foo", ""},
		{"key inside the core schema's object", "PUT", put(core, map[string]any{"foo": 1}), "foo", ""},
		{"sub-attribute under a key qualified by the core URN", "PUT", put(core+":name", map[string]any{"foo": 1}), "name.foo", ""},
		{"key inside the enterprise extension's object", "PUT", put(ent, map[string]any{"foo": 1}), ent + ":foo", ""},
		{"key qualified by the enterprise URN", "PUT", put(ent+":foo", 1), ent + ":foo", ""},
		{"sub-attribute inside the enterprise extension", "PUT", put(ent, map[string]any{"manager": map[string]any{"value": "m", "foo": 1}}), ent + ":manager.foo", ""},
		{"key under an unknown URN", "PUT", put("urn:example:ext:foo", 1), "urn:example:ext:foo", ""},
		{"PATCH path", "PATCH", patchBody(op("replace", "shoeSize", 9)), "shoeSize", `path "shoeSize"`},
		{"PATCH path of a sub-attribute", "PATCH", patchBody(op("replace", "name.foo", 1)), "name.foo", `path "name.foo"`},
		{"PATCH path qualified by the core URN", "PATCH", patchBody(op("replace", core+":foo", 1)), core + ":foo", `path "` + core + `:foo"`},
		{"PATCH path qualified by the enterprise URN", "PATCH", patchBody(op("replace", ent+":foo", 1)), ent + ":foo", `path "` + ent + `:foo"`},
		{"PATCH value key", "PATCH", value("shoeSize", 9), "shoeSize", `value key "shoeSize"`},
		{"PATCH value key qualified by the core URN", "PATCH", value(core+":foo", 1), core + ":foo", `value key "` + core + `:foo"`},
		{"PATCH value key inside the core schema's object", "PATCH", value(core, map[string]any{"foo": 1}), "foo", `value key "foo"`},
		{"PATCH value key inside the enterprise extension's object", "PATCH", value(ent, map[string]any{"foo": 1}), ent + ":foo", `value key "foo" in "` + ent + `"`},
		{"PATCH value of the enterprise extension", "PATCH", patchBody(op("add", ent, map[string]any{"foo": 1})), ent + ":foo", `value key "foo" in "` + ent + `"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do(tc.method, "/Users/"+id, tc.body)
			require.Equal(t, 200, r.Code, r.Raw)
			warning := fmt.Sprintf("ignored unknown attribute %q", tc.want)
			if tc.method == "PATCH" {
				warning = "Operations[0]: " + warning // named by its operation
			}
			assert.Equal(t, []string{warning}, last()[0].Warnings, "the request log")
			esc, err := json.Marshal(warning)
			require.NoError(t, err)
			assert.Contains(t, e.logs.String(), string(esc[1:len(esc)-1]), "the log line")

			r = strict.do(tc.method, "/Users/"+strictID, tc.body)
			scimType, detail := "invalidSyntax", fmt.Sprintf("attribute %q", tc.want)
			if tc.strict != "" {
				scimType, detail = "invalidPath", tc.strict
			}
			requireError(t, r, 400, scimType, detail)
			assert.Contains(t, r.str("detail"), "strict mode")
		})
	}
}

// TestMissingContentType: a body sent without a Content-Type is read as
// application/scim+json, with a warning, and refused with 415 in strict
// mode (RFC 7644 §3.8: a client sends application/scim+json); a bulk
// operation, which carries no header of its own, is not warned about.
func TestMissingContentType(t *testing.T) {
	patch := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"title","value":"T"}]}`
	for _, tc := range []struct {
		name, method, path, body string
		code                     int
	}{
		{"POST", "POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"typeless{n}"}`, 201},
		{"PUT", "PUT", "/Users/{id}", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"ct"}`, 200},
		{"PATCH", "PATCH", "/Users/{id}", patch, 200},
		{"search", "POST", "/Users/.search", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"count":1}`, 200},
		{"bulk", "POST", "/Bulk", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[{"method":"PATCH","path":"/Users/{id}","data":` + patch + `}]}`, 200},
	} {
		for _, strict := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/strict=%v", tc.name, strict), func(t *testing.T) {
				e, last := loggedEnv(t, strict)
				id := e.createUser("ct")["id"].(string)
				path := strings.ReplaceAll(tc.path, "{id}", id)
				body := strings.NewReplacer("{id}", id, "{n}", "1").Replace(tc.body)
				r := e.do(tc.method, path, body, "Content-Type:")
				if strict {
					requireError(t, r, 415, "", "Content-Type")
					assert.Equal(t, "ct", e.do("GET", "/Users/"+id, nil).str("userName"), "nothing changed")
					assert.Empty(t, e.do("GET", "/Users/"+id, nil).str("title"), "nothing changed")
					return
				}
				require.Equal(t, tc.code, r.Code, r.Raw)
				assert.Equal(t, []string{"no Content-Type: the body was read as application/scim+json"}, last()[0].Warnings)
				body = strings.NewReplacer("{id}", id, "{n}", "2").Replace(tc.body)
				r = e.do(tc.method, path, body) // with application/scim+json
				require.Equal(t, tc.code, r.Code, r.Raw)
				assert.Empty(t, last()[0].Warnings)
			})
		}
	}
}

// TestEmptyBodyWithoutContentType: a request without a body has no type
// to check: a PATCH or /.search without one, and without a Content-Type,
// gets its endpoint's 400 "the body is empty" in both modes, and no
// warning about the type.
func TestEmptyBodyWithoutContentType(t *testing.T) {
	for _, tc := range []struct {
		name, method, path string
		body               any
	}{
		{"PATCH, no body", "PATCH", "/Users/{id}", nil},
		{"PATCH, a body of no bytes", "PATCH", "/Users/{id}", ""},
		{"search, no body", "POST", "/Users/.search", nil},
		{"search, a body of no bytes", "POST", "/.search", ""},
		{"POST, a body of no bytes", "POST", "/Users", ""},
	} {
		for _, strict := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/strict=%v", tc.name, strict), func(t *testing.T) {
				e, last := loggedEnv(t, strict)
				id := e.createUser("ct")["id"].(string)
				r := e.do(tc.method, strings.ReplaceAll(tc.path, "{id}", id), tc.body, "Content-Type:")
				requireError(t, r, 400, "invalidSyntax", "the body is empty")
				for _, w := range last()[0].Warnings {
					assert.NotContains(t, w, "Content-Type")
				}
			})
		}
	}
}

// TestManagerReferenceEscaped: the manager's value is the client's, and
// its $ref, made when a host's store holds a user of that id, is a URI
// (RFC 7643 §2.3.7): characters a path segment cannot hold are
// percent-encoded, as the id of a GET is.
func TestManagerReferenceEscaped(t *testing.T) {
	ent := "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	for _, tc := range []struct{ value, ref string }{
		{"a b/c?d#e%f", "/Users/a%20b%2Fc%3Fd%23e%25f"},
		{`{"value":"x"}`, "/Users/%7B%22value%22:%22x%22%7D"},
		{"plain-id_1.2~3", "/Users/plain-id_1.2~3"},
		{"é", "/Users/%C3%A9"},
	} {
		t.Run(tc.value, func(t *testing.T) {
			db := memory.New()
			e := newEnv(t, func(c *scim.Config) { c.Users, c.Groups = userWithID{db, tc.value}, db })
			u := e.createUser("report", map[string]any{ent: map[string]any{"manager": tc.value}})
			m := u[ent].(map[string]any)["manager"].(map[string]any)
			assert.Equal(t, map[string]any{"value": tc.value, "$ref": base + tc.ref}, m, "POST")
			id := u["id"].(string)
			for _, path := range []string{"/Users/" + id, "/Users?filter=userName+eq+%22report%22"} {
				assert.Contains(t, e.do("GET", path, nil).Raw, `"$ref":"`+base+tc.ref+`"`, path)
			}
			_, err := url.Parse(base + tc.ref)
			require.NoError(t, err)
		})
	}
}

// userWithID is a host's user store that also holds a user whose id is
// id, which a memory store, assigning UUIDs, cannot: it answers the
// handler's lookup of that id (filter id eq id) with that user.
type userWithID struct {
	store.UserStore
	id string
}

func (s userWithID) ListUsers(ctx context.Context, q store.Query) (store.Page[*resources.User], error) {
	if c, ok := q.Filter.(*filter.Compare); ok && c.Path.Name == "id" && c.Op == filter.Eq && c.Value == s.id {
		return store.Page[*resources.User]{Items: []*resources.User{{ID: s.id, UserName: "boss"}}, Total: 1}, nil
	}
	return s.UserStore.ListUsers(ctx, q)
}

// TestPatchEmptyPath: a PATCH operation whose path is the empty string
// (RFC 7644 §3.5.2's path grammar has no empty path) is taken as one
// without a path, with a warning, and refused in strict mode.
func TestPatchEmptyPath(t *testing.T) {
	for _, tc := range []struct {
		name, path string
	}{
		{"empty", `""`},
		{"spaces", `"  "`},
	} {
		for _, strict := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/strict=%v", tc.name, strict), func(t *testing.T) {
				e, last := loggedEnv(t, strict)
				id := e.createUser("emptypath")["id"].(string)
				r := e.do("PATCH", "/Users/"+id, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":`+tc.path+`,"value":{"title":"T"}}]}`)
				if strict {
					requireError(t, r, 400, "invalidPath", "Operations[0]: the path is empty")
					assert.Empty(t, e.do("GET", "/Users/"+id, nil).str("title"), "nothing changed")
					return
				}
				require.Equal(t, 200, r.Code, r.Raw)
				assert.Equal(t, "T", r.str("title"))
				assert.Equal(t, []string{"Operations[0]: an empty path taken as none"}, last()[0].Warnings)
			})
		}
	}
	e, _ := loggedEnv(t, false)
	id := e.createUser("emptypath")["id"].(string)
	requireError(t, e.do("PATCH", "/Users/"+id, `{"Operations":[{"op":"remove","path":""}]}`), 400, "noTarget", "remove needs a path")
	gid := e.createGroup("emptypath")["id"].(string)
	r := e.do("PATCH", "/Groups/"+gid+"?attributes=displayName", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"","value":{"displayName":"renamed"}}]}`)
	require.Equal(t, 200, r.Code, r.Raw)
	assert.Equal(t, "renamed", r.str("displayName"))
}

// TestPatchNoOperations: Microsoft's SCIM validator sends a PATCH whose
// "Operations" list is empty and expects it to succeed (scimmyjs/scimmy
// issues 59 and 90, AzureAD/SCIMReferenceCode issue 112). RFC 7644
// §3.5.2 asks for one or more operations: the default mode changes
// nothing and answers as for a PATCH that changes nothing, with a
// warning; strict mode refuses it.
func TestPatchNoOperations(t *testing.T) {
	const empty = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[]}`
	for _, strict := range []bool{false, true} {
		t.Run(fmt.Sprintf("strict=%v", strict), func(t *testing.T) {
			e, last := loggedEnv(t, strict)
			id := e.createUser("nooperations", map[string]any{"title": "T"})["id"].(string)
			gid := e.createGroup("nooperations", id)["id"].(string)
			for _, path := range []string{"/Users/" + id, "/Groups/" + gid, "/Groups/" + gid + "?excludedAttributes=members"} {
				before := e.do("GET", path, nil)
				r := e.do("PATCH", path, empty)
				if strict {
					requireError(t, r, 400, "invalidValue", `"Operations" is empty; a PATCH needs at least one operation (strict mode)`)
				} else {
					if path == "/Groups/"+gid {
						// A group PATCH asking for no attributes answers 204.
						require.Equal(t, 204, r.Code, r.Raw)
						assert.Equal(t, before.Header.Get("ETag"), r.Header.Get("ETag"), "the version as it was")
					} else {
						require.Equal(t, 200, r.Code, r.Raw)
						assert.Equal(t, before.Body, r.Body, "the resource as it was")
					}
					assert.Equal(t, []string{`"Operations" is empty: the PATCH changes nothing`}, last()[0].Warnings)
				}
				assert.Equal(t, before.Body, e.do("GET", path, nil).Body, "nothing changed, the version included")
			}
			r := e.do("PATCH", "/Users/nobody", empty)
			if strict {
				requireError(t, r, 400, "invalidValue", `"Operations" is empty`)
			} else {
				requireError(t, r, 404, "", "not found")
			}
		})
	}
}

// TestPatchAddOfAValuePresent: Entra sends "Add roles" with primary (as a
// string) and display for a role the user has. RFC 7644 §3.5.2.1: an add
// of a value already present succeeds; its other sub-attributes are
// merged into the stored value, which bends nothing (no duplicate
// dropped), in both modes.
func TestPatchAddOfAValuePresent(t *testing.T) {
	for _, strict := range []bool{false, true} {
		t.Run(fmt.Sprintf("strict=%v", strict), func(t *testing.T) {
			e, last := loggedEnv(t, strict)
			u := e.createUser("roles", map[string]any{"roles": []any{
				map[string]any{"value": "Admin", "type": "WindowsAzureActiveDirectoryRole", "primary": true, "display": "Old"},
			}})
			primary := any(false)
			if !strict {
				primary = "False" // Entra's string, a bend of its own
			}
			r := e.do("PATCH", "/Users/"+u["id"].(string), patchBody(op("Add", "roles", []any{map[string]any{
				"value": "Admin", "type": "WindowsAzureActiveDirectoryRole", "primary": primary, "display": "Administrator",
			}})))
			require.Equal(t, 200, r.Code, r.Raw)
			assert.Equal(t, []any{map[string]any{
				"value": "Admin", "type": "WindowsAzureActiveDirectoryRole", "primary": false, "display": "Administrator",
			}}, r.Body["roles"])
			for _, w := range last()[0].Warnings {
				assert.NotContains(t, w, "duplicate")
			}
		})
	}
}

// TestContentTypeByMethod: a missing Content-Type is judged only on the
// methods that read a body (POST, PUT, PATCH): a GET or DELETE with a
// body and no type is served in both modes, without a warning; a type
// that is not JSON is a 415 on every method. A chunked body (no
// Content-Length) is judged before it is read: an empty one without a
// type is a 415 in strict mode, and in lenient mode gets the warning and
// the endpoint's 400 "the body is empty".
func TestContentTypeByMethod(t *testing.T) {
	for _, tc := range []struct {
		name, method, path, ct string
		more                   []string // Content-Type lines after ct
		body                   io.Reader
		strict                 bool
		status                 int
		detail, warning        string
	}{
		{name: "GET, a body, no type", method: "GET", path: "/Users/{id}", body: strings.NewReader("x"), strict: true, status: 200},
		{name: "GET, a body, no type, lenient", method: "GET", path: "/Users/{id}", body: strings.NewReader("x"), status: 200},
		{name: "DELETE, a body, no type", method: "DELETE", path: "/Users/{id}", body: strings.NewReader("{}"), strict: true, status: 204},
		{name: "GET, a body of another type", method: "GET", path: "/Users/{id}", ct: "text/plain", body: strings.NewReader("x"), status: 415, detail: `Content-Type "text/plain" is not accepted`},
		{name: "DELETE, a body of another type, strict", method: "DELETE", path: "/Users/{id}", ct: "text/plain", body: strings.NewReader("x"), strict: true, status: 415, detail: `Content-Type "text/plain" is not accepted`},
		{name: "PATCH, a chunked empty body, no type, strict", method: "PATCH", path: "/Users/{id}", body: io.MultiReader(), strict: true, status: 415, detail: "has a body but no Content-Type; send Content-Type: application/scim+json (strict mode)"},
		{name: "PATCH, a chunked empty body, no type, lenient", method: "PATCH", path: "/Users/{id}", body: io.MultiReader(), status: 400, detail: "the body is empty", warning: "no Content-Type"},
		// A JSON body is UTF-8 (RFC 7644 §8.1): another declared charset
		// was ignored without a word, in strict mode too.
		{name: "POST, charset latin1, lenient", method: "POST", path: "/Users", ct: "application/scim+json; charset=iso-8859-1", body: strings.NewReader(`{"userName":"cs"}`), status: 201, warning: `Content-Type's charset "iso-8859-1" ignored: the body was read as UTF-8`},
		{name: "POST, charset latin1, strict", method: "POST", path: "/Users", ct: "application/scim+json; charset=iso-8859-1", body: strings.NewReader(`{"userName":"cs"}`), strict: true, status: 415, detail: `declares the charset "iso-8859-1"; a SCIM body is UTF-8`},
		{name: "PUT, charset UTF-16, strict", method: "PUT", path: "/Users/{id}", ct: "application/json;charset=UTF-16", body: strings.NewReader(`{"userName":"ct"}`), strict: true, status: 415, detail: `charset "UTF-16"`},
		{name: "POST, charset UTF-8, strict", method: "POST", path: "/Users", ct: `application/scim+json; charset="UTF-8"`, body: strings.NewReader(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"cs"}`), strict: true, status: 201},
		{name: "POST, charset utf8, strict", method: "POST", path: "/Users", ct: "application/json; charset=utf8", body: strings.NewReader(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"cs"}`), strict: true, status: 201},
		{name: "DELETE, a body, charset latin1, strict", method: "DELETE", path: "/Users/{id}", ct: "application/json; charset=latin1", body: strings.NewReader("{}"), strict: true, status: 204},
		// Two Content-Type lines that differ leave the body's type to
		// guessing (RFC 9110 §5.3: Content-Type is no list): a 415 naming
		// both, in every mode, where the first was taken without a word.
		{name: "POST, two types, lenient", method: "POST", path: "/Users", ct: "application/scim+json", more: []string{"text/plain"}, body: strings.NewReader(`{"userName":"two"}`), status: 415,
			detail: `the request has 2 Content-Type headers that differ ("application/scim+json", "text/plain"); send one`},
		{name: "PUT, two acceptable types, strict", method: "PUT", path: "/Users/{id}", ct: "application/json", more: []string{"application/scim+json"}, body: strings.NewReader(`{"userName":"ct"}`), strict: true, status: 415,
			detail: `2 Content-Type headers that differ ("application/json", "application/scim+json")`},
		{name: "GET, a body, three types", method: "GET", path: "/Users/{id}", ct: "application/json", more: []string{"application/json", "text/plain"}, body: strings.NewReader("x"), status: 415,
			detail: `3 Content-Type headers that differ ("application/json", "application/json", "text/plain")`},
		// Each value is client text: quoted as any is, at most 128 bytes
		// and its length, a token redacted.
		{name: "POST, two types, one of 5,000 bytes", method: "POST", path: "/Users", ct: "application/scim+json", more: []string{"text/" + strings.Repeat("x", 5000)}, body: strings.NewReader(`{"userName":"long"}`), status: 415,
			detail: `(5005 bytes)); send one`},
		{name: "POST, two types, one holding a token", method: "POST", path: "/Users", ct: "application/scim+json", more: []string{"text/scim_" + strings.Repeat("k", 43)}, body: strings.NewReader(`{"userName":"tok"}`), status: 415,
			detail: `"text/scim_[REDACTED]"`},
		{name: "POST, one type twice, strict", method: "POST", path: "/Users", ct: "application/scim+json", more: []string{"application/scim+json"}, body: strings.NewReader(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"twice"}`), strict: true, status: 201},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, last := loggedEnv(t, tc.strict)
			id := e.createUser("ct")["id"].(string)
			req := httptest.NewRequest(tc.method, "http://app.example.com"+strings.ReplaceAll(tc.path, "{id}", id), tc.body)
			req.Header.Set("Authorization", "Bearer "+e.token)
			if tc.ct != "" {
				req.Header.Set("Content-Type", tc.ct)
			}
			for _, ct := range tc.more {
				req.Header.Add("Content-Type", ct)
			}
			rec := httptest.NewRecorder()
			e.h.ServeHTTP(rec, req)
			require.Equal(t, tc.status, rec.Code, rec.Body.String())
			if tc.detail != "" {
				var body struct{ Detail string }
				require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body))
				assert.Contains(t, body.Detail, tc.detail)
			}
			var warned []string
			for _, w := range last()[0].Warnings {
				if strings.Contains(w, "Content-Type") {
					warned = append(warned, w)
				}
			}
			if tc.warning == "" {
				assert.Empty(t, warned)
			} else {
				require.Len(t, warned, 1)
				assert.Contains(t, warned[0], tc.warning)
			}
		})
	}
}

// TestPatchRemoveMakesDuplicate: a remove that leaves two emails equal
// (RFC 7643 §2.4: the same value and type) made the duplicate, as an add
// or replace that does: dropped with a warning in the request log, and
// refused with 400 invalidValue in strict mode, leaving the user as it was.
func TestPatchRemoveMakesDuplicate(t *testing.T) {
	emails := []any{
		map[string]any{"value": "x@x", "type": "work", "primary": true},
		map[string]any{"value": "X@x", "type": "home"},
	}
	for _, tc := range []struct {
		name string
		ops  []map[string]any
	}{
		{"a filtered remove of type", []map[string]any{op("remove", `emails[value eq "x@x"].type`, nil)}},
		{"a remove of type from every value", []map[string]any{op("remove", "emails.type", nil)}},
		{"a filtered remove of type, then an add to emails", []map[string]any{
			op("remove", `emails[value eq "x@x"].type`, nil),
			op("add", "emails", []any{map[string]any{"value": "n@x", "type": "other"}})}},
	} {
		for _, strict := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s, strict %v", tc.name, strict), func(t *testing.T) {
				e, last := loggedEnv(t, strict)
				u := e.do("POST", "/Users", map[string]any{"schemas": []any{resources.UserSchema}, "userName": "dup", "emails": emails})
				require.Equal(t, 201, u.Code, u.Raw)
				path := "/Users/" + u.str("id")
				r := e.do("PATCH", path, patchBody(tc.ops...))
				if strict {
					requireError(t, r, 400, "invalidValue", "lists the same value twice")
					assert.Equal(t, u.Body["emails"], e.do("GET", path, nil).Body["emails"], "the user is as it was")
					return
				}
				require.Equal(t, 200, r.Code, r.Raw)
				assert.Equal(t, map[string]any{"value": "x@x", "primary": true}, r.Body["emails"].([]any)[0])
				assert.Len(t, r.Body["emails"], len(tc.ops), "the duplicate dropped (and the added value kept)")
				// Named by the last operation that touched emails.
				assert.Equal(t, []string{fmt.Sprintf(`Operations[%d]: dropped a duplicate emails value "X@x"`, len(tc.ops)-1)}, last()[0].Warnings)
			})
		}
	}
}

// leniencyStores are the stores a leniency test runs the handler on: a
// bend and its strict refusal are the handler's, and every store must
// answer the bent request alike.
var leniencyStores = []string{"memory", "sqlite", "postgres"}

// lenientAndStrict returns two handlers on one new store of leniencyStores'
// name: e, the default, whose requests ring records, and strict, with
// Config.Strict.
func lenientAndStrict(t *testing.T, name string) (e, strict *env, ring *admin.RequestRing) {
	t.Helper()
	clock := &fuzzClock{}
	clock.set(fuzzAt(0))
	users, groups := openFuzzStore(t, name, clock)
	ring = admin.NewRequestRing(10)
	e = newEnv(t, func(c *scim.Config) { c.Users, c.Groups, c.RequestLog = users, groups, ring })
	strict = newEnv(t, func(c *scim.Config) { c.Users, c.Groups, c.Strict = users, groups, true })
	return e, strict, ring
}

// lastWarnings returns the warnings of the last request ring recorded.
func lastWarnings(t *testing.T, ring *admin.RequestRing) []string {
	t.Helper()
	recent, err := ring.Recent(context.Background(), "", 1)
	require.NoError(t, err)
	require.Len(t, recent, 1)
	return recent[0].Warnings
}

// TestFilterValueConversion: a filter value of another type than its
// attribute is read as the attribute's type (userName gt 1 compares "1",
// active eq "True" is true) by every store alike, with a warning naming
// the attribute, the value sent and how it was read; strict mode refuses
// it with 400 invalidFilter saying what to send. So is a value filter's
// in a PATCH path and in attributes, which name the attribute by its full
// path (emails.primary); the value filters identity providers send
// (emails[type eq "work"], members[value eq "id"]) convert nothing and
// pass strict mode.
func TestFilterValueConversion(t *testing.T) {
	for _, name := range leniencyStores {
		t.Run(name, func(t *testing.T) {
			e, strict, ring := lenientAndStrict(t, name)
			uid := e.createUser("1", map[string]any{"emails": []any{map[string]any{"value": "one@x", "primary": true}}})["id"].(string)
			e.createUser("2", map[string]any{"active": false})
			e.createUser("true")
			for _, tc := range []struct {
				filter  string
				want    []string // userNames, sorted
				warning string   // "" for none
				detail  string   // of the strict refusal
			}{
				{`userName gt 1`, []string{"2", "true"}, `filter value 1 for string attribute "userName" read as "1"`, `"userName" is a string and the filter compares it with 1; send "1" (strict mode)`},
				{`userName eq 1`, []string{"1"}, `filter value 1 for string attribute "userName" read as "1"`, `send "1"`},
				{`userName eq true`, []string{"true"}, `filter value true for string attribute "userName" read as "true"`, `send "true"`},
				{`active eq "True"`, []string{"1", "true"}, `filter value "True" for boolean attribute "active" read as true`, `"active" is a boolean and the filter compares it with "True"; send true (strict mode)`},
				{`active eq "false" and userName sw "2"`, []string{"2"}, `filter value "false" for boolean attribute "active" read as false`, `send false`},
				{`emails[primary eq "TRUE"]`, []string{"1"}, `filter value "TRUE" for boolean attribute "emails.primary" read as true`, `"emails.primary" is a boolean and the filter compares it with "TRUE"; send true (strict mode)`},
				{`userName gt "1"`, []string{"2", "true"}, "", ""},
				{`active eq true`, []string{"1", "true"}, "", ""},
			} {
				t.Run(tc.filter, func(t *testing.T) {
					path := "/Users?sortBy=userName&filter=" + q(tc.filter)
					r := e.do("GET", path, nil)
					require.Equal(t, 200, r.Code, r.Raw)
					got := []string{}
					for _, res := range r.Body["Resources"].([]any) {
						got = append(got, res.(map[string]any)["userName"].(string))
					}
					assert.Equal(t, tc.want, got)
					s := strict.do("GET", path, nil)
					if tc.warning == "" {
						assert.Empty(t, lastWarnings(t, ring))
						assert.Equal(t, 200, s.Code, s.Raw)
						return
					}
					assert.Equal(t, []string{tc.warning}, lastWarnings(t, ring))
					inLog, err := json.Marshal(tc.warning)
					require.NoError(t, err)
					assert.Contains(t, e.logs.String(), string(inLog), "the log line carries the warning")
					requireError(t, s, 400, "invalidFilter", tc.detail)
				})
			}
			// A query across types checks the filter once per type: one
			// warning.
			r := e.do("GET", "/?filter="+q(`id eq 1`), nil)
			require.Equal(t, 200, r.Code, r.Raw)
			assert.Equal(t, []string{`filter value 1 for string attribute "id" read as "1"`}, lastWarnings(t, ring))
			requireError(t, strict.do("GET", "/?filter="+q(`id eq 1`), nil), 400, "invalidFilter", `send "1"`)

			// A value filter outside a list's filter: a PATCH path's and
			// attributes'.
			gid := e.createGroup("G", uid)["id"].(string)
			const manager = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager"
			// A removal that removes no member is warned of too, in
			// strict mode accepted (TestRemoveAbsentMember).
			removedNone := map[string]string{
				"PATCH members filter":  `Operations[0]: "members[value eq 1]": no member matches the filter; nothing removed`,
				"Okta's member removal": `Operations[0]: removed no member "nobody": the group has none with that value`,
			}
			for _, tc := range []struct {
				name, method, path string
				body               any
				warning            string                      // "" for none: strict mode passes too
				detail             string                      // of the strict refusal
				check              func(t *testing.T, r *resp) // the lenient answer, and what it changed
			}{
				{"PATCH path filter", "PATCH", "/Users/" + uid, patchBody(op("replace", `emails[primary eq "True"].display`, "D")),
					`Operations[0]: filter value "True" for boolean attribute "emails.primary" read as true`,
					`Operations[0]: "emails.primary" is a boolean and the filter compares it with "True"; send true`,
					func(t *testing.T, r *resp) {
						require.Equal(t, 200, r.Code, r.Raw)
						assert.Contains(t, e.do("GET", "/Users/"+uid, nil).Raw, `"display":"D"`)
					}},
				{"PATCH path filter on a single complex attribute", "PATCH", "/Users/" + uid, patchBody(op("remove", manager+`[value eq 7]`, nil)),
					`Operations[0]: filter value 7 for string attribute "manager.value" read as "7"`,
					`Operations[0]: "manager.value" is a string and the filter compares it with 7; send "7"`,
					func(t *testing.T, r *resp) { require.Equal(t, 200, r.Code, r.Raw) }},
				{"PATCH members filter", "PATCH", "/Groups/" + gid, patchBody(op("remove", `members[value eq 1]`, nil)),
					`Operations[0]: filter value 1 for string attribute "members.value" read as "1"`,
					`Operations[0]: "members.value" is a string and the filter compares it with 1; send "1"`,
					func(t *testing.T, r *resp) {
						require.Contains(t, []int{200, 204}, r.Code, r.Raw)
						assert.Equal(t, []string{uid}, memberIDs(e.do("GET", "/Groups/"+gid, nil).Body), "no member is 1")
					}},
				{"attributes of a list", "GET", "/Users?filter=" + q(`userName eq "1"`) + "&attributes=" + q(`emails[primary eq "true"]`), nil,
					`filter value "true" for boolean attribute "emails.primary" read as true`,
					`"emails.primary" is a boolean and the filter compares it with "true"; send true`,
					func(t *testing.T, r *resp) {
						require.Equal(t, 200, r.Code, r.Raw)
						assert.Contains(t, r.Raw, `"value":"one@x"`)
					}},
				{"attributes of a GET", "GET", "/Users/" + uid + "?attributes=" + q(`emails[primary eq "true"]`), nil,
					`filter value "true" for boolean attribute "emails.primary" read as true`, `send true`,
					func(t *testing.T, r *resp) {
						require.Equal(t, 200, r.Code, r.Raw)
						assert.Contains(t, r.Raw, `"value":"one@x"`)
					}},
				{"attributes of a PATCH's answer", "PATCH", "/Users/" + uid + "?attributes=" + q(`emails[primary eq "TRUE"]`), patchBody(op("replace", "title", "T")),
					`filter value "TRUE" for boolean attribute "emails.primary" read as true`, `send true`,
					func(t *testing.T, r *resp) { require.Equal(t, 200, r.Code, r.Raw) }},
				{"Entra's path filter", "PATCH", "/Users/" + uid, patchBody(op("replace", `emails[type eq "work"].value`, "w@x")), "", "",
					func(t *testing.T, r *resp) { require.Equal(t, 200, r.Code, r.Raw) }},
				{"Okta's member removal", "PATCH", "/Groups/" + gid, patchBody(op("remove", `members[value eq "nobody"]`, nil)), "", "",
					func(t *testing.T, r *resp) { require.Contains(t, []int{200, 204}, r.Code, r.Raw) }},
				{"attributes naming a type", "GET", "/Users/" + uid + "?attributes=" + q(`emails[type eq "work"]`), nil, "", "",
					func(t *testing.T, r *resp) { require.Equal(t, 200, r.Code, r.Raw) }},
			} {
				t.Run(tc.name, func(t *testing.T) {
					target := "/Users/" + uid
					if strings.HasPrefix(tc.path, "/Groups") {
						target = "/Groups/" + gid
					}
					before := e.do("GET", target, nil)
					s := strict.do(tc.method, tc.path, tc.body)
					if tc.warning == "" {
						require.Contains(t, []int{200, 204}, s.Code, s.Raw)
					} else {
						requireError(t, s, 400, "invalidFilter", tc.detail)
						assert.Equal(t, before.Body, e.do("GET", target, nil).Body, "strict mode changed nothing")
					}
					r := e.do(tc.method, tc.path, tc.body)
					var want []string
					if tc.warning != "" {
						want = append(want, tc.warning)
					}
					if w, ok := removedNone[tc.name]; ok {
						want = append(want, w)
					}
					assert.Equal(t, want, lastWarnings(t, ring))
					tc.check(t, r)
				})
			}
		})
	}
}

// TestUnknownMembers: member values that name no user or group (a
// provider pushes members it has not provisioned yet) are skipped in a
// group POST, PUT and PATCH, by every path a member change takes, with a
// warning naming them (a handful, then how many more) by what sent them:
// a PATCH's operation (one warning per operation that sent some, as the
// engine's warnings name theirs), a POST's or PUT's place in its member
// list; strict mode refuses them with 400 invalidValue naming them the
// same way, and changes nothing (before, the refusal named the values
// and not what sent them). A removal of a value that names nothing is no skip: it
// removes no member, with TestRemoveAbsentMember's warning, in strict
// mode too. Before, the warning named the values and not what sent them.
func TestUnknownMembers(t *testing.T) {
	for _, name := range leniencyStores {
		t.Run(name, func(t *testing.T) {
			e, strict, ring := lenientAndStrict(t, name)
			u := e.createUser("member")["id"].(string)
			v := e.createUser("other")["id"].(string)
			gid := e.createGroup("G", u)["id"].(string)
			members := memberValues
			const groupURN = "urn:ietf:params:scim:schemas:core:2.0:Group"
			const why = ": they name no user or group of this server"
			ghosts := []string{"ghost-1", "ghost-2", "ghost-3", "ghost-4", "ghost-5", "ghost-6", "ghost-7"}
			for _, tc := range []struct {
				name     string
				method   string
				path     string
				body     any
				code     int
				want     []string // the group's members after the lenient request, sorted
				warnings []string // of the lenient request
				detail   string   // of the strict refusal, "" when strict passes too
			}{
				{"POST", "POST", "/Groups", map[string]any{"schemas": []string{groupURN}, "displayName": "New", "members": members(u, "ghost-1")},
					201, []string{u}, []string{`skipped members[1] "ghost-1"` + why}, `members[1] "ghost-1" name no user or group`},
				{"PUT", "PUT", "/Groups/" + gid, map[string]any{"schemas": []string{groupURN}, "displayName": "G", "members": members("ghost-2", u, "ghost-1")},
					200, []string{u}, []string{`skipped members[0] "ghost-2", members[2] "ghost-1"` + why}, `members[0] "ghost-2", members[2] "ghost-1" name no user or group`},
				{"PATCH add", "PATCH", "/Groups/" + gid, patchBody(op("add", "members", members("ghost-1", v))),
					204, []string{u, v}, []string{`Operations[0]: skipped members "ghost-1"` + why}, `Operations[0]: members "ghost-1" name`},
				{"PATCH add with the displayName (checked)", "PATCH", "/Groups/" + gid, patchBody(op("replace", "displayName", "G"), op("add", "members", members("ghost-1"))),
					204, []string{u, v}, []string{`Operations[1]: skipped members "ghost-1"` + why}, `Operations[1]: members "ghost-1" name`},
				{"PATCH replace members", "PATCH", "/Groups/" + gid, patchBody(op("replace", "members", members(u, "ghost-3"))),
					204, []string{u}, []string{`Operations[0]: skipped members "ghost-3"` + why}, `Operations[0]: members "ghost-3" name`},
				{"PATCH add many", "PATCH", "/Groups/" + gid, patchBody(op("add", "members", members(ghosts...))),
					204, []string{u}, []string{`Operations[0]: skipped members "ghost-1", "ghost-2", "ghost-3", "ghost-4", "ghost-5" and 2 more` + why}, `Operations[0]: members "ghost-1", "ghost-2", "ghost-3", "ghost-4", "ghost-5" and 2 more name no user`},
				{"PATCH add the group itself", "PATCH", "/Groups/" + gid, patchBody(op("add", "members", members(gid))),
					204, []string{u}, []string{`Operations[0]: skipped members "` + gid + `"` + why}, `Operations[0]: members "` + gid + `" name`},
				{"PATCH adds by several operations", "PATCH", "/Groups/" + gid, patchBody(op("add", "members", members("ghost-1", v)), op("remove", "members", members(v)), op("add", "members", members("ghost-2", "ghost-1"))),
					204, []string{u}, []string{`Operations[0]: skipped members "ghost-1"` + why, `Operations[2]: skipped members "ghost-2", "ghost-1"` + why}, `Operations[0]: members "ghost-1"; Operations[2]: members "ghost-2", "ghost-1" name`},
				{"PATCH applied to the group (a no-path value with members and more)", "PATCH", "/Groups/" + gid, patchBody(map[string]any{"op": "add", "value": map[string]any{"displayName": "G", "members": members("ghost-4")}}),
					204, []string{u}, []string{`Operations[0]: skipped members "ghost-4"` + why}, `Operations[0]: members "ghost-4" name`},
				{"PATCH of a filtered member", "PATCH", "/Groups/" + gid, patchBody(op("add", "displayName", "G"), op("replace", `members[value eq "ghost-5"].display`, "x")),
					204, []string{u}, []string{`Operations[1]: skipped members "ghost-5"` + why}, `Operations[1]: members "ghost-5" name`},
				{"PATCH remove an unknown value", "PATCH", "/Groups/" + gid, patchBody(op("remove", "members", members("ghost-1"))),
					204, []string{u}, []string{`Operations[0]: removed no member "ghost-1": the group has none with that value`}, ""},
				{"PATCH add a known member", "PATCH", "/Groups/" + gid, patchBody(op("add", "members", members(v))),
					204, []string{u, v}, nil, ""},
			} {
				t.Run(tc.name, func(t *testing.T) {
					before := e.do("GET", "/Groups/"+gid, nil)
					require.Equal(t, 200, before.Code, before.Raw)
					s := strict.do(tc.method, tc.path, tc.body)
					if tc.detail != "" {
						requireError(t, s, 400, "invalidValue", tc.detail)
						after := e.do("GET", "/Groups/"+gid, nil)
						assert.Equal(t, before.Body, after.Body, "strict mode changed nothing")
						if tc.method == "POST" {
							r := e.do("GET", "/Groups?filter="+q(`displayName eq "New"`), nil)
							assert.EqualValues(t, 0, r.Body["totalResults"], "strict mode created nothing")
						}
					} else {
						require.Equal(t, tc.code, s.Code, s.Raw)
					}
					r := e.do(tc.method, tc.path, tc.body)
					require.Equal(t, tc.code, r.Code, r.Raw)
					assert.Equal(t, tc.warnings, lastWarnings(t, ring))
					id := gid
					if tc.method == "POST" {
						id = r.str("id")
					}
					g := e.do("GET", "/Groups/"+id, nil)
					require.Equal(t, 200, g.Code, g.Raw)
					got := memberIDs(g.Body)
					slices.Sort(got)
					want := slices.Clone(tc.want)
					slices.Sort(want)
					assert.Equal(t, want, got)
				})
			}
		})
	}
}

// unfilledSkips is a group store that, as a host's may, does not fill
// the store.MemberSkips its context carries: it hides it from the store
// it wraps, which then skips member values unseen. It has only
// store.GroupStore's methods, so the handler takes its generic paths.
type unfilledSkips struct{ store.GroupStore }

func (u unfilledSkips) CreateGroup(ctx context.Context, g *resources.Group) (*resources.Group, error) {
	return u.GroupStore.CreateGroup(store.WithMemberSkips(ctx, nil), g)
}

func (u unfilledSkips) ReplaceGroup(ctx context.Context, g *resources.Group, ifVersion string) (*resources.Group, error) {
	return u.GroupStore.ReplaceGroup(store.WithMemberSkips(ctx, nil), g, ifVersion)
}

// unfilledSkipsUpdater is unfilledSkips with the wrapped store's
// GroupUpdater, which a PUT then takes.
type unfilledSkipsUpdater struct {
	unfilledSkips
	up store.GroupUpdater
}

func (u unfilledSkipsUpdater) UpdateGroup(ctx context.Context, id, ifVersion string, withMembers bool, change func(*resources.Group) (*resources.Group, error)) (*resources.Group, error) {
	return u.up.UpdateGroup(store.WithMemberSkips(ctx, nil), id, ifVersion, withMembers, change)
}

func (u unfilledSkips) ModifyMembers(ctx context.Context, id string, add, remove []string, ifVersion string) (*resources.Group, error) {
	return u.GroupStore.ModifyMembers(store.WithMemberSkips(ctx, nil), id, add, remove, ifVersion)
}

// groupStoreOnly is a group store with store.GroupStore's methods alone
// (no updater, no checked member change): the handler's generic paths,
// with a store that fills store.MemberSkips.
type groupStoreOnly struct{ store.GroupStore }

// TestWritePrecedence: a group write that breaks several rules in strict
// mode is answered by the first in store.GroupStore's order (404, then
// 412, then 400 for members that name nothing or the group itself, then
// 409), by every store and every path a write takes; a store that does
// not fill store.MemberSkips cannot refuse members, and answers the
// others in the same order. Nothing is written. SQL stores resolved a
// member PATCH's values before its If-Match, and answered 400.
func TestWritePrecedence(t *testing.T) {
	stores := map[string]func(t *testing.T) (store.UserStore, store.GroupStore, bool){
		"without MemberSkips": func(*testing.T) (store.UserStore, store.GroupStore, bool) {
			m := memory.New()
			return m, unfilledSkips{m}, false
		},
		"GroupStore only": func(*testing.T) (store.UserStore, store.GroupStore, bool) {
			m := memory.New()
			return m, groupStoreOnly{m}, true
		},
	}
	for _, name := range leniencyStores {
		stores[name] = func(t *testing.T) (store.UserStore, store.GroupStore, bool) {
			users, groups := openFuzzStore(t, name, &fuzzClock{})
			return users, groups, true
		}
	}
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			users, groups, refuses := open(t)
			e := newEnv(t, func(c *scim.Config) { c.Users, c.Groups, c.Strict = users, groups, true })
			u := e.createUser("member")["id"].(string)
			e.createGroup("Taken")
			gid := e.createGroup("G")["id"].(string)
			stale := e.do("GET", "/Groups/"+gid, nil).Header.Get("ETag")
			r := e.do("PATCH", "/Groups/"+gid, patchBody(op("add", "members", []any{map[string]any{"value": u}})))
			require.Equal(t, 204, r.Code, r.Raw)
			missing := "00000000-0000-4000-8000-000000000001"
			members := memberValues
			group := func(name string, ids ...string) map[string]any {
				return map[string]any{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:Group"}, "displayName": name, "members": members(ids...)}
			}
			// refused is 400 on a store that refuses members, else what
			// the next rule answers.
			refused := func(next int) int {
				if refuses {
					return 400
				}
				return next
			}
			ifStale := "If-Match: " + stale
			for _, tc := range []struct {
				name, method, path string
				body               any
				hdr                []string
				code               int
			}{
				{"PATCH add unknown, stale", "PATCH", "/Groups/" + gid, patchBody(op("add", "members", members("ghost"))), []string{ifStale}, 412},
				{"PATCH add itself, stale", "PATCH", "/Groups/" + gid, patchBody(op("add", "members", members(gid))), []string{ifStale}, 412},
				{"PATCH add unknown with the displayName, stale", "PATCH", "/Groups/" + gid, patchBody(op("replace", "displayName", "G"), op("add", "members", members("ghost"))), []string{ifStale}, 412},
				{"PATCH replace members, stale", "PATCH", "/Groups/" + gid, patchBody(op("replace", "members", members(u, "ghost"))), []string{ifStale}, 412},
				{"PATCH rename taken, stale", "PATCH", "/Groups/" + gid, patchBody(op("replace", "displayName", "Taken")), []string{ifStale}, 412},
				{"PATCH add unknown to a missing group, stale", "PATCH", "/Groups/" + missing, patchBody(op("add", "members", members("ghost"))), []string{ifStale}, 404},
				{"PATCH add unknown to a missing group", "PATCH", "/Groups/" + missing, patchBody(op("add", "members", members("ghost"))), nil, 404},
				{"PUT unknown, stale", "PUT", "/Groups/" + gid, group("G", u, "ghost"), []string{ifStale}, 412},
				{"PUT taken and unknown, stale", "PUT", "/Groups/" + gid, group("Taken", u, "ghost"), []string{ifStale}, 412},
				{"PUT unknown to a missing group, stale", "PUT", "/Groups/" + missing, group("G", "ghost"), []string{ifStale}, 404},
				{"PUT taken and unknown", "PUT", "/Groups/" + gid, group("Taken", u, "ghost"), nil, refused(409)},
				{"PUT taken and itself", "PUT", "/Groups/" + gid, group("Taken", u, gid), nil, refused(409)},
				{"PATCH rename taken and add unknown", "PATCH", "/Groups/" + gid, patchBody(op("replace", "displayName", "Taken"), op("add", "members", members("ghost"))), nil, refused(409)},
				{"POST taken and unknown", "POST", "/Groups", group("Taken", "ghost"), nil, refused(409)},
				{"DELETE a missing group, stale", "DELETE", "/Groups/" + missing, nil, []string{ifStale}, 404},
			} {
				t.Run(tc.name, func(t *testing.T) {
					before := e.do("GET", "/Groups/"+gid, nil)
					r := e.do(tc.method, tc.path, tc.body, tc.hdr...)
					require.Equal(t, tc.code, r.Code, "a write breaking several rules is answered by the first in store.GroupStore's order (not found, If-Match, unknown members, uniqueness): %s", r.Raw)
					assert.Equal(t, before.Body, e.do("GET", "/Groups/"+gid, nil).Body, "a refused write changes nothing")
					list := e.do("GET", "/Groups?filter="+q(`displayName eq "Taken"`), nil)
					assert.EqualValues(t, 1, list.Body["totalResults"], "a refused write creates nothing")
				})
			}
		})
	}
}

// TestUnknownMembersUnfilledStore: on a store that does not fill
// store.MemberSkips, the skips of a group POST or PUT still show, as the
// values sent that the group written does not hold, whether the write
// replaces the group or runs a GroupUpdater's change, and so do those of
// a PATCH replacing the member list through a GroupUpdater; a member
// change through ModifyMembers shows none; strict mode cannot refuse them
// (the store wrote before the handler could see them).
func TestUnknownMembersUnfilledStore(t *testing.T) {
	users := memory.New()
	ring := admin.NewRequestRing(10)
	for _, tc := range []struct {
		name   string
		groups store.GroupStore
		strict bool
	}{
		{"ReplaceGroup", unfilledSkips{users}, false},
		{"ReplaceGroup, strict", unfilledSkips{users}, true},
		{"UpdateGroup", unfilledSkipsUpdater{unfilledSkips{users}, users}, false},
		{"UpdateGroup, strict", unfilledSkipsUpdater{unfilledSkips{users}, users}, true},
	} {
		groups, strict := tc.groups, tc.strict
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, func(c *scim.Config) { c.Users, c.Groups, c.RequestLog, c.Strict = users, groups, ring, strict })
			u := e.createUser("member " + tc.name)["id"].(string)
			const groupURN = "urn:ietf:params:scim:schemas:core:2.0:Group"
			body := func(name string, ids ...string) map[string]any {
				var members []any
				for _, id := range ids {
					members = append(members, map[string]any{"value": id})
				}
				return map[string]any{"schemas": []string{groupURN}, "displayName": name, "members": members}
			}
			name := "Unfilled " + tc.name
			r := e.do("POST", "/Groups", body(name, "ghost-1", u))
			require.Equal(t, 201, r.Code, r.Raw)
			assert.Equal(t, []string{u}, memberIDs(r.Body))
			assert.Equal(t, []string{`skipped members[0] "ghost-1": they name no user or group of this server`}, lastWarnings(t, ring))
			id := r.str("id")
			r = e.do("PUT", "/Groups/"+id, body(name, u, "ghost-2"))
			require.Equal(t, 200, r.Code, r.Raw)
			assert.Equal(t, []string{`skipped members[1] "ghost-2": they name no user or group of this server`}, lastWarnings(t, ring))
			r = e.do("PUT", "/Groups/"+id, body(name, u))
			require.Equal(t, 200, r.Code, r.Raw)
			assert.Empty(t, lastWarnings(t, ring))
			// A PATCH replacing the member list runs a GroupUpdater's
			// change, whose group written shows the skip as a PUT's does;
			// without one it goes to ModifyMembers, which returns no
			// member list to compare: the skip goes unseen
			// (store.MemberSkips), as a member added that way does.
			r = e.do("PATCH", "/Groups/"+id, patchBody(op("replace", "members", []any{map[string]any{"value": u}, map[string]any{"value": "ghost-3"}})))
			require.Contains(t, []int{200, 204}, r.Code, r.Raw)
			if _, updater := groups.(store.GroupUpdater); updater {
				assert.Equal(t, []string{`Operations[0]: skipped members "ghost-3": they name no user or group of this server`}, lastWarnings(t, ring))
			} else {
				assert.Empty(t, lastWarnings(t, ring))
			}
			r = e.do("PATCH", "/Groups/"+id, patchBody(op("add", "members", []any{map[string]any{"value": "ghost-4"}})))
			require.Contains(t, []int{200, 204}, r.Code, r.Raw)
			assert.Empty(t, lastWarnings(t, ring))
		})
	}
}

// unknownMembersStore is a host's group store that answers
// store.ErrUnknownMembers of its own accord, having noted no member value
// in the store.MemberSkips: from a group write, and from a call that
// writes no members (DeleteGroup), which the handler's member writes do
// not wrap.
type unknownMembersStore struct{ store.GroupStore }

func (unknownMembersStore) CreateGroup(context.Context, *resources.Group) (*resources.Group, error) {
	return nil, fmt.Errorf("host check: %w", store.ErrUnknownMembers)
}

func (unknownMembersStore) DeleteGroup(context.Context, string, string) error {
	return fmt.Errorf("host check: %w", store.ErrUnknownMembers)
}

// TestUnknownMembersError: store.ErrUnknownMembers is a 400 invalidValue
// wherever a store returns it, with a detail saying what to do: the
// values the store noted when it noted them, else a generic one (never a
// 500, and never "members  name ...", naming none).
func TestUnknownMembersError(t *testing.T) {
	db := memory.New()
	for _, tc := range []struct {
		name   string
		groups store.GroupStore
		strict bool
		method string
		path   string
		detail string
	}{
		{"the store's own refusal of a POST", unknownMembersStore{db}, false, "POST", "/Groups",
			"a member value names no user or group of this server; provision it first, or leave it out"},
		{"from a call that writes no members", unknownMembersStore{db}, false, "DELETE", "/Groups/g1",
			"a member value names no user or group of this server; provision it first, or leave it out"},
		{"the values noted, in strict mode", db, true, "POST", "/Groups",
			`members[0] "ghost-1" name no user or group of this server; provision them first`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, func(c *scim.Config) { c.Users, c.Groups, c.Strict = db, tc.groups, tc.strict })
			var body any
			if tc.method == "POST" {
				body = map[string]any{"schemas": []string{resources.GroupSchema}, "displayName": "G " + tc.name,
					"members": []any{map[string]any{"value": "ghost-1"}}}
			}
			r := e.do(tc.method, tc.path, body)
			requireError(t, r, 400, "invalidValue", tc.detail)
			assert.NotContains(t, r.str("detail"), "host check", "another error's text is not sent")
		})
	}
}

// TestPatchPadding: a PATCH path or op with white space around it (RFC
// 7644 §3.5.2's grammar has none) is taken without it, with a warning
// naming both, and refused in strict mode (400 invalidPath for a path,
// invalidSyntax for an op), changing nothing; a path of only spaces is
// the empty path (TestPatchEmptyPath). An op's letter case is no bend:
// Entra ID sends "Replace" and "Add", which pass strict mode.
func TestPatchPadding(t *testing.T) {
	for _, name := range leniencyStores {
		t.Run(name, func(t *testing.T) {
			e, strict, ring := lenientAndStrict(t, name)
			uid := e.createUser("padded")["id"].(string)
			member := e.createUser("member")["id"].(string)
			gid := e.createGroup("Padded")["id"].(string)
			title := func(want string) func(t *testing.T) {
				return func(t *testing.T) { assert.Equal(t, want, e.do("GET", "/Users/"+uid, nil).str("title")) }
			}
			for _, tc := range []struct {
				name, path string
				ops        map[string]any
				warning    string // "" for none: strict mode passes too
				scimType   string // of the strict refusal
				detail     string
				check      func(t *testing.T) // what the lenient request changed
			}{
				{"path of a user attribute", "/Users/" + uid, patchBody(op("replace", " title ", "Boss")),
					`Operations[0]: path " title " taken as "title"`, "invalidPath", `Operations[0]: the path " title " has white space around it; send "title"`,
					title("Boss")},
				{"path with a value filter", "/Users/" + uid, patchBody(op("add", `emails[type eq "work"].value `, "w@example.com")),
					`Operations[0]: path "emails[type eq \"work\"].value " taken as "emails[type eq \"work\"].value"`, "invalidPath", `send "emails[type eq \"work\"].value"`,
					func(t *testing.T) {
						assert.Contains(t, e.do("GET", "/Users/"+uid, nil).Raw, `"value":"w@example.com","type":"work"`)
					}},
				{"path of group members", "/Groups/" + gid, patchBody(op("add", "\tmembers", []any{map[string]any{"value": member}})),
					`Operations[0]: path "\tmembers" taken as "members"`, "invalidPath", `the path "\tmembers" has white space around it; send "members"`,
					func(t *testing.T) {
						assert.Equal(t, []string{member}, memberIDs(e.do("GET", "/Groups/"+gid, nil).Body))
					}},
				{"op", "/Users/" + uid, patchBody(op(" replace ", "title", "Chief")),
					`Operations[0]: op " replace " taken as "replace"`, "invalidSyntax", `Operations[0]: the op " replace " has white space around it; send "replace"`,
					title("Chief")},
				{"op without a path", "/Users/" + uid, patchBody(op("Replace\n", "", map[string]any{"title": "Head"})),
					`Operations[0]: op "Replace\n" taken as "Replace"`, "invalidSyntax", `send "Replace"`,
					title("Head")},
				{"op of a second operation", "/Users/" + uid, patchBody(op("replace", "title", "A"), op("\tremove", "title", nil)),
					`Operations[1]: op "\tremove" taken as "remove"`, "invalidSyntax", `Operations[1]: the op "\tremove" has white space around it; send "remove"`,
					title("")},
				{"op on group members", "/Groups/" + gid, patchBody(op("remove ", "members", nil)),
					`Operations[0]: op "remove " taken as "remove"`, "invalidSyntax", `the op "remove " has white space around it; send "remove"`,
					func(t *testing.T) { assert.Empty(t, memberIDs(e.do("GET", "/Groups/"+gid, nil).Body)) }},
				{"Entra's capitalised op", "/Users/" + uid, patchBody(op("Replace", "title", "Entra")), "", "", "",
					title("Entra")},
			} {
				t.Run(tc.name, func(t *testing.T) {
					before := e.do("GET", tc.path, nil)
					s := strict.do("PATCH", tc.path, tc.ops)
					if tc.warning == "" {
						require.Contains(t, []int{200, 204}, s.Code, s.Raw)
					} else {
						requireError(t, s, 400, tc.scimType, tc.detail)
						assert.Equal(t, before.Body, e.do("GET", tc.path, nil).Body, "strict mode changed nothing")
					}
					r := e.do("PATCH", tc.path, tc.ops)
					require.Contains(t, []int{200, 204}, r.Code, r.Raw)
					if tc.warning == "" {
						assert.Empty(t, lastWarnings(t, ring))
					} else {
						assert.Equal(t, []string{tc.warning}, lastWarnings(t, ring))
					}
					tc.check(t)
				})
			}
			// An op that names none, padded or not, is the engine's
			// refusal in both modes, naming the op as sent.
			for _, h := range []*env{e, strict} {
				requireError(t, h.do("PATCH", "/Users/"+uid, patchBody(op(" bogus ", "title", "x"))), 400, "invalidSyntax", `unsupported op " bogus "`)
			}
		})
	}
}

// TestUnquotedEntityTag: an entity tag is quoted (RFC 9110 §8.8.3); one
// sent without its quotes in If-Match or If-None-Match (W/3, abc), or as
// a bulk operation's version, is read as the quoted tag with a warning,
// and refused with 400 invalidValue in strict mode, changing nothing.
// It was compared as sent, and answered 412 though it named the version.
func TestUnquotedEntityTag(t *testing.T) {
	for _, name := range leniencyStores {
		t.Run(name, func(t *testing.T) {
			e, strict, ring := lenientAndStrict(t, name)
			id := e.createUser("tagged")["id"].(string)
			path := "/Users/" + id
			version := func() string {
				t.Helper()
				r := e.do("GET", path, nil)
				require.Equal(t, 200, r.Code, r.Raw)
				return r.Body["meta"].(map[string]any)["version"].(string)
			}
			bare := func(tag string) string { return strings.ReplaceAll(tag, `"`, "") }
			title := func(s string) map[string]any { return patchBody(op("replace", "title", s)) }
			for _, tc := range []struct {
				name    string
				method  string
				header  func(tag string) string
				body    any
				code    int
				warning func(tag string) string // "" for none
				detail  func(tag string) string // of the strict refusal
			}{
				{"weak, current", "PATCH", func(tag string) string { return "If-Match: " + bare(tag) }, title("a"), 200,
					func(tag string) string { return "If-Match: unquoted entity tag " + bare(tag) + " taken as " + tag },
					func(tag string) string {
						return "If-Match: " + bare(tag) + " is no entity tag, which is quoted (RFC 9110 §8.8.3); send " + tag
					}},
				{"strong, stale", "PUT", func(string) string { return "If-Match: abc" }, map[string]any{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:User"}, "userName": "tagged"}, 412,
					func(string) string { return `If-Match: unquoted entity tag abc taken as "abc"` },
					func(string) string { return `send "abc"` }},
				{"in a list", "DELETE", func(tag string) string { return `If-Match: "other", W/x` }, nil, 412,
					func(string) string { return `If-Match: unquoted entity tag W/x taken as W/"x"` },
					func(string) string { return `If-Match: W/x is no entity tag` }},
				{"If-None-Match, current", "GET", func(tag string) string { return "If-None-Match: " + bare(tag) }, nil, 304,
					func(tag string) string { return "If-None-Match: unquoted entity tag " + bare(tag) + " taken as " + tag },
					func(tag string) string { return "send " + tag }},
				{"quoted", "PATCH", func(tag string) string { return "If-Match: " + tag }, title("b"), 200, nil, nil},
				{"any", "PATCH", func(string) string { return "If-Match: *" }, title("c"), 200, nil, nil},
				{"no tag quoting makes", "PATCH", func(string) string { return `If-Match: "abc` }, title("d"), 412, nil, nil},
				{"a quoted tag holding commas", "PATCH", func(string) string { return `If-Match: "a,b,c"` }, title("e"), 412, nil, nil},
				{"a quoted tag holding a comma, then the current", "PATCH", func(tag string) string { return `If-Match: "a,b", ` + tag }, title("f"), 200, nil, nil},
				{"a comma in a weak tag, then an unquoted one", "DELETE", func(string) string { return `If-Match: W/"a,b", x` }, nil, 412,
					func(string) string { return `If-Match: unquoted entity tag x taken as "x"` },
					func(string) string { return `If-Match: x is no entity tag` }},
			} {
				t.Run(tc.name, func(t *testing.T) {
					tag := version()
					before := e.do("GET", path, nil)
					s := strict.do(tc.method, path, tc.body, tc.header(tag))
					if tc.detail != nil {
						requireError(t, s, 400, "invalidValue", tc.detail(tag))
						assert.Equal(t, before.Body, e.do("GET", path, nil).Body, "strict mode changed nothing")
					} else {
						require.Equal(t, tc.code, s.Code, s.Raw)
						tag = version()
					}
					r := e.do(tc.method, path, tc.body, tc.header(tag))
					require.Equal(t, tc.code, r.Code, r.Raw)
					if tc.warning == nil {
						assert.Empty(t, lastWarnings(t, ring))
					} else {
						assert.Equal(t, []string{tc.warning(tag)}, lastWarnings(t, ring))
					}
				})
			}
			// A bulk operation's version is an If-Match.
			tag := version()
			bulk := func(env *env) *resp {
				return env.do("POST", "/Bulk", map[string]any{
					"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:BulkRequest"},
					"Operations": []any{map[string]any{"method": "PATCH", "path": path, "version": bare(tag),
						"bulkId": "t1", "data": title("bulk")}},
				})
			}
			r := bulk(strict)
			require.Equal(t, 200, r.Code, r.Raw)
			assert.Contains(t, r.Raw, `"status":"400"`, "strict mode refuses the operation")
			assert.Contains(t, r.Raw, `Operations[0].version (bulkId \"t1\"): `+bare(tag)+" is no entity tag")
			r = bulk(e)
			require.Equal(t, 200, r.Code, r.Raw)
			assert.Contains(t, r.Raw, `"status":"200"`, r.Raw)
			// Every warning of an operation names its bulkId, this one too.
			assert.Contains(t, lastWarnings(t, ring), `Operations[0].version (bulkId "t1"): unquoted entity tag `+bare(tag)+" taken as "+tag)
		})
	}
}

// TestOneValueForMultiValued: RFC 7643 §2.4 gives a multi-valued
// attribute as a JSON list; one value sent alone in a POST or PUT body
// ("emails": {...}, "schemas": "urn:...") is taken as a list of it, with
// a warning, and refused with 400 invalidSyntax in strict mode, creating
// nothing. An add of one value in a PATCH is RFC 7644 §3.5.2.1's and no
// bend.
func TestOneValueForMultiValued(t *testing.T) {
	const userURN, groupURN = "urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:core:2.0:Group"
	for _, name := range leniencyStores {
		t.Run(name, func(t *testing.T) {
			e, strict, ring := lenientAndStrict(t, name)
			for _, tc := range []struct {
				name, path, body string
				warnings         []string
				detail           string
				check            func(t *testing.T, r *resp)
			}{
				{"schemas as one string", "/Users", `{"schemas":"` + userURN + `","userName":"one-schema"}`,
					[]string{`one value for multi-valued "schemas" taken as a list of it`}, `attribute "schemas": is multi-valued: send a JSON list, even of one value`,
					func(t *testing.T, r *resp) { assert.Equal(t, "one-schema", r.str("userName")) }},
				{"a group's schemas as one string", "/Groups", `{"schemas":"` + groupURN + `","displayName":"One schema"}`,
					[]string{`one value for multi-valued "schemas" taken as a list of it`}, `attribute "schemas": is multi-valued`,
					func(t *testing.T, r *resp) { assert.Equal(t, "One schema", r.str("displayName")) }},
				{"one email", "/Users", `{"schemas":["` + userURN + `"],"userName":"one-email","emails":{"value":"one@example.com","type":"work"}}`,
					[]string{`one value for multi-valued "emails" taken as a list of it`}, `attribute "emails": is multi-valued`,
					func(t *testing.T, r *resp) {
						assert.Equal(t, []any{map[string]any{"value": "one@example.com", "type": "work"}}, r.Body["emails"])
					}},
				{"a list of one", "/Users", `{"schemas":["` + userURN + `"],"userName":"listed","emails":[{"value":"l@example.com"}]}`,
					nil, "", func(t *testing.T, r *resp) {}},
			} {
				t.Run(tc.name, func(t *testing.T) {
					s := strict.do("POST", tc.path, tc.body)
					if tc.detail != "" {
						requireError(t, s, 400, "invalidSyntax", tc.detail)
					} else {
						require.Equal(t, 201, s.Code, s.Raw)
						require.Equal(t, 204, strict.do("DELETE", tc.path+"/"+s.str("id"), nil).Code)
					}
					r := e.do("POST", tc.path, tc.body)
					require.Equal(t, 201, r.Code, r.Raw)
					if tc.warnings == nil {
						assert.Empty(t, lastWarnings(t, ring))
					} else {
						assert.Equal(t, tc.warnings, lastWarnings(t, ring))
					}
					tc.check(t, r)
				})
			}
			id := e.createUser("patched")["id"].(string)
			for _, env := range []*env{e, strict} {
				r := env.do("PATCH", "/Users/"+id, patchBody(op("add", "emails", map[string]any{"value": "p@example.com"})))
				require.Equal(t, 200, r.Code, r.Raw)
			}
			assert.Empty(t, lastWarnings(t, ring), "an add of one value is RFC 7644 §3.5.2.1's")
		})
	}
}

// TestRetriedWriteWarnsOnce: a write whose change runs again records
// the bends of the run that counted alone: a PATCH over a store without
// an updater whose first replace lost to a concurrent write recorded
// each of its warnings twice, in the request log and the request line.
func TestRetriedWriteWarnsOnce(t *testing.T) {
	db := memory.New()
	users := &conflictOnce{UserStore: db}
	ring := admin.NewRequestRing(10)
	e := newEnv(t, func(c *scim.Config) { c.Users, c.Groups, c.RequestLog = users, db, ring })
	id := e.createUser("retried")["id"].(string)
	for _, tc := range []struct {
		name, method string
		body         any
	}{
		{"PATCH", "PATCH", patchBody(op("replace", "", map[string]any{"adreses": "x", "title": "t"}))},
		{"PUT", "PUT", map[string]any{"schemas": []string{resources.UserSchema}, "userName": "retried", "adreses": "x"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			users.replaces.Store(0)
			r := e.do(tc.method, "/Users/"+id, tc.body)
			require.Equal(t, 200, r.Code, r.Raw)
			require.Equal(t, int32(2), users.replaces.Load(), "the first replace lost, the second stored")
			recent, err := ring.Recent(context.Background(), "", 1)
			require.NoError(t, err)
			want := `ignored unknown attribute "adreses"`
			if tc.method == "PATCH" {
				want = "Operations[0]: " + want // named by its operation
			}
			assert.Equal(t, []string{want}, recent[0].Warnings)
		})
	}
}

// TestUpdateAttemptsAlike: a PUT's or PATCH's change runs the same way
// through a store's updater and through the versioned write, however
// often it runs: the bends of the run that counted alone are recorded,
// the stored meta is kept for the store to version, and If-Match is
// checked before each run (a mismatch is 412 and changes nothing).
func TestUpdateAttemptsAlike(t *testing.T) {
	for _, tc := range []struct {
		name  string
		users func(db *memory.Store) (store.UserStore, func() int32)
	}{
		{"versioned write, the first replace lost", func(db *memory.Store) (store.UserStore, func() int32) {
			c := &conflictOnce{UserStore: db}
			return c, c.replaces.Load
		}},
		{"store's updater, the change run twice", func(db *memory.Store) (store.UserStore, func() int32) {
			u := &rerunUpdater{UserStore: db, db: db}
			return u, u.runs.Load
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := memory.New()
			users, runs := tc.users(db)
			ring := admin.NewRequestRing(10)
			e := newEnv(t, func(c *scim.Config) { c.Users, c.Groups, c.RequestLog = users, db, ring })
			u := e.createUser("attempted")
			id, version := u["id"].(string), u["meta"].(map[string]any)["version"].(string)

			r := e.do("PATCH", "/Users/"+id, patchBody(op("replace", "", map[string]any{"adreses": "x", "title": "t"})))
			require.Equal(t, 200, r.Code, r.Raw)
			assert.Equal(t, int32(2), runs(), "the change ran twice")
			assert.Equal(t, []string{`Operations[0]: ignored unknown attribute "adreses"`}, lastWarnings(t, ring))
			assert.Equal(t, "t", r.Body["title"])
			assert.Equal(t, id, r.Body["id"])
			assert.NotEqual(t, version, r.Body["meta"].(map[string]any)["version"], "the store versioned the write")

			r = e.do("PATCH", "/Users/"+id, patchBody(op("replace", "title", "u")), "If-Match: "+version)
			require.Equal(t, 412, r.Code, r.Raw)
			assert.Equal(t, "t", e.do("GET", "/Users/"+id, nil).Body["title"], "nothing changed")
		})
	}
}

// rerunUpdater is a store.UserUpdater that runs each change twice, as a
// store that retries a serialization failure does, and keeps the second.
type rerunUpdater struct {
	store.UserStore
	db   *memory.Store
	runs atomic.Int32
}

func (u *rerunUpdater) UpdateUser(ctx context.Context, id, ifVersion string, change func(cur *resources.User) (*resources.User, error)) (*resources.User, error) {
	return u.db.UpdateUser(ctx, id, ifVersion, func(cur *resources.User) (*resources.User, error) {
		u.runs.Add(1)
		if _, err := change(cur); err != nil {
			return nil, err
		}
		u.runs.Add(1)
		return change(cur)
	})
}

// TestExtensionAttributeDotNotation: a PATCH path or no-path value key
// that writes a dot between an extension's URN and its attribute
// (urn:…:enterprise:2.0:User.department) is read with the colon RFC
// 7644 §3.10 has there, with a warning saying so, and refused in strict
// mode (400 naming the path to send: invalidPath, or invalidValue for a
// value's key, as its other faults are), changing nothing. It
// was an attribute no schema defines, ignored with a warning: the
// department was never stored. Microsoft documents it as the request
// shape of its provisioning jobs made before December 2018 (customappsso),
// which an application can still be downgraded to: "Known issues and
// resolutions with SCIM 2.0 protocol compliance of the Microsoft Entra
// user provisioning service", the row "Extension attributes use dot "."
// notation before attribute names instead of colon ":" notation",
// https://learn.microsoft.com/azure/active-directory/app-provisioning/application-provisioning-config-problem-scim-compatibility
func TestExtensionAttributeDotNotation(t *testing.T) {
	const dotted = ent + ".department"
	for _, name := range leniencyStores {
		t.Run(name, func(t *testing.T) {
			e, strict, ring := lenientAndStrict(t, name)
			uid := e.createUser("dotted")["id"].(string)
			boss := e.createUser("boss")["id"].(string)
			enterprise := func(t *testing.T) map[string]any {
				x, _ := e.do("GET", "/Users/"+uid, nil).Body[ent].(map[string]any)
				return x
			}
			for _, tc := range []struct {
				name     string
				ops      map[string]any
				warning  string
				scimType string // of the strict refusal
				detail   string
				check    func(t *testing.T)
			}{
				{"Entra's legacy Replace of the department", patchBody(op("Replace", dotted, "Sales")),
					`path "` + dotted + `" taken as "` + ent + `:department": an extension's attribute follows its URN after a colon`,
					"invalidPath", `path "` + dotted + `": an extension's attribute follows its URN after a colon, not a dot: send "` + ent + `:department" (strict mode)`,
					func(t *testing.T) { assert.Equal(t, "Sales", enterprise(t)["department"]) }},
				{"the manager as a bare id", patchBody(op("Add", ent+".manager", boss)),
					`path "` + ent + `.manager" taken as "` + ent + `:manager": an extension's attribute follows its URN after a colon`,
					"invalidPath", `send "` + ent + `:manager" (strict mode)`,
					func(t *testing.T) {
						assert.Equal(t, boss, enterprise(t)["manager"].(map[string]any)["value"])
					}},
				{"a key of a value without a path", patchBody(op("replace", "", map[string]any{ent + ".costCenter": "CC-7"})),
					`value key "` + ent + `.costCenter" taken as "` + ent + `:costCenter": an extension's attribute follows its URN after a colon`,
					"invalidValue", `value key "` + ent + `.costCenter": an extension's attribute follows its URN after a colon, not a dot: send "` + ent + `:costCenter" (strict mode)`,
					func(t *testing.T) { assert.Equal(t, "CC-7", enterprise(t)["costCenter"]) }},
			} {
				t.Run(tc.name, func(t *testing.T) {
					before := e.do("GET", "/Users/"+uid, nil)
					requireError(t, strict.do("PATCH", "/Users/"+uid, tc.ops), 400, tc.scimType, tc.detail)
					assert.Equal(t, before.Body, e.do("GET", "/Users/"+uid, nil).Body, "strict mode changed nothing")
					r := e.do("PATCH", "/Users/"+uid, tc.ops)
					require.Equal(t, 200, r.Code, r.Raw)
					assert.Equal(t, []string{"Operations[0]: " + tc.warning}, lastWarnings(t, ring))
					tc.check(t)
				})
			}
			// A dot inside a name that joins no extension's URN is still
			// an attribute no schema defines.
			r := e.do("PATCH", "/Users/"+uid, patchBody(op("replace", "urn:example:none:2.0:User.badge", "B")))
			require.Equal(t, 200, r.Code, r.Raw)
			assert.Equal(t, []string{`Operations[0]: ignored unknown attribute "urn:example:none:2.0:User.badge"`}, lastWarnings(t, ring))
		})
	}
}

// TestExtensionAttributeDotNotationInQueries: Entra ID's dotted extension
// path (urn:…:enterprise:2.0:User.employeeNumber, as
// TestExtensionAttributeDotNotation has it in a PATCH) in a list's filter
// (GET, POST /Users/.search and POST /.search across types), sortBy,
// attributes and excludedAttributes is read with the colon, warned of in
// the PATCH's words, and refused in strict mode saying what to send. The
// filter was a 400 invalidFilter, sortBy a 400 naming no attribute, and
// attributes or excludedAttributes ignored the name.
func TestExtensionAttributeDotNotationInQueries(t *testing.T) {
	const dotted, colon = ent + ".employeeNumber", ent + ":employeeNumber"
	taken := func(named string) string {
		return named + ` taken as "` + colon + `": an extension's attribute follows its URN after a colon`
	}
	refused := func(named string) string {
		return named + `: an extension's attribute follows its URN after a colon, not a dot: send "` + colon + `" (strict mode)`
	}
	search := func(body map[string]any) map[string]any {
		body["schemas"] = []string{"urn:ietf:params:scim:api:messages:2.0:SearchRequest"}
		return body
	}
	q := url.QueryEscape
	for _, name := range leniencyStores {
		t.Run(name, func(t *testing.T) {
			e, strict, ring := lenientAndStrict(t, name)
			for _, u := range []struct{ name, number string }{{"dot-a", "2"}, {"dot-b", "1"}, {"dot-c", "3"}} {
				e.createUser(u.name, map[string]any{ent: map[string]any{"employeeNumber": u.number, "department": "D" + u.number}})
			}
			e.createGroup("dot-group")
			userNames := func(r *resp) []string {
				var out []string
				for _, x := range r.Body["Resources"].([]any) {
					out = append(out, x.(map[string]any)["userName"].(string))
				}
				return out
			}
			for _, tc := range []struct {
				name     string
				method   string
				path     string
				body     any
				named    string // the path as the warning names it
				scimType string // of the strict refusal
				check    func(t *testing.T, r *resp)
			}{
				{"filter", "GET", "/Users?filter=" + q(dotted+` eq "1"`), nil, `filter path "` + dotted + `"`, "invalidFilter",
					func(t *testing.T, r *resp) { assert.Equal(t, []string{"dot-b"}, userNames(r)) }},
				{"filter, nested and grouped", "GET", "/Users?filter=" + q(`userName sw "dot" and not (`+dotted+` eq "1" or `+dotted+` pr and `+dotted+` gt "2")`), nil,
					`filter path "` + dotted + `"`, "invalidFilter",
					func(t *testing.T, r *resp) { assert.Equal(t, []string{"dot-a"}, userNames(r)) }},
				{"filter in a SearchRequest", "POST", "/Users/.search", search(map[string]any{"filter": dotted + ` eq "3"`}), `filter path "` + dotted + `"`, "invalidFilter",
					func(t *testing.T, r *resp) { assert.Equal(t, []string{"dot-c"}, userNames(r)) }},
				{"filter across types", "POST", "/.search", search(map[string]any{"filter": dotted + ` eq "3"`}), `filter path "` + dotted + `"`, "invalidFilter",
					func(t *testing.T, r *resp) { assert.Equal(t, []string{"dot-c"}, userNames(r)) }},
				{"sortBy", "GET", "/Users?filter=" + q(`userName sw "dot"`) + "&sortBy=" + q(dotted) + "&sortOrder=descending", nil, `sortBy "` + dotted + `"`, "invalidValue",
					func(t *testing.T, r *resp) { assert.Equal(t, []string{"dot-c", "dot-a", "dot-b"}, userNames(r)) }},
				{"attributes", "GET", "/Users?filter=" + q(`userName eq "dot-b"`) + "&attributes=userName," + q(dotted), nil, `attributes "` + dotted + `"`, "invalidValue",
					func(t *testing.T, r *resp) {
						u := r.Body["Resources"].([]any)[0].(map[string]any)
						assert.Equal(t, map[string]any{"employeeNumber": "1"}, u[ent])
					}},
				{"excludedAttributes", "GET", "/Users?filter=" + q(`userName eq "dot-b"`) + "&excludedAttributes=" + q(dotted), nil, `excludedAttributes "` + dotted + `"`, "invalidValue",
					func(t *testing.T, r *resp) {
						u := r.Body["Resources"].([]any)[0].(map[string]any)
						assert.Equal(t, map[string]any{"department": "D1"}, u[ent])
					}},
				// Across types each type reads the names as its own list
				// does: the users the path as the extension's attribute,
				// the group (which has no such extension) as a name it
				// lacks, so the group comes back as for the colon form.
				{"attributes across types", "POST", "/.search", search(map[string]any{"filter": `userName eq "dot-b" or displayName eq "dot-group"`, "attributes": []string{dotted}}),
					`attributes "` + dotted + `"`, "invalidValue",
					func(t *testing.T, r *resp) {
						rs := r.Body["Resources"].([]any)
						require.Len(t, rs, 2, r.Raw)
						assert.Equal(t, map[string]any{"employeeNumber": "1"}, rs[0].(map[string]any)[ent])
						assert.Equal(t, e.do("POST", "/.search", search(map[string]any{"filter": `displayName eq "dot-group"`, "attributes": []string{colon}})).Body["Resources"], rs[1:])
					}},
				{"excludedAttributes across types", "POST", "/.search", search(map[string]any{"filter": `userName eq "dot-b" or displayName eq "dot-group"`, "excludedAttributes": []string{dotted}}),
					`excludedAttributes "` + dotted + `"`, "invalidValue",
					func(t *testing.T, r *resp) {
						rs := r.Body["Resources"].([]any)
						require.Len(t, rs, 2, r.Raw)
						assert.Equal(t, map[string]any{"department": "D1"}, rs[0].(map[string]any)[ent])
						assert.Equal(t, e.do("POST", "/.search", search(map[string]any{"filter": `displayName eq "dot-group"`, "excludedAttributes": []string{colon}})).Body["Resources"], rs[1:])
					}},
			} {
				t.Run(tc.name, func(t *testing.T) {
					requireError(t, strict.do(tc.method, tc.path, tc.body), 400, tc.scimType, refused(tc.named))
					r := e.do(tc.method, tc.path, tc.body)
					require.Equal(t, 200, r.Code, r.Raw)
					assert.Equal(t, []string{taken(tc.named)}, lastWarnings(t, ring), "one warning, however often the path is named")
					tc.check(t, r)
				})
			}
		})
	}
}

// TestUnqualifiedExtensionAttribute: an extension's attribute named
// without its URN (employeeNumber, manager.value) is not read as the
// extension's: RFC 7644 §3.10 has clients "fully qualify extended
// attributes with the associated schema extension URN to avoid naming
// conflicts", and a host extension added later could define the name
// too. Every refusal or warning of it now names the qualified path to
// send: a filter's and sortBy's 400, attributes' warning and strict
// refusal (TestUnknownAttributesNames), a PATCH path's and a body's
// "ignored unknown attribute" and their strict refusals. An unknown name
// no extension defines gets no hint.
func TestUnqualifiedExtensionAttribute(t *testing.T) {
	const hint = `; an extension's attribute is named after its URN (RFC 7644 §3.10): send "` + ent
	e, strict, ring := lenientAndStrict(t, "memory")
	id := e.createUser("plain")["id"].(string)
	q := url.QueryEscape
	for _, tc := range []struct {
		name, method, path string
		body               any
		scimType, detail   string // the error of both modes, or of strict mode alone when warning is set
		warning            string // lenient mode's, with a 200
	}{
		{"filter", "GET", "/Users?filter=" + q(`employeeNumber eq "1"`), nil,
			"invalidFilter", `filter path "employeeNumber" is not an attribute of User or its extensions` + hint + `:employeeNumber"`, ""},
		{"filter on a sub-attribute", "GET", "/Users?filter=" + q(`manager.value eq "x"`), nil,
			"invalidFilter", `filter path "manager.value" is not an attribute of User or its extensions` + hint + `:manager.value"`, ""},
		{"filter in a SearchRequest", "POST", "/Users/.search", map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:SearchRequest"}, "filter": `employeeNumber eq "1"`},
			"invalidFilter", `filter path "employeeNumber" is not an attribute of User or its extensions` + hint + `:employeeNumber"`, ""},
		{"filter on no extension's attribute", "GET", "/Users?filter=" + q(`shoeSize eq "1"`), nil,
			"invalidFilter", `filter path "shoeSize" is not an attribute of User or its extensions; send one that GET /Schemas lists`, ""},
		{"sortBy", "GET", "/Users?sortBy=employeeNumber", nil,
			"invalidValue", `sortBy "employeeNumber" is not an attribute of User or its extensions` + hint + `:employeeNumber"`, ""},
		{"attributes", "GET", "/Users?attributes=userName,employeeNumber", nil,
			"invalidValue", `attributes "employeeNumber" is not an attribute of User or its extensions` + hint + `:employeeNumber" (strict mode)`,
			`ignored attributes "employeeNumber", which is not an attribute of User or its extensions` + hint + `:employeeNumber"`},
		{"PATCH path", "PATCH", "/Users/" + id, patchBody(op("replace", "employeeNumber", "7")),
			"invalidPath", `Operations[0]: path "employeeNumber" is not an attribute of User or its extensions` + hint + `:employeeNumber" (strict mode)`,
			`Operations[0]: ignored unknown attribute "employeeNumber"` + hint + `:employeeNumber"`},
		{"body", "PUT", "/Users/" + id, map[string]any{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:User"}, "userName": "plain", "costCenter": "7"},
			"invalidSyntax", `attribute "costCenter": is not an attribute of User or its extensions` + hint + `:costCenter" (strict mode)`,
			`ignored unknown attribute "costCenter"` + hint + `:costCenter"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			envs := []*env{e, strict}
			if tc.warning != "" {
				r := e.do(tc.method, tc.path, tc.body)
				require.Equal(t, 200, r.Code, r.Raw)
				assert.Equal(t, []string{tc.warning}, lastWarnings(t, ring))
				envs = envs[1:]
			}
			if tc.scimType == "" {
				return
			}
			for _, env := range envs {
				r := env.do(tc.method, tc.path, tc.body)
				requireError(t, r, 400, tc.scimType, "")
				assert.Equal(t, tc.detail, r.str("detail"))
			}
		})
	}
}

// TestRemoveAbsentMember: a PATCH removing a member the group does not
// have (by members[value eq "ID"], an or of them, a value list, or
// another filter on members) answers 204 and changes nothing, where the
// same removal from emails is 400 noTarget (RFC 7644 §3.5.2.2): identity
// providers repeat removals (a retry, a user unassigned twice), and a
// refused one would stop their sync. It is accepted in strict mode too,
// the member plan deciding a removal without reading the members; the
// request log's warning names the values that removed nothing. It had
// none: the deviation was invisible.
func TestRemoveAbsentMember(t *testing.T) {
	for _, name := range leniencyStores {
		t.Run(name, func(t *testing.T) {
			e, strict, ring := lenientAndStrict(t, name)
			u := e.createUser("present")["id"].(string)
			v := e.createUser("absent")["id"].(string)
			for _, tc := range []struct {
				name     string
				body     any
				left     []string // the members after it
				warnings []string // each named by its operation (Operations[i])
			}{
				{"value eq", patchBody(op("remove", `members[value eq "nobody"]`, nil)), []string{u},
					[]string{`Operations[0]: removed no member "nobody": the group has none with that value`}},
				{"value eq a user who is no member", patchBody(op("remove", `members[value eq "`+v+`"]`, nil)), []string{u},
					[]string{`Operations[0]: removed no member "` + v + `"`}},
				{"or, one present", patchBody(op("remove", `members[value eq "nobody" or value eq "`+u+`"]`, nil)), []string{},
					[]string{`Operations[0]: removed no member "nobody"`}},
				{"value list", patchBody(op("remove", "members", []any{map[string]any{"value": "nobody"}, map[string]any{"value": "ghost"}})), []string{u},
					[]string{`Operations[0]: removed no member "nobody", "ghost"`}},
				{"two operations, one warning each", patchBody(op("remove", "members", []any{map[string]any{"value": "nobody"}}), op("remove", `members[value eq "ghost"]`, nil)), []string{u},
					[]string{`Operations[0]: removed no member "nobody":`, `Operations[1]: removed no member "ghost":`}},
				{"another filter", patchBody(op("remove", `members[type eq "Group"]`, nil)), []string{u},
					[]string{`Operations[0]: "members[type eq \"Group\"]": no member matches the filter; nothing removed`}},
			} {
				t.Run(tc.name, func(t *testing.T) {
					for _, env := range []*env{e, strict} {
						gid := env.createGroup("G "+tc.name+fmt.Sprint(env == strict), u)["id"].(string)
						before := env.do("GET", "/Groups/"+gid, nil)
						r := env.do("PATCH", "/Groups/"+gid, tc.body)
						require.Equal(t, 204, r.Code, "strict %v: %s", env == strict, r.Raw)
						if env == e {
							warnings := lastWarnings(t, ring)
							require.Len(t, warnings, len(tc.warnings))
							for i, w := range tc.warnings {
								assert.Contains(t, warnings[i], w)
							}
						}
						after := env.do("GET", "/Groups/"+gid, nil)
						got := memberIDs(after.Body)
						if got == nil {
							got = []string{}
						}
						assert.Equal(t, tc.left, got)
						if len(tc.left) == 1 {
							assert.Equal(t, before.Header.Get("ETag"), after.Header.Get("ETag"), "nothing changed")
						}
					}
				})
			}
			t.Run("emails is noTarget", func(t *testing.T) {
				for _, env := range []*env{e, strict} {
					requireError(t, env.do("PATCH", "/Users/"+u, patchBody(op("remove", `emails[value eq "nobody"]`, nil))), 400, "noTarget", "no value of emails matches the filter")
				}
			})
		})
	}
}

// TestUnknownAttributesNames: a name in attributes or excludedAttributes
// that the resource type does not define (RFC 7644 §3.9 makes no error
// of it) is taken with a warning naming the parameter and the name, in
// the words every unknown attribute gets, once however often it is
// given; strict mode refuses it, 400 invalidValue, as sortBy's unknown
// name is refused. A query across types (/.search at the root) bends
// only a name no type defines, whichever types its filter leaves in the
// answer (before, a filter only groups answer, members pr, left the
// name unseen: the users' part, which bent it, was skipped before its
// projection), and names every type (before, it named User alone: "not
// an attribute of User"). Microsoft's validator's value-filtered
// name (attributes=emails[type eq "work"]) names an attribute and is no
// bend. Before, an unknown name was ignored in silence in both modes.
func TestUnknownAttributesNames(t *testing.T) {
	e, strict, ring := lenientAndStrict(t, "memory")
	id := e.createUser("bjensen@example.com")["id"].(string)
	gid := e.createGroup("G", id)["id"].(string)
	const no = `is not an attribute of User or its extensions; send one that GET /Schemas lists`
	const noneOf = `is not an attribute of User, Group or their extensions; send one that GET /Schemas lists`
	const search = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],`
	for _, tc := range []struct {
		name, method, path, body string
		warning                  string // of the lenient request, "" for none
		detail                   string // of the strict refusal, "" when strict answers as lenient does
	}{
		{"attributes", "GET", "/Users?attributes=userName,nope", "",
			`ignored attributes "nope", which ` + no, `attributes "nope" ` + no + ` (strict mode)`},
		{"excludedAttributes", "GET", "/Users/" + id + "?excludedAttributes=nope", "",
			`ignored excludedAttributes "nope", which ` + no, `excludedAttributes "nope" ` + no + ` (strict mode)`},
		{"a name given three times", "GET", "/Users?attributes=nope,userName,nope,nope", "",
			`ignored attributes "nope", which ` + no, `attributes "nope" ` + no},
		{"a sub-attribute", "GET", "/Users?attributes=emails.nope", "",
			`ignored attributes "emails.nope", which is not a sub-attribute of "emails"; send one that GET /Schemas lists for it: value, display, type, primary`, `attributes "emails.nope" is not a sub-attribute of "emails"`},
		{"an extension's attribute without its URN", "GET", "/Users?attributes=employeeNumber", "",
			`ignored attributes "employeeNumber", which is not an attribute of User or its extensions; an extension's attribute is named after its URN (RFC 7644 §3.10): send "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber"`, `attributes "employeeNumber" is not an attribute of User`},
		{"a SearchRequest's", "POST", "/Users/.search", search + `"attributes":["nope"]}`,
			`ignored attributes "nope", which ` + no, `attributes "nope" ` + no},
		{"another type's attribute", "GET", "/Users?excludedAttributes=members", "",
			`ignored excludedAttributes "members", which ` + no, `excludedAttributes "members" ` + no},
		{"a group's attribute at the root, across types", "POST", "/.search", search + `"attributes":["members","userName"]}`, "", ""},
		{"a name no type defines at the root", "POST", "/.search", search + `"attributes":["nope"]}`,
			`ignored attributes "nope", which ` + noneOf, `attributes "nope" ` + noneOf + ` (strict mode)`},
		{"a name no type defines at GET /", "GET", "/?excludedAttributes=nope", "",
			`ignored excludedAttributes "nope", which ` + noneOf, `excludedAttributes "nope" ` + noneOf + ` (strict mode)`},
		{"a sub-attribute no type defines at the root", "GET", "/?attributes=emails.nope", "",
			`ignored attributes "emails.nope", which is not a sub-attribute of "emails"; send one that GET /Schemas lists for it: value, display, type, primary`, `attributes "emails.nope" is not a sub-attribute of "emails"`},
		{"a name no type defines at the root, with a filter only groups answer", "POST", "/.search", search + `"attributes":["nope"],"filter":"members pr"}`,
			`ignored attributes "nope", which ` + noneOf, `attributes "nope" ` + noneOf},
		{"a name no type defines at the root, excluded, with a filter only users answer", "POST", "/.search", search + `"excludedAttributes":["nope","nope"],"filter":"userName pr"}`,
			`ignored excludedAttributes "nope", which ` + noneOf, `excludedAttributes "nope" ` + noneOf},
		{"a name no type defines at the root, in the query", "GET", "/?filter=members+pr&attributes=nope", "",
			`ignored attributes "nope", which ` + noneOf, `attributes "nope" ` + noneOf},
		{"an extension's dotted name at the root", "POST", "/.search", search + `"attributes":["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User.department"],"filter":"members pr"}`,
			"", ""},
		{"Microsoft's validator's value-filtered name", "GET", "/Users/" + id + `?attributes=emails[type+eq+%22work%22]`, "", "", ""},
		{"known names", "GET", "/Groups/" + gid + "?excludedAttributes=members", "", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var body any
			if tc.body != "" {
				body = tc.body
			}
			r := e.do(tc.method, tc.path, body)
			require.Equal(t, 200, r.Code, r.Raw)
			var want []string
			if tc.warning != "" {
				want = []string{tc.warning}
			}
			assert.Equal(t, want, lastWarnings(t, ring))
			s := strict.do(tc.method, tc.path, body)
			if tc.detail == "" {
				require.Equal(t, 200, s.Code, s.Raw)
				return
			}
			requireError(t, s, 400, "invalidValue", tc.detail)
		})
	}
}

// TestUnknownAttributesNamesOnWrites: the attributes and
// excludedAttributes of a write's response are read before the write, so
// strict mode's refusal of an unknown name (TestUnknownAttributesNames)
// changes nothing, on every write that answers a resource: POST, PUT,
// PATCH of a user, and a group's member PATCH (its own path) and other
// PATCH; the lenient request writes and warns.
func TestUnknownAttributesNamesOnWrites(t *testing.T) {
	e, strict, ring := lenientAndStrict(t, "memory")
	id := e.createUser("bjensen@example.com")["id"].(string)
	other := e.createUser("jsmith@example.com")["id"].(string)
	gid := e.createGroup("G", id)["id"].(string)
	const userURN = "urn:ietf:params:scim:schemas:core:2.0:User"
	const no = `is not an attribute of User or its extensions; send one that GET /Schemas lists`
	const noGroup = `is not an attribute of Group or its extensions; send one that GET /Schemas lists`
	for _, tc := range []struct {
		name, method, path string
		body               func(n int) any // the request's body, n tells the strict one from the lenient
		read               string          // the resource the write changes, "" for a create
		warning, detail    string
	}{
		{"POST", "POST", "/Users?attributes=nope",
			func(n int) any {
				return map[string]any{"schemas": []string{userURN}, "userName": fmt.Sprintf("new%d", n)}
			},
			"", `ignored attributes "nope", which ` + no, `attributes "nope" ` + no + ` (strict mode)`},
		{"PUT", "PUT", "/Users/" + id + "?excludedAttributes=nope",
			func(n int) any {
				return map[string]any{"schemas": []string{userURN}, "userName": "bjensen@example.com", "title": fmt.Sprint(n)}
			},
			"/Users/" + id, `ignored excludedAttributes "nope", which ` + no, `excludedAttributes "nope" ` + no + ` (strict mode)`},
		{"PATCH of a user", "PATCH", "/Users/" + id + "?attributes=nope",
			func(n int) any { return patchBody(op("replace", "title", fmt.Sprint(n+10))) },
			"/Users/" + id, `ignored attributes "nope", which ` + no, `attributes "nope" ` + no + ` (strict mode)`},
		{"member PATCH of a group", "PATCH", "/Groups/" + gid + "?attributes=nope",
			func(n int) any {
				if n == 0 {
					return patchBody(op("add", "members", []any{map[string]any{"value": other}}))
				}
				return patchBody(op("remove", "members", []any{map[string]any{"value": other}}))
			},
			"/Groups/" + gid, `ignored attributes "nope", which ` + noGroup, `attributes "nope" ` + noGroup + ` (strict mode)`},
		{"PATCH of a group's displayName", "PATCH", "/Groups/" + gid + "?excludedAttributes=nope",
			func(n int) any { return patchBody(op("replace", "displayName", fmt.Sprintf("G%d", n))) },
			"/Groups/" + gid, `ignored excludedAttributes "nope", which ` + noGroup, `excludedAttributes "nope" ` + noGroup + ` (strict mode)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do(tc.method, tc.path, tc.body(0))
			require.Contains(t, []int{200, 201, 204}, r.Code, r.Raw) // a group PATCH asking for no attributes is 204
			assert.Equal(t, []string{tc.warning}, lastWarnings(t, ring))
			var before *resp
			if tc.read != "" {
				before = e.do("GET", tc.read, nil)
			}
			s := strict.do(tc.method, tc.path, tc.body(1))
			requireError(t, s, 400, "invalidValue", tc.detail)
			if tc.read != "" {
				after := e.do("GET", tc.read, nil)
				assert.Equal(t, before.Raw, after.Raw, "the refused write changed nothing")
			} else {
				l := e.do("GET", `/Users?filter=userName+eq+%22new1%22`, nil)
				assert.EqualValues(t, 0, l.Body["totalResults"], "the refused create stored nothing")
			}
		})
	}
}
