package sqlstore_test

import (
	"testing"

	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store/sqlstore"
	"github.com/scimkit/scim/store/storetest"
)

// TestConformanceSubset runs the suite on each database with narrowed
// models (storetest.NarrowedModels; resources.ModelConfig.UserAttributes):
// one that leaves out every attribute the suite's filter and sort cases do
// not use, one of a host's users table with a few columns, and one
// narrowed to sub-attributes (name.givenName, name.familyName,
// emails.value), on each of which the checks of lists run every case that
// names only what it keeps. The suite asks the store to keep only what its
// model supports, and holds the filters and sorts it translates to SQL to
// the answers on what remains.
func TestConformanceSubset(t *testing.T) {
	forEachDB(t, func(t *testing.T, db opener) {
		storetest.RunNarrowed(t, func(t *testing.T, m *resources.Model) storetest.Stores {
			s := db.open(t, sqlstore.Config{Model: m})
			return storetest.Stores{Users: s, Groups: s}
		})
	})
}
