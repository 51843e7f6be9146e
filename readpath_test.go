package scim

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store/query"
)

// TestNameLookup: the filters checkFilter leaves uncompiled are lookups
// by the resource type's unique name and nothing else, and each of them
// compiles: nothing is let through that the evaluator would refuse.
func TestNameLookup(t *testing.T) {
	users, groups := resources.NewUserType(), resources.NewGroupType()
	for _, c := range []struct {
		rt     *resources.ResourceType
		filter string
		want   bool
	}{
		{users, `userName eq "bjensen@example.com"`, true},
		{users, `USERNAME eq "bjensen"`, true},
		{users, `urn:ietf:params:scim:schemas:core:2.0:User:userName eq "bjensen"`, true},
		{users, `userName EQ "bjensen"`, true},
		{users, `userName eq ""`, true},
		{users, `userName ne "bjensen"`, false},
		{users, `userName sw "b"`, false},
		{users, `userName eq null`, false},
		{users, `userName eq 5`, false},
		{users, `userName eq true`, false},
		{users, `userName.value eq "b"`, false},
		{users, `displayName eq "Babs"`, false},
		{users, `externalId eq "b"`, false},
		{users, `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:userName eq "b"`, false},
		{users, `userName eq "b" and active eq true`, false},
		{users, `not (userName eq "b")`, false},
		{groups, `displayName eq "Team"`, true},
		{groups, `userName eq "b"`, false},
		{groups, `members eq "b"`, false},
	} {
		e, err := filter.Parse(c.filter)
		require.NoError(t, err, c.filter)
		got := nameLookup(c.rt, e)
		assert.Equal(t, c.want, got, c.filter)
		if got {
			_, err := query.NewEvaluator(c.rt).Compile(e)
			assert.NoError(t, err, "%s: a name lookup must compile", c.filter)
		}
	}
}
