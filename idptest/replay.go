package idptest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

var (
	// ErrNoMatch reports a provider or conversation name that picks none
	// of the embedded conversations, so that a typo cannot run nothing
	// and pass.
	ErrNoMatch = errors.New("idptest: no conversation matches")
	// ErrUnusable reports an endpoint the conversations cannot run
	// against: it does not answer, refuses the token, or has no SCIM
	// service at the base URL. Checked once before any conversation, so
	// that a wrong URL or token gives one message instead of one failure
	// per step.
	ErrUnusable = errors.New("idptest: the SCIM endpoint cannot be used")
)

// Test replays the embedded conversations against h, each as a subtest of
// t named provider/conversation (e.g. "Okta/okta-push-groups"), one after
// another, and reports every difference as a failure of that subtest: the
// step, what the provider expected, and the request and response.
//
// h is served at the root of an httptest.Server on 127.0.0.1, closed when
// t ends: pass the SCIM handler itself (what scim.NewHandler returns),
// not a mux that mounts it under a prefix (use TestTarget for that).
// Leave scim.Config.BaseURL empty so that Location and meta.location name
// the test server, or set it to any absolute URL.
//
// token is the bearer token h accepts; empty sends none, for a handler
// built with scim.Config.InsecureNoAuth (the steps that check how a wrong
// token is refused are then skipped and logged).
//
// only picks conversations: each word selects those whose provider or
// name contains it, case-insensitively ("Okta", "entra",
// "google-workspace-sync"); none runs them all. A word that selects
// nothing fails t.
//
// The conversations share h's store, as they would share a deployment:
// every name they create carries a suffix unique to the run, and each
// conversation deletes what it created (what it leaves is deleted and
// reported as a failure), so h's store ends as it started.
func Test(t *testing.T, h http.Handler, token string, only ...string) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	TestTarget(t, Target{BaseURL: srv.URL, Token: token, Client: srv.Client()}, only...)
}

// TestTarget is Test against a SCIM endpoint that is already running,
// e.g. the host's whole application started by its test with the handler
// mounted at /scim/v2: target.BaseURL is then "http://127.0.0.1:port/scim/v2".
// It fails t at once when only selects nothing or the endpoint cannot be
// used (ErrNoMatch, ErrUnusable).
func TestTarget(t *testing.T, target Target, only ...string) {
	t.Helper()
	convs, err := pick(only)
	if err != nil {
		t.Fatal(err)
	}
	opts, err := start(t.Context(), target)
	if err != nil {
		t.Fatal(err)
	}
	red := redactor(target.Token)
	for _, c := range convs {
		t.Run(c.Provider+"/"+c.Name, func(t *testing.T) {
			res := Run(t.Context(), target, c, opts)
			for _, s := range res.Skipped {
				t.Log(skippedText(c, s))
			}
			if len(res.NotChecked) > 0 {
				t.Log(notCheckedText(res))
			}
			for _, f := range res.Failures {
				t.Error(failureText(c, f, red))
			}
			for _, l := range res.Leftovers {
				t.Error(leftoverText(c, l))
			}
		})
	}
}

// Replay is the form of TestTarget for code that is not a test, such as
// examples/conformance: it replays the embedded conversations that only
// selects (see Test) against target, one after another, and returns their
// results in order, with one run id for all. WriteReport prints them.
//
// It returns no results and an error wrapping ErrNoMatch or ErrUnusable
// when it cannot start; when ctx ends, the results so far and ctx.Err().
func Replay(ctx context.Context, target Target, only ...string) ([]*Result, error) {
	convs, err := pick(only)
	if err != nil {
		return nil, err
	}
	opts, err := start(ctx, target)
	if err != nil {
		return nil, err
	}
	return replay(ctx, target, convs, opts)
}

// replay runs convs in order with opts, stopping when ctx ends.
func replay(ctx context.Context, target Target, convs []*Conversation, opts Options) ([]*Result, error) {
	results := make([]*Result, 0, len(convs))
	for _, c := range convs {
		if err := ctx.Err(); err != nil {
			return results, err
		}
		results = append(results, Run(ctx, target, c, opts))
	}
	return results, nil
}

// pick returns the embedded conversations whose provider or name contains
// one of the words (case-insensitively), all of them when no word is
// given, and ErrNoMatch for a word that selects none.
func pick(words []string) ([]*Conversation, error) {
	convs, err := Conversations()
	if err != nil {
		return nil, err
	}
	keep := make([]bool, len(convs))
	all := true
	for _, w := range words {
		w = strings.ToLower(strings.TrimSpace(w))
		if w == "" {
			continue
		}
		all = false
		found := false
		for i, c := range convs {
			if strings.Contains(strings.ToLower(c.Provider+" "+c.Name), w) {
				keep[i], found = true, true
			}
		}
		if !found {
			return nil, fmt.Errorf("%w %q; the providers are %s", ErrNoMatch, w, strings.Join(providers(convs), ", "))
		}
	}
	if all {
		return convs, nil
	}
	var out []*Conversation
	for i, c := range convs {
		if keep[i] {
			out = append(out, c)
		}
	}
	return out, nil
}

// providers lists the providers of convs once each, in order.
func providers(convs []*Conversation) []string {
	var out []string
	for _, c := range convs {
		if !slices.Contains(out, c.Provider) {
			out = append(out, c.Provider)
		}
	}
	return out
}

// start readies a run against target: the preflight, then the options of
// every conversation of the run (one run id, what /Schemas advertises).
func start(ctx context.Context, target Target) (Options, error) {
	if err := preflight(ctx, target); err != nil {
		return Options{}, err
	}
	return Options{RunID: NewRunID(), Advertised: ReadAdvertised(ctx, target)}, nil
}

// get sends one authorized GET of path to t, outside any conversation.
func get(ctx context.Context, t Target, path string) (*Exchange, any) {
	client := t.Client
	if client == nil {
		client = defaultClient()
	}
	r := &runner{ctx: ctx, target: t, client: client, conv: &Conversation{}, vars: newVars("", t.Token), res: &Result{}}
	q := &request{method: http.MethodGet, path: path, header: http.Header{}}
	q.header.Set("Accept", scimMediaType)
	authorize(q.header, t.Token)
	return r.send(q)
}

// preflight checks that the endpoint answers GET /ServiceProviderConfig
// and accepts the token; the error wraps ErrUnusable and shows the
// exchange, with the token redacted.
func preflight(ctx context.Context, t Target) error {
	ex, _ := get(ctx, t, "/ServiceProviderConfig")
	var msg string
	switch {
	case ex.Err != nil:
		return fmt.Errorf("%w: cannot reach %s: %w", ErrUnusable, ex.URL, ex.Err)
	case ex.Status == http.StatusUnauthorized || ex.Status == http.StatusForbidden:
		msg = fmt.Sprintf("it refused the token (%d): check that it is the current token, not revoked or expired, and sent whole\n\n%s",
			ex.Status, FormatExchange(ex))
	case ex.Status == http.StatusNotFound:
		msg = fmt.Sprintf("no SCIM endpoint at %s (404): the base URL must end where /Users and /Groups start, e.g. .../scim/v2\n\n%s",
			t.BaseURL, FormatExchange(ex))
	case ex.Status != http.StatusOK:
		msg = fmt.Sprintf("GET /ServiceProviderConfig answered %d\n\n%s", ex.Status, FormatExchange(ex))
	default:
		return nil
	}
	return fmt.Errorf("%w: %s", ErrUnusable, redactor(t.Token)(msg))
}
