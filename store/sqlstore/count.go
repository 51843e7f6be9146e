package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// This file is the statement counter the round-trip budget tests use
// (export_test.go exposes it). A Store built by New has no counter and
// opens its pools with sql.Open: the counter costs nothing unless a test
// asks for it.

// sqlEvent is one round trip the store started: a statement (SQL set) or
// a transaction's BEGIN (Begin true), on the pool named Pool ("w" for the
// writer pool, "r" for the reader pool; on PostgreSQL both are "w").
type sqlEvent struct {
	Pool  string
	Begin bool
	InTx  bool // a statement run inside a transaction
	// Prepared: the statement ran as a prepared statement of the
	// connection (SQLite: the writer's or the readers' statement
	// cache), not compiled for this run.
	Prepared bool
	SQL      string
	// Pgx: a read sent through pgx itself (rdb.query on PostgreSQL),
	// not through database/sql.
	Pgx bool
	// Cancellable: the statement's (or the BEGIN's) context could end
	// (its Done was not nil), so that the driver watched it (on SQLite
	// with a goroutine per statement; see Store.point).
	Cancellable bool
	// Query and Args are the statement as sent and its bind values, so
	// that a test can plan it again (EXPLAIN) with the values it ran with.
	Query string
	Args  []any
}

// sqlLog records the events of counting connectors; safe for concurrent
// use.
type sqlLog struct {
	mu     sync.Mutex
	events []sqlEvent
	ends   int // COMMITs and ROLLBACKs, kept apart from the events
	// beforeCommit, when set, runs as a transaction's COMMIT is about to
	// be sent, with the context the transaction was begun with: the
	// fault point of the tests of a deadline that passes during a commit.
	beforeCommit func(ctx context.Context)
	// beforeWrite, when set, runs with each statement's text as it is
	// about to be sent on the writer pool (on PostgreSQL, every pool):
	// the fault point of the tests of a context that ends while a write
	// sent as one statement (committing) runs. ctx is the statement's.
	beforeWrite func(ctx context.Context, query string)
}

// writing runs beforeWrite, if set, with ctx and query.
func (l *sqlLog) writing(ctx context.Context, query string) {
	l.mu.Lock()
	f := l.beforeWrite
	l.mu.Unlock()
	if f != nil {
		f(ctx, query)
	}
}

// committing runs beforeCommit, if set, with the transaction's ctx.
func (l *sqlLog) committing(ctx context.Context) {
	l.mu.Lock()
	f := l.beforeCommit
	l.mu.Unlock()
	if f != nil {
		f(ctx)
	}
}

// end records a transaction's COMMIT or ROLLBACK.
func (l *sqlLog) end() {
	l.mu.Lock()
	l.ends++
	l.mu.Unlock()
}

// takeEnds returns the COMMITs and ROLLBACKs recorded since its last
// call and forgets them.
func (l *sqlLog) takeEnds() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := l.ends
	l.ends = 0
	return n
}

func (l *sqlLog) add(e sqlEvent) {
	l.mu.Lock()
	l.events = append(l.events, e)
	l.mu.Unlock()
}

// take returns the events recorded since the last take and forgets them.
func (l *sqlLog) take() []sqlEvent {
	l.mu.Lock()
	defer l.mu.Unlock()
	ev := l.events
	l.events = nil
	return ev
}

// openDB opens a pool of driver name over dsn; with a log, through a
// connector that records every statement and transaction in it under
// pool's name.
func openDB(name, dsn string, log *sqlLog, pool string) (*sql.DB, error) {
	db, err := sql.Open(name, dsn)
	if err != nil || log == nil {
		return db, err
	}
	drv := db.Driver()
	db.Close()
	var c driver.Connector = dsnConnector{dsn: dsn, d: drv}
	if dc, ok := drv.(driver.DriverContext); ok {
		if c, err = dc.OpenConnector(dsn); err != nil {
			return nil, err
		}
	}
	return sql.OpenDB(&countingConnector{c: c, log: log, pool: pool}), nil
}

// dsnConnector is the connector of a driver without DriverContext.
type dsnConnector struct {
	dsn string
	d   driver.Driver
}

func (c dsnConnector) Connect(context.Context) (driver.Conn, error) { return c.d.Open(c.dsn) }
func (c dsnConnector) Driver() driver.Driver                        { return c.d }

type countingConnector struct {
	c    driver.Connector
	log  *sqlLog
	pool string
}

func (c *countingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.c.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &countingConn{Conn: conn, log: c.log, pool: c.pool}, nil
}

func (c *countingConnector) Driver() driver.Driver { return c.c.Driver() }

// countingConn forwards to the driver's connection, recording each
// statement and BEGIN. database/sql uses a connection from one goroutine
// at a time, so inTx needs no lock.
type countingConn struct {
	driver.Conn
	log  *sqlLog
	pool string
	inTx bool
}

func (c *countingConn) stmt(ctx context.Context, query string, prepared bool, args []driver.NamedValue) {
	if c.pool == "w" {
		c.log.writing(ctx, query)
	}
	vals := make([]any, len(args))
	for i, a := range args {
		vals[i] = a.Value
	}
	c.record(query, prepared, false, ctx.Done() != nil, vals)
}

// record logs one statement of c, query run with args (the log keeps
// args: the caller must not change them) under a context that could end
// when cancellable.
func (c *countingConn) record(query string, prepared, pgx, cancellable bool, args []any) {
	c.log.add(sqlEvent{Pool: c.pool, InTx: c.inTx, Prepared: prepared, Pgx: pgx, Cancellable: cancellable, SQL: strings.Join(strings.Fields(query), " "), Query: query, Args: args})
}

func (c *countingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	c.log.add(sqlEvent{Pool: c.pool, Begin: true, Cancellable: ctx.Done() != nil})
	var tx driver.Tx
	var err error
	if b, ok := c.Conn.(driver.ConnBeginTx); ok {
		tx, err = b.BeginTx(ctx, opts)
	} else {
		tx, err = c.Conn.Begin() //nolint:staticcheck // drivers without BeginTx
	}
	if err != nil {
		return nil, err
	}
	c.inTx = true
	return &countingTx{Tx: tx, c: c, ctx: ctx}, nil
}

func (c *countingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	e, ok := c.Conn.(driver.ExecerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	c.stmt(ctx, query, false, args)
	return e.ExecContext(ctx, query, args)
}

func (c *countingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	q, ok := c.Conn.(driver.QueryerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	c.stmt(ctx, query, false, args)
	return q.QueryContext(ctx, query, args)
}

func (c *countingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	var st driver.Stmt
	var err error
	if p, ok := c.Conn.(driver.ConnPrepareContext); ok {
		st, err = p.PrepareContext(ctx, query)
	} else {
		st, err = c.Conn.Prepare(query)
	}
	if err != nil {
		return nil, err
	}
	return &countingStmt{Stmt: st, c: c, query: query}, nil
}

func (c *countingConn) Ping(ctx context.Context) error {
	if p, ok := c.Conn.(driver.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

func (c *countingConn) CheckNamedValue(nv *driver.NamedValue) error {
	if v, ok := c.Conn.(driver.NamedValueChecker); ok {
		return v.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}

func (c *countingConn) ResetSession(ctx context.Context) error {
	if r, ok := c.Conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (c *countingConn) IsValid() bool {
	if v, ok := c.Conn.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

// pgxConn records query as a statement run under ctx and returns the
// pgx connection under c, for the reads that go to pgx itself
// (rdb.query); nil when the driver is not pgx's.
func (c *countingConn) pgxConn(ctx context.Context, query string, args []any) *pgx.Conn {
	sc, ok := c.Conn.(*stdlib.Conn)
	if !ok {
		return nil
	}
	c.record(query, false, true, ctx.Done() != nil, append([]any(nil), args...))
	return sc.Conn()
}

type countingTx struct {
	driver.Tx
	c   *countingConn
	ctx context.Context // the one BeginTx was given, for beforeCommit
}

func (t *countingTx) Commit() error {
	t.c.inTx = false
	t.c.log.end()
	t.c.log.committing(t.ctx)
	return t.Tx.Commit()
}

func (t *countingTx) Rollback() error {
	t.c.inTx = false
	t.c.log.end()
	return t.Tx.Rollback()
}

// countingStmt records each execution of a prepared statement as one
// statement.
type countingStmt struct {
	driver.Stmt
	c     *countingConn
	query string
}

func (s *countingStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	s.c.stmt(ctx, s.query, true, args)
	if e, ok := s.Stmt.(driver.StmtExecContext); ok {
		return e.ExecContext(ctx, args)
	}
	vals, err := values(args)
	if err != nil {
		return nil, err
	}
	return s.Stmt.Exec(vals) //nolint:staticcheck // drivers without StmtExecContext
}

func (s *countingStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	s.c.stmt(ctx, s.query, true, args)
	if q, ok := s.Stmt.(driver.StmtQueryContext); ok {
		return q.QueryContext(ctx, args)
	}
	vals, err := values(args)
	if err != nil {
		return nil, err
	}
	return s.Stmt.Query(vals) //nolint:staticcheck // drivers without StmtQueryContext
}

func (s *countingStmt) CheckNamedValue(nv *driver.NamedValue) error {
	if v, ok := s.Stmt.(driver.NamedValueChecker); ok {
		return v.CheckNamedValue(nv)
	}
	return s.c.CheckNamedValue(nv)
}

var errNamedArg = errors.New("sqlstore: named arguments need a driver with StmtExecContext")

func values(args []driver.NamedValue) ([]driver.Value, error) {
	out := make([]driver.Value, len(args))
	for i, a := range args {
		if a.Name != "" {
			return nil, errNamedArg
		}
		out[i] = a.Value
	}
	return out, nil
}
