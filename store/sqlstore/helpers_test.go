package sqlstore_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/store/sqlstore"
	"github.com/scimkit/scim/store/sqlstore/sqltest"
)

// pgEnv names the environment variable with the URL of the PostgreSQL
// server the tests use.
const pgEnv = sqltest.URLEnv

var ctx = context.Background()

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// serve sends h one request, with body as application/scim+json when
// there is one, and returns its recorded response.
func serve(h http.Handler, method, path, body string) *httptest.ResponseRecorder {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, rd)
	if body != "" {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// roleDSN creates a PostgreSQL login role, runs grants as owner (each
// with {role} and {schema}, dsn's search_path, filled in) and returns dsn
// as that role. The role and what it was granted or owns are dropped
// when t ends, after the stores opened later have closed (cleanups run
// last first).
func roleDSN(t *testing.T, owner *sqlstore.Store, dsn string, grants ...string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	require.NoError(t, err)
	role := "scimtest_" + randomHex(6)
	r := strings.NewReplacer("{role}", role, "{schema}", u.Query().Get("search_path"))
	for _, q := range append([]string{`CREATE ROLE {role} LOGIN`}, grants...) {
		q = r.Replace(q)
		_, err := owner.DB().ExecContext(ctx, q)
		require.NoError(t, err, q)
	}
	t.Cleanup(func() {
		admin, err := sql.Open("pgx", os.Getenv(pgEnv))
		if err != nil {
			return
		}
		defer admin.Close()
		_, _ = admin.ExecContext(ctx, `DROP OWNED BY `+role)
		_, _ = admin.ExecContext(ctx, `DROP ROLE `+role)
	})
	u.User = url.User(role)
	return u.String()
}

// opener opens a fresh, empty database of one kind.
type opener struct {
	name string
	open func(t testing.TB, cfg sqlstore.Config) *sqlstore.Store
	// dsn returns a DSN of a fresh database, dropped when t ends.
	dsn func(t testing.TB) string
}

// databases returns the databases under test: SQLite always, PostgreSQL
// when SCIM_TEST_POSTGRES_URL is set (a subtest that skips says why).
func databases() []opener {
	return []opener{
		{name: "sqlite", dsn: sqliteDSN, open: openWith(sqliteDSN)},
		{name: "postgres", dsn: postgresDSN, open: openWith(postgresDSN)},
	}
}

// openWith returns an opener's open: a store of cfg on a fresh database
// dsn returns, closed when t ends.
func openWith(dsn func(t testing.TB) string) func(t testing.TB, cfg sqlstore.Config) *sqlstore.Store {
	return func(t testing.TB, cfg sqlstore.Config) *sqlstore.Store {
		t.Helper()
		cfg.DSN = dsn(t)
		return openAt(t, cfg)
	}
}

// openAt opens a store of cfg on the database cfg.DSN names (another
// store's, to share or reopen it), closed when t ends.
func openAt(t testing.TB, cfg sqlstore.Config) *sqlstore.Store {
	t.Helper()
	s, err := sqlstore.New(ctx, cfg)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

func sqliteDSN(t testing.TB) string {
	return filepath.Join(t.TempDir(), "scim.db")
}

// postgresDSN is a fresh schema on the test server (see sqltest).
var postgresDSN = sqltest.PostgresDSN

// envCount is the positive number the environment variable name holds,
// or def: a benchmark's size, overridden for a quick run.
func envCount(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// forEachDB runs fn as a subtest per database.
func forEachDB(t *testing.T, fn func(t *testing.T, db opener)) {
	for _, db := range databases() {
		t.Run(db.name, func(t *testing.T) { fn(t, db) })
	}
}

// withApplicationName returns the PostgreSQL DSN dsn with its
// connections' application_name set to app, for a test that finds them in
// pg_stat_activity.
func withApplicationName(t testing.TB, dsn, app string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	require.NoError(t, err)
	q := u.Query()
	q.Set("application_name", app)
	u.RawQuery = q.Encode()
	return u.String()
}

func isPG(s *sqlstore.Store) bool { return strings.EqualFold(s.Dialect(), "postgres") }

// paramsOn returns the placeholders of a raw statement a test sends on
// PostgreSQL (pg) or SQLite: the n-th is $n, or ?n, SQLite's numbered
// form, which binds the n-th argument too, so that one text written with
// them serves both, an argument used twice included.
func paramsOn(pg bool) func(n int) string {
	if pg {
		return func(n int) string { return "$" + strconv.Itoa(n) }
	}
	return func(n int) string { return "?" + strconv.Itoa(n) }
}

// paramsOf is paramsOn for the dialect of s.
func paramsOf(s *sqlstore.Store) func(n int) string { return paramsOn(isPG(s)) }

// rebind returns q, a raw statement written with ? placeholders (none
// inside a string literal), as the dialect of s takes it: the i-th ?
// made paramsOf(s)(i).
func rebind(s *sqlstore.Store, q string) string {
	ph := paramsOf(s)
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString(ph(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// analyze refreshes the planner statistics of s's tables. On PostgreSQL
// a bare ANALYZE would analyze every schema of the database, those of
// other tests running against the same server included (a test of plans
// without statistics then saw statistics), so it names the tables of the
// store's own schema.
func analyze(t testing.TB, s *sqlstore.Store) {
	t.Helper()
	q := "ANALYZE"
	if isPG(s) {
		var tables string
		require.NoError(t, s.DB().QueryRowContext(ctx,
			`SELECT string_agg(quote_ident(tablename), ', ') FROM pg_tables WHERE schemaname = current_schema()`).Scan(&tables))
		q += " " + tables
	}
	_, err := s.DB().ExecContext(ctx, q)
	require.NoError(t, err)
}

// blocks reports whether a backend of db's PostgreSQL server waits for a
// lock that the backend pid holds (pg_blocking_pids): how the tests see
// one transaction wait for another without timing it.
func blocks(t testing.TB, db *sql.DB, pid int) bool {
	t.Helper()
	var b bool
	require.NoError(t, db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE $1 = ANY (pg_blocking_pids(pid)))`, pid).Scan(&b))
	return b
}
