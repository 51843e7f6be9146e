package idptest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// SCIM message URNs the checks look for.
const (
	listResponseURN = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	errorURN        = "urn:ietf:params:scim:api:messages:2.0:Error"
	userURN         = "urn:ietf:params:scim:schemas:core:2.0:User"
	groupURN        = "urn:ietf:params:scim:schemas:core:2.0:Group"
	scimMediaType   = "application/scim+json"
	maxResponseBody = 16 << 20
	maxPages        = 1000
)

// Target is the SCIM endpoint a conversation is replayed against.
type Target struct {
	// BaseURL is the SCIM base URL, e.g. http://127.0.0.1:8080/scim/v2.
	BaseURL string
	// Token is the bearer token sent in every request. Empty sends no
	// Authorization header, for a handler that does not authenticate
	// (scim.Config.InsecureNoAuth); the steps that check how the endpoint
	// refuses a wrong token are then skipped (see Result.Skipped).
	Token string
	// Client sends the requests; nil means a client with a 30s timeout.
	Client *http.Client
}

// Options tune a run.
type Options struct {
	// RunID is the value of ${run}; empty means 8 random hex digits. Use
	// one RunID for all conversations of a run, so names are traceable.
	RunID string
	// Advertised, when set, is what the target lists in GET /Schemas
	// (ReadAdvertised): an expectation on an attribute of RFC 7643's User,
	// Group or enterprise schemas that the target does not advertise is
	// not checked, and is named in Result.NotChecked. nil checks every
	// expectation.
	Advertised Advertised
}

// NewRunID returns a random run id: 8 hex digits.
func NewRunID() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Result is the outcome of one conversation.
type Result struct {
	// Conversation is what was replayed.
	Conversation *Conversation
	// Requests counts the HTTP requests sent, leftover deletes included.
	Requests int
	// Failures lists every step that did not get what the provider needs.
	Failures []Failure
	// Leftovers are resources the conversation created and did not delete
	// (they were deleted after it, best effort).
	Leftovers []string
	// Skipped names the steps that were not sent: those that set their own
	// Authorization header to check how a wrong token is refused, when
	// Target.Token is empty.
	Skipped []string
	// NotChecked names the attributes whose expectations were left out
	// because the target does not advertise them (Options.Advertised).
	NotChecked []string
	// Duration is the wall time of the run.
	Duration time.Duration
}

// Passed reports whether every step passed and nothing was left behind.
func (r *Result) Passed() bool { return len(r.Failures) == 0 && len(r.Leftovers) == 0 }

// Failure is a step that failed, with the exchange that shows why.
type Failure struct {
	// Step is the step's name (with the repeat variable's value).
	Step string
	// Problems say what differs from what the provider relies on.
	Problems []string
	// Exchange is the request and response, nil when nothing was sent.
	Exchange *Exchange
}

// Exchange is one request and its response, as sent and received.
type Exchange struct {
	// Method and URL are the request's, the query encoded.
	Method, URL string
	// RequestHeader and RequestBody are what was sent.
	RequestHeader http.Header
	RequestBody   []byte
	// Status, ResponseHeader and ResponseBody are what came back; Status
	// is 0 when no response came.
	Status         int
	ResponseHeader http.Header
	ResponseBody   []byte
	// Err is what kept the request from being sent or its response
	// from being read, if anything did.
	Err error
}

// defaultClient sends the requests of a Target without a Client.
func defaultClient() *http.Client { return &http.Client{Timeout: 30 * time.Second} }

// Run replays c against t and reports what differs.
func Run(ctx context.Context, t Target, c *Conversation, opts Options) *Result {
	if opts.RunID == "" {
		opts.RunID = NewRunID()
	}
	client := t.Client
	if client == nil {
		client = defaultClient()
	}
	start := time.Now()
	r := &runner{
		ctx:     ctx,
		target:  t,
		client:  client,
		conv:    c,
		vars:    newVars(opts.RunID, t.Token),
		res:     &Result{Conversation: c},
		created: map[string]bool{},
		adv:     opts.Advertised,
	}
	for _, s := range c.Steps {
		if !r.step(s, false) {
			break
		}
	}
	for _, s := range c.Cleanup {
		r.step(s, true)
	}
	r.deleteLeftovers()
	r.res.Duration = time.Since(start)
	return r.res
}

type runner struct {
	ctx     context.Context
	target  Target
	client  *http.Client
	conv    *Conversation
	vars    *vars
	res     *Result
	created map[string]bool // "/Users/{id}" -> still there
	order   []string
	adv     Advertised
}

// step runs one step (each repetition of it) and reports success. A
// cleanup step with an unset variable is skipped: what it deletes was
// never created.
func (r *runner) step(s Step, cleanup bool) bool {
	if r.target.Token == "" && setsAuthorization(s) {
		r.res.Skipped = append(r.res.Skipped, s.Name)
		return true
	}
	if s.Repeat == nil {
		return r.instance(s, s.Name, nil, cleanup)
	}
	for i := s.Repeat.From; i <= s.Repeat.To; i++ {
		scope := map[string]string{s.Repeat.Var: strconv.Itoa(i)}
		if !r.instance(s, fmt.Sprintf("%s [%s=%d]", s.Name, s.Repeat.Var, i), scope, cleanup) {
			return false
		}
	}
	return true
}

// setsAuthorization reports whether a step sends its own Authorization
// header: it checks authentication, which a run without a token cannot.
func setsAuthorization(s Step) bool {
	for k := range s.Headers {
		if http.CanonicalHeaderKey(k) == "Authorization" {
			return true
		}
	}
	return false
}

// authorize adds the bearer token to h, unless there is none.
func authorize(h http.Header, token string) {
	if token != "" {
		h.Set("Authorization", "Bearer "+token)
	}
}

func (r *runner) fail(name string, ex *Exchange, problems ...string) bool {
	r.res.Failures = append(r.res.Failures, Failure{Step: name, Problems: problems, Exchange: ex})
	return false
}

func (r *runner) instance(s Step, name string, scope map[string]string, cleanup bool) bool {
	if cleanup {
		name = "cleanup: " + name
	}
	req, err := r.build(s, scope)
	if err != nil {
		var unset errUnset
		if cleanup && errors.As(err, &unset) {
			return true
		}
		return r.fail(name, nil, err.Error())
	}
	if s.Page != nil {
		return r.paged(s, name, req, scope)
	}
	ex, body := r.send(req)
	problems := r.check(s, ex, body, req.path)
	if ex.Err == nil && len(problems) == 0 {
		problems = r.expect(s, body, ex, scope)
	}
	if len(problems) > 0 {
		return r.fail(name, ex, problems...)
	}
	r.track(req, ex, body)
	return true
}

// request is a step with its variables substituted.
type request struct {
	method string
	path   string // resource path, no query
	query  [][2]string
	header http.Header
	body   []byte
}

func (q *request) url(base string) string {
	u := strings.TrimRight(base, "/") + q.path
	if len(q.query) == 0 {
		return u
	}
	parts := make([]string, len(q.query))
	for i, kv := range q.query {
		parts[i] = queryEscape(kv[0]) + "=" + queryEscape(kv[1])
	}
	return u + "?" + strings.Join(parts, "&")
}

// queryEscape escapes a query component with %20 for spaces, as identity
// providers send them.
func queryEscape(s string) string { return strings.ReplaceAll(url.QueryEscape(s), "+", "%20") }

func (q *request) setQuery(key, value string) {
	q.query = slices.DeleteFunc(q.query, func(kv [2]string) bool { return strings.EqualFold(kv[0], key) })
	q.query = append(q.query, [2]string{key, value})
}

// splitQuery splits an unencoded query at each "&" that starts another
// name=value pair, so that a filter value may contain "&" (displayName eq
// "R&D").
func splitQuery(q string) []string {
	if q == "" {
		return nil
	}
	var parts []string
	start := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '&' && startsParam(q[i+1:]) {
			parts = append(parts, q[start:i])
			start = i + 1
		}
	}
	return append(parts, q[start:])
}

// startsParam reports whether s begins with a parameter name and "=".
func startsParam(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '=':
			return i > 0
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_', c == '.':
		default:
			return false
		}
	}
	return false
}

func (r *runner) build(s Step, scope map[string]string) (*request, error) {
	p, err := r.vars.expand(s.Path, scope)
	if err != nil {
		return nil, err
	}
	q := &request{method: s.Method, header: http.Header{}}
	path, rawQuery, _ := strings.Cut(p, "?")
	q.path = path
	for _, part := range splitQuery(rawQuery) {
		k, v, _ := strings.Cut(part, "=")
		q.query = append(q.query, [2]string{k, v})
	}
	q.header.Set("Accept", scimMediaType)
	authorize(q.header, r.target.Token)
	if len(s.Body) > 0 {
		q.header.Set("Content-Type", scimMediaType)
		if q.body, err = r.vars.expandJSON(s.Body, scope); err != nil {
			return nil, err
		}
	}
	for _, hs := range []map[string]string{r.conv.Headers, s.Headers} {
		for k, v := range hs {
			v, err := r.vars.expand(v, scope)
			if err != nil {
				return nil, err
			}
			if v == "" {
				q.header.Del(k)
			} else {
				q.header.Set(k, v)
			}
		}
	}
	return q, nil
}

// send performs the request and decodes a JSON response body.
func (r *runner) send(q *request) (*Exchange, any) {
	ex := &Exchange{Method: q.method, URL: q.url(r.target.BaseURL), RequestHeader: q.header, RequestBody: q.body}
	r.res.Requests++
	var rd io.Reader
	if q.body != nil {
		rd = bytes.NewReader(q.body)
	}
	req, err := http.NewRequestWithContext(r.ctx, q.method, ex.URL, rd)
	if err != nil {
		ex.Err = err
		return ex, nil
	}
	req.Header = q.header.Clone()
	resp, err := r.client.Do(req)
	if err != nil {
		ex.Err = err
		return ex, nil
	}
	defer resp.Body.Close()
	ex.Status = resp.StatusCode
	ex.ResponseHeader = resp.Header
	ex.ResponseBody, ex.Err = io.ReadAll(io.LimitReader(resp.Body, maxResponseBody))
	if len(bytes.TrimSpace(ex.ResponseBody)) == 0 {
		return ex, nil
	}
	dec := json.NewDecoder(bytes.NewReader(ex.ResponseBody))
	dec.UseNumber()
	var body any
	if err := dec.Decode(&body); err != nil {
		return ex, errBody{err}
	}
	return ex, body
}

// errBody marks a response body that is not JSON.
type errBody struct{ err error }

var resourcePath = regexp.MustCompile(`^/(Users|Groups)/([^/]+)$`)

// check runs the checks every provider relies on, and the status.
func (r *runner) check(s Step, ex *Exchange, body any, path string) []string {
	if ex.Err != nil {
		return []string{"request failed: " + ex.Err.Error()}
	}
	var p []string
	if !s.Expect.Status.Has(ex.Status) {
		p = append(p, fmt.Sprintf("status: got %d, want %s", ex.Status, s.Expect.Status))
	}
	if eb, ok := body.(errBody); ok {
		return append(p, "the response body is not JSON: "+eb.err.Error())
	}
	hasBody := len(bytes.TrimSpace(ex.ResponseBody)) > 0
	if hasBody {
		ct := ex.ResponseHeader.Get("Content-Type")
		if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != scimMediaType {
			p = append(p, fmt.Sprintf("Content-Type: got %q, want %s", ct, scimMediaType))
		}
		if _, ok := body.(map[string]any); !ok {
			p = append(p, "the response body is not a JSON object")
			return p
		}
	}
	switch {
	case ex.Status == http.StatusNoContent || ex.Status == http.StatusNotModified:
		if hasBody {
			p = append(p, fmt.Sprintf("a %d must have no body", ex.Status))
		}
	case ex.Status >= 400:
		p = append(p, checkError(body, ex.Status)...)
	case ex.Status == http.StatusCreated:
		p = append(p, checkCreated(body, ex.ResponseHeader.Get("Location"))...)
	case ex.Status == http.StatusOK && hasBody:
		if m := resourcePath.FindStringSubmatch(path); m != nil && s.Method != http.MethodDelete {
			projected := strings.Contains(strings.ToLower(s.Path), "attributes=")
			p = append(p, checkResource(body, m[1], m[2], ex.ResponseHeader.Get("ETag"), projected)...)
		}
		if (path == "/Users" || path == "/Groups" || strings.HasSuffix(path, "/.search")) && s.Method != http.MethodPost || isList(body) {
			p = append(p, checkList(body)...)
		}
	}
	return p
}

func isList(body any) bool {
	schemas, _ := lookup(body, "schemas")
	list, _ := schemas.([]any)
	return slices.Contains(list, any(listResponseURN))
}

func checkError(body any, status int) []string {
	if body == nil {
		return []string{fmt.Sprintf("a %d needs a SCIM error body (RFC 7644 §3.12)", status)}
	}
	var p []string
	if msg := Match(body, "schemas", map[string]any{"$contains": errorURN}); msg != "" {
		p = append(p, "error body: "+msg)
	}
	if msg := Match(body, "status", strconv.Itoa(status)); msg != "" {
		p = append(p, "error body: "+msg+" (status is a string)")
	}
	for _, k := range []string{"scimType", "detail"} {
		if v, ok := lookup(body, k); ok {
			if _, isStr := v.(string); !isStr {
				p = append(p, fmt.Sprintf("error body: %s must be a string, got %s", k, show(v)))
			}
		}
	}
	return p
}

func checkCreated(body any, location string) []string {
	var p []string
	id, _ := lookup(body, "id")
	ids, _ := id.(string)
	if ids == "" {
		p = append(p, "created: the body has no string id")
	}
	metaLoc, _ := lookup(body, "meta.location")
	ml, _ := metaLoc.(string)
	u, err := url.Parse(location)
	switch {
	case location == "":
		p = append(p, "created: no Location header")
	case err != nil || !u.IsAbs():
		p = append(p, fmt.Sprintf("created: Location %q is not an absolute URL", location))
	case location != ml:
		p = append(p, fmt.Sprintf("created: Location %q differs from meta.location %q", location, ml))
	}
	if ids != "" && ml != "" && !strings.HasSuffix(ml, "/"+url.PathEscape(ids)) && !strings.HasSuffix(ml, "/"+ids) {
		p = append(p, fmt.Sprintf("created: meta.location %q does not end with the id %q", ml, ids))
	}
	if rt, _ := lookup(body, "meta.resourceType"); rt != "User" && rt != "Group" {
		p = append(p, fmt.Sprintf("created: meta.resourceType is %s, want User or Group", show(rt)))
	}
	return p
}

// checkResource checks a resource read or written by id. A projected
// response (attributes or excludedAttributes asked for) need not carry
// meta, which is returned by default, not always.
func checkResource(body any, kind, id, etag string, projected bool) []string {
	var p []string
	if msg := Match(body, "id", id); msg != "" {
		p = append(p, "the id in the path is not echoed back: "+msg)
	}
	rt, urn := "User", userURN
	if kind == "Groups" {
		rt, urn = "Group", groupURN
	}
	if msg := Match(body, "meta.resourceType", rt); msg != "" && !projected {
		p = append(p, msg)
	}
	if msg := Match(body, "schemas", map[string]any{"$contains": urn}); msg != "" {
		p = append(p, msg)
	}
	if v, ok := lookup(body, "meta.version"); ok && etag != "" && v != etag {
		p = append(p, fmt.Sprintf("ETag %q differs from meta.version %s", etag, show(v)))
	}
	return p
}

func checkList(body any) []string {
	var p []string
	if msg := Match(body, "schemas", map[string]any{"$contains": listResponseURN}); msg != "" {
		p = append(p, "list: "+msg)
	}
	for _, k := range []string{"totalResults", "startIndex", "itemsPerPage"} {
		if msg := Match(body, k, map[string]any{"$type": "integer"}); msg != "" {
			p = append(p, "list: "+msg)
		}
	}
	res, found := lookup(body, "Resources")
	list, isList := res.([]any)
	switch {
	case found && !isList:
		p = append(p, "list: Resources is not a list")
	case !found:
		if total, _ := lookup(body, "totalResults"); show(total) != "0" {
			p = append(p, "list: Resources is missing")
		}
	}
	if n, _ := lookup(body, "itemsPerPage"); found && show(n) != strconv.Itoa(len(list)) {
		p = append(p, fmt.Sprintf("list: itemsPerPage is %s but Resources has %d", show(n), len(list)))
	}
	for i, el := range list {
		if msg := Match(el, "id", map[string]any{"$type": "string"}); msg != "" {
			p = append(p, fmt.Sprintf("list: Resources[%d].%s", i, msg))
			break
		}
	}
	return p
}

// expect checks the step's own expectations and captures values.
func (r *runner) expect(s Step, body any, ex *Exchange, scope map[string]string) []string {
	var p []string
	keys := make([]string, 0, len(s.Expect.JSON))
	for k := range s.Expect.JSON {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, path := range keys {
		// That an attribute is absent is checked whatever the target
		// advertises: one it does not support must be absent too.
		if a := r.adv.unadvertised(path); a != "" && !wantsAbsent(s.Expect.JSON[path]) {
			if !slices.Contains(r.res.NotChecked, a) {
				r.res.NotChecked = append(r.res.NotChecked, a)
			}
			continue
		}
		want, err := r.vars.expandValue(s.Expect.JSON[path], scope)
		if err != nil {
			p = append(p, path+": "+err.Error())
			continue
		}
		want, left := r.adv.prune(path, want)
		for _, a := range left {
			if !slices.Contains(r.res.NotChecked, a) {
				r.res.NotChecked = append(r.res.NotChecked, a)
			}
		}
		if msg := Match(body, path, want); msg != "" {
			p = append(p, msg)
		}
	}
	if len(p) > 0 {
		return p
	}
	for name, path := range s.Expect.Capture {
		name, err := r.vars.expand(name, scope)
		if err != nil {
			p = append(p, err.Error())
			continue
		}
		var v any
		var ok bool
		if h, isHeader := strings.CutPrefix(path, "header:"); isHeader {
			v = ex.ResponseHeader.Get(h)
			ok = v != ""
		} else {
			v, ok = lookup(body, path)
		}
		if !ok {
			p = append(p, fmt.Sprintf("capture %s: %s is missing", name, path))
			continue
		}
		s, isStr := v.(string)
		if !isStr {
			s = show(v)
		}
		r.vars.values[name] = s
	}
	return p
}

// wantsAbsent reports whether an expectation is {"$absent": true}.
func wantsAbsent(want any) bool {
	m, ok := want.(map[string]any)
	return ok && len(m) == 1 && m["$absent"] == true
}

// paged runs a step as a walk over every page of a list.
func (r *runner) paged(s Step, name string, q *request, scope map[string]string) bool {
	count := s.Page.Count
	var all []any
	seen := map[string]bool{}
	total := -1
	start := 1
	for page := 0; ; page++ {
		if page == maxPages {
			return r.fail(name, nil, fmt.Sprintf("more than %d pages", maxPages))
		}
		q.setQuery("startIndex", strconv.Itoa(start))
		q.setQuery("count", strconv.Itoa(count))
		ex, body := r.send(q)
		pageName := fmt.Sprintf("%s (page at startIndex=%d)", name, start)
		if p := r.check(s, ex, body, q.path); len(p) > 0 {
			return r.fail(pageName, ex, p...)
		}
		if ex.Status != http.StatusOK {
			return r.fail(pageName, ex, "a paged step needs 200 answers")
		}
		var p []string
		if msg := Match(body, "startIndex", start); msg != "" {
			p = append(p, msg)
		}
		res, _ := lookup(body, "Resources")
		items, _ := res.([]any)
		if len(items) > count {
			p = append(p, fmt.Sprintf("the page has %d resources, more than count=%d", len(items), count))
		}
		t, _ := toFloat(must(lookup(body, "totalResults")))
		if total >= 0 && int(t) != total {
			p = append(p, fmt.Sprintf("totalResults changed between pages: %d then %d", total, int(t)))
		}
		total = int(t)
		for _, it := range items {
			id, _ := lookup(it, "id")
			ids, _ := id.(string)
			if seen[ids] {
				p = append(p, fmt.Sprintf("id %q appears on two pages: the order is not stable", ids))
			}
			seen[ids] = true
		}
		if len(p) > 0 {
			return r.fail(pageName, ex, p...)
		}
		all = append(all, items...)
		if len(items) == 0 || start-1+len(items) >= total {
			if len(all) < total {
				return r.fail(pageName, ex, fmt.Sprintf("pages ended after %d resources, totalResults is %d", len(all), total))
			}
			break
		}
		start += len(items)
	}
	union := map[string]any{"totalResults": json.Number(strconv.Itoa(total)), "Resources": all}
	if p := r.expect(s, union, &Exchange{ResponseHeader: http.Header{}}, scope); len(p) > 0 {
		return r.fail(name+" (all pages)", nil, p...)
	}
	return true
}

func must(v any, _ bool) any { return v }

// track records what a request created or deleted.
func (r *runner) track(q *request, ex *Exchange, body any) {
	switch {
	case ex.Status == http.StatusCreated:
		id, _ := lookup(body, "id")
		rt, _ := lookup(body, "meta.resourceType")
		ids, _ := id.(string)
		if ids == "" {
			return
		}
		key := "/Users/" + ids
		if rt == "Group" {
			key = "/Groups/" + ids
		}
		if !r.created[key] {
			r.order = append(r.order, key)
		}
		r.created[key] = true
	case q.method == http.MethodDelete && (ex.Status == http.StatusNoContent || ex.Status == http.StatusOK || ex.Status == http.StatusNotFound):
		if _, ok := r.created[q.path]; ok {
			r.created[q.path] = false
		}
	}
}

// deleteLeftovers deletes what the conversation created and left, groups
// first, and reports it.
func (r *runner) deleteLeftovers() {
	var left []string
	for _, k := range r.order {
		if r.created[k] {
			left = append(left, k)
		}
	}
	slices.SortStableFunc(left, func(a, b string) int {
		return strings.Compare(a[:7], b[:7]) // "/Groups" before "/Users/"
	})
	for _, k := range left {
		r.res.Leftovers = append(r.res.Leftovers, k)
		q := &request{method: http.MethodDelete, path: k, header: http.Header{}}
		authorize(q.header, r.target.Token)
		ex, _ := r.send(q)
		if ex.Err != nil || (ex.Status != http.StatusNoContent && ex.Status != http.StatusNotFound) {
			r.res.Failures = append(r.res.Failures, Failure{Step: "delete leftover " + k, Problems: []string{"could not delete it"}, Exchange: ex})
		}
	}
}
