package idptest_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/internal/idptest"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/memory"
	"github.com/scimkit/scim/store/sqlstore"
	"github.com/scimkit/scim/tokens"
)

// pgEnv names the environment variable with the URL of the PostgreSQL
// server the tests use (store/sqlstore/testdata/pg.sh start prints it).
const pgEnv = "SCIM_TEST_POSTGRES_URL"

// stores is what a factory opens: the user and group store, and the token
// store when the database keeps tokens too.
type stores struct {
	users  store.UserStore
	groups store.GroupStore
	tokens tokens.Store
}

// factory opens a fresh, empty store, closed when t ends.
type factory struct {
	name string
	open func(t *testing.T) stores
}

// factories are the stores every conversation runs on. PostgreSQL needs
// SCIM_TEST_POSTGRES_URL; without it, its subtests skip and say why.
func factories() []factory {
	return []factory{
		{"memory", func(t *testing.T) stores {
			db := memory.New()
			return stores{users: db, groups: db, tokens: tokens.NewMemoryStore()}
		}},
		{"sqlite", func(t *testing.T) stores {
			return openSQL(t, filepath.Join(t.TempDir(), "scim.db"))
		}},
		{"postgres", func(t *testing.T) stores {
			return openSQL(t, postgresDSN(t))
		}},
	}
}

func openSQL(t *testing.T, dsn string) stores {
	t.Helper()
	db, err := sqlstore.Open(context.Background(), dsn)
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	return stores{users: db, groups: db, tokens: db}
}

// postgresDSN creates a schema of its own on the test server and returns a
// DSN whose connections use it; the schema is dropped when t ends.
func postgresDSN(t *testing.T) string {
	t.Helper()
	base := os.Getenv(pgEnv)
	if base == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("SCIM_TEST_POSTGRES_URL is not set; .ci/run starts PostgreSQL with store/sqlstore/testdata/pg.sh")
		}
		t.Skip("PostgreSQL skipped: SCIM_TEST_POSTGRES_URL is not set (start a server with store/sqlstore/testdata/pg.sh start)")
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "idptest_" + hex.EncodeToString(b)
	admin, err := sql.Open("pgx", base)
	require.NoError(t, err)
	defer admin.Close()
	_, err = admin.ExecContext(context.Background(), `CREATE SCHEMA `+schema)
	require.NoError(t, err)
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

// server starts the real handler on s, mounted under /scim/v2 like a host
// mounts it, and returns the target to replay against.
func server(t *testing.T, s stores) idptest.Target {
	t.Helper()
	toks := tokens.NewManager(s.tokens, tokens.Options{})
	plain, _, err := toks.Generate(context.Background(), tokens.GenerateOptions{Name: "idptest"})
	require.NoError(t, err)
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	h, err := scim.NewHandler(scim.Config{
		BaseURL:    srv.URL + "/scim/v2",
		Users:      s.users,
		Groups:     s.groups,
		Tokens:     toks,
		RequestLog: tokens.NewRequestRing(100),
		Logger:     slog.New(slog.DiscardHandler),
	})
	require.NoError(t, err)
	mux.Handle("/scim/v2/", http.StripPrefix("/scim/v2", h))
	return idptest.Target{BaseURL: srv.URL + "/scim/v2", Token: plain, Client: srv.Client()}
}

// TestConversations replays every conversation on every store, each on a
// fresh server, and then checks that the conversation left the store
// empty.
func TestConversations(t *testing.T) {
	convs, err := idptest.Conversations()
	require.NoError(t, err)
	require.NotEmpty(t, convs)
	for _, f := range factories() {
		t.Run(f.name, func(t *testing.T) {
			for _, c := range convs {
				t.Run(c.Name, func(t *testing.T) {
					t.Parallel()
					s := f.open(t)
					target := server(t, s)
					res := idptest.Run(context.Background(), target, c, idptest.Options{})
					if !res.Passed() {
						var buf bytes.Buffer
						require.NoError(t, idptest.WriteReport(&buf, []*idptest.Result{res}, target.Token))
						t.Fatalf("%s on %s:\n%s", c.Name, f.name, buf.String())
					}
					assertEmpty(t, s)
				})
			}
		})
	}
}

// assertEmpty checks that nothing is left in the store.
func assertEmpty(t *testing.T, s stores) {
	t.Helper()
	ctx := context.Background()
	users, err := s.users.ListUsers(ctx, store.Query{StartIndex: 1, Count: 10})
	require.NoError(t, err)
	assert.Zero(t, users.Total, "users left behind")
	groups, err := s.groups.ListGroups(ctx, store.Query{StartIndex: 1, Count: 10, ExcludeMembers: true})
	require.NoError(t, err)
	assert.Zero(t, groups.Total, "groups left behind")
}
