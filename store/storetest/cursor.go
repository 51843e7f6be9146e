package storetest

import (
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/internal/fanout"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
)

// cursorTests hold store.UserCursorLister and store.GroupCursorLister to
// their contract; a store without them skips these tests.
var cursorTests = []test{
	{"a walk returns what ListUsers returns, in its order", testCursorWalkMatchesList},
	{"a walk of groups returns what ListGroups returns", testCursorWalkGroups},
	{"a walk under concurrent creates and deletes", testCursorUnderWrites},
	{"a position that is not the store's is ErrInvalidCursor", testCursorInvalidPosition},
	{"a walk sees only its tenant", testCursorTenant},
}

func cursorLister(t *testing.T, e *env) store.UserCursorLister {
	t.Helper()
	if e.uCursor == nil {
		t.Skip("the user store does not implement store.UserCursorLister")
	}
	return e.uCursor
}

// walkUsers follows positions from the start with pages of count and
// returns every user returned, failing t when a page breaks the contract.
func walkUsers(t *testing.T, e *env, cl store.UserCursorLister, q store.Query, count int, between func()) []*resources.User {
	t.Helper()
	return walkPages(t, "ListUsersAfter", func(q store.Query, after string) (store.CursorPage[*resources.User], error) {
		return cl.ListUsersAfter(e.ctx, q, after)
	}, q, count, between)
}

// walkPages follows the positions of list (ListUsersAfter or
// ListGroupsAfter, named method) from the start with pages of count,
// calling between between pages, and returns every item returned,
// failing t when a page breaks the contract.
func walkPages[T any](t *testing.T, method string, list func(q store.Query, after string) (store.CursorPage[T], error), q store.Query, count int, between func()) []T {
	t.Helper()
	q.Count = count
	var out []T
	after := ""
	for pages := 0; ; pages++ {
		require.Less(t, pages, 10000, "the walk does not end")
		p, err := list(q, after)
		require.NoError(t, err, "%s %+v after %q", method, q, after)
		require.Len(t, p.Positions, len(p.Items), "one position per item")
		require.LessOrEqual(t, len(p.Items), count)
		out = append(out, p.Items...)
		if !p.More {
			return out
		}
		require.NotEmpty(t, p.Items, "%s asked for %d after %q returned no items but More: a page that says More must hold at least one, or the walk has no position to go on from (store.CursorPage.More)", method, count, after)
		after = p.Positions[len(p.Positions)-1]
		if between != nil {
			between()
		}
	}
}

// testCursorWalkMatchesList walks lists of users in pages of several
// sizes and holds each walk to the list; a list sorted or filtered by
// what the model leaves out is left out (userCase).
func testCursorWalkMatchesList(t *testing.T, e *env) {
	cl := cursorLister(t, e)
	fams := []string{"Lee", "", "adams", "Lee", "zhu", "", "Brown"}
	for i, f := range fams {
		u := &resources.User{UserName: fmt.Sprintf("user%02d", (i*5)%7), Active: ptr(i%2 == 0)}
		if f != "" {
			u.Name = &resources.Name{FamilyName: f}
			u.Emails = []resources.MultiValue{{Value: f + "@example.com"}}
		}
		e.createUser(t, u)
	}
	tests := []struct {
		name string
		q    store.Query
	}{
		{"creation order", store.Query{}},
		{"userName", store.Query{SortBy: "userName"}},
		{"userName descending", store.Query{SortBy: "userName", Descending: true}},
		{"missing values and ties", store.Query{SortBy: "name.familyName"}},
		{"missing values and ties descending", store.Query{SortBy: "name.familyName", Descending: true}},
		{"multi-valued", store.Query{SortBy: "emails"}},
		{"boolean", store.Query{SortBy: "active", Descending: true}},
		{"meta.created", store.Query{SortBy: "meta.created"}},
		{"filtered", store.Query{Filter: parse(t, `active eq true or name.familyName sw "L"`), SortBy: "userName"}},
		{"filter nothing matches", store.Query{Filter: parse(t, `userName eq "nobody"`)}},
		// The two matches are the first and the fifth created: a page
		// after the first says More and holds the fifth, never an
		// empty page with More (store.CursorPage) however many
		// resources between them the filter skips.
		{"sparse filter", store.Query{Filter: parse(t, `userName eq "user00" or userName eq "user06"`)}},
	}
	for _, tt := range tests {
		if !e.userCase(t, tt.q) {
			continue // sorts or filters by what the model leaves out
		}
		want := userNames(e.listUsers(t, store.Query{Filter: tt.q.Filter, SortBy: tt.q.SortBy, Descending: tt.q.Descending, Count: 100}).Items)
		for _, count := range []int{1, 2, 3, 100} {
			got := userNames(walkUsers(t, e, cl, tt.q, count, nil))
			assert.Equal(t, want, got, "%s, pages of %d", tt.name, count)
		}
	}
	// Count 0 returns nothing but says whether anything is there.
	p, err := cl.ListUsersAfter(e.ctx, store.Query{Count: 0}, "")
	require.NoError(t, err)
	assert.Empty(t, p.Items)
	assert.True(t, p.More)
}

func testCursorWalkGroups(t *testing.T, e *env) {
	if e.groups == nil {
		t.Skip("no GroupStore")
	}
	cl := e.gCursor
	if cl == nil {
		t.Skip("the group store does not implement store.GroupCursorLister")
	}
	u := e.createUser(t, &resources.User{UserName: "member"})
	for _, n := range []string{"ops", "Admins", "staff", "devs"} {
		e.createGroup(t, &resources.Group{DisplayName: n, Members: []resources.Member{{Value: u.ID}}})
	}
	for _, q := range []store.Query{{}, {SortBy: "displayName"}, {SortBy: "displayName", Descending: true, ExcludeMembers: true}} {
		want := e.listGroups(t, store.Query{SortBy: q.SortBy, Descending: q.Descending, Count: 100}).Items
		got := walkPages(t, "ListGroupsAfter", func(q store.Query, after string) (store.CursorPage[*resources.Group], error) {
			return cl.ListGroupsAfter(e.ctx, q, after)
		}, q, 3, nil)
		assert.Equal(t, groupNames(want), groupNames(got), "%+v", q)
		for _, g := range got {
			if q.ExcludeMembers {
				assert.Nil(t, g.Members)
			} else {
				assert.Equal(t, []string{u.ID}, memberIDs(g.Members))
			}
		}
	}
}

// testCursorUnderWrites walks while other goroutines create and delete
// users: no user comes twice, and every user that existed for the whole
// walk comes once. Nothing is timed: the writers run while the walk does,
// whatever the interleaving.
func testCursorUnderWrites(t *testing.T, e *env) {
	cl := cursorLister(t, e)
	const n = 60
	stable := map[string]bool{}
	var doomed []string
	for i := 0; i < n; i++ {
		u := e.createUser(t, &resources.User{UserName: fmt.Sprintf("s%03d", (i*37)%n)})
		if i%3 == 0 {
			doomed = append(doomed, u.ID)
		} else {
			stable[u.ID] = true
		}
	}
	for _, q := range []store.Query{{}, {SortBy: "userName"}, {SortBy: "userName", Descending: true}, {Filter: parse(t, `userName sw "s"`), SortBy: "meta.created"}} {
		// The two writers start with the walk's first page.
		start := make(chan struct{})
		var once sync.Once
		var created []string
		written := make(chan struct{})
		go func() {
			defer close(written)
			<-start
			fanout.Run(2, func(w int) error {
				if w == 0 { // deletes
					for _, id := range doomed {
						_ = e.users.DeleteUser(e.ctx, id, "")
					}
					return nil
				}
				for i := 0; i < 30; i++ { // creates, before and after every position
					u, err := e.users.CreateUser(e.ctx, &resources.User{UserName: fmt.Sprintf("s%03d-%s-%d", (i*7)%n, randomHex(3), i)})
					if err == nil {
						created = append(created, u.ID)
					}
				}
				return nil
			})
		}()
		got := walkUsers(t, e, cl, q, 4, func() { once.Do(func() { close(start) }) })
		once.Do(func() { close(start) })
		<-written
		seen := map[string]bool{}
		for _, u := range got {
			require.False(t, seen[u.ID], "%+v: user %s returned twice", q, u.UserName)
			seen[u.ID] = true
		}
		for id := range stable {
			require.True(t, seen[id], "%+v: a user that existed for the whole walk was skipped", q)
		}
		// the next round starts from the same stable users
		for _, id := range created {
			require.NoError(t, e.users.DeleteUser(e.ctx, id, ""))
		}
		doomed = nil
	}
}

func testCursorInvalidPosition(t *testing.T, e *env) {
	cl := cursorLister(t, e)
	e.createUser(t, &resources.User{UserName: "a"})
	for _, pos := range []string{"x", "'; DROP TABLE scim_users; --", "g1.!!!"} {
		for _, q := range []store.Query{{Count: 1}, {Count: 1, SortBy: "userName"}} {
			_, err := cl.ListUsersAfter(e.ctx, q, pos)
			requireIs(t, err, store.ErrInvalidCursor, "position %q", pos)
		}
	}
}

func testCursorTenant(t *testing.T, e *env) {
	cl := cursorLister(t, e)
	e.createUser(t, &resources.User{UserName: "a"})
	e.createUser(t, &resources.User{UserName: "b"})
	p, err := cl.ListUsersAfter(e.ctx, store.Query{Count: 1}, "")
	require.NoError(t, err)
	require.True(t, p.More)
	// the position of one tenant read in another finds nothing of the first
	o, err := cl.ListUsersAfter(e.other(), store.Query{Count: 10}, p.Positions[0])
	if err == nil {
		assert.Empty(t, o.Items)
		assert.False(t, o.More)
	} else {
		requireIs(t, err, store.ErrInvalidCursor)
	}
}
