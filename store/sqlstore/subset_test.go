package sqlstore_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store/sqlstore"
	"github.com/scimkit/scim/store/storetest"
)

// TestConformanceSubset runs the suite on each database with a model that
// leaves out every attribute the suite's filter and sort cases do not use
// (resources.ModelConfig.UserAttributes): the suite asks the store to keep
// only what its model supports.
func TestConformanceSubset(t *testing.T) {
	m, err := resources.NewModel(resources.ModelConfig{
		UserAttributes: storetest.UserAttributesUsed(),
	})
	require.NoError(t, err)
	forEachDB(t, func(t *testing.T, db opener) {
		s := db.open(t, sqlstore.Config{Model: m})
		storetest.Run(t, func(t *testing.T) storetest.Stores {
			return storetest.Stores{Users: s, Groups: s}
		})
	})
}
