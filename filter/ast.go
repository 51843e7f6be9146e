package filter

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/scimkit/scim/internal/schemaurn"
)

// Standard schema URNs that every Parser knows, so that an attribute path
// prefixed by one of them is split at the right place.
const (
	UserSchema           = schemaurn.User           // urn:ietf:params:scim:schemas:core:2.0:User
	GroupSchema          = schemaurn.Group          // urn:ietf:params:scim:schemas:core:2.0:Group
	EnterpriseUserSchema = schemaurn.EnterpriseUser // urn:ietf:params:scim:schemas:extension:enterprise:2.0:User
)

// AttrPath names an attribute: an optional schema URN, the attribute name
// and an optional sub-attribute, as in RFC 7644 §3.4.2.2 (attrPath).
//
// Names keep the spelling of the input; attribute names are
// case-insensitive under ASCII case folding (RFC 7643 §2.1's ATTRNAME is
// ASCII), so compare them that way. The parser only produces ASCII names,
// on which strings.EqualFold is that comparison.
type AttrPath struct {
	// URI is the schema URN the path was prefixed with, or "" when none.
	// A path that is only a schema URN (a PATCH path naming a whole
	// extension) has URI set and Name empty.
	URI string
	// Name is the attribute name, e.g. "emails".
	Name string
	// Sub is the sub-attribute name, e.g. "value", or "" when none.
	Sub string
}

// String renders the path in SCIM syntax.
func (p AttrPath) String() string {
	var b strings.Builder
	p.write(&b)
	return b.String()
}

func (p AttrPath) write(b *strings.Builder) {
	if p.URI != "" {
		b.WriteString(p.URI)
		if p.Name != "" {
			b.WriteByte(':')
		}
	}
	b.WriteString(p.Name)
	if p.Sub != "" {
		b.WriteByte('.')
		b.WriteString(p.Sub)
	}
}

// Op is a comparison operator of a filter.
type Op string

// The comparison operators of RFC 7644 §3.4.2.2, in their canonical
// lower-case form (the parser accepts any case).
const (
	Eq Op = "eq"
	Ne Op = "ne"
	Co Op = "co"
	Sw Op = "sw"
	Ew Op = "ew"
	Gt Op = "gt"
	Ge Op = "ge"
	Lt Op = "lt"
	Le Op = "le"
)

// Expr is a node of a filter expression: one of *Compare, *Present,
// *Logical, *Not or *ValuePath.
type Expr interface {
	// String renders the expression in SCIM filter syntax; parsing the
	// result gives an equal tree, except that Compare.Unquoted is false
	// throughout, since every string value is rendered quoted.
	String() string
	expr()
}

// Compare is "attrPath compareOp compValue", e.g. userName eq "bjensen".
type Compare struct {
	Path AttrPath
	Op   Op
	// Value is the comparison value: a string, a bool, nil (JSON null),
	// an int64 for integer literals or a float64 for other numbers.
	// String values have their JSON escapes decoded.
	Value any
	// Unquoted is set when Value is a string that the input gave without
	// double quotes, as Microsoft's SCIM validator sends it (userName sw O;
	// see "Leniency: unquoted values" in the package documentation). It
	// lets a caller report the leniency, e.g. log "unquoted filter value
	// \"O\"", or refuse it; Parser.Strict refuses it while parsing.
	// String renders the value quoted, so re-parsing that text gives the
	// same tree with Unquoted false.
	Unquoted bool
}

// Present is "attrPath pr": the attribute has a non-empty value.
type Present struct {
	Path AttrPath
}

// LogicalOp is "and" or "or".
type LogicalOp string

// The logical operators.
const (
	And LogicalOp = "and"
	Or  LogicalOp = "or"
)

// Logical joins two expressions with "and" or "or".
type Logical struct {
	Op          LogicalOp
	Left, Right Expr
}

// Not is "not (expr)".
type Not struct {
	X Expr
}

// ValuePath is "attrPath[valFilter]", e.g. emails[type eq "work"]: some
// element of the multi-valued attribute Path matches Filter. Attribute
// paths inside Filter are relative to the element (their Name is the
// sub-attribute, e.g. "type").
//
// The form Entra ID sends, emails[type eq "work"].value eq "x", is parsed
// into the equivalent emails[type eq "work" and value eq "x"].
type ValuePath struct {
	Path   AttrPath
	Filter Expr
}

func (*Compare) expr()   {}
func (*Present) expr()   {}
func (*Logical) expr()   {}
func (*Not) expr()       {}
func (*ValuePath) expr() {}

// String renders the comparison in SCIM filter syntax.
func (c *Compare) String() string { return exprString(c) }

// String renders the expression in SCIM filter syntax.
func (p *Present) String() string { return exprString(p) }

// String renders the expression in SCIM filter syntax. An operand is
// parenthesised only when the grammar needs it ("and" binds tighter than
// "or" and both are left-associative), so long chains of one operator stay
// flat and re-parse to the same tree.
func (l *Logical) String() string { return exprString(l) }

// String renders the expression in SCIM filter syntax.
func (n *Not) String() string { return exprString(n) }

// String renders the expression in SCIM filter syntax.
func (v *ValuePath) String() string { return exprString(v) }

func exprString(e Expr) string {
	var b strings.Builder
	writeExpr(&b, e)
	return b.String()
}

// writeExpr renders e into b, without building a string per node.
func writeExpr(b *strings.Builder, e Expr) {
	switch x := e.(type) {
	case *Compare:
		x.Path.write(b)
		b.WriteByte(' ')
		b.WriteString(string(x.Op))
		b.WriteByte(' ')
		writeValue(b, x.Value)
	case *Present:
		x.Path.write(b)
		b.WriteString(" pr")
	case *Logical:
		writeOperand(b, x.Left, x.Op == And && isLogical(x.Left, Or))
		b.WriteByte(' ')
		b.WriteString(string(x.Op))
		b.WriteByte(' ')
		// Both operators are left-associative, so a right operand of the
		// same operator needs parentheses; under "and", so does an "or".
		writeOperand(b, x.Right, isLogical(x.Right, x.Op) || (x.Op == And && isLogical(x.Right, Or)))
	case *Not:
		b.WriteString("not (")
		writeExpr(b, x.X)
		b.WriteByte(')')
	case *ValuePath:
		x.Path.write(b)
		b.WriteByte('[')
		writeExpr(b, x.Filter)
		b.WriteByte(']')
	default:
		b.WriteString(e.String())
	}
}

// isLogical reports whether e is a *Logical with operator op.
func isLogical(e Expr, op LogicalOp) bool {
	x, ok := e.(*Logical)
	return ok && x != nil && x.Op == op
}

func writeOperand(b *strings.Builder, e Expr, paren bool) {
	if paren {
		b.WriteByte('(')
	}
	writeExpr(b, e)
	if paren {
		b.WriteByte(')')
	}
}

// writeValue renders a comparison value as a SCIM (JSON) literal. Strings
// get JSON escaping, with non-ASCII characters written as they are. A
// float64 always carries a '.' or an exponent so that it re-parses as a
// float64 rather than an int64.
func writeValue(b *strings.Builder, v any) {
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		b.WriteString(strconv.FormatBool(x))
	case int64:
		b.WriteString(strconv.FormatInt(x, 10))
	case int:
		b.WriteString(strconv.Itoa(x))
	case int32:
		b.WriteString(strconv.FormatInt(int64(x), 10))
	case uint64:
		b.WriteString(strconv.FormatUint(x, 10))
	case uint:
		b.WriteString(strconv.FormatUint(uint64(x), 10))
	case uint32:
		b.WriteString(strconv.FormatUint(uint64(x), 10))
	case float64:
		writeFloat(b, x, 64)
	case float32:
		writeFloat(b, float64(x), 32)
	case string:
		writeString(b, x)
	default:
		writeString(b, "?")
	}
}

func writeFloat(b *strings.Builder, f float64, bits int) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		// JSON has no literal for these; null is the closest honest value.
		b.WriteString("null")
		return
	}
	s := strconv.FormatFloat(f, 'g', -1, bits)
	b.WriteString(s)
	if !strings.ContainsAny(s, ".e") {
		b.WriteString(".0")
	}
}

const hexDigits = "0123456789abcdef"

// writeString writes s as a JSON string literal. Invalid UTF-8 is written
// as \ufffd, since the parser rejects it.
func writeString(b *strings.Builder, s string) {
	b.WriteByte('"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r != utf8.RuneError || size != 1 {
				i += size
				continue
			}
			b.WriteString(s[start:i])
			b.WriteString(`\ufffd`)
			i++
			start = i
			continue
		}
		b.WriteString(s[start:i])
		switch c {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		default:
			b.WriteString(`\u00`)
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&0xf])
		}
		i++
		start = i
	}
	b.WriteString(s[start:])
	b.WriteByte('"')
}

// Path is a PATCH operation path (RFC 7644 §3.5.2):
// attrPath, attrPath "[" valFilter "]" ["." subAttr], or a bare schema URN.
//
// For emails[type eq "work"].value, AttrPath is {Name: "emails", Sub:
// "value"} and Filter is type eq "work". For name.givenName, Sub is
// "givenName" and Filter is nil.
type Path struct {
	AttrPath
	// Filter selects elements of a multi-valued attribute, or nil.
	Filter Expr
}

// String renders the path in SCIM syntax.
func (p Path) String() string {
	if p.Filter == nil {
		return p.AttrPath.String()
	}
	var b strings.Builder
	if p.URI != "" {
		b.WriteString(p.URI)
		b.WriteByte(':')
	}
	b.WriteString(p.Name)
	b.WriteByte('[')
	writeExpr(&b, p.Filter)
	b.WriteByte(']')
	if p.Sub != "" {
		b.WriteByte('.')
		b.WriteString(p.Sub)
	}
	return b.String()
}
