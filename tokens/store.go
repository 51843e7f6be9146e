package tokens

import (
	"context"
	"time"
)

// Store persists tokens. Implementations must be safe for concurrent use
// and must not alias the *Token values they are given or return (copy
// them, including Labels and Hash). They see only hashes, never plaintext.
//
// A call whose ctx has ended before it starts returns an error wrapping
// ctx.Err() and changes nothing, as a database driver does; a store that
// never waits (a map) checks ctx.Err() first. tokenstest checks it.
type Store interface {
	// CreateToken saves a new token. It returns an error wrapping
	// ErrConflict if the id or hash is taken, and an error (any) for a
	// token without ID or Hash, which a Manager never creates.
	CreateToken(ctx context.Context, tok *Token) error

	// TokenByHash returns the token whose Hash equals hash, whatever its
	// state (revoked and expired tokens are returned too), or an error
	// wrapping ErrNotFound.
	TokenByHash(ctx context.Context, hash []byte) (*Token, error)

	// ListTokens returns all tokens of a tenant, in any order, including
	// revoked and expired ones. A tenant without tokens yields no error.
	ListTokens(ctx context.Context, tenantID string) ([]*Token, error)

	// RevokeToken sets RevokedAt of token id in tenant tenantID to at. It
	// returns an error wrapping ErrNotFound if the tenant has no such
	// token, and nil without changing anything if the token is already
	// revoked.
	RevokeToken(ctx context.Context, tenantID, id string, at time.Time) error

	// TouchToken records that token id authenticated a request at at
	// (sets LastUsedAt). LastUsedAt never moves back: a time before the
	// one recorded (touches from several requests or replicas arrive in
	// any order) changes nothing and returns nil. It returns an error
	// wrapping ErrNotFound if there is no such token.
	TouchToken(ctx context.Context, id string, at time.Time) error
}

// Rotator is an optional Store capability that Manager uses under the
// OneActive policy. Stores that lack it get a CreateToken followed by a
// RevokeToken loop, which is not atomic.
type Rotator interface {
	// RotateToken atomically creates newTok and sets RevokedAt to revokeAt
	// on every other token of newTok.TenantID that is active at revokeAt.
	// It refuses newTok as CreateToken does, and then revokes nothing.
	RotateToken(ctx context.Context, newTok *Token, revokeAt time.Time) error
}
