package resources

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFieldNamesAreCanonical: every attribute the field tables read (the
// one place each typed value's names are written) is in canonicalNames,
// so UserFromJSON and GroupFromJSON read its name without allocating; an
// attribute added to a table that the schema definitions lack fails here.
func TestFieldNamesAreCanonical(t *testing.T) {
	names := map[string][]string{
		"User": fieldNames(userFields), "Group": fieldNames(groupFields), "Name": fieldNames(nameFields),
		"MultiValue": fieldNames(multiValueFields), "Address": fieldNames(addressFields),
		"GroupRef": fieldNames(groupRefFields), "Member": fieldNames(memberFields), "Meta": fieldNames(metaFields),
		"EnterpriseUser": fieldNames(enterpriseFields), "Manager": fieldNames(managerFields),
	}
	require.Contains(t, names["User"], "userName")
	require.Contains(t, names["Group"], "members")
	for typ, ks := range names {
		assert.LessOrEqual(t, len(ks), 64, "%s: scanFields' seen mask holds 64 fields", typ)
		for _, k := range ks {
			assert.Equal(t, k, canonicalNames[k], "%s reads %q, which canonicalNames lacks", typ, k)
		}
	}
	// The enterprise extension is matched by strings.EqualFold, not a field.
	assert.Equal(t, EnterpriseUserSchema, canonicalNames[EnterpriseUserSchema])
	assert.Equal(t, "schemas", canonicalNames["schemas"])
}

func fieldNames[T any](fields []field[T]) []string {
	out := make([]string, len(fields))
	for i, f := range fields {
		out[i] = f.name
	}
	return out
}

// TestUserFromJSONEnterpriseExtra: the enterprise attributes User has no
// field for keep their stored text, built once from it (not the encoding
// of their decoded values: key order and spacing would differ), and a
// field's name in another spelling is not one of them.
func TestUserFromJSONEnterpriseExtra(t *testing.T) {
	for _, tt := range []struct {
		name, ext  string
		dept, cost string
		extra      map[string]string
	}{
		{"fields only", `{"department":"d","Division":"x"}`, "d", "", nil},
		{"extra kept as text", `{"department":"d","y":{"b":1, "a":[1, 2]},"x":1.50}`, "d", "",
			map[string]string{"y": `{"b":1, "a":[1, 2]}`, "x": `1.50`}},
		{"escaped name", `{"\u0061b":"v","costCenter":"c"}`, "", "c", map[string]string{"ab": `"v"`}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			u, err := UserFromJSON([]byte(`{"userName":"u","` + EnterpriseUserSchema + `":` + tt.ext + `}`))
			require.NoError(t, err)
			require.NotNil(t, u.Enterprise)
			assert.Equal(t, tt.dept, u.Enterprise.Department)
			assert.Equal(t, tt.cost, u.Enterprise.CostCenter)
			var got map[string]string
			for k, v := range u.Enterprise.Extra {
				if got == nil {
					got = map[string]string{}
				}
				got[k] = string(v)
			}
			assert.Equal(t, tt.extra, got)
		})
	}
	u, err := UserFromJSON([]byte(`{"userName":"u","` + EnterpriseUserSchema + `":null}`))
	require.NoError(t, err)
	assert.Nil(t, u.Enterprise, "null is no extension")
}
