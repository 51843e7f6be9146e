// Package tokens issues and checks the bearer tokens an identity provider
// (Okta, Entra ID, ...) uses to call a host's SCIM API.
//
// An admin generates a token with [Manager.Generate], is shown the
// plaintext exactly once, and pastes it into the identity provider. The
// root scim handler extracts it with [BearerToken], checks it with
// [Manager.Authenticate] and puts the returned token's tenant into the
// request context. [Manager.Status] tells an admin page whether the
// provider has connected yet.
//
// Plaintext tokens look like "scim_" followed by 43 base64url characters
// (256 random bits). The fixed prefix lets secret scanners recognise a
// leaked token.
//
// Threat model, in short:
//
//   - Hash at rest: a [Store] only ever sees the SHA-256 of a token, so a
//     database leak does not leak usable credentials. Because a token has
//     256 bits of entropy, an unsalted fast hash is sufficient.
//   - Lookup and compare: tokens are found by hash, which gives an attacker
//     no timing signal about the secret (they do not control the hash's
//     bytes); the stored hash is then compared in constant time anyway.
//   - One error: unknown, revoked, expired and malformed tokens all yield
//     [ErrInvalidToken] after the same work (one hash, one cache probe that
//     misses, one store lookup).
//   - Verification cache: a token verified against the store is trusted,
//     without another lookup, for [Options.CacheTTL] (by default
//     [DefaultCacheTTL], five seconds), in a cache of at most [Options.CacheSize]
//     entries keyed by the token's SHA-256 hash, never its plaintext. Only
//     verified tokens enter it, so unknown tokens cannot fill it. Expiry is
//     checked against the Manager's clock on every request, and revoking
//     or rotating through a Manager drops its entries at once. A revocation
//     made by another process over the same store (another replica, an
//     admin tool) takes effect in this one within CacheTTL: that is the
//     price of the saved lookup, and why the default is seconds. A negative
//     CacheTTL turns the cache off; [Manager.CacheStats] counts hits and
//     misses for a host's metrics.
//   - One-shot display: the plaintext is returned once by Generate and is
//     never stored, logged or kept in any struct field.
//   - Revoke-previous: under the default [OneActive] policy generating a new
//     token revokes the tenant's previous ones, so a rotated-out or
//     forgotten token stops working.
//
// The JSON API behind a host's admin page (status, generate, list, revoke)
// and the log of recent SCIM requests it shows are in package
// github.com/scimkit/scim/admin.
//
// Tenant ids are opaque; the empty string is a valid tenant (the default
// of a single-tenant host).
package tokens
