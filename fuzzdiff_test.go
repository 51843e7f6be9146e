package scim_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
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

// idDependent matches a request whose answer depends on the ids' values:
// a filter, sort or PATCH path that compares or orders ids (id, members'
// and groups' values, $ref and meta.location hold them). Each store picks
// its own random ids (neither has a way to be given them), so two stores
// legitimately answer such a request differently (id lt "8" matches
// other resources, sortBy=id orders them otherwise), and the
// differential targets only require of it what FuzzRequests does.
var idDependent = regexp.MustCompile(`(?i)\bid\b|\$ref|location|(groups|members)(\.value\b|\s*\[|\s+[a-z]+\s|\s*"|\s*$)`)

// comparable reports whether two stores must give the same answer to a
// request with this query and body (see idDependent).
func comparable(query, body string) bool {
	if q, err := url.QueryUnescape(query); err == nil {
		query = q
	}
	return !idDependent.MatchString(query) && !idDependent.MatchString(body)
}

// scimType returns the scimType of an error answer ("" for none).
func scimType(rec *httptest.ResponseRecorder) string {
	var e struct{ ScimType string }
	_ = json.Unmarshal(rec.Body.Bytes(), &e)
	return e.ScimType
}

// versionPattern and timePattern match a version (an ETag's form or a
// quoted one) and a timestamp in an error's detail.
var (
	versionPattern = regexp.MustCompile(`W/"[^"]*"`)
	timePattern    = regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)`)
)

// answer is rec in the form two answers to the same request compare in,
// across stores and across two sends: its status and, for a 2xx, the
// normalized body; for an error, the normalized body (status, scimType
// and detail) with versions and timestamps a detail quotes replaced too,
// since each store computes versions its own way.
func (s *fuzzSite) answer(rec *httptest.ResponseRecorder) string {
	out := s.normalized(rec)
	if rec.Code >= 300 {
		out = versionPattern.ReplaceAllString(out, `W/"<version>"`)
		out = timePattern.ReplaceAllString(out, "<time>")
	}
	return strconv.Itoa(rec.Code) + " " + out
}

// settle puts the target user and group back as restore does, so that
// the state a site starts from is the state every request after a
// restore meets (the same lastModified): a request answered twice meets
// the same data both times.
func (s *fuzzSite) settle(tb testing.TB) {
	tb.Helper()
	if r := s.send("PUT", "/Users/"+s.uid, "", fuzzUserBody); r.Code != http.StatusOK {
		tb.Fatalf("%s: put back the target user: %d %s", s.name, r.Code, r.Body)
	}
	if r := s.send("PUT", "/Groups/"+s.gid, "", s.members(fuzzGroupBody)); r.Code != http.StatusOK {
		tb.Fatalf("%s: put back the target group: %d %s", s.name, r.Code, r.Body)
	}
}

// sendTwice sends a request, puts the site back, sends it again and puts
// the site back again, and fails t unless both answers are the same (up
// to the ids of resources it created): the same request must get the
// same answer every time, whatever Go's map order was (a body walked in
// map order let either of two errors answer). It returns the first answer.
func (s *fuzzSite) sendTwice(t *testing.T, method, path, query, body string) *httptest.ResponseRecorder {
	t.Helper()
	s.logs.Reset()
	first := s.send(method, path, query, body)
	s.checkAnswer(t, method, path, query, body, first)
	a := s.answer(first)
	s.restore(t, method, path, first)
	s.logs.Reset()
	again := s.send(method, path, query, body)
	if b := s.answer(again); b != a {
		t.Fatalf("%s: %s %s?%s %q: two answers to one request:\n%s\n%s", s.name, method, path, query, body, a, b)
	}
	s.restore(t, method, path, again)
	return first
}

// FuzzStoresAgree sends each fuzzed request to a handler on the memory
// store (the reference: store/query evaluates every filter and sort in
// Go) and to one on each SQL store (SQLite; PostgreSQL too when
// SCIM_TEST_POSTGRES_URL is set, or fuzzStoresEnv names it), all holding
// the same data set, and requires the same answer: the same status, the
// same error (status, scimType and detail, up to ids, versions and
// timestamps: see answer), and for a 2xx the same body up to ids and
// versions (see normalized): the same resources in the same order, the
// same totalResults. SQL stores compile filters and sorts to SQL, so this
// is where a filter SQL reads differently from the evaluator shows. Each
// site is sent each request twice (sendTwice), and must answer it the
// same way both times.
func FuzzStoresAgree(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s.target, s.query, s.body)
	}
	ref := newFuzzSite(f, "memory")
	others := fuzzSites(f, "sqlite", "postgres")
	for _, s := range append([]*fuzzSite{ref}, others...) {
		s.settle(f)
	}
	f.Fuzz(func(t *testing.T, target uint8, query, body string) {
		method, path := ref.target(target)
		want := ref.sendTwice(t, method, path, query, body)
		wantAnswer := ref.answer(want)
		same := comparable(query, body)
		for _, s := range others {
			m, p := s.target(target)
			got := s.sendTwice(t, m, p, query, body)
			if !same {
				continue
			}
			if got.Code != want.Code || scimType(got) != scimType(want) {
				t.Fatalf("%s %s?%s %q:\nmemory: %d %s\n%s: %d %s", method, path, query, body, want.Code, want.Body, s.name, got.Code, got.Body)
			}
			if g := s.answer(got); g != wantAnswer {
				t.Fatalf("%s %s?%s %q: the answers differ:\nmemory: %s\n%s: %s", method, path, query, body, wantAnswer, s.name, g)
			}
		}
	})
}

// FuzzFilterAgree is FuzzStoresAgree for the read path alone, with the
// filter, sortBy, sortOrder and paging as the fuzzer's own inputs (sent
// in a /.search body), so its mutations go to the filter text itself
// rather than to the URL encoding around it.
func FuzzFilterAgree(f *testing.F) {
	for _, s := range filterAgreeSeeds {
		f.Add(false, s, "", false, 0, -1)
	}
	for _, s := range sortAgreeSeeds {
		f.Add(false, "", s, false, 0, -1)
		f.Add(false, `userName ne "zed_"`, s, true, 2, 3)
	}
	for _, s := range groupAgreeSeeds {
		f.Add(true, s, "displayName", false, 0, -1)
	}
	ref := newFuzzSite(f, "memory")
	others := fuzzSites(f, "sqlite", "postgres")
	f.Fuzz(func(t *testing.T, groups bool, filter, sortBy string, desc bool, startIndex, count int) {
		path := "/Users/.search"
		if groups {
			path = "/Groups/.search"
		}
		q := map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:SearchRequest"}}
		if filter != "" {
			q["filter"] = filter
		}
		if sortBy != "" {
			q["sortBy"] = sortBy
		}
		if desc {
			q["sortOrder"] = "descending"
		}
		if startIndex != 0 {
			q["startIndex"] = startIndex
		}
		if count >= 0 {
			q["count"] = count
		}
		b, err := json.Marshal(q)
		if err != nil {
			t.Skip() // not valid UTF-8 is the handler's to refuse, but not JSON we can build
		}
		body := string(b)
		ref.logs.Reset()
		want := ref.send("POST", path, "", body)
		ref.checkAnswer(t, "POST", path, "", body, want)
		same := comparable("", filter+" "+sortBy)
		for _, s := range others {
			s.logs.Reset()
			got := s.send("POST", path, "", body)
			s.checkAnswer(t, "POST", path, "", body, got)
			if !same {
				continue
			}
			if got.Code != want.Code || scimType(got) != scimType(want) {
				t.Fatalf("POST %s %s:\nmemory: %d %s\n%s: %d %s", path, body, want.Code, want.Body, s.name, got.Code, got.Body)
			}
			if got.Code < 300 {
				if w, g := ref.normalized(want), s.normalized(got); g != w {
					t.Fatalf("POST %s %s: the answers differ:\nmemory: %s\n%s: %s", path, body, w, s.name, g)
				}
			}
		}
	})
}

const entURN = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

// filterAgreeSeeds are user filters on every attribute of the fuzz data
// set, every operator, and the characters SQL's LIKE and collations treat
// specially (many from store/sqlstore's differential test).
var filterAgreeSeeds = []string{
	`userName eq "alice"`, `userName eq "ALICE"`, `userName ne "alice"`, `userName co "LI"`, `userName sw "a"`,
	`userName ew "E"`, `userName gt "bob"`, `userName ge "bob"`, `userName lt "bob"`, `userName le "Bob"`,
	`userName pr`, `userName eq null`, `userName eq "éva"`, `userName gt "É"`, `userName co "%"`, `userName co "_"`,
	`userName ew "_"`, `userName co "\\"`, `userName co ""`, `userName eq 100`, `userName gt 1`,
	`externalId eq "EXT-A"`, `externalId pr`, `externalId eq null`, `externalId gt "ext-A"`,
	`displayName co "%"`, `displayName eq "zed %"`, `displayName co "ÉLAN"`, `displayName lt "b"`,
	`title eq ""`, `title pr`, `not (title pr)`, `title ne "engineer"`, `title lt "a"`,
	`active eq true`, `active eq false`, `active ne true`, `active eq "True"`, `active pr`, `active eq null`, `active gt false`,
	`name.familyName eq "ÉLAN"`, `name.familyName sw "A"`, `name pr`, `name[givenName eq "alice" and familyName eq "adams"]`,
	`nickName pr`, `nickName eq "z"`, `userType eq "contractor"`, `locale eq "de-de"`, `timezone co "berlin"`, `preferredLanguage pr`,
	`emails eq "alice@work.example"`, `emails.value ew ".EXAMPLE"`, `emails[type eq "work"].value eq "eva@work.example"`,
	`emails[type eq "work" and value co "z"]`, `emails[not (type eq "work")]`, `emails[primary eq true]`, `emails[primary eq false]`,
	`emails.primary ne true`, `emails.type pr`, `emails[type pr]`, `emails.value gt "c"`, `emails.value lt "B"`, `emails ne "x"`,
	`addresses.locality eq "BERLIN"`, `addresses[type eq "work" and postalCode sw "10"]`, `addresses.country eq "de"`,
	`phoneNumbers.value sw "+1"`, `ims[type eq "XMPP"]`, `roles.value eq "admin"`, `entitlements pr`,
	entURN + `:department eq "ENGINEERING"`, entURN + `:employeeNumber gt "3"`, entURN + `:employeeNumber lt 3`,
	entURN + `:manager.value eq "M-1"`, entURN + `:manager pr`, entURN + `:costCenter pr`, entURN + ` pr`,
	`schemas eq "` + entURN + `"`, `schemas co "ENTERPRISE"`,
	`meta.created gt "2024-03-01T12:02:00Z"`, `meta.created eq "2024-03-01T13:02:00+01:00"`, `meta.created gt "2024-03-01T12:01:59.999999999Z"`,
	`meta.lastModified le "2024-03-01"`, `meta.created sw "2024"`, `meta.created gt "x"`, `meta.resourceType eq "user"`,
	`meta.version pr`, `meta.location co "/Users/"`, `password pr`, `id pr`, `id eq "x"`, `id gt "0"`,
	`groups.display eq "ADMINS"`, `groups[display eq "everyone"]`, `groups.type eq "indirect"`, `groups pr`, `not (groups pr)`,
	`(userName eq "alice" or userName eq "bob") and active eq true`, `not (userName sw "a" or title pr)`,
	`urn:ietf:params:scim:schemas:core:2.0:User:userName eq "bob"`, `emails[value ew "example"].type eq "home"`,
}

// sortAgreeSeeds are sortBy values on single- and multi-valued, missing
// and extension attributes.
var sortAgreeSeeds = []string{
	"userName", "title", "emails.value", "emails", "emails.type", "name.familyName", "name", "active",
	entURN + ":department", entURN + ":employeeNumber", entURN + ":manager.value", "meta.created", "meta.lastModified",
	"externalId", "displayName", "nickName", "addresses.locality", "groups.display", "id", "schemas", "x", "password",
}

// groupAgreeSeeds are group filters.
var groupAgreeSeeds = []string{
	`displayName eq "ADMINS"`, `displayName co "%"`, `displayName gt "b"`, `members pr`, `not (members pr)`,
	`members.display co "ALICE"`, `members[type eq "group"]`, `members.type eq "User"`, `members.value pr`,
	`externalId eq "EXT-G1"`, `meta.created gt "2024-03-01T12:07:00Z"`, `displayName sw "e" or members[display eq "fuzz"]`,
}
