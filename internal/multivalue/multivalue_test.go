package multivalue_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/internal/multivalue"
)

// TestTidyStored: with a Bend that refuses what Stored.Bent does not
// find in StoredBends' notes of the list before the request changed it
// (as the PATCH engine's does in strict mode), a duplicate or an extra
// primary between elements that were together part of one stored bend is
// dropped with a warning, also when the request changed them; one with an
// element that was no part of that bend is refused. Lists longer than
// shortList take the index of StoredBends and Tidy. A short list without
// duplicates costs no allocation, whatever the case of its values.
func TestTidyStored(t *testing.T) {
	emails := multivalue.Shape{Value: multivalue.Field{Name: "value"}, Type: multivalue.Field{Name: "type"}, Primary: multivalue.Field{Name: "primary"}}
	exactValue, exactType := emails, emails
	exactValue.Value.CaseExact = true
	exactType.Type.CaseExact = true
	el := func(v string, primary bool) map[string]any {
		return map[string]any{"value": v, "type": "work", "primary": primary}
	}
	// long is a list of n distinct stored values, then more.
	long := func(n int, more ...map[string]any) []map[string]any {
		var l []map[string]any
		for i := range n {
			l = append(l, el(fmt.Sprintf("u%d@x", i), false))
		}
		return append(l, more...)
	}
	values := func(l []map[string]any) []string {
		var out []string
		for _, m := range l {
			out = append(out, fmt.Sprint(m["value"]))
		}
		return out
	}
	for _, tc := range []struct {
		name    string
		shape   *multivalue.Shape // nil: emails
		list    []map[string]any
		sent    []int                  // indexes of the elements the request added (not stored)
		change  func([]map[string]any) // what the request changed in place, after StoredBends
		want    []string               // values kept; nil: refused
		warning string                 // of the bend (or contained in the refusal); "" for none
	}{
		{name: "duplicate, both stored", list: []map[string]any{el("a@x", false), el("A@X", false)},
			want: []string{"a@x"}, warning: `dropped a duplicate emails value "A@X"`},
		{name: "duplicate, both stored, both changed", list: []map[string]any{el("a@x", false), el("A@X", false)},
			change: func(l []map[string]any) { l[0]["value"], l[1]["value"] = "new@x", "new@x" },
			want:   []string{"new@x"}, warning: `dropped a duplicate emails value "new@x"`},
		{name: "duplicate, the dropped one sent", list: []map[string]any{el("a@x", false), el("A@X", false)}, sent: []int{1},
			warning: "lists the same value twice"},
		{name: "duplicate, the kept one sent", list: []map[string]any{el("a@x", false), el("A@X", false)}, sent: []int{0},
			warning: "lists the same value twice"},
		{name: "duplicate of a stored bend made by a change", list: []map[string]any{el("a@x", false), el("A@X", false), el("b@x", false)},
			change:  func(l []map[string]any) { l[2]["value"] = "a@x" },
			warning: "lists the same value twice"},
		{name: "two stored bends made one by a change", list: []map[string]any{el("a@x", false), el("A@X", false), el("c@x", false), el("C@x", false)},
			change:  func(l []map[string]any) { l[2]["value"] = "a@x" },
			warning: "lists the same value twice"},
		{name: "two primaries, both stored", list: []map[string]any{el("a@x", true), el("b@x", true)},
			want: []string{"a@x", "b@x"}, warning: `kept the first primary emails value, made "b@x" not primary`},
		{name: "two primaries, both stored, one changed", list: []map[string]any{el("a@x", true), el("b@x", true)},
			change: func(l []map[string]any) { l[1]["value"] = "c@x" },
			want:   []string{"a@x", "c@x"}, warning: `kept the first primary emails value, made "c@x" not primary`},
		{name: "two primaries, one sent", list: []map[string]any{el("a@x", true), el("b@x", true)}, sent: []int{1},
			warning: "more than one primary"},
		{name: "a primary made by a change beside a stored one", list: []map[string]any{el("a@x", true), el("b@x", false)},
			change:  func(l []map[string]any) { l[1]["primary"] = true },
			warning: "more than one primary"},
		{name: "caseExact value: no duplicates", shape: &exactValue, list: []map[string]any{el("a@x", false), el("A@X", false)}, sent: []int{1},
			want: []string{"a@x", "A@X"}},
		{name: "caseExact value: the same spelling", shape: &exactValue, list: []map[string]any{el("a@x", false), el("a@x", false)}, sent: []int{1},
			warning: "lists the same value twice"},
		{name: "caseExact type: no duplicates", shape: &exactType,
			list: []map[string]any{{"value": "a@x", "type": "work"}, {"value": "a@x", "type": "Work"}}, sent: []int{1},
			want: []string{"a@x", "a@x"}},
		{name: "a type in another case", list: []map[string]any{{"value": "a@x", "type": "work"}, {"value": "a@x", "type": "Work"}}, sent: []int{1},
			warning: "lists the same value twice"},
		{name: "no type, both stored", list: []map[string]any{{"value": "a@x"}, {"value": "A@x"}},
			want: []string{"a@x"}, warning: `dropped a duplicate emails value "A@x"`},
		{name: "no type beside a type", list: []map[string]any{{"value": "a@x"}, {"value": "a@x", "type": "work"}}, sent: []int{1},
			want: []string{"a@x", "a@x"}},
		{name: "no value, or an empty one", list: []map[string]any{{"type": "work"}, {"type": "work"}, {"value": "", "type": "work"}, {"value": nil, "type": "work"}}, sent: []int{1, 3},
			want: []string{"<nil>", "<nil>", "", "<nil>"}},
		{name: "long list, duplicate, both stored", list: long(9, el("a@x", false), el("A@X", false)),
			want: values(long(9, el("a@x", false))), warning: `dropped a duplicate emails value "A@X"`},
		{name: "long list, duplicate, both stored, both changed", list: long(9, el("a@x", false), el("A@X", false)),
			change: func(l []map[string]any) { l[9]["value"], l[10]["value"] = "new@x", "NEW@x" },
			want:   values(long(9, el("new@x", false))), warning: `dropped a duplicate emails value "NEW@x"`},
		{name: "long list, duplicate, one sent", list: long(9, el("a@x", false), el("A@X", false)), sent: []int{10},
			warning: "lists the same value twice"},
		{name: "long list, duplicate of a stored bend made by a change", list: long(9, el("a@x", false), el("A@X", false)),
			change:  func(l []map[string]any) { l[0]["value"] = "a@x" },
			warning: "lists the same value twice"},
		{name: "a long value is quoted cut, with its length", list: []map[string]any{el(strings.Repeat("a", 300), false), el(strings.Repeat("A", 300), false)},
			want: []string{strings.Repeat("a", 300)}, warning: `dropped a duplicate emails value "` + strings.Repeat("A", 128) + `"… (300 bytes)`},
		{name: "a token-shaped value is redacted", list: []map[string]any{el("scim_0123456789abcdefXYZ@x", true), el("b@x", true)},
			want: []string{"scim_0123456789abcdefXYZ@x", "b@x"}, warning: `kept the first primary emails value, made "b@x" not primary`},
		{name: "a token-shaped value made not primary is redacted", list: []map[string]any{el("b@x", true), el("scim_0123456789abcdefXYZ@x", true)},
			want: []string{"b@x", "scim_0123456789abcdefXYZ@x"}, warning: `kept the first primary emails value, made "scim_[REDACTED]@x" not primary`},
		{name: "two primaries, the second without a value", list: []map[string]any{el("a@x", true), {"type": "work", "primary": true}},
			want: []string{"a@x", "<nil>"}, warning: `kept the first primary emails value, made (an element without a value) not primary`},
		{name: "two primaries, the second's value not a string", list: []map[string]any{el("a@x", true), {"value": 42.0, "primary": true}},
			want: []string{"a@x", "42"}, warning: `kept the first primary emails value, made "42" not primary`},
		{name: "long list, two primaries, both stored", list: long(9, el("a@x", true), el("b@x", true)),
			want: values(long(9, el("a@x", false), el("b@x", false))), warning: `kept the first primary emails value, made "b@x" not primary`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			shape := emails
			if tc.shape != nil {
				shape = *tc.shape
			}
			var before, list []any
			for i, m := range tc.list {
				list = append(list, m)
				if !slices.Contains(tc.sent, i) {
					before = append(before, m)
				}
			}
			var stored multivalue.Stored
			multivalue.StoredBends(shape, before, stored.Note)
			if tc.change != nil {
				tc.change(tc.list)
			}
			var warnings []string
			got, err := multivalue.Tidy(shape, "emails", list, nil, func(x, y map[string]any, primary bool, refusal, warning string) error {
				if !stored.Bent(x, y, primary) {
					return errors.New(refusal)
				}
				warnings = append(warnings, warning)
				return nil
			})

			if tc.want == nil {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.warning)
				return
			}
			require.NoError(t, err)
			var kept []string
			for _, el := range got {
				kept = append(kept, fmt.Sprint(el.(map[string]any)["value"]))
			}
			assert.Equal(t, tc.want, kept)
			if tc.warning == "" {
				assert.Empty(t, warnings)
			} else {
				assert.Equal(t, []string{tc.warning}, warnings)
			}
		})
	}
	t.Run("a nil Bend tidies without a word", func(t *testing.T) {
		for _, n := range []int{0, 9} { // the pairwise check, and the index
			var list []any
			var want []string
			for _, m := range long(n, el("a@x", true), el("A@X", true), el("b@x", true)) {
				list = append(list, m)
			}
			for i := range n {
				want = append(want, fmt.Sprintf("u%d@x false", i))
			}
			want = append(want, "a@x true", "b@x false")
			got, err := multivalue.Tidy(emails, "emails", list, nil, nil)
			require.NoError(t, err)
			var kept []string
			for _, el := range got {
				m := el.(map[string]any)
				kept = append(kept, fmt.Sprint(m["value"], " ", m["primary"]))
			}
			assert.Equal(t, want, kept, "n=%d", n)
		}
	})
	t.Run("Bent compares elements, not their contents", func(t *testing.T) {
		a, b := el("a@x", true), el("A@X", true)
		var stored multivalue.Stored
		multivalue.StoredBends(emails, []any{a, b}, stored.Note)
		assert.True(t, stored.Bent(b, a, false))
		assert.True(t, stored.Bent(b, a, true))
		assert.False(t, stored.Bent(el("A@X", true), a, false), "an equal map that is not the element")
		var none multivalue.Stored
		assert.False(t, none.Bent(b, a, false))
	})
	list := []any{el("John.Doe@Contoso.com", true), el("JANE@Contoso.com", false), el("Ünal@Contoso.com", false)}
	assert.Zero(t, testing.AllocsPerRun(100, func() {
		_, _ = multivalue.Tidy(emails, "emails", list, nil, nil)
	}), "a short list without duplicates, upper-case and non-ASCII values")
}
