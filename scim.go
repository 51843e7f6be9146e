// Package scim gives a Go web application a complete SCIM 2.0 provisioning
// endpoint (RFC 7643, RFC 7644), so that identity providers such as Okta,
// Microsoft Entra ID, Google Workspace, OneLogin, JumpCloud and Ping can
// create, update, deactivate and delete its users and push its groups.
//
// A host builds one http.Handler with NewHandler and mounts it where the
// SCIM base URL points:
//
//	db := memory.New() // or the host's own store.UserStore / store.GroupStore
//	toks := tokens.NewManager(tokens.NewMemoryStore())
//	h, err := scim.NewHandler(scim.Config{
//		BaseURL: "https://app.example.com/scim/v2",
//		Users:   db,
//		Groups:  db,
//		Tokens:  toks,
//	})
//	mux.Handle("/scim/v2/", http.StripPrefix("/scim/v2", h))
//
// The handler authenticates every request with a bearer token, parses
// filters, applies PATCH operations itself (including the quirks real
// identity providers send), enforces limits, renders SCIM errors, and calls
// the store interfaces of package store for persistence.
package scim

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/scimkit/scim/admin"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/tokens"
)

// Defaults applied by NewHandler to zero Config fields.
const (
	DefaultMaxBodyBytes       = 1 << 20
	DefaultMaxFilterLength    = 4096
	DefaultMaxPatchOperations = 1000
	DefaultMaxPageSize        = 1000
	DefaultPageSize           = 100
)

// Authenticator checks a bearer token. *tokens.Manager implements it.
type Authenticator interface {
	// Authenticate returns the token the bearer string belongs to. A
	// token that is unknown, revoked, expired or malformed (or empty: no
	// Authorization header) must give an error wrapping
	// tokens.ErrInvalidToken, answered 401; any other error means the
	// check could not be made and is answered 500.
	Authenticate(ctx context.Context, bearer string) (*tokens.Token, error)
}

// MeResolver maps an authenticated request to the id of the User it acts
// as, for the /Me endpoint (RFC 7644 §3.11).
type MeResolver func(ctx context.Context) (userID string, err error)

// Config configures NewHandler. Zero values take the documented defaults.
type Config struct {
	// BaseURL is the absolute URL the handler is mounted at, e.g.
	// "https://app.example.com/scim/v2". It is used for Location headers
	// and meta.location. When empty, it is derived from each request (its
	// Host, TLS state or X-Forwarded-Proto, and the path prefix stripped
	// before the handler).
	BaseURL string

	// Users stores users. Required.
	Users store.UserStore
	// Groups stores groups. Optional: when nil, /Groups answers 404 and is
	// not advertised in /ResourceTypes.
	Groups store.GroupStore

	// Tokens authenticates bearer tokens; the token's tenant scopes every
	// store call. Required unless InsecureNoAuth is set.
	Tokens Authenticator
	// InsecureNoAuth serves requests without any authentication, all in the
	// default tenant "". Only for tests and for hosts that authenticate in
	// their own middleware before the handler (they can still set the
	// tenant with WithTenant).
	InsecureNoAuth bool

	// Events, when set, is called after every successful change, on the
	// request's goroutine; keep it fast or hand the event off.
	Events func(ctx context.Context, e Event)
	// Logger receives one line per request and the details of internal
	// errors. Defaults to slog.Default(). Tokens are never logged.
	Logger *slog.Logger
	// RequestLog, when set, records every authenticated request (method,
	// path, status, SCIM error, latency, token hint; never bodies or
	// tokens) for the host's admin page. Record is called as the request
	// ends, on its goroutine: wrap a log that does I/O (sqlstore.Store) in
	// admin.NewAsyncLog so that it only buffers. See admin.RequestLog.
	RequestLog admin.RequestLog

	// Now is the clock used for event times. Defaults to time.Now.
	Now func() time.Time

	// UserExtensions and GroupExtensions register extension schemas beyond
	// the enterprise user extension (which is always present). Their
	// attributes are kept as sent, under the extension URN.
	UserExtensions  []*resources.Schema
	GroupExtensions []*resources.Schema

	// Me resolves /Me. When nil, /Me answers 501.
	Me MeResolver

	// DocumentationURI is advertised in /ServiceProviderConfig.
	DocumentationURI string

	// MaxBodyBytes bounds request bodies (413 beyond). Default 1 MiB.
	MaxBodyBytes int64
	// MaxFilterLength bounds the filter parameter, in bytes. Default 4096.
	MaxFilterLength int
	// MaxPatchOperations bounds the operations of one PATCH. Default 1000.
	MaxPatchOperations int
	// MaxPageSize caps count on list requests; it is advertised as
	// filter.maxResults. Default 1000.
	MaxPageSize int
	// DefaultPageSize is the page size when a list request has no count.
	// Default 100.
	DefaultPageSize int
}

func (c *Config) setDefaults() error {
	if c.Users == nil {
		return errors.New("scim: Config.Users is required")
	}
	if c.Tokens == nil && !c.InsecureNoAuth {
		return errors.New("scim: Config.Tokens is required (set InsecureNoAuth only in tests or behind your own authentication)")
	}
	if c.BaseURL != "" {
		u, err := url.Parse(c.BaseURL)
		if err != nil || u.Scheme == "" || u.Host == "" {
			return fmt.Errorf("scim: Config.BaseURL %q must be an absolute URL such as https://app.example.com/scim/v2", c.BaseURL)
		}
		c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if c.MaxFilterLength <= 0 {
		c.MaxFilterLength = DefaultMaxFilterLength
	}
	if c.MaxPatchOperations <= 0 {
		c.MaxPatchOperations = DefaultMaxPatchOperations
	}
	if c.MaxPageSize <= 0 {
		c.MaxPageSize = DefaultMaxPageSize
	}
	if c.DefaultPageSize <= 0 {
		c.DefaultPageSize = DefaultPageSize
	}
	if c.DefaultPageSize > c.MaxPageSize {
		c.DefaultPageSize = c.MaxPageSize
	}
	return nil
}

// EventType names a change.
type EventType string

// The events a handler reports through Config.Events.
const (
	UserCreated     EventType = "user.created"
	UserUpdated     EventType = "user.updated"
	UserDeactivated EventType = "user.deactivated"
	UserReactivated EventType = "user.reactivated"
	UserDeleted     EventType = "user.deleted"
	GroupCreated    EventType = "group.created"
	GroupUpdated    EventType = "group.updated"
	GroupDeleted    EventType = "group.deleted"
	MembersAdded    EventType = "group.members_added"
	MembersRemoved  EventType = "group.members_removed"
)

// Event describes a change made through the handler. A PUT or PATCH that
// turns active from true to false reports UserUpdated and then
// UserDeactivated (UserReactivated for false to true), so a host can end
// the user's sessions on deactivation; DELETE reports UserDeleted.
type Event struct {
	Type EventType
	// Tenant is the tenant of the token that made the change.
	Tenant string
	// ID is the id of the user or group changed.
	ID string
	// User is the user after the change (before, for UserDeleted: nil).
	User *resources.User
	// Group is the group after the change, members not loaded for
	// membership events; nil for GroupDeleted.
	Group *resources.Group
	// Members are the member ids a membership event asked to add or remove.
	Members []string
	// At is when the handler made the change.
	At time.Time
}

type tokenKey struct{}

// WithTenant returns a context carrying the tenant id, as the handler does
// for the authenticated token. Hosts that authenticate in their own
// middleware (InsecureNoAuth) use it to set the tenant.
func WithTenant(ctx context.Context, tenant string) context.Context {
	return store.WithTenant(ctx, tenant)
}

// TenantFrom returns the tenant of the request: the authenticated token's
// tenant id, or "" for a single-tenant host.
func TenantFrom(ctx context.Context) string { return store.Tenant(ctx) }

// TokenFrom returns the token that authenticated the request, or nil.
func TokenFrom(ctx context.Context) *tokens.Token {
	t, _ := ctx.Value(tokenKey{}).(*tokens.Token)
	return t
}
