package scim_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/admin"
)

// TestMemberPlanMatchesEngine sends each member-only group PATCH two
// ways, the member operations alone (the member plan: ModifyMembers or
// the store's updater) and with a rename (the full PATCH engine on the
// group read with its members), in lenient and strict mode, on every
// store, and requires the same answer: status, error (scimType and
// detail), warnings and the members stored. The plan decides without
// reading the members; where it cannot tell what the engine would warn
// (a removal followed by an add of the same member) it asks for them.
func TestMemberPlanMatchesEngine(t *testing.T) {
	eachMemberStore(t, func(t *testing.T, e, strict *env, ring *admin.RequestRing, u, v string) {
		val, eq := memberValues, memberEq
		for _, tc := range []struct {
			name string
			ops  []map[string]any
		}{
			{"remove by a value list without value", []map[string]any{op("remove", "members", []any{map[string]any{"display": "member"}})}},
			{"remove by one object", []map[string]any{op("remove", "members", map[string]any{"value": u})}},
			{"add one twice", []map[string]any{op("add", "members", val(v)), op("add", "members", val(v))}},
			{"add a member", []map[string]any{op("add", "members", val(u))}},
			{"add a bare id", []map[string]any{op("add", "members", []any{v})}},
			{"remove a bare id", []map[string]any{op("remove", "members", []any{u})}},
			{"replace with one twice", []map[string]any{op("replace", "members", val(v, v))}},
			{"add an unknown id", []map[string]any{op("add", "members", val("ghost"))}},
			{"add, remove, add", []map[string]any{op("add", "members", val(v)), op("remove", eq(v), nil), op("add", "members", val(v))}},
			{"remove a member's value", []map[string]any{op("remove", eq(u)+".value", nil)}},
			{"remove an empty id", []map[string]any{op("remove", "members", val(""))}},
			{"add with a type", []map[string]any{op("add", "members", []any{map[string]any{"value": v, "type": "Group"}})}},
			{"add with a $ref", []map[string]any{op("add", "members", []any{map[string]any{"value": v, "$ref": "https://x/Users/" + v}})}},
			{"remove an empty list", []map[string]any{op("remove", "members", []any{})}},
			{"add an empty list", []map[string]any{op("add", "members", []any{})}},
			{"replace with null", []map[string]any{op("replace", "members", nil)}},
			{"remove an or of two", []map[string]any{op("Remove", `members[value eq "`+u+`" or value eq "`+v+`"]`, nil)}},
			{"add one object", []map[string]any{op("add", "members", map[string]any{"value": v})}},
			{"a no-path replace", []map[string]any{op("replace", "", map[string]any{"members": val(v)})}},
			{"a no-path add with the id", []map[string]any{op("add", "", map[string]any{"members": val(v), "id": "zzz"})}},
			{"remove an id in another case", []map[string]any{op("remove", "members", val(strings.ToUpper(u)))}},
			{"add an unknown id, then remove it", []map[string]any{op("add", "members", val(v, "ghost")), op("remove", eq("ghost"), nil)}},
			{"replace, then add", []map[string]any{op("replace", "members", val(v)), op("add", "members", val(v))}},
			{"remove all twice", []map[string]any{op("remove", "members", nil), op("remove", "members", nil)}},
			{"add, remove all, add an unknown id", []map[string]any{op("add", "members", val(u)), op("remove", "members", nil), op("add", "members", val("ghost"))}},
			{"remove twice, then add", []map[string]any{op("remove", eq(v), nil), op("remove", eq(v), nil), op("add", "members", val(v))}},
			{"remove, then replace", []map[string]any{op("remove", eq(v), nil), op("replace", "members", val(u))}},
			{"remove a member, then add it", []map[string]any{op("remove", eq(u), nil), op("add", "members", val(u))}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				type answer struct {
					code     int
					scimType string
					detail   string
					warnings []string
					members  []string
				}
				send := func(env *env, rename bool) answer {
					gid := env.createGroup("G", u)["id"].(string)
					defer env.do("DELETE", "/Groups/"+gid, nil)
					ops := slices.Clone(tc.ops)
					if rename {
						ops = append(ops, op("replace", "displayName", "G2"))
					}
					r := env.do("PATCH", "/Groups/"+gid, patchBody(ops...))
					a := answer{code: r.Code}
					if r.Code >= 400 {
						a.scimType, a.detail = r.str("scimType"), r.str("detail")
					}
					if env == e {
						a.warnings = lastWarnings(t, ring)
					}
					a.members = memberIDs(env.do("GET", "/Groups/"+gid, nil).Body)
					slices.Sort(a.members)
					return a
				}
				for _, env := range []*env{e, strict} {
					plan, engine := send(env, false), send(env, true)
					require.Less(t, plan.code, 500)
					assert.Equal(t, plan, engine, "strict %v: the member plan, then the engine", env == strict)
				}
			})
		}
	})
}

// eachMemberStore runs a group member test on each store of
// leniencyStores: e, lenient, whose requests ring records, strict, with
// Config.Strict, on one store, which holds two users, u ("member") and v
// ("other").
func eachMemberStore(t *testing.T, run func(t *testing.T, e, strict *env, ring *admin.RequestRing, u, v string)) {
	for _, name := range leniencyStores {
		t.Run(name, func(t *testing.T) {
			e, strict, ring := lenientAndStrict(t, name)
			u := e.createUser("member")["id"].(string)
			v := e.createUser("other")["id"].(string)
			run(t, e, strict, ring, u, v)
		})
	}
}

// memberEq is the path of the member whose value is id,
// members[value eq "id"].
func memberEq(id string) string { return `members[value eq "` + id + `"]` }
