package scim_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/resources"
)

// TestBinaryValues: RFC 7643 §2.3.6 says a binary value "MUST be base64
// encoded as specified in Section 4 of [RFC4648]"; /Schemas advertises
// x509Certificates.value as binary. Any string was stored, so a client
// reading the certificate back could not decode it. base64, padded or
// not, with line breaks or not, is taken; other text is a 400
// invalidValue naming the attribute, on POST, PUT and PATCH alike, and
// the user is left as it was.
func TestBinaryValues(t *testing.T) {
	const cert = "MIIDQzCCAqygAwIBAgICEAAwDQYJKoZIhvcNAQEFBQAwTjELMAkGA1UEBhMCVVMx"
	for _, tc := range []struct {
		name  string
		value string
		ok    bool
	}{
		{"padded", "TWFu", true},
		{"padded twice", "TWE=", true},
		{"a certificate", cert, true},
		{"unpadded", "TWE", true},
		{"line breaks", "TWFu\r\nTWFu", true},
		{"spaces", "not base64!!", false},
		{"url alphabet", "a-b_", false},
		{"a PEM header", "-----BEGIN CERTIFICATE-----\n" + cert + "\n-----END CERTIFICATE-----", false},
		{"one character", "M", false},
		{"misplaced padding", "T=Wu", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			u := e.createUser("bjensen")
			id := u["id"].(string)
			certs := []any{map[string]any{"value": tc.value}}
			for _, req := range []struct {
				method, path string
				body         map[string]any
			}{
				{"POST", "/Users", map[string]any{"schemas": []any{resources.UserSchema}, "userName": "other", "x509Certificates": certs}},
				{"PUT", "/Users/" + id, map[string]any{"schemas": []any{resources.UserSchema}, "userName": "bjensen", "x509Certificates": certs}},
				{"PATCH", "/Users/" + id, patchBody(op("add", "x509Certificates", certs))},
				{"PATCH", "/Users/" + id, patchBody(op("add", "", map[string]any{"x509Certificates": certs}))},
			} {
				before := e.do("GET", "/Users/"+id, nil)
				r := e.do(req.method, req.path, req.body)
				if tc.ok {
					require.Contains(t, []int{200, 201}, r.Code, "%s %s: %s", req.method, req.path, r.Raw)
					assert.Equal(t, tc.value, r.Body["x509Certificates"].([]any)[0].(map[string]any)["value"])
					continue
				}
				requireError(t, r, 400, "invalidValue", "must be base64")
				assert.Contains(t, r.str("detail"), "x509Certificates", r.Raw)
				after := e.do("GET", "/Users/"+id, nil)
				assert.Equal(t, before.Body, after.Body, "%s %s: a refused write changes nothing", req.method, req.path)
			}
			if !tc.ok {
				l := e.do("GET", `/Users?filter=userName+eq+"other"`, nil)
				assert.Equal(t, float64(0), l.Body["totalResults"], "a refused POST creates nothing")
			}
		})
	}
}
