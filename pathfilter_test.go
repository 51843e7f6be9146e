package scim_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
