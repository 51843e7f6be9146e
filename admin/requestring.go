package admin

import (
	"container/list"
	"context"
	"sync"

	"github.com/scimkit/scim/internal/clienttext"
)

// Defaults and limits of a RequestRing.
const (
	// DefaultRequestsPerTenant is the per-tenant capacity of a RequestRing
	// created with a capacity <= 0.
	DefaultRequestsPerTenant = 100
	// DefaultMaxTenants is how many tenants a RequestRing keeps logs for
	// when created with NewRequestRing or with a limit <= 0.
	DefaultMaxTenants = 1000
	// MaxRequestFieldBytes bounds the Path and Detail a RequestRing keeps
	// of each entry; longer values are cut (at a character boundary) and
	// end in "…".
	MaxRequestFieldBytes = 1024
)

// RequestRing is an in-memory RequestLog: a ring buffer of the most recent
// requests per tenant. Its memory is bounded: at most perTenant entries for
// each of at most maxTenants tenants, each entry's Path and Detail cut to
// MaxRequestFieldBytes. When a request of a new tenant arrives and the ring
// already holds maxTenants tenants, the log of the tenant written to least
// recently is dropped. Record and Recent are O(1) and O(limit) under one
// mutex. Anything shaped like a token (tokens.Prefix followed by token
// characters) in Path or Detail is replaced by "scim_[REDACTED]".
//
// A RequestRing is safe for concurrent use; create one with NewRequestRing
// or NewRequestRingLimits. It keeps the log of one process: behind a load
// balancer each replica sees only its own requests.
type RequestRing struct {
	perTenant  int
	maxTenants int

	mu      sync.Mutex
	tenants map[string]*list.Element // tenant id -> element holding *tenantRing
	lru     *list.List               // front: most recently written tenant
}

var _ RequestLog = (*RequestRing)(nil)

// tenantRing is one tenant's ring buffer.
type tenantRing struct {
	tenant  string
	entries []Request // grows up to perTenant, then wraps
	next    int       // index the next entry is written to once full
}

// NewRequestRing returns a RequestRing keeping the last perTenant requests
// (DefaultRequestsPerTenant when perTenant <= 0) of up to
// DefaultMaxTenants tenants.
func NewRequestRing(perTenant int) *RequestRing {
	return NewRequestRingLimits(perTenant, DefaultMaxTenants)
}

// NewRequestRingLimits is NewRequestRing with a tenant limit:
// maxTenants <= 0 means DefaultMaxTenants.
func NewRequestRingLimits(perTenant, maxTenants int) *RequestRing {
	if perTenant <= 0 {
		perTenant = DefaultRequestsPerTenant
	}
	if maxTenants <= 0 {
		maxTenants = DefaultMaxTenants
	}
	return &RequestRing{
		perTenant:  perTenant,
		maxTenants: maxTenants,
		tenants:    make(map[string]*list.Element),
		lru:        list.New(),
	}
}

// Record implements RequestLog. It never fails. Entries are kept
// Sanitized: an entry Sanitized made (as the SCIM handler makes each) is
// kept as it is, any other sanitized here.
func (r *RequestRing) Record(_ context.Context, req Request) error {
	if !req.sanitized {
		req = req.Sanitized()
	}
	r.keep(req)
	return nil
}

// keep adds req, sanitized, to its tenant's ring.
func (r *RequestRing) keep(req Request) {
	req.sanitized = false // Recent's entries are as any other log's reads
	r.mu.Lock()
	defer r.mu.Unlock()
	var tr *tenantRing
	if el, ok := r.tenants[req.TenantID]; ok {
		r.lru.MoveToFront(el)
		tr = el.Value.(*tenantRing)
	} else {
		if r.lru.Len() >= r.maxTenants {
			oldest := r.lru.Back()
			r.lru.Remove(oldest)
			delete(r.tenants, oldest.Value.(*tenantRing).tenant)
		}
		tr = &tenantRing{tenant: req.TenantID}
		r.tenants[req.TenantID] = r.lru.PushFront(tr)
	}
	if len(tr.entries) < r.perTenant {
		tr.entries = append(tr.entries, req)
		return
	}
	tr.entries[tr.next] = req
	tr.next = (tr.next + 1) % r.perTenant
}

// Recent implements RequestLog: up to limit entries of the tenant, newest
// first; limit <= 0 means all it holds. A tenant without entries yields an
// empty slice and no error. Reading does not count as a write for the
// tenant eviction order.
func (r *RequestRing) Recent(_ context.Context, tenantID string, limit int) ([]Request, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	el, ok := r.tenants[tenantID]
	if !ok {
		return []Request{}, nil
	}
	tr := el.Value.(*tenantRing)
	n := len(tr.entries)
	if limit <= 0 || limit > n {
		limit = n
	}
	out := make([]Request, limit)
	// The newest entry is just before next (or last while still growing).
	newest := n - 1
	if n == r.perTenant {
		newest = (tr.next - 1 + n) % n
	}
	for i := range out {
		out[i] = tr.entries[(newest-i+n)%n]
	}
	return out, nil
}

// Sanitized returns r fit to be kept and shown: token-shaped text (a token
// sent in a query string, say) redacted, the value of a query parameter
// that names the password concealed (clienttext.ConcealQuery;
// filter=password eq "…" is kept as filter=[REDACTED: names a secret]),
// and every text field cut to a bound (MaxRequestFieldBytes for Path,
// Detail and each warning). It knows no model: the SCIM handler conceals
// the query parameters that name its model's other secrets (attributes
// returned "never") with SanitizedWith, and records only sanitized
// entries, so a RequestLog that writes to a database never stores a
// token, nor a secret a filter compares with. (Detail and Warnings are
// made so by the handler, which conceals the client text they quote
// where it quotes it.)
//
// The result is marked as made so (a mark no field shows), and a
// RequestRing keeps a marked entry as it is: each entry is sanitized once,
// whatever logs (an AsyncLog, a host's) hand it on.
func (r Request) Sanitized() Request {
	r.Path = clienttext.ConcealQuery(r.Path)
	r.bound()
	return r
}

// SanitizedWith is Sanitized with the query string concealed by
// concealQuery in place of the password's rule (clienttext.ConcealQuery),
// which it must conceal at least what that does: the SCIM handler passes
// its model's (the password and every attribute the model makes returned
// "never"), so that the query is searched once, not once for the model's
// secrets and again for the password.
func (r Request) SanitizedWith(concealQuery func(string) string) Request {
	r.Path = concealQuery(r.Path)
	r.bound()
	return r
}

// bound is the rest of Sanitized once the query is concealed: tokens
// redacted and every text field cut to its bound, in place (the caller's
// copy: an entry is a dozen words, copied once).
func (r *Request) bound() {
	r.sanitized = true
	r.Path = clienttext.Field(r.Path, MaxRequestFieldBytes)
	r.Detail = clienttext.Field(r.Detail, MaxRequestFieldBytes)
	r.ScimType = clienttext.Clip(r.ScimType, 64)
	r.TokenHint = clienttext.Clip(r.TokenHint, 64)
	r.RequestID = clienttext.Clip(r.RequestID, 128)
	if r.Warnings != nil {
		ws := make([]string, len(r.Warnings))
		for i, w := range r.Warnings {
			ws[i] = clienttext.Field(w, MaxRequestFieldBytes)
		}
		r.Warnings = ws
	}
}
