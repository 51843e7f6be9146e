package store_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/scimkit/scim/store"
)

// limited is a store that says its ids are at most n bytes long.
type limited int

func (l limited) MaxIDLen() int { return int(l) }

// TestMaxIDLen: the one reading of a store's id bound, the handler's and
// storetest's: an IDLimiter's MaxIDLen, 0 for a store that says none.
func TestMaxIDLen(t *testing.T) {
	for _, tc := range []struct {
		name  string
		store any
		want  int
	}{
		{"an IDLimiter", limited(36), 36},
		{"a store that says none", struct{ store.UserStore }{}, 0},
		{"nil", nil, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, store.MaxIDLen(tc.store))
		})
	}
}
