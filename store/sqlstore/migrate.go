package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

//go:embed migrations
var migrationFS embed.FS

// migration is one embedded schema change.
type migration struct {
	version int
	name    string
	sql     string
}

// migrations returns the embedded migrations of dialect d in version
// order. Files are named NNNN_description.sql.
func migrations(d *dialect) ([]migration, error) {
	return migrationsIn(migrationFS, path.Join("migrations", d.name))
}

// errDuplicateMigration is returned by migrationsIn for two files of one
// version: the runner records a version once, so the second would never
// run on a database that has the first.
var errDuplicateMigration = errors.New("sqlstore: two migrations have the same version")

// migrationsIn returns the migrations in directory dir of fsys in version
// order (see migrations).
func migrationsIn(fsys fs.FS, dir string) ([]migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, err
	}
	var out []migration
	seen := map[int]string{}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		num, _, _ := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: migration %s: name must start with a number", e.Name())
		}
		if other, ok := seen[v]; ok {
			return nil, fmt.Errorf("%w: %s and %s", errDuplicateMigration, other, e.Name())
		}
		seen[v] = e.Name()
		body, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: e.Name(), sql: string(body)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	return out, nil
}

// advisoryLockKey is the key of the PostgreSQL advisory lock that
// serialises migrations of one schema (hashtext of the schema name and
// this string).
const advisoryLockKey = "scimkit migrations"

// migrate applies the migrations the database lacks, in one transaction,
// holding a lock that makes concurrent Opens (also from other processes)
// wait and then find the work done.
func (s *Store) migrate(ctx context.Context) error {
	ms, err := migrations(s.d)
	if err != nil {
		return fmt.Errorf("sqlstore: read migrations: %w", err)
	}
	latest := 0
	if len(ms) > 0 {
		latest = ms[len(ms)-1].version
	}
	// The common case, a database that is up to date, needs neither the
	// lock nor any privilege beyond reading scim_schema_migrations.
	have, err := s.readVersions(ctx, s.r)
	if errors.Is(err, errServerTooOld) {
		return err
	}
	if err == nil && have >= latest {
		if have > latest {
			return fmt.Errorf("sqlstore: the database schema is at version %d, newer than this program knows (%d)", have, latest)
		}
		return nil
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		if s.d.pg {
			// Transaction-scoped: released at commit or rollback.
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext(current_schema() || $1))`, advisoryLockKey); err != nil {
				return fmt.Errorf("sqlstore: migration lock: %w", err)
			}
		}
		// On SQLite the transaction began with BEGIN IMMEDIATE: it holds
		// the database's write lock already.
		if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS scim_schema_migrations (
			version    integer PRIMARY KEY,
			name       text    NOT NULL,
			applied_at text    NOT NULL
		)`); err != nil {
			return fmt.Errorf("sqlstore: create scim_schema_migrations: %w", err)
		}
		current, err := s.readVersions(ctx, tx)
		if errors.Is(err, errServerTooOld) {
			return err
		} else if err != nil {
			return fmt.Errorf("sqlstore: read schema version: %w", err)
		}
		if current > latest {
			return fmt.Errorf("sqlstore: the database schema is at version %d, newer than this program knows (%d)", current, latest)
		}
		s.fresh = current == 0
		for _, m := range ms {
			if m.version <= current {
				continue
			}
			if _, err := tx.ExecContext(ctx, m.sql); err != nil {
				return fmt.Errorf("sqlstore: migration %s: %w", m.name, err)
			}
			if step := s.goSteps()[m.version]; step != nil {
				if err := step(ctx, tx); err != nil {
					return fmt.Errorf("sqlstore: migration %s: %w", m.name, err)
				}
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO scim_schema_migrations (version, name, applied_at) VALUES (`+s.d.ph(1)+`, `+s.d.ph(2)+`, `+s.d.ph(3)+`)`,
				m.version, m.name, s.stamp().Format("2006-01-02T15:04:05.000000Z")); err != nil {
				return fmt.Errorf("sqlstore: record migration %s: %w", m.name, err)
			}
		}
		return nil
	})
}

// errServerTooOld is checkServer's refusal, which migrate returns as it
// is.
var errServerTooOld = errors.New("sqlstore: unsupported PostgreSQL server")

// readVersions reads the schema's version with q and, on PostgreSQL, in
// the same statement, the server's, which it refuses (checkServer:
// errServerTooOld) before any migration runs.
func (s *Store) readVersions(ctx context.Context, q rowQuerier) (int, error) {
	var have, server int
	cols, dest := `COALESCE(MAX(version), 0)`, []any{&have}
	if s.d.pg {
		cols, dest = cols+`, current_setting('server_version_num')::int`, append(dest, &server)
	}
	if err := q.QueryRowContext(ctx, `SELECT `+cols+` FROM scim_schema_migrations`).Scan(dest...); err != nil {
		return 0, err
	}
	if s.d.pg {
		if err := checkServer(server); err != nil {
			return 0, err
		}
	}
	return have, nil
}

// goSteps are the parts of migrations that SQL cannot do, by version: they
// run after the migration's file, in its transaction.
func (s *Store) goSteps() map[int]func(context.Context, *sql.Tx) error {
	return map[int]func(context.Context, *sql.Tx) error{
		4: s.fillNameKeys, // query.NameKey is Go
	}
}

// SchemaVersion returns the version of the newest migration applied to the
// database.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := s.r.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM scim_schema_migrations`).Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("sqlstore: read schema version: %w", err)
	}
	return v, nil
}
