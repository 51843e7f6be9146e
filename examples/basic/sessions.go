package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/argon2"
)

// sessionID is the HMAC-SHA256 of a session token keyed by the admin
// password's sessionSecretOf: what a session store keeps, so that reading
// the store (a backup, a replica) signs no one in, and so that a session
// signed in with a password ends with it: a server (or replica) started
// with another password finds none of the sessions kept in the database.
type sessionID [sha256.Size]byte

// sessionKey returns the id of the session whose cookie holds token,
// signed in with the password whose sessionSecretOf is secret.
func sessionKey(secret [sha256.Size]byte, token string) sessionID {
	mac := hmac.New(sha256.New, secret[:])
	mac.Write([]byte(token))
	return sessionID(mac.Sum(nil))
}

// sessionSecretSalt is the salt of sessionSecretOf: one for every server,
// since replicas started with one password must find each other's
// sessions; the password is the secret.
const sessionSecretSalt = "scimkit example: admin session ids"

// sessionSecretOf is the key of the session ids of password: its
// Argon2id with OWASP's least recommended cost (19 MiB, 2 passes, 1
// lane), computed once at start. Keyed by a fast hash of the password, a
// session id from the database and the cookie it was made of would check
// a guess at the password at SHA-256's speed.
func sessionSecretOf(password string) [sha256.Size]byte {
	return [sha256.Size]byte(argon2.IDKey([]byte(password), []byte(sessionSecretSalt), 2, 19*1024, 1, sha256.Size))
}

// sessionStore keeps the admin page's sign-in sessions. The example keeps
// them where its data is, so that every replica over one database knows
// every session. Implementations are safe for concurrent use.
type sessionStore interface {
	// create starts the session id, ending at expires, or at idleUntil
	// unless use moves that on, and forgets the sessions that ended by
	// now.
	create(ctx context.Context, id sessionID, now, expires, idleUntil time.Time) error
	// use reports whether the session id exists and has ended neither at
	// its expiry nor at its idle deadline by now; if it has not, its idle
	// deadline moves to idleUntil when that is later (never earlier).
	use(ctx context.Context, id sessionID, now, idleUntil time.Time) (bool, error)
	// revoke ends the session id; an unknown id is not an error.
	revoke(ctx context.Context, id sessionID) error
}

// maxMemorySessions bounds the memory store: beyond it, everyone signs in
// again rather than the map growing.
const maxMemorySessions = 1000

// memorySessions keeps sessions in the process, for -db memory (whose
// data is in the process too).
type memorySessions struct {
	mu       sync.Mutex
	sessions map[sessionID]memorySession
}

// memorySession is when a session ends: at expires, or idle at idleUntil.
type memorySession struct{ expires, idleUntil time.Time }

// liveAt reports whether the session has not ended by now.
func (s memorySession) liveAt(now time.Time) bool {
	return now.Before(s.expires) && now.Before(s.idleUntil)
}

func newMemorySessions() *memorySessions {
	return &memorySessions{sessions: make(map[sessionID]memorySession)}
}

func (m *memorySessions) create(_ context.Context, id sessionID, now, expires, idleUntil time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for s, ms := range m.sessions {
		if !ms.liveAt(now) {
			delete(m.sessions, s)
		}
	}
	if len(m.sessions) >= maxMemorySessions {
		clear(m.sessions)
	}
	m.sessions[id] = memorySession{expires, idleUntil}
	return nil
}

func (m *memorySessions) use(_ context.Context, id sessionID, now, idleUntil time.Time) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	ms, ok := m.sessions[id]
	if !ok || !ms.liveAt(now) {
		return false, nil
	}
	if idleUntil.After(ms.idleUntil) {
		ms.idleUntil = idleUntil
		m.sessions[id] = ms
	}
	return true, nil
}

func (m *memorySessions) revoke(_ context.Context, id sessionID) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.sessions, id)
	return nil
}

// sessionTable is the table sqlSessions keeps sessions in. The example
// creates it itself: it is the example's, not the store's.
const sessionTable = "example_admin_sessions"

// sqlSessions keeps sessions in a table of the SQL store's database, so
// that replicas over one SQLite file or PostgreSQL database (and one
// admin password: see sessionKey) share them.
// Rows hold the hex session id (sessionKey; the column's name is from
// when it was the token's plain SHA-256), the expiry and the idle
// deadline in Unix microseconds (one portable integer type for both
// dialects).
type sqlSessions struct {
	db *sql.DB
	// insert, use, revoke and prune are the statements in the
	// database's placeholder style.
	insert, useQ, revokeQ, prune string
}

// errDialect is returned for a database the session table is not written for.
var errDialect = errors.New("unsupported SQL dialect")

// newSQLSessions creates the session table in db if it is missing.
// dialect is (*sqlstore.Store).Dialect(): "postgres" or "sqlite".
func newSQLSessions(ctx context.Context, db *sql.DB, dialect string) (*sqlSessions, error) {
	var bind func(string) string
	switch dialect {
	case "sqlite":
		bind = func(q string) string { return q }
	case "postgres":
		bind = func(q string) string {
			var b strings.Builder
			n := 0
			for _, r := range q {
				if r == '?' {
					n++
					b.WriteString("$" + strconv.Itoa(n))
					continue
				}
				b.WriteRune(r)
			}
			return b.String()
		}
	default:
		return nil, fmt.Errorf("admin sessions: %w %q", errDialect, dialect)
	}
	create := "CREATE TABLE IF NOT EXISTS " + sessionTable + " (token_sha256 CHAR(64) PRIMARY KEY, expires_at BIGINT NOT NULL, idle_until BIGINT NOT NULL)"
	if _, err := db.ExecContext(ctx, create); err != nil {
		// Two PostgreSQL replicas starting at once can both find the
		// table missing; the one that loses sees it the second time.
		if _, err := db.ExecContext(ctx, create); err != nil {
			return nil, fmt.Errorf("admin sessions: create table: %w", err)
		}
	}
	if err := addIdleColumn(ctx, db); err != nil {
		return nil, err
	}
	return &sqlSessions{
		db:      db,
		insert:  bind("INSERT INTO " + sessionTable + " (token_sha256, expires_at, idle_until) VALUES (?, ?, ?)"),
		useQ:    bind("UPDATE " + sessionTable + " SET idle_until = CASE WHEN idle_until > ? THEN idle_until ELSE ? END WHERE token_sha256 = ? AND expires_at > ? AND idle_until > ?"),
		revokeQ: bind("DELETE FROM " + sessionTable + " WHERE token_sha256 = ?"),
		prune:   bind("DELETE FROM " + sessionTable + " WHERE expires_at <= ? OR idle_until <= ?"),
	}, nil
}

// addIdleColumn gives a session table an earlier example made, without
// idle deadlines, its idle_until column. Its sessions get 0, ended: they
// were started without an idle timeout, so their admins sign in again.
// A replica adding it at the same moment makes the ALTER fail here: the
// column is there all the same.
func addIdleColumn(ctx context.Context, db *sql.DB) error {
	has := func() bool {
		_, err := db.ExecContext(ctx, "SELECT idle_until FROM "+sessionTable+" WHERE 1 = 0")
		return err == nil
	}
	if has() {
		return nil
	}
	if _, err := db.ExecContext(ctx, "ALTER TABLE "+sessionTable+" ADD COLUMN idle_until BIGINT NOT NULL DEFAULT 0"); err != nil && !has() {
		return fmt.Errorf("admin sessions: add idle_until: %w", err)
	}
	return nil
}

func (s *sqlSessions) create(ctx context.Context, id sessionID, now, expires, idleUntil time.Time) error {
	if _, err := s.db.ExecContext(ctx, s.prune, now.UnixMicro(), now.UnixMicro()); err != nil {
		return fmt.Errorf("admin sessions: prune: %w", err)
	}
	if _, err := s.db.ExecContext(ctx, s.insert, hex.EncodeToString(id[:]), expires.UnixMicro(), idleUntil.UnixMicro()); err != nil {
		return fmt.Errorf("admin sessions: create: %w", err)
	}
	return nil
}

// use finds and moves the session in one statement: an UPDATE of the
// live session's row, which it reports by the rows it changed.
func (s *sqlSessions) use(ctx context.Context, id sessionID, now, idleUntil time.Time) (bool, error) {
	res, err := s.db.ExecContext(ctx, s.useQ, idleUntil.UnixMicro(), idleUntil.UnixMicro(), hex.EncodeToString(id[:]), now.UnixMicro(), now.UnixMicro())
	if err != nil {
		return false, fmt.Errorf("admin sessions: use: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("admin sessions: use: %w", err)
	}
	return n == 1, nil
}

func (s *sqlSessions) revoke(ctx context.Context, id sessionID) error {
	if _, err := s.db.ExecContext(ctx, s.revokeQ, hex.EncodeToString(id[:])); err != nil {
		return fmt.Errorf("admin sessions: revoke: %w", err)
	}
	return nil
}

var (
	_ sessionStore = (*memorySessions)(nil)
	_ sessionStore = (*sqlSessions)(nil)
)
