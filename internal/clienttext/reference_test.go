package clienttext

import "strings"

// This file keeps Redact as it was before its scan looked ahead
// (5d2be4d), byte for byte but for the names: FuzzRedactSame holds the
// present Redact to its output on every input.

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
		end, ok := tokenAtRef(s, i)
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

// tokenAtRef is tokenAt at 5d2be4d.
func tokenAtRef(s string, i int) (end int, ok bool) {
	j := i
	for k := 0; k < len(TokenPrefix); k++ {
		if j >= len(s) {
			return 0, false
		}
		c, next := decodeAtRef(s, j, maxEscapeDepth)
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != TokenPrefix[k] {
			return 0, false
		}
		j = next
	}
	n := 0
	for j < len(s) {
		c, next := decodeAtRef(s, j, maxEscapeDepth)
		if !IsTokenChar(c) {
			break
		}
		j, n = next, n+1
	}
	return j, n >= minTokenBody
}

// decodeAtRef is decodeAt at 5d2be4d.
func decodeAtRef(s string, i, depth int) (byte, int) {
	c, next := s[i], i+1
	for c == '%' && depth > 0 && next < len(s) {
		hi, n1 := decodeAtRef(s, next, depth-1)
		if !isHexRef(hi) || n1 >= len(s) {
			break
		}
		lo, n2 := decodeAtRef(s, n1, depth-1)
		if !isHexRef(lo) {
			break
		}
		c, next = unhexRef(hi)<<4|unhexRef(lo), n2
		depth--
	}
	return c, next
}

func isHexRef(c byte) bool {
	return c >= '0' && c <= '9' || c|0x20 >= 'a' && c|0x20 <= 'f'
}

func unhexRef(c byte) byte {
	if c <= '9' {
		return c - '0'
	}
	return c | 0x20 - 'a' + 10
}
