package sqlstore

import "context"

// pointIDs is the most ids a member statement (the ids resolved, the
// members added or removed) may name and still be a point statement
// (pointFor): a provider's one-member PATCH names one, a push of a big
// group thousands.
const pointIDs = 16

// point returns the context to run a point statement under: on a SQLite
// file (Store.points) ctx without its cancellation
// (context.WithoutCancel: its values, no Done, no deadline), everywhere
// else ctx itself. Every statement that runs without its context's end
// is chosen by passing it through here.
//
// A point statement finds a bounded handful of rows by key and reads or
// writes only them: a user or a group by id without its members (a GET),
// a lookup of a unique name (userName eq, displayName eq), a bearer token
// by its hash, and, inside a write transaction, the statements of a
// one-resource write (the row read under the lock, its UPDATE, its value
// rows, a member change of a few ids, pointFor; the feed's append). On
// SQLite such a statement runs in process, in microseconds, and does not
// wait: a reader of a WAL database does not wait for the writer, and a
// statement of a write transaction runs after its BEGIN IMMEDIATE has
// taken the write lock. Interrupting it when its context ends would save
// nothing, and watching for that end costs each statement a goroutine of
// modernc.org/sqlite's (with a channel and a progress handler) and, for
// a read outside a transaction, one of database/sql's (sql.Rows closing
// the rows): two goroutine starts a GET, a request's context always
// being able to end.
//
// What ctx's end still does: an ended context sends no statement (the
// store methods check ctx.Err first); a write's BEGIN, which waits for
// the write lock, runs under it, and so does the transaction, which
// database/sql rolls back once it ends, so that the statement after, or
// the COMMIT, fails with ctx's error and nothing is written (a point
// statement it overtakes completes first). Everything that can run long
// keeps ctx: lists, filters and counts, a group read with its members, a
// member change of more than pointIDs ids, a delete, the host's
// statements (Config.OnChange, Config.Bridge). So does every statement on
// PostgreSQL, whose round trip to a server that may hang must end at the
// deadline, and on SQLite's :memory:, whose one connection a read waits
// for while a write holds it. Two waits of a point read on a SQLite file
// do not end with ctx: for a free reader connection (Config.MaxOpenConns)
// when all are busy, each held by a point statement or by one that ends
// with its own context; and, after a crash, for another connection's
// recovery of the WAL, the one wait of a WAL reader, bounded by the busy
// timeout (10 s).
func (s *Store) point(ctx context.Context) context.Context {
	if !s.points {
		return ctx
	}
	return context.WithoutCancel(ctx)
}

// pointFor is point for a member statement naming n ids: ctx itself
// past pointIDs.
func (s *Store) pointFor(ctx context.Context, n int) context.Context {
	if n > pointIDs {
		return ctx
	}
	return s.point(ctx)
}
