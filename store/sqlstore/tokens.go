package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/scimkit/scim/tokens"
)

// Tokens are stored with their times in whole microseconds (PostgreSQL's
// precision; SQLite keeps the same for parity).

const tokenCols = "id, tenant, name, connection_id, labels, hint, hash, created_at, expires_at, last_used_at, revoked_at, created_by"

func checkToken(tok *tokens.Token) error {
	switch {
	case tok == nil:
		return errors.New("sqlstore: nil token")
	case tok.ID == "":
		return errors.New("sqlstore: token without id")
	case len(tok.Hash) == 0:
		return errors.New("sqlstore: token without hash")
	}
	return nil
}

func (s *Store) insertToken(ctx context.Context, tx *sql.Tx, tok *tokens.Token) error {
	var labels any
	if tok.Labels != nil {
		b, err := json.Marshal(tok.Labels)
		if err != nil {
			return fmt.Errorf("sqlstore: token labels: %w", err)
		}
		labels = string(b)
	}
	a := &args{d: s.d}
	lbl := a.add(labels)
	if s.d.pg {
		lbl += "::jsonb"
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO scim_tokens (`+tokenCols+`) VALUES (`+a.add(tok.ID)+`, `+a.add(tok.TenantID)+`, `+a.add(tok.Name)+`, `+
		a.add(tok.ConnectionID)+`, `+lbl+`, `+a.add(tok.Hint)+`, `+a.add(append([]byte(nil), tok.Hash...))+`, `+a.add(s.d.timeArg(tok.CreatedAt))+`, `+
		a.add(s.d.nullTimeArg(tok.ExpiresAt))+`, `+a.add(s.d.nullTimeArg(tok.LastUsedAt))+`, `+a.add(s.d.nullTimeArg(tok.RevokedAt))+`, `+a.add(tok.CreatedBy)+`)`, a.vals...)
	if err != nil {
		if isUniqueViolation(err) {
			return fmt.Errorf("sqlstore: token %q: %w", tok.ID, tokens.ErrConflict)
		}
		return fmt.Errorf("sqlstore: create token: %w", err)
	}
	return nil
}

func scanToken(r scanner) (*tokens.Token, error) {
	var (
		t      tokens.Token
		labels string
	)
	if err := r.Scan(&t.ID, &t.TenantID, &t.Name, &t.ConnectionID, dbText{&labels}, &t.Hint, &t.Hash,
		dbTime{&t.CreatedAt}, dbTime{&t.ExpiresAt}, dbTime{&t.LastUsedAt}, dbTime{&t.RevokedAt}, &t.CreatedBy); err != nil {
		return nil, err
	}
	if labels != "" && labels != "null" {
		if err := json.Unmarshal([]byte(labels), &t.Labels); err != nil {
			return nil, fmt.Errorf("sqlstore: token %s labels: %w", t.ID, err)
		}
	}
	return &t, nil
}

// CreateToken implements tokens.Store. A taken id or hash gives an error
// wrapping tokens.ErrConflict.
func (s *Store) CreateToken(ctx context.Context, tok *tokens.Token) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	if err := checkToken(tok); err != nil {
		return err
	}
	return s.write(ctx, func(tx *sql.Tx) error { return s.insertToken(ctx, tx, tok) })
}

// RotateToken implements tokens.Rotator: it creates newTok and revokes, at
// revokeAt, every other token of its tenant that is active at revokeAt,
// in one transaction. Concurrent rotations of a tenant are serialised, so
// they leave one active token.
func (s *Store) RotateToken(ctx context.Context, newTok *tokens.Token, revokeAt time.Time) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	if err := checkToken(newTok); err != nil {
		return err
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		if s.d.pg {
			// Rotations of one tenant take turns, so that concurrent ones
			// leave exactly one active token (SQLite's BEGIN IMMEDIATE
			// serialises them already).
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext('scim_tokens rotate ' || $1))`, newTok.TenantID); err != nil {
				return fmt.Errorf("sqlstore: rotate tokens: %w", err)
			}
		}
		if err := s.insertToken(ctx, tx, newTok); err != nil {
			return err
		}
		at := s.d.timeArg(revokeAt)
		_, err := tx.ExecContext(ctx, `UPDATE scim_tokens SET revoked_at = `+s.d.ph(3)+
			` WHERE tenant = `+s.d.boundPh(1)+` AND id <> `+s.d.ph(2)+` AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > `+s.d.ph(3)+`)`,
			newTok.TenantID, newTok.ID, at)
		if err != nil {
			return fmt.Errorf("sqlstore: rotate tokens: %w", err)
		}
		return nil
	})
}

// TokenByHash implements tokens.Store.
func (s *Store) TokenByHash(ctx context.Context, hash []byte) (*tokens.Token, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	t, err := scanToken(s.r.QueryRowContext(s.point(ctx), `SELECT `+tokenCols+` FROM scim_tokens WHERE hash = `+s.d.ph(1), hash))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, tokens.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: token by hash: %w", err)
	}
	return t, nil
}

// ListTokens implements tokens.Store.
func (s *Store) ListTokens(ctx context.Context, tenantID string) ([]*tokens.Token, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+tokenCols+` FROM scim_tokens WHERE tenant = `+s.d.boundPh(1)+` ORDER BY created_at, id`, tenantID)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list tokens: %w", err)
	}
	defer rows.Close()
	out := []*tokens.Token{}
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: list tokens: %w", err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: list tokens: %w", err)
	}
	return out, nil
}

// RevokeToken implements tokens.Store.
func (s *Store) RevokeToken(ctx context.Context, tenantID, id string, at time.Time) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE scim_tokens SET revoked_at = CASE WHEN revoked_at IS NULL THEN `+s.d.ph(3)+` ELSE revoked_at END
			WHERE tenant = `+s.d.ph(1)+` AND id = `+s.d.ph(2), tenantID, id, s.d.timeArg(at))
		if err != nil {
			return fmt.Errorf("sqlstore: revoke token: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("sqlstore: revoke token: %w", err)
		} else if n == 0 {
			return fmt.Errorf("sqlstore: token %q: %w", id, tokens.ErrNotFound)
		}
		return nil
	})
}

// TouchToken implements tokens.Store. LastUsedAt never moves backwards.
func (s *Store) TouchToken(ctx context.Context, id string, at time.Time) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE scim_tokens SET last_used_at = CASE WHEN last_used_at IS NULL OR last_used_at < `+s.d.ph(2)+` THEN `+s.d.ph(2)+` ELSE last_used_at END
			WHERE id = `+s.d.ph(1), id, s.d.timeArg(at))
		if err != nil {
			return fmt.Errorf("sqlstore: touch token: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("sqlstore: touch token: %w", err)
		} else if n == 0 {
			return fmt.Errorf("sqlstore: token %q: %w", id, tokens.ErrNotFound)
		}
		return nil
	})
}
