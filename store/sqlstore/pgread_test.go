package sqlstore_test

import (
	"database/sql"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/sqlstore"
)

// TestReadAfterServerClosedConnection: PostgreSQL's reads go to pgx on a
// pooled connection (pgread.go). When the server has closed that
// connection since (a restart, an idle timeout, pg_terminate_backend),
// PostgreSQL answers the next statement with a FATAL error and the pool's
// check before handing the connection out does not see it coming: the
// read runs again on a fresh connection, as a read may (through
// database/sql the first read failed, a 500).
func TestReadAfterServerClosedConnection(t *testing.T) {
	dsn := withApplicationName(t, postgresDSN(t), "scimkill_"+randomHex(4))
	s, err := sqlstore.New(ctx, sqlstore.Config{DSN: dsn, MaxOpenConns: 1, NoAnalyze: true})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	tctx := store.WithTenant(ctx, "t")
	u, err := s.CreateUser(tctx, &resources.User{UserName: "kill@example.com"})
	require.NoError(t, err)
	g, err := s.CreateGroup(tctx, &resources.Group{DisplayName: "Kill", Members: []resources.Member{{Value: u.ID}}})
	require.NoError(t, err)

	admin, err := sql.Open("pgx", os.Getenv(pgEnv))
	require.NoError(t, err)
	defer admin.Close()
	var pid int
	require.NoError(t, s.DB().QueryRowContext(ctx, `SELECT pg_backend_pid()`).Scan(&pid))
	for _, read := range []struct {
		name string
		fn   func() error
	}{
		{"GetUser", func() error { _, err := s.GetUser(tctx, u.ID, store.GetOptions{}); return err }},
		{"GetGroup", func() error { _, err := s.GetGroup(tctx, g.ID, store.GetOptions{}); return err }},
		{"ListUsers", func() error {
			p, err := s.ListUsers(tctx, store.Query{Filter: mustParse(t, `userName eq "kill@example.com"`), StartIndex: 1, Count: 10})
			if err == nil {
				require.Equal(t, 1, p.Total)
			}
			return err
		}},
	} {
		t.Run(read.name, func(t *testing.T) {
			require.NoError(t, read.fn())
			var killed bool
			require.NoError(t, admin.QueryRowContext(ctx, `SELECT pg_terminate_backend($1)`, pid).Scan(&killed))
			require.True(t, killed)
			require.NoError(t, read.fn(), "the read after the server closed the pool's connection")
			require.NoError(t, s.DB().QueryRowContext(ctx, `SELECT pg_backend_pid()`).Scan(&pid))
		})
	}
}
