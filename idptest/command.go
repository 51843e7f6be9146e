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
	only := fs.String("only", "", "run only conversations whose provider or name contains one of these comma-separated words (case-insensitive; each must select one)")
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
	convs, err := pick(strings.Split(*only, ","))
	if err != nil {
		fmt.Fprintln(stderr, "conformance:", err)
		if errors.Is(err, ErrNoMatch) {
			return 2
		}
		return 1
	}
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
	target := Target{BaseURL: strings.TrimRight(*base, "/"), Token: *token, Client: &http.Client{Timeout: *timeout}}
	opts, err := start(ctx, target)
	if err != nil {
		fmt.Fprintf(stdout, "conformance: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "Replaying %d conversations against %s (names end in %s)\n\n", len(convs), target.BaseURL, opts.RunID)
	results, err := replay(ctx, target, convs, opts)
	if err := WriteReport(stdout, results, *token); err != nil {
		fmt.Fprintln(stderr, "conformance:", err)
		return 1
	}
	if err != nil {
		return 1
	}
	for _, r := range results {
		if !r.Passed() {
			return 1
		}
	}
	return 0
}
