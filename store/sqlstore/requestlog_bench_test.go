package sqlstore_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/scimkit/scim/admin"
	"github.com/scimkit/scim/store/sqlstore"
)

// BenchmarkRecordBatch writes the request log's batches as admin.AsyncLog
// hands them over (DefaultAsyncBatch entries, as under load), on each
// database; ns/op is per batch, entry-ns per entry.
func BenchmarkRecordBatch(b *testing.B) {
	for _, db := range databases() {
		b.Run(db.name, func(b *testing.B) {
			s := db.open(b, sqlstore.Config{})
			batch := make([]admin.Request, admin.DefaultAsyncBatch)
			for i := range batch {
				batch[i] = admin.Request{At: time.Now(), TenantID: "t", RequestID: fmt.Sprintf("req-%d", i), Method: "GET",
					Path: "/Users/2819c223-7f76-453a-919d-413861904646", Status: 200, Latency: time.Millisecond, TokenHint: "scim_ab…"}
			}
			b.ReportAllocs()
			for b.Loop() {
				if err := s.RecordBatch(ctx, batch); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(batch)), "entry-ns")
		})
	}
}
