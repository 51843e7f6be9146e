package query_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store/query"
)

// TestKeptFilter: on an attribute or extension a subset narrowed, a
// value holding nothing the model keeps is none, so a value stored before
// the narrowing whose members the model all leaves out is not found;
// other nodes keep their meaning.
func TestKeptFilter(t *testing.T) {
	const ent = resources.EnterpriseUserSchema
	m, err := resources.NewModel(resources.ModelConfig{UserAttributes: []string{
		"id", "meta", "userName", "active", "name.givenName", "name.familyName", "emails.value", ent + ":department",
	}})
	require.NoError(t, err)
	rt := m.User
	p := filter.Parser{Schemas: rt.KnownSchemaURNs()}
	for _, tc := range []struct{ filter, want string }{
		{`name pr`, `name[familyName pr or givenName pr]`},
		{`NAME pr`, `NAME[familyName pr or givenName pr]`},
		{`emails pr`, `emails[value pr]`},
		{ent + ` pr`, ent + `:department pr`},
		{`emails[value sw "a"]`, `emails[value sw "a" and value pr]`},
		{`name[not (givenName pr)]`, `name[not (givenName pr) and (familyName pr or givenName pr)]`},
		{`emails.value ne "a"`, `emails[value ne "a" and value pr]`},
		{`emails ne "a"`, `emails[value ne "a" and value pr]`},
		{`emails.value eq "a"`, ""},
		{`emails.value ne null`, ""},
		{`name.givenName ne "a"`, ""},
		{`name.givenName pr`, ""},
		{`userName pr`, ""},
		{ent + `:department pr`, ""},
	} {
		e, err := p.Parse(tc.filter)
		require.NoError(t, err)
		got := query.KeptFilter(rt, e)
		if tc.want == "" {
			assert.Nil(t, got, tc.filter)
			continue
		}
		require.NotNil(t, got, tc.filter)
		assert.Equal(t, tc.want, got.String(), tc.filter)
	}
	// The full model narrows nothing.
	e, err := p.Parse(`name pr`)
	require.NoError(t, err)
	assert.Nil(t, query.KeptFilter(resources.DefaultModel().User, e))

	// A user stored before the narrowing, with only name.middleName and
	// an email without a value: neither is there, as a GET shows.
	old := &resources.User{UserName: "old", Name: &resources.Name{MiddleName: "Jane"},
		Emails: []resources.MultiValue{{Type: "work"}}, Enterprise: &resources.EnterpriseUser{CostCenter: "4130"}}
	for _, f := range []string{`name pr`, `emails pr`, ent + ` pr`, `emails.value ne "a"`, `emails[not (value pr)]`, `name[not (givenName pr)]`} {
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
