package idptest_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/admin"
	"github.com/scimkit/scim/idptest"
	"github.com/scimkit/scim/internal/testlog"
	"github.com/scimkit/scim/resources"
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
	// noAuth builds the handler with InsecureNoAuth and replays without a
	// token, as a host whose own middleware authenticates would.
	noAuth bool
}

// factories are the stores every conversation runs on. PostgreSQL needs
// SCIM_TEST_POSTGRES_URL; without it, its subtests skip and say why (and
// fail in CI).
func factories() []factory {
	mem := func(t *testing.T) stores {
		db := memory.New()
		return stores{users: db, groups: db, tokens: tokens.NewMemoryStore()}
	}
	return []factory{
		{name: "memory", open: mem},
		{name: "memory-noauth", open: mem, noAuth: true},
		{name: "memory-subset", open: func(t *testing.T) stores {
			db := memory.New(memory.WithModel(subsetModel(t)))
			return stores{users: db, groups: db, tokens: tokens.NewMemoryStore()}
		}},
		{name: "memory-subattrs", open: func(t *testing.T) stores {
			db := memory.New(memory.WithModel(subAttrModel(t)))
			return stores{users: db, groups: db, tokens: tokens.NewMemoryStore()}
		}},
		{name: "sqlite-subattrs", open: func(t *testing.T) stores {
			db, err := sqlstore.New(context.Background(), sqlstore.Config{DSN: filepath.Join(t.TempDir(), "scim.db"), Model: subAttrModel(t)})
			require.NoError(t, err)
			t.Cleanup(func() { db.Close() })
			return stores{users: db, groups: db, tokens: db}
		}},
		{name: "sqlite-subset", open: func(t *testing.T) stores {
			db, err := sqlstore.New(context.Background(), sqlstore.Config{DSN: filepath.Join(t.TempDir(), "scim.db"), Model: subsetModel(t)})
			require.NoError(t, err)
			t.Cleanup(func() { db.Close() })
			return stores{users: db, groups: db, tokens: db}
		}},
		{name: "sqlite", open: func(t *testing.T) stores {
			return openSQL(t, filepath.Join(t.TempDir(), "scim.db"))
		}},
		{name: "postgres", open: func(t *testing.T) stores {
			return openSQL(t, sqltest.PostgresDSN(t))
		}},
	}
}

// subsetModel is the model of a host that declares a small attribute
// subset (resources.ModelConfig.UserAttributes), as a product with no use
// for addresses, phone numbers, photos, roles or certificates would: every
// provider's conversation must pass against it too, what it sends outside
// the subset ignored with a warning.
func subsetModel(t *testing.T) *resources.Model {
	t.Helper()
	m, err := resources.NewModel(resources.ModelConfig{
		UserAttributes: []string{"id", "externalId", "meta", "userName", "name", "displayName", "active", "emails", "groups",
			resources.EnterpriseUserSchema + ":department"},
	})
	require.NoError(t, err)
	return m
}

// subAttrModel is the model of a host whose users table holds some
// sub-attributes only (resources.ModelConfig.UserAttributes lists
// name.givenName): a given and a family name, a display name and each
// email's value and type, which Entra ID's default mapping
// (emails[type eq "work"].value) needs.
func subAttrModel(t *testing.T) *resources.Model {
	t.Helper()
	m, err := resources.NewModel(resources.ModelConfig{
		UserAttributes: []string{"id", "externalId", "meta", "userName", "name.givenName", "name.familyName", "displayName", "active",
			"emails.value", "emails.type", "groups", resources.EnterpriseUserSchema + ":department"},
	})
	require.NoError(t, err)
	return m
}

func openSQL(t *testing.T, dsn string) stores {
	t.Helper()
	db, err := sqlstore.Open(context.Background(), dsn)
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	return stores{users: db, groups: db, tokens: db}
}

// handler builds the real handler on s the way a host does, with a fresh
// token ("" when noAuth), and no BaseURL: Location and meta.location name
// the server the request reached.
func handler(t *testing.T, s stores, noAuth bool) (http.Handler, string) {
	t.Helper()
	cfg := scim.Config{
		Users:          s.users,
		Groups:         s.groups,
		InsecureNoAuth: noAuth,
		Logger:         testlog.Errors(t),
	}
	token := ""
	if !noAuth {
		toks := tokens.NewManager(s.tokens, tokens.Options{})
		plain, _, err := toks.Generate(context.Background(), tokens.GenerateOptions{Name: "idptest"})
		require.NoError(t, err)
		cfg.Tokens, cfg.RequestLog, token = toks, admin.NewRequestRing(100), plain
	}
	h, err := scim.NewHandler(cfg)
	require.NoError(t, err)
	return h, token
}

// server mounts the handler on s under /scim/v2 of a host's mux, with an
// absolute BaseURL, and returns the target to replay against.
func server(t *testing.T, s stores) idptest.Target {
	t.Helper()
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	toks := tokens.NewManager(s.tokens, tokens.Options{})
	plain, _, err := toks.Generate(context.Background(), tokens.GenerateOptions{Name: "idptest"})
	require.NoError(t, err)
	h, err := scim.NewHandler(scim.Config{
		BaseURL:    srv.URL + "/scim/v2",
		Users:      s.users,
		Groups:     s.groups,
		Tokens:     toks,
		RequestLog: admin.NewRequestRing(100),
		Logger:     testlog.Errors(t),
	})
	require.NoError(t, err)
	mux.Handle("/scim/v2/", http.StripPrefix("/scim/v2", h))
	return idptest.Target{BaseURL: srv.URL + "/scim/v2", Token: plain, Client: srv.Client()}
}

// TestConversations replays every conversation through idptest.Test, the
// host's entry point, on each store (one store shared by all
// conversations, as on a deployment), and then checks that the run left
// the store empty.
func TestConversations(t *testing.T) {
	for _, f := range factories() {
		t.Run(f.name, func(t *testing.T) {
			t.Parallel()
			s := f.open(t)
			h, token := handler(t, s, f.noAuth)
			idptest.Test(t, h, token)
			assertEmpty(t, s)
		})
	}
}

// TestTargetUnderAPrefix replays through the base-URL form against a
// handler mounted under /scim/v2 of a mux, with an absolute BaseURL.
func TestTargetUnderAPrefix(t *testing.T) {
	db := memory.New()
	s := stores{users: db, groups: db, tokens: tokens.NewMemoryStore()}
	idptest.TestTarget(t, server(t, s), "okta", "chunks")
	assertEmpty(t, s)
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
