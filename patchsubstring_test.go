package scim_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
)

// TestPatchSubstringOperandBound: the co and ew operands of a PATCH's
// value filters (paths and no-path value keys) are bounded together by
// Config.MaxSubstringBytes, as a list's filter is. The PATCH engine tests
// such a filter on every value of the attribute, trying the operand at
// each offset: one operation with a 4,001-byte co operand over 20 roles
// of 16,000 bytes ran 6 s of CPU before answering 400 noTarget, and a
// body holds two hundred such operations. The refused PATCH changes
// nothing.
func TestPatchSubstringOperandBound(t *testing.T) {
	at := func(n int) string { return strings.Repeat("a", n-1) + "b" }
	max := scim.DefaultMaxSubstringBytes
	for name, open := range modelStores(nil) {
		t.Run(name, func(t *testing.T) {
			users, groups := open(t)
			e := newEnv(t, func(c *scim.Config) { c.Users, c.Groups = users, groups })
			roles := []map[string]any{}
			for i := range 3 {
				roles = append(roles, map[string]any{"value": strings.Repeat("a", 2*max) + fmt.Sprint(i), "type": "t"})
			}
			id := e.createUser("victim", map[string]any{"roles": roles})["id"].(string)
			gid := e.createGroup("grp", id)["id"].(string)
			before := e.do("GET", "/Users/"+id, nil)
			ops := func(ops ...string) string {
				return `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[` + strings.Join(ops, ",") + `]}`
			}
			replace := func(path string) string {
				return `{"op":"replace","path":"` + path + `","value":"x"}`
			}
			for _, tc := range []struct {
				name, path, body string
				code             int
			}{
				{"co in a path", "/Users/" + id, ops(replace(`roles[value co \"` + at(max+1) + `\"].type`)), 400},
				{"ew in a path", "/Users/" + id, ops(replace(`roles[value ew \"` + at(max+1) + `\"].type`)), 400},
				{"two operations together", "/Users/" + id, ops(replace(`roles[value co \"`+strings.Repeat("a", max/2+1)+`\"].type`), replace(`roles[value ew \"`+at(max/2)+`\"].type`)), 400},
				{"a no-path key", "/Users/" + id, ops(`{"op":"replace","value":{"roles[value co \"` + at(max+1) + `\"].type":"x"}}`), 400},
				{"a group's members", "/Groups/" + gid, ops(`{"op":"remove","path":"members[display co \"` + at(max+1) + `\"]"}`), 400},
				{"at the bound", "/Users/" + id, ops(replace(`roles[value co \"` + strings.Repeat("a", max) + `\"].type`)), 200},
				{"sw is not bounded", "/Users/" + id, ops(replace(`roles[value sw \"` + strings.Repeat("a", 2*max) + `\"].type`)), 200},
			} {
				t.Run(tc.name, func(t *testing.T) {
					r := e.do("PATCH", tc.path, tc.body)
					if tc.code != 400 {
						require.Equal(t, tc.code, r.Code, r.Raw)
						return
					}
					requireError(t, r, 400, "invalidFilter", "co and ew operands of this PATCH's value filters are 129 bytes long together")
					assert.Contains(t, r.str("detail"), "at most 128 bytes", r.Raw)
					assert.Equal(t, before.Raw, e.do("GET", "/Users/"+id, nil).Raw, "the refused PATCH changed nothing")
				})
			}
		})
	}
}
