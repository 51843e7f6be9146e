package patch

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestLookupSpellingsDeterministic: a document giving a name in two
// spellings, neither the one asked for, answers with the first in sorted
// order every time, not whichever Go's map order gives; a spelling with a
// non-ASCII letter is no spelling of an ASCII name (internal/names).
func TestLookupSpellingsDeterministic(t *testing.T) {
	m := map[string]any{"Badge": 1, "BADGE": 2, "bAdge": 3, "baDge": 4}
	for range 20 { // map iteration order is random: ask many times
		k, v, ok := lookup(m, "badge")
		require.True(t, ok)
		require.Equal(t, "BADGE", k)
		require.Equal(t, 2, v)
	}
	k, v, ok := lookup(map[string]any{"badge": 1, "BADGE": 2}, "badge")
	require.True(t, ok)
	require.Equal(t, "badge", k, "the exact spelling first")
	require.Equal(t, 1, v)
	_, _, ok = lookup(map[string]any{"ſortBy": 1, "\u212Aey": 2}, "sortBy")
	require.False(t, ok)
	_, _, ok = lookup(map[string]any{"\u212Aey": 2}, "key")
	require.False(t, ok)
}

// TestRawKeyIs: a member name matches in any case and through escapes,
// up to the longest text a name can take (six bytes a letter, \u0069);
// a longer escaped key is refused without being unquoted.
func TestRawKeyIs(t *testing.T) {
	long := `"` + strings.Repeat(`\u0041`, 1000) + `"`
	for _, tc := range []struct {
		key, name string
		want      bool
	}{
		{`"schemas"`, "schemas", true},
		{`"SCHEMAS"`, "schemas", true},
		{`"\u0069\u0064"`, "id", true},
		{`"\u0049D"`, "id", true},
		{`"\u0069\u0064\u0020"`, "id", false},
		{`"ſchemas"`, "schemas", false},
		{`"\u017fchemas"`, "schemas", false},
		{long, "id", false},
	} {
		require.Equal(t, tc.want, rawKey(tc.key).is(tc.name), "%s", tc.key)
	}
	k := rawKey(long)
	require.Zero(t, testing.AllocsPerRun(10, func() { _ = k.is("schemas") }))
}
