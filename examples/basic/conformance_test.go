package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/idptest"
	"github.com/scimkit/scim/store/sqlstore/sqltest"
)

// TestConformanceCommand runs the conformance command's main logic
// (examples/conformance) against this example server on each store, the
// way a host runs it against a deployment.
func TestConformanceCommand(t *testing.T) {
	for _, db := range []struct {
		name string
		dsn  func(t testing.TB) string
	}{
		{"memory", func(testing.TB) string { return "memory" }},
		{"sqlite", func(t testing.TB) string { return "sqlite:" + filepath.Join(t.TempDir(), "scim.db") }},
		{"postgres", sqltest.PostgresDSN},
	} {
		t.Run(db.name, func(t *testing.T) {
			base, token := startWithDB(t, db.dsn(t))
			var out, errOut bytes.Buffer
			code := idptest.Main(context.Background(), []string{"-base", base, "-token", token}, &out, &errOut)
			require.Equal(t, 0, code, "stdout:\n%s\nstderr:\n%s", out.String(), errOut.String())
			assert.Contains(t, out.String(), "8 of 8 providers passed.")
			assert.NotContains(t, out.String(), token)

			// The run left the server as it found it.
			for _, path := range []string{"/Users", "/Groups"} {
				req, err := http.NewRequest("GET", base+path+"?count=0", nil)
				require.NoError(t, err)
				req.Header.Set("Authorization", "Bearer "+token)
				resp, err := http.DefaultClient.Do(req)
				require.NoError(t, err)
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				assert.Contains(t, string(body), `"totalResults":0`, path)
			}
		})
	}
}

// TestConformanceCommandReportsFailures shows a failing run: a revoked
// token ends the run with exit code 1 and the exchange that shows why.
func TestConformanceCommandReportsFailures(t *testing.T) {
	base, token := startWithDB(t, "memory")
	var out bytes.Buffer
	code := idptest.Main(context.Background(), []string{"-base", base, "-token", token + "x", "-only", "okta"}, &out, io.Discard)
	assert.Equal(t, 1, code)
	assert.Contains(t, out.String(), "refused the token (401)")
	assert.Contains(t, out.String(), "Authorization: Bearer <token>")
}

// startWithDB runs the example on the store dsn names and returns the SCIM
// base URL and the bearer token it prints.
func startWithDB(t *testing.T, dsn string) (base, token string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	errc := make(chan error, 1)
	go func() {
		err := run(ctx, config{Addr: "127.0.0.1:0", DB: dsn, Logger: slog.New(slog.DiscardHandler)}, pw)
		_ = pw.CloseWithError(io.ErrUnexpectedEOF)
		errc <- err
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-errc:
			assert.NoError(t, err)
		case <-time.After(10 * time.Second):
			t.Error("server did not stop")
		}
	})
	sc := bufio.NewScanner(pr)
	for sc.Scan() && (base == "" || token == "") {
		line := sc.Text()
		if v, ok := strings.CutPrefix(line, "SCIM base URL: "); ok {
			base = v
		}
		if v, ok := strings.CutPrefix(line, "Bearer token: "); ok {
			token = v
		}
	}
	require.NotEmpty(t, base, "run printed no base URL (%v)", sc.Err())
	require.NotEmpty(t, token, "run printed no token")
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	return base, token
}
