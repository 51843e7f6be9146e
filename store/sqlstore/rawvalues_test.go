package sqlstore_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store/sqlstore"
)

// TestPresentSQLIsAssigned holds the SQL sqlstore compiles for pr, a
// second spelling of resources.Assigned, to that rule, evaluated on each
// of a table of raw JSON values.

// rawValues are raw JSON values: those holding no value by
// resources.Assigned first.
var rawValues = []string{
	`null`, `""`, `[]`, `{}`, `[null]`, `[""]`, `[{}]`, `{"a":""}`, `{"a":[null]}`, `[[]]`, `[{"a":[{}]}]`, `{"a":{"b":[""]}}`,
	`" "`, `0`, `false`, `true`, `"x"`, `[0]`, `[false]`, `["x"]`, `[null,"x"]`, `[[""],["x"]]`, `{"a":0}`, `{"a":" "}`,
	`{"a":[null,{"b":false}]}`, `[{"a":""},{"b":"y"}]`, `-0.0`, `"\t"`,
}

// TestPresentSQLIsAssigned: the SQL pr compiles for a value held in the
// document answers as resources.AssignedJSON does, for every raw value
// and each kind of attribute, those a store write never leaves in a
// document (null, "", a list or an object of nothing else) included.
func TestPresentSQLIsAssigned(t *testing.T) {
	leaves := []*resources.Attribute{
		nil,
		{Name: "blob", Type: resources.TypeComplex, SubAttributes: []*resources.Attribute{{Name: "a", Type: resources.TypeString}}},
		{Name: "text", Type: resources.TypeString},
		{Name: "exact", Type: resources.TypeString, CaseExact: true},
		{Name: "list", Type: resources.TypeString, MultiValued: true},
		{Name: "flag", Type: resources.TypeBoolean},
		{Name: "level", Type: resources.TypeInteger},
		{Name: "hired", Type: resources.TypeDateTime},
		{Name: "ref", Type: resources.TypeReference},
	}
	forEachDB(t, func(t *testing.T, db opener) {
		s := db.open(t, sqlstore.Config{})
		for _, leaf := range leaves {
			name := "undeclared"
			if leaf != nil {
				name = leaf.Name
			}
			for _, raw := range rawValues {
				held, err := s.PresentForTest(ctx, leaf, raw)
				require.NoError(t, err, "%s %s", name, raw)
				assert.Equal(t, resources.AssignedJSON([]byte(raw)), held, "%s holding %s", name, raw)
			}
		}
	})
}
