package clienttext_test

import (
	"testing"

	"github.com/scimkit/scim/internal/clienttext"
)

// BenchmarkRedact runs Redact on the text it is given on a request's
// path: a path, the percent-encoded query of a provider's lookup by
// userName (as a sync cycle sends it, '+' or "%20" for spaces), a
// warning that names an attribute, and the same with a token, as it is
// and percent-encoded. BENCHMARKS.md has the figures.
func BenchmarkRedact(b *testing.B) {
	const body = "aB3-_aB3-_aB3-_aB3-_aB3-_aB3-_aB3-_aB3-_xyz" // 43 characters, as a generated token's
	for _, bm := range []struct{ name, in string }{
		{"path", "/Users/2819c223-7f76-453a-919d-413861904646"},
		{"query", "/Users?filter=userName+eq+%22load000123%40example.com%22"},
		{"query%20", "/Users?filter=userName%20eq%20%22bjensen%40example.com%22&startIndex=1&count=1"},
		{"warning", `unknown attribute "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:cost_center" ignored`},
		{"token", "/Users?access_token=scim_" + body},
		{"encodedToken", "/Users?filter=userName+eq+%22scim%5F" + body + "%22"},
	} {
		b.Run(bm.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = clienttext.Redact(bm.in)
			}
		})
	}
}
