package scim_test

import (
	"encoding/json"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/scimkit/scim/store/sqlstore/sqltest"
)

// uuidPattern matches an id a store assigned.
var uuidPattern = regexp.MustCompile(`[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`)

// normalized returns a 2xx answer's body in a form two stores' answers
// to the same request compare in: the data set's ids replaced by the
// resources' names, the ids of resources the request created by "<new>"
// (each store picks its own random ids), and every "version" (meta's, a
// bulk operation's) left out, because each store computes versions its
// own way (the version contract is only that it changes with the
// resource). Timestamps need no care: both stores run on the same
// fuzzClock. Object keys come out sorted, so a different key order
// does not count; array order (the order of a list's resources, of a
// multi-valued attribute's values) does.
func (s *fuzzSite) normalized(rec *httptest.ResponseRecorder) string {
	if rec.Body.Len() == 0 {
		return ""
	}
	var v any
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		return "not JSON: " + rec.Body.String()
	}
	v = withoutVersions(v)
	b, _ := json.MarshalIndent(v, "", " ")
	out := uuidPattern.ReplaceAllStringFunc(string(b), func(id string) string {
		if n, ok := s.ids[strings.ToLower(id)]; ok {
			return "@" + n
		}
		return "<new>"
	})
	return out
}

func withoutVersions(v any) any {
	switch v := v.(type) {
	case map[string]any:
		delete(v, "version")
		for k, x := range v {
			v[k] = withoutVersions(x)
		}
	case []any:
		for i, x := range v {
			v[i] = withoutVersions(x)
		}
	}
	return v
}

// scimType returns the scimType of an error answer ("" for none).
func scimType(rec *httptest.ResponseRecorder) string {
	var e struct{ ScimType string }
	_ = json.Unmarshal(rec.Body.Bytes(), &e)
	return e.ScimType
}

// FuzzStoresAgree sends each fuzzed request to a handler on the memory
// store (the reference: store/query evaluates every filter and sort in
// Go) and to one on each SQL store (SQLite; PostgreSQL too when
// SCIM_TEST_POSTGRES_URL is set, or fuzzStoresEnv names it), all holding
// the same data set, and requires the same answer: the same status, the
// same scimType for an error, and for a 2xx the same body up to ids and
// versions (see normalized): the same resources in the same order, the
// same totalResults. SQL stores compile filters and sorts to SQL, so this
// is where a filter SQL reads differently from the evaluator shows.
func FuzzStoresAgree(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s.target, s.query, s.body)
	}
	names := fuzzStoreNames()
	ref := newFuzzSite(f, "memory")
	var others []*fuzzSite
	for _, n := range []string{"sqlite", "postgres"} {
		if names != nil && !names[n] {
			continue
		}
		if n == "postgres" && names == nil && os.Getenv(sqltest.URLEnv) == "" && os.Getenv(sqltest.RequireEnv) == "" && os.Getenv("CI") != "true" {
			continue // PostgresURL would skip the whole target
		}
		others = append(others, newFuzzSite(f, n))
	}
	f.Fuzz(func(t *testing.T, target uint8, query, body string) {
		method, path := ref.target(target)
		ref.logs.Reset()
		want := ref.send(method, path, query, body)
		ref.checkAnswer(t, method, path, query, body, want)
		wantBody := ""
		if want.Code < 300 {
			wantBody = ref.normalized(want)
		}
		ref.restore(t, method, path, want)
		for _, s := range others {
			m, p := s.target(target)
			s.logs.Reset()
			got := s.send(m, p, query, body)
			s.checkAnswer(t, m, p, query, body, got)
			if got.Code != want.Code || scimType(got) != scimType(want) {
				t.Fatalf("%s %s?%s %q:\nmemory: %d %s\n%s: %d %s", method, path, query, body, want.Code, want.Body, s.name, got.Code, got.Body)
			}
			if got.Code < 300 {
				if g := s.normalized(got); g != wantBody {
					t.Fatalf("%s %s?%s %q: the answers differ:\nmemory: %s\n%s: %s", method, path, query, body, wantBody, s.name, g)
				}
			}
			s.restore(t, m, p, got)
		}
	})
}
