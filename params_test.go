package scim_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestQueryParameterSpelling: RFC 7644 §3.4.2 and §3.9 name the query
// parameters filter, sortBy, sortOrder, startIndex, count, attributes and
// excludedAttributes. A client that spells one in another letter case
// ("Filter", "startindex") had it dropped in silence: a lookup by
// Filter=userName eq "b" listed every user, and a provider taking the
// first result would link the wrong account. Such a name is taken as the
// RFC's, with a warning, in both modes (it changes no data, as an
// endpoint's spelling does not); given in two spellings, it is given
// twice, and two different values are a 400.
func TestQueryParameterSpelling(t *testing.T) {
	for _, tc := range []struct {
		path     string
		code     int
		strict   int // status in strict mode, when not code
		scimType string
		detail   string
		// users are the userNames a list returns, in order; keys are the
		// attributes of a single read.
		users    []string
		keys     []string
		warnings []string
	}{
		{path: `/Users?Filter=userName+eq+"b"`, code: 200, users: []string{"b"},
			warnings: []string{`query parameter "Filter" taken as "filter"`}},
		{path: `/Users?FILTER=userName+eq+"c"&attributes=userName`, code: 200, users: []string{"c"},
			warnings: []string{`query parameter "FILTER" taken as "filter"`}},
		{path: `/Users?startindex=2&Count=1&sortBy=userName`, code: 200, users: []string{"b"},
			warnings: []string{`query parameter "Count" taken as "count"`, `query parameter "startindex" taken as "startIndex"`}},
		{path: `/Users?SortBy=userName&SORTORDER=descending`, code: 200, users: []string{"c", "b", "a"},
			warnings: []string{`query parameter "SORTORDER" taken as "sortOrder"`, `query parameter "SortBy" taken as "sortBy"`}},
		{path: `/Users?filter=userName+eq+"a"&Attributes=userName`, code: 200, users: []string{"a"}, keys: []string{"id", "schemas", "userName"},
			warnings: []string{`query parameter "Attributes" taken as "attributes"`}},
		{path: `/Users?filter=userName+eq+"a"&excludedattributes=meta,active`, code: 200, users: []string{"a"}, keys: []string{"id", "schemas", "userName"},
			warnings: []string{`query parameter "excludedattributes" taken as "excludedAttributes"`}},
		{path: `/Users/{a}?ATTRIBUTES=userName`, code: 200, keys: []string{"id", "schemas", "userName"},
			warnings: []string{`query parameter "ATTRIBUTES" taken as "attributes"`}},
		{path: `/Users?filter=userName+eq+"a"&Filter=userName+eq+"b"`, code: 400, scimType: "invalidFilter",
			detail: `filter is given 2 times with different values ("userName eq \"a\"", "userName eq \"b\"")`},
		{path: `/Users?filter=userName+eq+"a"&Filter=userName+eq+"a"`, code: 200, strict: 400, scimType: "invalidFilter", users: []string{"a"},
			warnings: []string{`query parameter "Filter" taken as "filter"`, "filter given 2 times with one value"}},
		{path: `/Schemas?Filter=id+eq+"x"`, code: 403},
		{path: `/ServiceProviderConfig?fIlTeR=x`, code: 403},
		{path: `/Users?filters=userName+eq+"a"&attributes=userName`, code: 200, users: []string{"a", "b", "c"}}, // another name: not ours
	} {
		t.Run(tc.path, func(t *testing.T) {
			for _, strict := range []bool{false, true} {
				e, last := loggedEnv(t, strict)
				ids := map[string]string{}
				for _, n := range []string{"a", "b", "c"} {
					ids[n] = e.createUser(n)["id"].(string)
				}
				path := tc.path
				if len(path) > 10 && path[:10] == "/Users/{a}" {
					path = "/Users/" + ids["a"] + path[10:]
				}
				r := e.do("GET", path, nil)
				want := tc.code
				if strict && tc.strict != 0 {
					want = tc.strict
				}
				require.Equal(t, want, r.Code, r.Raw)
				if want >= 400 {
					requireError(t, r, want, tc.scimType, tc.detail)
					continue
				}
				if tc.users != nil {
					var got []string
					for _, res := range r.Body["Resources"].([]any) {
						got = append(got, res.(map[string]any)["userName"].(string))
					}
					assert.Equal(t, tc.users, got)
				}
				if tc.keys != nil {
					res := r.Body
					if tc.users != nil {
						res = r.Body["Resources"].([]any)[0].(map[string]any)
					}
					var got []string
					for k := range res {
						got = append(got, k)
					}
					assert.ElementsMatch(t, tc.keys, got)
				}
				assert.Equal(t, tc.warnings, last()[0].Warnings)
			}
		})
	}
}
