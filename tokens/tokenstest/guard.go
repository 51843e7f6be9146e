package tokenstest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/scimkit/scim/internal/suiteguard"
	"github.com/scimkit/scim/tokens"
)

// The suite calls the store under test only through guardedStore, so that
// a misbehaving store fails the check that met it with a message naming
// the method and its contract, instead of crashing the test binary: a
// panic becomes a t.Errorf and an error wrapping errPanicked, a nil token
// returned without an error (or a nil token in a list) an error wrapping
// errNilResult.

var (
	errPanicked  = errors.New("tokenstest: the store panicked")
	errNilResult = errors.New("tokenstest: the store returned a nil token and a nil error")
)

// guard wraps s, keeping tokens.Rotator when s implements it.
func guard(t *testing.T, s tokens.Store) tokens.Store {
	g := guardedStore{t: t, s: s}
	if r, ok := s.(tokens.Rotator); ok {
		return guardedRotator{g, r}
	}
	return g
}

// suite names tokenstest in the messages of its guards.
var suite = suiteguard.Suite{Name: "tokenstest", Contract: "tokens/store.go", Panicked: errPanicked}

type guardedStore struct {
	t *testing.T
	s tokens.Store
}

func (g guardedStore) CreateToken(ctx context.Context, tok *tokens.Token) (err error) {
	defer suite.Catch(g.t, "tokens.Store.CreateToken", &err)
	return g.s.CreateToken(ctx, tok)
}

func (g guardedStore) TokenByHash(ctx context.Context, hash []byte) (tok *tokens.Token, err error) {
	defer suite.Catch(g.t, "tokens.Store.TokenByHash", &err)
	tok, err = g.s.TokenByHash(ctx, hash)
	if err == nil && tok == nil {
		return nil, fmt.Errorf("%w: tokens.Store.TokenByHash returned a nil token and a nil error: it must return the token, or an error wrapping tokens.ErrNotFound", errNilResult)
	}
	return tok, err
}

func (g guardedStore) ListTokens(ctx context.Context, tenantID string) (list []*tokens.Token, err error) {
	defer suite.Catch(g.t, "tokens.Store.ListTokens", &err)
	list, err = g.s.ListTokens(ctx, tenantID)
	if err == nil {
		for i, tok := range list {
			if tok == nil {
				return nil, fmt.Errorf("%w: tokens.Store.ListTokens returned a nil token at [%d]: every item must be a token", errNilResult, i)
			}
		}
	}
	return list, err
}

func (g guardedStore) RevokeToken(ctx context.Context, tenantID, id string, at time.Time) (err error) {
	defer suite.Catch(g.t, "tokens.Store.RevokeToken", &err)
	return g.s.RevokeToken(ctx, tenantID, id, at)
}

func (g guardedStore) TouchToken(ctx context.Context, id string, at time.Time) (err error) {
	defer suite.Catch(g.t, "tokens.Store.TouchToken", &err)
	return g.s.TouchToken(ctx, id, at)
}

type guardedRotator struct {
	guardedStore
	r tokens.Rotator
}

func (g guardedRotator) RotateToken(ctx context.Context, newTok *tokens.Token, revokeAt time.Time) (err error) {
	defer suite.Catch(g.t, "tokens.Rotator.RotateToken", &err)
	return g.r.RotateToken(ctx, newTok, revokeAt)
}
