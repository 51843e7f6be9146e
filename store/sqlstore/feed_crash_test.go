package sqlstore_test

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/query"
	"github.com/scimkit/scim/store/sqlstore"
)

// crashServerEnv, set to a DSN, makes TestFeedCrash act as the server
// process the test kills: it re-executes its own test binary with it.
const crashServerEnv = "SCIM_TEST_FEED_CRASH_SERVER_DSN"

// crashPendingEnv, set to 1 with crashServerEnv, makes the server run
// without Config.OnChange: on PostgreSQL its writes leave their entries
// in scim_feed_pending for a reader to number.
const crashPendingEnv = "SCIM_TEST_FEED_CRASH_SERVER_PENDING"

// The server process prints its address on a line starting with
// crashAddrPrefix, and each feed entry as its transaction appends it
// (OnChange), before the commit, on a line starting with crashEntryPrefix.
// It then holds the transaction open for crashHold, so that the kill
// mostly finds transactions that have appended their entries and not
// committed: the window a feed written outside the transaction, or
// numbered outside it, would get wrong.
const (
	crashAddrPrefix  = "feed-crash-server-listening "
	crashEntryPrefix = "feed-crash-server-appended "
	crashHold        = time.Millisecond
)

// Sizes of the crash test's load: crashClients provider-like clients write
// concurrently, and the server is killed when crashWrites of their writes
// have been answered, with the others' requests in flight.
const (
	crashClients = 4
	crashWrites  = 300
)

// TestFeedCrash is the change feed's promise under a real crash: a server
// process (this test binary, re-executed) serving the SCIM handler over a
// sqlstore with the feed on is killed with SIGKILL in the middle of a
// provider-like write load over HTTP, then started again on the same
// database. Every write the server answered 2xx before it died is in the
// feed exactly once, a resource's entries are in the order its writes were
// answered, Seq runs 1..N with no gap, nothing but the writes in flight at
// the kill is in the feed besides, and the restarted server's first write
// gets Seq N+1. It runs with Config.OnChange, which prints each entry as
// its transaction appends it (on SQLite with its Seq; on PostgreSQL with
// Seq 0, numbered by the readers once committed), and without
// ("pending"), where the kill comes as soon as enough writes are answered.
func TestFeedCrash(t *testing.T) {
	if dsn := os.Getenv(crashServerEnv); dsn != "" {
		serveUntilKilled(t, dsn, os.Getenv(crashPendingEnv) == "1")
		return
	}
	forEachDB(t, func(t *testing.T, db opener) {
		for _, pending := range []bool{false, true} {
			t.Run(map[bool]string{false: "OnChange", true: "pending"}[pending], func(t *testing.T) {
				feedCrash(t, db, pending)
			})
		}
	})
}

// feedCrash is TestFeedCrash on one database, the server with
// Config.OnChange or without (pending).
func feedCrash(t *testing.T, db opener, pending bool) {
	dsn := db.dsn(t)
	// The load, until the kill: once crashWrites writes are answered,
	// the next entry a transaction appends triggers it, so that it
	// lands while that transaction is open (crashHold).
	var (
		answered atomic.Int64
		killOnce sync.Once
		killed   atomic.Bool
		wg       sync.WaitGroup
		srv      *crashServer
	)
	kill := func() {
		killOnce.Do(func() {
			killed.Store(true)
			srv.signal()
		})
	}
	srv = startCrashServer(t, dsn, pending, func() {
		if answered.Load() >= crashWrites {
			kill()
		}
	})
	clients := make([]*crashClient, crashClients)
	for i := range clients {
		c := &crashClient{n: i, base: srv.base, http: newCrashHTTPClient(), killed: killed.Load, answered: func() {
			if answered.Add(1) >= crashWrites && pending {
				kill() // no entry printed to time it by: the other clients' writes are in flight
			}
		}}
		clients[i] = c
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.run()
		}()
	}
	wg.Wait()
	kill() // when every client stopped early (a failure, reported below)
	srv.kill(t)
	if isPGDSN(dsn) {
		// A transaction whose COMMIT reached PostgreSQL before the
		// kill commits even so: wait until the dead server's
		// backends are gone, so the feed read next is final.
		waitBackendsGone(t, dsn, srv.app)
	}
	var inFlight int
	for _, c := range clients {
		require.NoError(t, c.failure, "client %d failed before the kill (server stderr: %s)", c.n, srv.stderr)
		if c.stoppedBy != nil {
			inFlight++
		}
		c.http.CloseIdleConnections()
	}
	require.GreaterOrEqual(t, answered.Load(), int64(crashWrites))
	t.Logf("%s: %d writes answered before SIGKILL, %d requests failed with it", db.name, answered.Load(), inFlight)

	// The feed as the crash left it, read by another process's store.
	s := openAt(t, sqlstore.Config{DSN: dsn, ChangeFeed: true})
	entries := readFeed(t, ctx, s.Feed(), 0)
	checkCrashFeed(t, entries, clients)
	checkFeedMatchesData(t, s, entries)
	n := int64(len(entries))

	// The entries of the transactions the kill left open are not in
	// the feed, and on SQLite, where OnChange is handed its Seq, their
	// numbers are free again: every entry the feed has was appended as
	// it is, and those it has not came after them all (the kill cut the
	// tail). On PostgreSQL OnChange is handed Seq 0 (the entries are
	// numbered once committed): each entry the feed has was appended.
	// (OnChange only: without it, the server prints nothing as it appends.)
	if !pending {
		appended := map[string]int64{} // "kind id version" -> Seq printed
		for _, a := range srv.appended {
			seq, k, ok := strings.Cut(a, " ")
			require.True(t, ok, "appended %q", a)
			appended[k], _ = strconv.ParseInt(seq, 10, 64)
		}
		for _, e := range entries {
			k := fmt.Sprintf("%s %s %s", e.Kind, e.ID, e.Version)
			seq, ok := appended[k]
			require.True(t, ok, "entry %d %q is in the feed but no transaction appended it", e.Seq, k)
			if isPGDSN(dsn) {
				require.Zero(t, seq, "entry %d %q: OnChange is handed it before it is numbered", e.Seq, k)
			} else {
				require.Equal(t, e.Seq, seq, "entry %q: OnChange was handed the Seq the feed has", k)
			}
			delete(appended, k)
		}
		lost := slices.Sorted(maps.Keys(appended))
		for _, a := range lost {
			if seq := appended[a]; seq != 0 {
				require.Greater(t, seq, n, "entry %d %q, appended and lost, must come after every committed one", seq, a)
			}
		}
		t.Logf("%s: %d entries were appended by transactions the kill left open, and are not in the feed", db.name, len(lost))
	}

	// A fresh server on the same database works, and its first write
	// follows the last entry.
	srv2 := startCrashServer(t, dsn, pending, nil)
	c := &crashClient{base: srv2.base, http: newCrashHTTPClient()}
	defer c.http.CloseIdleConnections()
	id, version, err := c.create("/Users", map[string]any{"userName": "after-restart@example.com"})
	require.NoError(t, err, "server stderr: %s", srv2.stderr)
	after := readFeed(t, ctx, s.Feed(), n)
	require.Len(t, after, 1)
	assert.Equal(t, store.Change{Seq: n + 1, Kind: store.UserCreated, ID: id, Version: version},
		store.Change{Seq: after[0].Seq, Kind: after[0].Kind, ID: after[0].ID, Version: after[0].Version})
	all := readFeed(t, ctx, s.Feed(), 0)
	for i, e := range all {
		require.Equal(t, int64(i+1), e.Seq, "Seq must run 1..N without a gap")
	}
	status, err := s.Feed().FeedStatus(ctx)
	require.NoError(t, err)
	require.Len(t, status, 1)
	assert.Equal(t, n+1, status[0].Head, "the head row agrees with the last entry")
	srv2.kill(t)
}

// serveUntilKilled is the server process: the SCIM handler over a
// sqlstore with the change feed on, on 127.0.0.1, until it is killed or
// its parent goes away (its stdin closes).
func serveUntilKilled(t *testing.T, dsn string, pending bool) {
	cfg := sqlstore.Config{DSN: dsn, ChangeFeed: true}
	if !pending {
		cfg.OnChange = func(_ context.Context, _ *sql.Tx, c sqlstore.Change) error {
			fmt.Printf("%s%d %s %s %s\n", crashEntryPrefix, c.Seq, c.Kind, c.ID, c.Version)
			time.Sleep(crashHold)
			return nil
		}
	}
	s := openAt(t, cfg)
	h, err := scim.NewHandler(scim.Config{Users: s, Groups: s, InsecureNoAuth: true, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln) //nolint:errcheck // ends with Close below, or with the process
	fmt.Println(crashAddrPrefix + ln.Addr().String())
	_, _ = io.Copy(io.Discard, os.Stdin)
	srv.Close()
}

// crashServer is one server process.
type crashServer struct {
	cmd    *exec.Cmd
	base   string
	app    string // its application_name on PostgreSQL
	stderr *syncBuffer
	out    chan struct{} // closed when its stdout is drained
	// appended are the entries its transactions appended, committed or
	// not ("seq kind id version"), complete once out is closed.
	appended []string
	once     sync.Once
}

// startCrashServer starts a server process on dsn and waits until it
// listens, with Config.OnChange unless pending. onAppend, when not nil,
// is called (on another goroutine) as each entry the server appends is
// read from its output (OnChange prints them).
func startCrashServer(t *testing.T, dsn string, pending bool, onAppend func()) *crashServer {
	t.Helper()
	app := "scimkit-feed-crash-" + randomHex(6)
	if isPGDSN(dsn) {
		dsn = withApplicationName(t, dsn, app)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestFeedCrash$", "-test.count=1", "-test.timeout=10m")
	cmd.Env = append(os.Environ(), crashServerEnv+"="+dsn, crashPendingEnv+"="+map[bool]string{false: "0", true: "1"}[pending])
	srv := &crashServer{cmd: cmd, app: app, stderr: &syncBuffer{}, out: make(chan struct{})}
	cmd.Stderr = srv.stderr
	_, err := cmd.StdinPipe() // closed when this process ends: the server's cue to go too
	require.NoError(t, err)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { srv.kill(t) })
	addr := make(chan string, 1)
	go func() {
		defer close(srv.out)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if a, ok := strings.CutPrefix(sc.Text(), crashAddrPrefix); ok {
				addr <- a
			} else if e, ok := strings.CutPrefix(sc.Text(), crashEntryPrefix); ok {
				srv.appended = append(srv.appended, e)
				if onAppend != nil {
					onAppend()
				}
			} else {
				fmt.Fprintln(srv.stderr, sc.Text()) // the test's own failure, if it had one
			}
		}
		close(addr)
	}()
	a, ok := <-addr
	require.True(t, ok, "the server process ended before it listened: %s", srv.stderr)
	srv.base = "http://" + a
	return srv
}

// signal sends SIGKILL (os.Process.Kill); safe from any goroutine.
func (srv *crashServer) signal() {
	_ = srv.cmd.Process.Kill() // fails only when the process is gone: kill's Wait says how
}

// kill sends SIGKILL and reaps the process.
func (srv *crashServer) kill(t *testing.T) {
	srv.once.Do(func() {
		srv.signal()
		<-srv.out
		err := srv.cmd.Wait()
		var exit *exec.ExitError
		require.True(t, errors.As(err, &exit), "the server process must die of the kill, got %v", err)
		require.False(t, exit.Success())
	})
}

func isPGDSN(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// waitBackendsGone waits until PostgreSQL has no backend left of the
// connections named app (their client was killed; each notices when it
// next reads from its socket).
func waitBackendsGone(t *testing.T, dsn, app string) {
	t.Helper()
	db, err := sql.Open("pgx", dsn)
	require.NoError(t, err)
	defer db.Close()
	for {
		var n int
		require.NoError(t, db.QueryRowContext(ctx, `SELECT count(*) FROM pg_stat_activity WHERE application_name = $1`, app).Scan(&n))
		if n == 0 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// syncBuffer is a bytes.Buffer safe for the process's output copiers and
// the test's failure messages.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func newCrashHTTPClient() *http.Client {
	return &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 2}}
}

// crashAnswer is one write the server answered 2xx, with the feed entries
// it must have appended, in order, at consecutive Seqs. After the first,
// a want with an empty Version matches any version (a group's
// MembersRemoved after a user's delete: the group's new version is
// answered to no one).
type crashAnswer struct {
	what string
	want []store.Change
}

// crashClient is one provider: it writes its own users and its own group,
// one request at a time, so every write changes something and the entries
// each answer implies are known.
type crashClient struct {
	n        int
	base     string
	http     *http.Client
	answered func()
	killed   func() bool // whether the server was killed
	answers  []crashAnswer
	// stoppedBy is the error that stopped the client after the kill: a
	// request in flight or sent to the dead server.
	stoppedBy error
	// failure is what went wrong before the kill: a non-2xx answer.
	failure error
}

var errNot2xx = errors.New("not 2xx")

// do sends one request; an error means no 2xx answer was received in full.
func (c *crashClient) do(method, path string, body any) (http.Header, map[string]any, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		return nil, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, nil, err
	}
	if resp.StatusCode/100 != 2 {
		return nil, nil, fmt.Errorf("%w: %s %s: %d %s", errNot2xx, method, path, resp.StatusCode, raw)
	}
	var doc map[string]any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &doc); err != nil {
			return nil, nil, err
		}
	}
	return resp.Header, doc, nil
}

// create POSTs a resource and returns its id and version.
func (c *crashClient) create(path string, body any) (id, version string, err error) {
	h, doc, err := c.do("POST", path, body)
	if err != nil {
		return "", "", err
	}
	id, _ = doc["id"].(string)
	if id == "" || h.Get("ETag") == "" {
		return "", "", fmt.Errorf("POST %s: no id or ETag in the answer", path)
	}
	return id, h.Get("ETag"), nil
}

// record keeps an answered write and the entries it implies, and counts
// it.
func (c *crashClient) record(what string, want ...store.Change) {
	c.answers = append(c.answers, crashAnswer{what: what, want: want})
	c.answered()
}

func patchOps(ops ...map[string]any) map[string]any {
	return map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"}, "Operations": ops}
}

// run writes until a request fails: the cycle of an identity provider
// (create, update the name, replace, deactivate, assign to a group,
// unassign, delete), over users of its own.
func (c *crashClient) run() {
	stop := func(err error) {
		if errors.Is(err, errNot2xx) || !c.killed() {
			c.failure = err
		} else {
			c.stoppedBy = err
		}
	}
	var (
		gid     string
		members []string // of gid, as this client made them
		prev    string   // the user of the previous round, deleted in this one
	)
	for i := 0; ; i++ {
		name := fmt.Sprintf("c%d-u%d@example.com", c.n, i)
		user := map[string]any{"userName": name, "active": true,
			"name":   map[string]any{"givenName": "Given", "familyName": "Family"},
			"emails": []any{map[string]any{"value": name, "type": "work", "primary": true}}}
		uid, v, err := c.create("/Users", user)
		if err != nil {
			stop(err)
			return
		}
		c.record("create user "+uid, store.Change{Kind: store.UserCreated, ID: uid, Version: v})

		h, _, err := c.do("PATCH", "/Users/"+uid, patchOps(map[string]any{"op": "replace", "path": "name.givenName", "value": fmt.Sprint("Given", i)}))
		if err != nil {
			stop(err)
			return
		}
		c.record("patch name of "+uid, store.Change{Kind: store.UserUpdated, ID: uid, Version: h.Get("ETag"), Attributes: []string{"name"}})

		user["name"] = map[string]any{"givenName": fmt.Sprint("Given", i), "familyName": "Family"}
		user["title"], user["displayName"] = "Engineer", fmt.Sprint("User ", i)
		if h, _, err = c.do("PUT", "/Users/"+uid, user); err != nil {
			stop(err)
			return
		}
		c.record("put "+uid, store.Change{Kind: store.UserUpdated, ID: uid, Version: h.Get("ETag"), Attributes: []string{"displayName", "title"}})

		if h, _, err = c.do("PATCH", "/Users/"+uid, patchOps(map[string]any{"op": "replace", "path": "active", "value": false})); err != nil {
			stop(err)
			return
		}
		v = h.Get("ETag")
		c.record("deactivate "+uid, store.Change{Kind: store.UserUpdated, ID: uid, Version: v, Attributes: []string{"active"}},
			store.Change{Kind: store.UserDeactivated, ID: uid, Version: v})

		if gid == "" {
			id, v, err := c.create("/Groups", map[string]any{"displayName": fmt.Sprintf("crash group %d", c.n), "members": []any{map[string]any{"value": uid}}})
			if err != nil {
				stop(err)
				return
			}
			gid = id
			c.record("create group "+gid, store.Change{Kind: store.GroupCreated, ID: gid, Version: v},
				store.Change{Kind: store.MembersAdded, ID: gid, Version: v, Members: []string{uid}})
		} else {
			if h, _, err = c.do("PATCH", "/Groups/"+gid, patchOps(map[string]any{"op": "add", "path": "members", "value": []any{map[string]any{"value": uid}}})); err != nil {
				stop(err)
				return
			}
			c.record("add "+uid+" to "+gid, store.Change{Kind: store.MembersAdded, ID: gid, Version: h.Get("ETag"), Members: []string{uid}})
		}
		members = append(members, uid)

		if i%3 == 2 {
			if h, _, err = c.do("PATCH", "/Groups/"+gid, patchOps(map[string]any{"op": "replace", "path": "displayName", "value": fmt.Sprintf("crash group %d/%d", c.n, i)})); err != nil {
				stop(err)
				return
			}
			c.record("rename "+gid, store.Change{Kind: store.GroupUpdated, ID: gid, Version: h.Get("ETag"), Attributes: []string{"displayName"}})
		}

		if prev == "" {
			prev = uid
			continue
		}
		// Every other round the provider unassigns the user before
		// deleting it; otherwise the delete drops the membership.
		if i%2 == 1 {
			if h, _, err = c.do("PATCH", "/Groups/"+gid, patchOps(map[string]any{"op": "remove", "path": fmt.Sprintf("members[value eq %q]", prev)})); err != nil {
				stop(err)
				return
			}
			members = slices.DeleteFunc(members, func(m string) bool { return m == prev })
			c.record("remove "+prev+" from "+gid, store.Change{Kind: store.MembersRemoved, ID: gid, Version: h.Get("ETag"), Members: []string{prev}})
		}
		if _, _, err = c.do("DELETE", "/Users/"+prev, nil); err != nil {
			stop(err)
			return
		}
		want := []store.Change{{Kind: store.UserDeleted, ID: prev}}
		if slices.Contains(members, prev) {
			members = slices.DeleteFunc(members, func(m string) bool { return m == prev })
			want = append(want, store.Change{Kind: store.MembersRemoved, ID: gid, Members: []string{prev}})
		}
		c.record("delete "+prev, want...)
		prev = uid
	}
}

// checkFeedMatchesData holds the data to the feed: every resource is at
// the version of its last entry, or gone after a deletion entry. In this
// load every write changes what it writes, so a committed change without
// its entry, or an entry whose change did not commit, shows here.
func checkFeedMatchesData(t *testing.T, s *sqlstore.Store, entries []store.Change) {
	t.Helper()
	last := map[string]store.Change{}
	for _, e := range entries {
		last[e.ID] = e
	}
	for id, e := range last {
		var (
			version string
			err     error
		)
		if strings.HasPrefix(string(e.Kind), "user.") {
			var u *resources.User
			if u, err = s.GetUser(ctx, id, store.GetOptions{}); err == nil {
				version = u.Meta.Version
			}
		} else {
			var g *resources.Group
			if g, err = s.GetGroup(ctx, id, store.GetOptions{ExcludeMembers: true}); err == nil {
				version = g.Meta.Version
			}
		}
		if e.Kind == store.UserDeleted || e.Kind == store.GroupDeleted {
			require.ErrorIs(t, err, store.ErrNotFound, "%s: deleted in the feed (entry %d)", id, e.Seq)
			continue
		}
		require.NoError(t, err, "%s: entry %d", id, e.Seq)
		require.Equal(t, e.Version, version, "%s: stored at another version than its last entry (%d %s)", id, e.Seq, e.Kind)
	}
}

// readFeed reads the whole feed after Seq after, in pages.
func readFeed(t *testing.T, ctx context.Context, f *sqlstore.Feed, after int64) []store.Change {
	t.Helper()
	require.NotNil(t, f)
	var out []store.Change
	for {
		page, err := f.Changes(ctx, after, 97)
		require.NoError(t, err)
		if len(page) == 0 {
			return out
		}
		out = append(out, page...)
		after = page[len(page)-1].Seq
	}
}

type feedKey struct {
	kind        store.ChangeKind
	id, version string
}

// checkCrashFeed holds the feed a crash left to the clients' answers.
func checkCrashFeed(t *testing.T, entries []store.Change, clients []*crashClient) {
	t.Helper()
	require.NotEmpty(t, entries)
	// Seq runs 1..N: no entry of a rolled-back write took a number, and
	// none of a committed one is missing.
	bySeq := map[int64]store.Change{}
	byKey := map[feedKey]int64{}
	for i, e := range entries {
		require.Equal(t, int64(i+1), e.Seq, "Seq must run 1..N without a gap")
		bySeq[e.Seq] = e
		k := feedKey{e.Kind, e.ID, e.Version}
		require.NotContains(t, byKey, k, "entry %d repeats entry %d", e.Seq, byKey[k])
		byKey[k] = e.Seq
	}

	// Every answered write is there exactly once (keys are unique, above),
	// as the entries it implies at consecutive Seqs, and a client's
	// writes, answered one after the other, are in that order.
	matched := map[int64]bool{}
	created := map[string]bool{}
	for _, c := range clients {
		last := int64(0)
		for _, a := range c.answers {
			first := a.want[0]
			seq, ok := byKey[feedKey{first.Kind, first.ID, first.Version}]
			require.True(t, ok, "client %d: %s was answered 2xx but has no %s entry at %s", c.n, a.what, first.Kind, first.Version)
			require.Greater(t, seq, last, "client %d: %s is in the feed before a write answered earlier", c.n, a.what)
			for k, w := range a.want {
				e, ok := bySeq[seq+int64(k)]
				require.True(t, ok, "client %d: %s: entry %d missing", c.n, a.what, seq+int64(k))
				require.Equal(t, w.Kind, e.Kind, "client %d: %s: entry %d", c.n, a.what, e.Seq)
				require.Equal(t, w.ID, e.ID, "client %d: %s: entry %d", c.n, a.what, e.Seq)
				if w.Version != "" {
					require.Equal(t, w.Version, e.Version, "client %d: %s: entry %d", c.n, a.what, e.Seq)
				}
				if w.Attributes != nil {
					require.Equal(t, w.Attributes, e.Attributes, "client %d: %s: entry %d", c.n, a.what, e.Seq)
				}
				if w.Members != nil {
					require.Equal(t, w.Members, e.Members, "client %d: %s: entry %d", c.n, a.what, e.Seq)
				}
				require.False(t, matched[e.Seq], "entry %d matched twice", e.Seq)
				matched[e.Seq] = true
			}
			if first.Kind == store.UserCreated || first.Kind == store.GroupCreated {
				created[first.ID] = true
			}
			last = seq
		}
	}

	// Per resource, entries come in commit order: versions never go back,
	// the creation comes first and a deletion last.
	byID := map[string][]store.Change{}
	for _, e := range entries {
		byID[e.ID] = append(byID[e.ID], e)
	}
	unknown := 0
	for id, es := range byID {
		if !created[id] {
			unknown++ // created by a request in flight at the kill
		}
		var prev uint64
		for i, e := range es {
			switch e.Kind {
			case store.UserCreated, store.GroupCreated:
				require.Zero(t, i, "%s: %s is not its first entry", id, e.Kind)
				require.Equal(t, query.FormatVersion(1), e.Version)
			case store.UserDeleted, store.GroupDeleted:
				require.Equal(t, len(es)-1, i, "%s: entries after its deletion", id)
				continue
			}
			v, ok := query.ParseVersion(e.Version)
			require.True(t, ok, "entry %d: version %q", e.Seq, e.Version)
			require.GreaterOrEqual(t, v, prev, "%s: entry %d goes back to version %d", id, e.Seq, v)
			prev = v
		}
	}

	// Nothing else: each client had at most one request in flight at the
	// kill, which created at most one resource and appended at most two
	// entries (this load's writes append one or two).
	t.Logf("%d entries: %d of answered writes, %d of writes committed but not answered before the kill", len(entries), len(matched), len(entries)-len(matched))
	assert.LessOrEqual(t, unknown, len(clients), "resources no answered write created")
	assert.LessOrEqual(t, len(entries)-len(matched), 2*len(clients), "entries no answered write explains")
}
