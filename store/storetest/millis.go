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

// millisOf runs the timestamp checks on one kind of resource: two
// created apart, and the second replaced apart from its creation, show
// different, ordered times, read back as stored. create makes one named
// name and returns its id, read returns its Meta as stored, replace
// writes it again.
func millisOf(t *testing.T, kind, contract string, create func(name string) string, read func(id string) resources.Meta, replace func(id string)) {
	t.Helper()
	first := create("millis-first")
	time.Sleep(apart)
	second := create("millis-second")
	a, b := read(first), read(second)
	laterTo(t, a.Created, b.Created, "the Meta.Created of two "+kind+"s created", contract)
	time.Sleep(apart)
	replace(second)
	laterTo(t, b.LastModified, read(second).LastModified, "the Meta.LastModified of a "+kind+" created and replaced", contract)
}

// testUserMillis is millisOf for users.
func testUserMillis(t *testing.T, e *env) {
	opts := store.GetOptions{ExcludeGroups: true}
	millisOf(t, "user", "store.UserStore.CreateUser, ReplaceUser",
		func(name string) string { return e.createUser(t, &resources.User{UserName: name}).ID },
		func(id string) resources.Meta { return e.getUser(t, id, opts, "a stored user must be readable").Meta },
		func(id string) {
			next := e.getUser(t, id, opts, "a stored user must be readable")
			e.fitUser(next)
			_, err := e.users.ReplaceUser(e.ctx, next, "")
			require.NoError(t, err, "ReplaceUser at any version must write (store.UserStore.ReplaceUser)")
		})
}

// testGroupMillis is millisOf for groups.
func testGroupMillis(t *testing.T, e *env) {
	millisOf(t, "group", "store.GroupStore.CreateGroup, ReplaceGroup",
		func(name string) string { return e.createGroup(t, &resources.Group{DisplayName: name}).ID },
		func(id string) resources.Meta {
			return e.getGroup(t, id, store.GetOptions{ExcludeMembers: true}, "a stored group must be readable").Meta
		},
		func(id string) {
			next := e.getGroup(t, id, store.GetOptions{}, "a stored group must be readable")
			next.DisplayName += " renamed"
			e.fitGroup(next)
			_, err := e.groups.ReplaceGroup(e.ctx, next, "")
			require.NoError(t, err, "ReplaceGroup at any version must write (store.GroupStore.ReplaceGroup)")
		})
}
