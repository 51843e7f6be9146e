package storetest

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
)

func init() {
	userTests = append(userTests, test{"ListReadOnly", testUserListReadOnly})
	groupTests = append(groupTests, test{"ListReadOnly", testGroupListReadOnly})
}

// listReadOnly names store.Query.ReadOnly's contract in failures.
const listReadOnly = "(store.Query.ReadOnly: a store may share what a list returns points to only if it never changes it; a write stores a new value)"

// readOnlyListing is one way the handler lists with ReadOnly: a page
// (ListUsers, ListGroups) or a cursor page (UserCursorLister's,
// GroupCursorLister's), of query q.
type readOnlyListing struct {
	name   string
	q      store.Query
	cursor bool
}

// userListings are the lists testUserListReadOnly reads: the lookups
// identity providers send before a create (userName, externalId), a
// scan, a sorted page, each with and without the groups, and a cursor
// page when the store has a UserCursorLister; those naming what the
// model leaves out are left out (userCase).
func (e *env) userListings(t *testing.T, name, externalID string) []readOnlyListing {
	return readOnlyListings(t, "userName", name, externalID, e.uCursor != nil, func(q *store.Query, exclude bool) { q.ExcludeGroups = exclude },
		func(q store.Query) bool { return e.userCase(t, q) })
}

// readOnlyListings are the lists of userListings and groupListings: a
// lookup of the name attr, one of the externalId, a scan and a page
// sorted by attr, each with exclude set false and true, and a cursor page
// when the store has a cursor lister; those runs says no to are left
// out.
func readOnlyListings(t *testing.T, attr, name, externalID string, cursor bool, exclude func(q *store.Query, exclude bool), runs func(store.Query) bool) []readOnlyListing {
	var ls []readOnlyListing
	for _, ex := range []bool{false, true} {
		add := func(n string, q store.Query, cursor bool) {
			exclude(&q, ex)
			if runs(q) {
				ls = append(ls, readOnlyListing{name: n, q: q, cursor: cursor})
			}
		}
		add(attr+" eq", store.Query{Filter: parse(t, attr+` eq "`+name+`"`), Count: 10}, false)
		add("externalId eq", store.Query{Filter: parse(t, `externalId eq "`+externalID+`"`), Count: 10}, false)
		add("all", store.Query{Count: 10}, false)
		add("sorted", store.Query{SortBy: attr, Descending: true, Count: 10}, false)
		if cursor {
			add("cursor", store.Query{Count: 10}, true)
		}
	}
	return ls
}

// listUsersAs reads l, with ReadOnly as readOnly says.
func (e *env) listUsersAs(t *testing.T, l readOnlyListing, readOnly bool) []*resources.User {
	t.Helper()
	q := l.q
	q.StartIndex, q.ReadOnly = 1, readOnly
	if l.cursor {
		p, err := e.uCursor.ListUsersAfter(e.ctx, q, "")
		require.NoError(t, err, "ListUsersAfter %s from the start (store.UserCursorLister)", describe(q))
		return p.Items
	}
	return e.listUsers(t, q).Items
}

// tryListUsers reads l with ReadOnly, for a reader during writes (no
// require off the test's goroutine).
func (e *env) tryListUsers(l readOnlyListing) ([]*resources.User, error) {
	q := l.q
	q.StartIndex, q.ReadOnly = 1, true
	if l.cursor {
		p, err := e.uCursor.ListUsersAfter(e.ctx, q, "")
		return p.Items, err
	}
	p, err := e.users.ListUsers(e.ctx, q)
	return p.Items, err
}

// tryListGroups is tryListUsers for groups.
func (e *env) tryListGroups(l readOnlyListing) ([]*resources.Group, error) {
	q := l.q
	q.StartIndex, q.ReadOnly = 1, true
	if l.cursor {
		p, err := e.gCursor.ListGroupsAfter(e.ctx, q, "")
		return p.Items, err
	}
	p, err := e.groups.ListGroups(e.ctx, q)
	return p.Items, err
}

// clonePage is a deep copy of a page of users or groups.
func clonePage[T interface{ Clone() T }](items []T) []T {
	out := make([]T, len(items))
	for i, v := range items {
		out[i] = v.Clone()
	}
	return out
}

// listsReadOnly holds each of listings (of users or of groups: kind; linked,
// their groups or members) to the read-only contract of a list: listed with
// ReadOnly (listAs) it returns what it returns without; the caller's
// changes to what it listed (scribble) change nothing stored; and what it
// listed stays as it was listed when rewrite changes the stored ones.
func listsReadOnly[P interface{ Clone() P }](t *testing.T, listings []readOnlyListing, kind, linked string,
	listAs func(*testing.T, readOnlyListing, bool) []P, scribble func(P), rewrite func()) {
	t.Helper()
	for _, l := range listings {
		want := listAs(t, l, false)
		require.NotEmpty(t, want, "%s must find the %s created (%s)", l.name, kind, describe(l.q))
		assert.Equal(t, want, listAs(t, l, true), "%s: a list with ReadOnly must return what it returns without "+listReadOnly, l.name)
	}

	for _, l := range listings {
		before := listAs(t, l, false)
		for _, v := range listAs(t, l, true) {
			scribble(v)
		}
		assert.Equal(t, before, listAs(t, l, false),
			"%s: setting the fields and %s of %s listed with ReadOnly must change nothing stored "+listReadOnly, l.name, linked, kind)
	}

	seen := make([][]P, len(listings))
	snaps := make([][]P, len(listings))
	for i, l := range listings {
		seen[i] = listAs(t, l, true)
		snaps[i] = clonePage(seen[i])
	}
	rewrite()
	for i, l := range listings {
		assert.Equal(t, snaps[i], seen[i], "%s: %s listed with ReadOnly must stay as they were listed when the stored ones change "+listReadOnly, l.name, kind)
	}
}

// testUserListReadOnly is testUserReadOnly for lists: ListUsers (and
// ListUsersAfter) with ReadOnly return what they do without it; the
// caller setting each listed user's own fields and its groups (as the
// handler does to answer a list) changes nothing stored; and the users
// listed stay as they were listed when the stored ones are replaced,
// updated or leave a group, also while lists and a writer run at once.
func testUserListReadOnly(t *testing.T, e *env) {
	u := e.createUser(t, fullUser())
	e.createUser(t, &resources.User{UserName: "ro-other", ExternalID: u.ExternalID})
	var gid string
	if e.groups != nil {
		gid = e.createGroup(t, &resources.Group{DisplayName: "list-readers", Members: []resources.Member{{Value: u.ID}}}).ID
	}
	listings := e.userListings(t, u.UserName, u.ExternalID)
	listsReadOnly(t, listings, "users", "groups", e.listUsersAs, func(v *resources.User) {
		scribbleUser(v)
		v.Enterprise = nil // the caller's own field; what it pointed to stays shared
	}, func() { e.rewriteUser(t, u.ID, gid) })

	readDuringWrites(t, 10, func() {
		for _, l := range listings {
			items, err := e.tryListUsers(l)
			readsWhole(t, items, err, "%s with ReadOnly during writes", l.name)
		}
	}, func(i int) {
		e.replaceUserAgain(t, u.ID, i, "lists")
		if gid != "" {
			add, remove := []string{u.ID}, []string(nil)
			if i%2 == 1 {
				add, remove = nil, add
			}
			_, err := e.groups.ModifyMembers(e.ctx, gid, add, remove, "")
			require.NoError(t, err, "ModifyMembers during lists must succeed (store.GroupStore.ModifyMembers)")
		}
	})
}

// groupListings are userListings for groups: displayName and externalId
// lookups, a scan, a sorted page, with and without members, and a cursor
// page when the store has a GroupCursorLister.
func (e *env) groupListings(t *testing.T, name, externalID string) []readOnlyListing {
	return readOnlyListings(t, "displayName", name, externalID, e.gCursor != nil, func(q *store.Query, exclude bool) { q.ExcludeMembers = exclude },
		func(q store.Query) bool { return e.groupCase(t, q) })
}

// listGroupsAs is listUsersAs for groups.
func (e *env) listGroupsAs(t *testing.T, l readOnlyListing, readOnly bool) []*resources.Group {
	t.Helper()
	q := l.q
	q.StartIndex, q.ReadOnly = 1, readOnly
	if l.cursor {
		p, err := e.gCursor.ListGroupsAfter(e.ctx, q, "")
		require.NoError(t, err, "ListGroupsAfter %s from the start (store.GroupCursorLister)", describe(q))
		return p.Items
	}
	return e.listGroups(t, q).Items
}

// testGroupListReadOnly is testUserListReadOnly for groups: the caller's
// changes to listed groups' fields and members change nothing stored,
// and the groups listed stay as they were listed when members change and
// when the group is replaced.
func testGroupListReadOnly(t *testing.T, e *env) {
	ids := e.createUserIDs(t, "lro", 3)
	g := e.createGroup(t, &resources.Group{DisplayName: "list-read-only", ExternalID: "ext-lro",
		Members: []resources.Member{{Value: ids[0]}, {Value: ids[1]}}})
	e.createGroup(t, &resources.Group{DisplayName: "list-read-only other", ExternalID: "ext-lro",
		Members: []resources.Member{{Value: ids[2]}}})
	listings := e.groupListings(t, g.DisplayName, g.ExternalID)
	var next *resources.Group
	listsReadOnly(t, listings, "groups", "members", e.listGroupsAs, scribbleGroup, func() {
		next = e.rewriteGroup(t, g.ID, ids, "list-read-only renamed")
	})

	// The lookups now name the group as it is.
	listings = e.groupListings(t, next.DisplayName, "ext-lro")
	readDuringWrites(t, 10, func() {
		for _, l := range listings {
			items, err := e.tryListGroups(l)
			readsWhole(t, items, err, "%s with ReadOnly during writes", l.name)
		}
	}, func(i int) { e.rotateMembers(t, g.ID, ids, i, "lists") })
}
