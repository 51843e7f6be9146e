package sqlstore_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/sqlstore"
)

// BenchmarkFeedConsumer: what a named consumer's calls around each page
// it reads cost, on each database: an op is a LeaseFeed, an AckFeed and a
// ReleaseFeed. Its allocs/op counts the process's side of the three
// (database/sql, the driver, the store), the statement texts not among
// them: they are rendered once per dialect.
func BenchmarkFeedConsumer(b *testing.B) {
	for _, db := range databases() {
		b.Run(db.name, func(b *testing.B) {
			f := db.open(b, sqlstore.Config{ChangeFeed: true}).Feed()
			acme := store.WithTenant(ctx, "acme")
			b.ReportAllocs()
			for i := int64(1); b.Loop(); i++ {
				_, err := f.LeaseFeed(acme, "sessions", "replica-1", time.Minute)
				require.NoError(b, err)
				require.NoError(b, f.AckFeed(acme, "sessions", "replica-1", i, time.Minute))
				require.NoError(b, f.ReleaseFeed(acme, "sessions", "replica-1"))
			}
		})
	}
}
