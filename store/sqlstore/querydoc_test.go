package sqlstore

import (
	"testing"

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
