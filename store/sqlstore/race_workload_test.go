package sqlstore_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/sqlstore"
)

// TestRaceWorkload is the racing workload BENCHMARKS.md's "lock order"
// subsections measure, run only when SCIM_RACE_WORKLOAD names a number
// of runs: two stores on one PostgreSQL schema (two processes), 16
// goroutines, 2,000 calls on 12 users and 6 groups nested in a chain:
// Okta's group PATCH through each store's handler (displayName sent
// again, renamed one time in four, with a member added or removed),
// deletes of users and of nested groups (each recreated and put back),
// and groups added to groups. It logs, per run, the time, the
// deadlocks the server counted (pg_stat_database, shared with other
// tests: an upper bound), the writes run again and the 503s and other
// failures; then oneGroupWorkload. It uses only what the store exported before this workload
// was written, so the same file runs against an older tree.
func TestRaceWorkload(t *testing.T) {
	runs := 0
	if _, err := fmt.Sscan(os.Getenv("SCIM_RACE_WORKLOAD"), &runs); err != nil || runs <= 0 {
		t.Skip("SCIM_RACE_WORKLOAD is not a number of runs")
	}
	for run := range runs {
		raceWorkload(t, run)
		oneGroupWorkload(t, run)
	}
}

// oneGroupWorkload: 32 clients of two stores send Okta's membership
// update (the displayName again, a member added or removed) to one group,
// 50 each; it logs the time, the answers and the slowest request.
func oneGroupWorkload(t *testing.T, run int) {
	dsn := postgresDSN(t)
	var hs []http.Handler
	var s *sqlstore.Store
	for range 2 {
		st, err := sqlstore.New(ctx, sqlstore.Config{DSN: dsn, ChangeFeed: true})
		require.NoError(t, err)
		defer st.Close()
		h, err := scim.NewHandler(scim.Config{Users: st, Groups: st, InsecureNoAuth: true})
		require.NoError(t, err)
		hs, s = append(hs, h), st
	}
	var uids []string
	for i := range 30 {
		u, err := s.CreateUser(ctx, &resources.User{UserName: fmt.Sprintf("u%d", i)})
		require.NoError(t, err)
		uids = append(uids, u.ID)
	}
	g, err := s.CreateGroup(ctx, &resources.Group{DisplayName: "all"})
	require.NoError(t, err)
	var mu sync.Mutex
	codes := map[int]int{}
	var slowest time.Duration
	var wg sync.WaitGroup
	start := time.Now()
	for w := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(run), uint64(w)))
			for range 50 {
				op := []string{"add", "remove"}[r.IntN(2)]
				began := time.Now()
				rec := serve(hs[w%2], "PATCH", "/Groups/"+g.ID, fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"id":%q,"displayName":"all"}},{"op":%q,"path":"members","value":[{"value":%q}]}]}`, g.ID, op, uids[r.IntN(len(uids))]))
				d := time.Since(began)
				mu.Lock()
				codes[rec.Code]++
				slowest = max(slowest, d)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	t.Logf("run %d, one group: %.2f s, answers %v, the slowest %.2f s", run, time.Since(start).Seconds(), codes, slowest.Seconds())
}

func raceWorkload(t *testing.T, run int) {
	const users, groups, workers, calls = 12, 6, 16, 2000
	dsn := postgresDSN(t)
	var stores []*sqlstore.Store
	var handlers []http.Handler
	for range 2 {
		s, err := sqlstore.New(ctx, sqlstore.Config{DSN: dsn, ChangeFeed: true})
		require.NoError(t, err)
		defer s.Close()
		h, err := scim.NewHandler(scim.Config{Users: s, Groups: s, InsecureNoAuth: true})
		require.NoError(t, err)
		stores, handlers = append(stores, s), append(handlers, h)
	}
	s := stores[0]
	var mu sync.Mutex // guards uids, gids, names
	uids := make([]string, users)
	gids := make([]string, groups)
	names := make([]string, groups)
	var serial atomic.Int64
	newUser := func(st *sqlstore.Store) (string, error) {
		u, err := st.CreateUser(ctx, &resources.User{UserName: fmt.Sprintf("u%d", serial.Add(1))})
		if err != nil {
			return "", err
		}
		return u.ID, nil
	}
	for i := range uids {
		id, err := newUser(s)
		require.NoError(t, err)
		uids[i] = id
	}
	for i := range gids {
		names[i] = fmt.Sprintf("g%d", serial.Add(1))
		g, err := s.CreateGroup(ctx, &resources.Group{DisplayName: names[i]})
		require.NoError(t, err)
		gids[i] = g.ID
	}
	// Group i is a member of group i-1; user j is in groups j%6 and
	// (j+3)%6, and every user in group 0.
	for i := 1; i < groups; i++ {
		_, err := s.ModifyMembers(ctx, gids[i-1], []string{gids[i]}, nil, "")
		require.NoError(t, err)
	}
	for j, uid := range uids {
		for _, g := range []int{j % groups, (j + 3) % groups, 0} {
			_, err := s.ModifyMembers(ctx, gids[g], []string{uid}, nil, "")
			require.NoError(t, err)
		}
	}
	deadlocks := func() int64 {
		var n int64
		require.NoError(t, s.DB().QueryRowContext(ctx, `SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()`).Scan(&n))
		return n
	}
	pick := func(r *rand.Rand, ids []string) (int, string) {
		mu.Lock()
		defer mu.Unlock()
		i := r.IntN(len(ids))
		return i, ids[i]
	}
	var (
		unavailable, failed, n503 atomic.Int64
		firstErr                  atomic.Value
	)
	fail := func(err error) {
		if err == nil || errors.Is(err, store.ErrNotFound) {
			return // a delete won the race
		}
		if errors.Is(err, store.ErrUnavailable) {
			unavailable.Add(1)
			return
		}
		failed.Add(1)
		firstErr.CompareAndSwap(nil, err.Error())
	}
	slowest := map[string]time.Duration{} // the longest call of each kind, under mu
	retriedBefore := stores[0].RetriedForTest() + stores[1].RetriedForTest()
	dlBefore := deadlocks()
	next := make(chan int, calls)
	for i := range calls {
		next <- i
	}
	close(next)
	start := time.Now()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(run), uint64(w)))
			st, h := stores[w%2], handlers[w%2]
			for range next {
				k := r.IntN(20)
				began := time.Now()
				switch {
				case k < 12: // Okta's group PATCH
					gi, gid := pick(r, gids)
					_, uid := pick(r, uids)
					mu.Lock()
					name := names[gi]
					if r.IntN(4) == 0 {
						name = fmt.Sprintf("g%d", serial.Add(1))
						names[gi] = name
					}
					mu.Unlock()
					op := "add"
					if r.IntN(2) == 0 {
						op = "remove"
					}
					rec := serve(h, "PATCH", "/Groups/"+gid, fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"id":%q,"displayName":%q}},{"op":%q,"path":"members","value":[{"value":%q}]}]}`, gid, name, op, uid))
					switch rec.Code {
					case http.StatusOK, http.StatusNoContent, http.StatusNotFound, http.StatusConflict:
					case http.StatusServiceUnavailable:
						n503.Add(1)
					default:
						failed.Add(1)
						firstErr.CompareAndSwap(nil, fmt.Sprintf("PATCH %d: %s", rec.Code, rec.Body.String()))
					}
				case k < 15: // a user's delete; a new user takes its place
					ui, uid := pick(r, uids)
					fail(st.DeleteUser(ctx, uid, ""))
					id, err := newUser(st)
					if err != nil {
						fail(err)
						continue
					}
					for _, g := range []int{ui % groups, (ui + 3) % groups, 0} {
						_, gid := pick(r, gids)
						_ = g
						_, err := st.ModifyMembers(ctx, gid, []string{id}, nil, "")
						fail(err)
					}
					mu.Lock()
					uids[ui] = id
					mu.Unlock()
				case k < 17: // a nested group's delete; a new one takes its place
					gi, gid := pick(r, gids)
					if gi == 0 {
						continue
					}
					fail(st.DeleteGroup(ctx, gid, ""))
					mu.Lock()
					name := fmt.Sprintf("g%d", serial.Add(1))
					var child string
					if gi+1 < groups {
						child = gids[gi+1]
					}
					parent := gids[gi-1]
					mu.Unlock()
					_, u1 := pick(r, uids)
					ms := []resources.Member{{Value: u1}}
					if child != "" {
						ms = append(ms, resources.Member{Value: child})
					}
					g, err := st.CreateGroup(ctx, &resources.Group{DisplayName: name, Members: ms})
					if err != nil {
						fail(err)
						continue
					}
					_, err = st.ModifyMembers(ctx, parent, []string{g.ID}, nil, "")
					fail(err)
					mu.Lock()
					gids[gi], names[gi] = g.ID, name
					mu.Unlock()
				default: // a group added to a group (again, often)
					gi, _ := pick(r, gids)
					mu.Lock()
					parent, child := gids[gi], gids[(gi+1)%groups]
					mu.Unlock()
					if gi+1 == groups {
						continue // keeps the chain a chain
					}
					_, err := st.ModifyMembers(ctx, parent, []string{child}, nil, "")
					fail(err)
				}
				kind := map[bool]string{true: "patch", false: "other"}[k < 12]
				switch {
				case k >= 12 && k < 15:
					kind = "user delete"
				case k >= 15 && k < 17:
					kind = "group delete"
				case k >= 17:
					kind = "nest"
				}
				d := time.Since(began)
				mu.Lock()
				if d > slowest[kind] {
					slowest[kind] = d
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	retried := stores[0].RetriedForTest() + stores[1].RetriedForTest() - retriedBefore
	t.Logf("run %d: %.2f s, deadlocks %d, writes run again %d, 503 %d, ErrUnavailable %d, other failures %d %v; the longest call of each kind %v",
		run, elapsed.Seconds(), deadlocks()-dlBefore, retried, n503.Load(), unavailable.Load(), failed.Load(), firstErr.Load(), slowest)
}
