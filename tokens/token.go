package tokens

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"maps"
	"strings"
	"time"

	"github.com/scimkit/scim/internal/clienttext"
)

// Sentinel errors. Callers test for them with errors.Is; Manager and stores
// may wrap them with extra context.
var (
	// ErrNotFound reports that no token with the given id (in the given
	// tenant) or hash exists.
	ErrNotFound = errors.New("tokens: not found")

	// ErrInvalidToken is the only error Authenticate returns for a bearer
	// token that is unknown, revoked, expired or malformed, so callers
	// (and attackers) cannot tell these cases apart. It is never wrapped.
	ErrInvalidToken = errors.New("tokens: invalid token")

	// ErrConflict reports that a store already holds a token with the same
	// id or hash.
	ErrConflict = errors.New("tokens: token already exists")
)

// Prefix starts every plaintext token ("scim_"). It lets secret scanners
// recognise leaked tokens. (Its one definition is where Redact's rule is,
// which every message built from client text applies.)
const Prefix = clienttext.TokenPrefix

// secretBytes is the number of random bytes in a plaintext token (256 bits).
const secretBytes = 32

// idBytes is the number of random bytes in a token id.
const idBytes = 16

// Token is the stored record of an issued bearer token. It never holds the
// plaintext: only its SHA-256 in Hash and a display Hint.
type Token struct {
	// ID identifies the token, e.g. in Revoke. It is random and not secret.
	ID string `json:"id"`
	// Name is a human label, e.g. "Okta production".
	Name string `json:"name,omitempty"`
	// TenantID is the tenant the token authenticates as. "" is valid.
	TenantID string `json:"tenantId"`
	// ConnectionID is an opaque host value, e.g. an SSO connection id.
	ConnectionID string `json:"connectionId,omitempty"`
	// Labels are free-form host metadata.
	Labels map[string]string `json:"labels,omitempty"`
	// Hint helps an admin recognise the token: Prefix + "…" + the last four
	// characters of the plaintext, e.g. "scim_…a1B2".
	Hint string `json:"hint"`
	// Hash is the SHA-256 of the plaintext. Manager never returns it.
	Hash []byte `json:"-"`
	// CreatedAt is when the token was generated.
	CreatedAt time.Time `json:"createdAt"`
	// ExpiresAt is when the token stops working; zero means never.
	ExpiresAt time.Time `json:"expiresAt,omitzero"`
	// LastUsedAt is when the token last authenticated a request; zero means
	// never. Writes are throttled (see Options.LastUsedInterval).
	LastUsedAt time.Time `json:"lastUsedAt,omitzero"`
	// RevokedAt is when the token was revoked; zero means not revoked.
	RevokedAt time.Time `json:"revokedAt,omitzero"`
	// CreatedBy names who generated the token, e.g. an admin's user id.
	CreatedBy string `json:"createdBy,omitempty"`
}

// Active reports whether the token is neither revoked nor expired at now.
func (t Token) Active(now time.Time) bool {
	return t.RevokedAt.IsZero() && !t.Expired(now)
}

// Expired reports whether the token has an expiry that is not after now.
func (t Token) Expired(now time.Time) bool {
	return !t.ExpiresAt.IsZero() && !now.Before(t.ExpiresAt)
}

// String describes the token for logs. It never includes the hash.
func (t Token) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Token{ID:%q Name:%q TenantID:%q Hint:%q CreatedAt:%s", t.ID, t.Name, t.TenantID, t.Hint, fmtTime(t.CreatedAt))
	if !t.ExpiresAt.IsZero() {
		fmt.Fprintf(&b, " ExpiresAt:%s", fmtTime(t.ExpiresAt))
	}
	if !t.LastUsedAt.IsZero() {
		fmt.Fprintf(&b, " LastUsedAt:%s", fmtTime(t.LastUsedAt))
	}
	if !t.RevokedAt.IsZero() {
		fmt.Fprintf(&b, " RevokedAt:%s", fmtTime(t.RevokedAt))
	}
	b.WriteString("}")
	return b.String()
}

// GoString is like String, so that %#v does not print the hash either.
func (t Token) GoString() string { return t.String() }

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.Format(time.RFC3339Nano)
}

// clone returns a deep copy of t (Labels and Hash are copied).
func (t *Token) clone() *Token {
	if t == nil {
		return nil
	}
	c := *t
	c.Labels = maps.Clone(t.Labels)
	if t.Hash != nil {
		c.Hash = append([]byte(nil), t.Hash...)
	}
	return &c
}

// public returns a deep copy of t without its hash (not copied only to
// be dropped: this runs on every authenticated request).
func (t *Token) public() *Token {
	c := new(Token)
	t.publicTo(c)
	return c
}

// publicTo is public writing the copy into dst.
func (t *Token) publicTo(dst *Token) {
	*dst = *t
	dst.Labels = maps.Clone(t.Labels)
	dst.Hash = nil
}

// newSecret reads 256 bits from r and returns the plaintext token.
func newSecret(r io.Reader) (string, error) {
	var buf [secretBytes]byte
	if _, err := io.ReadFull(r, buf[:]); err != nil {
		return "", fmt.Errorf("tokens: read random: %w", err)
	}
	return Prefix + base64.RawURLEncoding.EncodeToString(buf[:]), nil
}

// newID reads 128 bits from r and returns them hex encoded.
func newID(r io.Reader) (string, error) {
	var buf [idBytes]byte
	if _, err := io.ReadFull(r, buf[:]); err != nil {
		return "", fmt.Errorf("tokens: read random: %w", err)
	}
	return fmt.Sprintf("%x", buf[:]), nil
}

// isID reports whether id has the form newID gives every token id (idBytes
// in lowercase hex): one that has not names no token, and is answered
// without asking the store, whatever its length.
func isID(id string) bool {
	if len(id) != 2*idBytes {
		return false
	}
	for i := range len(id) {
		if c := id[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// hashToken returns the SHA-256 of a plaintext token.
func hashToken(plaintext string) [sha256.Size]byte {
	// A generated token is 48 bytes: copied to the stack, its hash input
	// costs no allocation (the conversion's own buffer holds 32 bytes), on
	// a path every request takes. A longer bearer, never a valid token,
	// gets the conversion.
	var buf [128]byte
	if len(plaintext) <= len(buf) {
		return sha256.Sum256(append(buf[:0], plaintext...))
	}
	return sha256.Sum256([]byte(plaintext))
}

// hint returns the display hint of a plaintext token.
func hint(plaintext string) string {
	return Prefix + "…" + plaintext[len(plaintext)-4:]
}

// Redact returns s with every token-shaped text in it replaced by Prefix +
// "[REDACTED]": what a client sent where a token does not belong (a path,
// a query string, a request id, an attribute name) is fit for a log once
// redacted. Token-shaped is Prefix, in any letter case, followed by at
// least 16 characters a token is made of, each character as it is or
// percent-encoded (up to three times over: "scim%5F…", "%73cim_…",
// "scim%255F…"), since a log keeps a path or a query string as sent and
// its reader decodes it at a glance. Text without a token comes back as
// it is, without allocating.
func Redact(s string) string { return clienttext.Redact(s) }

// wellFormed reports whether s looks like a token Generate could have made.
// It runs over the whole string regardless of where it fails; the result
// is only used after the store lookup.
func wellFormed(s string) bool {
	ok := strings.HasPrefix(s, Prefix) && len(s) >= len(Prefix)+base64.RawURLEncoding.EncodedLen(secretBytes)
	for i := 0; i < len(s); i++ {
		ok = ok && clienttext.IsTokenChar(s[i])
	}
	return ok
}
