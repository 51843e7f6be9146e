package sqlstore_test

import (
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/sqlstore"
)

// TestSQLitePageSize: a SQLite file keeps the page size it was created
// with, whatever the DSN that opens it later asks for, and a store on it
// reads and writes as on any other; a page_size in the DSN applies to a
// file the store creates (the driver runs the host's _pragma parameters
// before the writer switches the new file to WAL, which fixes its page
// size). Each case creates the file one way, writes a user, and reopens it
// with another DSN.
func TestSQLitePageSize(t *testing.T) {
	for _, tc := range []struct {
		name string
		// create makes the file at path (and closes what it opened).
		create func(t *testing.T, path string)
		// reopen is the DSN the file is opened with afterwards.
		reopen func(path string) string
		want   int
		// users is how many users the file holds before the reopen.
		users int
	}{
		{
			name:   "the store's default, reopened asking for 1024",
			create: storeAt(func(p string) string { return p }),
			reopen: func(p string) string { return "file:" + p + "?_pragma=page_size(1024)" },
			want:   4096,
			users:  1,
		},
		{
			name:   "1024 asked for in the DSN, reopened without it",
			create: storeAt(func(p string) string { return "file:" + p + "?_pragma=page_size(1024)" }),
			reopen: func(p string) string { return p },
			want:   1024,
			users:  1,
		},
		{
			name:   "2048 asked for in the DSN, reopened asking for 8192",
			create: storeAt(func(p string) string { return "file:" + p + "?_pragma=page_size(2048)" }),
			reopen: func(p string) string { return "file:" + p + "?_pragma=page_size(8192)" },
			want:   2048,
			users:  1,
		},
		{
			name: "a file of 8192-byte pages made by another program, in rollback mode",
			create: func(t *testing.T, path string) {
				db, err := sql.Open("sqlite", "file:"+path+"?_pragma=page_size(8192)")
				require.NoError(t, err)
				defer db.Close()
				_, err = db.Exec(`CREATE TABLE app_accounts (id INTEGER PRIMARY KEY, email TEXT)`)
				require.NoError(t, err)
			},
			reopen: func(p string) string { return p },
			want:   8192,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "scim.db")
			tc.create(t, path)
			s := openAt(t, sqlstore.Config{DSN: tc.reopen(path)})
			var pageSize int
			var mode string
			require.NoError(t, s.DB().QueryRowContext(ctx, `PRAGMA page_size`).Scan(&pageSize))
			require.NoError(t, s.DB().QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode))
			assert.Equal(t, tc.want, pageSize, "the file keeps the page size it was created with")
			assert.Equal(t, "wal", mode)

			// The store works on it as on any other: what was written
			// reads back, and a create, an update and a delete go through.
			p, err := s.ListUsers(ctx, store.Query{StartIndex: 1, Count: 10})
			require.NoError(t, err)
			require.Len(t, p.Items, tc.users)
			for _, u := range p.Items {
				assert.Equal(t, "before@example.com", u.UserName)
			}
			u, err := s.CreateUser(ctx, &resources.User{UserName: "after@example.com"})
			require.NoError(t, err)
			u.DisplayName = "After"
			u, err = s.ReplaceUser(ctx, u, u.Meta.Version)
			require.NoError(t, err)
			got, err := s.GetUser(ctx, u.ID, store.GetOptions{})
			require.NoError(t, err)
			assert.Equal(t, "After", got.DisplayName)
			require.NoError(t, s.DeleteUser(ctx, u.ID, ""))
			var check string
			require.NoError(t, s.DB().QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&check))
			assert.Equal(t, "ok", check)
		})
	}
}

// storeAt returns a create of TestSQLitePageSize: a store opened on the
// DSN dsn makes of the path, which writes one user and closes.
func storeAt(dsn func(path string) string) func(t *testing.T, path string) {
	return func(t *testing.T, path string) {
		s, err := sqlstore.New(ctx, sqlstore.Config{DSN: dsn(path)})
		require.NoError(t, err)
		defer s.Close()
		_, err = s.CreateUser(ctx, &resources.User{UserName: "before@example.com"})
		require.NoError(t, err)
	}
}
