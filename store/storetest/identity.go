package storetest

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/query"
)

// identityCases are pairs of names and whether they are one identity
// under query.NameKey: what looks the same is one name (Unicode
// normalisation, width, case), what is really another letter is not
// (no locale rules, no confusables across scripts).
var identityCases = []struct {
	name          string
	first, second string
	same          bool
}{
	{"NFC and NFD", "caf\u00e9", "cafe\u0301", true},
	{"NFD and upper-case NFC", "cafe\u0301", "CAF\u00c9", true},
	{"full-width", "\uff4a\uff4f\uff45", "Joe", true},
	{"ligature", "\ufb01le", "FILE", true},
	{"trailing and double spaces", "Barbara  Jensen ", "barbara jensen", true},
	{"ASCII case", "tom", "TOM", true},
	{"long s", "\u017fam", "sam", true},
	{"long s and capitals", "SAM", "\u017fam", true},
	{"Greek case", "\u03a3\u03af\u03c3\u03c5\u03c6\u03bf\u03c2", "\u03c3\u03af\u03c3\u03c5\u03c6\u03bf\u03c2", true},
	{"Greek final sigma", "\u03bf\u03b4\u03bf\u03c2", "\u039f\u0394\u039f\u03a3", true},
	{"Greek final and medial sigma alone", "\u03c2", "\u03c3", true},
	{"Greek omega", "\u03a9mega", "\u03c9MEGA", true},
	{"German umlaut", "\u00c4pfel", "\u00e4PFEL", true},
	{"Greek accent stays", "\u03c3\u03bf\u03c6\u03af\u03b1", "\u03c3\u03bf\u03c6\u03b9\u03b1", false},
	{"Turkish dotted capital I is not i", "\u0130stanbul", "istanbul", false},
	{"Turkish dotless i is not I", "\u0131rmak", "Irmak", false},
	{"German sharp s is not ss", "Stra\u00dfe", "STRASSE", false},
	{"Cyrillic a is not Latin a", "\u0430dmin", "admin", false},
}

// nameOperators are the operators a filter compares a unique name with,
// and what each finds when its operand is the one name of the tenant
// (id) in another spelling of the same identity: the name itself for
// all but the strict orderings, which find nothing.
var nameOperators = []struct {
	op   string
	want func(id string) []string
}{
	{"eq", func(id string) []string { return []string{id} }},
	{"sw", func(id string) []string { return []string{id} }},
	{"co", func(id string) []string { return []string{id} }},
	{"ew", func(id string) []string { return []string{id} }},
	{"ge", func(id string) []string { return []string{id} }},
	{"le", func(id string) []string { return []string{id} }},
	{"gt", func(string) []string { return []string{} }},
	{"lt", func(string) []string { return []string{} }},
	{"ne", func(string) []string { return []string{} }},
}

// The messages of the identity checks: each states the rule, of
// query.NameKey, and the method whose doc comment states it.
const (
	identityConflict   = "%s %+q while %+q is stored must return store.ErrConflict: the two are one name under query.NameKey (normalised, width, spaces and case folded), the key the store's unique index must be on (%s)"
	identityDistinct   = "%s %+q while %+q is stored must succeed: the two are different names under query.NameKey, the key the store's unique index must be on, not a fold of its own (%s)"
	identityEq         = "%s eq %+q must find the resource stored as %+q: eq on the unique name compares query.NameKey, as uniqueness does (%s; query.Evaluator, which query.Select uses)"
	identityEqDistinct = "%s eq %+q must find the resource stored as %+q alone, not the one stored as %+q: the two are different names under query.NameKey (%s; query.Evaluator)"
	identityRespell    = "%s of the resource holding %s %+q to %+q, the same name under query.NameKey, must succeed: a resource may respell its own name (%s)"
)

// testUserNameIdentity: userName is unique under query.NameKey, and
// "userName eq" compares the same key, so an identity provider that
// looks a user up before creating it finds the one a create would
// conflict with; so does every other operator (nameOperators), so that
// a name eq finds is found by sw, co, ew, ge and le with the same operand. A replace onto another user's name conflicts too.
func testUserNameIdentity(t *testing.T, e *env) {
	for i, tc := range identityCases {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.same, query.NameKey(tc.first, false) == query.NameKey(tc.second, false), "the table agrees with query.NameKey: %+q %+q", tc.first, tc.second)
			ctx := store.WithTenant(context.Background(), fmt.Sprintf("%s-id-%d", e.tenant, i))
			first, err := e.users.CreateUser(ctx, &resources.User{UserName: tc.first})
			require.NoError(t, err, "CreateUser %+q must store a new user (store.UserStore.CreateUser)", tc.first)
			ce := *e
			ce.ctx = ctx
			found := func(name string) []string {
				t.Helper()
				return userIDs(ce.listUsers(t, store.Query{Filter: parse(t, fmt.Sprintf("userName eq %q", name)), Count: 10, ExcludeGroups: true}).Items)
			}
			second, err := e.users.CreateUser(ctx, &resources.User{UserName: tc.second})
			if !tc.same {
				require.NoError(t, err, identityDistinct, "CreateUser of userName", tc.second, tc.first, "store.UserStore.CreateUser")
				assert.Equal(t, []string{second.ID}, found(tc.second), identityEqDistinct, "userName", tc.second, tc.second, tc.first, "store.UserStore.ListUsers")
				assert.Equal(t, []string{first.ID}, found(tc.first), identityEqDistinct, "userName", tc.first, tc.first, tc.second, "store.UserStore.ListUsers")
				return
			}
			requireIs(t, err, store.ErrConflict, identityConflict, "CreateUser of userName", tc.second, tc.first, "store.UserStore.CreateUser")
			assert.Equal(t, []string{first.ID}, found(tc.second), identityEq, "userName", tc.second, tc.first, "store.UserStore.ListUsers")
			assert.Equal(t, []string{first.ID}, found(tc.first), identityEq, "userName", tc.first, tc.first, "store.UserStore.ListUsers")
			for _, op := range nameOperators {
				got := userIDs(ce.listUsers(t, store.Query{Filter: parse(t, fmt.Sprintf("userName %s %q", op.op, tc.second)), Count: 10, ExcludeGroups: true}).Items)
				assert.Equal(t, op.want(first.ID), got, "userName %s %+q on %+q: every operator compares query.NameKey, as eq does (query.NameOperandKey)", op.op, tc.second, tc.first)
			}
			other, err := e.users.CreateUser(ctx, &resources.User{UserName: "other"})
			require.NoError(t, err, "CreateUser \"other\" must store a new user (store.UserStore.CreateUser)")
			w := other.Clone()
			w.UserName = tc.second
			_, err = e.users.ReplaceUser(ctx, w, "")
			requireIs(t, err, store.ErrConflict, identityConflict, "ReplaceUser of another user to userName", tc.second, tc.first, "store.UserStore.ReplaceUser")
			// The holder may respell its own name.
			w = first.Clone()
			w.UserName = tc.second
			_, err = e.users.ReplaceUser(ctx, w, "")
			require.NoError(t, err, identityRespell, "ReplaceUser", "userName", tc.first, tc.second, "store.UserStore.ReplaceUser")
			assert.Equal(t, []string{first.ID}, found(tc.first), identityEq, "userName", tc.first, tc.second, "store.UserStore.ListUsers")
		})
	}
}

// testDisplayNameIdentity: a group's displayName is unique, and matched
// by eq, under the same key as userName.
func testDisplayNameIdentity(t *testing.T, e *env) {
	for i, tc := range identityCases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := store.WithTenant(context.Background(), fmt.Sprintf("%s-gid-%d", e.tenant, i))
			first, err := e.groups.CreateGroup(ctx, &resources.Group{DisplayName: tc.first})
			require.NoError(t, err, "CreateGroup %+q must store a new group (store.GroupStore.CreateGroup)", tc.first)
			ce := *e
			ce.ctx = ctx
			found := func(name string) []string {
				t.Helper()
				return groupIDs(ce.listGroups(t, store.Query{Filter: parse(t, fmt.Sprintf("displayName eq %q", name)), Count: 10, ExcludeMembers: true}).Items)
			}
			second, err := e.groups.CreateGroup(ctx, &resources.Group{DisplayName: tc.second})
			if !tc.same {
				require.NoError(t, err, identityDistinct, "CreateGroup of displayName", tc.second, tc.first, "store.GroupStore.CreateGroup")
				assert.Equal(t, []string{second.ID}, found(tc.second), identityEqDistinct, "displayName", tc.second, tc.second, tc.first, "store.GroupStore.ListGroups")
				return
			}
			requireIs(t, err, store.ErrConflict, identityConflict, "CreateGroup of displayName", tc.second, tc.first, "store.GroupStore.CreateGroup")
			assert.Equal(t, []string{first.ID}, found(tc.second), identityEq, "displayName", tc.second, tc.first, "store.GroupStore.ListGroups")
			for _, op := range nameOperators {
				got := groupIDs(ce.listGroups(t, store.Query{Filter: parse(t, fmt.Sprintf("displayName %s %q", op.op, tc.second)), Count: 10, ExcludeMembers: true}).Items)
				assert.Equal(t, op.want(first.ID), got, "displayName %s %+q on %+q: every operator compares query.NameKey, as eq does (query.NameOperandKey)", op.op, tc.second, tc.first)
			}
			other, err := e.groups.CreateGroup(ctx, &resources.Group{DisplayName: "other"})
			require.NoError(t, err, "CreateGroup \"other\" must store a new group (store.GroupStore.CreateGroup)")
			w := other.Clone()
			w.DisplayName = tc.second
			_, err = e.groups.ReplaceGroup(ctx, w, "")
			requireIs(t, err, store.ErrConflict, identityConflict, "ReplaceGroup of another group to displayName", tc.second, tc.first, "store.GroupStore.ReplaceGroup")
		})
	}
}

// nameKeyOrder are names in the order of their query.NameKey, which a
// sort by the unique name follows: the order of query.Fold of the names
// as sent differs (the full-width "ａlice" last, "cafe\u0301" before
// "cafz", the ligature "ﬁnn" after "ａlice"). nameKeyCreated is the order
// they are created in.
var (
	nameKeyOrder   = []string{"\uff41lice", "Bob", "cafz", "cafe\u0301", "\ufb01nn"}
	nameKeyCreated = []int{4, 2, 0, 3, 1}
)

// checkNameKeyOrder holds a store's sort by its unique name (attr) to
// nameKeyOrder, once the names are stored in a tenant of their own: a
// list sorted by the name, ascending and descending, a cursor walk so
// sorted (walk, nil when the store has none), and "attr gt X", which
// finds exactly the names the sort puts after X: filters and the sort
// compare one key.
func checkNameKeyOrder(t *testing.T, attr string, list func(q store.Query) []string, walk func(q store.Query) []string) {
	t.Helper()
	keys := pluck(nameKeyOrder, func(s string) string { return query.NameKey(s, false) })
	require.IsIncreasing(t, keys, "the suite's names are in NameKey order: a bug in the suite, please report it")
	for _, desc := range []bool{false, true} {
		want := nameKeyOrder
		if desc {
			want = reversed(want)
		}
		q := store.Query{SortBy: attr, Descending: desc, Count: 10}
		assert.Equal(t, want, list(q), "sorted by %s, descending %v: the unique name sorts by the bytes of its query.NameKey, the key every filter operator on it compares, not by query.Fold of the name as sent", attr, desc)
		if walk != nil {
			assert.Equal(t, want, walk(q), "a cursor walk sorted by %s, descending %v, follows the list's order (query.NameKey)", attr, desc)
		}
	}
	for i, x := range nameKeyOrder {
		q := store.Query{Filter: parse(t, fmt.Sprintf("%s gt %q", attr, x)), SortBy: attr, Count: 10}
		assert.Equal(t, nameKeyOrder[i+1:], list(q), "%s gt %+q finds the names a sort by %s puts after it: both compare query.NameKey", attr, x, attr)
	}
}

// testSortUserNameKey: a sort by userName orders by query.NameKey, as
// every userName filter compares (checkNameKeyOrder).
func testSortUserNameKey(t *testing.T, e *env) {
	ce := *e
	ce.ctx = store.WithTenant(context.Background(), e.tenant+"-namekey")
	for _, i := range nameKeyCreated {
		ce.createUser(t, &resources.User{UserName: nameKeyOrder[i]})
	}
	list := func(q store.Query) []string {
		q.ExcludeGroups = true
		return userNames(ce.listUsers(t, q).Items)
	}
	var walk func(q store.Query) []string
	if e.uCursor != nil {
		walk = func(q store.Query) []string {
			q.ExcludeGroups = true
			return userNames(walkUsers(t, &ce, e.uCursor, q, 2, nil))
		}
	}
	checkNameKeyOrder(t, "userName", list, walk)
}

// testSortDisplayNameKey is testSortUserNameKey for a group's
// displayName.
func testSortDisplayNameKey(t *testing.T, e *env) {
	ce := *e
	ce.ctx = store.WithTenant(context.Background(), e.tenant+"-namekey")
	for _, i := range nameKeyCreated {
		ce.createGroup(t, &resources.Group{DisplayName: nameKeyOrder[i]})
	}
	list := func(q store.Query) []string {
		q.ExcludeMembers = true
		return groupNames(ce.listGroups(t, q).Items)
	}
	var walk func(q store.Query) []string
	if e.gCursor != nil {
		walk = func(q store.Query) []string {
			q.ExcludeMembers = true
			return groupNames(walkPages(t, "ListGroupsAfter", func(q store.Query, after string) (store.CursorPage[*resources.Group], error) {
				return e.gCursor.ListGroupsAfter(ce.ctx, q, after)
			}, q, 2, nil))
		}
	}
	checkNameKeyOrder(t, "displayName", list, walk)
}
