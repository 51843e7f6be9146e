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

// redactSeeds are inputs for FuzzRedactSame and TestRedactSame: tokens
// and near-tokens escaped once, twice and three times over, the escapes'
// hex digits in either case and themselves escaped, and the bytes around
// the length below which no token fits.
var redactSeeds = []string{
	"", "scim_", "scim_0123456789abcdef", "scim_0123456789abcde", "xscim_0123456789abcdef", "scim_0123456789abcdex/",
	"/Users/scim%5F0123456789abcdefXYZ", "/Users/scim%5f0123456789abcdefXYZ", "%73cim_0123456789abcdef",
	"%53CIM_0123456789abcdef", "%73%63%69%6D%5F%61%42%33%2D%5F%61%42%33%2D%5F%61%42%33%2D%5F%61%42",
	"%73%63%69%6d%5f%61%42%33%2d%5f%61%42%33%2d%5f%61%42%33%2d%5f%61%42",
	"scim%255F0123456789abcdef", "scim%255f0123456789abcdef", "scim%25255F0123456789abcdef", "scim%25255f0123456789abcdef",
	"%2573cim_0123456789abcdef", "%2553CIM%255F0123456789abcdef", "%252573cim_0123456789abcdef", "%25252573cim_0123456789abcdef",
	"%%37%33cim_0123456789abcdef", "%%35%33cim_0123456789abcdef", "%7%33cim_0123456789abcdef", "%5%33CIM_0123456789abcdef",
	"%2%35%37%33cim_0123456789abcdef", "%%32%35%37%33cim_0123456789abcdef", "%25%37%33cim_0123456789abcdef",
	"%25%25%37%33cim_0123456789abcdef", "%%32%3573cim_0123456789abcdef", "%2%353%33cim_0123456789abcdef",
	"s%63im_0123456789abcdef", "S%43IM_0123456789abcdef", "s%2563im_0123456789abcdef", "s%%36%33im_0123456789abcdef",
	"scim%25%35%46" + "0123456789abcdef", "scim%25%35%66" + "0123456789abcdef", "scim%%35%46" + "0123456789abcdef",
	"SCIM_0123456789ABCDEF", "a%%5Fscim_%", "scim_0123%34567%2589abcdef", "scim%5G0123456789abcdef", "%s%S%%sc%7%5%2%%%",
	"x scim_0123456789abcdef y scim_fedcba9876543210 z", "scim_0123456789abcdef%2F0123456789abcdef",
	"/Users?filter=userName+eq+%22load000123%40example.com%22", "/Users?filter=userName+eq+%22scim%5F0123456789abcdef%22&count=1",
	"/Users/2819c223-7f76-453a-919d-413861904646", "100%", "%%%%%%%%%%%%%%%%%%%%%%%%", "ssssssssssssssssssssss",
	"a.scim_0123456789abcdef", "scim_0123456789abcde.f", "scim_0123456789abcdef.", ".scim_0123456789abcdef.scim_0123456789abcde",
	"%2Fscim%5F0123456789abcdef%2F", "s.cim_0123456789abcdefscim_0123456789abcdef", "scim_0123456789abcdefscim_0123456789abcdef",
}

// FuzzRedactSame: Redact's output is, for every input, what it was
// before its scan looked ahead (redactRef, at 5d2be4d).
func FuzzRedactSame(f *testing.F) {
	for _, s := range redactSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := Redact(s), redactRef(s); got != want {
			t.Fatalf("Redact(%q) = %q, was %q", s, got, want)
		}
	})
}

// FuzzNamesPasswordSame: NamesPassword's look-ahead (wordStart.at) never
// passes over a start wordAt would find: for every input it answers as
// trying every index does (namesPasswordRef).
func FuzzNamesPasswordSame(f *testing.F) {
	for _, s := range append(redactSeeds, "password", "PASSWORD", "%70assword", "%2570assword", "%%35%30assword",
		"p%61ssword", "%50%41SSWORD", "urn:ietf:params:scim:schemas:core:2.0:User:password", "passwor", "%7%30assword") {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := NamesPassword(s), namesPasswordRef(s); got != want {
			t.Fatalf("NamesPassword(%q) = %v, trying every index: %v", s, got, want)
		}
	})
}

// FuzzNamesSecretSame: NamesSecret's look-aheads (the first-byte table and
// wordStart.at) never pass over a start trying every index would find,
// for names with and without a look-ahead (namesSecretRef).
func FuzzNamesSecretSame(f *testing.F) {
	secrets := NewSecrets("pin", "recoveryCode", "x_y", "pw")
	for _, s := range append(redactSeeds, "pin", "PIN", "%70in", "%2570in", "%%37%30in eq 1", "p%69n eq 1", "urn:x%3Apin eq 1",
		"urn:x%253Apin eq 1", "spinner", "pin_code", "x_y eq 1", "X%5FY eq 1", "pw=1", "%41pin", "recoverycode eq 1") {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := secrets.NamesSecret(s), namesSecretRef(secrets, s); got != want {
			t.Fatalf("NamesSecret(%q) = %v, trying every index: %v", s, got, want)
		}
	})
}
