package fold

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestEqual: Equal is String's key equality, without the keys.
func TestEqual(t *testing.T) {
	for _, tc := range []struct{ a, b string }{
		{"", ""},
		{"a", ""},
		{"john.doe@contoso.com", "John.Doe@Contoso.com"},
		{"K@x", "\u212a@X"}, // Kelvin sign folds with k
		{"straße", "STRASSE"},
		{"ab", "abc"},
		{"\xff", "\xfe"}, // invalid bytes fold as utf8.RuneError
		{"Σίσυφος", "ΣΊΣΥΦΟΣ"},
		{"a", "b"},
	} {
		want := String(tc.a) == String(tc.b)
		assert.Equal(t, want, Equal(tc.a, tc.b), "%q %q", tc.a, tc.b)
		assert.Equal(t, want, Equal(tc.b, tc.a), "%q %q", tc.b, tc.a)
	}
	assert.True(t, Equal("John.Doe@Contoso.com", "john.doe@contoso.COM"))
	assert.Zero(t, testing.AllocsPerRun(10, func() { _ = Equal("John.Doe@Contoso.com", "JOHN.DOE@CONTOSO.COM") }))
}
