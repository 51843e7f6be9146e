package scim

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/store/memory"
)

// TestHeaderBytes: an http.Server whose MaxHeaderBytes is
// Config.HeaderBytes lets the longest filter (every byte percent-encoded)
// and the longest cursor the handler reads reach it together, whatever
// the limits, so that one byte more of either is the handler's SCIM 400,
// never net/http's plain-text 431.
func TestHeaderBytes(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"defaults", Config{}},
		{"a longer filter", Config{MaxFilterLength: 32 << 10}},
		{"shorter values", Config{MaxValueBytes: 1 << 10, MaxKeyBytes: 512}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := memory.New()
			cfg := tc.cfg
			cfg.Users, cfg.Groups, cfg.InsecureNoAuth = db, db, true
			hh, err := newHandler(cfg)
			require.NoError(t, err)
			srv := httptest.NewUnstartedServer(hh.middleware(hh.mux)) // as NewHandler
			srv.Config.MaxHeaderBytes = tc.cfg.HeaderBytes()
			srv.Start()
			defer srv.Close()

			maxFilter, maxCursor := hh.cfg.MaxFilterLength, hh.maxCursorBytes()
			filterOf := func(n int) string {
				var b strings.Builder
				b.WriteString("filter=")
				f := `userName eq "` + strings.Repeat("x", n-len(`userName eq ""`)) + `"`
				for i := 0; i < len(f); i++ {
					fmt.Fprintf(&b, "%%%02X", f[i])
				}
				return b.String()
			}
			cursorOf := func(n int) string { return "cursor=" + strings.Repeat("a", n-4) + ".bbb" }
			for _, q := range []struct {
				query    string
				status   int
				scimType string
			}{
				{filterOf(maxFilter), 200, ""},
				{filterOf(maxFilter+1) + "&" + cursorOf(maxCursor), 400, "invalidFilter"},
				{filterOf(maxFilter) + "&" + cursorOf(maxCursor), 400, "invalidCursor"},
				{filterOf(maxFilter) + "&" + cursorOf(maxCursor+1), 400, "invalidCursor"},
			} {
				resp, err := http.Get(srv.URL + "/Users?" + q.query)
				require.NoError(t, err)
				body, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				require.NoError(t, err)
				require.Equal(t, q.status, resp.StatusCode, "%.200s", body)
				assert.Equal(t, "application/scim+json", resp.Header.Get("Content-Type"))
				var e struct{ ScimType string }
				require.NoError(t, json.Unmarshal(body, &e))
				assert.Equal(t, q.scimType, e.ScimType, "%.200s", body)
			}
		})
	}
}
