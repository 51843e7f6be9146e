package sqlstore_test

import (
	"encoding/binary"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/resources"
)

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
		rows, err := s.DB().Query(q, pages...)
		require.NoError(t, err)
		defer rows.Close()
		var out []string
		for rows.Next() {
			var name string
			require.NoError(t, rows.Scan(&name))
			if strings.Contains(name, "app_") {
				out = append(out, name)
			}
		}
		require.NoError(t, rows.Err())
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
