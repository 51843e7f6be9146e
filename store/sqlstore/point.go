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
// member change of more than pointIDs ids, a delete, the host's own
// statements (Config.OnChange), and Config.Bridge's deletions of a user's
// or a team's join rows (its other statements write one row of the
// host's found by key, or the join rows of a member change, and are
// point statements as the store's own). So does every statement on
// PostgreSQL, whose round trip to a server that may hang must end at the
// deadline, and on SQLite's :memory:, whose one connection a read waits
// for while a write holds it. Two waits of a point read on a SQLite file
// do not end with ctx: for a free reader connection (Config.MaxOpenConns)
// when all are busy, each held by a point statement or by one that ends
// with its own context; and, after a crash, for another connection's
// recovery of the WAL, the one wait of a WAL reader, bounded by the busy
// timeout (10 s).
func (s *Store) point(ctx context.Context) context.Context { return pointCtx(ctx, s.points, 1) }

// pointFor is point for a member statement naming n ids: ctx itself
// past pointIDs.
func (s *Store) pointFor(ctx context.Context, n int) context.Context {
	return pointCtx(ctx, s.points, n)
}

// point is Store.point for a statement of tx, whose store's points it
// carries: the bridge's statements of a write (Config.Bridge) are the
// store's, and their point statements run as the store's do.
func (w wtx) point(ctx context.Context) context.Context { return pointCtx(ctx, w.points, 1) }

// pointFor is Store.pointFor for a statement of tx.
func (w wtx) pointFor(ctx context.Context, n int) context.Context {
	return pointCtx(ctx, w.points, n)
}

// pointCtx is the rule of point and pointFor for a store whose point
// statements run without their context's end (points: a SQLite file)
// and a statement naming n ids (1: one row by key).
func pointCtx(ctx context.Context, points bool, n int) context.Context {
	if !points || n > pointIDs {
		return ctx
	}
	return context.WithoutCancel(ctx)
}
