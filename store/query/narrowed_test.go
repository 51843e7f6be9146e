package query_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store/query"
)

// TestKeptPresence: "pr" on an attribute or extension a subset narrowed
// tests what the model keeps, so a value stored before the narrowing
// whose members the model all leaves out is no value; other paths keep
// their meaning.
func TestKeptPresence(t *testing.T) {
	const ent = resources.EnterpriseUserSchema
	m, err := resources.NewModel(resources.ModelConfig{UserAttributes: []string{
		"id", "meta", "userName", "active", "name.givenName", "name.familyName", "emails.value", ent + ":department",
	}})
	require.NoError(t, err)
	rt := m.User
	p := filter.Parser{Schemas: rt.KnownSchemaURNs()}
	for _, tc := range []struct{ path, want string }{
		{"name", `name[familyName pr or givenName pr]`},
		{"NAME", `NAME[familyName pr or givenName pr]`},
		{"emails", `emails[value pr]`},
		{ent, ent + `:department pr`},
		{"name.givenName", ""},
		{"userName", ""},
		{ent + ":department", ""},
	} {
		ap, err := p.ParsePath(tc.path)
		require.NoError(t, err)
		got := query.KeptPresence(rt, ap.AttrPath)
		if tc.want == "" {
			assert.Nil(t, got, tc.path)
			continue
		}
		require.NotNil(t, got, tc.path)
		assert.Equal(t, tc.want, got.String(), tc.path)
	}
	// The full model narrows nothing.
	ap, err := p.ParsePath("name")
	require.NoError(t, err)
	assert.Nil(t, query.KeptPresence(resources.DefaultModel().User, ap.AttrPath))

	// A user stored before the narrowing, with only name.middleName and
	// an email without a value: neither is present, as a GET shows.
	old := &resources.User{UserName: "old", Name: &resources.Name{MiddleName: "Jane"},
		Emails: []resources.MultiValue{{Type: "work"}}, Enterprise: &resources.EnterpriseUser{CostCenter: "4130"}}
	for _, f := range []string{`name pr`, `emails pr`, ent + ` pr`} {
		e, err := p.Parse(f)
		require.NoError(t, err)
		ok, err := query.MatchUser(rt, e, old)
		require.NoError(t, err)
		assert.False(t, ok, f)
		ok, err = query.MatchUser(resources.DefaultModel().User, e, old)
		require.NoError(t, err)
		assert.True(t, ok, "on the full model %s holds", f)
	}
}
