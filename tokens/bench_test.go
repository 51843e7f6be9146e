package tokens_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/tokens"
)

// BenchmarkAuthenticate checks one valid token over the memory store with
// the cache on and off, and reports the store lookups per Authenticate
// (0 on a hit, 1 with the cache off; TestCacheStoreCalls asserts the same
// counts). The memory store's lookup is a map read, so the gap is the
// floor of what the cache saves; over PostgreSQL a hit also saves a round
// trip.
func BenchmarkAuthenticate(b *testing.B) {
	for _, bc := range []struct {
		name string
		ttl  time.Duration
	}{
		{"cache=on", 0},
		{"cache=off", -1},
	} {
		b.Run(bc.name, func(b *testing.B) {
			clk := newClock() // fixed: every call after the first is a hit
			cs := &countingStore{Store: tokens.NewMemoryStore()}
			m := tokens.NewManager(cs, tokens.Options{Now: clk.Now, CacheTTL: bc.ttl})
			plain, _, err := m.Generate(ctx, tokens.GenerateOptions{TenantID: "acme"})
			require.NoError(b, err)
			_, err = m.Authenticate(ctx, plain) // warm the cache and the last-use write
			require.NoError(b, err)
			before := cs.Lookups.Load()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := m.Authenticate(ctx, plain); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(cs.Lookups.Load()-before)/float64(b.N), "lookups/op")
		})
	}
}
