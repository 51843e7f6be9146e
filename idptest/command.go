package idptest

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"text/tabwriter"
	"time"
)

// Main is the conformance command (examples/conformance): it replays the
// embedded conversations against the SCIM endpoint named by args, prints
// the report to stdout, and returns the exit code: 0 when every
// conversation passed, 1 when one failed or the endpoint could not be
// used, 2 for a usage error.
//
//	conformance -base https://app.example.com/scim/v2 -token scim_...
//
// The token may also come from $SCIM_TOKEN and the base URL from
// $SCIM_BASE_URL. Every name a run creates carries a suffix unique to the
// run, and every conversation deletes what it created, so the command can
// run against a live server holding real users.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("conformance", flag.ContinueOnError)
	fs.SetOutput(stderr)
	base := fs.String("base", os.Getenv("SCIM_BASE_URL"), "SCIM base URL, e.g. https://app.example.com/scim/v2 (default $SCIM_BASE_URL)")
	token := fs.String("token", "", "bearer token (default $SCIM_TOKEN; prefer the variable, flags show in ps)")
	only := fs.String("only", "", "run only conversations whose provider or name contains one of these comma-separated words (case-insensitive)")
	list := fs.Bool("list", false, "list the conversations and exit")
	timeout := fs.Duration("timeout", 30*time.Second, "timeout of each request")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: conformance -base URL [-token T] [-only okta,entra] [-list]\n\n"+
			"Replays identity providers' provisioning conversations against a SCIM endpoint\n"+
			"and prints a per-provider pass/fail table; exit code 1 when one fails.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	convs, err := Conversations()
	if err != nil {
		fmt.Fprintln(stderr, "conformance:", err)
		return 1
	}
	convs = selectConversations(convs, *only)
	if *list {
		tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "PROVIDER\tCONVERSATION\tREQUESTS\tTITLE")
		for _, c := range convs {
			fmt.Fprintf(tw, "%s\t%s\t%d\t%s\n", c.Provider, c.Name, c.Requests(), c.Title)
		}
		_ = tw.Flush()
		return 0
	}
	if *token == "" {
		*token = os.Getenv("SCIM_TOKEN")
	}
	if u, err := url.Parse(*base); *base == "" || err != nil || !u.IsAbs() {
		fmt.Fprintln(stderr, "conformance: -base must be the absolute SCIM base URL, e.g. http://127.0.0.1:8080/scim/v2")
		fs.Usage()
		return 2
	}
	if *token == "" {
		fmt.Fprintln(stderr, "conformance: a bearer token is required: set $SCIM_TOKEN or pass -token")
		return 2
	}
	if len(convs) == 0 {
		fmt.Fprintf(stderr, "conformance: no conversation matches -only %q\n", *only)
		return 2
	}
	target := Target{BaseURL: strings.TrimRight(*base, "/"), Token: *token, Client: &http.Client{Timeout: *timeout}}
	if msg := preflight(ctx, target); msg != "" {
		fmt.Fprintf(stdout, "conformance: %s\n", redactor(*token)(msg))
		return 1
	}
	run := NewRunID()
	fmt.Fprintf(stdout, "Replaying %d conversations against %s (names end in %s)\n\n", len(convs), target.BaseURL, run)
	results := make([]*Result, 0, len(convs))
	failed := false
	for _, c := range convs {
		if ctx.Err() != nil {
			break
		}
		r := Run(ctx, target, c, Options{RunID: run})
		results = append(results, r)
		failed = failed || !r.Passed()
	}
	if err := WriteReport(stdout, results, *token); err != nil {
		fmt.Fprintln(stderr, "conformance:", err)
		return 1
	}
	if failed || ctx.Err() != nil {
		return 1
	}
	return 0
}

// selectConversations keeps the conversations whose provider or name
// contains one of the comma-separated words of only.
func selectConversations(convs []*Conversation, only string) []*Conversation {
	if strings.TrimSpace(only) == "" {
		return convs
	}
	var out []*Conversation
	for _, c := range convs {
		hay := strings.ToLower(c.Provider + " " + c.Name)
		for _, w := range strings.Split(only, ",") {
			if w = strings.ToLower(strings.TrimSpace(w)); w != "" && strings.Contains(hay, w) {
				out = append(out, c)
				break
			}
		}
	}
	return out
}

// preflight checks that the endpoint answers and accepts the token, so
// that a wrong URL or token gives one clear message instead of a failure
// per step. It returns "" when the endpoint is usable.
func preflight(ctx context.Context, t Target) string {
	r := &runner{ctx: ctx, target: t, client: t.Client, conv: &Conversation{}, vars: newVars("", t.Token), res: &Result{}}
	q := &request{method: http.MethodGet, path: "/ServiceProviderConfig", header: http.Header{}}
	q.header.Set("Accept", scimMediaType)
	q.header.Set("Authorization", "Bearer "+t.Token)
	ex, _ := r.send(q)
	switch {
	case ex.Err != nil:
		return fmt.Sprintf("cannot reach %s: %v", ex.URL, ex.Err)
	case ex.Status == http.StatusUnauthorized || ex.Status == http.StatusForbidden:
		return fmt.Sprintf("the endpoint refused the token (%d): check that it is the current token, not revoked or expired, and sent whole\n\n%s",
			ex.Status, FormatExchange(ex))
	case ex.Status == http.StatusNotFound:
		return fmt.Sprintf("no SCIM endpoint at %s (404): the base URL must end where /Users and /Groups start, e.g. .../scim/v2\n\n%s",
			t.BaseURL, FormatExchange(ex))
	case ex.Status != http.StatusOK:
		return fmt.Sprintf("GET /ServiceProviderConfig answered %d\n\n%s", ex.Status, FormatExchange(ex))
	}
	return ""
}
