package scim_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
)

// idRecorder is a host's user store over memory that records the ids it
// is asked for, and says nothing of its ids' length.
type idRecorder struct {
	store.UserStore
	asked []string
}

func (s *idRecorder) GetUser(ctx context.Context, id string, opts store.GetOptions) (*resources.User, error) {
	s.asked = append(s.asked, id)
	return s.UserStore.GetUser(ctx, id, opts)
}

func (s *idRecorder) DeleteUser(ctx context.Context, id, ifVersion string) error {
	s.asked = append(s.asked, id)
	return s.UserStore.DeleteUser(ctx, id, ifVersion)
}

// idLimited is idRecorder saying its ids are at most max bytes long.
type idLimited struct {
	*idRecorder
	max int
}

func (s idLimited) MaxIDLen() int { return s.max }

// TestIDBeyondStoreLimit: a store that says how long its ids are at most
// (store.IDLimiter) is not asked for a longer one: the handler answers
// 404, as the store would; an id of that length still reaches it. A store
// that does not say is asked for every id.
func TestIDBeyondStoreLimit(t *testing.T) {
	for _, tc := range []struct {
		name  string
		limit int // 0: the store says nothing
		id    string
		asked bool
	}{
		{"longer than the limit", 8, "123456789", false},
		{"100 KB", 8, strings.Repeat("1", 100<<10), false},
		{"at the limit", 8, "12345678", true},
		{"no limit said", 0, strings.Repeat("1", 100<<10), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := &idRecorder{}
			e := newEnv(t, func(c *scim.Config) {
				rec.UserStore = c.Users
				c.Users = rec
				if tc.limit > 0 {
					c.Users = idLimited{rec, tc.limit}
				}
			})
			for _, method := range []string{"GET", "DELETE"} {
				rec.asked = nil
				r := e.do(method, "/Users/"+tc.id, nil)
				assert.Equal(t, http.StatusNotFound, r.Code, method)
				assert.Equal(t, tc.asked, len(rec.asked) > 0, method)
			}
		})
	}
}
