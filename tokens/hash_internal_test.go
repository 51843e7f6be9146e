package tokens

import (
	"crypto/sha256"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestHashToken holds hashToken to SHA-256 on either side of its stack
// buffer, and to no allocation for a token Generate makes.
func TestHashToken(t *testing.T) {
	for _, n := range []int{0, 1, 48, 127, 128, 129, 4096} {
		s := strings.Repeat("x", n)
		assert.Equal(t, sha256.Sum256([]byte(s)), hashToken(s), "length %d", n)
	}
	plain := Prefix + strings.Repeat("A", 43) // what Generate makes
	assert.Zero(t, testing.AllocsPerRun(100, func() { _ = hashToken(plain) }))
}
