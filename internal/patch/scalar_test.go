package patch

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/resources"
)

// TestScalarIsApply: what Scalar takes, ApplyTo applies to a document by
// setting the one attribute to the value Scalar gives, with no warning,
// in strict mode too; what it leaves is left whatever ApplyTo makes of it.
func TestScalarIsApply(t *testing.T) {
	doc := func() map[string]any {
		return map[string]any{
			"schemas":  []any{resources.UserSchema},
			"userName": "bjensen", "active": true, "title": "Guide",
			"emails": []any{map[string]any{"value": "b@example.com", "primary": true}},
		}
	}
	replace := func(path string, v any) []Operation { return []Operation{{Op: "replace", Path: path, Value: v}} }
	for _, tt := range []struct {
		name string
		ops  []Operation
		ok   bool
	}{
		{"active", replace("active", false), true},
		{"Entra's string for a boolean", replace("active", "False"), true},
		{"op and path in another case", []Operation{{Op: "REPLACE ", Path: " Active", Value: false}}, true},
		{"a string", replace("title", "Boss"), true},
		{"an empty string", replace("title", ""), true},
		{"userName", replace("userName", "b"), true},
		{"externalId", replace("externalId", "e"), true},
		{"Okta's value of one attribute", []Operation{{Op: "replace", Value: map[string]any{"active": false}}}, true},
		{"a value of one attribute in another case", []Operation{{Op: "replace", Value: map[string]any{"ACTIVE": "false"}}}, true},
		{"a value of two attributes", []Operation{{Op: "replace", Value: map[string]any{"active": false, "title": "x"}}}, false},
		{"a value of a read-only attribute", []Operation{{Op: "replace", Value: map[string]any{"id": "x"}}}, false},
		{"a value of schemas", []Operation{{Op: "replace", Value: map[string]any{"schemas": []any{resources.UserSchema}}}}, false},
		{"a value of null", []Operation{{Op: "replace", Value: map[string]any{"title": nil}}}, false},
		{"a value of an unknown attribute", []Operation{{Op: "replace", Value: map[string]any{"favourite": "x"}}}, false},
		{"a value of a qualified name", []Operation{{Op: "replace", Value: map[string]any{resources.UserSchema + ":active": false}}}, false},
		{"a value of an empty object", []Operation{{Op: "replace", Value: map[string]any{}}}, false},
		{"add", []Operation{{Op: "add", Path: "active", Value: false}}, false},
		{"remove", []Operation{{Op: "remove", Path: "title"}}, false},
		{"null", replace("active", JSONNull{}), false},
		{"no value", []Operation{{Op: "replace", Path: "active"}}, false},
		{"qualified", replace(resources.UserSchema+":active", false), false},
		{"read-only", replace("id", "x"), false},
		{"unknown", replace("favourite", "x"), false},
		{"a sub-attribute", replace("name.givenName", "B"), false},
		{"complex", replace("name", map[string]any{"givenName": "B"}), false},
		{"multi-valued", replace("emails", []any{map[string]any{"value": "a@b"}}), false},
		{"a filter", replace(`emails[value eq "b@example.com"].value`, "c@d"), false},
		{"an extension's", replace("department", "x"), false},
		{"the wrong type", replace("nickName", json.Number("5")), false},
		{"a string for a boolean that is none", replace("active", "maybe"), false},
		{"two operations", append(replace("active", false), replace("title", "x")...), false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			attr, v, ok := userEng.Scalar(tt.ops)
			require.Equal(t, tt.ok, ok)
			if !ok {
				return
			}
			for _, strict := range []bool{false, true} {
				got := doc()
				l := &resources.Lenience{Strict: strict}
				require.NoError(t, userEng.ApplyTo(got, tt.ops, l))
				assert.Empty(t, l.Warnings)
				want := doc()
				want[attr.Name] = v
				assert.Equal(t, want, got)
			}
		})
	}
}
