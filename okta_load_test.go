package scim_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/sqlstore"
	"github.com/scimkit/scim/store/sqlstore/sqltest"
)

// baseGroups is a group store without store.CheckedMemberModifier and
// store.GroupUpdater: the handler then takes, for a member PATCH, the
// path it took before the member plans used them (a read of the group,
// ModifyMembers at the version read, retried on a concurrent change).
type baseGroups struct {
	store.GroupStore
	store.MembershipReader
	store.ModelProvider
}

// slowGroups delays each group store call the add/remove shape makes by
// d before making it: the round trip to a database across a network,
// which the local one does not have. Behind it the handler sees the
// GroupStore methods alone (base); slowChecked adds the store's
// CheckedMemberModifier, delayed alike (head).
type slowGroups struct {
	store.GroupStore
	d time.Duration
}

func (s slowGroups) GetGroup(ctx context.Context, id string, opts store.GetOptions) (*resources.Group, error) {
	time.Sleep(s.d)
	return s.GroupStore.GetGroup(ctx, id, opts)
}

func (s slowGroups) ModifyMembers(ctx context.Context, id string, add, remove []string, ifVersion string) (*resources.Group, error) {
	time.Sleep(s.d)
	return s.GroupStore.ModifyMembers(ctx, id, add, remove, ifVersion)
}

type slowChecked struct {
	slowGroups
	cm store.CheckedMemberModifier
}

func (s slowChecked) ModifyMembersChecked(ctx context.Context, id string, add, remove []string, ifVersion string, check func(*resources.Group) error) (*resources.Group, error) {
	time.Sleep(s.d)
	return s.cm.ModifyMembersChecked(ctx, id, add, remove, ifVersion, check)
}

// TestOktaPushLoad is the load BENCHMARKS.md's "Okta's membership update
// checked under the group's lock" measures, run only when
// SCIM_OKTA_PUSH_LOAD names a number of pairs: on SQLite and PostgreSQL,
// 16 clients send Okta's membership update to one group, 150 each,
// through the handler on a fresh store, with the store as it is (head)
// and as baseGroups hides its capabilities (base), alternated, base first
// in odd pairs. Two shapes: "add/remove" (the displayName resent, the
// client's next user added and its previous one removed) and "replace"
// (the whole list, four users, sent as replace members); and add/remove
// again with each group store call delayed by 1 ms (slowGroups). It logs, per run, the requests per second, the
// 503s, the store calls beyond one per request (reads and retries) and
// the slowest request, and checks the group's members.
func TestOktaPushLoad(t *testing.T) {
	pairs := 0
	if _, err := fmt.Sscan(os.Getenv("SCIM_OKTA_PUSH_LOAD"), &pairs); err != nil || pairs <= 0 {
		t.Skip("SCIM_OKTA_PUSH_LOAD is not a number of pairs")
	}
	for _, tc := range []struct{ db, shape string }{{"sqlite", "add/remove"}, {"postgres", "add/remove"}, {"sqlite", "replace"}, {"postgres", "replace"},
		{"sqlite", "add/remove, 1 ms a call"}, {"postgres", "add/remove, 1 ms a call"}} {
		db, shape := tc.db, tc.shape
		t.Run(db+" "+shape, func(t *testing.T) {
			ratios := map[string][]float64{}
			for pair := range pairs {
				variants := []string{"base", "head"}
				if pair%2 == 1 {
					variants = []string{"head", "base"}
				}
				rps, slow := map[string]float64{}, map[string]time.Duration{}
				for _, v := range variants {
					rps[v], slow[v] = oktaPushRun(t, db, shape, v, pair)
				}
				ratios["head ÷ base req/s"] = append(ratios["head ÷ base req/s"], rps["head"]/rps["base"])
				ratios["base ÷ head slowest request"] = append(ratios["base ÷ head slowest request"], slow["base"].Seconds()/slow["head"].Seconds())
			}
			for k, rs := range ratios {
				slices.Sort(rs)
				t.Logf("%s %s %s: median %.2f, range %.2f–%.2f, %v", db, shape, k, rs[len(rs)/2], rs[0], rs[len(rs)-1], rs)
			}
		})
	}
}

// oktaPushRun is one run of TestOktaPushLoad; it returns the requests per
// second and the slowest request's time.
func oktaPushRun(t *testing.T, db, shape, variant string, pair int) (float64, time.Duration) {
	const (
		clients = 16
		each    = 150
	)
	dsn := filepath.Join(t.TempDir(), "scim.db")
	if db == "postgres" {
		dsn = sqltest.PostgresDSN(t)
	}
	s, err := sqlstore.New(context.Background(), sqlstore.Config{DSN: dsn, ChangeFeed: true})
	require.NoError(t, err)
	defer s.Close()
	var groups store.GroupStore = s
	switch {
	case strings.HasSuffix(shape, "1 ms a call") && variant == "base":
		groups = slowGroups{s, time.Millisecond}
	case strings.HasSuffix(shape, "1 ms a call"):
		groups = slowChecked{slowGroups{s, time.Millisecond}, s}
	case variant == "base":
		groups = baseGroups{s, s, s}
	}
	var (
		mu      sync.Mutex
		extra   int
		codes   = map[int]int{}
		slowest time.Duration
	)
	h, err := scim.NewHandler(scim.Config{BaseURL: "https://app.example.com/scim/v2", Users: s, Groups: groups, InsecureNoAuth: true,
		Logger: slog.New(slog.DiscardHandler),
		Observe: func(_ context.Context, st scim.RequestStats) {
			mu.Lock()
			defer mu.Unlock()
			extra += st.StoreCalls - 1
			codes[st.Status]++
			slowest = max(slowest, st.Duration)
		}})
	require.NoError(t, err)
	c := context.Background()
	users := make([][]string, clients)
	for i := range users {
		for j := range each {
			u, err := s.CreateUser(c, &resources.User{UserName: fmt.Sprintf("c%d-%d", i, j)})
			require.NoError(t, err)
			users[i] = append(users[i], u.ID)
		}
	}
	g, err := s.CreateGroup(c, &resources.Group{DisplayName: "Pushed"})
	require.NoError(t, err)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range each {
				ops := `{"op":"replace","value":{"id":"` + g.ID + `","displayName":"Pushed"}}`
				if j > 0 {
					ops += `,{"op":"remove","path":"members[value eq \"` + users[i][j-1] + `\"]"}`
				}
				ops += `,{"op":"add","path":"members","value":[{"value":"` + users[i][j] + `"}]}`
				if shape == "replace" {
					vals := make([]string, 4)
					for k := range vals {
						vals[k] = `{"value":"` + users[(i+k)%clients][j] + `"}`
					}
					ops = `{"op":"replace","path":"members","value":[` + strings.Join(vals, ",") + `]}`
				}
				req := httptest.NewRequest(http.MethodPatch, "/Groups/"+g.ID, strings.NewReader(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[`+ops+`]}`))
				req.Header.Set("Content-Type", "application/scim+json")
				h.ServeHTTP(httptest.NewRecorder(), req)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	got, err := s.GetGroup(c, g.ID, store.GetOptions{})
	require.NoError(t, err)
	var want, have []string
	for i := range clients {
		want = append(want, users[i][each-1])
	}
	for _, m := range got.Members {
		have = append(have, m.Value)
	}
	rate := float64(clients*each) / elapsed.Seconds()
	mu.Lock()
	defer mu.Unlock()
	if shape != "replace" && codes[http.StatusNoContent] == clients*each {
		require.ElementsMatch(t, want, have, "every client's last member, and only those")
	}
	t.Logf("pair %d %s %s %s: %.0f req/s (%.2f s), answers %v, store calls beyond one a request %d, slowest %.2f s",
		pair, db, shape, variant, rate, elapsed.Seconds(), codes, extra, slowest.Seconds())
	return rate, slowest
}
