package scim_test

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/memory"
)

// losingGroups is a host's group store with ModifyMembers alone (no
// store.CheckedMemberModifier, no store.GroupUpdater) whose versioned
// ModifyMembers loses to a concurrent writer the first lose times (-1:
// always), as when other member changes of the group keep landing
// between the handler's read and its write.
type losingGroups struct {
	store.GroupStore
	lose  int64
	calls atomic.Int64
}

func (g *losingGroups) ModifyMembers(ctx context.Context, id string, add, remove []string, ifVersion string) (*resources.Group, error) {
	if ifVersion != "" {
		if n := g.calls.Add(1); g.lose < 0 || n <= g.lose {
			return nil, store.ErrPreconditionFailed
		}
	}
	return g.GroupStore.ModifyMembers(ctx, id, add, remove, ifVersion)
}

// TestOktaPatchOnABusyGroupWithoutCheckedModifier: on a host store
// without store.CheckedMemberModifier, Okta's membership update (the
// displayName resent with the member change) is a read of the group and
// ModifyMembers at the version read; a write that lost to a concurrent
// one is tried again after a backoff, so a few lost races still answer
// 204 with the member added, and one that keeps losing answers 503 with
// Retry-After (never 412: the request set no If-Match) once the
// request's StoreTimeout would pass, with nothing written.
func TestOktaPatchOnABusyGroupWithoutCheckedModifier(t *testing.T) {
	for _, tc := range []struct {
		name    string
		lose    int64
		timeout time.Duration
		want    int
		added   bool
	}{
		// A budget no run comes near (under -race on a loaded machine
		// the four attempts can take over 200 ms): the retries succeed.
		{"loses three times", 3, 5 * time.Second, http.StatusNoContent, true},
		// The budget the retries stay within, shorter than the 5 s of
		// backoff.DefaultBudget, yet with room for the first attempt to
		// lose and the write to be tried again: at 200 ms, the first
		// attempt sometimes took the whole budget under -race on a
		// loaded machine, and the write was never tried again.
		{"keeps losing", -1, 2 * time.Second, http.StatusServiceUnavailable, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := memory.New()
			groups := &losingGroups{GroupStore: db, lose: tc.lose}
			e := newEnv(t, func(c *scim.Config) {
				c.Users, c.Groups = db, groups
				c.StoreTimeout = tc.timeout
			})
			_, checked := any(groups).(store.CheckedMemberModifier)
			require.False(t, checked, "the store must take the generic path")
			uid := e.createUser("bjensen")["id"].(string)
			gid := e.createGroup("Pushed")["id"].(string)

			r := e.do("PATCH", "/Groups/"+gid, oktaPatch(gid, "Pushed", []string{uid}, nil))
			require.Equal(t, tc.want, r.Code, r.Raw)
			if tc.want == http.StatusServiceUnavailable {
				// 503 with Retry-After whether the retries stopped
				// before the deadline (errBusy) or met it: what matters
				// is that the provider retries and nothing was written.
				requireError(t, r, http.StatusServiceUnavailable, "", "")
				assert.NotEmpty(t, r.Header.Get("Retry-After"))
			}
			assert.Greater(t, groups.calls.Load(), int64(1), "the write was tried again")
			g, err := db.GetGroup(context.Background(), gid, store.GetOptions{})
			require.NoError(t, err)
			assert.Equal(t, tc.added, len(g.Members) == 1, "members %v", g.Members)
		})
	}
}
