package storetest

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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
	{"GroupUpdater/Members", testUpdateGroupMembers},
	{"GroupUpdater/IfVersionAndNil", testUpdateGroupIfVersionAndNil},
	{"GroupUpdater/NoLostUpdate", testUpdateGroupNoLostUpdate},
	{"GetUser/Groups", testGetUserGroups},
}

func (e *env) userUpdater(t *testing.T) store.UserUpdater {
	u, ok := e.users.(store.UserUpdater)
	if !ok {
		t.Skip("the user store is no store.UserUpdater")
	}
	return u
}

func (e *env) groupUpdater(t *testing.T) store.GroupUpdater {
	if e.groups == nil {
		t.Skip("no GroupStore")
	}
	g, ok := e.groups.(store.GroupUpdater)
	if !ok {
		t.Skip("the group store is no store.GroupUpdater")
	}
	return g
}

var errRefused = errors.New("storetest: change refused")

func testUpdateUserAtomic(t *testing.T, e *env) {
	up := e.userUpdater(t)
	u := e.createUser(t, &resources.User{UserName: "atomic", Title: "before"})

	out, err := up.UpdateUser(e.ctx, u.ID, "", func(cur *resources.User) (*resources.User, error) {
		assert.Equal(t, "before", cur.Title)
		assert.Nil(t, cur.Groups, "change gets no groups")
		cur.Title = "after"
		return cur, nil
	})
	require.NoError(t, err)
	assert.Equal(t, u.ID, out.ID)
	assert.Equal(t, "after", out.Title)
	assert.NotEqual(t, u.Meta.Version, out.Meta.Version, "a write gives a new version")
	got, err := e.users.GetUser(e.ctx, u.ID, store.GetOptions{ExcludeGroups: true})
	require.NoError(t, err)
	assert.Equal(t, "after", got.Title)
	assert.Equal(t, out.Meta.Version, got.Meta.Version)

	// A change that fails writes nothing and its error comes back as is.
	_, err = up.UpdateUser(e.ctx, u.ID, "", func(cur *resources.User) (*resources.User, error) {
		cur.Title = "never"
		return cur, errRefused
	})
	require.ErrorIs(t, err, errRefused)
	got, err = e.users.GetUser(e.ctx, u.ID, store.GetOptions{ExcludeGroups: true})
	require.NoError(t, err)
	assert.Equal(t, "after", got.Title)
	assert.Equal(t, out.Meta.Version, got.Meta.Version)

	// The write keeps the store's rules: a taken userName is a conflict.
	e.createUser(t, &resources.User{UserName: "taken"})
	_, err = up.UpdateUser(e.ctx, u.ID, "", func(cur *resources.User) (*resources.User, error) {
		cur.UserName = "TAKEN"
		return cur, nil
	})
	require.ErrorIs(t, err, store.ErrConflict)
}

func testUpdateUserIfVersion(t *testing.T, e *env) {
	up := e.userUpdater(t)
	u := e.createUser(t, &resources.User{UserName: "versioned"})
	called := false
	_, err := up.UpdateUser(e.ctx, u.ID, `W/"999"`, func(cur *resources.User) (*resources.User, error) {
		called = true
		return cur, nil
	})
	require.ErrorIs(t, err, store.ErrPreconditionFailed)
	assert.False(t, called, "change is not called at another version")

	out, err := up.UpdateUser(e.ctx, u.ID, u.Meta.Version, func(cur *resources.User) (*resources.User, error) {
		cur.NickName = "v"
		return cur, nil
	})
	require.NoError(t, err)
	assert.Equal(t, "v", out.NickName)
	_, err = up.UpdateUser(e.ctx, u.ID, u.Meta.Version, func(cur *resources.User) (*resources.User, error) { return cur, nil })
	require.ErrorIs(t, err, store.ErrPreconditionFailed, "the version read before the write is stale")

	_, err = up.UpdateUser(e.ctx, unknownID(), "", func(cur *resources.User) (*resources.User, error) { return cur, nil })
	require.ErrorIs(t, err, store.ErrNotFound)
	_, err = up.UpdateUser(e.other(), u.ID, "", func(cur *resources.User) (*resources.User, error) { return cur, nil })
	require.ErrorIs(t, err, store.ErrNotFound, "another tenant's user does not exist")
}

func testUpdateUserNil(t *testing.T, e *env) {
	up := e.userUpdater(t)
	u := e.createUser(t, &resources.User{UserName: "unchanged"})
	out, err := up.UpdateUser(e.ctx, u.ID, u.Meta.Version, func(*resources.User) (*resources.User, error) { return nil, nil })
	require.NoError(t, err)
	assert.Equal(t, u.Meta.Version, out.Meta.Version, "nothing written: the version stays")
	assert.Equal(t, "unchanged", out.UserName)
	got, err := e.users.GetUser(e.ctx, u.ID, store.GetOptions{ExcludeGroups: true})
	require.NoError(t, err)
	assert.Equal(t, u.Meta.Version, got.Meta.Version)
	assert.True(t, u.Meta.LastModified.Equal(got.Meta.LastModified))
}

// updaters is how many updaters run at once in the NoLostUpdate tests.
const updaters = 16

func testUpdateUserNoLostUpdate(t *testing.T, e *env) {
	up := e.userUpdater(t)
	u := e.createUser(t, &resources.User{UserName: "contended"})
	var wg sync.WaitGroup
	errs := make([]error, updaters)
	for i := range updaters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = up.UpdateUser(e.ctx, u.ID, "", func(cur *resources.User) (*resources.User, error) {
				cur.Title += fmt.Sprintf("[%d]", i)
				return cur, nil
			})
		}()
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	got, err := e.users.GetUser(e.ctx, u.ID, store.GetOptions{ExcludeGroups: true})
	require.NoError(t, err)
	for i := range updaters {
		assert.Contains(t, got.Title, fmt.Sprintf("[%d]", i), "update %d was lost", i)
	}
	assert.Equal(t, updaters, strings.Count(got.Title, "["), "each update applied once")
}

func testUpdateGroupMembers(t *testing.T, e *env) {
	up := e.groupUpdater(t)
	a := e.createUser(t, &resources.User{UserName: "a"})
	b := e.createUser(t, &resources.User{UserName: "b"})
	g := e.createGroup(t, &resources.Group{DisplayName: "team", Members: []resources.Member{{Value: a.ID}}})

	// Without members: cur has none, and next's are ignored.
	out, err := up.UpdateGroup(e.ctx, g.ID, "", false, func(cur *resources.Group) (*resources.Group, error) {
		assert.Nil(t, cur.Members)
		cur.DisplayName = "Team"
		cur.Members = []resources.Member{}
		return cur, nil
	})
	require.NoError(t, err)
	assert.Equal(t, "Team", out.DisplayName)
	assert.Nil(t, out.Members)
	got, err := e.groups.GetGroup(e.ctx, g.ID, store.GetOptions{})
	require.NoError(t, err)
	require.Len(t, got.Members, 1, "members left as they were")

	// With members: cur has them, and next's replace them.
	out, err = up.UpdateGroup(e.ctx, g.ID, "", true, func(cur *resources.Group) (*resources.Group, error) {
		require.Len(t, cur.Members, 1)
		assert.Equal(t, a.ID, cur.Members[0].Value)
		cur.Members = []resources.Member{{Value: b.ID}, {Value: unknownID()}}
		return cur, nil
	})
	require.NoError(t, err)
	require.Len(t, out.Members, 1, "unknown ids are skipped")
	assert.Equal(t, b.ID, out.Members[0].Value)
	got, err = e.groups.GetGroup(e.ctx, g.ID, store.GetOptions{})
	require.NoError(t, err)
	require.Len(t, got.Members, 1)
	assert.Equal(t, b.ID, got.Members[0].Value)
	assert.Equal(t, out.Meta.Version, got.Meta.Version)
}

func testUpdateGroupIfVersionAndNil(t *testing.T, e *env) {
	up := e.groupUpdater(t)
	g := e.createGroup(t, &resources.Group{DisplayName: "v"})
	_, err := up.UpdateGroup(e.ctx, g.ID, `W/"999"`, false, func(cur *resources.Group) (*resources.Group, error) {
		t.Error("change called at another version")
		return cur, nil
	})
	require.ErrorIs(t, err, store.ErrPreconditionFailed)
	_, err = up.UpdateGroup(e.ctx, unknownID(), "", false, func(cur *resources.Group) (*resources.Group, error) { return cur, nil })
	require.ErrorIs(t, err, store.ErrNotFound)

	out, err := up.UpdateGroup(e.ctx, g.ID, g.Meta.Version, true, func(*resources.Group) (*resources.Group, error) { return nil, nil })
	require.NoError(t, err)
	assert.Equal(t, g.Meta.Version, out.Meta.Version, "nothing written: the version stays")

	_, err = up.UpdateGroup(e.ctx, g.ID, "", false, func(cur *resources.Group) (*resources.Group, error) {
		cur.ExternalID = "never"
		return cur, errRefused
	})
	require.ErrorIs(t, err, errRefused)
	got, err := e.groups.GetGroup(e.ctx, g.ID, store.GetOptions{ExcludeMembers: true})
	require.NoError(t, err)
	assert.Empty(t, got.ExternalID)
	assert.Equal(t, g.Meta.Version, got.Meta.Version)
}

func testUpdateGroupNoLostUpdate(t *testing.T, e *env) {
	up := e.groupUpdater(t)
	g := e.createGroup(t, &resources.Group{DisplayName: "contended"})
	var wg sync.WaitGroup
	errs := make([]error, updaters)
	for i := range updaters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = up.UpdateGroup(e.ctx, g.ID, "", false, func(cur *resources.Group) (*resources.Group, error) {
				cur.ExternalID += fmt.Sprintf("[%d]", i)
				return cur, nil
			})
		}()
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	got, err := e.groups.GetGroup(e.ctx, g.ID, store.GetOptions{ExcludeMembers: true})
	require.NoError(t, err)
	for i := range updaters {
		assert.Contains(t, got.ExternalID, fmt.Sprintf("[%d]", i), "update %d was lost", i)
	}
	assert.Equal(t, updaters, strings.Count(got.ExternalID, "["), "each update applied once")
}

// testGetUserGroups: a store that fills Groups (non-nil) fills them as
// GroupsOf answers, and ExcludeGroups leaves them nil.
func testGetUserGroups(t *testing.T, e *env) {
	if e.groups == nil {
		t.Skip("no GroupStore")
	}
	u := e.createUser(t, &resources.User{UserName: "member"})
	lonely := e.createUser(t, &resources.User{UserName: "lonely"})
	g1 := e.createGroup(t, &resources.Group{DisplayName: "one", Members: []resources.Member{{Value: u.ID}}})
	g2 := e.createGroup(t, &resources.Group{DisplayName: "two", Members: []resources.Member{{Value: u.ID}}})

	got, err := e.users.GetUser(e.ctx, u.ID, store.GetOptions{ExcludeGroups: true})
	require.NoError(t, err)
	assert.Nil(t, got.Groups, "ExcludeGroups leaves Groups nil")
	p := e.listUsers(t, store.Query{Count: 10, ExcludeGroups: true})
	for _, it := range p.Items {
		assert.Nil(t, it.Groups, "ExcludeGroups leaves Groups nil")
	}

	got, err = e.users.GetUser(e.ctx, u.ID, store.GetOptions{})
	require.NoError(t, err)
	if got.Groups == nil {
		t.Skip("the user store leaves Groups to the MembershipReader")
	}
	want := []resources.GroupRef{{Value: g1.ID, Display: "one", Type: "direct"}, {Value: g2.ID, Display: "two", Type: "direct"}}
	assert.Equal(t, want, got.Groups)
	got, err = e.users.GetUser(e.ctx, lonely.ID, store.GetOptions{})
	require.NoError(t, err)
	assert.Equal(t, []resources.GroupRef{}, got.Groups, "no groups: an empty, non-nil slice")

	p = e.listUsers(t, store.Query{Count: 10})
	require.Len(t, p.Items, 2)
	for _, it := range p.Items {
		require.NotNil(t, it.Groups, "a store filling GetUser's groups fills the list's")
		if it.ID == u.ID {
			assert.Equal(t, want, it.Groups)
		} else {
			assert.Empty(t, it.Groups)
		}
	}
}
