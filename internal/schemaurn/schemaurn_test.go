package schemaurn

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestSCIM1(t *testing.T) {
	for _, tc := range []struct {
		schemas any
		want    bool
	}{
		{"urn:scim:schemas:core:1.0", true},
		{"URN:SCIM:Schemas:extension:enterprise:1.0", true},
		{[]any{User, "urn:scim:schemas:core:1.0"}, true},
		{[]any{1.0, "urn:scim:schemas:core:1.0"}, true},
		{"urn:scim:schemas", false}, // shorter than the prefix
		{"urn:scim:schemes:core:1.0", false},
		{User, false},
		{[]any{User, EnterpriseUser}, false},
		{"urn:ietf:params:scim:schemas:core:2.0:User", false},
		{nil, false},
		{map[string]any{"urn:scim:schemas:core:1.0": true}, false},
	} {
		assert.Equal(t, tc.want, NamesSCIM1(tc.schemas), "%v", tc.schemas)
	}
}
