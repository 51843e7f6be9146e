package tokens

import (
	"net/http"
	"strings"
)

// BearerToken returns the token of a request's "Authorization: Bearer
// <token>" header. The scheme is matched case-insensitively and spaces or
// tabs around the scheme and token are tolerated. It reports false when the
// header is missing, repeated, uses another scheme, or carries an empty
// token or one containing whitespace.
func BearerToken(r *http.Request) (string, bool) {
	// net/http files a request's headers under their canonical keys:
	// the key is looked up as it is, not canonicalised on every request
	// as Header.Values would.
	vals := r.Header["Authorization"]
	if len(vals) != 1 {
		return "", false
	}
	v := trimBlank(vals[0])
	i := indexBlank(v)
	if i < 0 || !strings.EqualFold(v[:i], "Bearer") {
		return "", false
	}
	tok := trimBlank(v[i:])
	if tok == "" || indexBlank(tok) >= 0 {
		return "", false
	}
	return tok, true
}

// trimBlank is s without the spaces and tabs it starts and ends with:
// strings.Trim with the cutset " \t", without making the cutset's set on
// every request.
func trimBlank(s string) string {
	for s != "" && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for s != "" && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}

// indexBlank is the index of the first space or tab in s, or -1. Two
// strings.IndexByte compare many bytes an instruction; a loop comparing
// one byte at a time was most of BearerToken's instructions (it scans
// the whole token of every request).
func indexBlank(s string) int {
	i := strings.IndexByte(s, ' ')
	before := s // a tab counts only before the first space
	if i >= 0 {
		before = s[:i]
	}
	if j := strings.IndexByte(before, '\t'); j >= 0 {
		return j
	}
	return i
}
