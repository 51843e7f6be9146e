package filter

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	userURN = UserSchema
	entURN  = EnterpriseUserSchema
)

type validCase struct {
	in   string
	want Expr
}

var validFilters = []validCase{
	// RFC 7644 §3.4.2.2 examples.
	{`userName eq "bjensen"`, eq("userName", "bjensen")},
	{`name.familyName co "O'Malley"`, cmp(aps("name", "familyName"), Co, "O'Malley")},
	{`userName sw "J"`, cmp(ap("userName"), Sw, "J")},
	{`urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J"`, cmp(apu(userURN, "userName", ""), Sw, "J")},
	{`title pr`, pr(ap("title"))},
	{`meta.lastModified gt "2011-05-13T04:42:34Z"`, cmp(aps("meta", "lastModified"), Gt, "2011-05-13T04:42:34Z")},
	{`meta.lastModified ge "2011-05-13T04:42:34Z"`, cmp(aps("meta", "lastModified"), Ge, "2011-05-13T04:42:34Z")},
	{`meta.lastModified lt "2011-05-13T04:42:34Z"`, cmp(aps("meta", "lastModified"), Lt, "2011-05-13T04:42:34Z")},
	{`meta.lastModified le "2011-05-13T04:42:34Z"`, cmp(aps("meta", "lastModified"), Le, "2011-05-13T04:42:34Z")},
	{`title pr and userType eq "Employee"`, and(pr(ap("title")), eq("userType", "Employee"))},
	{`title pr or userType eq "Intern"`, or(pr(ap("title")), eq("userType", "Intern"))},
	{`schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"`, eq("schemas", entURN)},
	{`userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")`,
		and(eq("userType", "Employee"), or(cmp(ap("emails"), Co, "example.com"), cmp(aps("emails", "value"), Co, "example.org")))},
	{`userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")`,
		and(cmp(ap("userType"), Ne, "Employee"), not(or(cmp(ap("emails"), Co, "example.com"), cmp(aps("emails", "value"), Co, "example.org"))))},
	{`userType eq "Employee" and (emails.type eq "work")`, and(eq("userType", "Employee"), cmp(aps("emails", "type"), Eq, "work"))},
	{`userType eq "Employee" and emails[type eq "work" and value co "@example.com"]`,
		and(eq("userType", "Employee"), vp(ap("emails"), and(eq("type", "work"), cmp(ap("value"), Co, "@example.com"))))},
	{`emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]`,
		or(vp(ap("emails"), and(eq("type", "work"), cmp(ap("value"), Co, "@example.com"))),
			vp(ap("ims"), and(eq("type", "xmpp"), cmp(ap("value"), Co, "@foo.com"))))},

	// Every comparison operator.
	{`a ne 1`, cmp(ap("a"), Ne, int64(1))},
	{`a co "x"`, cmp(ap("a"), Co, "x")},
	{`a ew "x"`, cmp(ap("a"), Ew, "x")},
	{`a gt 1`, cmp(ap("a"), Gt, int64(1))},
	{`a lt 1.5`, cmp(ap("a"), Lt, 1.5)},

	// Lookups that provisioning clients send.
	{`externalId eq "00u1abcd"`, eq("externalId", "00u1abcd")},
	{`displayName eq "Sales Team"`, eq("displayName", "Sales Team")},
	{`userName eq "alice@example.com"`, eq("userName", "alice@example.com")},
	{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "7"`, cmp(apu(entURN, "employeeNumber", ""), Eq, "7")},
	{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "26118915-6090"`, cmp(apu(entURN, "manager", "value"), Eq, "26118915-6090")},
	{`members[value eq "2819c223"]`, vp(ap("members"), eq("value", "2819c223"))},

	// Entra ID's filter on a sub-attribute of a value path.
	{`emails[type eq "work"].value eq "x"`, vp(ap("emails"), and(eq("type", "work"), eq("value", "x")))},
	{`emails[type eq "work"].value pr`, vp(ap("emails"), and(eq("type", "work"), pr(ap("value"))))},
	{`emails[type eq "work"].value co "@x"`, vp(ap("emails"), and(eq("type", "work"), cmp(ap("value"), Co, "@x")))},
	{`emails[type eq "work" or primary eq true].value eq "x"`,
		vp(ap("emails"), and(or(eq("type", "work"), eq("primary", true)), eq("value", "x")))},
	{`emails[type eq "work"].value eq "x" and active eq true`,
		and(vp(ap("emails"), and(eq("type", "work"), eq("value", "x"))), eq("active", true))},
	{`urn:ietf:params:scim:schemas:core:2.0:User:emails[type eq "work"].value eq "x"`,
		vp(apu(userURN, "emails", ""), and(eq("type", "work"), eq("value", "x")))},

	// Case-insensitive keywords; names keep their spelling.
	{`userName EQ "x"`, eq("userName", "x")},
	{`UserName Eq "x"`, eq("UserName", "x")},
	{`a pr AND b pr`, and(pr(ap("a")), pr(ap("b")))},
	{`a pr Or b pr`, or(pr(ap("a")), pr(ap("b")))},
	{`NOT (a pr)`, not(pr(ap("a")))},
	{`a PR`, pr(ap("a"))},
	{`a eq TRUE`, eq("a", true)},
	{`a eq False`, eq("a", false)},
	{`a eq NULL`, eq("a", nil)},
	{`a eq null`, eq("a", nil)},

	// Grouping and precedence: not > and > or, left-associative.
	{`not(a pr)`, not(pr(ap("a")))},
	{`a pr or b pr and c pr`, or(pr(ap("a")), and(pr(ap("b")), pr(ap("c"))))},
	{`a pr and b pr or c pr`, or(and(pr(ap("a")), pr(ap("b"))), pr(ap("c")))},
	{`a pr or b pr or c pr`, or(or(pr(ap("a")), pr(ap("b"))), pr(ap("c")))},
	{`a pr and b pr and c pr`, and(and(pr(ap("a")), pr(ap("b"))), pr(ap("c")))},
	{`(a pr or b pr) and c pr`, and(or(pr(ap("a")), pr(ap("b"))), pr(ap("c")))},
	{`a pr and (b pr or c pr)`, and(pr(ap("a")), or(pr(ap("b")), pr(ap("c"))))},
	{`a pr and (b pr and c pr)`, and(pr(ap("a")), and(pr(ap("b")), pr(ap("c"))))},
	{`a pr or (b pr or c pr)`, or(pr(ap("a")), or(pr(ap("b")), pr(ap("c"))))},
	{`not (a pr) and b pr`, and(not(pr(ap("a"))), pr(ap("b")))},
	{`not (not (a pr))`, not(not(pr(ap("a"))))},
	{`((a pr))`, pr(ap("a"))},
	{`a pr and(b pr)`, and(pr(ap("a")), pr(ap("b")))},
	{`(a pr)or(b pr)`, or(pr(ap("a")), pr(ap("b")))},
	{`a eq "x"and b pr`, and(eq("a", "x"), pr(ap("b")))},

	// Whitespace.
	{`  userName   eq   "x"  `, eq("userName", "x")},
	{"userName\teq\t\"x\"\n", eq("userName", "x")},
	{`emails [ type eq "work" ]`, vp(ap("emails"), eq("type", "work"))},
	{`( a pr )`, pr(ap("a"))},
	{`not   ( a pr )`, not(pr(ap("a")))},
	{`emails[ not ( type eq "work" ) ]`, vp(ap("emails"), not(eq("type", "work")))},

	// Numbers.
	{`a eq 42`, eq("a", int64(42))},
	{`a eq -7`, eq("a", int64(-7))},
	{`a eq 0`, eq("a", int64(0))},
	{`a eq -0`, eq("a", int64(0))},
	{`a eq 1.5`, eq("a", 1.5)},
	{`a eq 1.0`, eq("a", 1.0)},
	{`a eq 1e3`, eq("a", 1000.0)},
	{`a eq 2E-2`, eq("a", 0.02)},
	{`a eq -1.5e+10`, eq("a", -1.5e10)},
	{`a eq 0.5`, eq("a", 0.5)},
	{`a eq 9223372036854775807`, eq("a", int64(9223372036854775807))},
	{`a eq -9223372036854775808`, eq("a", int64(-9223372036854775808))},
	{`a eq 9223372036854775808`, eq("a", 9223372036854775808.0)},
	{`a eq 12345678901234567890`, eq("a", 12345678901234567890.0)},
	{`a eq 1e-400`, eq("a", 0.0)},

	// Strings.
	{`a eq ""`, eq("a", "")},
	{`a eq "a\"b"`, eq("a", `a"b`)},
	{`a eq "\\"`, eq("a", `\`)},
	{`a eq "\/"`, eq("a", "/")},
	{`a eq "\b\f\n\r\t"`, eq("a", "\b\f\n\r\t")},
	{`a eq "\u00e9"`, eq("a", "é")},
	{`a eq "\u00E9"`, eq("a", "é")},
	{`a eq "\uD83D\uDE00"`, eq("a", "😀")},
	{`a eq "\ud83d\ude00 ok"`, eq("a", "😀 ok")},
	{`a eq "José 日本 😀"`, eq("a", "José 日本 😀")},
	{`a eq "x\u0000y"`, eq("a", "x\x00y")},
	{`a eq "and or not ) ] ["`, eq("a", "and or not ) ] [")},
	{`a eq "\u00e9" and b eq "plain"`, and(eq("a", "é"), eq("b", "plain"))},

	// Value filters with nested logic.
	{`emails[not (type eq "work")]`, vp(ap("emails"), not(eq("type", "work")))},
	{`emails[type eq "work" and (value co "a" or value co "b")]`,
		vp(ap("emails"), and(eq("type", "work"), or(cmp(ap("value"), Co, "a"), cmp(ap("value"), Co, "b"))))},
	{`emails[not(primary eq true) and type eq "home"]`, vp(ap("emails"), and(not(eq("primary", true)), eq("type", "home")))},
	{`emails[type eq "work" and value co "x" and primary eq true]`,
		vp(ap("emails"), and(and(eq("type", "work"), cmp(ap("value"), Co, "x")), eq("primary", true)))},
	{`emails[type eq "work" or type eq "home" and primary eq true]`,
		vp(ap("emails"), or(eq("type", "work"), and(eq("type", "home"), eq("primary", true))))},
	{`addresses[type eq "work"] and emails[type eq "home"]`,
		and(vp(ap("addresses"), eq("type", "work")), vp(ap("emails"), eq("type", "home")))},
	{`not (emails[type eq "work"])`, not(vp(ap("emails"), eq("type", "work")))},
	{`emails[value pr]`, vp(ap("emails"), pr(ap("value")))},
	{`emails[display.x eq 1]`, vp(ap("emails"), cmp(aps("display", "x"), Eq, int64(1)))},

	// Names.
	{`members.$ref eq "https://x/Users/1"`, cmp(aps("members", "$ref"), Eq, "https://x/Users/1")},
	{`members[$ref eq "https://x"]`, vp(ap("members"), eq("$ref", "https://x"))},
	{`$ref pr`, pr(ap("$ref"))},
	{`a-b_c9 pr`, pr(ap("a-b_c9"))},
	{`not eq 1`, eq("not", int64(1))},
	{`not pr`, pr(ap("not"))},
	{`not[a pr]`, vp(ap("not"), pr(ap("a")))},
	{`and pr and or pr`, and(pr(ap("and")), pr(ap("or")))},
	{`pr pr`, pr(ap("pr"))},
	{`eq eq "eq"`, eq("eq", "eq")},

	// Schema URNs.
	{`URN:IETF:params:scim:schemas:extension:enterprise:2.0:user:manager.value pr`, pr(apu(entURN, "manager", "value"))},
	{`urn:ietf:params:scim:schemas:core:2.0:Group:displayName eq "x"`, cmp(apu(GroupSchema, "displayName", ""), Eq, "x")},
	{`urn:example:custom:1.0:Thing:color eq "red"`, cmp(apu("urn:example:custom:1.0:Thing", "color", ""), Eq, "red")},
	{`urn:example:custom:Thing:name.first pr`, pr(apu("urn:example:custom:Thing", "name", "first"))},
	{`urn:a:b eq 1`, cmp(apu("urn:a", "b", ""), Eq, int64(1))},
	// A bare schema URN is no attribute in a filter: the last segment is
	// taken as the attribute name, as for any unknown URN.
	{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User pr`,
		pr(apu("urn:ietf:params:scim:schemas:extension:enterprise:2.0", "User", ""))},
}

func TestParseValid(t *testing.T) {
	for _, tc := range validFilters {
		t.Run(tc.in, func(t *testing.T) {
			got, err := Parse(tc.in)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestStringRoundTrip(t *testing.T) {
	for _, tc := range validFilters {
		t.Run(tc.in, func(t *testing.T) {
			got, err := Parse(tc.in)
			require.NoError(t, err)
			s := got.String()
			again, err := Parse(s)
			require.NoError(t, err, "String() = %s", s)
			assert.Equal(t, got, again, "String() = %s", s)
		})
	}
}

func TestString(t *testing.T) {
	for _, tc := range []struct {
		e    Expr
		want string
	}{
		{eq("a", `q"b\s`), `a eq "q\"b\\s"`},
		{eq("a", "é 😀 \u2028"), "a eq \"é 😀 \u2028\""},
		{eq("a", "\x00\x1f\n\t\r\b\f"), `a eq "\u0000\u001f\n\t\r\b\f"`},
		{eq("a", "bad\xffutf8"), `a eq "bad\ufffdutf8"`},
		{eq("a", "<&>"), `a eq "<&>"`},
		{eq("a", 1.0), `a eq 1.0`},
		{eq("a", -0.5), `a eq -0.5`},
		{eq("a", 1e21), `a eq 1e+21`},
		{eq("a", int64(-3)), `a eq -3`},
		{eq("a", 7), `a eq 7`},
		{eq("a", nil), `a eq null`},
		{eq("a", false), `a eq false`},
		{and(and(pr(ap("a")), pr(ap("b"))), pr(ap("c"))), `a pr and b pr and c pr`},
		{and(pr(ap("a")), and(pr(ap("b")), pr(ap("c")))), `a pr and (b pr and c pr)`},
		{or(and(pr(ap("a")), pr(ap("b"))), and(pr(ap("c")), pr(ap("d")))), `a pr and b pr or c pr and d pr`},
		{and(or(pr(ap("a")), pr(ap("b"))), or(pr(ap("c")), pr(ap("d")))), `(a pr or b pr) and (c pr or d pr)`},
		{or(pr(ap("a")), or(pr(ap("b")), pr(ap("c")))), `a pr or (b pr or c pr)`},
		{not(and(pr(ap("a")), pr(ap("b")))), `not (a pr and b pr)`},
		{vp(apu(entURN, "x", ""), or(pr(ap("a")), pr(ap("b")))), entURN + `:x[a pr or b pr]`},
	} {
		assert.Equal(t, tc.want, tc.e.String())
	}
}

// A long chain of one operator renders flat, so it stays within MaxDepth
// when parsed again.
func TestStringLongChain(t *testing.T) {
	in := strings.TrimSuffix(strings.Repeat("a pr and ", 200), " and ")
	e, err := Parse(in)
	require.NoError(t, err)
	assert.Equal(t, in, e.String())
}

type invalidCase struct {
	in     string
	msg    string // substring of err.Error()
	offset int
}

var invalidFilters = []invalidCase{
	{``, "filter is empty", 0},
	{"  \t ", "filter is empty", 0},
	{`userName`, "expected an operator after 'userName' at offset 8, found end of filter", 8},
	{`userName eq`, "expected a value after 'eq' at offset 11", 11},
	{`userName eq `, "expected a value after 'eq' at offset 12", 12},
	{`(a eq)`, "expected a value after 'eq' at offset 5, found ')'", 5},
	{`emails[a eq]`, "expected a value after 'eq' at offset 11, found ']'", 11},
	{`userName xyz "x"`, "unknown operator 'xyz' at offset 9", 9},
	{`userName equals "x"`, "unknown operator 'equals'", 9},
	{`userName = "x"`, "expected an operator after 'userName' at offset 9, found '='", 9},
	{`title pr "x"`, "'pr' takes no value at offset 9", 9},
	{`title pr true`, "'pr' takes no value", 9},
	{`title pr 5`, "'pr' takes no value", 9},
	{`a pr b`, "unexpected 'b' at offset 5, expected 'and', 'or' or end of filter", 5},
	{`userName eq "x" xyz`, "unexpected 'xyz' at offset 16", 16},
	{`a eq 1 2`, "unexpected '2' at offset 7", 7},
	{`a pr)`, "unexpected ')' at offset 4 with no matching '('", 4},
	{`a pr]`, "unexpected ']' at offset 4 with no matching '['", 4},
	{`(a pr`, "expected ')' to close '(' at offset 0, found end of filter", 0},
	{`((a pr)`, "expected ')' to close '(' at offset 0", 0},
	{`(a pr b pr)`, "expected ')' to close '(' at offset 0, found 'b' at offset 6", 0},
	{`emails[type eq "work"`, "expected ']' to close '[' at offset 6, found end of filter", 6},
	{`emails[type eq "work")`, "expected ']' to close '[' at offset 6, found ')' at offset 21", 6},
	{`(emails[type eq "work")]`, "expected ']' to close '[' at offset 7", 7},
	{`a[b[c eq 1]]`, "value paths cannot be nested at offset 3 (this '[' is inside the value filter opened at offset 1)", 3},
	{`emails[a pr and b[c pr]]`, "value paths cannot be nested at offset 17", 17},
	{`emails[type eq "work"].value`, `expected an operator after 'emails[type eq "work"].value' at offset 28`, 28},
	{`emails[type eq "work"].value[x eq 1] eq 1`, "expected an operator after", 28},
	{`emails[type eq "work"].`, "expected a sub-attribute name after '.' at offset 23", 23},
	{`emails[type eq "work"].value.x eq 1`, "expected an operator after", 28},
	{`a gt true`, "'gt' cannot be used with true at offset 5", 5},
	{`a ge false`, "'ge' cannot be used with false", 5},
	{`a lt null`, "'lt' cannot be used with null", 5},
	{`a LE TRUE`, "'LE' cannot be used with true", 5},
	{`a eq "abc`, "unterminated string starting at offset 5", 5},
	{`a eq "abc\`, "unterminated string starting at offset 5", 5},
	{`a eq "é`, "unterminated string starting at offset 5", 5},
	{`a eq "\x"`, `invalid escape '\x' in string at offset 6`, 6},
	{`a eq "\é"`, `invalid escape '\é' in string`, 6},
	{`a eq "\u12"`, `invalid \u escape in string at offset 6`, 6},
	{`a eq "\u12G4"`, `invalid \u escape`, 6},
	{`a eq "ab\uD800"`, `unpaired surrogate '\uD800' in string at offset 8`, 8},
	{`a eq "\uDC00"`, "unpaired surrogate", 6},
	{`a eq "\uD800\u0041"`, "unpaired surrogate", 6},
	{"a eq \"x\ty\"", "unescaped control character U+0009 in string at offset 7 (write it as \\u0009)", 7},
	{"a eq \"x\ny\"", "unescaped control character U+000A", 7},
	{"a eq \"\xff\"", "invalid UTF-8 in string at offset 6", 6},
	{"a eq \"é\xc3\"", "invalid UTF-8 in string at offset 8", 8},
	{`a eq 1e999`, "number '1e999' is out of range at offset 5", 5},
	{`a eq -1e999`, "out of range", 5},
	{`a eq 'x'`, "strings need double quotes, not single quotes at offset 5", 5},
	{`a.b.c eq 1`, "unexpected '.' at offset 3 (an attribute path has at most one sub-attribute", 3},
	{`a. eq 1`, "expected a sub-attribute name after '.' at offset 2, found ' '", 2},
	{`a.1 eq 1`, "expected a sub-attribute name after '.' at offset 2, found '1'", 2},
	{`name.givenName[type eq "x"]`, "a value filter cannot follow the sub-attribute path 'name.givenName' at offset 14", 14},
	{`1abc eq 1`, "expected an attribute name, '(' or 'not' at offset 0, found '1abc'", 0},
	{`"x" eq 1`, `expected an attribute name, '(' or 'not' at offset 0, found '"x"'`, 0},
	{`-a pr`, "expected an attribute name, '(' or 'not' at offset 0, found '-a'", 0},
	{`_a pr`, "expected an attribute name, '(' or 'not'", 0},
	{`é pr`, "expected an attribute name, '(' or 'not' at offset 0, found 'é'", 0},
	{"\x00 pr", "found U+0000", 0},
	{"\xff pr", "found byte 0xff", 0},
	{`a pr and`, "expected an attribute name, '(' or 'not' at offset 8, found end of filter", 8},
	{`a pr or `, "expected an attribute name, '(' or 'not' at offset 8", 8},
	{`a pr and and`, "expected an operator after 'and' at offset 12", 12},
	{`and`, "expected an operator after 'and' at offset 3", 3},
	{`not a pr`, "expected '(' after 'not' at offset 4, found 'a'", 4},
	{`not`, "expected '(' after 'not' at offset 3, found end of filter", 3},
	{`a pr and not "x"`, "expected '(' after 'not' at offset 13", 13},
	{`not ()`, "expected an attribute name, '(' or 'not' at offset 5, found ')'", 5},
	{`()`, "expected an attribute name, '(' or 'not' at offset 1", 1},
	{`emails[]`, "expected an attribute name, '(' or 'not' at offset 7, found ']'", 7},
	{`[a pr]`, "expected an attribute name, '(' or 'not' at offset 0, found '['", 0},
	{`a:b eq 1`, "unexpected ':' at offset 1", 1},
	{`urn:x eq 1`, "incomplete schema URN 'urn:x' at offset 0", 0},
	{`urn::x:y eq 1`, "empty segment in schema URN 'urn::x:y' at offset 4", 4},
	{`urn:a::b eq 1`, "empty segment", 6},
	{`urn:a:b: eq 1`, "expected an attribute name after the schema URN at offset 8", 8},
	{`urn:ietf:params:scim:schemas:core:2.0:User: eq 1`, "expected an attribute name after the schema URN at offset 43", 43},
	{`urn:ietf:params:scim:schemas:core:2.0:User:a:b eq 1`, "unexpected ':' at offset 44", 44},
	{`urn:ietf:params:scim:schemas:core:2.0:User:urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "x"`,
		"schema URN 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department' after 'urn:ietf:params:scim:schemas:core:2.0:User' at offset 43: schema URNs do not nest", 43},
	{`emails[URN:ietf:params:scim:schemas:core:2.0:User:URN:acme:x pr]`, "schema URN 'URN:acme:x' after 'urn:ietf:params:scim:schemas:core:2.0:User' at offset 50: schema URNs do not nest", 50},
	{`urn:ietf:params:scim:schemas:core:2.0:User:urnx:a eq 1`, "unexpected ':' at offset 47", 47},
	// A known schema URN after an unknown one: the unknown URN is taken
	// to end before it, and the name is refused as after a known one.
	{`urn:acme:ext:urn:ietf:params:scim:schemas:core:2.0:User:userName eq "x"`,
		"schema URN 'urn:ietf:params:scim:schemas:core:2.0:User:userName' after 'urn:acme:ext' at offset 13: schema URNs do not nest", 13},
	{`emails[URN:acme:URN:IETF:params:scim:schemas:extension:enterprise:2.0:User:department pr]`,
		"schema URN 'URN:IETF:params:scim:schemas:extension:enterprise:2.0:User:department' after 'URN:acme' at offset 16: schema URNs do not nest", 16},
	{`userName eq "a" or urn:a:b:c:urn:ietf:params:scim:schemas:core:2.0:Group:displayName pr`,
		"after 'urn:a:b:c' at offset 29: schema URNs do not nest", 29},
	{`$foo eq 1`, "invalid attribute name '$foo' at offset 0 (the only name starting with '$' is $ref)", 0},
	{`a.$refs eq 1`, "invalid attribute name '$refs'", 2},
	{`a eq "x" and`, "at offset 12, found end of filter", 12},
	{strings.Repeat("a", 4097), "filter is longer than 4096 bytes", 4096},
	{strings.Repeat("(", 33) + "a pr" + strings.Repeat(")", 33), "filter nests deeper than 32 levels at offset 32", 32},
	{strings.Repeat("not (", 33) + "a pr" + strings.Repeat(")", 33), "filter nests deeper than 32 levels at offset 164", 164},
	{strings.Repeat("(", 32) + "e[a pr]" + strings.Repeat(")", 32), "filter nests deeper than 32 levels at offset 33", 33},
}

func TestParseInvalid(t *testing.T) {
	for _, tc := range invalidFilters {
		name := tc.in
		if len(name) > 60 {
			name = name[:60]
		}
		t.Run(name, func(t *testing.T) {
			e, err := Parse(tc.in)
			require.Error(t, err, "parsed as %v", e)
			assert.Nil(t, e)
			var se *SyntaxError
			require.ErrorAs(t, err, &se)
			assert.Contains(t, err.Error(), tc.msg)
			assert.Equal(t, tc.offset, se.Offset, err.Error())
		})
	}
}

func TestLimits(t *testing.T) {
	t.Run("length", func(t *testing.T) {
		in := `userName eq "` + strings.Repeat("x", 4096-14) + `"`
		require.Len(t, in, 4096)
		_, err := Parse(in)
		require.NoError(t, err)
		_, err = Parse(in + " ")
		require.ErrorIs(t, err, ErrTooLong)
		assert.EqualError(t, err, "filter is longer than 4096 bytes")
		_, err = ParsePath(strings.Repeat("a", 5000))
		require.ErrorIs(t, err, ErrTooLong)
		assert.EqualError(t, err, "path is longer than 4096 bytes")

		p := Parser{MaxLength: 10}
		_, err = p.Parse(`a eq "123"`)
		require.NoError(t, err)
		_, err = p.Parse(`a eq "1234"`)
		assert.EqualError(t, err, "filter is longer than 10 bytes")
		big := Parser{MaxLength: 1 << 20}
		_, err = big.Parse(in + strings.Repeat(" ", 10000))
		assert.NoError(t, err)
	})
	t.Run("depth", func(t *testing.T) {
		nest := func(n int) string { return strings.Repeat("(", n) + "a pr" + strings.Repeat(")", n) }
		_, err := Parse(nest(32))
		require.NoError(t, err)
		_, err = Parse(nest(33))
		require.ErrorIs(t, err, ErrTooDeep)
		assert.NotErrorIs(t, err, ErrTooLong)
		_, err = Parser{MaxDepth: 2}.Parse(`not (e[a pr])`)
		require.NoError(t, err)
		_, err = Parser{MaxDepth: 2}.Parse(`(not (e[a pr]))`)
		assert.EqualError(t, err, "filter nests deeper than 2 levels at offset 7")
		_, err = Parser{MaxDepth: 1}.ParsePath(`emails[(a pr)]`)
		assert.EqualError(t, err, "path nests deeper than 1 levels at offset 7")
		// Sequential groups do not add up.
		_, err = Parser{MaxDepth: 1}.Parse(`(a pr) and (b pr) and e[c pr]`)
		assert.NoError(t, err)
	})
	t.Run("an ordering of true, false or null", func(t *testing.T) {
		for _, in := range []string{`a gt true`, `a LE false`, `a lt null`, `emails[primary ge true]`} {
			_, err := Parse(in)
			require.ErrorIs(t, err, ErrUnsupportedComparison, in)
			assert.NotErrorIs(t, err, ErrTooLong)
		}
		_, err := ParsePath(`emails[primary gt true].value`)
		require.ErrorIs(t, err, ErrUnsupportedComparison)
	})
	t.Run("other errors wrap nothing", func(t *testing.T) {
		_, err := Parse(`a eq`)
		assert.NotErrorIs(t, err, ErrTooLong)
		assert.NotErrorIs(t, err, ErrTooDeep)
		assert.NotErrorIs(t, err, ErrUnsupportedComparison)
		assert.NotErrorIs(t, err, ErrInValueFilter)
		assert.NoError(t, errors.Unwrap(err))
	})
	t.Run("inside a value filter's brackets", func(t *testing.T) {
		tests := []struct {
			path   string
			inside bool
			also   error // another sentinel it wraps, or nil
		}{
			{`emails[value gt ]`, true, nil},
			{`emails[type eq]`, true, nil},
			{`emails[type eq].value`, true, nil},
			{`emails[type eq "work"`, false, nil}, // never closed: no value filter, a malformed path
			{`title[`, false, nil},
			{`emails[type eq "work" x]`, true, nil},
			{`emails[]`, false, nil}, // closed on nothing
			{`emails[ ]`, false, nil},
			{`emails[primary gt true].value`, true, ErrUnsupportedComparison},
			{`emails[((((a pr))))]`, true, ErrTooDeep},
			{`emails.value[type eq "work"]`, false, nil},
			{`emails[type eq "work"].`, false, nil},
			{`emails[type eq "work"] x`, false, nil},
			{`emails..value`, false, nil},
			{`a b`, false, nil},
		}
		p := Parser{MaxDepth: 4}
		for _, tt := range tests {
			_, err := p.ParsePath(tt.path)
			var se *SyntaxError
			require.ErrorAs(t, err, &se, tt.path)
			assert.Equal(t, tt.inside, errors.Is(err, ErrInValueFilter), tt.path)
			if tt.also != nil {
				assert.ErrorIs(t, err, tt.also, tt.path)
			}
		}
		_, err := Parse(`emails[type eq]`)
		assert.ErrorIs(t, err, ErrInValueFilter, "a filter's value filter is marked too")
	})
}

func TestParserSchemas(t *testing.T) {
	const custom = "urn:example:params:scim:schemas:Device:1.0"
	p := Parser{Schemas: []string{custom, "urn:ietf:params:scim:schemas:core:2.0:User:ext"}}
	e, err := p.Parse(`URN:EXAMPLE:params:scim:schemas:device:1.0:serial.x eq "1"`)
	require.NoError(t, err)
	assert.Equal(t, cmp(apu(custom, "serial", "x"), Eq, "1"), e)

	// The longest known prefix wins.
	e, err = p.Parse(`urn:ietf:params:scim:schemas:core:2.0:User:ext:x pr`)
	require.NoError(t, err)
	assert.Equal(t, pr(apu("urn:ietf:params:scim:schemas:core:2.0:User:ext", "x", "")), e)
	e, err = p.Parse(`urn:ietf:params:scim:schemas:core:2.0:User:extra pr`)
	require.NoError(t, err)
	assert.Equal(t, pr(apu(userURN, "extra", "")), e)

	// Without the custom schema, the URN is unknown and keeps its spelling.
	e, err = Parse(`URN:EXAMPLE:params:scim:schemas:device:1.0:serial eq "1"`)
	require.NoError(t, err)
	assert.Equal(t, cmp(apu("URN:EXAMPLE:params:scim:schemas:device:1.0", "serial", ""), Eq, "1"), e)

	// A trailing ':' on a configured URN is ignored.
	e, err = Parser{Schemas: []string{"urn:x:y:"}}.Parse(`urn:X:Y:a pr`)
	require.NoError(t, err)
	assert.Equal(t, pr(apu("urn:x:y", "a", "")), e)

	path, err := p.ParsePath("urn:example:params:scim:schemas:DEVICE:1.0")
	require.NoError(t, err)
	assert.Equal(t, Path{AttrPath: AttrPath{URI: custom}}, path)

	// Parsing does not modify the Parser, so it can be shared.
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 200 {
				in := fmt.Sprintf(`urn:example:params:scim:schemas:Device:1.0:n%d eq %d`, i, j)
				e, err := p.Parse(in)
				if assert.NoError(t, err) {
					assert.Equal(t, cmp(apu(custom, fmt.Sprintf("n%d", i), ""), Eq, int64(j)), e)
				}
			}
		}()
	}
	wg.Wait()
}

var validPaths = []struct {
	in   string
	want Path
}{
	{`name`, path(ap("name"), nil)},
	{`name.givenName`, path(aps("name", "givenName"), nil)},
	{`members.$ref`, path(aps("members", "$ref"), nil)},
	{`emails[type eq "work"]`, path(ap("emails"), eq("type", "work"))},
	{`emails[type eq "work"].value`, path(aps("emails", "value"), eq("type", "work"))},
	{`members[value eq "2819c223"]`, path(ap("members"), eq("value", "2819c223"))},
	{`members[value eq "2819c223-7f76-453a-919d-413861904646"].displayName`,
		path(aps("members", "displayName"), eq("value", "2819c223-7f76-453a-919d-413861904646"))},
	{`emails[type eq "work" and primary eq true].value`, path(aps("emails", "value"), and(eq("type", "work"), eq("primary", true)))},
	{`emails[not (type eq "work")]`, path(ap("emails"), not(eq("type", "work")))},
	{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager`, path(apu(entURN, "manager", ""), nil)},
	{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value`, path(apu(entURN, "manager", "value"), nil)},
	{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`, path(apu(entURN, "", ""), nil)},
	{`urn:ietf:params:scim:schemas:core:2.0:User`, path(apu(userURN, "", ""), nil)},
	{`URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER`, path(apu(entURN, "", ""), nil)},
	{` urn:ietf:params:scim:schemas:extension:enterprise:2.0:User `, path(apu(entURN, "", ""), nil)},
	{`urn:ietf:params:scim:schemas:core:2.0:User:emails[type eq "work"].value`, path(apu(userURN, "emails", "value"), eq("type", "work"))},
	{`urn:example:Thing:color`, path(apu("urn:example:Thing", "color", ""), nil)},
	{`urn:example:Thing`, path(apu("urn:example", "Thing", ""), nil)},
	{`  name.givenName  `, path(aps("name", "givenName"), nil)},
	{`emails [ type eq "work" ]`, path(ap("emails"), eq("type", "work"))},
	{`EMAILS[TYPE EQ "work"].VALUE`, path(aps("EMAILS", "VALUE"), cmp(ap("TYPE"), Eq, "work"))},
}

func TestParsePathValid(t *testing.T) {
	for _, tc := range validPaths {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParsePath(tc.in)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
			again, err := ParsePath(got.String())
			require.NoError(t, err, "String() = %s", got.String())
			assert.Equal(t, got, again)
		})
	}
}

var invalidPaths = []invalidCase{
	{``, "path is empty", 0},
	{`  `, "path is empty", 0},
	{`a.b.c`, "unexpected '.' at offset 3", 3},
	{`name.givenName[type eq "x"]`, "a value filter cannot follow the sub-attribute path 'name.givenName' at offset 14", 14},
	{`emails[type eq "work"]x`, "unexpected 'x' at offset 22, expected end of path", 22},
	{`emails[type eq "work"].value.display`, "unexpected '.' at offset 28, expected end of path", 28},
	{`emails[type eq "work"].`, "expected a sub-attribute name after '.' at offset 23, found end of path", 23},
	{`emails[type eq "work"`, "expected ']' to close '[' at offset 6, found end of path", 6},
	{`emails[a[b eq 1]]`, "value paths cannot be nested at offset 8", 8},
	{`emails[]`, "expected an attribute name, '(' or 'not' at offset 7", 7},
	{`name eq "x"`, "unexpected 'eq' at offset 5, expected end of path", 5},
	{`name pr`, "unexpected 'pr' at offset 5", 5},
	{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User x`, "unexpected 'x' at offset 59", 59},
	{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:`, "expected an attribute name after the schema URN at offset 59", 59},
	{`1abc`, "expected an attribute name at offset 0, found '1abc'", 0},
	{`emails[type eq "work"] .value`, "unexpected '.' at offset 23", 23},
	{`a:b`, "unexpected ':' at offset 1", 1},
	{`urn:ietf:params:scim:schemas:core:2.0:Group:urn:acme:x`, "schema URN 'urn:acme:x' after 'urn:ietf:params:scim:schemas:core:2.0:Group' at offset 44: schema URNs do not nest", 44},
	{`urn:ietf:params:scim:schemas:core:2.0:User:urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`, "after 'urn:ietf:params:scim:schemas:core:2.0:User' at offset 43: schema URNs do not nest", 43},
	{`urn:acme:ext:urn:ietf:params:scim:schemas:core:2.0:User:userName`, "after 'urn:acme:ext' at offset 13: schema URNs do not nest", 13},
	{`urn:acme:ext:urn:ietf:params:scim:schemas:core:2.0:User`, "after 'urn:acme:ext' at offset 13: schema URNs do not nest", 13},
	{`urn:acme:ext:urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value`, "after 'urn:acme:ext' at offset 13: schema URNs do not nest", 13},
	{`emails[type gt true]`, "'gt' cannot be used with true", 15},
}

func TestParsePathInvalid(t *testing.T) {
	for _, tc := range invalidPaths {
		t.Run(tc.in, func(t *testing.T) {
			p, err := ParsePath(tc.in)
			require.Error(t, err, "parsed as %v", p)
			assert.Equal(t, Path{}, p)
			var se *SyntaxError
			require.ErrorAs(t, err, &se)
			assert.Contains(t, err.Error(), tc.msg)
			assert.Equal(t, tc.offset, se.Offset, err.Error())
		})
	}
}

func TestWalk(t *testing.T) {
	e, err := Parse(`emails[type eq "work" and not (value co "x")] or (title pr and userType eq "y")`)
	require.NoError(t, err)
	var all []string
	Walk(e, func(x Expr) bool {
		all = append(all, fmt.Sprintf("%T", x))
		return true
	})
	assert.Equal(t, []string{"*filter.Logical", "*filter.ValuePath", "*filter.Logical", "*filter.Compare", "*filter.Not",
		"*filter.Compare", "*filter.Logical", "*filter.Present", "*filter.Compare"}, all)

	// Returning false skips the node's children but not its siblings.
	var top []string
	Walk(e, func(x Expr) bool {
		top = append(top, x.String())
		_, isVP := x.(*ValuePath)
		return !isVP
	})
	assert.Equal(t, []string{e.String(), `emails[type eq "work" and not (value co "x")]`,
		`title pr and userType eq "y"`, `title pr`, `userType eq "y"`}, top)

	n := 0
	Walk(nil, func(Expr) bool { n++; return true })
	Walk(e, func(Expr) bool { n++; return false })
	assert.Equal(t, 1, n)
}

func TestAnyPath(t *testing.T) {
	e, err := Parse(`emails[type eq "work" and not (value co "x")] or (not (title pr) and userType eq "y")`)
	require.NoError(t, err)
	tests := []struct {
		name string
		want bool
	}{
		{"emails", true},   // a value filter's own path
		{"title", true},    // under a not
		{"userType", true}, // the last comparison
		{"type", false},    // only inside the value filter: relative to emails
		{"value", false},
		{"userName", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var seen []string
			got := AnyPath(e, func(p AttrPath) bool {
				seen = append(seen, p.Name)
				return p.Name == tt.name
			})
			assert.Equal(t, tt.want, got)
			if tt.want {
				assert.Equal(t, tt.name, seen[len(seen)-1], "the walk stops at the first match")
			} else {
				assert.Equal(t, []string{"emails", "title", "userType"}, seen, "every outer path, in Walk's order")
			}
		})
	}
	assert.False(t, AnyPath(nil, func(AttrPath) bool { return true }))
}

// TestPaths: every path a filter names, in Walk's order, a value
// filter's own path before the paths inside it, which come joined to it;
// breaking out of the loop stops the walk at once.
func TestPaths(t *testing.T) {
	const ent = EnterpriseUserSchema
	vp := func(p AttrPath, f Expr) Expr { return &ValuePath{Path: p, Filter: f} }
	cmp := func(p AttrPath) Expr { return &Compare{Path: p, Op: Eq, Value: "x"} }
	parsed := func(s string) Expr {
		e, err := Parse(s)
		require.NoError(t, err, s)
		return e
	}
	for _, tt := range []struct {
		name string
		e    Expr
		want []string // each path, "+" before a joined one
	}{
		{"nil", nil, nil},
		{"one comparison", parsed(`userName eq "a"`), []string{"userName"}},
		{"order, not and grouping",
			parsed(`emails[type eq "work" and not (value co "x")] or (not (title pr) and name.givenName eq "y")`),
			[]string{"emails", "+emails.type", "+emails.value", "title", "name.givenName"}},
		{"Entra's form: the trailing sub-attribute joins the filter",
			parsed(`emails[type eq "work"].value eq "a"`), []string{"emails", "+emails.type", "+emails.value"}},
		{"the outer URN is kept", parsed(ent + `:manager[value eq "m"]`), []string{ent + ":manager", "+" + ent + ":manager.value"}},
		{"a path in a value filter naming no sub-attribute is passed over",
			vp(AttrPath{Name: "emails"}, &Logical{Op: And, Left: cmp(AttrPath{Name: "type", Sub: "x"}),
				Right: &Logical{Op: Or, Left: cmp(AttrPath{URI: UserSchema, Name: "title"}), Right: &Present{Path: AttrPath{Name: "display"}}}}),
			[]string{"emails", "+emails.display"}},
		{"a nested value filter: its path alone, joined",
			vp(AttrPath{Name: "emails"}, vp(AttrPath{Name: "type"}, cmp(AttrPath{Name: "value"}))), []string{"emails", "+emails.type"}},
		{"nil nodes", &Logical{Op: And, Left: (*Compare)(nil), Right: &Not{X: (*ValuePath)(nil)}}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for p, inner := range Paths(tt.e) {
				s := p.String()
				if inner {
					s = "+" + s
				}
				got = append(got, s)
			}
			assert.Equal(t, tt.want, got)
			for stop := range got {
				n := 0
				for range Paths(tt.e) {
					if n == stop {
						break
					}
					n++
				}
				assert.Equal(t, stop, n, "break after %d paths", stop)
			}
		})
	}
}

func TestSyntaxErrorFields(t *testing.T) {
	_, err := Parse(`emails[type eq "work"`)
	var se *SyntaxError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, 6, se.Offset)
	assert.Equal(t, "expected ']' to close '['", se.Msg)
	assert.Equal(t, "expected ']' to close '[' at offset 6, found end of filter", se.Error())

	_, err = Parse("")
	require.ErrorAs(t, err, &se)
	assert.Equal(t, "filter is empty", se.Error())

	// Long tokens are quoted in part, with their length.
	_, err = Parse(`a ` + strings.Repeat("x", 200) + ` 1`)
	assert.EqualError(t, err, "unknown operator '"+strings.Repeat("x", 128)+"'… (200 bytes) at offset 2 (expected eq, ne, co, sw, ew, gt, ge, lt, le or pr)")
}

// TestRewritePaths: every outer path is offered, in Walk's order, never
// one inside a value filter; the nodes on the way to a replaced path are
// new, the input unchanged, and an input with nothing replaced comes back
// as it is.
func TestRewritePaths(t *testing.T) {
	const in = `emails[type eq "work" and not (value co "x")] or (not (title pr) and userType eq "y")`
	upper := func(name string) func(AttrPath) (AttrPath, bool) {
		return func(p AttrPath) (AttrPath, bool) {
			if p.Name != name {
				return p, false
			}
			p.Name = strings.ToUpper(p.Name)
			return p, true
		}
	}
	for _, tt := range []struct {
		name, want string // want "": nothing replaced
	}{
		{"emails", `EMAILS[type eq "work" and not (value co "x")] or not (title pr) and userType eq "y"`},
		{"title", `emails[type eq "work" and not (value co "x")] or not (TITLE pr) and userType eq "y"`},
		{"userType", `emails[type eq "work" and not (value co "x")] or not (title pr) and USERTYPE eq "y"`},
		{"type", ""}, // inside the value filter: relative to emails
		{"nobody", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e, err := Parse(in)
			require.NoError(t, err)
			before := e.String()
			got := RewritePaths(e, upper(tt.name))
			assert.Equal(t, before, e.String(), "the input is not modified")
			if tt.want == "" {
				assert.Same(t, e.(*Logical), got.(*Logical), "nothing replaced: the input itself")
				return
			}
			assert.Equal(t, tt.want, got.String())
		})
	}
	var seen []string
	e, err := Parse(in)
	require.NoError(t, err)
	RewritePaths(e, func(p AttrPath) (AttrPath, bool) { seen = append(seen, p.Name); return p, false })
	assert.Equal(t, []string{"emails", "title", "userType"}, seen, "every outer path, in Walk's order")
	assert.Nil(t, RewritePaths(nil, upper("x")))
	c := &Compare{Path: AttrPath{Name: "title"}, Op: Eq, Value: "v", Unquoted: true}
	assert.Equal(t, &Compare{Path: AttrPath{Name: "TITLE"}, Op: Eq, Value: "v", Unquoted: true}, RewritePaths(c, upper("title")), "a comparison keeps its operand")
}
