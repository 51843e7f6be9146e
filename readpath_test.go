package scim

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store/query"
)

// TestKeyLookup: the filters checkFilter leaves uncompiled are lookups
// by the resource type's unique name or by externalId and nothing else,
// and each of them compiles: nothing is let through that the evaluator
// would refuse, also in a model that leaves externalId out.
func TestKeyLookup(t *testing.T) {
	users, groups := resources.NewUserType(), resources.NewGroupType()
	subset, err := resources.NewModel(resources.ModelConfig{
		UserAttributes:  []string{"id", "meta", "userName", "active", "emails"},
		GroupAttributes: []string{"id", "meta", "displayName", "members"},
	})
	require.NoError(t, err)
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
		{users, `externalId eq "b"`, true},
		{users, `EXTERNALID eq "b"`, true},
		{users, `externalId eq 5`, false},
		{users, `externalId sw "b"`, false},
		{subset.User, `externalId eq "b"`, false},
		{subset.User, `userName eq "b"`, true},
		{subset.Group, `externalId eq "b"`, false},
		{subset.Group, `displayName eq "b"`, true},
		{users, `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:userName eq "b"`, false},
		{users, `userName eq "b" and active eq true`, false},
		{users, `not (userName eq "b")`, false},
		{groups, `displayName eq "Team"`, true},
		{groups, `userName eq "b"`, false},
		{groups, `members eq "b"`, false},
		{groups, `externalId eq "b"`, true},
	} {
		e, err := filter.Parse(c.filter)
		require.NoError(t, err, c.filter)
		got := keyLookup(c.rt, e)
		assert.Equal(t, c.want, got, c.filter)
		if _, err := query.NewEvaluator(c.rt).Compile(e); err != nil {
			assert.False(t, got, "%s does not compile in this model: %v", c.filter, err)
		}
		if got {
			_, err := query.NewEvaluator(c.rt).Compile(e)
			assert.NoError(t, err, "%s: a lookup let through must compile", c.filter)
		}
	}
}

// TestRequestPath: the request log's path is EscapedPath, "?" and the
// raw query, whether cut from RequestURI or put together.
func TestRequestPath(t *testing.T) {
	for _, c := range []struct{ uri, strip, want string }{
		{"/scim/v2/Users?filter=userName+eq+%22a%22", "/scim/v2", "/Users?filter=userName+eq+%22a%22"},
		{"/Users/a%2Fb?attributes=id", "", "/Users/a%2Fb?attributes=id"},
		{"/Users/x", "", "/Users/x"},
		{"/Users?", "", "/Users"},
		{"http://app.example.com/scim/v2/Groups?count=1", "/scim/v2", "/Groups?count=1"},
		{"/scim/v2/users?count=1", "/scim/v2", "/users?count=1"},
	} {
		r := httptest.NewRequest("GET", c.uri, nil)
		if c.strip != "" {
			r.URL.Path = strings.TrimPrefix(r.URL.Path, c.strip)
			r.URL.RawPath = strings.TrimPrefix(r.URL.RawPath, c.strip)
		}
		want := r.URL.EscapedPath()
		if r.URL.RawQuery != "" {
			want += "?" + r.URL.RawQuery
		}
		assert.Equal(t, c.want, want, c.uri)
		assert.Equal(t, want, requestPath(r), c.uri)
		// A URL the handler rewrote (canonicalPath) no longer ends the
		// RequestURI: put together.
		u := *r.URL
		u.Path = "/Other"
		r.URL = &u
		assert.Equal(t, "/Other"+strings.TrimPrefix(want, strings.SplitN(want, "?", 2)[0]), requestPath(r), c.uri)
	}
}
