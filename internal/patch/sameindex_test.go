package patch

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAddManyMembers: an add of many members to a group PATCHed whole (a
// rename beside it) keeps each member once, as an add of a few does:
// present ones, and ones the add names twice, are not added again, and a
// held element without a value is still compared whole; a remove of many
// removes those whose value is listed, exactly. Each takes a lookup per
// member: 20,000 members took seconds of CPU, comparing each with every
// member before it (an add), or each member with every listed one (a
// remove of 10,000 from 20,000: 3 s).
func TestAddManyMembers(t *testing.T) {
	members := func(from, to int, extra ...any) []any {
		out := []any{}
		for i := from; i < to; i++ {
			out = append(out, map[string]any{"value": fmt.Sprintf("m%d", i), "type": "User"})
		}
		return append(out, extra...)
	}
	values := func(doc map[string]any) []string {
		var out []string
		for _, m := range doc["members"].([]any) {
			v, _ := m.(map[string]any)["value"].(string)
			out = append(out, v)
		}
		return out
	}
	cat := func(lists ...[]any) []any {
		out := []any{}
		for _, l := range lists {
			out = append(out, l...)
		}
		return out
	}
	one := func(v any) []any { return []any{map[string]any{"value": v}} }
	noValue := []any{map[string]any{"display": "x"}}
	for _, tc := range []struct {
		name      string
		held, add []any // add is removed when remove is set
		remove    bool
		want      []any
	}{
		{"present ones and repeats are added once", members(0, 100), cat(members(50, 150), one("m120"), one("M1")), false,
			cat(members(0, 150), one("M1"))},
		// An added member without a value is refused (TestMemberWithoutValue);
		// one held (an old row) is kept.
		{"a held element without a value is kept", cat(members(0, 100), noValue), members(100, 200), false,
			cat(members(0, 100), noValue, members(100, 200))},
		{"listed ones are removed, by exact value", cat(members(0, 200), one("M1")), cat(members(50, 300), one("m1")), true,
			cat(members(0, 1), members(2, 50), one("M1"))},
		{"a listed value without a value is compared whole", cat(members(0, 100), noValue), cat(members(50, 300), noValue), true,
			members(0, 50)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := map[string]any{"schemas": []any{"urn:ietf:params:scim:schemas:core:2.0:Group"}, "displayName": "G", "members": tc.held}
			op := "add"
			if tc.remove {
				op = "remove"
			}
			ops := []Operation{{Op: "replace", Path: "displayName", Value: "H"}, {Op: op, Path: "members", Value: tc.add}}
			got, err := groupEng.Apply(doc, ops, nil)
			require.NoError(t, err)
			assert.Equal(t, values(map[string]any{"members": tc.want}), values(got))
			assert.Len(t, got["members"], len(tc.want))
		})
	}
	// The big cases' results; their cost is BenchmarkManyMembers' (a
	// test asserts no timing).
	for _, tc := range manyMembers {
		t.Run(tc.name, func(t *testing.T) {
			got, err := groupEng.Apply(tc.doc(), tc.ops(), nil)
			require.NoError(t, err)
			assert.Len(t, got["members"], tc.want)
		})
	}
}

// manyMembersOf lists the members m<from> to m<to-1>, each of type User.
func manyMembersOf(from, to int) []any {
	out := make([]any, 0, to-from)
	for i := from; i < to; i++ {
		out = append(out, map[string]any{"value": fmt.Sprintf("m%d", i), "type": "User"})
	}
	return out
}

// manyMembers are whole-group PATCHes of many members (a rename beside
// them, so the engine applies them to the group): TestAddManyMembers
// checks their results, BenchmarkManyMembers times them. Compared one by
// one, the add took about 6 s on an idle core and the remove 3 s; looked
// up by value, milliseconds (BENCHMARKS.md, "PATCH engine").
var manyMembers = []struct {
	name string
	doc  func() map[string]any
	ops  func() []Operation
	want int // members after
}{
	{"add 20,000 to 10,000", func() map[string]any { return map[string]any{"displayName": "G", "members": manyMembersOf(0, 10000)} },
		func() []Operation {
			return []Operation{{Op: "replace", Path: "displayName", Value: "H"}, {Op: "add", Path: "members", Value: manyMembersOf(5000, 25000)}}
		}, 25000},
	{"remove 10,000 of 20,000", func() map[string]any { return map[string]any{"displayName": "G", "members": manyMembersOf(0, 20000)} },
		func() []Operation {
			return []Operation{{Op: "replace", Path: "displayName", Value: "H"}, {Op: "remove", Path: "members", Value: manyMembersOf(5000, 15000)}}
		}, 10000},
}

// BenchmarkManyMembers times manyMembers' PATCHes, the document and
// operations built outside the timer.
func BenchmarkManyMembers(b *testing.B) {
	for _, tc := range manyMembers {
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				doc, ops := tc.doc(), tc.ops()
				b.StartTimer()
				if _, err := groupEng.Apply(doc, ops, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
