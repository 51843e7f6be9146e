package loaduser

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestJSON: the benchmarks' and allocation tests' user, byte for byte
// (its budgets were measured with this body).
func TestJSON(t *testing.T) {
	assert.Equal(t, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],`+
		`"externalId":"ext-7","userName":"load000007@example.com","active":true,"displayName":"Load ext-7",`+
		`"name":{"givenName":"Load","familyName":"ext-7","formatted":"Load ext-7"},`+
		`"emails":[{"primary":true,"type":"work","value":"load000007@example.com"}],`+
		`"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"Load"}}`, JSON(7))
}

// TestDoc: the names are JSON strings, whatever they hold, and land in
// the attributes Entra ID sends them in.
func TestDoc(t *testing.T) {
	for _, tc := range []struct{ userName, externalID string }{
		{"lt0a1b2c3d-r1-7@example.com", "lt0a1b2c3d-r1-7"},
		{`quote"back\slash@example.com`, "<tab>\t&"},
	} {
		var got map[string]any
		require.NoError(t, json.Unmarshal([]byte(Doc(tc.userName, tc.externalID)), &got), tc.userName)
		assert.Equal(t, map[string]any{
			"schemas":     []any{"urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"},
			"externalId":  tc.externalID,
			"userName":    tc.userName,
			"active":      true,
			"displayName": "Load " + tc.externalID,
			"name":        map[string]any{"givenName": "Load", "familyName": tc.externalID, "formatted": "Load " + tc.externalID},
			"emails":      []any{map[string]any{"primary": true, "type": "work", "value": tc.userName}},
			"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": map[string]any{"department": "Load"},
		}, got, tc.userName)
	}
}
