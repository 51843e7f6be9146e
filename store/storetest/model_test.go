package storetest

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
)

// TestOmittedBy: the attributes a case of a list uses that a narrowed
// model leaves out, from its filter, its sortBy and the data it names,
// each once; and what a list's failure adds when it names one.
func TestOmittedBy(t *testing.T) {
	m, err := resources.NewModel(resources.ModelConfig{
		UserAttributes:  []string{"id", "meta", "userName", "name", "emails", "active"},
		GroupAttributes: []string{"id", "meta", "displayName", "members"},
	})
	require.NoError(t, err)
	const dept = resources.EnterpriseUserSchema + ":department"
	for _, tt := range []struct {
		name   string
		filter string
		sortBy string
		data   []string
		want   []string
		// unasked is in what a failure of the list adds ("": nothing).
		unasked string
	}{
		{name: "everything kept", filter: `userName sw "a" and emails[type eq "work"].value eq "x"`, sortBy: "name.familyName"},
		{name: "no query"},
		{name: "filter", filter: `title pr or (externalId eq "x" and userName eq "y")`, want: []string{"title", "externalId"},
			unasked: "But the store's model leaves out the User attributes title, externalId, which this query names: the handler refuses it"},
		{name: "sortBy", sortBy: "title", want: []string{"title"}, unasked: "leaves out the User attributes title, which"},
		{name: "each once", filter: `title pr and not (title eq "x")`, sortBy: "title", data: []string{"title"}, want: []string{"title"},
			unasked: "leaves out the User attributes title, which"},
		{name: "data", filter: `schemas pr`, data: []string{dept, "emails"}, want: []string{dept}}, // a list names no data
	} {
		t.Run(tt.name, func(t *testing.T) {
			q := store.Query{SortBy: tt.sortBy}
			if tt.filter != "" {
				q.Filter = parse(t, tt.filter)
			}
			assert.Equal(t, tt.want, omittedBy(m.User, q, tt.data))
			assert.Nil(t, omittedBy(resources.DefaultModel().User, q, tt.data), "the full model leaves out nothing")
			if why := unasked(m.User, q); tt.unasked == "" {
				assert.Empty(t, why)
			} else {
				assert.Contains(t, why, tt.unasked)
			}
		})
	}
}
