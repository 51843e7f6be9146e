package sqlstore_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/sqlstore"
)

// TestModifyMembersCheckedAsModifyMembers: a ModifyMembersChecked whose
// check passes hands Config.OnChange and Config.Bridge exactly what
// ModifyMembers hands them for the same change of a twin group, with the
// change feed off and on, and one whose check fails hands them nothing.
func TestModifyMembersCheckedAsModifyMembers(t *testing.T) {
	forEachDB(t, func(t *testing.T, db opener) {
		for _, mode := range []string{"feed off", "OnChange", "Bridge", "Bridge as OnChange"} {
			t.Run(mode, func(t *testing.T) { checkedAsModifyMembers(t, db, mode) })
		}
	})
}

func checkedAsModifyMembers(t *testing.T, db opener, mode string) {
	var (
		mu    sync.Mutex
		calls []string // what OnChange was handed, group names as "G"
		s     *sqlstore.Store
	)
	record := func(_ context.Context, _ *sql.Tx, c sqlstore.Change) error {
		ms := slices.Clone(c.Members)
		slices.Sort(ms)
		after := ""
		if c.GroupAfter != nil {
			after = c.GroupAfter.DisplayName
		}
		mu.Lock()
		calls = append(calls, fmt.Sprintf("%s %v %d", c.Kind, ms, len(after)))
		mu.Unlock()
		return nil
	}
	hostRows := func(team string) []string { return nil }
	switch mode {
	case "feed off":
		s = db.open(t, sqlstore.Config{})
	case "OnChange":
		s = db.open(t, sqlstore.Config{ChangeFeed: true, OnChange: record})
	default:
		s, _ = newHostStore(t, db, hostTables(true, false), false, mode == "Bridge as OnChange", true)
		hostRows = func(team string) []string {
			return rowsOf(t, s.DB(), `SELECT u.email FROM app_team_members m JOIN app_teams t ON t.id = m.team_id JOIN app_users u ON u.id = m.user_id WHERE t.name = `+
				paramsOf(s)(1)+` ORDER BY u.email`, team)
		}
	}
	c := tctx()
	var uids []string
	for i := range 4 {
		u, err := s.CreateUser(c, &resources.User{UserName: fmt.Sprintf("u%d@example.com", i), Active: ptr(true)})
		require.NoError(t, err)
		uids = append(uids, u.ID)
	}
	two := []resources.Member{{Value: uids[0]}, {Value: uids[1]}}
	plain, err := s.CreateGroup(c, &resources.Group{DisplayName: "plain", Members: two})
	require.NoError(t, err)
	twin, err := s.CreateGroup(c, &resources.Group{DisplayName: "twinn", Members: two}) // as long a name: OnChange records its length
	require.NoError(t, err)
	sub, err := s.CreateGroup(c, &resources.Group{DisplayName: "sub"})
	require.NoError(t, err)
	take := func() []string {
		mu.Lock()
		defer mu.Unlock()
		out := calls
		calls = nil
		return out
	}
	members := func(g *resources.Group) []string {
		got, err := s.GetGroup(c, g.ID, store.GetOptions{})
		require.NoError(t, err)
		out := make([]string, len(got.Members))
		for i, m := range got.Members {
			out[i] = m.Value
		}
		return out
	}
	take()
	for i, call := range []struct{ add, remove []string }{
		{add: []string{uids[2], uids[0], uids[2], "00000000-0000-4000-8000-000000000000", sub.ID}, remove: []string{uids[1]}},
		{add: []string{uids[3]}},                        // one member: PostgreSQL's one-statement change
		{remove: []string{uids[0]}},                     // likewise
		{add: []string{uids[3]}, remove: []string{"x"}}, // nothing to do
	} {
		var repA, repB store.Report
		_, err := s.ModifyMembers(store.WithReport(c, &repA), plain.ID, call.add, call.remove, "")
		require.NoError(t, err, "call %d", i)
		want := take()
		_, err = s.ModifyMembersChecked(store.WithReport(c, &repB), twin.ID, call.add, call.remove, "", func(cur *resources.Group) error {
			if cur.DisplayName != "twinn" {
				return fmt.Errorf("check saw %q", cur.DisplayName)
			}
			return nil
		})
		require.NoError(t, err, "call %d", i)
		assert.Equal(t, want, take(), "call %d: OnChange (the bridge) is handed what ModifyMembers hands it", i)
		addA, remA := repA.Members()
		addB, remB := repB.Members()
		assert.Equal(t, []any{repA.Filled, addA, remA}, []any{repB.Filled, addB, remB}, "call %d: the same report", i)
		assert.Equal(t, members(plain), members(twin), "call %d: the same members", i)
		assert.Equal(t, hostRows("plain"), hostRows("twinn"), "call %d: the host's join rows are the same", i)
		if i == 0 {
			switch mode {
			case "OnChange":
				assert.NotEmpty(t, want, "ModifyMembers hands OnChange its entries")
			case "Bridge", "Bridge as OnChange":
				assert.Len(t, hostRows("twinn"), 2, "the bridge wrote the join rows")
			}
		}
	}
	head := feedHead(t, s)
	rows := hostRows("twinn")
	refused := errors.New("refused")
	_, err = s.ModifyMembersChecked(c, twin.ID, []string{uids[0]}, []string{uids[3]}, "", func(*resources.Group) error { return refused })
	require.Equal(t, refused, err, "check's error, unwrapped")
	assert.Empty(t, take(), "a refused change hands OnChange nothing")
	assert.Equal(t, rows, hostRows("twinn"), "a refused change writes no host row")
	assert.Equal(t, head, feedHead(t, s), "a refused change appends nothing")
}

// feedHead is the default tenant's last feed entry, 0 without a feed.
func feedHead(t *testing.T, s *sqlstore.Store) int64 {
	if s.Feed() == nil {
		return 0
	}
	sts, err := s.Feed().FeedStatus(context.Background())
	require.NoError(t, err)
	for _, st := range sts {
		if st.Tenant == "" {
			return st.Head
		}
	}
	return 0
}
