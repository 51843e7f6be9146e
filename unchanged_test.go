package scim_test

import (
	"context"
	"encoding/json"
	"maps"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/memory"
	"github.com/scimkit/scim/store/sqlstore/sqltest"
)

// TestWriteThatChangesNothing: providers resend unchanged resources on
// every cycle; a PUT or PATCH equal to what is stored (directly or in
// /Bulk) keeps the version, reports no event and appends nothing to the
// change feed, on every store and on a host's group store without the
// optional interfaces.
func TestWriteThatChangesNothing(t *testing.T) {
	for name, opt := range map[string]option{
		"store's updaters": func(*scim.Config) {},
		// The handler's versioned read-modify-write and ModifyMembers.
		"group store without optional interfaces": func(c *scim.Config) { c.Groups = plainGroups{c.Groups} },
	} {
		t.Run(name, func(t *testing.T) {
			eachStore(t, func(t *testing.T, e *env) {
				user := map[string]any{"userName": "same", "name": map[string]any{"givenName": "A"}, "emails": []any{map[string]any{"value": "a@x", "type": "work"}}}
				u := e.do("POST", "/Users", user)
				require.Equal(t, 201, u.Code, u.Raw)
				uid, v1 := u.str("id"), u.Header.Get("ETag")
				m1 := e.createUser("m1")["id"].(string)
				m2 := e.createUser("m2")["id"].(string)
				g := e.do("POST", "/Groups", map[string]any{"displayName": "Same", "members": []any{map[string]any{"value": m1}, map[string]any{"value": m2}}})
				require.Equal(t, 201, g.Code, g.Raw)
				gid, gv1 := g.str("id"), g.Header.Get("ETag")
				e.clearEvents()
				head := feedHead(t, e.users)

				for _, tc := range []struct {
					name, method, path string
					body               any
					tag                string
					status             int
				}{
					{"identical user PUT", "PUT", "/Users/" + uid, user, v1, 200},
					{"PATCH to the stored value", "PATCH", "/Users/" + uid, patchBody(op("replace", "name.givenName", "A")), v1, 200},
					{"identical group PUT, members in another order", "PUT", "/Groups/" + gid,
						map[string]any{"displayName": "Same", "members": []any{map[string]any{"value": m2}, map[string]any{"value": m1}}}, gv1, 200},
					// Config.Events names the ids a membership PATCH asked for
					// (documented); the feed names what changed: nothing.
					{"PATCH adding a present member", "PATCH", "/Groups/" + gid, patchBody(op("add", "members", []any{map[string]any{"value": m1}})), gv1, 204},
					{"PATCH removing an absent member", "PATCH", "/Groups/" + gid, patchBody(op("remove", `members[value eq "absent"]`, nil)), gv1, 204},
					{"PATCH adding a present member beside the stored name", "PATCH", "/Groups/" + gid,
						patchBody(op("replace", "displayName", "Same"), op("add", "members", []any{map[string]any{"value": m2}})), gv1, 204},
					{"PATCH adding a present email", "PATCH", "/Users/" + uid, patchBody(op("add", "emails", []any{map[string]any{"value": "a@x", "type": "work"}})), v1, 200},
					{"PATCH replacing an email by filter with its value", "PATCH", "/Users/" + uid, patchBody(op("replace", `emails[type eq "work"].value`, "a@x")), v1, 200},
				} {
					t.Run(tc.name, func(t *testing.T) {
						r := e.do(tc.method, tc.path, tc.body)
						require.Equal(t, tc.status, r.Code, r.Raw)
						assert.Equal(t, tc.tag, r.Header.Get("ETag"), "the version is kept")
						if tc.status == 200 {
							assert.Empty(t, e.eventTypes())
						}
						e.clearEvents()
						assert.Equal(t, head, feedHead(t, e.users), "nothing appended to the change feed")
					})
				}
				// The same writes through /Bulk.
				r := e.do("POST", "/Bulk", bulkBody(0,
					map[string]any{"method": "PUT", "path": "/Users/" + uid, "data": user},
					map[string]any{"method": "PATCH", "path": "/Users/" + uid, "data": patchBody(op("replace", "name.givenName", "A"))},
					map[string]any{"method": "PATCH", "path": "/Groups/" + gid, "data": patchBody(op("add", "members", []any{map[string]any{"value": m1}}))},
					map[string]any{"method": "PUT", "path": "/Groups/" + gid, "data": map[string]any{"displayName": "Same", "members": []any{map[string]any{"value": m1}, map[string]any{"value": m2}}}},
				))
				ops, _ := bulkOps(t, r)
				for _, o := range ops {
					assert.Contains(t, []any{"200", "204"}, o["status"], o)
				}
				assert.Equal(t, v1, e.do("GET", "/Users/"+uid, nil).Header.Get("ETag"), "bulk: the user's version is kept")
				assert.Equal(t, gv1, e.do("GET", "/Groups/"+gid, nil).Header.Get("ETag"), "bulk: the group's version is kept")
				assert.Empty(t, e.eventTypes())
				assert.Equal(t, head, feedHead(t, e.users), "bulk: nothing appended to the change feed")

				r = e.do("PUT", "/Users/"+uid, map[string]any{"userName": "same", "title": "changed"})
				require.Equal(t, 200, r.Code)
				assert.NotEqual(t, v1, r.Header.Get("ETag"))
				assert.Equal(t, []scim.EventType{scim.UserUpdated}, e.eventTypes())
				assert.Equal(t, head+1, feedHead(t, e.users), "a real change appends its entry")
			}, opt)
		})
	}
}

// TestPanickingEventsCallback: a panic in Config.Events is logged and
// does not change the response of a change already made.
func TestPanickingEventsCallback(t *testing.T) {
	e := newEnv(t, func(c *scim.Config) {
		c.Events = func(context.Context, scim.Event) { panic("host bug") }
	})
	r := e.do("POST", "/Users", map[string]any{"userName": "survives"})
	require.Equal(t, 201, r.Code, r.Raw)
	assert.Contains(t, e.logs.String(), "Config.Events panicked")
	assert.Contains(t, e.logs.String(), "host bug")
}

// TestGroupPutWithExtensionChangesNothing: a group extension comes back
// from a store in the store's own JSON spelling (PostgreSQL's jsonb orders
// keys and spaces them); a provider's PUT of the same values in its own
// spelling changes nothing and keeps the version, on every store.
func TestGroupPutWithExtensionChangesNothing(t *testing.T) {
	ext, err := resources.NewSchema("urn:example:acme:2.0:Group", "AcmeGroup", "",
		&resources.Attribute{Name: "costCenter", Type: resources.TypeString},
		&resources.Attribute{Name: "region", Type: resources.TypeString})
	require.NoError(t, err)
	model, err := resources.NewModel(resources.ModelConfig{GroupExtensions: []*resources.Schema{ext}})
	require.NoError(t, err)
	stores := feedStores(model)
	stores["memory, extensions read back in another spelling"] = func(*testing.T) (store.UserStore, store.GroupStore) {
		m := memory.New(memory.WithModel(model), memory.WithChangeFeed(0))
		return m, respelling{m}
	}
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			users, groups := open(t)
			e := newEnv(t, func(c *scim.Config) { c.Users, c.Groups = users, groups })
			created := e.do("POST", "/Groups", map[string]any{
				"schemas":     []any{resources.GroupSchema, ext.ID},
				"displayName": "Sales",
				ext.ID:        json.RawMessage(`{"region":"EMEA","costCenter":"4711"}`),
			})
			require.Equal(t, 201, created.Code, created.Raw)
			gid, v1 := created.str("id"), created.Header.Get("ETag")
			head := feedHead(t, e.users)
			e.clearEvents()

			for _, spelling := range []string{`{"region":"EMEA","costCenter":"4711"}`, `{ "costCenter" : "4711", "region" : "EMEA" }`} {
				r := e.do("PUT", "/Groups/"+gid, map[string]any{
					"schemas":     []any{resources.GroupSchema, ext.ID},
					"displayName": "Sales",
					ext.ID:        json.RawMessage(spelling),
				})
				require.Equal(t, 200, r.Code, r.Raw)
				assert.Equal(t, v1, r.Header.Get("ETag"), "%s: the version is kept", spelling)
				assert.Empty(t, e.eventTypes(), spelling)
				assert.Equal(t, head, feedHead(t, e.users), "%s: nothing appended to the change feed", spelling)
			}
			r := e.do("PUT", "/Groups/"+gid, map[string]any{
				"schemas":     []any{resources.GroupSchema, ext.ID},
				"displayName": "Sales",
				ext.ID:        json.RawMessage(`{"region":"APAC","costCenter":"4711"}`),
			})
			require.Equal(t, 200, r.Code, r.Raw)
			assert.NotEqual(t, v1, r.Header.Get("ETag"), "a changed extension value is a change")
		})
	}
}

// respelling is a host store that gives a group's extensions back in a
// JSON spelling of its own (as a jsonb column does): keys in another
// order, spaces around them.
type respelling struct{ *memory.Store }

func (s respelling) UpdateGroup(ctx context.Context, id, ifVersion string, withMembers bool, change func(cur *resources.Group) (*resources.Group, error)) (*resources.Group, error) {
	return s.Store.UpdateGroup(ctx, id, ifVersion, withMembers, func(cur *resources.Group) (*resources.Group, error) {
		for k, raw := range cur.Extensions {
			var v map[string]any
			if json.Unmarshal(raw, &v) == nil {
				keys := slices.Sorted(maps.Keys(v))
				slices.Reverse(keys)
				out := "{"
				for i, key := range keys {
					kb, _ := json.Marshal(key)
					vb, _ := json.Marshal(v[key])
					if i > 0 {
						out += ", "
					}
					out += " " + string(kb) + " : " + string(vb)
				}
				cur.Extensions[k] = json.RawMessage(out + " }")
			}
		}
		return change(cur)
	})
}

// TestEventsHoldTheirOwnCopies: a Config.Events callback may keep or
// change the user or group it is handed; the next event of the same
// change and the response are not affected.
func TestEventsHoldTheirOwnCopies(t *testing.T) {
	var seen []string
	e := newEnv(t, func(c *scim.Config) {
		c.Events = func(_ context.Context, ev scim.Event) {
			switch {
			case ev.User != nil:
				seen = append(seen, string(ev.Type)+":"+ev.User.DisplayName)
				ev.User.DisplayName = "changed by the callback"
			case ev.Group != nil:
				seen = append(seen, string(ev.Type)+":"+ev.Group.DisplayName)
				ev.Group.DisplayName = "changed by the callback"
			}
		}
	})
	u := e.do("POST", "/Users", map[string]any{"userName": "copies", "displayName": "Ada"})
	require.Equal(t, 201, u.Code, u.Raw)
	assert.Equal(t, "Ada", u.str("displayName"))
	r := e.do("PATCH", "/Users/"+u.str("id"), patchBody(op("replace", "active", false)))
	require.Equal(t, 200, r.Code, r.Raw)
	assert.Equal(t, "Ada", r.str("displayName"))
	g := e.do("POST", "/Groups", map[string]any{"displayName": "Team", "members": []any{map[string]any{"value": u.str("id")}}})
	require.Equal(t, 201, g.Code, g.Raw)
	assert.Equal(t, "Team", g.str("displayName"))
	assert.Equal(t, []string{
		"user.created:Ada", "user.updated:Ada", "user.deactivated:Ada",
		"group.created:Team", "group.members_added:Team",
	}, seen)
}

// reportlessGroups is a group store that fills no store.Report: it hands
// ModifyMembers and ModifyMembersChecked a context whose report is nil.
type reportlessGroups struct{ *memory.Store }

func (r reportlessGroups) ModifyMembers(ctx context.Context, groupID string, add, remove []string, ifVersion string) (*resources.Group, error) {
	return r.Store.ModifyMembers(store.WithReport(ctx, nil), groupID, add, remove, ifVersion)
}

func (r reportlessGroups) ModifyMembersChecked(ctx context.Context, groupID string, add, remove []string, ifVersion string, check func(*resources.Group) error) (*resources.Group, error) {
	return r.Store.ModifyMembersChecked(store.WithReport(ctx, nil), groupID, add, remove, ifVersion, check)
}

// TestMembershipEventsNameRealChanges: a member PATCH's events name the
// members really added and removed when the store reports them (an id
// already a member, one that names nothing, one not a member are not
// listed), and the ids the request named when it does not; a user's
// deletion reports the memberships it removed.
func TestMembershipEventsNameRealChanges(t *testing.T) {
	for _, tt := range []struct {
		name      string
		reporting bool
	}{{"reporting store", true}, {"store without reports", false}} {
		t.Run(tt.name, func(t *testing.T) {
			db := memory.New()
			e := newEnv(t, func(c *scim.Config) {
				c.Users, c.Groups = db, db
				if !tt.reporting {
					c.Groups = reportlessGroups{db}
				}
			})
			a := e.createUser("a@example.com")["id"].(string)
			b := e.createUser("b@example.com")["id"].(string)
			c := e.createUser("c@example.com")["id"].(string)
			gid := e.createGroup("Sales", a)["id"].(string)
			e.clearEvents()
			const unknown = "00000000-0000-4000-8000-000000000000"
			r := e.do("PATCH", "/Groups/"+gid, patchBody(
				op("add", "members", []any{map[string]any{"value": a}, map[string]any{"value": b}, map[string]any{"value": unknown}}),
				op("remove", `members[value eq "`+c+`"]`, nil),
			))
			require.Equal(t, 204, r.Code, r.Raw)
			e.mu.Lock()
			defer e.mu.Unlock()
			got := map[scim.EventType][]string{}
			for _, ev := range e.events {
				got[ev.Type] = ev.Members
			}
			if tt.reporting {
				assert.Equal(t, map[scim.EventType][]string{scim.MembersAdded: {b}}, got, "only b was added, and nobody removed")
				e.events = nil
				e.mu.Unlock()
				require.Equal(t, 204, e.do("DELETE", "/Users/"+b, nil).Code)
				e.mu.Lock()
				require.Len(t, e.events, 2, "UserDeleted, then the membership it removed")
				assert.Equal(t, scim.UserDeleted, e.events[0].Type)
				assert.Equal(t, scim.Event{Type: scim.MembersRemoved, ID: gid, Members: []string{b}}, scim.Event{Type: e.events[1].Type, ID: e.events[1].ID, Members: e.events[1].Members})
				assert.Nil(t, e.events[1].Group, "a deletion's membership events carry no group")
				return
			}
			assert.Equal(t, []string{c}, got[scim.MembersRemoved], "the removal the request named")
			assert.ElementsMatch(t, []string{a, b, unknown}, got[scim.MembersAdded], "the adds the request named")
		})
	}
}

// TestWriteRespellingANumberChangesNothing: a decimal is the same value
// however it is spelled (RFC 7643 §2.3.3: 1.0, 1 and 1e0 are one number),
// so a PUT or PATCH that only respells one keeps the version and appends
// nothing to the change feed, on every store, beside a member value that
// names no one too (store.GroupUpdater: SQLite and PostgreSQL compared
// the stored document's text, memory the values). Before, each such
// write made a new version on every store (the handler compared numbers
// by their text); the PUT beside a skipped member did on SQLite and
// PostgreSQL alone once the handler compared them by value.
func TestWriteRespellingANumberChangesNothing(t *testing.T) {
	const userURN, groupURN = "urn:example:acme:2.0:User", "urn:example:acme:2.0:Group"
	userExt, err := resources.NewSchema(userURN, "AcmeUser", "", &resources.Attribute{Name: "weight", Type: resources.TypeDecimal})
	require.NoError(t, err)
	groupExt, err := resources.NewSchema(groupURN, "AcmeGroup", "", &resources.Attribute{Name: "weight", Type: resources.TypeDecimal})
	require.NoError(t, err)
	model, err := resources.NewModel(resources.ModelConfig{UserExtensions: []*resources.Schema{userExt}, GroupExtensions: []*resources.Schema{groupExt}})
	require.NoError(t, err)
	for name, open := range feedStores(model) {
		t.Run(name, func(t *testing.T) {
			users, groups := open(t)
			e := newEnv(t, func(c *scim.Config) { c.Users, c.Groups = users, groups })
			user := func(w string) map[string]any {
				return map[string]any{"schemas": []any{resources.UserSchema, userURN}, "userName": "weighed", userURN: json.RawMessage(`{"weight":` + w + `}`)}
			}
			group := func(w string, members ...string) map[string]any {
				var ms []any
				for _, id := range members {
					ms = append(ms, map[string]any{"value": id})
				}
				return map[string]any{"schemas": []any{resources.GroupSchema, groupURN}, "displayName": "Weighed", "members": ms, groupURN: json.RawMessage(`{"weight":` + w + `}`)}
			}
			u := e.do("POST", "/Users", user("1.0"))
			require.Equal(t, 201, u.Code, u.Raw)
			g := e.do("POST", "/Groups", group("1.0", u.str("id")))
			require.Equal(t, 201, g.Code, g.Raw)
			uPath, gPath := "/Users/"+u.str("id"), "/Groups/"+g.str("id")
			tags := map[string]string{uPath: u.Header.Get("ETag"), gPath: g.Header.Get("ETag")}

			for _, tc := range []struct {
				name, method, path string
				body               any
			}{
				{"user PUT of 1", "PUT", uPath, user("1")},
				{"user PUT of 1e0", "PUT", uPath, user("1e0")},
				{"user PATCH of 1.00", "PATCH", uPath, patchBody(op("replace", userURN+":weight", json.Number("1.00")))},
				{"group PUT of 1", "PUT", gPath, group("1", u.str("id"))},
				{"group PUT of 10e-1 beside a member that names no one", "PUT", gPath, group("10e-1", u.str("id"), "not-provisioned")},
				{"group PATCH of 1.00", "PATCH", gPath, patchBody(op("replace", groupURN+":weight", json.Number("1.00")))},
			} {
				t.Run(tc.name, func(t *testing.T) {
					head := feedHead(t, e.users)
					e.clearEvents()
					r := e.do(tc.method, tc.path, tc.body)
					require.Contains(t, []int{200, 204}, r.Code, r.Raw)
					assert.Equal(t, tags[tc.path], r.Header.Get("ETag"), "the version is kept")
					assert.Empty(t, e.eventTypes())
					assert.Equal(t, head, feedHead(t, e.users), "nothing appended to the change feed")
				})
			}
			r := e.do("PUT", uPath, user("1.5"))
			require.Equal(t, 200, r.Code, r.Raw)
			assert.NotEqual(t, tags[uPath], r.Header.Get("ETag"), "another number is a change")
		})
	}
}

// feedStores opens each store (memory, SQLite, PostgreSQL) on model m
// with its change feed kept, for feedHead.
func feedStores(m *resources.Model) map[string]func(t *testing.T) (store.UserStore, store.GroupStore) {
	return map[string]func(t *testing.T) (store.UserStore, store.GroupStore){
		"memory": func(*testing.T) (store.UserStore, store.GroupStore) {
			s := memory.New(memory.WithModel(m), memory.WithChangeFeed(0))
			return s, s
		},
		"sqlite": func(t *testing.T) (store.UserStore, store.GroupStore) {
			return openSQLModel(t, filepath.Join(t.TempDir(), "scim.db"), m)
		},
		"postgres": func(t *testing.T) (store.UserStore, store.GroupStore) {
			return openSQLModel(t, sqltest.PostgresDSN(t), m)
		},
	}
}
