package sqlstore_test

import (
	"database/sql"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/admin"
	"github.com/scimkit/scim/store/sqlstore"
)

// TestRequestLogWarnings: the warnings of a request survive the request
// log, on both databases.
func TestRequestLogWarnings(t *testing.T) {
	forEachDB(t, func(t *testing.T, db opener) {
		s := db.open(t, sqlstore.Config{})
		want := []string{`ignored unknown attribute "adreses"`, `unquoted filter value "x" taken as a string`}
		require.NoError(t, s.Record(ctx, admin.Request{At: time.Now(), TenantID: "t", Method: "PUT", Path: "/Users/1", Status: 200, Warnings: want}))
		require.NoError(t, s.Record(ctx, admin.Request{At: time.Now(), TenantID: "t", Method: "GET", Path: "/Users", Status: 200}))
		got, err := s.Recent(ctx, "t", 2)
		require.NoError(t, err)
		require.Len(t, got, 2)
		assert.Nil(t, got[0].Warnings)
		assert.Equal(t, want, got[1].Warnings)
	})
}

// TestMigrationRemovesClearPasswords: upgrading a database written by the
// first schema removes every stored password that is not a one-way hash.
func TestMigrationRemovesClearPasswords(t *testing.T) {
	forEachDB(t, func(t *testing.T, db opener) {
		dsn := db.dsn(t)
		s, err := sqlstore.New(ctx, sqlstore.Config{DSN: dsn})
		require.NoError(t, err)
		raw := s.DB()
		ph := func(n int) string {
			if isPG(s) {
				return "$" + string(rune('0'+n))
			}
			return "?"
		}
		// Rewind to the first schema, as a database written before the
		// upgrade is: no warnings column, passwords in clear.
		for _, q := range []string{`ALTER TABLE scim_requests DROP COLUMN warnings`, `DELETE FROM scim_schema_migrations WHERE version = 2`} {
			_, err := raw.ExecContext(ctx, q)
			if err != nil && !isPG(s) {
				t.Skipf("this SQLite cannot rewind the schema: %v", err)
			}
			require.NoError(t, err, q)
		}
		for i, pw := range []string{"hunter2", "$argon2id$v=19$m=64,t=1,p=1$c2FsdA$aGFzaA", "$2b$10$abcdefghijklmnopqrstuu"} {
			name := "user" + string(rune('0'+i))
			_, err := raw.ExecContext(ctx, `INSERT INTO scim_users (tenant, id, user_name, user_name_fold, display, display_fold, password, doc, q, created, last_modified, version)
				VALUES (`+ph(1)+`, `+ph(2)+`, `+ph(3)+`, `+ph(4)+`, `+ph(5)+`, `+ph(6)+`, `+ph(7)+`, '{}', '{}', `+ph(8)+`, `+ph(9)+`, 1)`,
				"", "id"+string(rune('0'+i)), name, name, name, name, pw, nowArg(s), nowArg(s))
			require.NoError(t, err)
		}
		require.NoError(t, s.Close())

		s2, err := sqlstore.New(ctx, sqlstore.Config{DSN: dsn})
		require.NoError(t, err)
		defer s2.Close()
		var left []string
		rows, err := s2.DB().QueryContext(ctx, `SELECT password FROM scim_users WHERE password IS NOT NULL ORDER BY id`)
		require.NoError(t, err)
		for rows.Next() {
			var pw sql.NullString
			require.NoError(t, rows.Scan(&pw))
			left = append(left, pw.String)
		}
		require.NoError(t, rows.Err())
		assert.Equal(t, []string{"$argon2id$v=19$m=64,t=1,p=1$c2FsdA$aGFzaA", "$2b$10$abcdefghijklmnopqrstuu"}, left, "the clear password is gone, hashes stay")
	})
}

// nowArg is the current time as the store's dialect writes it.
func nowArg(s *sqlstore.Store) any {
	if isPG(s) {
		return time.Now().UTC()
	}
	return time.Now().UnixMicro()
}
