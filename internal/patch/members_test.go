package patch

import (
	"testing"

	"github.com/scimkit/scim/resources"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPlanMembers(t *testing.T) {
	cases := []struct {
		name   string
		eng    *Engine // groupEng when nil
		ops    string
		want   MemberPlan
		notOK  bool
		err    *fail
		strict bool
	}{
		{
			name: "add one member",
			ops:  `[{"op":"add","path":"members","value":[{"value":"a1"}]}]`,
			want: MemberPlan{Add: []string{"a1"}},
		},
		{
			name: "Entra: Add members with $ref null",
			ops:  `[{"op":"Add","path":"members","value":[{"$ref":null,"value":"a1"},{"$ref":null,"value":"a2"}]}]`,
			want: MemberPlan{Add: []string{"a1", "a2"}},
		},
		{
			name: "a member given as a bare id string",
			ops:  `[{"op":"add","path":"members","value":["a1","a2"]}]`,
			want: MemberPlan{Add: []string{"a1", "a2"}},
		},
		{
			name: "a single member object instead of a list",
			ops:  `[{"op":"add","path":"members","value":{"value":"a1","display":"A","type":"User"}}]`,
			want: MemberPlan{Add: []string{"a1"}},
		},
		{
			name: "Entra legacy: Remove members with a value list removes only those",
			ops:  `[{"op":"Remove","path":"members","value":[{"value":"a1"},{"value":"a2"}]}]`,
			want: MemberPlan{Remove: []string{"a1", "a2"}, Removals: []Removal{{ID: "a1", Op: 0}, {ID: "a2", Op: 0}}},
		},
		{
			name: "remove members without value removes all",
			ops:  `[{"op":"remove","path":"members"}]`,
			want: MemberPlan{RemoveAll: true},
		},
		{
			name: "Entra aadOptscim062020: remove members[value eq id]",
			ops:  `[{"op":"remove","path":"members[value eq \"a1\"]"}]`,
			want: MemberPlan{Remove: []string{"a1"}, Removals: []Removal{{ID: "a1", Op: 0}}},
		},
		{
			name: "remove members by an or-chain of value eq",
			ops:  `[{"op":"remove","path":"members[value eq \"a1\" or value eq \"a2\" or value eq \"a3\"]"}]`,
			want: MemberPlan{Remove: []string{"a1", "a2", "a3"}, Removals: []Removal{{ID: "a1", Op: 0}, {ID: "a2", Op: 0}, {ID: "a3", Op: 0}}},
		},
		{
			name: "remove members by another filter needs the current members",
			ops:  `[{"op":"remove","path":"members[type eq \"Group\"]"}]`,
			want: MemberPlan{NeedsCurrent: true},
		},
		{
			name: "remove members by value ne needs the current members",
			ops:  `[{"op":"remove","path":"members[value ne \"a1\"]"}]`,
			want: MemberPlan{NeedsCurrent: true},
		},
		{
			name: "add with a value filter needs the current members",
			ops:  `[{"op":"add","path":"members[value eq \"a1\"]","value":{"value":"a1"}}]`,
			want: MemberPlan{NeedsCurrent: true},
		},
		{
			name: "Okta: replace members with the full list",
			ops:  `[{"op":"replace","path":"members","value":[{"value":"a1"},{"value":"a2"}]}]`,
			want: MemberPlan{Replace: true, Add: []string{"a1", "a2"}},
		},
		{
			name: "Okta: replace members [] empties the group",
			ops:  `[{"op":"replace","path":"members","value":[]}]`,
			want: MemberPlan{Replace: true, Add: []string{}},
		},
		{
			name: "replace members null empties the group",
			ops:  `[{"op":"replace","path":"members","value":null}]`,
			want: MemberPlan{Replace: true, Add: []string{}},
		},
		{
			name: "Okta: member remove by filter plus add",
			ops:  `[{"op":"remove","path":"members[value eq \"a1\"]"},{"op":"add","path":"members","value":[{"value":"a2"}]}]`,
			want: MemberPlan{Add: []string{"a2"}, Remove: []string{"a1"}, Removals: []Removal{{ID: "a1", Op: 0}}},
		},
		{
			name: "JumpCloud: add and remove value lists",
			ops:  `[{"op":"add","path":"members","value":[{"value":"a1"}]},{"op":"remove","path":"members","value":[{"value":"a2"}]}]`,
			want: MemberPlan{Add: []string{"a1"}, Remove: []string{"a2"}, Removals: []Removal{{ID: "a2", Op: 1}}},
		},
		{
			name: "no-path replace with only members",
			ops:  `[{"op":"replace","value":{"members":[{"value":"a1"}]}}]`,
			want: MemberPlan{Replace: true, Add: []string{"a1"}},
		},
		{
			name: "no-path add with members and ignorable read-only keys",
			ops:  `[{"op":"add","value":{"id":"g1","schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"meta":{},"members":[{"value":"a1"}]}}]`,
			want: MemberPlan{Add: []string{"a1"}},
		},
		{
			name:  "no-path replace with members and displayName is not member-only",
			ops:   `[{"op":"replace","value":{"displayName":"G","members":[{"value":"a1"}]}}]`,
			notOK: true,
		},
		{
			name:  "no-path replace without members is not member-only",
			ops:   `[{"op":"replace","value":{"id":"g1"}}]`,
			notOK: true,
		},
		{
			name:  "Okta: rename with membership updates is not member-only",
			ops:   `[{"op":"replace","value":{"id":"g1","displayName":"G"}},{"op":"add","path":"members","value":[{"value":"a1"}]}]`,
			notOK: true,
		},
		{
			name:  "a member sub-attribute is not member-only",
			ops:   `[{"op":"remove","path":"members[value eq \"a1\"].display"}]`,
			notOK: true,
		},
		{
			name:  "an unknown op is left to Apply",
			ops:   `[{"op":"delete","path":"members"}]`,
			notOK: true,
		},
		{
			name:  "a malformed path is left to Apply",
			ops:   `[{"op":"remove","path":"members[value eq"}]`,
			notOK: true,
		},
		{
			name:  "a user has no members",
			eng:   userEng,
			ops:   `[{"op":"add","path":"members","value":[{"value":"a1"}]}]`,
			notOK: true,
		},
		{
			name:  "no operations",
			ops:   `[]`,
			notOK: true,
		},
		{
			name: "add x then remove x leaves x out, a removal that removes the x added",
			ops:  `[{"op":"add","path":"members","value":[{"value":"x"}]},{"op":"remove","path":"members[value eq \"x\"]"}]`,
			want: MemberPlan{Remove: []string{"x"}},
		},
		{
			name: "a removal of an id removed before removes nothing",
			ops:  `[{"op":"remove","path":"members","value":[{"value":"a1"}]},{"op":"remove","path":"members[value eq \"a2\"]"},{"op":"remove","path":"members","value":[{"value":"a1"}]}]`,
			want: MemberPlan{Remove: []string{"a1", "a2"}, Removals: []Removal{{ID: "a1", Op: 0}, {ID: "a2", Op: 1}, {ID: "a1", Op: 2, Moot: true}}},
		},
		{
			name: "a removal from the list a replace made removes what it holds",
			ops:  `[{"op":"replace","path":"members","value":[{"value":"a1"}]},{"op":"remove","path":"members","value":[{"value":"a1"},{"value":"a2"}]}]`,
			want: MemberPlan{Replace: true, Add: []string{}, Removals: []Removal{{ID: "a2", Op: 1, Moot: true}}},
		},
		{
			name: "remove x then replace needs the members",
			ops:  `[{"op":"remove","path":"members[value eq \"x\"]"},{"op":"replace","path":"members","value":[]}]`,
			want: MemberPlan{NeedsCurrent: true},
		},
		{
			name: "remove x then add x adds x, the store's report of the add telling whether the removal removed one",
			ops:  `[{"op":"remove","path":"members[value eq \"x\"]"},{"op":"add","path":"members","value":[{"value":"x"}]}]`,
			want: MemberPlan{Add: []string{"x"}, Removals: []Removal{{ID: "x", Op: 0}}},
		},
		{
			name: "add x, remove x, add x adds x",
			ops:  `[{"op":"add","path":"members","value":[{"value":"x"}]},{"op":"remove","path":"members[value eq \"x\"]"},{"op":"add","path":"members","value":[{"value":"x"}]}]`,
			want: MemberPlan{Add: []string{"x"}},
		},
		{
			name: "remove-all then add y is Replace with [y]",
			ops:  `[{"op":"remove","path":"members"},{"op":"add","path":"members","value":[{"value":"y"}]}]`,
			want: MemberPlan{Replace: true, Add: []string{"y"}},
		},
		{
			name: "remove-all then remove stays remove-all, the removal removing nothing",
			ops:  `[{"op":"remove","path":"members"},{"op":"remove","path":"members[value eq \"y\"]"}]`,
			want: MemberPlan{RemoveAll: true, Removals: []Removal{{ID: "y", Op: 1, Moot: true}}},
		},
		{
			name: "replace then remove and add edits the list",
			ops:  `[{"op":"replace","path":"members","value":[{"value":"a"},{"value":"b"}]},{"op":"remove","path":"members","value":[{"value":"a"}]},{"op":"add","path":"members","value":[{"value":"c"},{"value":"b"}]}]`,
			want: MemberPlan{Replace: true, Add: []string{"b", "c"}},
		},
		{
			name: "duplicates are listed once",
			ops:  `[{"op":"add","path":"members","value":[{"value":"a"},{"value":"a"}]},{"op":"Add","path":"members","value":["a"]}]`,
			want: MemberPlan{Add: []string{"a"}},
		},
		{
			name: "a needs-current filter later in the request still needs the current members",
			ops:  `[{"op":"add","path":"members","value":[{"value":"a"}]},{"op":"remove","path":"members[display eq \"x\"]"}]`,
			want: MemberPlan{NeedsCurrent: true},
		},
		{
			name: "a member without value is invalidValue",
			ops:  `[{"op":"add","path":"members","value":[{"value":"a"},{"display":"x"}]}]`,
			err:  &fail{InvalidValue, `attribute "members.value": members[1] has no "value"`, 0},
		},
		{
			name: "a member value that is not a string is invalidValue",
			ops:  `[{"op":"add","path":"members","value":[{"value":5}]}]`,
			err:  &fail{InvalidValue, `"members.value": must be a string`, 0},
		},
		{
			name: "an unknown member sub-attribute is ignored (Microsoft's validator sends displayName)",
			ops:  `[{"op":"add","path":"members","value":[{"value":"a","displayName":"A"}]}]`,
			want: MemberPlan{Add: []string{"a"}},
		},
		{
			name:   "strict: an unknown member sub-attribute is refused",
			ops:    `[{"op":"add","path":"members","value":[{"value":"a","role":"owner"}]}]`,
			err:    &fail{InvalidSyntax, `"members.role"`, 0},
			strict: true,
		},
		{
			name: "a member that is a number is invalidValue",
			ops:  `[{"op":"remove","path":"members","value":[1]}]`,
			err:  &fail{InvalidValue, `must be a JSON object`, 0},
		},
		{
			name: "add members without value is invalidSyntax",
			ops:  `[{"op":"remove","path":"members[value eq \"a\"]"},{"op":"add","path":"members"}]`,
			err:  &fail{InvalidSyntax, "Operations[1]: value is required for add", 1},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			eng := tc.eng
			if eng == nil {
				eng = groupEng
			}
			plan, ok, err := eng.PlanMembers(mustOps(tc.ops), &resources.Lenience{Strict: tc.strict})
			if tc.err != nil {
				requireError(t, err, *tc.err)
				assert.True(t, ok)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, !tc.notOK, ok)
			if !tc.notOK {
				assert.Equal(t, tc.want, plan)
			}
		})
	}
}

// TestPlanMatchesApply: for member-only requests whose plan does not need
// the current members, applying the plan to a group's members gives the
// same members as Apply on the whole group.
func TestPlanMatchesApply(t *testing.T) {
	requests := []string{
		`[{"op":"add","path":"members","value":[{"value":"a1"}]}]`,
		`[{"op":"add","path":"members","value":[{"value":"2819c223"},{"value":"a1"}]}]`,
		`[{"op":"Remove","path":"members","value":[{"value":"2819c223"},{"value":"gone"}]}]`,
		`[{"op":"remove","path":"members"}]`,
		`[{"op":"remove","path":"members[value eq \"902c246b\" or value eq \"gone\"]"}]`,
		`[{"op":"replace","path":"members","value":[{"value":"a1"},{"value":"902c246b"}]}]`,
		`[{"op":"replace","path":"members","value":[]}]`,
		`[{"op":"add","path":"members","value":[{"value":"x"}]},{"op":"remove","path":"members[value eq \"x\"]"}]`,
		`[{"op":"add","path":"members","value":[{"value":"2819c223"}]},{"op":"remove","path":"members[value eq \"2819c223\"]"}]`,
		`[{"op":"remove","path":"members[value eq \"2819c223\"]"},{"op":"add","path":"members","value":[{"value":"2819c223"}]}]`,
		`[{"op":"remove","path":"members"},{"op":"add","path":"members","value":[{"value":"y"}]}]`,
		`[{"op":"replace","value":{"id":"e9e30dba","members":[{"value":"y"}]}}]`,
		`[{"op":"replace","path":"members","value":[{"value":"a"},{"value":"b"}]},{"op":"remove","path":"members","value":[{"value":"a"}]},{"op":"add","path":"members","value":[{"value":"c"}]}]`,
		// A member's value is an id, compared exactly by the plan and
		// the store: another case names no member.
		`[{"op":"Remove","path":"members","value":[{"value":"2819C223"}]}]`,
		`[{"op":"remove","path":"members[value eq \"902C246B\" or value eq \"2819c223\"]"}]`,
		`[{"op":"add","path":"members","value":[{"value":"2819C223"}]}]`,
	}
	current := []string{"2819c223", "902c246b"}
	for _, req := range requests {
		t.Run(req, func(t *testing.T) {
			ops := mustOps(req)
			plan, ok, err := groupEng.PlanMembers(ops, nil)
			require.NoError(t, err)
			require.True(t, ok)
			require.False(t, plan.NeedsCurrent)

			doc, err := groupEng.Apply(mustDoc(groupJSON), ops, nil)
			require.NoError(t, err)
			assert.ElementsMatch(t, memberValues(doc), applyPlan(plan, current))
		})
	}
}

// TestMemberFilterExact: a member is selected by its id exactly, as the
// plan (TestPlanMatchesApply) and the store take it, by a value filter
// whatever else the filter holds, by a removal listing members and by an
// add (a member is present when its id is). Found by sending the request
// fuzzers' member changes with an id in upper case: members[value eq
// "ID"] removed nothing, members[value eq "ID" and type eq "User"] removed
// the member "id".
func TestMemberFilterExact(t *testing.T) {
	cases := []struct {
		ops  string
		want []string
	}{
		{`[{"op":"remove","path":"members[value eq \"902C246B\" and type eq \"User\"]"}]`, []string{"2819c223", "902c246b"}},
		{`[{"op":"remove","path":"members[value eq \"902c246b\" and type eq \"User\"]"}]`, []string{"2819c223"}},
		{`[{"op":"remove","path":"members[value eq \"902C246B\" or display eq \"nobody\"]"}]`, []string{"2819c223", "902c246b"}},
		{`[{"op":"remove","path":"members[value sw \"2819C\"]"}]`, []string{"2819c223", "902c246b"}},
		{`[{"op":"remove","path":"members[value sw \"2819c\"]"}]`, []string{"902c246b"}},
		{`[{"op":"remove","path":"members","value":[{"value":"902C246B"}]},{"op":"replace","path":"displayName","value":"x"}]`, []string{"2819c223", "902c246b"}},
		{`[{"op":"remove","path":"members","value":[{"value":"902c246b"}]},{"op":"replace","path":"displayName","value":"x"}]`, []string{"2819c223"}},
		{`[{"op":"add","path":"members","value":[{"value":"2819C223"}]},{"op":"replace","path":"displayName","value":"x"}]`, []string{"2819c223", "902c246b", "2819C223"}},
		// Other sub-attributes keep the schema's comparison.
		{`[{"op":"remove","path":"members[type eq \"user\" and display eq \"BABS JENSEN\"]"}]`, []string{"902c246b"}},
	}
	for _, c := range cases {
		t.Run(c.ops, func(t *testing.T) {
			doc, err := groupEng.Apply(mustDoc(groupJSON), mustOps(c.ops), nil)
			require.NoError(t, err)
			assert.Equal(t, c.want, memberValues(doc))
		})
	}
}

// applyPlan does what a store does with a plan.
func applyPlan(p MemberPlan, current []string) []string {
	if p.Replace {
		return p.Add
	}
	if p.RemoveAll {
		return nil
	}
	set := map[string]bool{}
	var out []string
	drop := map[string]bool{}
	for _, id := range p.Remove {
		drop[id] = true
	}
	for _, id := range append(append([]string{}, current...), p.Add...) {
		if !drop[id] && !set[id] {
			set[id] = true
			out = append(out, id)
		}
	}
	return out
}

// TestPlanGroup: how a group PATCH is carried out, and the bends planning
// records, once each, and none for a Whole plan (Apply records them).
func TestPlanGroup(t *testing.T) {
	withBogus := Operation{Op: "add", Path: "members", Value: []any{map[string]any{"value": "b", "bogus": "x"}}}
	unquoted := Operation{Op: "remove", Path: "members[value eq a]"}
	rename := Operation{Op: "replace", Path: "displayName", Value: "G"}
	byDisplay := Operation{Op: "remove", Path: `members[display eq "b"]`}
	noValue := Operation{Op: "add", Path: "members", Value: []any{map[string]any{"display": "d"}}}
	tests := []struct {
		name         string
		ops          []Operation
		kind         PlanKind
		needsMembers bool
		members      MemberPlan
		warnings     int
		err          string
	}{
		{"members only", []Operation{withBogus, unquoted}, MembersOnly, true, MemberPlan{Add: []string{"b"}, Remove: []string{"a"}, Removals: []Removal{{ID: "a", Op: 1}}}, 2, ""},
		{"members with others", []Operation{withBogus, rename}, MembersWithOthers, true, MemberPlan{Add: []string{"b"}}, 1, ""},
		{"others first", []Operation{rename, unquoted}, MembersWithOthers, true, MemberPlan{Remove: []string{"a"}, Removals: []Removal{{ID: "a", Op: 1}}}, 1, ""},
		{"a filter that needs the members", []Operation{byDisplay, withBogus}, Whole, true, MemberPlan{}, 0, ""},
		{"with others and a filter", []Operation{withBogus, byDisplay, rename}, Whole, true, MemberPlan{}, 0, ""},
		{"no member", []Operation{rename}, Whole, false, MemberPlan{}, 0, ""},
		{"a malformed member first", []Operation{withBogus, noValue, rename}, Whole, false, MemberPlan{}, 1, "Operations[1]"},
		{"a malformed member after others", []Operation{rename, noValue}, Whole, true, MemberPlan{}, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := &resources.Lenience{}
			plan, err := groupEng.PlanGroup(tt.ops, l)
			assert.Len(t, l.Warnings, tt.warnings, "%q", l.Warnings)
			if tt.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.kind, plan.Kind)
			assert.Equal(t, tt.needsMembers, plan.NeedsMembers)
			assert.Equal(t, tt.members, plan.Members)
		})
	}
}

// memberValues lists the values of a group document's members, in order
// (nil when it has none).
func memberValues(doc map[string]any) []string {
	var out []string
	list, _ := doc["members"].([]any)
	for _, m := range list {
		out = append(out, m.(map[string]any)["value"].(string))
	}
	return out
}

// TestMemberWithoutValue: a member without a "value" (its id, RFC 7643
// §4.2) is refused with one error, naming members.value, by the member
// plan and by Apply, whichever form the operation takes. Apply took
// {"display":"x"} as a member, which the plan refused, so a request
// that also renamed the group got another answer from the handler.
func TestMemberWithoutValue(t *testing.T) {
	cases := []struct {
		name, ops string
		index     int // Operations index the error names
		detail    string
	}{
		{"add", `[{"op":"add","path":"members","value":[{"display":"x"}]}]`, 0, `members[0] has no`},
		{"add after a member", `[{"op":"add","path":"members","value":[{"value":"a"},{"display":"x"}]}]`, 0, `members[1] has no`},
		{"add one object", `[{"op":"add","path":"members","value":{"display":"x"}}]`, 0, `members[0] has no`},
		{"add spaces", `[{"op":"add","path":"members","value":[{"value":"  "}]}]`, 0, `members[0] has no`},
		{"replace", `[{"op":"replace","path":"members","value":[{"display":"x"}]}]`, 0, `members[0] has no`},
		{"no-path add", `[{"op":"add","value":{"members":[{"display":"x"}]}}]`, 0, `members[0] has no`},
		{"second operation", `[{"op":"remove","path":"members"},{"op":"replace","path":"members","value":[{"display":"x"}]}]`, 1, `members[0] has no`},
		{"filtered replace", `[{"op":"replace","path":"members[value eq \"902c246b\"]","value":{"display":"x"}}]`, 0, `members[1] has no`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			want := fail{InvalidValue, `attribute "members.value": ` + tc.detail, tc.index}
			ops := mustOps(tc.ops)
			_, err := groupEng.Apply(mustDoc(groupJSON), ops, nil)
			requireError(t, err, want)
			// With a rename the handler cannot take the plan and
			// applies the operations to the whole group.
			renamed := append(mustOps(`[{"op":"replace","path":"displayName","value":"R"}]`), ops...)
			_, err = groupEng.Apply(mustDoc(groupJSON), renamed, nil)
			requireError(t, err, fail{want.scimType, want.detail, want.index + 1})
			// A plan that needs the current members leaves the request
			// to Apply; one that decides must refuse it the same way.
			if p, ok, perr := groupEng.PlanMembers(ops, nil); perr != nil || ok && !p.NeedsCurrent {
				requireError(t, perr, want)
			}
		})
	}
}

// TestSentMembers: the member values each operation writes, in every
// form a group PATCH writes members (a path, a no-path value's key, the
// core schema's URN, a filter making the member it describes, its value
// sub-attribute), what the handler names a skipped member value by.
// Removals and operations on other attributes send none.
func TestSentMembers(t *testing.T) {
	const core = "urn:ietf:params:scim:schemas:core:2.0:Group"
	for _, tc := range []struct {
		name string
		ops  string
		want []SentMembers
	}{
		{"a path", `[{"op":"add","path":"members","value":[{"value":"a"},"b"]}]`, []SentMembers{{Op: 0, IDs: []string{"a", "b"}}}},
		{"replace, one member", `[{"op":"Replace","path":"members","value":{"value":"a"}}]`, []SentMembers{{Op: 0, IDs: []string{"a"}}}},
		{"a no-path value's key beside another", `[{"op":"add","value":{"displayName":"G","members":[{"value":"a"}]}}]`, []SentMembers{{Op: 0, IDs: []string{"a"}}}},
		{"the core schema's URN as a key", `[{"op":"add","value":{"` + core + `":{"members":[{"value":"a"}]}}}]`, []SentMembers{{Op: 0, IDs: []string{"a"}}}},
		{"the core schema's URN as the path", `[{"op":"add","path":"` + core + `","value":{"members":[{"value":"a"}]}}]`, []SentMembers{{Op: 0, IDs: []string{"a"}}}},
		{"a filter's member", `[{"op":"replace","path":"members[value eq \"a\"].display","value":"A"}]`, []SentMembers{{Op: 0, IDs: []string{"a"}}}},
		{"a filtered member's value", `[{"op":"replace","path":"members[value eq \"a\"].value","value":"b"}]`, []SentMembers{{Op: 0, IDs: []string{"a", "b"}}}},
		{"several operations, removals left out", `[{"op":"add","path":"displayName","value":"G"},{"op":"remove","path":"members","value":[{"value":"a"}]},{"op":"add","path":"members","value":[{"value":"b"}]},{"op":"remove","path":"members[value eq \"c\"]"}]`,
			[]SentMembers{{Op: 2, IDs: []string{"b"}}}},
		{"none", `[{"op":"replace","path":"members","value":null},{"op":"add","path":"displayName","value":"G"}]`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, groupEng.SentMembers(mustOps(tc.ops)))
		})
	}
}
