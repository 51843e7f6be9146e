package scim_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/resources"
)

// TestMemberPatchByCoreURN: a member change the core schema's URN names
// (a key qualified by it, its object, or the URN as the path), now
// planned as a member change as the plain one is, adds and removes the
// members ApplyTo would, and members named under two keys are refused.
func TestMemberPatchByCoreURN(t *testing.T) {
	e := newEnv(t)
	a, b := e.createUser("urn-a")["id"].(string), e.createUser("urn-b")["id"].(string)
	gid := e.createGroup("urn group", a)["id"].(string)
	const core = resources.GroupSchema
	patch := func(op string) string {
		return `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[` + op + `]}`
	}
	members := func() []string {
		r := e.do("GET", "/Groups/"+gid, nil)
		require.Equal(t, 200, r.Code, r.Raw)
		var out []string
		list, _ := r.Body["members"].([]any)
		for _, m := range list {
			out = append(out, m.(map[string]any)["value"].(string))
		}
		return out
	}
	for _, tc := range []struct {
		name, op string
		want     []string
	}{
		{"a qualified key", `{"op":"add","value":{"` + core + `:members":[{"value":"` + b + `"}]}}`, []string{a, b}},
		{"the core URN's object, replacing", `{"op":"replace","value":{"` + core + `":{"members":[{"value":"` + b + `"}]}}}`, []string{b}},
		{"the core URN as the path", `{"op":"add","path":"` + core + `","value":{"members":[{"value":"` + a + `"}]}}`, []string{a, b}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do("PATCH", "/Groups/"+gid, patch(tc.op))
			require.Contains(t, []int{200, 204}, r.Code, r.Raw)
			assert.ElementsMatch(t, tc.want, members())
		})
	}
	requireError(t, e.do("PATCH", "/Groups/"+gid, patch(`{"op":"add","value":{"members":[{"value":"`+a+`"}],"`+core+`:members":[]}}`)),
		400, "invalidSyntax", `"members" in the value, again as`)
	assert.ElementsMatch(t, []string{a, b}, members(), "nothing changed")
}
