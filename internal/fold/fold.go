// Package fold holds the one Unicode case fold of values (a
// caseExact=false value such as userName, or a multi-valued attribute's
// value and type), for the packages that cannot import store/query, which
// exports it as query.Fold and query.FoldRune. Names take internal/names
// instead.
package fold

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// String maps s to a key under which strings equal by strings.EqualFold
// (Unicode simple case folding) coincide. Every rune is replaced by
// Rune's member of its folding orbit, so ASCII letters become lower
// case and the byte order of folded strings is the case-insensitive order of
// every store: the Evaluator's filters and Sorter compare with Rune too. It does not allocate for ASCII strings
// without upper-case letters.
//
// store/sqlstore persists these keys: the output for a given input must
// never change.
func String(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf || ('A' <= c && c <= 'Z') {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		b.WriteRune(Rune(r))
	}
	return b.String()
}

// Equal reports whether String(a) == String(b), rune by rune, without
// building either key.
func Equal(a, b string) bool {
	for a != "" && b != "" {
		ra, na := utf8.DecodeRuneInString(a)
		rb, nb := utf8.DecodeRuneInString(b)
		if Rune(ra) != Rune(rb) {
			return false
		}
		a, b = a[na:], b[nb:]
	}
	return a == "" && b == ""
}

// Rune returns the representative of r's folding orbit: the lower-case
// form of the orbit's smallest rune when that is in the orbit, else the
// smallest rune. Runes without case partners (and utf8.RuneError) are
// returned as they are.
func Rune(r rune) rune {
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}
	if r == utf8.RuneError {
		return r
	}
	m := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		if f < m {
			m = f
		}
	}
	if m == r && unicode.SimpleFold(r) == r {
		return r // no case partners
	}
	l := unicode.ToLower(m)
	for f := unicode.SimpleFold(m); ; f = unicode.SimpleFold(f) {
		if f == l {
			return l
		}
		if f == m {
			return m
		}
	}
}
