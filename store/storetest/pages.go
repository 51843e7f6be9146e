package storetest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
)

// pageTests hold what each page of a list carries to its own rows: an
// identity provider's import (Okta's, OneLogin's) pages through every
// user and group with startIndex and count, and a store that selects the
// page's rows first and reads their groups or members apart (sqlstore)
// must give each row its own.
var pageTests = []test{
	{"every page of users carries each user's own groups", testPagesCarryGroups},
	{"every page of groups carries each group's own members", testPagesCarryMembers},
}

// pageOrders are the orders the page tests list in: creation order
// (an index's), and sorts by a name ascending and descending.
func pageOrders(name string) []store.Query {
	return []store.Query{{}, {SortBy: name}, {SortBy: name, Descending: true}}
}

func testPagesCarryGroups(t *testing.T, e *env) {
	if e.groups == nil {
		t.Skip("no GroupStore")
	}
	const n = 13
	users := make([]*resources.User, n)
	for i := range users {
		users[i] = e.createUser(t, &resources.User{UserName: fmt.Sprintf("paged%02d", (i*5)%n)})
	}
	// user i is in group i%3 ("A", "B" or "C"; "C" holding every third
	// from user 2 on), users 0, 4, 8 and 12 in "D" too, and "E" is empty.
	want := map[string][]string{}
	members := map[string][]resources.Member{}
	for i, u := range users {
		for _, g := range []string{"A", "B", "C"}[i%3 : i%3+1] {
			members[g] = append(members[g], resources.Member{Value: u.ID})
		}
		if i%4 == 0 {
			members["D"] = append(members["D"], resources.Member{Value: u.ID})
		}
	}
	for _, name := range []string{"A", "B", "C", "D", "E"} {
		g := e.createGroup(t, &resources.Group{DisplayName: "paged " + name, Members: members[name]})
		for _, m := range members[name] {
			want[m.Value] = append(want[m.Value], g.ID)
		}
	}
	own := func(t *testing.T, how string, us []*resources.User) {
		t.Helper()
		for _, u := range us {
			if u.Groups == nil {
				continue // not filled: the handler asks GroupsOf
			}
			got := refValues(u.Groups)
			slices.Sort(got)
			exp := append([]string{}, want[u.ID]...)
			slices.Sort(exp)
			assert.Equal(t, exp, got, "%s: %s must carry its own groups, none of another user's on or off the page (store.UserStore.ListUsers)", how, u.UserName)
		}
	}
	for _, q := range pageOrders("userName") {
		all := e.listUsers(t, store.Query{SortBy: q.SortBy, Descending: q.Descending, Count: n, ExcludeGroups: true}).Items
		require.Len(t, all, n)
		if e.uCursor != nil {
			got := walkPages(t, "ListUsersAfter", func(q store.Query, after string) (store.CursorPage[*resources.User], error) {
				p, err := e.uCursor.ListUsersAfter(e.ctx, q, after)
				own(t, fmt.Sprintf("ListUsersAfter %s after %q", describe(q), after), p.Items)
				return p, err
			}, q, 4, nil)
			assert.Equal(t, userNames(all), userNames(got), "a walk of users %s returns what ListUsers returns (store.UserCursorLister)", describe(q))
		}
		for _, exclude := range []bool{false, true} {
			for start := 1; start <= n+1; start += 4 {
				q := q
				q.StartIndex, q.Count, q.ExcludeGroups = start, 4, exclude
				p := e.listUsers(t, q)
				assert.Equal(t, n, p.Total, "ListUsers %s: totalResults counts every user whatever the page", describe(q))
				assert.Equal(t, userNames(all[min(start-1, n):min(start-1+4, n)]), userNames(p.Items), "ListUsers %s: the page's users", describe(q))
				if !exclude {
					own(t, "ListUsers "+describe(q), p.Items)
					continue
				}
				for _, u := range p.Items {
					assert.Nil(t, u.Groups, "ListUsers %s: %s: with ExcludeGroups a store does not read groups (store.Query.ExcludeGroups)", describe(q), u.UserName)
				}
			}
		}
	}
}

func testPagesCarryMembers(t *testing.T, e *env) {
	if e.groups == nil {
		t.Skip("no GroupStore")
	}
	ids := e.createUserIDs(t, "pagedmember", 8)
	const n = 9
	// group k holds k members, users k-1 down to 0: each group's set is
	// its own.
	for k := range n {
		var ms []resources.Member
		for i := k - 1; i >= 0; i-- {
			ms = append(ms, resources.Member{Value: ids[i%len(ids)]})
		}
		e.createGroup(t, &resources.Group{DisplayName: fmt.Sprintf("paged group %d", (k*4)%n), Members: ms})
	}
	own := func(t *testing.T, how string, gs []*resources.Group) {
		t.Helper()
		for _, g := range gs {
			stored := e.getGroup(t, g.ID, store.GetOptions{}, "a listed group exists")
			assert.ElementsMatch(t, memberIDs(stored.Members), memberIDs(g.Members), "%s: group %q must carry its own members, as GetGroup returns them (in any order: store.GroupStore, \"Member order\"), none of another group's on or after the page (store.GroupStore.ListGroups)", how, g.DisplayName)
		}
	}
	for _, q := range pageOrders("displayName") {
		all := e.listGroups(t, store.Query{SortBy: q.SortBy, Descending: q.Descending, Count: n, ExcludeMembers: true}).Items
		require.Len(t, all, n)
		for start := 1; start <= n+1; start += 2 {
			q := q
			q.StartIndex, q.Count = start, 3
			p := e.listGroups(t, q)
			assert.Equal(t, n, p.Total, "ListGroups %s: totalResults", describe(q))
			assert.Equal(t, groupNames(all[min(start-1, n):min(start-1+3, n)]), groupNames(p.Items), "ListGroups %s: the page's groups", describe(q))
			own(t, "ListGroups "+describe(q), p.Items)
		}
		if e.gCursor == nil {
			continue
		}
		for _, count := range []int{1, 2, 4} {
			got := walkPages(t, "ListGroupsAfter", func(q store.Query, after string) (store.CursorPage[*resources.Group], error) {
				p, err := e.gCursor.ListGroupsAfter(e.ctx, q, after)
				own(t, fmt.Sprintf("ListGroupsAfter %s after %q", describe(q), after), p.Items)
				return p, err
			}, q, count, nil)
			assert.Equal(t, groupNames(all), groupNames(got), "a walk of groups %s by pages of %d returns what ListGroups returns (store.GroupCursorLister)", describe(q), count)
		}
	}
}
