package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/internal/fanout"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
)

// foldCase is one list of strings whose sort order every store must agree
// on. The expected orders are written out: byFold is the order of
// query.Fold of each string compared bytewise (the order of an attribute
// that is not caseExact; ties in creation order, also descending), byBytes
// the bytewise order of the strings themselves (a caseExact attribute).
// Strings equal under query.Fold (strings.EqualFold) cannot both be a
// userName: taken lists those that conflict with one created before.
type foldCase struct {
	name     string
	values   []string // in creation order
	taken    []string // values whose userName conflicts with an earlier one
	byFold   []string // ascending
	foldDesc []string // descending; ties still in creation order
	byBytes  []string // ascending
}

var foldCases = []foldCase{
	{
		// ſ (long s) folds to s.
		name:     "long s",
		values:   []string{"tom", "ſam", "rob"},
		byFold:   []string{"rob", "ſam", "tom"},
		foldDesc: []string{"tom", "ſam", "rob"},
		byBytes:  []string{"rob", "tom", "ſam"},
	},
	{
		// Simple case folding has no Turkish rules: İ and ı fold to
		// themselves, I to i.
		name:     "Turkish",
		values:   []string{"İstanbul", "istanbul", "Izmir", "ırmak"},
		byFold:   []string{"istanbul", "Izmir", "İstanbul", "ırmak"},
		foldDesc: []string{"ırmak", "İstanbul", "Izmir", "istanbul"},
		byBytes:  []string{"Izmir", "istanbul", "İstanbul", "ırmak"},
	},
	{
		// ß does not fold to ss; Ä folds to ä, after every ASCII letter.
		name:     "German",
		values:   []string{"Straße", "STRASSE", "strasse", "Zoo", "Äpfel"},
		taken:    []string{"strasse"},
		byFold:   []string{"STRASSE", "strasse", "Straße", "Zoo", "Äpfel"},
		foldDesc: []string{"Äpfel", "Zoo", "Straße", "STRASSE", "strasse"},
		byBytes:  []string{"STRASSE", "Straße", "Zoo", "strasse", "Äpfel"},
	},
	{
		// Σ, σ and final ς fold to σ.
		name:     "Greek",
		values:   []string{"Σίσυφος", "σίσυφος", "ς", "Ωmega"},
		taken:    []string{"σίσυφος"},
		byFold:   []string{"ς", "Σίσυφος", "σίσυφος", "Ωmega"},
		foldDesc: []string{"Ωmega", "Σίσυφος", "σίσυφος", "ς"},
		byBytes:  []string{"Σίσυφος", "Ωmega", "ς", "σίσυφος"},
	},
}

// without returns s without the strings in drop.
func without(s, drop []string) []string {
	out := []string{}
	for _, v := range s {
		if !contains(drop, v) {
			out = append(out, v)
		}
	}
	return out
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func reversed(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[len(s)-1-i] = v
	}
	return out
}

// testSortFold sorts non-ASCII strings by userName (folded, unique), by
// the note attribute (title on the full model, keptNote) and emails
// (folded, with ties) and by externalId (caseExact): memory, SQLite,
// PostgreSQL and a host's store must return the same order, whatever the
// database's collation. A sort by what the model leaves out is left out
// (userCase).
func testSortFold(t *testing.T, e *env) {
	n, _ := e.keptNote()
	for i, fc := range foldCases {
		t.Run(fc.name, func(t *testing.T) {
			defer suite.Recover(t)
			// userName: each string in a tenant of its own list.
			ctx := store.WithTenant(context.Background(), fmt.Sprintf("%s-names-%d", e.tenant, i))
			for _, v := range fc.values {
				_, err := e.users.CreateUser(ctx, &resources.User{UserName: v})
				if contains(fc.taken, v) {
					requireIs(t, err, store.ErrConflict, "CreateUser of userName %q, taken by a string equal under strings.EqualFold, must return store.ErrConflict (store.UserStore.CreateUser)", v)
				} else {
					require.NoError(t, err, "CreateUser of userName %q must succeed: no stored userName equals it under strings.EqualFold (store.UserStore.CreateUser)", v)
				}
			}
			names := without(fc.byFold, fc.taken)
			// data are the attributes the order rests on besides sortBy.
			check := func(ctx context.Context, sortBy string, desc bool, want []string, value func(*resources.User) string, data ...string) {
				t.Helper()
				q := store.Query{SortBy: sortBy, Descending: desc, StartIndex: 1, Count: 100}
				if !e.userCase(t, q, data...) {
					return
				}
				p, err := e.users.ListUsers(ctx, q)
				require.NoError(t, err, "ListUsers sorted by %s must succeed (store.UserStore.ListUsers)", sortBy)
				got := []string{}
				for _, u := range p.Items {
					got = append(got, value(u))
				}
				assert.Equal(t, want, got, "ListUsers sorted by %s descending %v must order as query.Select does: not caseExact strings by the bytes of query.Fold, caseExact ones by their bytes, never by the database's collation; ties in creation order (store.Query.SortBy)", sortBy, desc)
			}
			userName := func(u *resources.User) string { return u.UserName }
			check(ctx, "userName", false, names, userName)
			check(ctx, "userName", true, reversed(names), userName)

			// The note, emails and externalId: every string, on users
			// named in creation order, as the model keeps them.
			ctx = store.WithTenant(context.Background(), fmt.Sprintf("%s-values-%d", e.tenant, i))
			for j, v := range fc.values {
				u := n.user(fmt.Sprintf("u%d", j), v)
				u.ExternalID = v
				u.Emails = []resources.MultiValue{{Value: "x@example.com"}, {Value: v, Primary: resources.Bool(true)}}
				e.fitUser(u)
				_, err := e.users.CreateUser(ctx, u)
				require.NoError(t, err, "CreateUser must store a new user (store.UserStore.CreateUser)")
			}
			ext := func(u *resources.User) string { return u.ExternalID }
			check(ctx, n.path, false, fc.byFold, n.get)
			check(ctx, n.path, true, fc.foldDesc, n.get)
			// A multi-valued attribute sorts by its primary value: a
			// model without emails.primary has none to sort by.
			check(ctx, "emails.value", false, fc.byFold, primaryEmail, "emails.primary")
			check(ctx, "emails", true, fc.foldDesc, primaryEmail, "emails.primary")
			check(ctx, "externalId", false, fc.byBytes, ext)
			check(ctx, "externalId", true, reversed(fc.byBytes), ext)
		})
	}
}

// primaryEmail is the value of u's primary email, or "".
func primaryEmail(u *resources.User) string {
	for _, m := range u.Emails {
		if m.Primary != nil && *m.Primary {
			return m.Value
		}
	}
	return ""
}

// testDeleteUserVersion: a stale version deletes nothing; the current one
// and "" delete.
func testDeleteUserVersion(t *testing.T, e *env) {
	const del = "(store.UserStore.DeleteUser)"
	n := e.note(t)
	u := e.createUser(t, n.user("versioned", "one"))
	var g *resources.Group
	if e.groups != nil {
		g = e.createGroup(t, &resources.Group{DisplayName: "team", Members: []resources.Member{{Value: u.ID}}})
	}
	w := u.Clone()
	n.set(w, "two")
	cur, err := e.users.ReplaceUser(e.ctx, w, u.Meta.Version)
	require.NoError(t, err, "ReplaceUser at the stored version must write (store.UserStore.ReplaceUser)")

	for _, stale := range []string{u.Meta.Version, `W/"no-such-version"`} {
		requireIs(t, e.users.DeleteUser(e.ctx, u.ID, stale), store.ErrPreconditionFailed, "DeleteUser at version %s, not the stored one, must return store.ErrPreconditionFailed "+del, stale)
	}
	got := e.getUser(t, u.ID, store.GetOptions{}, "a DeleteUser refused with ErrPreconditionFailed must delete nothing "+del)
	assert.Equal(t, "two", n.get(got), "a DeleteUser refused with ErrPreconditionFailed must change nothing "+del)
	assert.Equal(t, cur.Meta.Version, got.Meta.Version, "a DeleteUser refused with ErrPreconditionFailed must keep the version "+del)
	if g != nil {
		assert.Equal(t, []string{u.ID}, e.members(t, g.ID), "a DeleteUser refused with ErrPreconditionFailed must keep the user's memberships "+del)
	}
	requireIs(t, e.users.DeleteUser(e.ctx, unknownID(), cur.Meta.Version), store.ErrNotFound, "DeleteUser of an id no user has must return store.ErrNotFound, whatever the version "+del)

	require.NoError(t, e.users.DeleteUser(e.ctx, u.ID, cur.Meta.Version), "DeleteUser at the stored version must delete "+del)
	_, err = e.users.GetUser(e.ctx, u.ID, store.GetOptions{})
	requireIs(t, err, store.ErrNotFound, "GetUser of a deleted user must return store.ErrNotFound "+del)
	if g != nil {
		assert.Empty(t, e.members(t, g.ID), "DeleteUser must remove the user's memberships in the same step "+del)
	}

	other := e.createUser(t, &resources.User{UserName: "any"})
	w = other.Clone()
	n.set(w, "changed")
	_, err = e.users.ReplaceUser(e.ctx, w, "")
	require.NoError(t, err, `ReplaceUser with ifVersion "" must write (store.UserStore.ReplaceUser)`)
	require.NoError(t, e.users.DeleteUser(e.ctx, other.ID, ""), `DeleteUser with ifVersion "" must delete whatever the stored version `+del)
	_, err = e.users.GetUser(e.ctx, other.ID, store.GetOptions{})
	requireIs(t, err, store.ErrNotFound, "GetUser of a deleted user must return store.ErrNotFound "+del)
}

// testReplaceDeleteRace races a replace and a delete at the same version:
// exactly one of them succeeds, and the store shows its outcome.
func testReplaceDeleteRace(t *testing.T, e *env) {
	const atomic = "(store.UserStore.ReplaceUser and DeleteUser: the version check and the write are one atomic step)"
	const rounds = 16
	n := e.note(t)
	users := make([]*resources.User, rounds)
	for i := range users {
		users[i] = e.createUser(t, &resources.User{UserName: fmt.Sprintf("race%d", i)})
	}
	// Call 2i replaces users[i], call 2i+1 deletes it.
	errs := fanout.Run(2*rounds, func(c int) error {
		u := users[c/2]
		if c%2 == 1 {
			return e.users.DeleteUser(e.ctx, u.ID, u.Meta.Version)
		}
		w := u.Clone()
		n.set(w, "replaced")
		_, err := e.users.ReplaceUser(e.ctx, w, u.Meta.Version)
		return err
	})
	replaceErr, deleteErr := make([]error, rounds), make([]error, rounds)
	for i := range rounds {
		replaceErr[i], deleteErr[i] = errs[2*i], errs[2*i+1]
	}
	for i, u := range users {
		got, err := e.users.GetUser(e.ctx, u.ID, store.GetOptions{})
		switch {
		case replaceErr[i] == nil && deleteErr[i] == nil:
			t.Errorf("round %d: both the replace and the delete at %s succeeded: one of them must find the other's version %s", i, u.Meta.Version, atomic)
		case replaceErr[i] == nil:
			requireIs(t, deleteErr[i], store.ErrPreconditionFailed, "round %d: the replace won, so the delete at the old version must return store.ErrPreconditionFailed %s", i, atomic)
			require.NoError(t, err, "round %d: the replace won, so the user must stay %s", i, atomic)
			assert.Equal(t, "replaced", n.get(got), "round %d: the replace won, so the user must show it %s", i, atomic)
		case deleteErr[i] == nil:
			if !errors.Is(replaceErr[i], store.ErrNotFound) && !errors.Is(replaceErr[i], store.ErrPreconditionFailed) {
				t.Errorf("round %d: the delete won, so the replace must return store.ErrNotFound or store.ErrPreconditionFailed, got %v %s", i, replaceErr[i], atomic)
			}
			requireIs(t, err, store.ErrNotFound, "round %d: the delete won, so GetUser must return store.ErrNotFound %s", i, atomic)
		default:
			t.Errorf("round %d: neither the replace nor the delete at the stored version succeeded: replace %v, delete %v %s", i, replaceErr[i], deleteErr[i], atomic)
		}
	}
}

// testDeleteGroupVersion is testDeleteUserVersion for groups.
func testDeleteGroupVersion(t *testing.T, e *env) {
	const del = "(store.GroupStore.DeleteGroup)"
	u := e.createUser(t, &resources.User{UserName: "member"})
	g := e.createGroup(t, &resources.Group{DisplayName: "versioned", Members: []resources.Member{{Value: u.ID}}})
	parent := e.createGroup(t, &resources.Group{DisplayName: "parent", Members: []resources.Member{{Value: g.ID}}})
	var inParent []string // g, when groups may be members
	if e.nested {
		inParent = []string{g.ID}
	}
	cur, err := e.groups.ModifyMembers(e.ctx, g.ID, nil, []string{u.ID}, g.Meta.Version)
	require.NoError(t, err, "ModifyMembers at the stored version must write (store.GroupStore.ModifyMembers)")
	cur, err = e.groups.ModifyMembers(e.ctx, g.ID, []string{u.ID}, nil, cur.Meta.Version)
	require.NoError(t, err, "ModifyMembers at the version it returned must write (store.GroupStore.ModifyMembers)")

	for _, stale := range []string{g.Meta.Version, `W/"no-such-version"`} {
		requireIs(t, e.groups.DeleteGroup(e.ctx, g.ID, stale), store.ErrPreconditionFailed, "DeleteGroup at version %s, not the stored one, must return store.ErrPreconditionFailed "+del, stale)
	}
	got := e.getGroup(t, g.ID, store.GetOptions{}, "a DeleteGroup refused with ErrPreconditionFailed must delete nothing "+del)
	assert.Equal(t, cur.Meta.Version, got.Meta.Version, "a DeleteGroup refused with ErrPreconditionFailed must keep the version "+del)
	assert.Equal(t, []string{u.ID}, memberIDs(got.Members), "a DeleteGroup refused with ErrPreconditionFailed must keep the members "+del)
	assert.ElementsMatch(t, inParent, e.members(t, parent.ID), "a DeleteGroup refused with ErrPreconditionFailed must keep the group's own memberships "+del)
	requireIs(t, e.groups.DeleteGroup(e.ctx, unknownID(), cur.Meta.Version), store.ErrNotFound, "DeleteGroup of an id no group has must return store.ErrNotFound, whatever the version "+del)

	require.NoError(t, e.groups.DeleteGroup(e.ctx, g.ID, cur.Meta.Version), "DeleteGroup at the stored version must delete "+del)
	_, err = e.groups.GetGroup(e.ctx, g.ID, store.GetOptions{})
	requireIs(t, err, store.ErrNotFound, "GetGroup of a deleted group must return store.ErrNotFound "+del)
	assert.Empty(t, e.members(t, parent.ID), "DeleteGroup must remove the group from the groups it was a member of "+del)

	other := e.createGroup(t, &resources.Group{DisplayName: "any"})
	_, err = e.groups.ModifyMembers(e.ctx, other.ID, []string{u.ID}, nil, "")
	require.NoError(t, err, `ModifyMembers with ifVersion "" must write (store.GroupStore.ModifyMembers)`)
	require.NoError(t, e.groups.DeleteGroup(e.ctx, other.ID, ""), `DeleteGroup with ifVersion "" must delete whatever the stored version `+del)
	_, err = e.groups.GetGroup(e.ctx, other.ID, store.GetOptions{})
	requireIs(t, err, store.ErrNotFound, "GetGroup of a deleted group must return store.ErrNotFound "+del)
}
