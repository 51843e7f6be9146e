package main

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"
)

// signInLimits bound password guessing on the admin sign-in form. Every
// sign-in attempt costs one token from the client's bucket and one from
// the overall bucket; a correct password gives both back. An empty bucket
// answers 429 before the password is looked at, so a guess made while
// limited can never succeed.
type signInLimits struct {
	// PerClient attempts a client may make in a burst; it earns one back
	// every PerClientEvery.
	PerClient      int
	PerClientEvery time.Duration
	// Overall attempts all clients together may make in a burst; one back
	// every OverallEvery. This is what bounds an attacker who spreads
	// guesses over many addresses (and what still holds when the client
	// table below is full). Its price: such an attacker can keep the real
	// admin out too, for as long as the attack lasts.
	Overall      int
	OverallEvery time.Duration
	// MaxClients bounds the clients remembered at once. A client whose
	// bucket has refilled carries no state and is forgotten first.
	MaxClients int
}

// defaultSignInLimits: 5 attempts, then one every 20 s, per client; 30,
// then one every 2 s, overall (at most about 43,000 guesses a day against
// a password of 128 random bits by default).
func defaultSignInLimits() signInLimits {
	return signInLimits{PerClient: 5, PerClientEvery: 20 * time.Second, Overall: 30, OverallEvery: 2 * time.Second, MaxClients: 4096}
}

// signInLimiter implements signInLimits with two kinds of token bucket,
// each kept as the time it will be full again (the generic cell rate
// algorithm): one time per client, one overall. Safe for concurrent use.
type signInLimiter struct {
	lim signInLimits

	mu      sync.Mutex
	clients map[string]*bucket
	overall bucket
}

// bucket is one token bucket.
type bucket struct {
	full time.Time // when the bucket is full again; in the past: full now
	// refused is set by the first refusal since the bucket last allowed
	// an attempt, so that only that one is logged.
	refused bool
}

// verdict is signInLimiter.allow's answer.
type verdict struct {
	ok bool
	// retryAfter is how long a refused client waits for its next attempt.
	retryAfter time.Duration
	// scope is "client" or "overall": which bucket refused.
	scope string
	// first is true for the first refusal by that bucket since it last
	// allowed an attempt.
	first bool
}

func newSignInLimiter(lim signInLimits) *signInLimiter {
	return &signInLimiter{lim: lim, clients: make(map[string]*bucket)}
}

// wait returns how long until b has a token, at most n tokens refilling
// one per every.
func (b *bucket) wait(now time.Time, n int, every time.Duration) time.Duration {
	if !b.full.After(now) {
		return 0 // full (and no arithmetic on a zero time)
	}
	// Taking a token moves full one interval later; it may be at most n
	// intervals ahead of now.
	if d := b.full.Sub(now) + every - time.Duration(n)*every; d > 0 {
		return d
	}
	return 0
}

// take spends one token of b.
func (b *bucket) take(now time.Time, every time.Duration) {
	if b.full.Before(now) {
		b.full = now
	}
	b.full = b.full.Add(every)
	b.refused = false
}

// allow spends one attempt of client, or says how long it must wait.
// Neither bucket is charged for a refused attempt: a client that keeps
// trying while refused does not drain the overall bucket for the others.
func (l *signInLimiter) allow(client string, now time.Time) verdict {
	l.mu.Lock()
	defer l.mu.Unlock()
	c := l.clients[client]
	if c == nil {
		c = &bucket{}
	}
	if d := c.wait(now, l.lim.PerClient, l.lim.PerClientEvery); d > 0 {
		first := !c.refused
		c.refused = true // c is in the map: only a bucket that took a token can be empty
		return verdict{retryAfter: d, scope: "client", first: first}
	}
	if d := l.overall.wait(now, l.lim.Overall, l.lim.OverallEvery); d > 0 {
		first := !l.overall.refused
		l.overall.refused = true
		return verdict{retryAfter: d, scope: "overall", first: first}
	}
	l.overall.take(now, l.lim.OverallEvery)
	c.take(now, l.lim.PerClientEvery)
	if _, ok := l.clients[client]; !ok {
		l.remember(client, c, now)
	}
	return verdict{ok: true}
}

// remember adds client to the table, first forgetting the clients whose
// buckets are full again, then, if the table is still full, any one
// client (the overall bucket still bounds what that lets through).
func (l *signInLimiter) remember(client string, c *bucket, now time.Time) {
	if len(l.clients) >= l.lim.MaxClients {
		for k, b := range l.clients {
			if !b.full.After(now) {
				delete(l.clients, k)
			}
		}
	}
	for k := range l.clients {
		if len(l.clients) < l.lim.MaxClients {
			break
		}
		delete(l.clients, k)
	}
	l.clients[client] = c
}

// succeeded gives back the attempt a correct password cost: the client
// starts afresh, and the overall bucket regains its token.
func (l *signInLimiter) succeeded(client string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.clients, client)
	if !l.overall.full.IsZero() {
		l.overall.full = l.overall.full.Add(-l.lim.OverallEvery)
	}
}

// tracked returns how many clients the limiter remembers.
func (l *signInLimiter) tracked() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.clients)
}

// clientAddr returns the address of the client of r. Directly, that is
// RemoteAddr. Behind a proxy (-external-url) every request comes from the
// proxy, which would make the per-client limit a second overall one, so
// the address is the last entry of X-Forwarded-For: the one the proxy
// itself appended. The entries before it are whatever the client sent,
// and are never trusted. Without the header, RemoteAddr.
func clientAddr(r *http.Request, behindProxy bool) string {
	if behindProxy {
		if xff := r.Header.Values("X-Forwarded-For"); len(xff) > 0 {
			last := xff[len(xff)-1]
			if i := strings.LastIndexByte(last, ','); i >= 0 {
				last = last[i+1:]
			}
			if last = strings.TrimSpace(last); last != "" {
				return last
			}
		}
	}
	return r.RemoteAddr
}

// clientKey names a client by its address (the connection's, or the one
// a trusted proxy appended to X-Forwarded-For): an IPv4 address, or the
// /64 network of an IPv6 one, since a single host commonly holds a whole
// /64.
func clientKey(addr string) string {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	ip = ip.Unmap().WithZone("")
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return p.String()
	}
	return ip.String()
}
