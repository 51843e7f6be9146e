package sqlstore_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store/sqlstore"
	"github.com/scimkit/scim/store/storetest"
)

// TestConformanceSubset runs the suite on each database with narrowed
// models (resources.ModelConfig.UserAttributes): one that leaves out every
// attribute the suite's filter and sort cases do not use, one of a host's
// users table with a few columns, and one narrowed to sub-attributes
// (name.givenName, name.familyName, emails.value), on each of which the
// checks of lists run every case that names only what it keeps. The suite asks the store to
// keep only what its model supports, and holds the filters and sorts it
// translates to SQL to the answers on what remains.
func TestConformanceSubset(t *testing.T) {
	for _, tt := range []struct {
		name string
		cfg  resources.ModelConfig
	}{
		{"used", resources.ModelConfig{UserAttributes: storetest.UserAttributesUsed()}},
		{"columns", resources.ModelConfig{
			UserAttributes:  []string{"id", "meta", "userName", "name", "emails", "active"},
			GroupAttributes: []string{"id", "meta", "displayName", "members"},
		}},
		{"subattrs", resources.ModelConfig{
			UserAttributes:  []string{"id", "meta", "userName", "name.givenName", "name.familyName", "emails.value", "active"},
			GroupAttributes: []string{"id", "meta", "displayName", "members"},
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m, err := resources.NewModel(tt.cfg)
			require.NoError(t, err)
			forEachDB(t, func(t *testing.T, db opener) {
				s := db.open(t, sqlstore.Config{Model: m})
				storetest.Run(t, func(t *testing.T) storetest.Stores {
					return storetest.Stores{Users: s, Groups: s}
				})
			})
		})
	}
}
