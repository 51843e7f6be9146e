package scim_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/memory"
	"github.com/scimkit/scim/store/sqlstore/sqltest"
)

// TestListAllSortsAcrossTypes: RFC 7644 §3.4.2.3 says sortBy names "the
// attribute whose value SHALL be used to order the returned responses", and
// that resources without a value for it "are ordered last if ascending and
// first if descending". A query at the server root (GET /, POST /.search,
// §3.4.2.1) returns users and groups in ONE list, so when both types have
// the attribute (displayName) the list must be ordered by it across types.
// listAll (list.go) once sorted each type on its own and concatenated the parts
// (users, then groups), so a user without a displayName comes before the
// group "Alpha", and "Bravo" (a user) before "Alpha" (a group).
func TestListAllSortsAcrossTypes(t *testing.T) {
	e := newEnv(t)
	e.createUser("no-display-name")
	e.createUser("bravo", map[string]any{"displayName": "Bravo"})
	e.createGroup("Alpha")
	e.createGroup("Charlie")
	for _, tc := range []struct {
		name  string
		query string
		want  []any // displayName of each resource, nil for none
	}{
		{"ascending: by name across types, the one without last",
			"/?sortBy=displayName&attributes=displayName",
			[]any{"Alpha", "Bravo", "Charlie", nil}},
		{"descending: the one without first",
			"/?sortBy=displayName&sortOrder=descending&attributes=displayName",
			[]any{nil, "Charlie", "Bravo", "Alpha"}},
		{"a page of the merged order",
			"/?sortBy=displayName&attributes=displayName&startIndex=2&count=2",
			[]any{"Bravo", "Charlie"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do("GET", tc.query, nil)
			require.Equal(t, 200, r.Code, r.Raw)
			var got []any
			for _, res := range r.Body["Resources"].([]any) {
				got = append(got, res.(map[string]any)["displayName"])
			}
			assert.Equal(t, tc.want, got)
			assert.EqualValues(t, 4, r.Body["totalResults"])
		})
	}
}

// rootSortSite is a handler on one store (openFuzzStore) holding users
// and groups created alternately, one minute apart, with displayNames
// that differ in case, tie across and within types, and are missing.
type rootSortSite struct {
	name string
	h    http.Handler
}

// rootSortData are the site's resources in creation order: "u:" a user
// (its userName), "g:" a group, with displayName and externalId ("" for
// none).
var rootSortData = []struct{ label, displayName, externalId string }{
	{"u:amy", "bravo", "E3"},
	{"g:Alpha", "Alpha", "e1"},
	{"u:bob", "", ""},
	{"g:charlie", "charlie", ""},
	{"u:cat", "Delta", "e2"},
	{"u:dan", "same", "E5"},
	{"g:Same", "Same", "e5"},
	{"u:eve", "SAME", "e4"},
	{"g:zulu", "zulu", "E0"},
}

func newRootSortSite(t *testing.T, store string, opts ...func(*scim.Config)) *rootSortSite {
	t.Helper()
	clock := &fuzzClock{}
	users, groups := openFuzzStore(t, store, clock)
	cfg := scim.Config{BaseURL: base, Users: users, Groups: groups, InsecureNoAuth: true, Logger: slog.New(slog.DiscardHandler)}
	for _, o := range opts {
		o(&cfg)
	}
	h, err := scim.NewHandler(cfg)
	require.NoError(t, err)
	s := &rootSortSite{name: store, h: h}
	for i, d := range rootSortData {
		clock.set(fuzzAt(i))
		kind, name, _ := strings.Cut(d.label, ":")
		doc := map[string]any{}
		path := "/Users"
		if kind == "u" {
			doc["schemas"] = []string{"urn:ietf:params:scim:schemas:core:2.0:User"}
			doc["userName"] = name
		} else {
			path = "/Groups"
			doc["schemas"] = []string{"urn:ietf:params:scim:schemas:core:2.0:Group"}
		}
		if d.displayName != "" {
			doc["displayName"] = d.displayName
		}
		if d.externalId != "" {
			doc["externalId"] = d.externalId
		}
		b, _ := json.Marshal(doc)
		rec := s.send("POST", path, string(b))
		require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	}
	clock.set(fuzzAt(len(rootSortData)))
	return s
}

func (s *rootSortSite) send(method, target, body string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, "http://app.example.com"+target, strings.NewReader(body))
	if body != "" {
		r.Header.Set("Content-Type", "application/scim+json")
	}
	rec := httptest.NewRecorder()
	s.h.ServeHTTP(rec, r)
	return rec
}

// rootPage is a ListResponse of a root query, its resources by label.
type rootPage struct {
	labels       []string
	total        any
	itemsPerPage int
	next         string
}

func (s *rootSortSite) page(t *testing.T, method, target, body string) rootPage {
	t.Helper()
	rec := s.send(method, target, body)
	require.Equal(t, http.StatusOK, rec.Code, "%s %s %s: %s", method, target, body, rec.Body)
	var lr struct {
		TotalResults any
		ItemsPerPage int
		NextCursor   string
		Resources    []struct {
			UserName, DisplayName string
			Meta                  struct{ ResourceType string }
		}
	}
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &lr))
	p := rootPage{total: lr.TotalResults, itemsPerPage: lr.ItemsPerPage, next: lr.NextCursor}
	for _, r := range lr.Resources {
		if r.Meta.ResourceType == "User" {
			p.labels = append(p.labels, "u:"+r.UserName)
		} else {
			p.labels = append(p.labels, "g:"+r.DisplayName)
		}
	}
	require.Len(t, p.labels, lr.ItemsPerPage)
	return p
}

// byIndex reads the whole list of GET /?query a page of count at a time,
// each from where the last ended (startIndex+itemsPerPage).
func (s *rootSortSite) byIndex(t *testing.T, query string, count int) []string {
	t.Helper()
	var all []string
	for start := 1; ; {
		p := s.page(t, "GET", fmt.Sprintf("/?%s&startIndex=%d&count=%d", query, start, count), "")
		require.EqualValues(t, len(rootSortData), p.total)
		if p.itemsPerPage == 0 {
			return all
		}
		all = append(all, p.labels...)
		start += p.itemsPerPage
		require.LessOrEqual(t, start, 2*len(rootSortData), "the pages do not end")
	}
}

// byCursor walks GET /?query (or POST /.search with search, a
// SearchRequest's members) with cursors, count a page.
func (s *rootSortSite) byCursor(t *testing.T, query string, search map[string]any, count int) []string {
	t.Helper()
	var all []string
	cursor := ""
	for i := 0; ; i++ {
		require.LessOrEqual(t, i, 2*len(rootSortData), "the walk does not end")
		var p rootPage
		if search != nil {
			body := map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:SearchRequest"}, "count": count, "cursor": cursor}
			for k, v := range search {
				body[k] = v
			}
			b, _ := json.Marshal(body)
			p = s.page(t, "POST", "/.search", string(b))
		} else {
			p = s.page(t, "GET", fmt.Sprintf("/?%s&count=%d&cursor=%s", query, count, url.QueryEscape(cursor)), "")
		}
		require.Nil(t, p.total, "a cursor page has no totalResults")
		all = append(all, p.labels...)
		if p.next == "" {
			return all
		}
		cursor = p.next
	}
}

// TestListAllSortedAcrossTypesAgrees checks the order of a root query
// sorted by each attribute users and groups share, on every store: the
// order across types is the attribute's (strings folded unless caseExact,
// dateTimes as instants), a tie between types puts users first, ties
// within a type keep creation order (in both sort orders, as each store
// sorts them), resources without a value come last (first descending);
// and index paging at every page size, and cursor walks by GET / and POST
// /.search, give that same list.
func TestListAllSortedAcrossTypesAgrees(t *testing.T) {
	byDisplayName := []string{"g:Alpha", "u:amy", "g:charlie", "u:cat", "u:dan", "u:eve", "g:Same", "g:zulu", "u:bob"}
	byCreation := []string{"u:amy", "g:Alpha", "u:bob", "g:charlie", "u:cat", "u:dan", "g:Same", "u:eve", "g:zulu"}
	cases := []struct {
		name, sortBy string
		desc         bool
		want         []string
	}{
		{"displayName, case folded", "displayName", false, byDisplayName},
		{"displayName descending: ties stay in creation order, the missing first", "displayName", true,
			[]string{"u:bob", "g:zulu", "u:dan", "u:eve", "g:Same", "u:cat", "g:charlie", "u:amy", "g:Alpha"}},
		{"externalId is caseExact", "externalId", false,
			[]string{"g:zulu", "u:amy", "u:dan", "g:Alpha", "u:cat", "u:eve", "g:Same", "u:bob", "g:charlie"}},
		{"externalId descending", "externalId", true,
			[]string{"u:bob", "g:charlie", "g:Same", "u:eve", "u:cat", "g:Alpha", "u:dan", "u:amy", "g:zulu"}},
		{"meta.created", "meta.created", false, byCreation},
		{"meta.created descending", "meta.created", true, reversed(byCreation)},
		{"meta.lastModified, another case of the path", "META.lastmodified", false, byCreation},
		{"meta.resourceType: Group before User", "meta.resourceType", false,
			[]string{"g:Alpha", "g:charlie", "g:Same", "g:zulu", "u:amy", "u:bob", "u:cat", "u:dan", "u:eve"}},
		{"meta.resourceType descending", "meta.resourceType", true,
			[]string{"u:amy", "u:bob", "u:cat", "u:dan", "u:eve", "g:Alpha", "g:charlie", "g:Same", "g:zulu"}},
	}
	stores := []string{"memory", "sqlite"}
	if os.Getenv(sqltest.URLEnv) != "" || os.Getenv(sqltest.RequireEnv) != "" {
		stores = append(stores, "postgres")
	}
	for _, st := range stores {
		t.Run(st, func(t *testing.T) {
			s := newRootSortSite(t, st)
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					query := "sortBy=" + url.QueryEscape(tc.sortBy)
					search := map[string]any{"sortBy": tc.sortBy}
					if tc.desc {
						query += "&sortOrder=descending"
						search["sortOrder"] = "descending"
					}
					whole := s.page(t, "GET", "/?"+query, "")
					assert.Equal(t, tc.want, whole.labels)
					assert.EqualValues(t, len(rootSortData), whole.total)
					b, _ := json.Marshal(map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:SearchRequest"}, "sortBy": search["sortBy"], "sortOrder": search["sortOrder"]})
					assert.Equal(t, tc.want, s.page(t, "POST", "/.search", string(b)).labels, "POST /.search")
					for count := 1; count <= 4; count++ {
						assert.Equal(t, tc.want, s.byIndex(t, query, count), "index paging, count %d", count)
						assert.Equal(t, tc.want, s.byCursor(t, query, nil, count), "GET / cursor walk, count %d", count)
						assert.Equal(t, tc.want, s.byCursor(t, "", search, count), "POST /.search cursor walk, count %d", count)
					}
				})
			}
			t.Run("a filter, then the order", func(t *testing.T) {
				q := "filter=" + url.QueryEscape(`displayName pr and not (displayName sw "s")`) + "&sortBy=displayName"
				want := []string{"g:Alpha", "u:amy", "g:charlie", "u:cat", "g:zulu"}
				assert.Equal(t, want, s.page(t, "GET", "/?"+q, "").labels)
				assert.Equal(t, want, s.byCursor(t, q, nil, 2))
			})
		})
	}
}

func reversed(s []string) []string {
	out := slices.Clone(s)
	slices.Reverse(out)
	return out
}

// TestListAllSortedAcrossTypesBounds covers what bounds a root query
// sorted across types: count=0, a startIndex past the end, the depth
// bound (mergeDepthPages pages of MaxPageSize, then 400 tooMany), pages
// cut short at MaxResponseBytes, and cursors kept to their walk.
func TestListAllSortedAcrossTypesBounds(t *testing.T) {
	all := []string{"g:Alpha", "u:amy", "g:charlie", "u:cat", "u:dan", "u:eve", "g:Same", "g:zulu", "u:bob"}
	t.Run("count=0 and startIndex past the end", func(t *testing.T) {
		s := newRootSortSite(t, "memory")
		for _, q := range []string{"count=0", "startIndex=10", "startIndex=99999999999999999999&count=3"} {
			p := s.page(t, "GET", "/?sortBy=displayName&"+q, "")
			assert.Empty(t, p.labels, q)
			assert.EqualValues(t, len(all), p.total, q)
		}
	})
	t.Run("deeper than ten pages of MaxPageSize is tooMany", func(t *testing.T) {
		// MaxPageSize 1 bounds a root query sorted across types at ten
		// resources of each type: the data set's nine fit, the tenth
		// would be past the end, and past ten is refused only while there
		// are that many.
		s := newRootSortSite(t, "memory", func(c *scim.Config) { c.MaxPageSize, c.DefaultPageSize = 1, 1 })
		assert.Equal(t, []string{"u:bob"}, s.page(t, "GET", "/?sortBy=displayName&startIndex=9", "").labels)
		assert.Empty(t, s.page(t, "GET", "/?sortBy=displayName&startIndex=11", "").labels)
		for i := range 3 {
			s.send("POST", "/Users", fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"more%d"}`, i))
		}
		for _, tc := range []struct {
			method, target, body string
		}{
			{"GET", "/?sortBy=displayName&startIndex=11", ""},
			{"POST", "/.search", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"sortBy":"displayName","startIndex":12}`},
		} {
			rec := s.send(tc.method, tc.target, tc.body)
			require.Equal(t, http.StatusBadRequest, rec.Code, rec.Body.String())
			assert.Equal(t, "tooMany", scimType(rec))
			assert.Contains(t, rec.Body.String(), "list /Users and /Groups apart")
		}
		// The same query unsorted, or sorted by what only users have, is
		// not bounded: it pages each type on its own.
		for _, q := range []string{"startIndex=11", "sortBy=userName&startIndex=11"} {
			assert.Len(t, s.page(t, "GET", "/?"+q, "").labels, 1, q)
		}
	})
	t.Run("pages cut at MaxResponseBytes go on where they ended", func(t *testing.T) {
		s := newRootSortSite(t, "memory", func(c *scim.Config) { c.MaxResponseBytes = 1 })
		p := s.page(t, "GET", "/?sortBy=displayName&count=4", "")
		assert.Equal(t, all[:1], p.labels, "at least one resource a page")
		assert.Equal(t, all, s.byIndex(t, "sortBy=displayName", 4))
		assert.Equal(t, all, s.byCursor(t, "sortBy=displayName", nil, 4))
	})
	t.Run("a cursor serves its own walk only", func(t *testing.T) {
		s := newRootSortSite(t, "memory")
		first := s.page(t, "GET", "/?sortBy=displayName&count=2&cursor=", "")
		require.NotEmpty(t, first.next)
		for _, target := range []string{
			"/?sortBy=displayName&sortOrder=descending&count=2&cursor=",
			"/?sortBy=externalId&count=2&cursor=",
			"/?count=2&cursor=",
			"/Users?sortBy=displayName&count=2&cursor=",
			"/Groups?sortBy=displayName&count=2&cursor=",
		} {
			rec := s.send("GET", target+url.QueryEscape(first.next), "")
			assert.Equal(t, http.StatusBadRequest, rec.Code, target)
			assert.Equal(t, "invalidCursor", scimType(rec), target)
		}
		// An unsorted walk's cursor, in one type at a time, is not a
		// sorted walk's either.
		unsorted := s.page(t, "GET", "/?sortBy=userName&count=2&cursor=", "")
		require.NotEmpty(t, unsorted.next)
		rec := s.send("GET", "/?sortBy=displayName&count=2&cursor="+url.QueryEscape(unsorted.next), "")
		assert.Equal(t, "invalidCursor", scimType(rec))
		rec = s.send("GET", "/?sortBy=displayName&count=2&startIndex=1&cursor=", "")
		assert.Equal(t, http.StatusBadRequest, rec.Code)
		assert.Equal(t, "invalidValue", scimType(rec))
	})
}

// TestListAllSortedAcrossTypesLongValues walks a root query sorted by an
// externalId as long as the handler takes one (512 bytes), in both types, of the
// characters JSON escapes longest: the cursor, which holds a position in
// each type, is one the handler reads back (maxCursorBytes).
func TestListAllSortedAcrossTypesLongValues(t *testing.T) {
	s := newRootSortSite(t, "memory")
	long := strings.Repeat("<", 512)
	for _, p := range []string{"/Users", "/Groups"} {
		b, _ := json.Marshal(map[string]any{"userName": "long", "displayName": "long", "externalId": long})
		rec := s.send("POST", p, string(b))
		require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	}
	got := s.byCursor(t, "sortBy=externalId", nil, 1)
	assert.Equal(t, []string{"u:long", "g:long"}, got[:2], "< sorts before letters; users first on a tie")
	assert.Len(t, got, len(rootSortData)+2)
}

// TestListAllSortedAcrossTypesByExtension: a host may register one
// extension schema on users and on groups; a sortBy on its attribute is
// one both types have, and orders them together as the core ones do.
func TestListAllSortedAcrossTypesByExtension(t *testing.T) {
	const urn = "urn:example:params:scim:schemas:extension:acme:2.0:Common"
	common, err := resources.NewSchema(urn, "Common", "on users and groups", &resources.Attribute{Name: "rank", Type: resources.TypeString})
	require.NoError(t, err)
	model, err := resources.NewModel(resources.ModelConfig{UserExtensions: []*resources.Schema{common}, GroupExtensions: []*resources.Schema{common}})
	require.NoError(t, err)
	db := memory.New(memory.WithModel(model))
	h, err := scim.NewHandler(scim.Config{BaseURL: base, Users: db, Groups: db, InsecureNoAuth: true, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	s := &rootSortSite{name: "memory", h: h}
	for _, d := range []struct{ path, name, rank string }{
		{"/Users", "u1", "C"}, {"/Groups", "g1", "a"}, {"/Users", "u2", ""}, {"/Groups", "g2", "b"}, {"/Users", "u3", "D"},
	} {
		doc := map[string]any{"userName": d.name, "displayName": d.name}
		if d.rank != "" {
			doc["schemas"] = []string{urn}
			doc[urn] = map[string]any{"rank": d.rank}
		}
		b, _ := json.Marshal(doc)
		rec := s.send("POST", d.path, string(b))
		require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	}
	want := []string{"g:g1", "g:g2", "u:u1", "u:u3", "u:u2"}
	q := "sortBy=" + url.QueryEscape(urn+":rank")
	assert.Equal(t, want, s.page(t, "GET", "/?"+q, "").labels)
	assert.Equal(t, want, s.byCursor(t, q, nil, 2))
	assert.Equal(t, reversed(want), s.page(t, "GET", "/?"+q+"&sortOrder=descending", "").labels)
}

// shortStore is a memory store whose lists return at most max resources
// a call, as a host's store with a page size of its own may.
type shortStore struct {
	*memory.Store
	max int
}

func (s shortStore) ListUsers(ctx context.Context, q store.Query) (store.Page[*resources.User], error) {
	q.Count = min(q.Count, s.max)
	return s.Store.ListUsers(ctx, q)
}

func (s shortStore) ListGroups(ctx context.Context, q store.Query) (store.Page[*resources.Group], error) {
	q.Count = min(q.Count, s.max)
	return s.Store.ListGroups(ctx, q)
}

func (s shortStore) ListUsersAfter(ctx context.Context, q store.Query, after string) (store.CursorPage[*resources.User], error) {
	q.Count = min(q.Count, s.max)
	return s.Store.ListUsersAfter(ctx, q, after)
}

func (s shortStore) ListGroupsAfter(ctx context.Context, q store.Query, after string) (store.CursorPage[*resources.Group], error) {
	q.Count = min(q.Count, s.max)
	return s.Store.ListGroupsAfter(ctx, q, after)
}

// TestListAllSortedAcrossTypesShortStore: a store may return fewer
// resources than asked (store.Page: "at most Query.Count"). Index paging
// asks it for the rest, so the merged order is whole; a cursor page ends
// where a short type's resources read run out, and the walk goes on from
// there.
func TestListAllSortedAcrossTypesShortStore(t *testing.T) {
	clock := &fuzzClock{}
	db := memory.New(memory.WithNow(clock.now))
	short := shortStore{db, 2}
	h, err := scim.NewHandler(scim.Config{BaseURL: base, Users: short, Groups: short, InsecureNoAuth: true, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	s := &rootSortSite{name: "short", h: h}
	for i, n := range []string{"a", "c", "e", "g", "i"} {
		clock.set(fuzzAt(i))
		rec := s.send("POST", "/Users", `{"userName":"`+n+`","displayName":"`+n+`"}`)
		require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
		rec = s.send("POST", "/Groups", `{"displayName":"`+strings.Repeat(n, 2)+`"}`)
		require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	}
	want := []string{"u:a", "g:aa", "u:c", "g:cc", "u:e", "g:ee", "u:g", "g:gg", "u:i", "g:ii"}
	p := s.page(t, "GET", "/?sortBy=displayName&count=10", "")
	assert.Equal(t, want, p.labels)
	assert.EqualValues(t, 10, p.total)
	assert.Equal(t, want[5:8], s.page(t, "GET", "/?sortBy=displayName&startIndex=6&count=3", "").labels)
	first := s.page(t, "GET", "/?sortBy=displayName&count=6&cursor=", "")
	assert.Equal(t, want[:3], first.labels, "each store gave two: after the users' two, what comes next is unknown")
	assert.Equal(t, want, s.byCursor(t, "sortBy=displayName", nil, 6))
}
