package clienttext

import "strings"

// This file keeps Redact's scan as it was before it looked ahead
// (5d2be4d): every '%', 's' and 'S' tried with tokenAt. FuzzRedactSame
// holds the present scan to its output on every input. tokenAt and
// decodeAt are shared, unchanged since then; FuzzRedact checks what they
// find against a decoding of its own.

// redactRef is Redact at 5d2be4d.
func redactRef(s string) string {
	if strings.IndexByte(s, '_') < 0 && strings.IndexByte(s, '%') < 0 {
		return s
	}
	var b strings.Builder
	done := 0 // s[:done] is written to b, or nothing when done is 0
	for i := 0; i < len(s); i++ {
		if c := s[i]; c != '%' && c|0x20 != TokenPrefix[0] {
			continue
		}
		end, ok := tokenAt(s, i)
		if !ok {
			continue
		}
		b.WriteString(s[done:i])
		b.WriteString(Redacted)
		done, i = end, end-1
	}
	if done == 0 {
		return s
	}
	b.WriteString(s[done:])
	return b.String()
}

// namesPasswordRef is NamesPassword without its look-ahead (wordStart.at):
// every index tried with wordAt. FuzzNamesPasswordSame holds the present
// scan to it.
func namesPasswordRef(s string) bool {
	for i := range len(s) {
		if wordAt(s, i, passwordName) >= 0 {
			return true
		}
	}
	return false
}

// namesSecretRef is set.NamesSecret without its look-aheads: the
// password, or at every index each of set's names tried (wholeNameAt).
// FuzzNamesSecretSame holds the present scan to it.
func namesSecretRef(set *Secrets, s string) bool {
	if namesPasswordRef(s) {
		return true
	}
	if set == nil {
		return false
	}
	for i := range len(s) {
		for _, n := range set.names {
			if wholeNameAt(s, i, n.name) {
				return true
			}
		}
	}
	return false
}
