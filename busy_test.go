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
	"github.com/scimkit/scim/internal/backoff"
	"github.com/scimkit/scim/internal/clocktest"
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

// pacedHandler is the pacing of a handler whose write retries are
// counted rather than waited: its clock stands still (at the time of the
// call), each pause returns at once and counts as time spent
// (internal/backoff), and there is no jitter, each pause being the whole
// of its step (1, 2, 4 ... 64 ms). How many attempts a write that keeps
// losing gets is then the same however slowly the machine runs them.
type pacedHandler struct {
	pauses atomic.Int64 // pauses taken
	paused atomic.Int64 // their total, in nanoseconds
}

func (p *pacedHandler) policy() backoff.Policy {
	clock := clocktest.New(time.Now())
	return backoff.Policy{
		Now: clock.Now,
		Sleep: func(ctx context.Context, d time.Duration) bool {
			p.pauses.Add(1)
			p.paused.Add(int64(d))
			return ctx.Err() == nil
		},
		Jitter: func(n time.Duration) time.Duration { return n },
	}
}

// newPacedEnv is newEnv with the handler's write retries paced by pace
// (scim.NewPacedHandlerForTest).
func newPacedEnv(t *testing.T, pace backoff.Policy, opts ...option) *env {
	t.Helper()
	return newEnvOf(t, func(cfg scim.Config) (http.Handler, error) { return scim.NewPacedHandlerForTest(cfg, pace) }, opts...)
}

// Attempts and pauses of a write that keeps losing for the whole of
// backoff.DefaultBudget (5 s) on pacedHandler's pacing: the pauses 1 + 2
// + 4 + 8 + 16 + 32 = 63 ms, then 76 of 64 ms (4927 ms in all), are
// taken; the next would end within backoff.Margin (20 ms) of the budget.
const (
	attemptsInBudget = 83
	pausesInBudget   = attemptsInBudget - 1
	pausedInBudget   = 4927 * time.Millisecond
)

// TestOktaPatchOnABusyGroupWithoutCheckedModifier: on a host store
// without store.CheckedMemberModifier, Okta's membership update (the
// displayName resent with the member change) is a read of the group and
// ModifyMembers at the version read; a write that lost to a concurrent
// one is tried again after a backoff, so a few lost races still answer
// 204 with the member added, and one that keeps losing answers 503 with
// Retry-After (never 412: the request set no If-Match) once the retry
// budget (backoff.DefaultBudget) is spent, with nothing written. The
// retries are paced on a clock the test holds (pacedHandler), so each
// case gets an exact number of attempts and pauses; the request's
// StoreTimeout, a minute on the real clock, only bounds a run whose
// retries would not end.
func TestOktaPatchOnABusyGroupWithoutCheckedModifier(t *testing.T) {
	for _, tc := range []struct {
		name     string
		lose     int64
		want     int
		added    bool
		attempts int64
		pauses   int64
		paused   time.Duration
	}{
		{"loses three times", 3, http.StatusNoContent, true, 4, 3, 7 * time.Millisecond},
		{"keeps losing", -1, http.StatusServiceUnavailable, false, attemptsInBudget, pausesInBudget, pausedInBudget},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := memory.New()
			groups := &losingGroups{GroupStore: db, lose: tc.lose}
			var pace pacedHandler
			e := newPacedEnv(t, pace.policy(), func(c *scim.Config) {
				c.Users, c.Groups = db, groups
				c.StoreTimeout = time.Minute
			})
			_, checked := any(groups).(store.CheckedMemberModifier)
			require.False(t, checked, "the store must take the generic path")
			uid := e.createUser("bjensen")["id"].(string)
			gid := e.createGroup("Pushed")["id"].(string)

			r := e.do("PATCH", "/Groups/"+gid, oktaPatch(gid, "Pushed", []string{uid}, nil))
			require.Equal(t, tc.want, r.Code, r.Raw)
			if tc.want == http.StatusServiceUnavailable {
				requireError(t, r, http.StatusServiceUnavailable, "", "")
				assert.NotEmpty(t, r.Header.Get("Retry-After"))
			}
			assert.Equal(t, tc.attempts, groups.calls.Load(), "the write was tried again until it won or the budget ran out, and no more")
			assert.Equal(t, tc.pauses, pace.pauses.Load(), "a pause before each attempt after the first")
			assert.Equal(t, tc.paused, time.Duration(pace.paused.Load()), "the pauses double from 1 ms up to 64 ms")
			g, err := db.GetGroup(context.Background(), gid, store.GetOptions{})
			require.NoError(t, err)
			assert.Equal(t, tc.added, len(g.Members) == 1, "members %v", g.Members)
		})
	}
}

// losingReplaces is a host's user and group store without
// store.UserUpdater or store.GroupUpdater whose versioned ReplaceUser and
// ReplaceGroup lose to a concurrent writer the first lose times (-1:
// always), as when other writes of the resource keep landing between the
// handler's read and its write: a PUT is then the handler's own
// read-modify-write, retried.
type losingReplaces struct {
	store.UserStore
	store.GroupStore
	lose  int64
	calls atomic.Int64
}

// loses counts a write at ifVersion and reports whether it loses.
func (s *losingReplaces) loses(ifVersion string) bool {
	if ifVersion == "" {
		return false
	}
	n := s.calls.Add(1)
	return s.lose < 0 || n <= s.lose
}

func (s *losingReplaces) ReplaceUser(ctx context.Context, u *resources.User, ifVersion string) (*resources.User, error) {
	if s.loses(ifVersion) {
		return nil, store.ErrPreconditionFailed
	}
	return s.UserStore.ReplaceUser(ctx, u, ifVersion)
}

func (s *losingReplaces) ReplaceGroup(ctx context.Context, g *resources.Group, ifVersion string) (*resources.Group, error) {
	if s.loses(ifVersion) {
		return nil, store.ErrPreconditionFailed
	}
	return s.GroupStore.ReplaceGroup(ctx, g, ifVersion)
}

// TestPutOnABusyResource: a PUT on a host store without an updater
// (store.UserUpdater, store.GroupUpdater) is a read of the resource and
// a replace at the version read; a replace that lost to a concurrent
// write is tried again after a backoff, so a few lost races still answer
// 200 with the change written, and one that keeps losing answers 503
// with Retry-After (never 412: the request set no If-Match) once the
// retry budget (backoff.DefaultBudget) is spent, with nothing written. A
// PUT with If-Match is not tried again: its lost race is a 412. The
// retries are paced on a clock the test holds (pacedHandler), so each
// case gets exact numbers of attempts and pauses, those of the PATCH of
// a busy group (TestOktaPatchOnABusyGroupWithoutCheckedModifier).
func TestPutOnABusyResource(t *testing.T) {
	for _, tc := range []struct {
		name     string
		group    bool  // PUT a group, else a user
		lose     int64 // replaces that lose first; -1: all
		ifMatch  bool  // the PUT sends If-Match: the version read
		want     int
		attempts int64
		pauses   int64
		paused   time.Duration
	}{
		{"user, loses three times", false, 3, false, http.StatusOK, 4, 3, 7 * time.Millisecond},
		{"user, keeps losing", false, -1, false, http.StatusServiceUnavailable, attemptsInBudget, pausesInBudget, pausedInBudget},
		{"user, loses once with If-Match", false, 1, true, http.StatusPreconditionFailed, 1, 0, 0},
		{"group, loses three times", true, 3, false, http.StatusOK, 4, 3, 7 * time.Millisecond},
		{"group, keeps losing", true, -1, false, http.StatusServiceUnavailable, attemptsInBudget, pausesInBudget, pausedInBudget},
		{"group, loses once with If-Match", true, 1, true, http.StatusPreconditionFailed, 1, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := memory.New()
			s := &losingReplaces{UserStore: db, GroupStore: db, lose: tc.lose}
			var pace pacedHandler
			e := newPacedEnv(t, pace.policy(), func(c *scim.Config) {
				c.Users, c.Groups = s, s
				c.StoreTimeout = time.Minute
			})
			_, userUpdater := any(s).(store.UserUpdater)
			_, groupUpdater := any(s).(store.GroupUpdater)
			require.False(t, userUpdater || groupUpdater, "the store must take the handler's read-modify-write")

			// The resource, the attribute the PUT changes, and the PUT.
			path, name := "/Users/"+e.createUser("bjensen")["id"].(string), "userName"
			schema := resources.UserSchema
			if tc.group {
				path, name = "/Groups/"+e.createGroup("Pushed")["id"].(string), "displayName"
				schema = resources.GroupSchema
			}
			body := map[string]any{"schemas": []string{schema}, name: "Renamed"}
			before := e.do("GET", path, nil)
			require.Equal(t, http.StatusOK, before.Code, before.Raw)
			var hdr []string
			if tc.ifMatch {
				hdr = append(hdr, "If-Match: "+before.Header.Get("ETag"))
			}

			r := e.do("PUT", path, body, hdr...)
			require.Equal(t, tc.want, r.Code, r.Raw)
			switch tc.want {
			case http.StatusServiceUnavailable:
				requireError(t, r, http.StatusServiceUnavailable, "", "")
				assert.NotEmpty(t, r.Header.Get("Retry-After"))
			case http.StatusPreconditionFailed:
				requireError(t, r, http.StatusPreconditionFailed, "", "If-Match")
			}
			assert.Equal(t, tc.attempts, s.calls.Load(), "the replace was tried again until it won or the budget ran out, and no more")
			assert.Equal(t, tc.pauses, pace.pauses.Load(), "a pause before each attempt after the first")
			assert.Equal(t, tc.paused, time.Duration(pace.paused.Load()), "the pauses double from 1 ms up to 64 ms")
			after := e.do("GET", path, nil)
			require.Equal(t, http.StatusOK, after.Code, after.Raw)
			if tc.want == http.StatusOK {
				assert.Equal(t, "Renamed", after.str(name), "the change was written")
				assert.NotEqual(t, before.Header.Get("ETag"), after.Header.Get("ETag"))
			} else {
				assert.Equal(t, before.Raw, after.Raw, "nothing was written")
			}
		})
	}
}
