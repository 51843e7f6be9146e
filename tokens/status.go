package tokens

import (
	"context"
	"fmt"
	"time"
)

// State is how far a tenant's SCIM connection has got.
type State int

const (
	// NotConfigured: the tenant has no active token.
	NotConfigured State = iota
	// WaitingForFirstRequest: the tenant has active tokens, none of which
	// has been used yet.
	WaitingForFirstRequest
	// Connected: an active token of the tenant has authenticated a request.
	Connected
)

var stateNames = [...]string{
	NotConfigured:          "not_configured",
	WaitingForFirstRequest: "waiting_for_first_request",
	Connected:              "connected",
}

// String returns "not_configured", "waiting_for_first_request" or
// "connected".
func (s State) String() string {
	if s >= 0 && int(s) < len(stateNames) {
		return stateNames[s]
	}
	return fmt.Sprintf("State(%d)", int(s))
}

// MarshalText implements encoding.TextMarshaler with the String form.
func (s State) MarshalText() ([]byte, error) {
	if s < 0 || int(s) >= len(stateNames) {
		return nil, fmt.Errorf("tokens: invalid State %d", int(s))
	}
	return []byte(stateNames[s]), nil
}

// UnmarshalText implements encoding.TextUnmarshaler, accepting the String
// form.
func (s *State) UnmarshalText(b []byte) error {
	for i, n := range stateNames {
		if n == string(b) {
			*s = State(i)
			return nil
		}
	}
	return fmt.Errorf("tokens: unknown State %q", b)
}

// Status summarises a tenant's tokens for an admin page.
type Status struct {
	// State is the connection state.
	State State `json:"state"`
	// LastRequestAt is the newest LastUsedAt among all the tenant's tokens
	// (including revoked ones); zero if none was ever used. It includes
	// uses seen by this Manager that are not yet written to the store; uses
	// seen only by other Managers may lag by up to LastUsedInterval.
	LastRequestAt time.Time `json:"lastRequestAt,omitzero"`
	// TokenHint is the Hint of the newest active token, if any.
	TokenHint string `json:"tokenHint,omitempty"`
	// ActiveTokens counts the tenant's active tokens.
	ActiveTokens int `json:"activeTokens"`
}

// Status reports the tenant's connection state.
func (m *Manager) Status(ctx context.Context, tenantID string) (Status, error) {
	list, err := m.list(ctx, tenantID) // newest first, LastUsedAt merged
	if err != nil {
		return Status{}, fmt.Errorf("tokens: status: %w", err)
	}
	now := m.now()
	var st Status
	used := false
	for _, t := range list {
		if t.LastUsedAt.After(st.LastRequestAt) {
			st.LastRequestAt = t.LastUsedAt
		}
		if !t.Active(now) {
			continue
		}
		if st.ActiveTokens == 0 {
			st.TokenHint = t.Hint
		}
		st.ActiveTokens++
		used = used || !t.LastUsedAt.IsZero()
	}
	switch {
	case st.ActiveTokens == 0:
		st.State = NotConfigured
	case used:
		st.State = Connected
	default:
		st.State = WaitingForFirstRequest
	}
	return st, nil
}
