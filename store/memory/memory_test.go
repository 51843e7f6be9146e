package memory_test

import (
	"testing"

	"github.com/scimkit/scim/store/memory"
	"github.com/scimkit/scim/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Stores {
		db := memory.New()
		return storetest.Stores{Users: db, Groups: db}
	})
}

func TestConformanceShared(t *testing.T) {
	// One store for every subtest: each works in a tenant of its own.
	db := memory.New()
	storetest.Run(t, func(t *testing.T) storetest.Stores {
		return storetest.Stores{Users: db, Groups: db}
	})
}

func TestConformanceUsersOnly(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Stores {
		return storetest.Stores{Users: memory.New()}
	})
}
