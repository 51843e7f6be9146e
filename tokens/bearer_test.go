package tokens_test

import (
	"net/http/httptest"
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
