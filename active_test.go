package scim_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/memory"
)

// notNullActive is a host's users table whose active column cannot hold
// NULL and has no default, which store.UserStore allows: the handler
// never hands a store a nil Active. It hides memory's UserUpdater, so a
// PUT or PATCH is a read and a versioned ReplaceUser.
type notNullActive struct{ store.UserStore }

var errActiveNull = errors.New("NOT NULL constraint failed: users.active")

func (s notNullActive) CreateUser(ctx context.Context, u *resources.User) (*resources.User, error) {
	if u.Active == nil {
		return nil, errActiveNull
	}
	return s.UserStore.CreateUser(ctx, u)
}

func (s notNullActive) ReplaceUser(ctx context.Context, u *resources.User, ifVersion string) (*resources.User, error) {
	if u.Active == nil {
		return nil, errActiveNull
	}
	return s.UserStore.ReplaceUser(ctx, u, ifVersion)
}

// TestPatchUnassigningActiveKeepsItAssigned: a PATCH that leaves active
// unassigned (a remove, a null) leaves the user active, as a create
// without it does: a user without active is active (User.IsActive), and
// stores are handed a non-nil Active (store.UserStore), so a store whose
// column cannot hold NULL gets no nil to fail on (it answered 500), and
// every store answers alike (ours showed no active, a store keeping a
// nil as true showed true, and "active eq true" missed the user).
func TestPatchUnassigningActiveKeepsItAssigned(t *testing.T) {
	patchOp := func(op map[string]any) map[string]any {
		return map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"}, "Operations": []any{op}}
	}
	ops := []struct {
		name string
		op   map[string]any
	}{
		{"remove", map[string]any{"op": "remove", "path": "active"}},
		{"Remove", map[string]any{"op": "Remove", "path": "ACTIVE"}},
		{"replace null", map[string]any{"op": "replace", "path": "active", "value": nil}},
		{"no-path replace null", map[string]any{"op": "replace", "value": map[string]any{"active": nil}}},
		{"core URN path", map[string]any{"op": "remove", "path": "urn:ietf:params:scim:schemas:core:2.0:User:active"}},
	}
	stores := []struct {
		name  string
		users func(*memory.Store) store.UserStore
	}{
		{"memory", func(db *memory.Store) store.UserStore { return db }},
		{"host store, active NOT NULL", func(db *memory.Store) store.UserStore { return notNullActive{db} }},
	}
	for _, st := range stores {
		for _, tc := range ops {
			for _, was := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s/%s/active was %v", st.name, tc.name, was), func(t *testing.T) {
					e := newEnv(t, func(c *scim.Config) { c.Users = st.users(c.Users.(*memory.Store)) })
					u := e.createUser("pat", map[string]any{"active": was})
					id := u["id"].(string)
					version := u["meta"].(map[string]any)["version"]

					r := e.do("PATCH", "/Users/"+id, patchOp(tc.op))
					require.Equal(t, http.StatusOK, r.Code, r.Raw)
					assert.Equal(t, true, r.Body["active"], "the PATCH's response: %s", r.Raw)
					if was {
						assert.Equal(t, version, r.Body["meta"].(map[string]any)["version"], "an active user stays active: nothing changes %s", r.Raw)
					}

					got := e.do("GET", "/Users/"+id, nil)
					require.Equal(t, http.StatusOK, got.Code, got.Raw)
					assert.Equal(t, true, got.Body["active"], got.Raw)
					found := e.do("GET", "/Users?filter="+url.QueryEscape(`active eq true and userName eq "pat"`), nil)
					require.Equal(t, http.StatusOK, found.Code, found.Raw)
					assert.EqualValues(t, 1, found.Body["totalResults"], "active eq true finds the user a GET shows active: %s", found.Raw)

					bulk := e.do("POST", "/Bulk", map[string]any{
						"schemas":    []string{"urn:ietf:params:scim:api:messages:2.0:BulkRequest"},
						"Operations": []any{map[string]any{"method": "PATCH", "path": "/Users/" + id, "data": patchOp(tc.op)}},
					})
					require.Equal(t, http.StatusOK, bulk.Code, bulk.Raw)
					assert.Equal(t, "200", bulk.Body["Operations"].([]any)[0].(map[string]any)["status"], bulk.Raw)
				})
			}
		}
	}
}

// TestPutOverUnassignedActive: a PUT without active keeps the stored
// value, and a user stored without one (by the host, or before this
// release) is active, so the PUT hands the store true, never nil.
func TestPutOverUnassignedActive(t *testing.T) {
	e := newEnv(t, func(c *scim.Config) { c.Users = notNullActive{c.Users.(*memory.Store)} })
	stored, err := e.db.CreateUser(context.Background(), &resources.User{UserName: "hostmade"})
	require.NoError(t, err)
	require.Nil(t, stored.Active, "the host's own write, past the handler")

	r := e.do("PUT", "/Users/"+stored.ID, map[string]any{
		"schemas":  []string{"urn:ietf:params:scim:schemas:core:2.0:User"},
		"userName": "hostmade",
		"title":    "t",
	})
	require.Equal(t, http.StatusOK, r.Code, r.Raw)
	assert.Equal(t, true, r.Body["active"], r.Raw)
}
