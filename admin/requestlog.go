package admin

import (
	"context"
	"time"
)

// Request is one entry of the recent-request log an admin page shows to
// troubleshoot provisioning ("users are not syncing"). It never holds a
// request body or a token: only the token's display hint.
type Request struct {
	// At is when the request arrived.
	At time.Time `json:"at"`
	// TenantID is the tenant of the token that authenticated the request.
	TenantID string `json:"tenantId"`
	// RequestID is the id the handler logs the request under.
	RequestID string `json:"requestId"`
	// Method and Path are the HTTP method and the path relative to the
	// SCIM base URL, with the query string (filters name the resources an
	// identity provider looked for), as sent but for the value of a query
	// parameter that names a secret attribute (the password, or one the
	// SCIM handler's model makes returned "never"), and of an access_token
	// parameter (RFC 6750 §2.3), concealed (Sanitized, and the handler,
	// which knows its model).
	Method string `json:"method"`
	Path   string `json:"path"`
	// Status is the HTTP status answered.
	Status int `json:"status"`
	// ScimType and Detail repeat the SCIM error answered, if any.
	ScimType string `json:"scimType,omitempty"`
	Detail   string `json:"detail,omitempty"`
	// Latency is how long the handler took.
	Latency time.Duration `json:"latency"`
	// TokenHint is the display hint of the token used (e.g. "scim_…a1B2").
	TokenHint string `json:"tokenHint"`
	// Warnings are the ways the handler bent the request to accept it
	// (e.g. "ignored unknown attribute \"adreses\""): what an admin reads
	// to see what a provider sends that the server did not take as sent.
	Warnings []string `json:"warnings,omitempty"`

	// sanitized is set by Sanitized, so that a RequestRing keeps the
	// entry as it is rather than sanitize it again, behind an AsyncLog
	// or any other log that hands it on.
	sanitized bool
}

// RequestLog keeps the recent SCIM requests of each tenant. The handler
// calls Record once per authenticated request (scim.Config.RequestLog);
// the admin handler reads Recent. Implementations must be safe for
// concurrent use and bounded in size. Record runs on the request path
// unless the log is wrapped in an AsyncLog, which a log that writes to a
// database should be.
type RequestLog interface {
	// Record adds an entry to its tenant's log. It returns when ctx is
	// done, whether or not the entry was kept.
	Record(ctx context.Context, r Request) error
	// Recent returns up to limit entries of the tenant, newest first.
	Recent(ctx context.Context, tenantID string, limit int) ([]Request, error)
}

// BatchRecorder is an optional interface of a RequestLog that adds many
// entries at once more cheaply than one Record each (one statement, one
// transaction). An AsyncLog hands each batch to RecordBatch when its
// destination implements it.
type BatchRecorder interface {
	// RecordBatch adds the entries, oldest first, to their tenants' logs:
	// all of them or, on error, possibly none. It returns when ctx is done.
	// rs is valid only during the call: copy what is kept.
	RecordBatch(ctx context.Context, rs []Request) error
}
