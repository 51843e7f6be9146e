package memory_test

import (
	"testing"

	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store/memory"
	"github.com/scimkit/scim/store/storetest"
)

// TestConformanceSubset runs the suite on stores built from narrowed
// models (storetest.NarrowedModels; resources.ModelConfig.UserAttributes),
// one of them narrowed to sub-attributes: the suite asks each to keep only
// what its model supports.
func TestConformanceSubset(t *testing.T) {
	storetest.RunNarrowed(t, func(_ *testing.T, m *resources.Model) storetest.Stores {
		db := memory.New(memory.WithModel(m))
		return storetest.Stores{Users: db, Groups: db}
	})
}
