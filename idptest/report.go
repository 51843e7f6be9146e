package idptest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"text/tabwriter"
)

// maxShownBody bounds a body printed in a report.
const maxShownBody = 4096

// WriteReport prints a table of the results (one row per conversation,
// grouped by provider, and a per-provider verdict), then, for each
// failure, what differed with the request and the response. token is
// replaced by <token> wherever it appears.
func WriteReport(w io.Writer, results []*Result, token string) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PROVIDER\tCONVERSATION\tREQUESTS\tRESULT")
	type verdict struct {
		name   string
		passed bool
	}
	var providers []*verdict
	byName := map[string]*verdict{}
	for _, r := range results {
		res := "PASS"
		if !r.Passed() {
			res = fmt.Sprintf("FAIL (%d)", len(r.Failures)+len(r.Leftovers))
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\n", r.Conversation.Provider, r.Conversation.Name, r.Requests, res)
		v := byName[r.Conversation.Provider]
		if v == nil {
			v = &verdict{name: r.Conversation.Provider, passed: true}
			byName[v.name] = v
			providers = append(providers, v)
		}
		v.passed = v.passed && r.Passed()
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PROVIDER\tVERDICT")
	failed := 0
	for _, v := range providers {
		s := "PASS"
		if !v.passed {
			s = "FAIL"
			failed++
		}
		fmt.Fprintf(tw, "%s\t%s\n", v.name, s)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\n%d of %d providers passed.\n", len(providers)-failed, len(providers))

	red := redactor(token)
	for _, r := range results {
		for _, f := range r.Failures {
			fmt.Fprintf(w, "\n--- FAIL %s", failureText(r.Conversation, f, red))
		}
		for _, l := range r.Leftovers {
			fmt.Fprintf(w, "\n--- FAIL %s", leftoverText(r.Conversation, l))
		}
		for _, s := range r.Skipped {
			fmt.Fprintf(w, "\n--- SKIP %s", skippedText(r.Conversation, s))
		}
		if len(r.NotChecked) > 0 {
			fmt.Fprintf(w, "\n--- NOTE %s", notCheckedText(r))
		}
	}
	return nil
}

// failureText says what a failed step got wrong, for a report or a test
// failure: the provider, the conversation and the step, each difference
// (what was expected and what came back), and the request and response,
// with the token redacted by red.
func failureText(c *Conversation, f Failure, red func(string) string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s / %s: %s\n", c.Provider, c.Name, f.Step)
	for _, p := range f.Problems {
		fmt.Fprintf(&b, "    - %s\n", red(p))
	}
	if f.Exchange != nil {
		b.WriteString(indent(red(FormatExchange(f.Exchange)), "    "))
	}
	return b.String()
}

// leftoverText reports a resource a conversation created and left behind.
func leftoverText(c *Conversation, path string) string {
	return fmt.Sprintf("%s / %s: left %s behind (deleted after the run)\n", c.Provider, c.Name, path)
}

// notCheckedText names the attributes whose expectations a run left out
// because the endpoint does not advertise them (Options.Advertised).
func notCheckedText(r *Result) string {
	return fmt.Sprintf("%s / %s: not checked, as the endpoint's /Schemas does not list them: %s\n",
		r.Conversation.Provider, r.Conversation.Name, strings.Join(r.NotChecked, ", "))
}

// skippedText says why a step was not sent.
func skippedText(c *Conversation, step string) string {
	return fmt.Sprintf("%s / %s: %s: not sent, it checks how a wrong token is refused and this run has no token\n", c.Provider, c.Name, step)
}

// FormatExchange renders a request and its response as HTTP-like text.
func FormatExchange(ex *Exchange) string {
	var b strings.Builder
	fmt.Fprintf(&b, "request:\n%s %s\n", ex.Method, ex.URL)
	writeHeaders(&b, ex.RequestHeader)
	if len(ex.RequestBody) > 0 {
		b.WriteString(prettyBody(ex.RequestBody))
	}
	if ex.Err != nil {
		fmt.Fprintf(&b, "error: %v\n", ex.Err)
		if ex.Status == 0 {
			return b.String()
		}
	}
	fmt.Fprintf(&b, "response:\n%d %s\n", ex.Status, http.StatusText(ex.Status))
	writeHeaders(&b, ex.ResponseHeader)
	if len(ex.ResponseBody) > 0 {
		b.WriteString(prettyBody(ex.ResponseBody))
	}
	return b.String()
}

func writeHeaders(b *strings.Builder, h http.Header) {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if k == "Date" {
			continue
		}
		for _, v := range h[k] {
			fmt.Fprintf(b, "%s: %s\n", k, v)
		}
	}
}

func prettyBody(data []byte) string {
	var buf bytes.Buffer
	if err := json.Indent(&buf, data, "", "  "); err != nil {
		buf.Reset()
		buf.Write(data)
	}
	s := buf.String()
	if len(s) > maxShownBody {
		s = s[:maxShownBody] + fmt.Sprintf("\n… (%d bytes in all)", buf.Len())
	}
	return s + "\n"
}

func indent(s, prefix string) string {
	lines := strings.SplitAfter(s, "\n")
	var b strings.Builder
	for _, l := range lines {
		if l == "" {
			continue
		}
		b.WriteString(prefix + l)
	}
	return b.String()
}

// redactor returns a function that replaces token by <token>: always in
// Authorization headers, and anywhere else when the token is long enough
// not to be mistaken for ordinary text.
func redactor(token string) func(string) string {
	return func(s string) string {
		if token == "" {
			return s
		}
		if len(token) >= 8 {
			return strings.ReplaceAll(s, token, "<token>")
		}
		lines := strings.SplitAfter(s, "\n")
		for i, l := range lines {
			body, nl := strings.CutSuffix(l, "\n")
			if strings.HasPrefix(strings.TrimSpace(body), "Authorization:") && strings.HasSuffix(body, token) {
				lines[i] = strings.TrimSuffix(body, token) + "<token>"
				if nl {
					lines[i] += "\n"
				}
			}
		}
		return strings.Join(lines, "")
	}
}
