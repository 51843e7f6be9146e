package sqlstore

import (
	"context"
	"database/sql"
	"sync"
)

// stmtCacheSize bounds each SQLite statement cache. A store's writes send
// a few dozen distinct SQL texts (a multi-row INSERT has one per row
// count, the bridge's a handful), its reads one per filter shape a
// provider uses; a text past the bound runs unprepared, as every one did
// before the caches.
const stmtCacheSize = 128

// stmtCache holds the prepared statements of one SQLite pool by SQL text:
// the modernc driver caches none, and compiling was about a fifth of a
// write's CPU and half of a read's. A store has one for its writer (get,
// flush: the statements of its write transactions) and one for its
// readers (now). PostgreSQL has none (nil): pgx caches each connection's
// prepared statements itself.
//
// A statement cannot be prepared on the writer's pool while a write
// transaction holds its one connection, so a text seen for the first
// time runs unprepared in its transaction and is prepared after that
// transaction ends (flush); from then on the transaction uses the
// prepared statement (Tx.StmtContext, which reuses the statement the
// connection holds). Statements are closed by Store.Close, never before:
// a transaction may be using one.
type stmtCache struct {
	db      *sql.DB
	mu      sync.Mutex
	stmts   map[string]*sql.Stmt // nil: the text failed to prepare; run it unprepared
	pending []string             // seen, to prepare at the next flush
}

func newStmtCache(db *sql.DB) *stmtCache {
	return &stmtCache{db: db, stmts: map[string]*sql.Stmt{}}
}

// now returns the prepared statement of q, preparing it first when it is
// new and there is room; nil when it runs unprepared. The readers' cache
// prepares at once: no transaction holds the reader pool, and
// database/sql prepares the statement again on each reader connection
// the first time it runs there. Concurrent first uses of one text run
// unprepared while one of them prepares it.
func (c *stmtCache) now(ctx context.Context, q string) *sql.Stmt {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	st, ok := c.stmts[q]
	if ok || len(c.stmts) >= stmtCacheSize || c.db == nil {
		c.mu.Unlock()
		return st
	}
	c.stmts[q] = nil // being prepared
	db := c.db
	c.mu.Unlock()
	st, err := db.PrepareContext(ctx, q)
	if err != nil {
		if ctx.Err() != nil {
			c.forget(q) // not the statement's fault: try again next time
		}
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.db == nil { // closed meanwhile
		st.Close()
		return nil
	}
	c.stmts[q] = st
	return st
}

// get returns the prepared statement of q, or nil (and notes q to be
// prepared at the next flush while there is room).
func (c *stmtCache) get(q string) *sql.Stmt {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	st, ok := c.stmts[q]
	if !ok && len(c.stmts)+len(c.pending) < stmtCacheSize && c.db != nil {
		c.pending = append(c.pending, q)
		c.stmts[q] = nil // noted: not again until flushed
	}
	return st
}

// flush prepares the statements noted since the last flush. It runs
// after a write transaction has ended (its connection back in the pool),
// without holding c.mu while it prepares, since a transaction that holds
// the connection may be waiting for c.mu. A text that does not prepare
// stays nil: it runs unprepared.
func (c *stmtCache) flush(ctx context.Context) {
	if c == nil {
		return
	}
	c.mu.Lock()
	todo := c.pending
	c.pending = nil
	db := c.db
	c.mu.Unlock()
	for _, q := range todo {
		if db == nil || ctx.Err() != nil {
			c.forget(q)
			continue
		}
		st, err := db.PrepareContext(ctx, q)
		if err != nil {
			continue
		}
		c.mu.Lock()
		if c.db == nil { // closed meanwhile
			st.Close()
		} else {
			c.stmts[q] = st
		}
		c.mu.Unlock()
	}
}

// forget drops q's note, so that a later use notes it again.
func (c *stmtCache) forget(q string) {
	c.mu.Lock()
	if c.stmts[q] == nil {
		delete(c.stmts, q)
	}
	c.mu.Unlock()
}

// close closes the cached statements; later gets return nil.
func (c *stmtCache) close() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.stmts {
		if st != nil {
			st.Close()
		}
	}
	c.stmts, c.pending, c.db = map[string]*sql.Stmt{}, nil, nil
}

// rowQuerier is what reads rows and single rows: *sql.DB, *sql.Tx, and
// the prepared-statement wrappers wtx and rdb.
type rowQuerier interface {
	Querier
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// wtx runs a write transaction's statements, through the statement
// cache when the store has one.
type wtx struct {
	tx *sql.Tx
	c  *stmtCache
	// points: the store's point statements run without their
	// context's end (Store.points; wtx.point).
	points bool
}

// wx returns tx with the store's statement cache.
func (s *Store) wx(tx *sql.Tx) wtx { return wtx{tx: tx, c: s.stmts, points: s.points} }

// ExecContext is tx.ExecContext, prepared once.
func (w wtx) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if st := w.c.get(q); st != nil {
		return w.tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return w.tx.ExecContext(ctx, q, args...)
}

// QueryContext is tx.QueryContext, prepared once.
func (w wtx) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if st := w.c.get(q); st != nil {
		return w.tx.StmtContext(ctx, st).QueryContext(ctx, args...)
	}
	return w.tx.QueryContext(ctx, q, args...)
}

// QueryRowContext is tx.QueryRowContext, prepared once.
func (w wtx) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	if st := w.c.get(q); st != nil {
		return w.tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
	}
	return w.tx.QueryRowContext(ctx, q, args...)
}

// rdb runs single-statement reads on the reader pool, through the
// readers' statement cache when the store has one.
type rdb struct {
	db *sql.DB
	c  *stmtCache
	pg bool // PostgreSQL: query and queryRow go to pgx itself (pgread.go)
}

// rx returns the reader pool with the store's read statement cache.
func (s *Store) rx() rdb { return rdb{db: s.r, c: s.rstmts, pg: s.d.pg} }

// QueryContext is db.QueryContext, prepared once.
func (r rdb) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if st := r.c.now(ctx, q); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return r.db.QueryContext(ctx, q, args...)
}

// QueryRowContext is db.QueryRowContext, prepared once.
func (r rdb) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	if st := r.c.now(ctx, q); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return r.db.QueryRowContext(ctx, q, args...)
}
