package scim

import (
	"testing"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/resources"
)

// BenchmarkFilterChecks is the checks checkFilter makes of a list's
// filter once the evaluator compiled it (refusedIn: a server-made $ref,
// meta.location, a value never returned), on a provider's lookup with a
// value filter and on a longer filter.
func BenchmarkFilterChecks(b *testing.B) {
	rt := resources.DefaultModel().User
	for _, tc := range []struct{ name, filter string }{
		{"ValueFilter", `emails[type eq "work" and value eq "bjensen@example.com"]`},
		{"Mixed", `userName sw "b" and (title pr or emails[type eq "work" and primary eq true]) and not (name.familyName eq "x")`},
	} {
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
