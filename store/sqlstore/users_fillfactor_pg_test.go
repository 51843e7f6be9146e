package sqlstore_test

import (
	"testing"
	"time"

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
// existing database gets the setting by the upgrade. Both the row's page
// and PostgreSQL's own count of HOT updates are asserted: the page alone
// would hold only while a page of today's rows leaves no room for one.
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
	// updates returns scim_users' row updates so far and how many of them
	// were HOT, as pg_stat_user_tables counts them, once they number at
	// least want. A backend publishes its counts at most once a second
	// when busy, up to 10 s later when idle; s has one connection
	// (MaxOpenConns 1), the backend that ran the store's statements, and
	// pg_stat_force_next_flush() (PostgreSQL 15 on) has it publish them
	// as that statement ends. An older server is polled, for a bounded time.
	updates := func(t *testing.T, s *sqlstore.Store, want int64) (n, hot int64) {
		t.Helper()
		var force bool
		require.NoError(t, s.DB().QueryRowContext(ctx, `SELECT current_setting('server_version_num')::int >= 150000`).Scan(&force))
		deadline := time.Now().Add(15 * time.Second)
		for {
			if force {
				_, err := s.DB().ExecContext(ctx, `SELECT pg_stat_force_next_flush()`)
				require.NoError(t, err)
			}
			require.NoError(t, s.DB().QueryRowContext(ctx, `SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE relid = 'scim_users'::regclass`).Scan(&n, &hot))
			if n >= want || time.Now().After(deadline) {
				return n, hot
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	for _, tc := range []struct {
		name     string
		reset    bool // the table at the default fill factor
		samePage bool
		hot      int64 // HOT updates of the one deactivation
	}{
		{name: "fillfactor 80", samePage: true, hot: 1},
		{name: "default fillfactor", reset: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := db.open(t, sqlstore.Config{MaxOpenConns: 1})
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
			n0, hot0 := updates(t, s, 0)
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
			n, hot := updates(t, s, n0+1)
			assert.Equal(t, int64(1), n-n0, "the deactivation updates the user's row once")
			assert.Equal(t, tc.hot, hot-hot0, "HOT updates")
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
