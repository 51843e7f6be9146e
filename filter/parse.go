package filter

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/scimkit/scim/internal/clienttext"
	"github.com/scimkit/scim/internal/jsonscan"
	"github.com/scimkit/scim/internal/names"
	"github.com/scimkit/scim/internal/schemaurn"
)

// Defaults used by a Parser whose MaxLength or MaxDepth is zero.
const (
	DefaultMaxLength = 4096
	DefaultMaxDepth  = 32
)

// Parser parses SCIM filters and PATCH paths. The zero value is ready to
// use; a Parser is never modified by parsing, so one value may be shared by
// any number of goroutines.
type Parser struct {
	// Schemas lists schema URNs to recognise as attribute path prefixes in
	// addition to UserSchema, GroupSchema and EnterpriseUserSchema, e.g.
	// the URNs of custom resource types and extensions. Matching is
	// case-insensitive and the AST gets the spelling given here.
	Schemas []string
	// MaxLength is the longest input accepted, in bytes. Zero or less
	// means DefaultMaxLength.
	MaxLength int
	// MaxDepth is how deeply parentheses, "not (" and value-path brackets
	// may nest. Zero or less means DefaultMaxDepth.
	MaxDepth int
	// Strict rejects unquoted string values (userName sw O), which are
	// otherwise accepted and marked with Compare.Unquoted, with a
	// *SyntaxError such as "string values must be quoted: \"O\" at offset
	// 12 (strict mode)". Everything else parses as without Strict.
	Strict bool
	// SecretNames are the names of the attributes, besides "password"
	// (always one), that a model makes returned "never" (RFC 7643 §2.4):
	// input that names one (a whole attribute name in any letter case,
	// URN-qualified or percent-encoded) and is more than its path has no
	// part of it quoted by a *SyntaxError's message, which shows
	// [REDACTED: names a secret] instead, since the part may be a value
	// compared with the secret. Only an error reads it.
	SecretNames []string
}

// standardSchemas are the URNs every Parser knows: resources' typed reads
// know the same (internal/schemaurn). Never modified.
var standardSchemas = schemaurn.Standard()

// Parse parses a filter (RFC 7644 §3.4.2.2) with the zero Parser.
func Parse(s string) (Expr, error) {
	return Parser{}.Parse(s)
}

// ParsePath parses a PATCH path (RFC 7644 §3.5.2) with the zero Parser.
func ParsePath(s string) (Path, error) {
	return Parser{}.ParsePath(s)
}

// Parse parses a filter such as `userName eq "bjensen"` or
// `emails[type eq "work" and value co "@example.com"] or not (active eq
// true)`. Every error it returns is a *SyntaxError.
func (p Parser) Parse(s string) (Expr, error) {
	st := p.state(s, "filter")
	if err := st.checkInput(); err != nil {
		return nil, err
	}
	e, err := st.parseOr()
	if err != nil {
		return nil, err
	}
	st.skipWS()
	if st.pos < len(s) {
		return nil, st.trailing()
	}
	return e, nil
}

// ParsePath parses a PATCH operation path: an attribute path
// (`name.givenName`, `urn:...:User:manager.value`), a value path with an
// optional sub-attribute (`emails[type eq "work"].value`), or a bare known
// schema URN (`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`,
// giving URI set and Name empty). Every error it returns is a
// *SyntaxError.
func (p Parser) ParsePath(s string) (Path, error) {
	return p.parsePath(s, nil)
}

// parsePath is ParsePath, appending the quoted string values it parses to
// *lits when lits is not nil.
func (p Parser) parsePath(s string, lits *[]Literal) (Path, error) {
	st := p.state(s, "path")
	st.lits = lits
	if err := st.checkInput(); err != nil {
		return Path{}, err
	}
	st.skipWS()
	start := st.pos
	ap, err := st.parseAttrPath(true, "an attribute name")
	if err != nil {
		return Path{}, err
	}
	path := Path{AttrPath: ap}
	if ap.Name != "" {
		end := st.pos
		st.skipWS()
		if st.pos < len(s) && s[st.pos] == '[' {
			f, err := st.parseBracket(start, end, ap)
			if err != nil {
				return Path{}, err
			}
			path.Filter = f
			if st.pos < len(s) && s[st.pos] == '.' {
				st.pos++
				sub, err := st.parseName("a sub-attribute name after '.'")
				if err != nil {
					return Path{}, err
				}
				path.Sub = sub
			}
		} else {
			st.pos = end
		}
	}
	st.skipWS()
	if st.pos < len(s) {
		return Path{}, st.trailing()
	}
	return path, nil
}

// Literal is a quoted string comparison value as the input spelled it.
type Literal struct {
	// Start and End are the byte offsets of its opening quote and of
	// the byte after its closing quote: the input's s[Start:End] is the
	// literal, quotes and escapes included.
	Start, End int
	// Value is the string, its escapes decoded, as Compare.Value holds it.
	Value string
}

// ParsePathLiterals parses s as ParsePath does and also returns the
// quoted string comparison values of its value filter in the order they
// appear in s (nil when there are none). A caller that must change a
// value without changing how the rest of the path was sent (its white
// space, its unquoted values, the escapes of its other strings) splices
// Quote's rendering of the new value at the literal's offsets, rather
// than rendering the whole Path anew with String.
func (p Parser) ParsePathLiterals(s string) (Path, []Literal, error) {
	var lits []Literal
	path, err := p.parsePath(s, &lits)
	if err != nil {
		return Path{}, nil, err
	}
	return path, lits, nil
}

// Quote renders s as a quoted string of the filter grammar (a JSON
// string), as String writes a string value.
func Quote(s string) string {
	var b strings.Builder
	writeString(&b, s)
	return b.String()
}

// state is one parse in progress.
type state struct {
	s        string
	pos      int
	depth    int
	maxDepth int
	maxLen   int
	schemas  []string
	what     string     // "filter" or "path", for messages
	valueAt  int        // offset of the '[' whose value filter is being parsed, or -1
	strict   bool       // Parser.Strict: unquoted string values are errors
	lits     *[]Literal // where quoted string values are recorded, or nil
	secrets  []string   // Parser.SecretNames, for messages
}

func (p Parser) state(s, what string) state {
	st := state{s: s, maxDepth: p.MaxDepth, maxLen: p.MaxLength, schemas: p.Schemas, what: what, valueAt: -1, strict: p.Strict, secrets: p.SecretNames}
	if st.maxDepth <= 0 {
		st.maxDepth = DefaultMaxDepth
	}
	if st.maxLen <= 0 {
		st.maxLen = DefaultMaxLength
	}
	return st
}

func (st *state) checkInput() error {
	if len(st.s) > st.maxLen {
		return &SyntaxError{Offset: st.maxLen, Msg: st.what + " is longer than " + strconv.Itoa(st.maxLen) + " bytes", kind: ErrTooLong, whole: true}
	}
	for i := 0; i < len(st.s); i++ {
		if !isSpace(st.s[i]) {
			return nil
		}
	}
	return &SyntaxError{Msg: st.what + " is empty", whole: true}
}

// parseOr parses `and-expr *("or" and-expr)`, left-associative.
func (st *state) parseOr() (Expr, error) {
	left, err := st.parseAnd()
	if err != nil {
		return nil, err
	}
	for {
		st.skipWS()
		if !st.keyword("or") {
			return left, nil
		}
		st.pos += 2
		right, err := st.parseAnd()
		if err != nil {
			return nil, err
		}
		left = &Logical{Op: Or, Left: left, Right: right}
	}
}

// parseAnd parses `unary *("and" unary)`, left-associative.
func (st *state) parseAnd() (Expr, error) {
	left, err := st.parseUnary()
	if err != nil {
		return nil, err
	}
	for {
		st.skipWS()
		if !st.keyword("and") {
			return left, nil
		}
		st.pos += 3
		right, err := st.parseUnary()
		if err != nil {
			return nil, err
		}
		left = &Logical{Op: And, Left: left, Right: right}
	}
}

// parseUnary parses a group, a "not (...)", or an attribute expression.
func (st *state) parseUnary() (Expr, error) {
	st.skipWS()
	s := st.s
	if st.pos < len(s) {
		switch c := s[st.pos]; {
		case c == '(':
			return st.parseGroup()
		case (c == 'n' || c == 'N') && st.keyword("not"):
			j := skipSpace(s, st.pos+3)
			if j < len(s) && s[j] == '(' {
				st.pos = j
				x, err := st.parseGroup()
				if err != nil {
					return nil, err
				}
				return &Not{X: x}, nil
			}
			// "not" is also a legal attribute name; only complain when
			// what follows cannot continue an attribute expression.
			if !st.attrContinues(st.pos + 3) {
				return nil, st.errFound(j, "expected '(' after 'not'", j)
			}
		}
	}
	return st.parseAttrExpr()
}

// attrContinues reports whether the input at i (just after a name) can
// continue an attribute expression: a '[', '.', or an operator.
func (st *state) attrContinues(i int) bool {
	s := st.s
	if i < len(s) && (s[i] == '[' || s[i] == '.') {
		return true
	}
	i = skipSpace(s, i)
	if i < len(s) && s[i] == '[' {
		return true
	}
	w := wordEnd(s, i)
	if w-i != 2 {
		return false
	}
	_, ok := lookupOp(s[i], s[i+1])
	return ok || equalFold2(s[i:w], "pr")
}

// parseGroup parses "(" filter ")" at st.pos.
func (st *state) parseGroup() (Expr, error) {
	open := st.pos
	if err := st.enter(open); err != nil {
		return nil, err
	}
	st.pos++
	x, err := st.parseOr()
	if err != nil {
		return nil, err
	}
	st.skipWS()
	if st.pos >= len(st.s) || st.s[st.pos] != ')' {
		return nil, st.errFound(open, "expected ')' to close '('", st.pos)
	}
	st.pos++
	st.depth--
	return x, nil
}

func (st *state) enter(at int) error {
	st.depth++
	if st.depth > st.maxDepth {
		return &SyntaxError{Offset: at, Msg: st.what + " nests deeper than " + strconv.Itoa(st.maxDepth) + " levels", kind: ErrTooDeep}
	}
	return nil
}

// parseAttrExpr parses `attrPath op value`, `attrPath pr`, or a value
// path, including the `attrPath[filter].sub op value` form.
func (st *state) parseAttrExpr() (Expr, error) {
	start := st.pos
	ap, err := st.parseAttrPath(false, "an attribute name, '(' or 'not'")
	if err != nil {
		return nil, err
	}
	end := st.pos
	st.skipWS()
	if st.pos >= len(st.s) || st.s[st.pos] != '[' {
		return st.parseOpValue(start, end, ap)
	}
	f, err := st.parseBracket(start, end, ap)
	if err != nil {
		return nil, err
	}
	vp := &ValuePath{Path: ap, Filter: f}
	if st.pos < len(st.s) && st.s[st.pos] == '.' {
		// Entra ID: emails[type eq "work"].value eq "x" means
		// emails[type eq "work" and value eq "x"].
		st.pos++
		sub, err := st.parseName("a sub-attribute name after '.'")
		if err != nil {
			return nil, err
		}
		x, err := st.parseOpValue(start, st.pos, AttrPath{Name: sub})
		if err != nil {
			return nil, err
		}
		vp.Filter = &Logical{Op: And, Left: f, Right: x}
	}
	return vp, nil
}

// parseBracket parses "[" valFilter "]" at st.pos, for the attribute path
// ap spelled s[start:end].
func (st *state) parseBracket(start, end int, ap AttrPath) (Expr, error) {
	open := st.pos
	if ap.Sub != "" {
		return nil, &SyntaxError{Offset: open, Msg: "a value filter cannot follow the sub-attribute path " + st.quote(st.s[start:end]),
			detail: " (filter the multi-valued attribute instead, as in emails[type eq \"work\"].value)"}
	}
	if st.valueAt >= 0 {
		return nil, &SyntaxError{Offset: open, Msg: "value paths cannot be nested",
			detail: " (this '[' is inside the value filter opened at offset " + strconv.Itoa(st.valueAt) + ")"}
	}
	if err := st.enter(open); err != nil {
		return nil, err
	}
	st.valueAt = open
	st.pos++
	f, err := st.parseOr()
	if err != nil {
		return nil, st.inValueFilter(open, err)
	}
	st.skipWS()
	if st.pos >= len(st.s) || st.s[st.pos] != ']' {
		// the filter does not end where the brackets should
		return nil, st.inValueFilter(open, st.errFound(open, "expected ']' to close '['", st.pos))
	}
	st.pos++
	st.valueAt = -1
	st.depth--
	return f, nil
}

// inValueFilter marks err, found after the '[' at open, with
// ErrInValueFilter when a ']' closes the bracket later and something
// stands between the two: a value filter that is there, malformed, which
// RFC 7644 §3.12 answers invalidFilter in a PATCH path. A '[' never
// closed (title[, emails[type eq "work") or closed on nothing (emails[])
// holds no value filter to be malformed: the path itself is not a path
// (RFC 7644 §3.5.2's valuePath is attrPath "[" valFilter "]"), invalidPath.
func (st *state) inValueFilter(open int, err error) error {
	rest := st.s[open+1:]
	i := strings.IndexByte(rest, ']')
	if i < 0 || strings.TrimSpace(rest[:i]) == "" {
		return err
	}
	if se, ok := err.(*SyntaxError); ok {
		se.inValue = true
	}
	return err
}

// parseOpValue parses the operator and value after the attribute path ap,
// spelled s[start:end].
func (st *state) parseOpValue(start, end int, ap AttrPath) (Expr, error) {
	s := st.s
	st.skipWS()
	at := st.pos
	w := wordEnd(s, at)
	if w == at {
		return nil, st.errFound(at, "expected an operator after "+st.quote(s[start:end]), at)
	}
	word := s[at:w]
	if len(word) == 2 {
		if op, ok := lookupOp(word[0], word[1]); ok {
			st.pos = w
			st.skipWS()
			valueAt := st.pos
			v, unquoted, err := st.parseValue(word)
			if err != nil {
				return nil, err
			}
			if op == Gt || op == Ge || op == Lt || op == Le {
				if lit, bad := nonOrderable(v); bad {
					return nil, &SyntaxError{Offset: valueAt, Msg: "'" + word + "' cannot be used with " + lit, // an operator: no value
						detail: " (gt, ge, lt and le compare strings, numbers and dates; compare with true, false or null by eq or ne)", kind: ErrUnsupportedComparison}
				}
			}
			return &Compare{Path: ap, Op: op, Value: v, Unquoted: unquoted}, nil
		}
		if equalFold2(word, "pr") {
			st.pos = w
			if j := skipSpace(s, w); st.startsValue(j) {
				return nil, &SyntaxError{Offset: j, Msg: "'pr' takes no value"}
			}
			return &Present{Path: ap}, nil
		}
	}
	return nil, &SyntaxError{Offset: at, Msg: "unknown operator " + st.quote(word),
		detail: " (expected eq, ne, co, sw, ew, gt, ge, lt, le or pr)"}
}

func nonOrderable(v any) (string, bool) {
	switch x := v.(type) {
	case nil:
		return "null", true
	case bool:
		return strconv.FormatBool(x), true
	}
	return "", false
}

// lookupOp maps a two-letter comparison operator, in any case, to its Op.
func lookupOp(a, b byte) (Op, bool) {
	const k = 8
	switch uint16(a|0x20)<<k | uint16(b|0x20) {
	case 'e'<<k | 'q':
		return Eq, true
	case 'n'<<k | 'e':
		return Ne, true
	case 'c'<<k | 'o':
		return Co, true
	case 's'<<k | 'w':
		return Sw, true
	case 'e'<<k | 'w':
		return Ew, true
	case 'g'<<k | 't':
		return Gt, true
	case 'g'<<k | 'e':
		return Ge, true
	case 'l'<<k | 't':
		return Lt, true
	case 'l'<<k | 'e':
		return Le, true
	}
	return "", false
}

// startsValue reports whether a comparison value starts at i.
func (st *state) startsValue(i int) bool {
	s := st.s
	if i >= len(s) {
		return false
	}
	switch c := s[i]; {
	case c == '"' || c == '-' || isDigit(c):
		return true
	case isAlpha(c):
		w := s[i:wordEnd(s, i)]
		return names.Equal(w, "true") || names.Equal(w, "false") || names.Equal(w, "null")
	}
	return false
}

// parseValue parses a comparison value at st.pos, after the operator op:
// a JSON string, number, true, false or null, or else a bare word, which
// is an unquoted string (reported as such, or an error in strict mode).
func (st *state) parseValue(op string) (v any, unquoted bool, err error) {
	s := st.s
	at := st.pos
	if at >= len(s) {
		return nil, false, st.errFound(at, "expected a value after '"+op+"'", at) // an operator: no value
	}
	c := s[at]
	switch c {
	case '"':
		v, err := st.parseString()
		if err == nil && st.lits != nil {
			*st.lits = append(*st.lits, Literal{Start: at, End: st.pos, Value: v})
		}
		return v, false, err
	case '\'':
		return nil, false, &SyntaxError{Offset: at, Msg: "strings need double quotes, not single quotes"}
	}
	w := bareEnd(s, at)
	if w == at {
		return nil, false, st.errFound(at, "expected a value after '"+op+"'", at) // an operator: no value
	}
	word := s[at:w]
	if c == '-' || isDigit(c) {
		if end, isInt, ok := jsonscan.Number(s, at); ok && end == w {
			st.pos = w
			v, err := st.numberValue(word, isInt, at)
			return v, false, err
		}
	} else if len(word) == 4 || len(word) == 5 {
		switch {
		case names.Equal(word, "true"):
			st.pos = w
			return true, false, nil
		case names.Equal(word, "false"):
			st.pos = w
			return false, false, nil
		case names.Equal(word, "null"):
			st.pos = w
			return nil, false, nil
		}
	}
	if w < len(s) && s[w] >= utf8.RuneSelf {
		// bareEnd stopped at a non-printable rune, which the caller
		// reports as unexpected, or at invalid UTF-8, reported here.
		if r, size := utf8.DecodeRuneInString(s[w:]); r == utf8.RuneError && size == 1 {
			return nil, false, &SyntaxError{Offset: w, Msg: "invalid UTF-8 in unquoted value " + st.quote(word)}
		}
	}
	if st.strict {
		return nil, false, &SyntaxError{Offset: at, Msg: "string values must be quoted: " + st.quoteJSON(word), detail: " (strict mode)"}
	}
	st.pos = w
	return word, true, nil
}

// bareEnd returns the end of the bare word (an unquoted value) starting at
// i. A bare word is a run of printable characters other than the space,
// '"', '(', ')', '[' and ']', so that it ends before the ')' or ']' that
// closes a group or value filter. Letters of any script, digits and
// punctuation such as . @ : - + / % ' \ are part of it, taken literally
// (no escapes). Whitespace, a control character, a non-printable or
// invalid UTF-8 sequence ends it.
func bareEnd(s string, i int) int {
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			if !isBareByte(c) {
				return i
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || !unicode.IsPrint(r) {
			return i
		}
		i += size
	}
	return i
}

// isBareByte reports whether the ASCII byte c may appear in a bare word.
func isBareByte(c byte) bool {
	switch c {
	case '"', '(', ')', '[', ']':
		return false
	}
	return c > ' ' && c < 0x7f
}

// quoteJSON renders tok, a part of the input, as a JSON string, for a
// message that shows how the token should have been written: an excerpt
// if long, concealed when the input names a secret attribute
// (excerptOf).
func (st *state) quoteJSON(tok string) string {
	head, rest := st.excerptOf(tok)
	return Quote(head) + rest
}

// excerptOf is clienttext.Secrets.ExcerptOf of tok, a part of the input,
// with the Parser's SecretNames: their lookup table is built here, on
// the way to an error, so that a filter that parses never pays for it.
func (st *state) excerptOf(tok string) (head, rest string) {
	return clienttext.NewSecrets(st.secrets...).ExcerptOf(st.s, tok)
}

// parseString parses the JSON string at st.pos (RFC 7644 §3.4.2.2's
// compValue strings are RFC 7159's) with the string walk and decoder
// every request body is read with (jsonscan's CheckString and Unquote),
// refusing as well what JSON takes and a filter does not: a byte that is
// not UTF-8 and an escape of half a surrogate pair alone, each of which
// Unquote would make U+FFFD, a character the client never sent (a request
// body with either is refused too). The problem nearest the opening
// quote is the one reported, with its offset. Without escapes the result
// is a substring of the input.
func (st *state) parseString() (string, error) {
	s, start := st.s, st.pos
	end, ok := jsonscan.CheckString(s, start)
	stop := end // where the string stops being JSON, or its closing quote
	if ok {
		stop--
	}
	body := s[start+1 : stop]
	bad := jsonscan.InvalidUTF8(body)
	var raw []byte // body, when it escapes a character
	if strings.IndexByte(body, '\\') >= 0 {
		raw = []byte(body)
		if at := jsonscan.LoneSurrogate(raw); at >= 0 && (bad < 0 || at < bad) {
			return "", &SyntaxError{Offset: start + 1 + at, Msg: "unpaired surrogate " + st.quote(body[at:at+6]) + " in string",
				detail: " (characters outside the Basic Multilingual Plane need a \\uD800-\\uDBFF escape followed by a \\uDC00-\\uDFFF escape)"}
		}
	}
	switch {
	case bad >= 0:
		return "", &SyntaxError{Offset: start + 1 + bad, Msg: "invalid UTF-8 in string"}
	case !ok:
		return "", st.stringError(start, stop)
	}
	st.pos = end
	if raw == nil {
		return body, nil
	}
	return jsonscan.Unquote(raw), nil
}

// stringError is the error of the string that starts at start and stops
// being JSON at at (jsonscan.CheckString): never closed, an escape JSON
// does not define, or a control character written as it is.
func (st *state) stringError(start, at int) error {
	s := st.s
	switch {
	case at >= len(s):
		return &SyntaxError{Offset: start, Msg: "unterminated string starting"}
	case s[at] == '\\' && s[at+1] == 'u':
		return &SyntaxError{Offset: at, Msg: "invalid \\u escape in string", detail: " (expected 4 hex digits after \\u)"}
	case s[at] == '\\':
		_, size := utf8.DecodeRuneInString(s[at+1:])
		return &SyntaxError{Offset: at, Msg: "invalid escape " + st.describe(at, 1+size) + " in string",
			detail: ` (valid escapes are \" \\ \/ \b \f \n \r \t and \uXXXX)`}
	}
	c := s[at]
	return &SyntaxError{Offset: at, Msg: "unescaped control character " + runeName(rune(c)) + " in string",
		detail: " (write it as \\u00" + string(hexDigits[c>>4]) + string(hexDigits[c&0xf]) + ")"}
}

// numberValue converts the JSON number tok, found at offset at, into an
// int64 when it is an integer literal that fits, otherwise a float64.
func (st *state) numberValue(tok string, isInt bool, at int) (any, error) {
	if isInt {
		if n, err := strconv.ParseInt(tok, 10, 64); err == nil {
			return n, nil
		}
	}
	f, err := strconv.ParseFloat(tok, 64)
	if err != nil {
		return nil, &SyntaxError{Offset: at, Msg: "number " + st.quote(tok) + " is out of range"}
	}
	return f, nil
}

// parseAttrPath parses an attribute path at st.pos. With bare, a known
// schema URN alone is accepted (URI set, Name empty). what describes the
// expected token for the error when no name starts at st.pos.
func (st *state) parseAttrPath(bare bool, what string) (AttrPath, error) {
	if names.HasPrefix(st.s[st.pos:], "urn:") {
		return st.parseURNPath(bare)
	}
	name, err := st.parseName(what)
	if err != nil {
		return AttrPath{}, err
	}
	return st.parseSub(AttrPath{Name: name})
}

// parseSub parses the optional "." subAttr after an attribute name.
func (st *state) parseSub(ap AttrPath) (AttrPath, error) {
	s := st.s
	if st.pos < len(s) && s[st.pos] == '.' {
		st.pos++
		sub, err := st.parseName("a sub-attribute name after '.'")
		if err != nil {
			return AttrPath{}, err
		}
		ap.Sub = sub
		if st.pos < len(s) && s[st.pos] == '.' {
			return AttrPath{}, &SyntaxError{Offset: st.pos, Msg: "unexpected '.'",
				detail: " (an attribute path has at most one sub-attribute, as in name.givenName)"}
		}
	}
	if st.pos < len(s) && s[st.pos] == ':' {
		return AttrPath{}, &SyntaxError{Offset: st.pos, Msg: "unexpected ':'",
			detail: " (a schema URN prefix starts with \"urn:\" and ends before the attribute name)"}
	}
	return ap, nil
}

// parseURNPath parses an attribute path starting with "urn:". A known
// schema URN is matched as the longest case-insensitive prefix followed by
// ':' (or, with bare, by the end of the path); otherwise the URN ends at
// the last ':' before the attribute name.
func (st *state) parseURNPath(bare bool) (AttrPath, error) {
	s := st.s
	start := st.pos
	best, bestBare := "", false
	consider := func(k string) {
		k = strings.TrimSuffix(k, ":")
		if len(k) <= len(best) || !names.HasPrefix(s[start:], k) {
			return
		}
		end := start + len(k)
		switch {
		case end < len(s) && s[end] == ':':
			best, bestBare = k, false
		case bare && (end == len(s) || isSpace(s[end])):
			best, bestBare = k, true
		}
	}
	for _, k := range standardSchemas {
		consider(k)
	}
	for _, k := range st.schemas {
		consider(k)
	}
	if best != "" {
		st.pos = start + len(best)
		if bestBare {
			return AttrPath{URI: best}, nil
		}
		st.pos++
		name, err := st.parseName("an attribute name after the schema URN")
		if err != nil {
			return AttrPath{}, err
		}
		if names.Equal(name, "urn") && st.pos < len(s) && s[st.pos] == ':' {
			return AttrPath{}, st.nestedURN(st.pos-len(name), "'"+best+"'")
		}
		return st.parseSub(AttrPath{URI: best, Name: name})
	}

	end := start
	for end < len(s) && isURNChar(s[end]) {
		end++
	}
	// A known schema URN after this unknown one is refused as after a
	// known one: the unknown URN is taken to end before it.
	if at := names.NestedURNAt(s[start:end], standardSchemas[:], st.schemas); at >= 0 {
		return AttrPath{}, st.nestedURN(start+at, st.quote(s[start:start+at-1]))
	}
	colon := start + strings.LastIndexByte(s[start:end], ':')
	uri := s[start:colon]
	segStart, segs := start, 0
	for i := start; i <= colon; i++ {
		if i == colon || s[i] == ':' {
			if i == segStart {
				return AttrPath{}, &SyntaxError{Offset: i, Msg: "empty segment in schema URN " + st.quote(s[start:end])}
			}
			segs++
			segStart = i + 1
		}
	}
	if segs < 2 {
		return AttrPath{}, &SyntaxError{Offset: start, Msg: "incomplete schema URN " + st.quote(s[start:end]),
			detail: " (expected urn:<namespace>:...:<attribute>)"}
	}
	st.pos = colon + 1
	name, err := st.parseName("an attribute name after the schema URN")
	if err != nil {
		return AttrPath{}, err
	}
	return st.parseSub(AttrPath{URI: uri, Name: name})
}

// nestedURN is the error of a path that puts a second schema URN, at offset
// at, after another, after
// ("urn:...:core:2.0:User:urn:...:enterprise:2.0:User:department", or a
// known schema URN after an unknown one, names.URNAt): it names no
// attribute, as an attribute name holds no ':' (RFC 7643 §2.1). The body
// readers refuse the same name as a key (resources' urnsNest). after is
// quoted: a known schema's id whole, as it is not the client's text, the
// client's unknown URN by quote.
func (st *state) nestedURN(at int, after string) error {
	s := st.s
	end := at
	for end < len(s) && isURNChar(s[end]) {
		end++
	}
	return &SyntaxError{Offset: at, Msg: "schema URN " + st.quote(s[at:end]) + " after " + after,
		detail: ": schema URNs do not nest (an attribute name holds no ':', RFC 7643 §2.1)"}
}

// parseName parses ATTRNAME (ALPHA *nameChar) or "$ref" at st.pos.
func (st *state) parseName(what string) (string, error) {
	s := st.s
	i := st.pos
	if i < len(s) && s[i] == '$' {
		if names.HasPrefix(s[i+1:], "ref") && (i+4 == len(s) || !isNameChar(s[i+4])) {
			st.pos = i + 4
			return s[i : i+4], nil
		}
		return "", &SyntaxError{Offset: i, Msg: "invalid attribute name " + st.quote(s[i:wordEnd(s, i+1)]),
			detail: " (the only name starting with '$' is $ref)"}
	}
	if i >= len(s) || !isAlpha(s[i]) {
		return "", st.errFound(i, "expected "+what, i)
	}
	j := wordEnd(s, i)
	st.pos = j
	return s[i:j], nil
}

// keyword reports whether the word at st.pos is kw, in any case.
func (st *state) keyword(kw string) bool {
	s := st.s
	w := wordEnd(s, st.pos)
	return w-st.pos == len(kw) && names.Equal(s[st.pos:w], kw)
}

func (st *state) skipWS() { st.pos = skipSpace(st.s, st.pos) }

// trailing returns the error for unexpected input at st.pos after a
// complete filter or path.
func (st *state) trailing() error {
	switch st.s[st.pos] {
	case ')':
		return &SyntaxError{Offset: st.pos, Msg: "unexpected ')'", detail: " with no matching '('"}
	case ']':
		return &SyntaxError{Offset: st.pos, Msg: "unexpected ']'", detail: " with no matching '['"}
	}
	detail := ", expected 'and', 'or' or end of filter"
	if st.what == "path" {
		detail = ", expected end of path"
	}
	return &SyntaxError{Offset: st.pos, Msg: "unexpected " + st.describe(st.pos, 0), detail: detail}
}

// errFound returns the error msg at offset, with ", found X at offset at"
// (or ", found end of filter") as detail.
func (st *state) errFound(offset int, msg string, at int) error {
	e := &SyntaxError{Offset: offset, Msg: msg}
	if at >= len(st.s) {
		e.detail = ", found end of " + st.what
	} else if at == offset {
		e.detail = ", found " + st.describe(at, 0)
	} else {
		e.detail = ", found " + st.describe(at, 0) + " at offset " + strconv.Itoa(at)
	}
	return e
}

// describe quotes the token at i for a message: a word, a string, n bytes
// when n > 0, or one character.
func (st *state) describe(i, n int) string {
	s := st.s
	if i >= len(s) {
		return "end of " + st.what
	}
	end := i
	switch c := s[i]; {
	case n > 0:
		end = min(i+n, len(s))
	case isNameChar(c) || c == '$':
		end = wordEnd(s, i+1)
	case c == '"':
		end = i + 1
		for end < len(s) && s[end] != '"' {
			if s[end] == '\\' {
				end++
			}
			end++
		}
		end = min(end+1, len(s))
	default:
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			return "byte 0x" + string(hexDigits[c>>4]) + string(hexDigits[c&0xf])
		}
		if !unicode.IsPrint(r) {
			return runeName(r)
		}
		end = i + size
	}
	return st.quote(s[i:end])
}

// quote puts tok, a part of the input, between single quotes, an excerpt
// if long (excerptOf: bounded, without a token, and concealed
// when the input names a secret attribute: in password eq correct Hunter2, the
// unexpected 'Hunter2' is half of one).
func (st *state) quote(tok string) string {
	head, rest := st.excerptOf(tok)
	if !utf8.ValidString(head) {
		head = strings.ToValidUTF8(head, "\uFFFD")
	}
	return "'" + head + "'" + rest
}

// runeName returns the U+XXXX name of r.
func runeName(r rune) string {
	h := strings.ToUpper(strconv.FormatInt(int64(r), 16))
	return "U+" + strings.Repeat("0", max(0, 4-len(h))) + h
}

func skipSpace(s string, i int) int {
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	return i
}

// wordEnd returns the end of the run of nameChars starting at i.
func wordEnd(s string, i int) int {
	for i < len(s) && isNameChar(s[i]) {
		i++
	}
	return i
}

func equalFold2(a, b string) bool { return len(a) == 2 && a[0]|0x20 == b[0] && a[1]|0x20 == b[1] }

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isAlpha(c byte) bool { return (c|0x20) >= 'a' && (c|0x20) <= 'z' }
func isNameChar(c byte) bool {
	return isAlpha(c) || isDigit(c) || c == '-' || c == '_'
}

// isURNChar reports whether c may appear in a schema URN prefix (RFC 8141
// allows more, but these cover real SCIM schema URNs).
func isURNChar(c byte) bool {
	return isNameChar(c) || c == ':' || c == '.' || c == '~' || c == '%' || c == '$'
}
