package tokens_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/internal/clocktest"
	"github.com/scimkit/scim/tokens"
)

var ctx = context.Background()

// assertNoSecret fails if any string, byte slice or map entry reachable
// from v contains the secret part of plaintext.
func assertNoSecret(t *testing.T, v any, plaintext string) {
	t.Helper()
	secret := strings.TrimPrefix(plaintext, tokens.Prefix)
	var walk func(path string, rv reflect.Value)
	walk = func(path string, rv reflect.Value) {
		switch rv.Kind() {
		case reflect.Pointer, reflect.Interface:
			if !rv.IsNil() {
				walk(path, rv.Elem())
			}
		case reflect.Struct:
			for i := range rv.NumField() {
				walk(path+"."+rv.Type().Field(i).Name, rv.Field(i))
			}
		case reflect.String:
			assert.NotContains(t, rv.String(), secret, path)
		case reflect.Slice:
			if rv.Type().Elem().Kind() == reflect.Uint8 {
				assert.NotContains(t, string(rv.Bytes()), secret, path)
				assert.NotContains(t, base64.RawURLEncoding.EncodeToString(rv.Bytes()), secret, path)
				return
			}
			for i := range rv.Len() {
				walk(fmt.Sprintf("%s[%d]", path, i), rv.Index(i))
			}
		case reflect.Map:
			for _, k := range rv.MapKeys() {
				walk(path+"[key]", k)
				walk(path+"["+fmt.Sprint(k)+"]", rv.MapIndex(k))
			}
		}
	}
	walk("Token", reflect.ValueOf(v))
}

func TestGenerate(t *testing.T) {
	m, mem, _, _ := setup(t, tokens.Options{})
	labels := map[string]string{"idp": "okta"}
	plain, tok, err := m.Generate(ctx, tokens.GenerateOptions{
		TenantID: "acme", Name: "Okta", ConnectionID: "conn_1", Labels: labels, CreatedBy: "admin@acme",
	})
	require.NoError(t, err)

	// Format: prefix + 43 base64url characters carrying 256 random bits.
	require.True(t, strings.HasPrefix(plain, "scim_"), plain)
	assert.Len(t, plain, len("scim_")+43)
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(plain, "scim_"))
	require.NoError(t, err)
	assert.GreaterOrEqual(t, len(raw)*8, 256)

	// Returned record.
	assert.Regexp(t, `^[0-9a-f]{32}$`, tok.ID)
	assert.Equal(t, "acme", tok.TenantID)
	assert.Equal(t, "Okta", tok.Name)
	assert.Equal(t, "conn_1", tok.ConnectionID)
	assert.Equal(t, labels, tok.Labels)
	assert.Equal(t, "admin@acme", tok.CreatedBy)
	assert.Equal(t, "scim_…"+plain[len(plain)-4:], tok.Hint)
	assert.Equal(t, t0, tok.CreatedAt)
	assert.True(t, tok.ExpiresAt.IsZero())
	assert.True(t, tok.LastUsedAt.IsZero())
	assert.True(t, tok.RevokedAt.IsZero())
	assert.Nil(t, tok.Hash, "Generate must not return the hash")

	// Stored record: hash only, no plaintext anywhere.
	sum := sha256.Sum256([]byte(plain))
	stored, err := mem.TokenByHash(ctx, sum[:])
	require.NoError(t, err)
	assert.Equal(t, sum[:], stored.Hash)
	assert.Equal(t, tok.ID, stored.ID)
	assertNoSecret(t, stored, plain)
	assertNoSecret(t, tok, plain)

	// Labels were copied, not aliased.
	labels["idp"] = "changed"
	stored, err = mem.TokenByHash(ctx, sum[:])
	require.NoError(t, err)
	assert.Equal(t, "okta", stored.Labels["idp"])

	// Every token differs.
	plain2, tok2, err := m.Generate(ctx, tokens.GenerateOptions{TenantID: "other"})
	require.NoError(t, err)
	assert.NotEqual(t, plain, plain2)
	assert.NotEqual(t, tok.ID, tok2.ID)
}

func TestGenerateErrors(t *testing.T) {
	t.Run("negative ExpiresIn", func(t *testing.T) {
		m, _, _, _ := setup(t, tokens.Options{})
		_, _, err := m.Generate(ctx, tokens.GenerateOptions{ExpiresIn: -time.Second})
		require.Error(t, err)
	})
	t.Run("random source fails", func(t *testing.T) {
		boom := errors.New("no entropy")
		m, _, _, _ := setup(t, tokens.Options{Rand: iotest.ErrReader(boom)})
		plain, tok, err := m.Generate(ctx, tokens.GenerateOptions{})
		require.ErrorIs(t, err, boom)
		assert.Empty(t, plain)
		assert.Nil(t, tok)
	})
	t.Run("short random source", func(t *testing.T) {
		m, _, _, _ := setup(t, tokens.Options{Rand: strings.NewReader("only a few bytes")})
		_, _, err := m.Generate(ctx, tokens.GenerateOptions{})
		require.Error(t, err)
	})
	t.Run("deterministic random source", func(t *testing.T) {
		// An injected reader fully determines the secret.
		m, _, _, _ := setup(t, tokens.Options{Rand: strings.NewReader(strings.Repeat("\x00", 48))})
		plain, tok, err := m.Generate(ctx, tokens.GenerateOptions{})
		require.NoError(t, err)
		assert.Equal(t, "scim_"+strings.Repeat("A", 43), plain)
		assert.Equal(t, strings.Repeat("0", 32), tok.ID)
	})
}

func TestOneActivePolicy(t *testing.T) {
	for _, kind := range storeKinds {
		t.Run(kind.name, func(t *testing.T) {
			var log eventLog
			store, _ := kind.make(tokens.NewMemoryStore())
			clk := newClock()
			m := tokens.NewManager(store, tokens.Options{Now: clk.Now, OnEvent: log.Record})

			oldPlain, oldTok, err := m.Generate(ctx, tokens.GenerateOptions{TenantID: "acme"})
			require.NoError(t, err)
			_, err = m.Authenticate(ctx, oldPlain)
			require.NoError(t, err)

			// Tokens of other tenants are untouched by a rotation.
			otherPlain, _, err := m.Generate(ctx, tokens.GenerateOptions{TenantID: "other"})
			require.NoError(t, err)

			clk.Advance(time.Second)
			newPlain, newTok, err := m.Generate(ctx, tokens.GenerateOptions{TenantID: "acme"})
			require.NoError(t, err)

			_, err = m.Authenticate(ctx, oldPlain)
			require.ErrorIs(t, err, tokens.ErrInvalidToken)
			_, err = m.Authenticate(ctx, newPlain)
			require.NoError(t, err)
			_, err = m.Authenticate(ctx, otherPlain)
			require.NoError(t, err)

			list, err := m.List(ctx, "acme")
			require.NoError(t, err)
			require.Len(t, list, 2)
			assert.Equal(t, newTok.ID, list[0].ID)
			assert.True(t, list[0].RevokedAt.IsZero())
			assert.Equal(t, oldTok.ID, list[1].ID)
			assert.Equal(t, t0.Add(time.Second), list[1].RevokedAt)

			ev := log.Events()
			require.Len(t, ev, 4)
			assert.Equal(t, tokens.TokenGenerated, ev[2].Type)
			assert.Equal(t, newTok.ID, ev[2].Token.ID)
			assert.Equal(t, tokens.TokenRevoked, ev[3].Type)
			assert.Equal(t, oldTok.ID, ev[3].Token.ID)
			assert.Equal(t, t0.Add(time.Second), ev[3].At)
			assert.Equal(t, t0.Add(time.Second), ev[3].Token.RevokedAt)
		})
	}
}

func TestOneActiveFallbackRevokeFailure(t *testing.T) {
	var log eventLog
	m, _, cs, _ := setup(t, tokens.Options{OnEvent: log.Record})
	oldPlain, oldTok, err := m.Generate(ctx, tokens.GenerateOptions{})
	require.NoError(t, err)

	// Revoking the old token fails: Generate reports the failure, revokes
	// the new token (whose plaintext nobody will see) and keeps the old.
	cs.RevokeErr = errors.New("db down")
	cs.FailRevokes.Store(1)
	plain, tok, err := m.Generate(ctx, tokens.GenerateOptions{})
	require.ErrorIs(t, err, cs.RevokeErr)
	assert.Empty(t, plain)
	assert.Nil(t, tok)
	_, err = m.Authenticate(ctx, oldPlain)
	require.NoError(t, err)

	list, err := m.List(ctx, "")
	require.NoError(t, err)
	require.Len(t, list, 2)
	for _, l := range list {
		assert.Equal(t, l.ID == oldTok.ID, l.RevokedAt.IsZero(), l.ID)
	}
	assert.Len(t, log.Events(), 1, "no events for a failed Generate")
}

func TestMultiplePolicy(t *testing.T) {
	var log eventLog
	m, _, _, _ := setup(t, tokens.Options{Policy: tokens.Multiple, OnEvent: log.Record})
	p1, _, err := m.Generate(ctx, tokens.GenerateOptions{Name: "okta"})
	require.NoError(t, err)
	p2, _, err := m.Generate(ctx, tokens.GenerateOptions{Name: "entra"})
	require.NoError(t, err)
	for _, p := range []string{p1, p2} {
		_, err := m.Authenticate(ctx, p)
		require.NoError(t, err)
	}
	st, err := m.Status(ctx, "")
	require.NoError(t, err)
	assert.Equal(t, 2, st.ActiveTokens)
	for _, e := range log.Events() {
		assert.Equal(t, tokens.TokenGenerated, e.Type)
	}
}

func TestRevoke(t *testing.T) {
	var log eventLog
	m, _, _, clk := setup(t, tokens.Options{Policy: tokens.Multiple, OnEvent: log.Record})
	plain, tok, err := m.Generate(ctx, tokens.GenerateOptions{TenantID: "acme"})
	require.NoError(t, err)
	keepPlain, _, err := m.Generate(ctx, tokens.GenerateOptions{TenantID: "acme"})
	require.NoError(t, err)

	clk.Advance(time.Minute)
	require.NoError(t, m.Revoke(ctx, "acme", tok.ID))
	_, err = m.Authenticate(ctx, plain)
	require.ErrorIs(t, err, tokens.ErrInvalidToken)
	_, err = m.Authenticate(ctx, keepPlain)
	require.NoError(t, err)

	// Idempotent: no error, no second event, original time kept.
	clk.Advance(time.Minute)
	require.NoError(t, m.Revoke(ctx, "acme", tok.ID))
	ev := log.Events()
	require.Len(t, ev, 3)
	assert.Equal(t, tokens.TokenRevoked, ev[2].Type)
	assert.Equal(t, tok.ID, ev[2].Token.ID)
	assert.Nil(t, ev[2].Token.Hash)
	assert.Equal(t, t0.Add(time.Minute), ev[2].At)

	list, err := m.List(ctx, "acme")
	require.NoError(t, err)
	for _, l := range list {
		if l.ID == tok.ID {
			assert.Equal(t, t0.Add(time.Minute), l.RevokedAt)
		}
	}

	err = m.Revoke(ctx, "acme", "nope")
	require.ErrorIs(t, err, tokens.ErrNotFound)
}

func TestTenantIsolation(t *testing.T) {
	m, _, _, _ := setup(t, tokens.Options{})
	aPlain, aTok, err := m.Generate(ctx, tokens.GenerateOptions{TenantID: "a"})
	require.NoError(t, err)
	bPlain, bTok, err := m.Generate(ctx, tokens.GenerateOptions{TenantID: "b"})
	require.NoError(t, err)
	defPlain, defTok, err := m.Generate(ctx, tokens.GenerateOptions{}) // tenant ""
	require.NoError(t, err)

	require.ErrorIs(t, m.Revoke(ctx, "a", bTok.ID), tokens.ErrNotFound)
	require.ErrorIs(t, m.Revoke(ctx, "", bTok.ID), tokens.ErrNotFound)
	require.ErrorIs(t, m.Revoke(ctx, "b", defTok.ID), tokens.ErrNotFound)

	for plain, tenant := range map[string]string{aPlain: "a", bPlain: "b", defPlain: ""} {
		got, err := m.Authenticate(ctx, plain)
		require.NoError(t, err)
		assert.Equal(t, tenant, got.TenantID)
	}

	listA, err := m.List(ctx, "a")
	require.NoError(t, err)
	require.Len(t, listA, 1)
	assert.Equal(t, aTok.ID, listA[0].ID)
	listDef, err := m.List(ctx, "")
	require.NoError(t, err)
	require.Len(t, listDef, 1)
	assert.Equal(t, defTok.ID, listDef[0].ID)
}

func TestExpiry(t *testing.T) {
	m, _, _, clk := setup(t, tokens.Options{})
	plain, tok, err := m.Generate(ctx, tokens.GenerateOptions{ExpiresIn: time.Hour})
	require.NoError(t, err)
	assert.Equal(t, t0.Add(time.Hour), tok.ExpiresAt)

	clk.Advance(time.Hour - time.Nanosecond)
	_, err = m.Authenticate(ctx, plain)
	require.NoError(t, err)

	clk.Advance(time.Nanosecond)
	_, err = m.Authenticate(ctx, plain)
	require.ErrorIs(t, err, tokens.ErrInvalidToken)

	// List still shows it, as expired but not revoked.
	list, err := m.List(ctx, "")
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.True(t, list[0].Expired(clk.Now()))
	assert.True(t, list[0].RevokedAt.IsZero())

	st, err := m.Status(ctx, "")
	require.NoError(t, err)
	assert.Equal(t, tokens.NotConfigured, st.State)
}

func TestAuthenticateInvalid(t *testing.T) {
	m, _, cs, clk := setup(t, tokens.Options{Policy: tokens.Multiple})
	revoked, revTok, err := m.Generate(ctx, tokens.GenerateOptions{})
	require.NoError(t, err)
	require.NoError(t, m.Revoke(ctx, "", revTok.ID))
	expired, _, err := m.Generate(ctx, tokens.GenerateOptions{ExpiresIn: time.Minute})
	require.NoError(t, err)
	valid, _, err := m.Generate(ctx, tokens.GenerateOptions{})
	require.NoError(t, err)
	clk.Advance(time.Minute)

	unknown := "scim_" + strings.Repeat("x", 43)
	cases := []struct{ name, bearer string }{
		{"unknown", unknown},
		{"revoked", revoked},
		{"expired", expired},
		{"empty", ""},
		{"prefix only", "scim_"},
		{"short", "scim_abc"},
		{"wrong prefix", "ghp_" + strings.TrimPrefix(valid, "scim_")},
		{"with scheme", "Bearer " + valid},
		{"trailing space", valid + " "},
		{"truncated", valid[:len(valid)-1]},
		{"bad alphabet", "scim_" + strings.Repeat("+", 43)},
		{"non-ascii", "scim_ä" + strings.Repeat("x", 42)},
		{"huge", strings.Repeat("a", 1<<16)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := cs.Lookups.Load()
			got, err := m.Authenticate(ctx, tc.bearer)
			assert.Nil(t, got)
			require.ErrorIs(t, err, tokens.ErrInvalidToken)
			assert.Same(t, tokens.ErrInvalidToken, err, "must not be wrapped")
			assert.Equal(t, "tokens: invalid token", err.Error())
			assert.Equal(t, int64(1), cs.Lookups.Load()-before, "always exactly one lookup")
		})
	}
	_, err = m.Authenticate(ctx, valid)
	require.NoError(t, err)
}

func TestAuthenticateStoreError(t *testing.T) {
	m, _, cs, _ := setup(t, tokens.Options{})
	plain, _, err := m.Generate(ctx, tokens.GenerateOptions{})
	require.NoError(t, err)
	cs.LookupErr = errors.New("db down")
	_, err = m.Authenticate(ctx, plain)
	require.ErrorIs(t, err, cs.LookupErr)
	assert.NotErrorIs(t, err, tokens.ErrInvalidToken, "an outage is not a bad token")
}

func TestAuthenticateReturnsCopy(t *testing.T) {
	m, mem, _, _ := setup(t, tokens.Options{})
	plain, _, err := m.Generate(ctx, tokens.GenerateOptions{TenantID: "acme", Labels: map[string]string{"k": "v"}})
	require.NoError(t, err)
	got, err := m.Authenticate(ctx, plain)
	require.NoError(t, err)
	assert.Nil(t, got.Hash)
	assert.Equal(t, "acme", got.TenantID)
	assert.Equal(t, t0, got.LastUsedAt)

	got.TenantID = "evil"
	got.Labels["k"] = "changed"
	sum := sha256.Sum256([]byte(plain))
	stored, err := mem.TokenByHash(ctx, sum[:])
	require.NoError(t, err)
	assert.Equal(t, "acme", stored.TenantID)
	assert.Equal(t, "v", stored.Labels["k"])
}

func TestLastUsedThrottle(t *testing.T) {
	m, mem, cs, clk := setup(t, tokens.Options{})
	plain, _, err := m.Generate(ctx, tokens.GenerateOptions{})
	require.NoError(t, err)
	sum := sha256.Sum256([]byte(plain))
	storedLastUsed := func() time.Time {
		tok, err := mem.TokenByHash(ctx, sum[:])
		require.NoError(t, err)
		return tok.LastUsedAt
	}

	// First use is written at once.
	_, err = m.Authenticate(ctx, plain)
	require.NoError(t, err)
	assert.Equal(t, int64(1), cs.Touches.Load())
	assert.Equal(t, t0, storedLastUsed())

	// 100 more within the interval: no more writes.
	for range 100 {
		clk.Advance(500 * time.Millisecond) // 50s in total
		_, err := m.Authenticate(ctx, plain)
		require.NoError(t, err)
	}
	assert.Equal(t, int64(1), cs.Touches.Load())
	assert.Equal(t, t0, storedLastUsed())

	// Past the interval: one more write.
	clk.Advance(10 * time.Second)
	_, err = m.Authenticate(ctx, plain)
	require.NoError(t, err)
	assert.Equal(t, int64(2), cs.Touches.Load())
	assert.Equal(t, t0.Add(time.Minute), storedLastUsed())

	// A failed authentication never writes.
	_, err = m.Authenticate(ctx, plain+"x")
	require.ErrorIs(t, err, tokens.ErrInvalidToken)
	assert.Equal(t, int64(2), cs.Touches.Load())
}

func TestLastUsedThrottleIntervals(t *testing.T) {
	cases := []struct {
		name     string
		interval time.Duration
		want     int64
	}{
		{"default one minute", 0, 1},
		{"custom 10ms", 10 * time.Millisecond, 10},
		{"negative writes always", -1, 10},
		{"long", time.Hour, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, _, cs, clk := setup(t, tokens.Options{LastUsedInterval: tc.interval})
			plain, _, err := m.Generate(ctx, tokens.GenerateOptions{})
			require.NoError(t, err)
			for range 10 {
				_, err := m.Authenticate(ctx, plain)
				require.NoError(t, err)
				clk.Advance(10 * time.Millisecond)
			}
			assert.Equal(t, tc.want, cs.Touches.Load())
		})
	}
}

func TestLastUsedTouchFailureRetries(t *testing.T) {
	m, _, cs, clk := setup(t, tokens.Options{})
	plain, _, err := m.Generate(ctx, tokens.GenerateOptions{})
	require.NoError(t, err)
	boom := errors.New("db down")
	cs.TouchErr.Store(&boom)

	// A failing write does not fail authentication...
	_, err = m.Authenticate(ctx, plain)
	require.NoError(t, err)
	assert.Equal(t, int64(1), cs.Touches.Load())

	// ...and the next request retries it.
	cs.TouchErr.Store(nil)
	clk.Advance(time.Second)
	_, err = m.Authenticate(ctx, plain)
	require.NoError(t, err)
	assert.Equal(t, int64(2), cs.Touches.Load())
	_, err = m.Authenticate(ctx, plain)
	require.NoError(t, err)
	assert.Equal(t, int64(2), cs.Touches.Load())
}

func TestLastUsedSharedStore(t *testing.T) {
	// A second Manager (e.g. another replica) that sees a recent stored
	// LastUsedAt does not write again within the interval.
	mem := tokens.NewMemoryStore()
	clk := newClock()
	m1 := tokens.NewManager(mem, tokens.Options{Now: clk.Now})
	cs := &countingStore{Store: mem}
	m2 := tokens.NewManager(cs, tokens.Options{Now: clk.Now})

	plain, _, err := m1.Generate(ctx, tokens.GenerateOptions{})
	require.NoError(t, err)
	_, err = m1.Authenticate(ctx, plain)
	require.NoError(t, err)
	clk.Advance(time.Second)
	_, err = m2.Authenticate(ctx, plain)
	require.NoError(t, err)
	assert.Equal(t, int64(0), cs.Touches.Load())
	clk.Advance(time.Minute)
	_, err = m2.Authenticate(ctx, plain)
	require.NoError(t, err)
	assert.Equal(t, int64(1), cs.Touches.Load())
}

func TestStatus(t *testing.T) {
	m, _, _, clk := setup(t, tokens.Options{})
	status := func() tokens.Status {
		t.Helper()
		st, err := m.Status(ctx, "acme")
		require.NoError(t, err)
		return st
	}

	assert.Equal(t, tokens.Status{State: tokens.NotConfigured}, status())

	plain, tok, err := m.Generate(ctx, tokens.GenerateOptions{TenantID: "acme"})
	require.NoError(t, err)
	assert.Equal(t, tokens.Status{State: tokens.WaitingForFirstRequest, TokenHint: tok.Hint, ActiveTokens: 1}, status())

	clk.Advance(time.Second)
	_, err = m.Authenticate(ctx, plain)
	require.NoError(t, err)
	first := t0.Add(time.Second)
	assert.Equal(t, tokens.Status{State: tokens.Connected, LastRequestAt: first, TokenHint: tok.Hint, ActiveTokens: 1}, status())

	// Within the throttle interval the store lags, but Status on the same
	// Manager is exact.
	clk.Advance(10 * time.Second)
	_, err = m.Authenticate(ctx, plain)
	require.NoError(t, err)
	assert.Equal(t, first.Add(10*time.Second), status().LastRequestAt)

	// Rotating to a fresh token: waiting again, last request remembered.
	clk.Advance(time.Second)
	_, tok2, err := m.Generate(ctx, tokens.GenerateOptions{TenantID: "acme"})
	require.NoError(t, err)
	st := status()
	assert.Equal(t, tokens.WaitingForFirstRequest, st.State)
	assert.Equal(t, tok2.Hint, st.TokenHint)
	assert.Equal(t, first.Add(10*time.Second), st.LastRequestAt)

	// Revoking the only active token: not configured.
	require.NoError(t, m.Revoke(ctx, "acme", tok2.ID))
	st = status()
	assert.Equal(t, tokens.NotConfigured, st.State)
	assert.Equal(t, 0, st.ActiveTokens)
	assert.Empty(t, st.TokenHint)

	// Other tenants are unaffected.
	st, err = m.Status(ctx, "other")
	require.NoError(t, err)
	assert.Equal(t, tokens.NotConfigured, st.State)
}

func TestStatusAcrossManagers(t *testing.T) {
	// A fresh Manager over the same store sees the written LastUsedAt.
	mem := tokens.NewMemoryStore()
	clk := newClock()
	m1 := tokens.NewManager(mem, tokens.Options{Now: clk.Now})
	plain, _, err := m1.Generate(ctx, tokens.GenerateOptions{})
	require.NoError(t, err)
	_, err = m1.Authenticate(ctx, plain)
	require.NoError(t, err)

	m2 := tokens.NewManager(mem, tokens.Options{Now: clk.Now})
	st, err := m2.Status(ctx, "")
	require.NoError(t, err)
	assert.Equal(t, tokens.Connected, st.State)
	assert.Equal(t, t0, st.LastRequestAt)
}

func TestEvents(t *testing.T) {
	var log eventLog
	m, _, _, clk := setup(t, tokens.Options{OnEvent: log.Record})
	_, tok, err := m.Generate(ctx, tokens.GenerateOptions{TenantID: "acme", Name: "okta", CreatedBy: "admin"})
	require.NoError(t, err)
	clk.Advance(time.Minute)
	require.NoError(t, m.Revoke(ctx, "acme", tok.ID))

	ev := log.Events()
	require.Len(t, ev, 2)
	assert.Equal(t, tokens.TokenGenerated, ev[0].Type)
	assert.Equal(t, t0, ev[0].At)
	assert.Equal(t, tok.ID, ev[0].Token.ID)
	assert.Equal(t, "okta", ev[0].Token.Name)
	assert.Equal(t, "admin", ev[0].Token.CreatedBy)
	assert.Nil(t, ev[0].Token.Hash)
	assert.Equal(t, tokens.TokenRevoked, ev[1].Type)
	assert.Equal(t, t0.Add(time.Minute), ev[1].At)
	assert.Nil(t, ev[1].Token.Hash)

	assert.Equal(t, "token_generated", tokens.TokenGenerated.String())
	assert.Equal(t, "token_revoked", tokens.TokenRevoked.String())
	assert.Equal(t, "EventType(0)", tokens.EventType(0).String())
}

func TestList(t *testing.T) {
	m, mem, _, clk := setup(t, tokens.Options{Policy: tokens.Multiple})
	var ids []string
	for i := range 3 {
		_, tok, err := m.Generate(ctx, tokens.GenerateOptions{Name: fmt.Sprint(i)})
		require.NoError(t, err)
		ids = append(ids, tok.ID)
		clk.Advance(time.Second)
	}
	list, err := m.List(ctx, "")
	require.NoError(t, err)
	require.Len(t, list, 3)
	for i, tok := range list {
		assert.Nil(t, tok.Hash, "List must hide hashes")
		assert.Equal(t, ids[2-i], tok.ID, "newest first")
	}

	// Returned values are copies.
	list[0].Name = "changed"
	stored, err := mem.ListTokens(ctx, "")
	require.NoError(t, err)
	for _, s := range stored {
		assert.NotEqual(t, "changed", s.Name)
		assert.Len(t, s.Hash, sha256.Size)
	}

	empty, err := m.List(ctx, "nobody")
	require.NoError(t, err)
	assert.Empty(t, empty)
}

func TestConcurrent(t *testing.T) {
	for _, policy := range []tokens.Policy{tokens.OneActive, tokens.Multiple} {
		t.Run(policy.String(), func(t *testing.T) {
			var log eventLog
			m := tokens.NewManager(tokens.NewMemoryStore(), tokens.Options{Policy: policy, OnEvent: log.Record, LastUsedInterval: time.Millisecond})
			const tenants, perTenant = 4, 10
			var wg sync.WaitGroup
			for tn := range tenants {
				tenant := fmt.Sprint("t", tn)
				for range perTenant {
					wg.Go(func() {
						plain, _, err := m.Generate(ctx, tokens.GenerateOptions{TenantID: tenant})
						assert.NoError(t, err)
						for range 20 {
							got, err := m.Authenticate(ctx, plain)
							if err == nil {
								assert.Equal(t, tenant, got.TenantID)
							} else {
								// Under OneActive a concurrent Generate may
								// have revoked this token already.
								assert.Equal(t, tokens.OneActive, policy)
								assert.ErrorIs(t, err, tokens.ErrInvalidToken)
							}
						}
						_, err = m.Status(ctx, tenant)
						assert.NoError(t, err)
						_, err = m.List(ctx, tenant)
						assert.NoError(t, err)
					})
				}
			}
			wg.Wait()
			for tn := range tenants {
				st, err := m.Status(ctx, fmt.Sprint("t", tn))
				require.NoError(t, err)
				if policy == tokens.OneActive {
					assert.Equal(t, 1, st.ActiveTokens)
				} else {
					assert.Equal(t, perTenant, st.ActiveTokens)
				}
			}
			generated := 0
			revokedIDs := map[string]bool{}
			for _, e := range log.Events() {
				switch e.Type {
				case tokens.TokenGenerated:
					generated++
				case tokens.TokenRevoked:
					revokedIDs[e.Token.ID] = true
				}
			}
			assert.Equal(t, tenants*perTenant, generated)
			if policy == tokens.OneActive {
				// Every revocation is reported (at least once).
				assert.Len(t, revokedIDs, tenants*(perTenant-1))
			}
		})
	}
}

func TestNewManagerNilStore(t *testing.T) {
	assert.Panics(t, func() { tokens.NewManager(nil, tokens.Options{}) })
}

func TestPolicyString(t *testing.T) {
	assert.Equal(t, "one_active", tokens.OneActive.String())
	assert.Equal(t, "multiple", tokens.Multiple.String())
	assert.Equal(t, "Policy(7)", tokens.Policy(7).String())
}

func TestTenantPolicy(t *testing.T) {
	perTenant := func(_ context.Context, tenant string) tokens.Policy {
		if tenant == "enterprise" {
			return tokens.Multiple
		}
		return tokens.OneActive
	}
	cases := []struct {
		name       string
		opts       tokens.Options
		tenant     string
		policy     tokens.Policy
		wantActive int
	}{
		{"default", tokens.Options{}, "acme", tokens.OneActive, 1},
		{"manager-wide multiple", tokens.Options{Policy: tokens.Multiple}, "acme", tokens.Multiple, 3},
		{"per tenant: multiple", tokens.Options{TenantPolicy: perTenant}, "enterprise", tokens.Multiple, 3},
		{"per tenant: one active", tokens.Options{TenantPolicy: perTenant}, "acme", tokens.OneActive, 1},
		{"per tenant overrides Policy", tokens.Options{Policy: tokens.Multiple, TenantPolicy: perTenant}, "acme", tokens.OneActive, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, _, _, _ := setup(t, tc.opts)
			assert.Equal(t, tc.policy, m.Policy(ctx, tc.tenant))
			var plains []string
			for _, name := range []string{"okta", "entra", "jumpcloud"} {
				p, _, err := m.Generate(ctx, tokens.GenerateOptions{TenantID: tc.tenant, Name: name})
				require.NoError(t, err)
				plains = append(plains, p)
			}
			st, err := m.Status(ctx, tc.tenant)
			require.NoError(t, err)
			assert.Equal(t, tc.wantActive, st.ActiveTokens)
			for i, p := range plains {
				_, err := m.Authenticate(ctx, p)
				// The newest always works; older ones only under Multiple.
				assert.Equal(t, i == len(plains)-1 || tc.policy == tokens.Multiple, err == nil, i)
			}
		})
	}
}

// looseStore finds tokens by the first byte of the hash only, the way a
// store with a weak or truncated index might: Authenticate's constant-time
// comparison of the full hash must catch the mismatch.
type looseStore struct{ *tokens.MemoryStore }

func (s looseStore) TokenByHash(ctx context.Context, hash []byte) (*tokens.Token, error) {
	list, err := s.ListTokens(ctx, "")
	if err != nil {
		return nil, err
	}
	for _, t := range list {
		if t.Hash[0] == hash[0] {
			return t, nil
		}
	}
	return nil, tokens.ErrNotFound
}

func TestAuthenticateComparesFullHash(t *testing.T) {
	m := tokens.NewManager(looseStore{tokens.NewMemoryStore()}, tokens.Options{})
	plain, _, err := m.Generate(ctx, tokens.GenerateOptions{})
	require.NoError(t, err)
	_, err = m.Authenticate(ctx, plain)
	require.NoError(t, err)

	// Find a well-formed different token whose hash shares the first byte.
	want := sha256.Sum256([]byte(plain))
	var forged string
	for i := 0; forged == ""; i++ {
		c := fmt.Sprintf("scim_%043d", i)
		if h := sha256.Sum256([]byte(c)); h[0] == want[0] {
			forged = c
		}
	}
	got, err := m.Authenticate(ctx, forged)
	assert.Nil(t, got)
	assert.Same(t, tokens.ErrInvalidToken, err)
}

func TestRevokeWritesHeldBackUse(t *testing.T) {
	// A use the throttle held back is written when the token is revoked,
	// by Revoke or by a rotation, so a fresh Manager (or a restart) still
	// sees when the provider last connected.
	cases := []struct {
		name   string
		revoke func(m *tokens.Manager, id string) error
	}{
		{"Revoke", func(m *tokens.Manager, id string) error { return m.Revoke(ctx, "", id) }},
		{"rotation", func(m *tokens.Manager, _ string) error {
			_, _, err := m.Generate(ctx, tokens.GenerateOptions{})
			return err
		}},
	}
	for _, tc := range cases {
		for _, kind := range storeKinds {
			t.Run(tc.name+"/"+kind.name, func(t *testing.T) {
				mem := tokens.NewMemoryStore()
				store, cs := kind.make(mem)
				clk := newClock()
				var log eventLog
				m := tokens.NewManager(store, tokens.Options{Now: clk.Now, OnEvent: log.Record})
				plain, tok, err := m.Generate(ctx, tokens.GenerateOptions{})
				require.NoError(t, err)
				_, err = m.Authenticate(ctx, plain) // written at once
				require.NoError(t, err)
				clk.Advance(10 * time.Second)
				_, err = m.Authenticate(ctx, plain) // held back
				require.NoError(t, err)
				require.Equal(t, int64(1), cs.Touches.Load())

				require.NoError(t, tc.revoke(m, tok.ID))
				assert.Equal(t, int64(2), cs.Touches.Load())

				fresh := tokens.NewManager(mem, tokens.Options{Now: clk.Now})
				st, err := fresh.Status(ctx, "")
				require.NoError(t, err)
				assert.Equal(t, t0.Add(10*time.Second), st.LastRequestAt)
				ev := log.Events()
				last := ev[len(ev)-1]
				assert.Equal(t, tokens.TokenRevoked, last.Type)
				assert.Equal(t, tok.ID, last.Token.ID)
				if tc.name == "Revoke" {
					assert.Equal(t, t0.Add(10*time.Second), last.Token.LastUsedAt)
				}
			})
		}
	}
}

// TestRememberedUsesBounded: the tokens a Manager remembers the last use
// of (to throttle LastUsedAt writes) stay within Options.CacheSize
// however many distinct tokens it verifies that then expire or are
// revoked through another Manager (another replica), of which it never
// hears. Entries are counted, with the cache on and off. A token used
// again within the interval afterwards is still throttled.
func TestRememberedUsesBounded(t *testing.T) {
	const size = 10
	for _, tc := range []struct {
		name    string
		end     func(t *testing.T, other *tokens.Manager, clk *clocktest.Clock, tok *tokens.Token)
		advance time.Duration // how far the clock moves after each token
	}{
		{"revoked elsewhere", func(t *testing.T, other *tokens.Manager, _ *clocktest.Clock, tok *tokens.Token) {
			require.NoError(t, other.Revoke(ctx, tok.TenantID, tok.ID))
		}, time.Second},
		{"expired", func(t *testing.T, _ *tokens.Manager, clk *clocktest.Clock, _ *tokens.Token) {
			clk.Advance(2 * time.Second)
		}, 0},
	} {
		for _, cacheTTL := range []time.Duration{0, -1} {
			t.Run(fmt.Sprintf("%s/CacheTTL %v", tc.name, cacheTTL), func(t *testing.T) {
				mem := tokens.NewMemoryStore()
				cs := &countingStore{Store: mem}
				clk := newClock()
				m := tokens.NewManager(cs, tokens.Options{Now: clk.Now, CacheSize: size, CacheTTL: cacheTTL})
				other := tokens.NewManager(mem, tokens.Options{Now: clk.Now})
				for i := range 20 * size {
					plain, tok, err := other.Generate(ctx, tokens.GenerateOptions{TenantID: fmt.Sprint("t", i), ExpiresIn: time.Second})
					require.NoError(t, err)
					_, err = m.Authenticate(ctx, plain)
					require.NoError(t, err)
					tc.end(t, other, clk, tok)
					clk.Advance(tc.advance)
					require.LessOrEqual(t, tokens.RememberedUses(m), size, "after token %d", i)
				}

				plain, _, err := other.Generate(ctx, tokens.GenerateOptions{TenantID: "live"})
				require.NoError(t, err)
				before := cs.Touches.Load()
				for range 3 {
					_, err = m.Authenticate(ctx, plain)
					require.NoError(t, err)
					clk.Advance(time.Second)
				}
				assert.Equal(t, before+1, cs.Touches.Load(), "still one write per interval")
			})
		}
	}
}
