package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A scimkit server the test starts stands in for another deployment: the
// run seeds it over HTTP, drives every phase against it and divides it by
// the floor like a built-in target. A second run against the same server
// must not collide with the first one's users.
func TestExternalTargetIsDrivenLikeTheOthers(t *testing.T) {
	ctx := context.Background()
	peer, err := startTarget(ctx, targetMemory, tiny())
	require.NoError(t, err)
	defer func() { require.NoError(t, peer.close()) }()

	cfg := tiny()
	cfg.Externals = []external{{Name: "peer", URL: peer.base, Token: peer.token}}
	cfg.Versus = "peer"
	for pass := 1; pass <= 2; pass++ {
		if pass == 2 {
			// The peer runs in this process: its pid is this one's, which
			// stands in for a server process of its own.
			cfg.Externals[0].PID = os.Getpid()
		}
		var out bytes.Buffer
		rep, err := run(ctx, cfg, &out)
		require.NoError(t, err, out.String())
		assert.Zero(t, rep.TotalErrors(), out.String())
		raw, err := json.Marshal(rep)
		require.NoError(t, err)
		assert.Contains(t, string(raw), peer.base, "the report names the server")
		assert.NotContains(t, string(raw), peer.token, "but never its token")

		require.Len(t, rep.Results, cfg.Rounds*len(phases)*2, "the floor and the peer")
		var peerResults int
		for _, r := range rep.Results {
			if r.Target != "peer" {
				continue
			}
			peerResults++
			assert.Equal(t, wantRequests(cfg, r.Phase), r.Requests, "%s round %d", r.Phase, r.Round)
			assert.Zero(t, r.Errors, "%s round %d", r.Phase, r.Round)
			assert.GreaterOrEqual(t, r.CPUSeconds, 0.0, "%s round %d: /proc tells the CPU", r.Phase, r.Round)
		}
		assert.Contains(t, out.String(), "CPU a request, clients and server")
		if pass == 1 {
			assert.Contains(t, out.String(), "its server's CPU unknown (no -external-pid)")
		} else {
			assert.NotContains(t, out.String(), "no -external-pid")
		}
		assert.Equal(t, cfg.Rounds*len(phases), peerResults)
		assert.Contains(t, out.String(), "peer: 0 errors")
		assert.Contains(t, out.String(), "against peer in the same round")
		assert.Contains(t, out.String(), "serving "+peer.base)

		// What the runs created is on the server: the seeded members and
		// each round's users, run after run.
		status, body, err := newDriver(cfg).do(ctx, peer, http.MethodGet, "/Users?count=0", "")
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, status, string(body))
		var list struct{ TotalResults int }
		require.NoError(t, json.Unmarshal(body, &list))
		assert.Equal(t, pass*(cfg.BigGroup+cfg.Rounds*cfg.Users)+max(cfg.BigGroup, cfg.SmallGroup), list.TotalResults,
			"the peer's own seed, then per run its seed and every round's users")
	}
}

// The floor served on its own (-serve-floor) is an external target like any
// other: seeded over HTTP, driven through every phase without a failure,
// and stopped with its context.
func TestServeFloor(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := serveFloor(ctx, "127.0.0.1:0", pw)
		_ = pw.Close()
		done <- err
	}()
	lines := bufio.NewScanner(pr)
	got := map[string]string{}
	for len(got) < 3 && lines.Scan() {
		k, v, _ := strings.Cut(lines.Text(), ": ")
		got[k] = v
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	require.Contains(t, got, "SCIM base URL")
	require.Equal(t, strconv.Itoa(os.Getpid()), got["process"])

	cfg := tiny()
	cfg.Externals = []external{{Name: "floor2", URL: got["SCIM base URL"], Token: got["Bearer token"], PID: os.Getpid()}}
	cfg.Versus = "floor2"
	var out bytes.Buffer
	rep, err := run(ctx, cfg, &out)
	require.NoError(t, err, out.String())
	assert.Zero(t, rep.TotalErrors(), out.String())
	assert.Contains(t, out.String(), "against floor2 in the same round")

	cancel()
	require.NoError(t, <-done)
}

// A server that refuses the load fails the run before any phase, with the
// answer it gave.
func TestExternalThatRefusesFailsTheRun(t *testing.T) {
	ctx := context.Background()
	peer, err := startTarget(ctx, targetMemory, tiny())
	require.NoError(t, err)
	defer func() { require.NoError(t, peer.close()) }()

	for _, tc := range []struct {
		name, url, token, want string
	}{
		{"wrong token", peer.base, "wrong", "401"},
		{"no token", peer.base, "", "401"},
		{"wrong path", strings.TrimSuffix(peer.base, "/scim/v2") + "/nope", peer.token, "404"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tiny()
			cfg.Rounds = 1
			cfg.Externals = []external{{Name: "peer", URL: tc.url, Token: tc.token}}
			var out bytes.Buffer
			_, err := run(ctx, cfg, &out)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "peer: seed: POST ")
			assert.Equal(t, 1, strings.Count(err.Error(), "POST "), "the first refusal stops the seeding: %v", err)
			assert.Contains(t, err.Error(), tc.want)
			assert.NotContains(t, out.String(), "round 1 of 1 done")
		})
	}
}

func TestParseExternal(t *testing.T) {
	for _, tc := range []struct {
		in    string
		taken []string
		want  external
		err   string
	}{
		{in: "peer=http://127.0.0.1:8080/scim/v2", want: external{Name: "peer", URL: "http://127.0.0.1:8080/scim/v2"}},
		{in: " my_peer-2 = https://scim.example.com/v2/ ", want: external{Name: "my_peer-2", URL: "https://scim.example.com/v2"}},
		{in: "http://127.0.0.1:8080/scim/v2", err: "wants name=URL"},
		{in: "=http://127.0.0.1/scim/v2", err: "wants name=URL"},
		{in: "my peer=http://127.0.0.1/scim/v2", err: "only letters, digits"},
		{in: "postgres=http://127.0.0.1/scim/v2", err: `"postgres" is taken`},
		{in: "floor=http://127.0.0.1/scim/v2", err: `"floor" is taken`},
		{in: "peer=http://127.0.0.1/scim/v2", taken: []string{"peer"}, err: `"peer" is taken`},
		{in: "peer=ftp://127.0.0.1/scim", err: "not an http(s) URL"},
		{in: "peer=127.0.0.1:8080/scim/v2", err: "not an http(s) URL"},
		{in: "peer=http:///scim/v2", err: "not an http(s) URL"},
		{in: "peer=http://127.0.0.1/scim/v2?x=1", err: "query or a fragment"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := parseExternal(tc.in, tc.taken)
			if tc.err != "" {
				require.ErrorIs(t, err, errExternal)
				assert.Contains(t, err.Error(), tc.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestSetExternalPID(t *testing.T) {
	self := strconv.Itoa(os.Getpid())
	for _, tc := range []struct {
		in, err string
	}{
		{in: "peer=" + self},
		{in: " peer = " + self},
		{in: "peer", err: "wants name=PID"},
		{in: "peer=abc", err: "wants name=PID"},
		{in: "peer=0", err: "wants name=PID"},
		{in: "peer=-3", err: "wants name=PID"},
		{in: "other=" + self, err: "no -external other before it"},
		{in: "peer=2147483646", err: "cannot read the CPU time of process 2147483646"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			es := []external{{Name: "peer"}}
			err := setExternalPID(tc.in, es)
			if tc.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.err)
				assert.Zero(t, es[0].PID)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, os.Getpid(), es[0].PID)
		})
	}
}

func TestParseStat(t *testing.T) {
	for _, tc := range []struct {
		name, line   string
		utime, stime int64
		err          string
	}{
		{name: "plain", line: "4242 (basic) S 1 4242 4242 0 -1 4194560 1720 0 0 0 731 95 0 0 20 0 9 0 1234 0 0", utime: 731, stime: 95},
		{name: "spaces and parentheses in the command", line: "7 (a (b) c) R 1 7 7 0 -1 0 0 0 0 0 12 3 0 0 20 0 1 0 5 0 0", utime: 12, stime: 3},
		{name: "no command", line: "7 a R 1", err: "no command name"},
		{name: "cut short", line: "7 (a) R 1 7", err: "at least 13"},
		{name: "not a number", line: "7 (a) R 1 7 7 0 -1 0 0 0 0 0 x 3 0", err: "invalid syntax"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u, s, err := parseStat([]byte(tc.line))
			if tc.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.utime, u)
			assert.Equal(t, tc.stime, s)
		})
	}
}

func TestExternalToken(t *testing.T) {
	t.Setenv("SCIM_LOADTEST_TOKEN_MY_PEER_2", "own")
	assert.Equal(t, "own", externalToken("my-peer_2", "shared"))
	assert.Equal(t, "shared", externalToken("other", "shared"), "no variable of its own: the fallback")
	t.Setenv("SCIM_LOADTEST_TOKEN_MY_PEER_2", "")
	assert.Equal(t, "shared", externalToken("my-peer_2", "shared"), "an empty variable is unset")
}

func TestVersusMustNameATarget(t *testing.T) {
	cfg := tiny(targetMemory)
	cfg.Versus = "sqlite"
	_, err := run(context.Background(), cfg, &bytes.Buffer{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "-versus sqlite names no target")
}
