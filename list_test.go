package scim_test

import (
	"context"
	"fmt"
	"maps"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/memory"
)

func q(filter string) string { return url.QueryEscape(filter) }

func userNames(r *resp) []string {
	var out []string
	for _, it := range r.Body["Resources"].([]any) {
		out = append(out, it.(map[string]any)["userName"].(string))
	}
	return out
}

func seedUsers(e *env) {
	e.createUser("alice@example.com", map[string]any{
		"name": map[string]any{"familyName": "Zeta", "givenName": "Alice"}, "title": "Engineer",
		"emails":                       []any{map[string]any{"value": "alice@work.example", "type": "work"}, map[string]any{"value": "alice@home.example", "type": "home"}},
		"externalId":                   "ext-alice",
		resources.EnterpriseUserSchema: map[string]any{"department": "R&D", "employeeNumber": "7"},
	})
	e.createUser("bob@example.com", map[string]any{"name": map[string]any{"familyName": "Young"}, "active": false, "title": "Manager"})
	e.createUser("carol@example.com", map[string]any{"name": map[string]any{"familyName": "Xu"}, "title": "Engineer"})
}

func TestListFilters(t *testing.T) {
	e := newEnv(t)
	seedUsers(e)
	tests := []struct {
		filter string
		want   []string
	}{
		{`userName eq "alice@example.com"`, []string{"alice@example.com"}},
		{`USERNAME EQ "ALICE@EXAMPLE.COM"`, []string{"alice@example.com"}},
		{`externalId eq "ext-alice"`, []string{"alice@example.com"}},
		{`externalId eq "EXT-ALICE"`, nil},
		{`emails[type eq "work"].value eq "alice@work.example"`, []string{"alice@example.com"}},
		{`emails[type eq "work" and value co "@work"]`, []string{"alice@example.com"}},
		{`emails.value sw "alice@home"`, []string{"alice@example.com"}},
		{`title eq "Engineer" and not (userName sw "alice")`, []string{"carol@example.com"}},
		{`title eq "Manager" or userName ew "carol@example.com"`, []string{"bob@example.com", "carol@example.com"}},
		{`active eq false`, []string{"bob@example.com"}},
		{`emails pr`, []string{"alice@example.com"}},
		{`name.familyName gt "Y"`, []string{"alice@example.com", "bob@example.com"}},
		{`meta.created gt "2000-01-01T00:00:00Z"`, []string{"alice@example.com", "bob@example.com", "carol@example.com"}},
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "R&D"`, []string{"alice@example.com"}},
		{`userName eq "nobody@example.com"`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			r := e.do("GET", "/Users?filter="+q(tt.filter), nil)
			require.Equal(t, http.StatusOK, r.Code, r.Raw)
			assert.Equal(t, []any{"urn:ietf:params:scim:api:messages:2.0:ListResponse"}, r.Body["schemas"])
			assert.Equal(t, float64(len(tt.want)), r.Body["totalResults"], "totalResults is a number")
			assert.Equal(t, float64(1), r.Body["startIndex"])
			assert.Equal(t, float64(len(tt.want)), r.Body["itemsPerPage"])
			assert.Equal(t, tt.want, userNames(r))
		})
	}
}

func TestListFilterErrors(t *testing.T) {
	e := newEnv(t, func(c *scim.Config) { c.MaxFilterLength = 100 })
	tests := []struct {
		filter, detail string
	}{
		{`userName eq`, "offset"},
		{`userName xx "a"`, "offset"},
		{`(userName eq "a"`, "offset"},
		{`favouriteColour eq "blue"`, "favouriteColour"},
		{`password eq "secret"`, "password"},
		{`userName eq "` + string(make([]byte, 120)) + `"`, "at most 100"},
	}
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			requireError(t, e.do("GET", "/Users?filter="+q(tt.filter), nil), 400, "invalidFilter", tt.detail)
		})
	}
}

func TestPagingAndSorting(t *testing.T) {
	e := newEnv(t, func(c *scim.Config) { c.MaxPageSize = 4; c.DefaultPageSize = 3 })
	for i := range 10 {
		e.createUser(fmt.Sprintf("user%02d@example.com", 9-i))
	}
	tests := []struct {
		query      string
		total      int
		start      int
		first      string
		itemsCount int
	}{
		{"", 10, 1, "user09@example.com", 3},
		{"?startIndex=1&count=2", 10, 1, "user09@example.com", 2},
		{"?startIndex=3&count=2", 10, 3, "user07@example.com", 2},
		{"?startIndex=0&count=2", 10, 1, "user09@example.com", 2},
		{"?startIndex=-5&count=2", 10, 1, "user09@example.com", 2},
		{"?count=0", 10, 1, "", 0},
		{"?count=-1", 10, 1, "", 0},
		{"?count=100", 10, 1, "user09@example.com", 4},
		{"?startIndex=11", 10, 11, "", 0},
		{"?startIndex=9&count=4", 10, 9, "user01@example.com", 2},
		// RFC 7644 §3.4.2.4 bounds the values, not their digits: an integer
		// beyond int64 is still "less than 1" or past the end.
		{"?startIndex=99999999999999999999", 10, math.MaxInt, "", 0},
		{"?startIndex=-99999999999999999999&count=2", 10, 1, "user09@example.com", 2},
		{"?count=99999999999999999999", 10, 1, "user09@example.com", 4},
		{"?count=-99999999999999999999", 10, 1, "", 0},
		{"?sortBy=userName&count=2", 10, 1, "user00@example.com", 2},
		{"?sortBy=userName&sortOrder=descending&count=2", 10, 1, "user09@example.com", 2},
		{"?sortBy=USERNAME&sortOrder=Ascending&startIndex=5&count=1", 10, 5, "user04@example.com", 1},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			r := e.do("GET", "/Users"+tt.query, nil)
			require.Equal(t, 200, r.Code, r.Raw)
			assert.Equal(t, float64(tt.total), r.Body["totalResults"])
			assert.Equal(t, float64(tt.start), r.Body["startIndex"])
			assert.Equal(t, float64(tt.itemsCount), r.Body["itemsPerPage"])
			names := userNames(r)
			require.Len(t, names, tt.itemsCount)
			if tt.first != "" {
				assert.Equal(t, tt.first, names[0])
			}
		})
	}
	requireError(t, e.do("GET", "/Users?count=abc", nil), 400, "invalidValue", "count must be an integer")
	requireError(t, e.do("GET", "/Users?sortOrder=sideways", nil), 400, "invalidValue", "sortOrder")
	requireError(t, e.do("GET", "/Users?sortBy=shoeSize", nil), 400, "invalidValue", "shoeSize")
	// RFC 7644 §3.4.2.3: "If the attribute is complex, the attribute name
	// must be a path to a sub-attribute". A sortBy is no filter, so its
	// refusal is invalidValue like any other bad sortBy, not invalidFilter.
	for _, tt := range []struct{ sortBy, detail string }{
		{"name", `sortBy "name" is complex; sort by one of its sub-attributes, e.g. name.formatted`},
		{"NAME", `sortBy "NAME" is complex; sort by one of its sub-attributes, e.g. name.formatted`},
		{"meta", `sortBy "meta" is complex; sort by one of its sub-attributes, e.g. meta.resourceType`},
		{"urn:ietf:params:scim:schemas:core:2.0:User:name", `e.g. name.formatted`},
	} {
		requireError(t, e.do("GET", "/Users?sortBy="+tt.sortBy, nil), 400, "invalidValue", tt.detail)
		requireError(t, e.do("POST", "/Users/.search", map[string]any{"sortBy": tt.sortBy}), 400, "invalidValue", tt.detail)
	}
	// A sort on a value never returned (password) would order the users by
	// it, an oracle the filter already refuses (RFC 7643 §2.2: returned
	// "never" values are not disclosed).
	for _, sortBy := range []string{"password", "PASSWORD", "urn:ietf:params:scim:schemas:core:2.0:User:password"} {
		requireError(t, e.do("GET", "/Users?sortBy="+sortBy, nil), 400, "invalidValue", `sortBy "`+sortBy+`": "password" is never returned, so it cannot order the results`)
		requireError(t, e.do("POST", "/.search", map[string]any{"sortBy": sortBy}), 400, "invalidValue", "is never returned")
	}
	for _, ok := range []string{"name.givenName", "emails", "emails.value", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager"} {
		r := e.do("GET", "/Users?sortBy="+ok, nil)
		require.Equal(t, 200, r.Code, "%s: %s", ok, r.Raw)
	}

	// Paging through everything in pages visits every user exactly once.
	seen := map[string]bool{}
	for start := 1; start <= 10; start += 3 {
		r := e.do("GET", fmt.Sprintf("/Users?startIndex=%d&count=3", start), nil)
		for _, n := range userNames(r) {
			assert.False(t, seen[n], n)
			seen[n] = true
		}
	}
	assert.Len(t, seen, 10)
}

func TestAttributesProjection(t *testing.T) {
	e := newEnv(t)
	seedUsers(e)
	alice := e.do("GET", "/Users?filter="+q(`userName eq "alice@example.com"`), nil).Body["Resources"].([]any)[0].(map[string]any)
	id := alice["id"].(string)
	tests := []struct {
		query string
		want  map[string]any
	}{
		{"?attributes=userName", map[string]any{"id": id, "schemas": []any{resources.UserSchema}, "userName": "alice@example.com"}},
		{"?attributes=emails.value", map[string]any{"id": id, "schemas": []any{resources.UserSchema}, "emails": []any{
			map[string]any{"value": "alice@work.example"}, map[string]any{"value": "alice@home.example"}}}},
		{"?attributes=name.givenName,EXTERNALID", map[string]any{"id": id, "schemas": []any{resources.UserSchema}, "externalId": "ext-alice", "name": map[string]any{"givenName": "Alice"}}},
		{"?attributes=urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", map[string]any{"id": id,
			"schemas": []any{resources.UserSchema, resources.EnterpriseUserSchema}, resources.EnterpriseUserSchema: map[string]any{"department": "R&D"}}},
		{"?attributes=id", map[string]any{"id": id, "schemas": []any{resources.UserSchema}}},
		// Nothing to show is shown as nothing (RFC 7643 §2.5), not as
		// "name":{}, "emails":[{},{}] or an empty extension.
		{"?attributes=name.middleName,emails.display", map[string]any{"id": id, "schemas": []any{resources.UserSchema}}},
		{"?attributes=urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter", map[string]any{"id": id, "schemas": []any{resources.UserSchema}}},
		{"?attributes=urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.displayName", map[string]any{"id": id, "schemas": []any{resources.UserSchema}}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			r := e.do("GET", "/Users/"+id+tt.query, nil)
			require.Equal(t, 200, r.Code, r.Raw)
			assert.Equal(t, tt.want, r.Body)
		})
	}
	t.Run("excluded", func(t *testing.T) {
		r := e.do("GET", "/Users/"+id+"?excludedAttributes=emails,name.familyName,id,"+resources.EnterpriseUserSchema, nil)
		require.Equal(t, 200, r.Code)
		assert.NotContains(t, r.Body, "emails")
		assert.NotContains(t, r.Body, resources.EnterpriseUserSchema)
		assert.Equal(t, []any{resources.UserSchema}, r.Body["schemas"])
		assert.Equal(t, map[string]any{"givenName": "Alice"}, r.Body["name"])
		assert.Equal(t, id, r.Body["id"], "id is always returned")
		assert.Contains(t, r.Body, "meta")
	})
	t.Run("excluded to nothing", func(t *testing.T) {
		r := e.do("GET", "/Users/"+id+"?excludedAttributes=name.givenName,NAME.familyName,emails.value,emails.type,"+
			resources.EnterpriseUserSchema+":department,"+resources.EnterpriseUserSchema+":employeeNumber", nil)
		require.Equal(t, 200, r.Code, r.Raw)
		assert.NotContains(t, r.Body, "name")
		assert.NotContains(t, r.Body, "emails")
		assert.NotContains(t, r.Body, resources.EnterpriseUserSchema)
		assert.Equal(t, []any{resources.UserSchema}, r.Body["schemas"])
		assert.Equal(t, "Engineer", r.Body["title"])
		again := e.do("GET", "/Users/"+id, nil)
		assert.Equal(t, map[string]any{"familyName": "Zeta", "givenName": "Alice"}, again.Body["name"], "the stored user is untouched")
		assert.Len(t, again.Body["emails"], 2)
	})
	t.Run("excluded in part", func(t *testing.T) {
		r := e.do("GET", "/Users/"+id+"?excludedAttributes=emails.type", nil)
		require.Equal(t, 200, r.Code, r.Raw)
		assert.Equal(t, []any{map[string]any{"value": "alice@work.example"}, map[string]any{"value": "alice@home.example"}}, r.Body["emails"])
	})
	t.Run("list", func(t *testing.T) {
		r := e.do("GET", "/Users?attributes=userName&count=1", nil)
		assert.Equal(t, []any{map[string]any{"id": alice["id"], "schemas": []any{resources.UserSchema}, "userName": "alice@example.com"}}, r.Body["Resources"])
	})
}

func TestSearchEndpoints(t *testing.T) {
	e := newEnv(t)
	seedUsers(e)
	e.createGroup("Engineers")
	r := e.do("POST", "/Users/.search", map[string]any{
		"schemas":    []string{"urn:ietf:params:scim:api:messages:2.0:SearchRequest"},
		"filter":     `title eq "Engineer"`,
		"sortBy":     "userName",
		"sortOrder":  "descending",
		"attributes": []string{"userName"},
		"startIndex": 1,
		"count":      10,
	})
	require.Equal(t, 200, r.Code, r.Raw)
	assert.Equal(t, []string{"carol@example.com", "alice@example.com"}, userNames(r))
	assert.Equal(t, []any{resources.UserSchema}, r.Body["Resources"].([]any)[0].(map[string]any)["schemas"])

	all := e.do("POST", "/.search", map[string]any{"filter": `meta.created pr`, "count": 10})
	require.Equal(t, 200, all.Code, all.Raw)
	assert.Equal(t, float64(4), all.Body["totalResults"])
	page := e.do("POST", "/.search", map[string]any{"startIndex": 3, "count": 2})
	require.Equal(t, 200, page.Code, page.Raw)
	items := page.Body["Resources"].([]any)
	require.Len(t, items, 2)
	assert.Equal(t, "carol@example.com", items[0].(map[string]any)["userName"])
	assert.Equal(t, "Engineers", items[1].(map[string]any)["displayName"])
	groupsOnly := e.do("POST", "/.search", map[string]any{"filter": `displayName eq "Engineers"`})
	assert.Equal(t, float64(1), groupsOnly.Body["totalResults"], groupsOnly.Raw)

	for _, tt := range []struct {
		body       string
		start, got int
	}{
		{`{"startIndex": 99999999999999999999, "count": 2}`, math.MaxInt, 0},
		{`{"startIndex": -99999999999999999999, "count": 2}`, 1, 2},
		{`{"count": 99999999999999999999}`, 1, 3},
		{`{"count": -99999999999999999999}`, 1, 0},
		// RFC 7643 §2.5: null is unassigned, the default
		{`{"startIndex": null, "count": null, "cursor": null}`, 1, 3},
	} {
		r := e.do("POST", "/Users/.search", tt.body)
		require.Equal(t, 200, r.Code, "%s: %s", tt.body, r.Raw)
		assert.Equal(t, float64(tt.start), r.Body["startIndex"], tt.body)
		assert.Equal(t, float64(tt.got), r.Body["itemsPerPage"], tt.body)
	}
	requireError(t, e.do("POST", "/Users/.search", map[string]any{"count": 1.5}), 400, "invalidValue", `"count" must be an integer`)
	// RFC 7644 §3.4.2.1: "Queries MAY be performed against a SCIM resource
	// object, a resource type endpoint, or a SCIM server root"; a GET at
	// the root answers as POST /.search does with the same parameters.
	for _, tt := range []struct {
		query string
		total int
		first string
	}{
		{"", 4, "alice@example.com"},
		{"?filter=" + q(`meta.resourceType eq "Group"`), 1, ""},
		{"?filter=" + q(`(meta.resourceType eq User) or (meta.resourceType eq Group)`) + "&startIndex=3&count=1", 4, "carol@example.com"},
		{"?filter=" + q(`title eq "Engineer"`) + "&sortBy=userName&sortOrder=descending&attributes=userName", 2, "carol@example.com"},
	} {
		r := e.do("GET", "/"+tt.query, nil)
		require.Equal(t, 200, r.Code, "%s: %s", tt.query, r.Raw)
		assert.Equal(t, float64(tt.total), r.Body["totalResults"], tt.query)
		if tt.first != "" {
			assert.Equal(t, tt.first, r.Body["Resources"].([]any)[0].(map[string]any)["userName"], tt.query)
		}
	}
	// Across resource types an attribute one type lacks is unassigned in
	// its resources (RFC 7644 §3.4.2.2: eq, co, sw, pr... on it are false,
	// ne is true on a single-valued one and false on a multi-valued one:
	// no value of it is not identical), so an "or" still finds the other type's matches and a
	// "not" all of that type; an attribute no type defines stays an error.
	for _, tt := range []struct {
		filter string
		want   []string
	}{
		{`displayName eq "Engineers" or userName eq "alice@example.com"`, []string{"alice@example.com", "Engineers"}},
		{`userName eq "alice@example.com" or members pr`, []string{"alice@example.com"}},
		{`not (userName pr)`, []string{"Engineers"}},
		{`userName ne "alice@example.com" and displayName pr`, []string{"Engineers"}},
		{`urn:ietf:params:scim:schemas:core:2.0:Group:displayName eq "Engineers"`, []string{"Engineers"}},
		{`not (members pr) and title eq "Manager"`, []string{"bob@example.com"}},
		{`emails[type eq "work"] or displayName sw "Eng"`, []string{"alice@example.com", "Engineers"}},
		{`USERNAME NE null OR DisplayName EQ "Engineers"`, []string{"alice@example.com", "bob@example.com", "carol@example.com", "Engineers"}},
		{`not (userName eq null) and not (members eq "x")`, []string{"alice@example.com", "bob@example.com", "carol@example.com"}},
		{`not (userName eq null) and not (members ne "x")`, []string{"alice@example.com", "bob@example.com", "carol@example.com"}},
		{`members ne "x" or displayName eq "Engineers"`, []string{"Engineers"}},
		{`emails.type ne "work" or displayName eq "Engineers"`, []string{"alice@example.com", "Engineers"}},
		{`emails.type ne "work"`, []string{"alice@example.com"}},
		{`not (emails.type eq "work")`, []string{"bob@example.com", "carol@example.com", "Engineers"}},
	} {
		for _, r := range []*resp{
			e.do("POST", "/.search", map[string]any{"filter": tt.filter}),
			e.do("GET", "/?filter="+q(tt.filter), nil),
		} {
			require.Equal(t, 200, r.Code, "%s: %s", tt.filter, r.Raw)
			assert.Equal(t, tt.want, resourceNames(r), tt.filter)
			assert.Equal(t, float64(len(tt.want)), r.Body["totalResults"], tt.filter)
		}
	}
	requireError(t, e.do("POST", "/.search", map[string]any{"filter": `shoeSize eq "x" or userName eq "alice@example.com"`}), 400, "invalidFilter", "shoeSize")
	// A sortBy one type lacks keeps that type's resources, which have no
	// data for it: RFC 7644 §3.4.2.3, "they are ordered last if ascending
	// and first if descending".
	for _, tt := range []struct {
		query string
		want  []string
	}{
		{"?sortBy=userName", []string{"alice@example.com", "bob@example.com", "carol@example.com", "Engineers"}},
		{"?sortBy=userName&sortOrder=descending", []string{"Engineers", "carol@example.com", "bob@example.com", "alice@example.com"}},
		{"?sortBy=userName&sortOrder=descending&startIndex=2&count=2", []string{"carol@example.com", "bob@example.com"}},
		{"?sortBy=title&sortOrder=descending&filter=" + q(`title pr or displayName pr`), []string{"Engineers", "bob@example.com", "alice@example.com", "carol@example.com"}},
	} {
		r := e.do("GET", "/"+tt.query, nil)
		require.Equal(t, 200, r.Code, "%s: %s", tt.query, r.Raw)
		assert.Equal(t, tt.want, resourceNames(r), tt.query)
		assert.Equal(t, float64(4), r.Body["totalResults"], tt.query)
	}
	// A name no type defines: the refusal names every type, not the
	// first one whose list refused it.
	requireError(t, e.do("GET", "/?sortBy=shoeSize", nil), 400, "invalidValue", `sortBy "shoeSize" is not an attribute of User, Group or their extensions; send one that GET /Schemas lists`)
	requireError(t, e.do("GET", "/Users?sortBy=shoeSize", nil), 400, "invalidValue", `sortBy "shoeSize" is not an attribute of User or its extensions; send one that GET /Schemas lists`)
	// Memberships are kept apart from what a store sorts: a sortBy on them
	// would answer in creation order, not by them.
	requireError(t, e.do("GET", "/?sortBy=members.value", nil), 400, "invalidValue", "members are kept apart from the resources")
	requireError(t, e.do("GET", "/Users?sortBy=groups.display", nil), 400, "invalidValue", "groups are kept apart from the resources")
	requireError(t, e.do("GET", "/Groups?sortBy=members", nil), 400, "invalidValue", "")
	requireError(t, e.do("GET", "/?count=abc", nil), 400, "invalidValue", "count must be an integer")
	requireError(t, e.do("GET", "/?filter="+q("userName eq"), nil), 400, "invalidFilter", "")
	requireError(t, e.do("DELETE", "/", nil), 405, "", "allowed: GET")
	requireError(t, e.do("POST", "/Users/.search", map[string]any{"filter": 7}), 400, "invalidValue", `"filter" must be a string`)
	requireError(t, e.do("POST", "/Users/.search", map[string]any{"colour": "x"}), 400, "invalidSyntax", "not a SearchRequest attribute")
}

func TestInactiveUsersStayVisible(t *testing.T) {
	e := newEnv(t)
	u := e.createUser("gone@example.com")
	id := u["id"].(string)
	require.Equal(t, 200, e.do("PATCH", "/Users/"+id, patchBody(op("replace", "active", false))).Code)
	assert.Equal(t, false, e.do("GET", "/Users/"+id, nil).Body["active"])
	r := e.do("GET", "/Users?filter="+q(`userName eq "gone@example.com"`), nil)
	assert.Equal(t, float64(1), r.Body["totalResults"])
}

// recordingStore records what the handler asks the group store for.
type recordingStore struct {
	*memory.Store
	mu      sync.Mutex
	gets    []store.GetOptions
	queries []store.Query
}

func (s *recordingStore) GetGroup(ctx context.Context, id string, o store.GetOptions) (*resources.Group, error) {
	s.mu.Lock()
	s.gets = append(s.gets, o)
	s.mu.Unlock()
	return s.Store.GetGroup(ctx, id, o)
}

func (s *recordingStore) ListGroups(ctx context.Context, q store.Query) (store.Page[*resources.Group], error) {
	s.mu.Lock()
	s.queries = append(s.queries, q)
	s.mu.Unlock()
	return s.Store.ListGroups(ctx, q)
}

func TestExcludedMembersAreNeverLoaded(t *testing.T) {
	rec := &recordingStore{Store: memory.New()}
	e := newEnv(t, func(c *scim.Config) { c.Users, c.Groups = rec.Store, rec })
	u := e.createUser("m@example.com")
	g := e.createGroup("G", u["id"].(string))
	gid := g["id"].(string)

	r := e.do("GET", "/Groups/"+gid+"?excludedAttributes=members", nil)
	require.Equal(t, 200, r.Code)
	assert.NotContains(t, r.Body, "members")
	r = e.do("GET", "/Groups?filter="+q(`displayName eq "G"`)+"&excludedAttributes=members", nil)
	require.Equal(t, 200, r.Code)
	r = e.do("GET", "/Groups?attributes=displayName", nil)
	require.Equal(t, 200, r.Code)
	r = e.do("GET", "/Groups/"+gid, nil)
	assert.Equal(t, []string{u["id"].(string)}, memberIDs(r.Body))

	rec.mu.Lock()
	defer rec.mu.Unlock()
	// A GET only reads what it answers: ReadOnly.
	assert.Equal(t, []store.GetOptions{{ExcludeMembers: true, ReadOnly: true}, {ExcludeMembers: false, ReadOnly: true}}, rec.gets)
	require.Len(t, rec.queries, 2)
	assert.True(t, rec.queries[0].ExcludeMembers)
	assert.True(t, rec.queries[1].ExcludeMembers)
}

func TestUserGroupsAttribute(t *testing.T) {
	e := newEnv(t)
	u := e.createUser("g@example.com")
	id := u["id"].(string)
	g := e.createGroup("Readers", id)
	r := e.do("GET", "/Users/"+id, nil)
	require.Equal(t, 200, r.Code)
	assert.Equal(t, []any{map[string]any{"value": g["id"], "display": "Readers", "type": "direct", "$ref": base + "/Groups/" + g["id"].(string)}}, r.Body["groups"])
	r = e.do("GET", "/Users?filter="+q(`userName eq "g@example.com"`), nil)
	assert.Len(t, r.Body["Resources"].([]any)[0].(map[string]any)["groups"], 1)
	r = e.do("GET", "/Users/"+id+"?excludedAttributes=groups", nil)
	assert.NotContains(t, r.Body, "groups")
	requireError(t, e.do("PATCH", "/Users/"+id, patchBody(op("add", "groups", []any{map[string]any{"value": "x"}}))), 400, "mutability", "groups")
}

// TestIndirectGroups: a group that holds a group makes the latter's users
// indirect members (RFC 7643 §4.1.2): User.groups lists it with type
// "indirect" and its $ref, on GET and in lists.
func TestIndirectGroups(t *testing.T) {
	e := newEnv(t)
	id := e.createUser("nested@example.com")["id"].(string)
	inner := e.createGroup("Inner", id)
	outer := e.createGroup("Outer", inner["id"].(string))
	want := []any{
		map[string]any{"value": inner["id"], "display": "Inner", "type": "direct", "$ref": base + "/Groups/" + inner["id"].(string)},
		map[string]any{"value": outer["id"], "display": "Outer", "type": "indirect", "$ref": base + "/Groups/" + outer["id"].(string)},
	}
	r := e.do("GET", "/Users/"+id, nil)
	require.Equal(t, 200, r.Code, r.Raw)
	assert.Equal(t, want, r.Body["groups"])
	r = e.do("GET", "/Users?filter="+q(`userName eq "nested@example.com"`), nil)
	require.Equal(t, 200, r.Code, r.Raw)
	assert.Equal(t, want, r.Body["Resources"].([]any)[0].(map[string]any)["groups"])
	r = e.do("GET", "/Groups/"+outer["id"].(string), nil)
	assert.Equal(t, []any{map[string]any{"value": inner["id"], "display": "Inner", "type": "Group", "$ref": base + "/Groups/" + inner["id"].(string)}}, r.Body["members"],
		"a group lists its own members only")
}

// TestResponseByteBudget: a page of large resources is cut short by
// Config.MaxResponseBytes; itemsPerPage says how many came and paging
// from there returns the rest, also across users and groups in /.search.
func TestResponseByteBudget(t *testing.T) {
	e := newEnv(t, func(c *scim.Config) { c.MaxResponseBytes = 5000 })
	big := strings.Repeat("x", 1500)
	for i := range 6 {
		e.createUser(fmt.Sprintf("big%d", i), map[string]any{"title": big})
	}
	e.createGroup("after-the-users")
	var seen []string
	for start := 1; start <= 7; {
		r := e.do("POST", "/.search", map[string]any{"startIndex": start, "count": 10})
		require.Equal(t, 200, r.Code, r.Raw)
		assert.Equal(t, float64(7), r.Body["totalResults"])
		n := int(r.Body["itemsPerPage"].(float64))
		require.Positive(t, n)
		assert.LessOrEqual(t, len(r.Raw), 5000+2000, "at most one resource past the budget")
		for _, res := range r.Body["Resources"].([]any) {
			m := res.(map[string]any)
			name, _ := m["userName"].(string)
			if name == "" {
				name, _ = m["displayName"].(string)
			}
			seen = append(seen, name)
		}
		start += n
	}
	assert.Equal(t, []string{"big0", "big1", "big2", "big3", "big4", "big5", "after-the-users"}, seen)
}

// TestResponseByteBudgetPages holds where Config.MaxResponseBytes cuts
// pages to where it cut them when each resource was encoded into a slice
// of its own: the resources of one store call count, a resource that
// passes the budget is left for the next page unless it is the first,
// and a cursor walk and a query across types cut as an index page does.
func TestResponseByteBudgetPages(t *testing.T) {
	e := newEnv(t, func(c *scim.Config) { c.MaxResponseBytes = 5000 })
	for i := range 7 {
		e.createUser(fmt.Sprintf("big%d", i), map[string]any{"title": strings.Repeat("x", 700*(i%3+1))})
	}
	e.createGroup("after-the-users")
	for _, c := range []struct {
		name string
		page func(start int, cursor string) *resp
		// want is itemsPerPage, page after page, as the handler gave it
		// before.
		want []int
	}{
		{"index", func(start int, _ string) *resp {
			return e.do("GET", fmt.Sprintf("/Users?startIndex=%d&count=10", start), nil)
		}, []int{2, 2, 2, 1, 0}},
		{"index, projected", func(start int, _ string) *resp {
			return e.do("GET", fmt.Sprintf("/Users?startIndex=%d&count=10&attributes=title", start), nil)
		}, []int{3, 3, 1, 0}},
		{"across types", func(start int, _ string) *resp {
			return e.do("POST", "/.search", map[string]any{"startIndex": start, "count": 10})
		}, []int{2, 2, 2, 2, 0}},
		{"cursor", func(_ int, cursor string) *resp {
			return e.do("GET", "/Users?count=10&cursor="+cursor, nil)
		}, []int{2, 2, 2, 1}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var got []int
			start, cursor := 1, ""
			for range 20 {
				r := c.page(start, cursor)
				require.Equal(t, 200, r.Code, r.Raw)
				n := int(r.Body["itemsPerPage"].(float64))
				require.Len(t, r.Body["Resources"], n)
				got = append(got, n)
				start += n
				next, _ := r.Body["nextCursor"].(string)
				if n == 0 || (c.name == "cursor" && next == "") {
					break
				}
				cursor = next
			}
			require.Equal(t, c.want, got)
		})
	}
}

// resourceNames returns the userName of each user and the displayName of
// each group of a ListResponse, in order.
func resourceNames(r *resp) []string {
	var got []string
	for _, it := range r.Body["Resources"].([]any) {
		m := it.(map[string]any)
		if n, ok := m["userName"].(string); ok {
			got = append(got, n)
		} else {
			got = append(got, m["displayName"].(string))
		}
	}
	return got
}

// devicesEnv is a handler over a memory store whose users have a host
// extension with a "devices" attribute that has a "$ref" of its own,
// which the client sends and the store keeps (unlike a $ref the server
// makes).
func devicesEnv(t *testing.T) (*env, *resources.Schema) {
	t.Helper()
	ext, err := resources.NewSchema("urn:example:acme:2.0:User", "AcmeUser", "",
		&resources.Attribute{Name: "devices", Type: resources.TypeComplex, MultiValued: true, SubAttributes: []*resources.Attribute{
			{Name: "value", Type: resources.TypeString}, {Name: "$ref", Type: resources.TypeReference, ReferenceTypes: []string{"external"}}}})
	require.NoError(t, err)
	model, err := resources.NewModel(resources.ModelConfig{UserExtensions: []*resources.Schema{ext}})
	require.NoError(t, err)
	db := memory.New(memory.WithModel(model))
	e := newEnv(t, func(c *scim.Config) { c.Users, c.Groups = db, db })
	return e, ext
}

// TestPatchServerRefPath: a PATCH whose path names a $ref the server
// makes (members.$ref, the manager's) is a 400 mutability that changes
// nothing, where it answered 200 and changed nothing; a host extension's
// own $ref is written.
func TestPatchServerRefPath(t *testing.T) {
	e, ext := devicesEnv(t)
	uid := e.createUser("ref", map[string]any{ext.ID: map[string]any{"devices": []any{map[string]any{"value": "d1"}}}})["id"].(string)
	gid := e.createGroup("refs", uid)["id"].(string)
	op := func(kind, path string, value any) map[string]any {
		o := map[string]any{"op": kind, "path": path}
		if value != nil {
			o["value"] = value
		}
		return map[string]any{"Operations": []any{o}}
	}
	for _, tc := range []struct {
		name, path string
		body       map[string]any
	}{
		{"replace members.$ref", "/Groups/" + gid, op("replace", "members.$ref", "https://elsewhere.example")},
		{"remove members.$ref", "/Groups/" + gid, op("remove", "members.$REF", nil)},
		{"add to one member's $ref", "/Groups/" + gid, op("add", `members[value eq "`+uid+`"].$ref`, "https://elsewhere.example")},
		{"replace the manager's $ref", "/Users/" + uid, op("replace", resources.EnterpriseUserSchema+":manager.$ref", "https://elsewhere.example")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := e.do("GET", tc.path, nil).Raw
			requireError(t, e.do("PATCH", tc.path, tc.body), 400, "mutability", "is made by the server")
			assert.Equal(t, before, e.do("GET", tc.path, nil).Raw, "nothing changed")
		})
	}
	r := e.do("PATCH", "/Users/"+uid, op("replace", ext.ID+`:devices[value eq "d1"].$ref`, "https://devices.example/d1"))
	require.Equal(t, 200, r.Code, r.Raw)
	assert.Contains(t, r.Raw, `"https://devices.example/d1"`, "a host extension's own $ref is written")
}

// TestServerRefFilters: a $ref the server makes from each value (a
// group's members, a user's groups, the enterprise manager) is stored
// nowhere, so a filter on it, in a list or a PATCH path, is a 400
// invalidFilter (RFC 7644 §3.12: "the specified attribute and filter
// comparison combination is not supported") where it matched nothing
// whatever the data; a host extension's own $ref is stored and filtered.
func TestServerRefFilters(t *testing.T) {
	e, ext := devicesEnv(t)
	uid := e.createUser("ref", map[string]any{ext.ID: map[string]any{"devices": []any{map[string]any{"value": "d1", "$ref": "https://devices.example/d1"}}}})["id"].(string)
	gid := e.createGroup("refs", uid)["id"].(string)
	patch := func(path string) map[string]any {
		return map[string]any{"Operations": []any{map[string]any{"op": "remove", "path": path}}}
	}
	for _, tc := range []struct {
		name, method, path string
		body               any
		code               int
		detail             string
	}{
		{"members.$ref", "GET", "/Groups?filter=" + url.QueryEscape(`members.$ref pr`), nil, 400, `"members.$ref" cannot be used in a filter`},
		{"members.$REF", "GET", "/Groups?filter=" + url.QueryEscape(`members.$REF co "Users"`), nil, 400, "use members.value instead"},
		{"in a value filter", "GET", "/Groups?filter=" + url.QueryEscape(`members[$ref pr]`), nil, 400, `"members.$ref" cannot be used`},
		{"in a value filter, another case", "GET", "/Groups?filter=" + url.QueryEscape(`members[$REF pr]`), nil, 400, `"members.$ref" cannot be used`},
		{"under not", "POST", "/Groups/.search", map[string]any{"filter": `not (members.$ref pr)`}, 400, "$ref"},
		{"groups.$ref", "GET", "/Users?filter=" + url.QueryEscape(`groups.$ref pr`), nil, 400, `"groups.$ref" cannot be used`},
		{"manager.$ref", "GET", "/Users?filter=" + url.QueryEscape(resources.EnterpriseUserSchema+`:manager.$ref pr`), nil, 400, `"` + resources.EnterpriseUserSchema + `:manager.$ref" cannot be used`},
		{"root query", "GET", "/?filter=" + url.QueryEscape(`members.$ref pr`), nil, 400, "$ref"},
		{"PATCH path filter", "PATCH", "/Groups/" + gid, patch(`members[$ref pr]`), 400, `filter on members: "members.$ref" cannot be used in a filter or a sortBy: the server makes it`},
		{"a host extension's $ref", "GET", "/Users?filter=" + url.QueryEscape(ext.ID+`:devices.$ref sw "https://devices."`), nil, 200, ""},
		{"a host extension's $ref in a value filter", "GET", "/Users?filter=" + url.QueryEscape(ext.ID+`:devices[$ref pr]`), nil, 200, ""},
		{"members.value", "GET", "/Groups?filter=" + url.QueryEscape(`members.value eq "`+uid+`"`), nil, 200, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do(tc.method, tc.path, tc.body)
			if tc.code == 400 {
				requireError(t, r, 400, "invalidFilter", tc.detail)
				return
			}
			require.Equal(t, 200, r.Code, r.Raw)
			assert.Equal(t, float64(1), r.Body["totalResults"], "the stored $ref is found")
		})
	}
	assert.Len(t, e.do("GET", "/Groups/"+gid, nil).Body["members"], 1, "nothing changed")
}

// TestCursorPageLongCursor: a nextCursor longer than the room a cursor
// page leaves for its head (a long sort value in the position) still
// gives a whole ListResponse, and the walk every user.
func TestCursorPageLongCursor(t *testing.T) {
	e := newEnv(t)
	for i := range 3 {
		e.createUser(fmt.Sprintf("long%d", i), map[string]any{"title": fmt.Sprint(i) + strings.Repeat("t", 700)})
	}
	var names []string
	cursor, longest := "", 0
	for range 5 {
		r := e.do("GET", "/Users?count=1&sortBy=title&cursor="+cursor, nil)
		require.Equal(t, 200, r.Code, r.Raw)
		names = append(names, resourceNames(r)...)
		next, _ := r.Body["nextCursor"].(string)
		longest = max(longest, len(next))
		if next == "" {
			break
		}
		cursor = next
	}
	assert.Equal(t, []string{"long0", "long1", "long2"}, names)
	assert.Greater(t, longest, 600, "the cursors are longer than the room left for them")
}

// TestRootQueryUnassignedAsDefined: across resource types, a comparison
// on an attribute one type lacks is decided as the defining type decides
// it for a resource without a value there. It was decided by hand
// (single-valued or not), which disagreed with the evaluator for a
// multi-valued sub-attribute of a single-valued complex attribute:
// badge.codes ne "a" found the user without a badge but not the group,
// which has no badge either.
func TestRootQueryUnassignedAsDefined(t *testing.T) {
	urn := "urn:example:acme:2.0:User"
	ext, err := resources.NewSchema(urn, "AcmeUser", "",
		&resources.Attribute{Name: "badge", Type: resources.TypeComplex, SubAttributes: []*resources.Attribute{
			{Name: "codes", Type: resources.TypeString, MultiValued: true}}},
		&resources.Attribute{Name: "tags", Type: resources.TypeString, MultiValued: true},
		&resources.Attribute{Name: "level", Type: resources.TypeString})
	require.NoError(t, err)
	model, err := resources.NewModel(resources.ModelConfig{UserExtensions: []*resources.Schema{ext}})
	require.NoError(t, err)
	db := memory.New(memory.WithModel(model))
	e := newEnv(t, func(c *scim.Config) { c.Users, c.Groups = db, db })
	e.createUser("badged", map[string]any{urn: map[string]any{"badge": map[string]any{"codes": []any{"a"}}, "tags": []any{"a"}, "level": "a"}})
	e.createUser("plain")
	e.createGroup("g")
	for _, tt := range []struct {
		filter string
		want   []string
	}{
		{urn + `:badge.codes ne "a"`, []string{"plain", "g"}},
		{urn + `:badge.codes eq "a"`, []string{"badged"}},
		{`not (` + urn + `:badge.codes ne "a")`, []string{"badged"}},
		{urn + `:tags ne "a"`, nil},
		{urn + `:level ne "a"`, []string{"plain", "g"}},
		{urn + `:level eq null`, []string{"plain", "g"}},
		{urn + `:badge pr`, []string{"badged"}},
	} {
		for _, r := range []*resp{
			e.do("POST", "/.search", map[string]any{"filter": tt.filter}),
			e.do("GET", "/?filter="+q(tt.filter), nil),
		} {
			require.Equal(t, 200, r.Code, "%s: %s", tt.filter, r.Raw)
			var got []string
			if len(tt.want) > 0 || r.Body["Resources"] != nil {
				got = resourceNames(r)
			}
			assert.Equal(t, tt.want, got, tt.filter)
		}
	}
}

// TestSearchQueryString: a POST /.search carries its query in the
// SearchRequest body (RFC 7644 §3.4.3). attributes and excludedAttributes
// in the URL apply to it, as to any request that returns resources (RFC
// 7644 §3.9), beside those of the body; a filter, sortBy, sortOrder,
// startIndex, count or cursor in the URL, which the search used to ignore
// (a lookup whose filter is ignored lists every user), is a 400 naming it.
func TestSearchQueryString(t *testing.T) {
	e := newEnv(t)
	seedUsers(e)
	body := map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:SearchRequest"}, "filter": `userName eq "alice@example.com"`}
	for _, path := range []string{"/Users/.search", "/.search"} {
		for _, tc := range []struct {
			query    string
			code     int
			scimType string
			keys     []string // of the one resource found
		}{
			{"", 200, "", nil},
			{"?attributes=userName", 200, "", []string{"id", "schemas", "userName"}},
			{"?ATTRIBUTES=userName", 200, "", []string{"id", "schemas", "userName"}},
			{"?excludedAttributes=emails,name,meta,title,active,displayName,externalId," + resources.EnterpriseUserSchema, 200, "", []string{"id", "schemas", "userName"}},
			{"?filter=" + q(`userName eq "bob@example.com"`), 400, "invalidFilter", nil},
			{"?Filter=" + q(`userName eq "bob@example.com"`), 400, "invalidFilter", nil},
			{"?count=1", 400, "invalidValue", nil},
			{"?startIndex=1", 400, "invalidValue", nil},
			{"?sortBy=userName", 400, "invalidValue", nil},
			{"?sortOrder=descending", 400, "invalidValue", nil},
			{"?cursor=", 400, "invalidValue", nil},
		} {
			t.Run(path+tc.query, func(t *testing.T) {
				r := e.do("POST", path+tc.query, body)
				if tc.code != 200 {
					requireError(t, r, tc.code, tc.scimType, "SearchRequest body")
					return
				}
				require.Equal(t, 200, r.Code, r.Raw)
				require.Equal(t, float64(1), r.Body["totalResults"], r.Raw)
				found := r.Body["Resources"].([]any)[0].(map[string]any)
				assert.Equal(t, "alice@example.com", found["userName"])
				if tc.keys != nil {
					assert.ElementsMatch(t, tc.keys, slices.Collect(maps.Keys(found)))
				}
			})
		}
	}
	both := e.do("POST", "/Users/.search?attributes=userName", map[string]any{"filter": `userName eq "alice@example.com"`, "attributes": []string{"title"}})
	require.Equal(t, 200, both.Code, both.Raw)
	assert.ElementsMatch(t, []string{"id", "schemas", "userName", "title"}, slices.Collect(maps.Keys(both.Body["Resources"].([]any)[0].(map[string]any))), "the URL's attributes beside the body's")
}

// TestSortBySchemas: sortBy takes the attributes a filter takes (RFC 7644
// §3.4.2.3: "the attribute whose value SHALL be used to order the
// returned responses"), "schemas" among them, which every resource holds
// though no schema defines it; it was refused as naming no attribute
// while filter=schemas eq ... worked. A multi-valued sortBy orders by the
// primary value or else the first: the core schema's URN, so across types
// the groups (urn:...:Group) come before the users, after them when
// descending. Every store answers alike. What sortBy still refuses and a
// filter takes is RFC 7644's own rule (a complex attribute without
// "value", e.g. name: sort by a sub-attribute) or a value no store sorts
// by (members, groups: kept apart from the resources).
func TestSortBySchemas(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		e.createUser("u1")
		e.createGroup("g1")
		e.createUser("u2")
		kinds := func(r *resp) []string {
			var out []string
			for _, res := range r.Body["Resources"].([]any) {
				out = append(out, res.(map[string]any)["meta"].(map[string]any)["resourceType"].(string))
			}
			return out
		}
		for _, tc := range []struct {
			query string
			want  []string
		}{
			{"/Users?sortBy=schemas", []string{"User", "User"}},
			{"/Users?sortBy=SCHEMAS&sortOrder=descending", []string{"User", "User"}},
			{"/Groups?sortBy=schemas", []string{"Group"}},
			{"/?sortBy=schemas", []string{"Group", "User", "User"}},
			{"/?sortBy=schemas&sortOrder=descending", []string{"User", "User", "Group"}},
			{"/Users?filter=" + url.QueryEscape(`schemas eq "urn:ietf:params:scim:schemas:core:2.0:User"`) + "&sortBy=schemas", []string{"User", "User"}},
		} {
			t.Run(tc.query, func(t *testing.T) {
				r := e.do("GET", tc.query, nil)
				require.Equal(t, http.StatusOK, r.Code, r.Raw)
				assert.Equal(t, tc.want, kinds(r), r.Raw)
			})
		}
		for _, tc := range []struct{ sortBy, detail string }{
			{"name", `sortBy "name" is complex; sort by one of its sub-attributes`},
			{"groups.value", `groups are kept apart from the resources`},
		} {
			t.Run("sortBy="+tc.sortBy+" refused", func(t *testing.T) {
				requireError(t, e.do("GET", "/Users?sortBy="+tc.sortBy, nil), http.StatusBadRequest, "invalidValue", tc.detail)
			})
		}
	})
}
