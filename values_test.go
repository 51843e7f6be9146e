package scim_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
)

// TestValueFaultsFirstSorted holds a document with several values no store
// can keep (a NUL, a value past its limit) to one answer, every time: the
// fault of the attribute path that sorts first, wherever Go's map order
// starts a walk. The check walks a document without faults in map order
// and one with faults again in sorted order, so a change that answered
// from the first walk fails here.
func TestValueFaultsFirstSorted(t *testing.T) {
	long := strings.Repeat("x", 600) // past MaxKeyBytes (512), not MaxValueBytes
	e := newEnv(t)
	uid := e.createUser("faults")["id"].(string)
	for _, tc := range []struct {
		name, method, path, body, detail string
	}{
		{"three top-level attributes", "POST", "/Users",
			`{"userName":"` + long + `","title":"t\u0000","displayName":"d\u0000","nickName":"n\u0000"}`, `"displayName" contains a NUL`},
		{"sub-attributes", "POST", "/Users",
			`{"userName":"u1","name":{"givenName":"g\u0000","familyName":"f\u0000","formatted":"x\u0000"},"emails":[{"value":"` + long + `"}]}`, `"emails.value" is 600 bytes long`},
		{"an extension's attributes", "POST", "/Users",
			`{"userName":"u2","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"division":"v\u0000","department":"d\u0000","costCenter":"c\u0000"}}`,
			`"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter" contains a NUL`},
		{"a PATCH's result", "PATCH", "/Users/" + uid,
			`{"Operations":[{"op":"replace","value":{"title":"t\u0000","nickName":"n\u0000","locale":"l\u0000","userType":"u\u0000"}}]}`, `"locale" contains a NUL`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for range 30 {
				r := e.do(tc.method, tc.path, tc.body)
				requireError(t, r, http.StatusBadRequest, "invalidValue", tc.detail)
			}
		})
	}
	r := e.do("GET", "/Users/"+uid, nil)
	require.Equal(t, http.StatusOK, r.Code)
	require.NotContains(t, r.Raw, `"title"`, "a refused PATCH changed nothing")
}

// TestMembersUnboundedEverySpelling: a group's members are the one list
// Config.MaxMultiValues does not bound, however a request names them: the
// PATCH count and the document's check take them by one rule (isMembers),
// so a PATCH naming them under the Group schema's object, as a POST's
// document may, is not refused while the POST is taken; and every other
// list is counted, under any spelling.
func TestMembersUnboundedEverySpelling(t *testing.T) {
	const group = "urn:ietf:params:scim:schemas:core:2.0:Group"
	e := newEnv(t, func(c *scim.Config) { c.MaxMultiValues = 2 })
	var ids []any
	for i := range 3 {
		ids = append(ids, map[string]any{"value": e.createUser(fmt.Sprintf("m%d", i))["id"]})
	}
	for _, tc := range []struct {
		name    string
		op      map[string]any
		refused bool
	}{
		{"path members", map[string]any{"op": "add", "path": "members", "value": ids}, false},
		{"path qualified", map[string]any{"op": "add", "path": group + ":members", "value": ids}, false},
		{"path spaced", map[string]any{"op": "add", "path": " members ", "value": ids}, false},
		{"no path", map[string]any{"op": "add", "value": map[string]any{"members": ids}}, false},
		{"no path, qualified key", map[string]any{"op": "add", "value": map[string]any{group + ":members": ids}}, false},
		{"no path, the schema's object", map[string]any{"op": "add", "value": map[string]any{group: map[string]any{"members": ids}}}, false},
		{"path the schema", map[string]any{"op": "add", "path": group, "value": map[string]any{"members": ids}}, false},
		{"members.value is no member list", map[string]any{"op": "add", "path": "members.value", "value": []any{"a", "b", "c"}}, true},
		{"another list under the schema", map[string]any{"op": "add", "path": group, "value": map[string]any{"displayName": []any{"a", "b", "c"}}}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			gid := e.createGroup(tc.name)["id"].(string)
			r := e.do("PATCH", "/Groups/"+gid, map[string]any{"Operations": []any{tc.op}})
			if tc.refused {
				requireError(t, r, http.StatusBadRequest, "invalidValue", "more than 2 values of multi-valued attributes")
				return
			}
			require.Contains(t, []int{http.StatusOK, http.StatusNoContent}, r.Code, r.Raw)
			g := e.do("GET", "/Groups/"+gid, nil)
			require.Len(t, g.Body["members"], 3, g.Raw)
		})
	}
	// The POST of the same document is taken.
	r := e.do("POST", "/Groups", map[string]any{"displayName": "posted", group: map[string]any{"members": ids}})
	require.Equal(t, http.StatusCreated, r.Code, r.Raw)
	require.Len(t, r.Body["members"], 3, r.Raw)
}
