package resources_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/scimkit/scim/resources"
)

// TestReferenceProblem: RFC 7643 §2.3.7, a reference is "the absolute or
// relative URI of the target resource" (RFC 3986 URI-reference), and one
// that names an external resource alone (§7 "external") an absolute one.
func TestReferenceProblem(t *testing.T) {
	external, uri, user := []string{"external"}, []string{"uri"}, []string{"User", "Group"}
	for _, tc := range []struct {
		value string
		types []string
		want  string // a part of the problem; "" when there is none
	}{
		{"", external, ""},
		{"https://example.com/~bjensen?tab=1&x=%20#top", external, ""},
		{"mailto:bjensen@example.com", external, ""},
		{"data:image/png;base64,iVBORw0KGgo=", external, ""},
		{"urn:ietf:params:scim:schemas:core:2.0:User", uri, ""},
		{"Users/2819c223-7f76-453a-919d-413861904646", user, ""},
		{"../Groups/7", user, ""},
		{"https://[2001:db8::1]:8443/p", external, ""},
		{"www.example.com/me.jpg", external, "is a relative reference"},
		{"//cdn.example.com/me.jpg", external, "is a relative reference"},
		{"/photos/me.jpg", external, "is a relative reference"},
		{"www.example.com/me.jpg", uri, ""},
		{"www.example.com/me.jpg", nil, ""},
		{"www.example.com/me.jpg", []string{"external", "uri"}, ""},
		{"not a url", external, "has a space at byte 4"},
		{"not a url", uri, "has a space at byte 4"},
		{"https://example.com/a\tb", external, `has '\t' at byte 22`},
		{"https://example.com/<script>", external, `has '<' at byte 21`},
		{`https://example.com/"q"`, external, `has '"' at byte 21`},
		{"https://bücher.example/", external, "has a non-ASCII character at byte 10"},
		{"https://example.com/100%", external, "has a '%' at byte 24 not followed by two hex digits"},
		{"https://example.com/%zz", external, "not followed by two hex digits"},
		{"https://[::1/p", external, "is no URI"},
		{"https://example.com:port/", external, "is no URI"},
		{"1a:b", uri, "is no URI"},
	} {
		t.Run(tc.value, func(t *testing.T) {
			got := resources.ReferenceProblem(tc.value, tc.types)
			if tc.want == "" {
				assert.Empty(t, got)
				return
			}
			assert.Contains(t, got, tc.want)
		})
	}
}
