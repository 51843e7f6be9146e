package storetest

import (
	"encoding/json"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
)

func init() {
	userTests = append(userTests, test{"GetReadOnly", testUserReadOnly})
	groupTests = append(groupTests, test{"GetReadOnly", testGroupReadOnly})
}

// readOnly names store.GetOptions.ReadOnly's contract in failures.
const readOnly = "(store.GetOptions.ReadOnly: a store may share what a read returns points to only if it never changes it; a write stores a new value)"

// testUserReadOnly: GetUser with ReadOnly returns what GetUser does; the
// caller setting the user's own fields and its groups (as the handler
// does to answer a GET) changes nothing stored; and the user read stays
// as it was read when the stored one is replaced, updated or leaves a
// group, also while readers and a writer run at once (the race detector
// sees a store that changes in place what it shared).
func testUserReadOnly(t *testing.T, e *env) {
	u := e.createUser(t, fullUser())
	var gid string
	if e.groups != nil {
		gid = e.createGroup(t, &resources.Group{DisplayName: "readers", Members: []resources.Member{{Value: u.ID}}}).ID
	}
	for _, exclude := range []bool{false, true} {
		want := e.getUser(t, u.ID, store.GetOptions{ExcludeGroups: exclude}, "a created user must be readable")
		got := e.getUser(t, u.ID, store.GetOptions{ExcludeGroups: exclude, ReadOnly: true}, "a created user must be readable")
		assert.Equal(t, want, got, "GetUser with ReadOnly must return what GetUser returns "+readOnly)
	}

	before := e.getUser(t, u.ID, store.GetOptions{}, "a created user must be readable")
	view := e.getUser(t, u.ID, store.GetOptions{ReadOnly: true}, "a created user must be readable")
	scribbleUser(view)
	assert.Equal(t, before, e.getUser(t, u.ID, store.GetOptions{}, "a user must be readable"),
		"setting the fields and groups of a user read with ReadOnly must change nothing stored "+readOnly)

	view.Enterprise = nil // the caller's own field; what it pointed to stays shared
	seen := e.getUser(t, u.ID, store.GetOptions{ReadOnly: true}, "a user must be readable")
	snap := seen.Clone()
	e.rewriteUser(t, u.ID, gid)
	assert.Equal(t, snap, seen, "a user read with ReadOnly must stay as it was read when the stored one changes "+readOnly)

	readDuringWrites(t, 20, func() {
		v, err := e.users.GetUser(e.ctx, u.ID, store.GetOptions{ReadOnly: true})
		readsWhole(t, v, err, "GetUser with ReadOnly during writes")
	}, func(i int) { e.replaceUserAgain(t, u.ID, i, "reads") })
}

// testGroupReadOnly is testUserReadOnly for groups: GetGroup with
// ReadOnly returns what GetGroup does, the caller's changes to the
// group's fields and members change nothing stored, and the group read
// stays as it was read when members change and when it is replaced.
func testGroupReadOnly(t *testing.T, e *env) {
	ids := e.createUserIDs(t, "ro", 3)
	g := e.createGroup(t, &resources.Group{DisplayName: "read-only", ExternalID: "ext-ro",
		Members: []resources.Member{{Value: ids[0]}, {Value: ids[1]}}})
	for _, exclude := range []bool{false, true} {
		want := e.getGroup(t, g.ID, store.GetOptions{ExcludeMembers: exclude}, "a created group must be readable")
		got := e.getGroup(t, g.ID, store.GetOptions{ExcludeMembers: exclude, ReadOnly: true}, "a created group must be readable")
		assert.Equal(t, want, got, "GetGroup with ReadOnly must return what GetGroup returns "+readOnly)
	}

	before := e.getGroup(t, g.ID, store.GetOptions{}, "a created group must be readable")
	view := e.getGroup(t, g.ID, store.GetOptions{ReadOnly: true}, "a created group must be readable")
	scribbleGroup(view)
	assert.Equal(t, before, e.getGroup(t, g.ID, store.GetOptions{}, "a group must be readable"),
		"setting the fields and members of a group read with ReadOnly must change nothing stored "+readOnly)

	seen := e.getGroup(t, g.ID, store.GetOptions{ReadOnly: true}, "a group must be readable")
	snap := seen.Clone()
	e.rewriteGroup(t, g.ID, ids, "read-only renamed")
	assert.Equal(t, snap, seen, "a group read with ReadOnly must stay as it was read when the stored one changes "+readOnly)

	readDuringWrites(t, 20, func() {
		v, err := e.groups.GetGroup(e.ctx, g.ID, store.GetOptions{ReadOnly: true})
		readsWhole(t, v, err, "GetGroup with ReadOnly during writes")
	}, func(i int) { e.rotateMembers(t, g.ID, ids, i, "reads") })
}

// readDuringWrites runs two readers, each calling read rounds times,
// while write(i) runs for i from 0 to 19, and waits for the readers: the
// race detector sees a store that changes in place what it shared.
func readDuringWrites(t *testing.T, rounds int, read func(), write func(i int)) {
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			for range rounds {
				read()
			}
		})
	}
	for i := range 20 {
		write(i)
	}
	wg.Wait()
}

// readsWhole checks that a read during writes succeeded, and reads all
// of what it returned.
func readsWhole(t *testing.T, v any, err error, msgAndArgs ...any) {
	if assert.NoError(t, err, msgAndArgs...) {
		_, err = json.Marshal(v) // reads all of it
		assert.NoError(t, err)
	}
}

// replaceUserAgain is the i-th of readDuringWrites' replaces of user id.
func (e *env) replaceUserAgain(t *testing.T, id string, i int, during string) {
	w := fullUser()
	w.ID = id
	w.Emails[0].Value = "w" + string(rune('a'+i)) + "@example.com"
	w.Enterprise.Department = "W"
	e.fitUser(w)
	_, err := e.users.ReplaceUser(e.ctx, w, "")
	require.NoError(t, err, "ReplaceUser during "+during+" must succeed (store.UserStore.ReplaceUser)")
}

// rotateMembers is the i-th of readDuringWrites' member changes of group
// gid, whose members are among ids (three).
func (e *env) rotateMembers(t *testing.T, gid string, ids []string, i int, during string) {
	add, remove := []string{ids[i%3]}, []string{ids[(i+1)%3]}
	_, err := e.groups.ModifyMembers(e.ctx, gid, add, remove, "")
	require.NoError(t, err, "ModifyMembers during "+during+" must succeed (store.GroupStore.ModifyMembers)")
}

// scribbleUser sets what the handler sets on a user it reads to answer
// (its own fields, the groups it loaded), and more: a store that shared
// any of it with a ReadOnly reader would show it in the next read.
func scribbleUser(v *resources.User) {
	v.Password, v.UserName = "secret", "renamed"
	v.Meta.Location, v.Meta.Version = "https://example.com/Users/"+v.ID, `W/"x"`
	for i := range v.Groups {
		v.Groups[i].Ref, v.Groups[i].Type = "https://example.com/Groups/x", "indirect"
	}
}

// scribbleGroup is scribbleUser for a group and its members.
func scribbleGroup(v *resources.Group) {
	v.DisplayName = "renamed"
	v.Meta.Location, v.Meta.Version = "https://example.com/Groups/"+v.ID, `W/"x"`
	for i := range v.Members {
		v.Members[i].Ref, v.Members[i].Display = "https://example.com/Users/x", "x"
	}
}

// rewriteUser changes every kind of value user id holds (a replace that
// changes its strings, lists, extension and active, an update when the
// store has one, and its leaving group gid when gid is not ""), so that a
// value a ReadOnly reader holds and the store changed in place shows.
func (e *env) rewriteUser(t *testing.T, id, gid string) {
	t.Helper()
	next := fullUser()
	next.ID = id
	next.Name.GivenName = "Changed"
	next.Emails[0].Value = "changed@example.com"
	next.Emails[0].Primary = ptr(false)
	next.Addresses[0].Locality = "Changed"
	next.Enterprise.Department = "Changed"
	next.Enterprise.Manager.Value = "changed-manager"
	next.Active = ptr(false)
	e.fitUser(next)
	_, err := e.users.ReplaceUser(e.ctx, next, "")
	require.NoError(t, err, "ReplaceUser of a stored user must succeed (store.UserStore.ReplaceUser)")
	if e.userUp != nil {
		_, err = e.userUp.UpdateUser(e.ctx, id, "", func(cur *resources.User) (*resources.User, error) {
			cur.Title = "Changed"
			if cur.Name != nil {
				cur.Name.FamilyName = "Changed"
			}
			return cur, nil
		})
		require.NoError(t, err, "UpdateUser of a stored user must succeed (store.UserUpdater)")
	}
	if gid != "" {
		_, err = e.groups.ModifyMembers(e.ctx, gid, nil, []string{id}, "")
		require.NoError(t, err, "ModifyMembers must remove a member (store.GroupStore.ModifyMembers)")
	}
}

// rewriteGroup is rewriteUser for group gid, whose members are two of
// ids: it swaps ids[0] for ids[2], then replaces the group by one named
// name with ids[1] alone, and returns that replacement.
func (e *env) rewriteGroup(t *testing.T, gid string, ids []string, name string) *resources.Group {
	t.Helper()
	_, err := e.groups.ModifyMembers(e.ctx, gid, []string{ids[2]}, []string{ids[0]}, "")
	require.NoError(t, err, "ModifyMembers must add and remove members (store.GroupStore.ModifyMembers)")
	next := &resources.Group{ID: gid, DisplayName: name, ExternalID: "ext-changed", Members: []resources.Member{{Value: ids[1]}}}
	e.fitGroup(next)
	_, err = e.groups.ReplaceGroup(e.ctx, next, "")
	require.NoError(t, err, "ReplaceGroup of a stored group must succeed (store.GroupStore.ReplaceGroup)")
	return next
}
