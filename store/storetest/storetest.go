// Package storetest is the conformance suite for store.UserStore and
// store.GroupStore implementations. Every store, the embedded one and a
// host's own, proves the contract written in package store's doc comments
// with one call:
//
//	func TestMyStore(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) storetest.Stores {
//			db := newMyStore(t)
//			return storetest.Stores{Users: db, Groups: db}
//		})
//	}
//
// Subtests run in parallel, each in tenants of its own (random
// store.WithTenant ids), so newStores may return fresh stores every time or
// the same store (for example one database) every time; it must not wipe
// data that other subtests are using.
//
// The suite holds every store to what the handler relies on: the filter
// semantics of query.Evaluator, the sort order of query.Sorter (strings
// that are not caseExact by the bytes of query.Fold, caseExact ones by
// their bytes, whatever the database's collation), userName and
// displayName uniqueness under strings.EqualFold, versions checked
// atomically by replaces, deletes and membership changes, tenant
// isolation, and no aliasing between the caller's values and the stored
// ones. The users it writes always have Active set, as the handler's do.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
)

// Stores are the stores under test. Groups may be nil: the group tests are
// then skipped. When Groups implements store.MembershipReader, GroupsOf is
// tested too.
type Stores struct {
	Users  store.UserStore
	Groups store.GroupStore
}

// Run runs the conformance suite. newStores is called once per subtest.
func Run(t *testing.T, newStores func(t *testing.T) Stores) {
	t.Helper()
	for _, tc := range userTests {
		t.Run("Users/"+tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, newEnv(t, newStores))
		})
	}
	for _, tc := range capabilityTests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, newEnv(t, newStores))
		})
	}
	for _, tc := range cursorTests {
		t.Run("Cursor/"+tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, newEnv(t, newStores))
		})
	}
	for _, tc := range groupTests {
		t.Run("Groups/"+tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, newStores)
			if e.groups == nil {
				t.Skip("no GroupStore")
			}
			tc.fn(t, e)
		})
	}
}

type test struct {
	name string
	fn   func(t *testing.T, e *env)
}

// env is one subtest's stores and tenant.
type env struct {
	users  store.UserStore
	groups store.GroupStore
	ctx    context.Context
	tenant string
}

func newEnv(t *testing.T, newStores func(t *testing.T) Stores) *env {
	s := newStores(t)
	require.NotNil(t, s.Users, "Stores.Users is nil")
	tenant := "storetest-" + randomHex(8)
	return &env{users: s.Users, groups: s.Groups, tenant: tenant, ctx: store.WithTenant(context.Background(), tenant)}
}

// other returns a context of a second tenant.
func (e *env) other() context.Context {
	return store.WithTenant(context.Background(), e.tenant+"-other")
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// unknownID is an id no store assigned.
func unknownID() string { return "00000000-0000-4000-8000-" + randomHex(6) }

var (
	userType  = resources.NewUserType()
	groupType = resources.NewGroupType()
	parser    = filter.Parser{Schemas: append(userType.SchemaURNs(), groupType.SchemaURNs()...)}
)

func parse(t *testing.T, s string) filter.Expr {
	t.Helper()
	e, err := parser.Parse(s)
	require.NoError(t, err, "filter %s", s)
	return e
}

func (e *env) createUser(t *testing.T, u *resources.User) *resources.User {
	t.Helper()
	out, err := e.users.CreateUser(e.ctx, u)
	require.NoError(t, err, "CreateUser %q", u.UserName)
	require.NotNil(t, out)
	return out
}

func (e *env) createGroup(t *testing.T, g *resources.Group) *resources.Group {
	t.Helper()
	out, err := e.groups.CreateGroup(e.ctx, g)
	require.NoError(t, err, "CreateGroup %q", g.DisplayName)
	require.NotNil(t, out)
	return out
}

// listUsers lists the users q asks for in the subtest's tenant, with
// StartIndex 1 when q leaves it 0, and fails t on an error.
func (e *env) listUsers(t *testing.T, q store.Query) store.Page[*resources.User] {
	t.Helper()
	if q.StartIndex == 0 {
		q.StartIndex = 1
	}
	p, err := e.users.ListUsers(e.ctx, q)
	require.NoError(t, err, "ListUsers %+v", q)
	return p
}

// listGroups is listUsers for groups.
func (e *env) listGroups(t *testing.T, q store.Query) store.Page[*resources.Group] {
	t.Helper()
	if q.StartIndex == 0 {
		q.StartIndex = 1
	}
	p, err := e.groups.ListGroups(e.ctx, q)
	require.NoError(t, err, "ListGroups %+v", q)
	return p
}

func userNames(us []*resources.User) []string {
	out := []string{}
	for _, u := range us {
		out = append(out, u.UserName)
	}
	return out
}

func groupNames(gs []*resources.Group) []string {
	out := []string{}
	for _, g := range gs {
		out = append(out, g.DisplayName)
	}
	return out
}

func memberIDs(ms []resources.Member) []string {
	out := []string{}
	for _, m := range ms {
		out = append(out, m.Value)
	}
	return out
}

func requireIs(t *testing.T, err, target error, msgAndArgs ...any) {
	t.Helper()
	require.Error(t, err, msgAndArgs...)
	require.True(t, errors.Is(err, target), "want %v, got %v", target, err)
}

func ptr[T any](v T) *T { return &v }
