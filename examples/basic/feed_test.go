package main

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/store/sqlstore/sqltest"
)

// childDBEnv, when set, makes TestChildServer run the example on that
// database until it is killed: the replica processes of
// TestFeedConsumerReplicas.
const childDBEnv = "SCIMKIT_BASIC_CHILD_DB"

// TestChildServer is not a test: it is the example server run as a child
// process by TestFeedConsumerReplicas (skipped otherwise).
func TestChildServer(t *testing.T) {
	dsn := os.Getenv(childDBEnv)
	if dsn == "" {
		t.Skip("runs only as a child process of TestFeedConsumerReplicas")
	}
	cfg := config{Addr: "127.0.0.1:0", DB: dsn, AdminPassword: "replica", FeedLease: 2 * time.Second, FeedPoll: 20 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(os.Stderr, nil))}
	if err := run(context.Background(), cfg, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		os.Exit(1)
	}
}

// replica is one example server process.
type replica struct {
	cmd   *exec.Cmd
	base  string
	token string // printed by the first replica on a new database

	mu    sync.Mutex
	ended []string // users whose sessions this process ended
	done  chan struct{}
}

var endedRe = regexp.MustCompile(`end sessions for user ([0-9a-f-]{36})`)

func startReplica(t *testing.T, dsn string) *replica {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestChildServer$")
	cmd.Env = append(os.Environ(), childDBEnv+"="+dsn)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	r := &replica{cmd: cmd, done: make(chan struct{})}
	t.Cleanup(func() { r.kill() })
	go func() {
		defer close(r.done)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := endedRe.FindStringSubmatch(sc.Text()); m != nil {
				r.mu.Lock()
				r.ended = append(r.ended, m[1])
				r.mu.Unlock()
			}
		}
	}()
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		line := sc.Text()
		if v, ok := strings.CutPrefix(line, "SCIM base URL: "); ok {
			r.base = v
		}
		if v, ok := strings.CutPrefix(line, "Bearer token: "); ok {
			r.token = v
		}
		if strings.HasPrefix(line, "Admin page: ") {
			break
		}
	}
	require.NotEmpty(t, r.base, "the replica printed its base URL")
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	return r
}

// kill ends the process with SIGKILL: no lease released, no
// acknowledgement finished.
func (r *replica) kill() {
	if r.cmd.ProcessState == nil {
		_ = r.cmd.Process.Kill()
		_ = r.cmd.Wait()
		<-r.done
	}
}

func (r *replica) endedUsers() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.ended...)
}

// TestFeedConsumerReplicas runs three example server processes over one
// PostgreSQL database, each with its "sessions" consumer of the change
// feed, while users are deactivated through all three; the process that
// holds the consumer's lease is killed (SIGKILL) halfway and started
// again. Every deactivation is handled, by one process at a time, and
// the consumer goes on after the kill from what it had acknowledged.
func TestFeedConsumerReplicas(t *testing.T) {
	if os.Getenv(childDBEnv) != "" {
		t.Skip("a child process")
	}
	dsn := sqltest.PostgresDSN(t)
	first := startReplica(t, dsn)
	require.NotEmpty(t, first.token, "the first replica on a new database prints a token")
	replicas := []*replica{first, startReplica(t, dsn), startReplica(t, dsn)}
	token := first.token

	const users = 30
	ids := make([]string, users)
	for i := range ids {
		code, body := scimBody(t, "POST", replicas[i%3].base+"/Users", token, fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"replica-%d"}`, i))
		require.Equal(t, http.StatusCreated, code, body)
		m := regexp.MustCompile(`"id":"([0-9a-f-]{36})"`).FindStringSubmatch(body)
		require.NotNil(t, m, body)
		ids[i] = m[1]
	}
	deactivate := func(i int) {
		res := scimRequest(t, "PATCH", replicas[i%3].base+"/Users/"+ids[i], token,
			`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"active","value":false}]}`)
		require.Equal(t, http.StatusOK, res.StatusCode)
	}
	handled := func() (map[string]int, [3]int) {
		seen := map[string]int{}
		var per [3]int
		for k, r := range replicas {
			for _, id := range r.endedUsers() {
				seen[id]++
				per[k]++
			}
		}
		return seen, per
	}

	for i := range users / 2 {
		deactivate(i)
	}
	// The holder is the process that has handled entries so far; kill it.
	var holder int
	require.Eventually(t, func() bool {
		seen, per := handled()
		for k, n := range per {
			if n > 0 {
				holder = k
			}
		}
		return len(seen) == users/2
	}, 30*time.Second, 20*time.Millisecond, "the first half is handled")
	replicas[holder].kill()
	// What the killed holder handled after its last acknowledgement (the
	// consumer acknowledges once per batch): the only entries a
	// consumer may hand over again.
	db, err := sql.Open("pgx", dsn)
	require.NoError(t, err)
	defer db.Close()
	var acked int64
	require.NoError(t, db.QueryRowContext(context.Background(), `SELECT acked FROM scim_feed_consumers WHERE name = 'sessions'`).Scan(&acked))
	rows, err := db.QueryContext(context.Background(), `SELECT f.resource_id FROM scim_feed f
		JOIN scim_feed_consumers c ON c.tenant = f.tenant AND c.name = 'sessions'
		WHERE f.kind = 'user.deactivated' AND f.seq > c.acked`)
	require.NoError(t, err)
	unacked := map[string]bool{}
	for rows.Next() {
		var id string
		require.NoError(t, rows.Scan(&id))
		unacked[id] = true
	}
	require.NoError(t, rows.Err())
	require.NoError(t, rows.Close())
	var handledUnacked []string
	for _, id := range replicas[holder].endedUsers() {
		if unacked[id] {
			handledUnacked = append(handledUnacked, id)
		}
	}
	for i := users / 2; i < users; i++ {
		// Through the other two: the killed one takes no requests.
		res := scimRequest(t, "PATCH", replicas[(holder+1+i%2)%3].base+"/Users/"+ids[i], token,
			`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"active","value":false}]}`)
		require.Equal(t, http.StatusOK, res.StatusCode)
	}
	restarted := startReplica(t, dsn)
	require.Eventually(t, func() bool {
		seen, _ := handled()
		for _, n := range restarted.endedUsers() {
			seen[n]++
		}
		return len(seen) == users
	}, 30*time.Second, 20*time.Millisecond, "every deactivation is handled after the lease holder was killed (its lease expires after 2 s)")

	seen, per := handled()
	for _, id := range restarted.endedUsers() {
		seen[id]++
	}
	twice := 0
	for _, id := range ids {
		assert.GreaterOrEqual(t, seen[id], 1, "user %s: sessions ended", id)
		if seen[id] > 1 {
			assert.Contains(t, handledUnacked, id, "user %s: handled again, though its entry was acknowledged (acked %d)", id, acked)
			assert.Equal(t, 2, seen[id], "user %s: handled again once, by the process that took over", id)
		}
		twice += seen[id] - 1
	}
	assert.LessOrEqual(t, twice, len(handledUnacked),
		"at most what the killed holder handled after its last acknowledgement (Seq %d: %d entries) is handled again (at least once)", acked, len(handledUnacked))
	others := 0
	for k, n := range per {
		if k != holder {
			others += n
		}
	}
	t.Logf("handled per process: %v (replica %d, the holder, killed halfway, %d of its entries after its last acknowledgement), restarted one: %d; handled twice: %d",
		per, holder, len(handledUnacked), len(restarted.endedUsers()), twice)
	assert.Positive(t, others+len(restarted.endedUsers()), "another process took over the consumer after the kill")
}

// scimBody sends a SCIM request with a bearer token and returns the
// status and body.
func scimBody(t *testing.T, method, url, token, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/scim+json")
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res.StatusCode, string(b)
}
