package scim_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/admin"
)

// TestTokenShapedTextNeverLogged: a token a client puts where a token does
// not belong (a path, X-Request-Id, a body's attribute name) reaches
// neither the request line, nor the request log, nor the X-Request-Id
// sent back; admin.Request.Sanitized's rule holds for every place the
// handler writes client text.
func TestTokenShapedTextNeverLogged(t *testing.T) {
	ring := admin.NewRequestRing(100)
	e := newEnv(t, func(c *scim.Config) { c.RequestLog = ring })
	secret := strings.TrimPrefix(e.token, "scim_")
	user := e.createUser("alice")
	id := user["id"].(string)
	tests := []struct {
		name         string
		method, path string
		body         any
		hdr          []string
	}{
		{"token as an id", "GET", "/Users/" + e.token, nil, nil},
		{"token in a longer path", "GET", "/Users/" + e.token + "/x", nil, nil},
		{"token as X-Request-Id", "GET", "/Users", nil, []string{"X-Request-Id: " + e.token}},
		{"token inside X-Request-Id", "GET", "/Users", nil, []string{"X-Request-Id: req-" + e.token}},
		{"token as an attribute name", "PATCH", "/Users/" + id, patchBody(op("replace", "", map[string]any{e.token: "x", "displayName": "A"})), nil},
		{"token as an unknown schema", "POST", "/Users", map[string]any{
			"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:User", "urn:x:" + e.token}, "userName": "bob"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.logs.Reset()
			r := e.do(tt.method, tt.path, tt.body, tt.hdr...)
			assert.NotContains(t, r.Header.Get("X-Request-Id"), secret, "X-Request-Id sent back")
			assert.NotEmpty(t, r.Header.Get("X-Request-Id"))
			assert.NotContains(t, e.logs.String(), secret, "request line")
			assert.Contains(t, e.logs.String(), `"msg":"scim request"`)
			recent, err := ring.Recent(context.Background(), "", 1)
			require.NoError(t, err)
			require.Len(t, recent, 1)
			data, err := json.Marshal(recent[0])
			require.NoError(t, err)
			assert.NotContains(t, string(data), secret, "request log")
		})
	}
}
