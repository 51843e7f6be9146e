package scim_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/internal/clocktest"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/memory"
	"github.com/scimkit/scim/tokens"
)

// walk follows nextCursor from an empty cursor and returns the userNames
// (or displayNames) of every page, and the number of pages.
func walk(t *testing.T, e *env, method, path string, params url.Values, attr string) ([]string, int) {
	t.Helper()
	var names []string
	cursor := ""
	for pages := 1; pages < 1000; pages++ {
		var r *resp
		if method == "GET" {
			v := url.Values{}
			for k, vs := range params {
				v[k] = vs
			}
			v.Set("cursor", cursor)
			r = e.do("GET", path+"?"+v.Encode(), nil)
		} else {
			body := map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:SearchRequest"}, "cursor": cursor}
			for k, vs := range params {
				body[k] = vs[0]
				if k == "count" {
					body[k] = mustAtoi(t, vs[0])
				}
			}
			r = e.do("POST", path, body)
		}
		require.Equal(t, http.StatusOK, r.Code, r.Raw)
		require.NotContains(t, r.Body, "startIndex", "a cursor page has no startIndex")
		res, _ := r.Body["Resources"].([]any)
		require.Equal(t, float64(len(res)), r.Body["itemsPerPage"])
		for _, x := range res {
			m := x.(map[string]any)
			n, _ := m[attr].(string)
			if n == "" {
				n, _ = m["displayName"].(string)
			}
			names = append(names, n)
		}
		next := r.str("nextCursor")
		if next == "" {
			require.NotContains(t, r.Body, "nextCursor")
			return names, pages
		}
		for _, c := range next {
			require.True(t, strings.ContainsRune("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~", c), "cursor %q must hold only RFC 3986 unreserved characters", next)
		}
		cursor = next
	}
	t.Fatal("the walk does not end")
	return nil, 0
}

func mustAtoi(t *testing.T, s string) int {
	n := 0
	for _, c := range s {
		require.True(t, c >= '0' && c <= '9')
		n = n*10 + int(c-'0')
	}
	return n
}

func TestCursorWalks(t *testing.T) {
	e := newEnv(t)
	for _, n := range []string{"carol", "alice", "erin", "bob", "dave"} {
		e.createUser(n)
	}
	e.createGroup("admins")
	e.createGroup("staff")
	tests := []struct {
		name, method, path string
		params             url.Values
		want               []string
		pages              int
	}{
		{"creation order", "GET", "/Users", url.Values{"count": {"2"}}, []string{"carol", "alice", "erin", "bob", "dave"}, 3},
		{"sorted", "GET", "/Users", url.Values{"count": {"2"}, "sortBy": {"userName"}}, []string{"alice", "bob", "carol", "dave", "erin"}, 3},
		{"sorted descending, filtered", "GET", "/Users", url.Values{"count": {"2"}, "sortBy": {"userName"}, "sortOrder": {"descending"}, "filter": {`userName ne "bob"`}}, []string{"erin", "dave", "carol", "alice"}, 2},
		{"one page", "GET", "/Users", url.Values{"count": {"10"}}, []string{"carol", "alice", "erin", "bob", "dave"}, 1},
		{"nothing matches", "GET", "/Users", url.Values{"filter": {`userName eq "nobody"`}}, nil, 1},
		{"search", "POST", "/Users/.search", url.Values{"count": {"3"}, "sortBy": {"userName"}}, []string{"alice", "bob", "carol", "dave", "erin"}, 2},
		{"groups", "GET", "/Groups", url.Values{"count": {"1"}}, []string{"admins", "staff"}, 2},
		{"root search spans users and groups", "POST", "/.search", url.Values{"count": {"3"}}, []string{"carol", "alice", "erin", "bob", "dave", "admins", "staff"}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, pages := walk(t, e, tt.method, tt.path, tt.params, "userName")
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.pages, pages)
		})
	}
}

// TestCursorWalkUnderWrites deletes and creates users between the pages
// of a walk: the users that stayed come exactly once, in order.
func TestCursorWalkUnderWrites(t *testing.T) {
	e := newEnv(t)
	ids := map[string]string{}
	for _, n := range []string{"u01", "u02", "u03", "u04", "u05", "u06", "u07", "u08"} {
		ids[n] = e.createUser(n)["id"].(string)
	}
	r := e.do("GET", "/Users?count=3&sortBy=userName&cursor=", nil)
	require.Equal(t, 200, r.Code, r.Raw)
	got := userNames(r)
	require.Equal(t, []string{"u01", "u02", "u03"}, got)
	// delete the last user returned and one not yet returned, add one
	// before and one after the position
	require.Equal(t, 204, e.do("DELETE", "/Users/"+ids["u03"], nil).Code)
	require.Equal(t, 204, e.do("DELETE", "/Users/"+ids["u05"], nil).Code)
	e.createUser("u00")
	e.createUser("u09")
	for next := r.str("nextCursor"); next != ""; next = r.str("nextCursor") {
		r = e.do("GET", "/Users?count=3&sortBy=userName&cursor="+next, nil)
		require.Equal(t, 200, r.Code, r.Raw)
		got = append(got, userNames(r)...)
	}
	assert.Equal(t, []string{"u01", "u02", "u03", "u04", "u06", "u07", "u08", "u09"}, got)
}

func TestCursorErrors(t *testing.T) {
	clk := clocktest.New(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	e := newEnv(t, func(c *scim.Config) { c.Now = clk.Now; c.CursorTimeout = time.Minute })
	for _, n := range []string{"a", "b", "c"} {
		e.createUser(n)
	}
	first := e.do("GET", "/Users?count=1&filter="+q(`userName pr`)+"&cursor=", nil)
	require.Equal(t, 200, first.Code, first.Raw)
	c := first.str("nextCursor")
	require.NotEmpty(t, c)
	idCursor := e.do("GET", "/Users?count=1&filter="+q(`id pr`)+"&cursor=", nil).str("nextCursor")
	require.NotEmpty(t, idCursor)
	// flip changes the character at i of s (its ciphertext in the
	// middle, its authentication tag near the end).
	flip := func(s string, i int) string {
		b := []byte(s)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}
	payload, tag := flip(c, len(c)/2), flip(c, len(c)-3)
	other, _, err := e.toks.Generate(context.Background(), tokens.GenerateOptions{Name: "other", TenantID: "acme"})
	require.NoError(t, err)

	tests := []struct {
		name, path, scimType, detail string
		hdr                          []string
	}{
		{"tampered payload", "/Users?count=1&filter=" + q(`userName pr`) + "&cursor=" + payload, "invalidCursor", "altered", nil},
		{"tampered tag", "/Users?count=1&filter=" + q(`userName pr`) + "&cursor=" + tag, "invalidCursor", "altered", nil},
		{"garbage", "/Users?cursor=" + url.QueryEscape("'; DROP TABLE scim_users; --"), "invalidCursor", "malformed", nil},
		{"another filter", "/Users?count=1&filter=" + q(`userName eq "a"`) + "&cursor=" + c, "invalidCursor", "another filter", nil},
		{"another sort", "/Users?count=1&filter=" + q(`userName pr`) + "&sortBy=userName&cursor=" + c, "invalidCursor", "another filter", nil},
		{"another resource type", "/Groups?count=1&filter=" + q(`id pr`) + "&cursor=" + idCursor, "invalidCursor", "", nil},
		{"another tenant", "/Users?count=1&filter=" + q(`userName pr`) + "&cursor=" + c, "invalidCursor", "tenant", []string{"Authorization: Bearer " + other}},
		{"startIndex with cursor", "/Users?startIndex=2&cursor=" + c, "invalidValue", "startIndex and cursor", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do("GET", tt.path, nil, tt.hdr...)
			requireError(t, r, http.StatusBadRequest, tt.scimType, tt.detail)
		})
	}

	t.Run("expired", func(t *testing.T) {
		clk.Advance(61 * time.Second)
		r := e.do("GET", "/Users?count=1&filter="+q(`userName pr`)+"&cursor="+c, nil)
		requireError(t, r, http.StatusBadRequest, "expiredCursor", "expired")
		// a tampered expired cursor is invalid, not expired: the tag comes first
		r = e.do("GET", "/Users?count=1&filter="+q(`userName pr`)+"&cursor="+payload, nil)
		requireError(t, r, http.StatusBadRequest, "invalidCursor", "")
	})

	t.Run("a cursor outlives its handler only with a shared key", func(t *testing.T) {
		key := []byte(strings.Repeat("k", 32))
		a := newEnv(t, func(c *scim.Config) { c.CursorKey = key })
		a.createUser("x")
		a.createUser("y")
		next := a.do("GET", "/Users?count=1&cursor=", nil).str("nextCursor")
		b := newEnv(t, func(c *scim.Config) { c.CursorKey = key; c.Users, c.Groups, c.Tokens = a.db, a.db, a.toks })
		b.token = a.token
		require.Equal(t, 200, b.do("GET", "/Users?count=1&cursor="+next, nil).Code)
		other := newEnv(t, func(c *scim.Config) { c.Users, c.Groups, c.Tokens = a.db, a.db, a.toks })
		other.token = a.token
		requireError(t, other.do("GET", "/Users?count=1&cursor="+next, nil), http.StatusBadRequest, "invalidCursor", "")
	})

	_, err = scim.NewHandler(scim.Config{Users: e.db, InsecureNoAuth: true, CursorKey: []byte("short")})
	require.ErrorContains(t, err, "CursorKey")
}

// indexOnly is a user store without store.UserCursorLister.
type indexOnly struct{ store.UserStore }

func TestPaginationAdvertised(t *testing.T) {
	t.Run("cursor with a store that pages by position", func(t *testing.T) {
		e := newEnv(t, func(c *scim.Config) { c.CursorTimeout = 90 * time.Second; c.DefaultPageSize = 50; c.MaxPageSize = 200 })
		p := e.do("GET", "/ServiceProviderConfig", nil).Body["pagination"]
		assert.Equal(t, map[string]any{"cursor": true, "index": true, "defaultPaginationMethod": "index", "defaultPageSize": float64(50), "maxPageSize": float64(200), "cursorTimeout": float64(90)}, p)
	})
	t.Run("index only otherwise", func(t *testing.T) {
		e := newEnv(t)
		e2 := newEnv(t, func(c *scim.Config) { c.Users = indexOnly{e.db}; c.Groups = nil; c.Tokens = e.toks })
		e2.token = e.token
		p := e2.do("GET", "/ServiceProviderConfig", nil).Body["pagination"].(map[string]any)
		assert.Equal(t, false, p["cursor"])
		assert.Equal(t, true, p["index"])
		assert.NotContains(t, p, "cursorTimeout")
		requireError(t, e2.do("GET", "/Users?cursor=", nil), http.StatusBadRequest, "invalidValue", "by index only")
		assert.Equal(t, 200, e2.do("GET", "/Users?startIndex=1", nil).Code)
	})
}

// TestCursorWalkSortedByLongValues: a cursor carries the sort value of the
// last item of its page, escaped and encoded twice; a walk sorted by an
// attribute whose values are as long as Config.MaxValueBytes allows (and
// made of characters JSON escapes) must still take the cursors it gives.
func TestCursorWalkSortedByLongValues(t *testing.T) {
	e := newEnv(t)
	long := strings.Repeat("<", scim.DefaultMaxValueBytes-1)
	for _, s := range []string{"c", "a", "b"} {
		r := e.do("POST", "/Users", map[string]any{"userName": s, "title": long + s})
		require.Equal(t, http.StatusCreated, r.Code, r.Raw)
	}
	got, pages := walk(t, e, "POST", "/Users/.search", url.Values{"count": {"1"}, "sortBy": {"title"}, "attributes": {"userName"}}, "userName")
	assert.Equal(t, []string{"a", "b", "c"}, got)
	assert.Equal(t, 3, pages)
}

// emptyMoreStore is a memory store whose cursor pages after the first one
// break store.CursorPage's contract: no items, yet More.
type emptyMoreStore struct{ *memory.Store }

func (s emptyMoreStore) ListUsersAfter(ctx context.Context, q store.Query, after string) (store.CursorPage[*resources.User], error) {
	if after != "" && q.Count > 0 {
		return store.CursorPage[*resources.User]{More: true}, nil
	}
	return s.Store.ListUsersAfter(ctx, q, after)
}

func (s emptyMoreStore) ListGroupsAfter(ctx context.Context, q store.Query, after string) (store.CursorPage[*resources.Group], error) {
	if after != "" && q.Count > 0 {
		return store.CursorPage[*resources.Group]{More: true}, nil
	}
	return s.Store.ListGroupsAfter(ctx, q, after)
}

// TestCursorWalkStoreStuck: a store page with no items that says More
// gives the walk no position to go on from; a nextCursor from the same
// position would send a client round the same page for ever. The handler
// answers a 500 (the store's defect, logged) rather than a page that
// claims to go on, or one that claims the walk ended when it did not. A
// page of count=0 has no items and More by design, and is answered.
func TestCursorWalkStoreStuck(t *testing.T) {
	e := newEnv(t)
	e.h = newEnv(t, func(c *scim.Config) {
		c.Users, c.Groups, c.Tokens, c.Logger = emptyMoreStore{e.db}, emptyMoreStore{e.db}, e.toks, slog.New(slog.NewJSONHandler(e.logs, nil))
	}).h
	for _, n := range []string{"a", "b", "c"} {
		e.createUser(n)
		e.createGroup("g" + n)
	}
	search := func(extra string) string {
		return `{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"count":2` + extra + `,"cursor":"%s"}`
	}
	tests := []struct {
		name, method, path, body string
	}{
		{"users", "GET", "/Users?count=2&cursor=%s", ""},
		{"groups", "GET", "/Groups?count=2&cursor=%s", ""},
		{"users search", "POST", "/Users/.search", search("")},
		{"root, users then groups", "POST", "/.search", search("")},
		{"root sorted across types", "GET", "/?sortBy=displayName&count=2&cursor=%s", ""},
		{"root search sorted across types", "POST", "/.search", search(`,"sortBy":"displayName"`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.logs.Reset()
			cursor := ""
			for page := 1; ; page++ {
				require.Less(t, page, 4, "the walk does not end")
				path, body := tt.path, any(nil)
				if tt.method == "GET" {
					path = strings.Replace(path, "%s", url.QueryEscape(cursor), 1)
				} else {
					body = strings.Replace(tt.body, "%s", cursor, 1)
				}
				r := e.do(tt.method, path, body)
				if r.Code == http.StatusOK {
					cursor = r.str("nextCursor")
					require.NotEmpty(t, cursor, "page %d ended a walk the store says goes on: %s", page, r.Raw)
					continue
				}
				requireError(t, r, http.StatusInternalServerError, "", "")
				assert.Contains(t, e.logs.String(), "no items but More")
				return
			}
		})
	}
	t.Run("count=0", func(t *testing.T) {
		r := e.do("GET", "/Users?count=0&cursor=", nil)
		require.Equal(t, http.StatusOK, r.Code, r.Raw)
		r = e.do("GET", "/Users?count=0&cursor="+r.str("nextCursor"), nil)
		require.Equal(t, http.StatusOK, r.Code, r.Raw)
		assert.Equal(t, float64(0), r.Body["itemsPerPage"])
	})
}
