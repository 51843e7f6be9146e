// Package tokenstest is the conformance suite for tokens.Store
// implementations: the memory store and store/sqlstore run it, and so can a
// host's own token store.
//
//	func TestTokenStore(t *testing.T) {
//		tokenstest.Run(t, func(t *testing.T) tokens.Store { return newMyStore(t) })
//	}
//
// Each subtest gets a fresh, empty store from newStore. Stores that also
// implement tokens.Rotator are checked for atomic rotation too.
package tokenstest

import (
	"context"
	"crypto/sha256"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/tokens"
)

// t0 has microsecond precision, which every store must keep exactly.
var t0 = time.Date(2025, 6, 1, 10, 0, 0, 123456000, time.UTC)

func stored(id, tenant, plain string) *tokens.Token {
	sum := sha256.Sum256([]byte(plain))
	return &tokens.Token{ID: id, TenantID: tenant, Name: "n-" + id, Hint: "scim_…" + id, Hash: sum[:],
		Labels: map[string]string{"k": "v"}, CreatedAt: t0, CreatedBy: "admin"}
}

// Run checks every contract of tokens.Store (and tokens.Rotator, when the
// store implements it) on stores from newStore.
func Run(t *testing.T, newStore func(t *testing.T) tokens.Store) {
	ctx := context.Background()
	rotator := func(t *testing.T) (tokens.Store, tokens.Rotator) {
		s := newStore(t)
		r, ok := s.(tokens.Rotator)
		if !ok {
			t.Skip("the store does not implement tokens.Rotator")
		}
		return s, r
	}

	t.Run("RoundTripAndCopies", func(t *testing.T) {
		s := newStore(t)
		in := stored("1", "acme", "p1")
		in.ConnectionID = "conn"
		in.ExpiresAt = t0.Add(time.Hour)
		require.NoError(t, s.CreateToken(ctx, in))

		// Mutating the input after the call does not reach the store.
		hash := append([]byte(nil), in.Hash...)
		in.Labels["k"] = "changed"
		in.Hash[0] ^= 0xff
		in.TenantID = "evil"

		out, err := s.TokenByHash(ctx, hash)
		require.NoError(t, err)
		want := stored("1", "acme", "p1")
		want.ConnectionID = "conn"
		want.ExpiresAt = t0.Add(time.Hour)
		assert.Equal(t, want, out)

		// Mutating the output does not reach the store either.
		out.Labels["k"] = "out"
		out.Hash[0] ^= 0xff
		none := stored("2", "acme", "p2")
		none.Labels = nil
		require.NoError(t, s.CreateToken(ctx, none))
		list, err := s.ListTokens(ctx, "acme")
		require.NoError(t, err)
		require.Len(t, list, 2)
		byID := map[string]*tokens.Token{}
		for _, tok := range list {
			byID[tok.ID] = tok
		}
		assert.Equal(t, "v", byID["1"].Labels["k"])
		assert.Equal(t, hash, byID["1"].Hash)
		assert.Nil(t, byID["2"].Labels)
		byID["1"].Labels["k"] = "list"
		again, err := s.TokenByHash(ctx, hash)
		require.NoError(t, err)
		assert.Equal(t, "v", again.Labels["k"])

		empty, err := s.ListTokens(ctx, "nobody")
		require.NoError(t, err)
		assert.Empty(t, empty)
	})

	t.Run("Errors", func(t *testing.T) {
		s := newStore(t)
		require.NoError(t, s.CreateToken(ctx, stored("1", "acme", "p1")))
		cases := []struct {
			name string
			err  error
			want error
		}{
			{"duplicate id", s.CreateToken(ctx, stored("1", "acme", "p2")), tokens.ErrConflict},
			{"duplicate hash", s.CreateToken(ctx, stored("2", "other", "p1")), tokens.ErrConflict},
			{"lookup unknown", func() error { _, err := s.TokenByHash(ctx, []byte("nope")); return err }(), tokens.ErrNotFound},
			{"revoke unknown", s.RevokeToken(ctx, "acme", "9", t0), tokens.ErrNotFound},
			{"revoke wrong tenant", s.RevokeToken(ctx, "other", "1", t0), tokens.ErrNotFound},
			{"touch unknown", s.TouchToken(ctx, "9", t0), tokens.ErrNotFound},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				require.ErrorIs(t, tc.err, tc.want)
			})
		}
		for name, tok := range map[string]*tokens.Token{"nil": nil, "no id": {Hash: []byte("h")}, "no hash": {ID: "x"}} {
			require.Error(t, s.CreateToken(ctx, tok), name)
		}
		cancelled, cancel := context.WithCancel(ctx)
		cancel()
		require.ErrorIs(t, s.CreateToken(cancelled, stored("3", "", "p3")), context.Canceled)
		_, err := s.ListTokens(cancelled, "acme")
		require.ErrorIs(t, err, context.Canceled)
	})

	t.Run("RevokeAndTouch", func(t *testing.T) {
		s := newStore(t)
		tok := stored("1", "acme", "p1")
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

	t.Run("RotateErrors", func(t *testing.T) {
		s, r := rotator(t)
		require.NoError(t, s.CreateToken(ctx, stored("1", "acme", "p1")))
		require.ErrorIs(t, r.RotateToken(ctx, stored("1", "acme", "p3"), t0), tokens.ErrConflict)
		for name, tok := range map[string]*tokens.Token{"nil": nil, "no id": {Hash: []byte("h")}, "no hash": {ID: "x"}} {
			require.Error(t, r.RotateToken(ctx, tok, t0), name)
		}
	})

	t.Run("Rotate", func(t *testing.T) {
		s, r := rotator(t)
		active := stored("active", "acme", "p1")
		expired := stored("expired", "acme", "p2")
		expired.ExpiresAt = t0
		revoked := stored("revoked", "acme", "p3")
		revoked.RevokedAt = t0.Add(-time.Hour)
		other := stored("other", "b", "p4")
		for _, tok := range []*tokens.Token{active, expired, revoked, other} {
			require.NoError(t, s.CreateToken(ctx, tok))
		}
		at := t0.Add(time.Minute)
		require.NoError(t, r.RotateToken(ctx, stored("new", "acme", "p5"), at))
		want := map[string]time.Time{
			"active":  at,                 // revoked now
			"expired": {},                 // not active, left alone
			"revoked": t0.Add(-time.Hour), // unchanged
			"new":     {},                 // the new token stays active
		}
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

		// A failed rotation changes nothing.
		require.ErrorIs(t, r.RotateToken(ctx, stored("new", "acme", "p6"), at.Add(time.Minute)), tokens.ErrConflict)
		got, err := s.TokenByHash(ctx, stored("", "", "p5").Hash)
		require.NoError(t, err)
		assert.True(t, got.RevokedAt.IsZero())
	})

	t.Run("ConcurrentRotate", func(t *testing.T) {
		// One active token survives concurrent rotations.
		s, r := rotator(t)
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				assert.NoError(t, r.RotateToken(ctx, stored(fmt.Sprint("t", i), "acme", fmt.Sprint("p", i)), t0.Add(time.Duration(i)*time.Second)))
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

	t.Run("Manager", func(t *testing.T) {
		// Without the cache, every Authenticate asks the store.
		m := tokens.NewManager(newStore(t), tokens.Options{LastUsedInterval: -1, CacheTTL: -1})
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
}
