package scim

import (
	"bytes"
	"container/heap"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/internal/clienttext"
	"github.com/scimkit/scim/internal/jsonscan"
	"github.com/scimkit/scim/internal/names"
	"github.com/scimkit/scim/internal/schemaurn"
	"github.com/scimkit/scim/resources"
)

const (
	bulkRequestSchema  = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
	bulkResponseSchema = "urn:ietf:params:scim:api:messages:2.0:BulkResponse"
	bulkIDPrefix       = "bulkId:"
)

// bulkOp is one operation of a BulkRequest (RFC 7644 §3.7).
type bulkOp struct {
	index   int
	method  string // canonical: POST, PUT, PATCH, DELETE
	bulkID  string
	version string
	path    string
	data    any // the decoded "data", nil when absent
	// refs are the bulkIds the path and data refer to; waits those of
	// them that operations of the request define, which must run first.
	refs, waits []string
}

// bulkResult is one operation of a BulkResponse.
type bulkResult struct {
	Location string          `json:"location,omitempty"`
	Method   string          `json:"method"`
	BulkID   string          `json:"bulkId,omitempty"`
	Version  string          `json:"version,omitempty"`
	Status   string          `json:"status"`
	Response json.RawMessage `json:"response,omitempty"`
}

// bulk serves POST /Bulk (RFC 7644 §3.7). Each operation goes through
// the same pipeline as the single request it stands for (same checks,
// leniencies, events, ETags, tenant), dispatched in-process to the
// handler's own routes, so a bulk and the single requests it replaces
// cannot differ. Operations run in request order, except that one that
// refers to another's bulkId ("bulkId:x" in its path, its data or a PATCH
// operation's value filter) runs after it; references that cannot be
// resolved (a cycle, or an operation that failed) fail with 409. Each
// operation is its own transaction: one that fails changes nothing and the
// others go on, until failOnErrors errors have occurred.
func (h *handler) bulk(w http.ResponseWriter, r *http.Request) {
	body, err := h.readBody(r)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	doc, err := h.model.DecodeRequest(body)
	if err != nil {
		h.writeError(w, r, errorf(http.StatusBadRequest, ScimTypeInvalidSyntax, "%s", err.Error()))
		return
	}
	ops, failOnErrors, err := h.bulkOps(r.Context(), doc)
	if err != nil {
		h.writeError(w, r, err)
		return
	}

	results := make([]*bulkResult, len(ops))
	created := map[string]string{} // bulkId -> id of the resource it created
	failed := map[string]bool{}    // bulkIds whose operation failed
	done := make([]bool, len(ops))
	order := newBulkOrder(ops)
	errs := 0
	for remaining := len(ops); remaining > 0; {
		op := order.next()
		if op == nil {
			// Every remaining operation waits for another: a cycle.
			for i, o := range ops {
				if !done[i] {
					path := bulkPath(o.path, func(s string) string {
						out, _ := resolveRef(created, s)
						return out
					})
					u, _ := bulkURL(path)
					results[i] = h.bulkFailure(r, o, path, u, errorf(http.StatusConflict, "", "the bulkId references of this operation form a cycle (%s) and cannot be resolved: create one of these resources without its reference, then add the reference by a PATCH", strings.Join(o.waits, ", ")))
					done[i] = true
				}
			}
			break
		}
		done[op.index] = true
		remaining--
		res := h.runBulkOp(r, op, created, failed)
		results[op.index] = res
		st, _ := strconv.Atoi(res.Status)
		if st >= 400 && op.bulkID != "" {
			failed[op.bulkID] = true
		}
		if op.bulkID != "" && (created[op.bulkID] != "" || failed[op.bulkID]) {
			order.settled(op.bulkID)
		}
		if st >= 400 {
			if errs++; failOnErrors > 0 && errs >= failOnErrors {
				break
			}
		}
	}

	out := struct {
		Schemas    []string      `json:"schemas"`
		Operations []*bulkResult `json:"Operations"`
	}{Schemas: []string{bulkResponseSchema}, Operations: []*bulkResult{}}
	failures := 0
	for _, res := range results {
		if res == nil {
			continue // not run: failOnErrors was reached
		}
		out.Operations = append(out.Operations, res)
		if st, _ := strconv.Atoi(res.Status); st >= 400 {
			failures++
		}
	}
	if failures > 0 {
		warn(r.Context(), "bulk: %d of %d operations failed", failures, len(out.Operations))
	}
	h.writeJSON(w, r, http.StatusOK, out)
}

// bulkOps reads and checks a BulkRequest: its schemas (RFC 7644 §3.7.1:
// the BulkRequest URN; otherwise bent or refused as messageSchemas says),
// its Operations (at most Config.MaxBulkOperations) and failOnErrors:
// the number of errors after which the bulk stops, 0 for none given (or
// null), when every operation runs.
func (h *handler) bulkOps(ctx context.Context, doc map[string]any) ([]*bulkOp, int, error) {
	var rawOps []any
	failOnErrors := 0
	found := false
	given, one, listed, scim1 := false, false, false, false
	keys, twice := messageKeys(doc)
	if twice != "" {
		return nil, 0, errorf(http.StatusBadRequest, ScimTypeInvalidSyntax, "%s", jsonscan.RepeatedError(h.secrets, twice))
	}
	for _, k := range keys {
		v := doc[k]
		switch names.Lower(k) {
		case "schemas":
			given = true
			listed, one = resources.NamesSchema(v, bulkRequestSchema)
			scim1 = !listed && schemaurn.NamesSCIM1(v)
		case "operations":
			list, ok := v.([]any)
			if !ok {
				return nil, 0, errorf(http.StatusBadRequest, ScimTypeInvalidSyntax, "\"Operations\" must be a list of operations")
			}
			rawOps, found = list, true
		case "failonerrors":
			if v == nil {
				continue // null is unassigned (RFC 7643 §2.5): no limit
			}
			n, ok := v.(json.Number)
			i, err := n.Int64()
			if !ok || err != nil || i < 0 {
				return nil, 0, errorf(http.StatusBadRequest, ScimTypeInvalidValue, "\"failOnErrors\" must be a non-negative integer")
			}
			// "The number of errors that the service provider will
			// accept before the operation is terminated" (RFC 7644
			// §3.7.3): 0 accepts none, so the first error ends the
			// bulk, as 1 does. The result is at least 1; 0 is kept for
			// a request without it, which runs every operation.
			failOnErrors = int(max(1, min(i, int64(len(doc)+1<<30))))
		default:
			return nil, 0, errorf(http.StatusBadRequest, ScimTypeInvalidSyntax, "%q is not an attribute of a BulkRequest; send {\"schemas\":[%q],\"Operations\":[...]}", k, bulkRequestSchema)
		}
	}
	if !found {
		if scim1 {
			// As a SCIM 1.1 PATCH: the connector is the wrong one.
			return nil, 0, errorf(http.StatusBadRequest, ScimTypeInvalidSyntax, "a BulkRequest needs an \"Operations\" list, and this one is SCIM 1.1's: %s", schemaurn.SCIM1Advice)
		}
		return nil, 0, errorf(http.StatusBadRequest, ScimTypeInvalidSyntax, "a BulkRequest needs an \"Operations\" list: {\"schemas\":[%q],\"Operations\":[{\"method\":\"POST\",\"path\":\"/Users\",\"bulkId\":\"1\",\"data\":{...}}]}", bulkRequestSchema)
	}
	if err := h.messageSchemas(ctx, "a BulkRequest", bulkRequestSchema, given, one, listed, scim1); err != nil {
		return nil, 0, err
	}
	if len(rawOps) > h.cfg.MaxBulkOperations {
		return nil, 0, &Error{Status: http.StatusRequestEntityTooLarge,
			Detail: fmt.Sprintf("the bulk request has %d operations; at most %d are accepted (maxOperations in /ServiceProviderConfig)", len(rawOps), h.cfg.MaxBulkOperations)}
	}
	ops := make([]*bulkOp, len(rawOps))
	seen := map[string]bool{}
	for i, raw := range rawOps {
		op, err := h.parseBulkOp(ctx, i, raw)
		if err != nil {
			return nil, 0, err
		}
		if op.bulkID != "" {
			if seen[op.bulkID] {
				return nil, 0, errorf(http.StatusBadRequest, ScimTypeInvalidValue, "Operations[%d]: bulkId %q is used twice; each must be unique in the request", i, op.bulkID)
			}
			seen[op.bulkID] = true
		}
		ops[i] = op
	}
	for _, op := range ops {
		for _, ref := range op.refs {
			if seen[ref] { // an unknown one is reported when the operation runs
				op.waits = append(op.waits, ref)
			}
		}
	}
	return ops, failOnErrors, nil
}

// parseBulkOp reads Operations[i] of a BulkRequest. A member RFC 7644
// §3.7 does not define (method, bulkId, version, path and data are its
// members) changes nothing, and is ignored with a warning, or refused in
// strict mode, as one of a PATCH operation is.
func (h *handler) parseBulkOp(ctx context.Context, i int, raw any) (*bulkOp, error) {
	m, ok := raw.(map[string]any)
	if !ok {
		return nil, errorf(http.StatusBadRequest, ScimTypeInvalidSyntax, "Operations[%d] is not a JSON object", i)
	}
	op := &bulkOp{index: i}
	keys, twice := messageKeys(m)
	if twice != "" {
		return nil, errorf(http.StatusBadRequest, ScimTypeInvalidSyntax, "Operations[%d]: %s", i, jsonscan.RepeatedError(h.secrets, twice))
	}
	for _, k := range keys {
		v := m[k]
		s, isString := v.(string)
		switch names.Lower(k) {
		case "method":
			op.method = names.Upper(s)
		case "bulkid":
			op.bulkID = s
		case "version":
			op.version = s
		case "path":
			op.path = s
		case "data":
			op.data = v
			continue
		default:
			name := h.secrets.Unquoted(k)
			if err := h.bend(ctx, errorf(http.StatusBadRequest, ScimTypeInvalidSyntax, "Operations[%d].%s is not a member of a bulk operation, which has method, bulkId, version, path and data (strict mode)", i, name),
				"ignored Operations[%d].%s: a bulk operation has method, bulkId, version, path and data", i, name); err != nil {
				return nil, err
			}
			continue
		}
		if !isString && v != nil {
			return nil, errorf(http.StatusBadRequest, ScimTypeInvalidSyntax, "Operations[%d]: %q must be a string", i, k)
		}
	}
	switch op.method {
	case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
	default:
		return nil, errorf(http.StatusBadRequest, ScimTypeInvalidValue, "Operations[%d]: method must be POST, PUT, PATCH or DELETE, got %q", i, op.method)
	}
	if op.method == http.MethodPost && op.bulkID == "" {
		return nil, errorf(http.StatusBadRequest, ScimTypeInvalidValue, "Operations[%d]: a POST needs a bulkId (RFC 7644 §3.7)", i)
	}
	if !strings.HasPrefix(op.path, "/") {
		op.path = "/" + op.path
	}
	// Read as a request's path is (canonicalPath, which bulkURL spells
	// the dispatched request's with): /users, /Users/ and //Users are
	// /Users.
	canon, _ := canonicalPath(op.path)
	seg := strings.Split(strings.TrimPrefix(canon, "/"), "/")
	if (seg[0] != "Users" && seg[0] != "Groups") || len(seg) > 2 || strings.ContainsAny(op.path, "?#") {
		return nil, errorf(http.StatusBadRequest, ScimTypeInvalidPath, "Operations[%d]: path %q must be /Users or /Groups, or /Users/{id} or /Groups/{id}", i, op.path)
	}
	if (op.method == http.MethodPost) != (len(seg) == 1) {
		return nil, errorf(http.StatusBadRequest, ScimTypeInvalidPath, "Operations[%d]: a POST goes to /Users or /Groups, a PUT, PATCH or DELETE to /Users/{id} or /Groups/{id}; got %s %q", i, op.method, op.path)
	}
	if op.method != http.MethodDelete && op.data == nil {
		return nil, errorf(http.StatusBadRequest, ScimTypeInvalidSyntax, "Operations[%d]: a %s needs \"data\"", i, op.method)
	}
	op.refs = bulkRefs(op.method, op.path, op.data)
	return op, nil
}

// bulkRefs lists the bulkIds that path and data refer to, once each: the
// path's first, then data's in order of appearance, an object's members
// in sorted order (jsonscan.SortedKeys), then, for a PATCH, those in its
// operations' path filters (resolvePathFilter), so that a cycle's error
// lists them the same way every time.
//
// A few are kept once by a look through the list; beyond smallRefs, by a
// set: an operation may carry as many references as its data holds
// strings, and looking each up in the list cost their square (seconds
// for 60,000 distinct ones in a megabyte).
func bulkRefs(method, path string, data any) []string {
	const smallRefs = 16
	var refs []string
	var set map[string]bool // once refs holds smallRefs
	add := func(s string) {
		id, ok := strings.CutPrefix(s, bulkIDPrefix)
		switch {
		case !ok:
			return
		case set != nil:
			if set[id] {
				return
			}
			set[id] = true
		case slices.Contains(refs, id):
			return
		case len(refs) == smallRefs:
			set = make(map[string]bool, 2*smallRefs)
			for _, r := range refs {
				set[r] = true
			}
			set[id] = true
		}
		refs = append(refs, id)
	}
	for _, seg := range strings.Split(path, "/") {
		add(seg)
	}
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case string:
			add(x)
		case []any:
			for _, el := range x {
				walk(el)
			}
		case map[string]any:
			for _, k := range jsonscan.SortedKeys(nil, x) {
				walk(x[k])
			}
		}
	}
	walk(data)
	if method == http.MethodPatch {
		eachPatchPath(data, func(p string) string {
			return resolvePathFilter(p, func(s string) string {
				add(s)
				return s
			})
		})
	}
	return refs
}

// eachPatchPath calls fn with the "path" of each operation of data, a
// PATCH's body ("Operations" and "path" in any ASCII case, as patch.Decode
// reads them; members in sorted order), and puts fn's result in its place
// when it differs.
func eachPatchPath(data any, fn func(path string) string) {
	body, _ := data.(map[string]any)
	for _, k := range jsonscan.SortedKeys(nil, body) {
		if !names.Equal(k, "Operations") {
			continue
		}
		ops, _ := body[k].([]any)
		for _, o := range ops {
			m, _ := o.(map[string]any)
			for _, pk := range jsonscan.SortedKeys(nil, m) {
				if p, ok := m[pk].(string); ok && names.Equal(pk, "path") {
					if r := fn(p); r != p {
						m[pk] = r
					}
				}
			}
		}
	}
}

// resolvePathFilter returns path, a PATCH operation's, with each quoted
// comparison value of its value filter that is a bulkId reference
// (members[value eq "bulkId:u"], RFC 7644 §3.7.2) replaced by resolve's
// result, quoted. Only those literals change, where the client wrote
// them: the rest of the path (white space around it, an unquoted value,
// the escapes of another string) reaches the PATCH as sent, so that it
// warns of each of its bends, or in strict mode refuses it, as it would
// without the reference. An unquoted value is not a reference (resolved,
// it would have to be written quoted, hiding the bend). A path that names
// no reference, or does not parse (the PATCH refuses it), is returned as
// it is.
func resolvePathFilter(path string, resolve func(string) string) string {
	if !strings.Contains(path, `"`) {
		// no quoted value; a reference may be escaped ("bulk\u0049d:u"),
		// so the text is not searched for bulkIDPrefix itself
		return path
	}
	_, lits, err := filter.Parser{}.ParsePathLiterals(path)
	if err != nil {
		return path
	}
	var b strings.Builder
	last, changed := 0, false
	for _, l := range lits {
		if r := resolve(l.Value); r != l.Value {
			b.WriteString(path[last:l.Start])
			b.WriteString(filter.Quote(r))
			last, changed = l.End, true
		}
	}
	if !changed {
		return path
	}
	b.WriteString(path[last:])
	return b.String()
}

// bulkOrder hands out a request's operations in the order they run: the
// first by index of those not yet run whose waits are all settled (their
// operations created a resource or failed). It counts each operation's
// unsettled waits and lists the operations waiting for each bulkId, so
// that the whole request costs its operations and references once each:
// a scan of every operation's waits for each operation run cost their
// product, seconds for a /Bulk of a few megabytes
// (BenchmarkBulkReferences).
type bulkOrder struct {
	ops     []*bulkOp
	pending []int            // by index: the waits not yet settled
	waiting map[string][]int // bulkId -> the operations waiting for it
	ready   readyOps         // the operations with none pending, not yet run
}

func newBulkOrder(ops []*bulkOp) *bulkOrder {
	o := &bulkOrder{ops: ops, pending: make([]int, len(ops)), waiting: map[string][]int{}}
	for i, op := range ops {
		o.pending[i] = len(op.waits) // distinct: bulkRefs lists each once
		for _, ref := range op.waits {
			o.waiting[ref] = append(o.waiting[ref], i)
		}
		if len(op.waits) == 0 {
			o.ready = append(o.ready, i) // in index order: a heap already
		}
	}
	return o
}

// next returns the operation to run now, or nil when every operation not
// yet run waits for another: a cycle, or a bulkId that never settles.
func (o *bulkOrder) next() *bulkOp {
	if len(o.ready) == 0 {
		return nil
	}
	return o.ops[heap.Pop(&o.ready).(int)]
}

// settled records that the operation of bulkId created a resource or
// failed: the operations waiting for it wait for one reference fewer.
func (o *bulkOrder) settled(bulkID string) {
	for _, i := range o.waiting[bulkID] {
		if o.pending[i]--; o.pending[i] == 0 {
			heap.Push(&o.ready, i)
		}
	}
	delete(o.waiting, bulkID)
}

// readyOps is a min-heap of operation indexes (container/heap).
type readyOps []int

func (r readyOps) Len() int           { return len(r) }
func (r readyOps) Less(i, j int) bool { return r[i] < r[j] }
func (r readyOps) Swap(i, j int)      { r[i], r[j] = r[j], r[i] }
func (r *readyOps) Push(x any)        { *r = append(*r, x.(int)) }
func (r *readyOps) Pop() any {
	old := *r
	x := old[len(old)-1]
	*r = old[:len(old)-1]
	return x
}

// resolveRef resolves s when it is a bulkId reference ("bulkId:x") to an
// operation that has created a resource: out is that resource's id.
// Otherwise out is s, and pending is s when it is a reference left
// unresolved ("bulkId:" included), "" when it is no reference.
func resolveRef(created map[string]string, s string) (out, pending string) {
	id, ok := strings.CutPrefix(s, bulkIDPrefix)
	if !ok {
		return s, ""
	}
	if v := created[id]; v != "" {
		return v, ""
	}
	return s, s
}

// runBulkOp resolves op's bulkId references and serves it through the
// handler's routes.
func (h *handler) runBulkOp(r *http.Request, op *bulkOp, created map[string]string, failed map[string]bool) *bulkResult {
	var unresolved *Error
	resolve := func(s string) string {
		out, pending := resolveRef(created, s)
		if pending != "" && unresolved == nil {
			id := strings.TrimPrefix(pending, bulkIDPrefix)
			if failed[id] {
				unresolved = errorf(http.StatusConflict, "", "bulkId %q refers to an operation that failed; its response says why: correct it and send both again", id)
			} else {
				unresolved = errorf(http.StatusConflict, "", "bulkId %q is not the bulkId of any operation of this request; refer to a POST of this request by its bulkId, or to a resource that exists by its id", id)
			}
		}
		return out
	}
	path, data := op.path, op.data
	if len(op.refs) > 0 {
		path = bulkPath(op.path, resolve)
	}
	// Parsed once: the dispatched request's URL, and the result's location
	// whether it is dispatched or not (nil when no URL holds path).
	u, perr := bulkURL(path)
	if len(op.refs) > 0 && data != nil {
		// Refused before the copy, as a request of its own is before its
		// body is decoded: a reference may resolve to an id many times its
		// length, and the copy and its encoding of 90,000 references to
		// one operation allocated 59 bytes a byte of the body.
		if n := resolvedSizeAtLeast(data, created); n > h.cfg.MaxBodyBytes {
			return h.bulkFailure(r, op, path, u, bodyTooLarge(op.index, "at least ", n, h.cfg.MaxBodyBytes))
		}
		data = resolveBulkData(op.data, resolve) // a copy: its paths may change
		if op.method == http.MethodPatch {
			eachPatchPath(data, func(p string) string { return resolvePathFilter(p, resolve) })
		}
	}
	if unresolved != nil {
		return h.bulkFailure(r, op, path, u, unresolved)
	}

	var body []byte
	if data != nil {
		var err error
		if body, err = json.Marshal(data); err != nil {
			return h.bulkFailure(r, op, path, u, errorf(http.StatusBadRequest, ScimTypeInvalidValue, "Operations[%d]: data cannot be encoded", op.index))
		}
		if int64(len(body)) > h.cfg.MaxBodyBytes {
			// The operation is the request it would be alone, whose body
			// MaxBodyBytes bounds: only the bulk request's whole body was
			// bounded (MaxBulkPayloadBytes), so one operation could store
			// a resource no request of its own may send.
			return h.bulkFailure(r, op, path, u, bodyTooLarge(op.index, "", int64(len(body)), h.cfg.MaxBodyBytes))
		}
	}
	if perr != nil {
		// url.Error names the URL built here ("http://bulk/..."), not what
		// the client sent: say only why its path is not one.
		var ue *url.Error
		if errors.As(perr, &ue) {
			perr = ue.Err
		}
		return h.bulkFailure(r, op, path, nil, errorf(http.StatusBadRequest, ScimTypeInvalidPath, "Operations[%d]: path %q is no URL path: %v", op.index, op.path, perr))
	}
	// The request gets its own copy of u: the routes may change theirs.
	su := *u
	// Its warnings name it: a request's warnings are one list (warn).
	ctx := context.WithValue(r.Context(), bulkOpKey{}, h.bulkOpName(op, "")+": ")
	sub, err := http.NewRequestWithContext(ctx, op.method, "", bytes.NewReader(body))
	if err != nil { // the method was checked: a bug
		return h.bulkFailure(r, op, path, u, errorf(http.StatusInternalServerError, "", "Operations[%d]: %v", op.index, err))
	}
	sub.URL = &su
	sub.Host, sub.TLS, sub.RemoteAddr = r.Host, r.TLS, r.RemoteAddr
	sub.Header.Set("Content-Type", contentType)
	if op.version != "" {
		version, err := h.quoteTags(r.Context(), h.bulkOpName(op, ".version"), op.version)
		if err != nil {
			return h.bulkFailure(r, op, path, u, err)
		}
		sub.Header.Set("If-Match", version)
	}
	if err := unservablePath(sub.URL.Path); err != nil {
		return h.bulkFailure(r, op, path, u, err)
	}
	// The operation's write is its own: one an earlier operation
	// committed does not make this one's failed read an answer
	// (readAfterWrite), a password an earlier one left (a write that
	// failed) is not this one's (clearPassword), and the /Bulk request
	// having no If-Match says nothing of the operation's, which carries
	// its version (tagless).
	if st := stateOf(r.Context()); st != nil {
		st.wrote, st.tagless = false, false
	}
	clearPassword(r.Context())
	rec := &bulkRecorder{header: http.Header{}}
	h.mux.ServeHTTP(rec, sub)

	res := &bulkResult{Method: op.method, BulkID: op.bulkID, Status: strconv.Itoa(rec.status)}
	res.Version = rec.header.Get("ETag")
	if rec.status >= 400 {
		res.Response = json.RawMessage(bytes.TrimSpace(rec.body.Bytes()))
		res.Location = h.bulkLocation(r, op.method, path, u, true)
		return res
	}
	if res.Location = rec.header.Get("Location"); res.Location == "" {
		res.Location = h.bulkLocation(r, op.method, path, u, false)
	}
	if op.method == http.MethodPost && op.bulkID != "" {
		// The created resource's id ends its Location, percent-encoded
		// (urlText.url).
		id := res.Location[strings.LastIndexByte(res.Location, '/')+1:]
		if raw, err := url.PathUnescape(id); err == nil {
			id = raw
		}
		created[op.bulkID] = id
	}
	return res
}

// bodyTooLarge is the 413 of operation index whose data, its bulkId
// references resolved, is n bytes long encoded (at least n when atLeast
// is "at least "), more than limit (Config.MaxBodyBytes).
func bodyTooLarge(index int, atLeast string, n, limit int64) *Error {
	return errorf(http.StatusRequestEntityTooLarge, "", "Operations[%d]: data is %s%d bytes long; at most %d bytes are accepted, as in a request of its own (MaxBodyBytes)", index, atLeast, n, limit)
}

// resolvedSizeAtLeast is a lower bound of the length of data encoded
// by json.Marshal once its bulkId references are resolved (resolveRef):
// a string takes its bytes and two quotes (escaping only adds), an
// object member its key's and a colon, an array or object its brackets
// and the commas between its elements, any other value one byte; a
// string holding a reference after its start (a PATCH path's filter,
// resolvePathFilter) only its quotes. It allocates nothing, so an operation whose resolved data cannot
// fit MaxBodyBytes is refused before resolveBulkData copies it.
func resolvedSizeAtLeast(data any, created map[string]string) int64 {
	switch x := data.(type) {
	case string:
		if strings.Contains(x, bulkIDPrefix) && !strings.HasPrefix(x, bulkIDPrefix) {
			return 2 // a PATCH path's filter, whose references may resolve shorter
		}
		out, _ := resolveRef(created, x)
		return int64(len(out)) + 2
	case []any:
		n := commas(len(x)) + 2
		for _, el := range x {
			n += resolvedSizeAtLeast(el, created)
		}
		return n
	case map[string]any:
		n := commas(len(x)) + 2
		for k, el := range x {
			n += int64(len(k)) + 3 + resolvedSizeAtLeast(el, created)
		}
		return n
	}
	return 1
}

// commas is the number of commas between n elements.
func commas(n int) int64 {
	return int64(max(n-1, 0))
}

// bulkOpName names op, or its member field (".version"), in a warning:
// `Operations[2] (bulkId "u1")`, `Operations[2].version (bulkId "u1")`,
// its bulkId quoted as client text is (clienttext: bounded, a secret
// concealed), or `Operations[2]` without one. A client matches a
// warning to its operation by bulkId; the index alone would make it
// count its own list.
func (h *handler) bulkOpName(op *bulkOp, field string) string {
	if op.bulkID == "" {
		return fmt.Sprintf("Operations[%d]%s", op.index, field)
	}
	return fmt.Sprintf("Operations[%d]%s (bulkId %s)", op.index, field, h.secrets.Quote(op.bulkID))
}

// bulkURL parses an operation's path, its bulkId references resolved, as
// the URL of the request it is dispatched as (nil, and url.Parse's error,
// when no URL holds it), its endpoint spelled as meta.location spells it
// (canonicalPath), which both the dispatched request and bulkLocation
// use.
func bulkURL(path string) (*url.URL, error) {
	u, err := url.Parse("http://bulk" + path)
	if err == nil {
		canonicalURL(u)
	}
	return u, err
}

// bulkPath returns path with each segment that is a bulkId reference
// replaced by resolve's result, percent-encoded as a path segment (an id
// is the store's, and may hold a slash or a space).
func bulkPath(path string, resolve func(string) string) string {
	segs := strings.Split(path, "/")
	for i, s := range segs {
		if r := resolve(s); r != s {
			segs[i] = url.PathEscape(r)
		}
	}
	return strings.Join(segs, "/")
}

// resolveBulkData returns data with every string that is a bulkId
// reference replaced by resolve's result.
func resolveBulkData(v any, resolve func(string) string) any {
	switch x := v.(type) {
	case string:
		return resolve(x)
	case []any:
		out := make([]any, len(x))
		for i, el := range x {
			out[i] = resolveBulkData(el, resolve)
		}
		return out
	case map[string]any:
		// In sorted order: resolve remembers the first bulkId it cannot
		// resolve, and that one must be the same every time.
		out := make(map[string]any, len(x))
		var buf [jsonscan.SmallObject]string
		for _, k := range jsonscan.SortedKeys(buf[:0], x) {
			out[k] = resolveBulkData(x[k], resolve)
		}
		return out
	}
	return v
}

// bulkFailure is the result of an operation that failed before it ran,
// path its path with the bulkId references that resolved resolved and u
// that path parsed (nil when it is no URL's): its
// location is the one it would have had, had it failed once dispatched.
func (h *handler) bulkFailure(r *http.Request, op *bulkOp, path string, u *url.URL, e *Error) *bulkResult {
	e = e.concealed(h.secrets)
	body, _ := e.MarshalJSON()
	return &bulkResult{Location: h.bulkLocation(r, op.method, path, u, true), Method: op.method, BulkID: op.bulkID, Status: strconv.Itoa(e.Status), Response: body}
}

// bulkLocation is the location of an operation's result that names no
// created resource (RFC 7644 §3.7.3: "REQUIRED in a response, except in
// the event of a POST failure"; its example answers a PUT that failed
// with 412 with one): the URL of the resource path (an operation's,
// bulkId references resolved) addresses, as meta.location spells it
// (/Users, not the /users a client may have sent), whether the
// operation succeeded or failed, before or after it was dispatched, so
// a client matches each result of a PUT, PATCH or DELETE to its
// resource. It is "" for a POST (it addresses a collection; a created
// resource's location is the response's Location), for a path whose id
// is a bulkId reference that did not resolve (no resource has that id)
// and for a path no URL can hold (u nil). u is path as runBulkOp parsed
// it, the dispatched request's URL; it is left unchanged.
//
// A failed operation's path may name no resource (a 404): its location
// is then the client's text, not a resource's URL, and is bounded as any
// client text a response repeats (clienttext.MaxQuoted): with an id, or
// a path after the endpoint, longer than that it is "" (a URL cut short
// would address another resource), where a 5,000-byte id came back whole.
func (h *handler) bulkLocation(r *http.Request, method, path string, u *url.URL, failed bool) string {
	if method == http.MethodPost {
		return ""
	}
	if _, id, _ := strings.Cut(strings.TrimPrefix(path, "/"), "/"); strings.HasPrefix(id, bulkIDPrefix) {
		return ""
	}
	if u == nil {
		return ""
	}
	// A resource's URL is the one meta.location gives it (urlText.url),
	// whose id is percent-encoded by url.PathEscape, not as EscapedPath
	// keeps what the client sent: the id is the segment the router
	// decodes.
	ep := u.EscapedPath()
	typ, seg, ok := strings.Cut(strings.TrimPrefix(ep, "/"), "/")
	if ok && seg != "" && !strings.Contains(seg, "/") {
		if id, err := url.PathUnescape(seg); err == nil {
			if failed && len(id) > clienttext.MaxQuoted {
				return ""
			}
			var t urlText
			return t.url(h.baseURL(r), "/"+typ+"/", id)
		}
	}
	if failed && len(seg) > clienttext.MaxQuoted {
		return ""
	}
	return h.baseURL(r) + ep
}

// bulkRecorder captures the response of one operation: its status, its
// header and, for a status of 400 or more, its body, the error a
// BulkResponse carries. A success's body is not kept: its result is its
// status, location and version only (RFC 7644 §3.7.3), and buffering
// each one's, to throw it away, cost every operation its size twice.
type bulkRecorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bulkRecorder) Header() http.Header { return b.header }

func (b *bulkRecorder) WriteHeader(code int) {
	if b.status == 0 {
		b.status = code
	}
}

func (b *bulkRecorder) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	if b.status < 400 {
		return len(p), nil
	}
	return b.body.Write(p)
}
