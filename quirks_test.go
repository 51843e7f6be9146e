package scim_test

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"sort"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/memory"
)

const ent = resources.EnterpriseUserSchema

// TestUserPatchQuirks replays, one case each, the PATCH requests that
// identity providers really send (shared/IDP-QUIRKS.md) and checks the
// stored result.
func TestUserPatchQuirks(t *testing.T) {
	tests := []struct {
		name  string
		start map[string]any
		ops   []map[string]any
		check func(t *testing.T, u map[string]any)
	}{
		{
			name: "Entra legacy: capitalised Replace with the string False deactivates",
			ops:  []map[string]any{op("Replace", "active", "False")},
			check: func(t *testing.T, u map[string]any) {
				assert.Equal(t, false, u["active"])
			},
		},
		{
			name:  "Entra legacy: the string True in any case",
			start: map[string]any{"active": false},
			ops:   []map[string]any{op("Replace", "active", "TRUE")},
			check: func(t *testing.T, u map[string]any) { assert.Equal(t, true, u["active"]) },
		},
		{
			name: "Entra legacy: one Replace per attribute",
			ops: []map[string]any{
				op("Replace", "displayName", "Barbara Jensen"),
				op("Replace", "name.givenName", "Barbara"),
				op("Replace", "name.familyName", "Jensen"),
				op("Replace", `emails[type eq "work"].value`, "bjensen@work.example"),
				op("Replace", ent+":department", "Sales"),
			},
			check: func(t *testing.T, u map[string]any) {
				assert.Equal(t, "Barbara Jensen", u["displayName"])
				assert.Equal(t, map[string]any{"givenName": "Barbara", "familyName": "Jensen"}, u["name"])
				assert.Equal(t, []any{map[string]any{"type": "work", "value": "bjensen@work.example"}}, u["emails"])
				assert.Equal(t, "Sales", u[ent].(map[string]any)["department"])
			},
		},
		{
			name: "Entra aadOptscim062020: one no-path replace with dotted and URN keys",
			ops: []map[string]any{op("replace", "", map[string]any{
				"name.givenName":        "A",
				"name.familyName":       "B",
				"active":                false,
				ent + ":employeeNumber": "7",
				ent + ":manager":        "mgr-1",
			})},
			check: func(t *testing.T, u map[string]any) {
				assert.Equal(t, map[string]any{"givenName": "A", "familyName": "B"}, u["name"])
				assert.Equal(t, false, u["active"])
				assert.Equal(t, map[string]any{"employeeNumber": "7", "manager": map[string]any{"value": "mgr-1"}}, u[ent])
				assert.Contains(t, u["schemas"], ent)
			},
		},
		{
			name: "Entra: manager as a bare string id",
			ops:  []map[string]any{op("Add", ent+":manager", "123")},
			check: func(t *testing.T, u map[string]any) {
				assert.Equal(t, map[string]any{"value": "123"}, u[ent].(map[string]any)["manager"])
			},
		},
		{
			name: "Entra: manager as an object",
			ops:  []map[string]any{op("replace", ent+":manager", map[string]any{"value": "456"})},
			check: func(t *testing.T, u map[string]any) {
				assert.Equal(t, map[string]any{"value": "456"}, u[ent].(map[string]any)["manager"])
			},
		},
		{
			name: "Entra: a work address sent one sub-attribute at a time makes ONE address",
			ops: []map[string]any{
				op("Add", `addresses[type eq "work"].streetAddress`, "1 Main St"),
				op("Add", `addresses[type eq "work"].locality`, "Springfield"),
				op("Add", `addresses[type eq "work"].region`, "IL"),
				op("Add", `addresses[type eq "work"].postalCode`, "62701"),
				op("Add", `addresses[type eq "work"].country`, "US"),
			},
			check: func(t *testing.T, u map[string]any) {
				assert.Equal(t, []any{map[string]any{"type": "work", "streetAddress": "1 Main St", "locality": "Springfield", "region": "IL", "postalCode": "62701", "country": "US"}}, u["addresses"])
			},
		},
		{
			name:  "Entra: a mobile phone is created by its value-path filter",
			start: map[string]any{"phoneNumbers": []any{map[string]any{"value": "555-1", "type": "work", "primary": true}}},
			ops:   []map[string]any{op("Add", `phoneNumbers[type eq "mobile"].value`, "555-2")},
			check: func(t *testing.T, u map[string]any) {
				assert.Equal(t, []any{
					map[string]any{"value": "555-1", "type": "work", "primary": true},
					map[string]any{"value": "555-2", "type": "mobile"},
				}, u["phoneNumbers"])
			},
		},
		{
			name:  "Entra: an Add on a filtered element that has the sub-attribute replaces it",
			start: map[string]any{"emails": []any{map[string]any{"value": "old@work.example", "type": "work"}}},
			ops:   []map[string]any{op("Add", `emails[type eq "work"].value`, "new@work.example")},
			check: func(t *testing.T, u map[string]any) {
				assert.Equal(t, []any{map[string]any{"value": "new@work.example", "type": "work"}}, u["emails"])
			},
		},
		{
			name: "Entra: the tombstoned userName rename",
			ops:  []map[string]any{op("Replace", "userName", "0123456789abcdef0123456789abcdefquirk@example.com")},
			check: func(t *testing.T, u map[string]any) {
				assert.Equal(t, "0123456789abcdef0123456789abcdefquirk@example.com", u["userName"])
			},
		},
		{
			name: "Entra: stray read-only attributes inside values are ignored",
			ops:  []map[string]any{op("replace", "", map[string]any{"id": "other", "meta": map[string]any{"version": "x"}, "displayName": "D"})},
			check: func(t *testing.T, u map[string]any) {
				assert.Equal(t, "D", u["displayName"])
				assert.NotEqual(t, "other", u["id"])
			},
		},
		{
			name: "Okta: no-path replace {active:false}",
			ops:  []map[string]any{op("replace", "", map[string]any{"active": false})},
			check: func(t *testing.T, u map[string]any) {
				assert.Equal(t, false, u["active"])
			},
		},
		{
			name:  "RFC 7644 §3.5.2.2: remove a filtered element",
			start: map[string]any{"emails": []any{map[string]any{"value": "a@x", "type": "work"}, map[string]any{"value": "b@x", "type": "home"}}},
			ops:   []map[string]any{op("remove", `emails[type eq "home"]`, nil)},
			check: func(t *testing.T, u map[string]any) {
				assert.Equal(t, []any{map[string]any{"value": "a@x", "type": "work"}}, u["emails"])
			},
		},
		{
			name:  "RFC 7643 §2.4: one primary at most, the other set to false (RFC 7644 §3.5.2)",
			start: map[string]any{"emails": []any{map[string]any{"value": "a@x", "type": "work", "primary": true}}},
			ops:   []map[string]any{op("add", "emails", []any{map[string]any{"value": "b@x", "type": "home", "primary": true}})},
			check: func(t *testing.T, u map[string]any) {
				assert.Equal(t, []any{map[string]any{"value": "a@x", "type": "work", "primary": false}, map[string]any{"value": "b@x", "type": "home", "primary": true}}, u["emails"])
			},
		},
		{
			name:  "IDP-QUIRKS a filtered primary with no element to set it on changes nothing",
			start: map[string]any{"emails": []any{map[string]any{"value": "h@x", "type": "home", "primary": true}}},
			ops:   []map[string]any{op("add", `emails[type eq "work"].primary`, true)},
			check: func(t *testing.T, u map[string]any) {
				assert.Equal(t, []any{map[string]any{"value": "h@x", "type": "home", "primary": true}}, u["emails"])
			},
		},
		{
			name:  "registered extension attributes the schema does not define are ignored, never stored",
			start: map[string]any{ent: map[string]any{"customField": "dropped"}},
			ops:   []map[string]any{op("replace", ent+":department", "Ops"), op("replace", ent+":otherCustom", "x")},
			check: func(t *testing.T, u map[string]any) {
				assert.Equal(t, map[string]any{"department": "Ops"}, u[ent])
			},
		},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			u := e.createUser(fmt.Sprintf("quirk%d@example.com", i), tt.start)
			id := u["id"].(string)
			r := e.do("PATCH", "/Users/"+id, patchBody(tt.ops...))
			require.Equal(t, http.StatusOK, r.Code, r.Raw)
			tt.check(t, r.Body)
			got := e.do("GET", "/Users/"+id, nil)
			assert.Equal(t, r.Body, got.Body, "the response is what was stored")
		})
	}
}

func TestPatchErrorsChangeNothing(t *testing.T) {
	tests := []struct {
		name     string
		body     any
		status   int
		scimType string
		detail   string
	}{
		{"bad op in the middle", patchBody(op("replace", "displayName", "X"), op("jump", "title", "Y")), 400, "invalidSyntax", "jump"},
		{"unknown path in strict mode", patchBody(op("replace", "displayName", "X"), op("replace", "shoeSize", "9")), 400, "invalidPath", "shoeSize"},
		{"malformed path", patchBody(op("replace", `emails[type eq "work"]x`, "x")), 400, "invalidPath", ""},
		{"malformed path filter", patchBody(op("replace", `emails[type eq]`, "x")), 400, "invalidFilter", ""},
		{"wrong value type", patchBody(op("replace", "active", "maybe")), 400, "invalidValue", "active"},
		{"read-only path", patchBody(op("replace", "id", "new")), 400, "mutability", "id"},
		{"remove without path", patchBody(op("remove", "", nil)), 400, "noTarget", ""},
		{"remove required userName", patchBody(op("remove", "userName", nil)), 400, "", "userName"},
		{"no Operations", map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"}}, 400, "invalidSyntax", "Operations"},
		{"empty Operations", map[string]any{"Operations": []any{}}, 400, "invalidValue", "empty"},
		{"op without op", patchBody(map[string]any{"path": "title", "value": "x"}), 400, "invalidSyntax", "op is required"},
		{"too many operations", patchBody(op("replace", "title", "1"), op("replace", "title", "2"), op("replace", "title", "3"), op("replace", "title", "4")), 400, "invalidValue", "at most 3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, func(c *scim.Config) { c.MaxPatchOperations = 3; c.Strict = true })
			u := e.createUser("atomic@example.com", map[string]any{"displayName": "Before", "title": "T"})
			id := u["id"].(string)
			before := e.do("GET", "/Users/"+id, nil)
			r := e.do("PATCH", "/Users/"+id, tt.body)
			require.Equal(t, tt.status, r.Code, r.Raw)
			if tt.scimType != "" {
				assert.Equal(t, tt.scimType, r.Body["scimType"], r.Raw)
			}
			assert.Contains(t, r.str("detail"), tt.detail)
			after := e.do("GET", "/Users/"+id, nil)
			assert.Equal(t, before.Body, after.Body, "a failed PATCH changes nothing")
		})
	}
}

func TestNoOpPatchKeepsVersion(t *testing.T) {
	e := newEnv(t)
	u := e.createUser("noop@example.com", map[string]any{"displayName": "Same"})
	r := e.do("PATCH", "/Users/"+u["id"].(string), patchBody(op("replace", "displayName", "Same")))
	require.Equal(t, 200, r.Code)
	assert.Equal(t, u["meta"].(map[string]any)["version"], r.Header.Get("ETag"))
}

func TestUserEvents(t *testing.T) {
	e := newEnv(t)
	u := e.createUser("ev@example.com")
	id := u["id"].(string)
	e.do("PATCH", "/Users/"+id, patchBody(op("Replace", "active", "False")))
	e.do("PATCH", "/Users/"+id, patchBody(op("replace", "", map[string]any{"active": true})))
	e.do("PUT", "/Users/"+id, map[string]any{"userName": "ev@example.com", "active": false})
	e.do("DELETE", "/Users/"+id, nil)
	assert.Equal(t, []scim.EventType{
		scim.UserCreated,
		scim.UserUpdated, scim.UserDeactivated,
		scim.UserUpdated, scim.UserReactivated,
		scim.UserUpdated, scim.UserDeactivated,
		scim.UserDeleted,
	}, e.eventTypes())
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}

// TestGroupPatchQuirks covers the group traffic of Okta, Entra ID and
// JumpCloud.
func TestGroupPatchQuirks(t *testing.T) {
	type fixture struct {
		e     *env
		users []string
		gid   string
	}
	setup := func(t *testing.T, initial ...int) fixture {
		e := newEnv(t)
		var users []string
		for i := range 4 {
			users = append(users, e.createUser(fmt.Sprintf("m%d@example.com", i))["id"].(string))
		}
		var start []string
		for _, i := range initial {
			start = append(start, users[i])
		}
		g := e.createGroup("Engineering", start...)
		return fixture{e, users, g["id"].(string)}
	}
	members := func(f fixture) []string {
		r := f.e.do("GET", "/Groups/"+f.gid, nil)
		require.Equal(t, 200, r.Code)
		return sorted(memberIDs(r.Body))
	}
	pick := func(f fixture, idx ...int) []string {
		var out []string
		for _, i := range idx {
			out = append(out, f.users[i])
		}
		return sorted(out)
	}
	tests := []struct {
		name    string
		initial []int
		ops     func(f fixture) []map[string]any
		want    []int
		display string
	}{
		{
			name: "Entra: Add members with $ref null", initial: nil,
			ops: func(f fixture) []map[string]any {
				return []map[string]any{op("Add", "members", []any{map[string]any{"$ref": nil, "value": f.users[0]}, map[string]any{"value": f.users[1]}})}
			},
			want: []int{0, 1},
		},
		{
			name: "Entra legacy: Remove with a value list removes only those", initial: []int{0, 1, 2, 3},
			ops: func(f fixture) []map[string]any {
				return []map[string]any{op("Remove", "members", []any{map[string]any{"value": f.users[1]}, map[string]any{"value": f.users[3]}})}
			},
			want: []int{0, 2},
		},
		{
			name: "Entra aadOptscim062020 / Okta: remove members[value eq]", initial: []int{0, 1},
			ops: func(f fixture) []map[string]any {
				return []map[string]any{op("remove", fmt.Sprintf(`members[value eq "%s"]`, f.users[0]), nil)}
			},
			want: []int{1},
		},
		{
			name: "Okta: remove by filter plus add in one request", initial: []int{0, 1},
			ops: func(f fixture) []map[string]any {
				return []map[string]any{
					op("remove", fmt.Sprintf(`members[value eq "%s"]`, f.users[0]), nil),
					op("add", "members", []any{map[string]any{"value": f.users[2]}, map[string]any{"value": f.users[3]}}),
				}
			},
			want: []int{1, 2, 3},
		},
		{
			name: "Okta: replace members with the full list", initial: []int{0, 1},
			ops: func(f fixture) []map[string]any {
				return []map[string]any{op("replace", "members", []any{map[string]any{"value": f.users[1]}, map[string]any{"value": f.users[2]}})}
			},
			want: []int{1, 2},
		},
		{
			name: "Okta: an emptied group sends replace members []", initial: []int{0, 1, 2},
			ops:  func(f fixture) []map[string]any { return []map[string]any{op("replace", "members", []any{})} },
			want: nil,
		},
		{
			name: "Okta: rename with {id, displayName}", initial: []int{0},
			ops: func(f fixture) []map[string]any {
				return []map[string]any{op("replace", "", map[string]any{"id": f.gid, "displayName": "Eng"})}
			},
			want: []int{0}, display: "Eng",
		},
		{
			name: "JumpCloud: rename with no-path replace {displayName}", initial: []int{0, 1},
			ops: func(f fixture) []map[string]any {
				return []map[string]any{op("replace", "", map[string]any{"displayName": "R&D"})}
			},
			want: []int{0, 1}, display: "R&D",
		},
		{
			name: "removing a member that is already gone succeeds", initial: []int{0},
			ops: func(f fixture) []map[string]any {
				return []map[string]any{op("remove", `members[value eq "no-such-user"]`, nil)}
			},
			want: []int{0},
		},
		{
			name: "adding an unknown id adds nothing and fails nothing", initial: []int{0},
			ops: func(f fixture) []map[string]any {
				return []map[string]any{op("add", "members", []any{map[string]any{"value": "no-such-user"}, map[string]any{"value": f.users[1]}})}
			},
			want: []int{0, 1},
		},
		{
			name: "rename and members in one request", initial: []int{0},
			ops: func(f fixture) []map[string]any {
				return []map[string]any{
					op("replace", "displayName", "Both"),
					op("add", "members", []any{map[string]any{"value": f.users[3]}}),
				}
			},
			want: []int{0, 3}, display: "Both",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := setup(t, tt.initial...)
			r := f.e.do("PATCH", "/Groups/"+f.gid, patchBody(tt.ops(f)...))
			require.Contains(t, []int{200, 204}, r.Code, r.Raw)
			assert.NotEmpty(t, r.Header.Get("ETag"))
			assert.Equal(t, pick(f, tt.want...), members(f))
			if tt.display != "" {
				assert.Equal(t, tt.display, f.e.do("GET", "/Groups/"+f.gid, nil).Body["displayName"])
			}
		})
	}
}

func TestMemberOnlyPatchIs204(t *testing.T) {
	e := newEnv(t)
	u := e.createUser("a@example.com")
	g := e.createGroup("G")
	r := e.do("PATCH", "/Groups/"+g["id"].(string), patchBody(op("add", "members", []any{map[string]any{"value": u["id"]}})))
	assert.Equal(t, http.StatusNoContent, r.Code)
	assert.Empty(t, r.Raw)
	r = e.do("PATCH", "/Groups/"+g["id"].(string)+"?attributes=members", patchBody(op("remove", "members", nil)))
	require.Equal(t, http.StatusOK, r.Code, r.Raw)
	assert.NotContains(t, r.Body, "members")
	assert.Equal(t, g["id"], r.Body["id"])
}

// replaceCountingStore counts the full-group writes.
type replaceCountingStore struct {
	*recordingStore
	replaces int
}

func (s *replaceCountingStore) ReplaceGroup(ctx context.Context, g *resources.Group, ifVersion string) (*resources.Group, error) {
	s.mu.Lock()
	s.replaces++
	s.mu.Unlock()
	return s.recordingStore.ReplaceGroup(ctx, g, ifVersion)
}

// plainGroups is a group store with no optional interface: the handler
// sees the GroupStore methods alone.
type plainGroups struct{ store.GroupStore }

// Okta resends the group's id and displayName with every membership
// update: that must cost what a member-only PATCH costs, never a read and
// rewrite of the whole member list. A store.CheckedMemberModifier checks
// the resent attributes under its lock, with no read of the group; a
// store without it costs a read of the group without members.
func TestOktaMembershipUpdateWithResentName(t *testing.T) {
	for _, checked := range []bool{true, false} {
		t.Run(map[bool]string{true: "CheckedMemberModifier", false: "GroupStore alone"}[checked], func(t *testing.T) {
			testOktaMembershipUpdateWithResentName(t, checked)
		})
	}
}

func testOktaMembershipUpdateWithResentName(t *testing.T, checked bool) {
	rec := &replaceCountingStore{recordingStore: &recordingStore{Store: memory.New()}}
	var groups store.GroupStore = rec
	wantGets := []store.GetOptions(nil)
	if !checked {
		groups = plainGroups{rec}
		wantGets = []store.GetOptions{{ExcludeMembers: true}}
	}
	e := newEnv(t, func(c *scim.Config) { c.Users, c.Groups = rec.Store, groups })
	a := e.createUser("a@example.com")["id"].(string)
	b := e.createUser("b@example.com")["id"].(string)
	gid := e.createGroup("Sales", a)["id"].(string)
	e.clearEvents()
	rec.mu.Lock()
	rec.gets = nil
	rec.mu.Unlock()

	r := e.do("PATCH", "/Groups/"+gid, patchBody(
		op("replace", "", map[string]any{"id": gid, "displayName": "Sales"}),
		op("remove", `members[value eq "`+a+`"]`, nil),
		op("add", "members", []any{map[string]any{"value": b, "display": "b@example.com"}}),
	))
	require.Equal(t, http.StatusNoContent, r.Code, r.Raw)
	rec.mu.Lock()
	assert.Equal(t, wantGets, rec.gets, "members are never loaded (and the group is not read when the store checks it)")
	assert.Zero(t, rec.replaces, "the group is not rewritten")
	rec.mu.Unlock()
	assert.Equal(t, []scim.EventType{scim.MembersAdded, scim.MembersRemoved}, e.eventTypes())
	assert.Equal(t, []string{b}, memberIDs(e.do("GET", "/Groups/"+gid, nil).Body))

	// A real rename sent with member changes applies both, in one write.
	r = e.do("PATCH", "/Groups/"+gid, patchBody(
		op("replace", "", map[string]any{"id": gid, "displayName": "Sales EMEA"}),
		op("add", "members", []any{map[string]any{"value": a}}),
	))
	require.Equal(t, http.StatusNoContent, r.Code, r.Raw)
	got := e.do("GET", "/Groups/"+gid, nil).Body
	assert.Equal(t, "Sales EMEA", got["displayName"])
	assert.ElementsMatch(t, []string{a, b}, memberIDs(got))

	// A bad operation among them still changes nothing.
	r = e.do("PATCH", "/Groups/"+gid, patchBody(
		op("replace", "", map[string]any{"displayName": "Sales EMEA", "externalId": 9}),
		op("remove", `members[value eq "`+a+`"]`, nil),
	))
	assert.Equal(t, http.StatusBadRequest, r.Code, r.Raw)
	assert.ElementsMatch(t, []string{a, b}, memberIDs(e.do("GET", "/Groups/"+gid, nil).Body))

	// An attribute no schema defines beside them is ignored, with a
	// warning, and the member change goes to ModifyMembers.
	r = e.do("PATCH", "/Groups/"+gid, patchBody(
		op("replace", "", map[string]any{"displayName": "Sales EMEA", "shoeSize": 9}),
		op("remove", `members[value eq "`+a+`"]`, nil),
	))
	assert.Equal(t, http.StatusNoContent, r.Code, r.Raw)
	assert.Equal(t, []string{b}, memberIDs(e.do("GET", "/Groups/"+gid, nil).Body))
	assert.Contains(t, e.logs.String(), `ignored unknown attribute \"shoeSize\"`)
}

func TestGroupLifecycleAndEvents(t *testing.T) {
	e := newEnv(t)
	u1 := e.createUser("a@example.com")["id"].(string)
	u2 := e.createUser("b@example.com")["id"].(string)
	e.clearEvents()
	created := e.do("POST", "/Groups", map[string]any{"displayName": "Team", "members": []any{map[string]any{"value": u1}}})
	require.Equal(t, 201, created.Code, created.Raw)
	gid := created.str("id")
	assert.Equal(t, base+"/Groups/"+gid, created.Header.Get("Location"))
	assert.Equal(t, []any{map[string]any{"value": u1, "type": "User", "display": "a@example.com", "$ref": base + "/Users/" + u1}}, created.Body["members"])

	put := e.do("PUT", "/Groups/"+gid, map[string]any{"displayName": "Team 2", "members": []any{map[string]any{"value": u2}}})
	require.Equal(t, 200, put.Code, put.Raw)
	assert.Equal(t, []string{u2}, memberIDs(put.Body))
	e.do("PATCH", "/Groups/"+gid, patchBody(op("add", "members", []any{map[string]any{"value": u1}})))
	e.do("PATCH", "/Groups/"+gid, patchBody(op("remove", "members", []any{map[string]any{"value": u1}})))

	del := e.do("DELETE", "/Users/"+u2, nil)
	require.Equal(t, 204, del.Code)
	assert.Empty(t, memberIDs(e.do("GET", "/Groups/"+gid, nil).Body), "deleting a user removes its memberships")

	assert.Equal(t, 204, e.do("DELETE", "/Groups/"+gid, nil).Code)
	requireError(t, e.do("GET", "/Groups/"+gid, nil), 404, "", "not found")
	assert.Equal(t, []scim.EventType{
		scim.GroupCreated, scim.MembersAdded,
		scim.GroupUpdated, scim.MembersAdded, scim.MembersRemoved,
		scim.MembersAdded, scim.MembersRemoved,
		scim.UserDeleted, scim.MembersRemoved, // the user's deletion removed it from the group
		scim.GroupDeleted,
	}, e.eventTypes())
	requireError(t, e.do("POST", "/Groups", map[string]any{"members": []any{}}), 400, "invalidValue", "displayName is required")
}

func TestConcurrentMemberAddsLoseNothing(t *testing.T) {
	e := newEnv(t)
	const n = 24
	ids := make([]string, n)
	for i := range n {
		ids[i] = e.createUser(fmt.Sprintf("c%d@example.com", i))["id"].(string)
	}
	gid := e.createGroup("Busy")["id"].(string)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := e.do("PATCH", "/Groups/"+gid, patchBody(op("add", "members", []any{map[string]any{"value": ids[i]}})))
			assert.Equal(t, 204, r.Code, r.Raw)
		}()
	}
	wg.Wait()
	assert.Equal(t, sorted(ids), sorted(memberIDs(e.do("GET", "/Groups/"+gid, nil).Body)))
}

func TestConcurrentUserPatchesLoseNothing(t *testing.T) {
	e := newEnv(t)
	id := e.createUser("p@example.com")["id"].(string)
	const n = 12
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := e.do("PATCH", "/Users/"+id, patchBody(op("add", "emails", []any{map[string]any{"value": fmt.Sprintf("e%d@example.com", i)}})))
			assert.Equal(t, 200, r.Code, r.Raw)
		}()
	}
	wg.Wait()
	assert.Len(t, e.do("GET", "/Users/"+id, nil).Body["emails"], n)
}

func TestTestConnectionProbes(t *testing.T) {
	e := newEnv(t)
	requireError(t, e.do("GET", "/Users/00000000-0000-0000-0000-000000000000", nil), 404, "", "not found")
	requireError(t, e.do("GET", "/Groups/random-id", nil), 404, "", "not found")
	r := e.do("GET", "/Users?filter="+q(`userName eq "non-existent-9f1c@example.com"`), nil)
	require.Equal(t, 200, r.Code)
	assert.Equal(t, float64(0), r.Body["totalResults"])
	assert.Equal(t, []any{}, r.Body["Resources"])
	r = e.do("GET", "/Groups?filter="+q(`displayName eq "nope"`)+"&excludedAttributes=members", nil)
	require.Equal(t, 200, r.Code)
	assert.Equal(t, float64(0), r.Body["totalResults"])
}

// TestGroupPatchAnswers204 replays the group PATCHes providers send
// that change more than members (a rename, an externalId, a member
// change another filter selects), on memory and SQLite. Each answers
// 204 No Content with the new ETag, as a member-only PATCH does, unless
// the request asks for attributes: the 200 it answered before carried
// the whole member list, read again for the response. Sources:
//   - Microsoft, "Tutorial: Develop and plan provisioning for a SCIM
//     endpoint in Microsoft Entra ID", Group operations ("Update to the
//     group PATCH request should yield an HTTP 204 No Content in the
//     response. Returning a body with a list of all the members isn't
//     advisable."; its "Update Group [Non-member attributes]" example
//     answers 204),
//     https://learn.microsoft.com/en-us/entra/identity/app-provisioning/use-scim-to-provision-users-and-groups
//   - Okta, "Okta and SCIM Version 2.0", Update a specific Group name,
//     https://developer.okta.com/docs/api/openapi/okta-scim/guides/scim-20
func TestGroupPatchAnswers204(t *testing.T) {
	stores := map[string]func(t *testing.T) (store.UserStore, store.GroupStore){
		"memory": func(t *testing.T) (store.UserStore, store.GroupStore) {
			rec := &recordingStore{Store: memory.New()}
			return rec.Store, rec
		},
		"sqlite": func(t *testing.T) (store.UserStore, store.GroupStore) {
			return openSQLModel(t, filepath.Join(t.TempDir(), "scim.db"), nil)
		},
	}
	rename := func(string, string) []map[string]any {
		return []map[string]any{op("replace", "displayName", "Renamed")}
	}
	renamed := func(t *testing.T, g map[string]any, a, b string) { assert.Equal(t, "Renamed", g["displayName"]) }
	renamedWithoutMembers := func(t *testing.T, body map[string]any) {
		assert.Equal(t, "Renamed", body["displayName"])
		assert.NotContains(t, body, "members")
	}
	tests := []struct {
		name  string
		query string
		ops   func(gid, a string) []map[string]any
		want  func(t *testing.T, g map[string]any, a, b string)
		code  int
		// body checks a 200's body.
		body func(t *testing.T, body map[string]any)
		// needsMembers: the change itself reads the members.
		needsMembers bool
	}{
		{
			name: "Entra legacy: Replace displayName by path",
			ops: func(string, string) []map[string]any {
				return []map[string]any{op("Replace", "displayName", "Renamed")}
			},
			want: func(t *testing.T, g map[string]any, a, b string) {
				assert.Equal(t, "Renamed", g["displayName"])
				assert.ElementsMatch(t, []string{a, b}, memberIDs(g))
			},
			code: http.StatusNoContent,
		},
		{
			name: "Entra: Replace externalId",
			ops:  func(string, string) []map[string]any { return []map[string]any{op("Replace", "externalId", "obj-1")} },
			want: func(t *testing.T, g map[string]any, a, b string) { assert.Equal(t, "obj-1", g["externalId"]) },
			code: http.StatusNoContent,
		},
		{
			name: "Okta: no-path rename with the id resent",
			ops: func(gid, _ string) []map[string]any {
				return []map[string]any{op("replace", "", map[string]any{"id": gid, "displayName": "Renamed"})}
			},
			want: func(t *testing.T, g map[string]any, a, b string) { assert.Equal(t, "Renamed", g["displayName"]) },
			code: http.StatusNoContent,
		},
		{
			name: "Okta: rename sent with a member removal",
			ops: func(gid, a string) []map[string]any {
				return []map[string]any{
					op("replace", "", map[string]any{"id": gid, "displayName": "Renamed"}),
					op("remove", `members[value eq "`+a+`"]`, nil),
				}
			},
			want: func(t *testing.T, g map[string]any, a, b string) {
				assert.Equal(t, "Renamed", g["displayName"])
				assert.Equal(t, []string{b}, memberIDs(g))
			},
			code: http.StatusNoContent,
		},
		{
			name: "a member change selected by another filter",
			ops: func(string, string) []map[string]any {
				return []map[string]any{op("remove", `members[type eq "User"]`, nil)}
			},
			want:         func(t *testing.T, g map[string]any, a, b string) { assert.Empty(t, memberIDs(g)) },
			code:         http.StatusNoContent,
			needsMembers: true,
		},
		{
			name:  "attributes asked for: 200 with them",
			query: "?attributes=displayName",
			ops:   rename,
			want:  renamed,
			code:  http.StatusOK,
			body:  renamedWithoutMembers,
		},
		{
			name:  "members left out: 200 without them",
			query: "?excludedAttributes=members",
			ops:   rename,
			want:  renamed,
			code:  http.StatusOK,
			body:  renamedWithoutMembers,
		},
	}
	for sname, open := range stores {
		for _, tt := range tests {
			t.Run(sname+"/"+tt.name, func(t *testing.T) {
				users, groups := open(t)
				e := newEnv(t, func(c *scim.Config) { c.Users, c.Groups = users, groups })
				a := e.createUser("a@example.com")["id"].(string)
				b := e.createUser("b@example.com")["id"].(string)
				gid := e.createGroup("Sales", a, b)["id"].(string)
				rec, _ := groups.(*recordingStore)
				if rec != nil {
					rec.mu.Lock()
					rec.gets = nil
					rec.mu.Unlock()
				}
				r := e.do("PATCH", "/Groups/"+gid+tt.query, patchBody(tt.ops(gid, a)...))
				require.Equal(t, tt.code, r.Code, r.Raw)
				var gets []store.GetOptions
				if rec != nil {
					rec.mu.Lock()
					gets = rec.gets
					rec.mu.Unlock()
				}
				g := e.do("GET", "/Groups/"+gid, nil)
				assert.Equal(t, g.Header.Get("ETag"), r.Header.Get("ETag"), "the ETag of the version written")
				tt.want(t, g.Body, a, b)
				if tt.body == nil {
					assert.Empty(t, r.Raw)
					if !tt.needsMembers {
						for _, o := range gets {
							assert.True(t, o.ExcludeMembers, "the members are not read for the answer: %+v", gets)
						}
					}
					return
				}
				tt.body(t, r.Body)
			})
		}
	}
}
