package memory_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store/memory"
	"github.com/scimkit/scim/store/storetest"
)

// TestConformanceSubset runs the suite on a store built from a model that
// leaves out every attribute the suite's filter and sort cases do not use
// (resources.ModelConfig.UserAttributes): the suite asks it to keep only
// what its model supports.
func TestConformanceSubset(t *testing.T) {
	m, err := resources.NewModel(resources.ModelConfig{
		UserAttributes: storetest.UserAttributesUsed(),
	})
	require.NoError(t, err)
	db := memory.New(memory.WithModel(m))
	storetest.Run(t, func(t *testing.T) storetest.Stores {
		return storetest.Stores{Users: db, Groups: db}
	})
}
