package scim

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/resources"
)

// refusedCases are filters of users and what refusedIn answers for each
// ("" for nothing refused), named for BenchmarkFilterChecks.
func refusedCases() []struct{ name, filter, want string } {
	return []struct{ name, filter, want string }{
		{"ValueFilter", `emails[type eq "work" and value eq "bjensen@example.com"]`, ""},
		{"Mixed", `userName sw "b" and (title pr or emails[type eq "work" and primary eq true]) and not (name.familyName eq "x")`, ""},
		{"", `name.givenName pr or password eq "x"`, `"password" cannot be used in a filter: it is never returned (a secret)`},
		{"", `password eq "x" or meta[location pr]`, `"meta.location" cannot be used in a filter`},
		{"", `meta.location pr and password eq "x"`, `"meta.location" cannot be used in a filter`},
		{"", `password eq "x" or meta.location pr or groups[$ref pr]`, `"meta.location" cannot be used in a filter`},
		{"", `password eq "x" or groups[$ref pr] or meta.location pr`, `"groups.$ref" cannot be used in a filter`},
		{"", `groups.$ref pr and groups[$ref pr]`, `"groups.$ref" cannot be used in a filter`},
	}
}

// TestRefusedIn: of the paths a list's filter may not name, a value the
// server makes (a $ref, meta.location) is refused before a value never
// returned, wherever each stands in the filter and whether named
// directly or inside a value filter; the first of a kind is named.
func TestRefusedIn(t *testing.T) {
	rt := resources.DefaultModel().User
	for _, tc := range refusedCases() {
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
		assert.Contains(t, err.Error(), tc.want, tc.filter)
	}
}

// BenchmarkFilterChecks is the check checkFilter makes of a list's filter
// once the evaluator compiled it (refusedIn: a server-made $ref,
// meta.location, a value never returned), on a provider's lookup with a
// value filter and on a longer filter.
func BenchmarkFilterChecks(b *testing.B) {
	rt := resources.DefaultModel().User
	for _, tc := range refusedCases() {
		if tc.name == "" {
			continue
		}
		e, err := filter.Parse(tc.filter)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if refusedIn(rt, e) != nil {
					b.Fatal("refused")
				}
			}
		})
	}
}
