package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
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
		}
		assert.Equal(t, cfg.Rounds*len(phases), peerResults)
		assert.Contains(t, out.String(), "peer: 0 errors")
		assert.Contains(t, out.String(), "req/s ÷ peer req/s of the same round")
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
