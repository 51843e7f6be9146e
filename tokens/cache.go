package tokens

import (
	"container/list"
	"sync"
	"time"
)

// DefaultCacheTTL is the default of Options.CacheTTL. Identity providers
// call in bursts (a provisioning cycle is dozens to thousands of requests
// back to back with one token), so five seconds already turns almost every
// store lookup of a burst into a cache hit, while a token revoked through
// another process (another replica over the same store) stops working
// within five seconds: less time than it takes an admin to switch to the
// provider and see the effect.
const DefaultCacheTTL = 5 * time.Second

// DefaultCacheSize is the default of Options.CacheSize. An entry is a few
// hundred bytes, and only tokens used within the last CacheTTL need one, so
// this covers a thousand tenants syncing at the same moment.
const DefaultCacheSize = 1000

// CacheStats counts how Authenticate found tokens, for a host's metrics.
type CacheStats struct {
	// Hits counts Authenticate calls answered from the cache, without a
	// store lookup.
	Hits uint64
	// Misses counts Authenticate calls that looked the token up in the
	// store: every call when the cache is off, and calls for tokens that
	// are unknown, not cached, cached longer than CacheTTL ago, or expired.
	Misses uint64
	// Entries is the number of tokens cached now.
	Entries int
}

// CacheStats reports the token cache's hits and misses since NewManager
// and its current size.
func (m *Manager) CacheStats() CacheStats {
	return CacheStats{Hits: m.hits.Load(), Misses: m.misses.Load(), Entries: m.cache.len()}
}

// verifiedCache holds tokens that Authenticate verified against the store
// recently, keyed by their SHA-256 hash, never by the plaintext. It is
// bounded: when full, the oldest entry goes. Entries are only ever added
// after a successful verification, so a flood of unknown tokens cannot
// fill it. A nil *verifiedCache is a cache that is off.
//
// Looking a hash up in a Go map compares it in variable time. That tells
// an attacker nothing about a token: they choose the token, not its hash,
// and learning how many leading bytes of a hash they cannot steer match a
// cached one gives no way to construct a token with that hash (that would
// be a SHA-256 preimage). The map key is the full hash, so a hit is an
// exact match of all 32 bytes; the store path keeps its constant-time
// comparison because a store may look tokens up by less than that.
type verifiedCache struct {
	ttl time.Duration
	max int

	mu     sync.Mutex
	gen    uint64                   // bumped by every drop; see generation
	byHash map[string]*list.Element // string(hash) -> element of order
	order  *list.List               // of *cached, newest at the front
}

// cached is one verified token.
type cached struct {
	key   string    // string(tok.Hash)
	tok   *Token    // private copy, hash included; only clones leave
	until time.Time // when the verification stops counting
}

// newVerifiedCache returns a cache for opts, or nil if it is turned off.
func newVerifiedCache(opts Options) *verifiedCache {
	if opts.CacheTTL < 0 {
		return nil
	}
	c := &verifiedCache{ttl: opts.CacheTTL, max: cacheSize(opts), byHash: make(map[string]*list.Element), order: list.New()}
	if c.ttl == 0 {
		c.ttl = DefaultCacheTTL
	}
	return c
}

// cacheSize is Options.CacheSize with its default, which bounds both the
// cache and the tokens a Manager remembers the use of.
func cacheSize(opts Options) int {
	if opts.CacheSize <= 0 {
		return DefaultCacheSize
	}
	return opts.CacheSize
}

// get writes into dst a copy of the token cached under hash, without its
// hash (the caller has it), and reports true, if it was verified less
// than the TTL before now and has not expired at now; otherwise it drops
// any entry for hash, leaves dst as it is and reports false. Expiry is
// checked here, on every hit, so that a token is refused the moment it
// expires.
func (c *verifiedCache) get(hash []byte, now time.Time, dst *Token) bool {
	if c == nil {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.byHash[string(hash)]
	if !ok {
		return false
	}
	e := el.Value.(*cached)
	if !now.Before(e.until) || e.tok.Expired(now) {
		c.remove(el)
		return false
	}
	e.tok.publicTo(dst)
	return true
}

// generation returns a value to pass to put: read it before the store
// lookup, so that a drop that runs meanwhile (a revocation) keeps the
// lookup's now stale result out of the cache.
func (c *verifiedCache) generation() uint64 {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// put caches a copy of t, verified at now, unless a drop ran since gen
// was read. It first removes the entries at the old end whose TTL has
// passed, then, if the cache is still full, the oldest ones. All entries
// share one TTL, so the order of insertion is the order of going stale.
func (c *verifiedCache) put(gen uint64, t *Token, now time.Time) {
	if c == nil {
		return
	}
	e := &cached{key: string(t.Hash), tok: t.clone(), until: now.Add(c.ttl)}
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if el, ok := c.byHash[e.key]; ok {
		c.remove(el)
	}
	for el := c.order.Back(); el != nil && !now.Before(el.Value.(*cached).until); el = c.order.Back() {
		c.remove(el)
	}
	for el := c.order.Back(); el != nil && c.order.Len() >= c.max; el = c.order.Back() {
		c.remove(el)
	}
	c.byHash[e.key] = c.order.PushFront(e)
}

// drop removes the cached tokens for which match is true, and keeps
// lookups that started before out of the cache (see generation). Call it
// after the store change it reflects.
func (c *verifiedCache) drop(match func(*Token) bool) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	for el := c.order.Front(); el != nil; {
		next := el.Next()
		if match(el.Value.(*cached).tok) {
			c.remove(el)
		}
		el = next
	}
}

// remove deletes el; c.mu must be held.
func (c *verifiedCache) remove(el *list.Element) {
	delete(c.byHash, el.Value.(*cached).key)
	c.order.Remove(el)
}

// len returns the number of cached tokens.
func (c *verifiedCache) len() int {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}
