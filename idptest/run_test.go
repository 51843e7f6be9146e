package idptest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/idptest"
)

// fake is a scripted SCIM server: each route answers what the test says,
// and every request is recorded.
type fake struct {
	mu     sync.Mutex
	routes map[string]func(w http.ResponseWriter, r *http.Request)
	seen   []string
	bodies []string
}

func (f *fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.seen = append(f.seen, r.Method+" "+r.URL.RequestURI())
	b, _ := io.ReadAll(r.Body)
	f.bodies = append(f.bodies, string(b))
	h := f.routes[r.Method+" "+r.URL.Path]
	f.mu.Unlock()
	if h == nil {
		w.Header().Set("Content-Type", "application/scim+json")
		w.WriteHeader(404)
		io.WriteString(w, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"404"}`)
		return
	}
	h(w, r)
}

func answer(status int, ct, body string, hdr ...string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(hdr); i += 2 {
			w.Header().Set(hdr[i], hdr[i+1])
		}
		if ct != "" {
			w.Header().Set("Content-Type", ct)
		}
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

func runFake(t *testing.T, f *fake, conv string) (*idptest.Result, string) {
	t.Helper()
	c, err := idptest.Parse([]byte(conv))
	require.NoError(t, err)
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	res := idptest.Run(context.Background(), idptest.Target{BaseURL: srv.URL + "/scim/v2", Token: "scim_secret"}, c, idptest.Options{RunID: "r1"})
	var buf bytes.Buffer
	require.NoError(t, idptest.WriteReport(&buf, []*idptest.Result{res}, "scim_secret"))
	return res, buf.String()
}

func oneStep(step string) string {
	return `{"provider":"P","name":"n","steps":[` + step + `]}`
}

// TestChecksEveryProviderRelies shows that the runner catches each
// difference a provider would trip over.
func TestChecksEveryProviderRelies(t *testing.T) {
	const list = `/scim/v2/Users`
	for _, tc := range []struct {
		name    string
		route   string
		handler func(http.ResponseWriter, *http.Request)
		step    string
		want    string
	}{
		{
			name: "string totalResults", route: "GET " + list,
			handler: answer(200, "application/scim+json", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":"0","itemsPerPage":0,"startIndex":1,"Resources":[]}`),
			step:    `{"name":"s","method":"GET","path":"/Users","expect":{"status":200}}`,
			want:    `totalResults: got "0" of type string, want type integer`,
		},
		{
			name: "itemsPerPage disagrees with Resources", route: "GET " + list,
			handler: answer(200, "application/scim+json", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":1,"itemsPerPage":0,"startIndex":1,"Resources":[{"id":"a"}]}`),
			step:    `{"name":"s","method":"GET","path":"/Users","expect":{"status":200}}`,
			want:    `itemsPerPage is 0 but Resources has 1`,
		},
		{
			name: "application/json content type", route: "GET " + list,
			handler: answer(200, "application/json", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":0,"itemsPerPage":0,"startIndex":1,"Resources":[]}`),
			step:    `{"name":"s","method":"GET","path":"/Users","expect":{"status":200}}`,
			want:    `Content-Type: got "application/json", want application/scim+json`,
		},
		{
			name: "error status as a number", route: "GET /scim/v2/Users/x",
			handler: answer(404, "application/scim+json", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":404}`),
			step:    `{"name":"s","method":"GET","path":"/Users/x","expect":{"status":404}}`,
			want:    `status: got 404, want "404" (status is a string)`,
		},
		{
			name: "plain-text error", route: "GET /scim/v2/Users/x",
			handler: answer(401, "text/plain", `Unauthorized`),
			step:    `{"name":"s","method":"GET","path":"/Users/x","expect":{"status":401}}`,
			want:    `the response body is not JSON`,
		},
		{
			name: "Location differs from meta.location", route: "POST " + list,
			handler: answer(201, "application/scim+json", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"u1","userName":"a","meta":{"resourceType":"User","location":"https://x/scim/v2/Users/u1"}}`, "Location", "https://x/scim/v2/Users/u2"),
			step:    `{"name":"s","method":"POST","path":"/Users","body":{"userName":"a"},"expect":{"status":201}}`,
			want:    `Location "https://x/scim/v2/Users/u2" differs from meta.location`,
		},
		{
			name: "no Location", route: "POST " + list,
			handler: answer(201, "application/scim+json", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"u1","userName":"a","meta":{"resourceType":"User","location":"https://x/scim/v2/Users/u1"}}`),
			step:    `{"name":"s","method":"POST","path":"/Users","body":{"userName":"a"},"expect":{"status":201}}`,
			want:    `no Location header`,
		},
		{
			name: "id not echoed", route: "GET /scim/v2/Users/u1",
			handler: answer(200, "application/scim+json", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"u9","meta":{"resourceType":"User"}}`),
			step:    `{"name":"s","method":"GET","path":"/Users/u1","expect":{"status":200}}`,
			want:    `the id in the path is not echoed back: id: got "u9", want "u1"`,
		},
		{
			name: "string boolean", route: "GET /scim/v2/Users/u1",
			handler: answer(200, "application/scim+json", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"u1","active":"false","meta":{"resourceType":"User"}}`),
			step:    `{"name":"s","method":"GET","path":"/Users/u1","expect":{"status":200,"json":{"active":false}}}`,
			want:    `active: got "false", want false`,
		},
		{
			name: "wrong status", route: "PATCH /scim/v2/Groups/g",
			handler: answer(200, "application/scim+json", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"id":"g","meta":{"resourceType":"Group"}}`),
			step:    `{"name":"s","method":"PATCH","path":"/Groups/g","body":{},"expect":{"status":204}}`,
			want:    `status: got 200, want 204`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fake{routes: map[string]func(http.ResponseWriter, *http.Request){tc.route: tc.handler}}
			res, report := runFake(t, f, oneStep(tc.step))
			assert.False(t, res.Passed())
			assert.Contains(t, report, tc.want)
			assert.Contains(t, report, "response:")
			assert.NotContains(t, report, "scim_secret")
			assert.Contains(t, report, "Authorization: Bearer <token>")
		})
	}
}

func TestPagingFindsUnstableOrder(t *testing.T) {
	page := func(start int, ids ...string) string {
		var rs []string
		for _, id := range ids {
			rs = append(rs, `{"id":"`+id+`"}`)
		}
		return `{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":4,"itemsPerPage":` +
			string(rune('0'+len(ids))) + `,"startIndex":` + string(rune('0'+start)) + `,"Resources":[` + strings.Join(rs, ",") + `]}`
	}
	f := &fake{routes: map[string]func(http.ResponseWriter, *http.Request){
		"GET /scim/v2/Groups": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/scim+json")
			if r.URL.Query().Get("startIndex") == "1" {
				io.WriteString(w, page(1, "a", "b"))
			} else {
				io.WriteString(w, page(3, "b", "c"))
			}
		},
	}}
	res, report := runFake(t, f, oneStep(`{"name":"s","method":"GET","path":"/Groups?excludedAttributes=members","page":{"count":2},"expect":{"status":200}}`))
	assert.False(t, res.Passed())
	assert.Contains(t, report, `id "b" appears on two pages`)
	assert.Equal(t, []string{
		"GET /scim/v2/Groups?excludedAttributes=members&startIndex=1&count=2",
		"GET /scim/v2/Groups?excludedAttributes=members&startIndex=3&count=2",
	}, f.seen)
}

func TestVariablesRepeatRangesAndLeftovers(t *testing.T) {
	n := 0
	f := &fake{routes: map[string]func(http.ResponseWriter, *http.Request){
		"POST /scim/v2/Users": func(w http.ResponseWriter, r *http.Request) {
			n++
			id := "u" + string(rune('0'+n))
			loc := "http://" + r.Host + "/scim/v2/Users/" + id
			w.Header().Set("Location", loc)
			w.Header().Set("Content-Type", "application/scim+json")
			w.WriteHeader(201)
			json.NewEncoder(w).Encode(map[string]any{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:User"}, "id": id, "meta": map[string]any{"resourceType": "User", "location": loc}})
		},
		"PATCH /scim/v2/Groups/g":  answer(204, "", ""),
		"DELETE /scim/v2/Users/u1": answer(204, "", ""),
		"DELETE /scim/v2/Users/u2": answer(204, "", ""),
	}}
	conv := `{"provider":"P","name":"n","steps":[
	  {"name":"create ${i}","repeat":{"var":"i","from":1,"to":2},"method":"POST","path":"/Users",
	   "body":{"userName":"x${i}.${run}","externalId":"${uuid:a}"},"expect":{"status":201,"capture":{"u${i}":"id"}}},
	  {"name":"members","method":"PATCH","path":"/Groups/g?filter=displayName eq \"a b\"",
	   "body":{"Operations":[{"op":"add","path":"members","value":{"$range":{"var":"j","from":1,"to":2},"$item":{"value":"${u${j}}"}}}]},
	   "expect":{"status":204}},
	  {"name":"delete u1","method":"DELETE","path":"/Users/${u1}","expect":{"status":204}}
	],"cleanup":[{"name":"never created","method":"DELETE","path":"/Users/${nope}","expect":{"status":204}}]}`
	res, report := runFake(t, f, conv)
	assert.False(t, res.Passed(), report)
	assert.Equal(t, []string{"/Users/u2"}, res.Leftovers, "u2 was created and not deleted by the conversation")
	assert.Equal(t, 5, res.Requests)
	assert.Equal(t, "PATCH /scim/v2/Groups/g?filter=displayName%20eq%20%22a%20b%22", f.seen[2])
	assert.JSONEq(t, `{"Operations":[{"op":"add","path":"members","value":[{"value":"u1"},{"value":"u2"}]}]}`, f.bodies[2])
	var first, second map[string]any
	require.NoError(t, json.Unmarshal([]byte(f.bodies[0]), &first))
	require.NoError(t, json.Unmarshal([]byte(f.bodies[1]), &second))
	assert.Equal(t, "x1.r1", first["userName"])
	assert.Equal(t, first["externalId"], second["externalId"], "${uuid:a} is stable within a run")
	assert.Len(t, first["externalId"], 36)
	assert.Equal(t, "DELETE /scim/v2/Users/u2", f.seen[4])
}

func TestParseRejectsMistakes(t *testing.T) {
	for _, bad := range []string{
		`{"provider":"P","name":"n","steps":[{"name":"s","method":"GET","path":"/Users","expect":{"status":200,"jsn":{}}}]}`,
		`{"provider":"P","name":"n","steps":[{"name":"s","method":"GET","path":"/Users","expect":{}}]}`,
		`{"provider":"P","name":"n","steps":[{"name":"s","method":"GET","path":"Users","expect":{"status":200}}]}`,
		`{"provider":"P","name":"n","steps":[{"name":"s","method":"GET","path":"/Users","expect":{"status":200,"json":{"a..b":1}}}]}`,
	} {
		_, err := idptest.Parse([]byte(bad))
		assert.Error(t, err, bad)
	}
}

func TestMatch(t *testing.T) {
	var body any
	dec := json.NewDecoder(strings.NewReader(`{"totalResults":2,"Resources":[{"id":"a","active":true,"emails":[{"value":"x","type":"work"}]},{"id":"b","active":"True"}],
	  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":{"value":"m"}},"n":null}`))
	dec.UseNumber()
	require.NoError(t, dec.Decode(&body))
	for _, tc := range []struct {
		path string
		want any
		ok   bool
	}{
		{"totalResults", 2.0, true},
		{"totalResults", "2", false},
		{"totalresults", map[string]any{"$type": "integer"}, true},
		{"Resources[0].active", true, true},
		{"Resources[1].active", true, false},
		{"Resources", map[string]any{"$len": 2.0}, true},
		{"Resources", map[string]any{"$contains": map[string]any{"id": "b"}}, true},
		{"Resources", map[string]any{"$notContains": map[string]any{"id": "b"}}, false},
		{"Resources", map[string]any{"$all": map[string]any{"id": map[string]any{"$type": "string"}}}, true},
		{"Resources[0].emails", []any{map[string]any{"value": "x"}}, true},
		{"Resources[0].emails", []any{}, false},
		{"Resources[2]", map[string]any{"$absent": true}, true},
		{"n", map[string]any{"$absent": true}, true},
		{"n", nil, true},
		{"Resources[0]", map[string]any{"$present": true}, true},
		{"['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'].manager.value", "m", true},
		{"Resources[0].id", map[string]any{"$oneOf": []any{"b", "a"}}, true},
		{"Resources[0].id", map[string]any{"$ne": "a"}, false},
	} {
		msg := idptest.Match(body, tc.path, tc.want)
		assert.Equal(t, tc.ok, msg == "", "%s %v: %s", tc.path, tc.want, msg)
	}
}

func TestShortTokensAreRedactedOnlyInAuthorization(t *testing.T) {
	f := &fake{routes: map[string]func(http.ResponseWriter, *http.Request){
		"GET /scim/v2/Users/x": answer(404, "application/scim+json", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"404","detail":"the user is gone"}`),
	}}
	c, err := idptest.Parse([]byte(oneStep(`{"name":"s","method":"GET","path":"/Users/x","expect":{"status":200}}`)))
	require.NoError(t, err)
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	res := idptest.Run(context.Background(), idptest.Target{BaseURL: srv.URL + "/scim/v2", Token: "t"}, c, idptest.Options{})
	var buf bytes.Buffer
	require.NoError(t, idptest.WriteReport(&buf, []*idptest.Result{res}, "t"))
	assert.Contains(t, buf.String(), "Authorization: Bearer <token>\n")
	assert.Contains(t, buf.String(), `"the user is gone"`)
}
