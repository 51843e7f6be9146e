package resources

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSubFieldsClearable: the fields FitUser clears a narrowed value's
// sub-attributes by (clearFields) are, for each attribute it narrows, the
// attribute's sub-attributes, each a string or a boolean it can clear:
// a sub-attribute added to one and not the other would be kept in a read
// that /Schemas says the server leaves out.
func TestSubFieldsClearable(t *testing.T) {
	rt := NewUserType()
	for _, tt := range []struct {
		attr   string
		fields []string
	}{
		{"name", clearable(t, nameFields)},
		{"addresses", clearable(t, addressFields)},
		{"emails", clearable(t, multiValueFields)},
		{"phoneNumbers", clearable(t, multiValueFields)},
		{"ims", clearable(t, multiValueFields)},
		{"photos", clearable(t, multiValueFields)},
		{"entitlements", clearable(t, multiValueFields)},
		{"roles", clearable(t, multiValueFields)},
		{"x509Certificates", clearable(t, multiValueFields)},
	} {
		a, _ := rt.Attr("", tt.attr)
		require.NotNil(t, a, tt.attr)
		var subs []string
		for _, s := range a.SubAttributes {
			subs = append(subs, s.Name)
		}
		assert.ElementsMatch(t, subs, tt.fields, tt.attr)
		if tt.attr != "name" && tt.attr != "addresses" {
			assert.NotNil(t, multiValues(&User{}, tt.attr), "FitUser finds the list of %s", tt.attr)
		}
	}
}

// clearable returns the names of fields, each checked to be one
// clearFields clears.
func clearable[S any](t *testing.T, fields []field[S]) []string {
	var out []string
	for _, f := range fields {
		assert.True(t, f.str != nil || f.boolean != nil, "%s is neither a string nor a boolean", f.name)
		out = append(out, f.name)
	}
	return out
}
