package resources_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/resources"
)

const ent = resources.EnterpriseUserSchema

// userCore lists every attribute of the core User schema and the common
// ones except those named in drop.
func userCore(drop ...string) []string {
	var out []string
	for _, a := range resources.NewUserType().Schema.Attributes {
		out = append(out, a.Name)
	}
	out = append(out, "id", "externalId", "meta")
	for _, d := range drop {
		for i, n := range out {
			if n == d {
				out = append(out[:i], out[i+1:]...)
				break
			}
		}
	}
	return out
}

func schemaAttrNames(s *resources.Schema) []string {
	var doc struct {
		Attributes []struct{ Name string } `json:"attributes"`
	}
	if err := json.Unmarshal(s.Document(), &doc); err != nil {
		panic(err)
	}
	var out []string
	for _, a := range doc.Attributes {
		out = append(out, a.Name)
	}
	return out
}

func TestModelSubsetErrors(t *testing.T) {
	acme, err := resources.NewSchema("urn:example:acme:2.0:User", "Acme", "", &resources.Attribute{Name: "badge", Type: resources.TypeString})
	require.NoError(t, err)
	for _, tt := range []struct {
		name string
		cfg  resources.ModelConfig
		want string
	}{
		{"userName left out", resources.ModelConfig{UserAttributes: []string{"id", "meta", "active"}},
			`ModelConfig.UserAttributes leaves out "userName", which a User cannot do without: it is the user's unique identifier`},
		{"active left out", resources.ModelConfig{UserAttributes: []string{"id", "meta", "userName"}},
			`leaves out "active", which a User cannot do without: identity providers deprovision`},
		{"id left out", resources.ModelConfig{UserAttributes: []string{"userName", "meta", "active"}},
			`leaves out "id"`},
		{"meta left out", resources.ModelConfig{UserAttributes: []string{"userName", "id", "active"}},
			`leaves out "meta"`},
		{"empty list", resources.ModelConfig{UserAttributes: []string{}}, `(every subset keeps id, meta, userName, active)`},
		{"members left out", resources.ModelConfig{GroupAttributes: []string{"id", "meta", "displayName"}},
			`ModelConfig.GroupAttributes leaves out "members", which a Group cannot do without`},
		{"displayName left out", resources.ModelConfig{GroupAttributes: []string{"id", "meta", "members"}},
			`leaves out "displayName"`},
		{"a sub-attribute path", resources.ModelConfig{UserAttributes: append(userCore(), "name.givenName")},
			`"name.givenName": a subset lists top-level attributes, whose sub-attributes all come with them; list "name"`},
		{"an enterprise sub-attribute", resources.ModelConfig{UserAttributes: append(userCore(), ent+":manager.value")},
			`list "manager"`},
		{"unknown attribute", resources.ModelConfig{UserAttributes: append(userCore(), "adresses")},
			`"adresses" is not an attribute of urn:ietf:params:scim:schemas:core:2.0:User`},
		{"enterprise attribute without its URN", resources.ModelConfig{UserAttributes: append(userCore(), "department")},
			`enterprise attributes are written with their URN`},
		{"unknown enterprise attribute", resources.ModelConfig{UserAttributes: append(userCore(), ent+":shoeSize")},
			`is not an attribute of ` + ent},
		{"unknown schema", resources.ModelConfig{UserAttributes: append(userCore(), "urn:example:nothing:2.0:User:x")},
			`names no schema of the User resource type`},
		{"host extension", resources.ModelConfig{UserExtensions: []*resources.Schema{acme}, UserAttributes: append(userCore(), acme.ID+":badge")},
			`a host extension is kept whole`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m, err := resources.NewModel(tt.cfg)
			require.Error(t, err)
			assert.Nil(t, m)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestModelSubset(t *testing.T) {
	m, err := resources.NewModel(resources.ModelConfig{
		UserAttributes:  append(userCore("addresses", "x509Certificates", "phoneNumbers", "externalId"), "SCHEMAS", ent+":DEPARTMENT", ent+":manager", ent+":department"),
		GroupAttributes: []string{"id", "meta", "displayName", "members"},
	})
	require.NoError(t, err)

	names := schemaAttrNames(m.User.Schema)
	assert.NotContains(t, names, "addresses")
	assert.NotContains(t, names, "x509Certificates")
	assert.NotContains(t, names, "phoneNumbers")
	assert.Contains(t, names, "emails")
	assert.Equal(t, []string{"department", "manager"}, schemaAttrNames(m.User.Extension(ent)), "in the schema's order")
	a, _ := m.User.Attr("", "externalId")
	assert.Nil(t, a, "a common attribute can be left out")
	a, _ = m.Group.Attr("", "externalId")
	assert.Nil(t, a)

	// Every path resolver sees the subset.
	for _, p := range []string{"addresses", "PhoneNumbers", "externalId", ent + ":costCenter", resources.UserSchema + ":addresses", `addresses[type eq "work"].locality`} {
		assert.True(t, m.User.Omits(p), p)
	}
	assert.False(t, m.User.Omits(ent), "part of the extension is kept")
	assert.False(t, m.User.Omits("emails"), "supported")
	assert.False(t, m.User.Omits("adreses"), "defined by no schema")
	assert.False(t, resources.DefaultModel().User.Omits("addresses"), "no subset")

	// A model built twice from the same subset is the same; a different
	// subset is not.
	again, err := resources.NewModel(resources.ModelConfig{
		UserAttributes:  append(userCore("addresses", "x509Certificates", "phoneNumbers", "externalId"), ent+":department", ent+":manager"),
		GroupAttributes: []string{"id", "meta", "displayName", "members"},
	})
	require.NoError(t, err)
	assert.True(t, m.Same(again))
	assert.False(t, m.Same(resources.DefaultModel()))
	full, err := resources.NewModel(resources.ModelConfig{UserAttributes: append(userCore(), ent)})
	require.NoError(t, err)
	assert.True(t, full.Same(resources.DefaultModel()), "a subset of everything is the whole")

	// No enterprise attribute listed: the extension is gone.
	noEnt, err := resources.NewModel(resources.ModelConfig{UserAttributes: userCore()})
	require.NoError(t, err)
	assert.Nil(t, noEnt.User.Extension(ent))
	assert.Equal(t, []string{resources.UserSchema}, noEnt.User.SchemaURNs())
	assert.True(t, noEnt.User.Omits(ent))
	assert.True(t, noEnt.User.Omits(ent+":department"))
}

// TestSubsetNormalize: what the subset leaves out follows the
// unknown-attribute policy, with words that say why.
func TestSubsetNormalize(t *testing.T) {
	m, err := resources.NewModel(resources.ModelConfig{UserAttributes: append(userCore("addresses"), ent+":department")})
	require.NoError(t, err)
	in := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"a","addresses":[{"type":"work"}],"adreses":1,
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"D","costCenter":"9"}}`
	l := &resources.Lenience{}
	got, err := m.User.Normalize(decode(t, in), l)
	require.NoError(t, err)
	assert.Equal(t, decode(t, `{"userName":"a","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"D"}}`), got)
	assert.ElementsMatch(t, []string{
		`ignored unsupported attribute "addresses" (this server leaves it out of /Schemas)`,
		`ignored unsupported attribute "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter" (this server leaves it out of /Schemas)`,
		`ignored unknown attribute "adreses"`,
	}, l.Warnings)

	_, err = m.User.Normalize(decode(t, `{"userName":"a","ADDRESSES":[]}`), &resources.Lenience{Strict: true})
	var ae *resources.AttrError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, "invalidSyntax", ae.ScimType)
	assert.Equal(t, `attribute "ADDRESSES": is not supported by this server, which leaves it out of /Schemas; remove it from the request, or from the identity provider's attribute mapping (strict mode)`, err.Error())
}

// fullUser sets a value in every attribute of the built-in User schemas.
func fullUser() *resources.User {
	return &resources.User{
		ID: "id", ExternalID: "ext", UserName: "u", Name: &resources.Name{GivenName: "G"}, DisplayName: "D",
		NickName: "N", ProfileURL: "https://p", Title: "T", UserType: "UT", PreferredLanguage: "en",
		Locale: "en-US", Timezone: "UTC", Active: resources.Bool(true), Password: "pw",
		Emails: []resources.MultiValue{{Value: "e"}}, PhoneNumbers: []resources.MultiValue{{Value: "p"}},
		IMs: []resources.MultiValue{{Value: "i"}}, Photos: []resources.MultiValue{{Value: "https://ph"}},
		Addresses: []resources.Address{{Locality: "L"}}, Groups: []resources.GroupRef{{Value: "g"}},
		Entitlements: []resources.MultiValue{{Value: "en"}}, Roles: []resources.MultiValue{{Value: "r"}},
		X509Certificates: []resources.MultiValue{{Value: "x"}},
		Enterprise: &resources.EnterpriseUser{EmployeeNumber: "1", CostCenter: "2", Organization: "3", Division: "4",
			Department: "5", Manager: &resources.Manager{Value: "m"}},
		Meta: resources.Meta{Version: "v"},
	}
}

// TestFitUser: for each attribute a subset may leave out, FitUser clears
// exactly that one, so a response carries only what /Schemas advertises.
func TestFitUser(t *testing.T) {
	all := resources.DefaultModel()
	fullDoc, err := resources.ToMap(fullUser())
	require.NoError(t, err)
	entDoc := fullDoc[ent].(map[string]any)
	required := map[string]bool{"id": true, "meta": true, "userName": true, "active": true}
	var droppable []string
	for _, n := range userCore() {
		if !required[n] {
			droppable = append(droppable, n)
		}
	}
	for _, a := range all.User.Extension(ent).Attributes {
		droppable = append(droppable, ent+":"+a.Name)
	}
	for _, drop := range droppable {
		t.Run(drop, func(t *testing.T) {
			var keep []string
			if strings.HasPrefix(drop, ent) {
				keep = userCore()
				for _, a := range all.User.Extension(ent).Attributes {
					if ent+":"+a.Name != drop {
						keep = append(keep, ent+":"+a.Name)
					}
				}
			} else {
				keep = append(userCore(drop), ent)
			}
			m, err := resources.NewModel(resources.ModelConfig{UserAttributes: keep})
			require.NoError(t, err)
			u := fullUser()
			m.FitUser(u)
			doc, err := resources.ToMap(u)
			require.NoError(t, err)
			if name, ok := strings.CutPrefix(drop, ent+":"); ok {
				e := doc[ent].(map[string]any)
				assert.NotContains(t, e, name)
				assert.Len(t, e, len(entDoc)-1)
				return
			}
			assert.NotContains(t, doc, drop)
			assert.Len(t, doc, len(fullDoc)-1, "only %s is cleared", drop)
		})
	}

	t.Run("whole enterprise extension", func(t *testing.T) {
		m, err := resources.NewModel(resources.ModelConfig{UserAttributes: userCore()})
		require.NoError(t, err)
		u := fullUser()
		m.FitUser(u)
		assert.Nil(t, u.Enterprise)
	})
	t.Run("no subset changes nothing", func(t *testing.T) {
		u := fullUser()
		all.FitUser(u)
		assert.Equal(t, fullUser(), u)
		all.FitUser(nil)
	})
	t.Run("group externalId", func(t *testing.T) {
		m, err := resources.NewModel(resources.ModelConfig{GroupAttributes: []string{"id", "meta", "displayName", "members"}})
		require.NoError(t, err)
		g := &resources.Group{ID: "g", ExternalID: "x", DisplayName: "G"}
		m.FitGroup(g)
		assert.Equal(t, &resources.Group{ID: "g", DisplayName: "G"}, g)
	})
}

func TestNarrowsExtension(t *testing.T) {
	all := []string{ent + ":employeeNumber", ent + ":costCenter", ent + ":organization", ent + ":division", ent + ":department", ent + ":manager"}
	tests := []struct {
		name string
		cfg  resources.ModelConfig
		want bool
	}{
		{"no subset", resources.ModelConfig{}, false},
		{"a core subset, every enterprise attribute", resources.ModelConfig{UserAttributes: append(userCore("addresses"), all...)}, false},
		{"one enterprise attribute left out", resources.ModelConfig{UserAttributes: append(userCore(), all[1:]...)}, true},
		{"the enterprise extension left out", resources.ModelConfig{UserAttributes: userCore()}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := resources.NewModel(tt.cfg)
			require.NoError(t, err)
			assert.Equal(t, tt.want, m.User.NarrowsExtension(ent))
			assert.False(t, m.User.NarrowsExtension("urn:example:none"), "an extension the full type lacks is never narrowed")
		})
	}
}

// TestOmittedIn: the paths of a filter a subset leaves out, each outer
// path once per mention, in the filter's order; a value filter's inner
// paths are the kept attribute's sub-attributes.
func TestOmittedIn(t *testing.T) {
	m, err := resources.NewModel(resources.ModelConfig{
		UserAttributes:  append(userCore("addresses", "title", "externalId"), ent+":department"),
		GroupAttributes: []string{"id", "meta", "displayName", "members"},
	})
	require.NoError(t, err)
	p := filter.Parser{Schemas: resources.NewUserType().KnownSchemaURNs()}
	for _, tt := range []struct {
		filter string
		want   []string
	}{
		{`userName eq "a"`, nil},
		{`emails[type eq "work"].value eq "a@example.com"`, nil},
		{`title pr`, []string{"title"}},
		{`userName eq "a" or (not (title eq "x") and externalId pr)`, []string{"title", "externalId"}},
		{`addresses[type eq "work"]`, []string{"addresses"}},
		{ent + `:department eq "x" and ` + ent + `:costCenter pr`, []string{ent + ":costCenter"}},
		{`adreses pr`, nil}, // defined by no schema: unknown, not left out
	} {
		e, err := p.Parse(tt.filter)
		require.NoError(t, err, tt.filter)
		assert.Equal(t, tt.want, m.User.OmittedIn(e), tt.filter)
		assert.Nil(t, resources.DefaultModel().User.OmittedIn(e), "no subset: %s", tt.filter)
	}
}
