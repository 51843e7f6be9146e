package scim

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestArgon2idBoundsInclusive: the maxima themselves are allowed, by
// Hash's configuration check and by Verify's reading of an encoding alike
// (one argonBounded), so every encoding an allowed configuration makes
// verifies; one above either is not. Checked here, without running
// Argon2id at 4 GiB.
func TestArgon2idBoundsInclusive(t *testing.T) {
	for _, tc := range []struct {
		params string
		ok     bool
	}{
		{"m=4194304,t=64,p=255", true},
		{"m=4194305,t=64,p=255", false},
		{"m=4194304,t=65,p=255", false},
	} {
		m, tt, p, ok := argonParams(tc.params)
		assert.True(t, ok, tc.params)
		a := Argon2id{MemoryKiB: m, Time: tt, Threads: p}
		assert.Equal(t, tc.ok, argonBounded(m, tt) == nil, "Verify: %s", tc.params)
		assert.Equal(t, tc.ok, a.check() == nil, "Hash: %s", tc.params)
	}
}
