package storetest

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/internal/fanout"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
)

// capabilityTests cover the optional interfaces; each skips when the
// store lacks its capability.
var capabilityTests = []test{
	{"UserUpdater/Atomic", testUpdateUserAtomic},
	{"UserUpdater/IfVersion", testUpdateUserIfVersion},
	{"UserUpdater/NilWritesNothing", testUpdateUserNil},
	{"UserUpdater/NoLostUpdate", testUpdateUserNoLostUpdate},
	{"UserUpdater/WritesNext", testUpdateUserWritesNext},
	{"GroupUpdater/Members", testUpdateGroupMembers},
	{"GroupUpdater/IfVersionAndNil", testUpdateGroupIfVersionAndNil},
	{"GroupUpdater/NilWritesNothing", testUpdateGroupNil},
	{"GroupUpdater/StringsExact", testUpdateGroupStringsExact},
	{"GroupUpdater/NoLostUpdate", testUpdateGroupNoLostUpdate},
	{"GetUser/Groups", testGetUserGroups},
}

// userUpdater returns the guarded store.UserUpdater, or skips t.
func (e *env) userUpdater(t *testing.T) store.UserUpdater {
	if e.userUp == nil {
		t.Skip("the user store is no store.UserUpdater")
	}
	return e.userUp
}

// groupUpdater returns the guarded store.GroupUpdater, or skips t.
func (e *env) groupUpdater(t *testing.T) store.GroupUpdater {
	if e.groups == nil {
		t.Skip("no GroupStore (Stores.Groups is nil)")
	}
	if e.groupUp == nil {
		t.Skip("the group store is no store.GroupUpdater")
	}
	return e.groupUp
}

var errRefused = errors.New("storetest: change refused")

func testUpdateUserAtomic(t *testing.T, e *env) {
	const upc = "(store.UserUpdater.UpdateUser)"
	up := e.userUpdater(t)
	n := e.note(t)
	u := e.createUser(t, n.user("atomic", "before"))

	out, err := up.UpdateUser(e.ctx, u.ID, "", func(cur *resources.User) (*resources.User, error) {
		assert.Equal(t, "before", n.get(cur), "UpdateUser must call change with a copy of the stored user "+upc)
		assert.Nil(t, cur.Groups, "UpdateUser must call change with Groups nil: they are read-only "+upc)
		n.set(cur, "after")
		return cur, nil
	})
	require.NoError(t, err, "UpdateUser must write the user change returns "+upc)
	assert.Equal(t, u.ID, out.ID, "UpdateUser must return the user it wrote "+upc)
	assert.Equal(t, "after", n.get(out), "UpdateUser must return the user as written "+upc)
	assert.NotEqual(t, u.Meta.Version, out.Meta.Version, "UpdateUser must set a new Meta.Version when it writes "+upc)
	got := e.getUser(t, u.ID, store.GetOptions{ExcludeGroups: true}, "the user must still be there")
	assert.Equal(t, "after", n.get(got), "GetUser must return what UpdateUser wrote "+upc)
	assert.Equal(t, out.Meta.Version, got.Meta.Version, "GetUser must return the version UpdateUser returned "+upc)

	// A change that fails writes nothing and its error comes back as is.
	_, err = up.UpdateUser(e.ctx, u.ID, "", func(cur *resources.User) (*resources.User, error) {
		n.set(cur, "never")
		return cur, errRefused
	})
	require.ErrorIs(t, err, errRefused, "UpdateUser must return change's error unwrapped (or wrapped, for errors.Is) "+upc)
	got = e.getUser(t, u.ID, store.GetOptions{ExcludeGroups: true}, "the user must still be there")
	assert.Equal(t, "after", n.get(got), "when change returns an error, UpdateUser must write nothing "+upc)
	assert.Equal(t, out.Meta.Version, got.Meta.Version, "when change returns an error, UpdateUser must keep the version "+upc)

	// The write keeps the store's rules: a taken userName is a conflict.
	e.createUser(t, &resources.User{UserName: "taken"})
	_, err = up.UpdateUser(e.ctx, u.ID, "", func(cur *resources.User) (*resources.User, error) {
		cur.UserName = "TAKEN"
		return cur, nil
	})
	require.ErrorIs(t, err, store.ErrConflict, "UpdateUser onto a taken userName (strings.EqualFold) must return store.ErrConflict "+upc)
}

func testUpdateUserIfVersion(t *testing.T, e *env) {
	const upc = "(store.UserUpdater.UpdateUser)"
	up := e.userUpdater(t)
	u := e.createUser(t, &resources.User{UserName: "versioned"})
	called := false
	_, err := up.UpdateUser(e.ctx, u.ID, `W/"999"`, func(cur *resources.User) (*resources.User, error) {
		called = true
		return cur, nil
	})
	require.ErrorIs(t, err, store.ErrPreconditionFailed, "UpdateUser must refuse an ifVersion that is not the stored version "+upc)
	assert.False(t, called, "UpdateUser must not call change when ifVersion is not the stored version "+upc)

	out, err := up.UpdateUser(e.ctx, u.ID, u.Meta.Version, func(cur *resources.User) (*resources.User, error) {
		cur.Active = ptr(false) // active: no model leaves it out
		return cur, nil
	})
	require.NoError(t, err, "UpdateUser at the stored version must write "+upc)
	assert.Equal(t, ptr(false), out.Active, "UpdateUser must return the user as written "+upc)
	_, err = up.UpdateUser(e.ctx, u.ID, u.Meta.Version, func(cur *resources.User) (*resources.User, error) { return cur, nil })
	require.ErrorIs(t, err, store.ErrPreconditionFailed, "UpdateUser must refuse an ifVersion that is no longer the stored version "+upc)

	_, err = up.UpdateUser(e.ctx, unknownID(), "", func(cur *resources.User) (*resources.User, error) { return cur, nil })
	require.ErrorIs(t, err, store.ErrNotFound, "UpdateUser of an id no user has must return store.ErrNotFound "+upc)
	_, err = up.UpdateUser(e.other(), u.ID, "", func(cur *resources.User) (*resources.User, error) { return cur, nil })
	require.ErrorIs(t, err, store.ErrNotFound, "UpdateUser of another tenant's user must return store.ErrNotFound "+upc)
}

func testUpdateUserNil(t *testing.T, e *env) {
	const upc = "(store.UserUpdater.UpdateUser: a nil next writes nothing)"
	up := e.userUpdater(t)
	u := e.createUser(t, &resources.User{UserName: "unchanged"})
	out, err := up.UpdateUser(e.ctx, u.ID, u.Meta.Version, func(*resources.User) (*resources.User, error) { return nil, nil })
	require.NoError(t, err, "UpdateUser must accept a change that returns nil, nil "+upc)
	assert.Equal(t, u.Meta.Version, out.Meta.Version, "when change returns nil, UpdateUser must return the stored user with its version unchanged "+upc)
	assert.Equal(t, "unchanged", out.UserName, "when change returns nil, UpdateUser must return the stored user "+upc)
	got := e.getUser(t, u.ID, store.GetOptions{ExcludeGroups: true}, "the user must still be there")
	assert.Equal(t, u.Meta.Version, got.Meta.Version, "when change returns nil, UpdateUser must keep the stored version "+upc)
	assert.True(t, u.Meta.LastModified.Equal(got.Meta.LastModified), "when change returns nil, UpdateUser must keep Meta.LastModified "+upc)
}

// testUpdateUserWritesNext: a next that differs from the stored user
// only in a string's case is a change, which UpdateUser writes with a new
// version (only a nil next writes nothing; the handler returns nil when
// the result equals cur as resources.EqualUsers compares them, strings
// exactly, case included: a provider fixing a name's case is changing
// it), and the id and version are the store's, next's ignored.
func testUpdateUserWritesNext(t *testing.T, e *env) {
	const upc = "(store.UserUpdater.UpdateUser: a non-nil next is written as ReplaceUser writes it, next.ID and next.Meta ignored, and returned with a new Meta.Version; strings compare exactly, case included)"
	up := e.userUpdater(t)
	u := e.createUser(t, &resources.User{UserName: "mixedcase"})
	const forged = `W/"forged"`
	out, err := up.UpdateUser(e.ctx, u.ID, u.Meta.Version, func(cur *resources.User) (*resources.User, error) {
		cur.UserName = "MixedCase" // its own name respelled: no conflict
		cur.ID = unknownID()
		cur.Meta.Version = forged
		return cur, nil
	})
	require.NoError(t, err, "UpdateUser must write a next that only changes the case of the user's own userName "+upc)
	assert.Equal(t, u.ID, out.ID, "UpdateUser must write the user id names, ignoring next.ID "+upc)
	assert.NotEqual(t, u.Meta.Version, out.Meta.Version, "UpdateUser must write a next that differs from the stored user only in a string's case, with a new Meta.Version "+upc)
	assert.NotEqual(t, forged, out.Meta.Version, "UpdateUser must set the version itself, ignoring next.Meta "+upc)
	got := e.getUser(t, u.ID, store.GetOptions{ExcludeGroups: true}, "the user must still be there")
	assert.Equal(t, "MixedCase", got.UserName, "UpdateUser must store a string as next spells it, case included "+upc)
	assert.Equal(t, out.Meta.Version, got.Meta.Version, "GetUser must return the version UpdateUser returned "+upc)
}

// testUpdateGroupNil: a nil next writes nothing, without members as with
// them: the group returned is the stored one at its version (Members nil
// without withMembers), and the stored group keeps its version and
// Meta.LastModified. With withMembers, cur.Members is never nil, even for
// a group without members.
func testUpdateGroupNil(t *testing.T, e *env) {
	const upc = "(store.GroupUpdater.UpdateGroup: a nil next writes nothing; with withMembers cur carries the stored members, never nil)"
	up := e.groupUpdater(t)
	g := e.createGroup(t, &resources.Group{DisplayName: "still"})
	for _, withMembers := range []bool{false, true} {
		out, err := up.UpdateGroup(e.ctx, g.ID, g.Meta.Version, withMembers, func(cur *resources.Group) (*resources.Group, error) {
			if withMembers {
				assert.NotNil(t, cur.Members, "UpdateGroup with withMembers must call change with the stored members, an empty non-nil slice for a group without members "+upc)
			}
			return nil, nil
		})
		require.NoError(t, err, "UpdateGroup must accept a change that returns nil, nil "+upc)
		assert.Equal(t, g.Meta.Version, out.Meta.Version, "when change returns nil, UpdateGroup must return the stored group with its version unchanged "+upc)
		assert.Equal(t, "still", out.DisplayName, "when change returns nil, UpdateGroup must return the stored group "+upc)
		if !withMembers {
			assert.Nil(t, out.Members, "UpdateGroup without withMembers must return Members nil "+upc)
		}
		got := e.getGroup(t, g.ID, store.GetOptions{ExcludeMembers: true}, "the group must still be there")
		assert.Equal(t, g.Meta.Version, got.Meta.Version, "when change returns nil, UpdateGroup must keep the stored version "+upc)
		assert.True(t, g.Meta.LastModified.Equal(got.Meta.LastModified), "when change returns nil, UpdateGroup must keep Meta.LastModified "+upc)
	}
}

// testUpdateGroupStringsExact: a store may write nothing for a next that
// is the stored group once the member values it skips are left out, but
// only when the attributes are equal as resources.EqualGroupAttributes
// compares them, strings exactly: a displayName respelled in another case
// beside a member value that names no one is a change, written with a new
// version. Whether a store writes nothing for an equal next is its
// choice (the contract's "may"), which no check here asks.
func testUpdateGroupStringsExact(t *testing.T, e *env) {
	const upc = "(store.GroupUpdater.UpdateGroup: a store may write nothing only for a next whose attributes equal the stored ones as resources.EqualGroupAttributes compares them, strings exactly, case included)"
	up := e.groupUpdater(t)
	a := e.createUser(t, &resources.User{UserName: "a"})
	g := e.createGroup(t, &resources.Group{DisplayName: "crew", Members: []resources.Member{{Value: a.ID}}})
	out, err := up.UpdateGroup(e.ctx, g.ID, g.Meta.Version, true, func(cur *resources.Group) (*resources.Group, error) {
		cur.DisplayName = "Crew" // its own name respelled: no conflict
		cur.Members = append(cur.Members, resources.Member{Value: unknownID()})
		return cur, nil
	})
	require.NoError(t, err, "UpdateGroup must write a next that only changes the case of the group's own displayName "+upc)
	assert.NotEqual(t, g.Meta.Version, out.Meta.Version, "UpdateGroup must write a next whose displayName differs from the stored one only in case, beside a member value it skips, with a new Meta.Version "+upc)
	got := e.getGroup(t, g.ID, store.GetOptions{}, "the group must still be there")
	assert.Equal(t, "Crew", got.DisplayName, "UpdateGroup must store a string as next spells it, case included "+upc)
	assert.Equal(t, []string{a.ID}, memberIDs(got.Members), "UpdateGroup must skip a member value that names no one "+upc)
	assert.Equal(t, out.Meta.Version, got.Meta.Version, "GetGroup must return the version UpdateGroup returned "+upc)
}

// updaters is how many updaters run at once in the NoLostUpdate tests.
const updaters = 16

// requireEachApplied requires the updaters concurrent calls of call
// (UpdateUser, UpdateGroup) whose errors are errs, each of which appended
// its mark "[i]" to a field, to have succeeded and to have left each mark
// once in the field as read after them (marks).
func requireEachApplied(t *testing.T, errs []error, marks func() string, call, upc string) {
	t.Helper()
	for _, err := range errs {
		require.NoError(t, err, `concurrent `+call+` with ifVersion "" must all succeed `+upc)
	}
	got := marks()
	for i := range updaters {
		assert.Contains(t, got, fmt.Sprintf("[%d]", i), "update %d was lost "+upc, i)
	}
	assert.Equal(t, updaters, strings.Count(got, "["), "each concurrent update must be applied once "+upc)
}

func testUpdateUserNoLostUpdate(t *testing.T, e *env) {
	const upc = "(store.UserUpdater.UpdateUser: the read, change and write are one atomic step under the row's lock)"
	up := e.userUpdater(t)
	n := e.note(t)
	u := e.createUser(t, &resources.User{UserName: "contended"})
	errs := fanout.Run(updaters, func(i int) error {
		_, err := up.UpdateUser(e.ctx, u.ID, "", func(cur *resources.User) (*resources.User, error) {
			n.set(cur, n.get(cur)+fmt.Sprintf("[%d]", i))
			return cur, nil
		})
		return err
	})
	requireEachApplied(t, errs, func() string {
		return n.get(e.getUser(t, u.ID, store.GetOptions{ExcludeGroups: true}, "the user must still be there"))
	}, "UpdateUser", upc)
}

func testUpdateGroupMembers(t *testing.T, e *env) {
	const upc = "(store.GroupUpdater.UpdateGroup)"
	up := e.groupUpdater(t)
	a := e.createUser(t, &resources.User{UserName: "a"})
	b := e.createUser(t, &resources.User{UserName: "b"})
	g := e.createGroup(t, &resources.Group{DisplayName: "team", Members: []resources.Member{{Value: a.ID}}})

	// Without members: cur has none, and next's are ignored.
	out, err := up.UpdateGroup(e.ctx, g.ID, "", false, func(cur *resources.Group) (*resources.Group, error) {
		assert.Nil(t, cur.Members, "UpdateGroup without withMembers must call change with Members nil "+upc)
		cur.DisplayName = "Team"
		cur.Members = []resources.Member{}
		return cur, nil
	})
	require.NoError(t, err, "UpdateGroup must write the group change returns "+upc)
	assert.Equal(t, "Team", out.DisplayName, "UpdateGroup must return the group as written "+upc)
	assert.Nil(t, out.Members, "UpdateGroup without withMembers must return Members nil "+upc)
	got := e.getGroup(t, g.ID, store.GetOptions{}, "the group must still be there")
	require.Len(t, got.Members, 1, "UpdateGroup without withMembers must ignore next.Members and leave the members as they are "+upc)

	// With members: cur has them, and next's replace them.
	out, err = up.UpdateGroup(e.ctx, g.ID, "", true, func(cur *resources.Group) (*resources.Group, error) {
		if assert.Len(t, cur.Members, 1, "UpdateGroup with withMembers must call change with the stored members "+upc) {
			assert.Equal(t, a.ID, cur.Members[0].Value, "UpdateGroup with withMembers must call change with the stored members "+upc)
		}
		cur.Members = []resources.Member{{Value: b.ID}, {Value: unknownID()}}
		return cur, nil
	})
	require.NoError(t, err, "UpdateGroup with withMembers must write the group change returns "+upc)
	require.Len(t, out.Members, 1, "UpdateGroup with withMembers must return the members it wrote, values naming nothing skipped "+upc)
	assert.Equal(t, b.ID, out.Members[0].Value, "UpdateGroup with withMembers must replace the members with next.Members "+upc)
	got = e.getGroup(t, g.ID, store.GetOptions{}, "the group must still be there")
	require.Len(t, got.Members, 1, "UpdateGroup with withMembers must replace the members with next.Members, values naming nothing skipped "+upc)
	assert.Equal(t, b.ID, got.Members[0].Value, "UpdateGroup with withMembers must replace the members with next.Members "+upc)
	assert.Equal(t, out.Meta.Version, got.Meta.Version, "GetGroup must return the version UpdateGroup returned "+upc)

	// Under store.WithMemberIDs change may see the members without
	// Display, but the group returned has them in full, written or not.
	ids := store.WithMemberIDs(e.ctx)
	const full = "UpdateGroup with withMembers must return the members in full, Display included, under store.WithMemberIDs too " + upc
	out, err = up.UpdateGroup(ids, g.ID, "", true, func(cur *resources.Group) (*resources.Group, error) {
		assert.Equal(t, []string{b.ID}, memberIDs(cur.Members), "UpdateGroup with withMembers must call change with the stored members "+upc)
		return nil, nil
	})
	require.NoError(t, err, "UpdateGroup must accept a change that returns nil, nil "+upc)
	assert.Equal(t, got.Members, out.Members, full)
	out, err = up.UpdateGroup(ids, g.ID, "", true, func(cur *resources.Group) (*resources.Group, error) {
		cur.Members = append(cur.Members, resources.Member{Value: a.ID})
		return cur, nil
	})
	require.NoError(t, err, "UpdateGroup with withMembers must write the group change returns "+upc)
	got = e.getGroup(t, g.ID, store.GetOptions{}, "the group must still be there")
	assert.ElementsMatch(t, []string{a.ID, b.ID}, memberIDs(got.Members), "UpdateGroup with withMembers must replace the members with next.Members "+upc)
	assert.Equal(t, got.Members, out.Members, full)
	for _, m := range out.Members {
		assert.NotEmpty(t, m.Display, full)
	}
}

func testUpdateGroupIfVersionAndNil(t *testing.T, e *env) {
	const upc = "(store.GroupUpdater.UpdateGroup)"
	up := e.groupUpdater(t)
	g := e.createGroup(t, &resources.Group{DisplayName: "v"})
	_, err := up.UpdateGroup(e.ctx, g.ID, `W/"999"`, false, func(cur *resources.Group) (*resources.Group, error) {
		t.Error("UpdateGroup must not call change when ifVersion is not the stored version " + upc)
		return cur, nil
	})
	require.ErrorIs(t, err, store.ErrPreconditionFailed, "UpdateGroup must refuse an ifVersion that is not the stored version "+upc)
	_, err = up.UpdateGroup(e.ctx, unknownID(), "", false, func(cur *resources.Group) (*resources.Group, error) { return cur, nil })
	require.ErrorIs(t, err, store.ErrNotFound, "UpdateGroup of an id no group has must return store.ErrNotFound "+upc)

	out, err := up.UpdateGroup(e.ctx, g.ID, g.Meta.Version, true, func(*resources.Group) (*resources.Group, error) { return nil, nil })
	require.NoError(t, err, "UpdateGroup must accept a change that returns nil, nil "+upc)
	assert.Equal(t, g.Meta.Version, out.Meta.Version, "when change returns nil, UpdateGroup must write nothing and keep the version "+upc)

	_, err = up.UpdateGroup(e.ctx, g.ID, "", false, func(cur *resources.Group) (*resources.Group, error) {
		cur.ExternalID = "never"
		return cur, errRefused
	})
	require.ErrorIs(t, err, errRefused, "UpdateGroup must return change's error unwrapped (or wrapped, for errors.Is) "+upc)
	got := e.getGroup(t, g.ID, store.GetOptions{ExcludeMembers: true}, "the group must still be there")
	assert.Empty(t, got.ExternalID, "when change returns an error, UpdateGroup must write nothing "+upc)
	assert.Equal(t, g.Meta.Version, got.Meta.Version, "when change returns an error, UpdateGroup must keep the version "+upc)
}

func testUpdateGroupNoLostUpdate(t *testing.T, e *env) {
	const upc = "(store.GroupUpdater.UpdateGroup: the read, change and write are one atomic step under the row's lock)"
	up := e.groupUpdater(t)
	g := e.createGroup(t, &resources.Group{DisplayName: "contended"})
	// Each update appends to externalId, or to displayName (unique, but
	// this is the tenant's one group) when the model leaves it out.
	note := func(g *resources.Group) *string { return &g.DisplayName }
	if !e.groupModel.Group.Omits("externalId") {
		note = func(g *resources.Group) *string { return &g.ExternalID }
	}
	errs := fanout.Run(updaters, func(i int) error {
		_, err := up.UpdateGroup(e.ctx, g.ID, "", false, func(cur *resources.Group) (*resources.Group, error) {
			*note(cur) += fmt.Sprintf("[%d]", i)
			return cur, nil
		})
		return err
	})
	requireEachApplied(t, errs, func() string {
		return *note(e.getGroup(t, g.ID, store.GetOptions{ExcludeMembers: true}, "the group must still be there"))
	}, "UpdateGroup", upc)
}

// testGetUserGroups: a store that fills Groups (non-nil) fills them as
// GroupsOf answers, and ExcludeGroups leaves them nil.
func testGetUserGroups(t *testing.T, e *env) {
	if e.groups == nil {
		t.Skip("no GroupStore (Stores.Groups is nil)")
	}
	const get = "(store.UserStore.GetUser: a non-nil Groups says it is filled, as GroupsOf answers)"
	u := e.createUser(t, &resources.User{UserName: "member"})
	lonely := e.createUser(t, &resources.User{UserName: "lonely"})
	g1 := e.createGroup(t, &resources.Group{DisplayName: "one", Members: []resources.Member{{Value: u.ID}}})
	g2 := e.createGroup(t, &resources.Group{DisplayName: "two", Members: []resources.Member{{Value: u.ID}}})

	got := e.getUser(t, u.ID, store.GetOptions{ExcludeGroups: true}, "a created user must be readable")
	assert.Nil(t, got.Groups, "GetUser with ExcludeGroups must return Groups nil (store.GetOptions.ExcludeGroups)")
	p := e.listUsers(t, store.Query{Count: 10, ExcludeGroups: true})
	for _, it := range p.Items {
		assert.Nil(t, it.Groups, "ListUsers with ExcludeGroups must return Groups nil (store.Query.ExcludeGroups)")
	}

	got = e.getUser(t, u.ID, store.GetOptions{}, "a created user must be readable")
	if got.Groups == nil {
		t.Skip("the user store leaves Groups to the MembershipReader")
	}
	want := []resources.GroupRef{{Value: g1.ID, Display: "one", Type: "direct"}, {Value: g2.ID, Display: "two", Type: "direct"}}
	assert.Equal(t, want, resources.TypedGroupRefs(got.Groups), "GetUser must fill Groups with the user's groups "+get)
	got = e.getUser(t, lonely.ID, store.GetOptions{}, "a created user must be readable")
	assert.Equal(t, []resources.GroupRef{}, got.Groups, "a store that fills Groups must fill an empty, non-nil slice for a user in no group "+get)

	p = e.listUsers(t, store.Query{Count: 10})
	require.Len(t, p.Items, 2, "ListUsers must return the tenant's users (store.UserStore.ListUsers)")
	for _, it := range p.Items {
		require.NotNil(t, it.Groups, "a store that fills GetUser's Groups must fill ListUsers' too (store.UserStore.ListUsers)")
		if it.ID == u.ID {
			assert.Equal(t, want, resources.TypedGroupRefs(it.Groups), "ListUsers must fill Groups as GetUser does (store.UserStore.ListUsers)")
		} else {
			assert.Empty(t, it.Groups, "ListUsers must fill Groups as GetUser does (store.UserStore.ListUsers)")
		}
	}
}
