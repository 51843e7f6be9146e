package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/internal/fanout"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
)

// checkedTests cover store.CheckedMemberModifier; each skips when the
// group store lacks it.
var checkedTests = []test{
	{"CheckedMemberModifier/PassesAsModifyMembers", testCheckedPasses},
	{"CheckedMemberModifier/FailsWritesNothing", testCheckedFails},
	{"CheckedMemberModifier/IfVersion", testCheckedIfVersion},
	{"CheckedMemberModifier/SeesTheStoredGroup", testCheckedSeesStored},
	{"CheckedMemberModifier/NoLostUpdate", testCheckedConcurrent},
}

// checked returns the guarded store.CheckedMemberModifier, or skips t.
func (e *env) checked(t *testing.T) store.CheckedMemberModifier {
	if e.groups == nil {
		t.Skip("no GroupStore (Stores.Groups is nil)")
	}
	if e.checkedUp == nil {
		t.Skip("the group store is no store.CheckedMemberModifier")
	}
	return e.checkedUp
}

// feedHead is the Seq of the last entry of the tenant's feed, 0 without
// a feed.
func (e *env) feedHead(t *testing.T) int64 {
	t.Helper()
	if e.feed == nil {
		return 0
	}
	cs := e.changes(t, 0)
	if len(cs) == 0 {
		return 0
	}
	return cs[len(cs)-1].Seq
}

// testCheckedPasses: with a check that passes, ModifyMembersChecked does
// what ModifyMembers does, on a twin group: the same members, the same
// group returned, the same report and feed entries; and check sees the
// group as stored, Members nil.
func testCheckedPasses(t *testing.T, e *env) {
	const mc = "(store.CheckedMemberModifier.ModifyMembersChecked: ModifyMembers when check passes)"
	cm := e.checked(t)
	ids := e.createUserIDs(t, "c", 4)
	plain := e.createGroup(t, &resources.Group{DisplayName: "plain", Members: []resources.Member{{Value: ids[0]}, {Value: ids[1]}}})
	twinIn := &resources.Group{DisplayName: "twin", ExternalID: "ext-twin", Members: []resources.Member{{Value: ids[0]}, {Value: ids[1]}}}
	twin := e.createGroup(t, twinIn) // fitted: externalId is gone when the model leaves it out
	sub := e.createGroup(t, &resources.Group{DisplayName: "sub"})
	names := map[string]string{plain.ID: "g", twin.ID: "g", sub.ID: "sub"}
	for i, id := range ids {
		names[id] = fmt.Sprint("u", i)
	}
	// Present, absent, repeated, naming nothing, the group itself, a group.
	calls := []struct{ add, remove []string }{
		{add: []string{ids[2], ids[0], ids[2], unknownID(), "", sub.ID}, remove: []string{ids[1], unknownID()}},
		{add: []string{ids[3]}, remove: []string{ids[0], ids[0]}},
		{add: []string{ids[3]}, remove: []string{ids[1]}}, // nothing to do
		{add: []string{"self"}},
	}
	for i, c := range calls {
		subst := func(list []string, self string) []string {
			out := slices.Clone(list)
			for j := range out {
				if out[j] == "self" {
					out[j] = self
				}
			}
			return out
		}
		var repA, repB store.Report
		headA := e.feedHead(t)
		a, err := e.groups.ModifyMembers(store.WithReport(e.ctx, &repA), plain.ID, subst(c.add, plain.ID), subst(c.remove, plain.ID), "")
		require.NoError(t, err, "call %d: ModifyMembers must succeed (store.GroupStore.ModifyMembers)", i)
		entriesA := e.changesAfter(t, headA)

		before := e.getGroup(t, twin.ID, store.GetOptions{ExcludeMembers: true}, "the group must be there")
		runs := 0
		headB := e.feedHead(t)
		b, err := cm.ModifyMembersChecked(store.WithReport(e.ctx, &repB), twin.ID, subst(c.add, twin.ID), subst(c.remove, twin.ID), "", func(cur *resources.Group) error {
			runs++
			assert.Nil(t, cur.Members, "call %d: ModifyMembersChecked must call check with Members nil %s", i, mc)
			assert.Equal(t, twin.ID, cur.ID, "call %d: ModifyMembersChecked must call check with the group as stored %s", i, mc)
			assert.Equal(t, "twin", cur.DisplayName, "call %d: ModifyMembersChecked must call check with the group as stored %s", i, mc)
			assert.Equal(t, twinIn.ExternalID, cur.ExternalID, "call %d: ModifyMembersChecked must call check with the group as stored %s", i, mc)
			assert.Equal(t, before.Meta.Version, cur.Meta.Version, "call %d: ModifyMembersChecked must call check with the stored version %s", i, mc)
			return nil
		})
		require.NoError(t, err, "call %d: ModifyMembersChecked whose check passes must succeed %s", i, mc)
		entriesB := e.changesAfter(t, headB)
		assert.Positive(t, runs, "call %d: ModifyMembersChecked must call check %s", i, mc)

		assert.Equal(t, e.members(t, plain.ID), e.members(t, twin.ID), "call %d: ModifyMembersChecked must change the members as ModifyMembers does %s", i, mc)
		assert.Nil(t, b.Members, "call %d: ModifyMembersChecked must return the group with Members nil, as ModifyMembers does %s", i, mc)
		assert.Equal(t, twin.ID, b.ID, "call %d: ModifyMembersChecked must return the group it changed %s", i, mc)
		assert.Equal(t, "twin", b.DisplayName, "call %d: ModifyMembersChecked must return the group it changed, displayName included %s", i, mc)
		assert.Equal(t, a.Meta.Version == plain.Meta.Version, b.Meta.Version == before.Meta.Version,
			"call %d: ModifyMembersChecked must give a new Meta.Version when ModifyMembers does, and keep it when ModifyMembers does %s", i, mc)
		after := e.getGroup(t, twin.ID, store.GetOptions{ExcludeMembers: true}, "the group must be there")
		assert.Equal(t, b.Meta.Version, after.Meta.Version, "call %d: ModifyMembersChecked must return the version it stored %s", i, mc)
		plain = a

		assert.Equal(t, repA.Filled, repB.Filled, "call %d: ModifyMembersChecked must fill the store.Report when ModifyMembers does %s", i, mc)
		addA, remA := repA.Members()
		addB, remB := repB.Members()
		assert.Equal(t, [][]string{sorted(addA), sorted(remA)}, [][]string{sorted(addB), sorted(remB)},
			"call %d: ModifyMembersChecked must report what ModifyMembers reports (store.Report) %s", i, mc)
		assert.Equal(t, kinds(entriesA, names), kinds(entriesB, names), "call %d: ModifyMembersChecked must append the feed entries ModifyMembers appends %s", i, mc)
	}
}

// changesAfter is the tenant's feed after head, nil without a feed.
func (e *env) changesAfter(t *testing.T, head int64) []store.Change {
	t.Helper()
	if e.feed == nil {
		return nil
	}
	return e.changes(t, head)
}

func sorted(ids []string) []string {
	out := slices.Clone(ids)
	slices.Sort(out)
	return out
}

// testCheckedFails: a check that fails writes nothing (members, version,
// report, feed) and its error comes back unwrapped.
func testCheckedFails(t *testing.T, e *env) {
	const mc = "(store.CheckedMemberModifier.ModifyMembersChecked: when check returns an error, nothing is written and that error is returned unwrapped)"
	cm := e.checked(t)
	ids := e.createUserIDs(t, "f", 2)
	g := e.createGroup(t, &resources.Group{DisplayName: "refused", Members: []resources.Member{{Value: ids[0]}}})
	head := e.feedHead(t)
	var rep store.Report
	_, err := cm.ModifyMembersChecked(store.WithReport(e.ctx, &rep), g.ID, []string{ids[1]}, []string{ids[0]}, "", func(*resources.Group) error {
		return errRefused
	})
	require.Equal(t, errRefused, err, "ModifyMembersChecked must return check's error unwrapped "+mc)
	assert.Equal(t, []string{ids[0]}, e.members(t, g.ID), "ModifyMembersChecked must change no member when check fails "+mc)
	got := e.getGroup(t, g.ID, store.GetOptions{ExcludeMembers: true}, "the group must still be there")
	assert.Equal(t, g.Meta.Version, got.Meta.Version, "ModifyMembersChecked must keep the version when check fails "+mc)
	assert.True(t, g.Meta.LastModified.Equal(got.Meta.LastModified), "ModifyMembersChecked must keep Meta.LastModified when check fails "+mc)
	assert.Empty(t, rep.Changes, "ModifyMembersChecked must report nothing when check fails "+mc)
	assert.Empty(t, e.changesAfter(t, head), "ModifyMembersChecked must append no feed entry when check fails "+mc)

	// A nil check is no check.
	_, err = cm.ModifyMembersChecked(e.ctx, g.ID, []string{ids[1]}, nil, "", nil)
	require.NoError(t, err, "ModifyMembersChecked with a nil check must change the members "+mc)
	assert.ElementsMatch(t, ids, e.members(t, g.ID), "ModifyMembersChecked with a nil check must change the members "+mc)

	_, err = cm.ModifyMembersChecked(e.ctx, unknownID(), []string{ids[1]}, nil, "", func(*resources.Group) error {
		t.Error("ModifyMembersChecked must not call check for a group that does not exist " + mc)
		return nil
	})
	requireIs(t, err, store.ErrNotFound, "ModifyMembersChecked of an id no group has must return store.ErrNotFound "+mc)
	_, err = cm.ModifyMembersChecked(e.other(), g.ID, []string{ids[1]}, nil, "", func(*resources.Group) error { return nil })
	requireIs(t, err, store.ErrNotFound, "ModifyMembersChecked of another tenant's group must return store.ErrNotFound "+mc)
}

// testCheckedIfVersion: ifVersion as ModifyMembers has it, checked before
// check runs.
func testCheckedIfVersion(t *testing.T, e *env) {
	const mc = "(store.CheckedMemberModifier.ModifyMembersChecked: the ifVersion rule of ModifyMembers, checked before check is called)"
	cm := e.checked(t)
	ids := e.createUserIDs(t, "v", 2)
	g := e.createGroup(t, &resources.Group{DisplayName: "versioned"})
	_, err := cm.ModifyMembersChecked(e.ctx, g.ID, []string{ids[0]}, nil, `W/"no-such-version"`, func(*resources.Group) error {
		t.Error("ModifyMembersChecked must not call check when ifVersion is not the stored version " + mc)
		return nil
	})
	requireIs(t, err, store.ErrPreconditionFailed, "ModifyMembersChecked must refuse an ifVersion that is not the stored version "+mc)
	assert.Empty(t, e.members(t, g.ID), "a ModifyMembersChecked refused with ErrPreconditionFailed must change nothing "+mc)
	out, err := cm.ModifyMembersChecked(e.ctx, g.ID, []string{ids[0]}, nil, g.Meta.Version, func(*resources.Group) error { return nil })
	require.NoError(t, err, "ModifyMembersChecked at the stored version must write "+mc)
	assert.NotEqual(t, g.Meta.Version, out.Meta.Version, "ModifyMembersChecked must give the group a new Meta.Version "+mc)
	_, err = cm.ModifyMembersChecked(e.ctx, g.ID, []string{ids[1]}, nil, g.Meta.Version, func(*resources.Group) error { return nil })
	requireIs(t, err, store.ErrPreconditionFailed, "ModifyMembersChecked must refuse an ifVersion that is no longer the stored version "+mc)
}

// testCheckedSeesStored: check sees the group as stored when it runs: a
// rename and a member change committed before are there.
func testCheckedSeesStored(t *testing.T, e *env) {
	const mc = "(store.CheckedMemberModifier.ModifyMembersChecked: check sees the group as stored at that moment)"
	cm := e.checked(t)
	ids := e.createUserIDs(t, "s", 2)
	g := e.createGroup(t, &resources.Group{DisplayName: "before"})
	next := g.Clone()
	next.DisplayName = "after"
	renamed, err := e.groups.ReplaceGroup(e.ctx, next, "")
	require.NoError(t, err, "ReplaceGroup must rename the group (store.GroupStore.ReplaceGroup)")
	moved, err := e.groups.ModifyMembers(e.ctx, g.ID, []string{ids[0]}, nil, "")
	require.NoError(t, err, "ModifyMembers must add the member (store.GroupStore.ModifyMembers)")
	require.NotEqual(t, renamed.Meta.Version, moved.Meta.Version, "ModifyMembers must give the group a new Meta.Version (store.GroupStore.ModifyMembers)")
	var saw *resources.Group
	_, err = cm.ModifyMembersChecked(e.ctx, g.ID, []string{ids[1]}, nil, "", func(cur *resources.Group) error {
		saw = cur
		return nil
	})
	require.NoError(t, err, "ModifyMembersChecked must succeed "+mc)
	require.NotNil(t, saw, "ModifyMembersChecked must call check "+mc)
	assert.Equal(t, "after", saw.DisplayName, "check must see a rename committed before "+mc)
	assert.Equal(t, moved.Meta.Version, saw.Meta.Version, "check must see the version of the last write "+mc)
}

// testCheckedConcurrent: concurrent ModifyMembersChecked calls on one
// group (each adding its own member, some removing one), with checks that
// pass, all succeed and lose nothing.
func testCheckedConcurrent(t *testing.T, e *env) {
	const mc = "(store.CheckedMemberModifier.ModifyMembersChecked: one atomic step, concurrent calls never lose an update nor fail for contention)"
	cm := e.checked(t)
	ids := e.createUserIDs(t, "n", updaters)
	old := e.createUserIDs(t, "o", updaters/4)
	initial := make([]resources.Member, len(old))
	for i, id := range old {
		initial[i] = resources.Member{Value: id}
	}
	g := e.createGroup(t, &resources.Group{DisplayName: "contended", Members: initial})
	errs := fanout.Run(updaters, func(i int) error {
		var remove []string
		if i%4 == 0 {
			remove = []string{old[i/4]}
		}
		_, err := cm.ModifyMembersChecked(e.ctx, g.ID, []string{ids[i]}, remove, "", func(cur *resources.Group) error {
			if cur.DisplayName != "contended" {
				return fmt.Errorf("check %d saw displayName %q", i, cur.DisplayName)
			}
			return nil
		})
		return err
	})
	for i, err := range errs {
		require.NoError(t, err, `concurrent ModifyMembersChecked %d with ifVersion "" and a passing check must succeed %s`, i, mc)
	}
	assert.ElementsMatch(t, ids, e.members(t, g.ID), "every concurrent ModifyMembersChecked must be kept, every removal too "+mc)
}

// checkedModifier guards a store.CheckedMemberModifier.
type checkedModifier struct {
	t *testing.T
	s store.CheckedMemberModifier
}

func (g checkedModifier) ModifyMembersChecked(ctx context.Context, groupID string, add, remove []string, ifVersion string, check func(cur *resources.Group) error) (out *resources.Group, err error) {
	const method = "store.CheckedMemberModifier.ModifyMembersChecked"
	defer suite.Catch(g.t, method, &err)
	if check != nil {
		inner := check
		check = func(cur *resources.Group) error {
			if cur == nil {
				return fmt.Errorf("%w: %s called check with a nil group: it must pass a copy of the stored group", errNilResult, method)
			}
			return inner(cur)
		}
	}
	out, err = g.s.ModifyMembersChecked(ctx, groupID, add, remove, ifVersion, check)
	return out, checkGroup(method, out, err)
}
