package scim_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/memory"
)

func TestRequestID(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		name, sent string
		kept       bool
	}{
		{"from the proxy", "req-42/abc", true},
		{"none sent", "", false},
		{"with a space", "a b", false},
		{"too long", string(make([]byte, 129)), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var hdr []string
			if tc.sent != "" {
				hdr = append(hdr, "X-Request-Id: "+tc.sent)
			}
			r := e.do("GET", "/Users/nope", nil, hdr...)
			got := r.Header.Get("X-Request-Id")
			if tc.kept {
				assert.Equal(t, tc.sent, got)
			} else {
				assert.Regexp(t, `^[0-9a-f]{16}$`, got)
			}
			assert.Contains(t, e.logs.String(), `"request_id":"`+got+`"`)
		})
	}
}

// TestRequestIDsDiffer: the ids the handler makes name one request each.
func TestRequestIDsDiffer(t *testing.T) {
	e := newEnv(t)
	seen := map[string]bool{}
	for range 200 {
		id := e.do("GET", "/Users/nope", nil).Header.Get("X-Request-Id")
		require.Regexp(t, `^[0-9a-f]{16}$`, id)
		require.False(t, seen[id], "id %s given twice", id)
		seen[id] = true
	}
}

func TestObserve(t *testing.T) {
	var mu sync.Mutex
	var got []scim.RequestStats
	e := newEnv(t, func(c *scim.Config) {
		c.Observe = func(_ context.Context, s scim.RequestStats) {
			mu.Lock()
			defer mu.Unlock()
			got = append(got, s)
		}
	})
	u := e.createUser("obs")
	e.do("GET", "/Users/"+u["id"].(string), nil)
	e.do("GET", "/Users/"+u["id"].(string)+"?attributes=userName", nil)
	e.do("GET", "/Nope", nil)
	e.do("GET", "/Users", nil, "Authorization: Bearer wrong")
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, got, 5)
	for i, want := range []struct {
		route      string
		status     int
		storeCalls int
	}{
		{"POST /Users", 201, 1},
		{"GET /Users/{id}", 200, 1}, // the user with its groups: memory answers both
		{"GET /Users/{id}", 200, 1}, // groups not asked for
		{"/", 404, 0},
		{"", 401, 0},
	} {
		assert.Equal(t, want.route, got[i].Route, "request %d", i)
		assert.Equal(t, want.status, got[i].Status, "request %d", i)
		assert.Equal(t, want.storeCalls, got[i].StoreCalls, "request %d", i)
		assert.Positive(t, got[i].Duration, "request %d", i)
		if want.storeCalls > 0 {
			assert.Positive(t, got[i].StoreDuration, "request %d", i)
		}
	}
}

// stuckStore never answers GetUser before its context ends; ListUsers
// reports the database unreachable.
type stuckStore struct{ *memory.Store }

func (stuckStore) GetUser(ctx context.Context, _ string, _ store.GetOptions) (*resources.User, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

func (stuckStore) ListUsers(context.Context, store.Query) (store.Page[*resources.User], error) {
	return store.Page[*resources.User]{}, fmt.Errorf("dial tcp 10.0.0.1:5432: connection refused: %w", store.ErrUnavailable)
}

// TestStoreOutageIs503: a store that hangs or is unreachable gets 503 with
// Retry-After (providers back off), never a 500 they retry at once or a
// request held forever; the driver's text is not sent.
func TestStoreOutageIs503(t *testing.T) {
	e := newEnv(t, func(c *scim.Config) {
		c.Users = stuckStore{memory.New()}
		c.Groups = nil
		c.StoreTimeout = 20 * time.Millisecond
		// No token check: under the same deadline, on a loaded machine
		// it could take the 20 ms and answer the 503 itself, and the
		// store's outage would go untested.
		c.Tokens, c.InsecureNoAuth = nil, true
	})
	for _, path := range []string{"/Users/x", "/Users?filter=userName+eq+%22a%22"} {
		t.Run(path, func(t *testing.T) {
			r := e.do("GET", path, nil)
			requireError(t, r, 503, "", "retry later")
			assert.Equal(t, "5", r.Header.Get("Retry-After"))
			assert.NotContains(t, r.Raw, "10.0.0.1")
		})
	}
}
