package sqlstore_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/query"
	"github.com/scimkit/scim/store/sqlstore"
)

// undo0005 returns the statements that take a database back to schema
// version 4, as a database written before the change feed is.
func undo0005() []string {
	return append(undo0008(),
		`DROP TABLE scim_feed_consumers`,
		`DROP TABLE scim_feed`,
		`DROP TABLE scim_feed_heads`,
		`DELETE FROM scim_schema_migrations WHERE version >= 5`,
	)
}

// sqliteOnly marks a statement of an undo list that rewound runs on
// SQLite only: a migration of SQLite's alone; postgresOnly one of
// PostgreSQL's alone.
const (
	sqliteOnly   = "sqlite only: "
	postgresOnly = "postgres only: "
)

// undo0013 returns the statements that take a database back to schema
// version 12: the folded names unique per tenant, as the key is.
func undo0013() []string {
	return append(undo0014(),
		`CREATE UNIQUE INDEX scim_users_user_name ON scim_users (tenant, user_name_fold)`,
		`CREATE UNIQUE INDEX scim_groups_display_name ON scim_groups (tenant, display_name_fold)`,
		`DELETE FROM scim_schema_migrations WHERE version >= 13`,
	)
}

// undo0014 returns the statements that take a database back to schema
// version 13: no per-tenant counts, a list's total counted from the
// rows.
func undo0014() []string {
	return append(undo0015(),
		sqliteOnly+`DROP TRIGGER scim_users_inserted`,
		postgresOnly+`DROP TRIGGER scim_users_inserted ON scim_users`,
		sqliteOnly+`DROP TRIGGER scim_users_deleted`,
		postgresOnly+`DROP TRIGGER scim_users_deleted ON scim_users`,
		sqliteOnly+`DROP TRIGGER scim_groups_inserted`,
		postgresOnly+`DROP TRIGGER scim_groups_inserted ON scim_groups`,
		sqliteOnly+`DROP TRIGGER scim_groups_deleted`,
		postgresOnly+`DROP TRIGGER scim_groups_deleted ON scim_groups`,
		`DROP TABLE scim_counts`,
		postgresOnly+`DROP FUNCTION scim_counted()`,
		postgresOnly+`DROP FUNCTION scim_count_fold(text, text, bigint)`,
		`DELETE FROM scim_schema_migrations WHERE version >= 14`,
	)
}

// undo0015 returns the statements that take a database back to schema
// version 14: PostgreSQL's counts not emptied by a TRUNCATE.
func undo0015() []string {
	return append(undo0016(),
		postgresOnly+`DROP TRIGGER scim_users_truncated ON scim_users`,
		postgresOnly+`DROP TRIGGER scim_groups_truncated ON scim_groups`,
		postgresOnly+`DROP FUNCTION scim_counted_truncated()`,
		`DELETE FROM scim_schema_migrations WHERE version >= 15`,
	)
}

// undo0016 returns the statements that take a database back to schema
// version 15: PostgreSQL's folds waiting for each other's row locks (the
// functions of migration 0014 again), and on both databases the counts
// of an emptied tenant kept and a row moved between tenants not counted.
func undo0016() []string {
	return append(append([]string{
		postgresOnly + `DROP TRIGGER scim_users_moved ON scim_users`,
		postgresOnly + `DROP TRIGGER scim_groups_moved ON scim_groups`,
		postgresOnly + `DROP FUNCTION scim_counted_moved()`,
		postgresOnly + `DROP FUNCTION scim_count_settle(text, text, bigint, boolean)`,
		sqliteOnly + `DROP TRIGGER scim_users_moved`,
		sqliteOnly + `DROP TRIGGER scim_groups_moved`,
		sqliteOnly + `DROP TRIGGER scim_users_deleted`,
		sqliteOnly + `CREATE TRIGGER scim_users_deleted AFTER DELETE ON scim_users BEGIN
			UPDATE scim_counts SET n = n - 1 WHERE tenant = OLD.tenant AND kind = 'users'; END`,
		sqliteOnly + `DROP TRIGGER scim_groups_deleted`,
		sqliteOnly + `CREATE TRIGGER scim_groups_deleted AFTER DELETE ON scim_groups BEGIN
			UPDATE scim_counts SET n = n - 1 WHERE tenant = OLD.tenant AND kind = 'groups'; END`,
	}, functionsOf0014()...),
		`DELETE FROM scim_schema_migrations WHERE version >= 16`,
	)
}

// functionsOf0014 returns PostgreSQL's migration 0014 functions as that
// migration creates them (CREATE OR REPLACE), read from its file.
func functionsOf0014() []string {
	body, err := os.ReadFile(filepath.Join("migrations", "postgres", "0014_tenant_counts.sql"))
	if err != nil {
		panic(err)
	}
	var qs []string
	for rest := string(body); ; {
		i := strings.Index(rest, "CREATE OR REPLACE FUNCTION")
		if i < 0 {
			return qs
		}
		rest = rest[i:]
		j := strings.Index(rest, "\n$$;")
		qs = append(qs, postgresOnly+rest[:j+len("\n$$")])
		rest = rest[j:]
	}
}

// undo0012 returns the statements that take a database back to schema
// version 11: PostgreSQL's feed entries numbered by the write that
// appends them, without scim_feed_pending.
func undo0012() []string {
	return append(undo0013(),
		postgresOnly+`DROP TABLE scim_feed_pending`,
		`DELETE FROM scim_schema_migrations WHERE version >= 12`,
	)
}

// nameIndexes returns the names of the indexes of scim_users and
// scim_groups, sorted.
func nameIndexes(t *testing.T, s *sqlstore.Store) []string {
	t.Helper()
	q := `SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('scim_users', 'scim_groups') AND sql IS NOT NULL ORDER BY name`
	if isPG(s) {
		q = `SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename IN ('scim_users', 'scim_groups') ORDER BY indexname`
	}
	return queryLines(t, s.DB(), q)
}

// TestUpgradeDropsFoldNameIndexes: schema version 13 drops the unique
// indexes of the folded names, on a new database and on one upgraded
// from version 12 with users and groups in it, and the names stay unique
// by their identity key: a name equal to a stored one under the fold, or
// only under the key (NFD, full width), is refused with a conflict that
// names the holder, a new name and a rename are stored, and a filter on
// the name finds the row.
func TestUpgradeDropsFoldNameIndexes(t *testing.T) {
	forEachDB(t, func(t *testing.T, db opener) {
		tc := store.WithTenant(ctx, "t")
		stored := func(s *sqlstore.Store) (userID, groupID string) {
			u, err := s.CreateUser(tc, &resources.User{UserName: "caf\u00e9"})
			require.NoError(t, err)
			g, err := s.CreateGroup(tc, &resources.Group{DisplayName: "\u00c9quipe"})
			require.NoError(t, err)
			return u.ID, g.ID
		}
		fresh := db.open(t, sqlstore.Config{})
		freshU, freshG := stored(fresh)
		dsn, old, _ := rewound(t, db, undo0013())
		require.Contains(t, nameIndexes(t, old), "scim_users_user_name", "rewound to version 12")
		oldU, oldG := stored(old)
		require.NoError(t, old.Close())
		upgraded, err := sqlstore.New(ctx, sqlstore.Config{DSN: dsn})
		require.NoError(t, err)
		t.Cleanup(func() { upgraded.Close() })
		for _, tt := range []struct {
			name            string
			s               *sqlstore.Store
			userID, groupID string
		}{
			{"fresh", fresh, freshU, freshG},
			{"upgraded", upgraded, oldU, oldG},
		} {
			s := tt.s
			t.Run(tt.name, func(t *testing.T) {
				v, err := s.SchemaVersion(ctx)
				require.NoError(t, err)
				assert.GreaterOrEqual(t, v, 13)
				for _, ix := range nameIndexes(t, s) {
					assert.NotContains(t, []string{"scim_users_user_name", "scim_groups_display_name"}, ix, "the folded names' unique indexes are gone")
				}
				assert.Subset(t, nameIndexes(t, s), []string{"scim_users_user_name_key", "scim_groups_display_name_key"}, "the keys' stay")
				for _, taken := range []string{"CAF\u00c9", "cafe\u0301", "CAFE\u0301"} {
					_, err := s.CreateUser(tc, &resources.User{UserName: taken})
					require.ErrorIs(t, err, store.ErrConflict, taken)
					assert.Contains(t, err.Error(), "caf\u00e9", "the conflict names the holder")
				}
				for _, taken := range []string{"\u00e9QUIPE", "E\u0301quipe"} {
					_, err := s.CreateGroup(tc, &resources.Group{DisplayName: taken})
					require.ErrorIs(t, err, store.ErrConflict, taken)
					assert.Contains(t, err.Error(), "\u00c9quipe", "the conflict names the holder")
				}
				other, err := s.CreateUser(tc, &resources.User{UserName: "joe"})
				require.NoError(t, err)
				_, err = s.ReplaceUser(tc, &resources.User{ID: other.ID, UserName: "Cafe\u0301"}, "")
				require.ErrorIs(t, err, store.ErrConflict, "a rename onto a taken name")
				_, err = s.ReplaceUser(tc, &resources.User{ID: tt.userID, UserName: "Caf\u00e9"}, "")
				require.NoError(t, err, "a rename within the name's own key")
				_, err = s.ReplaceGroup(tc, &resources.Group{ID: tt.groupID, DisplayName: "Team"}, "")
				require.NoError(t, err)
				p, err := s.ListUsers(tc, store.Query{Filter: mustParse(t, `userName eq "CAFE\u0301"`), StartIndex: 1, Count: 10})
				require.NoError(t, err)
				require.Len(t, p.Items, 1)
				assert.Equal(t, tt.userID, p.Items[0].ID)
				gp, err := s.ListGroups(tc, store.Query{Filter: mustParse(t, `displayName sw "TE"`), StartIndex: 1, Count: 10})
				require.NoError(t, err)
				require.Len(t, gp.Items, 1)
				assert.Equal(t, tt.groupID, gp.Items[0].ID)
			})
		}
	})
}

// undo0011 returns the statements that take a database back to schema
// version 10: SQLite's feed rows of one entry each, without more.
func undo0011() []string {
	return append(undo0012(),
		sqliteOnly+`ALTER TABLE scim_feed DROP COLUMN more`,
		`DELETE FROM scim_schema_migrations WHERE version >= 11`,
	)
}

// undo0010 returns the statements that take a database back to schema
// version 9: no partial index of nested groups by group.
func undo0010() []string {
	return append(undo0011(),
		`DROP INDEX scim_members_nested_groups`,
		`DELETE FROM scim_schema_migrations WHERE version >= 10`,
	)
}

// undo0009 returns the statements that take a database back to schema
// version 8: no tables of unique attribute values.
func undo0009() []string {
	return append(undo0010(),
		`DROP TABLE scim_user_unique`,
		`DROP TABLE scim_group_unique`,
		`DELETE FROM scim_schema_migrations WHERE version >= 9`,
	)
}

// undo0008 returns the statements that take a database back to schema
// version 7: the request log a table of rows (an empty one, in a form
// both dialects accept) instead of a ring.
func undo0008() []string {
	return append(undo0009(),
		`DROP TABLE scim_request_log`,
		`DROP TABLE scim_request_heads`,
		`CREATE TABLE scim_requests (tenant text NOT NULL, seq bigint NOT NULL, at timestamptz NOT NULL, request_id text NOT NULL DEFAULT '',
			method text NOT NULL DEFAULT '', path text NOT NULL DEFAULT '', status integer NOT NULL DEFAULT 0, scim_type text NOT NULL DEFAULT '',
			detail text NOT NULL DEFAULT '', latency_ns bigint NOT NULL DEFAULT 0, token_hint text NOT NULL DEFAULT '',
			warnings text NOT NULL DEFAULT '', PRIMARY KEY (tenant, seq))`,
		`DELETE FROM scim_schema_migrations WHERE version >= 8`,
	)
}

// undo0004 returns the statements that take a database back to schema
// version 3, as a database written before the identity keys is (the later
// migrations undone first).
func undo0004() []string {
	return append(undo0005(),
		`DROP INDEX scim_users_user_name_key`,
		`DROP INDEX scim_groups_display_name_key`,
		`ALTER TABLE scim_users DROP COLUMN user_name_key`,
		`ALTER TABLE scim_users DROP COLUMN user_name_dup`,
		`ALTER TABLE scim_groups DROP COLUMN display_name_key`,
		`ALTER TABLE scim_groups DROP COLUMN display_name_dup`,
		`DELETE FROM scim_schema_migrations WHERE version >= 4`,
	)
}

// rewound opens a new database of db and runs the statements undo that
// take it back to an older schema; it returns its DSN, the store (to
// close before reopening) and the dialect's placeholder. On a SQLite that
// cannot drop a column the test is skipped.
func rewound(t *testing.T, db opener, undo []string) (string, *sqlstore.Store, func(int) string) {
	t.Helper()
	dsn := db.dsn(t)
	s, err := sqlstore.New(ctx, sqlstore.Config{DSN: dsn})
	require.NoError(t, err)
	for _, q := range undo {
		q, onlySQLite := strings.CutPrefix(q, sqliteOnly)
		q, onlyPG := strings.CutPrefix(q, postgresOnly)
		if onlySQLite && isPG(s) || onlyPG && !isPG(s) {
			continue
		}
		_, err := s.DB().ExecContext(ctx, q)
		if err != nil && !isPG(s) {
			t.Skipf("this SQLite cannot rewind the schema: %v", err)
		}
		require.NoError(t, err, q)
	}
	return dsn, s, paramsOf(s)
}

// TestUpgradeFillsNameKeys: the upgrade to schema version 4 computes the
// identity key of every stored name. Names that were distinct under the
// old case fold and are one identity now are all kept (none lost, the
// upgrade does not fail); the newer of each pair is marked and listed by
// SharedNames, eq finds both, no new resource can take the name, the
// marked one can still be written, and once its twin is gone a Reindex
// gives it the key.
func TestUpgradeFillsNameKeys(t *testing.T) {
	forEachDB(t, func(t *testing.T, db opener) {
		dsn, s, ph := rewound(t, db, undo0004())
		raw := s.DB()
		type row struct{ tenant, id, name string }
		users := []row{
			{"t", "u1", "caf\u00e9"},          // NFC
			{"t", "u2", "cafe\u0301"},         // NFD: one identity with u1
			{"t", "u3", "\uff4a\uff4f\uff45"}, // full-width joe
			{"t", "u4", "Joe"},                // one identity with u3
			{"t", "u5", "Stra\u00dfe"},        // ß is not ss: distinct
			{"t", "u6", "strasse"},
			{"t2", "u7", "cafe\u0301"}, // another tenant
		}
		for _, u := range users {
			doc, err := json.Marshal(map[string]any{"userName": u.name})
			require.NoError(t, err)
			_, err = raw.ExecContext(ctx, `INSERT INTO scim_users (tenant, id, user_name, user_name_fold, display, display_fold, doc, q, created, last_modified, version)
				VALUES (`+ph(1)+`, `+ph(2)+`, `+ph(3)+`, `+ph(4)+`, `+ph(5)+`, `+ph(6)+`, `+ph(7)+`, '{}', `+ph(8)+`, `+ph(9)+`, 1)`,
				u.tenant, u.id, u.name, query.Fold(u.name), u.name, query.Fold(u.name), string(doc), nowArg(s), nowArg(s))
			require.NoError(t, err, u.id)
		}
		for _, g := range []row{{"t", "g1", "\u00c9quipe"}, {"t", "g2", "E\u0301quipe"}} {
			doc, err := json.Marshal(map[string]any{"displayName": g.name})
			require.NoError(t, err)
			_, err = raw.ExecContext(ctx, `INSERT INTO scim_groups (tenant, id, display_name, display_name_fold, doc, q, created, last_modified, version)
				VALUES (`+ph(1)+`, `+ph(2)+`, `+ph(3)+`, `+ph(4)+`, `+ph(5)+`, '{}', `+ph(6)+`, `+ph(7)+`, 1)`,
				g.tenant, g.id, g.name, query.Fold(g.name), string(doc), nowArg(s), nowArg(s))
			require.NoError(t, err, g.id)
		}
		require.NoError(t, s.Close())

		s2, err := sqlstore.New(ctx, sqlstore.Config{DSN: dsn})
		require.NoError(t, err, "the upgrade does not fail on names that became one")
		defer s2.Close()
		v, err := s2.SchemaVersion(ctx)
		require.NoError(t, err)
		assert.GreaterOrEqual(t, v, 4)

		shared, err := s2.SharedNames(ctx)
		require.NoError(t, err)
		assert.Equal(t, []sqlstore.SharedName{
			{Tenant: "t", ResourceType: "User", ID: "u2", Name: "cafe\u0301", OwnerID: "u1", OwnerName: "caf\u00e9"},
			{Tenant: "t", ResourceType: "User", ID: "u4", Name: "Joe", OwnerID: "u3", OwnerName: "\uff4a\uff4f\uff45"},
			{Tenant: "t", ResourceType: "Group", ID: "g2", Name: "E\u0301quipe", OwnerID: "g1", OwnerName: "\u00c9quipe"},
		}, shared)

		tc := store.WithTenant(ctx, "t")
		ids := func(f string) []string {
			t.Helper()
			e, err := filter.Parse(f)
			require.NoError(t, err)
			p, err := s2.ListUsers(tc, store.Query{Filter: e, StartIndex: 1, Count: 10})
			require.NoError(t, err)
			var out []string
			for _, u := range p.Items {
				out = append(out, u.ID)
			}
			return out
		}
		assert.Equal(t, []string{"u1", "u2"}, ids(`userName eq "CAFE`+"\u0301"+`"`), "eq finds every user of the identity")
		assert.Equal(t, []string{"u3", "u4"}, ids(`userName eq "JOE"`))
		assert.Equal(t, []string{"u6"}, ids(`userName eq "STRASSE"`), "\u00df is not ss")
		assert.Equal(t, []string{"u5"}, ids(`userName eq "STRA`+"\u00df"+`E"`))
		nothing := []string(nil)
		assert.Equal(t, nothing, ids(`userName eq "cafe"`))

		// A lookup of a unique name reads its total from its rows
		// (window): a shared name matches two, and every page of it still
		// has the total of both, users and groups, members read or not.
		for _, tt := range []struct {
			users, members    bool
			filter            string
			startIndex, count int
			want              []string
		}{
			{true, false, `userName eq "joe"`, 1, 10, []string{"u3", "u4"}},
			{true, false, `userName eq "joe"`, 1, 1, []string{"u3"}},
			{true, false, `userName eq "joe"`, 2, 1, []string{"u4"}},
			{true, false, `userName eq "joe"`, 3, 1, nil},
			{true, false, `userName eq "joe"`, 1, 0, nil},
			{false, true, `displayName eq "\u00e9quipe"`, 1, 1, []string{"g1"}},
			{false, true, `displayName eq "\u00e9quipe"`, 2, 5, []string{"g2"}},
			{false, false, `displayName eq "\u00e9quipe"`, 1, 1, []string{"g1"}},
			{false, false, `displayName eq "\u00e9quipe"`, 3, 5, nil},
		} {
			e, err := filter.Parse(tt.filter)
			require.NoError(t, err)
			q := store.Query{Filter: e, StartIndex: tt.startIndex, Count: tt.count, ExcludeMembers: !tt.members}
			var got []string
			var total int
			if tt.users {
				p, err := s2.ListUsers(tc, q)
				require.NoError(t, err)
				for _, u := range p.Items {
					got = append(got, u.ID)
				}
				total = p.Total
			} else {
				p, err := s2.ListGroups(tc, q)
				require.NoError(t, err)
				for _, g := range p.Items {
					got = append(got, g.ID)
					if tt.members {
						assert.NotNil(t, g.Members, "members read")
					}
				}
				total = p.Total
			}
			assert.Equal(t, tt.want, got, "%s startIndex=%d count=%d", tt.filter, tt.startIndex, tt.count)
			assert.Equal(t, 2, total, "%s startIndex=%d count=%d: the total of a shared name", tt.filter, tt.startIndex, tt.count)
		}

		// No new user takes a shared name; the message names the holder.
		_, err = s2.CreateUser(tc, &resources.User{UserName: "CAF\u00c9"})
		require.ErrorIs(t, err, store.ErrConflict)
		assert.Contains(t, err.Error(), "caf\u00e9")
		_, err = s2.CreateGroup(tc, &resources.Group{DisplayName: "\u00e9quipe"})
		require.ErrorIs(t, err, store.ErrConflict)

		// The marked user can still be written under its name...
		u2, err := s2.GetUser(tc, "u2", store.GetOptions{ExcludeGroups: true})
		require.NoError(t, err)
		u2.Title = "still here"
		_, err = s2.ReplaceUser(tc, u2, "")
		require.NoError(t, err)
		// ...and loses its mark with a name of its own.
		u4, err := s2.GetUser(tc, "u4", store.GetOptions{ExcludeGroups: true})
		require.NoError(t, err)
		u4.UserName = "joe.second"
		_, err = s2.ReplaceUser(tc, u4, "")
		require.NoError(t, err)
		// Its old name stays taken by u3.
		_, err = s2.CreateUser(tc, &resources.User{UserName: "joe"})
		require.ErrorIs(t, err, store.ErrConflict)

		// Once the older twin is gone, Reindex hands the key over.
		require.NoError(t, s2.DeleteUser(tc, "u1", ""))
		require.NoError(t, s2.Reindex(ctx))
		shared, err = s2.SharedNames(ctx)
		require.NoError(t, err)
		require.Len(t, shared, 1)
		assert.Equal(t, "g2", shared[0].ID)
		_, err = s2.CreateUser(tc, &resources.User{UserName: "caf\u00e9"})
		require.ErrorIs(t, err, store.ErrConflict, "u2 holds the name now")
		assert.Equal(t, []string{"u2"}, ids(`userName eq "caf`+"\u00e9"+`"`))

		// Another tenant's name was never shared.
		p, err := s2.ListUsers(store.WithTenant(ctx, "t2"), store.Query{StartIndex: 1, Count: 10})
		require.NoError(t, err)
		require.Len(t, p.Items, 1)
	})
}

// TestNameConflictDetail: a conflict names the name in the way, on
// create and on replace, for users and groups.
func TestNameConflictDetail(t *testing.T) {
	forEachDB(t, func(t *testing.T, db opener) {
		s := db.open(t, sqlstore.Config{})
		c := tctx()
		_, err := s.CreateUser(c, &resources.User{UserName: "caf\u00e9"})
		require.NoError(t, err)
		_, err = s.CreateUser(c, &resources.User{UserName: "cafe\u0301"})
		require.ErrorIs(t, err, store.ErrConflict)
		assert.Equal(t, query.NameConflict("userName", "cafe\u0301", "caf\u00e9").Error(), err.Error())
		b, err := s.CreateUser(c, &resources.User{UserName: "bob"})
		require.NoError(t, err)
		b.UserName = "CAF\u00c9"
		_, err = s.ReplaceUser(c, b, "")
		require.ErrorIs(t, err, store.ErrConflict)
		assert.Equal(t, query.NameConflict("userName", "CAF\u00c9", "caf\u00e9").Error(), err.Error())
		_, err = s.UpdateUser(c, b.ID, "", func(cur *resources.User) (*resources.User, error) {
			cur.UserName = "Caf\u00e9"
			return cur, nil
		})
		require.ErrorIs(t, err, store.ErrConflict)
		assert.Contains(t, err.Error(), `"caf\u00e9"`)

		_, err = s.CreateGroup(c, &resources.Group{DisplayName: "Admins"})
		require.NoError(t, err)
		_, err = s.CreateGroup(c, &resources.Group{DisplayName: "\uff41\uff44\uff4d\uff49\uff4e\uff53"})
		require.ErrorIs(t, err, store.ErrConflict)
		assert.Equal(t, query.NameConflict("displayName", "\uff41\uff44\uff4d\uff49\uff4e\uff53", "Admins").Error(), err.Error())
	})
}
