package sqlstore_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"modernc.org/libc"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/scimkit/scim/admin"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/sqlstore"
	"github.com/scimkit/scim/store/storetest"
	"github.com/scimkit/scim/tokens"
)

// TestSQLiteStatementsCompiledOnce: on SQLite, once ANALYZE has written
// sqlite_stat4 and before, no statement the store sends has a parameter whose
// binding makes SQLite compile it again. The planner looks the value of a
// bare parameter compared with an indexed column (or an indexed
// expression) up in the statistics, and marks the parameter: binding it
// then expires the statement, which is compiled again at its first step,
// on every run (dialect.value's (SELECT ?n) is not looked up). The
// statements are those of the conformance suite, the tokens, the request
// log, the feed's consumers and Reindex, each compiled through SQLite's
// own API against an analyzed database holding a few thousand rows in
// each table, and each parameter bound alone: sqlite3_expired then says
// whether the planner marked it, whatever the value and the plan. The
// same database before its ANALYZE too: SQLite reads a LIMIT's value
// and a GLOB's pattern whether analyzed or not.
func TestSQLiteStatementsCompiledOnce(t *testing.T) {
	stmts := storeStatements(t)
	require.Greater(t, len(stmts), 50, "the workload sent few statements")
	for _, analyzed := range []bool{false, true} {
		t.Run(fmt.Sprintf("analyzed=%v", analyzed), func(t *testing.T) {
			c := openRawSQLite(t, filledSQLite(t, analyzed))
			var bad []string
			for _, q := range stmts {
				params, err := c.rebinds(q)
				require.NoError(t, err, q)
				if len(params) > 0 {
					bad = append(bad, fmt.Sprintf("parameters %v of: %s", params, q))
				}
			}
			require.Empty(t, bad, "statements compiled again on every run (render the value with dialect.value / args.bound):\n%s", strings.Join(bad, "\n\n"))
		})
	}
}

// storeStatements returns the distinct statements a SQLite store sent
// through a workload of every kind of call it answers.
func storeStatements(t *testing.T) []string {
	t.Helper()
	dsn := sqliteDSN(t)
	s, log, err := sqlstore.NewCountingForTest(ctx, sqlstore.Config{DSN: dsn, Model: storetest.UniqueModel(), ChangeFeed: true})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	log.Take() // migrations
	t.Run("conformance", func(t *testing.T) {
		storetest.Run(t, func(t *testing.T) storetest.Stores {
			return storetest.Stores{Users: s, Groups: s, Feed: s.Feed()}
		})
	})
	tctx := store.WithTenant(ctx, "rebind")
	fillSQLite(t, s, tctx, 100, 2)
	// The feed's consumer, the request log's reads and Reindex, which
	// the conformance suite does not call.
	f := s.Feed()
	seq, err := f.LeaseFeed(tctx, "c", "h", time.Minute)
	require.NoError(t, err)
	_, err = f.Changes(tctx, seq, 10)
	require.NoError(t, err)
	require.NoError(t, f.AckFeed(tctx, "c", "h", seq+1, time.Minute))
	require.NoError(t, f.ReleaseFeed(tctx, "c", "h"))
	_, err = f.FeedStatus(tctx)
	require.NoError(t, err)
	_, err = f.Prune(tctx)
	require.NoError(t, err)
	_, err = s.Recent(tctx, "rebind", 10)
	require.NoError(t, err)
	_, err = s.SharedNames(tctx)
	require.NoError(t, err)
	require.NoError(t, s.Reindex(tctx))

	seen := map[string]bool{}
	for _, e := range log.Take() {
		if !e.Begin && e.SQL != "" {
			seen[e.SQL] = true
		}
	}
	out := make([]string, 0, len(seen))
	for q := range seen {
		out = append(out, q)
	}
	sort.Strings(out)
	return out
}

// fillSQLite writes users, groups of members, tokens and requests to s
// in the tenant of tctx: n users (at least 100), in groups of fifty with
// two nested groups, and n/10 tokens and logged requests; tokens rotated
// and revoked r times.
func fillSQLite(t *testing.T, s *sqlstore.Store, tctx context.Context, n, r int) {
	t.Helper()
	ids := make([]string, 0, n)
	for i := range n {
		u, err := s.CreateUser(tctx, &resources.User{UserName: fmt.Sprintf("user%05d@example.com", i), ExternalID: fmt.Sprint("ext-", i),
			Active: resources.Bool(i%7 != 0), Emails: []resources.MultiValue{{Value: fmt.Sprintf("user%05d@example.com", i), Primary: resources.Bool(true)}}})
		require.NoError(t, err)
		ids = append(ids, u.ID)
	}
	var groups []string
	for i := 0; i+50 <= len(ids); i += 50 {
		g, err := s.CreateGroup(tctx, &resources.Group{DisplayName: fmt.Sprint("group ", i/50), ExternalID: fmt.Sprint("gext-", i), Members: memberList(ids[i : i+50])})
		require.NoError(t, err)
		groups = append(groups, g.ID)
	}
	_, err := s.CreateGroup(tctx, &resources.Group{DisplayName: "parents", Members: memberList(groups[:2])})
	require.NoError(t, err)
	tenant := store.Tenant(tctx)
	now := time.Now()
	for i := range n / 10 {
		h := sha256.Sum256(fmt.Append(nil, tenant, " token ", i))
		require.NoError(t, s.CreateToken(tctx, &tokens.Token{ID: fmt.Sprint(tenant, "-tok-", i), TenantID: tenant, Hint: "scim_…", Hash: h[:], CreatedAt: now}))
	}
	for i := range r {
		h := sha256.Sum256(fmt.Append(nil, tenant, " rotated ", i))
		require.NoError(t, s.RotateToken(tctx, &tokens.Token{ID: fmt.Sprint(tenant, "-rot-", i), TenantID: tenant, Hint: "scim_…", Hash: h[:], CreatedAt: now}, now))
		h0 := sha256.Sum256(fmt.Append(nil, tenant, " token ", i))
		_, err := s.TokenByHash(tctx, h0[:])
		require.NoError(t, err)
		require.NoError(t, s.TouchToken(tctx, fmt.Sprint(tenant, "-tok-", i), now))
		require.NoError(t, s.RevokeToken(tctx, tenant, fmt.Sprint(tenant, "-tok-", i+1), now))
		_, err = s.ListTokens(tctx, tenant)
		require.NoError(t, err)
		_, err = s.HasTokens(tctx)
		require.NoError(t, err)
	}
	batch := make([]admin.Request, n/10)
	for i := range batch {
		batch[i] = admin.Request{At: now, TenantID: tenant, RequestID: fmt.Sprint("req-", i), Method: "GET", Path: "/Users", Status: 200}
	}
	require.NoError(t, s.RecordBatch(tctx, batch))
	require.NoError(t, s.Record(tctx, admin.Request{At: now, TenantID: tenant, RequestID: "one", Method: "GET", Path: "/Users", Status: 200}))
}

// filledSQLite returns the path of a SQLite database of the store's
// schema that holds two thousand users, their groups and memberships, and
// hundreds of rows in each other table, over two tenants,
// and, when analyzed, the statistics of ANALYZE (sqlite_stat4 among
// them).
func filledSQLite(t *testing.T, analyzed bool) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "filled.db")
	s, err := sqlstore.New(ctx, sqlstore.Config{DSN: path, Model: storetest.UniqueModel(), ChangeFeed: true})
	require.NoError(t, err)
	for _, tenant := range []string{"a", "b"} {
		fillSQLite(t, s, store.WithTenant(ctx, tenant), 1000, 0)
	}
	if analyzed {
		_, err = s.DB().Exec(`ANALYZE`)
		require.NoError(t, err)
		var samples int
		require.NoError(t, s.DB().QueryRow(`SELECT count(*) FROM sqlite_stat4`).Scan(&samples))
		require.Positive(t, samples, "ANALYZE wrote no sqlite_stat4")
	}
	require.NoError(t, s.Close())
	return path
}

// rawSQLite is a connection through SQLite's C API (as modernc.org/sqlite
// compiles it), for what database/sql does not show: whether binding a
// parameter expires a statement.
type rawSQLite struct {
	tls *libc.TLS
	db  uintptr
}

func openRawSQLite(t *testing.T, path string) *rawSQLite {
	t.Helper()
	tls := libc.NewTLS()
	t.Cleanup(tls.Close)
	cpath, err := libc.CString(path)
	require.NoError(t, err)
	defer libc.Xfree(tls, cpath)
	// The out parameter in C's memory: SQLite's code does pointer
	// arithmetic, which -race's checkptr refuses on Go's.
	pdb := libc.Xmalloc(tls, 8)
	defer libc.Xfree(tls, pdb)
	rc := sqlite3.Xsqlite3_open_v2(tls, cpath, pdb, sqlite3.SQLITE_OPEN_READWRITE, 0)
	db := libc.AtomicLoadPUintptr(pdb)
	require.Equal(t, int32(sqlite3.SQLITE_OK), rc, "open %s", path)
	t.Cleanup(func() { sqlite3.Xsqlite3_close_v2(tls, db) })
	return &rawSQLite{tls: tls, db: db}
}

// rebinds returns the parameters (1-based) of q each of whose binding,
// alone, expires q as compiled: those the planner looked up in
// sqlite_stat4.
func (c *rawSQLite) rebinds(q string) ([]int, error) {
	// The parameters bound in turn on one compiled statement, compiled
	// anew only after one expired it: once expired, it stays so.
	var out []int
	for from := 1; from > 0; {
		next := 0
		_, err := c.withStmt(q, func(stmt uintptr) int {
			n := int(sqlite3.Xsqlite3_bind_parameter_count(c.tls, stmt))
			for i := from; i <= n; i++ {
				sqlite3.Xsqlite3_bind_null(c.tls, stmt, int32(i))
				if sqlite3.Xsqlite3_expired(c.tls, stmt) != 0 {
					out = append(out, i)
					next = i + 1
					break
				}
			}
			return 0
		})
		if err != nil {
			return nil, err
		}
		from = next
	}
	return out, nil
}

// withStmt compiles q (its first statement), runs f on it and finalizes it.
func (c *rawSQLite) withStmt(q string, f func(stmt uintptr) int) (int, error) {
	cq, err := libc.CString(q)
	if err != nil {
		return 0, err
	}
	defer libc.Xfree(c.tls, cq)
	pstmt := libc.Xmalloc(c.tls, 8)
	defer libc.Xfree(c.tls, pstmt)
	if rc := sqlite3.Xsqlite3_prepare_v2(c.tls, c.db, cq, -1, pstmt, 0); rc != sqlite3.SQLITE_OK {
		return 0, fmt.Errorf("prepare: %s", libc.GoString(sqlite3.Xsqlite3_errmsg(c.tls, c.db)))
	}
	stmt := libc.AtomicLoadPUintptr(pstmt)
	defer sqlite3.Xsqlite3_finalize(c.tls, stmt)
	return f(stmt), nil
}
