package sqlstore

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestSubstringIsNotAPatternScan checks that co and ew render as a
// search (strpos, instr) and a comparison of the value's end (right,
// substr), not as a LIKE or GLOB pattern with a leading wildcard, which
// both databases match by trying the operand at each offset of the value
// (BenchmarkHostileSubstring), and that sw keeps its LIKE and its
// index-bounded GLOB. TestDifferential checks what they find.
func TestSubstringIsNotAPatternScan(t *testing.T) {
	s := "Ǆemal_%*" + strings.Repeat("a", 100)
	for _, tc := range []struct {
		d        *dialect
		op, want string
	}{
		{postgres, "co", `(strpos(x COLLATE "C", $1) > 0)`},
		{postgres, "ew", `(right(x, $1) COLLATE "C" = $2)`},
		{postgres, "sw", `(x COLLATE "C" LIKE $1 ESCAPE '\')`},
		{sqliteDialect, "co", `(instr(x, ?1) > 0)`},
		{sqliteDialect, "ew", `(substr(CAST(x AS BLOB), ?1) = CAST(?2 AS BLOB))`},
		{sqliteDialect, "sw", `(x >= (SELECT ?2) AND x < (SELECT ?3) AND x GLOB (SELECT ?1))`},
	} {
		t.Run(tc.d.name+"/"+tc.op, func(t *testing.T) {
			a := &args{d: tc.d}
			assert.Equal(t, tc.want, tc.d.substring(a, "x", tc.op, s))
			switch {
			case tc.op == "ew" && tc.d.pg:
				assert.Equal(t, []any{108, s}, a.vals, "right() counts characters")
			case tc.op == "ew":
				assert.Equal(t, []any{-109, s}, a.vals, "substr() of a blob counts bytes")
			case tc.op == "co":
				assert.Equal(t, []any{s}, a.vals)
			}
		})
	}
}
