package scim_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/memory"
	"github.com/scimkit/scim/store/sqlstore"
	"github.com/scimkit/scim/store/sqlstore/sqltest"
)

// fuzzStoresEnv names the stores (comma separated: memory, sqlite,
// postgres) the request fuzzers run on; unset, every store that can run
// here. A -fuzz run sets it to spend its time on one store:
//
//	SCIM_FUZZ_STORES=sqlite go test -run=NONE -fuzz='^FuzzRequests$' -fuzztime=10m .
const fuzzStoresEnv = "SCIM_FUZZ_STORES"

// fuzzClock is the clock of every store a fuzz target opens: the test
// sets it, so two stores stamp the same meta.created and lastModified
// for the same request, whatever number of times each reads it.
type fuzzClock struct{ ns atomic.Int64 }

func (c *fuzzClock) now() time.Time  { return time.Unix(0, c.ns.Load()).UTC() }
func (c *fuzzClock) set(t time.Time) { c.ns.Store(t.UnixNano()) }

// fuzzAt is the data set's clock the given number of minutes after fuzzEpoch.
func fuzzAt(minutes int) time.Time { return fuzzEpoch.Add(time.Duration(minutes) * time.Minute) }

// fuzzStoreNames returns the stores fuzzStoresEnv names (nil: unset).
func fuzzStoreNames() map[string]bool {
	list := os.Getenv(fuzzStoresEnv)
	if strings.TrimSpace(list) == "" {
		return nil
	}
	m := map[string]bool{}
	for _, s := range strings.Split(list, ",") {
		m[strings.TrimSpace(s)] = true
	}
	return m
}

// fuzzEpoch is when the fuzz data set was created: whole seconds, which
// every store keeps exactly (SQL stores keep microseconds).
var fuzzEpoch = time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)

// openFuzzStore opens one store by name with clock c: a memory store, a
// SQLite file in a temp directory, or a schema of its own on the
// PostgreSQL test server.
func openFuzzStore(t testing.TB, name string, c *fuzzClock) (store.UserStore, store.GroupStore) {
	t.Helper()
	switch name {
	case "memory":
		m := memory.New(memory.WithNow(c.now))
		return m, m
	case "sqlite", "postgres":
		dsn := filepath.Join(t.TempDir(), "scim.db")
		if name == "postgres" {
			dsn = sqltest.PostgresDSN(t)
		}
		s, err := sqlstore.New(t.Context(), sqlstore.Config{DSN: dsn, Now: c.now, NoAnalyze: true})
		if err != nil {
			t.Fatalf("open %s: %v", name, err)
		}
		t.Cleanup(func() { s.Close() })
		return s, s
	}
	t.Fatalf("no store %q", name)
	return nil, nil
}

// fuzzSite is one handler over one store with the fuzz data set in it.
type fuzzSite struct {
	name  string
	h     http.Handler
	clock *fuzzClock
	logs  *bytes.Buffer // errors the handler logged during the current request
	// ids maps each seeded resource's id to its name in the data set
	// (alice, g:admins), so two stores' answers compare despite their
	// random ids; byName is its inverse, for placeholders (named).
	ids, byName map[string]string
	uid, gid    string // the user and group the fuzzer writes to
	// pristine is dataSet as the data set was created (and settled).
	pristine string
}

// newFuzzSite opens store name, builds a handler on it and creates the
// fuzz data set through it.
func newFuzzSite(t testing.TB, name string) *fuzzSite {
	t.Helper()
	s := &fuzzSite{name: name, clock: &fuzzClock{}, logs: &bytes.Buffer{}}
	users, groups := openFuzzStore(t, name, s.clock)
	h, err := scim.NewHandler(scim.Config{
		BaseURL: base, Users: users, Groups: groups, InsecureNoAuth: true,
		// Only errors: a 5xx's cause is worth printing, a line per
		// request is not worth its cost at fuzzing rates.
		Logger: slog.New(slog.NewTextHandler(s.logs, &slog.HandlerOptions{Level: slog.LevelError})),
	})
	if err != nil {
		t.Fatal(err)
	}
	s.h = h
	s.load(t)
	s.pristine = s.dataSet()
	return s
}

// load creates the fuzz data set, each resource at its own minute, and
// settles the targets.
func (s *fuzzSite) load(t testing.TB) {
	t.Helper()
	s.ids, s.byName = map[string]string{}, map[string]string{}
	for i, d := range fuzzUsers {
		s.clock.set(fuzzAt(i))
		s.mustCreate(t, "/Users", d.name, d.body)
	}
	for i, d := range fuzzGroups {
		s.clock.set(fuzzAt(len(fuzzUsers) + i))
		s.mustCreate(t, "/Groups", d.name, s.named(d.body))
	}
	s.uid, s.gid = s.byName[fuzzTargetUser], s.byName[fuzzTargetGroup]
	s.clock.set(fuzzRequestTime)
	// Changed and put back, as restore puts them back after a write: a
	// PUT equal to what is stored writes nothing, so without the change
	// their lastModified would be their creation's until the first write.
	for _, p := range [][2]string{{"/Users/" + s.uid, `{"userName":"fuzz@example.com"}`}, {"/Groups/" + s.gid, `{"displayName":"fuzz","members":[]}`}} {
		if r := s.send("PUT", p[0], "", p[1]); r.Code != http.StatusOK {
			t.Fatalf("%s: PUT %s: %d %s", s.name, p[0], r.Code, r.Body)
		}
	}
	s.settle(t)
}

// reset deletes the data set and creates it again: a request that named
// its resources (a bulk DELETE of a member, a PATCH of another group)
// changed what restore does not put back. Deleting and creating every
// resource in order, rather than only the changed ones, keeps the
// creation order (the lists' default order) that of a new site.
func (s *fuzzSite) reset(t testing.TB) {
	t.Helper()
	for id, n := range s.ids {
		if d := s.send("DELETE", resourcePath(n, id), "", ""); d.Code != http.StatusNoContent && d.Code != http.StatusNotFound {
			t.Fatalf("%s: delete %s: %d %s", s.name, n, d.Code, d.Body)
		}
	}
	s.load(t)
	if got := s.dataSet(); got != s.pristine {
		t.Fatalf("%s: the data set created again reads\n%s\nnot\n%s", s.name, got, s.pristine)
	}
}

// resourcePath is the path of the data set's resource named n ("g:" for
// a group) with id id.
func resourcePath(n, id string) string {
	if strings.HasPrefix(n, "g:") {
		return "/Groups/" + id
	}
	return "/Users/" + id
}

// dataSet is every resource of the data set as GET answers it
// (normalized: no versions, ids by name) and how many users and groups
// there are: what a request that names the data set's resources must
// leave as it was, or restore put back.
func (s *fuzzSite) dataSet() string {
	var b strings.Builder
	names := slices.Sorted(maps.Keys(s.byName))
	for _, n := range names {
		rec := s.send("GET", resourcePath(n, s.byName[n]), "", "")
		fmt.Fprintf(&b, "%s: %d %s\n", n, rec.Code, s.normalized(rec))
	}
	for _, p := range []string{"/Users?count=0", "/Groups?count=0"} {
		rec := s.send("GET", p, "", "")
		fmt.Fprintf(&b, "%s: %d %s\n", p, rec.Code, rec.Body)
	}
	return b.String()
}

// fuzzPlaceholder matches a placeholder for a data set resource: "@"
// and its name (@alice, @g:admins), the @ and the colon URL-escaped or
// not (a fuzzed query carries them either way), quoted or not (a bulk
// path holds one inside a string: "/Users/@alice"). No name is the start
// of another, and named takes a match only where the name ends.
var fuzzPlaceholder = func() *regexp.Regexp {
	var alts []string
	for _, n := range fuzzNames() {
		alts = append(alts, strings.ReplaceAll(regexp.QuoteMeta(n), ":", "(?::|%3[aA])"))
	}
	return regexp.MustCompile(`(?:@|%40)(` + strings.Join(alts, "|") + `)`)
}()

// fuzzNames returns the names of the data set's resources.
func fuzzNames() []string {
	var names []string
	for _, d := range fuzzUsers {
		names = append(names, d.name)
	}
	for _, d := range fuzzGroups {
		names = append(names, d.name)
	}
	return names
}

// named replaces each placeholder (fuzzPlaceholder) in text by the id of
// the data set's resource of that name on this site, so that a fuzzed
// query or body, like the data set's own fixtures, can name real users
// and groups: member adds and removes, filters on members' and groups'
// values, nesting, bulk paths. normalized maps the ids back, so answers
// still compare across stores.
func (s *fuzzSite) named(text string) string {
	if !strings.Contains(text, "@") && !strings.Contains(text, "%40") {
		return text
	}
	var b strings.Builder
	last := 0
	for _, m := range fuzzPlaceholder.FindAllStringSubmatchIndex(text, -1) {
		if m[1] < len(text) && isNameByte(text[m[1]]) {
			continue // @alicex names nothing
		}
		if inEscape.MatchString(text[:m[0]]) {
			continue
		}
		name := strings.NewReplacer("%3A", ":", "%3a", ":").Replace(text[m[2]:m[3]])
		b.WriteString(text[last:m[0]])
		b.WriteString(s.byName[name])
		last = m[1]
	}
	if b.Len() == 0 && last == 0 {
		return text
	}
	b.WriteString(text[last:])
	return b.String()
}

// inEscape matches text that ends inside an escape a placeholder would
// complete: a backslash (JSON's and the filter's strings), \u and up to
// three hex digits, a percent sign and up to one (the query). An id put
// there would become part of the escape (\@fuzz is \b on a site whose
// id starts with b, an invalid escape where it starts with 2), so the
// request would differ from store to store in more than the id; left
// as it is, the placeholder is text like any other.
var inEscape = regexp.MustCompile(`(?:\\(?:u[0-9a-fA-F]{0,3})?|%[0-9a-fA-F]?)$`)

// isNameByte reports whether c may continue a name, so that a
// placeholder followed by it is not one.
func isNameByte(c byte) bool {
	return c == '_' || c == '-' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// fuzzSites opens a fuzzSite on each of the stores that fuzzStoresEnv
// names (unset: all), leaving PostgreSQL out when no server is named and
// none is required (sqltest.PostgresURL would skip the whole target).
func fuzzSites(f *testing.F, stores ...string) []*fuzzSite {
	names := fuzzStoreNames()
	var sites []*fuzzSite
	for _, n := range stores {
		if names != nil && !names[n] {
			continue
		}
		if n == "postgres" && names == nil && os.Getenv(sqltest.URLEnv) == "" && os.Getenv(sqltest.RequireEnv) == "" && os.Getenv("CI") != "true" {
			continue
		}
		sites = append(sites, newFuzzSite(f, n))
	}
	return sites
}

// fuzzRequestTime is the clock during fuzzed requests: after the data
// set's creation times, and the same for every request, so a write's
// lastModified is the same on every store.
var fuzzRequestTime = fuzzAt(24 * 60)

func (s *fuzzSite) mustCreate(t testing.TB, path, name, body string) {
	t.Helper()
	rec := s.send("POST", path, "", body)
	if rec.Code != http.StatusCreated {
		t.Fatalf("%s: create %s: %d %s", s.name, name, rec.Code, rec.Body)
	}
	var r struct{ ID string }
	if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil || r.ID == "" {
		t.Fatalf("%s: create %s: %v %s", s.name, name, err, rec.Body)
	}
	s.ids[r.ID] = name
	s.byName[name] = r.ID
}

// send serves one request (path may carry a query; query is added to
// it) and records the answer.
func (s *fuzzSite) send(method, path, query, body string) *httptest.ResponseRecorder {
	return s.sendHeader(method, path, query, body, nil)
}

// sendHeader is send with the lines of hdr (canonical keys) as the
// request's header lines of those names.
func (s *fuzzSite) sendHeader(method, path, query, body string, hdr http.Header) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, "http://app.example.com/", strings.NewReader(body))
	p, q, _ := strings.Cut(path, "?")
	r.URL.Path = p
	r.URL.RawQuery = q
	if query != "" {
		r.URL.RawQuery = query
	}
	if body != "" {
		r.Header.Set("Content-Type", "application/scim+json")
	}
	maps.Copy(r.Header, hdr)
	rec := httptest.NewRecorder()
	s.h.ServeHTTP(rec, r)
	return rec
}

// fuzzTargetUser and fuzzTargetGroup are the data set's resources the
// fuzzers PATCH and PUT (and put back after each request).
const (
	fuzzTargetUser  = "fuzz"
	fuzzTargetGroup = "g:fuzz"
)

// fuzzUsers is the data set: users different in every attribute filters
// and sorts look at (case, accents, missing values, multi-valued
// attributes with and without type and primary, the enterprise
// extension), created a minute apart.
var fuzzUsers = []struct{ name, body string }{
	{"alice", `{"userName":"alice","externalId":"ext-A","displayName":"Alice Adams","title":"Engineer","active":true,
		"name":{"givenName":"Alice","familyName":"Adams","formatted":"Alice Adams"},
		"emails":[{"value":"Alice@Work.example","type":"work","primary":true},{"value":"alice@home.example","type":"home"}],
		"phoneNumbers":[{"value":"+1 555 0100","type":"mobile"}],
		"addresses":[{"type":"work","locality":"Berlin","postalCode":"10115","primary":true},{"type":"home","locality":"Potsdam"}],
		"roles":[{"value":"Admin"}],
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"Engineering","employeeNumber":"100","costCenter":"C1"}}`},
	{"Bob", `{"userName":"Bob","displayName":"bob b","active":false,"nickName":"bobby","userType":"Contractor",
		"emails":[{"value":"bob@x.example","type":"home"}],
		"addresses":[{"type":"work","locality":"berlin","country":"DE"}],
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"engineering","employeeNumber":"20"}}`},
	{"carol", `{"userName":"carol@example.com","externalId":"ext-C","active":true,"title":"",
		"emails":[{"value":"carol@example.com"}],"locale":"de-DE","timezone":"Europe/Berlin"}`},
	{"eva", `{"userName":"Éva","displayName":"Éva Élan","name":{"givenName":"Éva","familyName":"élan"},
		"emails":[{"value":"EVA@work.example","type":"work"},{"value":"eva@work.example","type":"other","primary":true}],
		"preferredLanguage":"hu"}`},
	{"zed", `{"userName":"zed_","displayName":"Zed %","nickName":"Z","active":true,
		"emails":[{"value":"z1@x.example","type":"work"},{"value":"z2@x.example","type":"work"},{"value":"z3@x.example"}],
		"ims":[{"value":"zed-im","type":"xmpp"}],
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"Sales","manager":{"value":"m-1"}}}`},
	{fuzzTargetUser, fuzzUserBody},
}

// fuzzUserBody is the target user as created and as put back.
const fuzzUserBody = `{"userName":"fuzz@example.com","displayName":"Fuzz","active":true,"name":{"givenName":"F","familyName":"Uzz"},
	"emails":[{"value":"fuzz@example.com","type":"work","primary":true}]}`

// fuzzGroups are the data set's groups; a member value names a user or
// group of the data set by its name after an @ (replaced by its id).
var fuzzGroups = []struct{ name, body string }{
	{"g:admins", `{"displayName":"Admins","externalId":"ext-g1","members":[{"value":"@alice"},{"value":"@Bob"}]}`},
	{"g:everyone", `{"displayName":"everyone","members":[{"value":"@alice"},{"value":"@Bob"},{"value":"@carol"},{"value":"@eva"},{"value":"@zed"},{"value":"@g:admins"}]}`},
	{"g:empty", `{"displayName":"Empty"}`},
	{fuzzTargetGroup, fuzzGroupBody},
}

// fuzzGroupBody is the target group as created and as put back.
const fuzzGroupBody = `{"displayName":"fuzz","members":[{"value":"@fuzz"}]}`

// fuzzTargets are the endpoints a fuzzed request goes to ({uid} and
// {gid}: the target user and group).
var fuzzTargets = []struct{ method, path string }{
	{"POST", "/Users"}, {"PATCH", "/Users/{uid}"}, {"PATCH", "/Groups/{gid}"},
	{"GET", "/Users"}, {"POST", "/.search"}, {"POST", "/Groups"}, {"GET", "/Groups/{gid}"},
	{"PUT", "/Users/{uid}"}, {"PUT", "/Groups/{gid}"}, {"POST", "/Bulk"},
	{"GET", "/Groups"}, {"POST", "/Users/.search"}, {"POST", "/Groups/.search"}, {"GET", "/Users/{uid}"},
}

// target returns the method and path of fuzz target i on s.
func (s *fuzzSite) target(i uint8) (string, string) {
	tg := fuzzTargets[int(i)%len(fuzzTargets)]
	return tg.method, strings.NewReplacer("{uid}", s.uid, "{gid}", s.gid).Replace(tg.path)
}

// snapshot is what an error response must leave as it was: the target
// user and group as GET answers them (body and ETag) and how many users
// and groups there are; with wide (the request named the data set's
// resources), every resource of the data set too.
func (s *fuzzSite) snapshot(wide bool) string {
	var b strings.Builder
	for _, p := range []string{"/Users/" + s.uid, "/Groups/" + s.gid, "/Users?count=0", "/Groups?count=0"} {
		rec := s.send("GET", p, "", "")
		fmt.Fprintf(&b, "%s: %d %s %s\n", p, rec.Code, rec.Header().Get("ETag"), rec.Body)
	}
	if wide {
		b.WriteString(s.dataSet())
	}
	return b.String()
}

// created returns the paths of the resources a 2xx answer to a POST or a
// bulk request created.
func created(method, path string, rec *httptest.ResponseRecorder) []string {
	if method != "POST" || rec.Code >= 300 {
		return nil
	}
	switch path {
	case "/Users", "/Groups":
		var r struct{ ID string }
		if json.Unmarshal(rec.Body.Bytes(), &r) == nil && r.ID != "" {
			return []string{path + "/" + r.ID}
		}
	case "/Bulk":
		var r struct {
			Operations []struct {
				Method, Location, Status string
			}
		}
		_ = json.Unmarshal(rec.Body.Bytes(), &r)
		var out []string
		for _, op := range r.Operations {
			if strings.EqualFold(op.Method, "POST") && op.Status == "201" {
				if i := strings.Index(op.Location, "/scim/v2/"); i >= 0 {
					out = append(out, op.Location[i+len("/scim/v2"):])
				}
			}
		}
		return out
	}
	return nil
}

// restore deletes what the last request created and puts the target user
// and group back as they were created, so that every fuzzed request meets
// the same data whatever came before it (and a failing input fails again
// on its own). With wide (the request named the data set's resources),
// anything else it changed is put back too (reset).
func (s *fuzzSite) restore(t *testing.T, method, path string, rec *httptest.ResponseRecorder, wide bool) {
	t.Helper()
	for _, p := range created(method, path, rec) {
		if d := s.send("DELETE", p, "", ""); d.Code != http.StatusNoContent && d.Code != http.StatusNotFound {
			t.Fatalf("%s: delete %s: %d %s", s.name, p, d.Code, d.Body)
		}
	}
	if rec.Code >= 300 || method == "GET" || strings.HasSuffix(path, ".search") {
		return
	}
	if !wide {
		s.settle(t)
		return
	}
	if s.trySettle() != nil || s.dataSet() != s.pristine {
		s.reset(t)
	}
}

// checkAnswer fails t unless rec is an answer the handler may give to
// anything: below 500 and, for an error, a SCIM error body.
func (s *fuzzSite) checkAnswer(t *testing.T, method, path, query, body string, rec *httptest.ResponseRecorder) {
	t.Helper()
	if rec.Code >= 500 {
		t.Fatalf("%s: %s %s?%s %q: %d %s\nlogged: %s", s.name, method, path, query, body, rec.Code, rec.Body, s.logs)
	}
	if rec.Code >= 400 && !strings.Contains(rec.Body.String(), `"urn:ietf:params:scim:api:messages:2.0:Error"`) {
		t.Fatalf("%s: %d without a SCIM error body: %s", s.name, rec.Code, rec.Body)
	}
	if rec.Code == http.StatusOK || rec.Code == http.StatusCreated {
		if ct := rec.Header().Get("Content-Type"); ct != "application/scim+json" {
			t.Fatalf("%s: content type %q", s.name, ct)
		}
	}
}

// fuzzSeeds are the inputs both request fuzzers start from (and all CI
// runs): a target (index into fuzzTargets), a query string and a body.
var fuzzSeeds = []struct {
	target uint8
	query  string
	body   string
}{
	{0, "", `{"userName":"a","emails":[{"value":"a@x","primary":"True"}]}`},
	{0, "attributes=emails.value", `{"userName":"a","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":"x"}}`},
	{0, "", `{"userName":"ALICE"}`},
	{1, "", `{"Operations":[{"op":"Add","path":"addresses[type eq \"work\"].locality","value":"x"}]}`},
	{1, "", `{"Operations":[{"op":"replace","value":{"name.givenName":"A","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager":"7"}}]}`},
	{1, "", `{"Operations":[{"op":"replace","path":"userName","value":"bob"}]}`},
	{2, "", `{"Operations":[{"op":"Remove","path":"members","value":[{"value":"u"}]}]}`},
	{2, "", `{"Operations":[{"op":"replace","value":{"id":"x","displayName":"y"}}]}`},
	{2, "", `{"Operations":[{"op":"replace","path":"displayName","value":"ADMINS"}]}`},
	{3, "filter=" + url.QueryEscape(`emails[type eq "work"].value eq "x" or not (userName sw "a")`) + "&sortBy=name.familyName&count=5", ``},
	{3, "filter=" + url.QueryEscape(`userName co "%" or displayName co "_" or userName ew "\\"`), ``},
	{3, "filter=" + url.QueryEscape(`meta.lastModified gt "2024-03-01T12:02:00Z" and active pr`) + "&sortBy=meta.created&sortOrder=descending", ``},
	{3, "filter=" + url.QueryEscape(`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "ENGINEERING"`) + "&sortBy=urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber", ``},
	{3, "filter=" + url.QueryEscape(`emails[primary eq true and value ew ".example"]`) + "&sortBy=emails&startIndex=2&count=2", ``},
	{3, "filter=" + url.QueryEscape(`name.givenName ge "b" or userName lt "C"`) + "&sortBy=userName", ``},
	{3, "filter=" + url.QueryEscape(`groups.display eq "Admins" or groups.value pr`) + "&attributes=groups", ``},
	{4, "", `{"filter":"userName pr","startIndex":2,"count":1,"attributes":["userName"]}`},
	{4, "", `{"filter":"title eq \"\" or title pr","sortBy":"title","sortOrder":"descending"}`},
	// Sorted by what users and groups both have: one order across types.
	{4, "", `{"sortBy":"displayName","startIndex":3,"count":4,"attributes":["displayName"]}`},
	{4, "", `{"sortBy":"externalId","sortOrder":"descending","filter":"displayName pr or externalId pr"}`},
	{4, "", `{"sortBy":"meta.created","sortOrder":"descending","count":5}`},
	{4, "", `{"sortBy":"meta.resourceType","startIndex":2,"count":3,"excludedAttributes":["members","groups"]}`},
	{5, "", `{"displayName":"g","members":[{"value":"u"}]}`},
	{5, "", `{"displayName":"admins"}`},
	{6, "excludedAttributes=members", ``},
	{7, "", `{"userName":"carol@EXAMPLE.com"}`},
	{8, "", `{"displayName":"fuzz","members":[]}`},
	{9, "", `{"Operations":[{"method":"POST","path":"/Groups","bulkId":"g","data":{"displayName":"b","members":[{"value":"bulkId:u"}]}},` +
		`{"method":"POST","path":"/Users","bulkId":"u","data":{"userName":"b"}},{"method":"PATCH","path":"/Users/bulkId:u","data":{"Operations":[{"op":"add","path":"title","value":"t"}]}}]}`},
	{9, "", `{"failOnErrors":1,"Operations":[{"method":"DELETE","path":"/Groups/bulkId:x"},{"method":"PUT","path":"/users/x","version":"W/\"1\"","data":{}}]}`},
	{10, "filter=" + url.QueryEscape(`members.value pr and displayName gt "A"`) + "&sortBy=displayName&excludedAttributes=members", ``},
	{10, "filter=" + url.QueryEscape(`displayName eq "EVERYONE" or externalId eq "EXT-G1"`), ``},
	{11, "", `{"filter":"addresses.locality eq \"BERLIN\"","sortBy":"addresses.locality"}`},
	{12, "", `{"filter":"members[value pr]","count":0}`},
	{13, "attributes=urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department,groups", ``},
	// Two faults in one body: one answers, the same every time.
	{0, "", `{"userName":"u\u0000","displayName":"d\u0000","name":{"givenName":5,"familyName":true}}`},
	{7, "", `{"userName":"u","title":5,"active":"maybe","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"division":5,"department":true}}`},
	{9, "", `{"Operations":[{"method":"POST","path":"/Groups","bulkId":"a","data":{"externalId":"bulkId:c","displayName":"bulkId:b"}},` +
		`{"method":"POST","path":"/Groups","bulkId":"b","data":{"displayName":"bulkId:a"}},{"method":"POST","path":"/Groups","bulkId":"c","data":{"displayName":"bulkId:zz"}}]}`},
	// Names one non-ASCII letter away from ASCII ones name nothing
	// (internal/names), on every store alike.
	{0, "", `{"userName":"n","diſplayName":"x","nic\u212AName":"y","urn:ietf:params:ſcim:schemas:extension:enterprise:2.0:User":{"department":"d"}}`},
	{1, "", `{"Operations":[{"op":"replace","path":"tıtle","value":"x"},{"op":"ａdd","path":"title","value":"y"}]}`},
	{1, "", `{"Operationſ":[{"op":"add","path":"title","value":"x"}]}`},
	{3, "filter=" + url.QueryEscape(`uſerName eq "a"`) + "&sortBy=uſerName&sortOrder=deſcending", ``},
	{4, "", `{"ſortBy":"userName","filter":"userName pr"}`},
	// A core schema's URN alone names its attributes; a filter on it is a
	// 400 on every store. References that are no URI are kept as sent.
	{3, "filter=" + url.QueryEscape(`userName pr`) + "&attributes=urn:ietf:params:scim:schemas:core:2.0:User&sortBy=userName", ``},
	{4, "", `{"excludedAttributes":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:core:2.0:Group"],"sortBy":"displayName"}`},
	{3, "filter=" + url.QueryEscape(`urn:ietf:params:scim:schemas:core:2.0:User pr`), ``},
	{0, "", `{"userName":"r","profileUrl":"not a url","photos":[{"value":"www.example.com/p.jpg"}]}`},
	{1, "", `{"Operations":[{"op":"replace","path":"profileUrl","value":"https://example.com/100%"}]}`},
	// Requests naming the data set's resources ("@name", replaced by each
	// site's id: fuzzSite.named). Okta's member changes: a remove by
	// value path and an add without type; a whole list; a rename with id.
	{2, "", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"remove","path":"members[value eq \"@fuzz\"]"},{"op":"add","path":"members","value":[{"value":"@Bob"},{"value":"@g:admins"}]}]}`},
	{2, "", `{"Operations":[{"op":"replace","path":"members","value":[{"value":"@alice","display":"Alice Adams"},{"value":"@fuzz"}]}]}`},
	{2, "", `{"Operations":[{"op":"replace","value":{"id":"@g:fuzz","displayName":"fuzz2"}},{"op":"add","path":"members","value":[{"value":"@carol"}]}]}`},
	// Entra's: legacy Remove with a value list, Add with "$ref":null.
	{2, "", `{"Operations":[{"op":"Add","path":"members","value":[{"$ref":null,"value":"@carol"},{"$ref":null,"value":"@eva"}]},{"op":"Remove","path":"members","value":[{"value":"@fuzz"}]}]}`},
	{2, "", `{"Operations":[{"op":"remove","path":"members[value eq \"@alice\"]"},{"op":"remove","path":"members[value eq \"@fuzz\"]"}]}`},
	// A group added to itself (skipped: store.GroupStore), to a group
	// that holds it, and a group holding a group that holds another.
	{2, "", `{"Operations":[{"op":"add","path":"members","value":[{"value":"@g:fuzz"},{"value":"@g:everyone"}]}]}`},
	{8, "", `{"displayName":"fuzz","members":[{"value":"@fuzz"},{"value":"@g:fuzz"},{"value":"@g:everyone"},{"value":"@alice"}]}`},
	{9, "", `{"Operations":[{"method":"PATCH","path":"/Groups/@g:fuzz","data":{"Operations":[{"op":"add","path":"members","value":[{"value":"@g:everyone"}]}]}},` +
		`{"method":"PATCH","path":"/Groups/@g:everyone","data":{"Operations":[{"op":"add","path":"members","value":[{"value":"@g:fuzz"}]}]}}]}`},
	{9, "", `{"Operations":[{"method":"PATCH","path":"/Groups/@g:admins","data":{"Operations":[{"op":"add","path":"members","value":[{"value":"@g:everyone"},{"value":"@g:admins"}]}]}}]}`},
	// Filters on real members and memberships.
	{3, "filter=" + url.QueryEscape(`groups.value eq "@g:admins"`) + "&attributes=userName,groups", ``},
	{3, "filter=" + url.QueryEscape(`groups[value eq "@g:everyone" and type eq "indirect"] or groups.value eq "@g:fuzz"`) + "&sortBy=userName", ``},
	{10, "filter=" + url.QueryEscape(`members.value eq "@alice" or members[value eq "@g:admins"]`) + "&excludedAttributes=members", ``},
	{11, "", `{"filter":"groups.value eq \"@g:everyone\" and not (groups.value ne \"@g:admins\")","sortBy":"userName"}`},
	{12, "", `{"filter":"members.value eq \"@fuzz\" or members[value eq \"@Bob\" and type eq \"User\"]","sortBy":"displayName"}`},
	{4, "", `{"filter":"id eq \"@alice\" or members.value eq \"@alice\"","attributes":["displayName"]}`},
	// A user's read-only groups, named.
	{1, "", `{"Operations":[{"op":"add","path":"groups","value":[{"value":"@g:admins"}]}]}`},
	{7, "", `{"userName":"fuzz@example.com","groups":[{"value":"@g:admins","type":"direct"}]}`},
	// /Bulk with bulkIds and real ids, and the deletion of members.
	{9, "", `{"Operations":[{"method":"POST","path":"/Users","bulkId":"u","data":{"userName":"nb"}},` +
		`{"method":"PATCH","path":"/Groups/@g:admins","data":{"Operations":[{"op":"add","path":"members","value":[{"value":"bulkId:u"},{"value":"@fuzz"}]},{"op":"remove","path":"members[value eq \"@Bob\"]"}]}},` +
		`{"method":"POST","path":"/Groups","bulkId":"g","data":{"displayName":"nested","members":[{"value":"@g:everyone"},{"value":"bulkId:u"}]}},` +
		`{"method":"PATCH","path":"/Groups/@g:fuzz","data":{"Operations":[{"op":"add","path":"members","value":[{"value":"bulkId:g"}]}]}}]}`},
	{9, "", `{"Operations":[{"method":"DELETE","path":"/Users/@alice"},{"method":"PATCH","path":"/Groups/@g:admins","data":{"Operations":[{"op":"add","path":"members","value":[{"value":"@alice"}]}]}}]}`},
	// Member changes the plan and the whole-group PATCH each take: an
	// or-chain, a list with repeats, the group itself and a wrong type,
	// a filtered add that creates the member, a list with a bad member,
	// the manager named by a real id.
	{2, "", `{"Operations":[{"op":"remove","path":"members[value eq \"@alice\" or value eq \"@fuzz\"]"}]}`},
	{2, "", `{"Operations":[{"op":"replace","path":"members","value":[{"value":"@alice"},{"value":"@alice"},{"value":"@g:fuzz"},{"value":"@g:admins","type":"User"}]}]}`},
	{2, "", `{"Operations":[{"op":"add","path":"members[value eq \"@alice\"]","value":{"value":"@alice"}},{"op":"remove","path":"members[value eq \"@fuzz\" and type eq \"User\"]"}]}`},
	{2, "", `{"Operations":[{"op":"remove","path":"members","value":[{"value":"@alice"},{"display":"x"}]}]}`},
	{1, "", `{"Operations":[{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":"@alice"}]}`},
	{10, "filter=" + url.QueryEscape(`members[value eq "@g:admins"].type eq "Group" or members.value eq "@zed"`), ``},
	// A bulk cycle of bulkIds beside a real member; a member deleted
	// and then removed; a user renamed to another's userName.
	{9, "", `{"Operations":[{"method":"POST","path":"/Groups","bulkId":"a","data":{"displayName":"a","members":[{"value":"bulkId:b"},{"value":"@g:admins"}]}},{"method":"POST","path":"/Groups","bulkId":"b","data":{"displayName":"b","members":[{"value":"bulkId:a"}]}}]}`},
	{9, "", `{"Operations":[{"method":"DELETE","path":"/Users/@fuzz"},{"method":"PATCH","path":"/Groups/@g:fuzz","data":{"Operations":[{"op":"remove","path":"members[value eq \"@fuzz\"]"}]}},{"method":"PUT","path":"/Users/@alice","data":{"userName":"Bob"}}]}`},
	{9, "", `{"Operations":[{"method":"DELETE","path":"/Groups/@g:admins"},{"method":"PUT","path":"/Groups/@g:empty","data":{"displayName":"Empty","members":[{"value":"@g:admins"},{"value":"@zed"}]}}]}`},
}

// FuzzRequests sends arbitrary bodies and query strings to every endpoint
// that reads them, on every store (fuzzStoresEnv picks). Whatever comes
// in, the handler answers with a status below 500 and, for errors, a SCIM
// error body; it never panics; and an error changes nothing: the target
// user and group read the same (body and ETag) and there are as many
// users and groups as before.
func FuzzRequests(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s.target, s.query, s.body)
	}
	sites := fuzzSites(f, "memory", "sqlite", "postgres")
	f.Fuzz(func(t *testing.T, target uint8, query, body string) {
		for _, s := range sites {
			method, path := s.target(target)
			q, b := s.named(query), s.named(body)
			wide := q != query || b != body
			before := s.snapshot(wide)
			s.logs.Reset()
			rec := s.send(method, path, q, b)
			s.checkAnswer(t, method, path, q, b, rec)
			if rec.Code >= 400 {
				if after := s.snapshot(wide); after != before {
					t.Fatalf("%s: %s %s?%s %q answered %d %s and changed\n%s\ninto\n%s", s.name, method, path, q, b, rec.Code, rec.Body, before, after)
				}
			}
			s.restore(t, method, path, rec, wide)
		}
	})
}
