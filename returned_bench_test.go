package scim_test

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/resources"
)

// BenchmarkHiddenExtension is a GET, a GET with attributes, and the PUT
// of what the GET showed, of a user whose type has a host extension with
// attributes returned "never", "request" and "always" (returnedEnv):
// each builds a projection from the type's hidden attributes, and the
// PUT keeps them (keepOnReplace).
func BenchmarkHiddenExtension(b *testing.B) {
	e, urn, _ := returnedEnv(b)
	created := e.do("POST", "/Users", map[string]any{"schemas": []any{resources.UserSchema, urn}, "userName": "a",
		urn: map[string]any{"pin": "1234", "bio": "long", "tier": "gold", "plain": "p", "since": "2020", "card": map[string]any{"number": "42", "code": "999"}}})
	require.Equal(b, 201, created.Code, created.Raw)
	id := created.str("id")
	shown := e.do("GET", "/Users/"+id, nil)
	require.Equal(b, 200, shown.Code, shown.Raw)
	put, err := json.Marshal(shown.Body)
	require.NoError(b, err)
	for _, bc := range []struct {
		name, method, path string
		body               []byte
	}{
		{"GET", "GET", "/Users/" + id, nil},
		{"GET attributes", "GET", "/Users/" + id + "?attributes=userName", nil},
		{"PUT", "PUT", "/Users/" + id, put},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				req := httptest.NewRequest(bc.method, "http://app.example.com"+bc.path, bytes.NewReader(bc.body))
				req.Header.Set("Authorization", "Bearer "+e.token)
				if bc.body != nil {
					req.Header.Set("Content-Type", "application/scim+json")
				}
				rec := httptest.NewRecorder()
				e.h.ServeHTTP(rec, req)
				if rec.Code != 200 {
					b.Fatalf("%s: %d %s", bc.name, rec.Code, rec.Body)
				}
				e.logs.Reset() // the log lines are not what is measured
			}
		})
	}
}
