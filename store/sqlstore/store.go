package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	"modernc.org/sqlite"

	"github.com/scimkit/scim/admin"
	"github.com/scimkit/scim/internal/backoff"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/query"
	"github.com/scimkit/scim/tokens"
)

// Compile-time checks of the interfaces Store implements.
var (
	_ store.UserStore         = (*Store)(nil)
	_ store.GroupStore        = (*Store)(nil)
	_ store.MembershipReader  = (*Store)(nil)
	_ store.ModelProvider     = (*Store)(nil)
	_ store.UserUpdater       = (*Store)(nil)
	_ store.GroupUpdater      = (*Store)(nil)
	_ store.UserCursorLister  = (*Store)(nil)
	_ store.GroupCursorLister = (*Store)(nil)
	_ tokens.Store            = (*Store)(nil)
	_ tokens.Rotator          = (*Store)(nil)
	_ admin.RequestLog        = (*Store)(nil)
	_ admin.BatchRecorder     = (*Store)(nil)
)

var _ store.CheckedMemberModifier = (*Store)(nil)

// Config configures New. Only DSN is required.
type Config struct {
	// DSN names the database: a postgres:// or postgresql:// URL for
	// PostgreSQL (any parameter pgx accepts, e.g. search_path to use a
	// schema other than public), or else a SQLite file path ("scim.db"),
	// optionally written as a file: URI. The SQLite file is created when
	// missing. ":memory:" gives a private in-memory SQLite database (one
	// connection). A SQLite DSN may add pragmas and set busy_timeout and
	// synchronous (not OFF); one that changes a setting the store keeps
	// (journal_mode, foreign_keys, secure_delete), or sets query_only or
	// _txlock at all (the store sets each one way on its writer and the
	// other on its readers), is refused by New, naming it, before the
	// file is created, as is one whose query does not parse (README,
	// "PostgreSQL and SQLite").
	DSN string
	// Model is the model filters, sorting and the folded query documents
	// are resolved against (default resources.DefaultModel()). Build it
	// once with the host's extensions; the handler takes it from the
	// store (store.ModelProvider). After adding an extension or changing
	// an attribute's caseExact for data already stored, run Reindex.
	Model *resources.Model
	// Now stamps Meta.Created and Meta.LastModified (default time.Now).
	// Times are stored in UTC with microsecond precision.
	Now func() time.Time
	// MaxOpenConns bounds the connection pool (default 10 for PostgreSQL;
	// for SQLite, the number of reader connections, default 4; SQLite
	// always writes through one connection).
	MaxOpenConns int
	// RequestLogSize is how many recent requests the request log keeps per
	// tenant (default 200): a ring in which each entry overwrites the
	// one RequestLogSize entries older. Processes sharing a database
	// should agree on it; a store opened with another size than before
	// keeps the newest entries that fit (on its first entry of each
	// tenant).
	RequestLogSize int
	// ChangeFeed turns on the change feed (Store.Feed, store.ChangeFeed):
	// every write appends its entries to scim_feed in its own
	// transaction, so no committed change is missed across a crash and
	// every replica's consumer sees every change. On PostgreSQL a
	// create, an update or a member change carries the append in a
	// statement it sends anyway (no round trip more); a delete sends one
	// more statement (a group's delete, which reads the members it
	// removes, two more). On SQLite, where a statement is no round trip,
	// a write sends one more, whatever its entries (two with OnChange).
	// On PostgreSQL the entries are numbered when the feed is read
	// (Feed.Changes, Prune), once committed, so that a tenant's
	// concurrent writes, with OnChange or without, share no lock and
	// commit together. BENCHMARKS.md has what it costs.
	ChangeFeed bool
	// FeedRetention is how long the feed keeps an entry (default
	// DefaultFeedRetention). Older entries, and those every named
	// consumer of their tenant has acknowledged, are pruned in the
	// background in short batches of 500 rows that do not hold up SCIM
	// writes. On SQLite a row holds a write's entries (up to 64): they
	// are pruned together, once the last of them may go.
	FeedRetention time.Duration
	// OnChange, when set, is the host's own bridge to its tables: it is
	// called with every entry of a write (with the resource before and
	// after, see Change), inside the write's transaction, after the
	// change and its feed entries are written and before the commit
	// (whether or not ChangeFeed is on). It updates the host's tables
	// through tx; when it returns an error the transaction rolls back
	// (the SCIM change, its entries and its own writes) and the store
	// method returns the error: a store.ErrConflict becomes a 409 with
	// its detail, any other error a 500. It may run more than once for
	// one write when the database makes the transaction retry (deadlock,
	// serialization failure), always in a fresh transaction. Whether an
	// entry it gets carries its Seq depends on the database (see
	// Change). For tables a HostTables mapping describes, set Bridge
	// instead; to act on changes after they commit, read the feed
	// (package feed).
	OnChange func(ctx context.Context, tx *sql.Tx, c Change) error
	// Bridge, when set, is the mapping bridge to the host's own tables
	// (HostTables.Bridge, built for this DSN's database). It is called as
	// OnChange is, in the same transaction and with the same errors, and
	// costs less: on PostgreSQL the host's row of a created or updated user
	// and the join rows of a member change are written by the statement the
	// store sends anyway (a data-modifying WITH, as the change feed's
	// append), no round trip more, and a create stays one statement. When
	// OnChange is set too it runs after the bridge, with every entry.
	Bridge *Bridge
	// NoAnalyze stops a PostgreSQL store from running ANALYZE of its users,
	// emails, groups and memberships tables (and of the host's tables
	// Bridge writes) in the background when one has doubled in size since
	// it was last analyzed (not below 8 pages). Those ANALYZEs make every
	// connection plan its statements again: a plan PostgreSQL cached while
	// a table was tiny (a pooled prepared statement's generic plan, a
	// foreign key's check) may read the whole tenant on every run once it
	// is large, until autovacuum analyzes it, a minute or more into a
	// provider's first push. Set it when the host's own maintenance runs
	// ANALYZE (a table with autovacuum_enabled off is never analyzed by the
	// store either). SQLite stores run no ANALYZE either way.
	NoAnalyze bool
	// WriteRetryBudget is how long, from its start, a write that the
	// database makes retry (a deadlock, a serialization failure, SQLite
	// busy, a row lock not taken) is run again before it gives up with
	// store.ErrUnavailable (default DefaultWriteRetryBudget). The
	// context's deadline, a request's scim.Config.StoreTimeout, ends it
	// sooner.
	WriteRetryBudget time.Duration
}

// Store is a SQL-backed store.UserStore, store.GroupStore,
// store.MembershipReader, store.UserUpdater, store.GroupUpdater,
// store.CheckedMemberModifier, store.UserCursorLister,
// store.GroupCursorLister, store.ModelProvider, store.UniqueEnforcer,
// tokens.Store, tokens.Rotator, admin.RequestLog
// and admin.BatchRecorder; Feed returns its change feed. Create it with Open or New and Close it when done. It
// is safe for concurrent use.
type Store struct {
	d     *dialect
	w     *sql.DB // writes (SQLite: one connection, BEGIN IMMEDIATE)
	r     *sql.DB // reads (the same pool as w on PostgreSQL)
	now   func() time.Time
	model *resources.Model
	// uniqUser and uniqGroup are the model's extension attributes
	// declared unique (resources.ResourceType.UniqueAttributes), nil for
	// most models, which then never touch scim_user_unique and
	// scim_group_unique (unique.go).
	uniqUser, uniqGroup []resources.UniqueAttribute
	userEval            *query.Evaluator
	groupEval           *query.Evaluator
	fresh               bool
	logSize             int
	logFitted           sync.Map // tenants whose request log ring fitRing has fitted to logSize
	log                 *sqlLog  // statement log of the budget tests; nil otherwise
	feed                feedConfig
	stmts               *stmtCache     // SQLite: the writer's prepared statements; nil on PostgreSQL
	rstmts              *stmtCache     // SQLite file: the readers' prepared statements; nil on PostgreSQL and in memory
	analyzer            *analyzer      // PostgreSQL unless Config.NoAnalyze: ANALYZE as the tables grow (analyze.go)
	backoff             backoff.Policy // paces retry; Budget is Config.WriteRetryBudget
	commitGrace         time.Duration  // a write's grace past its caller's end (writeScope); defaultCommitGrace
	points              bool           // SQLite file: point statements run without their context's end (point)
	// addAll and removeAll are sqlMembersAllOrNone's insert and removal
	// on SQLite, built when it opens; "" on PostgreSQL (execMembers).
	addAll, removeAll string
	// graceTimer, when set (by a test), arms the commit grace's timer
	// instead of time.AfterFunc (afterGrace).
	graceTimer func(d time.Duration, f func()) *time.Timer
	// retried counts the attempts retry ran again (a deadlock, a
	// serialization failure, a lock not taken), for the tests that hold
	// a write order to none.
	retried atomic.Int64
}

// Open opens the database named by dsn (a postgres:// URL or a SQLite file
// path, see Config.DSN), applies the schema migrations it lacks and
// returns the Store. Use New for more settings.
func Open(ctx context.Context, dsn string) (*Store, error) {
	return New(ctx, Config{DSN: dsn})
}

// New opens the database of cfg.DSN, applies the schema migrations it
// lacks and returns the Store.
func New(ctx context.Context, cfg Config) (*Store, error) {
	return newStore(ctx, cfg, nil, backoff.Policy{})
}

// newStore is New, recording every statement in log when it is not nil
// (see count.go), its write retries paced by pace (the zero Policy in
// production; a test's clock and sleep), whose Budget is
// cfg.WriteRetryBudget's.
func newStore(ctx context.Context, cfg Config, log *sqlLog, pace backoff.Policy) (*Store, error) {
	if strings.TrimSpace(cfg.DSN) == "" {
		return nil, errors.New("sqlstore: empty DSN")
	}
	if b := cfg.Bridge; b != nil && b.d.pg != isPostgres(cfg.DSN) {
		return nil, errors.New("sqlstore: Config.Bridge was built for another database than Config.DSN's (HostTables.Bridge takes the store's DSN)")
	}
	s := &Store{
		now:     cfg.Now,
		model:   cfg.Model,
		logSize: cfg.RequestLogSize,
		log:     log,
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.model == nil || s.model.User == nil || s.model.Group == nil {
		s.model = resources.DefaultModel()
	}
	if s.logSize <= 0 {
		s.logSize = 200
	}
	s.backoff = pace
	s.backoff.Budget = cfg.WriteRetryBudget // backoff.DefaultBudget when not set
	s.commitGrace = defaultCommitGrace
	s.feed.on, s.feed.retention, s.feed.onChange, s.feed.bridge = cfg.ChangeFeed, cfg.FeedRetention, cfg.OnChange, cfg.Bridge
	if s.feed.retention <= 0 {
		s.feed.retention = DefaultFeedRetention
	}
	s.userEval = query.NewEvaluator(s.model.User)
	s.groupEval = query.NewEvaluator(s.model.Group)
	s.uniqUser, s.uniqGroup = s.model.User.UniqueAttributes(), s.model.Group.UniqueAttributes()

	var err error
	if isPostgres(cfg.DSN) {
		err = s.openPostgres(cfg)
	} else {
		err = s.openSQLite(ctx, cfg)
	}
	if err != nil {
		return nil, err
	}
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	if s.feed.on {
		s.startPruner()
	}
	// The budget tests' counting stores (log) count every statement:
	// the analyzer's, sent at times of its own, would make their counts
	// vary.
	if s.d == postgres && !cfg.NoAnalyze && log == nil {
		s.analyzer = startAnalyzer(s.w, cfg.Bridge.hostTables())
	}
	return s, nil
}

func isPostgres(dsn string) bool {
	l := strings.ToLower(dsn)
	return strings.HasPrefix(l, "postgres://") || strings.HasPrefix(l, "postgresql://")
}

// minPostgres is the oldest PostgreSQL the store runs on, as the package
// doc promises. Its reason once, the feed's numbering reading
// pg_current_xact_id (13), is gone; the floor stays, as no test here runs
// below CI's 15 to show an older release works.
const minPostgres = 130000

// checkServer refuses a PostgreSQL server whose server_version_num is
// v when it is older than minPostgres, rather than failing every write
// of the change feed later. Open reads v with the schema's version
// (Store.readVersions), in no statement of its own.
func checkServer(v int) error {
	if v < minPostgres {
		minor := v % 10000 // 12.17 is 120017
		if v < 100000 {
			minor /= 100 // 9.6.24 is 90624
		}
		return fmt.Errorf("%w: %d.%d is older than 13, the oldest this store runs on", errServerTooOld, v/10000, minor)
	}
	return nil
}

func (s *Store) openPostgres(cfg Config) error {
	db, err := openDB("pgx", cfg.DSN, s.log, "w")
	if err != nil {
		return fmt.Errorf("sqlstore: open postgres: %w", err)
	}
	n := cfg.MaxOpenConns
	if n <= 0 {
		n = 10
	}
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	db.SetConnMaxIdleTime(5 * time.Minute)
	s.d, s.w, s.r = postgres, db, db
	return nil
}

func (s *Store) openSQLite(ctx context.Context, cfg Config) error {
	s.d = sqliteDialect
	s.addAll, s.removeAll = s.sqlMembersAllOrNone(true), s.sqlMembersAllOrNone(false)
	if cfg.DSN == ":memory:" {
		// One connection: every connection of :memory: is its own
		// database.
		db, err := openDB("sqlite", "file::memory:?_pragma=foreign_keys(1)&_txlock=immediate", s.log, "w")
		if err != nil {
			return fmt.Errorf("sqlstore: open sqlite: %w", err)
		}
		db.SetMaxOpenConns(1)
		db.SetMaxIdleConns(1)
		db.SetConnMaxLifetime(0)
		db.SetConnMaxIdleTime(0)
		s.w, s.r = db, db
		s.stmts = newStmtCache(db)
		return nil
	}
	q, err := sqliteQuery(cfg.DSN)
	if err != nil {
		return err
	}
	writer, reader := sqliteSettingsOf(sqliteWriterPragmas, sqliteWriterKeys), sqliteSettingsOf(sqliteReaderPragmas, nil)
	reader["journal_mode"] = writer["journal_mode"] // the file's, which the writer sets
	hosts, err := checkHostSQLite(q, writer, reader)
	if err != nil {
		return err
	}
	w, err := openDB("sqlite", sqliteDSN(cfg.DSN, sqliteWriterPragmas, sqliteWriterKeys, hosts), s.log, "w")
	if err != nil {
		return fmt.Errorf("sqlstore: open sqlite: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxIdleTime(0)
	w.SetConnMaxLifetime(0)
	// Create the file and switch it to WAL through the writer before any
	// reader opens it. Switching a new file to WAL needs an exclusive lock
	// and fails at once, without waiting, while another process does the
	// same: retry for as long as the busy timeout.
	for deadline := time.Now().Add(10 * time.Second); ; {
		err = w.Ping()
		if err == nil || !isRetryable(err) || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err != nil {
		w.Close()
		return fmt.Errorf("sqlstore: open sqlite: %w", err)
	}
	if err := verifySQLite(ctx, w, "writer", writer); err != nil {
		w.Close()
		return err
	}
	r, err := openDB("sqlite", sqliteDSN(cfg.DSN, sqliteReaderPragmas, nil, hosts), s.log, "r")
	if err != nil {
		w.Close()
		return fmt.Errorf("sqlstore: open sqlite: %w", err)
	}
	n := cfg.MaxOpenConns
	if n <= 0 {
		n = 4
	}
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	if err := verifySQLite(ctx, r, "readers", reader); err != nil {
		r.Close()
		w.Close()
		return err
	}
	s.w, s.r = w, r
	s.stmts, s.rstmts = newStmtCache(w), newStmtCache(r)
	s.points = true
	return nil
}

// Close closes the database connections.
func (s *Store) Close() error {
	s.analyzer.close()
	if s.feed.stop != nil {
		close(s.feed.stop)
		s.feed.done.Wait()
		s.feed.stop = nil
	}
	s.stmts.close()
	s.rstmts.close()
	var err error
	if s.w != nil {
		err = s.w.Close()
	}
	if s.r != nil && s.r != s.w {
		if e := s.r.Close(); err == nil {
			err = e
		}
	}
	return err
}

// Model returns the model the store was opened with (Config.Model).
func (s *Store) Model() *resources.Model { return s.model }

// Fresh reports whether Open found no scimkit schema in the database and
// created it, i.e. the database (or SQLite file) is new to scimkit.
func (s *Store) Fresh() bool { return s.fresh }

// HasTokens reports whether any tenant has a token, revoked and expired
// ones included. A host uses it to decide whether to issue a first token.
func (s *Store) HasTokens(ctx context.Context) (bool, error) {
	var one int
	err := s.r.QueryRowContext(ctx, `SELECT 1 FROM scim_tokens LIMIT 1`).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("sqlstore: has tokens: %w", err)
	}
	return true, nil
}

// DB returns the connection pool writes go through (the only one on
// PostgreSQL), e.g. for a host's health check. Do not write scim_ tables
// through it.
func (s *Store) DB() *sql.DB { return s.w }

// Dialect returns "postgres" or "sqlite".
func (s *Store) Dialect() string { return s.d.name }

// stamp returns the current time as stored: UTC, whole microseconds.
func (s *Store) stamp() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// isUniqueViolation reports whether err is a uniqueness (or primary key)
// violation.
func isUniqueViolation(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "23505"
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == 2067 || se.Code() == 1555 // SQLITE_CONSTRAINT_UNIQUE, _PRIMARYKEY
	}
	return false
}

// isReadOnly reports whether err says the session may not write: the
// role lacks the privilege (42501) or the transaction is read-only
// (25006, a hot standby's).
func isReadOnly(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "42501" || pe.Code == "25006")
}

// isRetryable reports whether a transaction failed only because of another
// one (deadlock, serialization failure, a row lock not taken: NOWAIT or a
// lock_timeout) and may be retried.
func isRetryable(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "40001" || pe.Code == "40P01" || pe.Code == "55P03"
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		c := se.Code() & 0xff
		return c == 5 || c == 6 // SQLITE_BUSY, SQLITE_LOCKED
	}
	return false
}

// resourceWriteTenant is what a write of a whole user or group (group
// true) checks before it reads anything: the resource given (missing:
// errNilResource), the context (ctxErr), then the tenant it may write
// (writeTenant), which it returns.
func (s *Store) resourceWriteTenant(ctx context.Context, missing, group bool) (string, error) {
	if missing {
		return "", errNilResource
	}
	if err := ctxErr(ctx); err != nil {
		return "", err
	}
	return s.writeTenant(ctx, group)
}

// writeTenant returns the tenant of a write of users (group false) or
// groups, or the error Config.Bridge refuses it with (Bridge.admits): a
// mapping without a Tenant column serves the default tenant alone.
func (s *Store) writeTenant(ctx context.Context, group bool) (string, error) {
	tenant := store.Tenant(ctx)
	return tenant, s.feed.bridge.admits(tenant, group)
}

// write runs fn in a write transaction (SQLite: BEGIN IMMEDIATE) and
// commits it, retrying (see retry) when the database reports a deadlock or
// a serialization failure.
func (s *Store) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return s.retry(ctx, func() error { return s.writeOnce(ctx, fn) })
}

// writeReported is write for fn that returns the entries of what its
// attempt did: once the transaction commits, the committed attempt's
// entries (a retried attempt's are dropped with it) fill the
// store.Report ctx carries, if any. Filled after the commit, never by an
// attempt that was rolled back.
func (s *Store) writeReported(ctx context.Context, fn func(tx *sql.Tx) ([]store.Change, error)) error {
	var done []store.Change // what the committed attempt did
	err := s.write(ctx, func(tx *sql.Tx) error {
		var err error
		done, err = fn(tx)
		return err
	})
	if err != nil {
		return err
	}
	for i := range done {
		if done[i].Seq == pendingSeq {
			done[i].Seq = 0 // numbered later, by a reader of the feed: unset, as Report says
		}
	}
	query.Report(ctx, done)
	return nil
}

// retry runs a write (a transaction, or one statement that is its own)
// again when the database asks for it, as write does, after a jittered
// pause that grows with the attempts (internal/backoff), for as long as
// the store's WriteRetryBudget from the write's start allows and ctx has
// not ended. The budget is time, not attempts: under load one attempt can
// take long (PostgreSQL detects a deadlock after deadlock_timeout), or
// many can fail within a few milliseconds (a row lock NOWAIT did not
// take, see resolveMembers, whose holder is a delete done within
// milliseconds), and either way the write should wait rather than answer
// 503 while its request has time. A write that still loses when the
// budget or ctx's deadline (the request's StoreTimeout) runs out, or ctx
// ends, is store.ErrUnavailable (wrapping the database's error, and
// ctx's when it has ended): the client's request was fine and nothing was
// written, so the handler answers 503 with Retry-After (identity
// providers retry it), not 500.
func (s *Store) retry(ctx context.Context, run func() error) error {
	rt := s.backoff.Start(ctx)
	for attempt := 1; ; attempt++ {
		err := run()
		if err == nil {
			s.analyzer.wrote()
			return nil
		}
		if !isRetryable(err) {
			return err
		}
		// A lost write whose request has ended, or whose next pause
		// would cross the limit, is ErrUnavailable: a deadlock or a
		// serialization failure is the database's reason, not the
		// caller's (a 503 the provider retries), with ctx's error when
		// it has ended.
		if ctx.Err() == nil {
			s.retried.Add(1)
			if rt.Again(ctx) {
				continue
			}
		}
		return withCtxErr(ctx, fmt.Errorf("%w: the write lost to concurrent writes %d times: %w", store.ErrUnavailable, attempt, err))
	}
}

// DefaultWriteRetryBudget is the default of Config.WriteRetryBudget.
const DefaultWriteRetryBudget = backoff.DefaultBudget

func (s *Store) writeOnce(ctx context.Context, fn func(tx *sql.Tx) error) error {
	sc := s.scope(ctx, false)
	defer sc.end()
	tx, err := s.w.BeginTx(sc.context(ctx), nil)
	if err != nil {
		return withCtxErr(ctx, fmt.Errorf("sqlstore: begin: %w", err))
	}
	// Once the transaction has ended, prepare the statements it ran
	// for the first time (see stmtCache).
	defer s.stmts.flush(ctx)
	if err := fn(tx); err != nil {
		tx.Rollback()
		return withCtxErr(ctx, err)
	}
	if !sc.detach() {
		// ctx ended before the COMMIT was sent: database/sql rolls the
		// transaction back, nothing was written.
		tx.Rollback()
		return withCtxErr(ctx, fmt.Errorf("sqlstore: commit: %w", sql.ErrTxDone))
	}
	if err := tx.Commit(); err != nil {
		return withCtxErr(ctx, fmt.Errorf("sqlstore: commit: %w", err))
	}
	return nil
}

// defaultCommitGrace is how long after the caller's context ends (its
// deadline, a cancellation, however it ends) a COMMIT that was sent
// before it, or a write sent as one statement that commits as it
// completes, may still take (writeScope). Within it a commit's outcome
// is the store's answer; past it the store gives up on the connection,
// and a write whose COMMIT the database received but did not acknowledge
// may have committed under an error (store.ErrUnavailable, a 503). Only a
// database that takes that long to acknowledge a commit, or a connection
// lost during one, leaves a write's outcome unknown. It is a Store's grace
// (Store.commitGrace), which the tests shorten to prove the bound.
const defaultCommitGrace = 5 * time.Second

// writeScope is the context a write runs under when its caller's can
// end: it carries the caller's values, follows the caller's end until
// the COMMIT is about to be sent (detach), so that a deadline or a
// cancellation before then rolls the transaction back, and from then on
// ends grace after the caller's context ends, however it ends. The
// drivers end a COMMIT in flight when the context given to BeginTx ends
// (pgx closes the connection, whatever the server did with the COMMIT),
// and a request's StoreTimeout that passed between the server's commit
// and its acknowledgement would turn a committed write into an error,
// which a provider retries (a retried create then gets 409).
//
// One context.AfterFunc on the caller's context does both: it cancels
// ctx at once before detach and arms a timer of grace after it. ctx is
// the standard library's cancellable context made on the scope itself
// (as a Context, the scope never ends and answers the caller's values),
// because database/sql and the drivers derive their own contexts from
// the one they are given (BeginTx's, pgx's watch of each statement), and
// the standard library links a derived context cheaply only to its own
// cancellable contexts: a type of ours with its own Done would cost each
// of them a closure and a stop function, or a goroutine.
type writeScope struct {
	caller context.Context // its values, and when it ends
	s      *Store          // its commit grace (afterGrace)
	ctx    context.Context // what the write runs under: ends as described above
	cancel context.CancelFunc
	stop   func() bool // stops following the caller's context

	mu       sync.Mutex
	detached bool        // the COMMIT is being sent: the caller's end arms timer
	released bool        // end has run: nothing more to arm
	timer    *time.Timer // armed grace after the caller's end, once detached
}

// scope returns the scope of a write under ctx, detached from the start
// for a write sent as one statement (committing); nil when ctx can never
// end (Done nil, as context.Background's): there is nothing to follow or
// detach from, and the write runs under ctx itself (a nil scope's methods
// say so).
func (s *Store) scope(ctx context.Context, detached bool) *writeScope {
	if ctx.Done() == nil {
		return nil
	}
	sc := &writeScope{caller: ctx, s: s, detached: detached}
	sc.ctx, sc.cancel = context.WithCancel(sc)
	sc.stop = context.AfterFunc(ctx, sc.callerEnded)
	return sc
}

// Deadline, Done, Err and Value make the scope the parent of its ctx: a
// context that never ends on its own and carries the caller's values.

// Deadline reports none: the scope's ctx ends by its cancellation only.
func (sc *writeScope) Deadline() (time.Time, bool) { return time.Time{}, false }

// Done is nil: the scope itself never ends (its ctx does).
func (sc *writeScope) Done() <-chan struct{} { return nil }

// Err is nil, as Done never closes.
func (sc *writeScope) Err() error { return nil }

// Value is the caller's context's value of key.
func (sc *writeScope) Value(key any) any { return sc.caller.Value(key) }

// callerEnded runs once the caller's context has ended: before detach it
// ends the write's context at once (the transaction is rolled back),
// after it grace later.
func (sc *writeScope) callerEnded() {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	switch {
	case sc.released:
	case !sc.detached:
		sc.cancel()
	default:
		sc.timer = sc.s.afterGrace(sc.cancel)
	}
}

// afterGrace arms the timer that runs f the store's commit grace from
// now: time.AfterFunc, or the store's graceTimer, through which a test
// sees which grace was armed, and when.
func (s *Store) afterGrace(f func()) *time.Timer {
	if s.graceTimer != nil {
		return s.graceTimer(s.commitGrace, f)
	}
	return time.AfterFunc(s.commitGrace, f)
}

// context is the context to run the write under: the scope's, or caller
// when there is no scope.
func (sc *writeScope) context(caller context.Context) context.Context {
	if sc == nil {
		return caller
	}
	return sc.ctx
}

// detach stops following the caller's context before the COMMIT: false
// when it has already ended (the transaction is then rolled back), even
// if its AfterFunc has not run yet. A COMMIT sent after it ends grace
// after the caller's context ends at the latest.
func (sc *writeScope) detach() bool {
	if sc == nil {
		return true
	}
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if sc.caller.Err() != nil {
		return false
	}
	sc.detached = true
	return true
}

// end releases the scope once the write has ended.
func (sc *writeScope) end() {
	if sc == nil {
		return
	}
	sc.stop()
	sc.mu.Lock()
	sc.released = true
	if sc.timer != nil {
		sc.timer.Stop()
	}
	sc.mu.Unlock()
	sc.cancel()
}

// committing is the scope of a write sent as one statement, which
// commits when it completes (an autocommit statement): detached from the
// start, it ends grace after ctx ends, for the reason writeScope gives.
// The statement cannot be told apart from its commit, so the grace
// covers all of it, a wait for a row lock included. It is ctx's error,
// and no scope, when ctx has already ended: the statement is then not
// sent. Run the statement under the scope's context(ctx) and end the
// scope once it is done.
func (s *Store) committing(ctx context.Context) (*writeScope, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return s.scope(ctx, true), nil
}

// withCtxErr adds ctx's error to err when ctx has ended and err does not
// already say so. database/sql rolls a transaction back on its own once its
// context ends, and a statement or the Commit that comes after answers
// sql.ErrTxDone, which names no cause: a StoreTimeout that expired
// mid-transaction would be a 500 where it is a 503 with Retry-After (the
// transaction was rolled back, nothing was written).
func withCtxErr(ctx context.Context, err error) error {
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		return fmt.Errorf("%w (%w)", err, cerr)
	}
	return err
}

// read runs fn in a read-only transaction that sees one snapshot
// (PostgreSQL: REPEATABLE READ; SQLite: a WAL read transaction).
func (s *Store) read(ctx context.Context, fn func(tx *sql.Tx) error) error {
	opts := &sql.TxOptions{ReadOnly: true}
	if s.d == postgres {
		opts.Isolation = sql.LevelRepeatableRead
	}
	tx, err := s.r.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("sqlstore: begin: %w", err)
	}
	defer tx.Rollback()
	return withCtxErr(ctx, fn(tx))
}

func notFound(kind, id string) error {
	return fmt.Errorf("%w: %s %q", store.ErrNotFound, kind, id)
}

func ctxErr(ctx context.Context) error {
	if ctx == nil {
		return errors.New("sqlstore: nil context")
	}
	return ctx.Err()
}
