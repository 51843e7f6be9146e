package scim_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
