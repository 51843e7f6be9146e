package storetest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
)

// apart is the time between the two writes of the timestamp checks: more
// than a millisecond, so that a store keeping its timestamps to the
// millisecond shows two times, and well inside a second, so that one
// keeping seconds nearly always shows one.
const apart = 3 * time.Millisecond

// millisRule is what the timestamp checks enforce.
const millisRule = "a store keeps meta.created and meta.lastModified to the millisecond at least (a store keeping seconds gives the writes of one second one time, and a client's filter on meta.lastModified gt the time it saw misses the later ones)"

// laterTo asserts that b, read after a write made apart after the one
// that gave a, is later than a.
func laterTo(t *testing.T, a, b time.Time, what, contract string) {
	t.Helper()
	assert.True(t, b.After(a), "%s %s apart must differ, the later write's later, as read back: %s (%s): %v then %v",
		what, apart, millisRule, contract, a, b)
}

// testUserMillis: two users created apart, and a user replaced apart from
// its creation, show different, ordered times, read back as stored.
func testUserMillis(t *testing.T, e *env) {
	const contract = "store.UserStore.CreateUser, ReplaceUser"
	first := e.createUser(t, &resources.User{UserName: "millis-first"})
	time.Sleep(apart)
	second := e.createUser(t, &resources.User{UserName: "millis-second"})
	opts := store.GetOptions{ExcludeGroups: true}
	a := e.getUser(t, first.ID, opts, "a created user must be readable")
	b := e.getUser(t, second.ID, opts, "a created user must be readable")
	laterTo(t, a.Meta.Created, b.Meta.Created, "the Meta.Created of two users created", contract)

	time.Sleep(apart)
	next := b.Clone()
	e.fitUser(next)
	_, err := e.users.ReplaceUser(e.ctx, next, "")
	require.NoError(t, err, "ReplaceUser at any version must write (store.UserStore.ReplaceUser)")
	c := e.getUser(t, second.ID, opts, "a replaced user must be readable")
	laterTo(t, b.Meta.LastModified, c.Meta.LastModified, "the Meta.LastModified of a user created and replaced", contract)
}

// testGroupMillis is testUserMillis for groups.
func testGroupMillis(t *testing.T, e *env) {
	const contract = "store.GroupStore.CreateGroup, ReplaceGroup"
	first := e.createGroup(t, &resources.Group{DisplayName: "Millis First"})
	time.Sleep(apart)
	second := e.createGroup(t, &resources.Group{DisplayName: "Millis Second"})
	opts := store.GetOptions{ExcludeMembers: true}
	a := e.getGroup(t, first.ID, opts, "a created group must be readable")
	b := e.getGroup(t, second.ID, opts, "a created group must be readable")
	laterTo(t, a.Meta.Created, b.Meta.Created, "the Meta.Created of two groups created", contract)

	time.Sleep(apart)
	next := e.getGroup(t, second.ID, store.GetOptions{}, "a created group must be readable")
	next.DisplayName = "Millis Renamed"
	e.fitGroup(next)
	_, err := e.groups.ReplaceGroup(e.ctx, next, "")
	require.NoError(t, err, "ReplaceGroup at any version must write (store.GroupStore.ReplaceGroup)")
	c := e.getGroup(t, second.ID, opts, "a replaced group must be readable")
	laterTo(t, b.Meta.LastModified, c.Meta.LastModified, "the Meta.LastModified of a group created and replaced", contract)
}
