// Package tenantkey holds the context key a request's tenant id is filed
// under: store.WithTenant and store.Tenant use it, and the handler's
// per-request context answers it from its own Value method, so that an
// authenticated request carries its tenant without a context.WithValue
// (an allocation, and one more context for every lookup to walk) of its
// own.
package tenantkey

// Key is the context key of the tenant id; its value is a string.
type Key struct{}
