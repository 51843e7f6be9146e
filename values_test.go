package scim_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
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
