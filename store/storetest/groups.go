package storetest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/internal/fanout"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
)

var groupTests = []test{
	{"CreateAssignsIDMetaMembers", testCreateGroup},
	{"GetNotFoundAndExcludeMembers", testGetGroup},
	{"IDsMatchExactly", testGroupIDsExact},
	{"UniqueDisplayName", testUniqueDisplayName},
	{"UniqueDisplayNameIdentity", testDisplayNameIdentity},
	{"SortDisplayNameKey", testSortDisplayNameKey},
	{"ListFilterSortPage", testListGroups},
	{"ListCreationOrder", testListGroupsCreationOrder},
	{"LookupPages", testLookupPages},
	{"Replace", testReplaceGroup},
	{"Delete", testDeleteGroup},
	{"DeleteVersion", testDeleteGroupVersion},
	{"ModifyMembers", testModifyMembers},
	{"ModifyMembersVersion", testModifyMembersVersion},
	{"WriteReport", testWriteReport},
	{"MemberSkips", testMemberSkips},
	{"WritePrecedence", testWritePrecedenceGroups},
	{"TimestampsToTheMillisecond", testGroupMillis},
	{"MemberSkipsOptionalWrites", testMemberSkipsOptional},
	{"WritesReturnHeldMembers", testWritesReturnHeldMembers},
	{"ModifyMembersNoLostUpdate", testModifyMembersConcurrent},
	{"ModifyMembersRacesDeletes", testModifyMembersRacesDeletes},
	{"NestedGroupDeletesRaceMembers", testNestedGroupDeletesRaceMembers},
	{"ConcurrentCreateSameDisplayName", testConcurrentCreateGroup},
	{"GroupsOf", testGroupsOf},
	{"IndirectGroups", testIndirectGroups},
	{"NestedGroupsSkipped", testNestedGroupsSkipped},
	{"OverlappingUserAndGroupIDs", testOverlappingIDs},
	{"NoAliasing", testGroupNoAliasing},
	{"TenantIsolation", testGroupTenants},
}

// testGroupIDsExact: a member change naming the group by another
// spelling of its id (idTwin) names no group, and a member value spelled
// so names no user: it is skipped when added (store.GroupStore,
// "Member values") and removes nothing. A store whose id columns compare
// under a collation that ignores case would change the group, or add and
// remove the user.
func testGroupIDsExact(t *testing.T, e *env) {
	const exact = "ids match exactly, case included (store.GroupStore)"
	u := e.createUser(t, &resources.User{UserName: "member", Active: ptr(true)})
	other := e.createUser(t, &resources.User{UserName: "other", Active: ptr(true)})
	g := e.createGroup(t, &resources.Group{DisplayName: "Exact", Members: []resources.Member{{Value: u.ID}}})
	members := func(t *testing.T) []string {
		return memberIDs(e.getGroup(t, g.ID, store.GetOptions{}, "the group must still be there").Members)
	}
	// Each part on its own, so that a store failing one is told of the
	// other too.
	t.Run("group id", func(t *testing.T) {
		defer suite.Recover(t)
		twin, differs, ok := idTwin(t, g.ID)
		if !ok {
			return
		}
		_, err := e.groups.ModifyMembers(e.ctx, twin, []string{other.ID}, nil, "")
		assert.Equal(t, []string{u.ID}, members(t), "a ModifyMembers of the group id %q, which differs from the stored %q %s, must change nothing: %s (store.GroupStore.ModifyMembers)", twin, g.ID, differs, exact)
		requireIs(t, err, store.ErrNotFound, "ModifyMembers of the group id %q, which differs from the stored %q %s, must return store.ErrNotFound: %s (store.GroupStore.ModifyMembers)", twin, g.ID, differs, exact)
	})
	t.Run("member values", func(t *testing.T) {
		defer suite.Recover(t)
		twin, differs, ok := idTwin(t, u.ID)
		if !ok {
			return
		}
		_, err := e.groups.ModifyMembers(e.ctx, g.ID, nil, []string{twin}, "")
		require.NoError(t, err, "ModifyMembers removing a value no member has must succeed (store.GroupStore.ModifyMembers)")
		assert.Equal(t, []string{u.ID}, members(t), "ModifyMembers removing %q, which differs from the member %q %s, must remove nothing: %s (store.GroupStore.ModifyMembers)", twin, u.ID, differs, exact)

		if otherTwin, differs, ok := idTwin(t, other.ID); ok {
			_, err = e.groups.ModifyMembers(e.ctx, g.ID, []string{otherTwin}, nil, "")
			require.NoError(t, err, "ModifyMembers adding a value that names no user or group must skip it, not fail (store.GroupStore, \"Member values\")")
			assert.NotContains(t, members(t), other.ID, "ModifyMembers adding %q, which differs from the user id %q %s, must skip it: it names no user; %s (store.GroupStore.ModifyMembers)", otherTwin, other.ID, differs, exact)
		}

		c := e.createGroup(t, &resources.Group{DisplayName: "Exact Twin", Members: []resources.Member{{Value: twin}}})
		assert.Empty(t, c.Members, "CreateGroup with the member value %q, which differs from the user id %q %s, must skip it: it names no user; %s (store.GroupStore.CreateGroup)", twin, u.ID, differs, exact)
		assert.Empty(t, e.getGroup(t, c.ID, store.GetOptions{}, "a created group must be readable").Members,
			"CreateGroup must not store the member value %q, which names no user: %s (store.GroupStore.CreateGroup)", twin, exact)
	})
}

// createUserIDs creates n users named prefix0, prefix1, ... and returns
// their ids.
func (e *env) createUserIDs(t *testing.T, prefix string, n int) []string {
	t.Helper()
	ids := make([]string, n)
	for i := range ids {
		ids[i] = e.createUser(t, &resources.User{UserName: fmt.Sprintf("%s%d", prefix, i)}).ID
	}
	return ids
}

// members returns the member values of group id, read with GetGroup.
func (e *env) members(t *testing.T, id string) []string {
	t.Helper()
	return memberIDs(e.getGroup(t, id, store.GetOptions{}, "the group must be there, with its members").Members)
}

func testCreateGroup(t *testing.T, e *env) {
	const create = "(store.GroupStore.CreateGroup)"
	alice := &resources.User{UserName: "alice", DisplayName: "Alice A"}
	u := e.createUser(t, alice) // fitted: displayName is gone when the model leaves it out
	aliceDisplay := cmp.Or(alice.DisplayName, alice.UserName)
	v := e.createUser(t, &resources.User{UserName: "bob"})
	inner := e.createGroup(t, &resources.Group{DisplayName: "Inner"})
	in := &resources.Group{
		ID:          "client-chosen",
		DisplayName: "Admins",
		ExternalID:  "ext-1",
		Meta:        resources.Meta{Version: `W/"client"`},
		Members: []resources.Member{
			{Value: u.ID}, {Value: unknownID()}, {Value: v.ID, Type: "Group", Display: "wrong"}, {Value: inner.ID}, {Value: u.ID}, {Value: ""},
		},
	}
	g := e.createGroup(t, in) // fitted: externalId is gone when the model leaves it out
	assert.NotEmpty(t, g.ID, "CreateGroup must assign a non-empty ID "+create)
	assert.NotEqual(t, "client-chosen", g.ID, "CreateGroup must assign the ID itself and ignore the one on its input "+create)
	assert.NotEqual(t, inner.ID, g.ID, "CreateGroup must assign every group an ID of its own "+create)
	assert.NotEmpty(t, g.Meta.Version, "CreateGroup must assign Meta.Version "+create)
	assert.NotEqual(t, `W/"client"`, g.Meta.Version, "CreateGroup must assign Meta.Version itself and ignore the one on its input "+create)
	assert.False(t, g.Meta.Created.IsZero(), "CreateGroup must set Meta.Created "+create)
	assert.False(t, g.Meta.LastModified.IsZero(), "CreateGroup must set Meta.LastModified "+create)
	assert.Equal(t, in.ExternalID, g.ExternalID, "CreateGroup must return the group as stored, externalId included "+create)

	want := []string{u.ID, v.ID}
	if e.nested {
		want = append(want, inner.ID)
	}
	check := func(ms []resources.Member, from string) {
		t.Helper()
		if e.nested {
			require.ElementsMatch(t, want, memberIDs(ms), "%s: members must be the values that name a user or group of the tenant, each once; values naming nothing are skipped %s", from, create)
		} else {
			require.ElementsMatch(t, want, memberIDs(ms), "%s: members must be the values that name a user of the tenant, each once; values naming nothing, or a group (Stores.NoNestedGroups), are skipped %s", from, create)
		}
		for _, m := range ms {
			switch m.Value {
			case u.ID:
				assert.Equal(t, "User", m.Type, "%s: the store must fill a member's Type from the resource it names %s", from, create)
				assert.Equal(t, aliceDisplay, m.Display, "%s: the store must fill a user member's Display with its displayName (else its userName) %s", from, create)
			case v.ID:
				assert.Equal(t, "User", m.Type, "%s: the store must fill a member's Type from the resource it names, whatever the input's Type %s", from, create)
				assert.Equal(t, "bob", m.Display, "%s: a user member's Display falls back to its userName when it has no displayName %s", from, create)
			case inner.ID:
				assert.Equal(t, "Group", m.Type, "%s: the store must fill a group member's Type with \"Group\" %s", from, create)
				assert.Equal(t, "Inner", m.Display, "%s: the store must fill a group member's Display with its displayName %s", from, create)
			}
		}
	}
	check(g.Members, "CreateGroup's result")
	got := e.getGroup(t, g.ID, store.GetOptions{}, "a created group must be readable by its ID")
	check(got.Members, "GetGroup")
	assert.Equal(t, g.Meta.Version, got.Meta.Version, "GetGroup must return the Meta.Version CreateGroup returned: nothing was written since (store.GroupStore.GetGroup)")

	empty := e.createGroup(t, &resources.Group{DisplayName: "Empty", Members: []resources.Member{}})
	assert.Empty(t, empty.Members, "CreateGroup of a group without members must return no members "+create)
}

func testGetGroup(t *testing.T, e *env) {
	const get = "(store.GroupStore.GetGroup)"
	_, err := e.groups.GetGroup(e.ctx, unknownID(), store.GetOptions{})
	requireIs(t, err, store.ErrNotFound, "GetGroup of an id no group has must return store.ErrNotFound "+get)
	_, err = e.groups.GetGroup(e.ctx, "", store.GetOptions{ExcludeMembers: true})
	requireIs(t, err, store.ErrNotFound, `GetGroup of the id "" must return store.ErrNotFound `+get)
	u := e.createUser(t, &resources.User{UserName: "m"})
	g := e.createGroup(t, &resources.Group{DisplayName: "G", Members: []resources.Member{{Value: u.ID}}})
	_, err = e.groups.GetGroup(e.ctx, u.ID, store.GetOptions{})
	requireIs(t, err, store.ErrNotFound, "GetGroup of a user's id must return store.ErrNotFound: a user is no group "+get)
	if twin, differs, ok := idTwin(t, g.ID); ok {
		_, err = e.groups.GetGroup(e.ctx, twin, store.GetOptions{})
		requireIs(t, err, store.ErrNotFound, "GetGroup of the id %q, which differs from the stored %q %s, must return store.ErrNotFound: ids match exactly, case included (store.GroupStore) %s", twin, g.ID, differs, get)
	}

	got := e.getGroup(t, g.ID, store.GetOptions{ExcludeMembers: true}, "a created group must be readable")
	assert.Nil(t, got.Members, "GetGroup with ExcludeMembers must return Members nil (store.GetOptions.ExcludeMembers)")
	assert.Equal(t, "G", got.DisplayName, "GetGroup must return the displayName CreateGroup stored "+get)
	assert.Equal(t, g.Meta.Version, got.Meta.Version, "GetGroup must return the Meta.Version CreateGroup returned "+get)
	got = e.getGroup(t, g.ID, store.GetOptions{}, "a created group must be readable")
	assert.Equal(t, []string{u.ID}, memberIDs(got.Members), "GetGroup must return the members CreateGroup stored "+get)
}

func testUniqueDisplayName(t *testing.T, e *env) {
	g := e.createGroup(t, &resources.Group{DisplayName: "Sales Team"})
	for _, name := range []string{"Sales Team", "sales team", "SALES TEAM"} {
		_, err := e.groups.CreateGroup(e.ctx, &resources.Group{DisplayName: name})
		requireIs(t, err, store.ErrConflict, "CreateGroup of displayName %q, taken under strings.EqualFold, must return store.ErrConflict (store.GroupStore.CreateGroup)", name)
	}
	other := e.createGroup(t, &resources.Group{DisplayName: "Other"})
	w := other.Clone()
	w.DisplayName = "sales TEAM"
	_, err := e.groups.ReplaceGroup(e.ctx, w, "")
	requireIs(t, err, store.ErrConflict, "ReplaceGroup onto another group's displayName (compared case-insensitively) must return store.ErrConflict (store.GroupStore.ReplaceGroup)")
	// Renaming itself (another case) is fine.
	w = g.Clone()
	w.DisplayName = "SALES team"
	_, err = e.groups.ReplaceGroup(e.ctx, w, "")
	require.NoError(t, err, "ReplaceGroup may change the case of the group's own displayName (store.GroupStore.ReplaceGroup)")
	assert.Equal(t, 2, e.listGroups(t, store.Query{Count: 10, ExcludeMembers: true}).Total, "refused creates must store nothing (store.GroupStore.CreateGroup)")
}

// testListGroups filters, sorts and pages groups; a filter case that
// names what the model leaves out (externalId) is left out (groupCase).
func testListGroups(t *testing.T, e *env) {
	const list = "(store.GroupStore.ListGroups)"
	u := e.createUser(t, &resources.User{UserName: "member"})
	for i, name := range []string{"Beta", "alpha", "Gamma", "delta"} {
		g := &resources.Group{DisplayName: name, ExternalID: fmt.Sprintf("ext-%d", i)}
		if i%2 == 0 {
			g.Members = []resources.Member{{Value: u.ID}}
		}
		e.createGroup(t, g)
	}
	tests := []struct {
		filter string
		want   []string
	}{
		{``, []string{"Beta", "alpha", "Gamma", "delta"}},
		{`displayName eq "ALPHA"`, []string{"alpha"}},
		{`displayName eq "nothing"`, []string{}},
		{`displayName sw "g"`, []string{"Gamma"}},
		{`displayName co "ta"`, []string{"Beta", "delta"}},
		{`externalId eq "ext-2"`, []string{"Gamma"}},
		{`externalId eq "EXT-2"`, []string{}},
		{`displayName eq "alpha" or displayName eq "delta"`, []string{"alpha", "delta"}},
		{`members[value eq "` + u.ID + `"]`, []string{"Beta", "Gamma"}},
		{`members.value eq "` + u.ID + `" and displayName sw "b"`, []string{"Beta"}},
		{`not (members pr)`, []string{"alpha", "delta"}},
		{`not (members[value eq "` + u.ID + `"])`, []string{"alpha", "delta"}},
		{`members[value eq "` + u.ID + `" and type eq "User"]`, []string{"Beta", "Gamma"}},
		// ne on a multi-valued attribute: some member is not u (RFC 7644
		// §3.4.2.2); a group without members has none.
		{`members.value ne "` + u.ID + `"`, []string{}},
		{`members.value ne "someone-else"`, []string{"Beta", "Gamma"}},
		{`members ne "someone-else"`, []string{"Beta", "Gamma"}},
		{`members.type ne "Group"`, []string{"Beta", "Gamma"}},
		{`members.$ref ne "x"`, []string{"Beta", "Gamma"}},
		// A member is the element a GET shows (query.MemberValue): type
		// and display always present (the store fills them), none empty,
		// and no $ref (the handler makes it, and refuses a filter on it).
		{`members.type eq "User"`, []string{"Beta", "Gamma"}},
		{`members.type pr`, []string{"Beta", "Gamma"}},
		{`members.display pr`, []string{"Beta", "Gamma"}},
		{`members[display pr and type eq "User"]`, []string{"Beta", "Gamma"}},
		{`members.display eq "MEMBER"`, []string{"Beta", "Gamma"}}, // a user without displayName: its userName
		{`members.display eq ""`, []string{}},
		{`members.type eq ""`, []string{}},
		{`members.display eq null`, []string{"alpha", "delta"}},
		{`members.$ref pr`, []string{}},
		{`not (members.value eq "` + u.ID + `")`, []string{"alpha", "delta"}},
	}
	for _, tt := range tests {
		for _, exclude := range []bool{false, true} {
			q := store.Query{Count: 100, ExcludeMembers: exclude}
			if tt.filter != "" {
				q.Filter = parse(t, tt.filter)
			}
			if !e.groupCase(t, q) {
				continue
			}
			p := e.listGroups(t, q)
			assert.Equal(t, tt.want, groupNames(p.Items), "ListGroups with filter %q (excludeMembers %v) must return exactly the matching groups, in creation order; a filter on members sees them even when they are excluded %s", tt.filter, exclude, list)
			assert.Equal(t, len(tt.want), p.Total, "ListGroups with filter %q: Total must count every match (store.Page.Total)", tt.filter)
			for _, g := range p.Items {
				if exclude {
					assert.Nil(t, g.Members, "ListGroups with ExcludeMembers must return Members nil (store.Query.ExcludeMembers)")
				} else if g.DisplayName == "Beta" {
					assert.Equal(t, []string{u.ID}, memberIDs(g.Members), "ListGroups must return each group's members "+list)
				}
			}
		}
	}
	p := e.listGroups(t, store.Query{SortBy: "displayName", Count: 100, ExcludeMembers: true})
	assert.Equal(t, []string{"alpha", "Beta", "delta", "Gamma"}, groupNames(p.Items), "ListGroups sorted by displayName must sort case-insensitively (query.Fold) (store.Query.SortBy)")
	p = e.listGroups(t, store.Query{SortBy: "displayName", Descending: true, StartIndex: 2, Count: 2, ExcludeMembers: true})
	assert.Equal(t, []string{"delta", "Beta"}, groupNames(p.Items), "ListGroups must page a descending sort from the 1-based StartIndex (store.Query)")
	assert.Equal(t, 4, p.Total, "ListGroups: Total must count every match, not just the page (store.Page.Total)")
	p = e.listGroups(t, store.Query{Count: 0})
	assert.Empty(t, p.Items, "ListGroups with Count 0 must return no items, only Total (store.Query.Count)")
	assert.Equal(t, 4, p.Total, "ListGroups with Count 0: Total must still count every match (store.Page.Total)")
}

// testLookupPages: a lookup of a unique name (userName eq, displayName
// eq), which identity providers send before every create and push,
// matches at most one resource, and pages like any list: Total counts
// the match on a page past it and with Count 0, and a group's members
// come with it. A page of groups sorted with their members holds each
// group's own members (a store that reads the members apart from the
// page must put them back on the right groups). Members compare as sets
// (store.GroupStore, "Member order").
func testLookupPages(t *testing.T, e *env) {
	const list = "(store.UserStore.ListUsers, store.GroupStore.ListGroups)"
	u := e.createUser(t, &resources.User{UserName: "Lookup.Member"})
	v := e.createUser(t, &resources.User{UserName: "other.member"})
	// Lookup Team's members are added in descending id order, so that a
	// store reading them in id order, as the contract allows, returns
	// another order every time, not on every other run.
	first, second := u.ID, v.ID
	if first < second {
		first, second = second, first
	}
	for i, name := range []string{"Zulu", "Lookup Team", "alpha"} {
		g := &resources.Group{DisplayName: name}
		switch i {
		case 0:
			g.Members = []resources.Member{{Value: v.ID}}
		case 1:
			g.Members = []resources.Member{{Value: first}, {Value: second}}
		}
		e.createGroup(t, g)
	}
	for _, tt := range []struct {
		filter            string
		startIndex, count int
		want              []string
		total             int
	}{
		{`userName eq "lookup.member"`, 1, 100, []string{"Lookup.Member"}, 1},
		{`userName eq "lookup.member"`, 1, 1, []string{"Lookup.Member"}, 1},
		{`userName eq "lookup.member"`, 2, 1, []string{}, 1},
		{`userName eq "lookup.member"`, 1, 0, []string{}, 1},
		// Far past the match, on either side of where a store may
		// change how it reads a lookup (sqlstore: a skip of 2^29).
		{`userName eq "lookup.member"`, 1<<29 + 1, 1, []string{}, 1},
		{`userName eq "lookup.member"`, 1<<29 + 2, 1, []string{}, 1},
		{`userName eq "lookup.member"`, 1, 1<<29 + 1, []string{"Lookup.Member"}, 1},
		{`userName eq "nobody"`, 1, 100, []string{}, 0},
		{`userName eq "nobody"`, 3, 100, []string{}, 0},
		{`userName eq "lookup.member" and active eq false`, 1, 100, []string{}, 0},
	} {
		p := e.listUsers(t, store.Query{Filter: parse(t, tt.filter), StartIndex: tt.startIndex, Count: tt.count})
		assert.Equal(t, tt.want, userNames(p.Items), "ListUsers %q startIndex=%d count=%d: the page of a lookup %s", tt.filter, tt.startIndex, tt.count, list)
		assert.Equal(t, tt.total, p.Total, "ListUsers %q startIndex=%d count=%d: Total counts the match whatever the page (store.Page.Total)", tt.filter, tt.startIndex, tt.count)
	}
	for _, tt := range []struct {
		filter            string
		startIndex, count int
		want              []string
		total             int
	}{
		{`displayName eq "LOOKUP TEAM"`, 1, 100, []string{"Lookup Team"}, 1},
		{`displayName eq "lookup team"`, 1, 1, []string{"Lookup Team"}, 1},
		{`displayName eq "lookup team"`, 2, 1, []string{}, 1},
		{`displayName eq "lookup team"`, 1, 0, []string{}, 1},
		{`displayName eq "lookup team"`, 1<<29 + 2, 1, []string{}, 1},
		{`displayName eq "nobody"`, 1, 100, []string{}, 0},
	} {
		for _, exclude := range []bool{false, true} {
			p := e.listGroups(t, store.Query{Filter: parse(t, tt.filter), StartIndex: tt.startIndex, Count: tt.count, ExcludeMembers: exclude})
			assert.Equal(t, tt.want, groupNames(p.Items), "ListGroups %q startIndex=%d count=%d excludeMembers=%v: the page of a lookup %s", tt.filter, tt.startIndex, tt.count, exclude, list)
			assert.Equal(t, tt.total, p.Total, "ListGroups %q startIndex=%d count=%d excludeMembers=%v: Total counts the match whatever the page (store.Page.Total)", tt.filter, tt.startIndex, tt.count, exclude)
			for _, g := range p.Items {
				if exclude {
					assert.Nil(t, g.Members, "ListGroups with ExcludeMembers must return Members nil (store.Query.ExcludeMembers)")
				} else {
					assert.ElementsMatch(t, []string{u.ID, v.ID}, memberIDs(g.Members), "a group looked up by displayName comes with its members "+list)
				}
			}
		}
	}
	want := map[string][]string{"Zulu": {v.ID}, "Lookup Team": {u.ID, v.ID}, "alpha": {}}
	for _, q := range []store.Query{
		{SortBy: "displayName", Count: 100},
		{SortBy: "displayName", Descending: true, Count: 100},
		{SortBy: "displayName", Descending: true, StartIndex: 2, Count: 2},
	} {
		p := e.listGroups(t, q)
		assert.Equal(t, 3, p.Total, "ListGroups %s: Total (store.Page.Total)", describe(q))
		for _, g := range p.Items {
			assert.ElementsMatch(t, want[g.DisplayName], memberIDs(g.Members), "ListGroups %s: group %q must hold its own members %s", describe(q), g.DisplayName, list)
		}
	}
}

func testReplaceGroup(t *testing.T, e *env) {
	const rep = "(store.GroupStore.ReplaceGroup)"
	u1 := e.createUser(t, &resources.User{UserName: "u1"})
	u2 := e.createUser(t, &resources.User{UserName: "u2"})
	g := e.createGroup(t, &resources.Group{DisplayName: "G", Members: []resources.Member{{Value: u1.ID}}})
	stored := e.getGroup(t, g.ID, store.GetOptions{}, "a created group must be readable")
	versions := map[string]bool{g.Meta.Version: true}

	// Members nil: members unchanged.
	w := stored.Clone()
	w.DisplayName = "G2"
	w.Members = nil
	out, err := e.groups.ReplaceGroup(e.ctx, w, stored.Meta.Version)
	require.NoError(t, err, "ReplaceGroup at the stored version must write "+rep)
	assert.Equal(t, "G2", out.DisplayName, "ReplaceGroup must return the group as written "+rep)
	assert.True(t, out.Meta.Created.Equal(stored.Meta.Created), "ReplaceGroup must keep Meta.Created "+rep)
	assert.False(t, versions[out.Meta.Version], "ReplaceGroup must set a new Meta.Version on every write "+rep)
	versions[out.Meta.Version] = true
	assert.Equal(t, []string{u1.ID}, e.members(t, g.ID), "ReplaceGroup with Members nil must leave the stored members unchanged "+rep)

	// The old version is stale now.
	_, err = e.groups.ReplaceGroup(e.ctx, w, stored.Meta.Version)
	requireIs(t, err, store.ErrPreconditionFailed, "ReplaceGroup must refuse an ifVersion that is no longer the stored version "+rep)
	_, err = e.groups.ReplaceGroup(e.ctx, w, `W/"no-such-version"`)
	requireIs(t, err, store.ErrPreconditionFailed, "ReplaceGroup must refuse an ifVersion that is not the stored version "+rep)

	// A non-nil list replaces the members.
	w.Members = []resources.Member{{Value: u2.ID}, {Value: unknownID()}}
	out, err = e.groups.ReplaceGroup(e.ctx, w, out.Meta.Version)
	require.NoError(t, err, "ReplaceGroup at the stored version must write "+rep)
	assert.False(t, versions[out.Meta.Version], "ReplaceGroup must set a new Meta.Version on every write "+rep)
	versions[out.Meta.Version] = true
	assert.Equal(t, []string{u2.ID}, e.members(t, g.ID), "ReplaceGroup with non-nil Members must replace the members, skipping values that name nothing "+rep)

	// An empty list empties the group.
	w.Members = []resources.Member{}
	out, err = e.groups.ReplaceGroup(e.ctx, w, "")
	require.NoError(t, err, `ReplaceGroup with ifVersion "" must write whatever the stored version `+rep)
	assert.False(t, versions[out.Meta.Version], "ReplaceGroup must set a new Meta.Version on every write "+rep)
	assert.Empty(t, e.members(t, g.ID), "ReplaceGroup with an empty, non-nil Members must remove every member "+rep)
	if e.mr != nil {
		m, err := e.mr.GroupsOf(e.ctx, []string{u1.ID, u2.ID})
		require.NoError(t, err, "GroupsOf must answer for any ids (store.MembershipReader.GroupsOf)")
		assert.Empty(t, m[u1.ID], "GroupsOf must not list a group the user was removed from by ReplaceGroup (store.MembershipReader.GroupsOf)")
		assert.Empty(t, m[u2.ID], "GroupsOf must not list a group the user was removed from by ReplaceGroup (store.MembershipReader.GroupsOf)")
	}

	_, err = e.groups.ReplaceGroup(e.ctx, &resources.Group{ID: unknownID(), DisplayName: "x"}, "")
	requireIs(t, err, store.ErrNotFound, "ReplaceGroup of an id no group has must return store.ErrNotFound "+rep)
	assert.Equal(t, []string{"G2"}, groupNames(e.listGroups(t, store.Query{Filter: parse(t, `displayName eq "g2"`), Count: 10}).Items),
		"a filter must find the displayName ReplaceGroup wrote "+rep)
	assert.Empty(t, e.listGroups(t, store.Query{Filter: parse(t, `displayName eq "g"`), Count: 10}).Items,
		"after ReplaceGroup renamed a group, a filter must not find the old displayName (stale index?) "+rep)
}

func testDeleteGroup(t *testing.T, e *env) {
	const del = "(store.GroupStore.DeleteGroup)"
	u := e.createUser(t, &resources.User{UserName: "u"})
	child := e.createGroup(t, &resources.Group{DisplayName: "child", Members: []resources.Member{{Value: u.ID}}})
	parent := e.createGroup(t, &resources.Group{DisplayName: "parent", Members: []resources.Member{{Value: child.ID}, {Value: u.ID}}})
	if e.nested {
		assert.ElementsMatch(t, []string{child.ID, u.ID}, e.members(t, parent.ID), "a group may be a member of a group (store.GroupStore.CreateGroup)")
	}

	require.NoError(t, e.groups.DeleteGroup(e.ctx, child.ID, ""), `DeleteGroup with ifVersion "" must delete whatever the stored version `+del)
	_, err := e.groups.GetGroup(e.ctx, child.ID, store.GetOptions{})
	requireIs(t, err, store.ErrNotFound, "GetGroup of a deleted group must return store.ErrNotFound "+del)
	requireIs(t, e.groups.DeleteGroup(e.ctx, child.ID, ""), store.ErrNotFound, "DeleteGroup of a deleted group must return store.ErrNotFound "+del)
	requireIs(t, e.groups.DeleteGroup(e.ctx, unknownID(), ""), store.ErrNotFound, "DeleteGroup of an id no group has must return store.ErrNotFound "+del)
	assert.Equal(t, []string{u.ID}, e.members(t, parent.ID), "DeleteGroup must remove the group from the groups it was a member of "+del)
	if e.mr != nil {
		m, err := e.mr.GroupsOf(e.ctx, []string{u.ID})
		require.NoError(t, err, "GroupsOf must answer for any ids (store.MembershipReader.GroupsOf)")
		if assert.Len(t, m[u.ID], 1, "GroupsOf must not list a deleted group "+del) {
			assert.Equal(t, parent.ID, m[u.ID][0].Value, "GroupsOf must not list a deleted group "+del)
		}
	}
	e.getUser(t, u.ID, store.GetOptions{}, "DeleteGroup must keep the group's members "+del)
	// The displayName is free again.
	_, err = e.groups.CreateGroup(e.ctx, &resources.Group{DisplayName: "CHILD"})
	require.NoError(t, err, "DeleteGroup must free the group's displayName for a new group "+del)
	assert.Equal(t, []string{"parent", "CHILD"}, groupNames(e.listGroups(t, store.Query{Count: 10}).Items), "ListGroups must not return a deleted group "+del)
}

func testModifyMembers(t *testing.T, e *env) {
	const mod = "(store.GroupStore.ModifyMembers)"
	ids := e.createUserIDs(t, "m", 4)
	g := e.createGroup(t, &resources.Group{DisplayName: "G", Members: []resources.Member{{Value: ids[0]}}})
	version := g.Meta.Version

	out, err := e.groups.ModifyMembers(e.ctx, g.ID, []string{ids[1], ids[2]}, nil, "")
	require.NoError(t, err, "ModifyMembers adding users must succeed "+mod)
	assert.Nil(t, out.Members, "ModifyMembers must return the group with Members nil "+mod)
	assert.Equal(t, g.ID, out.ID, "ModifyMembers must return the group it changed "+mod)
	assert.Equal(t, "G", out.DisplayName, "ModifyMembers must return the group it changed, displayName included "+mod)
	assert.NotEqual(t, version, out.Meta.Version, "ModifyMembers must give the group a new Meta.Version "+mod)
	version = out.Meta.Version
	assert.ElementsMatch(t, []string{ids[0], ids[1], ids[2]}, e.members(t, g.ID), "ModifyMembers must add the members in add "+mod)
	got := e.getGroup(t, g.ID, store.GetOptions{ExcludeMembers: true}, "the group must still be there")
	assert.Equal(t, version, got.Meta.Version, "ModifyMembers must return the version it stored "+mod)

	out, err = e.groups.ModifyMembers(e.ctx, g.ID, nil, []string{ids[0]}, "")
	require.NoError(t, err, "ModifyMembers removing a member must succeed "+mod)
	assert.NotEqual(t, version, out.Meta.Version, "ModifyMembers must give the group a new Meta.Version "+mod)
	assert.ElementsMatch(t, []string{ids[1], ids[2]}, e.members(t, g.ID), "ModifyMembers must remove the members in remove "+mod)

	// Idempotent: adding a present member, removing an absent one, and
	// unknown ids are not errors.
	_, err = e.groups.ModifyMembers(e.ctx, g.ID, []string{ids[1], unknownID(), ""}, []string{ids[0], unknownID()}, "")
	require.NoError(t, err, "ModifyMembers adding a present member, removing an absent one, or naming nothing must not be an error "+mod)
	assert.ElementsMatch(t, []string{ids[1], ids[2]}, e.members(t, g.ID), "ModifyMembers must skip ids that name nothing, and keep members present once "+mod)

	// Add and remove in one call.
	_, err = e.groups.ModifyMembers(e.ctx, g.ID, []string{ids[3]}, []string{ids[1], ids[2]}, "")
	require.NoError(t, err, "ModifyMembers adding and removing in one call must succeed "+mod)
	assert.Equal(t, []string{ids[3]}, e.members(t, g.ID), "ModifyMembers must apply add and remove in one call "+mod)

	// A group is never a member of itself.
	_, err = e.groups.ModifyMembers(e.ctx, g.ID, []string{g.ID}, nil, "")
	require.NoError(t, err, "ModifyMembers adding the group to itself must not be an error: the value is skipped "+mod)
	assert.Equal(t, []string{ids[3]}, e.members(t, g.ID), "ModifyMembers must skip the group's own id: a group is never a member of itself "+mod)

	// Groups may be members (unless the store declares it keeps users only).
	sub := e.createGroup(t, &resources.Group{DisplayName: "Sub"})
	_, err = e.groups.ModifyMembers(e.ctx, g.ID, []string{sub.ID}, nil, "")
	require.NoError(t, err, "ModifyMembers adding a group must succeed "+mod)
	got = e.getGroup(t, g.ID, store.GetOptions{}, "the group must still be there")
	if e.nested {
		require.Len(t, got.Members, 2, "ModifyMembers must add a group as a member: groups may be members of groups (or declare Stores.NoNestedGroups) "+mod)
		for _, m := range got.Members {
			if m.Value == sub.ID {
				assert.Equal(t, "Group", m.Type, "a group member's Type must be \"Group\" "+mod)
			}
		}
	} else {
		assert.Equal(t, []string{ids[3]}, memberIDs(got.Members), "Stores.NoNestedGroups: ModifyMembers must skip a value that names a group "+mod)
	}

	_, err = e.groups.ModifyMembers(e.ctx, unknownID(), []string{ids[0]}, nil, "")
	requireIs(t, err, store.ErrNotFound, "ModifyMembers of a group id no group has must return store.ErrNotFound "+mod)
	_, err = e.groups.ModifyMembers(e.ctx, "", nil, nil, "")
	requireIs(t, err, store.ErrNotFound, `ModifyMembers of the group id "" must return store.ErrNotFound, even with nothing to change `+mod)
}

// testWriteReport: a store that fills the store.Report its
// context carries (optional) reports a member change as its feed would:
// MembersRemoved and MembersAdded with the members it really removed and
// added; nothing when nothing changed. A user's or group's
// deletion reports its UserDeleted or GroupDeleted and a MembersRemoved
// for each membership it removed.
func testWriteReport(t *testing.T, e *env) {
	const mod = "(store.Report, filled by ModifyMembers, DeleteUser and DeleteGroup)"
	ids := e.createUserIDs(t, "r", 5)
	g := e.createGroup(t, &resources.Group{DisplayName: "Reported", Members: []resources.Member{{Value: ids[0]}}})
	modify := func(add, remove []string) store.Report {
		t.Helper()
		var rep store.Report
		_, err := e.groups.ModifyMembers(store.WithReport(e.ctx, &rep), g.ID, add, remove, "")
		require.NoError(t, err, "ModifyMembers must succeed "+mod)
		return rep
	}
	rep := modify([]string{ids[1], ids[0], unknownID(), ""}, []string{unknownID(), ids[2]})
	if !rep.Filled {
		t.Skip("the store does not fill store.Report (optional): Config.Events name the ids a request asks for")
	}
	added, removed := rep.Members()
	assert.Equal(t, []string{ids[1]}, added, "the report must name the members added, not a present member or an id that names nothing "+mod)
	assert.Nil(t, removed, "the report must name no member removed when none was a member "+mod)

	rep = modify([]string{ids[3], ids[2]}, []string{ids[1], ids[0]})
	added, removed = rep.Members()
	assert.ElementsMatch(t, []string{ids[2], ids[3]}, added, "the report must name the members added "+mod)
	assert.ElementsMatch(t, []string{ids[0], ids[1]}, removed, "the report must name the members removed "+mod)

	rep = modify([]string{ids[2]}, []string{ids[0]})
	assert.True(t, rep.Filled, "a store that fills the report must fill it when nothing changes too "+mod)
	assert.Empty(t, rep.Changes, "nothing changed, nothing reported "+mod)

	// A refused write fills nothing: the report says what was committed.
	for name, write := range map[string]func(ctx context.Context) error{
		"ModifyMembers at another version": func(ctx context.Context) error {
			_, err := e.groups.ModifyMembers(ctx, g.ID, []string{ids[4]}, nil, `W/"no-such-version"`)
			return err
		},
		"DeleteUser of no user":   func(ctx context.Context) error { return e.users.DeleteUser(ctx, unknownID(), "") },
		"DeleteGroup of no group": func(ctx context.Context) error { return e.groups.DeleteGroup(ctx, unknownID(), "") },
	} {
		rep = store.Report{}
		require.Error(t, write(store.WithReport(e.ctx, &rep)), name)
		assert.False(t, rep.Filled, "a refused write (%s) must leave the report unfilled %s", name, mod)
	}

	// A user in two groups, deleted.
	other := e.createGroup(t, &resources.Group{DisplayName: "Other", Members: []resources.Member{{Value: ids[2]}, {Value: ids[4]}}})
	rep = store.Report{}
	require.NoError(t, e.users.DeleteUser(store.WithReport(e.ctx, &rep), ids[2], ""), "DeleteUser must succeed "+mod)
	require.True(t, rep.Filled, "a store that fills the report for ModifyMembers must fill it for DeleteUser "+mod)
	left := map[string][]string{}
	for _, c := range rep.Changes {
		if c.Kind == store.MembersRemoved {
			left[c.ID] = c.Members
		}
	}
	assert.Equal(t, store.UserDeleted, rep.Changes[0].Kind, "a deletion's report must start with UserDeleted "+mod)
	assert.Equal(t, map[string][]string{g.ID: {ids[2]}, other.ID: {ids[2]}}, left, "a user's deletion must report a MembersRemoved for each group it was a member of "+mod)

	// A group deleted: its own members removed.
	rep = store.Report{}
	require.NoError(t, e.groups.DeleteGroup(store.WithReport(e.ctx, &rep), other.ID, ""), "DeleteGroup must succeed "+mod)
	require.True(t, rep.Filled, "a store that fills the report for ModifyMembers must fill it for DeleteGroup "+mod)
	assert.Equal(t, store.GroupDeleted, rep.Changes[0].Kind, "a deletion's report must start with GroupDeleted "+mod)
	_, removed = rep.Members()
	assert.Equal(t, []string{ids[4]}, removed, "a group's deletion must report the members it had "+mod)
}

// testMemberSkips: a store that fills the store.MemberSkips its context
// carries names, in every write of member values, those it skips (each
// once, in order; a removal and a member kept are none), and, asked to
// refuse them, returns store.ErrUnknownMembers having written nothing.
func testMemberSkips(t *testing.T, e *env) {
	const skips = "(store.MemberSkips: every write that resolves member values notes the values it skips, before it writes)"
	ids := e.createUserIDs(t, "skip", 3)
	ghost, ghost2 := unknownID(), unknownID()
	var sk store.MemberSkips
	g, err := e.groups.CreateGroup(store.WithMemberSkips(e.ctx, &sk), &resources.Group{DisplayName: "Skips",
		Members: []resources.Member{{Value: ids[0]}, {Value: ghost}, {Value: ids[1]}, {Value: ghost}, {Value: ghost2}}})
	require.NoError(t, err, "CreateGroup must skip values that name nothing "+skips)
	if !sk.Filled {
		t.Skip("the store does not fill store.MemberSkips (optional): the handler warns of a POST's and PUT's skips from the group returned, and strict mode cannot refuse them")
	}
	assert.Equal(t, []string{ghost, ghost2}, sk.IDs, "CreateGroup must note the values it skipped, each once, in order "+skips)
	assert.ElementsMatch(t, []string{ids[0], ids[1]}, e.members(t, g.ID), "CreateGroup must still skip them "+skips)

	note := func(name string, write func(ctx context.Context) error) []string {
		t.Helper()
		sk := store.MemberSkips{}
		require.NoError(t, write(store.WithMemberSkips(e.ctx, &sk)), name)
		assert.True(t, sk.Filled, "%s must fill store.MemberSkips as CreateGroup does %s", name, skips)
		return sk.IDs
	}
	// Values naming a group (the group itself here) are checked only on
	// a store that takes groups as members: one declaring
	// Stores.NoNestedGroups may skip them before its member resolution.
	add, want := []string{ghost, ids[2]}, []string{ghost}
	if e.nested {
		add, want = append(add, g.ID), append(want, g.ID)
	}
	assert.Equal(t, want, note("ModifyMembers", func(ctx context.Context) error {
		_, err := e.groups.ModifyMembers(ctx, g.ID, add, nil, "")
		return err
	}), "ModifyMembers must note the values of add it skipped, the group itself included "+skips)
	assert.Empty(t, note("ModifyMembers removing", func(ctx context.Context) error {
		_, err := e.groups.ModifyMembers(ctx, g.ID, []string{ids[2]}, []string{ghost, ids[2]}, "")
		return err
	}), "a removal of a value that names nothing, or an add of a present member, is no skip "+skips)
	stored := e.getGroup(t, g.ID, store.GetOptions{}, "the group must be there")
	keep := stored.Clone()
	keep.Members = append(keep.Members, resources.Member{Value: ghost2})
	assert.Equal(t, []string{ghost2}, note("ReplaceGroup", func(ctx context.Context) error {
		_, err := e.groups.ReplaceGroup(ctx, keep, "")
		return err
	}), "ReplaceGroup must note the values it skipped, and no member it keeps "+skips)

	// Refused: nothing written, by every write.
	type refusal struct {
		name  string
		write func(ctx context.Context) error
	}
	refusals := []refusal{
		{"CreateGroup", func(ctx context.Context) error {
			_, err := e.groups.CreateGroup(ctx, &resources.Group{DisplayName: "Refused", Members: []resources.Member{{Value: ids[0]}, {Value: ghost}}})
			return err
		}},
		{"ReplaceGroup", func(ctx context.Context) error {
			next := stored.Clone()
			next.DisplayName = "Renamed"
			next.Members = []resources.Member{{Value: ids[2]}, {Value: ghost}}
			_, err := e.groups.ReplaceGroup(ctx, next, "")
			return err
		}},
		{"ModifyMembers", func(ctx context.Context) error {
			_, err := e.groups.ModifyMembers(ctx, g.ID, []string{ids[2], ghost}, []string{ids[0]}, "")
			return err
		}},
	}
	if e.nested {
		refusals = append(refusals, refusal{"ModifyMembers adding the group itself", func(ctx context.Context) error {
			_, err := e.groups.ModifyMembers(ctx, g.ID, []string{g.ID}, nil, "")
			return err
		}})
	}
	if e.groupUp != nil {
		refusals = append(refusals, refusal{"GroupUpdater.UpdateGroup", func(ctx context.Context) error {
			_, err := e.groupUp.UpdateGroup(ctx, g.ID, "", true, func(cur *resources.Group) (*resources.Group, error) {
				next := cur.Clone()
				next.Members = append(next.Members, resources.Member{Value: ghost})
				return next, nil
			})
			return err
		}})
	}
	if e.checkedUp != nil {
		refusals = append(refusals, refusal{"CheckedMemberModifier.ModifyMembersChecked", func(ctx context.Context) error {
			_, err := e.checkedUp.ModifyMembersChecked(ctx, g.ID, []string{ghost, ids[2]}, nil, "", func(*resources.Group) error { return nil })
			return err
		}})
	}
	for _, r := range refusals {
		before := e.getGroup(t, g.ID, store.GetOptions{}, "the group must be there")
		sk := store.MemberSkips{Refuse: true}
		err := r.write(store.WithMemberSkips(e.ctx, &sk))
		require.ErrorIs(t, err, store.ErrUnknownMembers, "%s asked to refuse a value it would skip must return store.ErrUnknownMembers %s", r.name, skips)
		assert.NotEmpty(t, sk.IDs, "%s must name the values it refused %s", r.name, skips)
		after := e.getGroup(t, g.ID, store.GetOptions{}, "the group must be there")
		assert.Equal(t, before.Meta.Version, after.Meta.Version, "%s refused must write nothing %s", r.name, skips)
		assert.ElementsMatch(t, memberIDs(before.Members), memberIDs(after.Members), "%s refused must write nothing %s", r.name, skips)
	}
	assert.Zero(t, e.listGroups(t, store.Query{Filter: parse(t, `displayName eq "Refused"`)}).Total, "CreateGroup refused must create nothing "+skips)
	refuse := store.MemberSkips{Refuse: true}
	_, err = e.groups.ModifyMembers(store.WithMemberSkips(e.ctx, &refuse), g.ID, []string{ids[0]}, []string{ghost}, "")
	require.NoError(t, err, "a refusing write given no value to skip must succeed "+skips)
	assert.Empty(t, refuse.IDs, "a refusing write given no value to skip names none "+skips)
}

// testMemberSkipsOptional: a store that fills the store.MemberSkips its
// context carries fills it in the member writes of its optional
// interfaces too, without Refuse as with it (testMemberSkips): a
// GroupUpdater's UpdateGroup with members and a CheckedMemberModifier's
// ModifyMembersChecked name the values they skip, each once, in order,
// and still write the others.
func testMemberSkipsOptional(t *testing.T, e *env) {
	const skips = "(store.MemberSkips: every write that resolves member values notes the values it skips, before it writes)"
	// e.groupUp and e.checkedUp, not e.groups: e.groups is a guard that
	// is neither.
	up := e.groupUp
	if up == nil && e.checkedUp == nil {
		t.Skip("the group store is neither a store.GroupUpdater nor a store.CheckedMemberModifier")
	}
	ids := e.createUserIDs(t, "skipopt", 3)
	ghost, ghost2 := unknownID(), unknownID()
	var probe store.MemberSkips
	g, err := e.groups.CreateGroup(store.WithMemberSkips(e.ctx, &probe), &resources.Group{DisplayName: "Optional skips",
		Members: []resources.Member{{Value: ids[0]}, {Value: ghost}}})
	require.NoError(t, err, "CreateGroup must skip values that name nothing "+skips)
	if !probe.Filled {
		t.Skip("the store does not fill store.MemberSkips (optional)")
	}
	note := func(name string, write func(ctx context.Context) error) []string {
		t.Helper()
		var sk store.MemberSkips
		require.NoError(t, write(store.WithMemberSkips(e.ctx, &sk)), "%s must skip values that name nothing %s", name, skips)
		assert.True(t, sk.Filled, "%s must fill store.MemberSkips as CreateGroup does %s", name, skips)
		return sk.IDs
	}
	if up != nil {
		assert.Equal(t, []string{ghost2, ghost}, note("GroupUpdater.UpdateGroup", func(ctx context.Context) error {
			_, err := up.UpdateGroup(ctx, g.ID, "", true, func(cur *resources.Group) (*resources.Group, error) {
				next := cur.Clone()
				next.Members = append(next.Members, resources.Member{Value: ghost2}, resources.Member{Value: ids[1]},
					resources.Member{Value: ghost}, resources.Member{Value: ghost2})
				return next, nil
			})
			return err
		}), "GroupUpdater.UpdateGroup must note the values it skipped, each once, in order, and no member it keeps "+skips)
		assert.ElementsMatch(t, []string{ids[0], ids[1]}, e.members(t, g.ID), "GroupUpdater.UpdateGroup must still write the other members "+skips)
	}
	if e.checkedUp != nil {
		assert.Equal(t, []string{ghost, ghost2}, note("CheckedMemberModifier.ModifyMembersChecked", func(ctx context.Context) error {
			_, err := e.checkedUp.ModifyMembersChecked(ctx, g.ID, []string{ghost, ids[2], ghost2, ghost}, []string{ghost2}, "",
				func(*resources.Group) error { return nil })
			return err
		}), "CheckedMemberModifier.ModifyMembersChecked must note the values of add it skipped, each once, in order "+skips)
		assert.Contains(t, e.members(t, g.ID), ids[2], "CheckedMemberModifier.ModifyMembersChecked must still add the other members "+skips)
	}
}

// testWritesReturnHeldMembers: CreateGroup and ReplaceGroup given
// members return the group with the members it holds after the write,
// those that name nothing (skipped) left out, whether or not the store
// fills store.MemberSkips: the handler tells a client of the members
// skipped by a store that does not fill it from the group returned.
func testWritesReturnHeldMembers(t *testing.T, e *env) {
	const held = "(store.GroupStore: CreateGroup and ReplaceGroup return the members the group holds after the write, without those they skipped; the handler's warning of skipped members relies on it)"
	ids := e.createUserIDs(t, "held", 3)
	ghost := unknownID()
	g := &resources.Group{DisplayName: "Held", Members: []resources.Member{{Value: ids[0]}, {Value: ghost}, {Value: ids[1]}}}
	e.fitGroup(g)
	out, err := e.groups.CreateGroup(e.ctx, g)
	require.NoError(t, err, "CreateGroup must skip a value that names nothing "+held)
	assert.ElementsMatch(t, []string{ids[0], ids[1]}, memberIDs(out.Members), "CreateGroup must return the members it holds "+held)
	assert.ElementsMatch(t, e.members(t, out.ID), memberIDs(out.Members), "CreateGroup must return the members GetGroup reads "+held)

	next := out.Clone()
	next.Members = []resources.Member{{Value: ghost}, {Value: ids[2]}, {Value: ids[0]}}
	replaced, err := e.groups.ReplaceGroup(e.ctx, next, "")
	require.NoError(t, err, "ReplaceGroup must skip a value that names nothing "+held)
	assert.ElementsMatch(t, []string{ids[2], ids[0]}, memberIDs(replaced.Members), "ReplaceGroup must return the members it holds "+held)
	assert.ElementsMatch(t, e.members(t, out.ID), memberIDs(replaced.Members), "ReplaceGroup must return the members GetGroup reads "+held)

	next = replaced.Clone()
	next.Members = []resources.Member{}
	emptied, err := e.groups.ReplaceGroup(e.ctx, next, "")
	require.NoError(t, err, "ReplaceGroup with no members must empty the group "+held)
	assert.Empty(t, emptied.Members, "ReplaceGroup with no members must return none "+held)
}

func testModifyMembersVersion(t *testing.T, e *env) {
	const mod = "(store.GroupStore.ModifyMembers)"
	u := e.createUser(t, &resources.User{UserName: "u"})
	v := e.createUser(t, &resources.User{UserName: "v"})
	g := e.createGroup(t, &resources.Group{DisplayName: "G"})

	_, err := e.groups.ModifyMembers(e.ctx, g.ID, []string{u.ID}, nil, `W/"no-such-version"`)
	requireIs(t, err, store.ErrPreconditionFailed, "ModifyMembers must refuse an ifVersion that is not the stored version "+mod)
	assert.Empty(t, e.members(t, g.ID), "a ModifyMembers refused with ErrPreconditionFailed must change nothing "+mod)

	out, err := e.groups.ModifyMembers(e.ctx, g.ID, []string{u.ID}, nil, g.Meta.Version)
	require.NoError(t, err, "ModifyMembers at the stored version must write "+mod)
	assert.NotEqual(t, g.Meta.Version, out.Meta.Version, "ModifyMembers must give the group a new Meta.Version "+mod)
	_, err = e.groups.ModifyMembers(e.ctx, g.ID, []string{v.ID}, nil, g.Meta.Version)
	requireIs(t, err, store.ErrPreconditionFailed, "ModifyMembers must refuse an ifVersion that is no longer the stored version "+mod)
	out2, err := e.groups.ModifyMembers(e.ctx, g.ID, []string{v.ID}, nil, out.Meta.Version)
	require.NoError(t, err, "ModifyMembers at the version it returned must write "+mod)
	assert.NotEqual(t, out.Meta.Version, out2.Meta.Version, "ModifyMembers must give the group a new Meta.Version on every change "+mod)
	assert.ElementsMatch(t, []string{u.ID, v.ID}, e.members(t, g.ID), "ModifyMembers must add the members in add "+mod)

	// ReplaceGroup sees ModifyMembers' version.
	cur := e.getGroup(t, g.ID, store.GetOptions{ExcludeMembers: true}, "the group must still be there")
	assert.Equal(t, out2.Meta.Version, cur.Meta.Version, "GetGroup must return the version ModifyMembers returned "+mod)
	_, err = e.groups.ReplaceGroup(e.ctx, cur, out.Meta.Version)
	requireIs(t, err, store.ErrPreconditionFailed, "ReplaceGroup must refuse a version ModifyMembers replaced: both write one version (store.GroupStore.ReplaceGroup)")
	_, err = e.groups.ReplaceGroup(e.ctx, cur, out2.Meta.Version)
	require.NoError(t, err, "ReplaceGroup must accept the version ModifyMembers returned (store.GroupStore.ReplaceGroup)")
}

func testModifyMembersConcurrent(t *testing.T, e *env) {
	const n = 24
	const atomic = "(store.GroupStore.ModifyMembers: one atomic step, concurrent calls never lose an update)"
	ids := e.createUserIDs(t, "c", n)
	g := e.createGroup(t, &resources.Group{DisplayName: "busy"})
	errs := fanout.Run(n, func(i int) error {
		_, err := e.groups.ModifyMembers(e.ctx, g.ID, []string{ids[i]}, nil, "")
		return err
	})
	for _, err := range errs {
		require.NoError(t, err, `concurrent ModifyMembers with ifVersion "" must all succeed `+atomic)
	}
	assert.ElementsMatch(t, ids, e.members(t, g.ID), "every concurrent ModifyMembers must be kept "+atomic)

	// And concurrent removals of half while the other half is re-added.
	errs = fanout.Run(n, func(i int) error {
		var err error
		if i%2 == 0 {
			_, err = e.groups.ModifyMembers(e.ctx, g.ID, nil, []string{ids[i]}, "")
		} else {
			_, err = e.groups.ModifyMembers(e.ctx, g.ID, []string{ids[i]}, nil, "")
		}
		return err
	})
	var odd []string
	for i, err := range errs {
		require.NoError(t, err, `concurrent ModifyMembers with ifVersion "" must all succeed `+atomic)
		if i%2 == 1 {
			odd = append(odd, ids[i])
		}
	}
	assert.ElementsMatch(t, odd, e.members(t, g.ID), "every concurrent removal and re-add must be kept "+atomic)
}

// testModifyMembersRacesDeletes: a provider adds people to groups while
// others are deleted (and one group with them), all at once. A member
// added while its user is being deleted must not outlive the user, and
// one added to a group being deleted finds it gone; the members of the
// other users are all kept, the membership reader agrees with the
// groups, and the feed (when there is one) names every member really
// added and removed, once.
func testModifyMembersRacesDeletes(t *testing.T, e *env) {
	const n, groups = 16, 3
	const atomic = "(store.GroupStore.ModifyMembers and store.UserStore.DeleteUser: a member added to a group and a delete of that member are atomic against each other)"
	var head int64
	if e.feed != nil {
		if cs := e.changes(t, 0); len(cs) > 0 {
			head = cs[len(cs)-1].Seq
		}
	}
	ids := e.createUserIDs(t, "racing", n)
	gids := make([]string, groups)
	for i := range gids {
		gids[i] = e.createGroup(t, &resources.Group{DisplayName: fmt.Sprintf("racing%d", i)}).ID
	}
	doomed := e.createGroup(t, &resources.Group{DisplayName: "doomed"}).ID
	// Calls 0 to n-1 add ids[c] to every group, the n/2 after them delete
	// the users of even index, and the last deletes doomed.
	addErrs := make([][]error, n)
	for i := range addErrs {
		addErrs[i] = make([]error, groups+1)
	}
	errs := fanout.Run(n+n/2+1, func(c int) error {
		switch {
		case c < n:
			for j, gid := range append(append([]string(nil), gids...), doomed) {
				_, addErrs[c][j] = e.groups.ModifyMembers(e.ctx, gid, []string{ids[c]}, nil, "")
			}
			return nil
		case c < n+n/2:
			return e.users.DeleteUser(e.ctx, ids[2*(c-n)], "")
		}
		return e.groups.DeleteGroup(e.ctx, doomed, "")
	})
	delErrs := make([]error, n)
	for i := 0; i < n; i += 2 {
		delErrs[i] = errs[n+i/2]
	}
	doomedErr := errs[n+n/2]

	require.NoError(t, doomedErr, "DeleteGroup while members are added must succeed "+atomic)
	var kept []string
	for i, id := range ids {
		require.NoError(t, delErrs[i], "DeleteUser while the user is added to groups must succeed "+atomic)
		for j, err := range addErrs[i] {
			if j == groups && errors.Is(err, store.ErrNotFound) {
				continue // the group was deleted first
			}
			require.NoError(t, err, "ModifyMembers adding a user being deleted must succeed (a value naming no user is skipped) "+atomic)
		}
		if i%2 == 1 {
			kept = append(kept, id)
		}
	}
	_, err := e.groups.GetGroup(e.ctx, doomed, store.GetOptions{})
	requireIs(t, err, store.ErrNotFound, "the deleted group must stay deleted, whatever was added to it meanwhile "+atomic)
	for _, gid := range gids {
		assert.ElementsMatch(t, kept, e.members(t, gid), "a group must hold every user added that was not deleted, and none that was "+atomic)
	}
	if e.mr != nil {
		of, err := e.mr.GroupsOf(e.ctx, ids)
		require.NoError(t, err)
		for i, id := range ids {
			got := refValues(of[id])
			if i%2 == 1 {
				assert.ElementsMatch(t, gids, got, "GroupsOf a kept user must list every group it was added to (store.MembershipReader.GroupsOf)")
			} else {
				assert.Empty(t, got, "GroupsOf a deleted user must list no group (store.MembershipReader.GroupsOf)")
			}
		}
	}
	if e.feed == nil {
		return
	}
	// Replaying the feed's member entries gives each group its members:
	// an entry names members the write really added or removed.
	replay := map[string]map[string]bool{}
	for _, c := range e.changes(t, head) {
		if c.Kind != store.MembersAdded && c.Kind != store.MembersRemoved {
			continue
		}
		if replay[c.ID] == nil {
			replay[c.ID] = map[string]bool{}
		}
		for _, m := range c.Members {
			if c.Kind == store.MembersAdded {
				assert.False(t, replay[c.ID][m], "feed entry %d: MembersAdded names %s, already a member of %s (store.Change.Members: the members really added)", c.Seq, m, c.ID)
				replay[c.ID][m] = true
			} else {
				assert.True(t, replay[c.ID][m], "feed entry %d: MembersRemoved names %s, not a member of %s (store.Change.Members: the members really removed)", c.Seq, m, c.ID)
				delete(replay[c.ID], m)
			}
		}
	}
	assert.Empty(t, replay[doomed], "the feed must remove every member of a deleted group (store.Change)")
	for _, gid := range gids {
		assert.ElementsMatch(t, kept, slices.Collect(maps.Keys(replay[gid])), "replaying the feed's member entries must give the group's members (store.Change)")
	}
}

// testNestedGroupDeletesRaceMembers: groups nested in a group are
// deleted while their members (users in them and in the outer group)
// are deleted, and while the outer group's members change, the nested
// groups added to it again among them (a provider resending a
// membership). A store that locks rows must take them in one order for
// all of these (sqlstore: users, then groups in id order): a group's
// delete that locked itself before the groups it is a member of
// deadlocked with a member's delete that took the outer group first.
// Every call succeeds (an add to, or of, a group deleted first is
// skipped or store.ErrNotFound), and no membership of a deleted user or
// group is left.
func testNestedGroupDeletesRaceMembers(t *testing.T, e *env) {
	if !e.nested {
		t.Skip("Stores.NoNestedGroups: no group is a member of a group")
	}
	const inner, perInner = 4, 4
	const atomic = "(store.GroupStore.DeleteGroup, store.UserStore.DeleteUser and store.GroupStore.ModifyMembers are atomic against each other, whatever the nesting)"
	outer := e.createGroup(t, &resources.Group{DisplayName: "outer"}).ID
	ids := e.createUserIDs(t, "nested", inner*perInner)
	gids := make([]string, inner)
	for i := range gids {
		ms := make([]resources.Member, 0, perInner)
		for _, id := range ids[i*perInner : (i+1)*perInner] {
			ms = append(ms, resources.Member{Value: id})
		}
		gids[i] = e.createGroup(t, &resources.Group{DisplayName: fmt.Sprintf("inner%d", i), Members: ms}).ID
	}
	// Every user and every inner group is a member of outer.
	_, err := e.groups.ModifyMembers(e.ctx, outer, append(slices.Clone(ids), gids...), nil, "")
	require.NoError(t, err)
	type call struct {
		what string
		f    func() error
	}
	var calls []call
	run := func(what string, f func() error) { calls = append(calls, call{what, f}) }
	for i, gid := range gids {
		run("DeleteGroup of a nested group", func() error { return e.groups.DeleteGroup(e.ctx, gid, "") })
		run("ModifyMembers adding a nested group being deleted to its group again", func() error {
			_, err := e.groups.ModifyMembers(e.ctx, outer, []string{gid}, nil, "")
			return err
		})
		for _, id := range ids[i*perInner : (i+1)*perInner] {
			run("ModifyMembers adding a user to a group being deleted", func() error {
				_, err := e.groups.ModifyMembers(e.ctx, gid, []string{id}, nil, "")
				return err
			})
		}
	}
	for i, id := range ids {
		if i%2 == 0 {
			run("DeleteUser of a member of a nested group and of its group", func() error { return e.users.DeleteUser(e.ctx, id, "") })
		} else {
			run("ModifyMembers removing a user from the group of a nested group being deleted", func() error {
				_, err := e.groups.ModifyMembers(e.ctx, outer, nil, []string{id}, "")
				return err
			})
		}
	}
	errs := fanout.Run(len(calls), func(i int) error {
		if err := calls[i].f(); err != nil && !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("%s: %w", calls[i].what, err)
		}
		return nil
	})
	for _, err := range errs {
		require.NoError(t, err, "every call must succeed "+atomic)
	}
	for _, gid := range gids {
		_, err := e.groups.GetGroup(e.ctx, gid, store.GetOptions{})
		requireIs(t, err, store.ErrNotFound, "a deleted group must stay deleted, whatever was added to it meanwhile "+atomic)
	}
	assert.Empty(t, e.members(t, outer), "the group must hold none of its deleted users and groups, and none of the users removed "+atomic)
	if e.mr != nil {
		of, err := e.mr.GroupsOf(e.ctx, ids)
		require.NoError(t, err)
		for _, id := range ids {
			assert.Empty(t, refValues(of[id]), "GroupsOf must list no deleted group, nor a group the user was removed from (store.MembershipReader.GroupsOf)")
		}
	}
}

func testConcurrentCreateGroup(t *testing.T, e *env) {
	const n = 8
	errs := fanout.Run(n, func(int) error {
		_, err := e.groups.CreateGroup(e.ctx, &resources.Group{DisplayName: "Race"})
		return err
	})
	exactlyOne(t, errs, func(err error) {
		requireIs(t, err, store.ErrConflict, "of %d concurrent CreateGroup calls of one displayName, the losers must get store.ErrConflict (store.GroupStore.CreateGroup; a unique index does it)", n)
	}, "of %d concurrent CreateGroup calls of one displayName, exactly one must succeed (store.GroupStore.CreateGroup)", n)
}

func testGroupsOf(t *testing.T, e *env) {
	if e.mr == nil {
		t.Skip("the GroupStore is no store.MembershipReader")
	}
	const of = "(store.MembershipReader.GroupsOf)"
	u := e.createUser(t, &resources.User{UserName: "u"})
	v := e.createUser(t, &resources.User{UserName: "v"})
	lonely := e.createUser(t, &resources.User{UserName: "lonely"})
	a := e.createGroup(t, &resources.Group{DisplayName: "A", Members: []resources.Member{{Value: u.ID}}})
	b := e.createGroup(t, &resources.Group{DisplayName: "B", Members: []resources.Member{{Value: u.ID}, {Value: v.ID}, {Value: a.ID}}})

	m, err := e.mr.GroupsOf(e.ctx, []string{u.ID, v.ID, lonely.ID, unknownID()})
	require.NoError(t, err, "GroupsOf must answer for any ids, unknown ones included "+of)
	refs := func(id string) []string { return refValues(m[id]) }
	assert.ElementsMatch(t, []string{a.ID, b.ID}, refs(u.ID), "GroupsOf must list every group the user is a member of, each once "+of)
	assert.Equal(t, []string{b.ID}, refs(v.ID), "GroupsOf must list every group the user is a member of, each once "+of)
	assert.Empty(t, m[lonely.ID], "GroupsOf must list no group for a user in none "+of)
	for _, r := range m[u.ID] {
		switch r.Value {
		case a.ID:
			assert.Equal(t, "A", r.Display, "GroupsOf must fill each group's Display with its displayName "+of)
		case b.ID:
			assert.Equal(t, "B", r.Display, "GroupsOf must fill each group's Display with its displayName "+of)
		}
		assert.Equal(t, "direct", r.MembershipType(), "GroupsOf must set Type \"direct\" (or leave it empty, which reads as \"direct\") on a group the user is a member of itself, \"indirect\" on one it belongs to through another: a GET shows it and a filter on groups.type compares it "+of)
	}
	m, err = e.mr.GroupsOf(e.ctx, nil)
	require.NoError(t, err, "GroupsOf of no ids must not be an error "+of)
	assert.Empty(t, m, "GroupsOf of no ids must return no groups "+of)

	// A filter on groups sees these direct memberships, on a store that
	// keeps users only as members too (IndirectGroups checks the
	// indirect ones, and needs nested groups).
	if !e.keepsUser("groups") {
		t.Logf("the store's model leaves out the User attribute groups: its filters are not checked")
		return
	}
	id := func(g *resources.Group) string { return `"` + g.ID + `"` }
	e.checkGroupFilters(t, "direct memberships (u in A and B, v in B)", []filterCase{
		{`groups.value eq ` + id(a), []string{"u"}},
		{`groups.value eq ` + id(b), []string{"u", "v"}},
		{`groups[value eq ` + id(b) + ` and type eq "direct"]`, []string{"u", "v"}},
		{`groups.display eq "A"`, []string{"u"}},
		{`groups pr`, []string{"u", "v"}},
		{`not (groups pr)`, []string{"lonely"}},
	})
}

// testIndirectGroups: groups that are members of groups make indirect
// memberships (RFC 7643 §4.1.2), a group is listed once with direct
// winning, and a cycle of groups ends. GetUser and ListUsers, when they
// fill Groups, agree with GroupsOf, and a filter on groups sees the same
// memberships, indirect ones included (RFC 7644 §3.4.2.2: a filter is
// evaluated against the resource as it is represented).
func testIndirectGroups(t *testing.T, e *env) {
	if e.mr == nil {
		t.Skip("the GroupStore is no store.MembershipReader")
	}
	if !e.nested {
		t.Skip("Stores.NoNestedGroups: groups are not members of groups, so no membership is indirect")
	}
	e.needsUser(t, "groups")
	const of = "(store.MembershipReader.GroupsOf: direct and indirect memberships, each group once, direct winning, in the order GroupsOf gives)"
	u := e.createUser(t, &resources.User{UserName: "u"})
	v := e.createUser(t, &resources.User{UserName: "v"})
	lonely := e.createUser(t, &resources.User{UserName: "lonely"})
	a := e.createGroup(t, &resources.Group{DisplayName: "A", Members: []resources.Member{{Value: u.ID}}})
	b := e.createGroup(t, &resources.Group{DisplayName: "B", Members: []resources.Member{{Value: a.ID}}})
	c := e.createGroup(t, &resources.Group{DisplayName: "C", Members: []resources.Member{{Value: b.ID}, {Value: v.ID}}})
	d := e.createGroup(t, &resources.Group{DisplayName: "D", Members: []resources.Member{{Value: u.ID}, {Value: c.ID}}})
	empty := e.createGroup(t, &resources.Group{DisplayName: "E"})
	ref := func(g *resources.Group, typ string) resources.GroupRef {
		return resources.GroupRef{Value: g.ID, Display: g.DisplayName, Type: typ}
	}
	check := func(t *testing.T, when string, want map[string][]resources.GroupRef, filters []filterCase) {
		t.Helper()
		m, err := e.mr.GroupsOf(e.ctx, []string{u.ID, v.ID, lonely.ID})
		require.NoError(t, err, "GroupsOf must answer for any ids (store.MembershipReader.GroupsOf)")
		for id, refs := range want {
			assert.Equal(t, refs, resources.TypedGroupRefs(m[id]), "%s: GroupsOf %s", when, of)
			got := e.getUser(t, id, store.GetOptions{}, "the user must be there")
			if got.Groups != nil {
				assert.Equal(t, refs, resources.TypedGroupRefs(got.Groups), "%s: GetUser, when it fills Groups, must fill them as GroupsOf answers (store.UserStore.GetUser)", when)
			}
		}
		assert.Empty(t, m[lonely.ID], "%s: GroupsOf must list no group for a user in none %s", when, of)
		for _, got := range e.listUsers(t, store.Query{Count: 10}).Items {
			if got.Groups != nil && got.ID != lonely.ID {
				assert.Equal(t, want[got.ID], resources.TypedGroupRefs(got.Groups), "%s: ListUsers, when it fills Groups, must fill them as GroupsOf answers (store.UserStore.ListUsers)", when)
			}
		}
		e.checkGroupFilters(t, when, filters)
	}
	id := func(g *resources.Group) string { return `"` + g.ID + `"` }
	check(t, "a chain of groups (u in A in B in C in D, u in D too; v in C)", map[string][]resources.GroupRef{
		u.ID: {ref(a, "direct"), ref(b, "indirect"), ref(c, "indirect"), ref(d, "direct")},
		v.ID: {ref(c, "direct"), ref(d, "indirect")},
	}, []filterCase{
		{`groups.value eq ` + id(a), []string{"u"}},
		{`groups.value eq ` + id(b), []string{"u"}},
		{`groups[value eq ` + id(b) + `]`, []string{"u"}},
		{`groups.value eq ` + id(c), []string{"u", "v"}},
		{`groups.value eq ` + id(d), []string{"u", "v"}},
		{`groups[value eq ` + id(d) + ` and type eq "direct"]`, []string{"u"}},
		{`groups[value eq ` + id(d) + ` and type eq "indirect"]`, []string{"v"}}, // u is in D directly too: direct wins
		{`groups[value eq ` + id(c) + ` and type eq "direct"]`, []string{"v"}},
		{`groups.type eq "indirect"`, []string{"u", "v"}},
		{`groups[type eq "indirect"]`, []string{"u", "v"}},
		{`groups[type eq "direct" and display eq "C"]`, []string{"v"}},
		{`groups.display eq "B"`, []string{"u"}},
		{`groups[display co "B"]`, []string{"u"}},
		{`groups pr`, []string{"u", "v"}},
		{`not (groups pr)`, []string{"lonely"}},
		{`groups.value eq ` + id(c) + ` or userName eq "lonely"`, []string{"u", "v", "lonely"}},
		{`groups.value eq ` + id(b) + ` and userName eq "v"`, []string{}},
		// "who is within group X": a store may walk down from X; these
		// pin it against the walk up, for a group holding groups or none.
		{`groups[value eq ` + id(a) + ` and type eq "indirect"]`, []string{}}, // A holds no group
		{`groups[value eq ` + id(a) + ` and type eq "direct"]`, []string{"u"}},
		{`groups.value eq ` + id(empty), []string{}},
		{`groups.value eq "no-such-group"`, []string{}},
		{`groups[type eq "indirect" and value eq ` + id(c) + `]`, []string{"u"}},
		{`groups[value eq ` + id(c) + ` and display eq "C"]`, []string{"u", "v"}},
		{`groups[value eq ` + id(c) + ` and display eq "D"]`, []string{}},
		{`groups[value eq ` + id(b) + ` or value eq ` + id(empty) + `]`, []string{"u"}},
		{`groups.value eq ` + id(c) + ` and groups.value eq ` + id(a), []string{"u"}},
		{`groups.value eq ` + id(b) + ` or groups[value eq ` + id(d) + ` and type eq "indirect"]`, []string{"u", "v"}},
		{`not (groups.value eq ` + id(d) + `)`, []string{"lonely"}},
		{`not (groups.value eq ` + id(a) + `)`, []string{"v", "lonely"}},
		{`not (groups[value eq ` + id(d) + ` and type eq "indirect"])`, []string{"u", "lonely"}},
		{`groups.value ne ` + id(c), []string{"u", "v"}},
		// A membership is the element a GET shows (query.GroupRefValue):
		// display and type present, none empty, and no $ref (the handler
		// makes it, and refuses a filter on it).
		{`groups.display pr`, []string{"u", "v"}},
		{`groups.type pr`, []string{"u", "v"}},
		{`groups[display pr and type pr]`, []string{"u", "v"}},
		{`not (groups.display pr)`, []string{"lonely"}},
		{`groups.display eq ""`, []string{}},
		{`groups.type eq ""`, []string{}},
		{`groups.display eq null`, []string{"lonely"}},
		{`groups.display sw ""`, []string{"u", "v"}},
		{`groups.$ref pr`, []string{}},
	})

	// A cycle: A holds C, which holds B, which holds A.
	_, err := e.groups.ModifyMembers(e.ctx, a.ID, []string{c.ID}, nil, "")
	require.NoError(t, err, "ModifyMembers may make a cycle of groups (store.GroupStore.ModifyMembers)")
	check(t, "a cycle of groups (GroupsOf and a filter on groups must end)", map[string][]resources.GroupRef{
		u.ID: {ref(a, "direct"), ref(b, "indirect"), ref(c, "indirect"), ref(d, "direct")},
		v.ID: {ref(a, "indirect"), ref(b, "indirect"), ref(c, "direct"), ref(d, "indirect")},
	}, []filterCase{
		{`groups.value eq ` + id(a), []string{"u", "v"}},
		{`groups.value eq ` + id(b), []string{"u", "v"}},
		{`groups[value eq ` + id(a) + ` and type eq "indirect"]`, []string{"v"}},
		{`groups[value eq ` + id(c) + ` and type eq "indirect"]`, []string{"u"}},
		{`groups[value eq ` + id(c) + ` and type eq "direct"]`, []string{"v"}},
		{`groups[type eq "indirect" and display eq "D"]`, []string{"v"}},
		{`groups.type eq "indirect"`, []string{"u", "v"}},
		{`groups.value eq ` + id(c), []string{"u", "v"}},
		{`groups[value eq ` + id(b) + ` and type eq "direct"]`, []string{}},
		{`groups[value eq ` + id(d) + ` and type eq "indirect"]`, []string{"v"}},
		{`not (groups.value eq ` + id(a) + `)`, []string{"lonely"}},
		{`not (groups[value eq ` + id(a) + ` and type eq "direct"])`, []string{"v", "lonely"}},
	})

	// Deleting the middle group cuts the chain.
	require.NoError(t, e.groups.DeleteGroup(e.ctx, b.ID, ""), "DeleteGroup must delete (store.GroupStore.DeleteGroup)")
	check(t, "after deleting a group in the middle of the chain", map[string][]resources.GroupRef{
		u.ID: {ref(a, "direct"), ref(d, "direct")},
		v.ID: {ref(a, "indirect"), ref(c, "direct"), ref(d, "indirect")},
	}, []filterCase{
		{`groups.value eq ` + id(b), []string{}},
		{`groups.value eq ` + id(c), []string{"v"}},
		{`groups.value eq ` + id(d), []string{"u", "v"}},
		{`groups[value eq ` + id(d) + ` and type eq "indirect"]`, []string{"v"}},
		{`groups.type eq "indirect"`, []string{"v"}},
		{`not (groups.value eq ` + id(c) + `)`, []string{"u", "lonely"}},
		{`groups[value eq ` + id(a) + ` and type eq "indirect"]`, []string{"v"}},
	})
}

// filterCase is a filter and the userNames of the users it must find, in
// creation order.
type filterCase struct {
	filter string
	want   []string
}

// checkGroupFilters lists the users of each filter on groups, with and
// without their groups and through the cursor lister too, and fails t
// unless it finds exactly the users the case names: a filter on groups
// sees the memberships GroupsOf lists, indirect ones and their type
// included.
func (e *env) checkGroupFilters(t *testing.T, when string, filters []filterCase) {
	t.Helper()
	const contract = "a filter on groups must see the memberships GroupsOf lists, direct and indirect, typed as GroupsOf types them (direct winning), whether or not Groups is filled (RFC 7644 §3.4.2.2; store.MembershipReader): a store answering with query.Select fills each user's Groups as GroupsOf answers before query.UserDoc when query.Mentions(model.User, q.Filter, \"groups\") (store.UserStore.ListUsers)"
	for _, tc := range filters {
		for _, exclude := range []bool{false, true} {
			q := store.Query{Filter: parse(t, tc.filter), Count: 10, ExcludeGroups: exclude}
			got := e.listUsers(t, q)
			assert.Equal(t, tc.want, userNames(got.Items), "%s: ListUsers with filter %s (excludeGroups %v) found the wrong users: %s", when, tc.filter, exclude, contract)
			if !exclude {
				e.checkListedGroups(t, when+": ListUsers with filter "+tc.filter, got.Items)
			}
			if e.uCursor != nil {
				q.StartIndex = 1
				p, err := e.uCursor.ListUsersAfter(e.ctx, q, "")
				require.NoError(t, err, "%s: ListUsersAfter with filter %s must answer it (store.UserCursorLister)", when, tc.filter)
				assert.Equal(t, tc.want, userNames(p.Items), "%s: ListUsersAfter with filter %s (excludeGroups %v) found the wrong users: %s", when, tc.filter, exclude, contract)
				if !exclude {
					e.checkListedGroups(t, when+": ListUsersAfter with filter "+tc.filter, p.Items)
				}
			}
		}
	}
}

// checkListedGroups fails t unless each of users whose Groups a list
// filled has them as GroupsOf answers (the filter on groups read them
// too: a store may keep what it read for the page).
func (e *env) checkListedGroups(t *testing.T, what string, users []*resources.User) {
	t.Helper()
	for _, u := range users {
		if u.Groups == nil {
			continue
		}
		m, err := e.mr.GroupsOf(e.ctx, []string{u.ID})
		require.NoError(t, err, "GroupsOf must answer for any ids (store.MembershipReader.GroupsOf)")
		if len(m[u.ID]) == 0 {
			assert.Empty(t, u.Groups, "%s: a user's Groups, when filled, must be as GroupsOf answers (store.UserStore.ListUsers)", what)
			continue
		}
		assert.Equal(t, resources.TypedGroupRefs(m[u.ID]), resources.TypedGroupRefs(u.Groups), "%s: a user's Groups, when filled, must be as GroupsOf answers (store.UserStore.ListUsers)", what)
	}
}

// testNestedGroupsSkipped: a store that declares Stores.NoNestedGroups
// skips every member value that names a group, on every write, as it
// skips one that names nothing.
func testNestedGroupsSkipped(t *testing.T, e *env) {
	if e.nested {
		t.Skip("groups may be members of groups (Stores.NoNestedGroups is false): the other group tests check them")
	}
	const skip = "Stores.NoNestedGroups: %s must skip a member value that names a group, as one that names nothing (store.GroupStore)"
	u := e.createUser(t, &resources.User{UserName: "u"})
	inner := e.createGroup(t, &resources.Group{DisplayName: "inner"})
	g := e.createGroup(t, &resources.Group{DisplayName: "outer", Members: []resources.Member{{Value: inner.ID, Type: "Group"}, {Value: u.ID}}})
	assert.Equal(t, []string{u.ID}, memberIDs(g.Members), skip, "CreateGroup")
	assert.Equal(t, []string{u.ID}, e.members(t, g.ID), skip, "CreateGroup")

	w := g.Clone()
	w.Members = []resources.Member{{Value: u.ID}, {Value: inner.ID}}
	_, err := e.groups.ReplaceGroup(e.ctx, w, "")
	require.NoError(t, err, skip, "ReplaceGroup")
	assert.Equal(t, []string{u.ID}, e.members(t, g.ID), skip, "ReplaceGroup")

	_, err = e.groups.ModifyMembers(e.ctx, g.ID, []string{inner.ID}, nil, "")
	require.NoError(t, err, skip, "ModifyMembers")
	assert.Equal(t, []string{u.ID}, e.members(t, g.ID), skip, "ModifyMembers")

	if e.groupUp != nil {
		_, err = e.groupUp.UpdateGroup(e.ctx, g.ID, "", true, func(cur *resources.Group) (*resources.Group, error) {
			cur.Members = append(cur.Members, resources.Member{Value: inner.ID})
			return cur, nil
		})
		require.NoError(t, err, skip, "UpdateGroup")
		assert.Equal(t, []string{u.ID}, e.members(t, g.ID), skip, "UpdateGroup")
	}
	if e.mr != nil {
		m, err := e.mr.GroupsOf(e.ctx, []string{u.ID})
		require.NoError(t, err, "GroupsOf must answer for any ids (store.MembershipReader.GroupsOf)")
		if assert.Len(t, m[u.ID], 1, "GroupsOf must list the user's one group, directly (store.MembershipReader.GroupsOf)") {
			assert.Equal(t, resources.GroupRef{Value: g.ID, Display: "outer", Type: "direct"}, resources.TypedGroupRefs(m[u.ID])[0],
				"GroupsOf must list the user's one group, directly (store.MembershipReader.GroupsOf)")
		}
	}
}

// testOverlappingIDs: a member value is looked up among the tenant's users
// first, so a value that names a user and a group (a store whose users and
// groups draw ids from separate sequences: user "1" and group "1") is the
// user. The store assigns ids, so the suite can only check this when the
// store hands out such a pair; ours never do.
func testOverlappingIDs(t *testing.T, e *env) {
	users := map[string]*resources.User{}
	var shared string
	var group *resources.Group
	for i := range 3 {
		u := e.createUser(t, &resources.User{UserName: fmt.Sprintf("u%d", i), DisplayName: fmt.Sprintf("User %d", i)})
		users[u.ID] = u
	}
	for i := range 3 {
		g := e.createGroupAsNumbered(t, &resources.Group{DisplayName: fmt.Sprintf("g%d", i)})
		if users[g.ID] != nil && shared == "" {
			shared, group = g.ID, g
		}
	}
	if shared == "" {
		t.Skip("the store gave users and groups ids that do not coincide: no member value names both")
	}
	const first = "member value %q names user %q and group %q: %s must resolve it to the user, Type \"User\" (store.GroupStore: users are looked up first)"
	user := users[shared]
	display := user.DisplayName // else its userName (store.GroupStore): a model may leave displayName out
	if display == "" {
		display = user.UserName
	}
	check := func(ms []resources.Member, method string) {
		t.Helper()
		if assert.Len(t, ms, 1, first, shared, user.UserName, group.DisplayName, method) {
			assert.Equal(t, resources.Member{Value: shared, Type: "User", Display: display}, ms[0], first, shared, user.UserName, group.DisplayName, method)
		}
	}
	g := e.createGroup(t, &resources.Group{DisplayName: "holder", Members: []resources.Member{{Value: shared, Type: "Group"}}})
	check(g.Members, "CreateGroup")
	check(e.getGroup(t, g.ID, store.GetOptions{}, "a created group must be readable").Members, "GetGroup")
	h := e.createGroup(t, &resources.Group{DisplayName: "other holder"})
	_, err := e.groups.ModifyMembers(e.ctx, h.ID, []string{shared}, nil, "")
	require.NoError(t, err, "ModifyMembers must add a member (store.GroupStore.ModifyMembers)")
	check(e.getGroup(t, h.ID, store.GetOptions{}, "the group must be there").Members, "ModifyMembers")
	if e.mr != nil {
		m, err := e.mr.GroupsOf(e.ctx, []string{shared})
		require.NoError(t, err, "GroupsOf must answer for any ids (store.MembershipReader.GroupsOf)")
		assert.ElementsMatch(t, []string{g.ID, h.ID}, refValues(m[shared]), first, shared, user.UserName, group.DisplayName, "GroupsOf")
	}
}

func testGroupNoAliasing(t *testing.T, e *env) {
	const alias = "%s: a store must copy the values it is given and returns: a caller's change to them must not reach the stored group (store.GroupStore)"
	u := e.createUser(t, &resources.User{UserName: "u"})
	v := e.createUser(t, &resources.User{UserName: "v"})
	in := &resources.Group{DisplayName: "G", Members: []resources.Member{{Value: u.ID}}}
	out := e.createGroup(t, in)
	require.Len(t, out.Members, 1, "CreateGroup must return the members it stored (store.GroupStore.CreateGroup)")
	in.Members[0].Value = v.ID
	in.DisplayName = "changed"
	out.Members[0].Value = v.ID
	out.DisplayName = "changed"
	got := e.getGroup(t, out.ID, store.GetOptions{}, "a created group must be readable")
	assert.Equal(t, "G", got.DisplayName, alias, "GetGroup after changes to CreateGroup's input and result")
	require.Equal(t, []string{u.ID}, memberIDs(got.Members), alias, "GetGroup after changes to CreateGroup's input and result")
	got.Members[0].Value = v.ID
	p := e.listGroups(t, store.Query{Count: 10})
	require.Len(t, p.Items, 1, "ListGroups must return the tenant's one group (store.GroupStore.ListGroups)")
	require.Equal(t, []string{u.ID}, memberIDs(p.Items[0].Members), alias, "ListGroups after changes to GetGroup's result")
	p.Items[0].Members[0].Value = v.ID

	add := []string{v.ID}
	_, err := e.groups.ModifyMembers(e.ctx, out.ID, add, nil, "")
	require.NoError(t, err, "ModifyMembers must add a member (store.GroupStore.ModifyMembers)")
	add[0] = "changed"
	assert.ElementsMatch(t, []string{u.ID, v.ID}, e.members(t, out.ID), alias, "GetGroup after changes to ModifyMembers' input")
}

func testGroupTenants(t *testing.T, e *env) {
	const iso = "every method is scoped to the tenant in ctx (store.Tenant): %s (store.GroupStore)"
	u := e.createUser(t, &resources.User{UserName: "u"})
	g := e.createGroup(t, &resources.Group{DisplayName: "Shared", Members: []resources.Member{{Value: u.ID}}})
	other := e.other()
	bu, err := e.users.CreateUser(other, &resources.User{UserName: "bu"})
	require.NoError(t, err, "CreateUser must store a new user (store.UserStore.CreateUser)")
	bg, err := e.groups.CreateGroup(other, &resources.Group{DisplayName: "SHARED", Members: []resources.Member{{Value: u.ID}, {Value: bu.ID}}})
	require.NoError(t, err, iso, "two tenants may each have a group of one displayName")
	assert.Equal(t, []string{bu.ID}, memberIDs(bg.Members), iso, "CreateGroup must skip a member value naming another tenant's user")

	_, err = e.groups.GetGroup(other, g.ID, store.GetOptions{})
	requireIs(t, err, store.ErrNotFound, iso, "GetGroup of another tenant's group must return store.ErrNotFound")
	_, err = e.groups.ReplaceGroup(other, g.Clone(), "")
	requireIs(t, err, store.ErrNotFound, iso, "ReplaceGroup of another tenant's group must return store.ErrNotFound")
	_, err = e.groups.ModifyMembers(other, g.ID, []string{bu.ID}, nil, "")
	requireIs(t, err, store.ErrNotFound, iso, "ModifyMembers of another tenant's group must return store.ErrNotFound")
	requireIs(t, e.groups.DeleteGroup(other, g.ID, ""), store.ErrNotFound, iso, "DeleteGroup of another tenant's group must return store.ErrNotFound")
	p, err := e.groups.ListGroups(other, store.Query{StartIndex: 1, Count: 10})
	require.NoError(t, err, "ListGroups must answer an unfiltered list (store.GroupStore.ListGroups)")
	assert.Equal(t, []string{"SHARED"}, groupNames(p.Items), iso, "ListGroups must return the tenant's groups only")
	p, err = e.groups.ListGroups(other, store.Query{StartIndex: 1, Count: 10, Filter: parse(t, `members[value eq "`+u.ID+`"]`)})
	require.NoError(t, err, "ListGroups must answer a members filter (store.GroupStore.ListGroups)")
	assert.Empty(t, p.Items, iso, "a members filter must not find another tenant's membership")

	// Tenant A cannot add tenant B's user.
	_, err = e.groups.ModifyMembers(e.ctx, g.ID, []string{bu.ID}, nil, "")
	require.NoError(t, err, "ModifyMembers must skip, not refuse, a value that names nothing in the tenant (store.GroupStore.ModifyMembers)")
	assert.Equal(t, []string{u.ID}, e.members(t, g.ID), iso, "ModifyMembers must skip a member value naming another tenant's user")

	if e.mr != nil {
		m, err := e.mr.GroupsOf(other, []string{u.ID})
		require.NoError(t, err, "GroupsOf must answer for any ids (store.MembershipReader.GroupsOf)")
		assert.Empty(t, m[u.ID], iso, "GroupsOf must not list another tenant's memberships")
		m, err = e.mr.GroupsOf(e.ctx, []string{bu.ID})
		require.NoError(t, err, "GroupsOf must answer for any ids (store.MembershipReader.GroupsOf)")
		assert.Empty(t, m[bu.ID], iso, "GroupsOf must not list another tenant's memberships")
	}
}

// testListGroupsCreationOrder is testListUsersCreationOrder for groups.
func testListGroupsCreationOrder(t *testing.T, e *env) {
	created := []string{"zeta", "Mu", "alpha", "Beta"}
	for _, n := range created {
		e.createGroup(t, &resources.Group{DisplayName: n})
	}
	assert.Equal(t, created, groupNames(e.listGroups(t, store.Query{StartIndex: 1, Count: 10}).Items),
		"ListGroups without sortBy must return the groups %v in the order they were created (store.Query.SortBy: \"\" means creation order, the store's stable default; a sequence column, not the name, the id or the database's row order; store.GroupStore.ListGroups)", created)
}
