package scim_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/memory"
	"github.com/scimkit/scim/store/sqlstore"
	"github.com/scimkit/scim/store/sqlstore/sqltest"
)

// concurrencyStores are the stores the handler's concurrency guarantees
// are checked on: a request without If-Match never fails because of
// concurrency, and nothing is lost.
func concurrencyStores(t *testing.T) map[string]func(t *testing.T) (store.UserStore, store.GroupStore) {
	return map[string]func(t *testing.T) (store.UserStore, store.GroupStore){
		"memory": func(*testing.T) (store.UserStore, store.GroupStore) {
			m := memory.New(memory.WithChangeFeed(0))
			return m, m
		},
		"sqlite": func(t *testing.T) (store.UserStore, store.GroupStore) {
			return openSQL(t, filepath.Join(t.TempDir(), "scim.db"))
		},
		"postgres": func(t *testing.T) (store.UserStore, store.GroupStore) {
			return openSQL(t, sqltest.PostgresDSN(t))
		},
	}
}

// eachStore runs test as a subtest named after each of
// concurrencyStores, on an env over that store; opts configure the
// handler further, after its Users and Groups are set.
func eachStore(t *testing.T, test func(t *testing.T, e *env), opts ...option) {
	for name, open := range concurrencyStores(t) {
		t.Run(name, func(t *testing.T) {
			users, groups := open(t)
			test(t, newEnv(t, append([]option{func(c *scim.Config) { c.Users, c.Groups = users, groups }}, opts...)...))
		})
	}
}

func openSQL(t *testing.T, dsn string) (store.UserStore, store.GroupStore) {
	return openSQLModel(t, dsn, nil)
}

// modelStores opens each store (memory, SQLite, PostgreSQL) on model m,
// for a test that runs a handler of m's on each.
func modelStores(m *resources.Model) map[string]func(t *testing.T) (store.UserStore, store.GroupStore) {
	return map[string]func(t *testing.T) (store.UserStore, store.GroupStore){
		"memory": func(t *testing.T) (store.UserStore, store.GroupStore) {
			db := memory.New(memory.WithModel(m))
			return db, db
		},
		"sqlite": func(t *testing.T) (store.UserStore, store.GroupStore) {
			return openSQLModel(t, filepath.Join(t.TempDir(), "scim.db"), m)
		},
		"postgres": func(t *testing.T) (store.UserStore, store.GroupStore) {
			return openSQLModel(t, sqltest.PostgresDSN(t), m)
		},
	}
}

// openSQLModel is openSQL with the host's model (nil: the default one).
func openSQLModel(t *testing.T, dsn string, m *resources.Model) (store.UserStore, store.GroupStore) {
	s, err := sqlstore.New(context.Background(), sqlstore.Config{DSN: dsn, ChangeFeed: true, Model: m})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s, s
}

// feedHead returns the last Seq of the default tenant's change feed of a
// store concurrencyStores opened.
func feedHead(t *testing.T, s store.UserStore) int64 {
	t.Helper()
	var f store.FeedConsumers
	switch s := s.(type) {
	case *memory.Store:
		f = s.Feed()
	case *sqlstore.Store:
		f = s.Feed()
	default:
		t.Fatalf("no feed on %T", s)
	}
	sts, err := f.FeedStatus(context.Background())
	require.NoError(t, err)
	for _, st := range sts {
		if st.Tenant == "" {
			return st.Head
		}
	}
	return 0
}

// TestConcurrentWritesWithoutIfMatch: 24 clients PATCH one user and one
// group at once without If-Match; every response is 2xx and every change
// is there afterwards.
func TestConcurrentWritesWithoutIfMatch(t *testing.T) {
	const clients = 24
	eachStore(t, func(t *testing.T, e *env) {
		uid := e.createUser("contended")["id"].(string)
		gid := e.createGroup("Contended")["id"].(string)
		members := make([]string, clients)
		for i := range members {
			members[i] = e.createUser(fmt.Sprintf("member%d", i))["id"].(string)
		}
		var wg sync.WaitGroup
		codes := make(chan string, 3*clients)
		for i := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				// A document PATCH that adds this client's own email.
				r := e.do("PATCH", "/Users/"+uid, patchBody(map[string]any{"op": "add", "path": "emails",
					"value": []any{map[string]any{"value": fmt.Sprintf("c%d@example.com", i)}}}))
				codes <- fmt.Sprintf("user %d: %d %s", i, r.Code, r.Raw)
				// Okta's membership update: a rename that changes
				// nothing beside a member add, and a real rename
				// racing the member adds.
				name := "Contended"
				if i%6 == 0 {
					name = fmt.Sprintf("Contended %d", i)
				}
				r = e.do("PATCH", "/Groups/"+gid, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[`+
					`{"op":"replace","value":{"id":"`+gid+`","displayName":"`+name+`"}},`+
					`{"op":"add","path":"members","value":[{"value":"`+members[i]+`"}]}]}`)
				codes <- fmt.Sprintf("group %d: %d %s", i, r.Code, r.Raw)
			}()
		}
		wg.Wait()
		close(codes)
		for c := range codes {
			var code int
			_, err := fmt.Sscanf(afterColon(c), "%d", &code)
			require.NoError(t, err, c)
			assert.True(t, code >= 200 && code < 300, c)
		}
		u := e.do("GET", "/Users/"+uid, nil)
		assert.Len(t, u.Body["emails"], clients, "every client's email is kept")
		g := e.do("GET", "/Groups/"+gid, nil)
		assert.Len(t, g.Body["members"], clients, "every client's member is kept")
	})
}

func afterColon(s string) string {
	for i := range len(s) - 1 {
		if s[i] == ':' && s[i+1] == ' ' {
			return s[i+2:]
		}
	}
	return s
}

// TestConditionalDeleteRacesPatch: a PATCH and a DELETE that both carry the
// same If-Match race; exactly one of them succeeds, whatever the order.
func TestConditionalDeleteRacesPatch(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		for round := range 30 {
			created := e.do("POST", "/Users", map[string]any{"userName": fmt.Sprintf("race%d", round)})
			require.Equal(t, 201, created.Code, created.Raw)
			path, tag := "/Users/"+created.str("id"), created.Header.Get("ETag")
			var wg sync.WaitGroup
			var patch, del int
			wg.Add(2)
			go func() {
				defer wg.Done()
				patch = e.do("PATCH", path, patchBody(map[string]any{"op": "replace", "path": "title", "value": "x"}), "If-Match: "+tag).Code
			}()
			go func() {
				defer wg.Done()
				del = e.do("DELETE", path, nil, "If-Match: "+tag).Code
			}()
			wg.Wait()
			ok := 0
			for _, c := range []int{patch, del} {
				if c == 200 || c == 204 {
					ok++
				} else {
					assert.Contains(t, []int{404, 412}, c, "round %d", round)
				}
			}
			assert.Equal(t, 1, ok, "round %d: PATCH %d, DELETE %d", round, patch, del)
		}
	})
}
