package storetest

import (
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
)

var groupTests = []test{
	{"CreateAssignsIDMetaMembers", testCreateGroup},
	{"GetNotFoundAndExcludeMembers", testGetGroup},
	{"UniqueDisplayName", testUniqueDisplayName},
	{"UniqueDisplayNameIdentity", testDisplayNameIdentity},
	{"ListFilterSortPage", testListGroups},
	{"Replace", testReplaceGroup},
	{"Delete", testDeleteGroup},
	{"DeleteVersion", testDeleteGroupVersion},
	{"ModifyMembers", testModifyMembers},
	{"ModifyMembersVersion", testModifyMembersVersion},
	{"ModifyMembersNoLostUpdate", testModifyMembersConcurrent},
	{"ConcurrentCreateSameDisplayName", testConcurrentCreateGroup},
	{"GroupsOf", testGroupsOf},
	{"IndirectGroups", testIndirectGroups},
	{"NoAliasing", testGroupNoAliasing},
	{"TenantIsolation", testGroupTenants},
}

func (e *env) members(t *testing.T, id string) []string {
	t.Helper()
	g, err := e.groups.GetGroup(e.ctx, id, store.GetOptions{})
	require.NoError(t, err)
	return memberIDs(g.Members)
}

func testCreateGroup(t *testing.T, e *env) {
	u := e.createUser(t, &resources.User{UserName: "alice", DisplayName: "Alice A"})
	v := e.createUser(t, &resources.User{UserName: "bob"})
	inner := e.createGroup(t, &resources.Group{DisplayName: "Inner"})
	g := e.createGroup(t, &resources.Group{
		ID:          "client-chosen",
		DisplayName: "Admins",
		ExternalID:  "ext-1",
		Meta:        resources.Meta{Version: `W/"client"`},
		Members: []resources.Member{
			{Value: u.ID}, {Value: unknownID()}, {Value: v.ID, Type: "Group", Display: "wrong"}, {Value: inner.ID}, {Value: u.ID}, {Value: ""},
		},
	})
	assert.NotEmpty(t, g.ID)
	assert.NotEqual(t, "client-chosen", g.ID)
	assert.NotEqual(t, inner.ID, g.ID)
	assert.NotEmpty(t, g.Meta.Version)
	assert.NotEqual(t, `W/"client"`, g.Meta.Version)
	assert.False(t, g.Meta.Created.IsZero())
	assert.False(t, g.Meta.LastModified.IsZero())
	assert.Equal(t, "ext-1", g.ExternalID)

	check := func(ms []resources.Member) {
		t.Helper()
		require.ElementsMatch(t, []string{u.ID, v.ID, inner.ID}, memberIDs(ms), "unknown ids skipped, repeats once")
		for _, m := range ms {
			switch m.Value {
			case u.ID:
				assert.Equal(t, "User", m.Type)
				assert.Equal(t, "Alice A", m.Display)
			case v.ID:
				assert.Equal(t, "User", m.Type, "the store fills Type from the resource")
				assert.Equal(t, "bob", m.Display, "Display falls back to userName")
			case inner.ID:
				assert.Equal(t, "Group", m.Type)
				assert.Equal(t, "Inner", m.Display)
			}
		}
	}
	check(g.Members)
	got, err := e.groups.GetGroup(e.ctx, g.ID, store.GetOptions{})
	require.NoError(t, err)
	check(got.Members)
	assert.Equal(t, g.Meta.Version, got.Meta.Version)

	empty := e.createGroup(t, &resources.Group{DisplayName: "Empty", Members: []resources.Member{}})
	assert.Empty(t, empty.Members)
}

func testGetGroup(t *testing.T, e *env) {
	_, err := e.groups.GetGroup(e.ctx, unknownID(), store.GetOptions{})
	requireIs(t, err, store.ErrNotFound)
	_, err = e.groups.GetGroup(e.ctx, "", store.GetOptions{ExcludeMembers: true})
	requireIs(t, err, store.ErrNotFound)
	u := e.createUser(t, &resources.User{UserName: "m"})
	g := e.createGroup(t, &resources.Group{DisplayName: "G", Members: []resources.Member{{Value: u.ID}}})
	_, err = e.groups.GetGroup(e.ctx, u.ID, store.GetOptions{})
	requireIs(t, err, store.ErrNotFound, "a user id is no group")

	got, err := e.groups.GetGroup(e.ctx, g.ID, store.GetOptions{ExcludeMembers: true})
	require.NoError(t, err)
	assert.Nil(t, got.Members, "ExcludeMembers gives Members nil")
	assert.Equal(t, "G", got.DisplayName)
	assert.Equal(t, g.Meta.Version, got.Meta.Version)
	got, err = e.groups.GetGroup(e.ctx, g.ID, store.GetOptions{})
	require.NoError(t, err)
	assert.Equal(t, []string{u.ID}, memberIDs(got.Members))
}

func testUniqueDisplayName(t *testing.T, e *env) {
	g := e.createGroup(t, &resources.Group{DisplayName: "Sales Team"})
	for _, name := range []string{"Sales Team", "sales team", "SALES TEAM"} {
		_, err := e.groups.CreateGroup(e.ctx, &resources.Group{DisplayName: name})
		requireIs(t, err, store.ErrConflict, name)
	}
	other := e.createGroup(t, &resources.Group{DisplayName: "Other"})
	w := other.Clone()
	w.DisplayName = "sales TEAM"
	_, err := e.groups.ReplaceGroup(e.ctx, w, "")
	requireIs(t, err, store.ErrConflict)
	// Renaming itself (another case) is fine.
	w = g.Clone()
	w.DisplayName = "SALES team"
	_, err = e.groups.ReplaceGroup(e.ctx, w, "")
	require.NoError(t, err)
	assert.Equal(t, 2, e.listGroups(t, store.Query{Count: 10, ExcludeMembers: true}).Total)
}

func testListGroups(t *testing.T, e *env) {
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
	}
	for _, tt := range tests {
		for _, exclude := range []bool{false, true} {
			q := store.Query{Count: 100, ExcludeMembers: exclude}
			if tt.filter != "" {
				q.Filter = parse(t, tt.filter)
			}
			p := e.listGroups(t, q)
			assert.Equal(t, tt.want, groupNames(p.Items), "filter %s", tt.filter)
			assert.Equal(t, len(tt.want), p.Total, "Total for %s", tt.filter)
			for _, g := range p.Items {
				if exclude {
					assert.Nil(t, g.Members, "ExcludeMembers gives Members nil")
				} else if g.DisplayName == "Beta" {
					assert.Equal(t, []string{u.ID}, memberIDs(g.Members))
				}
			}
		}
	}
	p := e.listGroups(t, store.Query{SortBy: "displayName", Count: 100, ExcludeMembers: true})
	assert.Equal(t, []string{"alpha", "Beta", "delta", "Gamma"}, groupNames(p.Items))
	p = e.listGroups(t, store.Query{SortBy: "displayName", Descending: true, StartIndex: 2, Count: 2, ExcludeMembers: true})
	assert.Equal(t, []string{"delta", "Beta"}, groupNames(p.Items))
	assert.Equal(t, 4, p.Total)
	p = e.listGroups(t, store.Query{Count: 0})
	assert.Empty(t, p.Items)
	assert.Equal(t, 4, p.Total)
}

func testReplaceGroup(t *testing.T, e *env) {
	u1 := e.createUser(t, &resources.User{UserName: "u1"})
	u2 := e.createUser(t, &resources.User{UserName: "u2"})
	g := e.createGroup(t, &resources.Group{DisplayName: "G", Members: []resources.Member{{Value: u1.ID}}})
	stored, err := e.groups.GetGroup(e.ctx, g.ID, store.GetOptions{})
	require.NoError(t, err)
	versions := map[string]bool{g.Meta.Version: true}

	// Members nil: members unchanged.
	w := stored.Clone()
	w.DisplayName = "G2"
	w.Members = nil
	out, err := e.groups.ReplaceGroup(e.ctx, w, stored.Meta.Version)
	require.NoError(t, err)
	assert.Equal(t, "G2", out.DisplayName)
	assert.True(t, out.Meta.Created.Equal(stored.Meta.Created))
	assert.False(t, versions[out.Meta.Version])
	versions[out.Meta.Version] = true
	assert.Equal(t, []string{u1.ID}, e.members(t, g.ID), "Members nil leaves members unchanged")

	// The old version is stale now.
	_, err = e.groups.ReplaceGroup(e.ctx, w, stored.Meta.Version)
	requireIs(t, err, store.ErrPreconditionFailed)
	_, err = e.groups.ReplaceGroup(e.ctx, w, `W/"no-such-version"`)
	requireIs(t, err, store.ErrPreconditionFailed)

	// A non-nil list replaces the members.
	w.Members = []resources.Member{{Value: u2.ID}, {Value: unknownID()}}
	out, err = e.groups.ReplaceGroup(e.ctx, w, out.Meta.Version)
	require.NoError(t, err)
	assert.False(t, versions[out.Meta.Version])
	versions[out.Meta.Version] = true
	assert.Equal(t, []string{u2.ID}, e.members(t, g.ID))

	// An empty list empties the group.
	w.Members = []resources.Member{}
	out, err = e.groups.ReplaceGroup(e.ctx, w, "")
	require.NoError(t, err)
	assert.False(t, versions[out.Meta.Version])
	assert.Empty(t, e.members(t, g.ID))
	if mr, ok := e.groups.(store.MembershipReader); ok {
		m, err := mr.GroupsOf(e.ctx, []string{u1.ID, u2.ID})
		require.NoError(t, err)
		assert.Empty(t, m[u1.ID])
		assert.Empty(t, m[u2.ID])
	}

	_, err = e.groups.ReplaceGroup(e.ctx, &resources.Group{ID: unknownID(), DisplayName: "x"}, "")
	requireIs(t, err, store.ErrNotFound)
	assert.Equal(t, []string{"G2"}, groupNames(e.listGroups(t, store.Query{Filter: parse(t, `displayName eq "g2"`), Count: 10}).Items))
	assert.Empty(t, e.listGroups(t, store.Query{Filter: parse(t, `displayName eq "g"`), Count: 10}).Items)
}

func testDeleteGroup(t *testing.T, e *env) {
	u := e.createUser(t, &resources.User{UserName: "u"})
	child := e.createGroup(t, &resources.Group{DisplayName: "child", Members: []resources.Member{{Value: u.ID}}})
	parent := e.createGroup(t, &resources.Group{DisplayName: "parent", Members: []resources.Member{{Value: child.ID}, {Value: u.ID}}})

	require.NoError(t, e.groups.DeleteGroup(e.ctx, child.ID, ""))
	_, err := e.groups.GetGroup(e.ctx, child.ID, store.GetOptions{})
	requireIs(t, err, store.ErrNotFound)
	requireIs(t, e.groups.DeleteGroup(e.ctx, child.ID, ""), store.ErrNotFound)
	requireIs(t, e.groups.DeleteGroup(e.ctx, unknownID(), ""), store.ErrNotFound)
	assert.Equal(t, []string{u.ID}, e.members(t, parent.ID), "a deleted group leaves the groups it was in")
	if mr, ok := e.groups.(store.MembershipReader); ok {
		m, err := mr.GroupsOf(e.ctx, []string{u.ID})
		require.NoError(t, err)
		require.Len(t, m[u.ID], 1)
		assert.Equal(t, parent.ID, m[u.ID][0].Value)
	}
	_, err = e.users.GetUser(e.ctx, u.ID, store.GetOptions{})
	require.NoError(t, err, "deleting a group keeps its members")
	// The displayName is free again.
	e.createGroup(t, &resources.Group{DisplayName: "CHILD"})
	assert.Equal(t, []string{"parent", "CHILD"}, groupNames(e.listGroups(t, store.Query{Count: 10}).Items))
}

func testModifyMembers(t *testing.T, e *env) {
	var ids []string
	for i := range 4 {
		ids = append(ids, e.createUser(t, &resources.User{UserName: fmt.Sprintf("m%d", i)}).ID)
	}
	g := e.createGroup(t, &resources.Group{DisplayName: "G", Members: []resources.Member{{Value: ids[0]}}})
	version := g.Meta.Version

	out, err := e.groups.ModifyMembers(e.ctx, g.ID, []string{ids[1], ids[2]}, nil, "")
	require.NoError(t, err)
	assert.Nil(t, out.Members, "ModifyMembers returns Members nil")
	assert.Equal(t, g.ID, out.ID)
	assert.Equal(t, "G", out.DisplayName)
	assert.NotEqual(t, version, out.Meta.Version, "a change gives a new version")
	version = out.Meta.Version
	assert.ElementsMatch(t, []string{ids[0], ids[1], ids[2]}, e.members(t, g.ID))
	got, err := e.groups.GetGroup(e.ctx, g.ID, store.GetOptions{ExcludeMembers: true})
	require.NoError(t, err)
	assert.Equal(t, version, got.Meta.Version, "the returned version is the stored one")

	out, err = e.groups.ModifyMembers(e.ctx, g.ID, nil, []string{ids[0]}, "")
	require.NoError(t, err)
	assert.NotEqual(t, version, out.Meta.Version)
	assert.ElementsMatch(t, []string{ids[1], ids[2]}, e.members(t, g.ID))

	// Idempotent: adding a present member, removing an absent one, and
	// unknown ids are not errors.
	_, err = e.groups.ModifyMembers(e.ctx, g.ID, []string{ids[1], unknownID(), ""}, []string{ids[0], unknownID()}, "")
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{ids[1], ids[2]}, e.members(t, g.ID))

	// Add and remove in one call.
	_, err = e.groups.ModifyMembers(e.ctx, g.ID, []string{ids[3]}, []string{ids[1], ids[2]}, "")
	require.NoError(t, err)
	assert.Equal(t, []string{ids[3]}, e.members(t, g.ID))

	// Groups may be members.
	sub := e.createGroup(t, &resources.Group{DisplayName: "Sub"})
	_, err = e.groups.ModifyMembers(e.ctx, g.ID, []string{sub.ID}, nil, "")
	require.NoError(t, err)
	got, err = e.groups.GetGroup(e.ctx, g.ID, store.GetOptions{})
	require.NoError(t, err)
	require.Len(t, got.Members, 2)
	for _, m := range got.Members {
		if m.Value == sub.ID {
			assert.Equal(t, "Group", m.Type)
		}
	}

	_, err = e.groups.ModifyMembers(e.ctx, unknownID(), []string{ids[0]}, nil, "")
	requireIs(t, err, store.ErrNotFound)
	_, err = e.groups.ModifyMembers(e.ctx, "", nil, nil, "")
	requireIs(t, err, store.ErrNotFound)
}

func testModifyMembersVersion(t *testing.T, e *env) {
	u := e.createUser(t, &resources.User{UserName: "u"})
	v := e.createUser(t, &resources.User{UserName: "v"})
	g := e.createGroup(t, &resources.Group{DisplayName: "G"})

	_, err := e.groups.ModifyMembers(e.ctx, g.ID, []string{u.ID}, nil, `W/"no-such-version"`)
	requireIs(t, err, store.ErrPreconditionFailed)
	assert.Empty(t, e.members(t, g.ID), "a failed ModifyMembers changes nothing")

	out, err := e.groups.ModifyMembers(e.ctx, g.ID, []string{u.ID}, nil, g.Meta.Version)
	require.NoError(t, err)
	assert.NotEqual(t, g.Meta.Version, out.Meta.Version)
	_, err = e.groups.ModifyMembers(e.ctx, g.ID, []string{v.ID}, nil, g.Meta.Version)
	requireIs(t, err, store.ErrPreconditionFailed, "the old version is stale")
	out2, err := e.groups.ModifyMembers(e.ctx, g.ID, []string{v.ID}, nil, out.Meta.Version)
	require.NoError(t, err)
	assert.NotEqual(t, out.Meta.Version, out2.Meta.Version)
	assert.ElementsMatch(t, []string{u.ID, v.ID}, e.members(t, g.ID))

	// ReplaceGroup sees ModifyMembers' version.
	cur, err := e.groups.GetGroup(e.ctx, g.ID, store.GetOptions{ExcludeMembers: true})
	require.NoError(t, err)
	assert.Equal(t, out2.Meta.Version, cur.Meta.Version)
	_, err = e.groups.ReplaceGroup(e.ctx, cur, out.Meta.Version)
	requireIs(t, err, store.ErrPreconditionFailed)
	_, err = e.groups.ReplaceGroup(e.ctx, cur, out2.Meta.Version)
	require.NoError(t, err)
}

func testModifyMembersConcurrent(t *testing.T, e *env) {
	const n = 24
	ids := make([]string, n)
	for i := range n {
		ids[i] = e.createUser(t, &resources.User{UserName: fmt.Sprintf("c%d", i)}).ID
	}
	g := e.createGroup(t, &resources.Group{DisplayName: "busy"})
	var wg sync.WaitGroup
	errs := make([]error, n)
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, errs[i] = e.groups.ModifyMembers(e.ctx, g.ID, []string{ids[i]}, nil, "")
		}()
	}
	close(start)
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	assert.ElementsMatch(t, ids, e.members(t, g.ID), "no concurrent ModifyMembers is lost")

	// And concurrent removals of half while the other half is re-added.
	start = make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			if i%2 == 0 {
				_, errs[i] = e.groups.ModifyMembers(e.ctx, g.ID, nil, []string{ids[i]}, "")
			} else {
				_, errs[i] = e.groups.ModifyMembers(e.ctx, g.ID, []string{ids[i]}, nil, "")
			}
		}()
	}
	close(start)
	wg.Wait()
	var odd []string
	for i, err := range errs {
		require.NoError(t, err)
		if i%2 == 1 {
			odd = append(odd, ids[i])
		}
	}
	assert.ElementsMatch(t, odd, e.members(t, g.ID))
}

func testConcurrentCreateGroup(t *testing.T, e *env) {
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, errs[i] = e.groups.CreateGroup(e.ctx, &resources.Group{DisplayName: "Race"})
		}()
	}
	close(start)
	wg.Wait()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
			continue
		}
		requireIs(t, err, store.ErrConflict)
	}
	assert.Equal(t, 1, ok)
}

func testGroupsOf(t *testing.T, e *env) {
	mr, ok := e.groups.(store.MembershipReader)
	if !ok {
		t.Skip("the GroupStore is no MembershipReader")
	}
	u := e.createUser(t, &resources.User{UserName: "u"})
	v := e.createUser(t, &resources.User{UserName: "v"})
	lonely := e.createUser(t, &resources.User{UserName: "lonely"})
	a := e.createGroup(t, &resources.Group{DisplayName: "A", Members: []resources.Member{{Value: u.ID}}})
	b := e.createGroup(t, &resources.Group{DisplayName: "B", Members: []resources.Member{{Value: u.ID}, {Value: v.ID}, {Value: a.ID}}})

	m, err := mr.GroupsOf(e.ctx, []string{u.ID, v.ID, lonely.ID, unknownID()})
	require.NoError(t, err)
	refs := func(id string) []string {
		var out []string
		for _, r := range m[id] {
			out = append(out, r.Value)
		}
		return out
	}
	assert.ElementsMatch(t, []string{a.ID, b.ID}, refs(u.ID))
	assert.Equal(t, []string{b.ID}, refs(v.ID))
	assert.Empty(t, m[lonely.ID])
	for _, r := range m[u.ID] {
		switch r.Value {
		case a.ID:
			assert.Equal(t, "A", r.Display)
		case b.ID:
			assert.Equal(t, "B", r.Display)
		}
		assert.Contains(t, []string{"", "direct"}, r.Type)
	}
	m, err = mr.GroupsOf(e.ctx, nil)
	require.NoError(t, err)
	assert.Empty(t, m)
}

// testIndirectGroups: groups that are members of groups make indirect
// memberships (RFC 7643 §4.1.2), a group is listed once with direct
// winning, and a cycle of groups ends. GetUser and ListUsers, when they
// fill Groups, agree with GroupsOf.
func testIndirectGroups(t *testing.T, e *env) {
	mr, ok := e.groups.(store.MembershipReader)
	if !ok {
		t.Skip("the GroupStore is no MembershipReader")
	}
	u := e.createUser(t, &resources.User{UserName: "u"})
	v := e.createUser(t, &resources.User{UserName: "v"})
	lonely := e.createUser(t, &resources.User{UserName: "lonely"})
	a := e.createGroup(t, &resources.Group{DisplayName: "A", Members: []resources.Member{{Value: u.ID}}})
	b := e.createGroup(t, &resources.Group{DisplayName: "B", Members: []resources.Member{{Value: a.ID}}})
	c := e.createGroup(t, &resources.Group{DisplayName: "C", Members: []resources.Member{{Value: b.ID}, {Value: v.ID}}})
	d := e.createGroup(t, &resources.Group{DisplayName: "D", Members: []resources.Member{{Value: u.ID}, {Value: c.ID}}})
	ref := func(g *resources.Group, typ string) resources.GroupRef {
		return resources.GroupRef{Value: g.ID, Display: g.DisplayName, Type: typ}
	}
	check := func(t *testing.T, want map[string][]resources.GroupRef) {
		t.Helper()
		m, err := mr.GroupsOf(e.ctx, []string{u.ID, v.ID, lonely.ID})
		require.NoError(t, err)
		for id, refs := range want {
			assert.Equal(t, refs, m[id], "GroupsOf")
			got, err := e.users.GetUser(e.ctx, id, store.GetOptions{})
			require.NoError(t, err)
			if got.Groups != nil {
				assert.Equal(t, refs, got.Groups, "GetUser")
			}
		}
		assert.Empty(t, m[lonely.ID])
		for _, got := range e.listUsers(t, store.Query{Count: 10}).Items {
			if got.Groups != nil && got.ID != lonely.ID {
				assert.Equal(t, want[got.ID], got.Groups, "ListUsers")
			}
		}
	}
	check(t, map[string][]resources.GroupRef{
		u.ID: {ref(a, "direct"), ref(b, "indirect"), ref(c, "indirect"), ref(d, "direct")},
		v.ID: {ref(c, "direct"), ref(d, "indirect")},
	})

	// A filter on groups sees the direct memberships only.
	for _, tc := range []struct {
		filter string
		want   []string
	}{
		{`groups.value eq "` + a.ID + `"`, []string{"u"}},
		{`groups.value eq "` + b.ID + `"`, []string{}},
		{`groups.value eq "` + d.ID + `"`, []string{"u"}},
		{`groups.type eq "indirect"`, []string{}},
		{`groups.value eq "` + c.ID + `" or userName eq "lonely"`, []string{"v", "lonely"}},
	} {
		got := e.listUsers(t, store.Query{Filter: parse(t, tc.filter), Count: 10})
		assert.Equal(t, tc.want, userNames(got.Items), tc.filter)
	}

	// A cycle: A holds C, which holds B, which holds A.
	_, err := e.groups.ModifyMembers(e.ctx, a.ID, []string{c.ID}, nil, "")
	require.NoError(t, err)
	check(t, map[string][]resources.GroupRef{
		u.ID: {ref(a, "direct"), ref(b, "indirect"), ref(c, "indirect"), ref(d, "direct")},
		v.ID: {ref(a, "indirect"), ref(b, "indirect"), ref(c, "direct"), ref(d, "indirect")},
	})

	// Deleting the middle group cuts the chain.
	require.NoError(t, e.groups.DeleteGroup(e.ctx, b.ID, ""))
	check(t, map[string][]resources.GroupRef{
		u.ID: {ref(a, "direct"), ref(d, "direct")},
		v.ID: {ref(a, "indirect"), ref(c, "direct"), ref(d, "indirect")},
	})
}

func testGroupNoAliasing(t *testing.T, e *env) {
	u := e.createUser(t, &resources.User{UserName: "u"})
	v := e.createUser(t, &resources.User{UserName: "v"})
	in := &resources.Group{DisplayName: "G", Members: []resources.Member{{Value: u.ID}}}
	out := e.createGroup(t, in)
	in.Members[0].Value = v.ID
	in.DisplayName = "changed"
	out.Members[0].Value = v.ID
	out.DisplayName = "changed"
	got, err := e.groups.GetGroup(e.ctx, out.ID, store.GetOptions{})
	require.NoError(t, err)
	assert.Equal(t, "G", got.DisplayName)
	assert.Equal(t, []string{u.ID}, memberIDs(got.Members))
	got.Members[0].Value = v.ID
	p := e.listGroups(t, store.Query{Count: 10})
	require.Len(t, p.Items, 1)
	assert.Equal(t, []string{u.ID}, memberIDs(p.Items[0].Members))
	p.Items[0].Members[0].Value = v.ID

	add := []string{v.ID}
	_, err = e.groups.ModifyMembers(e.ctx, out.ID, add, nil, "")
	require.NoError(t, err)
	add[0] = "changed"
	assert.ElementsMatch(t, []string{u.ID, v.ID}, e.members(t, out.ID))
}

func testGroupTenants(t *testing.T, e *env) {
	u := e.createUser(t, &resources.User{UserName: "u"})
	g := e.createGroup(t, &resources.Group{DisplayName: "Shared", Members: []resources.Member{{Value: u.ID}}})
	other := e.other()
	bu, err := e.users.CreateUser(other, &resources.User{UserName: "bu"})
	require.NoError(t, err)
	bg, err := e.groups.CreateGroup(other, &resources.Group{DisplayName: "SHARED", Members: []resources.Member{{Value: u.ID}, {Value: bu.ID}}})
	require.NoError(t, err, "the same displayName in two tenants")
	assert.Equal(t, []string{bu.ID}, memberIDs(bg.Members), "members of another tenant are skipped")

	_, err = e.groups.GetGroup(other, g.ID, store.GetOptions{})
	requireIs(t, err, store.ErrNotFound)
	_, err = e.groups.ReplaceGroup(other, g.Clone(), "")
	requireIs(t, err, store.ErrNotFound)
	_, err = e.groups.ModifyMembers(other, g.ID, []string{bu.ID}, nil, "")
	requireIs(t, err, store.ErrNotFound)
	requireIs(t, e.groups.DeleteGroup(other, g.ID, ""), store.ErrNotFound)
	p, err := e.groups.ListGroups(other, store.Query{StartIndex: 1, Count: 10})
	require.NoError(t, err)
	assert.Equal(t, []string{"SHARED"}, groupNames(p.Items))
	p, err = e.groups.ListGroups(other, store.Query{StartIndex: 1, Count: 10, Filter: parse(t, `members[value eq "`+u.ID+`"]`)})
	require.NoError(t, err)
	assert.Empty(t, p.Items)

	// Tenant A cannot add tenant B's user.
	_, err = e.groups.ModifyMembers(e.ctx, g.ID, []string{bu.ID}, nil, "")
	require.NoError(t, err)
	assert.Equal(t, []string{u.ID}, e.members(t, g.ID))

	if mr, ok := e.groups.(store.MembershipReader); ok {
		m, err := mr.GroupsOf(other, []string{u.ID})
		require.NoError(t, err)
		assert.Empty(t, m[u.ID], "GroupsOf does not leak another tenant's memberships")
		m, err = mr.GroupsOf(e.ctx, []string{bu.ID})
		require.NoError(t, err)
		assert.Empty(t, m[bu.ID])
	}
}
