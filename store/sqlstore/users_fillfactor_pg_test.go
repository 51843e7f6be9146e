package sqlstore_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/internal/loaduser"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/sqlstore"
)

// syncUser is user i of the load test's sync (loaduser.JSON), a row of
// about 1.2 KB in scim_users.
func syncUser(t *testing.T, i int) *resources.User {
	t.Helper()
	u, err := resources.UserFromJSON([]byte(loaduser.JSON(i)))
	require.NoError(t, err)
	return u
}

// TestUsersFillfactor: PostgreSQL's scim_users is filled to 80% by
// inserts (migration 0013), so that a user's deactivation soon after its
// create finds room on the row's own page (a HOT update: no index entry,
// less WAL), where at the default 100 a page of such rows has none; an
// existing database gets the setting by the upgrade.
func TestUsersFillfactor(t *testing.T) {
	db := databases()[1]
	acme := store.WithTenant(ctx, "acme")
	fillfactor := func(t *testing.T, s *sqlstore.Store) string {
		var opts string
		require.NoError(t, s.DB().QueryRowContext(ctx, `SELECT array_to_string(coalesce(reloptions, '{}'), ',') FROM pg_class WHERE oid = 'scim_users'::regclass`).Scan(&opts))
		return opts
	}
	// page is the block of the heap that holds user id's current version.
	page := func(t *testing.T, s *sqlstore.Store, id string) int {
		var b int
		require.NoError(t, s.DB().QueryRowContext(ctx, `SELECT (ctid::text::point)[0]::int FROM scim_users WHERE tenant = 'acme' AND id = $1`, id).Scan(&b))
		return b
	}
	for _, tc := range []struct {
		name     string
		reset    bool // the table at the default fill factor
		samePage bool
	}{
		{name: "fillfactor 80", samePage: true},
		{name: "default fillfactor", reset: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := db.open(t, sqlstore.Config{})
			if tc.reset {
				_, err := s.DB().ExecContext(ctx, `ALTER TABLE scim_users RESET (fillfactor)`)
				require.NoError(t, err)
			} else {
				assert.Equal(t, "fillfactor=80", fillfactor(t, s))
			}
			var first string
			for i := range 12 { // two pages and more
				u, err := s.CreateUser(acme, syncUser(t, i))
				require.NoError(t, err)
				if i == 0 {
					first = u.ID
				}
			}
			before := page(t, s, first)
			_, err := s.UpdateUser(acme, first, "", func(cur *resources.User) (*resources.User, error) {
				cur.Active = ptr(false)
				return cur, nil
			})
			require.NoError(t, err)
			if tc.samePage {
				assert.Equal(t, before, page(t, s, first), "the deactivation's row version on the row's page")
			} else {
				assert.NotEqual(t, before, page(t, s, first), "the page the inserts filled had no room for it")
			}
		})
	}

	t.Run("upgrade", func(t *testing.T) {
		dsn, s, _ := rewound(t, db, undo0013())
		assert.Equal(t, "", fillfactor(t, s), "rewound to version 12")
		u, err := s.CreateUser(acme, syncUser(t, 1))
		require.NoError(t, err)
		require.NoError(t, s.Close())

		s2, err := sqlstore.New(ctx, sqlstore.Config{DSN: dsn})
		require.NoError(t, err)
		defer s2.Close()
		v, err := s2.SchemaVersion(ctx)
		require.NoError(t, err)
		assert.Equal(t, 13, v)
		assert.Equal(t, "fillfactor=80", fillfactor(t, s2))
		got, err := s2.GetUser(acme, u.ID, store.GetOptions{})
		require.NoError(t, err)
		assert.Equal(t, u.UserName, got.UserName)
	})
}
