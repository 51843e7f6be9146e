package scim_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/admin"
	"github.com/scimkit/scim/resources"
)

func bulkBody(failOnErrors int, ops ...map[string]any) map[string]any {
	b := map[string]any{"schemas": []any{"urn:ietf:params:scim:api:messages:2.0:BulkRequest"}, "Operations": ops}
	if failOnErrors > 0 {
		b["failOnErrors"] = failOnErrors
	}
	return b
}

// bulkOps returns the BulkResponse's operations by bulkId, or by
// "method path" for those without one.
func bulkOps(t *testing.T, r *resp) ([]map[string]any, map[string]map[string]any) {
	t.Helper()
	require.Equal(t, 200, r.Code, r.Raw)
	require.Equal(t, []any{"urn:ietf:params:scim:api:messages:2.0:BulkResponse"}, r.Body["schemas"])
	var list []map[string]any
	by := map[string]map[string]any{}
	for _, o := range r.Body["Operations"].([]any) {
		m := o.(map[string]any)
		list = append(list, m)
		if id, _ := m["bulkId"].(string); id != "" {
			by[id] = m
		}
	}
	return list, by
}

func TestBulk(t *testing.T) {
	ring := admin.NewRequestRing(10)
	e := newEnv(t, func(c *scim.Config) { c.RequestLog = ring })
	existing := e.createUser("existing")
	r := e.do("POST", "/Bulk", bulkBody(0,
		// A group that refers to a user created further down: it runs after it.
		map[string]any{"method": "POST", "path": "/Groups", "bulkId": "g1",
			"data": map[string]any{"schemas": []any{resources.GroupSchema}, "displayName": "Bulk Team", "members": []any{map[string]any{"value": "bulkId:u1"}, map[string]any{"value": existing["id"]}}}},
		map[string]any{"method": "post", "path": "/Users", "bulkId": "u1", "data": map[string]any{"schemas": []any{resources.UserSchema}, "userName": "bulk1"}},
		map[string]any{"method": "PATCH", "path": "/Users/bulkId:u1", "data": patchBody(op("replace", "title", "Lead"))},
		map[string]any{"method": "PUT", "path": "/Users/" + existing["id"].(string), "version": existing["meta"].(map[string]any)["version"], "data": map[string]any{"schemas": []any{resources.UserSchema}, "userName": "existing", "title": "Renamed"}},
		map[string]any{"method": "POST", "path": "/Users", "bulkId": "dup", "data": map[string]any{"schemas": []any{resources.UserSchema}, "userName": "bulk1"}},
		map[string]any{"method": "DELETE", "path": "/Users/" + existing["id"].(string), "version": `W/"1"`},
	))
	list, by := bulkOps(t, r)
	require.Len(t, list, 6)
	u1 := by["u1"]
	assert.Equal(t, "201", u1["status"])
	assert.Equal(t, "POST", u1["method"])
	assert.Regexp(t, `^`+base+`/Users/[0-9a-f-]{36}$`, u1["location"])
	assert.NotEmpty(t, u1["version"])
	uid := u1["location"].(string)[len(base+"/Users/"):]

	g1 := by["g1"]
	assert.Equal(t, "201", g1["status"], "%v", g1)
	group := e.do("GET", g1["location"].(string)[len(base):], nil)
	members := []string{}
	for _, m := range group.Body["members"].([]any) {
		members = append(members, m.(map[string]any)["value"].(string))
	}
	assert.ElementsMatch(t, []string{uid, existing["id"].(string)}, members, "bulkId:u1 resolved to the user's id")

	patched := list[2]
	assert.Equal(t, "200", patched["status"], "%v", patched)
	assert.Equal(t, base+"/Users/"+uid, patched["location"])
	assert.Equal(t, "Lead", e.do("GET", "/Users/"+uid, nil).str("title"))

	assert.Equal(t, "200", list[3]["status"], "%v", list[3])
	assert.Equal(t, "Renamed", e.do("GET", "/Users/"+existing["id"].(string), nil).str("title"))

	dup := by["dup"]
	assert.Equal(t, "409", dup["status"])
	assert.Equal(t, "uniqueness", dup["response"].(map[string]any)["scimType"])

	stale := list[5]
	assert.Equal(t, "412", stale["status"], "the version is the If-Match of the operation")
	// The client sent no If-Match header: the detail names what it sent.
	assert.Contains(t, stale["response"].(map[string]any)["detail"], "a bulk operation's version")

	recent, err := ring.Recent(context.Background(), "", 10)
	require.NoError(t, err)
	var logged []admin.Request
	for _, req := range recent {
		if req.Path == "/Bulk" {
			logged = append(logged, req)
		}
	}
	require.Len(t, logged, 1, "one request log entry for the whole bulk")
	assert.Equal(t, []string{"bulk: 2 of 6 operations failed"}, logged[0].Warnings)
	assert.Contains(t, e.eventTypes(), scim.GroupCreated)
	assert.Contains(t, e.eventTypes(), scim.MembersAdded)
}

func TestBulkReferences(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		name   string
		ops    []map[string]any
		status map[string]string // bulkId -> status
		detail map[string]string
	}{
		{"a cycle is a 409 for each operation in it",
			[]map[string]any{
				{"method": "POST", "path": "/Groups", "bulkId": "a", "data": map[string]any{"displayName": "A", "members": []any{map[string]any{"value": "bulkId:b"}}}},
				{"method": "POST", "path": "/Groups", "bulkId": "b", "data": map[string]any{"displayName": "B", "members": []any{map[string]any{"value": "bulkId:a"}}}},
				{"method": "POST", "path": "/Users", "bulkId": "c", "data": map[string]any{"userName": "outside-the-cycle"}},
			},
			map[string]string{"a": "409", "b": "409", "c": "201"},
			map[string]string{"a": "form a cycle", "b": "form a cycle"}},
		{"an unknown bulkId fails its operation only",
			[]map[string]any{
				{"method": "POST", "path": "/Groups", "bulkId": "g", "data": map[string]any{"displayName": "G", "members": []any{map[string]any{"value": "bulkId:nobody"}}}},
				{"method": "POST", "path": "/Users", "bulkId": "u", "data": map[string]any{"userName": "fine"}},
			},
			map[string]string{"g": "409", "u": "201"},
			map[string]string{"g": `bulkId "nobody" is not the bulkId of any operation`}},
		{"a reference to a failed operation fails",
			[]map[string]any{
				{"method": "POST", "path": "/Users", "bulkId": "bad", "data": map[string]any{"displayName": "no userName"}},
				{"method": "POST", "path": "/Groups", "bulkId": "g2", "data": map[string]any{"displayName": "G2", "members": []any{map[string]any{"value": "bulkId:bad"}}}},
			},
			map[string]string{"bad": "400", "g2": "409"},
			map[string]string{"bad": "userName is required", "g2": `bulkId "bad" refers to an operation that failed`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, by := bulkOps(t, e.do("POST", "/Bulk", bulkBody(0, tc.ops...)))
			require.Len(t, by, len(tc.status))
			for id, want := range tc.status {
				assert.Equal(t, want, by[id]["status"], "%s: %v", id, by[id])
				if d := tc.detail[id]; d != "" {
					assert.Contains(t, by[id]["response"].(map[string]any)["detail"], d)
				}
			}
		})
	}
}

func TestBulkFailOnErrors(t *testing.T) {
	e := newEnv(t)
	op := func(i int, name string) map[string]any {
		return map[string]any{"method": "POST", "path": "/Users", "bulkId": fmt.Sprint(i), "data": map[string]any{"userName": name}}
	}
	list, _ := bulkOps(t, e.do("POST", "/Bulk", bulkBody(2, op(1, "f1"), op(2, "f1"), op(3, "f3"), op(4, "f3"), op(5, "f5"))))
	var statuses []string
	for _, o := range list {
		statuses = append(statuses, o["status"].(string))
	}
	assert.Equal(t, []string{"201", "409", "201", "409"}, statuses, "stops after the second error; the fifth never runs")
	assert.Equal(t, float64(0), e.do("GET", "/Users?filter=userName+eq+%22f5%22", nil).Body["totalResults"])
}

// TestBulkFailOnErrorsZeroAndNull: failOnErrors 0 ran every operation,
// as if it were absent. RFC 7644 §3.7.3 makes it "the number of errors
// that the service provider will accept before the operation is
// terminated": a client that accepts none wants the bulk to stop at its
// first error, as 1 does (other servers, WSO2's charon among them, read
// it so). A null one is unassigned (RFC 7643 §2.5), as if absent; it was
// a 400.
func TestBulkFailOnErrorsZeroAndNull(t *testing.T) {
	for _, tc := range []struct {
		name         string
		failOnErrors any // nil: the member is absent
		statuses     []string
	}{
		{"absent runs every operation", nil, []string{"201", "409", "201"}},
		{"null is absent", json.RawMessage("null"), []string{"201", "409", "201"}},
		{"zero stops at the first error", 0, []string{"201", "409"}},
		{"one stops at the first error", 1, []string{"201", "409"}},
		{"two runs on", 2, []string{"201", "409", "201"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			op := func(i int, name string) map[string]any {
				return map[string]any{"method": "POST", "path": "/Users", "bulkId": fmt.Sprint(i), "data": map[string]any{"userName": name}}
			}
			body := bulkBody(0, op(1, "z1"), op(2, "z1"), op(3, "z3"))
			if tc.failOnErrors != nil {
				body["failOnErrors"] = tc.failOnErrors
			}
			list, _ := bulkOps(t, e.do("POST", "/Bulk", body))
			var statuses []string
			for _, o := range list {
				statuses = append(statuses, o["status"].(string))
			}
			assert.Equal(t, tc.statuses, statuses)
			want := float64(0)
			if len(tc.statuses) == 3 {
				want = 1
			}
			assert.Equal(t, want, e.do("GET", "/Users?filter=userName+eq+%22z3%22", nil).Body["totalResults"], "the third runs only when the bulk goes on")
		})
	}
}

func TestBulkRequestErrors(t *testing.T) {
	e := newEnv(t, func(c *scim.Config) { c.MaxBulkOperations = 2; c.MaxBulkPayloadBytes = 2000 })
	user := map[string]any{"method": "POST", "path": "/Users", "bulkId": "x", "data": map[string]any{"userName": "x"}}
	for _, tc := range []struct {
		name     string
		body     any
		status   int
		scimType string
		detail   string
	}{
		{"too many operations", bulkBody(0, user, user, user), 413, "", "at most 2"},
		{"too large", bulkBody(0, map[string]any{"method": "POST", "path": "/Users", "bulkId": "x", "data": map[string]any{"userName": strings.Repeat("x", 3000)}}), 413, "", "larger than 2000 bytes"},
		{"no Operations", map[string]any{"schemas": []any{}}, 400, "invalidSyntax", `needs an "Operations" list`},
		{"unknown member", map[string]any{"Operations": []any{}, "foo": 1}, 400, "invalidSyntax", `"foo" is not an attribute of a BulkRequest`},
		{"bad method", bulkBody(0, map[string]any{"method": "GET", "path": "/Users"}), 400, "invalidValue", "method must be POST, PUT, PATCH or DELETE"},
		{"POST without bulkId", bulkBody(0, map[string]any{"method": "POST", "path": "/Users", "data": map[string]any{"userName": "y"}}), 400, "invalidValue", "needs a bulkId"},
		{"duplicate bulkId", bulkBody(0, user, user), 400, "invalidValue", "used twice"},
		{"bad path", bulkBody(0, map[string]any{"method": "DELETE", "path": "/Schemas/x"}), 400, "invalidPath", "must be /Users or /Groups"},
		{"POST to a resource", bulkBody(0, map[string]any{"method": "POST", "path": "/Users/1", "bulkId": "z", "data": map[string]any{}}), 400, "invalidPath", `a POST goes to /Users or /Groups, a PUT, PATCH or DELETE to /Users/{id} or /Groups/{id}; got POST "/Users/1"`},
		{"PATCH to a collection", bulkBody(0, map[string]any{"method": "PATCH", "path": "/Groups", "data": map[string]any{}}), 400, "invalidPath", `a POST goes to /Users or /Groups, a PUT, PATCH or DELETE to /Users/{id} or /Groups/{id}; got PATCH "/Groups"`},
		{"PUT without data", bulkBody(0, map[string]any{"method": "PUT", "path": "/Users/1"}), 400, "invalidSyntax", `needs "data"`},
		{"negative failOnErrors", map[string]any{"Operations": []any{}, "failOnErrors": -1}, 400, "invalidValue", "failOnErrors"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			requireError(t, e.do("POST", "/Bulk", tc.body), tc.status, tc.scimType, tc.detail)
		})
	}
	assert.Equal(t, float64(0), e.do("GET", "/Users", nil).Body["totalResults"], "no request changed anything")

	// A body announced larger than the limit is refused before it is read.
	req := httptest.NewRequest("POST", "http://app.example.com/Bulk", strings.NewReader("{}"))
	req.ContentLength = 1 << 30
	req.Header.Set("Authorization", "Bearer "+e.token)
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	assert.Equal(t, http.StatusRequestEntityTooLarge, rec.Code)
	var body map[string]any
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body))
	assert.Contains(t, body["detail"], "maxPayloadSize")
}

// TestBulkLimitEveryPathSpelling: /Bulk has its own body limit
// (MaxBulkPayloadBytes), whatever the spelling of its path; every other
// endpoint has MaxBodyBytes.
func TestBulkLimitEveryPathSpelling(t *testing.T) {
	e := newEnv(t, func(c *scim.Config) { c.MaxBodyBytes = 1024; c.MaxBulkPayloadBytes = 8192 })
	huge := bulkBody(0, map[string]any{"method": "POST", "path": "/Users", "bulkId": "h", "data": map[string]any{"userName": strings.Repeat("x", 9000)}})
	for n, path := range []string{"/Bulk", "/Bulk/", "/bulk", "/BULK/"} {
		t.Run(path, func(t *testing.T) {
			// About 3,000 bytes: above MaxBodyBytes, within MaxBulkPayloadBytes.
			var ops []map[string]any
			for i := range 20 {
				ops = append(ops, map[string]any{"method": "POST", "path": "/Users", "bulkId": fmt.Sprint("b", i),
					"data": map[string]any{"userName": fmt.Sprintf("bulk-%d-%02d-%s", n, i, strings.Repeat("x", 100))}})
			}
			r := e.do("POST", path, bulkBody(0, ops...))
			require.Equal(t, http.StatusOK, r.Code, "a bulk above MaxBodyBytes but within MaxBulkPayloadBytes is taken at %s: %s", path, r.Raw)
			requireError(t, e.do("POST", path, huge), 413, "", "larger than 8192 bytes")
		})
	}
	requireError(t, e.do("POST", "/Users/", `{"userName":"`+strings.Repeat("x", 2000)+`"}`), 413, "", "larger than 1024 bytes")
	assert.Equal(t, float64(80), e.do("GET", "/Users?count=0", nil).Body["totalResults"], "each accepted bulk created its 20 users; nothing else was created")
}

// TestBulkBadPaths: an operation whose path no URL can hold (a control
// character) fails alone with invalidPath, its detail naming the path the
// client sent, not the URL the handler built from it; one whose path
// decodes to a NUL or to bytes that are not UTF-8 is the 404 the same
// request sent on its own gets, and never reaches the store.
func TestBulkBadPaths(t *testing.T) {
	e := newEnv(t)
	want := []struct {
		path, status, detail string
	}{
		{`/Users/a\u0000b`, "400", `Operations[0]: path "/Users/a\x00b" is no URL path: net/url: invalid control character in URL`},
		{`/Users/a\u007fb`, "400", `Operations[1]: path "/Users/a\x7fb" is no URL path: net/url: invalid control character in URL`},
		{"/Users/a%00b", "404", "not valid UTF-8 or contains a NUL character"},
		{"/Users/%FF", "404", "not valid UTF-8 or contains a NUL character"},
	}
	var ops []string
	for _, w := range want {
		ops = append(ops, `{"method":"DELETE","path":"`+w.path+`"}`)
	}
	r := e.do("POST", "/Bulk", `{"Operations":[`+strings.Join(ops, ",")+`]}`)
	require.Equal(t, 200, r.Code, r.Raw)
	got := r.Body["Operations"].([]any)
	require.Len(t, got, len(want))
	for i, w := range want {
		res := got[i].(map[string]any)
		assert.Equal(t, w.status, res["status"], w.path)
		detail := res["response"].(map[string]any)["detail"].(string)
		assert.Contains(t, detail, w.detail)
		assert.NotContains(t, detail, "http://bulk")
	}
	direct := e.do("DELETE", "/Users/a%00b", nil)
	assert.Equal(t, 404, direct.Code, direct.Raw)
}

// TestBulkLocation: RFC 7644 §3.7.3 gives each operation of a
// BulkResponse the "location" of the resource it addressed ("REQUIRED in
// a response, except in the event of a POST failure"), whether it failed
// before it was dispatched (a bulkId reference that did not resolve, a
// path that names no stored resource, a cycle) or after (a 404, a 412);
// a POST, failed, has none, either way. A path whose id is itself a
// bulkId that did not resolve, or that no URL can hold, names no
// resource and has none.
func TestBulkLocation(t *testing.T) {
	e := newEnv(t)
	u := e.createUser("located")
	uid, version := u["id"].(string), u["meta"].(map[string]any)["version"].(string)
	gid := e.createGroup("located")["id"].(string)
	userURL, groupURL := base+"/Users/"+uid, base+"/Groups/"+gid
	failingPost := map[string]any{"method": "POST", "path": "/Users", "bulkId": "bad", "data": map[string]any{"displayName": "no userName"}}
	patchRef := func(ref string) map[string]any {
		return map[string]any{"method": "PATCH", "path": "/Groups/" + gid, "data": patchBody(op("add", "members", []any{map[string]any{"value": "bulkId:" + ref}}))}
	}
	tests := []struct {
		name     string
		ops      []map[string]any
		at       int    // the operation checked
		status   string // its status
		location string // "" for none, "op:N" for operation N's
	}{
		{"reference to a failed POST listed before", []map[string]any{failingPost, patchRef("bad")}, 1, "409", groupURL},
		{"reference to a failed POST listed after", []map[string]any{patchRef("bad"), failingPost}, 0, "409", groupURL},
		{"reference to no operation", []map[string]any{patchRef("nobody")}, 0, "409", groupURL},
		{"the same resource missing, after dispatch", []map[string]any{{"method": "PATCH", "path": "/Groups/nosuchgroup", "data": patchBody(op("replace", "displayName", "x"))}}, 0, "404", base + "/Groups/nosuchgroup"},
		{"stale version, after dispatch, path spelled in lower case", []map[string]any{{"method": "DELETE", "path": "/users/" + uid, "version": `W/"stale"`}}, 0, "412", userURL},
		{"a path no resource can have, before dispatch", []map[string]any{{"method": "DELETE", "path": "/Users/a%00b"}}, 0, "404", base + "/Users/a%00b"},
		{"a cycle", []map[string]any{
			{"method": "POST", "path": "/Groups", "bulkId": "a", "data": map[string]any{"displayName": "A", "members": []any{map[string]any{"value": "bulkId:b"}}}},
			{"method": "PUT", "path": "/Users/" + uid, "bulkId": "b", "version": version, "data": map[string]any{"userName": "located", "title": "bulkId:a"}},
		}, 1, "409", userURL},
		{"a cycle, its path a bulkId that resolved", []map[string]any{
			{"method": "POST", "path": "/Users", "bulkId": "u", "data": map[string]any{"userName": "cycle-u"}},
			{"method": "PATCH", "path": "/Users/bulkId:u", "bulkId": "p", "data": patchBody(op("replace", "title", "bulkId:a"))},
			{"method": "POST", "path": "/Groups", "bulkId": "a", "data": map[string]any{"displayName": "A", "members": []any{map[string]any{"value": "bulkId:p"}}}},
		}, 1, "409", "op:0"},
		{"a POST failed before dispatch", []map[string]any{{"method": "POST", "path": "/Groups", "bulkId": "g", "data": map[string]any{"displayName": "G", "members": []any{map[string]any{"value": "bulkId:nobody"}}}}}, 0, "409", ""},
		{"a POST failed after dispatch", []map[string]any{failingPost}, 0, "400", ""},
		{"a path whose id is a failed bulkId", []map[string]any{failingPost, {"method": "DELETE", "path": "/Users/bulkId:bad"}}, 1, "409", ""},
		{"a path no URL can hold", []map[string]any{{"method": "DELETE", "path": "/Users/%zz"}}, 0, "400", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			list, _ := bulkOps(t, e.do("POST", "/Bulk", bulkBody(0, tt.ops...)))
			require.Greater(t, len(list), tt.at)
			res := list[tt.at]
			assert.Equal(t, tt.status, res["status"], "%v", res)
			if n, ok := strings.CutPrefix(tt.location, "op:"); ok {
				i, err := strconv.Atoi(n)
				require.NoError(t, err)
				require.NotEmpty(t, list[i]["location"])
				assert.Equal(t, list[i]["location"], res["location"], "%v", res)
			} else if tt.location == "" {
				assert.NotContains(t, res, "location", "%v", res)
			} else {
				assert.Equal(t, tt.location, res["location"], "%v", res)
			}
		})
	}
	assert.Equal(t, "located", e.do("GET", "/Users/"+uid, nil).str("userName"), "no failed operation changed anything")
	assert.Empty(t, e.do("GET", "/Users/"+uid, nil).str("title"))
}

// TestBulkLocationBounded: a failed operation's location repeats the id
// the client sent as the server builds its URL (RFC 7644 §3.7: the
// resource endpoint URL, required but for a failed POST) only while the
// id is at most 128 bytes, the most of any one piece of client text a
// response shows; a longer one is left out, not cut to a URL that would
// address another resource. A 5,000-byte id of a DELETE, PATCH or PUT
// of no resource came back whole.
func TestBulkLocationBounded(t *testing.T) {
	e := newEnv(t)
	long := strings.Repeat("x", 5000)
	atBound := strings.Repeat("y", 128)
	for _, tc := range []struct {
		name, path string
		location   string // "" for none
	}{
		{"an id of 128 bytes", "/Users/" + atBound, base + "/Users/" + atBound},
		{"an id of 5,000 bytes", "/Users/" + long, ""},
		{"an id of 5,000 bytes, escaped", "/Groups/" + strings.Repeat("%41", 1700), ""},
	} {
		for _, method := range []string{"DELETE", "PATCH", "PUT"} {
			t.Run(tc.name+"/"+method, func(t *testing.T) {
				o := map[string]any{"method": method, "path": tc.path}
				switch method {
				case "PATCH":
					o["data"] = patchBody(op("replace", "title", "T"))
				case "PUT":
					o["data"] = map[string]any{"userName": "nobody", "displayName": "nobody"}
				}
				r := e.do("POST", "/Bulk", bulkBody(0, o))
				list, _ := bulkOps(t, r)
				require.Len(t, list, 1, "%.300s", r.Raw)
				assert.Equal(t, "404", list[0]["status"], "%.300s", r.Raw)
				location, _ := list[0]["location"].(string)
				assert.Equal(t, tc.location, location, "%.300s", r.Raw)
				assert.Less(t, len(r.Raw), 1500, "nothing else repeats the path: %.300s", r.Raw)
			})
		}
	}
}

// TestBulkLocationEscaped: a bulk result's location percent-encodes the
// id as meta.location does (url.PathEscape), whatever the client's path
// escaped or left as it is, and in whatever case it spelled the endpoint.
func TestBulkLocationEscaped(t *testing.T) {
	e := newEnv(t)
	id := e.createUser("located")["id"].(string)
	for _, tc := range []struct{ path, id string }{
		{"/Users/a,b;c@d$e&f+g=h:i", "a,b;c@d$e&f+g=h:i"},
		{"/Users/a%2Cb%3Bc", "a,b;c"},
		{"/users/a%20b%2Fc", "a b/c"},
		{"/Users/" + id, id},
		{"/users/" + id, id},
	} {
		t.Run(tc.path, func(t *testing.T) {
			r := e.do("POST", "/Bulk", bulkBody(0, map[string]any{"method": "PATCH", "path": tc.path,
				"data": patchBody(op("replace", "title", "T"))}))
			list, _ := bulkOps(t, r)
			require.Len(t, list, 1)
			assert.Equal(t, base+"/Users/"+url.PathEscape(tc.id), list[0]["location"], r.Raw)
			if tc.id == id {
				assert.Equal(t, "200", list[0]["status"], r.Raw)
				meta := e.do("GET", "/Users/"+id, nil).Body["meta"].(map[string]any)
				assert.Equal(t, meta["location"], list[0]["location"])
			} else {
				assert.Equal(t, "404", list[0]["status"], r.Raw)
			}
		})
	}
}

// TestEndpointSpellingKeepsEscapedID: /users taken as /Users keeps the
// id's escaping, so an id with an escaped slash or space reaches the
// resource route (a 404 naming the resource), not "no SCIM endpoint".
func TestEndpointSpellingKeepsEscapedID(t *testing.T) {
	e := newEnv(t)
	want := e.do("GET", "/Users/a%20b%2Fc", nil)
	requireError(t, want, 404, "", "")
	got := e.do("GET", "/users/a%20b%2Fc", nil)
	assert.Equal(t, want.Code, got.Code)
	assert.Equal(t, want.Body["detail"], got.Body["detail"], got.Raw)
}

// TestBulkPathEscapesResolvedIDs: a bulkId reference resolved in an
// operation's path is put there percent-encoded, as a path segment, so a
// store's id with a slash or a space still names one resource.
func TestBulkPathEscapesResolvedIDs(t *testing.T) {
	ids := map[string]string{"bulkId:a": "a b/c", "bulkId:u": "2819c223-7f76-453a-919d-413861904646"}
	resolve := func(s string) string {
		if id, ok := ids[s]; ok {
			return id
		}
		return s
	}
	for _, tc := range []struct{ path, want string }{
		{"/Groups/bulkId:a", "/Groups/a%20b%2Fc"},
		{"/Users/bulkId:u", "/Users/2819c223-7f76-453a-919d-413861904646"},
		{"/Users/x%20y", "/Users/x%20y"},
	} {
		assert.Equal(t, tc.want, scim.BulkPathForTest(tc.path, resolve), tc.path)
	}
}

// TestBulkReferenceInPathFilter: a bulkId reference that is a comparison
// value of a PATCH operation's value filter (members[value eq
// "bulkId:u"], the enterprise manager[value eq "bulkId:boss"]) resolves
// as one in a value or in the path does (RFC 7644 §3.7.2), the PATCH runs
// after the operation it refers to, and one that cannot be resolved fails
// its operation with the 409 the other places give, on every store.
func TestBulkReferenceInPathFilter(t *testing.T) {
	managerPath := resources.EnterpriseUserSchema + ":manager"
	userU := map[string]any{"method": "POST", "path": "/Users", "bulkId": "u", "data": map[string]any{"schemas": []any{resources.UserSchema}, "userName": "u"}}
	userW := map[string]any{"method": "POST", "path": "/Users", "bulkId": "w", "data": map[string]any{"schemas": []any{resources.UserSchema}, "userName": "w"}}
	groupUW := map[string]any{"method": "POST", "path": "/Groups", "bulkId": "g", "data": map[string]any{"schemas": []any{resources.GroupSchema}, "displayName": "G",
		"members": []any{map[string]any{"value": "bulkId:u"}, map[string]any{"value": "bulkId:w"}}}}
	// membersLeft checks that the group of operation 2 holds the users of
	// operations 0 (u) and 1 (w) that are named, and no other member.
	membersLeft := func(users ...string) func(*testing.T, *env, []map[string]any) {
		return func(t *testing.T, e *env, list []map[string]any) {
			g := e.do("GET", list[2]["location"].(string)[len(base):], nil)
			require.Equal(t, 200, g.Code, g.Raw)
			var want, got []string
			for _, u := range users {
				want = append(want, list[map[string]int{"u": 0, "w": 1}[u]]["location"].(string)[len(base+"/Users/"):])
			}
			members, _ := g.Body["members"].([]any)
			for _, m := range members {
				got = append(got, m.(map[string]any)["value"].(string))
			}
			assert.ElementsMatch(t, want, got)
		}
	}
	for _, name := range []string{"memory", "sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			for _, tc := range []struct {
				name   string
				ops    []map[string]any
				status []string       // by position in the request
				detail map[int]string // by position
				check  func(*testing.T, *env, []map[string]any)
				// warnings are the bends the request log records, each
				// contained in one of its warnings, in order; strict,
				// when set, is the statuses with Config.Strict.
				warnings []string
				strict   []string
			}{
				{"a member removed by a filter on its bulkId",
					[]map[string]any{
						{"method": "POST", "path": "/Users", "bulkId": "u", "data": map[string]any{"userName": "u"}},
						{"method": "POST", "path": "/Users", "bulkId": "w", "data": map[string]any{"userName": "w"}},
						{"method": "POST", "path": "/Groups", "bulkId": "g", "data": map[string]any{"displayName": "G", "members": []any{map[string]any{"value": "bulkId:u"}, map[string]any{"value": "bulkId:w"}}}},
						{"method": "PATCH", "path": "/Groups/bulkId:g", "data": patchBody(op("remove", `members[value eq "bulkId:u"]`, nil))},
					},
					[]string{"201", "201", "201", "204"}, nil,
					func(t *testing.T, e *env, list []map[string]any) {
						g := e.do("GET", list[2]["location"].(string)[len(base):], nil)
						require.Equal(t, 200, g.Code, g.Raw)
						w := list[1]["location"].(string)[len(base+"/Users/"):]
						require.Len(t, g.Body["members"], 1, "%v", g.Body["members"])
						assert.Equal(t, w, g.Body["members"].([]any)[0].(map[string]any)["value"])
					}, nil, nil},
				{"the PATCH runs after the operation its filter refers to",
					[]map[string]any{
						{"method": "POST", "path": "/Groups", "bulkId": "g", "data": map[string]any{"displayName": "G"}},
						{"method": "PATCH", "path": "/Groups/bulkId:g", "data": patchBody(op("add", "members", []any{map[string]any{"value": "bulkId:u"}}))},
						{"method": "PATCH", "path": "/Groups/bulkId:g", "data": patchBody(op("remove", `members[value eq "bulkId:u"]`, nil))},
						{"method": "POST", "path": "/Users", "bulkId": "u", "data": map[string]any{"userName": "u"}},
					},
					[]string{"201", "204", "204", "201"}, nil,
					func(t *testing.T, e *env, list []map[string]any) {
						g := e.do("GET", list[0]["location"].(string)[len(base):], nil)
						require.Equal(t, 200, g.Code, g.Raw)
						assert.Nil(t, g.Body["members"], "added, then removed")
					}, nil, nil},
				{"the enterprise manager removed by a filter on its bulkId",
					[]map[string]any{
						{"method": "POST", "path": "/Users", "bulkId": "boss", "data": map[string]any{"userName": "boss"}},
						{"method": "PATCH", "path": "/Users/bulkId:emp", "data": patchBody(op("remove", managerPath+`[value eq "bulkId:boss"]`, nil))},
						{"method": "POST", "path": "/Users", "bulkId": "emp", "data": map[string]any{
							"schemas": []any{resources.UserSchema, resources.EnterpriseUserSchema}, "userName": "emp",
							resources.EnterpriseUserSchema: map[string]any{"manager": map[string]any{"value": "bulkId:boss"}}}},
					},
					[]string{"201", "200", "201"}, nil,
					func(t *testing.T, e *env, list []map[string]any) {
						emp := e.do("GET", list[2]["location"].(string)[len(base):], nil)
						require.Equal(t, 200, emp.Code, emp.Raw)
						assert.Nil(t, emp.Body[resources.EnterpriseUserSchema], "the manager the filter named is removed")
					}, nil, nil},
				{"an unknown bulkId in a filter fails its operation only",
					[]map[string]any{
						{"method": "POST", "path": "/Groups", "bulkId": "g", "data": map[string]any{"displayName": "G"}},
						{"method": "PATCH", "path": "/Groups/bulkId:g", "data": patchBody(op("remove", `members[value eq "bulkId:nobody"]`, nil))},
					},
					[]string{"201", "409"}, map[int]string{1: `bulkId "nobody" is not the bulkId of any operation of this request`}, nil, nil, nil},
				{"a filter's reference to a failed operation fails",
					[]map[string]any{
						{"method": "POST", "path": "/Users", "bulkId": "bad", "data": map[string]any{"displayName": "no userName"}},
						{"method": "POST", "path": "/Groups", "bulkId": "g", "data": map[string]any{"displayName": "G"}},
						{"method": "PATCH", "path": "/Groups/bulkId:g", "data": patchBody(op("remove", `members[value eq "bulkId:bad"]`, nil))},
					},
					[]string{"400", "201", "409"}, map[int]string{2: `bulkId "bad" refers to an operation that failed`}, nil, nil, nil},
				// A reference is replaced where the client wrote it, and
				// the rest of the path reaches the PATCH as sent, so that
				// its other bends are warned of, or refused in strict mode,
				// as in a path without a reference.
				{"a padded path with a reference",
					[]map[string]any{userU, userW, groupUW,
						{"method": "PATCH", "path": "/Groups/bulkId:g", "data": patchBody(op("remove", ` members[value eq "bulkId:u"]`, nil))},
					},
					[]string{"201", "201", "201", "204"}, nil, membersLeft("w"),
					[]string{`Operations[0]: path " members[value eq \"`}, []string{"201", "201", "201", "400"}},
				{"an unquoted value beside a reference",
					[]map[string]any{userU, userW, groupUW,
						{"method": "PATCH", "path": "/Groups/bulkId:g", "data": patchBody(op("remove", `members[value eq bulkId:v or value eq "bulkId:u"]`, nil))},
					},
					[]string{"201", "201", "201", "204"}, nil, membersLeft("w"),
					[]string{`unquoted filter value "bulkId:v" taken as a string`}, []string{"201", "201", "201", "400"}},
				{"an escaped reference, beside a string that holds bulkId: and an escaped quote",
					[]map[string]any{userU, userW, groupUW,
						{"method": "PATCH", "path": "/Groups/bulkId:g", "data": patchBody(op("remove", `members[value eq "x\"bulkId:w" or value eq "bulk\u0049d:u"]`, nil))},
					},
					[]string{"201", "201", "201", "204"}, nil, membersLeft("w"),
					nil, []string{"201", "201", "201", "204"}},
				{"an escaped reference",
					[]map[string]any{userU, userW, groupUW,
						{"method": "PATCH", "path": "/Groups/bulkId:g", "data": patchBody(op("remove", `members[value eq "bulk\u0049d:u"]`, nil))},
					},
					[]string{"201", "201", "201", "204"}, nil, membersLeft("w"),
					nil, []string{"201", "201", "201", "204"}},
				{"two references",
					[]map[string]any{userU, userW, groupUW,
						{"method": "PATCH", "path": "/Groups/bulkId:g", "data": patchBody(op("remove", `members[value eq "bulkId:w" or value eq "bulkId:u"]`, nil))},
					},
					[]string{"201", "201", "201", "204"}, nil, membersLeft(),
					nil, []string{"201", "201", "201", "204"}},
				{"an unknown reference beside a padded path",
					[]map[string]any{userU, userW, groupUW,
						{"method": "PATCH", "path": "/Groups/bulkId:g", "data": patchBody(op("remove", ` members[value eq "bulkId:u" or value eq "bulkId:nobody"]`, nil))},
					},
					[]string{"201", "201", "201", "409"}, map[int]string{3: `bulkId "nobody" is not the bulkId of any operation of this request`}, membersLeft("u", "w"),
					nil, []string{"201", "201", "201", "409"}},
			} {
				for _, strict := range []bool{false, true} {
					if strict && tc.strict == nil {
						continue
					}
					t.Run(fmt.Sprintf("%s/strict=%v", tc.name, strict), func(t *testing.T) {
						clock := &fuzzClock{}
						clock.set(fuzzAt(0))
						users, groups := openFuzzStore(t, name, clock)
						ring := admin.NewRequestRing(10)
						e := newEnv(t, func(c *scim.Config) { c.Users, c.Groups, c.RequestLog, c.Strict = users, groups, ring, strict })
						list, _ := bulkOps(t, e.do("POST", "/Bulk", bulkBody(0, tc.ops...)))
						status := tc.status
						if strict {
							status = tc.strict
						}
						require.Len(t, list, len(status))
						for i, want := range status {
							assert.Equal(t, want, list[i]["status"], "Operations[%d]: %v", i, list[i])
							if d := tc.detail[i]; d != "" {
								resp, _ := list[i]["response"].(map[string]any)
								assert.Contains(t, fmt.Sprint(resp["detail"]), d, "Operations[%d]", i)
							}
						}
						if strict {
							return
						}
						warnings := lastWarnings(t, ring)
						for _, w := range tc.warnings {
							assert.True(t, slices.ContainsFunc(warnings, func(s string) bool { return strings.Contains(s, w) }),
								"a warning containing %q in %q", w, warnings)
						}
						if tc.check != nil {
							tc.check(t, e, list)
						}
					})
				}
			}
		})
	}
}

// TestBulkWarningsNameTheirOperation: each warning made while running an
// operation of a /Bulk request says which, by its index and bulkId (quoted
// as client text is), in the request log entry and the log line; the
// total stays bounded; strict mode refuses each operation on its own.
func TestBulkWarningsNameTheirOperation(t *testing.T) {
	ring := admin.NewRequestRing(10)
	e := newEnv(t, func(c *scim.Config) { c.RequestLog = ring })
	last := func() []string {
		recent, err := ring.Recent(context.Background(), "", 1)
		require.NoError(t, err)
		return recent[0].Warnings
	}
	long := strings.Repeat("b", 300)
	r := e.do("POST", "/Bulk", bulkBody(0,
		map[string]any{"method": "POST", "path": "/Users", "bulkId": "u1",
			"data": map[string]any{"schemas": []any{resources.UserSchema}, "userName": "bw1", "adreses": "x"}},
		map[string]any{"method": "PATCH", "path": "/Users/bulkId:u1",
			"data": map[string]any{"schemas": []any{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
				"Operations": []any{map[string]any{"op": " replace ", "path": "title", "value": "T"}}}},
		map[string]any{"method": "POST", "path": "/Users", "bulkId": long,
			"data": map[string]any{"userName": "bw2"}},
	))
	_, by := bulkOps(t, r)
	require.Equal(t, "201", by["u1"]["status"], r.Raw)
	want := []string{
		`Operations[0] (bulkId "u1"): ignored unknown attribute "adreses"`,
		`Operations[1]: Operations[0]: op " replace " taken as "replace"`,
		`Operations[2] (bulkId "` + strings.Repeat("b", 64),
	}
	got := last()
	require.Len(t, got, 3, got)
	assert.Equal(t, want[:2], got[:2])
	assert.True(t, strings.HasPrefix(got[2], want[2]), got[2])
	assert.Contains(t, got[2], `"schemas" missing; taken as a User`)
	assert.Less(t, len(got[2]), 300, "the bulkId is bounded as client text is")
	assert.Contains(t, e.logs.String(), `Operations[0] (bulkId \"u1\"): ignored unknown attribute`, "the log line carries it")

	// Bounded: as many warnings as any request holds, however many
	// operations make them.
	var ops []map[string]any
	for i := range 30 {
		ops = append(ops, map[string]any{"method": "POST", "path": "/Users", "bulkId": fmt.Sprint("m", i),
			"data": map[string]any{"schemas": []any{resources.UserSchema}, "userName": fmt.Sprint("bwm", i), "adreses": "x"}})
	}
	bulkOps(t, e.do("POST", "/Bulk", bulkBody(0, ops...)))
	got = last()
	assert.Len(t, got, 20)
	assert.Equal(t, `Operations[19] (bulkId "m19"): ignored unknown attribute "adreses"`, got[19])

	// Strict mode refuses the operation that bends, in its own result,
	// and runs the others.
	strict := newEnv(t, func(c *scim.Config) { c.Strict = true })
	_, by = bulkOps(t, strict.do("POST", "/Bulk", bulkBody(0,
		map[string]any{"method": "POST", "path": "/Users", "bulkId": "s1",
			"data": map[string]any{"schemas": []any{resources.UserSchema}, "userName": "bs1", "adreses": "x"}},
		map[string]any{"method": "POST", "path": "/Users", "bulkId": "s2",
			"data": map[string]any{"schemas": []any{resources.UserSchema}, "userName": "bs2"}},
	)))
	assert.Equal(t, "400", by["s1"]["status"])
	assert.Contains(t, by["s1"]["response"].(map[string]any)["detail"], "adreses")
	assert.Equal(t, "201", by["s2"]["status"])
}

// TestBulkPathSpelledAsEndpoints: an operation's path is read as a
// request's path is (canonicalPath): an endpoint in another case
// (/users), a trailing slash (/Users/, as Microsoft's validator sends)
// and a doubled leading one (//Users, JumpCloud's) address what the
// single request would, instead of refusing the whole bulk request 400.
func TestBulkPathSpelledAsEndpoints(t *testing.T) {
	e := newEnv(t)
	u := e.createUser("kept")
	id := u["id"].(string)
	ops := []map[string]any{
		{"method": "POST", "path": "/Users/", "bulkId": "slash", "data": map[string]any{"userName": "slash"}},
		{"method": "POST", "path": "//Users", "bulkId": "double", "data": map[string]any{"userName": "double"}},
		{"method": "POST", "path": "/groups/", "bulkId": "group", "data": map[string]any{"displayName": "team"}},
		{"method": "PATCH", "path": "/users/" + id + "/", "data": map[string]any{
			"schemas":    []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
			"Operations": []any{map[string]any{"op": "replace", "path": "title", "value": "T"}},
		}},
		{"method": "DELETE", "path": "//Users/" + id},
	}
	list, by := bulkOps(t, e.do("POST", "/Bulk", bulkBody(0, ops...)))
	require.Len(t, list, len(ops))
	for _, b := range []string{"slash", "double", "group"} {
		assert.Equal(t, "201", by[b]["status"], "%s: %v", b, by[b])
	}
	assert.Equal(t, "200", list[3]["status"], "%v", list[3])
	assert.Equal(t, "204", list[4]["status"], "%v", list[4])
	assert.Equal(t, base+"/Users/"+id, list[4]["location"])
	for _, name := range []string{"slash", "double"} {
		found := e.do("GET", "/Users?filter="+url.QueryEscape(`userName eq "`+name+`"`), nil)
		assert.EqualValues(t, 1, found.Body["totalResults"], found.Raw)
	}
	assert.Equal(t, 404, e.do("GET", "/Users/"+id, nil).Code)

	for _, path := range []string{"/Users/x/y", "/Nope", "/Users?x=1"} {
		r := e.do("POST", "/Bulk", bulkBody(0, map[string]any{"method": "PUT", "path": path, "data": map[string]any{"userName": "n"}}))
		requireError(t, r, 400, "invalidPath", fmt.Sprintf("%q", path))
	}
}
