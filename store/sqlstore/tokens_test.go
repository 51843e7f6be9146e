package sqlstore_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/store/sqlstore"
	"github.com/scimkit/scim/tokens"
)

var t0 = time.Date(2025, 6, 1, 10, 0, 0, 123456000, time.UTC)

func newStored(id, tenant, plain string) *tokens.Token {
	sum := sha256.Sum256([]byte(plain))
	return &tokens.Token{ID: id, TenantID: tenant, Name: "n-" + id, Hint: "scim_…" + id, Hash: sum[:],
		Labels: map[string]string{"k": "v"}, CreatedAt: t0, CreatedBy: "admin"}
}

func TestTokenStore(t *testing.T) {
	forEachDB(t, func(t *testing.T, db opener) {
		t.Run("RoundTripAndCopies", func(t *testing.T) {
			s := db.open(t, sqlstore.Config{})
			in := newStored("1", "acme", "p1")
			in.ConnectionID = "conn"
			in.ExpiresAt = t0.Add(time.Hour)
			require.NoError(t, s.CreateToken(ctx, in))
			hash := append([]byte(nil), in.Hash...)
			in.Labels["k"] = "changed"
			in.Hash[0] ^= 0xff

			out, err := s.TokenByHash(ctx, hash)
			require.NoError(t, err)
			want := newStored("1", "acme", "p1")
			want.ConnectionID = "conn"
			want.ExpiresAt = t0.Add(time.Hour)
			assert.Equal(t, want, out)

			none := newStored("2", "acme", "p2")
			none.Labels = nil
			require.NoError(t, s.CreateToken(ctx, none))
			list, err := s.ListTokens(ctx, "acme")
			require.NoError(t, err)
			require.Len(t, list, 2)
			assert.Nil(t, list[1].Labels)
			empty, err := s.ListTokens(ctx, "nobody")
			require.NoError(t, err)
			assert.Empty(t, empty)

			has, err := s.HasTokens(ctx)
			require.NoError(t, err)
			assert.True(t, has)
		})
		t.Run("Errors", func(t *testing.T) {
			s := db.open(t, sqlstore.Config{})
			has, err := s.HasTokens(ctx)
			require.NoError(t, err)
			assert.False(t, has)
			require.NoError(t, s.CreateToken(ctx, newStored("1", "acme", "p1")))
			require.ErrorIs(t, s.CreateToken(ctx, newStored("1", "acme", "p2")), tokens.ErrConflict)
			require.ErrorIs(t, s.CreateToken(ctx, newStored("2", "other", "p1")), tokens.ErrConflict)
			require.ErrorIs(t, s.RotateToken(ctx, newStored("1", "acme", "p3"), t0), tokens.ErrConflict)
			_, err = s.TokenByHash(ctx, []byte("nope"))
			require.ErrorIs(t, err, tokens.ErrNotFound)
			require.ErrorIs(t, s.RevokeToken(ctx, "acme", "9", t0), tokens.ErrNotFound)
			require.ErrorIs(t, s.RevokeToken(ctx, "other", "1", t0), tokens.ErrNotFound)
			require.ErrorIs(t, s.TouchToken(ctx, "9", t0), tokens.ErrNotFound)
			for name, tok := range map[string]*tokens.Token{"nil": nil, "no id": {Hash: []byte("h")}, "no hash": {ID: "x"}} {
				require.Error(t, s.CreateToken(ctx, tok), name)
				require.Error(t, s.RotateToken(ctx, tok, t0), name)
			}
			cancelled, cancel := context.WithCancel(ctx)
			cancel()
			require.ErrorIs(t, s.CreateToken(cancelled, newStored("3", "", "p3")), context.Canceled)
			_, err = s.ListTokens(cancelled, "acme")
			require.ErrorIs(t, err, context.Canceled)
		})
		t.Run("RevokeAndTouch", func(t *testing.T) {
			s := db.open(t, sqlstore.Config{})
			tok := newStored("1", "acme", "p1")
			require.NoError(t, s.CreateToken(ctx, tok))
			require.NoError(t, s.RevokeToken(ctx, "acme", "1", t0.Add(time.Hour)))
			require.NoError(t, s.RevokeToken(ctx, "acme", "1", t0.Add(2*time.Hour)), "idempotent")
			require.NoError(t, s.TouchToken(ctx, "1", t0.Add(time.Minute)))
			require.NoError(t, s.TouchToken(ctx, "1", t0), "an older touch is ignored")
			got, err := s.TokenByHash(ctx, tok.Hash)
			require.NoError(t, err)
			assert.Equal(t, t0.Add(time.Hour), got.RevokedAt, "first revocation time kept")
			assert.Equal(t, t0.Add(time.Minute), got.LastUsedAt)
		})
		t.Run("Rotate", func(t *testing.T) {
			s := db.open(t, sqlstore.Config{})
			active := newStored("active", "acme", "p1")
			expired := newStored("expired", "acme", "p2")
			expired.ExpiresAt = t0
			revoked := newStored("revoked", "acme", "p3")
			revoked.RevokedAt = t0.Add(-time.Hour)
			other := newStored("other", "b", "p4")
			for _, tok := range []*tokens.Token{active, expired, revoked, other} {
				require.NoError(t, s.CreateToken(ctx, tok))
			}
			at := t0.Add(time.Minute)
			require.NoError(t, s.RotateToken(ctx, newStored("new", "acme", "p5"), at))
			want := map[string]time.Time{"active": at, "expired": {}, "revoked": t0.Add(-time.Hour), "new": {}}
			list, err := s.ListTokens(ctx, "acme")
			require.NoError(t, err)
			require.Len(t, list, len(want))
			for _, tok := range list {
				assert.Equal(t, want[tok.ID], tok.RevokedAt, tok.ID)
			}
			b, err := s.ListTokens(ctx, "b")
			require.NoError(t, err)
			require.Len(t, b, 1)
			assert.True(t, b[0].RevokedAt.IsZero(), "other tenants untouched")

			// a failed rotation changes nothing
			require.ErrorIs(t, s.RotateToken(ctx, newStored("new", "acme", "p6"), at.Add(time.Minute)), tokens.ErrConflict)
			got, err := s.TokenByHash(ctx, newStored("", "", "p5").Hash)
			require.NoError(t, err)
			assert.True(t, got.RevokedAt.IsZero())
		})
		t.Run("Manager", func(t *testing.T) {
			s := db.open(t, sqlstore.Config{})
			m := tokens.NewManager(s, tokens.Options{LastUsedInterval: -1})
			plain, tok, err := m.Generate(ctx, tokens.GenerateOptions{TenantID: "acme", Name: "Okta"})
			require.NoError(t, err)
			got, err := m.Authenticate(ctx, plain)
			require.NoError(t, err)
			assert.Equal(t, tok.ID, got.ID)
			plain2, _, err := m.Generate(ctx, tokens.GenerateOptions{TenantID: "acme", Name: "Okta again"})
			require.NoError(t, err)
			_, err = m.Authenticate(ctx, plain)
			require.ErrorIs(t, err, tokens.ErrInvalidToken, "the first token was revoked by the second")
			_, err = m.Authenticate(ctx, plain2)
			require.NoError(t, err)
		})
		t.Run("ConcurrentRotate", func(t *testing.T) {
			// One active token survives concurrent rotations.
			s := db.open(t, sqlstore.Config{})
			var wg sync.WaitGroup
			for i := 0; i < 8; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					assert.NoError(t, s.RotateToken(ctx, newStored(fmt.Sprint("t", i), "acme", fmt.Sprint("p", i)), t0.Add(time.Duration(i)*time.Second)))
				}()
			}
			wg.Wait()
			list, err := s.ListTokens(ctx, "acme")
			require.NoError(t, err)
			require.Len(t, list, 8)
			active := 0
			for _, tok := range list {
				if tok.RevokedAt.IsZero() {
					active++
				}
			}
			assert.Equal(t, 1, active)
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
