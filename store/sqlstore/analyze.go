package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// This file is the PostgreSQL store's ANALYZE of its own tables, and of
// the host's tables its Config.Bridge writes, as they grow
// (Config.NoAnalyze; the package doc's "Plans cached while the tables
// were small" says why).

const (
	// analyzeEvery is the longest time between two checks of the
	// tables' sizes while the store writes. A check is one catalog
	// query; the store sends none while it writes nothing.
	analyzeEvery = time.Second
	// analyzeMinPages is the size below which a table is not analyzed:
	// a plan, however bad, reads at most a few pages of it.
	analyzeMinPages = 8
	// analyzeTimeout bounds one check and the ANALYZEs it runs.
	analyzeTimeout = time.Minute
	// analyzeLockTimeout is the lock_timeout of the analyzer's own
	// statements. The size query's pg_relation_size takes ACCESS SHARE
	// on each table, which waits behind a pending ACCESS EXCLUSIVE (a
	// host's ALTER TABLE, waiting itself for the requests in progress),
	// and held one of the pool's connections meanwhile, up to
	// analyzeTimeout; ANALYZE's SKIP_LOCKED covers its table's lock, not
	// the others it may take. The check gives up instead, and a later
	// write wakes another.
	analyzeLockTimeout = 100 * time.Millisecond
)

// analyzeTables are the tables that grow with a tenant and that every
// write and lookup reads by key. The request log, the token and feed
// tables are small or read in ways a stale plan does not change.
var analyzeTables = []string{"scim_users", "scim_user_values", "scim_groups", "scim_members"}

// analyzer runs ANALYZE of a table in the background once it has at
// least doubled in pages since it was last analyzed (by anyone: its
// relpages) or since the store last tried (which covers a table the
// store's role does not own, whose ANALYZE only warns). ANALYZE makes
// every connection plan its statements on the table again, foreign key
// checks included, so a plan cached while the table was tiny lives until
// the table doubles at most.
type analyzer struct {
	db *sql.DB
	// A write wakes a check when the store's writes reach dueWrites
	// (twice their number at the last check: as often as a table that
	// grows by its writes can double) or the time reaches dueTime
	// (UnixNano; every after the last check: for the writes of many rows).
	writes, dueWrites, dueTime atomic.Int64

	kick   chan struct{}   // capacity 1: a pending check
	ctx    context.Context // cancelled by close
	cancel context.CancelFunc
	done   sync.WaitGroup
	closed sync.Once

	// regclasses lists the tables checked as regclass values resolved
	// through search_path (analyzeRegclasses).
	regclasses string

	mu    sync.Mutex       // one check at a time (the goroutine's, a test's)
	tried map[string]int64 // the pages each table had at the store's last ANALYZE of it
	runs  int              // ANALYZE statements sent (tests)
}

// startAnalyzer starts the analyzer of a PostgreSQL store over db, for
// analyzeTables and the host's tables more (quoted, as the bridge's
// statements name them: Bridge.hostTables). The host's grow with the
// store's through the bridge's writes, and the plans cached while they
// were small are the store's connections' too: the join table's foreign
// key checks of the team and the account, the bridge's own statements.
func startAnalyzer(db *sql.DB, more []string) *analyzer {
	a := &analyzer{db: db, kick: make(chan struct{}, 1), tried: map[string]int64{},
		regclasses: analyzeRegclasses(append(slices.Clone(analyzeTables), more...))}
	a.ctx, a.cancel = context.WithCancel(context.Background())
	a.done.Add(1)
	go func() {
		defer a.done.Done()
		for {
			select {
			case <-a.ctx.Done():
				return
			case <-a.kick:
			}
			a.dueWrites.Store(2 * a.writes.Load())
			a.dueTime.Store(time.Now().UnixNano() + int64(analyzeEvery))
			ctx, cancel := context.WithTimeout(a.ctx, analyzeTimeout)
			// A failed check changes nothing; a later write tries again.
			_, _ = a.check(ctx)
			cancel()
		}
	}()
	return a
}

// wrote tells the analyzer that the store wrote something, and wakes a
// check when one is due, without waiting for it.
func (a *analyzer) wrote() {
	if a == nil {
		return
	}
	if a.writes.Add(1) < a.dueWrites.Load() && time.Now().UnixNano() < a.dueTime.Load() {
		return
	}
	select {
	case a.kick <- struct{}{}:
	default:
	}
}

// close stops the analyzer, cancelling an ANALYZE under way; a second
// close does nothing. A write after it wakes nothing.
func (a *analyzer) close() {
	if a == nil {
		return
	}
	a.closed.Do(func() {
		a.cancel()
		a.done.Wait()
	})
}

// check reads the pages of the analyzer's tables (as the store's
// statements name them, through search_path) and analyzes each that has
// at least doubled since its last ANALYZE, and returns the tables it
// analyzed. A table with autovacuum_enabled off is left alone: whoever
// turned it off runs its ANALYZE.
func (a *analyzer) check(ctx context.Context) ([]string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	var due []dueTable
	err := a.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		due, err = a.due(ctx, tx)
		return err
	})
	if err != nil {
		return nil, err
	}
	var done []string
	for _, t := range due {
		// SKIP_LOCKED: never wait behind autovacuum's or another
		// process's ANALYZE of the same table, nor a host's DDL.
		a.runs++
		if err := a.inTx(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `ANALYZE (SKIP_LOCKED) `+t.name)
			return err
		}); err != nil {
			return done, fmt.Errorf("sqlstore: analyze %s: %w", t.name, err)
		}
		// Noted only once its ANALYZE committed: a table whose ANALYZE
		// failed (or whose size query did) stays due for the next check,
		// not until it doubles again.
		a.tried[t.name] = t.pages
		done = append(done, t.name)
	}
	return done, nil
}

// dueTable is a table check analyzes, with the pages it had when due
// read them.
type dueTable struct {
	name  string
	pages int64
}

// inTx runs fn in a transaction whose lock waits end after
// analyzeLockTimeout (SET LOCAL: the pooled connection keeps no setting
// of the analyzer's), and commits it.
func (a *analyzer) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := a.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlstore: analyze: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, fmt.Sprintf(`SET LOCAL lock_timeout = %d`, analyzeLockTimeout.Milliseconds())); err != nil {
		return fmt.Errorf("sqlstore: analyze: %w", err)
	}
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// due reads the pages of the analyzer's tables and returns those check
// analyzes, each named as the catalog prints its regclass (qualified
// when search_path would not find it, quoted when it must be).
func (a *analyzer) due(ctx context.Context, tx *sql.Tx) ([]dueTable, error) {
	rows, err := tx.QueryContext(ctx, `SELECT c.oid::regclass::text, c.relpages,
		pg_relation_size(c.oid) / current_setting('block_size')::bigint,
		EXISTS (SELECT 1 FROM unnest(c.reloptions) o
			WHERE lower(o) IN ('autovacuum_enabled=false', 'autovacuum_enabled=off', 'autovacuum_enabled=no', 'autovacuum_enabled=0'))
		FROM pg_class c WHERE c.oid IN (`+a.regclasses+`)`)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: analyze: %w", err)
	}
	var due []dueTable
	for rows.Next() {
		var name string
		var analyzed, pages int64
		var off bool
		if err := rows.Scan(&name, &analyzed, &pages, &off); err != nil {
			rows.Close()
			return nil, fmt.Errorf("sqlstore: analyze: %w", err)
		}
		if !off && pages >= analyzeMinPages && pages >= 2*max(analyzed, a.tried[name]) {
			due = append(due, dueTable{name, pages})
		}
	}
	err = rows.Err()
	if cerr := rows.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: analyze: %w", err)
	}
	return due, nil
}

// analyzeRegclasses lists tables (plain or quoted names, never with a
// quote ': quoteTable's) as regclass values resolved through
// search_path; a missing table is NULL and matches no row.
func analyzeRegclasses(tables []string) string {
	return "to_regclass('" + strings.Join(tables, "'), to_regclass('") + "')"
}
