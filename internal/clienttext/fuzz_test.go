package clienttext

import (
	"regexp"
	"strings"
	"testing"
)

// tokenShaped is what Redact promises to leave nowhere: the prefix in any
// case and 16 token characters, once the text is decoded.
var tokenShaped = regexp.MustCompile(`(?i)scim_[a-z0-9_-]{16}`)

// decodeOnce replaces each valid %XX of s by its byte, as a reader of a
// log decodes it; an invalid escape stays.
func decodeOnce(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			b.WriteByte(unhex(s[i+1])<<4 | unhex(s[i+2]))
			i += 2
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// FuzzRedact: whatever the text, Redact leaves no token-shaped text in it
// as written or decoded up to maxEscapeDepth times, changes nothing of
// text that has none, and is idempotent.
func FuzzRedact(f *testing.F) {
	for _, s := range []string{
		"", "scim_", "scim_0123456789abcdef", "/Users/scim%5F0123456789abcdefXYZ", "%73cim_0123456789abcdef",
		"scim%255F0123456789abcdef", "SCIM_0123456789ABCDEF", "scim_0123456789abcde", "a%%5Fscim_%",
		"scim_0123%34567%2589abcdef", "x scim_0123456789abcdef y scim_fedcba9876543210 z",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Redact(s)
		d := out
		for range maxEscapeDepth + 1 {
			if m := tokenShaped.FindString(d); m != "" {
				t.Fatalf("Redact(%q) = %q leaves %q", s, out, m)
			}
			d = decodeOnce(d)
		}
		if !tokenShaped.MatchString(s) && !strings.Contains(s, "%") && out != s {
			t.Fatalf("Redact(%q) = %q: text without a token changed", s, out)
		}
		if again := Redact(out); again != out {
			t.Fatalf("Redact is not idempotent: %q, then %q", out, again)
		}
	})
}
