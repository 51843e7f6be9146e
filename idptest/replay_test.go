package idptest_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/idptest"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/memory"
	"github.com/scimkit/scim/store/sqlstore"
	"github.com/scimkit/scim/store/sqlstore/sqltest"
	"github.com/scimkit/scim/tokens"
)

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
			return openSQL(t, sqltest.PostgresDSN(t))
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
