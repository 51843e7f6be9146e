package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

// rowsIter is a result being read: *sql.Rows, or pgx's own rows on
// PostgreSQL's readers (rdb.query).
type rowsIter interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// query runs the read q with args on the reader pool and hands its rows
// to each, which reads what it needs of them; query then closes them and
// returns each's error, else the rows'.
//
// On PostgreSQL the statement goes to pgx itself, on a connection of the
// pool (sql.Conn.Raw): through database/sql, every query whose context
// can end (the handler's StoreTimeout, a client's disconnect) started a
// goroutine to watch it (sql.Rows' awaitDone), and each row went through
// driver.Value conversions and a fresh set of pgx's per-column scan
// functions. pgx watches the context itself without a goroutine, scans
// into the destinations directly, and hands a stored document to its
// decoder from its read buffer (pgtype.BytesScanner): a fifth fewer
// allocations a GET, and less CPU for the lookups (BENCHMARKS.md, "the
// read path on PostgreSQL and SQLite"). The connection, its prepared
// statements and the one round trip are the same. A read that fails
// with its connection (not sent, as database/sql retried, or the
// connection closed under it, which database/sql answered with the
// error) is dropped with the connection and runs again on another:
// three attempts in all.
func (r rdb) query(ctx context.Context, q string, args []any, each func(rowsIter) error) error {
	if r.pg {
		for attempt := 1; ; attempt++ {
			again, err := r.pgQuery(ctx, q, args, each)
			if !again || attempt == 3 || ctx.Err() != nil {
				return err
			}
		}
	}
	rows, err := r.QueryContext(ctx, q, args...)
	return eachRows(rows, err, each)
}

// eachRows hands rows, the result of a query that returned err, to each,
// closes them and returns each's error, else the rows'.
func eachRows(rows *sql.Rows, err error, each func(rowsIter) error) error {
	if err != nil {
		return err
	}
	defer rows.Close()
	if err := each(rows); err != nil {
		return err
	}
	return rows.Err()
}

// queryRow is query for one row: row reads the first, sql.ErrNoRows when
// there is none.
func (r rdb) queryRow(ctx context.Context, q string, args []any, row func(scanner) error) error {
	return r.query(ctx, q, args, func(rows rowsIter) error {
		if !rows.Next() {
			if err := rows.Err(); err != nil {
				return err
			}
			return sql.ErrNoRows
		}
		return row(rows)
	})
}

// errNotPgx is a reader connection that is not pgx's (never, but a pool
// is a pool).
var errNotPgx = errors.New("sqlstore: a PostgreSQL connection that is not pgx's")

// pgQuery is query's PostgreSQL path, one attempt. again says the read
// failed with its connection and may run on another: the statement was
// not sent (pgconn.SafeToRetry), or the connection was closed under it
// (the server restarted or ended the backend: PostgreSQL answers the
// statement with a FATAL error and closes the connection, which the
// pool's check before handing it out did not see coming). A read is one
// statement outside a transaction, so running it again changes nothing;
// each starts over on the new rows.
func (r rdb) pgQuery(ctx context.Context, q string, args []any, each func(rowsIter) error) (again bool, err error) {
	c, err := r.db.Conn(ctx)
	if err != nil {
		return false, err
	}
	defer c.Close()
	var pc *pgx.Conn
	err = c.Raw(func(dc any) error {
		switch dc := dc.(type) {
		case *stdlib.Conn:
			pc = dc.Conn()
		case *countingConn:
			pc = dc.pgxConn(ctx, q, args)
		}
		if pc == nil {
			return errNotPgx
		}
		rows, _ := pc.Query(ctx, q, args...) // an error comes back from rows
		defer rows.Close()
		first := rows.Next()
		if !first {
			if err := rows.Err(); err != nil && pgconn.SafeToRetry(err) {
				again = true
				return err
			}
		}
		if err := each(&pgRows{Rows: rows, peeked: first}); err != nil {
			return err
		}
		rows.Close()
		return rows.Err()
	})
	if err != nil && pc != nil && pc.IsClosed() {
		again = true
	}
	return again, err
}

// pgRows is pgx's rows with its first row already read by Next
// (pgQuery peeks at it to tell a connection error from a result).
type pgRows struct {
	pgx.Rows
	peeked bool
}

// Next is pgx.Rows.Next, the first call answering the peek.
func (r *pgRows) Next() bool {
	if r.peeked {
		r.peeked = false
		return true
	}
	return r.Rows.Next()
}
