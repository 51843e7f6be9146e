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

// TestSQLiteMultiEntryAppend: on SQLite a write of several entries
// appends them as one row of scim_feed (migration 0011), numbered after
// the tenant's last Seq inside the INSERT (sqliteAppend), in one
// statement of the feed's whatever their number: a plain VALUES row,
// which SQLite inserts as it computes it (no temporary table in the
// plan). Read back, the rows give every entry, numbered one by one.
func TestSQLiteMultiEntryAppend(t *testing.T) {
	dsn := sqliteDSN(t)
	s, log, err := sqlstore.NewCountingForTest(ctx, sqlstore.Config{DSN: dsn, ChangeFeed: true})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })

	args := make([]any, 9)
	for i := range args {
		args[i] = ""
	}
	rows, err := s.DB().QueryContext(ctx, "EXPLAIN "+sqlstore.SQLiteAppendForTest, args...)
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
	assert.Zero(t, ephemeral, "the row is inserted as it is computed, without a temporary table")

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
	assert.Equal(t, 1, feedStatements(), "five entries (deleted, removed from four groups): one statement")
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
	var rowCount int
	require.NoError(t, s.DB().QueryRowContext(ctx, `SELECT count(*) FROM scim_feed`).Scan(&rowCount))
	assert.Equal(t, 10, rowCount, "a row a write: ann, four groups, her deactivation and deletion, bob, his group's change, his deletion")
}

// TestFeedListEncoding: an entry's attributes and members are stored,
// and SQLite's member statements bind their lists of ids, as
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
		assert.Equal(t, string(want), sqlstore.SQLiteListArgForTest(list), "a member statement's list %q", list)
		pairs := make([][2]string, len(list))
		types := make([]string, len(list))
		for i := range list {
			types[i] = list[len(list)-1-i]
			pairs[i] = [2]string{list[i], types[i]}
		}
		want, err = json.Marshal(pairs)
		require.NoError(t, err)
		assert.Equal(t, string(want), sqlstore.SQLitePairsArgForTest(list, types), "a member insert's pairs of %q", list)
	}
	assert.Nil(t, sqlstore.JSONListForTest(nil))
	for _, empty := range [][]string{nil, {}} {
		assert.Equal(t, "[]", sqlstore.SQLiteListArgForTest(empty), "a member statement's empty list")
	}
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

// TestSQLiteFeedRowsUpgrade: a SQLite database whose feed was written a
// row an entry (before migration 0011) reads the same after the upgrade,
// and its writes number on after its entries.
func TestSQLiteFeedRowsUpgrade(t *testing.T) {
	dsn, s, _ := rewound(t, databases()[0], undo0011())
	_, err := s.DB().ExecContext(ctx, `INSERT INTO scim_feed (tenant, seq, at, kind, resource_id, version, attrs, members) VALUES
		('t', 1, ?1, 'user.created', 'u1', 'W/"1"', NULL, NULL),
		('t', 2, ?1, 'user.updated', 'u1', 'W/"2"', '["active"]', NULL),
		('t', 3, ?1, 'user.deactivated', 'u1', 'W/"2"', NULL, NULL)`, nowArg(s))
	require.NoError(t, err)
	require.NoError(t, s.Close())

	s2 := openAt(t, sqlstore.Config{DSN: dsn, ChangeFeed: true})
	tctx := store.WithTenant(ctx, "t")
	u := createDeactivated(t, tctx, s2, "ann")
	assert.Equal(t, []store.ChangeKind{store.UserCreated, store.UserUpdated, store.UserDeactivated,
		store.UserCreated, store.UserUpdated, store.UserDeactivated}, feedKinds(t, tctx, s2))
	page, err := s2.Feed().Changes(tctx, 2, 3)
	require.NoError(t, err)
	require.Len(t, page, 3)
	assert.Equal(t, []string{"u1", u.ID, u.ID}, []string{page[0].ID, page[1].ID, page[2].ID})
	assert.Equal(t, []string{"active"}, page[2].Attributes)
}

// createDeactivated creates a user named name in the tenant of tctx and
// deactivates it: three feed entries (created; updated and deactivated,
// one write's two).
func createDeactivated(t *testing.T, tctx context.Context, s *sqlstore.Store, name string) *resources.User {
	t.Helper()
	u, err := s.CreateUser(tctx, &resources.User{UserName: name, Active: ptr(true)})
	require.NoError(t, err)
	_, err = s.UpdateUser(tctx, u.ID, "", func(cur *resources.User) (*resources.User, error) {
		cur.Active = ptr(false)
		return cur, nil
	})
	require.NoError(t, err)
	return u
}

// TestLargeWriteFeedRows: a user deleted from hundreds of groups appends
// its entries as rows of at most 64 (SQLite), so that a reader of one
// entry at a time decodes at most a row's worth, not the whole write's:
// the allocations of a read of limit 1 stay under what decoding the
// write's 601 entries would cost (each several strings). PostgreSQL gets
// every entry numbered one by one, in one statement whatever their
// number.
func TestLargeWriteFeedRows(t *testing.T) {
	const groups = 600
	for _, db := range databases() {
		t.Run(db.name, func(t *testing.T) {
			s := db.open(t, sqlstore.Config{ChangeFeed: true})
			tctx := store.WithTenant(ctx, "t")
			u, err := s.CreateUser(tctx, &resources.User{UserName: "ann"})
			require.NoError(t, err)
			for i := range groups {
				_, err := s.CreateGroup(tctx, &resources.Group{DisplayName: fmt.Sprint("g", i), Members: []resources.Member{{Value: u.ID}}})
				require.NoError(t, err)
			}
			head, err := s.Feed().Changes(tctx, 0, 10*groups)
			require.NoError(t, err)
			before := head[len(head)-1].Seq
			require.NoError(t, s.DeleteUser(tctx, u.ID, ""))

			all, err := s.Feed().Changes(tctx, before, 10*groups)
			require.NoError(t, err)
			require.Len(t, all, groups+1)
			assert.Equal(t, store.UserDeleted, all[0].Kind)
			for i, c := range all {
				require.Equal(t, before+1+int64(i), c.Seq, "entry %d", i)
				if i > 0 {
					require.Equal(t, store.MembersRemoved, c.Kind, "entry %d", i)
					require.Equal(t, []string{u.ID}, c.Members, "entry %d", i)
				}
			}
			for _, after := range []int64{before, before + 1, before + 63, before + 64, before + 65, before + groups} {
				page, err := s.Feed().Changes(tctx, after, 1)
				require.NoError(t, err)
				require.Len(t, page, 1, "after %d", after)
				assert.Equal(t, all[after-before], page[0], "after %d", after)
			}
			if isPG(s) {
				return
			}
			var biggest int
			require.NoError(t, s.DB().QueryRowContext(ctx, `SELECT max(1 + COALESCE(json_array_length(more), 0)) FROM scim_feed`).Scan(&biggest))
			assert.Equal(t, 64, biggest, "a row holds at most 64 entries")
			allocs := testing.AllocsPerRun(5, func() {
				_, err := s.Feed().Changes(tctx, before+groups-1, 1)
				require.NoError(t, err)
			})
			assert.Less(t, allocs, float64(1000), "a read of one entry decodes one row of at most 64, not the write's %d", groups+1)
		})
	}
}

// TestHugeWriteFeedAppend: a write of 11,000 entries (a user deleted from
// 11,000 groups) appends them all, numbered one by one: on PostgreSQL
// more than 65,535 bound parameters if each entry had its own, on SQLite
// more rows than fit one row's bound.
func TestHugeWriteFeedAppend(t *testing.T) {
	const n = 11000
	for _, db := range databases() {
		t.Run(db.name, func(t *testing.T) {
			s := db.open(t, sqlstore.Config{ChangeFeed: true})
			changes := make([]store.Change, n)
			changes[0] = store.Change{Kind: store.UserDeleted, ID: "u", Version: `W/"1"`}
			for i := 1; i < n; i++ {
				changes[i] = store.Change{Kind: store.MembersRemoved, ID: fmt.Sprint("g", i), Version: `W/"2"`, Members: []string{"u"}}
			}
			require.NoError(t, s.AppendFeedForTest(ctx, "t", changes))
			got, err := s.Feed().Changes(store.WithTenant(ctx, "t"), 0, 2*n)
			require.NoError(t, err)
			require.Len(t, got, n)
			for i, c := range got {
				require.Equal(t, int64(i+1), c.Seq, "entry %d", i)
				require.Equal(t, changes[i].Kind, c.Kind, "entry %d", i)
				require.Equal(t, changes[i].ID, c.ID, "entry %d", i)
				require.Equal(t, changes[i].Members, c.Members, "entry %d", i)
			}
		})
	}
}
