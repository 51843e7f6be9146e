package sqlstore

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/resources"
)

// TestQueryDocSpellingsDeterministic: a document giving an attribute in
// several spellings (a host's own; the handler refuses such a body) keeps
// the value store/query's lookup reads, so that a SQL store matches what
// the memory store matches: the schema's spelling when given, else the
// first in sorted order; never whichever Go's map order gives.
func TestQueryDocSpellingsDeterministic(t *testing.T) {
	ext, err := resources.NewSchema("urn:example:params:scim:schemas:extension:badge:2.0:User", "Badge", "",
		&resources.Attribute{Name: "badge", Type: resources.TypeString, CaseExact: true},
		&resources.Attribute{Name: "office", Type: resources.TypeComplex, SubAttributes: []*resources.Attribute{
			{Name: "room", Type: resources.TypeString, CaseExact: true}}})
	require.NoError(t, err)
	rt := resources.NewUserType(ext)
	for _, tc := range []struct {
		name string
		doc  map[string]any
		want map[string]any
	}{
		{
			name: "two spellings of an attribute",
			doc:  map[string]any{ext.ID: map[string]any{"Badge": "b", "BADGE": "B", "bAdge": "x"}},
			want: map[string]any{ext.ID: map[string]any{"badge": "B"}},
		},
		{
			name: "the schema's spelling among others",
			doc:  map[string]any{ext.ID: map[string]any{"Badge": "b", "BADGE": "B", "badge": "exact"}},
			want: map[string]any{ext.ID: map[string]any{"badge": "exact"}},
		},
		{
			name: "two spellings of a sub-attribute",
			doc:  map[string]any{ext.ID: map[string]any{"office": map[string]any{"Room": "r", "ROOM": "R"}}},
			want: map[string]any{ext.ID: map[string]any{"office": map[string]any{"room": "R"}}},
		},
		{
			name: "two spellings of the extension URN",
			doc: map[string]any{
				"urn:example:params:scim:schemas:extension:badge:2.0:user": map[string]any{"badge": "lower"},
				"URN:example:params:scim:schemas:extension:badge:2.0:User": map[string]any{"badge": "upper"},
			},
			want: map[string]any{ext.ID: map[string]any{"badge": "upper"}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for range 20 { // map iteration order is random: ask many times
				require.Equal(t, tc.want, queryDoc(rt, tc.doc))
			}
		})
	}
}

// TestQueryDocLeavesColumns: a user's query document leaves out what
// filters and sorts read from the row's columns (userName, a caseExact
// externalId) and keeps the rest, a caseInsensitive externalId included;
// a group's keeps them.
func TestQueryDocLeavesColumns(t *testing.T) {
	for _, tc := range []struct {
		name string
		rt   *resources.ResourceType
		doc  map[string]any
		want map[string]any
	}{
		{
			name: "user",
			rt:   resources.NewUserType(),
			doc:  map[string]any{"userName": "Bjensen", "externalId": "E1", "displayName": "Babs", "active": true},
			want: map[string]any{"displayName": "babs", "active": true},
		},
		{
			name: "group: its row seldom rewritten",
			rt:   resources.NewGroupType(),
			doc:  map[string]any{"displayName": "Admins", "externalId": "E1"},
			want: map[string]any{"displayName": "admins", "externalId": "E1"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, queryDoc(tc.rt, tc.doc))
		})
	}
	t.Run("caseInsensitive externalId", func(t *testing.T) {
		// A model whose externalId is not caseExact: filters read it from
		// q, so q keeps it, folded.
		rt := resources.NewUserType()
		a, _ := rt.Attr("", "externalId")
		require.NotNil(t, a)
		exact := *a
		a.CaseExact = false
		assert.False(t, inColumns(rt, a), "filtered in q, folded")
		assert.True(t, inColumns(rt, &exact))
		assert.Equal(t, map[string]any{"externalId": "e1", "active": true},
			queryDoc(rt, map[string]any{"userName": "Bjensen", "externalId": "E1", "active": true}))
	})
}
