package sqlstore_test

import (
	"testing"

	"github.com/scimkit/scim/store/sqlstore"
	"github.com/scimkit/scim/store/storetest"
)

// TestConformance runs the store conformance suite on each database: once
// with one store shared by every subtest (they run in parallel, each in a
// tenant of its own, so tenancy and concurrency are exercised together)
// and once with a fresh database per subtest.
func TestConformance(t *testing.T) {
	forEachDB(t, func(t *testing.T, db opener) {
		t.Run("Shared", func(t *testing.T) {
			s := db.open(t, sqlstore.Config{})
			storetest.Run(t, func(t *testing.T) storetest.Stores {
				return storetest.Stores{Users: s, Groups: s}
			})
		})
		t.Run("Fresh", func(t *testing.T) {
			storetest.Run(t, func(t *testing.T) storetest.Stores {
				s := db.open(t, sqlstore.Config{})
				return storetest.Stores{Users: s, Groups: s}
			})
		})
	})
}
