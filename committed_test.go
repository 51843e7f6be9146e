package scim_test

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/memory"
)

// lateReads is a memory store whose reads that only complete a write's
// response (a group read by id, a user's groups, a users' list, which
// finds managers) fail as a store whose deadline passed right after the
// commit fails them, while armed. The writes themselves go through.
type lateReads struct {
	*memory.Store
	armed atomic.Bool
	fails atomic.Int32
}

var errLate = fmt.Errorf("%w: the read came after the store's deadline", context.DeadlineExceeded)

func (s *lateReads) late() error {
	if s.armed.Load() {
		s.fails.Add(1)
		return errLate
	}
	return nil
}

func (s *lateReads) GetGroup(ctx context.Context, id string, opts store.GetOptions) (*resources.Group, error) {
	if err := s.late(); err != nil {
		return nil, err
	}
	return s.Store.GetGroup(ctx, id, opts)
}

func (s *lateReads) GroupsOf(ctx context.Context, ids []string) (map[string][]resources.GroupRef, error) {
	if err := s.late(); err != nil {
		return nil, err
	}
	return s.Store.GroupsOf(ctx, ids)
}

func (s *lateReads) ListUsers(ctx context.Context, q store.Query) (store.Page[*resources.User], error) {
	if err := s.late(); err != nil {
		return store.Page[*resources.User]{}, err
	}
	return s.Store.ListUsers(ctx, q)
}

// lateEnv is a handler on a lateReads store, armed, holding the user
// bjensen (uid) in the group team (gid).
func lateEnv(t *testing.T) (s *lateReads, e *env, gid, uid string) {
	s = &lateReads{Store: memory.New()}
	e = newEnv(t, func(c *scim.Config) { c.Users, c.Groups = s, s })
	uid = e.createUser("bjensen")["id"].(string)
	gid = e.createGroup("team", uid)["id"].(string)
	s.armed.Store(true)
	return s, e, gid, uid
}

// TestCommittedWriteIsNoError: when a read that only completes the
// response fails after the write committed (the store's deadline passed
// between the two), the answer is the write's success, without what the
// read would have added, and a warning says so; never the 503 it was,
// which a provider retries (a create then gets 409, its change again).
// A read that fails before anything was written is still the error.
func TestCommittedWriteIsNoError(t *testing.T) {
	manager := func(id string) map[string]any {
		return map[string]any{"manager": map[string]any{"value": id}}
	}
	tests := []struct {
		name string
		// send makes the request with the store's reads failing; ids are
		// a manager user and a group made before.
		send func(e *env, mgr, gid, uid string) *resp
		want int
		// check looks at the store (read without failures).
		check func(t *testing.T, s *memory.Store, r *resp, mgr, gid, uid string)
	}{
		{
			name: "POST /Users with a manager",
			send: func(e *env, mgr, _, _ string) *resp {
				return e.do("POST", "/Users", map[string]any{
					"schemas":  []string{resources.UserSchema, resources.EnterpriseUserSchema},
					"userName": "new", resources.EnterpriseUserSchema: manager(mgr),
				})
			},
			want: http.StatusCreated,
			check: func(t *testing.T, s *memory.Store, r *resp, _, _, _ string) {
				require.NotEmpty(t, r.str("id"), r.Raw)
				u, err := s.GetUser(context.Background(), r.str("id"), store.GetOptions{})
				require.NoError(t, err)
				assert.Equal(t, "new", u.UserName)
			},
		},
		{
			name: "PUT /Users/{id}",
			send: func(e *env, mgr, _, uid string) *resp {
				return e.do("PUT", "/Users/"+uid, map[string]any{
					"schemas":  []string{resources.UserSchema, resources.EnterpriseUserSchema},
					"userName": "renamed", resources.EnterpriseUserSchema: manager(mgr),
				})
			},
			want: http.StatusOK,
			check: func(t *testing.T, s *memory.Store, r *resp, _, _, uid string) {
				assert.Equal(t, "renamed", r.str("userName"))
				assert.NotContains(t, r.Body, "groups", "the groups could not be read")
				u, err := s.GetUser(context.Background(), uid, store.GetOptions{})
				require.NoError(t, err)
				assert.Equal(t, "renamed", u.UserName)
			},
		},
		{
			name: "PATCH /Users/{id} active false",
			send: func(e *env, _, _, uid string) *resp {
				return e.do("PATCH", "/Users/"+uid, patchBody(op("replace", "", map[string]any{"active": false})))
			},
			want: http.StatusOK,
			check: func(t *testing.T, s *memory.Store, r *resp, _, _, uid string) {
				assert.Equal(t, false, r.Body["active"])
				u, err := s.GetUser(context.Background(), uid, store.GetOptions{})
				require.NoError(t, err)
				assert.False(t, *u.Active)
			},
		},
		{
			name: "PATCH /Groups/{id} rename, asking for the members",
			send: func(e *env, _, gid, _ string) *resp {
				return e.do("PATCH", "/Groups/"+gid+"?attributes=displayName,members", patchBody(op("replace", "displayName", "Renamed")))
			},
			want: http.StatusNoContent,
			check: func(t *testing.T, s *memory.Store, r *resp, _, gid, _ string) {
				g, err := s.GetGroup(context.Background(), gid, store.GetOptions{})
				require.NoError(t, err)
				assert.Equal(t, "Renamed", g.DisplayName)
				assert.Len(t, g.Members, 1, "the members are as they were")
				assert.Equal(t, g.Meta.Version, r.Header.Get("ETag"), "the version written")
			},
		},
		{
			name: "PATCH /Groups/{id} members, asking for the group",
			send: func(e *env, mgr, gid, _ string) *resp {
				return e.do("PATCH", "/Groups/"+gid+"?attributes=members", patchBody(op("add", "members", []any{map[string]any{"value": mgr}})))
			},
			want: http.StatusNoContent,
			check: func(t *testing.T, s *memory.Store, r *resp, mgr, gid, uid string) {
				g, err := s.GetGroup(context.Background(), gid, store.GetOptions{})
				require.NoError(t, err)
				assert.ElementsMatch(t, []string{mgr, uid}, []string{g.Members[0].Value, g.Members[1].Value})
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := &lateReads{Store: memory.New()}
			e := newEnv(t, func(c *scim.Config) { c.Users, c.Groups = s, s })
			mgr := e.createUser("boss")["id"].(string)
			uid := e.createUser("bjensen")["id"].(string)
			gid := e.createGroup("team", uid)["id"].(string)

			s.armed.Store(true)
			r := tc.send(e, mgr, gid, uid)
			s.armed.Store(false)
			require.Equal(t, tc.want, r.Code, r.Raw)
			require.NotZero(t, s.fails.Load(), "no read failed: the test tests nothing")
			tc.check(t, s.Store, r, mgr, gid, uid)
			assert.Contains(t, e.logs.String(), "could not be read for the response", "the warning")
		})
	}

	// wrote is the operation's: a read that fails in a Bulk operation
	// that wrote nothing (a PATCH to what is stored) is its error, though
	// the operation before it committed a write.
	t.Run("a Bulk operation that wrote nothing after one that wrote", func(t *testing.T) {
		s, e, _, uid := lateEnv(t)
		r := e.do("POST", "/Bulk", bulkBody(0,
			map[string]any{"method": "POST", "path": "/Users", "bulkId": "u", "data": map[string]any{
				"schemas": []string{resources.UserSchema}, "userName": "new"}},
			map[string]any{"method": "PATCH", "path": "/Users/" + uid, "bulkId": "g",
				"data": patchBody(op("replace", "userName", "bjensen"))},
		))
		s.armed.Store(false)
		_, by := bulkOps(t, r)
		assert.Equal(t, "201", by["u"]["status"], "%v", by["u"])
		assert.Equal(t, "503", by["g"]["status"], "%v", by["g"])
		require.NotZero(t, s.fails.Load(), "no read failed: the test tests nothing")
	})

	// A member change that added and removed nothing wrote nothing: the
	// read for its response that fails is its error.
	t.Run("a member change that changed nothing", func(t *testing.T) {
		s, e, gid, uid := lateEnv(t)
		r := e.do("PATCH", "/Groups/"+gid+"?attributes=members", patchBody(op("add", "members", []any{map[string]any{"value": uid}})))
		s.armed.Store(false)
		requireError(t, r, http.StatusServiceUnavailable, "", "")
		require.NotZero(t, s.fails.Load(), "no read failed: the test tests nothing")
	})

	t.Run("a read before the write is the error", func(t *testing.T) {
		s, e, gid, _ := lateEnv(t)
		// With If-Match the group is read, and checked, before the delete.
		r := e.do("DELETE", "/Groups/"+gid, nil, `If-Match: W/"1"`)
		s.armed.Store(false)
		requireError(t, r, http.StatusServiceUnavailable, "", "did not answer in time")
		g, err := s.Store.GetGroup(context.Background(), gid, store.GetOptions{})
		require.NoError(t, err, "nothing written")
		assert.Len(t, g.Members, 1, "nothing written")
	})
}

// TestOnPasswordPanicAfterTheWrite: Config.OnPassword runs after the
// write committed; a callback that panics (here with the password in its
// message) leaves the answer the write's, not a 500 the provider retries,
// and the log line leaves the password out.
func TestOnPasswordPanicAfterTheWrite(t *testing.T) {
	e := newEnv(t, func(c *scim.Config) {
		c.OnPassword = func(_ context.Context, _, pw string) { panic("cannot keep " + pw) }
	})
	for _, tc := range []struct {
		name   string
		send   func(id string) *resp
		status int
	}{
		{"POST", func(string) *resp {
			return e.do("POST", "/Users", map[string]any{"userName": "pw", "password": "secret-create"})
		}, http.StatusCreated},
		{"PATCH", func(id string) *resp {
			return e.do("PATCH", "/Users/"+id, patchBody(op("replace", "password", "secret-patch")))
		}, http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id := ""
			if tc.name != "POST" {
				id = e.createUser("pw-" + tc.name)["id"].(string)
			}
			r := tc.send(id)
			require.Equal(t, tc.status, r.Code, r.Raw)
			_, err := e.db.GetUser(context.Background(), r.str("id"), store.GetOptions{})
			require.NoError(t, err, "the user is stored")
			assert.Contains(t, e.logs.String(), "Config.OnPassword panicked")
			assert.NotContains(t, e.logs.String(), "secret-", "the password is never logged")
		})
	}
}
