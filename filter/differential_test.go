package filter

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	fp "github.com/scim2/filter-parser/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/internal/names"
)

// This file compares Parse and ParsePath with github.com/scim2/filter-parser
// (v2), the parser elimity-com/scim uses. Their AST is converted into ours;
// the two must agree except for the named deviations below.
//
// We call their ParseFilterNumber/ParsePathNumber, which return numbers as
// json.Number text (ParseFilter returns int or float64, going through
// float64 even for integers, which loses precision above 2^53), and convert
// the text with our int64-else-float64 rule.

// theirFilter parses s with filter-parser, treating a panic as a rejection.
func theirFilter(s string) (e fp.Expression, err error) {
	defer func() {
		if r := recover(); r != nil {
			e, err = nil, fmt.Errorf("filter-parser panicked: %v", r)
		}
	}()
	return fp.ParseFilterNumber([]byte(s))
}

// theirPath parses s with filter-parser, treating a panic as a rejection.
func theirPath(s string) (p fp.Path, err error) {
	defer func() {
		if r := recover(); r != nil {
			p, err = fp.Path{}, fmt.Errorf("filter-parser panicked: %v", r)
		}
	}()
	return fp.ParsePathNumber([]byte(s))
}

var errNumberRange = errors.New("number out of float64 range")

// fromFP converts a filter-parser expression into our AST.
func fromFP(e fp.Expression) (Expr, error) {
	switch x := e.(type) {
	case *fp.AttributeExpression:
		p := fromFPAttrPath(x.AttributePath)
		if x.Operator == fp.PR {
			return &Present{Path: p}, nil
		}
		v, err := fromFPValue(x.CompareValue)
		if err != nil {
			return nil, err
		}
		return &Compare{Path: p, Op: Op(x.Operator), Value: v}, nil
	case *fp.LogicalExpression:
		l, err := fromFP(x.Left)
		if err != nil {
			return nil, err
		}
		r, err := fromFP(x.Right)
		if err != nil {
			return nil, err
		}
		return &Logical{Op: LogicalOp(x.Operator), Left: l, Right: r}, nil
	case *fp.NotExpression:
		inner, err := fromFP(x.Expression)
		if err != nil {
			return nil, err
		}
		return &Not{X: inner}, nil
	case *fp.ValuePath:
		f, err := fromFP(x.ValueFilter)
		if err != nil {
			return nil, err
		}
		return &ValuePath{Path: fromFPAttrPath(x.AttributePath), Filter: f}, nil
	}
	return nil, fmt.Errorf("unexpected filter-parser node %T", e)
}

func fromFPAttrPath(p fp.AttributePath) AttrPath {
	return AttrPath{URI: p.URI(), Name: p.AttributeName, Sub: p.SubAttributeName()}
}

func fromFPValue(v any) (any, error) {
	n, ok := v.(json.Number)
	if !ok {
		return v, nil // string (escapes not decoded), bool or nil
	}
	s := string(n)
	if !strings.ContainsAny(s, ".eE") {
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return i, nil
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return nil, errNumberRange
	}
	return f, nil
}

// fromFPPath converts a filter-parser PATCH path into ours.
func fromFPPath(p fp.Path) (Path, error) {
	ap := fromFPAttrPath(p.AttributePath)
	if p.ValueExpression == nil {
		return Path{AttrPath: ap}, nil
	}
	if p.AttributePath.SubAttribute != nil {
		return Path{}, errors.New("value filter on a sub-attribute path")
	}
	f, err := fromFP(p.ValueExpression)
	if err != nil {
		return Path{}, err
	}
	ap.Sub = p.SubAttributeName()
	return Path{AttrPath: ap, Filter: f}, nil
}

// differentialFilters are parsed the same way by both parsers.
var differentialFilters = []string{
	// RFC 7644 §3.4.2.2.
	`userName eq "bjensen"`,
	`name.familyName co "O'Malley"`,
	`userName sw "J"`,
	`urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J"`,
	`title pr`,
	`meta.lastModified gt "2011-05-13T04:42:34Z"`,
	`meta.lastModified ge "2011-05-13T04:42:34Z"`,
	`meta.lastModified lt "2011-05-13T04:42:34Z"`,
	`meta.lastModified le "2011-05-13T04:42:34Z"`,
	`title pr and userType eq "Employee"`,
	`title pr or userType eq "Intern"`,
	`schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"`,
	`userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")`,
	`userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")`,
	`userType eq "Employee" and (emails.type eq "work")`,
	`userType eq "Employee" and emails[type eq "work" and value co "@example.com"]`,
	`emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]`,
	// Provisioning clients (Entra ID, Okta, OneLogin).
	`userName eq "alice@example.com"`,
	`externalId eq "00u1abcd"`,
	`displayName eq "Sales Team"`,
	`emails[type eq "work"]`,
	`members[value eq "2819c223-7f76-453a-919d-413861904646"]`,
	`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "7"`,
	`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "26118915"`,
	`id eq "2819c223" and members[value eq "x"]`,
	// Operators, keywords and values in any case.
	`a ne 1`, `a co "x"`, `a ew "x"`, `a gt 1`, `a lt 1.5`,
	`userName EQ "x"`, `UserName Eq "x"`, `a pr AND b pr`, `a pr Or b pr`, `NOT (a pr)`, `a PR`,
	`a eq TRUE`, `a eq False`, `a eq null`, `a eq NULL`,
	`a eq 42`, `a eq -7`, `a eq 0`, `a eq -0`, `a eq 1.5`, `a eq 1.0`, `a eq 1e3`, `a eq 2E-2`, `a eq -1.5e+10`,
	`a eq 9223372036854775807`, `a eq -9223372036854775808`, `a eq 9223372036854775808`, `a eq 1e-400`,
	`a eq ""`, `a eq "José 日本 😀"`, `a eq "and or not ) ] ["`,
	// Logic, grouping and precedence.
	`not(a pr)`, `not (not (a pr))`, `((a pr))`, `( a pr )`, `not   ( a pr )`, `a  eq  1`, `a eq 1  and  b pr`,
	`a pr or b pr and c pr`, `a pr and b pr or c pr`, `a pr or b pr or c pr`, `a pr and b pr and c pr`,
	`(a pr or b pr) and c pr`, `a pr and (b pr or c pr)`, `a pr and (b pr and c pr)`, `a pr or (b pr or c pr)`,
	`not (a pr) and b pr`, `not (emails[type eq "work"])`,
	`(title pr and userType eq "Employee") or (emails[type eq "work"] and not (active eq false))`,
	// Value paths with logic inside.
	`emails[not (type eq "work")]`, `emails[not(type eq "work")]`, `emails[ not ( type eq "work" ) ]`,
	`emails[not (type eq "work" and primary eq true)]`,
	`emails[type eq "work" or primary eq true]`,
	`emails [type eq "work"]`, `emails[ type eq "work" ]`, `emails[a pr  and  b pr]`,
	`emails[a eq "x"and b pr]`,
	`addresses[type eq "work"] and emails[type eq "home"]`,
	`emails[value pr]`, `emails[display.x eq 1]`,
	`urn:ietf:params:scim:schemas:core:2.0:User:emails[type eq "work"]`,
	// Names and URNs.
	`members.$ref eq "https://x/Users/1"`, `members[$ref eq "https://x"]`, `$ref pr`, `$REF pr`, `a-b_c9 pr`,
	`not eq 1`, `not pr`, `not[a pr]`, `not [a pr]`, `and pr and or pr`, `pr pr`, `eq eq "eq"`,
	`urn:ietf:params:scim:schemas:core:2.0:Group:displayName eq "x"`,
	`urn:example:custom:1.0:Thing:color eq "red"`, `urn:example:custom:Thing:name.first pr`, `urn:a:b eq 1`,
	`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User pr`,
	`urn:ietf:params:scim:schemas:core:2.0:Users:x pr`,
}

func TestDifferentialFilters(t *testing.T) {
	for _, in := range differentialFilters {
		t.Run(in, func(t *testing.T) {
			te, err := theirFilter(in)
			require.NoError(t, err, "filter-parser rejects it")
			want, err := fromFP(te)
			require.NoError(t, err)
			got, err := Parse(in)
			require.NoError(t, err)
			assert.Equal(t, want, got)
		})
	}
}

var differentialPaths = []string{
	`name`, `name.givenName`, `userName`, `members.$ref`,
	`emails[type eq "work"]`, `emails[type eq "work"].value`,
	`members[value eq "2819c223"]`, `members[value eq "2819c223-7f76-453a-919d-413861904646"].displayName`,
	`emails[type eq "work" and primary eq true].value`, `emails[not (type eq "work")]`,
	`emails [type eq "work"]`, `emails[ type eq "work" ]`,
	`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager`,
	`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value`,
	`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber`,
	`urn:ietf:params:scim:schemas:core:2.0:User:emails[type eq "work"].value`,
	`urn:example:Thing:color`,
	`EMAILS[TYPE EQ "work"].VALUE`,
}

func TestDifferentialPaths(t *testing.T) {
	for _, in := range differentialPaths {
		t.Run(in, func(t *testing.T) {
			tp, err := theirPath(in)
			require.NoError(t, err, "filter-parser rejects it")
			want, err := fromFPPath(tp)
			require.NoError(t, err)
			got, err := ParsePath(in)
			require.NoError(t, err)
			assert.Equal(t, want, got)
		})
	}
}

// A deviation is an input the two parsers treat differently on purpose.
// A nil Expr/Path (with the zero Path) in ours or theirs means "rejects".
type deviation struct {
	name   string
	in     string
	ours   Expr
	theirs Expr // converted from their AST
	reason string
}

// sameClass maps deviations that the fuzz predicate files under another
// deviation's name.
var sameClass = map[string]string{
	"UpperHexEscapeDecoded": "EscapesDecoded",
	"UnpairedSurrogate":     "EscapesDecoded",
	"UnquotedNumberLike":    "UnquotedValue",
}

var filterDeviations = []deviation{
	{"EscapesDecoded", `a eq "a\"b"`, eq("a", `a"b`), eq("a", `a\"b`),
		"string values are JSON strings, so escapes are decoded; theirs keeps the raw text"},
	{"UpperHexEscapeDecoded", `a eq "\u00E9"`, eq("a", "é"), eq("a", `\u00E9`),
		"same: \\uXXXX is decoded"},
	{"LowerHexEscape", `a eq "\u00e9"`, eq("a", "é"), nil,
		"JSON allows either hex case; theirs accepts only upper case"},
	{"UnpairedSurrogate", `a eq "\uD800"`, nil, eq("a", `\uD800`),
		"a lone surrogate encodes no character; theirs keeps the escape undecoded"},
	{"InvalidUTF8", "a eq \"\xff\"", nil, eq("a", "\xff"),
		"strings must be UTF-8 (stores would otherwise receive garbage)"},
	{"LeadingTrailingSpace", `  userName eq "x" `, eq("userName", "x"), nil,
		"clients send padded filters; theirs rejects any space outside tokens"},
	{"TabsAndNewlines", "a\teq\n1", eq("a", int64(1)), nil,
		"tab, CR and LF count as whitespace; theirs only accepts SP"},
	{"NoSpaceNextToParenOrQuote", `(a pr)or(b pr) and c eq "x"and d pr`,
		or(pr(ap("a")), and(and(pr(ap("b")), eq("c", "x")), pr(ap("d")))), nil,
		"a keyword next to ')' , '(' or '\"' is unambiguous; theirs needs SP outside value filters"},
	{"KeywordGluedToWord", `emails[a pr andb pr]`, nil, vp(ap("emails"), and(pr(ap("a")), pr(ap("b")))),
		"'andb' is one word; theirs splits keywords out of words inside value filters (also 'prand', '1and')"},
	{"EntraValuePathSubAttr", `emails[type eq "work"].value eq "x"`,
		vp(ap("emails"), and(eq("type", "work"), eq("value", "x"))), nil,
		"Entra ID sends this; theirs rejects it"},
	{"ValueFilterLongChain", `emails[type eq "work" and value co "x" and primary eq true]`,
		vp(ap("emails"), and(and(eq("type", "work"), cmp(ap("value"), Co, "x")), eq("primary", true))), nil,
		"a value filter is a full filter; theirs allows at most one and/or"},
	{"ValueFilterGrouping", `emails[type eq "work" and (value co "a" or value co "b")]`,
		vp(ap("emails"), and(eq("type", "work"), or(cmp(ap("value"), Co, "a"), cmp(ap("value"), Co, "b")))), nil,
		"parentheses inside a value filter; theirs has no grouping there"},
	{"ValueFilterNotOperand", `emails[not (primary eq true) and type eq "home"]`,
		vp(ap("emails"), and(not(eq("primary", true)), eq("type", "home"))), nil,
		"not(...) as an and/or operand inside a value filter; theirs only allows attrExp there"},
	{"ValueFilterDoubleNot", `emails[not (not (primary eq true))]`,
		vp(ap("emails"), not(not(eq("primary", true)))), nil,
		"theirs does not nest not inside a value filter"},
	{"OrderingWithBoolean", `active gt true`, nil, cmp(ap("active"), Gt, true),
		"RFC 7644 §3.4.2.2: gt/ge/lt/le on booleans is invalidFilter"},
	{"OrderingWithNull", `a le null`, nil, cmp(ap("a"), Le, nil),
		"ordering against null has no meaning"},
	{"NumberOutOfRange", `a eq 1e999`, nil, nil,
		"not a float64; theirs accepts it as json.Number text (and fails in ParseFilter)"},
	{"KnownURNCaseCanonicalised", `URN:IETF:params:scim:schemas:core:2.0:user:userName eq "x"`,
		cmp(apu(userURN, "userName", ""), Eq, "x"), cmp(apu("URN:IETF:params:scim:schemas:core:2.0:user", "userName", ""), Eq, "x"),
		"URNs are case-insensitive; stores get the canonical spelling of known URNs"},
	{"ExtraSegmentsAfterKnownURN", `urn:ietf:params:scim:schemas:core:2.0:User:name:x pr`, nil,
		pr(apu("urn:ietf:params:scim:schemas:core:2.0:User:name", "x", "")),
		"a known URN is followed by one attribute path; theirs makes an unknown URN of it"},
	{"KnownURNAfterUnknownURN", `urn:acme:ext:urn:ietf:params:scim:schemas:core:2.0:User:userName eq "x"`, nil,
		cmp(apu("urn:acme:ext:urn:ietf:params:scim:schemas:core:2.0:User", "userName", ""), Eq, "x"),
		"schema URNs do not nest: a known URN after an unknown one is refused as after a known one; theirs makes one unknown URN of both"},
	{"NonURNPrefix", `foo:bar eq 1`, nil, cmp(apu("foo", "bar", ""), Eq, int64(1)),
		"only urn: prefixes are schema URIs"},
	{"IncompleteURN", `urn:x eq 1`, nil, cmp(apu("urn", "x", ""), Eq, int64(1)),
		"'urn' alone names no schema"},
	{"URNSegmentChars", `urn:acme_corp:ext:x pr`, pr(apu("urn:acme_corp:ext", "x", "")), nil,
		"'_', '~' and '%' may appear in URN segments (RFC 8141); theirs allows only alphanumerics, '-' and '.'"},
	{"DollarNames", `$abc eq 1`, nil, cmp(ap("$abc"), Eq, int64(1)),
		"'$ref' is the only SCIM attribute name with '$'"},
	{"FilterOnSubAttribute", `name.givenName[type eq 1]`, nil,
		vp(aps("name", "givenName"), cmp(ap("type"), Eq, int64(1))),
		"sub-attributes are not multi-valued; a value filter belongs on the parent"},
	{"UnquotedValue", `name.familyName eq Employee and (emails.value co example.com or emails.value co example.org)`,
		and(ucmp(aps("name", "familyName"), Eq, "Employee"),
			or(ucmp(aps("emails", "value"), Co, "example.com"), ucmp(aps("emails", "value"), Co, "example.org"))), nil,
		"deliberate leniency: Microsoft's SCIM validator sends unquoted strings; a bare word that is not true, false, " +
			"null or a JSON number is a string, marked Compare.Unquoted (Parser.Strict rejects it)"},
	{"UnquotedNumberLike", `meta.created gt 2015-10-10T14:38:21.8617979-07:00`,
		ucmp(aps("meta", "created"), Gt, "2015-10-10T14:38:21.8617979-07:00"), nil,
		"same leniency: a bare word that starts like a number but is none (a dateTime, 12abc, 1.2.3) is a string; " +
			"theirs rejects it as a bad number"},
	{"LengthLimit", `a eq "` + strings.Repeat("x", 5000) + `"`, nil, eq("a", strings.Repeat("x", 5000)),
		"Parser.MaxLength (default 4096 bytes)"},
	{"DepthLimit", strings.Repeat("(", 33) + "a pr" + strings.Repeat(")", 33), nil, pr(ap("a")),
		"Parser.MaxDepth (default 32)"},
}

func TestFilterDeviations(t *testing.T) {
	for _, d := range filterDeviations {
		t.Run(d.name, func(t *testing.T) {
			got, err := Parse(d.in)
			if d.ours == nil {
				assert.Error(t, err, "ours accepts it: %v", got)
			} else if assert.NoError(t, err) {
				assert.Equal(t, d.ours, got)
			}

			te, err := theirFilter(d.in)
			theirsAccepts := err == nil
			var theirs Expr
			if err == nil {
				theirs, err = fromFP(te)
			}
			if d.theirs == nil {
				assert.Error(t, err, "theirs accepts it: %v", theirs)
			} else if assert.NoError(t, err) {
				assert.Equal(t, d.theirs, theirs)
			}
			if d.ours != nil || d.theirs != nil {
				assert.NotEqual(t, d.ours, d.theirs, "not a deviation")
			}

			// The fuzz predicate must recognise it when theirs accepts.
			if theirsAccepts {
				class := d.name
				if c, ok := sameClass[d.name]; ok {
					class = c
				}
				assert.Equal(t, class, filterDeviationClass(d.in, te, err), "fuzz predicate")
			}
		})
	}
}

type pathDeviation struct {
	name         string
	in           string
	ours, theirs *Path // nil means rejected
	reason       string
}

var pathDeviations = []pathDeviation{
	{"BareKnownURN", `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`,
		&Path{AttrPath: AttrPath{URI: entURN}}, &Path{AttrPath: apu("urn:ietf:params:scim:schemas:extension:enterprise:2.0", "User", "")},
		"a PATCH path may name a whole extension; theirs splits it as if it ended in an attribute"},
	{"LeadingTrailingSpace", ` name.givenName `, &Path{AttrPath: aps("name", "givenName")}, nil,
		"padding is ignored"},
	{"FilterOnSubAttribute", `name.givenName[type eq "x"]`, nil, nil,
		"sub-attributes are not multi-valued (theirs accepts it; the converter cannot express it)"},
	{"KnownURNAfterUnknownURN", `urn:acme:ext:urn:ietf:params:scim:schemas:core:2.0:User`, nil,
		&Path{AttrPath: apu("urn:acme:ext:urn:ietf:params:scim:schemas:core:2.0", "User", "")},
		"as for filters, the known URN whole after an unknown one too"},
	{"IncompleteURN", `urn:x`, nil, &Path{AttrPath: apu("urn", "x", "")},
		"'urn' alone names no schema"},
	{"NonURNPrefix", `a:b`, nil, &Path{AttrPath: apu("a", "b", "")},
		"only urn: prefixes are schema URIs"},
	{"ValueFilterLongChain", `emails[a pr and b pr or c pr].value`,
		&Path{AttrPath: aps("emails", "value"), Filter: or(and(pr(ap("a")), pr(ap("b"))), pr(ap("c")))}, nil,
		"a value filter is a full filter"},
	{"UnquotedValue", `members[value eq 2819c223-7f76].display`,
		&Path{AttrPath: aps("members", "display"), Filter: ueq("value", "2819c223-7f76")}, nil,
		"as for filters"},
	{"EscapesDecoded", `members[value eq "a\"b"]`, &Path{AttrPath: ap("members"), Filter: eq("value", `a"b`)},
		&Path{AttrPath: ap("members"), Filter: eq("value", `a\"b`)}, "as for filters"},
}

func TestPathDeviations(t *testing.T) {
	for _, d := range pathDeviations {
		t.Run(d.name, func(t *testing.T) {
			got, err := ParsePath(d.in)
			if d.ours == nil {
				assert.Error(t, err, "ours accepts it: %v", got)
			} else if assert.NoError(t, err) {
				assert.Equal(t, *d.ours, got)
			}
			tp, err := theirPath(d.in)
			theirsAccepts := err == nil
			var theirs Path
			if err == nil {
				theirs, err = fromFPPath(tp)
			}
			if d.theirs == nil {
				assert.Error(t, err, "theirs accepts it: %v", theirs)
			} else if assert.NoError(t, err) {
				assert.Equal(t, *d.theirs, theirs)
			}
			if theirsAccepts {
				assert.Equal(t, d.name, pathDeviationClass(d.in, tp, got), "fuzz predicate")
			}
		})
	}
}

// filterDeviationClass names the deviation that explains why ours differs
// from theirs for input in, which theirs accepted as te (convErr is the
// error from converting te), or returns "" when none does.
func filterDeviationClass(in string, te fp.Expression, convErr error) string {
	if errors.Is(convErr, errNumberRange) {
		return "NumberOutOfRange"
	}
	if e, err := Parse(in); errors.Is(err, ErrTooLong) {
		return "LengthLimit"
	} else if errors.Is(err, ErrTooDeep) {
		return "DepthLimit"
	} else if err == nil && UnquotedValues(e) != nil {
		return "UnquotedValue"
	}
	if class := exprClass(te); class != "" {
		return class
	}
	if convErr == nil && gluedKeyword(in, func(s string) (any, bool) {
		te, err := theirFilter(s)
		if err != nil {
			return nil, false
		}
		x, err := fromFP(te)
		return x, err == nil
	}, func(s string) (any, bool) {
		x, err := Parse(s)
		return x, err == nil
	}) {
		return "KeywordGluedToWord"
	}
	return ""
}

// exprClass names the deviation some node of their tree falls in.
func exprClass(te fp.Expression) string {
	class := ""
	walkFP(te, func(x fp.Expression) {
		switch x := x.(type) {
		case *fp.AttributeExpression:
			if c := attrPathClass(x.AttributePath); c != "" {
				class = c
			}
			switch v := x.CompareValue.(type) {
			case string:
				if !utf8.ValidString(v) {
					class = "InvalidUTF8"
				} else if strings.Contains(v, `\`) {
					class = "EscapesDecoded"
				}
			case bool, nil:
				switch x.Operator {
				case fp.GT, fp.GE, fp.LT, fp.LE:
					class = "OrderingWithBoolean"
					if v == nil {
						class = "OrderingWithNull"
					}
				}
			}
		case *fp.ValuePath:
			if c := attrPathClass(x.AttributePath); c != "" {
				class = c
			}
			if x.AttributePath.SubAttribute != nil {
				class = "FilterOnSubAttribute"
			}
		}
	})
	return class
}

// pathDeviationClass is filterDeviationClass for PATCH paths; got is our
// result (zero when rejected).
func pathDeviationClass(in string, tp fp.Path, got Path) string {
	if _, err := ParsePath(in); errors.Is(err, ErrTooLong) {
		return "LengthLimit"
	} else if errors.Is(err, ErrTooDeep) {
		return "DepthLimit"
	}
	if got.Filter != nil && UnquotedValues(got.Filter) != nil {
		return "UnquotedValue"
	}
	ap := tp.AttributePath
	if tp.ValueExpression == nil && ap.SubAttribute == nil && got.Name == "" && got.URI != "" &&
		strings.EqualFold(ap.URI()+":"+ap.AttributeName, got.URI) {
		return "BareKnownURN"
	}
	if tp.ValueExpression != nil && ap.SubAttribute != nil {
		return "FilterOnSubAttribute"
	}
	if c := attrPathClass(ap); c != "" {
		return c
	}
	if tp.SubAttribute != nil && strings.HasPrefix(*tp.SubAttribute, "$") && !strings.EqualFold(*tp.SubAttribute, "$ref") {
		return "DollarNames"
	}
	if c := exprClass(tp.ValueExpression); c != "" {
		return c
	}
	if _, err := fromFPPath(tp); errors.Is(err, errNumberRange) {
		return "NumberOutOfRange"
	}
	if gluedKeyword(in, func(s string) (any, bool) {
		tp, err := theirPath(s)
		if err != nil {
			return nil, false
		}
		p, err := fromFPPath(tp)
		return p, err == nil
	}, func(s string) (any, bool) {
		p, err := ParsePath(s)
		return p, err == nil
	}) {
		return "KeywordGluedToWord"
	}
	return ""
}

// attrPathClass names the deviation an attribute path of theirs falls in.
func attrPathClass(p fp.AttributePath) string {
	for _, n := range []string{p.AttributeName, p.SubAttributeName()} {
		if strings.HasPrefix(n, "$") && !strings.EqualFold(n, "$ref") {
			return "DollarNames"
		}
	}
	if p.URIPrefix == nil {
		return ""
	}
	uri := p.URI()
	if strings.EqualFold(uri, "urn") {
		return "IncompleteURN"
	}
	if !names.HasPrefix(uri, "urn:") {
		return "NonURNPrefix"
	}
	for _, k := range standardSchemas {
		if strings.EqualFold(uri, k) && uri != k {
			return "KnownURNCaseCanonicalised"
		}
		if names.HasPrefix(uri, k+":") {
			return "ExtraSegmentsAfterKnownURN"
		}
	}
	for _, k := range standardSchemas {
		if urnInside(uri+":"+p.AttributeName, k) {
			return "KnownURNAfterUnknownURN"
		}
	}
	return ""
}

// urnInside reports whether urn (in any case) starts a later segment of
// s and ends there (followed by ':' or the end of s). It is written
// apart from names.URNAt, which the parser uses, so that a fault of
// URNAt's cannot excuse itself here.
func urnInside(s, urn string) bool {
	lower, u := strings.ToLower(s), ":"+strings.ToLower(urn)
	for i := 0; ; {
		j := strings.Index(lower[i:], u)
		if j < 0 {
			return false
		}
		end := i + j + len(u)
		if end == len(s) || s[end] == ':' {
			return true
		}
		i += j + 1
	}
}

// gluedKeyword reports whether in owes its rejection by ours to an "and"
// or "or" run into a neighbouring word ("a pr andb pr", "a prand b pr",
// "a eq 1or b pr"), which theirs splits off inside value filters. It puts
// spaces around each such keyword where that leaves their tree unchanged
// (so "color" stays a name), and then requires ours to give their tree.
func gluedKeyword(in string, theirs, ours func(string) (any, bool)) bool {
	want, ok := theirs(in)
	if !ok {
		return false
	}
	s, changed := in, false
	for i := 0; i < len(s); i++ {
		n := 0
		switch {
		case names.HasPrefix(s[i:], "and"):
			n = 3
		case names.HasPrefix(s[i:], "or"):
			n = 2
		default:
			continue
		}
		end := i + n
		if !(i > 0 && isNameChar(s[i-1])) && !(end < len(s) && (isNameChar(s[end]) || s[end] == '$')) {
			continue
		}
		cand := s[:i] + " " + s[i:end] + " " + s[end:]
		if got, ok := theirs(cand); ok && reflect.DeepEqual(got, want) {
			s, changed = cand, true
			i = end + 1
		}
	}
	if !changed {
		return false
	}
	got, ok := ours(s)
	return ok && reflect.DeepEqual(got, want)
}

func walkFP(e fp.Expression, fn func(fp.Expression)) {
	if e == nil {
		return
	}
	fn(e)
	switch x := e.(type) {
	case *fp.LogicalExpression:
		walkFP(x.Left, fn)
		walkFP(x.Right, fn)
	case *fp.NotExpression:
		walkFP(x.Expression, fn)
	case *fp.ValuePath:
		walkFP(x.ValueFilter, fn)
	}
}
