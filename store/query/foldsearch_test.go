package query

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
)

// naiveContainsFold is the search foldSearch replaced: prefixFold tried
// at each rune of s, the reference it must agree with.
func naiveContainsFold(s, sub string) bool {
	if sub == "" {
		return true
	}
	for i := 0; i < len(s); {
		if _, ok := prefixFold(s[i:], sub); ok {
			return true
		}
		_, n := utf8.DecodeRuneInString(s[i:])
		i += n
	}
	return false
}

// TestFoldSearchIsPrefixFoldAtEachOffset: foldSearch finds a pattern
// exactly where prefixFold at some offset does, over strings of runes
// whose case orbits have more than two members (K and the Kelvin sign;
// s and the long s; ς and Σ), a rune outside ASCII, a byte that is no
// UTF-8, and patterns with borders (aab in aaab, abab in ababab): every
// pair of strings of up to three runes, and a few longer.
func TestFoldSearchIsPrefixFoldAtEachOffset(t *testing.T) {
	alphabet := []string{"a", "A", "b", "K", "\u212a", "s", "\u017f", "ς", "Σ", "\xff", "é"}
	var all []string
	var build func(prefix string, n int)
	build = func(prefix string, n int) {
		all = append(all, prefix)
		if n == 0 {
			return
		}
		for _, r := range alphabet {
			build(prefix+r, n-1)
		}
	}
	build("", 3)
	for _, sub := range all {
		f := newFoldSearch(sub)
		for _, s := range all {
			if got, want := f.in(s), naiveContainsFold(s, sub); got != want {
				t.Fatalf("%q in %q: %v, prefixFold at each offset says %v", sub, s, got, want)
			}
		}
	}
	for _, tc := range []struct {
		s, sub string
		want   bool
	}{
		{"aaab", "aab", true},
		{"ababab", "ABAB", true},
		{"abaabab", "abab", true},
		{"abaaba", "abab", false},
		{strings.Repeat("a", 1000) + "b", strings.Repeat("A", 99) + "B", true},
		{strings.Repeat("a", 1000), strings.Repeat("a", 99) + "b", false},
		{"xKelvin", "\u212aELVIN", true},
	} {
		assert.Equal(t, tc.want, newFoldSearch(tc.sub).in(tc.s), "%q in %q", tc.sub, tc.s)
		assert.Equal(t, tc.want, naiveContainsFold(tc.s, tc.sub), "%q in %q (reference)", tc.sub, tc.s)
	}
}

// BenchmarkFoldSearch: a co operand of 128 bytes (Config's
// MaxSubstringBytes) that nearly matches at every offset of a 16 KiB
// value, the worst case of trying it at each offset (naive) and what
// foldSearch costs for it.
func BenchmarkFoldSearch(b *testing.B) {
	s := strings.Repeat("a", 16<<10)
	sub := strings.Repeat("A", 127) + "B"
	b.Run("naive", func(b *testing.B) {
		for b.Loop() {
			if naiveContainsFold(s, sub) {
				b.Fatal("found")
			}
		}
	})
	b.Run("foldSearch", func(b *testing.B) {
		f := newFoldSearch(sub)
		for b.Loop() {
			if f.in(s) {
				b.Fatal("found")
			}
		}
	})
}
