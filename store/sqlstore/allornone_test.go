package sqlstore_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/sqlstore"
)

// TestMemberChangesReportedWithoutReadingBack: a member change of
// several ids reports (store.Report, the feed's entries, Config.Bridge's
// MembersAdded and MembersRemoved) exactly the ids it added and removed,
// whichever of them were members before, and on SQLite finds them from
// its count of rows changed when it changed every id named or none of
// them, without reading the rows back (RETURNING); only a change that
// finds some of them members and some not reads them back. A group's
// membership is what the change asked for either way.
func TestMemberChangesReportedWithoutReadingBack(t *testing.T) {
	forEachDB(t, func(t *testing.T, db opener) {
		s, log, err := sqlstore.NewCountingForTest(ctx, sqlstore.Config{DSN: db.dsn(t)})
		require.NoError(t, err)
		t.Cleanup(func() { s.Close() })
		u := make([]string, 7)
		for i := 1; i < len(u); i++ {
			got, err := s.CreateUser(ctx, &resources.User{UserName: "u" + string(rune('0'+i)) + "@example.com"})
			require.NoError(t, err)
			u[i] = got.ID
		}
		ids := func(ks ...int) []string {
			out := make([]string, 0, len(ks))
			for _, k := range ks {
				out = append(out, u[k])
			}
			return out
		}
		for _, tc := range []struct {
			name                string
			members             []int // before the change
			add, remove         []int
			wantAdded, wantGone []int // in the report; nil: no such entry
			readBack            bool  // SQLite reads the rows back (RETURNING)
		}{
			{name: "three added", members: []int{1}, add: []int{2, 3, 4}, wantAdded: []int{2, 3, 4}},
			{name: "one of three a member", members: []int{1, 2}, add: []int{2, 3, 4}, wantAdded: []int{3, 4}, readBack: true},
			{name: "all three members", members: []int{1, 2, 3}, add: []int{1, 2, 3}, readBack: true},
			{name: "an id twice", members: []int{1}, add: []int{2, 3, 2}, wantAdded: []int{2, 3}},
			{name: "three removed", members: []int{1, 2, 3, 4}, remove: []int{1, 2, 3}, wantGone: []int{1, 2, 3}},
			{name: "one of three not a member", members: []int{1, 2}, remove: []int{1, 2, 3}, wantGone: []int{1, 2}, readBack: true},
			{name: "none of two a member", members: []int{1}, remove: []int{4, 5}, readBack: true},
			{name: "removed twice", members: []int{1, 2, 3}, remove: []int{2, 3, 2}, wantGone: []int{2, 3}},
			{name: "three in, three out", members: []int{1, 2, 3}, add: []int{4, 5, 6}, remove: []int{1, 2, 3}, wantAdded: []int{4, 5, 6}, wantGone: []int{1, 2, 3}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				g, err := s.CreateGroup(ctx, &resources.Group{DisplayName: tc.name, Members: memberList(ids(tc.members...))})
				require.NoError(t, err)
				log.Take()
				var r store.Report
				_, err = s.ModifyMembers(store.WithReport(ctx, &r), g.ID, ids(tc.add...), ids(tc.remove...), "")
				require.NoError(t, err)
				readBack := false
				for _, e := range log.Take() {
					readBack = readBack || strings.Contains(e.SQL, "RETURNING member_id")
				}
				added, gone := r.Members()
				slices.Sort(added)
				slices.Sort(gone)
				want := func(ks []int) []string {
					if ks == nil {
						return nil
					}
					w := ids(ks...)
					slices.Sort(w)
					return w
				}
				assert.Equal(t, want(tc.wantAdded), added, "added")
				assert.Equal(t, want(tc.wantGone), gone, "removed")
				if !isPG(s) {
					assert.Equal(t, tc.readBack, readBack, "the rows changed read back (RETURNING)")
				}

				// The membership is what was asked for.
				wantMembers := slices.DeleteFunc(append(ids(tc.members...), ids(tc.add...)...), func(id string) bool { return slices.Contains(ids(tc.remove...), id) })
				slices.Sort(wantMembers)
				wantMembers = slices.Compact(wantMembers)
				got, err := s.GetGroup(ctx, g.ID, store.GetOptions{})
				require.NoError(t, err)
				have := []string{}
				for _, m := range got.Members {
					have = append(have, m.Value)
				}
				slices.Sort(have)
				assert.Equal(t, wantMembers, have, "the group's members")
			})
		}
	})
}
