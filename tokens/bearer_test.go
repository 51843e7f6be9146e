package tokens_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/scimkit/scim/tokens"
)

func TestBearerToken(t *testing.T) {
	cases := []struct {
		name    string
		headers []string // Authorization values; nil means none
		want    string
		ok      bool
	}{
		{"plain", []string{"Bearer scim_abc"}, "scim_abc", true},
		{"lower case scheme", []string{"bearer scim_abc"}, "scim_abc", true},
		{"upper case scheme", []string{"BEARER scim_abc"}, "scim_abc", true},
		{"extra spaces", []string{"  Bearer    scim_abc  "}, "scim_abc", true},
		{"tab", []string{"Bearer\tscim_abc"}, "scim_abc", true},
		{"any token68 text", []string{"Bearer abc.def-ghi_jkl~="}, "abc.def-ghi_jkl~=", true},
		{"missing", nil, "", false},
		{"empty header", []string{""}, "", false},
		{"scheme only", []string{"Bearer"}, "", false},
		{"scheme and spaces", []string{"Bearer   "}, "", false},
		{"basic", []string{"Basic dXNlcjpwYXNz"}, "", false},
		{"no space", []string{"Bearerscim_abc"}, "", false},
		{"token only", []string{"scim_abc"}, "", false},
		{"two parts", []string{"Bearer scim_abc extra"}, "", false},
		{"two headers", []string{"Bearer a", "Bearer b"}, "", false},
		{"prefix of scheme", []string{"Bear scim_abc"}, "", false},
		{"tabs around", []string{"\t Bearer\t \tscim_abc\t "}, "scim_abc", true},
		{"a tab inside the token", []string{"Bearer scim\tabc"}, "", false},
		{"other white space is the token's", []string{"Bearer \vscim_abc\n"}, "\vscim_abc\n", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/scim/v2/Users", nil)
			for _, h := range tc.headers {
				r.Header.Add("Authorization", h)
			}
			got, ok := tokens.BearerToken(r)
			assert.Equal(t, tc.ok, ok)
			assert.Equal(t, tc.want, got)
		})
	}
}

// FuzzBearerToken holds BearerToken to its definition written with the
// strings package (a space or a tab is blank, nothing else is).
func FuzzBearerToken(f *testing.F) {
	for _, s := range []string{"Bearer scim_abc", " \tbearer\t x \t", "Bearer", "Bearer  ", "Basic a", "Bearer a b", "\tBEARER\tx", "Bearer \u00a0x", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		want, wantOK := "", false
		v := strings.Trim(h, " \t")
		if i := strings.IndexAny(v, " \t"); i >= 0 && strings.EqualFold(v[:i], "Bearer") {
			if tok := strings.Trim(v[i:], " \t"); tok != "" && !strings.ContainsAny(tok, " \t") {
				want, wantOK = tok, true
			}
		}
		r := httptest.NewRequest("GET", "/scim/v2/Users", nil)
		r.Header["Authorization"] = []string{h}
		got, ok := tokens.BearerToken(r)
		assert.Equal(t, wantOK, ok)
		assert.Equal(t, want, got)
	})
}
