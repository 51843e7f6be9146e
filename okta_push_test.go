package scim_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/store"
)

// oktaPatch is Okta's group push membership update: the group's id and
// unchanged displayName resent beside the member changes (IDP-QUIRKS.md).
func oktaPatch(gid, name string, add, remove []string) string {
	ops := []string{`{"op":"replace","value":{"id":"` + gid + `","displayName":"` + name + `"}}`}
	for _, id := range remove {
		ops = append(ops, `{"op":"remove","path":"members[value eq \"`+id+`\"]"}`)
	}
	if len(add) > 0 {
		vals := make([]string, len(add))
		for i, id := range add {
			vals[i] = `{"value":"` + id + `"}`
		}
		ops = append(ops, `{"op":"add","path":"members","value":[`+strings.Join(vals, ",")+`]}`)
	}
	return `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[` + strings.Join(ops, ",") + `]}`
}

// memberPatchStores are concurrencyStores and a memory store behind
// plainGroups, which the handler sees without the optional interfaces:
// the member PATCH's path before store.CheckedMemberModifier.
func memberPatchStores(t *testing.T) map[string]func(t *testing.T) (store.UserStore, store.GroupStore) {
	stores := concurrencyStores(t)
	stores["memory, GroupStore alone"] = func(t *testing.T) (store.UserStore, store.GroupStore) {
		users, groups := stores["memory"](t)
		return users, plainGroups{groups}
	}
	return stores
}

// storeCalls records Config.Observe's StoreCalls of each group PATCH.
type storeCalls struct {
	mu    sync.Mutex
	calls []int
}

func (s *storeCalls) observe(_ context.Context, st scim.RequestStats) {
	if st.Method == "PATCH" && strings.HasPrefix(st.Route, "PATCH /Groups/") {
		s.mu.Lock()
		s.calls = append(s.calls, st.StoreCalls)
		s.mu.Unlock()
	}
}

// TestOktaPushConcurrentMemberPatches: Okta pushing a big group sends
// many membership updates at once, each resending the displayName. On a
// store.CheckedMemberModifier each is one store call (the displayName
// checked under the store's lock, no read of the group, no retry): every
// one answers 204, none 503, and the group ends with exactly the members
// they leave. Before it, each was a read and a ModifyMembers at the
// version read, started again on every concurrent change: at least two
// store calls, and 503s once the retries ran out. A store without the
// optional interfaces (the GroupStore methods alone) still takes that
// path, and still loses nothing.
func TestOktaPushConcurrentMemberPatches(t *testing.T) {
	const clients = 16
	stores := memberPatchStores(t)
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			users, groups := open(t)
			_, checked := groups.(store.CheckedMemberModifier)
			var calls storeCalls
			e := newEnv(t, func(c *scim.Config) { c.Users, c.Groups, c.Observe = users, groups, calls.observe })
			// The group starts with clients/4 members, which every
			// fourth client removes while adding its own.
			old := make([]string, clients/4)
			for i := range old {
				old[i] = e.createUser(fmt.Sprintf("old%d", i))["id"].(string)
			}
			gid := e.createGroup("Pushed", old...)["id"].(string)
			fresh := make([]string, clients)
			for i := range fresh {
				fresh[i] = e.createUser(fmt.Sprintf("new%d", i))["id"].(string)
			}
			codes := make([]string, clients)
			var wg sync.WaitGroup
			for i := range clients {
				wg.Add(1)
				go func() {
					defer wg.Done()
					var remove []string
					if i%4 == 0 {
						remove = []string{old[i/4]}
					}
					r := e.do("PATCH", "/Groups/"+gid, oktaPatch(gid, "Pushed", []string{fresh[i]}, remove))
					codes[i] = fmt.Sprintf("%d %s", r.Code, r.Raw)
				}()
			}
			wg.Wait()
			for i, c := range codes {
				assert.Equal(t, "204 ", c, "client %d: every Okta membership update answers 204", i)
			}
			g := e.do("GET", "/Groups/"+gid, nil)
			assert.Equal(t, "Pushed", g.Body["displayName"])
			assert.ElementsMatch(t, fresh, memberIDs(g.Body), "every member added is there, every one removed is gone")
			calls.mu.Lock()
			defer calls.mu.Unlock()
			require.Len(t, calls.calls, clients)
			extra := 0
			for _, n := range calls.calls {
				extra += n - 1
			}
			t.Logf("%s: store calls beyond one per request: %d", name, extra)
			if checked {
				assert.Zero(t, extra, "each Okta membership update is one store call on a store.CheckedMemberModifier: no read of the group, no retry (calls per request: %v)", calls.calls)
			}
		})
	}
}

// TestRenameRacesOktaPatch: a rename (a PATCH of displayName, or a PUT)
// races Okta's membership update, which resends the old displayName.
// Whatever the timing, the outcome is one of a serial order, the order of
// the versions each response carries: the update ran first (a member
// added, the rename then applied), or after the rename, when it saw the
// new name and was applied in full (the old name written back, the member
// added).
//
// The responses leave the members out: a response with members reads the
// group again after the write, and its ETag is then that of the read,
// which may be a later write's.
func TestRenameRacesOktaPatch(t *testing.T) {
	const (
		rounds    = 20
		noMembers = "?excludedAttributes=members"
	)
	eachStore(t, func(t *testing.T, e *env) {
		kept := e.createUser("kept")["id"].(string)
		orders := map[string]int{}
		for round := range rounds {
			member := e.createUser(fmt.Sprintf("member%d", round))["id"].(string)
			gname := fmt.Sprintf("Team %d", round)
			gid := e.createGroup(gname, kept)["id"].(string)
			put := round%2 == 1
			var rename, okta *resp
			var wg sync.WaitGroup
			wg.Add(2)
			go func() {
				defer wg.Done()
				if put {
					rename = e.do("PUT", "/Groups/"+gid+noMembers, map[string]any{"displayName": gname + " renamed", "members": []any{map[string]any{"value": kept}}})
				} else {
					rename = e.do("PATCH", "/Groups/"+gid+noMembers, patchBody(op("replace", "displayName", gname+" renamed")))
				}
			}()
			go func() {
				defer wg.Done()
				okta = e.do("PATCH", "/Groups/"+gid+noMembers, oktaPatch(gid, gname, []string{member}, nil))
			}()
			wg.Wait()
			require.Contains(t, []int{200, 204}, rename.Code, rename.Raw)
			require.Contains(t, []int{200, 204}, okta.Code, okta.Raw)
			vr, vo := versionOf(t, rename), versionOf(t, okta)
			require.NotEqual(t, vr, vo, "round %d: two writes, two versions", round)

			// The serial order of the versions, replayed.
			name, members := gname, []string{kept}
			apply := func(which string) {
				switch which {
				case "rename":
					name = gname + " renamed"
					if put {
						members = []string{kept}
					}
				case "okta":
					name = gname // resent: unchanged, or written back in full
					if !slices.Contains(members, member) {
						members = append(members, member)
					}
				}
			}
			order := []string{"okta", "rename"}
			if vr < vo {
				order = []string{"rename", "okta"}
			}
			orders[strings.Join(order, " then ")]++
			for _, w := range order {
				apply(w)
			}
			g := e.do("GET", "/Groups/"+gid, nil)
			assert.Equal(t, name, g.Body["displayName"], "round %d (%s, put %v): the outcome of that serial order", round, order, put)
			assert.ElementsMatch(t, members, memberIDs(g.Body), "round %d (%s, put %v): the outcome of that serial order", round, order, put)
		}
		t.Logf("serial orders seen: %v", orders) // the subtest names the store
	})
}

// versionOf is the version a write's response carries in its ETag, W/"n".
func versionOf(t *testing.T, r *resp) int {
	t.Helper()
	tag := strings.Trim(strings.TrimPrefix(r.Header.Get("ETag"), "W/"), `"`)
	n, err := strconv.Atoi(tag)
	require.NoError(t, err, "ETag %q", r.Header.Get("ETag"))
	return n
}

// TestConcurrentMemberReplacements: Okta also sends a group's whole
// member list (replace members). On a store.GroupUpdater each such PATCH
// is one locked read-modify-write of the members: one store call, no
// retry, 204 (200 with the group when the displayName comes too: the
// request is then applied in full, through the same UpdateGroup); the
// group ends with one of the lists sent, whole.
func TestConcurrentMemberReplacements(t *testing.T) {
	const clients = 8
	for name, open := range concurrencyStores(t) {
		t.Run(name, func(t *testing.T) {
			users, groups := open(t)
			var calls storeCalls
			e := newEnv(t, func(c *scim.Config) { c.Users, c.Groups, c.Observe = users, groups, calls.observe })
			pool := make([]string, clients+4)
			for i := range pool {
				pool[i] = e.createUser(fmt.Sprintf("pool%d", i))["id"].(string)
			}
			gid := e.createGroup("Replaced", pool[:4]...)["id"].(string)
			lists := make([][]string, clients)
			codes := make([]string, clients)
			var wg sync.WaitGroup
			for i := range clients {
				lists[i] = pool[i : i+4] // overlapping windows
				wg.Add(1)
				go func() {
					defer wg.Done()
					vals := make([]any, len(lists[i]))
					for j, id := range lists[i] {
						vals[j] = map[string]any{"value": id}
					}
					ops := []map[string]any{op("replace", "members", vals)}
					if i%2 == 1 {
						ops = append(ops, op("replace", "", map[string]any{"id": gid, "displayName": "Replaced"}))
					}
					r := e.do("PATCH", "/Groups/"+gid, patchBody(ops...))
					codes[i] = fmt.Sprint(r.Code)
				}()
			}
			wg.Wait()
			for i, c := range codes {
				// The request applied in full (with the displayName)
				// answers 204 too: it asks for no attributes.
				assert.Equal(t, "204", c, "client %d", i)
			}
			got := memberIDs(e.do("GET", "/Groups/"+gid, nil).Body)
			slices.Sort(got)
			assert.True(t, slices.ContainsFunc(lists, func(l []string) bool {
				l = slices.Clone(l)
				slices.Sort(l)
				return slices.Equal(l, got)
			}), "the group holds one of the lists sent, whole: %v", got)
			calls.mu.Lock()
			defer calls.mu.Unlock()
			assert.Equal(t, slices.Repeat([]int{1}, clients), calls.calls, "each replacement is one store call (GroupUpdater.UpdateGroup): no read before it, no retry")
		})
	}
}

// TestMemberPatchPreconditions: a member PATCH with If-Match or
// If-None-Match keeps their meaning whichever way it goes (checked under
// the store's lock, or read first): a stale If-Match or a matching
// If-None-Match is a 412 that changes nothing, a current If-Match writes.
func TestMemberPatchPreconditions(t *testing.T) {
	stores := memberPatchStores(t)
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			users, groups := open(t)
			e := newEnv(t, func(c *scim.Config) { c.Users, c.Groups = users, groups })
			uid := e.createUser("cond")["id"].(string)
			for _, tc := range []struct {
				name   string
				okta   bool   // the displayName resent beside the add
				rename bool   // and changed: the request applied in full
				whole  bool   // the whole list, as replace members
				header string // "If-Match" or "If-None-Match"
				stale  bool   // a version other than the current one
				status int
			}{
				{"member add, If-Match stale", false, false, false, "If-Match", true, 412},
				{"member add, If-Match current", false, false, false, "If-Match", false, 204},
				{"member add, If-None-Match current", false, false, false, "If-None-Match", false, 412},
				{"member add, If-None-Match other", false, false, false, "If-None-Match", true, 204},
				{"Okta's update, If-Match stale", true, false, false, "If-Match", true, 412},
				{"Okta's update, If-Match current", true, false, false, "If-Match", false, 204},
				{"Okta's update, If-None-Match current", true, false, false, "If-None-Match", false, 412},
				{"a rename with the add, If-Match stale", true, true, false, "If-Match", true, 412},
				{"a rename with the add, If-Match current", true, true, false, "If-Match", false, 204},
				{"the whole list, If-Match stale", false, false, true, "If-Match", true, 412},
				{"the whole list, If-Match current", false, false, true, "If-Match", false, 204},
				{"the whole list, If-None-Match current", false, false, true, "If-None-Match", false, 412},
			} {
				t.Run(tc.name, func(t *testing.T) {
					g := e.createGroup("Cond " + tc.name)
					gid := g["id"].(string)
					before := e.do("GET", "/Groups/"+gid, nil)
					tag := before.Header.Get("ETag")
					if tc.stale {
						tag = `W/"999"`
					}
					body := patchBody(op("add", "members", []any{map[string]any{"value": uid}}))
					if tc.okta {
						name := g["displayName"].(string)
						if tc.rename {
							name += " renamed"
						}
						body = patchBody(op("replace", "", map[string]any{"id": gid, "displayName": name}),
							op("add", "members", []any{map[string]any{"value": uid}}))
					}
					if tc.whole {
						body = patchBody(op("replace", "members", []any{map[string]any{"value": uid}}))
					}
					r := e.do("PATCH", "/Groups/"+gid, body, tc.header+": "+tag)
					require.Equal(t, tc.status, r.Code, r.Raw)
					after := e.do("GET", "/Groups/"+gid, nil)
					if tc.status == 412 {
						assert.Equal(t, before.Body, after.Body, "a refused request changes nothing")
						return
					}
					assert.Equal(t, []string{uid}, memberIDs(after.Body))
				})
			}
		})
	}
}
