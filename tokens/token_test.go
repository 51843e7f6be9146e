package tokens_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/internal/race"
	"github.com/scimkit/scim/tokens"
)

func TestTokenActive(t *testing.T) {
	cases := []struct {
		name    string
		tok     tokens.Token
		active  bool
		expired bool
	}{
		{"fresh", tokens.Token{}, true, false},
		{"expires later", tokens.Token{ExpiresAt: t0.Add(time.Second)}, true, false},
		{"expires now", tokens.Token{ExpiresAt: t0}, false, true},
		{"expired", tokens.Token{ExpiresAt: t0.Add(-time.Second)}, false, true},
		{"revoked", tokens.Token{RevokedAt: t0.Add(-time.Second)}, false, false},
		{"revoked in future", tokens.Token{RevokedAt: t0.Add(time.Hour)}, false, false},
		{"revoked and expired", tokens.Token{RevokedAt: t0, ExpiresAt: t0}, false, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.active, tc.tok.Active(t0))
			assert.Equal(t, tc.expired, tc.tok.Expired(t0))
		})
	}
}

func TestTokenStringHidesHash(t *testing.T) {
	tok := &tokens.Token{ID: "id1", Name: "okta", TenantID: "acme", Hint: "scim_…a1B2", Hash: []byte("HASHBYTES"), CreatedAt: t0}
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		for _, v := range []any{tok, *tok} {
			s := fmt.Sprintf(format, v)
			assert.NotContains(t, s, "HASHBYTES", format)
			assert.NotContains(t, s, fmt.Sprint([]byte("HASHBYTES")), format)
			assert.NotContains(t, s, fmt.Sprintf("%x", "HASHBYTES"), format)
			assert.Contains(t, s, "id1", format)
		}
	}
	b, err := json.Marshal(tok)
	require.NoError(t, err)
	assert.NotContains(t, string(b), "hash")
	assert.NotContains(t, string(b), "lastUsedAt", "zero times omitted")
	assert.Contains(t, string(b), `"tenantId":"acme"`)
}

func TestState(t *testing.T) {
	cases := []struct {
		state tokens.State
		text  string
	}{
		{tokens.NotConfigured, "not_configured"},
		{tokens.WaitingForFirstRequest, "waiting_for_first_request"},
		{tokens.Connected, "connected"},
	}
	for _, tc := range cases {
		t.Run(tc.text, func(t *testing.T) {
			assert.Equal(t, tc.text, tc.state.String())
			b, err := tc.state.MarshalText()
			require.NoError(t, err)
			assert.Equal(t, tc.text, string(b))
			var back tokens.State
			require.NoError(t, back.UnmarshalText(b))
			assert.Equal(t, tc.state, back)
		})
	}
	assert.Equal(t, "State(9)", tokens.State(9).String())
	_, err := tokens.State(9).MarshalText()
	require.Error(t, err)
	var s tokens.State
	require.Error(t, s.UnmarshalText([]byte("bogus")))

	b, err := json.Marshal(tokens.Status{State: tokens.Connected, LastRequestAt: t0, TokenHint: "scim_…a1B2", ActiveTokens: 1})
	require.NoError(t, err)
	assert.JSONEq(t, `{"state":"connected","lastRequestAt":"2026-03-01T12:00:00Z","tokenHint":"scim_…a1B2","activeTokens":1}`, string(b))
}

// TestRedact: the rule itself is internal/clienttext's, tested there;
// here, that a token Generate makes is redacted plain and percent-encoded,
// and that text without one costs nothing.
func TestRedact(t *testing.T) {
	m := tokens.NewManager(tokens.NewMemoryStore(), tokens.Options{})
	tok, _, err := m.Generate(context.Background(), tokens.GenerateOptions{Name: "t"})
	require.NoError(t, err)
	body := strings.TrimPrefix(tok, tokens.Prefix)
	for _, in := range []string{"/Users/" + tok, "/Users/scim%5F" + body, "/Users?x=scim%255F" + body} {
		out := tokens.Redact(in)
		assert.NotContains(t, out, body, in)
		assert.Contains(t, out, tokens.Prefix+"[REDACTED]", in)
	}
	if !race.Enabled { // the race detector allocates on its own
		assert.Zero(t, testing.AllocsPerRun(10, func() { _ = tokens.Redact("/Users/2819c223?filter=userName") }), "text without the prefix costs nothing")
	}
}
