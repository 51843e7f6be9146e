package scim_test

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/memory"
)

// TestGetChangesNothingStored: a GET reads the memory store's user and
// group without a copy of their own (store.GetOptions.ReadOnly), as a
// list, a search and a cursor page do (store.Query.ReadOnly), and
// preparing the response (the manager's displayName and $ref, the groups'
// $ref, a narrowed model clearing what it leaves out of a user stored
// before, the password removed, meta) changes nothing stored: every later
// read finds the user and the group as they were.
func TestGetChangesNothingStored(t *testing.T) {
	for _, c := range []struct {
		name  string
		model *resources.Model
		// hidden is an attribute the stored user has that the response
		// must not show.
		hidden string
	}{
		{"full model", resources.DefaultModel(), "password"},
		{"narrowed model", subsetModel(), "costCenter"},
	} {
		t.Run(c.name, func(t *testing.T) {
			db := memory.New(memory.WithModel(c.model))
			e := newEnv(t, func(cfg *scim.Config) { cfg.Users, cfg.Groups = db, db })
			ctx := context.Background()
			boss, err := db.CreateUser(ctx, &resources.User{UserName: "boss", DisplayName: "The Boss", Active: resources.Bool(true)})
			require.NoError(t, err)
			// Written to the store directly, as a user stored before the
			// host narrowed its model would be: with a cost center and a
			// password hash.
			u, err := db.CreateUser(ctx, &resources.User{
				UserName: "worker", Active: resources.Bool(true), Password: "$2a$10$hash",
				Name:       &resources.Name{GivenName: "W"},
				Emails:     []resources.MultiValue{{Value: "w@example.com", Primary: resources.Bool(true)}},
				Enterprise: &resources.EnterpriseUser{CostCenter: "4130", Department: "D", Manager: &resources.Manager{Value: boss.ID}},
			})
			require.NoError(t, err)
			g, err := db.CreateGroup(ctx, &resources.Group{DisplayName: "G", Members: []resources.Member{{Value: u.ID}, {Value: boss.ID}}})
			require.NoError(t, err)
			userBefore, err := db.GetUser(ctx, u.ID, store.GetOptions{})
			require.NoError(t, err)
			groupBefore, err := db.GetGroup(ctx, g.ID, store.GetOptions{})
			require.NoError(t, err)

			for _, path := range []string{
				"/Users/" + u.ID,
				"/Users/" + u.ID + "?attributes=urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
				"/Users/" + u.ID + "?excludedAttributes=groups",
				"/Groups/" + g.ID,
				"/Groups/" + g.ID + "?excludedAttributes=members",
			} {
				r := e.do("GET", path, nil)
				require.Equal(t, 200, r.Code, path+": "+r.Raw)
				assert.NotContains(t, r.Raw, c.hidden, path)
			}
			// Lists, searches and cursor pages read with
			// store.Query.ReadOnly, and prepare what they list as a GET
			// does.
			for _, l := range listsOf("worker", "G") {
				r := e.do(l.method, l.path, l.body)
				require.Equal(t, 200, r.Code, l.method+" "+l.path+": "+r.Raw)
				assert.NotContains(t, r.Raw, c.hidden, l.path)
			}
			r0 := e.do("GET", "/Users?filter=userName+eq+%22worker%22", nil)
			assert.Contains(t, r0.Raw, `"displayName":"The Boss"`, "a lookup fills the manager's displayName")
			assert.Contains(t, r0.Raw, base+"/Groups/"+g.ID, "a lookup fills the group's $ref")
			r := e.do("GET", "/Users/"+u.ID, nil)
			assert.Contains(t, r.Raw, `"displayName":"The Boss"`, "the manager's displayName is filled")
			assert.Contains(t, r.Raw, base+"/Groups/"+g.ID, "the group's $ref is filled")

			userAfter, err := db.GetUser(ctx, u.ID, store.GetOptions{})
			require.NoError(t, err)
			assert.Equal(t, userBefore, userAfter, "a GET changed the stored user")
			groupAfter, err := db.GetGroup(ctx, g.ID, store.GetOptions{})
			require.NoError(t, err)
			assert.Equal(t, groupBefore, groupAfter, "a GET changed the stored group")
		})
	}
}

// listRequest is a list, search or cursor request of a user and a group.
type listRequest struct {
	method, path string
	body         any
}

// listsOf are the ways a client lists the user named user and the group
// named group: the lookups identity providers send, pages sorted and
// not, projections, cursor pages, searches of one type and of the root
// (whose merge sorts both types together).
func listsOf(user, group string) []listRequest {
	search := func(filter string, extra ...any) map[string]any {
		b := map[string]any{"schemas": []any{"urn:ietf:params:scim:api:messages:2.0:SearchRequest"}, "filter": filter}
		for i := 0; i+1 < len(extra); i += 2 {
			b[extra[i].(string)] = extra[i+1]
		}
		return b
	}
	return []listRequest{
		{"GET", "/Users?filter=userName+eq+%22" + user + "%22", nil},
		{"GET", "/Users?filter=userName+eq+%22" + user + "%22&attributes=urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", nil},
		{"GET", "/Users?filter=userName+eq+%22" + user + "%22&excludedAttributes=groups", nil},
		{"GET", "/Users", nil},
		{"GET", "/Users?sortBy=userName&sortOrder=descending", nil},
		{"GET", "/Users?count=1&cursor=", nil},
		{"POST", "/Users/.search", search(`userName eq "` + user + `"`)},
		{"GET", "/Groups?filter=displayName+eq+%22" + group + "%22", nil},
		{"GET", "/Groups?excludedAttributes=members", nil},
		{"GET", "/Groups?count=1&cursor=", nil},
		{"POST", "/.search", search(`displayName pr or userName pr`, "sortBy", "displayName")},
		{"POST", "/.search", search(`displayName pr or userName pr`, "sortBy", "displayName", "cursor", "", "count", 2)},
		{"GET", "/?filter=displayName+pr", nil},
	}
}

// TestGetDuringWrites: GETs, lists and searches of a user and of a
// group run while PATCHes
// change them (the user's name, emails and manager, the group's members):
// the race detector sees a GET that reads what a write changes in place,
// or a GET that writes what another GET reads.
func TestGetDuringWrites(t *testing.T) {
	e := newEnv(t)
	boss := e.createUser("boss@example.com")
	u := e.createUser("w@example.com", map[string]any{
		"name":   map[string]any{"givenName": "W"},
		"emails": []any{map[string]any{"value": "w@example.com", "primary": true}},
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": map[string]any{
			"department": "D", "manager": map[string]any{"value": boss["id"]},
		},
	})
	other := e.createUser("o@example.com")
	uid, gid := u["id"].(string), e.createGroup("G", u["id"].(string))["id"].(string)

	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			for range 30 {
				for _, path := range []string{"/Users/" + uid, "/Groups/" + gid} {
					r := e.do("GET", path, nil)
					assert.Equal(t, 200, r.Code, path)
				}
				for _, l := range listsOf("w@example.com", "G") {
					r := e.do(l.method, l.path, l.body)
					assert.Equal(t, 200, r.Code, l.method+" "+l.path+": "+r.Raw)
				}
			}
		})
	}
	for i := range 30 {
		r := e.do("PATCH", "/Users/"+uid, patchBody(
			op("replace", "name.givenName", "W"+itoa(i)),
			op("replace", `emails[primary eq true].value`, "w"+itoa(i)+"@example.com"),
			op("replace", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", map[string]any{"value": other["id"]}),
		))
		require.Equal(t, 200, r.Code, r.Raw)
		action := "add"
		if i%2 == 1 {
			action = "remove"
		}
		r = e.do("PATCH", "/Groups/"+gid, patchBody(op(action, "members", []any{map[string]any{"value": other["id"]}})))
		require.Contains(t, []int{200, 204}, r.Code, r.Raw)
	}
	wg.Wait()
}
