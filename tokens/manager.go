package tokens

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Policy decides what Generate does to a tenant's existing tokens.
type Policy int

const (
	// OneActive, the default, revokes a tenant's other active tokens when
	// a new one is generated, so at most one token works at a time.
	OneActive Policy = iota
	// Multiple lets several (typically named) tokens of a tenant coexist.
	Multiple
)

// String returns "one_active" or "multiple".
func (p Policy) String() string {
	switch p {
	case OneActive:
		return "one_active"
	case Multiple:
		return "multiple"
	}
	return fmt.Sprintf("Policy(%d)", int(p))
}

// DefaultLastUsedInterval is the default of Options.LastUsedInterval.
const DefaultLastUsedInterval = time.Minute

// EventType says what happened to a token.
type EventType int

const (
	// TokenGenerated is reported after Generate stored a new token.
	TokenGenerated EventType = iota + 1
	// TokenRevoked is reported after a token was revoked, by Revoke or by
	// Generate under the OneActive policy.
	TokenRevoked
)

// String returns "token_generated" or "token_revoked".
func (t EventType) String() string {
	switch t {
	case TokenGenerated:
		return "token_generated"
	case TokenRevoked:
		return "token_revoked"
	}
	return fmt.Sprintf("EventType(%d)", int(t))
}

// Event is passed to Options.OnEvent for auditing.
type Event struct {
	// Type says what happened.
	Type EventType
	// Token is a copy of the affected token, without its hash.
	Token *Token
	// At is when it happened, by the Manager's clock.
	At time.Time
}

// Options configure a Manager. The zero value is ready to use and means:
// time.Now, crypto/rand.Reader, the OneActive policy, a one-minute
// LastUsedInterval, no event hook, and a cache of up to DefaultCacheSize
// verified tokens trusted for DefaultCacheTTL.
type Options struct {
	// Now returns the current time. Nil means time.Now.
	Now func() time.Time

	// Rand is the source of token secrets and ids. Nil means
	// crypto/rand.Reader; anything else must be cryptographically secure
	// outside of tests.
	Rand io.Reader

	// Policy is applied by Generate. The zero value is OneActive.
	Policy Policy

	// TenantPolicy, if set, chooses the policy per tenant (for example
	// from a tenant's plan or settings) and overrides Policy. It is called
	// by Generate and by Manager.Policy and must be fast.
	TenantPolicy func(ctx context.Context, tenantID string) Policy

	// LastUsedInterval bounds how often Authenticate writes a token's
	// LastUsedAt to the store: at most once per interval per token, with
	// the first use seen by a Manager written at once. Zero means
	// DefaultLastUsedInterval; a negative value writes on every request.
	LastUsedInterval time.Duration

	// OnEvent, if set, is called synchronously after a token is generated
	// or revoked, with the context of the call that caused it. It must not
	// block for long. Under concurrent Generate calls for one tenant a
	// revocation may be reported more than once.
	OnEvent func(ctx context.Context, e Event)

	// CacheTTL is how long Authenticate trusts a token it verified against
	// the store without looking it up again. Expiry is still checked on
	// every request, and revoking or rotating through this Manager takes
	// effect at once; a revocation made through another Manager (another
	// process over the same store) takes effect here within CacheTTL.
	// Zero means DefaultCacheTTL; a negative value turns the cache off, so
	// that every Authenticate looks the token up in the store.
	CacheTTL time.Duration

	// CacheSize bounds the number of cached tokens; when full, the oldest
	// entry goes. Zero or negative means DefaultCacheSize. It also bounds
	// the tokens whose last use a Manager remembers for LastUsedInterval
	// (with the cache off too), so that tokens that expire or are revoked
	// elsewhere, which this Manager never hears of, do not hold memory for
	// the life of the process (see Manager).
	CacheSize int
}

// Manager generates, revokes and authenticates tokens over a Store. It is
// safe for concurrent use. Create one with NewManager.
//
// To throttle LastUsedAt writes it remembers, per token, the last use it
// saw and wrote, for at most Options.CacheSize tokens. When a new token
// finds that full, the tokens last written at least LastUsedInterval ago
// are forgotten (their next use writes at once, as it would anyway), then
// others until half is free. A forgotten token's use held back by the
// throttle is not written: its stored LastUsedAt stays behind by less than
// LastUsedInterval, the precision the throttle already allows.
type Manager struct {
	store    Store
	now      func() time.Time
	rand     io.Reader
	policy   Policy
	tpolicy  func(context.Context, string) Policy
	interval time.Duration
	onEvent  func(context.Context, Event)

	mu     sync.Mutex
	use    map[string]*usage // token id -> usage seen by this Manager
	useMax int               // the most entries use holds (pruneUse)

	cache  *verifiedCache // nil when Options.CacheTTL is negative
	hits   atomic.Uint64
	misses atomic.Uint64
}

// usage is what a Manager remembers about a token's recent use.
type usage struct {
	written time.Time // last LastUsedAt written (or known) to be stored
	used    time.Time // latest successful Authenticate
}

// NewManager returns a Manager that keeps tokens in store. It panics if
// store is nil.
func NewManager(store Store, opts Options) *Manager {
	if store == nil {
		panic("tokens: NewManager with nil Store")
	}
	m := &Manager{
		store:    store,
		now:      opts.Now,
		rand:     opts.Rand,
		policy:   opts.Policy,
		tpolicy:  opts.TenantPolicy,
		interval: opts.LastUsedInterval,
		onEvent:  opts.OnEvent,
		use:      make(map[string]*usage),
		useMax:   cacheSize(opts),
		cache:    newVerifiedCache(opts),
	}
	if m.now == nil {
		m.now = time.Now
	}
	if m.rand == nil {
		m.rand = rand.Reader
	}
	if m.interval == 0 {
		m.interval = DefaultLastUsedInterval
	}
	return m
}

// Policy returns the policy Generate applies to the tenant: the result of
// Options.TenantPolicy if set, else Options.Policy. An admin page uses it
// to warn that generating a token revokes the current one.
func (m *Manager) Policy(ctx context.Context, tenantID string) Policy {
	if m.tpolicy != nil {
		return m.tpolicy(ctx, tenantID)
	}
	return m.policy
}

// Now returns the Manager's current time (Options.Now), the clock that
// stamps tokens and judges expiry; an admin page shows times relative to it.
func (m *Manager) Now() time.Time {
	return m.now()
}

// GenerateOptions describe a token to generate.
type GenerateOptions struct {
	// TenantID is the tenant the token authenticates as. "" is valid.
	TenantID string
	// Name is a human label, e.g. "Okta production".
	Name string
	// ConnectionID is an opaque host value, e.g. an SSO connection id.
	ConnectionID string
	// Labels are free-form host metadata; they are copied.
	Labels map[string]string
	// CreatedBy names who generated the token.
	CreatedBy string
	// ExpiresIn is the token's lifetime; zero means it never expires.
	// Negative values are an error.
	ExpiresIn time.Duration
}

// Generate creates a token and returns its plaintext, which the caller must
// show exactly once and never store, together with a copy of the stored
// record (without its hash). Only the hash is stored. Under the OneActive
// policy (see Manager.Policy) the tenant's other active tokens are revoked.
func (m *Manager) Generate(ctx context.Context, opts GenerateOptions) (plaintext string, tok *Token, err error) {
	if opts.ExpiresIn < 0 {
		return "", nil, errors.New("tokens: generate: negative ExpiresIn")
	}
	secret, err := newSecret(m.rand)
	if err != nil {
		return "", nil, err
	}
	id, err := newID(m.rand)
	if err != nil {
		return "", nil, err
	}
	now := m.now()
	sum := hashToken(secret)
	t := &Token{
		ID:           id,
		Name:         opts.Name,
		TenantID:     opts.TenantID,
		ConnectionID: opts.ConnectionID,
		Labels:       maps.Clone(opts.Labels),
		Hint:         hint(secret),
		Hash:         sum[:],
		CreatedAt:    now,
		CreatedBy:    opts.CreatedBy,
	}
	if opts.ExpiresIn > 0 {
		t.ExpiresAt = now.Add(opts.ExpiresIn)
	}

	var revoked []*Token
	if m.Policy(ctx, opts.TenantID) == Multiple {
		err = m.store.CreateToken(ctx, t)
	} else {
		revoked, err = m.rotate(ctx, t, now)
		// Even a failed rotation may have revoked some tokens.
		m.cache.drop(func(c *Token) bool { return c.TenantID == opts.TenantID })
	}
	if err != nil {
		return "", nil, fmt.Errorf("tokens: generate: %w", err)
	}

	m.emit(ctx, TokenGenerated, t, now)
	for _, r := range revoked {
		m.forget(ctx, r.ID)
		m.emit(ctx, TokenRevoked, r, now)
	}
	return secret, t.public(), nil
}

// rotate stores t and revokes the tenant's other active tokens, returning
// the tokens it revoked.
func (m *Manager) rotate(ctx context.Context, t *Token, now time.Time) ([]*Token, error) {
	before, err := m.store.ListTokens(ctx, t.TenantID)
	if err != nil {
		return nil, err
	}
	if r, ok := m.store.(Rotator); ok {
		if err := r.RotateToken(ctx, t, now); err != nil {
			return nil, err
		}
		return m.revokedBy(ctx, t, before, now), nil
	}

	// Not atomic: create first so a failure never leaves the tenant
	// without a working token, then revoke the others.
	if err := m.store.CreateToken(ctx, t); err != nil {
		return nil, err
	}
	all, err := m.store.ListTokens(ctx, t.TenantID)
	if err != nil {
		all = before
	}
	var revoked []*Token
	for _, o := range all {
		if o.ID == t.ID || !o.Active(now) {
			continue
		}
		if err := m.store.RevokeToken(ctx, t.TenantID, o.ID, now); err != nil && !errors.Is(err, ErrNotFound) {
			// Do not hand out a token whose rotation half failed; its
			// plaintext would be lost anyway.
			_ = m.store.RevokeToken(context.WithoutCancel(ctx), t.TenantID, t.ID, now)
			return nil, err
		}
		o.RevokedAt = now
		revoked = append(revoked, o)
	}
	return revoked, nil
}

// revokedBy works out which tokens RotateToken revoked: those of the
// tenant, other than t, that are revoked now but were not revoked before
// (or did not exist yet when before was read).
func (m *Manager) revokedBy(ctx context.Context, t *Token, before []*Token, now time.Time) []*Token {
	wasRevoked := make(map[string]bool, len(before))
	for _, b := range before {
		wasRevoked[b.ID] = !b.Active(now)
	}
	after, err := m.store.ListTokens(ctx, t.TenantID)
	if err != nil {
		// Fall back to what must have been revoked.
		var out []*Token
		for _, b := range before {
			if b.Active(now) {
				b.RevokedAt = now
				out = append(out, b)
			}
		}
		return out
	}
	var out []*Token
	for _, a := range after {
		if a.ID == t.ID || a.RevokedAt.IsZero() || wasRevoked[a.ID] {
			continue
		}
		out = append(out, a)
	}
	return out
}

// Revoke revokes token id of tenant tenantID. It returns an error wrapping
// ErrNotFound if the tenant has no such token (a token of another tenant
// counts as missing, as does an id no token can have, which the store is
// not asked for) and nil if the token is already revoked.
func (m *Manager) Revoke(ctx context.Context, tenantID, id string) error {
	if !isID(id) {
		return fmt.Errorf("tokens: revoke: the id has no token id's form: %w", ErrNotFound)
	}
	list, err := m.store.ListTokens(ctx, tenantID)
	if err != nil {
		return fmt.Errorf("tokens: revoke: %w", err)
	}
	i := slices.IndexFunc(list, func(t *Token) bool { return t.ID == id })
	if i < 0 {
		return fmt.Errorf("tokens: revoke %q: %w", id, ErrNotFound)
	}
	t := list[i].clone()
	// Dropped on every path below, after any store write; also when the
	// token is revoked already, since another Manager may have revoked it
	// while this one still has it cached.
	defer m.cache.drop(func(c *Token) bool { return c.ID == id })
	if !t.RevokedAt.IsZero() {
		return nil
	}
	now := m.now()
	if err := m.store.RevokeToken(ctx, tenantID, id, now); err != nil {
		return fmt.Errorf("tokens: revoke: %w", err)
	}
	t.RevokedAt = now
	if used := m.forget(ctx, id); used.After(t.LastUsedAt) {
		t.LastUsedAt = used
	}
	m.emit(ctx, TokenRevoked, t, now)
	return nil
}

// List returns the tenant's tokens, including revoked and expired ones,
// newest first, without hashes. LastUsedAt includes uses this Manager has
// seen but not yet written.
func (m *Manager) List(ctx context.Context, tenantID string) ([]*Token, error) {
	out, err := m.list(ctx, tenantID)
	if err != nil {
		return nil, fmt.Errorf("tokens: list: %w", err)
	}
	return out, nil
}

// list implements List without wrapping store errors.
func (m *Manager) list(ctx context.Context, tenantID string) ([]*Token, error) {
	list, err := m.store.ListTokens(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	out := make([]*Token, len(list))
	for i, t := range list {
		out[i] = t.public()
		out[i].LastUsedAt = m.lastUsed(out[i])
	}
	slices.SortFunc(out, func(a, b *Token) int {
		return cmp.Or(b.CreatedAt.Compare(a.CreatedAt), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

// Authenticate checks a raw bearer token (without the "Bearer " scheme)
// and returns a copy of its record without the hash.
//
// A token verified within the last Options.CacheTTL (and not expired, nor
// revoked or rotated out through this Manager since) is answered from the
// Manager's cache without a store call. Every other token is looked up:
// unknown, revoked, expired, malformed and empty tokens all return
// ErrInvalidToken itself, after the same work: one hash, one cache probe,
// one store lookup, one copy and one constant-time comparison of the
// stored hash (an unknown token is compared against a placeholder). They
// are never cached. Other store errors are returned wrapped, so a caller
// can answer 500 rather than 401.
//
// On success the token's LastUsedAt is updated, at most once per
// Options.LastUsedInterval, on cache hits too; failures of that write do
// not fail the call.
func (m *Manager) Authenticate(ctx context.Context, bearer string) (*Token, error) {
	t := new(Token)
	if err := m.AuthenticateInto(ctx, bearer, t); err != nil {
		return nil, err
	}
	return t, nil
}

// AuthenticateInto is Authenticate writing the token's record into dst
// (overwritten whole) instead of a new Token, for a caller that already
// has a place for it: the SCIM handler keeps it in the state it makes for
// each request, so that a cache hit allocates nothing (nor anything but
// a copy of Labels, when the token has any). On an error dst is left as
// it is.
func (m *Manager) AuthenticateInto(ctx context.Context, bearer string, dst *Token) error {
	sum := hashToken(bearer)
	hash := sum[:] // on the stack while the cache answers
	now := m.now()
	if m.cache.get(hash, now, dst) {
		m.hits.Add(1)
		m.accept(ctx, dst, now)
		return nil
	}
	m.misses.Add(1)
	gen := m.cache.generation()
	formed := wellFormed(bearer)
	found, err := m.store.TokenByHash(ctx, bytes.Clone(hash)) // a copy escapes, not sum
	known := err == nil
	switch {
	case errors.Is(err, ErrNotFound):
		found = &unknownToken // take the same path as a bad known token
	case err != nil:
		return fmt.Errorf("tokens: authenticate: %w", err)
	}
	t := found.clone() // never mutate what the store handed out
	now = m.now()      // after the lookup, which may have taken a while
	// A store may look tokens up by something weaker than the full hash
	// (a prefix, a case-insensitive index); the comparison is what counts.
	match := subtle.ConstantTimeCompare(t.Hash, hash) == 1
	if !known || !match || !formed || !t.Active(now) {
		return ErrInvalidToken
	}
	m.cache.put(gen, t, now)
	*dst = *m.accept(ctx, t, now) // t is this call's own copy: nobody else holds its Labels
	return nil
}

// accept records a successful authentication of t at now and returns t
// ready for the caller: without its hash, with the latest known use.
func (m *Manager) accept(ctx context.Context, t *Token, now time.Time) *Token {
	used := m.touch(ctx, t, now)
	t.Hash = nil
	if used.After(t.LastUsedAt) {
		t.LastUsedAt = used
	}
	return t
}

// unknownToken stands in for a token the store does not know, so that
// Authenticate does the same work for it as for a revoked or expired one.
// Its hash is never the SHA-256 of anything and it is revoked.
var unknownToken = Token{Hash: make([]byte, sha256.Size), RevokedAt: time.Unix(1, 0)}

// touch records a use of t at now and writes it to the store if the last
// write is at least the interval old. It returns the latest use this
// Manager knows of, read under the same lock (what lastUsed would find,
// without taking the lock again on every request).
func (m *Manager) touch(ctx context.Context, t *Token, now time.Time) (used time.Time) {
	m.mu.Lock()
	u := m.use[t.ID]
	if u == nil {
		if len(m.use) >= m.useMax {
			m.pruneUse(now)
		}
		u = &usage{}
		m.use[t.ID] = u
	}
	if now.After(u.used) {
		u.used = now
	}
	if t.LastUsedAt.After(u.written) {
		u.written = t.LastUsedAt // another Manager or process wrote it
	}
	used = u.used
	prev := u.written
	write := prev.IsZero() || m.interval < 0 || now.Sub(prev) >= m.interval
	if write {
		u.written = now
	}
	m.mu.Unlock()
	if !write {
		return used
	}
	if err := m.store.TouchToken(ctx, t.ID, now); err != nil {
		// Let the next request retry the write.
		m.mu.Lock()
		if u := m.use[t.ID]; u != nil && u.written.Equal(now) {
			u.written = prev
		}
		m.mu.Unlock()
	}
	return used
}

// pruneUse makes room in a full m.use, under m.mu: it drops every token
// last written at least the interval before now, whose next use writes at
// once whether remembered or not, then others until at most half of
// useMax remain, so that a prune runs at most once per useMax/2 new
// tokens. A token that expired or was revoked through another Manager is
// never forgotten otherwise. What a dropped entry held back is lost,
// less than one interval of LastUsedAt (see Manager).
func (m *Manager) pruneUse(now time.Time) {
	for id, u := range m.use {
		if now.Sub(u.written) >= m.interval {
			delete(m.use, id)
		}
	}
	for id := range m.use {
		if len(m.use) <= m.useMax/2 {
			break
		}
		delete(m.use, id)
	}
}

// forget drops what this Manager remembers about token id (called once it
// is revoked, so the memory does not grow with every token ever used),
// first writing a use the throttle held back. It returns the token's
// latest use known to this Manager, or zero.
func (m *Manager) forget(ctx context.Context, id string) time.Time {
	m.mu.Lock()
	u := m.use[id]
	delete(m.use, id)
	m.mu.Unlock()
	if u == nil {
		return time.Time{}
	}
	if u.used.After(u.written) {
		_ = m.store.TouchToken(ctx, id, u.used) // best effort, like touch
	}
	return u.used
}

// lastUsed returns the later of t.LastUsedAt and the last use this Manager
// has seen.
func (m *Manager) lastUsed(t *Token) time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	if u := m.use[t.ID]; u != nil && u.used.After(t.LastUsedAt) {
		return u.used
	}
	return t.LastUsedAt
}

// emit reports an event if a hook is set.
func (m *Manager) emit(ctx context.Context, typ EventType, t *Token, at time.Time) {
	if m.onEvent == nil {
		return
	}
	m.onEvent(ctx, Event{Type: typ, Token: t.public(), At: at})
}
