package sqlstore_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/store/sqlstore"
)

// pgEnv names the environment variable with the URL of the PostgreSQL
// server the tests use (store/sqlstore/testdata/pg.sh start prints it).
const pgEnv = "SCIM_TEST_POSTGRES_URL"

// requirePGEnv, when set, turns a missing pgEnv from a skip into a
// failure, as CI=true (set by .ci/run) does.
const requirePGEnv = "SCIM_TEST_REQUIRE_POSTGRES"

var ctx = context.Background()

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
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

func openWith(dsn func(t testing.TB) string) func(t testing.TB, cfg sqlstore.Config) *sqlstore.Store {
	return func(t testing.TB, cfg sqlstore.Config) *sqlstore.Store {
		t.Helper()
		cfg.DSN = dsn(t)
		s, err := sqlstore.New(ctx, cfg)
		require.NoError(t, err)
		t.Cleanup(func() { s.Close() })
		return s
	}
}

func sqliteDSN(t testing.TB) string {
	return filepath.Join(t.TempDir(), "scim.db")
}

// postgresDSN creates a schema of its own on the test server and returns
// a DSN whose connections use it; the schema is dropped at the end of t.
func postgresDSN(t testing.TB) string {
	t.Helper()
	base := os.Getenv(pgEnv)
	if base == "" && (os.Getenv("CI") == "true" || os.Getenv(requirePGEnv) != "") {
		t.Fatalf("%s is not set; .ci/run starts PostgreSQL with store/sqlstore/testdata/pg.sh (CI=true and %s forbid skipping)", pgEnv, requirePGEnv)
	}
	if base == "" {
		t.Skipf("PostgreSQL tests skipped: %s is not set (start a server with store/sqlstore/testdata/pg.sh start)", pgEnv)
	}
	schema := "scimtest_" + randomHex(6)
	admin, err := sql.Open("pgx", base)
	require.NoError(t, err)
	defer admin.Close()
	_, err = admin.ExecContext(ctx, `CREATE SCHEMA `+schema)
	require.NoError(t, err, "create schema on %s", base)
	t.Cleanup(func() {
		admin, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer admin.Close()
		_, _ = admin.ExecContext(context.Background(), `DROP SCHEMA `+schema+` CASCADE`)
	})
	u, err := url.Parse(base)
	require.NoError(t, err)
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// forEachDB runs fn as a subtest per database.
func forEachDB(t *testing.T, fn func(t *testing.T, db opener)) {
	for _, db := range databases() {
		t.Run(db.name, func(t *testing.T) { fn(t, db) })
	}
}

func isPG(s *sqlstore.Store) bool { return strings.EqualFold(s.Dialect(), "postgres") }
