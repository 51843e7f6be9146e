package idptest_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/idptest"
	"github.com/scimkit/scim/store/memory"
	"github.com/scimkit/scim/tokens"
)

// quiet drops the handler's request log.
var quiet = slog.New(slog.DiscardHandler)

// childEnv names the case TestHostChild runs, in a child process started
// by TestTestReportsFailures.
const childEnv = "IDPTEST_HOST_CHILD"

// brokenList answers every list with a string totalResults, a mistake
// Okta's import trips over; /ServiceProviderConfig answers normally so
// that the run gets past the preflight.
func brokenList() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/scim+json")
		if r.URL.Path == "/ServiceProviderConfig" {
			w.Write([]byte(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"]}`))
			return
		}
		w.Write([]byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":"0","itemsPerPage":0,"startIndex":1,"Resources":[]}`))
	})
}

// TestHostChild is a host's test that fails; it runs only in the child
// process of TestTestReportsFailures, which reads its output.
func TestHostChild(t *testing.T) {
	switch os.Getenv(childEnv) {
	case "":
		t.Skip("run by TestTestReportsFailures in a child process")
	case "broken":
		idptest.Test(t, brokenList(), "scim_secret-of-the-host", "okta-oin")
	case "typo":
		idptest.Test(t, brokenList(), "scim_secret-of-the-host", "okta", "oneloginn")
	case "token":
		db := memory.New()
		h, err := scim.NewHandler(scim.Config{Users: db, Groups: db, Tokens: tokens.NewManager(tokens.NewMemoryStore(), tokens.Options{}), Logger: quiet})
		require.NoError(t, err)
		idptest.Test(t, h, "scim_secret-of-the-host", "okta")
	}
}

// TestTestReportsFailures runs a failing host test in a child process and
// checks that its output says what a host needs to fix it: the provider,
// the conversation and the step, what was expected and what came back,
// without the token.
func TestTestReportsFailures(t *testing.T) {
	for _, tc := range []struct {
		name string
		want []string
	}{
		{"broken", []string{
			"--- FAIL: TestHostChild/Okta/okta-oin-users",
			"Okta / okta-oin-users: Test Connection: first users",
			`totalResults: got "0" of type string, want type integer`,
			"/Users?startIndex=1&count=2\n",
			"response:\n",
			"Authorization: Bearer <token>",
		}},
		{"typo", []string{`idptest: no conversation matches "oneloginn"; the providers are Chunked membership, Entra ID, `}},
		{"token", []string{"idptest: the SCIM endpoint cannot be used: it refused the token (401)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestHostChild$", "-test.v", "-test.count=1")
			cmd.Env = append(os.Environ(), childEnv+"="+tc.name)
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			require.ErrorAs(t, err, &exit, "the host's test must fail:\n%s", out)
			assert.Contains(t, string(out), "--- FAIL: TestHostChild")
			for _, w := range tc.want {
				assert.Contains(t, string(out), w)
			}
			assert.NotContains(t, string(out), "scim_secret-of-the-host")
		})
	}
}

// TestReplay covers the form for code that is not a test: its results,
// the steps a run without a token skips, and its errors.
func TestReplay(t *testing.T) {
	db := memory.New()
	h, err := scim.NewHandler(scim.Config{Users: db, Groups: db, InsecureNoAuth: true, Logger: quiet})
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	ctx := context.Background()

	results, err := idptest.Replay(ctx, idptest.Target{BaseURL: srv.URL}, "entra-legacy-provisioning", "ONELOGIN")
	require.NoError(t, err)
	require.Len(t, results, 2)
	assert.Equal(t, "entra-legacy-provisioning", results[0].Conversation.Name)
	assert.Equal(t, "onelogin-provisioning", results[1].Conversation.Name)
	for _, r := range results {
		assert.True(t, r.Passed(), "%s: %+v", r.Conversation.Name, r.Failures)
	}
	assert.Equal(t, []string{
		"Test Connection with a wrong secret token: 401 in SCIM form",
		"Test Connection with the token pasted without the Bearer prefix: 401",
	}, results[0].Skipped, "no token: the steps that check token refusal are not sent")
	assert.Empty(t, results[1].Skipped)

	_, err = idptest.Replay(ctx, idptest.Target{BaseURL: srv.URL}, "okta", "nobody")
	assert.ErrorIs(t, err, idptest.ErrNoMatch)
	_, err = idptest.Replay(ctx, idptest.Target{BaseURL: srv.URL + "/scim/v2"}, "okta")
	assert.ErrorIs(t, err, idptest.ErrUnusable)
	assert.ErrorContains(t, err, "no SCIM endpoint at")

	canceled, cancel := context.WithCancel(ctx)
	cancel()
	results, err = idptest.Replay(canceled, idptest.Target{BaseURL: srv.URL}, "okta")
	assert.ErrorIs(t, err, context.Canceled)
	assert.Empty(t, results)
}

// TestImportsNoStore checks what a host compiles when it imports idptest:
// none of scimkit's stores, so neither pgx nor SQLite.
func TestImportsNoStore(t *testing.T) {
	goTool, err := exec.LookPath("go")
	require.NoError(t, err, "the go command lists the package's dependencies")
	out, err := exec.Command(goTool, "list", "-deps", "github.com/scimkit/scim/idptest").CombinedOutput()
	require.NoError(t, err, "%s", out)
	deps := strings.Fields(string(out))
	require.Contains(t, deps, "net/http/httptest", "the list is the package's dependencies")
	for _, d := range deps {
		assert.False(t, strings.HasPrefix(d, "github.com/scimkit/scim/store") ||
			strings.HasPrefix(d, "github.com/jackc/") || strings.HasPrefix(d, "modernc.org/"), "idptest imports %s", d)
	}
}
