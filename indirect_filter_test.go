package scim_test

import (
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
)

// TestFilterOnIndirectGroups: a filter on groups sees the memberships a
// GET shows, indirect ones included (RFC 7644 §3.4.2.2, RFC 7643 §4.1.2),
// on every store, in /Users, in a root query across types and with
// groups excluded from the response; sortBy on groups and a PATCH of
// groups are refused as before.
func TestFilterOnIndirectGroups(t *testing.T) {
	for _, name := range []string{"memory", "sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			clock := &fuzzClock{}
			clock.set(fuzzAt(0))
			users, groups := openFuzzStore(t, name, clock)
			e := newEnv(t, func(c *scim.Config) { c.Users, c.Groups = users, groups })
			u := e.createUser("u")["id"].(string) // in A; in B through A
			w := e.createUser("w")["id"].(string) // in A and in B
			e.createUser("lonely")
			a := e.createGroup("A", u, w)["id"].(string)
			b := e.createGroup("B", a, w)["id"].(string)
			// a cycle: B is a member of A too
			r := e.do("PATCH", "/Groups/"+a, patchBody(op("add", "members", []any{map[string]any{"value": b}})))
			require.Contains(t, []int{200, 204}, r.Code, r.Raw)

			r = e.do("GET", "/Users/"+u, nil)
			require.Equal(t, 200, r.Code, r.Raw)
			assert.Equal(t, []any{
				map[string]any{"value": a, "display": "A", "type": "direct", "$ref": base + "/Groups/" + a},
				map[string]any{"value": b, "display": "B", "type": "indirect", "$ref": base + "/Groups/" + b},
			}, r.Body["groups"], "the GET the filters must agree with")

			names := func(r *resp) []string {
				t.Helper()
				require.Equal(t, 200, r.Code, r.Raw)
				out := []string{}
				for _, res := range r.Body["Resources"].([]any) {
					m := res.(map[string]any)
					n, _ := m["userName"].(string)
					if n == "" {
						n, _ = m["displayName"].(string)
					}
					out = append(out, n)
				}
				return out
			}
			for _, tc := range []struct {
				query string
				want  []string
			}{
				{"/Users?filter=" + q(`groups.value eq "`+b+`"`), []string{"u", "w"}},
				{"/Users?filter=" + q(`groups[value eq "`+b+`"]`), []string{"u", "w"}},
				{"/Users?filter=" + q(`groups[value eq "`+b+`" and type eq "indirect"]`), []string{"u"}},
				{"/Users?filter=" + q(`groups[value eq "`+b+`" and type eq "direct"]`), []string{"w"}},
				{"/Users?filter=" + q(`groups[type eq "indirect"]`), []string{"u"}}, // w is in A and B directly: direct wins
				{"/Users?filter=" + q(`groups.display co "B"`), []string{"u", "w"}},
				{"/Users?filter=" + q(`groups pr`), []string{"u", "w"}},
				{"/Users?filter=" + q(`groups[value eq "`+b+`" and type eq "indirect"]`) + "&excludedAttributes=groups", []string{"u"}},
				{"/Users?filter=" + q(`groups.value eq "`+b+`"`) + "&attributes=userName&sortBy=userName&sortOrder=descending", []string{"w", "u"}},
				{"/?filter=" + q(`groups[value eq "`+b+`" and type eq "indirect"]`), []string{"u"}},
				{"/?filter=" + q(`groups.value eq "`+b+`" or displayName eq "A"`), []string{"u", "w", "A"}},
			} {
				got := names(e.do("GET", tc.query, nil))
				assert.Equal(t, tc.want, got, "GET %s", tc.query)
			}
			r = e.do("GET", "/Users?filter="+q(`groups[value eq "`+b+`" and type eq "indirect"]`)+"&excludedAttributes=groups", nil)
			require.Equal(t, 200, r.Code, r.Raw)
			assert.NotContains(t, r.Body["Resources"].([]any)[0], "groups", "excludedAttributes=groups still leaves groups out")

			// Still refused: sorting by groups, and a PATCH of groups
			// through a filter on them (read-only); nothing changed.
			requireError(t, e.do("GET", "/Users?sortBy=groups.value", nil), 400, "invalidValue", "cannot order")
			requireError(t, e.do("PATCH", "/Users/"+u, patchBody(op("replace", `groups[type eq "indirect"].display`, "x"))), 400, "mutability", "groups")
			r = e.do("GET", "/Users?filter="+q(`groups.display eq "x"`), nil)
			assert.Empty(t, names(r))
			got := names(e.do("GET", "/Users?filter="+q(`groups.value eq "`+a+`"`), nil))
			sort.Strings(got)
			assert.Equal(t, []string{"u", "w"}, got)
		})
	}
}
