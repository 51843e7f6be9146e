package tokens_test

import (
	"context"
	"crypto/sha256"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/tokens"
)

func newStored(id, tenant, plain string) *tokens.Token {
	sum := sha256.Sum256([]byte(plain))
	return &tokens.Token{ID: id, TenantID: tenant, Hash: sum[:], Labels: map[string]string{"k": "v"}, CreatedAt: t0}
}

func TestMemoryStoreCopies(t *testing.T) {
	s := tokens.NewMemoryStore()
	in := newStored("1", "acme", "p1")
	require.NoError(t, s.CreateToken(ctx, in))

	// Mutating the input after the call does not reach the store.
	hash := append([]byte(nil), in.Hash...)
	in.Labels["k"] = "in"
	in.Hash[0] ^= 0xff
	in.TenantID = "evil"

	out, err := s.TokenByHash(ctx, hash)
	require.NoError(t, err)
	assert.Equal(t, "acme", out.TenantID)
	assert.Equal(t, "v", out.Labels["k"])
	assert.Equal(t, hash, out.Hash)

	// Mutating the output does not reach the store either.
	out.Labels["k"] = "out"
	out.Hash[0] ^= 0xff
	list, err := s.ListTokens(ctx, "acme")
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.Equal(t, "v", list[0].Labels["k"])
	assert.Equal(t, hash, list[0].Hash)
	list[0].Labels["k"] = "list"

	again, err := s.TokenByHash(ctx, hash)
	require.NoError(t, err)
	assert.Equal(t, "v", again.Labels["k"])
}

func TestMemoryStoreErrors(t *testing.T) {
	s := tokens.NewMemoryStore()
	require.NoError(t, s.CreateToken(ctx, newStored("1", "acme", "p1")))

	cases := []struct {
		name string
		err  error
		want error
	}{
		{"duplicate id", s.CreateToken(ctx, newStored("1", "acme", "p2")), tokens.ErrConflict},
		{"duplicate hash", s.CreateToken(ctx, newStored("2", "other", "p1")), tokens.ErrConflict},
		{"rotate duplicate", s.RotateToken(ctx, newStored("1", "acme", "p3"), t0), tokens.ErrConflict},
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

	for name, tok := range map[string]*tokens.Token{
		"nil":     nil,
		"no id":   {Hash: []byte("h")},
		"no hash": {ID: "x"},
	} {
		t.Run(name, func(t *testing.T) {
			require.Error(t, s.CreateToken(ctx, tok))
			require.Error(t, s.RotateToken(ctx, tok, t0))
		})
	}

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	require.ErrorIs(t, s.CreateToken(cancelled, newStored("3", "", "p3")), context.Canceled)
	_, err := s.ListTokens(cancelled, "acme")
	require.ErrorIs(t, err, context.Canceled)
}

func TestMemoryStoreRevokeAndTouch(t *testing.T) {
	s := tokens.NewMemoryStore()
	tok := newStored("1", "acme", "p1")
	require.NoError(t, s.CreateToken(ctx, tok))

	require.NoError(t, s.RevokeToken(ctx, "acme", "1", t0.Add(time.Hour)))
	require.NoError(t, s.RevokeToken(ctx, "acme", "1", t0.Add(2*time.Hour)), "idempotent")
	require.NoError(t, s.TouchToken(ctx, "1", t0.Add(time.Minute)))
	require.NoError(t, s.TouchToken(ctx, "1", t0), "older touch is ignored")

	got, err := s.TokenByHash(ctx, tok.Hash)
	require.NoError(t, err)
	assert.Equal(t, t0.Add(time.Hour), got.RevokedAt, "first revocation time kept")
	assert.Equal(t, t0.Add(time.Minute), got.LastUsedAt)
}

func TestMemoryStoreRotate(t *testing.T) {
	s := tokens.NewMemoryStore()
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
}
