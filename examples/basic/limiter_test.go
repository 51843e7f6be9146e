package main

import (
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSignInLimiter(t *testing.T) {
	lim := signInLimits{PerClient: 3, PerClientEvery: 10 * time.Second, Overall: 5, OverallEvery: time.Second, MaxClients: 100}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	type attempt struct {
		client string
		at     time.Duration // after t0
		ok     bool          // a correct password after the attempt is allowed
		want   verdict
	}
	cases := []struct {
		name     string
		attempts []attempt
	}{
		{"a burst per client, then a wait", []attempt{
			{"a", 0, false, verdict{ok: true}},
			{"a", 0, false, verdict{ok: true}},
			{"a", 0, false, verdict{ok: true}},
			{"a", 0, false, verdict{retryAfter: 10 * time.Second, scope: "client", first: true}},
			{"a", time.Second, false, verdict{retryAfter: 9 * time.Second, scope: "client"}},
			{"a", 10 * time.Second, false, verdict{ok: true}},
			{"a", 10 * time.Second, false, verdict{retryAfter: 10 * time.Second, scope: "client", first: true}},
		}},
		{"another client is not held up by one", []attempt{
			{"a", 0, false, verdict{ok: true}},
			{"a", 0, false, verdict{ok: true}},
			{"a", 0, false, verdict{ok: true}},
			{"a", 0, false, verdict{retryAfter: 10 * time.Second, scope: "client", first: true}},
			{"b", 0, false, verdict{ok: true}},
		}},
		{"many clients meet the overall limit", []attempt{
			{"a", 0, false, verdict{ok: true}},
			{"b", 0, false, verdict{ok: true}},
			{"c", 0, false, verdict{ok: true}},
			{"d", 0, false, verdict{ok: true}},
			{"e", 0, false, verdict{ok: true}},
			{"f", 0, false, verdict{retryAfter: time.Second, scope: "overall", first: true}},
			{"g", 0, false, verdict{retryAfter: time.Second, scope: "overall"}},
			{"g", time.Second, false, verdict{ok: true}},
		}},
		{"a refused client does not drain the overall bucket", []attempt{
			{"a", 0, false, verdict{ok: true}},
			{"a", 0, false, verdict{ok: true}},
			{"a", 0, false, verdict{ok: true}},
			{"a", 0, false, verdict{retryAfter: 10 * time.Second, scope: "client", first: true}},
			{"a", 0, false, verdict{retryAfter: 10 * time.Second, scope: "client"}},
			{"a", 0, false, verdict{retryAfter: 10 * time.Second, scope: "client"}},
			{"b", 0, false, verdict{ok: true}},
			{"c", 0, false, verdict{ok: true}},
		}},
		{"a correct password gives the attempts back", []attempt{
			{"a", 0, false, verdict{ok: true}},
			{"a", 0, false, verdict{ok: true}},
			{"a", 0, true, verdict{ok: true}},
			{"a", 0, false, verdict{ok: true}},
			{"a", 0, false, verdict{ok: true}},
			{"a", 0, false, verdict{ok: true}},
			{"a", 0, false, verdict{retryAfter: 10 * time.Second, scope: "client", first: true}},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l := newSignInLimiter(lim)
			for i, a := range tc.attempts {
				got := l.allow(a.client, t0.Add(a.at))
				require.Equal(t, a.want, got, "attempt %d by %s", i+1, a.client)
				if a.ok {
					l.succeeded(a.client)
				}
			}
		})
	}
}

// TestSignInLimiterBoundedMemory: a flood of attempts from distinct
// addresses never makes the limiter remember more than MaxClients.
func TestSignInLimiterBoundedMemory(t *testing.T) {
	l := newSignInLimiter(signInLimits{PerClient: 2, PerClientEvery: time.Minute, Overall: 1 << 30, OverallEvery: time.Nanosecond, MaxClients: 50})
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 10_000 {
		v := l.allow(fmt.Sprintf("10.0.%d.%d", i/256, i%256), now)
		require.True(t, v.ok)
		require.LessOrEqual(t, l.tracked(), 50)
	}
	assert.Equal(t, 50, l.tracked())
	// Clients whose buckets refilled are forgotten first.
	later := now.Add(time.Hour)
	for i := range 50 {
		require.True(t, l.allow(fmt.Sprintf("192.0.2.%d", i), later).ok)
	}
	require.True(t, l.allow("192.0.2.0", later).ok)
	assert.False(t, l.allow("192.0.2.0", later).ok, "the newest clients were kept")
}

func TestClientKey(t *testing.T) {
	cases := []struct{ remote, want string }{
		{"192.0.2.7:51234", "192.0.2.7"},
		{"[::ffff:192.0.2.7]:51234", "192.0.2.7"},
		{"[2001:db8:1:2:aaaa::1]:443", "2001:db8:1:2::/64"},
		{"[2001:db8:1:2:bbbb::9]:443", "2001:db8:1:2::/64"},
		{"[fe80::1%eth0]:80", "fe80::/64"},
		{"@", "@"},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, clientKey(tc.remote), tc.remote)
	}
}

func TestClientAddr(t *testing.T) {
	cases := []struct {
		name        string
		behindProxy bool
		xff         []string
		want        string
	}{
		{"direct: the header is ignored", false, []string{"198.51.100.1"}, "192.0.2.7:51234"},
		{"behind a proxy: the entry the proxy appended", true, []string{"198.51.100.1"}, "198.51.100.1"},
		{"a client's own entries are not trusted", true, []string{"203.0.113.9, 198.51.100.1"}, "198.51.100.1"},
		{"several header lines: the last one's last entry", true, []string{"203.0.113.9", "10.0.0.1, 198.51.100.1 "}, "198.51.100.1"},
		{"behind a proxy that sets no header", true, nil, "192.0.2.7:51234"},
		{"an empty last entry", true, []string{"203.0.113.9, "}, "192.0.2.7:51234"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/admin/login", nil)
			r.RemoteAddr = "192.0.2.7:51234"
			for _, v := range tc.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			assert.Equal(t, tc.want, clientAddr(r, tc.behindProxy))
		})
	}
}
