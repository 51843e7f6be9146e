package scim_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
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

// Requests that name ids only through the data set's placeholders
// (fuzzPlaceholder), and only to look them up, are answered alike by
// every store: a placeholder becomes, on each site, the id of the same
// resource, and normalized maps it back. comparable takes these forms
// out of a request before idDependent looks at what is left; whatever
// else compares, sorts or matches parts of ids stays excluded (id lt,
// sortBy=id, members.value sw "a", a $ref).
var (
	// placeholderEq is an equality on an id-holding attribute whose
	// operand is a placeholder: members.value eq "@alice", groups.value
	// ne "@g:admins", id eq "@fuzz", and the value eq "@alice" inside
	// members[...] (quotes escaped or not, as in a JSON string).
	placeholderEq = regexp.MustCompile(`(?i)(?:\bid|\b(?:members|groups)(?:\.value)?|\bvalue)\s+(?:eq|ne)\s+\\?"` + fuzzPlaceholder.String() + `\\?"`)
	// lookupPath is a value path of members or groups (members[value eq
	// "@alice"], a PATCH's remove path): once placeholderEq's are out, one
	// whose filter holds no other value or $ref compares no id.
	lookupPath = regexp.MustCompile(`(?i)\b(?:members|groups)\s*\[([^\]]*)\]`)
	// idValue is what, left in a lookupPath's filter, compares an id.
	idValue = regexp.MustCompile(`(?i)\bvalue\b|\$ref`)
	// memberList is a member list written (a POST's or PUT's "members",
	// a PATCH's value or its path "members", a user's read-only
	// "groups"): its values are looked up by equality alone, and those
	// naming nothing are skipped on every store.
	memberList = regexp.MustCompile(`(?i)"(?:members|groups)"\s*:|"path"\s*:\s*"(?:members|groups)"`)
	// nullRef is Entra's "$ref":null beside a member's value.
	nullRef = regexp.MustCompile(`(?i)"\$ref"\s*:\s*null`)
	// projection is an attributes or excludedAttributes list, in a query
	// or a SearchRequest: what an answer shows, never how ids compare.
	projection = regexp.MustCompile(`(?i)\b(?:excluded)?attributes(?:=[^&]*|"\s*:\s*(?:\[[^\]]*\]|"[^"]*"))`)
	// bulkPath is a bulk operation's path (/Groups, /Users/@alice,
	// /Groups/bulkId:g): a resource named, not an id compared.
	bulkPath = regexp.MustCompile(`(?i)"path"\s*:\s*"/[^"]*"`)
)

// comparable reports whether two stores must give the same answer to a
// request with this query and body (see idDependent, placeholderEq).
func comparable(query, body string) bool {
	if q, err := url.QueryUnescape(query); err == nil {
		query = q
	}
	return !idDependent.MatchString(lookups(query)) && !idDependent.MatchString(lookups(body))
}

// lookups returns text with the forms that name ids only to look them
// up (placeholderEq, lookupPath, memberList, nullRef), or name no id at
// all that idDependent would take for one (projection, bulkPath),
// replaced by "_".
func lookups(text string) string {
	text = projection.ReplaceAllString(text, "_")
	text = bulkPath.ReplaceAllString(text, `"path":"_"`)
	text = placeholderEq.ReplaceAllString(text, "_")
	text = lookupPath.ReplaceAllStringFunc(text, func(p string) string {
		inner := p[strings.IndexByte(p, '[')+1 : len(p)-1]
		if idValue.MatchString(inner) {
			return p
		}
		return "_[" + inner + "]"
	})
	text = memberList.ReplaceAllString(text, `"_":`)
	return nullRef.ReplaceAllString(text, "_")
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
	if err := s.trySettle(); err != nil {
		tb.Fatalf("%s: %v", s.name, err)
	}
}

// trySettle is settle, returning its failure: a request that named the
// data set's resources may have deleted a target (restore then resets).
func (s *fuzzSite) trySettle() error {
	if r := s.send("PUT", "/Users/"+s.uid, "", fuzzUserBody); r.Code != http.StatusOK {
		return fmt.Errorf("put back the target user: %d %s", r.Code, r.Body)
	}
	if r := s.send("PUT", "/Groups/"+s.gid, "", s.named(fuzzGroupBody)); r.Code != http.StatusOK {
		return fmt.Errorf("put back the target group: %d %s", r.Code, r.Body)
	}
	return nil
}

// sendTwice sends the request to fuzz target target, with its
// placeholders replaced by the site's ids (named), puts the site back,
// sends it again and puts the site back again, and fails t unless both
// answers are the same (up to the ids of resources it created): the same
// request must get the same answer every time, whatever Go's map order
// was (a body walked in map order let either of two errors answer). The
// second send names the ids anew: putting back may have created the data
// set again. It returns the first answer.
func (s *fuzzSite) sendTwice(t *testing.T, target uint8, query, body string) *httptest.ResponseRecorder {
	t.Helper()
	var answers [2]string
	var first *httptest.ResponseRecorder
	for i := range answers {
		method, path := s.target(target)
		q, b := s.named(query), s.named(body)
		s.logs.Reset()
		rec := s.send(method, path, q, b)
		if i == 0 {
			s.checkAnswer(t, method, path, q, b, rec)
			first = rec
		}
		answers[i] = s.answer(rec)
		if i == 1 && answers[1] != answers[0] {
			t.Fatalf("%s: %s %s?%s %q: two answers to one request:\n%s\n%s", s.name, method, path, q, b, answers[0], answers[1])
		}
		s.restore(t, method, path, rec, q != query || b != body)
	}
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
	f.Fuzz(func(t *testing.T, target uint8, query, body string) {
		method, path := ref.target(target)
		want := ref.sendTwice(t, target, query, body)
		wantAnswer := ref.answer(want)
		same := comparable(query, body)
		for _, s := range others {
			got := s.sendTwice(t, target, query, body)
			if !same {
				continue
			}
			if got.Code != want.Code || scimType(got) != scimType(want) {
				t.Fatalf("%s %s?%s %q:\nmemory: %d %s\n%s: %d %s", method, path, query, body, want.Code, want.Body, s.name, got.Code, got.Body)
			}
			if g := s.answer(got); g != wantAnswer && !quotesID(query, body, got) {
				t.Fatalf("%s %s?%s %q: the answers differ:\nmemory: %s\n%s: %s", method, path, query, body, wantAnswer, s.name, g)
			}
		}
	})
}

// quotesID reports whether rec, the answer to a request with this query
// and body, is a refusal to parse it when the request holds a placeholder
// (fuzzPlaceholder): such a detail may quote the character where parsing
// stopped, which may be one of the id the site put there ({@fuzz is
// malformed JSON "at byte 2: invalid character '6'" on one store, '7' on
// another). Status and scimType still have to agree.
func quotesID(query, body string, rec *httptest.ResponseRecorder) bool {
	if !fuzzPlaceholder.MatchString(query) && !fuzzPlaceholder.MatchString(body) {
		return false
	}
	switch scimType(rec) {
	case "invalidSyntax", "invalidFilter", "invalidPath":
		return true
	}
	return false
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
		same := comparable("", filter+" "+sortBy)
		ref.logs.Reset()
		body := ref.named(string(b))
		want := ref.send("POST", path, "", body)
		ref.checkAnswer(t, "POST", path, "", body, want)
		for _, s := range others {
			s.logs.Reset()
			body := s.named(string(b))
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

// TestFuzzPlaceholders checks how the request fuzzers name the data
// set's resources: which placeholders a site replaces by its ids
// (named), and which requests naming ids the stores must answer alike
// (comparable).
func TestFuzzPlaceholders(t *testing.T) {
	s := &fuzzSite{byName: map[string]string{"alice": "ID-A", "g:admins": "ID-G", "fuzz": "ID-F"}}
	for _, c := range []struct{ in, want string }{
		{`{"value":"@alice"}`, `{"value":"ID-A"}`},
		{`"path":"/Groups/@g:admins"`, `"path":"/Groups/ID-G"`},
		{`filter=members.value+eq+%22%40g%3Aadmins%22+or+id+eq+%40alice`, `filter=members.value+eq+%22ID-G%22+or+id+eq+ID-A`},
		{`members[value eq \"@fuzz\"]`, `members[value eq \"ID-F\"]`},
		{`@alicex @ALICE @g: @g:admin x@alice.example @fuzz@example.com`, `@alicex @ALICE @g: @g:admin xID-A.example ID-F@example.com`},
		{`no placeholder`, `no placeholder`},
		// Inside an escape an id would complete it (\b, \u2bf4, %4b).
		{`"\@fuzz" "\u1@fuzz" "\\@fuzz" %4@fuzz %@fuzz %%40fuzz`, `"\@fuzz" "\u1@fuzz" "\\@fuzz" %4@fuzz %@fuzz %%40fuzz`},
	} {
		assert.Equal(t, c.want, s.named(c.in), c.in)
	}
	for _, c := range []struct {
		query, body string
		want        bool
	}{
		{query: "filter=" + url.QueryEscape(`members.value eq "@alice" or groups.value ne "@g:admins"`), want: true},
		{query: "filter=" + url.QueryEscape(`members[value eq "@alice" and type eq "User"]`) + "&attributes=members,groups", want: true},
		{body: `{"Operations":[{"op":"remove","path":"members[value eq \"@fuzz\"]"},{"op":"Add","path":"members","value":[{"$ref":null,"value":"@alice"}]}]}`, want: true},
		{body: `{"Operations":[{"method":"DELETE","path":"/Users/@alice"},{"method":"POST","path":"/Groups","data":{"displayName":"x","members":[{"value":"bulkId:u"}]}}]}`, want: true},
		{body: `{"filter":"id eq \"@alice\"","sortBy":"userName","excludedAttributes":["groups"]}`, want: true},
		// Ids compared otherwise than by a placeholder's equality, or sorted.
		{query: "filter=" + url.QueryEscape(`members.value eq "x"`), want: false},
		{query: "filter=" + url.QueryEscape(`members.value gt "@alice"`), want: false},
		{query: "filter=" + url.QueryEscape(`groups[value eq "@g:admins" and value sw "a"]`), want: false},
		{query: "filter=" + url.QueryEscape(`id lt "8"`), want: false},
		{query: "sortBy=id", want: false},
		{body: `{"sortBy":"members"}`, want: false},
		{body: `{"Operations":[{"op":"add","path":"members","value":[{"$ref":"https://x/Users/@alice","value":"@alice"}]}]}`, want: false},
	} {
		assert.Equal(t, c.want, comparable(c.query, c.body), "%s %s", c.query, c.body)
	}
}
