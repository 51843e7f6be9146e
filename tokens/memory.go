package tokens

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// MemoryStore is an in-memory Store and Rotator for tests, demos and
// single-process hosts. It is safe for concurrent use and copies tokens in
// and out. Create one with NewMemoryStore.
type MemoryStore struct {
	mu       sync.RWMutex
	byHash   map[string]*Token            // string(hash) -> token
	byID     map[string]*Token            // id -> token
	byTenant map[string]map[string]*Token // tenant -> id -> token
}

var (
	_ Store   = (*MemoryStore)(nil)
	_ Rotator = (*MemoryStore)(nil)
)

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{
		byHash:   make(map[string]*Token),
		byID:     make(map[string]*Token),
		byTenant: make(map[string]map[string]*Token),
	}
}

// CreateToken implements Store.
func (s *MemoryStore) CreateToken(ctx context.Context, tok *Token) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := checkNew(tok); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.insert(tok)
}

// RotateToken implements Rotator.
func (s *MemoryStore) RotateToken(ctx context.Context, newTok *Token, revokeAt time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := checkNew(newTok); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.insert(newTok); err != nil {
		return err
	}
	for id, t := range s.byTenant[newTok.TenantID] {
		if id != newTok.ID && t.Active(revokeAt) {
			t.RevokedAt = revokeAt
		}
	}
	return nil
}

// TokenByHash implements Store.
func (s *MemoryStore) TokenByHash(ctx context.Context, hash []byte) (*Token, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	t, ok := s.byHash[string(hash)]
	if !ok {
		return nil, ErrNotFound
	}
	return t.clone(), nil
}

// ListTokens implements Store.
func (s *MemoryStore) ListTokens(ctx context.Context, tenantID string) ([]*Token, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	ts := s.byTenant[tenantID]
	out := make([]*Token, 0, len(ts))
	for _, t := range ts {
		out = append(out, t.clone())
	}
	return out, nil
}

// RevokeToken implements Store.
func (s *MemoryStore) RevokeToken(ctx context.Context, tenantID, id string, at time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.byTenant[tenantID][id]
	if !ok {
		return fmt.Errorf("tokens: token %q: %w", id, ErrNotFound)
	}
	if t.RevokedAt.IsZero() {
		t.RevokedAt = at
	}
	return nil
}

// TouchToken implements Store. LastUsedAt never moves backwards.
func (s *MemoryStore) TouchToken(ctx context.Context, id string, at time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.byID[id]
	if !ok {
		return fmt.Errorf("tokens: token %q: %w", id, ErrNotFound)
	}
	if at.After(t.LastUsedAt) {
		t.LastUsedAt = at
	}
	return nil
}

// checkNew validates a token before it is stored.
func checkNew(tok *Token) error {
	switch {
	case tok == nil:
		return errors.New("tokens: nil token")
	case tok.ID == "":
		return errors.New("tokens: token without id")
	case len(tok.Hash) == 0:
		return errors.New("tokens: token without hash")
	}
	return nil
}

// insert stores a copy of tok; s.mu must be held for writing.
func (s *MemoryStore) insert(tok *Token) error {
	if _, ok := s.byID[tok.ID]; ok {
		return fmt.Errorf("tokens: id %q: %w", tok.ID, ErrConflict)
	}
	if _, ok := s.byHash[string(tok.Hash)]; ok {
		return fmt.Errorf("tokens: hash: %w", ErrConflict)
	}
	t := tok.clone()
	s.byHash[string(t.Hash)] = t
	s.byID[t.ID] = t
	ts := s.byTenant[t.TenantID]
	if ts == nil {
		ts = make(map[string]*Token)
		s.byTenant[t.TenantID] = ts
	}
	ts[t.ID] = t
	return nil
}
