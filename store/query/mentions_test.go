package query_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store/query"
)

// TestMentions: a filter names a core attribute (for which a store reads
// the members or groups it keeps apart) in any spelling and at any depth
// of and/or/not, with or without its sub-attribute or its schema's URN,
// but not inside another attribute's value filter nor under another
// schema's URN.
func TestMentions(t *testing.T) {
	gt := resources.NewGroupType()
	m, err := resources.NewModel(resources.ModelConfig{})
	require.NoError(t, err)
	p := filter.Parser{Schemas: m.Group.SchemaURNs()}
	tests := []struct {
		filter string
		want   bool
	}{
		{`members pr`, true},
		{`MEMBERS.value eq "1"`, true},
		{`members[type eq "User"]`, true},
		{`displayName eq "a" and not (members.value eq "1")`, true},
		{`displayName eq "a" or members pr`, true},
		{resources.GroupSchema + `:members.value eq "1"`, true},
		{`displayName eq "a"`, false},
		{`membersCount eq 1`, false},
		{`owners[members pr]`, false},
	}
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			e, err := p.Parse(tt.filter)
			require.NoError(t, err)
			assert.Equal(t, tt.want, query.Mentions(gt, e, "members"))
		})
	}
	// Another schema's attribute of the name is not the core one.
	assert.False(t, query.Mentions(gt, &filter.Present{Path: filter.AttrPath{URI: "urn:acme:ext", Name: "members"}}, "members"))
	assert.False(t, query.Mentions(gt, nil, "members"), "no filter names nothing")
}
