package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestServerLimits: a client that stalls, idles or sends oversized headers
// is cut off by the limit meant for it. Each case shortens only that limit,
// so the others (seconds to minutes) cannot be what closes the connection.
func TestServerLimits(t *testing.T) {
	cases := []struct {
		name   string
		cfg    config
		send   string // written on a raw connection, which then stalls
		status string // the status line the server answers, or "" for none
	}{
		{
			name:   "headers that stall are cut by ReadHeaderTimeout",
			cfg:    config{ReadHeaderTimeout: 200 * time.Millisecond},
			send:   "GET / HTTP/1.1\r\nHost: example\r\nX-Slow: ",
			status: "",
		},
		{
			name: "a body that stalls is cut by ReadTimeout",
			cfg:  config{ReadTimeout: 200 * time.Millisecond},
			send: "POST /admin/login HTTP/1.1\r\nHost: example\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\npassword=",
			// The sign-in form's read fails: it answers, then the
			// server closes the connection.
			status: "HTTP/1.1 400 Bad Request",
		},
		{
			name:   "an idle keep-alive connection is closed by IdleTimeout",
			cfg:    config{IdleTimeout: 200 * time.Millisecond},
			send:   "GET / HTTP/1.1\r\nHost: example\r\n\r\n",
			status: "HTTP/1.1 200 OK",
		},
		{
			name:   "headers beyond MaxHeaderBytes",
			cfg:    config{MaxHeaderBytes: 1 << 10},
			send:   "GET / HTTP/1.1\r\nHost: example\r\nX-Big: " + strings.Repeat("a", 8<<10) + "\r\n\r\n",
			status: "HTTP/1.1 431 Request Header Fields Too Large",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := startConfig(t, tc.cfg)
			conn, err := net.Dial("tcp", strings.TrimPrefix(s.origin, "http://"))
			require.NoError(t, err)
			defer conn.Close()
			_, err = io.WriteString(conn, tc.send)
			require.NoError(t, err)
			// A guard, far beyond the limit under test, so that a server
			// that never closes fails the test rather than hanging it.
			require.NoError(t, conn.SetReadDeadline(time.Now().Add(15*time.Second)))
			got, err := io.ReadAll(bufio.NewReader(conn))
			var ne net.Error
			require.False(t, errors.As(err, &ne) && ne.Timeout(), "the server did not close the connection; read %q", got)
			first, _, _ := strings.Cut(string(got), "\r\n")
			assert.Equal(t, tc.status, first)
		})
	}
}

// TestHTTPServerDefaults: the command line gets every limit, and a config
// value overrides its default.
func TestHTTPServerDefaults(t *testing.T) {
	logger := slog.New(slog.DiscardHandler)
	srv := newHTTPServer(config{}, http.NotFoundHandler(), logger)
	assert.Equal(t, defaultReadHeaderTimeout, srv.ReadHeaderTimeout)
	assert.Equal(t, defaultReadTimeout, srv.ReadTimeout)
	assert.Equal(t, defaultWriteTimeout, srv.WriteTimeout)
	assert.Equal(t, defaultIdleTimeout, srv.IdleTimeout)
	assert.Equal(t, defaultMaxHeaderBytes, srv.MaxHeaderBytes)
	assert.NotNil(t, srv.ErrorLog)
	// The write timeout leaves room for a whole body and a whole store call.
	assert.Greater(t, srv.WriteTimeout, srv.ReadTimeout+10*time.Second)

	srv = newHTTPServer(config{ReadHeaderTimeout: 1, ReadTimeout: 2, WriteTimeout: 3, IdleTimeout: 4, MaxHeaderBytes: 5}, http.NotFoundHandler(), logger)
	assert.Equal(t, []time.Duration{1, 2, 3, 4}, []time.Duration{srv.ReadHeaderTimeout, srv.ReadTimeout, srv.WriteTimeout, srv.IdleTimeout})
	assert.Equal(t, 5, srv.MaxHeaderBytes)
}

// escapeAll percent-encodes every byte of s, the longest form a client
// may send it in (a non-ASCII value is sent so).
func escapeAll(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		fmt.Fprintf(&b, "%%%02X", s[i])
	}
	return b.String()
}

// filterOf returns a filter of exactly n bytes, its value non-ASCII.
func filterOf(n int) string {
	head, tail := `userName eq "`, `"`
	v := strings.Repeat("é", (n-len(head)-len(tail))/2)
	v += strings.Repeat("x", n-len(head)-len(tail)-len(v))
	return head + v + tail
}

// TestURLLimitsAnsweredBySCIM: every limit the SCIM handler sets on what
// a URL carries (scim.Config.MaxFilterLength, the longest cursor it
// reads) is reached before the server's MaxHeaderBytes, so a filter or
// cursor one byte too long gets the handler's SCIM 400 with its
// scimType, not net/http's plain-text 431; what the handler does not
// bound (a URL longer than scim.Config.HeaderBytes) still gets the 431.
func TestURLLimitsAnsweredBySCIM(t *testing.T) {
	s := startConfig(t, config{})
	maxFilter := handlerLimits.MaxFilterLength
	maxCursor := 16*handlerLimits.MaxValueBytes + 64<<10 // the handler's bound (cursor.go)
	cursorOf := func(n int) string { return strings.Repeat("a", n-4) + ".bbb" }
	for _, tc := range []struct {
		name     string
		query    string
		status   int
		scimType string // "" for a SCIM response without one
	}{
		{"the longest filter, every byte percent-encoded", "filter=" + escapeAll(filterOf(maxFilter)), 200, ""},
		{"a filter one byte longer", "filter=" + escapeAll(filterOf(maxFilter+1)), 400, "invalidFilter"},
		{"the longest cursor with the longest filter", "filter=" + escapeAll(filterOf(maxFilter)) + "&cursor=" + cursorOf(maxCursor), 400, "invalidCursor"},
		{"a cursor one byte longer", "cursor=" + cursorOf(maxCursor+1), 400, "invalidCursor"},
		{"a URL past scim.Config.HeaderBytes", "attributes=" + strings.Repeat("a", handlerLimits.HeaderBytes()+8<<10), 431, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest("GET", s.base+"/Users?"+tc.query, nil)
			require.NoError(t, err)
			req.Header.Set("Authorization", "Bearer "+s.token)
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			require.Equal(t, tc.status, resp.StatusCode, "%.300s", body)
			if tc.status == 431 {
				return // net/http's own answer: what the host's server bounds
			}
			assert.Equal(t, "application/scim+json", resp.Header.Get("Content-Type"))
			var e struct{ ScimType string }
			require.NoError(t, json.Unmarshal(body, &e))
			assert.Equal(t, tc.scimType, e.ScimType, "%.300s", body)
		})
	}
}
