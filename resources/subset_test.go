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
		{"a multi-valued attribute without its value", resources.ModelConfig{UserAttributes: append(userCore("emails"), "emails.type", "emails.primary")},
			`ModelConfig.UserAttributes keeps emails without emails.value, which it cannot do without: emails is a list of values (or a reference) identified by their value (RFC 7643 §2.4); add "emails.value"`},
		{"the manager without its value", resources.ModelConfig{UserAttributes: append(userCore(), ent+":department", ent+":manager.displayName")},
			`add "` + ent + `:manager.value"`},
		{"an unknown sub-attribute", resources.ModelConfig{UserAttributes: append(userCore("name"), "name.nickName")},
			`"name.nickName": name has no sub-attribute "nickName" (it has formatted, familyName, givenName, middleName, honorificPrefix, honorificSuffix)`},
		{"a sub-attribute of a simple attribute", resources.ModelConfig{UserAttributes: append(userCore(), "title.value")},
			`"title.value": title has no sub-attributes; list "title"`},
		{"a sub-attribute of meta", resources.ModelConfig{UserAttributes: append(userCore("meta"), "meta.version")},
			`"meta.version": meta is kept whole, with all its sub-attributes; list "meta"`},
		{"a sub-attribute of members", resources.ModelConfig{GroupAttributes: []string{"id", "meta", "displayName", "members.value"}},
			`"members.value": members is kept whole, with all its sub-attributes; list "members"`},
		{"a sub-attribute of an unknown attribute", resources.ModelConfig{UserAttributes: append(userCore(), "nmae.givenName")},
			`"nmae.givenName" is not an attribute of urn:ietf:params:scim:schemas:core:2.0:User`},
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

// subModel keeps the columns of a host with one users table: userName,
// name.givenName, name.familyName, emails.value and active (with id and
// meta, which every subset keeps), and the enterprise manager by its
// value.
func subModel(t *testing.T) *resources.Model {
	t.Helper()
	m, err := resources.NewModel(resources.ModelConfig{UserAttributes: []string{
		"id", "meta", "userName", "NAME.givenName", "name.familyName", "emails.value", "active", ent + ":manager.value"}})
	require.NoError(t, err)
	return m
}

// TestModelSubAttributes: a subset entry may name a sub-attribute; the
// attribute is then kept with the listed sub-attributes only, and every
// path resolver sees it so.
func TestModelSubAttributes(t *testing.T) {
	m := subModel(t)
	assert.Equal(t, []string{"userName", "name", "active", "emails"}, schemaAttrNames(m.User.Schema))
	subNames := func(a *resources.Attribute) []string {
		var out []string
		for _, s := range a.SubAttributes {
			out = append(out, s.Name)
		}
		return out
	}
	name, _ := m.User.Attr("", "name")
	assert.Equal(t, []string{"familyName", "givenName"}, subNames(name), "in the schema's order, canonically spelled")
	emails, _ := m.User.Attr("", "emails")
	assert.Equal(t, []string{"value"}, subNames(emails))
	manager := m.User.Extension(ent).Attr("manager")
	assert.Equal(t, []string{"value", "$ref", "displayName"}, subNames(manager), "what the server makes comes with the value")
	assert.Contains(t, string(m.User.Schema.Document()), `"givenName"`)
	assert.NotContains(t, string(m.User.Schema.Document()), `"middleName"`, "/Schemas advertises only the kept sub-attributes")
	assert.NotContains(t, string(m.User.Schema.Document()), `"display"`)

	for _, p := range []string{"name.middleName", "NAME.formatted", "emails.display", "emails.type", "emails.primary",
		resources.UserSchema + ":name.honorificPrefix", `emails[type eq "work"].primary`} {
		assert.True(t, m.User.Omits(p), p)
	}
	for _, p := range []string{"name", "name.givenName", "emails", "emails.value", "name.nothing", ent + ":manager.displayName"} {
		assert.False(t, m.User.Omits(p), p)
	}

	// Listing the attribute whole as well keeps it whole.
	whole, err := resources.NewModel(resources.ModelConfig{UserAttributes: append(userCore(), "name.givenName", ent)})
	require.NoError(t, err)
	assert.True(t, whole.Same(resources.DefaultModel()))
	// Every sub-attribute listed is the attribute whole, as /Schemas says.
	all, err := resources.NewModel(resources.ModelConfig{UserAttributes: append(userCore("emails"), ent, "emails.value", "emails.display", "emails.type", "emails.primary")})
	require.NoError(t, err)
	assert.True(t, all.Same(resources.DefaultModel()))
	assert.False(t, m.Same(resources.DefaultModel()))
	again, err := resources.NewModel(resources.ModelConfig{UserAttributes: []string{"id", "meta", "userName", "active", "name.familyName", "name.givenName", "emails.value", ent + ":manager"}})
	require.NoError(t, err)
	assert.True(t, m.Same(again), "the same subset in another order; manager's value keeps it whole")
}

// TestSubAttributesNormalize: a dropped sub-attribute in a body follows
// the unknown-attribute policy with the words of a dropped attribute.
func TestSubAttributesNormalize(t *testing.T) {
	m := subModel(t)
	in := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"a","name":{"givenName":"G","middleName":"M","formatted":"G M"},
		"emails":[{"value":"a@example.com","type":"work","primary":true,"display":"A"}],"nickName":"n"}`
	l := &resources.Lenience{}
	got, err := m.User.Normalize(decode(t, in), l)
	require.NoError(t, err)
	assert.Equal(t, decode(t, `{"userName":"a","name":{"givenName":"G"},"emails":[{"value":"a@example.com"}]}`), got)
	assert.ElementsMatch(t, []string{
		`ignored unsupported attribute "name.middleName" (this server leaves it out of /Schemas)`,
		`ignored unsupported attribute "name.formatted" (this server leaves it out of /Schemas)`,
		`ignored unsupported attribute "emails.type" (this server leaves it out of /Schemas)`,
		`ignored unsupported attribute "emails.primary" (this server leaves it out of /Schemas)`,
		`ignored unsupported attribute "emails.display" (this server leaves it out of /Schemas)`,
		`ignored unsupported attribute "nickName" (this server leaves it out of /Schemas)`,
	}, l.Warnings)

	_, err = m.User.Normalize(decode(t, `{"userName":"a","name":{"MiddleName":"M"}}`), &resources.Lenience{Strict: true})
	var ae *resources.AttrError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, "invalidSyntax", ae.ScimType)
	assert.Equal(t, `attribute "name.MiddleName": is not supported by this server, which leaves it out of /Schemas; remove it from the request, or from the identity provider's attribute mapping (strict mode)`, err.Error())

	l = &resources.Lenience{}
	_, err = m.User.Normalize(decode(t, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"a","name":{"nickName":"x"}}`), l)
	require.NoError(t, err)
	assert.Equal(t, []string{`ignored unknown attribute "name.nickName"`}, l.Warnings, "no schema defines it: unknown, not unsupported")
}

// TestFitUserSubAttributes: a user stored before the host narrowed its
// model comes back without the dropped sub-attributes, and the store's
// copy, which a read-only read shares, is untouched.
func TestFitUserSubAttributes(t *testing.T) {
	m := subModel(t)
	stored := &resources.User{UserName: "u",
		Name:      &resources.Name{GivenName: "G", FamilyName: "F", MiddleName: "M", Formatted: "G M F"},
		Emails:    []resources.MultiValue{{Value: "a@example.com", Type: "work", Primary: resources.Bool(true), Display: "A"}, {Display: "only a display"}},
		Addresses: []resources.Address{{Locality: "L"}},
	}
	u := *stored // a shallow copy, as a read-only read returns
	m.FitUser(&u)
	assert.Equal(t, &resources.Name{GivenName: "G", FamilyName: "F"}, u.Name)
	assert.Equal(t, []resources.MultiValue{{Value: "a@example.com"}}, u.Emails, "an element left with nothing goes")
	assert.Nil(t, u.Addresses)
	assert.Equal(t, "M", stored.Name.MiddleName, "the stored user is not written through")
	assert.Equal(t, "A", stored.Emails[0].Display)

	onlyMiddle := &resources.User{UserName: "u", Name: &resources.Name{MiddleName: "M"}}
	m.FitUser(onlyMiddle)
	assert.Nil(t, onlyMiddle.Name, "no kept sub-attribute left: no name")

	addr, err := resources.NewModel(resources.ModelConfig{UserAttributes: append(userCore("addresses"), "addresses.locality", "addresses.type")})
	require.NoError(t, err)
	a := &resources.User{UserName: "u", Addresses: []resources.Address{{Locality: "L", Type: "work", PostalCode: "1", Primary: resources.Bool(true)}, {Country: "X"}}}
	addr.FitUser(a)
	assert.Equal(t, []resources.Address{{Locality: "L", Type: "work"}}, a.Addresses)
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

	sub := subModel(t)
	for _, tt := range []struct {
		filter string
		want   []string
	}{
		{`name.givenName eq "a" and emails.value pr`, nil},
		{`emails[value eq "a"]`, nil},
		{`name.middleName eq "a"`, []string{"name.middleName"}},
		{`emails[type eq "work"].value eq "a"`, []string{"emails.type"}},
		{`emails[type eq "work" and not (display pr)]`, []string{"emails.type", "emails.display"}},
		{`emails.value co "x" or emails.primary eq true`, []string{"emails.primary"}},
		{`nickName pr or name.formatted pr`, []string{"nickName", "name.formatted"}},
		{`addresses[type eq "work"]`, []string{"addresses"}},
	} {
		e, err := p.Parse(tt.filter)
		require.NoError(t, err, tt.filter)
		got := sub.User.OmittedIn(e)
		assert.Equal(t, tt.want, got, tt.filter)
		for _, p := range got {
			assert.True(t, sub.User.Omits(p), "OmittedIn and Omits agree: %s", p)
		}
	}
}

// TestOmitsValueFilter: a path with a value filter is left out when it
// names, outside or inside the brackets, what the subset left out.
func TestOmitsValueFilter(t *testing.T) {
	m := subModel(t)
	for _, tt := range []struct {
		path string
		want bool
	}{
		{`emails[value eq "a"].value`, false},
		{`emails[type eq "work"].value`, true},
		{`emails[value eq "a" or not (display pr)]`, true},
		{`emails[value eq "a"].display`, true},
		{`emails[nothing eq "x"]`, false}, // defined by no schema: unknown, not left out
		{`name[middleName eq "a"]`, true},
		{`name[givenName eq "a"]`, false},
		{`addresses[type eq "work"]`, true},
		{`addresses[nothing eq "x"].nothing`, true}, // the attribute itself is left out
		{ent + `:manager[value eq "m"].displayName`, false},
	} {
		assert.Equal(t, tt.want, m.User.Omits(tt.path), tt.path)
		// Parsed once by its caller, as the PATCH engine and a sortBy
		// parse it, the path is left out alike.
		p, err := filter.Parser{Schemas: m.User.KnownSchemaURNs()}.ParsePath(tt.path)
		require.NoError(t, err, tt.path)
		assert.Equal(t, tt.want, m.User.OmitsPath(p), tt.path)
		assert.False(t, resources.DefaultModel().User.OmitsPath(p), "no subset: %s", tt.path)
	}
}

// BenchmarkOmits is the check the PATCH engine makes of each operation
// whose path has a value filter on a narrowed model, and the handler's of
// a list's filter the evaluator refused.
func BenchmarkOmits(b *testing.B) {
	m, err := resources.NewModel(resources.ModelConfig{UserAttributes: []string{
		"id", "meta", "userName", "name.givenName", "name.familyName", "emails.value", "active"}})
	if err != nil {
		b.Fatal(err)
	}
	e, err := filter.Parse(`emails[value eq "a" and type eq "work"] or name.middleName pr`)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("Omits", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if !m.User.Omits(`emails[value eq "a@example.com" and type eq "work"].value`) {
				b.Fatal("kept")
			}
		}
	})
	b.Run("OmitsPath", func(b *testing.B) {
		p, err := filter.Parser{Schemas: m.User.KnownSchemaURNs()}.ParsePath(`emails[value eq "a@example.com" and type eq "work"].value`)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if !m.User.OmitsPath(p) {
				b.Fatal("kept")
			}
		}
	})
	b.Run("OmittedIn", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if len(m.User.OmittedIn(e)) != 2 {
				b.Fatal(m.User.OmittedIn(e))
			}
		}
	})
}

// BenchmarkFitUser is the cut of each user a narrowed model reads: a
// name, two emails and an address, each with sub-attributes left out.
func BenchmarkFitUser(b *testing.B) {
	m, err := resources.NewModel(resources.ModelConfig{UserAttributes: append(userCore("addresses"),
		"name.givenName", "name.familyName", "emails.value", "emails.type", "addresses.locality")})
	if err != nil {
		b.Fatal(err)
	}
	stored := resources.User{UserName: "u",
		Name:      &resources.Name{GivenName: "G", FamilyName: "F", MiddleName: "M", Formatted: "G M F"},
		Emails:    []resources.MultiValue{{Value: "a@example.com", Type: "work", Primary: resources.Bool(true)}, {Value: "b@example.com", Display: "B"}},
		Addresses: []resources.Address{{Locality: "L", Country: "C", Primary: resources.Bool(true)}},
	}
	b.ReportAllocs()
	for b.Loop() {
		u := stored
		m.FitUser(&u)
	}
}

// TestKeepUnseen: a PUT over a user stored before the model was narrowed
// keeps, attribute by attribute, what a client cannot see where it leaves
// what a GET showed as it was, and writes the attribute as sent where it
// changes it.
func TestKeepUnseen(t *testing.T) {
	m, err := resources.NewModel(resources.ModelConfig{UserAttributes: []string{
		"id", "meta", "userName", "active", "title", "name.givenName", "emails.value"}})
	require.NoError(t, err)
	stored := func() *resources.User {
		return &resources.User{UserName: "u", Title: "T", NickName: "old",
			Name:      &resources.Name{GivenName: "G", MiddleName: "M"},
			Emails:    []resources.MultiValue{{Value: "a@x", Type: "work"}},
			Addresses: []resources.Address{{Locality: "L"}}}
	}
	for _, tc := range []struct {
		name string
		put  *resources.User
		want *resources.User
	}{
		{"what a GET showed: all kept",
			&resources.User{UserName: "u", Title: "T", Name: &resources.Name{GivenName: "G"}, Emails: []resources.MultiValue{{Value: "a@x"}}},
			stored()},
		{"one attribute changed: written as sent, the rest kept",
			&resources.User{UserName: "u", Title: "T", Name: &resources.Name{GivenName: "H"}, Emails: []resources.MultiValue{{Value: "a@x"}}},
			func() *resources.User { u := stored(); u.Name = &resources.Name{GivenName: "H"}; return u }()},
		{"emails and title left out: cleared, what no client sees kept",
			&resources.User{UserName: "u", Name: &resources.Name{GivenName: "G"}},
			func() *resources.User { u := stored(); u.Title, u.Emails = "", nil; return u }()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cur := stored()
			m.KeepUnseen(tc.put, cur)
			assert.Equal(t, tc.want, tc.put)
			assert.Equal(t, stored(), cur, "cur is not written through")
		})
	}
	t.Run("enterprise, attribute by attribute", func(t *testing.T) {
		m, err := resources.NewModel(resources.ModelConfig{UserAttributes: []string{
			"id", "meta", "userName", "active", ent + ":department"}})
		require.NoError(t, err)
		stored := func(dept string) *resources.User {
			return &resources.User{UserName: "u", Enterprise: &resources.EnterpriseUser{Department: dept, CostCenter: "CC1"}}
		}
		for _, tc := range []struct {
			name   string
			stored *resources.User
			put    *resources.User
			want   *resources.User
		}{
			{"department changed: costCenter kept", stored("Eng"),
				&resources.User{UserName: "u", Enterprise: &resources.EnterpriseUser{Department: "Sales"}}, stored("Sales")},
			{"department as shown: all kept", stored("Eng"),
				&resources.User{UserName: "u", Enterprise: &resources.EnterpriseUser{Department: "Eng"}}, stored("Eng")},
			{"department added where only hidden values were stored", stored(""),
				&resources.User{UserName: "u", Enterprise: &resources.EnterpriseUser{Department: "Ops"}}, stored("Ops")},
			{"department left out: cleared, the hidden kept", stored("Eng"),
				&resources.User{UserName: "u"}, stored("")},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := tc.stored.Clone()
				m.KeepUnseen(tc.put, tc.stored)
				assert.Equal(t, tc.want, tc.put)
				assert.Equal(t, before, tc.stored, "cur is not written through")
			})
		}
	})
	// The full model keeps nothing unseen: a PUT is as sent.
	put := &resources.User{UserName: "u"}
	resources.DefaultModel().KeepUnseen(put, stored())
	assert.Equal(t, &resources.User{UserName: "u"}, put)
}
