package scim_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMemberWithoutValueRefused: a member without "value" (its id, RFC
// 7643 §4.2) gets one answer on every path that writes members: POST,
// PUT, a member-only PATCH (the member plan) and a PATCH that also
// renames the group (the PATCH engine on the whole group). Before, the
// plan and the handler's check of the result each had their own text,
// and the index the result's check named was not the request's.
func TestMemberWithoutValueRefused(t *testing.T) {
	e := newEnv(t)
	uid := e.createUser("alice")["id"].(string)
	gid := e.createGroup("G", uid)["id"].(string)
	const detail = `attribute "members.value": members[0] has no "value"; each member needs the id of a User or Group`
	rename := `{"op":"replace","path":"displayName","value":"H"},`
	for _, tc := range []struct {
		name, method, path, body, detail string
	}{
		{"POST", "POST", "/Groups", `{"displayName":"K","members":[{"display":"x"}]}`, detail},
		{"PUT", "PUT", "/Groups/" + gid, `{"displayName":"G","members":[{"display":"x"}]}`, detail},
		{"PATCH add", "PATCH", "/Groups/" + gid, `{"Operations":[{"op":"add","path":"members","value":[{"display":"x"}]}]}`, "Operations[0]: " + detail},
		{"PATCH add and rename", "PATCH", "/Groups/" + gid, `{"Operations":[` + rename + `{"op":"add","path":"members","value":[{"display":"x"}]}]}`, "Operations[1]: " + detail},
		{"PATCH replace", "PATCH", "/Groups/" + gid, `{"Operations":[{"op":"replace","path":"members","value":[{"display":"x"}]}]}`, "Operations[0]: " + detail},
		{"PATCH replace and rename", "PATCH", "/Groups/" + gid, `{"Operations":[` + rename + `{"op":"replace","path":"members","value":[{"display":"x"}]}]}`, "Operations[1]: " + detail},
		{"PATCH no-path", "PATCH", "/Groups/" + gid, `{"Operations":[{"op":"add","value":{"members":[{"display":"x"}]}}]}`, "Operations[0]: " + detail},
		{"PATCH no-path and rename", "PATCH", "/Groups/" + gid, `{"Operations":[{"op":"replace","value":{"displayName":"H","members":[{"display":"x"}]}}]}`, "Operations[0]: " + detail},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do(tc.method, tc.path, tc.body)
			requireError(t, r, 400, "invalidValue", "")
			assert.Equal(t, tc.detail, r.str("detail"))
		})
	}
	g := e.do("GET", "/Groups/"+gid, nil)
	require.Equal(t, 200, g.Code)
	assert.Equal(t, "G", g.str("displayName"), "a refused request changes nothing")
	assert.Equal(t, []string{uid}, memberIDs(g.Body))
}
