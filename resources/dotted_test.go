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

// TestQualifyHint: a path without a URN that names an attribute (and
// sub-attribute) of the type's extensions and none of the core schema's
// gets a hint naming the qualified path to send, each extension's when
// several define it; any other gets none.
func TestQualifyHint(t *testing.T) {
	const ent = resources.EnterpriseUserSchema
	inner, err := resources.NewSchema("urn:acme:2.0:User", "Inner", "",
		&resources.Attribute{Name: "department", Type: resources.TypeString}, &resources.Attribute{Name: "badge", Type: resources.TypeString})
	require.NoError(t, err)
	m, err := resources.NewModel(resources.ModelConfig{UserExtensions: []*resources.Schema{inner}})
	require.NoError(t, err)
	const hint = "; an extension's attribute is named after its URN (RFC 7644 §3.10): send "
	for _, tc := range []struct {
		path filter.AttrPath
		want string
	}{
		{filter.AttrPath{Name: "EMPLOYEENUMBER"}, hint + `"` + ent + `:employeeNumber"`},
		{filter.AttrPath{Name: "manager", Sub: "Value"}, hint + `"` + ent + `:manager.value"`},
		{filter.AttrPath{Name: "badge"}, hint + `"urn:acme:2.0:User:badge"`},
		{filter.AttrPath{Name: "department"}, hint + `one of "` + ent + `:department", "urn:acme:2.0:User:department"`},
		{filter.AttrPath{Name: "manager", Sub: "nope"}, ""},
		{filter.AttrPath{Name: "title"}, ""}, // a core attribute
		{filter.AttrPath{Name: "nosuch"}, ""},
		{filter.AttrPath{URI: ent, Name: "nosuch"}, ""},
	} {
		t.Run(tc.path.String(), func(t *testing.T) {
			assert.Equal(t, tc.want, m.User.QualifyHint(tc.path))
		})
	}
	assert.Empty(t, m.Group.QualifyHint(filter.AttrPath{Name: "employeeNumber"}), "a type without the extension")
}

// TestNoAttributeOfAny: the text of a path no type of a query across
// types defines names every type, not the first alone; a path one type
// can say what to send instead of (a sub-attribute, an extension's URN)
// gets that type's text; one type is that type's NoAttribute.
func TestNoAttributeOfAny(t *testing.T) {
	m, err := resources.NewModel(resources.ModelConfig{})
	require.NoError(t, err)
	both := []*resources.ResourceType{m.User, m.Group}
	for _, tc := range []struct {
		name string
		rts  []*resources.ResourceType
		path filter.AttrPath
		want string
	}{
		{"no type defines it", both, filter.AttrPath{Name: "nope"},
			"is not an attribute of User, Group or their extensions; send one that GET /Schemas lists"},
		{"a sub-attribute", both, filter.AttrPath{Name: "emails", Sub: "nope"}, m.User.NoAttribute(filter.AttrPath{Name: "emails", Sub: "nope"})},
		{"a group's sub-attribute", both, filter.AttrPath{Name: "members", Sub: "nope"}, m.Group.NoAttribute(filter.AttrPath{Name: "members", Sub: "nope"})},
		{"an extension's attribute without its URN", both, filter.AttrPath{Name: "employeeNumber"}, m.User.NoAttribute(filter.AttrPath{Name: "employeeNumber"})},
		{"one type", []*resources.ResourceType{m.Group}, filter.AttrPath{Name: "nope"}, m.Group.NoAttribute(filter.AttrPath{Name: "nope"})},
		{"no type", nil, filter.AttrPath{Name: "nope"}, "is not an attribute of any resource type; send one that GET /Schemas lists"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, resources.NoAttributeOfAny(tc.rts, tc.path))
		})
	}
}
