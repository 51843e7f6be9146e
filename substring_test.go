package scim_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
)

// nearMiss is an operand of n bytes that a value of only a's nearly
// matches at every offset: the worst case of trying it at each.
func nearMiss(n int) string { return strings.Repeat("a", n-1) + "b" }

// TestSubstringOperandBound: the co operands of one filter are bounded
// together (Config.MaxSubstringBytes), on every path a filter reaches a
// store by and on every store. Neither database's search is linear in
// the stored value in its worst case (SQLite's instr and PostgreSQL's
// strpos may compare the operand at each offset of each value), so one
// request's work grows with a value's length times the operand's (a
// 4,070-byte operand over 100 users of 16 KiB titles held SQLite and
// PostgreSQL past StoreTimeout, a 503). The value filters of
// attributes, which the handler tests on each resource of a page, are
// bounded together as well. A refused filter reaches no store. ew and
// sw, which every store compares with the value's end and start in time
// linear in the value, are not bounded beyond the filter's length, and
// find what they name past the bound.
func TestSubstringOperandBound(t *testing.T) {
	at := nearMiss
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
				{"co on a unique name", "GET", q("/Users", `userName co "`+at(max+1)+`"`), nil, 400},
				{"co in a value path", "GET", q("/Users", `emails[value co "`+at(max+1)+`"]`), nil, 400},
				{"two together over", "GET", q("/Users", `title co "`+at(max/2+1)+`" or title co "`+at(max/2)+`"`), nil, 400},
				{"under not", "GET", q("/Users", `not (title co "`+at(max+1)+`")`), nil, 400},
				{"groups", "GET", q("/Groups", `displayName co "`+at(max+1)+`"`), nil, 400},
				{"across types", "GET", q("/", `displayName co "`+at(max+1)+`"`), nil, 400},
				{".search", "POST", "/Users/.search", search(`title co "` + at(max+1) + `"`), 400},
				{"root .search", "POST", "/.search", search(`title co "` + at(max+1) + `"`), 400},
				{"cursor walk", "GET", q("/Users", `title co "`+at(max+1)+`"`) + "&cursor=", nil, 400},
				{"attributes' value filters together", "GET", "/Users?attributes=" + url.QueryEscape(`emails[value co "`+at(max/2+1)+`"],phoneNumbers[value co "`+at(max/2)+`"]`), nil, 400},
				{"co at the bound", "GET", q("/Users", `title co "`+at(max)+`"`), nil, 200},
				{"two together at the bound", "GET", q("/Users", `title co "`+at(max/2)+`" or title co "`+at(max/2)+`"`), nil, 200},
				{"sw is not bounded", "GET", q("/Users", `title sw "`+at(4*max)+`"`), nil, 200},
				{"eq is not bounded", "GET", q("/Users", `title eq "`+at(4*max)+`"`), nil, 200},
				{"ew is not bounded", "GET", q("/Users", `title ew "`+at(4*max)+`"`), nil, 200},
				{"ew beside co at the bound", "GET", q("/Users", `title co "`+at(max)+`" or title ew "`+at(4*max)+`"`), nil, 200},
				{"ew in attributes' value filters", "GET", "/Users?attributes=" + url.QueryEscape(`emails[value co "`+at(max)+`"],phoneNumbers[value ew "`+at(4*max)+`"]`), nil, 200},
			} {
				t.Run(tc.name, func(t *testing.T) {
					r := e.do(tc.method, tc.path, tc.body)
					if tc.code != 400 {
						require.Equal(t, tc.code, r.Code, r.Raw)
						return
					}
					requireError(t, r, 400, "invalidFilter", "co operands are 129 bytes long together")
					assert.Contains(t, r.str("detail"), "at most 128 bytes", r.Raw)
					mu.Lock()
					defer mu.Unlock()
					assert.Zero(t, calls, "a refused filter reaches no store")
				})
			}
			for _, f := range []string{`title ew "` + strings.Repeat("a", 2*max) + `"`, `title sw "` + strings.Repeat("a", 2*max) + `"`} {
				r := e.do("GET", q("/Users", f), nil)
				require.Equal(t, 200, r.Code, r.Raw)
				assert.Equal(t, float64(1), r.Body["totalResults"], "%s, an operand past the bound, finds the user it names", f[:8])
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

// TestPatchSubstringOperandBound: the co operands of a PATCH's
// value filters (paths and no-path value keys) are bounded together by
// Config.MaxSubstringBytes, as a list's filter is. The PATCH engine tests
// such a filter on every value of the attribute, trying the operand at
// each offset: one operation with a 4,001-byte co operand over 20 roles
// of 16,000 bytes ran 6 s of CPU before answering 400 noTarget, and a
// body holds two hundred such operations. The refused PATCH changes
// nothing.
func TestPatchSubstringOperandBound(t *testing.T) {
	at := nearMiss
	max := scim.DefaultMaxSubstringBytes
	for name, open := range modelStores(nil) {
		t.Run(name, func(t *testing.T) {
			users, groups := open(t)
			e := newEnv(t, func(c *scim.Config) { c.Users, c.Groups = users, groups })
			roles := []map[string]any{}
			for i := range 3 {
				roles = append(roles, map[string]any{"value": strings.Repeat("a", 2*max) + fmt.Sprint(i), "type": "t"})
			}
			id := e.createUser("victim", map[string]any{"roles": roles})["id"].(string)
			gid := e.createGroup("grp", id)["id"].(string)
			before := e.do("GET", "/Users/"+id, nil)
			ops := func(ops ...string) string {
				return `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[` + strings.Join(ops, ",") + `]}`
			}
			replace := func(path string) string {
				return `{"op":"replace","path":"` + path + `","value":"x"}`
			}
			for _, tc := range []struct {
				name, path, body string
				code             int
			}{
				{"co in a path", "/Users/" + id, ops(replace(`roles[value co \"` + at(max+1) + `\"].type`)), 400},
				{"two operations together", "/Users/" + id, ops(replace(`roles[value co \"`+strings.Repeat("a", max/2+1)+`\"].type`), replace(`roles[value co \"`+strings.Repeat("a", max/2)+`\"].type`)), 400},
				{"a no-path key", "/Users/" + id, ops(`{"op":"replace","value":{"roles[value co \"` + at(max+1) + `\"].type":"x"}}`), 400},
				{"a group's members", "/Groups/" + gid, ops(`{"op":"remove","path":"members[display co \"` + at(max+1) + `\"]"}`), 400},
				{"at the bound", "/Users/" + id, ops(replace(`roles[value co \"` + strings.Repeat("a", max) + `\"].type`)), 200},
				{"sw is not bounded", "/Users/" + id, ops(replace(`roles[value sw \"` + strings.Repeat("a", 2*max) + `\"].type`)), 200},
				{"ew is not bounded", "/Users/" + id, ops(replace(`roles[value ew \"` + strings.Repeat("a", 2*max) + `2\"].type`)), 200},
			} {
				t.Run(tc.name, func(t *testing.T) {
					r := e.do("PATCH", tc.path, tc.body)
					if tc.code != 400 {
						require.Equal(t, tc.code, r.Code, r.Raw)
						return
					}
					requireError(t, r, 400, "invalidFilter", "co operands of this PATCH's value filters are 129 bytes long together")
					assert.Contains(t, r.str("detail"), "at most 128 bytes", r.Raw)
					assert.Equal(t, before.Raw, e.do("GET", "/Users/"+id, nil).Raw, "the refused PATCH changed nothing")
				})
			}
		})
	}
}
