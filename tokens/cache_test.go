package tokens_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/tokens"
)

// randomToken returns a well-formed token that no store knows.
func randomToken(t testing.TB) string {
	var b [32]byte
	_, err := rand.Read(b[:])
	require.NoError(t, err)
	return tokens.Prefix + base64.RawURLEncoding.EncodeToString(b[:])
}

func TestCacheStoreCalls(t *testing.T) {
	// The store lookups per Authenticate are deterministic: one on a miss,
	// none on a hit, one per call with the cache off.
	cases := []struct {
		name    string
		opts    tokens.Options
		advance time.Duration // clock step before each call
		calls   int
		lookups int64
		hits    uint64
		entries int
	}{
		{"default TTL: first call looks up, the rest hit", tokens.Options{}, time.Second, 4, 1, 3, 1},
		{"default TTL is five seconds", tokens.Options{}, tokens.DefaultCacheTTL, 4, 4, 0, 1},
		{"just under the TTL hits", tokens.Options{}, tokens.DefaultCacheTTL - time.Nanosecond, 2, 1, 1, 1},
		{"hits do not extend the TTL", tokens.Options{}, tokens.DefaultCacheTTL - time.Nanosecond, 4, 2, 2, 1},
		{"custom TTL", tokens.Options{CacheTTL: time.Minute}, 30 * time.Second, 5, 3, 2, 1},
		{"cache off", tokens.Options{CacheTTL: -1}, 0, 5, 5, 0, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, _, cs, clk := setup(t, tc.opts)
			plain, _, err := m.Generate(ctx, tokens.GenerateOptions{TenantID: "acme"})
			require.NoError(t, err)
			var prev int64
			for i := range tc.calls {
				if i > 0 {
					clk.Advance(tc.advance)
				}
				got, err := m.Authenticate(ctx, plain)
				require.NoError(t, err)
				assert.Equal(t, "acme", got.TenantID)
				assert.Nil(t, got.Hash, "a hit must not hand out the hash either")
				n := cs.Lookups.Load()
				assert.LessOrEqual(t, n-prev, int64(1), "at most one lookup per Authenticate")
				prev = n
			}
			assert.Equal(t, tc.lookups, cs.Lookups.Load())
			st := m.CacheStats()
			assert.Equal(t, tokens.CacheStats{Hits: tc.hits, Misses: uint64(tc.lookups), Entries: tc.entries}, st)
		})
	}
}

func TestCacheHitReturnsCopy(t *testing.T) {
	m, _, cs, _ := setup(t, tokens.Options{})
	plain, _, err := m.Generate(ctx, tokens.GenerateOptions{TenantID: "acme", Labels: map[string]string{"k": "v"}})
	require.NoError(t, err)
	first, err := m.Authenticate(ctx, plain)
	require.NoError(t, err)
	first.TenantID = "evil"
	first.Labels["k"] = "changed"
	for range 2 {
		hit, err := m.Authenticate(ctx, plain)
		require.NoError(t, err)
		assert.Equal(t, "acme", hit.TenantID)
		assert.Equal(t, "v", hit.Labels["k"])
		hit.TenantID = "evil" // nor does changing what a hit returned
		hit.Labels["k"] = "changed"
	}
	assert.Equal(t, int64(1), cs.Lookups.Load(), "only the first call looked up")
}

func TestCacheHonoursExpiry(t *testing.T) {
	// The cache trusts the token for an hour, but it expires after a
	// minute: it is refused from that instant on, by the Manager's clock.
	m, _, cs, clk := setup(t, tokens.Options{CacheTTL: time.Hour})
	plain, tok, err := m.Generate(ctx, tokens.GenerateOptions{ExpiresIn: time.Minute})
	require.NoError(t, err)
	_, err = m.Authenticate(ctx, plain)
	require.NoError(t, err)

	clk.Advance(time.Minute - time.Nanosecond)
	_, err = m.Authenticate(ctx, plain)
	require.NoError(t, err)
	assert.Equal(t, int64(1), cs.Lookups.Load(), "still a hit just before expiry")

	clk.Advance(time.Nanosecond)
	require.Equal(t, tok.ExpiresAt, clk.Now())
	got, err := m.Authenticate(ctx, plain)
	assert.Nil(t, got)
	assert.Same(t, tokens.ErrInvalidToken, err)
	assert.Equal(t, int64(2), cs.Lookups.Load(), "an expired entry is dropped and the token takes the path of any invalid one")
	assert.Equal(t, 0, m.CacheStats().Entries)
}

// revocations are the ways a token stops working through a Manager, each
// returning the id of a token that was working before.
var revocations = []struct {
	name   string
	policy tokens.Policy
	revoke func(t *testing.T, m *tokens.Manager, id string)
}{
	{"Revoke", tokens.Multiple, func(t *testing.T, m *tokens.Manager, id string) {
		require.NoError(t, m.Revoke(ctx, "acme", id))
	}},
	{"rotation by Generate", tokens.OneActive, func(t *testing.T, m *tokens.Manager, _ string) {
		_, _, err := m.Generate(ctx, tokens.GenerateOptions{TenantID: "acme"})
		require.NoError(t, err)
	}},
}

func TestCacheRevocation(t *testing.T) {
	// Two Managers over one store stand for two processes. A revocation
	// through one takes effect there at once, and in the other once its
	// cached verification is CacheTTL old.
	const ttl = 10 * time.Second
	for _, rv := range revocations {
		for _, kind := range storeKinds {
			t.Run(rv.name+"/"+kind.name, func(t *testing.T) {
				mem := tokens.NewMemoryStore()
				store, cs := kind.make(mem)
				clk := newClock()
				opts := tokens.Options{Now: clk.Now, Policy: rv.policy, CacheTTL: ttl}
				here := tokens.NewManager(store, opts)
				other := tokens.NewManager(mem, opts)

				plain, tok, err := here.Generate(ctx, tokens.GenerateOptions{TenantID: "acme"})
				require.NoError(t, err)
				keep, _, err := here.Generate(ctx, tokens.GenerateOptions{TenantID: "globex"})
				require.NoError(t, err)
				for _, m := range []*tokens.Manager{here, other} {
					for _, p := range []string{plain, keep} {
						_, err := m.Authenticate(ctx, p)
						require.NoError(t, err)
					}
					require.Equal(t, 2, m.CacheStats().Entries)
				}

				clk.Advance(time.Second)
				rv.revoke(t, here, tok.ID)
				lookups := cs.Lookups.Load()
				_, err = here.Authenticate(ctx, plain)
				assert.Same(t, tokens.ErrInvalidToken, err, "refused at once where it was revoked")
				assert.Equal(t, lookups+1, cs.Lookups.Load(), "the entry is gone, so the store is asked")
				_, err = here.Authenticate(ctx, keep)
				require.NoError(t, err, "other tenants' entries stay")
				assert.Equal(t, lookups+1, cs.Lookups.Load())

				// The other process has not heard of it: it keeps trusting its
				// cached verification until that is ttl old, and no longer.
				clk.Advance(ttl - time.Second - time.Nanosecond)
				_, err = other.Authenticate(ctx, plain)
				require.NoError(t, err, "within the TTL the other process may still accept it")
				clk.Advance(time.Nanosecond)
				_, err = other.Authenticate(ctx, plain)
				assert.Same(t, tokens.ErrInvalidToken, err, "refused everywhere once the TTL has passed")
			})
		}
	}
}

func TestCacheRevokeDropsTokenRevokedElsewhere(t *testing.T) {
	// Revoking through this Manager a token another process revoked
	// already still drops this Manager's entry.
	mem := tokens.NewMemoryStore()
	clk := newClock()
	opts := tokens.Options{Now: clk.Now, CacheTTL: time.Hour}
	here := tokens.NewManager(mem, opts)
	other := tokens.NewManager(mem, opts)
	plain, tok, err := here.Generate(ctx, tokens.GenerateOptions{})
	require.NoError(t, err)
	_, err = here.Authenticate(ctx, plain)
	require.NoError(t, err)
	require.NoError(t, other.Revoke(ctx, "", tok.ID))
	_, err = here.Authenticate(ctx, plain)
	require.NoError(t, err, "cached for an hour")

	require.NoError(t, here.Revoke(ctx, "", tok.ID))
	_, err = here.Authenticate(ctx, plain)
	assert.Same(t, tokens.ErrInvalidToken, err)
}

func TestCacheFailedRotationDropsTenant(t *testing.T) {
	// A rotation that fails half way may have revoked some tokens; the
	// tenant's entries are dropped so the store decides again.
	m, _, cs, _ := setup(t, tokens.Options{})
	oldPlain, _, err := m.Generate(ctx, tokens.GenerateOptions{})
	require.NoError(t, err)
	_, err = m.Authenticate(ctx, oldPlain)
	require.NoError(t, err)
	cs.RevokeErr = fmt.Errorf("db down")
	cs.FailRevokes.Store(1)
	_, _, err = m.Generate(ctx, tokens.GenerateOptions{})
	require.Error(t, err)
	assert.Equal(t, 0, m.CacheStats().Entries)
	_, err = m.Authenticate(ctx, oldPlain)
	require.NoError(t, err, "the old token was kept")
	assert.Equal(t, int64(2), cs.Lookups.Load())
}

// pausingStore lets a test run something between a TokenByHash lookup
// and Authenticate's use of its result.
type pausingStore struct {
	tokens.Store
	looked, resume chan struct{}
}

func (s *pausingStore) TokenByHash(ctx context.Context, hash []byte) (*tokens.Token, error) {
	t, err := s.Store.TokenByHash(ctx, hash)
	s.looked <- struct{}{}
	<-s.resume
	return t, err
}

func TestCacheRevokeDuringLookup(t *testing.T) {
	// A lookup that read the token before a revocation finished must not
	// put the revoked token into the cache afterwards.
	mem := tokens.NewMemoryStore()
	m := tokens.NewManager(mem, tokens.Options{Policy: tokens.Multiple, CacheTTL: time.Hour})
	plain, tok, err := m.Generate(ctx, tokens.GenerateOptions{})
	require.NoError(t, err)

	ps := &pausingStore{Store: mem, looked: make(chan struct{}), resume: make(chan struct{})}
	slow := tokens.NewManager(ps, tokens.Options{Policy: tokens.Multiple, CacheTTL: time.Hour})
	done := make(chan error)
	go func() {
		_, err := slow.Authenticate(ctx, plain)
		done <- err
	}()
	<-ps.looked // the lookup saw an active token
	revoked := make(chan error)
	go func() { revoked <- slow.Revoke(ctx, "", tok.ID) }()
	require.NoError(t, <-revoked)
	close(ps.resume)
	require.NoError(t, <-done, "the request raced the revocation and may pass")
	assert.Equal(t, 0, slow.CacheStats().Entries, "but its result is not cached")

	go func() { <-ps.looked }()
	_, err = slow.Authenticate(ctx, plain)
	assert.Same(t, tokens.ErrInvalidToken, err)
}

func TestCacheNeverHoldsInvalidTokens(t *testing.T) {
	m, _, cs, clk := setup(t, tokens.Options{Policy: tokens.Multiple, CacheTTL: time.Hour})
	revoked, revTok, err := m.Generate(ctx, tokens.GenerateOptions{})
	require.NoError(t, err)
	require.NoError(t, m.Revoke(ctx, "", revTok.ID))
	expired, _, err := m.Generate(ctx, tokens.GenerateOptions{ExpiresIn: time.Second})
	require.NoError(t, err)
	valid, _, err := m.Generate(ctx, tokens.GenerateOptions{})
	require.NoError(t, err)
	clk.Advance(time.Second)

	// A flood of unknown tokens, and repeats of the revoked, expired and
	// malformed ones: every one is a store lookup and none is cached.
	const flood = 1000
	for i := range flood {
		bearer := randomToken(t)
		switch i % 4 {
		case 1:
			bearer = revoked
		case 2:
			bearer = expired
		case 3:
			bearer = valid + "x"
		}
		_, err := m.Authenticate(ctx, bearer)
		require.Same(t, tokens.ErrInvalidToken, err)
	}
	assert.Equal(t, tokens.CacheStats{Misses: flood}, m.CacheStats())
	assert.Equal(t, int64(flood), cs.Lookups.Load())

	_, err = m.Authenticate(ctx, valid)
	require.NoError(t, err)
	assert.Equal(t, 1, m.CacheStats().Entries)
}

func TestCacheSizeBound(t *testing.T) {
	cases := []struct {
		name string
		size int
		want int
	}{
		{"bounded", 3, 3},
		{"zero means the default", 0, 8},
		{"negative means the default", -1, 8},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, _, cs, clk := setup(t, tokens.Options{Policy: tokens.Multiple, CacheSize: tc.size})
			var plains []string
			for range 8 {
				p, _, err := m.Generate(ctx, tokens.GenerateOptions{})
				require.NoError(t, err)
				plains = append(plains, p)
			}
			for _, p := range plains {
				clk.Advance(time.Millisecond)
				_, err := m.Authenticate(ctx, p)
				require.NoError(t, err)
			}
			assert.Equal(t, tc.want, m.CacheStats().Entries)

			// The newest entries stay, the oldest went.
			lookups := cs.Lookups.Load()
			for i := len(plains) - 1; i >= 0; i-- {
				_, err := m.Authenticate(ctx, plains[i])
				require.NoError(t, err)
				wantLookups := lookups
				if len(plains)-i > tc.want {
					wantLookups = lookups + 1
				}
				require.Equal(t, wantLookups, cs.Lookups.Load(), "token %d", i)
				lookups = cs.Lookups.Load()
			}
			assert.LessOrEqual(t, m.CacheStats().Entries, tc.want)
		})
	}
}

func TestCacheStaleEntriesGoFirst(t *testing.T) {
	// Entries whose TTL has passed make room before live ones do.
	m, _, cs, clk := setup(t, tokens.Options{Policy: tokens.Multiple, CacheSize: 2})
	var plains []string
	for range 3 {
		p, _, err := m.Generate(ctx, tokens.GenerateOptions{})
		require.NoError(t, err)
		plains = append(plains, p)
	}
	_, err := m.Authenticate(ctx, plains[0])
	require.NoError(t, err)
	clk.Advance(tokens.DefaultCacheTTL)
	_, err = m.Authenticate(ctx, plains[1])
	require.NoError(t, err)
	assert.Equal(t, 1, m.CacheStats().Entries, "the stale entry was removed to make room")
	_, err = m.Authenticate(ctx, plains[2])
	require.NoError(t, err)
	lookups := cs.Lookups.Load()
	for _, p := range plains[1:] {
		_, err = m.Authenticate(ctx, p)
		require.NoError(t, err)
	}
	assert.Equal(t, lookups, cs.Lookups.Load(), "both live entries stayed")
}

func TestCacheHitUpdatesLastUsed(t *testing.T) {
	// A long TTL makes every call after the first a hit; the throttled
	// LastUsedAt write still happens, so the admin page stays Connected
	// and another Manager sees the use.
	m, mem, cs, clk := setup(t, tokens.Options{CacheTTL: time.Hour, LastUsedInterval: time.Minute})
	plain, _, err := m.Generate(ctx, tokens.GenerateOptions{TenantID: "acme"})
	require.NoError(t, err)
	_, err = m.Authenticate(ctx, plain)
	require.NoError(t, err)
	require.Equal(t, int64(1), cs.Touches.Load())

	for range 10 {
		clk.Advance(5 * time.Second)
		got, err := m.Authenticate(ctx, plain)
		require.NoError(t, err)
		assert.Equal(t, clk.Now(), got.LastUsedAt, "a hit reports the use it is")
	}
	assert.Equal(t, int64(1), cs.Touches.Load(), "throttled on hits as on misses")
	st, err := m.Status(ctx, "acme")
	require.NoError(t, err)
	assert.Equal(t, tokens.Connected, st.State)
	assert.Equal(t, t0.Add(50*time.Second), st.LastRequestAt)

	clk.Advance(10 * time.Second)
	_, err = m.Authenticate(ctx, plain)
	require.NoError(t, err)
	assert.Equal(t, int64(1), cs.Lookups.Load(), "every call after the first was a hit")
	assert.Equal(t, int64(2), cs.Touches.Load(), "a hit past the interval writes")

	fresh := tokens.NewManager(mem, tokens.Options{Now: clk.Now})
	st, err = fresh.Status(ctx, "acme")
	require.NoError(t, err)
	assert.Equal(t, tokens.Connected, st.State)
	assert.Equal(t, t0.Add(time.Minute), st.LastRequestAt)
}

func TestCacheOutlivesStoreOutage(t *testing.T) {
	// A hit needs no store, so a short outage does not fail requests of a
	// token verified just before; a miss still reports the outage.
	m, _, cs, _ := setup(t, tokens.Options{})
	plain, _, err := m.Generate(ctx, tokens.GenerateOptions{})
	require.NoError(t, err)
	_, err = m.Authenticate(ctx, plain)
	require.NoError(t, err)
	cs.LookupErr = fmt.Errorf("db down")
	_, err = m.Authenticate(ctx, plain)
	require.NoError(t, err)
	_, err = m.Authenticate(ctx, randomToken(t))
	require.ErrorIs(t, err, cs.LookupErr)
}

func TestCacheConcurrent(t *testing.T) {
	// Hits, misses, revocations, rotations and expiries at once. What a
	// goroutine observes is checked against the clock readings around each
	// call, never against timing.
	clk := newClock()
	m := tokens.NewManager(tokens.NewMemoryStore(), tokens.Options{
		Now: clk.Now, Policy: tokens.Multiple, CacheSize: 16, LastUsedInterval: time.Second,
	})
	const workers, rounds = 8, 30
	var wg sync.WaitGroup
	stop := make(chan struct{})
	go func() {
		for {
			select {
			case <-stop:
				return
			default:
				clk.Advance(10 * time.Millisecond)
			}
		}
	}()
	for w := range workers {
		wg.Go(func() {
			tenant := fmt.Sprint("t", w)
			for r := range rounds {
				switch r % 3 {
				case 0: // revoked through this Manager: refused from then on
					plain, tok, err := m.Generate(ctx, tokens.GenerateOptions{TenantID: tenant})
					if !assert.NoError(t, err) {
						return
					}
					for range 5 {
						got, err := m.Authenticate(ctx, plain)
						if assert.NoError(t, err) {
							assert.Equal(t, tenant, got.TenantID)
						}
					}
					assert.NoError(t, m.Revoke(ctx, tenant, tok.ID))
					_, err = m.Authenticate(ctx, plain)
					assert.Same(t, tokens.ErrInvalidToken, err)
				case 1: // expiring: accepted before ExpiresAt, refused from it on
					plain, tok, err := m.Generate(ctx, tokens.GenerateOptions{TenantID: tenant, ExpiresIn: 50 * time.Millisecond})
					if !assert.NoError(t, err) {
						return
					}
					for range 20 {
						before := clk.Now()
						_, err := m.Authenticate(ctx, plain)
						after := clk.Now()
						switch {
						case !before.Before(tok.ExpiresAt):
							assert.Same(t, tokens.ErrInvalidToken, err)
						case after.Before(tok.ExpiresAt):
							assert.NoError(t, err)
						}
					}
				case 2: // unknown tokens: refused, never cached
					_, err := m.Authenticate(ctx, randomToken(t))
					assert.Same(t, tokens.ErrInvalidToken, err)
					_, _ = m.Status(ctx, tenant)
				}
			}
		})
	}
	wg.Wait()
	close(stop)
	st := m.CacheStats()
	assert.LessOrEqual(t, st.Entries, 16)
	assert.Positive(t, st.Hits)
	assert.Positive(t, st.Misses)
}
