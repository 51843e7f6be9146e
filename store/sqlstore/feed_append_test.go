package sqlstore_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/sqlstore"
)

// TestSQLiteMultiEntryAppend: on SQLite a write of two to four entries
// appends them in one INSERT whose rows each read the tenant's last Seq
// (sqliteAppendN). That numbers them one by one only because SQLite
// computes every row of a VALUES list reading the table it inserts into
// before it inserts the first (a temporary table in the plan): the test
// holds SQLite to that plan, and the writes of 1 to 5 entries (5: a read
// of the last Seq and a multi-row INSERT) to their numbering, each in one
// statement of the feed's.
func TestSQLiteMultiEntryAppend(t *testing.T) {
	dsn := sqliteDSN(t)
	s, log, err := sqlstore.NewCountingForTest(ctx, sqlstore.Config{DSN: dsn, ChangeFeed: true})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })

	for n := 2; n <= 4; n++ {
		args := make([]any, 2+5*n)
		for i := range args {
			args[i] = ""
		}
		rows, err := s.DB().QueryContext(ctx, "EXPLAIN "+sqlstore.SQLiteAppendForTest(n), args...)
		require.NoError(t, err)
		ephemeral := 0
		for rows.Next() {
			var (
				addr, p1, p2, p3, p5 int
				op                   string
				p4, comment          any
			)
			require.NoError(t, rows.Scan(&addr, &op, &p1, &p2, &p3, &p4, &p5, &comment))
			if op == "OpenEphemeral" {
				ephemeral++
			}
		}
		require.NoError(t, rows.Close())
		assert.Equal(t, 1, ephemeral, "%d entries: the rows are computed into a temporary table before the first is inserted", n)
	}

	tctx := store.WithTenant(ctx, "t")
	feedStatements := func() int {
		n := 0
		for _, e := range log.Take() {
			if strings.Contains(e.SQL, "scim_feed") {
				n++
			}
		}
		return n
	}
	u, err := s.CreateUser(tctx, &resources.User{UserName: "ann", Active: ptr(true)})
	require.NoError(t, err)
	var groups []string
	for i := range 4 {
		g, err := s.CreateGroup(tctx, &resources.Group{DisplayName: fmt.Sprint("g", i), Members: []resources.Member{{Value: u.ID}}})
		require.NoError(t, err)
		groups = append(groups, g.ID)
	}
	log.Take()
	_, err = s.UpdateUser(tctx, u.ID, "", func(cur *resources.User) (*resources.User, error) {
		cur.Active = ptr(false)
		return cur, nil
	})
	require.NoError(t, err)
	assert.Equal(t, 1, feedStatements(), "a deactivation's two entries: one statement")
	require.NoError(t, s.DeleteUser(tctx, u.ID, ""))
	assert.Equal(t, 2, feedStatements(), "five entries: a read of the last Seq and an INSERT")
	v, err := s.CreateUser(tctx, &resources.User{UserName: "bob"})
	require.NoError(t, err)
	_, err = s.ModifyMembers(tctx, groups[0], []string{v.ID}, nil, "")
	require.NoError(t, err)
	log.Take()
	require.NoError(t, s.DeleteUser(tctx, v.ID, ""))
	assert.Equal(t, 1, feedStatements(), "two entries (deleted, removed from its group): one statement")

	kinds := feedKinds(t, tctx, s)
	assert.Equal(t, []store.ChangeKind{store.UserCreated,
		store.GroupCreated, store.MembersAdded, store.GroupCreated, store.MembersAdded,
		store.GroupCreated, store.MembersAdded, store.GroupCreated, store.MembersAdded,
		store.UserUpdated, store.UserDeactivated,
		store.UserDeleted, store.MembersRemoved, store.MembersRemoved, store.MembersRemoved, store.MembersRemoved,
		store.UserCreated, store.MembersAdded, store.UserDeleted, store.MembersRemoved}, kinds)
}

// TestFeedListEncoding: an entry's attributes and members are stored as
// json.Marshal writes them, with or without its help.
func TestFeedListEncoding(t *testing.T) {
	for _, list := range [][]string{
		{"name"},
		{"active", "name.givenName", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"},
		{"2819c223-7f76-453a-919d-413861904646", ""},
		{`a"b`, `c\d`, "<&>", "tab\t", "é", "\u2028", "\xff"},
	} {
		want, err := json.Marshal(list)
		require.NoError(t, err)
		assert.Equal(t, string(want), sqlstore.JSONListForTest(list), "%q", list)
	}
	assert.Nil(t, sqlstore.JSONListForTest(nil))
}

// feedKinds returns the kinds of the feed entries of ctx's tenant in
// order, and requires them numbered 1..N without a gap.
func feedKinds(t *testing.T, ctx context.Context, s *sqlstore.Store) []store.ChangeKind {
	t.Helper()
	entries, err := s.Feed().Changes(ctx, 0, 100)
	require.NoError(t, err)
	kinds := make([]store.ChangeKind, len(entries))
	for i, e := range entries {
		require.Equal(t, int64(i+1), e.Seq, "entry %d (%s)", i, e.Kind)
		kinds[i] = e.Kind
	}
	return kinds
}
