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
//
// A store that breaks a contract fails the check that found it, with a
// message naming the method and the rule in tokens/store.go. A store that
// panics, or returns a nil token without an error, fails that check too,
// never the test binary.
package tokenstest

import (
	"context"
	"crypto/sha256"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/internal/fanout"
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
	open := func(t *testing.T) tokens.Store {
		s := newStore(t)
		require.NotNil(t, s, "newStore must return the tokens.Store under test")
		return guard(t, s)
	}
	rotator := func(t *testing.T) (tokens.Store, tokens.Rotator) {
		s := open(t)
		r, ok := s.(tokens.Rotator)
		if !ok {
			t.Skip("the store does not implement tokens.Rotator")
		}
		return s, r
	}
	run := func(name string, fn func(t *testing.T)) {
		t.Run(name, func(t *testing.T) {
			defer suite.Recover(t)
			fn(t)
		})
	}

	run("RoundTripAndCopies", func(t *testing.T) {
		s := open(t)
		in := stored("1", "acme", "p1")
		in.ConnectionID = "conn"
		in.ExpiresAt = t0.Add(time.Hour)
		require.NoError(t, s.CreateToken(ctx, in), "CreateToken of a new token must store it (tokens.Store.CreateToken)")

		// Mutating the input after the call does not reach the store.
		hash := append([]byte(nil), in.Hash...)
		in.Labels["k"] = "changed"
		in.Hash[0] ^= 0xff
		in.TenantID = "evil"

		out, err := s.TokenByHash(ctx, hash)
		require.NoError(t, err, "TokenByHash must find a stored token by its hash (tokens.Store.TokenByHash)")
		want := stored("1", "acme", "p1")
		want.ConnectionID = "conn"
		want.ExpiresAt = t0.Add(time.Hour)
		assert.Equal(t, want, out, "TokenByHash must return the token as CreateToken was given it: every field, times to the microsecond, and a copy that the caller's later changes to its input do not reach (tokens.Store)")

		// Mutating the output does not reach the store either.
		if out.Labels != nil && len(out.Hash) > 0 { // else the Equal above failed
			out.Labels["k"] = "out"
			out.Hash[0] ^= 0xff
		}
		none := stored("2", "acme", "p2")
		none.Labels = nil
		require.NoError(t, s.CreateToken(ctx, none), "CreateToken of a new token without labels must store it (tokens.Store.CreateToken)")
		list, err := s.ListTokens(ctx, "acme")
		require.NoError(t, err, "ListTokens must list a tenant's tokens (tokens.Store.ListTokens)")
		require.Len(t, list, 2, "ListTokens must list every token of the tenant (tokens.Store.ListTokens)")
		byID := map[string]*tokens.Token{}
		for _, tok := range list {
			byID[tok.ID] = tok
		}
		require.Contains(t, byID, "1", "ListTokens must list every token of the tenant by its ID (tokens.Store.ListTokens)")
		require.Contains(t, byID, "2", "ListTokens must list every token of the tenant by its ID (tokens.Store.ListTokens)")
		const alias = "a store must copy the tokens it is given and returns, Labels and Hash included: a caller's change to them must not reach the stored token (tokens.Store)"
		assert.Equal(t, "v", byID["1"].Labels["k"], alias)
		assert.Equal(t, hash, byID["1"].Hash, alias)
		assert.Nil(t, byID["2"].Labels, "a token stored without labels must come back with Labels nil (tokens.Store.ListTokens)")
		if byID["1"].Labels != nil {
			byID["1"].Labels["k"] = "list"
		}
		again, err := s.TokenByHash(ctx, hash)
		require.NoError(t, err, "TokenByHash must find a stored token by its hash (tokens.Store.TokenByHash)")
		assert.Equal(t, "v", again.Labels["k"], alias)

		empty, err := s.ListTokens(ctx, "nobody")
		require.NoError(t, err, "ListTokens of a tenant without tokens must not be an error (tokens.Store.ListTokens)")
		assert.Empty(t, empty, "ListTokens of a tenant without tokens must list none (tokens.Store.ListTokens)")
	})

	run("Errors", func(t *testing.T) {
		s := open(t)
		require.NoError(t, s.CreateToken(ctx, stored("1", "acme", "p1")), "CreateToken of a new token must store it (tokens.Store.CreateToken)")
		cases := []struct {
			name string
			err  error
			want error
			rule string
		}{
			{"duplicate id", s.CreateToken(ctx, stored("1", "acme", "p2")), tokens.ErrConflict, "CreateToken of a taken ID must return tokens.ErrConflict (tokens.Store.CreateToken)"},
			{"duplicate hash", s.CreateToken(ctx, stored("2", "other", "p1")), tokens.ErrConflict, "CreateToken of a taken Hash, in any tenant, must return tokens.ErrConflict (tokens.Store.CreateToken)"},
			{"lookup unknown", func() error { _, err := s.TokenByHash(ctx, []byte("nope")); return err }(), tokens.ErrNotFound, "TokenByHash of an unknown hash must return tokens.ErrNotFound (tokens.Store.TokenByHash)"},
			{"revoke unknown", s.RevokeToken(ctx, "acme", "9", t0), tokens.ErrNotFound, "RevokeToken of an unknown id must return tokens.ErrNotFound (tokens.Store.RevokeToken)"},
			{"revoke wrong tenant", s.RevokeToken(ctx, "other", "1", t0), tokens.ErrNotFound, "RevokeToken of another tenant's token must return tokens.ErrNotFound (tokens.Store.RevokeToken)"},
			{"touch unknown", s.TouchToken(ctx, "9", t0), tokens.ErrNotFound, "TouchToken of an unknown id must return tokens.ErrNotFound (tokens.Store.TouchToken)"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				require.ErrorIs(t, tc.err, tc.want, tc.rule)
			})
		}
		for name, tok := range map[string]*tokens.Token{"no id": {Hash: []byte("h")}, "no hash": {ID: "x"}} {
			require.Error(t, s.CreateToken(ctx, tok), "CreateToken of a token with %s must return an error (tokens.Store.CreateToken)", name)
		}
		cancelled, cancel := context.WithCancel(ctx)
		cancel()
		require.ErrorIs(t, s.CreateToken(cancelled, stored("3", "", "p3")), context.Canceled, "CreateToken with a cancelled context must return an error wrapping context.Canceled (tokens.Store)")
		_, err := s.ListTokens(cancelled, "acme")
		require.ErrorIs(t, err, context.Canceled, "ListTokens with a cancelled context must return an error wrapping context.Canceled (tokens.Store)")
	})

	run("RevokeAndTouch", func(t *testing.T) {
		s := open(t)
		tok := stored("1", "acme", "p1")
		require.NoError(t, s.CreateToken(ctx, tok), "CreateToken of a new token must store it (tokens.Store.CreateToken)")
		require.NoError(t, s.RevokeToken(ctx, "acme", "1", t0.Add(time.Hour)), "RevokeToken of a tenant's token must revoke it (tokens.Store.RevokeToken)")
		require.NoError(t, s.RevokeToken(ctx, "acme", "1", t0.Add(2*time.Hour)), "RevokeToken of a revoked token must return nil (tokens.Store.RevokeToken)")
		require.NoError(t, s.TouchToken(ctx, "1", t0.Add(time.Minute)), "TouchToken of a token must record the time (tokens.Store.TouchToken)")
		require.NoError(t, s.TouchToken(ctx, "1", t0), "TouchToken with an older time must return nil (tokens.Store.TouchToken)")
		got, err := s.TokenByHash(ctx, tok.Hash)
		require.NoError(t, err, "TokenByHash must return revoked tokens too (tokens.Store.TokenByHash)")
		assert.Equal(t, t0.Add(time.Hour), got.RevokedAt, "RevokeToken of a revoked token must change nothing: the first revocation time stays (tokens.Store.RevokeToken)")
		assert.Equal(t, t0.Add(time.Minute), got.LastUsedAt, "TouchToken must set LastUsedAt, and an older touch must not move it back (tokens.Store.TouchToken)")
	})

	run("RotateErrors", func(t *testing.T) {
		s, r := rotator(t)
		require.NoError(t, s.CreateToken(ctx, stored("1", "acme", "p1")), "CreateToken of a new token must store it (tokens.Store.CreateToken)")
		require.ErrorIs(t, r.RotateToken(ctx, stored("1", "acme", "p3"), t0), tokens.ErrConflict, "RotateToken of a token whose ID is taken must return tokens.ErrConflict, as CreateToken does (tokens.Rotator.RotateToken)")
		for name, tok := range map[string]*tokens.Token{"no id": {Hash: []byte("h")}, "no hash": {ID: "x"}} {
			require.Error(t, r.RotateToken(ctx, tok, t0), "RotateToken of a token with %s must return an error, as CreateToken does (tokens.Rotator.RotateToken)", name)
		}
	})

	run("Rotate", func(t *testing.T) {
		s, r := rotator(t)
		active := stored("active", "acme", "p1")
		expired := stored("expired", "acme", "p2")
		expired.ExpiresAt = t0
		revoked := stored("revoked", "acme", "p3")
		revoked.RevokedAt = t0.Add(-time.Hour)
		other := stored("other", "b", "p4")
		for _, tok := range []*tokens.Token{active, expired, revoked, other} {
			require.NoError(t, s.CreateToken(ctx, tok), "CreateToken of a new token must store it (tokens.Store.CreateToken)")
		}
		at := t0.Add(time.Minute)
		require.NoError(t, r.RotateToken(ctx, stored("new", "acme", "p5"), at), "RotateToken of a new token must store it (tokens.Rotator.RotateToken)")
		want := map[string]time.Time{
			"active":  at,                 // revoked now
			"expired": {},                 // not active, left alone
			"revoked": t0.Add(-time.Hour), // unchanged
			"new":     {},                 // the new token stays active
		}
		list, err := s.ListTokens(ctx, "acme")
		require.NoError(t, err, "ListTokens must list a tenant's tokens (tokens.Store.ListTokens)")
		require.Len(t, list, len(want), "ListTokens must list the rotated token with the others (tokens.Store.ListTokens)")
		for _, tok := range list {
			assert.Equal(t, want[tok.ID], tok.RevokedAt, "token %s: RotateToken must revoke, at revokeAt, every other token of the tenant that is active then, and leave expired and revoked ones as they are (tokens.Rotator.RotateToken)", tok.ID)
		}
		b, err := s.ListTokens(ctx, "b")
		require.NoError(t, err, "ListTokens must list a tenant's tokens (tokens.Store.ListTokens)")
		require.Len(t, b, 1, "ListTokens must list the tenant's tokens only (tokens.Store.ListTokens)")
		assert.True(t, b[0].RevokedAt.IsZero(), "RotateToken must not revoke another tenant's tokens (tokens.Rotator.RotateToken)")

		// A failed rotation changes nothing.
		require.ErrorIs(t, r.RotateToken(ctx, stored("new", "acme", "p6"), at.Add(time.Minute)), tokens.ErrConflict, "RotateToken of a token whose ID is taken must return tokens.ErrConflict (tokens.Rotator.RotateToken)")
		got, err := s.TokenByHash(ctx, stored("", "", "p5").Hash)
		require.NoError(t, err, "TokenByHash must find a stored token by its hash (tokens.Store.TokenByHash)")
		assert.True(t, got.RevokedAt.IsZero(), "a RotateToken that fails must revoke nothing: creating and revoking are one atomic step (tokens.Rotator.RotateToken)")
	})

	run("ConcurrentRotate", func(t *testing.T) {
		// One active token survives concurrent rotations.
		s, r := rotator(t)
		errs := fanout.Run(8, func(i int) error {
			return r.RotateToken(ctx, stored(fmt.Sprint("t", i), "acme", fmt.Sprint("p", i)), t0.Add(time.Duration(i)*time.Second))
		})
		for i, err := range errs {
			require.NoError(t, err, "rotation %d: concurrent RotateToken calls of new tokens must all succeed (tokens.Rotator.RotateToken)", i)
		}
		list, err := s.ListTokens(ctx, "acme")
		require.NoError(t, err, "ListTokens must list a tenant's tokens (tokens.Store.ListTokens)")
		require.Len(t, list, 8, "every rotated token must be stored (tokens.Rotator.RotateToken)")
		active := 0
		for _, tok := range list {
			if tok.RevokedAt.IsZero() {
				active++
			}
		}
		assert.Equal(t, 1, active, "after concurrent RotateToken calls exactly one token of the tenant must stay active: each call is one atomic step (tokens.Rotator.RotateToken)")
	})

	run("Manager", func(t *testing.T) {
		// Without the cache, every Authenticate asks the store.
		m := tokens.NewManager(open(t), tokens.Options{LastUsedInterval: -1, CacheTTL: -1})
		plain, tok, err := m.Generate(ctx, tokens.GenerateOptions{TenantID: "acme", Name: "Okta"})
		require.NoError(t, err, "a Manager over the store must generate a token (tokens.Store.CreateToken)")
		got, err := m.Authenticate(ctx, plain)
		require.NoError(t, err, "a Manager over the store must authenticate the token it generated (tokens.Store.TokenByHash)")
		assert.Equal(t, tok.ID, got.ID, "a Manager over the store must authenticate the token it generated (tokens.Store.TokenByHash)")
		plain2, _, err := m.Generate(ctx, tokens.GenerateOptions{TenantID: "acme", Name: "Okta again"})
		require.NoError(t, err, "a Manager over the store must generate a second token (tokens.Store.CreateToken)")
		_, err = m.Authenticate(ctx, plain)
		require.ErrorIs(t, err, tokens.ErrInvalidToken, "the first token must be revoked by the second: the store must keep RevokedAt (tokens.Store.RevokeToken or tokens.Rotator.RotateToken)")
		_, err = m.Authenticate(ctx, plain2)
		require.NoError(t, err, "a Manager over the store must authenticate the token it generated last (tokens.Store.TokenByHash)")
	})
}
