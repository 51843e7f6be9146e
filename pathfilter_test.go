package scim_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
)

// TestFilterComparisonUnsupported: RFC 7644 §3.12 answers "the
// specified attribute and filter comparison combination is not
// supported" with invalidFilter, for a list's filter and for a PATCH
// path's value filter alike ("GET, POST (Search), PATCH (Path
// Filter)"). An ordering operator (gt, ge, lt, le) with true, false or
// null, or on a boolean attribute, is such a combination: both answer
// invalidFilter with the same detail, from one check, and the PATCH
// changes nothing.
func TestFilterComparisonUnsupported(t *testing.T) {
	e := newEnv(t)
	u := e.createUser("cmp", map[string]any{"emails": []any{map[string]any{"value": "a@example.com", "type": "work", "primary": true}}})
	id := u["id"].(string)
	tests := []struct {
		filter string // a value filter on emails
		detail string // in both answers
	}{
		{`emails[primary gt true]`, "'gt' cannot be used with true at offset 18 (gt, ge, lt and le compare strings, numbers and dates; compare with true, false or null by eq or ne)"},
		{`emails[primary LE false]`, "'LE' cannot be used with false"},
		{`emails[type ge null]`, "'ge' cannot be used with null"},
		{`emails[type lt true and value pr]`, "'lt' cannot be used with true"},
		{`emails[primary gt "a"]`, `"primary" is a boolean; only eq and ne apply, not gt`},
	}
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			list := e.do("GET", "/Users?filter="+q(tt.filter), nil)
			requireError(t, list, http.StatusBadRequest, "invalidFilter", tt.detail)
			_, want, _ := strings.Cut(list.str("detail"), "invalid filter: ")
			if want == "" {
				want = list.str("detail")
			}
			for _, path := range []string{tt.filter + ".value", tt.filter} {
				r := e.do("PATCH", "/Users/"+id, patchBody(op("replace", path, map[string]any{"value": "b@example.com"})))
				requireError(t, r, http.StatusBadRequest, "invalidFilter", want)
				require.Contains(t, r.str("detail"), fmt.Sprintf("path %q", path), "the detail names the operation's path")
			}
		})
	}
	got := e.do("GET", "/Users/"+id, nil)
	assert.Equal(t, u["meta"].(map[string]any)["version"], got.Body["meta"].(map[string]any)["version"], "no PATCH changed anything")
}

// TestPathFilterSyntax: RFC 7644 §3.12 gives invalidFilter for "The
// specified filter syntax was invalid" on "GET, POST (Search), PATCH
// (Path Filter)", and invalidPath for "The "path" attribute was invalid
// or malformed". A syntax error inside a PATCH path's brackets is the
// value filter's, answered as the same filter in a list is (with the
// same detail); one in the path around the brackets stays invalidPath.
// Strict mode's refusal of an unquoted value in the brackets is the
// filter's too. No PATCH changes anything.
func TestPathFilterSyntax(t *testing.T) {
	for _, strict := range []bool{false, true} {
		t.Run(fmt.Sprintf("strict=%v", strict), func(t *testing.T) {
			e := newEnv(t, func(c *scim.Config) { c.Strict = strict })
			u := e.createUser("syn", map[string]any{"emails": []any{map[string]any{"value": "a@example.com", "type": "work"}}})
			id := u["id"].(string)
			type pathCase struct {
				path     string
				scimType string
				detail   string
				list     bool // the same filter in a list answers invalidFilter with the detail
			}
			tests := []pathCase{
				{`emails[value gt ]`, "invalidFilter", "expected a value after 'gt' at offset 16", true},
				{`emails[type eq]`, "invalidFilter", "expected a value after 'eq' at offset 14", true},
				{`emails[type eq].value`, "invalidFilter", "expected a value after 'eq' at offset 14", false},
				{`emails[type xx "a"]`, "invalidFilter", "unknown operator 'xx' at offset 12", true},
				{`emails[type eq "work" foo]`, "invalidFilter", "expected ']' to close '['", true},
				// a '[' never closed, or closed on nothing, holds no value
				// filter: the path is malformed
				{`emails[type eq "work"`, "invalidPath", "expected ']' to close '['", true},
				{`emails[]`, "invalidPath", "at offset 7", true},
				{`emails[type eq "work" and]`, "invalidFilter", "at offset 25", true},
				{`emails[(type eq "work"]`, "invalidFilter", "expected ')' to close '('", true},
				{`emails[type eq "work]`, "invalidFilter", "at offset 15", true},
				{`emails[type eq "a" and members[value pr]]`, "invalidFilter", "value paths cannot be nested", true},
				// around the brackets: the path's own syntax
				{`emails.value[type eq "work"]`, "invalidPath", "a value filter cannot follow the sub-attribute path", false},
				{`emails[type eq "work"].`, "invalidPath", "at offset 23", false},
				{`emails[type eq "work"] x`, "invalidPath", "at offset 23", false},
				{`emails[type eq "work"].value.display`, "invalidPath", "at offset 28", false},
				{`emails..value`, "invalidPath", "at offset 7", false},
			}
			if strict {
				tests = append(tests,
					pathCase{`emails[type eq work]`, "invalidFilter", "string values must be quoted", true},
					pathCase{`emails[type eq work].value`, "invalidFilter", "string values must be quoted", false})
			}
			for _, tt := range tests {
				t.Run(tt.path, func(t *testing.T) {
					if tt.list {
						list := e.do("GET", "/Users?filter="+q(tt.path), nil)
						requireError(t, list, http.StatusBadRequest, "invalidFilter", tt.detail)
					}
					r := e.do("PATCH", "/Users/"+id, patchBody(op("replace", tt.path, "b@example.com")))
					requireError(t, r, http.StatusBadRequest, tt.scimType, tt.detail)
					require.Contains(t, r.str("detail"), fmt.Sprintf("path %q", tt.path), "the detail names the operation's path")
				})
			}
			got := e.do("GET", "/Users/"+id, nil)
			assert.Equal(t, u["meta"].(map[string]any)["version"], got.Body["meta"].(map[string]any)["version"], "no PATCH changed anything")
		})
	}
}

// TestPathFilterCreatesOnlyWhatItSelects: a PATCH add or replace whose
// value filter (an and of eq comparisons) matches no element creates one
// (IDP-QUIRKS.md: Entra's emails[type eq "work"].value for a user without
// a work email) only when the element it would create matches the filter;
// otherwise it is RFC 7644 §3.5.2.3's 400 noTarget, and the user is
// unchanged. Every store answers alike: the PATCH engine decides before
// any store sees the result.
func TestPathFilterCreatesOnlyWhatItSelects(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		for i, tc := range []struct {
			op, path string
			value    any
			emails   []any // after a 2xx; nil for a 400 noTarget
		}{
			{"replace", `emails[value eq "a@x.com"].value`, "b@x.com", nil},
			{"add", `emails[type eq "work" and value eq "a@x.com"]`, map[string]any{"value": "b@x.com"}, nil},
			{"replace", `emails[type eq "work"]`, map[string]any{"type": "home", "value": "h@x.com"}, nil},
			{"replace", `emails[type eq "work"].value`, "w@x.com", []any{map[string]any{"type": "work", "value": "w@x.com"}}},
			{"replace", `emails[value eq "a@x.com"].type`, "work", []any{map[string]any{"type": "work", "value": "a@x.com"}}},
		} {
			t.Run(tc.op+" "+tc.path, func(t *testing.T) {
				id := e.createUser(fmt.Sprintf("u%d", i))["id"].(string)
				before := e.do("GET", "/Users/"+id, nil)
				r := e.do("PATCH", "/Users/"+id, map[string]any{
					"schemas":    []any{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
					"Operations": []any{map[string]any{"op": tc.op, "path": tc.path, "value": tc.value}},
				})
				if tc.emails == nil {
					requireError(t, r, http.StatusBadRequest, "noTarget", "no value of emails matches the filter, nor would the value the operation creates")
					assert.Equal(t, before.Raw, e.do("GET", "/Users/"+id, nil).Raw, "nothing changed")
					return
				}
				require.Equal(t, http.StatusOK, r.Code, r.Raw)
				assert.Equal(t, tc.emails, r.Body["emails"], r.Raw)
			})
		}
	})
}
