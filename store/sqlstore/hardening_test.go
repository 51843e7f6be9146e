package sqlstore_test

import (
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/admin"
	"github.com/scimkit/scim/resources"
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
		// Rewind to the first schema, as a database written before the
		// upgrade is: no warnings column, passwords in clear.
		dsn, s, ph := rewound(t, db, append(undo0004(), `DROP INDEX scim_members_group_member`, `ALTER TABLE scim_requests DROP COLUMN warnings`, `DELETE FROM scim_schema_migrations WHERE version >= 2`))
		raw := s.DB()
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

// TestReplaceGroupWritesTheDifference: replacing a group's members with a
// list that changes one member deletes one row and inserts one; the other
// memberships are not rewritten (their row identity is kept), so the cost
// follows the change, not the group's size.
func TestReplaceGroupWritesTheDifference(t *testing.T) {
	forEachDB(t, func(t *testing.T, db opener) {
		s := db.open(t, sqlstore.Config{})
		c := tctx()
		var members []resources.Member
		for i := range 200 {
			u, err := s.CreateUser(c, &resources.User{UserName: fmt.Sprintf("m%03d", i), Active: resources.Bool(true)})
			require.NoError(t, err)
			members = append(members, resources.Member{Value: u.ID})
		}
		g, err := s.CreateGroup(c, &resources.Group{DisplayName: "big", Members: members[:199]})
		require.NoError(t, err)
		rowID := "rowid"
		if isPG(s) {
			rowID = "ctid::text"
		}
		ids := func() map[string]string {
			rows, err := s.DB().QueryContext(c, `SELECT member_id, `+rowID+` FROM scim_members WHERE group_id = `+paramsOf(s)(1), g.ID)
			require.NoError(t, err)
			defer rows.Close()
			out := map[string]string{}
			for rows.Next() {
				var m, id string
				require.NoError(t, rows.Scan(&m, &id))
				out[m] = id
			}
			require.NoError(t, rows.Err())
			return out
		}
		before := ids()
		g.Members = append(append([]resources.Member{}, members[1:199]...), members[199]) // one out, one in
		_, err = s.ReplaceGroup(c, g, "")
		require.NoError(t, err)
		after := ids()
		require.Len(t, after, 199)
		assert.NotContains(t, after, members[0].Value)
		assert.Contains(t, after, members[199].Value)
		for _, m := range members[1:199] {
			assert.Equal(t, before[m.Value], after[m.Value], "member %s was rewritten", m.Value)
		}
	})
}

// TestMigrationKeepsRecentRequests: the upgrade that turns the request
// log into a ring keeps each tenant's newest 200 entries (the default
// size), in their order, and the log goes on from them.
func TestMigrationKeepsRecentRequests(t *testing.T) {
	forEachDB(t, func(t *testing.T, db opener) {
		dsn, s, ph := rewound(t, db, undo0008())
		raw := s.DB()
		at := nowArg(s)
		for i := range 250 {
			_, err := raw.ExecContext(ctx, `INSERT INTO scim_requests (tenant, seq, at, request_id, method, path, status) VALUES (`+ph(1)+`, `+ph(2)+`, `+ph(3)+`, `+ph(4)+`, 'GET', '/Users', 200)`,
				"acme", 1000-i, at, fmt.Sprint(250-i)) // seq in the order recorded, not insertion order
			require.NoError(t, err)
		}
		for i := range 3 {
			_, err := raw.ExecContext(ctx, `INSERT INTO scim_requests (tenant, seq, at, request_id) VALUES (`+ph(1)+`, `+ph(2)+`, `+ph(3)+`, `+ph(4)+`)`,
				"other", 2000+i, at, fmt.Sprint(i))
			require.NoError(t, err)
		}
		require.NoError(t, s.Close())

		s2, err := sqlstore.New(ctx, sqlstore.Config{DSN: dsn})
		require.NoError(t, err)
		defer s2.Close()
		ids := func(tenant string) []string {
			got, err := s2.Recent(ctx, tenant, 1000)
			require.NoError(t, err)
			out := make([]string, len(got))
			for i, r := range got {
				out[i] = r.RequestID
			}
			return out
		}
		acme := ids("acme")
		require.Len(t, acme, 200)
		assert.Equal(t, []string{"250", "249"}, acme[:2], "newest first")
		assert.Equal(t, "51", acme[199], "the 200th newest last")
		assert.Equal(t, []string{"2", "1", "0"}, ids("other"))

		require.NoError(t, s2.Record(ctx, admin.Request{TenantID: "acme", RequestID: "251", Method: "GET", Path: "/Users", Status: 200}))
		acme = ids("acme")
		require.Len(t, acme, 200)
		assert.Equal(t, []string{"251", "250"}, acme[:2], "a new entry goes on from the migrated ones")
		assert.Equal(t, "52", acme[199], "and overwrites the oldest")
	})
}

// TestRequestLogResized: a store opened with another RequestLogSize than
// the log was written with keeps, from its first entry on, the newest
// entries that fit, and goes on overwriting the oldest of them.
func TestRequestLogResized(t *testing.T) {
	forEachDB(t, func(t *testing.T, db opener) {
		for _, tc := range []struct {
			name     string
			from, to int
			want     []string
		}{
			{"smaller", 20, 5, []string{"30", "29", "28", "27", "26"}},
			{"larger", 5, 8, []string{"30", "29", "28", "27", "26", "25"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				dsn := db.dsn(t)
				s, err := sqlstore.New(ctx, sqlstore.Config{DSN: dsn, RequestLogSize: tc.from})
				require.NoError(t, err)
				for i := range 30 {
					require.NoError(t, s.Record(ctx, admin.Request{TenantID: "t", RequestID: fmt.Sprint(i), Method: "GET", Path: "/Users", Status: 200}))
				}
				require.NoError(t, s.Close())

				s2, err := sqlstore.New(ctx, sqlstore.Config{DSN: dsn, RequestLogSize: tc.to})
				require.NoError(t, err)
				defer s2.Close()
				require.NoError(t, s2.Record(ctx, admin.Request{TenantID: "t", RequestID: "30", Method: "GET", Path: "/Users", Status: 200}))
				var n int
				require.NoError(t, s2.DB().QueryRowContext(ctx, `SELECT count(*) FROM scim_request_log`).Scan(&n))
				assert.Equal(t, len(tc.want), n, "the newest entries that fit, no more")
				got, err := s2.Recent(ctx, "t", 100)
				require.NoError(t, err)
				var ids []string
				for _, r := range got {
					ids = append(ids, r.RequestID)
				}
				assert.Equal(t, tc.want, ids)
			})
		}
	})
}
