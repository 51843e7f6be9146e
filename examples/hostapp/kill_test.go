package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/store/sqlstore"
)

// childEnv holds the DSN TestServerChild serves, in a child process
// started by TestKilledMidLoad.
const childEnv = "HOSTAPP_CHILD_DB"

// TestServerChild is the app's server, run as a child process of
// TestKilledMidLoad (this test binary, re-executed), which reads the base
// URL and token it prints and kills it.
func TestServerChild(t *testing.T) {
	dsn := os.Getenv(childEnv)
	if dsn == "" {
		t.Skip("run by TestKilledMidLoad in a child process")
	}
	t.Fatal(run(context.Background(), config{Addr: "127.0.0.1:0", DB: dsn, Logger: quiet}, os.Stdout))
}

// server is the app running in a child process.
type server struct {
	cmd         *exec.Cmd
	base, token string
}

// startServer starts the app on dsn in a child process and waits until
// it listens. token is the token of an earlier start, or "" on the first.
func startServer(t *testing.T, dsn, token string) *server {
	cmd := exec.Command(os.Args[0], "-test.run=^TestServerChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), childEnv+"="+dsn)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	s := &server{cmd: cmd, token: token}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	lines := bufio.NewScanner(out)
	for lines.Scan() {
		line := lines.Text()
		if v, ok := strings.CutPrefix(line, "SCIM base URL: "); ok {
			s.base = v
		}
		if v, ok := strings.CutPrefix(line, "Bearer token: "); ok {
			s.token = v
		}
		if strings.HasPrefix(line, "App: ") {
			break
		}
	}
	require.NotEmpty(t, s.base, "the server printed its base URL")
	require.NotEmpty(t, s.token, "the server printed a token, or kept the first one")
	go io.Copy(io.Discard, out)
	return s
}

// send sends a SCIM request and returns its status and the id in the
// answer, or an error when the server cannot be reached.
func (s *server) send(c *http.Client, method, path, body string) (int, string, error) {
	req, err := http.NewRequest(method, s.base+path, strings.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Authorization", "Bearer "+s.token)
	req.Header.Set("Content-Type", "application/scim+json")
	res, err := c.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	id := ""
	if _, rest, ok := strings.Cut(string(b), `"id":"`); ok {
		id, _, _ = strings.Cut(rest, `"`)
	}
	return res.StatusCode, id, err
}

const (
	userSchema = `"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"]`
	groupBody  = `"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"]`
	patchOp    = `"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"]`
)

// load is one provider-like client: it creates users and groups of its
// own and deactivates, reactivates, renames and deletes them and changes
// the groups' members, until the server goes away. It calls wrote after
// each write answered 2xx, and reports any other answer before killed.
func load(t *testing.T, s *server, client int, wrote func(), killed *atomic.Bool, cut *atomic.Int64) {
	r := rand.New(rand.NewPCG(uint64(client), 7))
	c := &http.Client{}
	var users, groups []string
	for i := 0; ; i++ {
		var method, path, body string
		user := func() string { return users[r.IntN(len(users))] }
		switch op := r.IntN(10); {
		case len(users) < 3 || op < 3:
			method, path = "POST", "/Users"
			body = fmt.Sprintf(`{%s,"userName":"c%d-%d@load.example","displayName":"User %d","active":true}`, userSchema, client, i, i)
		case len(groups) < 2 || op == 3:
			method, path = "POST", "/Groups"
			body = fmt.Sprintf(`{%s,"displayName":"c%d team %d","members":[{"value":"%s"}]}`, groupBody, client, i, user())
		case op == 4:
			method, path = "PATCH", "/Users/"+user()
			body = fmt.Sprintf(`{%s,"Operations":[{"op":"replace","path":"active","value":%v}]}`, patchOp, r.IntN(2) == 0)
		case op == 5:
			method, path = "PATCH", "/Users/"+user()
			body = fmt.Sprintf(`{%s,"Operations":[{"op":"replace","value":{"userName":"c%d-%d-renamed@load.example","displayName":"Renamed %d"}}]}`, patchOp, client, i, i)
		case op == 6 || op == 7:
			verb := "add"
			if op == 7 {
				verb = "remove"
			}
			method, path = "PATCH", "/Groups/"+groups[r.IntN(len(groups))]
			body = fmt.Sprintf(`{%s,"Operations":[{"op":"%s","path":"members","value":[{"value":"%s"}]}]}`, patchOp, verb, user())
		case op == 8:
			k := r.IntN(len(users))
			method, path = "DELETE", "/Users/"+users[k]
			users = append(users[:k], users[k+1:]...)
		default:
			method, path = "PATCH", "/Groups/"+groups[r.IntN(len(groups))]
			body = fmt.Sprintf(`{%s,"Operations":[{"op":"replace","path":"displayName","value":"c%d team %d renamed"}]}`, patchOp, client, i)
		}
		code, id, err := s.send(c, method, path, body)
		if err != nil {
			if !killed.Load() {
				t.Errorf("client %d: %s %s: %v", client, method, path, err)
			}
			cut.Add(1)
			return
		}
		if code/100 != 2 {
			if !killed.Load() {
				t.Errorf("client %d: %s %s: %d", client, method, path, code)
			}
			return
		}
		if code == http.StatusCreated {
			if method == "POST" && path == "/Users" {
				users = append(users, id)
			} else {
				groups = append(groups, id)
			}
		}
		wrote()
	}
}

// TestKilledMidLoad starts the app as a real process on each database,
// drives provider-like writes at it from concurrent clients, SIGKILLs it
// mid-load, restarts it on the same database and checks that the app's
// tables agree with the SCIM tables for every user and group (mirrorDiff):
// a SCIM change and the app's change commit together or not at all.
func TestKilledMidLoad(t *testing.T) {
	if os.Getenv(childEnv) != "" {
		t.Skip("the child process only serves")
	}
	const clients, killAfter = 6, 1500
	forEachDB(t, func(t *testing.T, dsn string) {
		s := startServer(t, dsn, "")
		var done atomic.Int64
		var killed atomic.Bool
		var cut atomic.Int64 // requests the kill cut short or refused
		reached, stopped := make(chan struct{}), make(chan struct{})
		var once sync.Once
		wrote := func() {
			if done.Add(1) == killAfter {
				once.Do(func() { close(reached) })
			}
		}
		var wg sync.WaitGroup
		for c := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				load(t, s, c, wrote, &killed, &cut)
			}()
		}
		go func() { wg.Wait(); close(stopped) }()
		// Kill once the clients have written killAfter times, while they
		// go on writing.
		select {
		case <-reached:
		case <-stopped:
			t.Fatal("the clients stopped before the kill")
		}
		killed.Store(true)
		require.NoError(t, s.cmd.Process.Kill()) // SIGKILL: no shutdown, transactions cut short
		s.cmd.Wait()
		<-stopped

		again := startServer(t, dsn, s.token)
		code, _, err := again.send(&http.Client{}, "POST", "/Users", `{`+userSchema+`,"userName":"after-restart@load.example"}`)
		require.NoError(t, err)
		require.Equal(t, http.StatusCreated, code, "the restarted app takes writes, with the token of the first start")

		st, err := sqlstore.Open(context.Background(), dsn)
		require.NoError(t, err)
		defer st.Close()
		diffs, users, groups := mirrorDiff(context.Background(), st)
		assert.Empty(t, diffs)
		assert.Greater(t, users, 10)
		assert.Positive(t, groups)
		assert.Positive(t, cut.Load(), "the kill stopped the clients")
		t.Logf("%d writes before the kill, %d requests cut short or refused by it; %d users and %d groups compared", done.Load(), cut.Load(), users, groups)
	})
}
