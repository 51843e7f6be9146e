package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/scimkit/scim/internal/suiteguard"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
)

// The suite calls the stores under test (their UserStore, GroupStore,
// updater and MembershipReader methods; the cursor listers and the feed
// run bare, under suite.Recover) through the guards in this file, so that a
// misbehaving store fails the check that met it, with a
// message naming the method and its contract, instead of crashing the
// test binary (and every parallel subtest with it) on a nil pointer:
//
//   - a panic inside a store method is recovered, reported with t.Errorf
//     (so it is never taken for an expected error) and returned as an
//     error wrapping errPanicked;
//   - a nil resource returned with a nil error, or a nil item in a page,
//     comes back as an error saying so, and the check that made the call
//     reports it.

// errPanicked wraps the error a guard returns for a store method that
// panicked.
var errPanicked = errors.New("storetest: the store panicked")

// errNilResult wraps the error a guard returns for a nil result without
// an error.
var errNilResult = errors.New("storetest: the store returned a nil result and a nil error")

// suite names storetest in the messages of its guards.
var suite = suiteguard.Suite{Name: "storetest", Contract: "store/store.go", Panicked: errPanicked}

// nilResult is the error for a nil result of method without an error.
func nilResult(method, what string) error {
	return fmt.Errorf("%w: %s returned a nil %s and a nil error: it must return the %s, or an error (see %s in store/store.go)",
		errNilResult, method, what, what, method)
}

func checkUser(method string, u *resources.User, err error) error {
	if err == nil && u == nil {
		return nilResult(method, "user")
	}
	return err
}

func checkGroup(method string, g *resources.Group, err error) error {
	if err == nil && g == nil {
		return nilResult(method, "group")
	}
	return err
}

// userStore guards a store.UserStore.
type userStore struct {
	t *testing.T
	s store.UserStore
}

// handlerActive gives u, a user the suite hands a store to write, the
// Active the handler gives it when it has none: active, the stored
// value of a user changed (an updater's cur), or true (a create, and a
// replace that leaves it out: the checks that do are of a user the store
// does not hold). Every user the suite writes passes here (CreateUser,
// ReplaceUser, UpdateUser's change), so none reaches the store with a
// nil Active, which the handler never sends (store.UserStore.CreateUser,
// ReplaceUser) and a store keeping active in a column that cannot be
// NULL may refuse. No check is about a nil Active, and none sets Active
// only to avoid one.
func handlerActive(u *resources.User, active *bool) {
	if u == nil || u.Active != nil {
		return
	}
	if active == nil {
		active = resources.Bool(true)
	}
	u.Active = resources.Bool(*active)
}

// CreateUser hands the store u with Active as the handler gives it
// (handlerActive).
func (g userStore) CreateUser(ctx context.Context, u *resources.User) (out *resources.User, err error) {
	defer suite.Catch(g.t, "store.UserStore.CreateUser", &err)
	handlerActive(u, nil)
	out, err = g.s.CreateUser(ctx, u)
	return out, checkUser("store.UserStore.CreateUser", out, err)
}

func (g userStore) GetUser(ctx context.Context, id string, opts store.GetOptions) (out *resources.User, err error) {
	defer suite.Catch(g.t, "store.UserStore.GetUser", &err)
	out, err = g.s.GetUser(ctx, id, opts)
	return out, checkUser("store.UserStore.GetUser", out, err)
}

func (g userStore) ListUsers(ctx context.Context, q store.Query) (p store.Page[*resources.User], err error) {
	defer suite.Catch(g.t, "store.UserStore.ListUsers", &err)
	p, err = g.s.ListUsers(ctx, q)
	if err == nil {
		for i, u := range p.Items {
			if u == nil {
				return p, fmt.Errorf("%w: store.UserStore.ListUsers returned a nil user at Items[%d]: every item must be a user", errNilResult, i)
			}
		}
	}
	return p, err
}

// ReplaceUser hands the store u with Active as the handler gives it
// (handlerActive).
func (g userStore) ReplaceUser(ctx context.Context, u *resources.User, ifVersion string) (out *resources.User, err error) {
	defer suite.Catch(g.t, "store.UserStore.ReplaceUser", &err)
	handlerActive(u, nil)
	out, err = g.s.ReplaceUser(ctx, u, ifVersion)
	return out, checkUser("store.UserStore.ReplaceUser", out, err)
}

func (g userStore) DeleteUser(ctx context.Context, id, ifVersion string) (err error) {
	defer suite.Catch(g.t, "store.UserStore.DeleteUser", &err)
	return g.s.DeleteUser(ctx, id, ifVersion)
}

// userUpdater guards a store.UserUpdater.
type userUpdater struct {
	t *testing.T
	s store.UserUpdater
}

// UpdateUser hands the store what change returns with Active as the
// handler gives it (handlerActive: the stored user's when it has none).
func (g userUpdater) UpdateUser(ctx context.Context, id, ifVersion string, change func(cur *resources.User) (*resources.User, error)) (out *resources.User, err error) {
	const method = "store.UserUpdater.UpdateUser"
	defer suite.Catch(g.t, method, &err)
	out, err = g.s.UpdateUser(ctx, id, ifVersion, func(cur *resources.User) (*resources.User, error) {
		if cur == nil {
			return nil, fmt.Errorf("%w: %s called change with a nil user: it must pass a copy of the stored user", errNilResult, method)
		}
		stored := cur.Active
		next, err := change(cur)
		handlerActive(next, stored)
		return next, err
	})
	return out, checkUser(method, out, err)
}

// groupStore guards a store.GroupStore.
type groupStore struct {
	t *testing.T
	s store.GroupStore
}

func (g groupStore) CreateGroup(ctx context.Context, in *resources.Group) (out *resources.Group, err error) {
	defer suite.Catch(g.t, "store.GroupStore.CreateGroup", &err)
	out, err = g.s.CreateGroup(ctx, in)
	return out, checkGroup("store.GroupStore.CreateGroup", out, err)
}

func (g groupStore) GetGroup(ctx context.Context, id string, opts store.GetOptions) (out *resources.Group, err error) {
	defer suite.Catch(g.t, "store.GroupStore.GetGroup", &err)
	out, err = g.s.GetGroup(ctx, id, opts)
	return out, checkGroup("store.GroupStore.GetGroup", out, err)
}

func (g groupStore) ListGroups(ctx context.Context, q store.Query) (p store.Page[*resources.Group], err error) {
	defer suite.Catch(g.t, "store.GroupStore.ListGroups", &err)
	p, err = g.s.ListGroups(ctx, q)
	if err == nil {
		for i, it := range p.Items {
			if it == nil {
				return p, fmt.Errorf("%w: store.GroupStore.ListGroups returned a nil group at Items[%d]: every item must be a group", errNilResult, i)
			}
		}
	}
	return p, err
}

func (g groupStore) ReplaceGroup(ctx context.Context, in *resources.Group, ifVersion string) (out *resources.Group, err error) {
	defer suite.Catch(g.t, "store.GroupStore.ReplaceGroup", &err)
	out, err = g.s.ReplaceGroup(ctx, in, ifVersion)
	return out, checkGroup("store.GroupStore.ReplaceGroup", out, err)
}

func (g groupStore) DeleteGroup(ctx context.Context, id, ifVersion string) (err error) {
	defer suite.Catch(g.t, "store.GroupStore.DeleteGroup", &err)
	return g.s.DeleteGroup(ctx, id, ifVersion)
}

func (g groupStore) ModifyMembers(ctx context.Context, groupID string, add, remove []string, ifVersion string) (out *resources.Group, err error) {
	defer suite.Catch(g.t, "store.GroupStore.ModifyMembers", &err)
	out, err = g.s.ModifyMembers(ctx, groupID, add, remove, ifVersion)
	return out, checkGroup("store.GroupStore.ModifyMembers", out, err)
}

// groupUpdater guards a store.GroupUpdater.
type groupUpdater struct {
	t *testing.T
	s store.GroupUpdater
}

func (g groupUpdater) UpdateGroup(ctx context.Context, id, ifVersion string, withMembers bool, change func(cur *resources.Group) (*resources.Group, error)) (out *resources.Group, err error) {
	const method = "store.GroupUpdater.UpdateGroup"
	defer suite.Catch(g.t, method, &err)
	out, err = g.s.UpdateGroup(ctx, id, ifVersion, withMembers, func(cur *resources.Group) (*resources.Group, error) {
		if cur == nil {
			return nil, fmt.Errorf("%w: %s called change with a nil group: it must pass a copy of the stored group", errNilResult, method)
		}
		return change(cur)
	})
	return out, checkGroup(method, out, err)
}

// membershipReader guards a store.MembershipReader.
type membershipReader struct {
	t *testing.T
	s store.MembershipReader
}

func (g membershipReader) GroupsOf(ctx context.Context, userIDs []string) (m map[string][]resources.GroupRef, err error) {
	defer suite.Catch(g.t, "store.MembershipReader.GroupsOf", &err)
	return g.s.GroupsOf(ctx, userIDs)
}
