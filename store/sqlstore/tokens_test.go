package sqlstore_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/admin"
	"github.com/scimkit/scim/internal/clocktest"
	"github.com/scimkit/scim/store/sqlstore"
	"github.com/scimkit/scim/tokens"
	"github.com/scimkit/scim/tokens/tokenstest"
)

var t0 = time.Date(2025, 6, 1, 10, 0, 0, 123456000, time.UTC)

func TestTokenStore(t *testing.T) {
	forEachDB(t, func(t *testing.T, db opener) {
		tokenstest.Run(t, func(t *testing.T) tokens.Store { return db.open(t, sqlstore.Config{}) })
		t.Run("HasTokens", func(t *testing.T) {
			s := db.open(t, sqlstore.Config{})
			has, err := s.HasTokens(ctx)
			require.NoError(t, err)
			assert.False(t, has)
			tok := &tokens.Token{ID: "1", TenantID: "acme", Hash: []byte("0123456789abcdef0123456789abcdef"), CreatedAt: t0}
			require.NoError(t, s.CreateToken(ctx, tok))
			require.NoError(t, s.RevokeToken(ctx, "acme", "1", t0))
			has, err = s.HasTokens(ctx)
			require.NoError(t, err)
			assert.True(t, has, "revoked tokens count")
		})
	})
}

// lookupCounter counts TokenByHash calls, the statement a token cache saves.
type lookupCounter struct {
	*sqlstore.Store
	n atomic.Int64
}

func (c *lookupCounter) TokenByHash(ctx context.Context, hash []byte) (*tokens.Token, error) {
	c.n.Add(1)
	return c.Store.TokenByHash(ctx, hash)
}

func TestTokenCacheAcrossProcesses(t *testing.T) {
	// Two Stores over one database, each with its Manager, stand for two
	// replicas. Once verified, a token costs no SELECT for CacheTTL. A
	// revocation takes effect at once on the replica that made it and
	// within CacheTTL on the other.
	const ttl = 5 * time.Second
	forEachDB(t, func(t *testing.T, db opener) {
		dsn := db.dsn(t)
		open := func() *lookupCounter {
			s, err := sqlstore.New(ctx, sqlstore.Config{DSN: dsn})
			require.NoError(t, err)
			t.Cleanup(func() { s.Close() })
			return &lookupCounter{Store: s}
		}
		clk := clocktest.New(t0)
		s1, s2 := open(), open()
		m1 := tokens.NewManager(s1, tokens.Options{Now: clk.Now, CacheTTL: ttl})
		m2 := tokens.NewManager(s2, tokens.Options{Now: clk.Now, CacheTTL: ttl})

		plain, tok, err := m1.Generate(ctx, tokens.GenerateOptions{TenantID: "acme"})
		require.NoError(t, err)
		for range 3 {
			for _, m := range []*tokens.Manager{m1, m2} {
				got, err := m.Authenticate(ctx, plain)
				require.NoError(t, err)
				assert.Equal(t, "acme", got.TenantID)
			}
		}
		assert.Equal(t, int64(1), s1.n.Load(), "one SELECT for three requests")
		assert.Equal(t, int64(1), s2.n.Load())

		clk.Advance(time.Second)
		require.NoError(t, m1.Revoke(ctx, "acme", tok.ID))
		_, err = m1.Authenticate(ctx, plain)
		assert.Same(t, tokens.ErrInvalidToken, err, "refused at once by the replica that revoked it")

		clk.Advance(ttl - time.Second - time.Microsecond)
		_, err = m2.Authenticate(ctx, plain)
		require.NoError(t, err, "the other replica trusts its cache within the TTL")
		clk.Advance(time.Microsecond)
		_, err = m2.Authenticate(ctx, plain)
		assert.Same(t, tokens.ErrInvalidToken, err, "and refuses it once the TTL has passed")
		assert.Equal(t, int64(2), s2.n.Load())
	})
}

func TestRequestLog(t *testing.T) {
	forEachDB(t, func(t *testing.T, db opener) {
		s := db.open(t, sqlstore.Config{RequestLogSize: 10})
		for i := 0; i < 100; i++ {
			require.NoError(t, s.Record(ctx, admin.Request{At: t0.Add(time.Duration(i) * time.Second), TenantID: "acme", RequestID: fmt.Sprint(i),
				Method: "GET", Path: "/Users?filter=userName%20eq%20%22x%22", Status: 200, Latency: time.Duration(i) * time.Millisecond, TokenHint: "scim_…abcd"}))
		}
		require.NoError(t, s.Record(ctx, admin.Request{At: t0, TenantID: "other", Method: "POST", Path: "/Users", Status: 409, ScimType: "uniqueness", Detail: "taken"}))
		got, err := s.Recent(ctx, "acme", 5)
		require.NoError(t, err)
		require.Len(t, got, 5)
		assert.Equal(t, "99", got[0].RequestID, "newest first")
		assert.Equal(t, admin.Request{At: t0.Add(99 * time.Second), TenantID: "acme", RequestID: "99", Method: "GET",
			Path: "/Users?filter=userName%20eq%20%22x%22", Status: 200, Latency: 99 * time.Millisecond, TokenHint: "scim_…abcd"}, got[0])
		all, err := s.Recent(ctx, "acme", 1000)
		require.NoError(t, err)
		assert.Len(t, all, 10, "capped at RequestLogSize")
		var n int
		require.NoError(t, s.DB().QueryRowContext(ctx, `SELECT count(*) FROM scim_request_log WHERE tenant = 'acme'`).Scan(&n))
		assert.Equal(t, 10, n, "a ring of RequestLogSize rows")
		other, err := s.Recent(ctx, "other", 10)
		require.NoError(t, err)
		require.Len(t, other, 1)
		assert.Equal(t, "uniqueness", other[0].ScimType)
		none, err := s.Recent(ctx, "nobody", 10)
		require.NoError(t, err)
		assert.Empty(t, none)
	})
}

// BenchmarkAuthenticate checks one valid token through a Manager over each
// database with the cache on and off: the difference is the SELECT a hit
// saves.
func BenchmarkAuthenticate(b *testing.B) {
	for _, db := range databases() {
		b.Run(db.name, func(b *testing.B) {
			s := &lookupCounter{Store: db.open(b, sqlstore.Config{})}
			for _, bc := range []struct {
				name string
				ttl  time.Duration
			}{
				{"cache=on", 0},
				{"cache=off", -1},
			} {
				b.Run(bc.name, func(b *testing.B) {
					clk := clocktest.New(t0) // fixed: every call after the first is a hit
					m := tokens.NewManager(s, tokens.Options{Now: clk.Now, CacheTTL: bc.ttl})
					plain, _, err := m.Generate(ctx, tokens.GenerateOptions{})
					require.NoError(b, err)
					_, err = m.Authenticate(ctx, plain)
					require.NoError(b, err)
					before := s.n.Load()
					for b.Loop() {
						if _, err := m.Authenticate(ctx, plain); err != nil {
							b.Fatal(err)
						}
					}
					b.ReportMetric(float64(s.n.Load()-before)/float64(b.N), "lookups/op")
				})
			}
		})
	}
}

func TestRequestLogBatch(t *testing.T) {
	forEachDB(t, func(t *testing.T, db opener) {
		s := db.open(t, sqlstore.Config{RequestLogSize: 10})
		entry := func(tenant string, i int) admin.Request {
			return admin.Request{At: t0.Add(time.Duration(i) * time.Second), TenantID: tenant, RequestID: fmt.Sprint(i), Method: "GET", Path: "/Users", Status: 200}
		}
		require.NoError(t, s.RecordBatch(ctx, nil), "an empty batch writes nothing")

		// 100 entries of acme interleaved with 5 of other, in one batch.
		var batch []admin.Request
		for i := range 100 {
			batch = append(batch, entry("acme", i))
			if i%20 == 0 {
				batch = append(batch, entry("other", i))
			}
		}
		require.NoError(t, s.RecordBatch(ctx, batch))
		if isPG(s) {
			// Rows written by one statement share its command id.
			var stmts int
			require.NoError(t, s.DB().QueryRowContext(ctx, `SELECT count(DISTINCT cmin::text) FROM scim_request_log WHERE tenant = 'acme'`).Scan(&stmts))
			assert.Equal(t, 1, stmts, "one INSERT for a tenant's entries")
		}
		acme, err := s.Recent(ctx, "acme", 1000)
		require.NoError(t, err)
		require.Len(t, acme, 10, "the newest RequestLogSize entries of the batch are kept")
		for i, r := range acme {
			assert.Equal(t, entry("acme", 99-i), r, "newest first, in batch order")
		}
		other, err := s.Recent(ctx, "other", 1000)
		require.NoError(t, err)
		require.Len(t, other, 5)
		assert.Equal(t, "80", other[0].RequestID)

		// Later batches overwrite the oldest slots: the ring never holds
		// more than RequestLogSize rows of a tenant, and the newest come
		// first whichever slot they landed in.
		var n int
		count := func() int {
			require.NoError(t, s.DB().QueryRowContext(ctx, `SELECT count(*) FROM scim_request_log WHERE tenant = 'acme'`).Scan(&n))
			return n
		}
		small := []admin.Request{entry("acme", 100), entry("acme", 101), entry("acme", 102)}
		require.NoError(t, s.RecordBatch(ctx, small))
		if !isPG(s) {
			// SQLite writes through one connection: changes() is the row
			// count of the last INSERT, UPDATE or DELETE on it.
			var changed int
			require.NoError(t, s.DB().QueryRowContext(ctx, `SELECT changes()`).Scan(&changed))
			assert.Equal(t, 3, changed, "one INSERT for the whole batch")
		}
		assert.Equal(t, 10, count())
		var more []admin.Request
		for i := 103; i < 129; i++ {
			more = append(more, entry("acme", i))
		}
		require.NoError(t, s.RecordBatch(ctx, more))
		assert.Equal(t, 10, count())
		acme, err = s.Recent(ctx, "acme", 1000)
		require.NoError(t, err)
		require.Len(t, acme, 10)
		for i, r := range acme {
			assert.Equal(t, entry("acme", 128-i), r, "newest first across batches")
		}
		latest, err := s.Recent(ctx, "acme", 1)
		require.NoError(t, err)
		assert.Equal(t, "128", latest[0].RequestID)
	})
}

// TestRequestLogDoesNotGrow: the ring's overwrites change no indexed
// column, so on PostgreSQL each is a HOT update, reclaimed within its page
// without VACUUM. What makes it one is the schema: the table's one index
// is its key (tenant, slot). An index on any column an overwrite sets
// (pos, at, ...) would make every overwrite a new index entry and a row
// left for VACUUM, as the inserted-and-deleted log was. (Its size after
// many writes is not asserted: a long transaction of another test on the
// same server holds back the pruning of every page.)
func TestRequestLogDoesNotGrow(t *testing.T) {
	forEachDB(t, func(t *testing.T, db opener) {
		s := db.open(t, sqlstore.Config{RequestLogSize: 10})
		if !isPG(s) {
			t.Skip("SQLite overwrites a row in place; no version is left behind")
		}
		for i := range 100 {
			require.NoError(t, s.Record(ctx, admin.Request{TenantID: "acme", RequestID: fmt.Sprint(i), Method: "GET", Path: "/Users", Status: 200}))
		}
		defs := queryLines(t, s.DB(), `SELECT pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid = 'scim_request_log'::regclass`)
		require.Len(t, defs, 1, "one index: %v", defs)
		assert.True(t, strings.HasSuffix(defs[0], "USING btree (tenant, slot)"), defs[0])
		var n int
		require.NoError(t, s.DB().QueryRowContext(ctx, `SELECT count(*) FROM scim_request_log`).Scan(&n))
		assert.Equal(t, 10, n, "a ring of RequestLogSize rows")
	})
}

// TestRequestLogUnstorableText: an entry whose text PostgreSQL's text type
// refuses (a NUL byte, bytes that are not UTF-8: a path, a host error's
// detail) is logged with U+FFFD in their place, on both databases, and
// does not fail the batch it is written in.
func TestRequestLogUnstorableText(t *testing.T) {
	forEachDB(t, func(t *testing.T, db opener) {
		s := db.open(t, sqlstore.Config{})
		entry := func(id, path, detail string) admin.Request {
			return admin.Request{At: t0, TenantID: "t", RequestID: id, Method: "GET", Path: path, Status: 400, Detail: detail}
		}
		require.NoError(t, s.RecordBatch(ctx, []admin.Request{
			entry("1", "/Users", "fine"),
			entry("2\x00", "/Users/a\x00b", "bad \xff\xfe byte"),
			entry("3", "/Groups", "fine too"),
		}))
		got, err := s.Recent(ctx, "t", 10)
		require.NoError(t, err)
		assert.Equal(t, []admin.Request{
			entry("3", "/Groups", "fine too"),
			entry("2\uFFFD", "/Users/a\uFFFDb", "bad \uFFFD byte"),
			entry("1", "/Users", "fine"),
		}, got)
	})
}
