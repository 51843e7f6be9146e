package memory_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store/memory"
	"github.com/scimkit/scim/store/storetest"
)

// TestConformanceSubset runs the suite on stores built from narrowed
// models (resources.ModelConfig.UserAttributes): one that leaves out
// every attribute the suite's filter and sort cases do not use, and one
// narrowed to sub-attributes (a users table with given_name, family_name
// and email columns). The suite asks each to keep only what its model
// supports.
func TestConformanceSubset(t *testing.T) {
	for _, tt := range []struct {
		name string
		cfg  resources.ModelConfig
	}{
		{"used", resources.ModelConfig{UserAttributes: storetest.UserAttributesUsed()}},
		{"subattrs", resources.ModelConfig{
			UserAttributes:  []string{"id", "meta", "userName", "name.givenName", "name.familyName", "emails.value", "active"},
			GroupAttributes: []string{"id", "meta", "displayName", "members"},
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m, err := resources.NewModel(tt.cfg)
			require.NoError(t, err)
			db := memory.New(memory.WithModel(m))
			storetest.Run(t, func(t *testing.T) storetest.Stores {
				return storetest.Stores{Users: db, Groups: db}
			})
		})
	}
}
