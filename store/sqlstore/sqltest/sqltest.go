// Package sqltest gives tests a PostgreSQL database of their own, the way
// net/http/httptest gives them a server. scimkit's own tests use it, and so
// can a host's tests of code built on store/sqlstore.
//
// The server is named by the environment variable SCIM_TEST_POSTGRES_URL
// (store/sqlstore/testdata/pg.sh start prints it). Without it the test is
// skipped, unless CI=true or SCIM_TEST_REQUIRE_POSTGRES is set, which make
// a missing server a failure: CI must never pass by skipping.
package sqltest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
)

// Environment variables the package reads.
const (
	// URLEnv holds the URL of the PostgreSQL server tests use.
	URLEnv = "SCIM_TEST_POSTGRES_URL"
	// RequireEnv, when set, turns a missing URLEnv from a skip into a
	// failure, as CI=true does.
	RequireEnv = "SCIM_TEST_REQUIRE_POSTGRES"
)

// PostgresURL returns the server's URL from URLEnv, skipping t (or failing
// it in CI) when it is not set.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(URLEnv)
	if base == "" && (os.Getenv("CI") == "true" || os.Getenv(RequireEnv) != "") {
		t.Fatalf("%s is not set; .ci/run starts PostgreSQL with store/sqlstore/testdata/pg.sh (CI=true and %s forbid skipping)", URLEnv, RequireEnv)
	}
	if base == "" {
		t.Skipf("PostgreSQL tests skipped: %s is not set (start a server with store/sqlstore/testdata/pg.sh start)", URLEnv)
	}
	return base
}

// PostgresDSN creates a schema of its own on the test server and returns a
// URL whose connections use it (search_path); the schema and everything in
// it are dropped when t ends.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	base := PostgresURL(t)
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "scimtest_" + hex.EncodeToString(b)
	if err := exec(base, `CREATE SCHEMA `+schema); err != nil {
		t.Fatalf("sqltest: create schema on %s: %v", base, err)
	}
	t.Cleanup(func() { _ = exec(base, `DROP SCHEMA `+schema+` CASCADE`) })
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("sqltest: %s: %v", URLEnv, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func exec(dsn, stmt string) error {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.ExecContext(context.Background(), stmt)
	return err
}
