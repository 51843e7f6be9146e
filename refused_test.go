package scim

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/resources"
)

// TestRefusedIn: of the paths a list's filter may not name, a $ref the
// server makes is refused before meta.location, and meta.location before
// a value never returned, wherever each stands in the filter and whether
// named directly or inside a value filter; the first of a kind is named.
func TestRefusedIn(t *testing.T) {
	rt := resources.DefaultModel().User
	for _, tc := range []struct{ filter, want string }{
		{`emails[type eq "work"] and name.givenName pr`, ""},
		{`name.givenName pr or password eq "x"`, `attribute "password" cannot be used in a filter`},
		{`password eq "x" or meta[location pr]`, `"meta.location" cannot be used in a filter`},
		{`meta.location pr and password eq "x"`, `"meta.location" cannot be used in a filter`},
		{`password eq "x" or meta.location pr or groups[$ref pr]`, `"groups.$ref" cannot be used in a filter`},
		{`groups.$ref pr and groups[$ref pr]`, `"groups.$ref" cannot be used in a filter`},
	} {
		e, err := filter.Parse(tc.filter)
		require.NoError(t, err, tc.filter)
		err = refusedIn(rt, e)
		if tc.want == "" {
			assert.NoError(t, err, tc.filter)
			continue
		}
		var se *Error
		require.ErrorAs(t, err, &se, tc.filter)
		assert.Equal(t, ScimTypeInvalidFilter, se.ScimType, tc.filter)
		assert.Contains(t, se.Detail, tc.want, tc.filter)
	}
}
