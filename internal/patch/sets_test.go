package patch

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/resources"
)

// TestSetsIsApply: the password Sets forecasts for a PATCH is the one
// ApplyTo leaves in the document when it applies the operations, in each
// way a provider names it (a path, a no-path value's key, plain, dotted,
// qualified by the core schema's URN, under the core schema's URN as a
// path or a key); where Sets forecasts none, ApplyTo leaves the stored
// one or none. A PATCH whose paths or keys ApplyTo refuses gets no
// forecast either (refused: nothing is applied, and nothing is readied).
func TestSetsIsApply(t *testing.T) {
	const stored = "stored-hash"
	doc := func() map[string]any {
		return map[string]any{"schemas": []any{resources.UserSchema}, "userName": "bjensen", "password": stored,
			"emails": []any{map[string]any{"value": "b@example.com", "type": "work"}}}
	}
	op := func(o, path string, v any) Operation { return Operation{Op: o, Path: path, Value: v} }
	obj := func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	const core = resources.UserSchema
	const ent = resources.EnterpriseUserSchema
	for _, tt := range []struct {
		name    string
		ops     []Operation
		want    string // "" for no forecast, unless empty
		empty   bool   // the forecast is "" (which the handler takes for none)
		refused bool   // ApplyTo refuses the operations
	}{
		{name: "the path", ops: []Operation{op("replace", "password", "p1")}, want: "p1"},
		{name: "beside another operation", ops: []Operation{op("replace", "title", "T"), op("Replace", "password", "p1")}, want: "p1"},
		{name: "add", ops: []Operation{op("add", "password", "p1")}, want: "p1"},
		{name: "Entra's capitalised ops", ops: []Operation{op("Add", "password", "p0"), op("Replace", "password", "p1")}, want: "p1"},
		{name: "in another case", ops: []Operation{op("REPLACE", " PASSWORD", "p1")}, want: "p1"},
		{name: "qualified by the core URN", ops: []Operation{op("replace", core+":password", "p1")}, want: "p1"},
		{name: "qualified by the core URN in another case", ops: []Operation{op("replace", strings.ToUpper(core)+":Password", "p1")}, want: "p1"},
		{name: "the core URN as the path, its object holding it", ops: []Operation{op("replace", core, obj("password", "p1", "title", "T"))}, want: "p1"},
		{name: "the core URN as the path of an add", ops: []Operation{op("Add", core, obj("Password", "p1"))}, want: "p1"},
		{name: "a key of a value without a path", ops: []Operation{op("replace", "", obj("password", "p1", "title", "T"))}, want: "p1"},
		{name: "Entra's Replace without a path", ops: []Operation{op("Replace", "", obj("PASSWORD", "p1"))}, want: "p1"},
		{name: "beside dotted, filtered and extension keys", ops: []Operation{op("replace", "", obj("name.givenName", "B", `emails[type eq "work"].value`, "w@example.com",
			ent+":employeeNumber", "7", "password", "p1"))}, want: "p1"},
		{name: "a qualified key", ops: []Operation{op("replace", "", obj(core+":password", "p1"))}, want: "p1"},
		{name: "a key of the core URN's object", ops: []Operation{op("replace", "", obj(core, obj("password", "p1"), "title", "T"))}, want: "p1"},
		{name: "the last of two", ops: []Operation{op("replace", "password", "p1"), op("replace", "", obj("Password", "p2"))}, want: "p2"},
		// One attribute under two keys of a value is refused, with or
		// without its schema's URN (keyTarget.twice), as Normalize
		// refuses it in a body.
		{name: "a key and its qualified spelling", ops: []Operation{op("replace", "", obj("password", "p1", core+":password", "p2"))}, refused: true},
		{name: "a key and the core URN's object holding it", ops: []Operation{op("replace", "", obj("password", "p1", core, obj("password", "p2")))}, refused: true},
		{name: "the core URN's object beside a filtered key", ops: []Operation{op("replace", "", obj(core, obj("password", "p1", `emails[type eq "work"].value`, "w@example.com")))}, want: "p1"},
		{name: "set, then removed", ops: []Operation{op("replace", "password", "p1"), op("remove", "password", nil)}, want: ""},
		{name: "set, then removed by its qualified path", ops: []Operation{op("replace", "password", "p1"), op("Remove", core+":password", nil)}, want: ""},
		{name: "set, then removed by its value", ops: []Operation{op("replace", "password", "p1"), op("remove", "password", "p1")}, want: ""},
		{name: "set, then a remove by another value", ops: []Operation{op("replace", "password", "p1"), op("remove", "password", "p2")}, want: "p1"},
		{name: "set, then replaced with null", ops: []Operation{op("replace", "password", "p1"), op("replace", "password", JSONNull{})}, want: ""},
		{name: "set, then an add of null", ops: []Operation{op("replace", "password", "p1"), op("add", "password", JSONNull{})}, want: "p1"},
		{name: "set, then a key of null", ops: []Operation{op("replace", "password", "p1"), op("replace", "", obj("password", nil))}, want: ""},
		{name: "the stored one removed by its value", ops: []Operation{op("remove", "password", stored)}, want: ""},
		{name: "beside a filtered path", ops: []Operation{op("Replace", `emails[type eq "work"].value`, "w@example.com"), op("Replace", "password", "p1")}, want: "p1"},
		{name: "another attribute", ops: []Operation{op("replace", "title", "T")}, want: ""},
		{name: "not a string", ops: []Operation{op("replace", "title", "T"), op("replace", "", obj("nickName", "n"))}, want: ""},
		{name: "an empty string", ops: []Operation{op("replace", "password", "")}, empty: true},
		{name: "a value object for the path", ops: []Operation{op("replace", "password", obj("value", "p1"))}, refused: true},
		{name: "a value filter on the secret", ops: []Operation{op("replace", `password[value eq "p0"]`, "p1")}, refused: true},
		{name: "a sub-attribute of the secret", ops: []Operation{op("replace", "password.value", "p1")}, refused: true},
		{name: "two spellings in one value", ops: []Operation{op("replace", "", obj("password", "p1", "PASSWORD", "p2"))}, refused: true},
		{name: "a qualified key inside the core URN's object", ops: []Operation{op("replace", "", obj(core, obj(core+":password", "p1")))}, refused: true},
		{name: "the core URN's value not an object", ops: []Operation{op("replace", "", obj(core, "p1"))}, refused: true},
		{name: "before an unknown op", ops: []Operation{op("replace", "password", "p1"), op("move", "title", "T")}, refused: true},
		{name: "before an unparsable path", ops: []Operation{op("replace", "password", "p1"), op("replace", "emails[", "x")}, refused: true},
		{name: "before a remove without a path", ops: []Operation{op("replace", "password", "p1"), op("remove", "", nil)}, refused: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := userEng.Sets(tt.ops, "password")
			assert.Equal(t, tt.want != "" || tt.empty, ok)
			assert.Equal(t, tt.want, got)
			d := doc()
			err := userEng.ApplyTo(d, tt.ops, &resources.Lenience{})
			if tt.refused {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
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
