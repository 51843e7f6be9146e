package resources_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/scimkit/scim/resources"
)

// TestSameNumber: numbers compare by value, however spelled, and two
// values that differ are different however far down their digits the
// difference is (a float64's precision would make 0.1 and
// 0.10000000000000000000001 one, and a write of the second no change).
func TestSameNumber(t *testing.T) {
	for _, tc := range []struct {
		x, y string
		same bool
	}{
		{"1", "1.0", true},
		{"1", "1e0", true},
		{"100", "1E2", true},
		{"-0", "0", true},
		{"0.1", "0.10000000000000000000001", false},
		{"12345678901234567890123", "12345678901234567890124", false},
		{"1e-30", "1.0000000000000000000000000001e-30", false},
		{"1", "2", false},
		{"1", "x", false},
	} {
		assert.Equal(t, tc.same, resources.SameNumber(json.Number(tc.x), json.Number(tc.y)), "%s vs %s", tc.x, tc.y)
	}
}
