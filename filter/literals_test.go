package filter

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestParsePathLiterals: the quoted string values of a path's value filter
// come with the offsets of their text, quotes and escapes included, so
// that a caller can replace one and leave the rest of the path as sent.
func TestParsePathLiterals(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string // s[Start:End] of each literal
		vals []string // its Value
	}{
		{`members`, nil, nil},
		{`members[value pr]`, nil, nil},
		{`members[value eq bare]`, nil, nil},
		{` members[value eq "a"] `, []string{`"a"`}, []string{"a"}},
		{`members[value eq "a\"b" or display eq "c\u0041"].value`, []string{`"a\"b"`, `"c\u0041"`}, []string{`a"b`, "cA"}},
		{`members[value eq bulkId:v and value eq "bulkId:u"]`, []string{`"bulkId:u"`}, []string{"bulkId:u"}},
		{`members[value eq "x\"bulkId:w" or not (value eq 1) or value eq "é"]`, []string{`"x\"bulkId:w"`, `"é"`}, []string{`x"bulkId:w`, "é"}},
	} {
		t.Run(tc.in, func(t *testing.T) {
			p, lits, err := Parser{}.ParsePathLiterals(tc.in)
			require.NoError(t, err)
			want, err := ParsePath(tc.in)
			require.NoError(t, err)
			assert.Equal(t, want, p, "the path ParsePath gives")
			var got, vals []string
			for _, l := range lits {
				got = append(got, tc.in[l.Start:l.End])
				vals = append(vals, l.Value)
			}
			assert.Equal(t, tc.want, got)
			assert.Equal(t, tc.vals, vals)
		})
	}
	for _, in := range []string{`members[value eq "a"`, `members[value eq "a" and]`} {
		_, lits, err := Parser{}.ParsePathLiterals(in)
		assert.Error(t, err, in)
		assert.Nil(t, lits, in)
	}
}

// TestQuote: Quote writes a string as String writes a string value, and
// the parser reads it back.
func TestQuote(t *testing.T) {
	for _, s := range []string{"", "a", `a"b\c`, "tab\tnl\n\x01", "é", "bulkId:u"} {
		q := Quote(s)
		e, err := Parse("a eq " + q)
		require.NoError(t, err, q)
		assert.Equal(t, s, e.(*Compare).Value, q)
		assert.Equal(t, "a eq "+q, e.String())
	}
}
