package patch

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/resources"
)

// TestMemberWalkIsApply holds the member PATCH's own walk (targetsMembers,
// and the no-path value's membersKey that planMembers reads) to what
// ApplyTo does with the same operation, for every way a path or a
// no-path value's key names members: the walk says an operation targets
// members exactly when ApplyTo changes them (each operation below changes
// them if it names them), a member plan is made only for an operation
// ApplyTo applies, and the plan gives the members ApplyTo leaves. A
// no-path value the plan takes whole (membersKey's only) changes nothing
// but members under ApplyTo.
func TestMemberWalkIsApply(t *testing.T) {
	const core = resources.GroupSchema
	doc := `{"schemas":["` + core + `"],"id":"g1","displayName":"G","members":[{"value":"m0"},{"value":"m1"}]}`
	current := []string{"m0", "m1"}
	for _, tc := range []struct {
		name, ops string
		refused   bool
		// whole: no member plan (PlanGroup's Whole); every other
		// operation ApplyTo applies is planned as a member change
		// (MembersOnly), whatever the group's size.
		whole bool
	}{
		{name: "members", ops: `[{"op":"add","path":"members","value":[{"value":"x"}]}]`},
		{name: "Members", ops: `[{"op":"Add","path":"Members","value":[{"value":"x"}]}]`},
		{name: "remove members", ops: `[{"op":"remove","path":"members"}]`},
		{name: "remove listed members", ops: `[{"op":"Remove","path":"members","value":[{"value":"m0"}]}]`},
		{name: "replace members", ops: `[{"op":"replace","path":"members","value":[{"value":"x"}]}]`},
		{name: "replace members with null", ops: `[{"op":"replace","path":"members","value":null}]`},
		{name: "a value filter", ops: `[{"op":"remove","path":"members[value eq \"m0\"]"}]`},
		{name: "a value filter's sub-attribute", ops: `[{"op":"replace","path":"members[value eq \"m0\"].display","value":"D"}]`, whole: true},
		{name: "the qualified path", ops: `[{"op":"add","path":"` + core + `:members","value":[{"value":"x"}]}]`},
		{name: "the qualified path with a filter", ops: `[{"op":"remove","path":"` + core + `:MEMBERS[value eq \"m1\"]"}]`},
		{name: "the core URN as the path", ops: `[{"op":"add","path":"` + core + `","value":{"members":[{"value":"x"}]}}]`},
		{name: "a no-path value", ops: `[{"op":"add","value":{"members":[{"value":"x"}]}}]`},
		{name: "a no-path value in another spelling", ops: `[{"op":"replace","value":{"MEMBERS":[{"value":"x"}]}}]`},
		{name: "a no-path value with read-only keys", ops: `[{"op":"replace","value":{"id":"g1","schemas":["` + core + `"],"members":[{"value":"x"}]}}]`},
		{name: "a no-path null", ops: `[{"op":"replace","value":{"members":null}}]`},
		{name: "the core URN's object", ops: `[{"op":"add","value":{"` + core + `":{"members":[{"value":"x"}]}}}]`},
		{name: "a qualified key", ops: `[{"op":"add","value":{"` + core + `:members":[{"value":"x"}]}}]`},
		{name: "a filtered key", ops: `[{"op":"replace","value":{"members[value eq \"m0\"].display":"D"}}]`, whole: true},
		{name: "displayName beside members", ops: `[{"op":"replace","value":{"displayName":"H","members":[{"value":"x"}]}}]`, whole: true},
		{name: "displayName in the core URN's object beside members", ops: `[{"op":"replace","value":{"` + core + `":{"displayName":"H"},"members":[{"value":"x"}]}}]`, whole: true},
		{name: "displayName", ops: `[{"op":"replace","path":"displayName","value":"H"}]`, whole: true},
		{name: "a no-path displayName", ops: `[{"op":"replace","value":{"displayName":"H","id":"g1"}}]`, whole: true},
		{name: "displayName in the core URN's object", ops: `[{"op":"replace","value":{"` + core + `":{"displayName":"H"}}}]`, whole: true},
		{name: "an unknown key beside members", ops: `[{"op":"add","value":{"bogus":1,"members":[{"value":"x"}]}}]`, whole: true},
		{name: "members.$ref", ops: `[{"op":"replace","path":"members.$ref","value":"x"}]`, refused: true},
		{name: "an unparsable members path", ops: `[{"op":"remove","path":"members[value eq"}]`, refused: true},
		{name: "a URN inside the core URN's object", ops: `[{"op":"add","value":{"` + core + `":{"` + core + `:members":[{"value":"x"}]}}}]`, refused: true},
		{name: "members under two keys", ops: `[{"op":"add","value":{"members":[{"value":"x"}],"` + core + `:members":[{"value":"y"}]}}]`, refused: true},
		{name: "members and the core URN's object", ops: `[{"op":"add","value":{"members":[{"value":"x"}],"` + core + `":{"members":[{"value":"y"}]}}}]`, refused: true},
		{name: "remove without a path", ops: `[{"op":"remove"}]`, refused: true},
		{name: "the core URN's value no object", ops: `[{"op":"add","value":{"` + core + `":[{"value":"x"}]}}]`, refused: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ops := mustOps(tc.ops)
			before := mustDoc(doc)
			after := mustDoc(doc)
			err := groupEng.ApplyTo(after, ops, nil)
			plan, perr := groupEng.PlanGroup(ops, nil)
			if tc.refused {
				require.Error(t, err)
				if perr == nil {
					assert.Equal(t, Whole, plan.Kind, "a member plan for what ApplyTo refuses")
				}
				return
			}
			require.NoError(t, err)
			require.NoError(t, perr)
			if tc.whole {
				assert.Equal(t, Whole, plan.Kind)
			} else {
				assert.Equal(t, MembersOnly, plan.Kind, "a member change planned flat")
			}
			touched := !assert.ObjectsAreEqual(before["members"], after["members"])
			assert.Equal(t, touched, groupEng.targetsMembers(ops[0]), "targetsMembers against ApplyTo")
			assert.Equal(t, touched, plan.NeedsMembers, "NeedsMembers against ApplyTo")
			if plan.Kind == MembersOnly && !plan.Members.NeedsCurrent {
				assert.ElementsMatch(t, memberValues(after), applyPlan(plan.Members, current), "the plan against ApplyTo")
			}
			if in := ops[0].Path == core; ops[0].Path == "" || in {
				a := &applier{e: groupEng}
				_, found, only := a.membersKey(ops[0].Value, in)
				if found {
					assert.True(t, touched, "membersKey found members ApplyTo left as they were")
				}
				if found && only {
					delete(before, "members")
					delete(after, "members")
					assert.Equal(t, before, after, "membersKey's only: ApplyTo changes nothing but members")
				}
			}
		})
	}
}
