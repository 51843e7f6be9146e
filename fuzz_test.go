package scim_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// FuzzRequests sends arbitrary bodies and query strings to every endpoint
// that reads them. Whatever comes in, the handler answers with a status
// below 500 and, for errors, a SCIM error body; it never panics.
func FuzzRequests(f *testing.F) {
	seeds := []struct {
		target uint8
		query  string
		body   string
	}{
		{0, "", `{"userName":"a","emails":[{"value":"a@x","primary":"True"}]}`},
		{0, "attributes=emails.value", `{"userName":"a","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":"x"}}`},
		{1, "", `{"Operations":[{"op":"Add","path":"addresses[type eq \"work\"].locality","value":"x"}]}`},
		{1, "", `{"Operations":[{"op":"replace","value":{"name.givenName":"A","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager":"7"}}]}`},
		{2, "", `{"Operations":[{"op":"Remove","path":"members","value":[{"value":"u"}]}]}`},
		{2, "", `{"Operations":[{"op":"replace","value":{"id":"x","displayName":"y"}}]}`},
		{3, "filter=" + url.QueryEscape(`emails[type eq "work"].value eq "x" or not (userName sw "a")`) + "&sortBy=name.familyName&count=5", ``},
		{4, "", `{"filter":"userName pr","startIndex":2,"count":1,"attributes":["userName"]}`},
		{5, "", `{"displayName":"g","members":[{"value":"u"}]}`},
		{6, "excludedAttributes=members", ``},
		{9, "", `{"Operations":[{"method":"POST","path":"/Groups","bulkId":"g","data":{"displayName":"b","members":[{"value":"bulkId:u"}]}},` +
			`{"method":"POST","path":"/Users","bulkId":"u","data":{"userName":"b"}},{"method":"PATCH","path":"/Users/bulkId:u","data":{"Operations":[{"op":"add","path":"title","value":"t"}]}}]}`},
		{9, "", `{"failOnErrors":1,"Operations":[{"method":"DELETE","path":"/Groups/bulkId:x"},{"method":"PUT","path":"/users/x","version":"W/\"1\"","data":{}}]}`},
	}
	for _, s := range seeds {
		f.Add(s.target, s.query, s.body)
	}
	e := newEnv(f)
	uid := e.createUser("fuzz@example.com")["id"].(string)
	gid := e.createGroup("fuzz", uid)["id"].(string)
	f.Fuzz(func(t *testing.T, target uint8, query, body string) {
		type req struct{ method, path string }
		targets := []req{
			{"POST", "/Users"}, {"PATCH", "/Users/" + uid}, {"PATCH", "/Groups/" + gid},
			{"GET", "/Users"}, {"POST", "/.search"}, {"POST", "/Groups"}, {"GET", "/Groups/" + gid},
			{"PUT", "/Users/" + uid}, {"PUT", "/Groups/" + gid}, {"POST", "/Bulk"},
		}
		tg := targets[int(target)%len(targets)]
		r := httptest.NewRequest(tg.method, "http://app.example.com/", strings.NewReader(body))
		r.URL.Path = tg.path
		r.URL.RawQuery = query
		r.Header.Set("Authorization", "Bearer "+e.token)
		r.Header.Set("Content-Type", "application/scim+json")
		rec := httptest.NewRecorder()
		e.h.ServeHTTP(rec, r)
		if rec.Code >= 500 {
			t.Fatalf("%s %s?%s %q: %d %s", tg.method, tg.path, query, body, rec.Code, rec.Body)
		}
		if rec.Code >= 400 && !strings.Contains(rec.Body.String(), `"urn:ietf:params:scim:api:messages:2.0:Error"`) {
			t.Fatalf("%d without a SCIM error body: %s", rec.Code, rec.Body)
		}
		if rec.Code == http.StatusOK || rec.Code == http.StatusCreated {
			if ct := rec.Header().Get("Content-Type"); ct != "application/scim+json" {
				t.Fatalf("content type %q", ct)
			}
		}
	})
}
