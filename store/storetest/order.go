package storetest

import (
	"context"
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
// title and emails (folded, with ties) and by externalId (caseExact): memory, SQLite,
// PostgreSQL and a host's store must return the same order, whatever the
// database's collation.
func testSortFold(t *testing.T, e *env) {
	for i, fc := range foldCases {
		t.Run(fc.name, func(t *testing.T) {
			// userName: each string in a tenant of its own list.
			ctx := store.WithTenant(context.Background(), fmt.Sprintf("%s-names-%d", e.tenant, i))
			for _, v := range fc.values {
				_, err := e.users.CreateUser(ctx, &resources.User{UserName: v})
				if contains(fc.taken, v) {
					requireIs(t, err, store.ErrConflict, "userName %q is taken by a string it folds to", v)
				} else {
					require.NoError(t, err, "userName %q", v)
				}
			}
			names := without(fc.byFold, fc.taken)
			check := func(ctx context.Context, sortBy string, desc bool, want []string, value func(*resources.User) string) {
				t.Helper()
				p, err := e.users.ListUsers(ctx, store.Query{SortBy: sortBy, Descending: desc, StartIndex: 1, Count: 100})
				require.NoError(t, err)
				got := []string{}
				for _, u := range p.Items {
					got = append(got, value(u))
				}
				assert.Equal(t, want, got, "sortBy %s descending %v", sortBy, desc)
			}
			userName := func(u *resources.User) string { return u.UserName }
			check(ctx, "userName", false, names, userName)
			check(ctx, "userName", true, reversed(names), userName)

			// title and externalId: every string, on users named in
			// creation order.
			ctx = store.WithTenant(context.Background(), fmt.Sprintf("%s-values-%d", e.tenant, i))
			for j, v := range fc.values {
				_, err := e.users.CreateUser(ctx, &resources.User{UserName: fmt.Sprintf("u%d", j), Title: v, ExternalID: v,
					Emails: []resources.MultiValue{{Value: "x@example.com"}, {Value: v, Primary: resources.Bool(true)}}})
				require.NoError(t, err)
			}
			title := func(u *resources.User) string { return u.Title }
			ext := func(u *resources.User) string { return u.ExternalID }
			check(ctx, "title", false, fc.byFold, title)
			check(ctx, "title", true, fc.foldDesc, title)
			// A multi-valued attribute sorts by its primary value.
			check(ctx, "emails.value", false, fc.byFold, title)
			check(ctx, "emails", true, fc.foldDesc, title)
			check(ctx, "externalId", false, fc.byBytes, ext)
			check(ctx, "externalId", true, reversed(fc.byBytes), ext)
		})
	}
}

// testUserNameFold checks that userName uniqueness keeps every pair
// strings.EqualFold merges (Unicode simple case folding, without locale
// rules): query.NameKey folds case after normalising (see
// testUserNameIdentity for what the normalisation adds).
func testUserNameFold(t *testing.T, e *env) {
	tests := []struct {
		first, second string
		conflict      bool
	}{
		{"tom", "TOM", true},
		{"ſam", "sam", true},
		{"SAM", "ſam", true},
		{"Σίσυφος", "σίσυφος", true},
		{"ς", "σ", true},
		{"Ωmega", "ωMEGA", true},
		{"Äpfel", "äPFEL", true},
		{"İstanbul", "istanbul", false},
		{"ırmak", "Irmak", false},
		{"Straße", "STRASSE", false},
	}
	for i, tt := range tests {
		require.Equal(t, tt.conflict, strings.EqualFold(tt.first, tt.second), "the table agrees with strings.EqualFold: %q %q", tt.first, tt.second)
		ctx := store.WithTenant(context.Background(), fmt.Sprintf("%s-%d", e.tenant, i))
		_, err := e.users.CreateUser(ctx, &resources.User{UserName: tt.first})
		require.NoError(t, err)
		_, err = e.users.CreateUser(ctx, &resources.User{UserName: tt.second})
		if tt.conflict {
			requireIs(t, err, store.ErrConflict, "%q after %q", tt.second, tt.first)
		} else {
			require.NoError(t, err, "%q after %q", tt.second, tt.first)
			continue
		}
		// Nor may a replace take a userName that folds to a taken one.
		b, err := e.users.CreateUser(ctx, &resources.User{UserName: "other"})
		require.NoError(t, err)
		w := b.Clone()
		w.UserName = tt.second
		_, err = e.users.ReplaceUser(ctx, w, "")
		requireIs(t, err, store.ErrConflict, "replace onto %q", tt.second)
	}
}

// testDeleteUserVersion: a stale version deletes nothing; the current one
// and "" delete.
func testDeleteUserVersion(t *testing.T, e *env) {
	u := e.createUser(t, &resources.User{UserName: "versioned", Title: "one"})
	var g *resources.Group
	if e.groups != nil {
		g = e.createGroup(t, &resources.Group{DisplayName: "team", Members: []resources.Member{{Value: u.ID}}})
	}
	w := u.Clone()
	w.Title = "two"
	cur, err := e.users.ReplaceUser(e.ctx, w, u.Meta.Version)
	require.NoError(t, err)

	for _, stale := range []string{u.Meta.Version, `W/"no-such-version"`} {
		requireIs(t, e.users.DeleteUser(e.ctx, u.ID, stale), store.ErrPreconditionFailed, "version %s", stale)
	}
	got, err := e.users.GetUser(e.ctx, u.ID, store.GetOptions{})
	require.NoError(t, err, "a stale delete deletes nothing")
	assert.Equal(t, "two", got.Title)
	assert.Equal(t, cur.Meta.Version, got.Meta.Version)
	if g != nil {
		assert.Equal(t, []string{u.ID}, e.members(t, g.ID), "a stale delete keeps the memberships")
	}
	requireIs(t, e.users.DeleteUser(e.ctx, unknownID(), cur.Meta.Version), store.ErrNotFound)

	require.NoError(t, e.users.DeleteUser(e.ctx, u.ID, cur.Meta.Version))
	_, err = e.users.GetUser(e.ctx, u.ID, store.GetOptions{})
	requireIs(t, err, store.ErrNotFound)
	if g != nil {
		assert.Empty(t, e.members(t, g.ID))
	}

	other := e.createUser(t, &resources.User{UserName: "any"})
	w = other.Clone()
	w.Title = "changed"
	_, err = e.users.ReplaceUser(e.ctx, w, "")
	require.NoError(t, err)
	require.NoError(t, e.users.DeleteUser(e.ctx, other.ID, ""), `"" deletes any version`)
	_, err = e.users.GetUser(e.ctx, other.ID, store.GetOptions{})
	requireIs(t, err, store.ErrNotFound)
}

// testReplaceDeleteRace races a replace and a delete at the same version:
// exactly one of them succeeds, and the store shows its outcome.
func testReplaceDeleteRace(t *testing.T, e *env) {
	const rounds = 16
	users := make([]*resources.User, rounds)
	for i := range users {
		users[i] = e.createUser(t, &resources.User{UserName: fmt.Sprintf("race%d", i)})
	}
	replaceErr := make([]error, rounds)
	deleteErr := make([]error, rounds)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, u := range users {
		wg.Add(2)
		go func() {
			defer wg.Done()
			<-start
			w := u.Clone()
			w.Title = "replaced"
			_, replaceErr[i] = e.users.ReplaceUser(e.ctx, w, u.Meta.Version)
		}()
		go func() {
			defer wg.Done()
			<-start
			deleteErr[i] = e.users.DeleteUser(e.ctx, u.ID, u.Meta.Version)
		}()
	}
	close(start)
	wg.Wait()
	for i, u := range users {
		got, err := e.users.GetUser(e.ctx, u.ID, store.GetOptions{})
		switch {
		case replaceErr[i] == nil && deleteErr[i] == nil:
			t.Errorf("round %d: both the replace and the delete at %s succeeded", i, u.Meta.Version)
		case replaceErr[i] == nil:
			requireIs(t, deleteErr[i], store.ErrPreconditionFailed, "round %d: the delete lost", i)
			require.NoError(t, err, "round %d: the replace won, the user stays", i)
			assert.Equal(t, "replaced", got.Title)
		case deleteErr[i] == nil:
			if !errors.Is(replaceErr[i], store.ErrNotFound) && !errors.Is(replaceErr[i], store.ErrPreconditionFailed) {
				t.Errorf("round %d: the replace after the delete: want ErrNotFound or ErrPreconditionFailed, got %v", i, replaceErr[i])
			}
			requireIs(t, err, store.ErrNotFound, "round %d: the delete won", i)
		default:
			t.Errorf("round %d: neither succeeded: replace %v, delete %v", i, replaceErr[i], deleteErr[i])
		}
	}
}

// testDeleteGroupVersion is testDeleteUserVersion for groups.
func testDeleteGroupVersion(t *testing.T, e *env) {
	u := e.createUser(t, &resources.User{UserName: "member"})
	g := e.createGroup(t, &resources.Group{DisplayName: "versioned", Members: []resources.Member{{Value: u.ID}}})
	parent := e.createGroup(t, &resources.Group{DisplayName: "parent", Members: []resources.Member{{Value: g.ID}}})
	cur, err := e.groups.ModifyMembers(e.ctx, g.ID, nil, []string{u.ID}, g.Meta.Version)
	require.NoError(t, err)
	cur, err = e.groups.ModifyMembers(e.ctx, g.ID, []string{u.ID}, nil, cur.Meta.Version)
	require.NoError(t, err)

	for _, stale := range []string{g.Meta.Version, `W/"no-such-version"`} {
		requireIs(t, e.groups.DeleteGroup(e.ctx, g.ID, stale), store.ErrPreconditionFailed, "version %s", stale)
	}
	got, err := e.groups.GetGroup(e.ctx, g.ID, store.GetOptions{})
	require.NoError(t, err, "a stale delete deletes nothing")
	assert.Equal(t, cur.Meta.Version, got.Meta.Version)
	assert.Equal(t, []string{u.ID}, memberIDs(got.Members), "a stale delete keeps the members")
	assert.Equal(t, []string{g.ID}, e.members(t, parent.ID), "and the group's own memberships")
	requireIs(t, e.groups.DeleteGroup(e.ctx, unknownID(), cur.Meta.Version), store.ErrNotFound)

	require.NoError(t, e.groups.DeleteGroup(e.ctx, g.ID, cur.Meta.Version))
	_, err = e.groups.GetGroup(e.ctx, g.ID, store.GetOptions{})
	requireIs(t, err, store.ErrNotFound)
	assert.Empty(t, e.members(t, parent.ID))

	other := e.createGroup(t, &resources.Group{DisplayName: "any"})
	_, err = e.groups.ModifyMembers(e.ctx, other.ID, []string{u.ID}, nil, "")
	require.NoError(t, err)
	require.NoError(t, e.groups.DeleteGroup(e.ctx, other.ID, ""), `"" deletes any version`)
	_, err = e.groups.GetGroup(e.ctx, other.ID, store.GetOptions{})
	requireIs(t, err, store.ErrNotFound)
}
