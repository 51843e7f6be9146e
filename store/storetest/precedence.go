package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
)

// Which error wins (store.GroupStore, "Which error wins"): a write that
// breaks several rules at once fails with the first that applies in one
// order, on every store, so that the handler answers one request one way
// whichever store it runs on.

// breach is a rule a write under test breaks; a case breaks several.
type breach uint8

const (
	breachMissing breach = 1 << iota // the resource written does not exist
	breachStale                      // ifVersion names another version
	breachCheck                      // the caller's check (or change) fails
	breachUnknown                    // a member value names nothing
	breachSelf                       // a member value names the group itself
	breachName                       // the userName or displayName is another's
	breachUnique                     // a unique extension attribute's value is another's
)

// breachNames name each breach in a case's name.
var breachNames = []struct {
	b    breach
	name string
}{
	{breachMissing, "missing"}, {breachStale, "stale"}, {breachCheck, "check"},
	{breachUnknown, "unknown-member"}, {breachSelf, "self-member"},
	{breachName, "name-taken"}, {breachUnique, "unique-taken"},
}

// precedence is the contract's order: the error of the first breach a
// case has is the write's.
var precedence = []struct {
	b   breach
	err error
}{
	{breachMissing, store.ErrNotFound},
	{breachStale, store.ErrPreconditionFailed},
	{breachCheck, errRefused},
	{breachUnknown | breachSelf, store.ErrUnknownMembers},
	{breachName | breachUnique, store.ErrConflict},
}

const precedenceRule = "a write that breaks several rules fails with the first of: not found, ifVersion, the caller's check or change, " +
	"unknown members (MemberSkips.Refuse), uniqueness (store.GroupStore, \"Which error wins\")"

func (b breach) String() string {
	var parts []string
	for _, n := range breachNames {
		if b&n.b != 0 {
			parts = append(parts, n.name)
		}
	}
	return strings.Join(parts, "+")
}

// wants is the error the contract gives a write breaking b.
func (b breach) wants() error {
	for _, p := range precedence {
		if b&p.b != 0 {
			return p.err
		}
	}
	return nil
}

// cases returns every non-empty combination of the breaches in b, but
// none with two breaches of one rank that exclude each other (a member
// unknown and the group itself; a name and a unique value taken, which
// rank alike and need no case of their own together).
func (b breach) cases() []breach {
	var out []breach
	for c := breach(1); c != 0 && c <= b; c++ {
		if c&^b != 0 || c&(breachUnknown|breachSelf) == breachUnknown|breachSelf || c&(breachName|breachUnique) == breachName|breachUnique {
			continue
		}
		out = append(out, c)
	}
	return out
}

// addressing returns how a case addresses the resource under test: by
// missing when it breaks breachMissing, else by id; at stale when it
// breaks breachStale, else at version.
func addressing(missing, stale, id, version string) (idOf, versionOf func(breach) string) {
	pick := func(c, b breach, broken, fine string) string {
		if c&b != 0 {
			return broken
		}
		return fine
	}
	return func(c breach) string { return pick(c, breachMissing, missing, id) },
		func(c breach) string { return pick(c, breachStale, stale, version) }
}

// precedenceWrite is one write method under test: the breaches it can
// meet, the call breaking those of a case, and the check that the
// refused call wrote nothing.
type precedenceWrite struct {
	name      string
	breaches  breach
	call      func(ctx context.Context, c breach) error
	unchanged func(t *testing.T, what string)
}

// runPrecedence runs every case of every write: each must fail with the
// error the contract ranks first, and write nothing. Every call carries
// a store.MemberSkips that refuses, as the handler's strict mode does.
func runPrecedence(t *testing.T, e *env, writes []precedenceWrite) {
	t.Helper()
	for _, w := range writes {
		for _, c := range w.breaches.cases() {
			want := c.wants()
			what := w.name + " breaking " + c.String()
			err := w.call(store.WithMemberSkips(e.ctx, &store.MemberSkips{Refuse: true}), c)
			switch {
			case err == nil:
				t.Errorf("%s succeeded; it must fail with %v: %s", what, want, precedenceRule)
			case !errors.Is(err, want):
				t.Errorf("%s failed with %v; it must fail with %v: %s", what, err, want, precedenceRule)
			}
			w.unchanged(t, what)
		}
	}
}

// testWritePrecedenceUsers: ReplaceUser, UpdateUser and DeleteUser
// breaking several rules fail with the first in the contract's order.
func testWritePrecedenceUsers(t *testing.T, e *env) {
	unique := breach(0)
	var u uniq
	taken := &resources.User{UserName: "precedence-taken"}
	if uniqueSkip(e, true) == "" {
		u = e.uniqueUser(t)
		unique = breachUnique
		taken.Extensions = u.ext("B-taken", false)
	}
	taken = e.createUser(t, taken)
	n := e.note(t)
	target := e.createUser(t, n.user("precedence-target", "kept"))
	// The version before the last: stale, as a provider's If-Match is.
	stale := target.Meta.Version
	target, err := e.users.ReplaceUser(e.ctx, target, "")
	require.NoError(t, err, "ReplaceUser at any version must write (store.UserStore.ReplaceUser)")
	// Checked first: with the version kept, "stale" is the stored one,
	// and every case below would fail for that reason, not its own.
	require.NotEqual(t, stale, target.Meta.Version, "ReplaceUser must give the user a new Meta.Version (store.UserStore.ReplaceUser)")
	missing := unknownID()

	next := func(cur *resources.User, c breach) *resources.User {
		x := cur.Clone()
		x.Groups = nil
		if c&breachMissing != 0 {
			x.ID = missing
		}
		if c&breachName != 0 {
			x.UserName = taken.UserName
		}
		if c&breachUnique != 0 {
			x.Extensions = u.ext("B-taken", false)
		}
		n.set(x, "written")
		e.fitUser(x)
		return x
	}
	id, version := addressing(missing, stale, target.ID, target.Meta.Version)
	unchanged := func(t *testing.T, what string) {
		t.Helper()
		got := e.getUser(t, target.ID, store.GetOptions{ExcludeGroups: true}, "a refused write keeps the user")
		assert.Equal(t, target.Meta.Version, got.Meta.Version, "%s must write nothing (store.UserStore: a write's error means nothing was written)", what)
		assert.Equal(t, "kept", n.get(got), "%s must write nothing (store.UserStore)", what)
	}
	writes := []precedenceWrite{
		{"ReplaceUser", breachMissing | breachStale | breachName | unique, func(ctx context.Context, c breach) error {
			_, err := e.users.ReplaceUser(ctx, next(target, c), version(c))
			return err
		}, unchanged},
		{"DeleteUser", breachMissing | breachStale, func(ctx context.Context, c breach) error {
			return e.users.DeleteUser(ctx, id(c), version(c))
		}, unchanged},
	}
	if e.userUp != nil {
		writes = append(writes, precedenceWrite{"UserUpdater.UpdateUser", breachMissing | breachStale | breachCheck | breachName | unique, func(ctx context.Context, c breach) error {
			_, err := e.userUp.UpdateUser(ctx, id(c), version(c), func(cur *resources.User) (*resources.User, error) {
				if c&breachCheck != 0 {
					return nil, errRefused
				}
				x := next(cur, c)
				x.ID = cur.ID
				return x, nil
			})
			return err
		}, unchanged})
	}
	runPrecedence(t, e, writes)
}

// testWritePrecedenceGroups: every group write breaking several rules
// (a missing group, a stale ifVersion, a failing check, a member value
// that names nothing or the group itself, a displayName or unique value
// taken) fails with the first in the contract's order and writes
// nothing. Members refused count only on a store that fills
// store.MemberSkips; the others rank the same on every store.
func testWritePrecedenceGroups(t *testing.T, e *env) {
	users := e.createUserIDs(t, "precedence", 2)
	var u uniq
	unique := breach(0)
	if uniqueSkip(e, false) == "" {
		u = e.uniqueGroup(t)
		unique = breachUnique
	}
	ext := func(v string) map[string]json.RawMessage {
		if unique == 0 {
			return nil
		}
		return u.ext(v, false)
	}
	taken := e.createGroup(t, &resources.Group{DisplayName: "Precedence Taken", Extensions: ext("C-taken")})
	target := e.createGroup(t, &resources.Group{DisplayName: "Precedence Target", Extensions: ext("C-target"), Members: []resources.Member{{Value: users[0]}}})
	stale := target.Meta.Version
	target, err := e.groups.ReplaceGroup(e.ctx, target, "")
	require.NoError(t, err, "ReplaceGroup at any version must write (store.GroupStore.ReplaceGroup)")
	// Checked first: with the version kept, "stale" is the stored one,
	// and every case below would fail for that reason, not its own.
	require.NotEqual(t, stale, target.Meta.Version, "ReplaceGroup must give the group a new Meta.Version (store.GroupStore.ReplaceGroup)")
	missing, ghost := unknownID(), unknownID()

	members := breachUnknown
	if e.nested {
		members |= breachSelf
	}
	var probe store.MemberSkips
	_, err = e.groups.ModifyMembers(store.WithMemberSkips(e.ctx, &probe), target.ID, []string{ghost}, nil, "")
	require.NoError(t, err, "ModifyMembers must skip a value that names nothing (store.GroupStore)")
	target = e.getGroup(t, target.ID, store.GetOptions{}, "the group must be there")
	if !probe.Filled {
		members = 0 // the store cannot refuse them: the other rules still rank
	}

	id, version := addressing(missing, stale, target.ID, target.Meta.Version)
	// add is the member values a write adds: a user, and the values
	// that name nothing or the group itself.
	add := func(c breach) []string {
		ids := []string{users[1]}
		if c&breachUnknown != 0 {
			ids = append(ids, ghost)
		}
		if c&breachSelf != 0 {
			ids = append(ids, id(c))
		}
		return ids
	}
	next := func(cur *resources.Group, c breach, withMembers bool) *resources.Group {
		x := cur.Clone()
		x.ID = id(c)
		if c&breachName != 0 {
			x.DisplayName = taken.DisplayName
		}
		if c&breachUnique != 0 {
			x.Extensions = ext("C-taken")
		}
		x.ExternalID = "written"
		e.fitGroup(x)
		x.Members = nil
		if withMembers {
			x.Members = []resources.Member{{Value: users[0]}}
			for _, m := range add(c) {
				x.Members = append(x.Members, resources.Member{Value: m})
			}
		}
		return x
	}
	check := func(c breach) func(*resources.Group) error {
		return func(*resources.Group) error {
			if c&breachCheck != 0 {
				return errRefused
			}
			return nil
		}
	}
	unchanged := func(t *testing.T, what string) {
		t.Helper()
		got := e.getGroup(t, target.ID, store.GetOptions{}, "a refused write keeps the group")
		assert.Equal(t, target.Meta.Version, got.Meta.Version, "%s must write nothing (store.GroupStore: a write's error means nothing was written)", what)
		assert.Equal(t, []string{users[0]}, memberIDs(got.Members), "%s must write nothing (store.GroupStore)", what)
		assert.Equal(t, 1, e.listGroups(t, store.Query{Filter: parse(t, `displayName eq "Precedence Taken"`)}).Total, "%s must create nothing (store.GroupStore)", what)
		assert.Zero(t, e.listGroups(t, store.Query{Filter: parse(t, `displayName eq "Precedence Fresh"`)}).Total, "%s must create nothing (store.GroupStore)", what)
	}
	writes := []precedenceWrite{
		{"CreateGroup", members&breachUnknown | breachName | unique, func(ctx context.Context, c breach) error {
			g := next(&resources.Group{DisplayName: "Precedence Fresh"}, c, true)
			g.ID = ""
			_, err := e.groups.CreateGroup(ctx, g)
			return err
		}, unchanged},
		{"ReplaceGroup", breachMissing | breachStale | members | breachName | unique, func(ctx context.Context, c breach) error {
			_, err := e.groups.ReplaceGroup(ctx, next(target, c, true), version(c))
			return err
		}, unchanged},
		{"ModifyMembers", breachMissing | breachStale | members, func(ctx context.Context, c breach) error {
			_, err := e.groups.ModifyMembers(ctx, id(c), add(c), []string{users[0]}, version(c))
			return err
		}, unchanged},
		{"DeleteGroup", breachMissing | breachStale, func(ctx context.Context, c breach) error {
			return e.groups.DeleteGroup(ctx, id(c), version(c))
		}, unchanged},
	}
	if e.checkedUp != nil {
		writes = append(writes, precedenceWrite{"CheckedMemberModifier.ModifyMembersChecked", breachMissing | breachStale | breachCheck | members, func(ctx context.Context, c breach) error {
			_, err := e.checkedUp.ModifyMembersChecked(ctx, id(c), add(c), []string{users[0]}, version(c), check(c))
			return err
		}, unchanged})
	}
	if e.groupUp != nil {
		for _, withMembers := range []bool{true, false} {
			b, name := breachMissing|breachStale|breachCheck|breachName|unique, "GroupUpdater.UpdateGroup without members"
			if withMembers {
				b, name = b|members, "GroupUpdater.UpdateGroup with members"
			}
			writes = append(writes, precedenceWrite{name, b, func(ctx context.Context, c breach) error {
				_, err := e.groupUp.UpdateGroup(ctx, id(c), version(c), withMembers, func(cur *resources.Group) (*resources.Group, error) {
					if err := check(c)(cur); err != nil {
						return nil, err
					}
					x := next(cur, c, withMembers)
					x.ID = cur.ID
					return x, nil
				})
				return err
			}, unchanged})
		}
	}
	runPrecedence(t, e, writes)
}
