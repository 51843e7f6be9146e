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
			require.NoError(t, err)
			ce := *e
			ce.ctx = ctx
			found := func(name string) []string {
				t.Helper()
				return userIDs(ce.listUsers(t, store.Query{Filter: parse(t, fmt.Sprintf("userName eq %q", name)), Count: 10, ExcludeGroups: true}).Items)
			}
			second, err := e.users.CreateUser(ctx, &resources.User{UserName: tc.second})
			if !tc.same {
				require.NoError(t, err, "%+q after %+q", tc.second, tc.first)
				assert.Equal(t, []string{second.ID}, found(tc.second))
				assert.Equal(t, []string{first.ID}, found(tc.first))
				return
			}
			requireIs(t, err, store.ErrConflict, "%+q after %+q", tc.second, tc.first)
			assert.Equal(t, []string{first.ID}, found(tc.second), "eq %+q finds %+q", tc.second, tc.first)
			assert.Equal(t, []string{first.ID}, found(tc.first))
			for _, op := range nameOperators {
				got := userIDs(ce.listUsers(t, store.Query{Filter: parse(t, fmt.Sprintf("userName %s %q", op.op, tc.second)), Count: 10, ExcludeGroups: true}).Items)
				assert.Equal(t, op.want(first.ID), got, "userName %s %+q on %+q: every operator compares query.NameKey, as eq does (query.NameOperandKey)", op.op, tc.second, tc.first)
			}
			other, err := e.users.CreateUser(ctx, &resources.User{UserName: "other"})
			require.NoError(t, err)
			w := other.Clone()
			w.UserName = tc.second
			_, err = e.users.ReplaceUser(ctx, w, "")
			requireIs(t, err, store.ErrConflict, "replace onto %+q", tc.second)
			// The holder may respell its own name.
			w = first.Clone()
			w.UserName = tc.second
			_, err = e.users.ReplaceUser(ctx, w, "")
			require.NoError(t, err)
			assert.Equal(t, []string{first.ID}, found(tc.first))
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
			require.NoError(t, err)
			ce := *e
			ce.ctx = ctx
			found := func(name string) []string {
				t.Helper()
				return groupIDs(ce.listGroups(t, store.Query{Filter: parse(t, fmt.Sprintf("displayName eq %q", name)), Count: 10, ExcludeMembers: true}).Items)
			}
			second, err := e.groups.CreateGroup(ctx, &resources.Group{DisplayName: tc.second})
			if !tc.same {
				require.NoError(t, err, "%+q after %+q", tc.second, tc.first)
				assert.Equal(t, []string{second.ID}, found(tc.second))
				return
			}
			requireIs(t, err, store.ErrConflict, "%+q after %+q", tc.second, tc.first)
			assert.Equal(t, []string{first.ID}, found(tc.second))
			for _, op := range nameOperators {
				got := groupIDs(ce.listGroups(t, store.Query{Filter: parse(t, fmt.Sprintf("displayName %s %q", op.op, tc.second)), Count: 10, ExcludeMembers: true}).Items)
				assert.Equal(t, op.want(first.ID), got, "displayName %s %+q on %+q: every operator compares query.NameKey, as eq does (query.NameOperandKey)", op.op, tc.second, tc.first)
			}
			other, err := e.groups.CreateGroup(ctx, &resources.Group{DisplayName: "other"})
			require.NoError(t, err)
			w := other.Clone()
			w.DisplayName = tc.second
			_, err = e.groups.ReplaceGroup(ctx, w, "")
			requireIs(t, err, store.ErrConflict, "replace onto %+q", tc.second)
		})
	}
}
