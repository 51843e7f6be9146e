package scim_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// wording is a request and the error it gets, whole: the detail an
// identity provider's admin reads in the provisioning log, which says
// what was wrong, where, and what to send instead.
type wording struct {
	name, method, path string
	body               string
	status             int
	scimType, detail   string
}

// checkWording sends each request of cases to e and holds its error to
// the status, scimType and detail of the case, byte for byte.
func (e *env) checkWording(t *testing.T, cases []wording) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var body any
			if tc.body != "" {
				body = tc.body
			}
			r := e.do(tc.method, tc.path, body)
			require.Equal(t, tc.status, r.Code, r.Raw)
			assert.Equal(t, tc.scimType, r.str("scimType"), r.Raw)
			assert.Equal(t, tc.detail, r.str("detail"), r.Raw)
		})
	}
}

const patchOp = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":`

// TestMalformedJSONWording: a body cut short or followed by more text is
// told at which byte, as any other malformed JSON is, and what to send,
// whatever the endpoint; encoding/json's bare "unexpected EOF" names
// neither.
func TestMalformedJSONWording(t *testing.T) {
	e := newEnv(t)
	id := e.createUser("bjensen@example.com")["id"].(string)
	e.checkWording(t, []wording{
		{"POST cut short", "POST", "/Users", `{"userName":`, 400, "invalidSyntax",
			"malformed JSON at byte 12: the body ends before its JSON text is complete; send the whole object"},
		{"PATCH cut short", "PATCH", "/Users/" + id, `{"Operations":[`, 400, "invalidSyntax",
			"malformed JSON at byte 15: the body ends before its JSON text is complete; send the whole object"},
		{"search cut short", "POST", "/Users/.search", `{"filter":`, 400, "invalidSyntax",
			"malformed JSON at byte 10: the body ends before its JSON text is complete; send the whole object"},
		{"bulk cut short", "POST", "/Bulk", `{"Operations":[`, 400, "invalidSyntax",
			"malformed JSON at byte 15: the body ends before its JSON text is complete; send the whole object"},
		{"POST trailing text", "POST", "/Users", `{"userName":"a"}  x`, 400, "invalidSyntax",
			"malformed JSON at byte 19: unexpected data after the JSON object; send the one object alone"},
		{"PATCH trailing object", "PATCH", "/Users/" + id, patchOp + `[]}{}`, 400, "invalidSyntax",
			"malformed JSON at byte 78: unexpected data after the JSON object; send the one object alone"},
		{"a syntax error keeps its byte", "POST", "/Users", `{"userName": "a",}`, 400, "invalidSyntax",
			"malformed JSON at byte 18: invalid character '}' looking for beginning of object key string"},
	})
}
