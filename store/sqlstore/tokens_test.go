package sqlstore_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/admin"
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
		require.NoError(t, s.DB().QueryRowContext(ctx, `SELECT count(*) FROM scim_requests WHERE tenant = 'acme'`).Scan(&n))
		assert.LessOrEqual(t, n, 10+32, "pruned as it grows")
		other, err := s.Recent(ctx, "other", 10)
		require.NoError(t, err)
		require.Len(t, other, 1)
		assert.Equal(t, "uniqueness", other[0].ScimType)
		none, err := s.Recent(ctx, "nobody", 10)
		require.NoError(t, err)
		assert.Empty(t, none)
	})
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
			require.NoError(t, s.DB().QueryRowContext(ctx, `SELECT count(DISTINCT cmin::text) FROM scim_requests`).Scan(&stmts))
			assert.Equal(t, 1, stmts, "one INSERT for the whole batch")
		}
		acme, err := s.Recent(ctx, "acme", 1000)
		require.NoError(t, err)
		require.Len(t, acme, 10, "the batch's first entry of a tenant cuts its log back to RequestLogSize")
		for i, r := range acme {
			assert.Equal(t, entry("acme", 99-i), r, "newest first, in batch order")
		}
		other, err := s.Recent(ctx, "other", 1000)
		require.NoError(t, err)
		require.Len(t, other, 5)
		assert.Equal(t, "80", other[0].RequestID)

		// The next batches grow acme's log until its count passes the next
		// multiple of 32 (entry 129), which cuts it back again.
		var n int
		count := func() int {
			require.NoError(t, s.DB().QueryRowContext(ctx, `SELECT count(*) FROM scim_requests WHERE tenant = 'acme'`).Scan(&n))
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
		assert.Equal(t, 13, count(), "not cut back between multiples of 32")
		var more []admin.Request
		for i := 103; i < 129; i++ {
			more = append(more, entry("acme", i))
		}
		require.NoError(t, s.RecordBatch(ctx, more))
		assert.Equal(t, 10, count(), "cut back at entry 129")
		latest, err := s.Recent(ctx, "acme", 1)
		require.NoError(t, err)
		assert.Equal(t, "128", latest[0].RequestID)
	})
}
