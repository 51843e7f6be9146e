package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// findBrowser returns the path of a Chromium-based browser: $SCIMKIT_BROWSER
// if set, else the first of the usual names on $PATH.
func findBrowser() string {
	if p := os.Getenv("SCIMKIT_BROWSER"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// startBrowser starts headless Chromium for the test, stopped when it
// ends, and returns its context; it skips the test when there is none
// (fails it in CI). The context has no deadline (a deadline on the first
// call would bound the browser's life): the test bounds each step.
func startBrowser(t *testing.T) context.Context {
	t.Helper()
	browser := findBrowser()
	if browser == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("no Chromium found on $PATH (or $SCIMKIT_BROWSER) and CI=true: install it, e.g. apt-get install -y chromium")
		}
		t.Skip("no Chromium found on $PATH (or $SCIMKIT_BROWSER): install it (apt-get install -y chromium) to run the admin page browser test")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(browser),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.WindowSize(1200, 900),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	t.Cleanup(cancelBrowser)
	require.NoError(t, chromedp.Do(bctx), "start %s", browser)
	return bctx
}

// TestAdminPageInBrowser drives the admin page in headless Chromium: sign
// in, generate a token, use it for SCIM requests, reload, and see
// "Connected" and the requests. With SCIMKIT_SCREENSHOT=path it also saves
// a full-page PNG of the result (the README's docs/admin.png).
func TestAdminPageInBrowser(t *testing.T) {
	bctx := startBrowser(t)
	s := startServer(t, "correct horse battery staple")
	step := func(name string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		ctx, cancel := context.WithTimeout(bctx, 30*time.Second)
		defer cancel()
		require.NoError(t, chromedp.Do(ctx, steps...), name)
	}
	read := func(a chromedp.Action[string]) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(bctx, 10*time.Second)
		defer cancel()
		v, err := chromedp.Run(ctx, a)
		require.NoError(t, err)
		return v
	}

	// Sign in; the page shows the printed token as active but unused.
	step("sign in",
		chromedp.Navigate(s.origin+"/admin"),
		chromedp.WaitVisible(chromedp.ID("password")),
		chromedp.SendKeys(chromedp.ID("password"), "correct horse battery staple"),
		chromedp.Click(chromedp.ID("sign-in")),
		chromedp.WaitVisible(chromedp.ID("generate")),
		waitText("#status-badge", "Waiting for first request"),
	)
	assert.Equal(t, "Waiting for first request", read(chromedp.Text(chromedp.ID("status-badge"))))
	assert.Equal(t, s.base, read(chromedp.Value(chromedp.ID("base-url"))))

	// Generate: the page warns that the current token is revoked, then
	// shows the new one once.
	step("generate", chromedp.Click(chromedp.ID("generate")), chromedp.WaitVisible(chromedp.ID("confirm")))
	assert.Contains(t, read(chromedp.Text(chromedp.ID("confirm"))), "revokes the current one")
	step("confirm", chromedp.Click(chromedp.ID("confirm-generate")), chromedp.WaitVisible(chromedp.ID("token-value")))
	token := read(chromedp.Value(chromedp.ID("token-value")))
	require.Regexp(t, `^scim_[A-Za-z0-9_-]{43}$`, token)
	assert.NotEqual(t, s.token, token)
	// Leaving the page forgets the token, so that a back/forward cache
	// that kept the page does not show it again: the page as pagehide
	// leaves it, kept for a return (persisted), holds it nowhere.
	left := read(chromedp.Evaluate[string](`(() => {
		window.dispatchEvent(new PageTransitionEvent("pagehide", { persisted: true }));
		return document.getElementById("token-value").value + " " + !document.getElementById("new-token").hidden;
	})()`))
	assert.Equal(t, " false", left, "pagehide clears the token and hides it")

	// The new token works; the printed one was revoked.
	user := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bjensen@example.com","name":{"givenName":"Barbara","familyName":"Jensen"},"active":true}`
	cases := []struct {
		method, path, token, body string
		status                    int
	}{
		{"GET", "/Users", s.token, "", http.StatusUnauthorized},
		{"POST", "/Users", token, user, http.StatusCreated},
		{"GET", `/Users?filter=userName%20eq%20%22bjensen%40example.com%22`, token, "", http.StatusOK},
		{"POST", "/Users", token, user, http.StatusConflict},
	}
	for _, tc := range cases {
		resp := scimRequest(t, tc.method, s.base+tc.path, tc.token, tc.body)
		require.Equal(t, tc.status, resp.StatusCode, "%s %s", tc.method, tc.path)
	}

	// The request log is written in the background: wait until the admin
	// API has the three entries, then reload: connected, and the requests
	// are in the table, newest first.
	step("requests written", waitRequests(3))
	step("reload",
		chromedp.Reload(),
		chromedp.WaitVisible(chromedp.CSS("#requests tbody tr td.path")),
		waitText("#status-badge", "Connected · last request"),
	)
	assert.Regexp(t, `^Connected · last request \d+s ago$`, read(chromedp.Text(chromedp.ID("status-badge"))))
	ctx, cancel := context.WithTimeout(bctx, 10*time.Second)
	defer cancel()
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("#requests tbody tr")).map(r => r.innerText.replace(/\s+/g, " ").trim())`))
	require.NoError(t, err)
	require.Len(t, rows, 3, "the unauthenticated request is not logged: %q", rows)
	assert.Regexp(t, `POST /Users 409 uniqueness: .+ ms$`, rows[0])
	assert.Contains(t, rows[1], `GET /Users?filter=userName eq "bjensen@example.com" 200`, "shown decoded")
	assert.Contains(t, rows[2], "POST /Users 201")
	shown, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.outerHTML.includes(`+jsString(token[len("scim_"):])+`) || document.getElementById("token-value").value !== ""`))
	require.NoError(t, err)
	assert.False(t, shown, "the token is shown once, not after a reload")

	if path := os.Getenv("SCIMKIT_SCREENSHOT"); path != "" {
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		require.NoError(t, err)
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, png, 0o644))
		t.Logf("screenshot written to %s", path)
	}
}

// TestAdminPageShowsProviderTextInert: markup a token holder sends (in a
// path, a filter, an attribute name, a userName) and an admin's token
// name reach the admin page's requests, warnings, details and tokens as
// text: no element is made of them and no script of theirs runs. The
// page's CSP would block an inline handler anyway; counting elements
// catches a rendering that parses text as HTML whatever the CSP.
func TestAdminPageShowsProviderTextInert(t *testing.T) {
	bctx := startBrowser(t)
	s := startServer(t, "correct horse battery staple")
	const payload = `<img src=x onerror=window.__xss=1><script>window.__xss=2</script>`
	body, err := json.Marshal(map[string]any{
		"schemas":  []string{"urn:ietf:params:scim:schemas:core:2.0:User"},
		"userName": payload, payload: "an unknown attribute, warned of",
	})
	require.NoError(t, err)
	for _, tc := range []struct {
		method, path, body string
		status             int
	}{
		{"POST", "/Users", string(body), http.StatusCreated},
		{"GET", "/Users?filter=" + url.QueryEscape(`userName eq "`+payload+`"`), "", http.StatusOK},
		{"GET", "/Users?filter=" + url.QueryEscape(payload), "", http.StatusBadRequest},
		{"GET", "/Users/" + url.PathEscape(payload), "", http.StatusNotFound},
	} {
		resp := scimRequest(t, tc.method, s.base+tc.path, s.token, tc.body)
		require.Equal(t, tc.status, resp.StatusCode, "%s %s", tc.method, tc.path)
	}

	ctx, cancel := context.WithTimeout(bctx, 60*time.Second)
	defer cancel()
	name, err := json.Marshal(payload)
	require.NoError(t, err)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(s.origin+"/admin"),
		chromedp.WaitVisible(chromedp.ID("password")),
		chromedp.SendKeys(chromedp.ID("password"), "correct horse battery staple"),
		chromedp.Click(chromedp.ID("sign-in")),
		chromedp.WaitVisible(chromedp.ID("generate")),
		waitRequests(4),
	))
	// A token named with the payload, made as the page makes one.
	_, err = chromedp.Run(ctx, chromedp.Evaluate[int](`(async () => (await fetch("/admin/api/tokens", {method: "POST",
		headers: {"Content-Type": "application/json"}, body: JSON.stringify({name: `+string(name)+`})})).status)()`, chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Reload(),
		chromedp.WaitVisible(chromedp.CSS("#requests tbody tr td.path")),
		chromedp.WaitVisible(chromedp.CSS("#tokens tbody tr")),
	))
	type page struct {
		XSS            any
		Images         int
		Scripts        int
		Requests       string
		Tokens         string
		PayloadInPaths bool
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[page](`({
		XSS: window.__xss === undefined ? null : window.__xss,
		Images: document.querySelectorAll("img").length,
		Scripts: document.scripts.length,
		Requests: document.querySelector("#requests tbody").textContent,
		Tokens: document.querySelector("#tokens tbody").textContent,
		PayloadInPaths: Array.from(document.querySelectorAll("#requests td.path")).some(td => td.textContent.includes(`+string(name)+`)),
	})`))
	require.NoError(t, err)
	assert.Nil(t, got.XSS, "no script of the payload ran")
	assert.Zero(t, got.Images, "no element was made of the payload")
	assert.Equal(t, 1, got.Scripts, "the page's own script alone")
	assert.True(t, got.PayloadInPaths, "the payload is shown as text in a path: %s", got.Requests)
	assert.Contains(t, got.Requests, `ignored unknown attribute`, "the warning is shown")
	assert.Contains(t, got.Tokens, payload, "the token's name is shown as text")
}

// waitText waits until the element matching sel contains want.
func waitText(sel, want string) chromedp.Action[chromedp.Void] {
	return chromedp.Poll[chromedp.Void](`(document.querySelector(`+jsString(sel)+`) || {}).textContent?.includes(`+jsString(want)+`)`,
		chromedp.WithPollingTimeout(15*time.Second))
}

// waitRequests waits until the admin API's GET /requests has at least n
// entries, asking it from the page (with the page's session).
func waitRequests(n int) chromedp.Action[chromedp.Void] {
	count := chromedp.Evaluate[int](`(async () => {
		for (;;) {
			const d = await (await fetch("/admin/api/requests")).json();
			if (d.requests.length >= `+strconv.Itoa(n)+`) return d.requests.length;
			await new Promise(r => setTimeout(r, 20));
		}
	})()`, chromedp.EvalAwaitPromise)
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := count(ctx, t)
		return chromedp.Void{}, err
	}
}

// jsString quotes s as a JavaScript string literal (s has no quotes or
// backslashes in this test).
func jsString(s string) string {
	if strings.ContainsAny(s, `"\`) {
		panic("jsString: unsupported character")
	}
	return `"` + s + `"`
}
