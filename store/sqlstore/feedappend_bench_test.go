package sqlstore_test

import (
	"testing"

	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/sqlstore"
)

// BenchmarkFeedAppend times the change feed's append alone on SQLite, a
// name update's one entry and a deactivation's two: "commit" appends
// once a write transaction (what a write adds, its commit included),
// "stmt" 100 times in one (the statement alone), reported per append.
// BenchmarkFeedWrite measures what the append costs a whole write.
func BenchmarkFeedAppend(b *testing.B) {
	entries := map[string][]store.Change{
		"one": {{Kind: store.UserUpdated, ID: "2819c223-7f76-453a-919d-413861904646", Version: `W/"2"`, Attributes: []string{"name"}}},
		"two": {
			{Kind: store.UserUpdated, ID: "2819c223-7f76-453a-919d-413861904646", Version: `W/"3"`, Attributes: []string{"active"}},
			{Kind: store.UserDeactivated, ID: "2819c223-7f76-453a-919d-413861904646", Version: `W/"3"`},
		},
	}
	for _, name := range []string{"one", "two"} {
		changes := entries[name]
		b.Run(name+"/commit", func(b *testing.B) {
			s := openWith(sqliteDSN)(b, sqlstore.Config{ChangeFeed: true})
			b.ReportAllocs()
			for b.Loop() {
				if err := s.AppendFeedNForTest(ctx, "bench", changes, 1); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(name+"/stmt", func(b *testing.B) {
			const perTx = 100
			s := openWith(sqliteDSN)(b, sqlstore.Config{ChangeFeed: true})
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				if err := s.AppendFeedNForTest(ctx, "bench", changes, perTx); err != nil {
					b.Fatal(err)
				}
				n++
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n*perTx), "ns/append")
		})
	}
}
