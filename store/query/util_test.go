package query

import (
	"encoding/json"
	"math"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWindow(t *testing.T) {
	s := []int{1, 2, 3, 4, 5}
	for _, tc := range []struct {
		name         string
		start, count int
		want         []int
	}{
		{"all", 1, 10, []int{1, 2, 3, 4, 5}},
		{"exact", 1, 5, []int{1, 2, 3, 4, 5}},
		{"first two", 1, 2, []int{1, 2}},
		{"middle", 2, 3, []int{2, 3, 4}},
		{"tail cut", 4, 10, []int{4, 5}},
		{"last", 5, 1, []int{5}},
		{"start zero is one", 0, 2, []int{1, 2}},
		{"negative start is one", -3, 2, []int{1, 2}},
		{"past the end", 6, 1, nil},
		{"count zero", 1, 0, nil},
		{"negative count", 1, -1, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, Window(s, tc.start, tc.count))
		})
	}
	assert.Nil(t, Window([]int(nil), 1, 3))
}

type key int

func (k key) Compare(o key) int {
	switch {
	case k < o:
		return -1
	case k > o:
		return 1
	}
	return 0
}

type rec struct {
	name string
	k    key
	seq  uint64
}

func TestSortStable(t *testing.T) {
	in := []rec{{"c", 2, 1}, {"a", 1, 2}, {"d", 2, 3}, {"b", 1, 4}, {"e", 3, 5}}
	names := func(rs []rec) string {
		var b strings.Builder
		for _, r := range rs {
			b.WriteString(r.name)
		}
		return b.String()
	}
	for _, tc := range []struct {
		name string
		desc bool
		in   []rec
		want string
	}{
		{"ascending, ties by seq", false, in, "abcde"},
		{"descending, ties still by seq", true, in, "ecdab"},
		{"ties by seq whatever the input order", false, []rec{{"y", 1, 9}, {"x", 1, 3}}, "xy"},
		{"equal seq keeps input order", false, []rec{{"q", 1, 1}, {"p", 1, 1}}, "qp"},
		{"empty", false, nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := append([]rec(nil), tc.in...)
			calls := 0
			SortStable(s, tc.desc, func(r rec) (key, uint64) { calls++; return r.k, r.seq })
			assert.Equal(t, tc.want, names(s))
			assert.Equal(t, len(s), calls, "key once per element")
		})
	}
	// int64 sequence numbers work alike.
	s := []int64{3, 1, 2}
	SortStable(s, false, func(v int64) (key, int64) { return 0, v })
	assert.Equal(t, []int64{1, 2, 3}, s)
}

func TestWith(t *testing.T) {
	doc := map[string]any{"a": 1, "b": "x"}
	got := With(doc, "c", []any{"y"})
	assert.Equal(t, map[string]any{"a": 1, "b": "x", "c": []any{"y"}}, got)
	assert.Equal(t, map[string]any{"a": 1, "b": "x"}, doc, "doc unchanged")
	assert.Equal(t, map[string]any{"a": 2, "b": "x"}, With(doc, "a", 2), "replaces a key")
	assert.Equal(t, map[string]any{"k": true}, With(nil, "k", true))
}

func TestNewUUID(t *testing.T) {
	v7 := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	seen := make(map[string]bool)
	prev := ""
	for range 1000 {
		id := NewUUID()
		require.Regexp(t, v7, id)
		require.False(t, seen[id], "duplicate %s", id)
		seen[id] = true
		// The millisecond (the first 48 bits) never goes back.
		ms := strings.ReplaceAll(id[:13], "-", "")
		require.GreaterOrEqual(t, ms, prev, "made after %s", prev)
		prev = ms
	}
}

// TestUUIDAtSortsByCreation: a version 7 UUID made a millisecond or more
// after another sorts after it, carries its millisecond in its first 48
// bits, and two made in the same millisecond differ.
func TestUUIDAtSortsByCreation(t *testing.T) {
	base := time.Date(2026, 12, 2, 3, 4, 5, 6_000_000, time.UTC)
	for _, tc := range []struct {
		name          string
		before, after time.Time
		wantPrefix    string // the after id's first 48 bits, in hex
	}{
		{"the next millisecond", base, base.Add(time.Millisecond), "01a234b5948f"},
		{"a second later", base, base.Add(time.Second), "01a234b59876"},
		{"a year later", base, base.AddDate(1, 0, 0), "01a98c66c08e"},
		{"the Unix epoch, then a millisecond", time.UnixMilli(0), time.UnixMilli(1), "000000000001"},
		{"a carry into the 5th byte", time.UnixMilli(0xff), time.UnixMilli(0x100), "000000000100"},
		{"the last millisecond of 48 bits", time.UnixMilli(1<<48 - 2), time.UnixMilli(1<<48 - 1), "ffffffffffff"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, b := uuidAt(tc.before), uuidAt(tc.after)
			assert.Less(t, a, b)
			assert.Equal(t, tc.wantPrefix, strings.ReplaceAll(b[:13], "-", ""))
			assert.Equal(t, "7", b[14:15], "version 7")
			assert.Contains(t, "89ab", b[19:20], "variant 10")
			assert.NotEqual(t, b, uuidAt(tc.after), "two in the same millisecond differ")
		})
	}
}

func TestFormatVersion(t *testing.T) {
	for _, tc := range []struct {
		got, want string
	}{
		{FormatVersion(uint64(0)), `W/"0"`},
		{FormatVersion(uint64(1)), `W/"1"`},
		{FormatVersion(uint64(math.MaxUint64)), `W/"18446744073709551615"`},
		{FormatVersion(int64(42)), `W/"42"`},
		{FormatVersion(int64(math.MaxInt64)), `W/"9223372036854775807"`},
		{FormatVersion(int64(-1)), `W/"-1"`},
		{FormatVersion(1), `W/"1"`},
	} {
		assert.Equal(t, tc.want, tc.got)
	}
}

func TestParseVersion(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want uint64
		ok   bool
	}{
		{`W/"3"`, 3, true},
		{`w/"3"`, 3, true},
		{`"3"`, 3, true},
		{`3`, 3, true},
		{` W/"3" `, 3, true},
		{`W/"0"`, 0, true},
		{`W/"18446744073709551615"`, math.MaxUint64, true},
		{`W/"18446744073709551616"`, 0, false},
		{`W/3"`, 0, false},
		{`W/""`, 0, false},
		{``, 0, false},
		{`"`, 0, false},
		{`W/"03"`, 0, false},
		{`W/"+3"`, 0, false},
		{`W/"-3"`, 0, false},
		{`W/"-0"`, 0, false},
		{`W/" 3"`, 0, false},
		{`W/"x"`, 0, false},
		{`W/W/"3"`, 0, false},
	} {
		t.Run(tc.in, func(t *testing.T) {
			n, ok := ParseVersion(tc.in)
			assert.Equal(t, tc.ok, ok)
			assert.Equal(t, tc.want, n)
		})
	}
	n, ok := ParseVersion(FormatVersion(uint64(77)))
	assert.True(t, ok)
	assert.Equal(t, uint64(77), n)
}

// foldWords are strings whose folding is tricky: ſ and the Kelvin and
// Ångström signs fold with ASCII and Latin-1 letters, σ has three forms,
// ǅ is title case, İ and ı fold with nothing.
var foldWords = []string{"", "a", "A", "abc", "ABC", "aBc", "straße", "STRASSE", "STRAẞE", "ſ", "s", "S", "k", "K", "\u212A", "Å", "å", "\u212B", "σ", "ς", "Σ", "ǅ", "ǆ", "Ǆ", "ÿ", "Ÿ", "İ", "i", "ı", "I", "\xff", "\uFFFD", "Ω", "\u2126", "ω"}

func TestFoldAgreesWithEqualFold(t *testing.T) {
	for _, a := range foldWords {
		for _, b := range foldWords {
			assert.Equal(t, strings.EqualFold(a, b), Fold(a) == Fold(b), "%q vs %q", a, b)
		}
	}
}

// TestFoldOutput pins the keys: store/sqlstore persists them.
func TestFoldOutput(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"abc", "abc"},
		{"ABC", "abc"},
		{"aBc-09_Z", "abc-09_z"},
		{"straße", "straße"},
		{"STRASSE", "strasse"},
		{"STRAẞE", "straße"},
		{"ſ", "s"},
		{"S", "s"},
		{"\u212A", "k"},
		{"Å", "å"},
		{"\u212B", "å"},
		{"σ", "σ"},
		{"ς", "σ"},
		{"Σ", "σ"},
		{"ǅ", "ǆ"},
		{"Ǆ", "ǆ"},
		{"Ÿ", "ÿ"},
		{"İ", "İ"},
		{"ı", "ı"},
		{"I", "i"},
		{"\xff", "\uFFFD"},
		{"\u2126", "ω"},
		{"ᾈ", "ᾀ"},
		{"日本", "日本"},
		{"Ⅻ", "ⅻ"},
		{"Ⓐ", "ⓐ"},
	} {
		assert.Equal(t, tc.want, Fold(tc.in), "%q", tc.in)
	}
}

func TestFoldASCIIOrder(t *testing.T) {
	// Folded ASCII sorts as lower case, as Evaluator orders: "Z"
	// after "_" (as "z" is), though 'Z' < '_'.
	assert.Greater(t, Fold("Z"), Fold("_"))
	assert.Less(t, Fold("a"), Fold("B"))
}

func TestToText(t *testing.T) {
	for _, tc := range []struct {
		in   any
		want string
		ok   bool
	}{
		{"x", "x", true},
		{"", "", true},
		{true, "true", true},
		{false, "false", true},
		{int64(-7), "-7", true},
		{42, "42", true},
		{1.5, "1.5", true},
		{1e21, "1e+21", true},
		{math.NaN(), "NaN", true},
		{json.Number("1.50"), "1.50", true},
		{nil, "", false},
		{int32(1), "", false},
		{[]any{"x"}, "", false},
	} {
		got, ok := ToText(tc.in)
		assert.Equal(t, tc.ok, ok, "%#v", tc.in)
		assert.Equal(t, tc.want, got, "%#v", tc.in)
	}
}

func TestToBool(t *testing.T) {
	for _, tc := range []struct {
		in       any
		want, ok bool
	}{
		{true, true, true},
		{false, false, true},
		{"true", true, true},
		{"TRUE", true, true},
		{"False", false, true},
		{"yes", false, false},
		{"", false, false},
		{1, false, false},
		{nil, false, false},
	} {
		got, ok := ToBool(tc.in)
		assert.Equal(t, tc.ok, ok, "%#v", tc.in)
		assert.Equal(t, tc.want, got, "%#v", tc.in)
	}
}

func TestParseTime(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"2024-05-06T07:08:09Z", time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC), true},
		{"2024-05-06T07:08:09.123456789Z", time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.UTC), true},
		{"2024-05-06T09:08:09+02:00", time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC), true},
		{"2024-05-06T07:08:09", time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC), true},
		{"2024-05-06T07:08:09.5", time.Date(2024, 5, 6, 7, 8, 9, 5e8, time.UTC), true},
		{"2024-05-06", time.Time{}, false},
		{"", time.Time{}, false},
		{"yesterday", time.Time{}, false},
	} {
		got, ok := ParseTime(tc.in)
		require.Equal(t, tc.ok, ok, tc.in)
		assert.True(t, tc.want.Equal(got), "%s: got %s", tc.in, got)
	}
}
