package sqlstore_test

import (
	"encoding/binary"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store/sqlstore"
)

// sqliteBridge opens a SQLite store whose bridge maps hostSchema
// (hostTables, soft deletes), its tables created, closed when t ends; it
// returns the store, its bridge and its DSN (the database's path).
func sqliteBridge(t *testing.T) (*sqlstore.Store, *sqlstore.Bridge, string) {
	t.Helper()
	dsn := databases()[0].dsn(t)
	bridge, err := hostTables(true, false).Bridge(dsn)
	require.NoError(t, err)
	s, err := sqlstore.New(ctx, sqlstore.Config{DSN: dsn, Bridge: bridge})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	for _, q := range hostSchema(false, false) {
		_, err := s.DB().Exec(q)
		require.NoError(t, err)
	}
	return s, bridge, dsn
}

// walBTrees returns the names of the B-trees (tables and indexes) of
// the SQLite store s (its file dsn) whose pages its WAL holds, in order.
func walBTrees(t *testing.T, s *sqlstore.Store, dsn string) []string {
	t.Helper()
	wal, err := os.ReadFile(dsn + "-wal")
	require.NoError(t, err)
	var pageSize int
	require.NoError(t, s.DB().QueryRow(`PRAGMA page_size`).Scan(&pageSize))
	header, frame := 32, 24+pageSize // the WAL's header, then each frame's and its page
	var pages []any
	for off := header; off+frame <= len(wal); off += frame {
		pages = append(pages, binary.BigEndian.Uint32(wal[off:]))
	}
	require.NotEmpty(t, pages, "the write committed nothing")
	q := `SELECT DISTINCT name FROM dbstat WHERE pageno IN (?` + strings.Repeat(`, ?`, len(pages)-1) + `) ORDER BY name`
	return queryLines(t, s.DB(), q, pages...)
}

// bareParam finds a comparison of an operand (its first group) with a
// bare parameter.
var bareParam = regexp.MustCompile(`([^\s(]+) (?:=|<>|<|>|<=|>=) \?\d`)

// TestHostTablesSQLitePlans: on SQLite, with and without the statistics
// of ANALYZE, each of the bridge's statements over hostSchema finds its
// rows through the index meant for it (the adoption probe through
// lower(email), in key order without a sort, and a team's through
// lower(name); a user's or team's row, its memberships and a member
// change's users through the SCIM id) and scans no table of the host,
// and compares no indexed column with a bare parameter (qb.val).
func TestHostTablesSQLitePlans(t *testing.T) {
	s, bridge, _ := sqliteBridge(t)
	tx, err := s.DB().Begin()
	require.NoError(t, err)
	for i := range 2000 {
		_, err := tx.Exec(`INSERT INTO app_users (email, scim_id) VALUES (?1, ?2)`, fmt.Sprintf("app%06d@example.com", i), map[bool]any{true: fmt.Sprint("id-", i), false: nil}[i%2 == 0])
		require.NoError(t, err)
	}
	// A few teams and join rows: statistics of a join table that was
	// small when analyzed (a host's ANALYZE early on, which SQLite does
	// not refresh as the table grows) made the planner scan it for a
	// deletion's memberships rather than probe its index.
	for i := range 4 {
		_, err := tx.Exec(`INSERT INTO app_teams (scim_id, name) VALUES (?1, ?2)`, fmt.Sprint("team-", i), fmt.Sprint("Team ", i))
		require.NoError(t, err)
		for k := range 5 {
			_, err := tx.Exec(`INSERT INTO app_team_members (team_id, user_id) VALUES (?1, ?2)`, i+1, 2*(5*i+k)+1)
			require.NoError(t, err)
		}
	}
	require.NoError(t, tx.Commit())
	stmts := bridge.SQLForTest()
	want := map[string][]string{
		"userAdopt":     {"SEARCH app_users USING INTEGER PRIMARY KEY", "SEARCH app_users USING INDEX app_users_adopt (<expr>=?)"},
		"userUpdate":    {"SEARCH app_users USING INDEX app_users_scim_id (scim_id=?)"},
		"userDelete":    {"SEARCH app_users USING INDEX app_users_scim_id (scim_id=?)"},
		"userDrop":      {"SEARCH app_team_members USING COVERING INDEX app_team_members_user (user_id=?)", "SEARCH app_users USING INDEX app_users_scim_id (scim_id=?)"},
		"membersAdd":    {"SEARCH u USING INDEX app_users_scim_id (scim_id=?)", "SEARCH g USING INDEX app_teams_scim_id (scim_id=?)"},
		"membersRemove": {"SEARCH app_team_members USING COVERING INDEX sqlite_autoindex_app_team_members_1 (team_id=? AND user_id=?)", "SEARCH app_teams USING INDEX app_teams_scim_id (scim_id=?)", "SEARCH u USING INDEX app_users_scim_id (scim_id=?)"},
		"groupAdopt":    {"SEARCH app_teams USING INTEGER PRIMARY KEY", "SEARCH app_teams USING INDEX app_teams_adopt (<expr>=?)"},
		"groupUpdate":   {"SEARCH app_teams USING INDEX app_teams_scim_id (scim_id=?)"},
		"groupDelete":   {"SEARCH app_teams USING INDEX app_teams_scim_id (scim_id=?)"},
		"groupDrop":     {"SEARCH app_team_members USING COVERING INDEX sqlite_autoindex_app_team_members_1 (team_id=?)", "SEARCH app_teams USING INDEX app_teams_scim_id (scim_id=?)"},
		// A value of several spellings (adoptSpellings): a probe each.
		"userAdoptSpelled":  {"SEARCH app_users USING INTEGER PRIMARY KEY", "SEARCH app_users USING INDEX app_users_adopt (<expr>=?)"},
		"groupAdoptSpelled": {"SEARCH app_teams USING INTEGER PRIMARY KEY", "SEARCH app_teams USING INDEX app_teams_adopt (<expr>=?)"},
	}
	for _, stats := range []bool{false, true} {
		if stats {
			_, err := s.DB().Exec(`ANALYZE`)
			require.NoError(t, err)
		}
		for name, steps := range want {
			t.Run(fmt.Sprintf("%s, statistics %v", name, stats), func(t *testing.T) {
				q, ok := stmts[name]
				require.True(t, ok, "the bridge has no %s", name)
				// A value compared with an indexed column as a bare
				// parameter is looked up in sqlite_stat4 once ANALYZE has
				// run, and the statement compiled again on every run
				// (qb.val); a column written unindexed (+col) is looked
				// up in no index.
				if _, where, ok := strings.Cut(q, " WHERE "); ok {
					for _, m := range bareParam.FindAllStringSubmatch(where, -1) {
						assert.True(t, strings.HasPrefix(m[1], "+"), "%s compared with the bare parameter of %q in %s", m[1], m[0], q)
					}
				}
				plan := sqlitePlan(t, s, q)
				all := strings.Join(plan, "\n")
				for _, step := range steps {
					assert.Contains(t, all, step, "%s:\n%s", q, all)
				}
				assert.NotContains(t, all, "TEMP B-TREE", "a sort:\n%s", all)
				for _, line := range plan {
					assert.False(t, strings.HasPrefix(line, "SCAN app_") || strings.HasPrefix(line, "SCAN u") || strings.HasPrefix(line, "SCAN g"), "a scan of a host table: %s\n%s", line, all)
				}
			})
		}
	}
}

// TestHostTablesSQLitePages: on SQLite, what a write commits to the WAL
// for the host's tables is the pages of the B-trees whose rows it
// changes, and no other: SQLite rewrites the index entry of every column
// an UPDATE sets, changed or not, so the bridge sets only the columns it
// writes (a team's rename once also set the team's SCIM id to itself,
// one page more in each commit). Each write runs on a checkpointed WAL,
// whose frames then name the pages it wrote (dbstat names their B-trees).
func TestHostTablesSQLitePages(t *testing.T) {
	s, _, dsn := sqliteBridge(t)
	alice, err := s.CreateUser(ctx, &resources.User{UserName: "alice@example.com", Active: resources.Bool(true)})
	require.NoError(t, err)
	bob, err := s.CreateUser(ctx, &resources.User{UserName: "bob@example.com", Active: resources.Bool(true)})
	require.NoError(t, err)
	g, err := s.CreateGroup(ctx, &resources.Group{DisplayName: "Eng", Members: memberList([]string{alice.ID})})
	require.NoError(t, err)

	// written returns the host's B-trees whose pages the WAL holds.
	written := func(t *testing.T) []string {
		t.Helper()
		var out []string
		for _, name := range walBTrees(t, s, dsn) {
			if strings.Contains(name, "app_") {
				out = append(out, name)
			}
		}
		return out
	}
	for _, tc := range []struct {
		name  string
		write func() error
		want  []string
	}{
		{"PATCH active", func() error {
			u := *alice
			u.Active = resources.Bool(false)
			_, err := s.ReplaceUser(ctx, &u, "")
			return err
		}, []string{"app_users"}},
		{"rename a group", func() error {
			r := *g
			r.DisplayName = "Engineering"
			_, err := s.ReplaceGroup(ctx, &r, "")
			return err
		}, []string{"app_teams", "app_teams_adopt"}},
		{"add a member", func() error {
			_, err := s.ModifyMembers(ctx, g.ID, []string{bob.ID}, nil, "")
			return err
		}, []string{"app_team_members", "app_team_members_user", "sqlite_autoindex_app_team_members_1"}},
		// A soft delete moves the row out of the partial indexes of the
		// SCIM id and of the live accounts' addresses; bob's join row
		// goes too.
		{"DELETE user", func() error { return s.DeleteUser(ctx, bob.ID, "") },
			[]string{"app_team_members", "app_team_members_user", "app_users", "app_users_email", "app_users_scim_id", "sqlite_autoindex_app_team_members_1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.DB().Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
			require.NoError(t, err)
			require.NoError(t, tc.write())
			got := written(t)
			assert.True(t, slices.Equal(tc.want, got), "the host's B-trees written: want %v, got %v", tc.want, got)
		})
	}
}
