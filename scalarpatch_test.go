package scim

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/internal/loaduser"
	"github.com/scimkit/scim/internal/patch"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store/memory"
)

// TestScalarPatchIsApplyPatch holds scalarPatch to applyPatch: for every
// stored user and every PATCH patch.Engine.Scalar takes, the same change
// or none, the same user, the same error; and scalarPatch leaves to
// applyPatch the users whose document it does not treat exactly (a value
// over today's limits, NUL, a byte that is not UTF-8, a raw extension).
func TestScalarPatchIsApplyPatch(t *testing.T) {
	db := memory.New()
	h, err := newHandler(Config{Users: db, Groups: db, InsecureNoAuth: true, MaxValueBytes: 128, MaxKeyBytes: 64})
	require.NoError(t, err)

	user := func(t *testing.T, doc string) *resources.User {
		u, err := resources.UserFromJSON([]byte(doc))
		require.NoError(t, err, doc)
		u.ID = "u1"
		u.Meta = resources.Meta{ResourceType: "User", Version: `W/"1"`}
		u.Groups = []resources.GroupRef{{Value: "g1", Display: "Staff"}}
		return u
	}
	load := loaduser.JSON(7)
	users := []struct {
		name string
		doc  string
		fast bool // scalarPatch answers for it, rather than leaving it to applyPatch
	}{
		{"the load test's user", load, true},
		{"only a userName", `{"userName":"bjensen"}`, true},
		{"inactive", `{"userName":"bjensen","active":false,"title":"Tour Guide"}`, true},
		{"a password hash", `{"userName":"bjensen","active":true,"password":"$2a$10$abcdefghijklmnopqrstuv"}`, true},
		{"a name", `{"userName":"bjensen","name":{"givenName":"Barbara"},"active":true}`, true},
		{"a userName no check accepts", `{"userName":"bj\u200densen","active":true}`, true},
		{"a title over today's limits", `{"userName":"bjensen","active":true,"title":"` + strings.Repeat("t", 129) + `"}`, false},
		{"a title over the key limit", `{"userName":"bjensen","active":true,"title":"` + strings.Repeat("t", 70) + `"}`, false},
		{"NUL", `{"userName":"bjensen","active":true,"title":"a\u0000b"}`, false},
		{"a raw extension", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:example:ext"],"userName":"bjensen","urn:example:ext":{"b":1, "a":2}}`, false},
		{"an enterprise Extra", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],"userName":"bjensen","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"x","badge":7}}`, false},
	}
	// What a store may hold that a document would not: left to applyPatch.
	odd := map[string]func(*resources.User){
		"a byte that is not UTF-8": func(u *resources.User) { u.Title = "not \xffUTF-8" },
		"an empty name":            func(u *resources.User) { u.Name = &resources.Name{} },
		"a valueless email":        func(u *resources.User) { u.Emails = []resources.MultiValue{{Type: "work"}} },
		"an empty enterprise":      func(u *resources.User) { u.Enterprise = &resources.EnterpriseUser{} },
	}

	replace := func(path string, v any) []patch.Operation {
		return []patch.Operation{{Op: "replace", Path: path, Value: v}}
	}
	ops := []struct {
		name   string
		ops    []patch.Operation
		scalar bool // Engine.Scalar takes it
		slow   bool // and scalarPatch leaves it to applyPatch
	}{
		{"deactivate", replace("active", false), true, false},
		{"activate", replace("active", true), true, false},
		{"Okta's deactivation", []patch.Operation{{Op: "replace", Value: map[string]any{"active": false}}}, true, false},
		{"op and path in another case", []patch.Operation{{Op: " Replace", Path: "Active", Value: false}}, true, false},
		{"a title", replace("title", "Boss"), true, false},
		{"an empty title", replace("title", ""), true, true},
		{"a title with NUL", replace("title", "a\x00b"), true, false},
		{"a title too long", replace("title", strings.Repeat("x", 129)), true, false},
		{"a displayName over the key limit", replace("displayName", strings.Repeat("x", 65)), true, false},
		{"a userName", replace("userName", "new"), true, false},
		{"a blank userName", replace("userName", " "), true, false},
		{"an externalId", replace("externalId", "e-1"), true, false},
		{"a password", replace("password", "s3cret!"), true, false},
		{"a string for a boolean (Entra's)", replace("active", "False"), true, false},
		{"null", replace("active", patch.JSONNull{}), false, false},
		{"add", []patch.Operation{{Op: "add", Path: "active", Value: false}}, false, false},
		{"read-only", replace("id", "x"), false, false},
		{"a sub-attribute", replace("name.givenName", "B"), false, false},
		{"a multi-valued attribute", replace("emails", []any{map[string]any{"value": "a@b"}}), false, false},
		{"a complex attribute", replace("name", map[string]any{"givenName": "B"}), false, false},
		{"the wrong type", replace("nickName", json.Number("5")), false, false},
		{"an unknown attribute", replace("favourite", "x"), false, false},
		{"two operations", append(replace("active", false), replace("title", "x")...), false, false},
	}
	ctx := context.Background()
	for _, o := range ops {
		attr, v, ok := h.users.engine.Scalar(o.ops)
		require.Equal(t, o.scalar, ok, o.name)
		if !ok {
			continue
		}
		for _, u := range users {
			t.Run(o.name+"/"+u.name, func(t *testing.T) {
				cur := user(t, u.doc)
				want, wantChanged, wantErr := h.users.applyPatch(h, ctx, cur.Clone(), o.ops)
				got, changed, done, err := h.scalarPatch(cur, attr, v)
				require.Equal(t, u.fast && !o.slow, done)
				if !done {
					return
				}
				assert.Equal(t, wantErr, err)
				assert.Equal(t, wantChanged, changed)
				if wantChanged && changed {
					assert.True(t, resources.EqualUsers(want, got))
					wj, err := want.AppendJSON(nil)
					require.NoError(t, err)
					gj, err := got.AppendJSON(nil)
					require.NoError(t, err)
					assert.Equal(t, string(wj), string(gj))
				}
			})
		}
		for name, mod := range odd {
			u := user(t, `{"userName":"bjensen","active":true}`)
			mod(u)
			_, _, done, _ := h.scalarPatch(u, attr, v)
			assert.False(t, done, "%s leaves %s to applyPatch", name, o.name)
		}
	}
}
