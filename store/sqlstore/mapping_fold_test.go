package sqlstore_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/resources"
)

// TestBridgeFoldedUserUpdate: the UPDATE the bridge folds into a user's
// write on PostgreSQL is the one onChange runs for the same attributes
// (the columns of those attributes only), after the store's item w,
// whichever set of columns was rendered before it: each set's text is
// built once and kept, and must not be served for another set.
func TestBridgeFoldedUserUpdate(t *testing.T) {
	bridge, err := hostTables(true, false).Bridge("postgres://localhost/x")
	require.NoError(t, err)
	u := &resources.User{ID: "u1", UserName: "a@example.com", Name: &resources.Name{GivenName: "A"}, Active: resources.Bool(true)}
	ph := regexp.MustCompile(`\$[0-9]+`)
	sets := [][]string{nil, {"userName"}, {"name"}, {"active"}, {"emails"}, {"userName", "active"},
		{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"}, {"NAME"}}
	first := make([]string, len(sets))
	for round := range 2 { // the second round reads what the first built
		for i, attrs := range sets {
			ctes, update := bridge.FoldUserUpdateForTest("acme", u, attrs)
			got := ph.ReplaceAllString(ctes, "$")
			want := ph.ReplaceAllString("host_updated AS ("+update+" AND EXISTS (SELECT 1 FROM w) RETURNING 1), ", "$")
			assert.True(t, strings.HasPrefix(got, want), "%v (round %d): %s\nwant the update %s", attrs, round, ctes, update)
			if round == 0 {
				first[i] = ctes
			} else {
				assert.Equal(t, first[i], ctes, "%v: the same text in both rounds", attrs)
			}
		}
	}
	_, all := bridge.FoldUserUpdateForTest("acme", u, nil)
	_, name := bridge.FoldUserUpdateForTest("acme", u, []string{"name"})
	assert.Contains(t, all, `"email"`)
	assert.NotContains(t, name, `"email"`, "a change of name writes its columns only")
}
