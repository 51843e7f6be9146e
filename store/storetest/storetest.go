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
// semantics of query.Evaluator (an operand of another type than its
// attribute compared as the attribute's type, query.Conversion), the
// sort order of query.Sorter (strings
// that are not caseExact by the bytes of query.Fold, caseExact ones by
// their bytes, whatever the database's collation), userName and
// displayName uniqueness under query.NameKey (the identity key: NFC and
// NFD "café" are one name; it keeps every pair strings.EqualFold merges),
// with "eq" on them comparing the same key, versions checked
// atomically by replaces, deletes and membership changes, one error for
// a write that breaks several rules (WritePrecedence: store.GroupStore,
// "Which error wins"), the members CreateGroup and ReplaceGroup return
// (those held, without the values skipped), tenant isolation, and no
// aliasing between the caller's values and the stored ones. A store
// whose CreateGroup fills store.MemberSkips is held to it in every write
// of member values, optional interfaces included. The users it writes
// always have Active set, as the handler's do.
//
// Each failure states the rule it checks and the method of store/store.go
// whose doc comment states it, e.g. "ListUsers: Total must count every
// match, not just the page (store.Page.Total)". A store that panics, or
// returns a nil resource with a nil error, fails the check that called it
// (the panic is recovered and reported with the method's name) and no
// other subtest. Parts of the contract a store may leave out are declared
// in Stores (NoNestedGroups); the zero value checks everything. So are the
// attributes it keeps: a store built from a narrowed model
// (resources.ModelConfig.UserAttributes, GroupAttributes; the store is a
// store.ModelProvider) is never asked for what the model leaves out, an
// attribute or a sub-attribute ("name.middleName", "emails.display"), and
// a check whose data needs such an attribute is skipped with a message
// naming it (go test -v lists them); a check of lists leaves out, and
// logs, only its cases whose filter or sortBy names one, and runs the
// rest, so that a store compiling filters to its own queries is held to
// every filter and sort it can be sent.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
)

// Stores are the stores under test and the optional parts of the contract
// they declare they leave out. The zero value of every declaration is the
// full contract, which store/memory and store/sqlstore meet.
//
// Groups may be nil: the group tests are then skipped. When Groups
// implements store.MembershipReader, GroupsOf is tested too; when Users
// implements store.UserUpdater or Groups store.GroupUpdater or
// store.CheckedMemberModifier, so are they.
type Stores struct {
	// Users is the user store under test.
	Users store.UserStore
	// Groups is the group store under test, or nil (see above).
	Groups store.GroupStore
	// Feed is the stores' change feed, when they keep one: the Feed
	// tests then check it (and, when it implements store.FeedConsumers,
	// its consumers). Nil skips them.
	Feed store.ChangeFeed
	// Faults, when set, is wired into the stores' in-transaction hook
	// (its Check called with every entry of a write, before the commit),
	// so the suite can prove a change and its entries commit together.
	Faults *Faults

	// NoNestedGroups declares that the group store keeps users only as
	// members: a member value that names a group is skipped, as one that
	// names nothing is (see store.GroupStore). The suite then checks that
	// skip instead of nested and indirect memberships.
	NoNestedGroups bool
}

// Run runs the conformance suite. newStores is called once per subtest.
//
// A store that breaks a contract fails the check that found it, with a
// message naming the method and the rule in store/store.go; a store that
// panics or returns a nil resource without an error fails the subtest that
// met it and no other.
func Run(t *testing.T, newStores func(t *testing.T) Stores) {
	t.Helper()
	for _, set := range []struct {
		prefix string
		tests  []test
		// skip says why a subtest of the set cannot run on e, or "".
		skip func(e *env) string
	}{
		{"Users/", userTests, nil},
		{"Users/", storedBeforeTests, nil},
		{"", capabilityTests, nil},
		{"", checkedTests, nil},
		{"", endedTests, nil},
		{"", uniqueTests, nil},
		{"", compactedTests, nil},
		{"", feedTests, func(e *env) string { return when(e.feed == nil, "no Stores.Feed") }},
		{"Cursor/", cursorTests, nil},
		{"Pages/", pageTests, nil},
		{"Groups/", groupTests, func(e *env) string { return when(e.groups == nil, "no GroupStore (Stores.Groups is nil)") }},
	} {
		for _, tc := range set.tests {
			t.Run(set.prefix+tc.name, func(t *testing.T) {
				t.Parallel()
				defer suite.Recover(t)
				e := newEnv(t, newStores)
				if set.skip != nil {
					if why := set.skip(e); why != "" {
						t.Skip(why)
					}
				}
				tc.fn(t, e)
			})
		}
	}
}

// when is why if cond, else "".
func when(cond bool, why string) string {
	if cond {
		return why
	}
	return ""
}

type test struct {
	name string
	fn   func(t *testing.T, e *env)
}

// env is one subtest's stores and tenant. The stores and their updaters
// and membership reader are guarded (guard.go); the cursor listers and
// the feed are not (a panic there fails the subtest through suite.Recover).
// The optional interfaces are nil when the store lacks them.
type env struct {
	users   store.UserStore
	groups  store.GroupStore
	userUp  store.UserUpdater       // nil unless Users is a store.UserUpdater
	groupUp store.GroupUpdater      // nil unless Groups is a store.GroupUpdater
	mr      store.MembershipReader  // nil unless Groups is a store.MembershipReader
	nested  bool                    // groups may be members of groups (not Stores.NoNestedGroups)
	uCursor store.UserCursorLister  // nil unless Users is a store.UserCursorLister
	gCursor store.GroupCursorLister // nil unless Groups is a store.GroupCursorLister
	feed    store.ChangeFeed        // nil unless Stores.Feed
	faults  *Faults                 // nil unless Stores.Faults

	checkedUp store.CheckedMemberModifier // nil unless Groups is a store.CheckedMemberModifier
	// userModel and groupModel are the models the stores were built from
	// (modelOf, read before the stores are guarded: a guard is no
	// store.ModelProvider).
	userModel, groupModel *resources.Model
	// uniqUsers and uniqGroups: the stores declare they enforce unique
	// attributes (store.UniqueEnforcer), read before they are guarded.
	uniqUsers, uniqGroups bool
	// maxUserID and maxGroupID are the stores' store.IDLimiter bounds (0:
	// none said), read before they are guarded: every id created must
	// fit them.
	maxUserID, maxGroupID int
	ctx                   context.Context
	tenant                string
}

func newEnv(t *testing.T, newStores func(t *testing.T) Stores) *env {
	s := newStores(t)
	require.NotNil(t, s.Users, "storetest.Stores.Users is nil: newStores must return the UserStore under test")
	tenant := "storetest-" + randomHex(8)
	e := &env{users: userStore{t, s.Users}, nested: !s.NoNestedGroups, feed: s.Feed, faults: s.Faults, tenant: tenant, ctx: store.WithTenant(context.Background(), tenant),
		userModel: modelOf(s.Users), groupModel: modelOf(s.Groups), uniqUsers: enforcesUnique(s.Users), uniqGroups: enforcesUnique(s.Groups),
		maxUserID: store.MaxIDLen(s.Users), maxGroupID: store.MaxIDLen(s.Groups)}
	if up, ok := s.Users.(store.UserUpdater); ok {
		e.userUp = userUpdater{t, up}
	}
	if cl, ok := s.Users.(store.UserCursorLister); ok {
		e.uCursor = cl
	}
	if s.Groups != nil {
		e.groups = groupStore{t, s.Groups}
		if up, ok := s.Groups.(store.GroupUpdater); ok {
			e.groupUp = groupUpdater{t, up}
		}
		if cm, ok := s.Groups.(store.CheckedMemberModifier); ok {
			e.checkedUp = checkedModifier{t, cm}
		}
		if mr, ok := s.Groups.(store.MembershipReader); ok {
			e.mr = membershipReader{t, mr}
		}
		if cl, ok := s.Groups.(store.GroupCursorLister); ok {
			e.gCursor = cl
		}
	}
	return e
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
	userType = resources.NewUserType()
	// parser knows the URNs of User and Group alike (KnownSchemaURNs):
	// the suite's types have no extension of their own.
	parser = filter.Parser{Schemas: userType.KnownSchemaURNs()}
)

func parse(t *testing.T, s string) filter.Expr {
	t.Helper()
	e, err := parser.Parse(s)
	require.NoError(t, err, "storetest: the filter %s does not parse: a bug in the suite, please report it", s)
	return e
}

// createUser creates u in the subtest's tenant and fails t unless the
// store returns the stored user. Like every CreateUser of the suite, it
// goes through the guard, which makes a nil Active true as the handler
// does (userStore.CreateUser).
func (e *env) createUser(t *testing.T, u *resources.User) *resources.User {
	t.Helper()
	e.fitUser(u)
	out, err := e.users.CreateUser(e.ctx, u)
	require.NoError(t, err, "CreateUser %q must store a new user (store.UserStore.CreateUser)", u.UserName)
	fitsIDLimit(t, out.ID, e.maxUserID, "CreateUser")
	return out
}

// createGroup is createUser for groups.
//
// The group's id names no user of the tenant: a store that numbers users
// and groups from sequences of their own gives user "1" and group "1",
// and a member value naming both is the user (store.GroupStore, "Member
// values"), so a check that adds the group as a member, or asks GetGroup
// for a user's id, needs a group its id names alone. When the id the
// store gives names a user, createGroup deletes the group, holds that id
// with a placeholder group and creates it again, until its id names no
// user, then deletes the placeholders. Groups/OverlappingUserAndGroupIDs,
// which looks for such a pair, creates with createGroupAsNumbered.
func (e *env) createGroup(t *testing.T, g *resources.Group) *resources.Group {
	t.Helper()
	e.fitGroup(g)
	var held []string
	defer func() {
		for _, id := range held {
			assert.NoError(t, e.groups.DeleteGroup(e.ctx, id, ""), "DeleteGroup must delete a group (store.GroupStore.DeleteGroup)")
		}
	}()
	for i := range 1000 {
		out := e.createGroupAsNumbered(t, g.Clone())
		if _, err := e.users.GetUser(e.ctx, out.ID, store.GetOptions{ExcludeGroups: true}); err != nil {
			return out
		}
		require.NoError(t, e.groups.DeleteGroup(e.ctx, out.ID, ""), "DeleteGroup must delete a group (store.GroupStore.DeleteGroup)")
		held = append(held, e.createGroupAsNumbered(t, &resources.Group{DisplayName: fmt.Sprintf("storetest placeholder %d of %s", i, g.DisplayName)}).ID)
	}
	t.Fatalf("every group CreateGroup %q gave had the id of a user of the tenant: the suite needs group ids that name no user (store.GroupStore, \"Member values\")", g.DisplayName)
	return nil
}

// createGroupAsNumbered creates g, whatever id the store gives it.
func (e *env) createGroupAsNumbered(t *testing.T, g *resources.Group) *resources.Group {
	t.Helper()
	e.fitGroup(g)
	out, err := e.groups.CreateGroup(e.ctx, g)
	require.NoError(t, err, "CreateGroup %q must store a new group (store.GroupStore.CreateGroup)", g.DisplayName)
	fitsIDLimit(t, out.ID, e.maxGroupID, "CreateGroup")
	return out
}

// fitsIDLimit fails t when the id create gave is longer than the store
// says its ids are (max, 0 for no bound): the handler would answer 404
// for it without asking the store.
func fitsIDLimit(t *testing.T, id string, max int, create string) {
	t.Helper()
	if max > 0 {
		assert.LessOrEqual(t, len(id), max, "%s gave an id of %d bytes, longer than MaxIDLen says ids are: the handler answers 404 for it without asking the store (store.IDLimiter)", create, len(id))
	}
}

// listUsers lists the users q asks for in the subtest's tenant, with
// StartIndex 1 when q leaves it 0, and fails t on an error.
func (e *env) listUsers(t *testing.T, q store.Query) store.Page[*resources.User] {
	t.Helper()
	if q.StartIndex == 0 {
		q.StartIndex = 1
	}
	p, err := e.users.ListUsers(e.ctx, q)
	if err != nil {
		require.NoError(t, err, "ListUsers %s must answer every filter, sort and page the handler passes (store.UserStore.ListUsers; query.Select does)%s", describe(q), unasked(e.userModel.User, q))
	}
	return p
}

// listGroups is listUsers for groups.
func (e *env) listGroups(t *testing.T, q store.Query) store.Page[*resources.Group] {
	t.Helper()
	if q.StartIndex == 0 {
		q.StartIndex = 1
	}
	p, err := e.groups.ListGroups(e.ctx, q)
	if err != nil {
		require.NoError(t, err, "ListGroups %s must answer every filter, sort and page the handler passes (store.GroupStore.ListGroups; query.Select does)%s", describe(q), unasked(e.groupModel.Group, q))
	}
	return p
}

// getUser reads the user id in the subtest's tenant and fails t unless the
// store has it.
func (e *env) getUser(t *testing.T, id string, opts store.GetOptions, why string) *resources.User {
	t.Helper()
	u, err := e.users.GetUser(e.ctx, id, opts)
	require.NoError(t, err, "GetUser %s: %s (store.UserStore.GetUser)", id, why)
	return u
}

// getGroup is getUser for groups.
func (e *env) getGroup(t *testing.T, id string, opts store.GetOptions, why string) *resources.Group {
	t.Helper()
	g, err := e.groups.GetGroup(e.ctx, id, opts)
	require.NoError(t, err, "GetGroup %s: %s (store.GroupStore.GetGroup)", id, why)
	return g
}

// describe shows q as a reader of a failure wants it: the filter as text.
func describe(q store.Query) string {
	f := "none"
	if q.Filter != nil {
		f = fmt.Sprintf("%q", q.Filter.String())
	}
	return fmt.Sprintf("{filter %s, sortBy %q, descending %v, startIndex %d, count %d, excludeMembers %v, excludeGroups %v}",
		f, q.SortBy, q.Descending, q.StartIndex, q.Count, q.ExcludeMembers, q.ExcludeGroups)
}

// pluck returns f of each of xs, in order (never nil).
func pluck[T any](xs []T, f func(T) string) []string {
	out := make([]string, 0, len(xs))
	for _, x := range xs {
		out = append(out, f(x))
	}
	return out
}

func userNames(us []*resources.User) []string {
	return pluck(us, func(u *resources.User) string { return u.UserName })
}

func groupNames(gs []*resources.Group) []string {
	return pluck(gs, func(g *resources.Group) string { return g.DisplayName })
}

func userIDs(us []*resources.User) []string {
	return pluck(us, func(u *resources.User) string { return u.ID })
}

func groupIDs(gs []*resources.Group) []string {
	return pluck(gs, func(g *resources.Group) string { return g.ID })
}

func refValues(rs []resources.GroupRef) []string {
	return pluck(rs, func(r resources.GroupRef) string { return r.Value })
}

func memberIDs(ms []resources.Member) []string {
	return pluck(ms, func(m resources.Member) string { return m.Value })
}

// requireIs fails t unless err wraps target; msgAndArgs states the
// contract (a format and its arguments).
func requireIs(t *testing.T, err, target error, msgAndArgs ...any) {
	t.Helper()
	why := messageOf(msgAndArgs)
	require.Error(t, err, "want an error wrapping %v, got nil: %s", target, why)
	require.True(t, errors.Is(err, target), "want an error wrapping %v (errors.Is), got %v: %s", target, err, why)
}

// messageOf formats testify's msgAndArgs.
func messageOf(msgAndArgs []any) string {
	if len(msgAndArgs) == 0 {
		return ""
	}
	if f, ok := msgAndArgs[0].(string); ok {
		return fmt.Sprintf(f, msgAndArgs[1:]...)
	}
	return fmt.Sprint(msgAndArgs...)
}

func ptr[T any](v T) *T { return &v }

// exactlyOne checks the errors of concurrent writes of which exactly one
// may succeed: loser checks the error of each other one, and msgAndArgs
// says what a count of successes other than one breaks.
func exactlyOne(t *testing.T, errs []error, loser func(err error), msgAndArgs ...any) {
	t.Helper()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
			continue
		}
		loser(err)
	}
	assert.Equal(t, 1, ok, msgAndArgs...)
}
