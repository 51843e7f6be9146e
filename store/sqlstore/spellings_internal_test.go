package sqlstore

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"golang.org/x/text/unicode/norm"
)

// TestAdoptSpellings: the spellings adoption compares hold the value in
// NFC first, in NFD, and in the other cases of its letters outside ASCII
// (all of them up to adoptCaseVariants, else the four patterns), each
// once however lower() treats ASCII, the list filled with the first.
func TestAdoptSpellings(t *testing.T) {
	for _, tc := range []struct {
		name, v  string
		has, not []string
		distinct int
	}{
		{"ASCII", "Bob@example.com", []string{"Bob@example.com"}, nil, 1},
		{"one accent", "\u00e9mile", []string{"\u00e9mile", "\u00c9mile", "e\u0301mile"}, nil, 3},
		{"two letters", "\u00d6d\u00f6n", []string{"\u00d6d\u00f6n", "\u00f6d\u00f6n", "\u00d6d\u00d6n", "\u00f6d\u00d6n", "O\u0308do\u0308n"}, nil, 5},
		{"Greek sigma", "\u03c3", []string{"\u03c3", "\u03c2", "\u03a3"}, nil, 3},
		{"more letters than enumerated", "\u0434\u043c\u0438\u0442\u0440\u0438\u0439",
			[]string{"\u0434\u043c\u0438\u0442\u0440\u0438\u0439", "\u0414\u041c\u0418\u0422\u0420\u0418\u0419", "\u0414\u043c\u0438\u0442\u0440\u0438\u0439"},
			[]string{"\u0434\u041c\u0438\u0442\u0440\u0438\u0439"}, 6}, // й decomposes: three in NFD too
		{"Turkish dotted capital I has no other case", "\u0130stanbul", []string{"\u0130stanbul", "I\u0307stanbul"}, []string{"istanbul"}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := adoptSpellings(tc.v)
			assert.Equal(t, tc.v, got[0], "the value itself first")
			seen := map[string]bool{}
			for _, s := range got {
				seen[s] = true
			}
			for _, s := range tc.has {
				assert.True(t, seen[s], "%+q among the spellings of %+q: %+q", s, tc.v, got)
			}
			for _, s := range tc.not {
				assert.False(t, seen[s], "%+q is not a spelling of %+q", s, tc.v)
			}
			assert.Len(t, seen, tc.distinct, "%+q", got)
		})
	}
}

// TestOneSpellingIsAdoptSpellings: oneSpelling, which decides without
// listing them, says what adoptSpellings' list says (one distinct
// spelling: the list is filled with the first) of a value in NFC, as
// adoption passes them (the Kelvin sign, U+212A, is there "K").
func TestOneSpellingIsAdoptSpellings(t *testing.T) {
	for _, v := range []string{
		"", "Bob@example.com", "\u00e9mile", "e\u0301mile", "\u00d6d\u00f6n", "\u03c3", "\u0130stanbul",
		"\u0434\u043c\u0438\u0442\u0440\u0438\u0439", "\u65e5\u672c@\u4f8b\u3048.jp", "\u017f", "\u212a", "\u01c5",
		"\u00df", "\u1e9e", "\u0345", "\ufb01", "\uff41", "\u00aa", "\u0131", "a\u0300b", "\U0001d400",
	} {
		v = norm.NFC.String(v)
		sp := adoptSpellings(v)
		assert.Equal(t, sp[1] == sp[0], oneSpelling(v), "%+q: %+q", v, sp)
	}
}
