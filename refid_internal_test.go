package scim

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestRefID: the user a manager's $ref names on the server at base: an
// absolute URL under its /Users/, a reference relative to /Users/ (RFC
// 7643 §4.3's ../Users/ID, or the bare id), or a relative path written
// from the base URL (Users/ID); nothing else.
func TestRefID(t *testing.T) {
	const base = "https://app.example.com/scim/v2/"
	for _, tc := range []struct {
		ref, id string // id "": names no user
	}{
		{"https://app.example.com/scim/v2/Users/u1", "u1"},
		{"HTTPS://APP.example.com/scim/v2/Users/u1", "u1"},
		{"../Users/u1", "u1"},
		{"u1", "u1"},
		{"Users/u1", "u1"},
		{"./Users/u1", "u1"},
		{"Users/a%20b", "a b"},
		{"/scim/v2/Users/u1", "u1"},
		{"Groups/g1", ""},
		{"Users/u1/x", ""},
		{"Users/", ""},
		{"Users/u1?x=1", ""},
		{"/Users/u1", ""}, // the host's root, not the service's
		{"https://elsewhere.example/scim/v2/Users/u1", ""},
		{"//elsewhere.example/scim/v2/Users/u1", ""},
		{"https://app.example.com/scim/v2/Groups/u1", ""},
		{"%zz", ""},
	} {
		t.Run(tc.ref, func(t *testing.T) {
			id, ok := refID(base, tc.ref)
			assert.Equal(t, tc.id != "", ok)
			assert.Equal(t, tc.id, id)
		})
	}
}
