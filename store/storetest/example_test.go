package storetest_test

import (
	"testing"

	"github.com/scimkit/scim/store/memory"
	"github.com/scimkit/scim/store/storetest"
)

// A store's test runs the suite with a function that returns the stores
// under test; here a fresh memory store per subtest. A host's store does
// the same with its own constructor (one shared database is fine: every
// subtest works in tenants of its own).
func ExampleRun() {
	TestMyStore := func(t *testing.T) {
		storetest.Run(t, func(t *testing.T) storetest.Stores {
			db := memory.New()
			return storetest.Stores{Users: db, Groups: db}
		})
	}
	_ = TestMyStore // run by go test as func TestMyStore(t *testing.T)
}
