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
	v := strings.Trim(vals[0], " \t")
	i := strings.IndexAny(v, " \t")
	if i < 0 || !strings.EqualFold(v[:i], "Bearer") {
		return "", false
	}
	tok := strings.Trim(v[i:], " \t")
	if tok == "" || strings.ContainsAny(tok, " \t") {
		return "", false
	}
	return tok, true
}
