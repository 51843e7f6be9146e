package multivalue_test

import (
	"errors"
	"reflect"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/internal/multivalue"
)

// TestTidyStored: with a Bend that asks StoredBends' notes of the list
// before the request changed it (as the PATCH engine's does), a duplicate or an extra primary between elements
// that were together part of one stored bend is dropped with a warning
// even under Strict, also when the request changed them; one with an
// element that was no part of that bend is refused. A short list without
// duplicates costs no allocation, whatever the case of its values.
func TestTidyStored(t *testing.T) {
	emails := multivalue.Shape{Value: multivalue.Field{Name: "value"}, Type: multivalue.Field{Name: "type"}, Primary: multivalue.Field{Name: "primary"}}
	el := func(v string, primary bool) map[string]any {
		return map[string]any{"value": v, "type": "work", "primary": primary}
	}
	for _, tc := range []struct {
		name    string
		list    []map[string]any
		sent    []int                  // indexes of the elements the request added (not stored)
		change  func([]map[string]any) // what the request changed in place, after StoredBends
		want    []string               // values kept
		warning string
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
	} {
		t.Run(tc.name, func(t *testing.T) {
			var before, list []any
			for i, m := range tc.list {
				list = append(list, m)
				if !slices.Contains(tc.sent, i) {
					before = append(before, m)
				}
			}
			type noted struct {
				dupOf   map[string]any
				primary bool
			}
			bent := map[*map[string]any]noted{}
			key := func(m map[string]any) *map[string]any {
				for i := range tc.list {
					if reflect.ValueOf(tc.list[i]).Pointer() == reflect.ValueOf(m).Pointer() {
						return &tc.list[i]
					}
				}
				return nil
			}
			multivalue.StoredBends(emails, before, func(el, dupOf map[string]any, primary bool) {
				bent[key(el)] = noted{dupOf, primary}
			})
			if tc.change != nil {
				tc.change(tc.list)
			}
			stored := func(x, y map[string]any, primary bool) bool {
				nx, okx := bent[key(x)]
				ny, oky := bent[key(y)]
				if !okx || !oky {
					return false
				}
				if primary {
					return nx.primary && ny.primary
				}
				return nx.dupOf != nil && key(nx.dupOf) == key(ny.dupOf)
			}
			var warnings []string
			got, err := multivalue.Tidy(emails, "emails", list, func(x, y map[string]any, primary bool, refusal, warning string) error {
				if !stored(x, y, primary) {
					return errors.New(refusal) // strict mode
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
				kept = append(kept, el.(map[string]any)["value"].(string))
			}
			assert.Equal(t, tc.want, kept)
			assert.Equal(t, []string{tc.warning}, warnings)
		})
	}
	list := []any{el("John.Doe@Contoso.com", true), el("JANE@Contoso.com", false), el("Ünal@Contoso.com", false)}
	assert.Zero(t, testing.AllocsPerRun(100, func() {
		_, _ = multivalue.Tidy(emails, "emails", list, nil)
	}), "a short list without duplicates, upper-case and non-ASCII values")
}
