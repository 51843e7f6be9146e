package sqlstore_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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
			require.NoError(t, s.Record(ctx, tokens.Request{At: t0.Add(time.Duration(i) * time.Second), TenantID: "acme", RequestID: fmt.Sprint(i),
				Method: "GET", Path: "/Users?filter=userName%20eq%20%22x%22", Status: 200, Latency: time.Duration(i) * time.Millisecond, TokenHint: "scim_…abcd"}))
		}
		require.NoError(t, s.Record(ctx, tokens.Request{At: t0, TenantID: "other", Method: "POST", Path: "/Users", Status: 409, ScimType: "uniqueness", Detail: "taken"}))
		got, err := s.Recent(ctx, "acme", 5)
		require.NoError(t, err)
		require.Len(t, got, 5)
		assert.Equal(t, "99", got[0].RequestID, "newest first")
		assert.Equal(t, tokens.Request{At: t0.Add(99 * time.Second), TenantID: "acme", RequestID: "99", Method: "GET",
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
