package patch

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/resources"
)

// TestSetsIsApply: the password Sets forecasts for a PATCH is the one
// ApplyTo leaves in the document when it applies the operations, in each
// way a provider names it; where Sets forecasts none, ApplyTo leaves the
// stored one or none.
func TestSetsIsApply(t *testing.T) {
	const stored = "stored-hash"
	doc := func() map[string]any {
		return map[string]any{"schemas": []any{resources.UserSchema}, "userName": "bjensen", "password": stored}
	}
	op := func(o, path string, v any) Operation { return Operation{Op: o, Path: path, Value: v} }
	for _, tt := range []struct {
		name string
		ops  []Operation
		want string // "" for no forecast
	}{
		{"the path", []Operation{op("replace", "password", "p1")}, "p1"},
		{"beside another operation", []Operation{op("replace", "title", "T"), op("Replace", "password", "p1")}, "p1"},
		{"add", []Operation{op("add", "password", "p1")}, "p1"},
		{"in another case", []Operation{op("REPLACE", " PASSWORD", "p1")}, "p1"},
		{"qualified by the core URN", []Operation{op("replace", resources.UserSchema+":password", "p1")}, "p1"},
		{"a key of a value without a path", []Operation{op("replace", "", map[string]any{"password": "p1", "title": "T"})}, "p1"},
		{"a qualified key", []Operation{op("replace", "", map[string]any{resources.UserSchema + ":password": "p1"})}, "p1"},
		{"a key of the core URN's object", []Operation{op("replace", "", map[string]any{resources.UserSchema: map[string]any{"password": "p1"}, "title": "T"})}, "p1"},
		{"the last of two", []Operation{op("replace", "password", "p1"), op("replace", "", map[string]any{"Password": "p2"})}, "p2"},
		{"set, then removed", []Operation{op("replace", "password", "p1"), op("remove", "password", nil)}, ""},
		{"another attribute", []Operation{op("replace", "title", "T")}, ""},
		{"not a string", []Operation{op("replace", "title", "T"), op("replace", "", map[string]any{"nickName": "n"})}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := userEng.Sets(tt.ops, "password")
			assert.Equal(t, tt.want != "", ok)
			assert.Equal(t, tt.want, got)
			d := doc()
			require.NoError(t, userEng.ApplyTo(d, tt.ops, &resources.Lenience{}))
			if ok {
				assert.Equal(t, got, d["password"], "ApplyTo sets what Sets forecast")
			} else {
				assert.Contains(t, []any{stored, nil}, d["password"], "no forecast: ApplyTo sets no new password")
			}
		})
	}
	_, ok := userEng.Sets([]Operation{op("replace", "password", "p")}, "emails")
	assert.False(t, ok, "a multi-valued attribute is never forecast")
}
