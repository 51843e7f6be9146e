package memory_test

import (
	"context"
	"testing"

	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/memory"
	"github.com/scimkit/scim/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Stores {
		faults := new(storetest.Faults)
		db := memory.New(memory.WithChangeFeed(0), memory.WithOnChange(func(ctx context.Context, _ store.Change) error {
			return faults.Check(ctx)
		}))
		return storetest.Stores{Users: db, Groups: db, Feed: db.Feed(), Faults: faults}
	})
}

func TestConformanceShared(t *testing.T) {
	// One store for every subtest: each works in a tenant of its own,
	// built from a model with unique extension attributes, so the suite
	// checks store.UniqueEnforcer too.
	db := memory.New(memory.WithModel(storetest.UniqueModel()))
	storetest.Run(t, func(t *testing.T) storetest.Stores {
		return storetest.Stores{Users: db, Groups: db}
	})
}

func TestConformanceUsersOnly(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Stores {
		return storetest.Stores{Users: memory.New()}
	})
}
