package filter

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// unquotedCase is a filter with at least one unquoted string value: it
// parses to want without Parser.Strict and, with it, fails at offset at
// (the first unquoted value) naming the value as it should be written.
type unquotedCase struct {
	in     string
	want   Expr
	at     int
	quoted string // the first unquoted value as a JSON string
}

var unquotedFilters = []unquotedCase{
	// What Microsoft's SCIM validator sends.
	{`name.familyName eq Employee and (emails.value co example.com or emails.value co example.org)`,
		and(ucmp(aps("name", "familyName"), Eq, "Employee"),
			or(ucmp(aps("emails", "value"), Co, "example.com"), ucmp(aps("emails", "value"), Co, "example.org"))),
		19, `"Employee"`},
	{`userName sw O`, ucmp(ap("userName"), Sw, "O"), 12, `"O"`},
	{`meta.created gt 2015-10-10T14:38:21.8617979-07:00`,
		ucmp(aps("meta", "created"), Gt, "2015-10-10T14:38:21.8617979-07:00"), 16, `"2015-10-10T14:38:21.8617979-07:00"`},

	// A bare word ends at whitespace, ')' and ']'.
	{`(a eq x)`, ueq("a", "x"), 6, `"x"`},
	{`emails[type eq work]`, vp(ap("emails"), ueq("type", "work")), 15, `"work"`},
	{`emails[type eq work].value eq a@b.c`, vp(ap("emails"), and(ueq("type", "work"), ueq("value", "a@b.c"))), 15, `"work"`},
	{"a eq x\tand b eq y\n", and(ueq("a", "x"), ueq("b", "y")), 5, `"x"`},
	{`a eq x and b eq "y"`, and(ueq("a", "x"), eq("b", "y")), 5, `"x"`},
	{`a eq "x" or b eq y`, or(eq("a", "x"), ueq("b", "y")), 17, `"y"`},
	{`not (a eq x)`, not(ueq("a", "x")), 10, `"x"`},

	// What a bare word may hold: punctuation, other scripts, no escapes.
	{`a eq alice@example.com`, ueq("a", "alice@example.com"), 5, `"alice@example.com"`},
	{`a eq https://x.example/Users/1?a=b&c=d%20e`, ueq("a", "https://x.example/Users/1?a=b&c=d%20e"), 5, `"https://x.example/Users/1?a=b&c=d%20e"`},
	{`a eq +1-555-0100`, ueq("a", "+1-555-0100"), 5, `"+1-555-0100"`},
	{`a eq O'Malley`, ueq("a", "O'Malley"), 5, `"O'Malley"`},
	{`a eq CONTOSO\jdoe`, ueq("a", `CONTOSO\jdoe`), 5, `"CONTOSO\\jdoe"`},
	{`a eq a_b$c*{},;!`, ueq("a", "a_b$c*{},;!"), 5, `"a_b$c*{},;!"`},
	{`a eq José`, ueq("a", "José"), 5, `"José"`},
	{`a eq 日本語`, ueq("a", "日本語"), 5, `"日本語"`},
	{`a eq 😀`, ueq("a", "😀"), 5, `"😀"`},

	// Words that start like a number but are none are strings.
	{`a eq 12abc`, ueq("a", "12abc"), 5, `"12abc"`},
	{`a eq 1.2.3`, ueq("a", "1.2.3"), 5, `"1.2.3"`},
	{`a eq 0x1F`, ueq("a", "0x1F"), 5, `"0x1F"`},
	{`a eq 01`, ueq("a", "01"), 5, `"01"`},
	{`a eq 1.`, ueq("a", "1."), 5, `"1."`},
	{`a eq 1.e5`, ueq("a", "1.e5"), 5, `"1.e5"`},
	{`a eq 1e`, ueq("a", "1e"), 5, `"1e"`},
	{`a eq 1e+`, ueq("a", "1e+"), 5, `"1e+"`},
	{`a eq 1.5.5`, ueq("a", "1.5.5"), 5, `"1.5.5"`},
	{`a eq .5`, ueq("a", ".5"), 5, `".5"`},
	{`a eq +1`, ueq("a", "+1"), 5, `"+1"`},
	{`a eq -x`, ueq("a", "-x"), 5, `"-x"`},
	{`a eq -`, ueq("a", "-"), 5, `"-"`},
	{`members[value eq 2819c223-7f76-453a-919d-413861904646]`,
		vp(ap("members"), ueq("value", "2819c223-7f76-453a-919d-413861904646")), 17, `"2819c223-7f76-453a-919d-413861904646"`},

	// Words that merely start like true, false or null are strings, and
	// so are keywords: the word after an operator is always its value.
	{`x eq nullish`, ueq("x", "nullish"), 5, `"nullish"`},
	{`a eq truex`, ueq("a", "truex"), 5, `"truex"`},
	{`a eq true.x`, ueq("a", "true.x"), 5, `"true.x"`},
	{`a eq bjensen`, ueq("a", "bjensen"), 5, `"bjensen"`},
	{`a eq and`, ueq("a", "and"), 5, `"and"`},
	{`a eq pr`, ueq("a", "pr"), 5, `"pr"`},
	{`a eq not`, ueq("a", "not"), 5, `"not"`},
}

func TestUnquoted(t *testing.T) {
	strict := Parser{Strict: true}
	for _, tc := range unquotedFilters {
		t.Run(tc.in, func(t *testing.T) {
			got, err := Parse(tc.in)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
			require.NotEmpty(t, UnquotedValues(got))
			assert.Equal(t, tc.quoted, (&state{s: tc.in}).quoteJSON(UnquotedValues(got)[0].Value.(string)))

			// String renders the values quoted; re-parsing gives the
			// same tree with the flag cleared.
			s := got.String()
			again, err := strict.Parse(s)
			require.NoError(t, err, "String() = %s", s)
			assert.Equal(t, quoted(tc.want), again, "String() = %s", s)
			assert.Nil(t, UnquotedValues(again))

			e, err := strict.Parse(tc.in)
			require.Error(t, err, "strict mode parsed it as %v", e)
			assert.Nil(t, e)
			var se *SyntaxError
			require.ErrorAs(t, err, &se)
			assert.Equal(t, tc.at, se.Offset, err.Error())
			assert.Equal(t, "string values must be quoted: "+tc.quoted, se.Msg)
			assert.Contains(t, err.Error(), " (strict mode)")
		})
	}
}

// Values that are not bare strings parse alike with and without Strict,
// and are not marked Unquoted.
func TestUnquotedNotApplicable(t *testing.T) {
	for _, tc := range []validCase{
		{`userName eq "x"`, eq("userName", "x")},
		{`userName eq "Employee and (x)"`, eq("userName", "Employee and (x)")},
		{`active eq True`, eq("active", true)},
		{`active eq FALSE`, eq("active", false)},
		{`x eq Null`, eq("x", nil)},
		{`x eq -5`, eq("x", int64(-5))},
		{`x eq -0.5e-3`, eq("x", -0.5e-3)},
		{`(x eq 5)`, eq("x", int64(5))},
		{`emails[primary eq true]`, vp(ap("emails"), eq("primary", true))},
		{`x eq 12345`, eq("x", int64(12345))},
	} {
		t.Run(tc.in, func(t *testing.T) {
			for _, p := range []Parser{{}, {Strict: true}} {
				got, err := p.Parse(tc.in)
				require.NoError(t, err, "strict %v", p.Strict)
				assert.Equal(t, tc.want, got, "strict %v", p.Strict)
				assert.Nil(t, UnquotedValues(got))
			}
		})
	}
}

// Inputs that stay errors with the leniency.
func TestUnquotedInvalid(t *testing.T) {
	for _, tc := range []invalidCase{
		{`x eq`, "expected a value after 'eq' at offset 4, found end of filter", 4},
		{`x eq )`, "expected a value after 'eq' at offset 5, found ')'", 5},
		{`x eq ]`, "expected a value after 'eq' at offset 5, found ']'", 5},
		{`x eq (a)`, "expected a value after 'eq' at offset 5, found '('", 5},
		{`x eq [a]`, "expected a value after 'eq' at offset 5, found '['", 5},
		{`x eq 'a'`, "strings need double quotes, not single quotes at offset 5", 5},
		{`x eq a)`, "unexpected ')' at offset 6 with no matching '('", 6},
		{`x eq a]`, "unexpected ']' at offset 6 with no matching '['", 6},
		{`x eq a(b)`, "unexpected '(' at offset 6, expected 'and', 'or' or end of filter", 6},
		{`x eq a"b"`, `unexpected '"b"' at offset 6`, 6},
		{`x eq a b`, "unexpected 'b' at offset 7", 7},
		{`x eq Employee Smith`, "unexpected 'Smith' at offset 14", 14},
		{`a eq and b pr`, "unexpected 'b' at offset 9", 9},
		{"x eq a\x00", "unexpected U+0000 at offset 6", 6},
		{"x eq a\u00a0b", "unexpected U+00A0 at offset 6", 6},
		{"x eq \u00a0b", "expected a value after 'eq' at offset 5, found U+00A0", 5},
		{"x eq ab\xff", "invalid UTF-8 in unquoted value 'ab' at offset 7", 7},
		{"x eq \xffb", "expected a value after 'eq' at offset 5, found byte 0xff", 5},
		{`x eq 1e999`, "number '1e999' is out of range at offset 5", 5},
		{`x gt true`, "'gt' cannot be used with true at offset 5", 5},
		{`title pr foo`, "unexpected 'foo' at offset 9", 9},
		{`emails[type eq work`, "expected ']' to close '[' at offset 6, found end of filter", 6},
		{`(a eq x`, "expected ')' to close '(' at offset 0, found end of filter", 0},
	} {
		t.Run(tc.in, func(t *testing.T) {
			e, err := Parse(tc.in)
			require.Error(t, err, "parsed as %v", e)
			assert.Nil(t, e)
			var se *SyntaxError
			require.ErrorAs(t, err, &se)
			assert.Contains(t, err.Error(), tc.msg)
			assert.Equal(t, tc.offset, se.Offset, err.Error())

			_, err = Parser{Strict: true}.Parse(tc.in)
			assert.Error(t, err, "strict mode accepts it")
		})
	}
}

func TestUnquotedStrictMessages(t *testing.T) {
	strict := Parser{Strict: true}
	for _, tc := range []struct{ in, want string }{
		{`name.familyName eq Employee`, `string values must be quoted: "Employee" at offset 19 (strict mode)`},
		{`a eq 12abc`, `string values must be quoted: "12abc" at offset 5 (strict mode)`},
		{`a eq C:\x`, `string values must be quoted: "C:\\x" at offset 5 (strict mode)`},
		{`a eq ` + strings.Repeat("é", 30), `string values must be quoted: "` + strings.Repeat("é", 30) + `" at offset 5 (strict mode)`},
		{`a eq ` + strings.Repeat("é", 100), `string values must be quoted: "` + strings.Repeat("é", 64) + `"… (200 bytes) at offset 5 (strict mode)`},
	} {
		t.Run(tc.in, func(t *testing.T) {
			_, err := strict.Parse(tc.in)
			assert.EqualError(t, err, tc.want)
		})
	}
}

func TestUnquotedPath(t *testing.T) {
	const in = `members[value eq 2819c223-7f76].display`
	want := Path{AttrPath: aps("members", "display"), Filter: ueq("value", "2819c223-7f76")}
	got, err := ParsePath(in)
	require.NoError(t, err)
	assert.Equal(t, want, got)
	assert.Len(t, UnquotedValues(got.Filter), 1)

	again, err := ParsePath(got.String())
	require.NoError(t, err)
	assert.Equal(t, quotedPath(want), again)
	assert.Equal(t, `members[value eq "2819c223-7f76"].display`, got.String())

	_, err = Parser{Strict: true}.ParsePath(in)
	assert.EqualError(t, err, `string values must be quoted: "2819c223-7f76" at offset 17 (strict mode)`)
}

func TestUnquotedValues(t *testing.T) {
	e, err := Parse(`a eq x or emails[type eq "work" and value co y] or not (b eq 1 and c eq z)`)
	require.NoError(t, err)
	var vals []any
	for _, c := range UnquotedValues(e) {
		vals = append(vals, c.Value)
	}
	assert.Equal(t, []any{"x", "y", "z"}, vals)

	e, err = Parse(`a eq "x" and b pr`)
	require.NoError(t, err)
	assert.Nil(t, UnquotedValues(e))
	assert.Nil(t, UnquotedValues(nil))
}
