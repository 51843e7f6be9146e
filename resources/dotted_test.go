package resources_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/resources"
)

// TestReadDotted: an attribute of one of the type's extensions written
// after a dot (urn:…:enterprise:2.0:User.department, as the filter
// package parses it) is read with the colon, the URN as the type spells
// it; a path that resolves as written is never read otherwise (a host
// schema urn:acme:2.0 whose complex attribute User has a sub-attribute
// department keeps urn:acme:2.0:User.department, though urn:acme:2.0:User
// is an extension too), nor one of the core schema, of an unknown URN, or
// without a URI or a sub-attribute.
func TestReadDotted(t *testing.T) {
	const ent = resources.EnterpriseUserSchema
	outer, err := resources.NewSchema("urn:acme:2.0", "Outer", "",
		&resources.Attribute{Name: "User", Type: resources.TypeComplex, SubAttributes: []*resources.Attribute{{Name: "department", Type: resources.TypeString}}})
	require.NoError(t, err)
	inner, err := resources.NewSchema("urn:acme:2.0:User", "Inner", "",
		&resources.Attribute{Name: "department", Type: resources.TypeString}, &resources.Attribute{Name: "badge", Type: resources.TypeString})
	require.NoError(t, err)
	m, err := resources.NewModel(resources.ModelConfig{UserExtensions: []*resources.Schema{outer, inner}})
	require.NoError(t, err)
	rt := m.User
	parse := func(s string) filter.AttrPath {
		p, err := filter.Parser{Schemas: m.KnownSchemaURNs()}.ParsePath(s)
		require.NoError(t, err, s)
		return p.AttrPath
	}
	for _, tc := range []struct {
		sent, read string // read "": not read otherwise
	}{
		{ent + ".department", ent + ":department"},
		{"URN:IETF:params:scim:schemas:extension:ENTERPRISE:2.0:user.manager", ent + ":manager"},
		{ent + ".noSuch", ent + ":noSuch"}, // read, then unknown as with the colon
		{"urn:acme:2.0:User.badge", "urn:acme:2.0:User:badge"},
		{"urn:acme:2.0:User.department", ""}, // Outer's User.department, as written
		{resources.UserSchema + ".userName", ""},
		{"urn:example:none:2.0:User.badge", ""},
		{"name.givenName", ""},
		{ent + ":department", ""},
	} {
		t.Run(tc.sent, func(t *testing.T) {
			d, ok := rt.ReadDotted(parse(tc.sent))
			if tc.read == "" {
				assert.False(t, ok)
				return
			}
			require.True(t, ok)
			assert.Equal(t, tc.read, d.Path.String())
			named := `path "` + tc.sent + `"`
			assert.Equal(t, named+` taken as "`+tc.read+`": an extension's attribute follows its URN after a colon`, d.Warning(named))
			assert.Equal(t, named+`: an extension's attribute follows its URN after a colon, not a dot: send "`+tc.read+`" (strict mode)`, d.Refusal(named))
		})
	}
	assert.False(t, rt.Resolve(parse("urn:acme:2.0:User.department")).Missing, "the case above resolves as written")
}
