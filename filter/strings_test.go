package filter

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestStringRules holds a comparison's string to the rules it had when the
// parser had a JSON string reader of its own, before it read them with
// jsonscan's (each row is that parser's answer): invalid UTF-8, lone and
// broken surrogate pairs, escaped NULs, \u escapes without four hex
// digits, control characters written as they are, each alone, each with
// another problem after it or before it (the first is the one reported),
// in a filter and in a value filter. want is the filter as String writes
// it back, which shows the decoded value; or err the error and at its
// offset.
func TestStringRules(t *testing.T) {
	for _, tt := range []struct {
		in, want, err string
		at            int
	}{
		{"a eq \"abc", "", "unterminated string starting at offset 5", 5},
		{"a eq \"abc\\", "", "unterminated string starting at offset 5", 5},
		{"a eq \"\\", "", "unterminated string starting at offset 5", 5},
		{"a eq \"\\u", "", "invalid \\u escape in string at offset 6 (expected 4 hex digits after \\u)", 6},
		{"a eq \"\\u12", "", "invalid \\u escape in string at offset 6 (expected 4 hex digits after \\u)", 6},
		{"a eq \"\\u12\"", "", "invalid \\u escape in string at offset 6 (expected 4 hex digits after \\u)", 6},
		{"a eq \"\\u12G4\"", "", "invalid \\u escape in string at offset 6 (expected 4 hex digits after \\u)", 6},
		{"a eq \"\\uZZZZ\"", "", "invalid \\u escape in string at offset 6 (expected 4 hex digits after \\u)", 6},
		{"a eq \"\\u00g0\"", "", "invalid \\u escape in string at offset 6 (expected 4 hex digits after \\u)", 6},
		{"a eq \"x\\u004\"", "", "invalid \\u escape in string at offset 7 (expected 4 hex digits after \\u)", 7},
		{"a eq \"\\x\"", "", "invalid escape '\\x' in string at offset 6 (valid escapes are \\\" \\\\ \\/ \\b \\f \\n \\r \\t and \\uXXXX)", 6},
		{"a eq \"\\é\"", "", "invalid escape '\\é' in string at offset 6 (valid escapes are \\\" \\\\ \\/ \\b \\f \\n \\r \\t and \\uXXXX)", 6},
		{"a eq \"\\", "", "unterminated string starting at offset 5", 5},
		{"a eq \"\\u0000\"", "a eq \"\\u0000\"", "", 0},
		{"a eq \"a\\u0000b\"", "a eq \"a\\u0000b\"", "", 0},
		{"a eq \"\\u0000\\u0000\"", "a eq \"\\u0000\\u0000\"", "", 0},
		{"a eq \"\\\\u0000\"", "a eq \"\\\\u0000\"", "", 0},
		{"a eq \"\\ud800\"", "", "unpaired surrogate '\\ud800' in string at offset 6 (characters outside the Basic Multilingual Plane need a \\uD800-\\uDBFF escape followed by a \\uDC00-\\uDFFF escape)", 6},
		{"a eq \"ab\\uD800\"", "", "unpaired surrogate '\\uD800' in string at offset 8 (characters outside the Basic Multilingual Plane need a \\uD800-\\uDBFF escape followed by a \\uDC00-\\uDFFF escape)", 8},
		{"a eq \"\\uDC00\"", "", "unpaired surrogate '\\uDC00' in string at offset 6 (characters outside the Basic Multilingual Plane need a \\uD800-\\uDBFF escape followed by a \\uDC00-\\uDFFF escape)", 6},
		{"a eq \"\\uD800\\u0041\"", "", "unpaired surrogate '\\uD800' in string at offset 6 (characters outside the Basic Multilingual Plane need a \\uD800-\\uDBFF escape followed by a \\uDC00-\\uDFFF escape)", 6},
		{"a eq \"\\ud800\\ud800\"", "", "unpaired surrogate '\\ud800' in string at offset 6 (characters outside the Basic Multilingual Plane need a \\uD800-\\uDBFF escape followed by a \\uDC00-\\uDFFF escape)", 6},
		{"a eq \"\\ud83d\\ude00\"", "a eq \"😀\"", "", 0},
		{"a eq \"\\uD83D\\uDE00x\"", "a eq \"😀x\"", "", 0},
		{"a eq \"\\ud83d\\ude00\\ud83d\"", "", "unpaired surrogate '\\ud83d' in string at offset 18 (characters outside the Basic Multilingual Plane need a \\uD800-\\uDBFF escape followed by a \\uDC00-\\uDFFF escape)", 18},
		{"a eq \"\\ud800\\uZZZZ\"", "", "unpaired surrogate '\\ud800' in string at offset 6 (characters outside the Basic Multilingual Plane need a \\uD800-\\uDBFF escape followed by a \\uDC00-\\uDFFF escape)", 6},
		{"a eq \"\\ud800\\u12\"", "", "unpaired surrogate '\\ud800' in string at offset 6 (characters outside the Basic Multilingual Plane need a \\uD800-\\uDBFF escape followed by a \\uDC00-\\uDFFF escape)", 6},
		{"a eq \"\\ud800\\", "", "unpaired surrogate '\\ud800' in string at offset 6 (characters outside the Basic Multilingual Plane need a \\uD800-\\uDBFF escape followed by a \\uDC00-\\uDFFF escape)", 6},
		{"a eq \"\\\\ud800\"", "a eq \"\\\\ud800\"", "", 0},
		{"a eq \"\xff\"", "", "invalid UTF-8 in string at offset 6", 6},
		{"a eq \"é\xc3\"", "", "invalid UTF-8 in string at offset 8", 8},
		{"a eq \"\xc3\x01\"", "", "invalid UTF-8 in string at offset 6", 6},
		{"a eq \"\xe2\x82", "", "invalid UTF-8 in string at offset 6", 6},
		{"a eq \"\xed\xa0\x80\"", "", "invalid UTF-8 in string at offset 6", 6},
		{"a eq \"ok\xff\\u0000\"", "", "invalid UTF-8 in string at offset 8", 8},
		{"a eq \"\xff\\ud800\"", "", "invalid UTF-8 in string at offset 6", 6},
		{"a eq \"\\ud800\xff\"", "", "unpaired surrogate '\\ud800' in string at offset 6 (characters outside the Basic Multilingual Plane need a \\uD800-\\uDBFF escape followed by a \\uDC00-\\uDFFF escape)", 6},
		{"a eq \"\\ud800\t\"", "", "unpaired surrogate '\\ud800' in string at offset 6 (characters outside the Basic Multilingual Plane need a \\uD800-\\uDBFF escape followed by a \\uDC00-\\uDFFF escape)", 6},
		{"a eq \"\t\\ud800\"", "", "unescaped control character U+0009 in string at offset 6 (write it as \\u0009)", 6},
		{"a eq \"\xff\t\"", "", "invalid UTF-8 in string at offset 6", 6},
		{"a eq \"x\ty\"", "", "unescaped control character U+0009 in string at offset 7 (write it as \\u0009)", 7},
		{"a eq \"x\ny\"", "", "unescaped control character U+000A in string at offset 7 (write it as \\u000a)", 7},
		{"a eq \"\x00\"", "", "unescaped control character U+0000 in string at offset 6 (write it as \\u0000)", 6},
		{"a eq \"\x1f\"", "", "unescaped control character U+001F in string at offset 6 (write it as \\u001f)", 6},
		{"a eq \"\x7f\"", "a eq \"\x7f\"", "", 0},
		{"a eq \"\x01\xff\"", "", "unescaped control character U+0001 in string at offset 6 (write it as \\u0001)", 6},
		{"a eq \"é\\u00e9\\/\\b\\f\\n\\r\\t\\\"\\\\\"", "a eq \"éé/\\b\\f\\n\\r\\t\\\"\\\\\"", "", 0},
		{"emails[value eq \"a\\ud800\"]", "", "unpaired surrogate '\\ud800' in string at offset 18 (characters outside the Basic Multilingual Plane need a \\uD800-\\uDBFF escape followed by a \\uDC00-\\uDFFF escape)", 18},
		{"emails[value eq \"a\x01\"]", "", "unescaped control character U+0001 in string at offset 18 (write it as \\u0001)", 18},
		{"emails[value eq \"\\q\"]", "", "invalid escape '\\q' in string at offset 17 (valid escapes are \\\" \\\\ \\/ \\b \\f \\n \\r \\t and \\uXXXX)", 17},
	} {
		e, err := Parse(tt.in)
		if tt.err != "" {
			require.Error(t, err, "%q", tt.in)
			assert.Equal(t, tt.err, err.Error(), "%q", tt.in)
			var se *SyntaxError
			require.True(t, errors.As(err, &se), "%q", tt.in)
			assert.Equal(t, tt.at, se.Offset, "%q", tt.in)
			continue
		}
		require.NoError(t, err, "%q", tt.in)
		assert.Equal(t, tt.want, e.String(), "%q", tt.in)
	}
}

// TestStringValues holds the values the parser decodes to what JSON
// means: escapes, NULs and pairs decoded, a string without escapes
// taken as written.
func TestStringValues(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{`a eq ""`, ""},
		{`a eq "plain"`, "plain"},
		{`a eq "a\u0000b"`, "a\x00b"},
		{`a eq "\u0000\u0000"`, "\x00\x00"},
		{`a eq "\\u0000"`, `\u0000`},
		{`a eq "\ud83d\ude00!"`, "\U0001F600!"},
		{`a eq "\uD83D\uDE00"`, "\U0001F600"},
		{`a eq "é\u00e9\/\b\f\n\r\t\"\\"`, "éé/\b\f\n\r\t\"\\"},
		{"a eq \"\x7f\"", "\x7f"},
		{`a eq "x" and b eq "\u0079"`, "x"},
	} {
		e, err := Parse(tt.in)
		require.NoError(t, err, "%q", tt.in)
		for {
			if l, ok := e.(*Logical); ok {
				e = l.Left
				continue
			}
			break
		}
		c, ok := e.(*Compare)
		require.True(t, ok, "%q", tt.in)
		assert.Equal(t, tt.want, c.Value, "%q", tt.in)
	}
}
