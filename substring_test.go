package scim_test

import (
	"context"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
)

// TestSubstringOperandBound: the co and ew operands of one filter are
// bounded together (Config.MaxSubstringBytes), on every path a filter
// reaches a store by and on every store. No store matches them in time
// linear in the stored value: SQLite's GLOB, PostgreSQL's LIKE and the
// memory store try the operand at each offset of each value, so one
// request's work grows with a value's length times the operand's (a
// 4,070-byte operand over 100 users of 16 KiB titles held SQLite and
// PostgreSQL past StoreTimeout, a 503, and the memory store's CPU for a
// minute). The value filters of attributes, which the handler tests on
// each resource of a page, are bounded together as well. A refused filter
// reaches no store; sw, which compares a
// prefix, is not bounded beyond the filter's length.
func TestSubstringOperandBound(t *testing.T) {
	at := func(n int) string { return strings.Repeat("a", n-1) + "b" }
	max := scim.DefaultMaxSubstringBytes
	for name, open := range modelStores(nil) {
		t.Run(name, func(t *testing.T) {
			users, groups := open(t)
			var mu sync.Mutex
			calls := 0
			e := newEnv(t, func(c *scim.Config) {
				c.Users, c.Groups = users, groups
				c.Observe = func(_ context.Context, s scim.RequestStats) {
					mu.Lock()
					defer mu.Unlock()
					calls = s.StoreCalls
				}
			})
			e.createUser("victim", map[string]any{"title": strings.Repeat("a", 2*max)})
			q := func(path, f string) string { return path + "?filter=" + url.QueryEscape(f) }
			search := func(f string) map[string]any {
				return map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:SearchRequest"}, "filter": f}
			}
			for _, tc := range []struct {
				name, method, path string
				body               any
				code               int
			}{
				{"co over", "GET", q("/Users", `title co "`+at(max+1)+`"`), nil, 400},
				{"ew over", "GET", q("/Users", `title ew "`+at(max+1)+`"`), nil, 400},
				{"co on a unique name", "GET", q("/Users", `userName co "`+at(max+1)+`"`), nil, 400},
				{"co in a value path", "GET", q("/Users", `emails[value co "`+at(max+1)+`"]`), nil, 400},
				{"two together over", "GET", q("/Users", `title co "`+at(max/2+1)+`" or title ew "`+at(max/2)+`"`), nil, 400},
				{"under not", "GET", q("/Users", `not (title co "`+at(max+1)+`")`), nil, 400},
				{"groups", "GET", q("/Groups", `displayName co "`+at(max+1)+`"`), nil, 400},
				{"across types", "GET", q("/", `displayName ew "`+at(max+1)+`"`), nil, 400},
				{".search", "POST", "/Users/.search", search(`title co "` + at(max+1) + `"`), 400},
				{"root .search", "POST", "/.search", search(`title co "` + at(max+1) + `"`), 400},
				{"cursor walk", "GET", q("/Users", `title co "`+at(max+1)+`"`) + "&cursor=", nil, 400},
				{"attributes' value filters together", "GET", "/Users?attributes=" + url.QueryEscape(`emails[value co "`+at(max/2+1)+`"],phoneNumbers[value ew "`+at(max/2)+`"]`), nil, 400},
				{"co at the bound", "GET", q("/Users", `title co "`+at(max)+`"`), nil, 200},
				{"two together at the bound", "GET", q("/Users", `title co "`+at(max/2)+`" or title ew "`+at(max/2)+`"`), nil, 200},
				{"sw is not bounded", "GET", q("/Users", `title sw "`+at(4*max)+`"`), nil, 200},
				{"eq is not bounded", "GET", q("/Users", `title eq "`+at(4*max)+`"`), nil, 200},
			} {
				t.Run(tc.name, func(t *testing.T) {
					r := e.do(tc.method, tc.path, tc.body)
					if tc.code != 400 {
						require.Equal(t, tc.code, r.Code, r.Raw)
						return
					}
					requireError(t, r, 400, "invalidFilter", "co and ew operands are 129 bytes long together")
					assert.Contains(t, r.str("detail"), "at most 128 bytes", r.Raw)
					mu.Lock()
					defer mu.Unlock()
					assert.Zero(t, calls, "a refused filter reaches no store")
				})
			}
		})
	}
}

// TestSubstringOperandBoundConfigured: Config.MaxSubstringBytes moves
// the bound.
func TestSubstringOperandBoundConfigured(t *testing.T) {
	e := newEnv(t, func(c *scim.Config) { c.MaxSubstringBytes = 8 })
	e.createUser("abcdefgh")
	r := e.do("GET", "/Users?filter="+url.QueryEscape(`userName co "abcdefgh"`), nil)
	require.Equal(t, 200, r.Code, r.Raw)
	assert.Equal(t, float64(1), r.Body["totalResults"])
	r = e.do("GET", "/Users?filter="+url.QueryEscape(`userName co "abcdefghi"`), nil)
	requireError(t, r, 400, "invalidFilter", "at most 8 bytes")
}
