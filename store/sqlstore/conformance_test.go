package sqlstore_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/scimkit/scim/store/sqlstore"
	"github.com/scimkit/scim/store/storetest"
)

// TestConformance runs the store conformance suite on each database: once
// with one store shared by every subtest (they run in parallel, each in a
// tenant of its own, so tenancy and concurrency are exercised together),
// with the change feed on and the suite's faults wired into OnChange, and
// once with a fresh database per subtest and no feed; both from a model
// with unique extension attributes (storetest.UniqueModel), so the suite
// checks store.UniqueEnforcer on each write path (PostgreSQL's create
// without OnChange is one statement; with it, a transaction).
func TestConformance(t *testing.T) {
	forEachDB(t, func(t *testing.T, db opener) {
		t.Run("Shared", func(t *testing.T) {
			faults := new(storetest.Faults)
			s := db.open(t, sqlstore.Config{Model: storetest.UniqueModel(), ChangeFeed: true, OnChange: func(ctx context.Context, _ *sql.Tx, _ sqlstore.Change) error {
				return faults.Check(ctx)
			}})
			storetest.Run(t, func(t *testing.T) storetest.Stores {
				return storetest.Stores{Users: s, Groups: s, Feed: s.Feed(), Faults: faults}
			})
		})
		t.Run("Fresh", func(t *testing.T) {
			storetest.Run(t, func(t *testing.T) storetest.Stores {
				s := db.open(t, sqlstore.Config{Model: storetest.UniqueModel()})
				return storetest.Stores{Users: s, Groups: s}
			})
		})
	})
}
