package query

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/internal/clienttext"
	"github.com/scimkit/scim/internal/names"

	"github.com/scimkit/scim/resources"
)

// FilterError reports a filter that cannot be evaluated against a resource
// type: an attribute the type does not define (except inside a value filter
// on a whole extension, whose members are compared as stored), or an
// operator that makes no sense for the attribute (gt on a boolean, eq on a
// complex attribute without a sub-attribute). The handler answers it with
// 400 invalidFilter and Error() as the detail, so the text is written for
// the client.
type FilterError struct {
	// Msg describes the problem, e.g. `filter path "foo" is not an attribute of User or its extensions; send one that GET /Schemas lists`.
	Msg string
}

// Error returns Msg.
func (e *FilterError) Error() string { return e.Msg }

// filterErrorf is the FilterError of format and args, made as every
// message from client text is (clienttext.Sprintf): an attribute path
// the filter names is the client's text, quoted in part when long, its
// token-shaped text redacted, as a filter's syntax error quotes it.
func filterErrorf(format string, args ...any) error {
	return &FilterError{Msg: clienttext.Sprintf(format, args...)}
}

// Evaluator evaluates filters on resource documents of one resource type:
// the map form resources.ToMap renders (canonical attribute names,
// json.Number numbers, extension objects under their URN keys). It holds no
// state besides Type and is safe for concurrent use.
//
// The semantics follow RFC 7644 §3.4.2.2:
//   - Attribute names match case-insensitively. A path may carry the core
//     schema URN or an extension URN; extension attributes are looked up
//     under the extension's URN key of the document. The common attributes
//     id, externalId and meta.* resolve like core attributes.
//   - Strings compare exactly when the attribute is caseExact and
//     case-insensitively (Unicode simple folding) otherwise; gt/ge/lt/le
//     order them lexicographically (by lower-cased runes when not
//     caseExact).
//   - Numbers compare numerically (json.Number against int64 or float64);
//     dateTime values compare as instants (RFC 3339); booleans accept only
//     eq and ne (a string "true"/"false" in any case is taken as the
//     boolean, as Entra ID writes them). gt/ge/lt/le on boolean or binary
//     attributes is a *FilterError.
//   - An operand of another type than its attribute is read as the
//     attribute's type (userName gt 1 compares "1"; "5" for an integer
//     is 5): a Conversion, which Matcher.Conversions lists, so that the
//     handler warns of it, or refuses it in strict mode.
//   - A multi-valued attribute matches when any of its values matches. On a
//     complex attribute without a sub-attribute in the path (emails eq "x")
//     the "value" sub-attribute is compared.
//   - "ne" is "the attribute and operator values are not identical". On
//     a multi-valued attribute, as every operator, it matches when any
//     value matches: some value is not identical to the operand, so
//     emails.type ne "work" is emails[type ne "work"] (an element without
//     a type counts, a user without emails does not), and "no value is
//     work" is not (emails.type eq "work"). On a single-valued attribute
//     it is "not eq", so it is true when the attribute is absent. Every
//     other comparison is false on an absent attribute.
//   - "eq null" is true when the attribute is not present (see "pr") and
//     "ne null" when it is; other operators with null are a *FilterError.
//   - "pr" is true when the attribute has a value that is not null, "",
//     an empty list or an empty object. On an attribute or extension a
//     host's subset narrowed, only what the model keeps counts
//     (KeptFilter): a response leaves the rest out, and a value
//     holding nothing the model keeps is none, for a value filter and
//     a multi-valued "ne" too.
//   - An attribute no schema of the type defines is a *FilterError, in a
//     registered extension as in the core schema: the handler never
//     stores one (resources.Lenience), so there is nothing to match.
//   - attr[filter] matches when some element of attr matches filter, whose
//     paths name sub-attributes of attr.
type Evaluator struct {
	// Type is the resource type whose attributes filters name.
	Type *resources.ResourceType
}

// NewEvaluator returns an Evaluator for resources of type rt.
func NewEvaluator(rt *resources.ResourceType) *Evaluator { return &Evaluator{Type: rt} }

// Matcher is a filter compiled against a resource type by
// Evaluator.Compile: paths are resolved and operands converted once, so
// matching many documents does no more work than the comparisons. A
// Matcher is immutable and safe for concurrent use; a nil *Matcher matches
// every document.
type Matcher struct {
	fn func(doc map[string]any) bool
	// rt and e are the resource type and the filter Compile made it
	// from (nil for CompileElement's), so that a Query's Compiled is used
	// only for its own Filter (see QueryMatcher).
	rt *resources.ResourceType
	e  filter.Expr
	// conv are the operands predicate read as another type than sent.
	conv []Conversion
	// secrets is the compiled type's secret set that conv's messages and a
	// refusal's conceal by (target.secrets), built at the first one
	// (secretsBuilt, since the set of a type with none is nil) and shared
	// by every one Compile makes: while the Matcher is compiled, never
	// once it is returned.
	secrets      *clienttext.Secrets
	secretsBuilt bool
}

// Conversion is a comparison operand of a filter read as another type
// than it was sent, to fit the attribute it is compared with: a number or
// boolean compared with a string attribute is read as its text (ToText:
// userName gt 1 compares "1"), a string compared with a boolean or number
// attribute as the boolean or number it spells (ToBool: active eq "True"
// is active eq true; "5" for an integer is 5). The Evaluator decides it,
// once, for every store: a SQL store reads the operand with the same
// ToText and ToBool. The handler shows each as a warning and refuses it
// in strict mode.
type Conversion struct {
	// Path is the attribute path as the filter wrote it; inside a value
	// filter, after the path of the attribute filtered and a dot
	// ("emails.primary" for emails[primary eq "True"]; CompileElement's
	// attribute by its name), so a warning names the attribute whole.
	Path string
	// Type is the type of the attribute's values ("string", "boolean",
	// "integer", ...; resources.Type*).
	Type string
	// Sent is the operand as parsed: a string, bool, int64, float64 or
	// json.Number.
	Sent any
	// Read is what it was read as: a string, a bool, or (for a number
	// attribute) the number's text as a json.Number.
	Read any
	// secrets is the resource type's (resources.ResourceType.SecretNames),
	// which the messages conceal an operand by (operand).
	secrets *clienttext.Secrets
}

// Warning says for a human how c was read, the one text the handler and
// the PATCH engine record for it: filter value "True" for boolean
// attribute "active" read as true.
func (c Conversion) Warning() string {
	return c.secrets.Sprintf("filter value %s for %s attribute %q read as %s", c.literal(c.Sent), c.Type, c.Path, c.literal(c.Read))
}

// Refusal is strict mode's detail for c, saying what to send: "active"
// is a boolean and the filter compares it with "True"; send true.
func (c Conversion) Refusal() string {
	return c.secrets.Sprintf("%q is %s %s and the filter compares it with %s; send %s (strict mode)", c.Path, article(c.Type), c.Type, c.literal(c.Sent), c.literal(c.Read))
}

// literal is filterLiteral of v, an operand compared with c.Path, unless
// operand conceals it.
func (c Conversion) literal(v any) string {
	return operand(c.secrets, c.Path, v)
}

// operand is filterLiteral(v), v an operand the filter compares the
// attribute path with, for a message; clienttext.Concealed when path
// names a secret (secrets.NamesSecret: the password, or an attribute the
// resource type's model makes returned "never"): a value compared with it
// may be one, or a guess at one. It is the guard of every message of this
// package that shows an operand (Conversion's, describe's).
func operand(secrets *clienttext.Secrets, path string, v any) string {
	if secrets.NamesSecret(path) {
		return clienttext.Concealed
	}
	return filterLiteral(secrets, v)
}

// filterLiteral renders a filter operand as a filter writes it: a string
// quoted (secrets.Quote: the client's text, bounded, no token, concealed
// when it names one of the type's secrets), null, a number or boolean
// bare. Every message of this package that shows an operand renders it
// here (through operand).
func filterLiteral(secrets *clienttext.Secrets, v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return secrets.Quote(x)
	}
	return fmt.Sprint(v)
}

// article is the indefinite article before an attribute type's name.
func article(typ string) string {
	if typ != "" && strings.ContainsRune("aeiouAEIOU", rune(typ[0])) {
		return "an"
	}
	return "a"
}

// Conversions returns the operands Compile read as another type than they
// were sent, in the filter's order; none for a nil Matcher.
func (m *Matcher) Conversions() []Conversion {
	if m == nil {
		return nil
	}
	return m.conv
}

// Match reports whether doc matches the compiled filter.
func (m *Matcher) Match(doc map[string]any) bool {
	if m == nil || m.fn == nil {
		return true
	}
	return m.fn(doc)
}

// Compile checks e against the resource type and returns a Matcher for it.
// A nil e gives a Matcher that matches every document. Problems with the
// filter are *FilterError.
func (ev *Evaluator) Compile(e filter.Expr) (*Matcher, error) {
	if ev == nil || ev.Type == nil || ev.Type.Schema == nil {
		return nil, fmt.Errorf("store: Evaluator has no resource type")
	}
	m := &Matcher{rt: ev.Type, e: e}
	if isNil(e) {
		return m, nil
	}
	fn, err := ev.compile(scope{m: m}, e, 0)
	if err != nil {
		return nil, err
	}
	m.fn = fn
	return m, nil
}

// CompileElement is Compile for a value filter (the inside of
// attr[...]): the filter's paths name sub-attributes of attr, and the
// Matcher is applied to one element of attr. attr must be a complex
// attribute.
func (ev *Evaluator) CompileElement(attr *resources.Attribute, e filter.Expr) (*Matcher, error) {
	if attr == nil {
		return nil, fmt.Errorf("store: CompileElement needs an attribute")
	}
	if attr.Type != resources.TypeComplex {
		return nil, filterErrorf("attribute %q is not complex, so it takes no value filter", attr.Name)
	}
	m := &Matcher{}
	if isNil(e) {
		return m, nil
	}
	fn, err := ev.compile(scope{elem: attr, inElem: true, in: filter.AttrPath{Name: attr.Name}, m: m}, e, 0)
	if err != nil {
		return nil, err
	}
	m.fn = fn
	return m, nil
}

// Match reports whether doc (a resources.ToMap document of ev.Type)
// matches e. A nil e matches everything. A filter that does not fit the
// resource type gives a *FilterError.
func (ev *Evaluator) Match(e filter.Expr, doc map[string]any) (bool, error) {
	m, err := ev.Compile(e)
	if err != nil {
		return false, err
	}
	return m.Match(doc), nil
}

// MatchElement evaluates a value filter (the inside of attr[...]) against
// one element of the multi-valued complex attribute attr; the filter's
// paths name sub-attributes of attr.
func (ev *Evaluator) MatchElement(attr *resources.Attribute, e filter.Expr, elem map[string]any) (bool, error) {
	m, err := ev.CompileElement(attr, e)
	if err != nil {
		return false, err
	}
	return m.Match(elem), nil
}

// Validate checks e against the resource type without a document: unknown
// attributes, operators that make no sense for the attribute and operands
// of the wrong kind give a *FilterError. A filter that validates never
// fails in Match.
//
// It is Compile without the Matcher. (The handler compiles a list's
// filter, and hands the Matcher to the store in store.Query.Compiled.)
func (ev *Evaluator) Validate(e filter.Expr) error {
	_, err := ev.Compile(e)
	return err
}

// MatchUser reports whether u matches e, evaluated on resources.ToMap(u)
// without the password (so that no filter can probe it, see UserDoc). A
// store answering a list query uses Select, which compiles e once.
func MatchUser(rt *resources.ResourceType, e filter.Expr, u *resources.User) (bool, error) {
	if u == nil {
		return false, nil
	}
	doc, err := UserDoc(u)
	if err != nil {
		return false, err
	}
	return NewEvaluator(rt).Match(e, doc)
}

// MatchGroup reports whether g matches e, evaluated on resources.ToMap(g).
func MatchGroup(rt *resources.ResourceType, e filter.Expr, g *resources.Group) (bool, error) {
	if g == nil {
		return false, nil
	}
	doc, err := resources.ToMap(g)
	if err != nil {
		return false, err
	}
	return NewEvaluator(rt).Match(e, doc)
}

// maxDepth bounds recursion on hand-built trees (the parser bounds its own).
const maxDepth = 200

// scope is where paths resolve: the resource (zero value) or one element
// of a complex attribute (inElem; elem nil inside a value filter on a whole
// extension, whose members are compared as stored).
type scope struct {
	inElem bool
	elem   *resources.Attribute
	// in is the path of the attribute a value filter is on (inElem), as
	// written: a Conversion names its sub-attribute after it.
	in filter.AttrPath
	// m is the Matcher being compiled, which collects the conversions
	// (nil for a sort key's path).
	m *Matcher
}

func isNil(e filter.Expr) bool {
	switch x := e.(type) {
	case nil:
		return true
	case *filter.Compare:
		return x == nil
	case *filter.Present:
		return x == nil
	case *filter.Logical:
		return x == nil
	case *filter.Not:
		return x == nil
	case *filter.ValuePath:
		return x == nil
	}
	return false
}

func (ev *Evaluator) compile(sc scope, e filter.Expr, depth int) (func(map[string]any) bool, error) {
	if depth > maxDepth {
		return nil, filterErrorf("the filter nests or chains (and, or) more than %d terms deep; send fewer terms", maxDepth)
	}
	if isNil(e) {
		return nil, filterErrorf("the filter has an empty expression")
	}
	switch x := e.(type) {
	case *filter.Logical:
		l, err := ev.compile(sc, x.Left, depth+1)
		if err != nil {
			return nil, err
		}
		r, err := ev.compile(sc, x.Right, depth+1)
		if err != nil {
			return nil, err
		}
		switch op := names.Lower(string(x.Op)); {
		case op == string(filter.And):
			return func(d map[string]any) bool { return l(d) && r(d) }, nil
		case op == string(filter.Or):
			return func(d map[string]any) bool { return l(d) || r(d) }, nil
		}
		return nil, filterErrorf("unknown logical operator %q in filter", x.Op)
	case *filter.Not:
		f, err := ev.compile(sc, x.X, depth+1)
		if err != nil {
			return nil, err
		}
		return func(d map[string]any) bool { return !f(d) }, nil
	}
	if !sc.inElem {
		if k := KeptFilter(ev.Type, e); k != nil {
			// A narrowed attribute: only what the model keeps counts.
			if vp, ok := k.(*filter.ValuePath); ok {
				return ev.valuePath(sc, vp, depth+1)
			}
			return ev.compile(sc, k, depth+1)
		}
	}
	switch x := e.(type) {
	case *filter.Present:
		t, err := ev.resolve(sc, x.Path, true)
		if err != nil {
			return nil, err
		}
		return t.present, nil
	case *filter.Compare:
		t, err := ev.resolve(sc, x.Path, false)
		if err != nil {
			return nil, err
		}
		return t.compare(x.Op, x.Value, sc.m)
	case *filter.ValuePath:
		return ev.valuePath(sc, x, depth)
	}
	return nil, filterErrorf("unsupported filter expression %T", e)
}

// valuePath compiles the value filter x.
func (ev *Evaluator) valuePath(sc scope, x *filter.ValuePath, depth int) (func(map[string]any) bool, error) {
	if sc.inElem {
		return nil, filterErrorf("value filter %q cannot nest inside another value filter", x.Path.String())
	}
	if x.Path.Sub != "" {
		return nil, filterErrorf("value filter on %q: a sub-attribute cannot precede '['", x.Path.String())
	}
	t, err := ev.resolve(sc, x.Path, true)
	if err != nil {
		return nil, err
	}
	if t.attr != nil && t.attr.Type != resources.TypeComplex {
		return nil, filterErrorf("attribute %q is not complex, so it takes no value filter", x.Path.String())
	}
	inner, err := ev.compile(scope{inElem: true, elem: t.attr, in: x.Path, m: sc.m}, x.Filter, depth+1)
	if err != nil {
		return nil, err
	}
	return func(d map[string]any) bool {
		v := t.value(d)
		switch y := v.(type) {
		case map[string]any:
			return inner(y)
		case []any:
			for _, el := range y {
				if m, ok := el.(map[string]any); ok && inner(m) {
					return true
				}
			}
		}
		return false
	}, nil
}

// target is a resolved attribute path.
type target struct {
	p filter.AttrPath // as written, for messages (path renders it)
	// in is the path of the attribute whose value filter holds p
	// (scope's in), zero outside one; rendered only for a Conversion.
	in   filter.AttrPath
	ext  string // URN key of the extension object holding the attribute, or ""
	name string // attribute key in its object ("" for the whole extension)
	sub  string // sub-attribute key, or ""
	// attr is the attribute definition; nil for a whole extension, and
	// inside a value filter on one (compared as stored: raw).
	attr *resources.Attribute
	// leaf is the definition of the compared values: the sub-attribute
	// when sub is set, else attr; nil when raw.
	leaf *resources.Attribute
	// implicitValue: comparisons on a complex attribute without a
	// sub-attribute compare its "value" sub-attribute.
	implicitValue bool
	// isName: the attribute is the resource type's unique name (NameAttr),
	// which every operator compares by NameKey, the key uniqueness uses:
	// an identity provider looks a user up by userName before creating
	// it, and must find the one a create would conflict with; and a name
	// eq finds, sw, co, ew, ge and le find with the same operand
	// (NameOperandKey).
	isName bool
	// rt is the Evaluator's type, whose secret names the messages
	// conceal by (secrets).
	rt *resources.ResourceType
}

// secrets is the set of t's type's secret names, for a message (describe,
// a Conversion, a refusal) of m, the Matcher being compiled: built when
// the first message of a Compile is made, since every path of every
// filter of a list request is resolved and few make one, and then kept on
// m for the others; built for the message when there is no m.
func (t *target) secrets(m *Matcher) *clienttext.Secrets {
	if m == nil {
		return clienttext.NewSecrets(t.rt.SecretNames()...)
	}
	if !m.secretsBuilt {
		m.secrets, m.secretsBuilt = clienttext.NewSecrets(t.rt.SecretNames()...), true
	}
	return m.secrets
}

// unknown is the refusal of t, a filter path naming nothing its
// resource type defines: "filter path \"emails.nope\" " then what
// (resources.ResourceType.NoAttribute, NoSubAttribute) says of it, the
// words every refusal of an unknown attribute uses. A FilterError: 400
// invalidFilter (RFC 7644 §3.4.2.2, table 9).
func (t *target) unknown(what string) error {
	return &FilterError{Msg: clienttext.Sprintf("filter path %q ", t.path()) + what}
}

// path is the path as written, for messages: rendered only when one is
// written, since every filter of every list request is resolved.
func (t *target) path() string { return t.p.String() }

// resolve resolves p in sc. forPresence allows paths that a comparison
// could not use (a complex attribute without "value", a whole extension).
func (ev *Evaluator) resolve(sc scope, p filter.AttrPath, forPresence bool) (*target, error) {
	t := &target{p: p, rt: ev.Type}
	if sc.inElem {
		t.in = sc.in
		if p.Name == "" || (p.URI != "" || p.Sub != "") && sc.elem == nil {
			return nil, filterErrorf("%q in a value filter must name a sub-attribute", t.path())
		}
		if p.URI != "" || p.Sub != "" {
			// A name inside the brackets is a sub-attribute as written
			// alone: a URN or a dot before it (emails[type.kind eq ...])
			// names none, in the words a PATCH path's value filter uses.
			return nil, t.unknown(ev.Type.NoAttribute(filter.AttrPath{URI: sc.in.URI, Name: sc.in.Name, Sub: p.String()}))
		}
		t.name = p.Name
		if sc.elem != nil {
			sa := sc.elem.Sub(p.Name)
			if sa == nil {
				return nil, t.unknown(ev.Type.NoAttribute(filter.AttrPath{URI: sc.in.URI, Name: sc.in.Name, Sub: p.Name}))
			}
			t.name, t.attr, t.leaf = sa.Name, sa, sa
		}
		return t, t.check(forPresence)
	}
	rt := ev.Type
	if p.Name == "" && p.URI == "" {
		return nil, filterErrorf("the filter has an empty attribute path")
	}
	res := rt.ResolveQuery(p)
	a := res.Attr
	switch {
	case res.Whole == rt.Schema: // the whole core schema
		return nil, filterErrorf("%q names the whole core schema; compare one of its attributes", t.path())
	case a == nil && !res.Missing: // a whole extension
		if !forPresence {
			return nil, filterErrorf("%q names a whole extension; compare one of its attributes", t.path())
		}
		t.ext = res.Extension.ID
		return t, nil
	case a == nil && res.Extension != nil:
		// The handler never stores an attribute its schema does not
		// define, so a filter on one is as unknown as a core one.
		return nil, t.unknown(rt.NoAttribute(p))
	case a == nil && p.URI != "" && !names.Equal(p.URI, rt.Schema.ID):
		// Another type's schema (urn:...:Group on /Users) qualifies no
		// attribute of rt either, whatever the name after it: say which
		// schemas rt has, as the URN may well be one the server knows.
		return nil, filterErrorf("unknown schema %q in filter: the schemas of %s are %s", p.URI, rt.Name, strings.Join(rt.SchemaURNs(), ", "))
	case a == nil, res.Missing, p.Sub != "" && a.Type != resources.TypeComplex:
		// An unknown attribute, an extension's, or a sub-attribute its
		// attribute does not define: in the words a body's, a PATCH
		// path's and sortBy's refusal use.
		return nil, t.unknown(rt.NoAttribute(p))
	}
	t.attr, t.name = a, a.Name
	if res.Extension != nil {
		t.ext = res.Extension.ID
	}
	t.isName = res.Extension == nil && res.Sub == nil && a == NameAttr(rt)
	t.leaf = a
	if res.Sub != nil {
		t.sub, t.leaf = res.Sub.Name, res.Sub
	}
	return t, t.check(forPresence)
}

// check applies the implicit "value" rule for comparisons on complex
// attributes.
func (t *target) check(forPresence bool) error {
	if forPresence || t.leaf == nil || t.leaf.Type != resources.TypeComplex {
		return nil
	}
	sa := t.leaf.Sub("value")
	if sa == nil || t.sub != "" {
		return filterErrorf("attribute %q is complex; compare one of its sub-attributes, e.g. %s.%s", t.path(), t.path(), firstSub(t.leaf))
	}
	t.sub, t.leaf, t.implicitValue = sa.Name, sa, true
	return nil
}

func firstSub(a *resources.Attribute) string {
	if len(a.SubAttributes) > 0 && a.SubAttributes[0] != nil {
		return a.SubAttributes[0].Name
	}
	return "value"
}

// lookup returns m's value for name under names.Key: raw extension
// attributes keep the client's spelling, and of two other spellings the
// same one answers every time, so that a store answers a query the same
// way every time. A null value counts as absent.
func lookup(m map[string]any, name string) any {
	_, v, _ := names.Key(m, name)
	return v
}

// value returns the attribute's value in doc (before sub-attribute
// selection), or nil.
func (t *target) value(doc map[string]any) any {
	base := doc
	if t.ext != "" {
		base, _ = lookup(doc, t.ext).(map[string]any)
		if base == nil {
			return nil
		}
	}
	if t.name == "" {
		return base
	}
	return lookup(base, t.name)
}

// each calls fn on every value the path selects in doc until fn returns
// true, and reports whether it did: the elements of a multi-valued
// attribute, each element's sub-attribute, or the single value.
func (t *target) each(doc map[string]any, fn func(any) bool) bool {
	v := t.value(doc)
	if v == nil {
		return false
	}
	if t.sub == "" {
		return eachValue(v, fn)
	}
	switch x := v.(type) {
	case map[string]any:
		return eachValue(lookup(x, t.sub), fn)
	case []any:
		for _, el := range x {
			if m, ok := el.(map[string]any); ok && eachValue(lookup(m, t.sub), fn) {
				return true
			}
		}
	}
	return false
}

func eachValue(v any, fn func(any) bool) bool {
	switch x := v.(type) {
	case nil:
		return false
	case []any:
		for _, el := range x {
			if el != nil && fn(el) {
				return true
			}
		}
		return false
	}
	return fn(v)
}

// present is pr (RFC 7644 §3.4.2.2: "a non-empty value, or ... a
// non-empty node for complex attributes"): a value that holds one by the
// rule the resource keeps its values by (resources.Assigned).
func (t *target) present(doc map[string]any) bool { return t.each(doc, resources.Assigned) }

// kinds of compared values.
const (
	kindRaw = iota // decided per value (raw extension attributes)
	kindString
	kindBool
	kindNumber
	kindTime
)

func kindOf(a *resources.Attribute) int {
	if a == nil {
		return kindRaw
	}
	switch a.Type {
	case resources.TypeBoolean:
		return kindBool
	case resources.TypeInteger, resources.TypeDecimal:
		return kindNumber
	case resources.TypeDateTime:
		return kindTime
	}
	return kindString
}

func validOp(op filter.Op) (filter.Op, bool) {
	o := filter.Op(names.Lower(string(op)))
	switch o {
	case filter.Eq, filter.Ne, filter.Co, filter.Sw, filter.Ew, filter.Gt, filter.Ge, filter.Lt, filter.Le:
		return o, true
	}
	return o, false
}

func isOrdering(op filter.Op) bool {
	return op == filter.Gt || op == filter.Ge || op == filter.Lt || op == filter.Le
}

func isSubstring(op filter.Op) bool { return op == filter.Co || op == filter.Sw || op == filter.Ew }

// compare compiles "t op value", noting in m (when not nil) an operand
// read as another type.
func (t *target) compare(rawOp filter.Op, value any, m *Matcher) (func(map[string]any) bool, error) {
	op, ok := validOp(rawOp)
	if !ok {
		return nil, filterErrorf("unknown operator %q in filter", rawOp)
	}
	if value == nil {
		switch {
		case op != filter.Eq && op != filter.Ne:
			return nil, filterErrorf("%q %s null: only eq and ne compare with null", t.path(), op)
		case op == filter.Eq:
			return func(d map[string]any) bool { return !t.present(d) }, nil
		}
		return t.present, nil
	}
	pred, err := t.predicate(op, value, m)
	if err != nil {
		return nil, err
	}
	if op == filter.Ne {
		if t.multiValued() {
			return func(d map[string]any) bool { return t.someNot(d, pred) }, nil
		}
		return func(d map[string]any) bool { return !t.each(d, pred) }, nil
	}
	return func(d map[string]any) bool { return t.each(d, pred) }, nil
}

// multiValued reports whether the path selects the values of a
// multi-valued attribute (or a multi-valued sub-attribute), whose ne is
// "some value is not identical" (RFC 7644 §3.4.2.2); a raw value (attr
// nil) is decided by what is stored, in someNot.
func (t *target) multiValued() bool {
	return t.attr == nil || t.attr.MultiValued || (t.leaf != nil && t.leaf.MultiValued)
}

// someNot is ne on a multi-valued attribute: it reports whether some
// value the path selects in doc fails pred (the eq test), as
// attr[sub ne x] does. On a multi-valued complex attribute that is some
// element whose sub-attribute is not identical to the operand, an element
// without it included (there the sub-attribute is single-valued, and an
// absent one is not identical); an attribute with no values has none. A
// raw value that is not a list, and a single-valued complex attribute
// holding a multi-valued sub-attribute that is absent, keep the "not eq"
// of a single value.
func (t *target) someNot(doc map[string]any, pred func(any) bool) bool {
	v := t.value(doc)
	if t.sub != "" {
		switch x := v.(type) {
		case []any:
			for _, el := range x {
				if m, ok := el.(map[string]any); ok && someValueNot(lookup(m, t.sub), pred) {
					return true
				}
			}
			return false
		case map[string]any:
			return someValueNot(lookup(x, t.sub), pred)
		}
		return v == nil && !t.attr.MultiValued
	}
	if v == nil {
		return t.attr == nil
	}
	return someValueNot(v, pred)
}

// someValueNot reports whether some value in v (a list, or one value)
// fails pred; an absent single value is not identical to anything.
func someValueNot(v any, pred func(any) bool) bool {
	return v == nil || eachValue(v, func(x any) bool { return !pred(x) })
}

// predicate returns the test for one value; for ne it is the eq test (the
// caller negates it: per value on a multi-valued attribute, else the
// "any"). An operand it reads as another type than sent is noted in m
// (when not nil): this is where the conversion is decided.
func (t *target) predicate(op filter.Op, value any, m *Matcher) (func(any) bool, error) {
	leafExact := t.leaf != nil && t.leaf.CaseExact
	switch kindOf(t.leaf) {
	case kindBool:
		if isOrdering(op) || isSubstring(op) {
			return nil, filterErrorf("%q is a boolean; only eq and ne apply, not %s", t.path(), op)
		}
		b, ok := ToBool(value)
		if !ok {
			return nil, filterErrorf("%q is a boolean; compare it with true or false, not %s", t.path(), t.describe(m, value))
		}
		if _, isStr := value.(string); isStr {
			t.converted(m, value, b)
		}
		return func(v any) bool {
			x, ok := storedBool(v)
			return ok && x == b
		}, nil
	case kindNumber:
		if isSubstring(op) {
			return nil, filterErrorf("%q is a number; %s applies to strings", t.path(), op)
		}
		n, ok := toNum(value)
		if !ok {
			return nil, filterErrorf("%q is a number; compare it with a number, not %s", t.path(), t.describe(m, value))
		}
		if s, isStr := value.(string); isStr {
			t.converted(m, value, json.Number(s))
		}
		return func(v any) bool {
			x, ok := toNum(v)
			return ok && orderHolds(op, x.compare(n))
		}, nil
	case kindTime:
		s, isStr := value.(string)
		if isSubstring(op) {
			if !isStr {
				return nil, filterErrorf("%q %s needs a string operand, not %s", t.path(), op, t.describe(m, value))
			}
			return stringPred(op, s, true), nil
		}
		if !isStr {
			return nil, filterErrorf("%q is a dateTime; compare it with a string such as \"2024-01-02T15:04:05Z\", not %s", t.path(), t.describe(m, value))
		}
		tm, ok := ParseTime(s)
		if !ok {
			return nil, filterErrorf("%q is a dateTime and %s is not an RFC 3339 date-time such as \"2024-01-02T15:04:05Z\"", t.path(), t.describe(m, s))
		}
		return func(v any) bool {
			x, ok := toTime(v)
			return ok && orderHolds(op, x.Compare(tm))
		}, nil
	case kindString:
		if isOrdering(op) && t.leaf.Type == resources.TypeBinary {
			return nil, filterErrorf("%q is binary; %s does not apply", t.path(), op)
		}
		s, ok := ToText(value)
		if !ok {
			return nil, filterErrorf("%q is a string; compare it with a string, not %s", t.path(), t.describe(m, value))
		}
		if _, isStr := value.(string); !isStr {
			t.converted(m, value, s)
		}
		if t.isName && !leafExact {
			return namePred(op, NameOperandKey(op, s)), nil
		}
		return stringPred(op, s, leafExact), nil
	}
	// Raw: decided by the stored value.
	var strP func(any) bool
	if s, ok := ToText(value); ok {
		strP = stringPred(op, s, false)
	}
	n, nOK := toNum(value)
	b, bOK := value.(bool)
	return func(v any) bool {
		if m, ok := v.(map[string]any); ok {
			v = lookup(m, "value")
		}
		switch x := v.(type) {
		case string:
			return strP != nil && strP(x)
		case bool:
			return bOK && (op == filter.Eq || op == filter.Ne) && x == b
		case json.Number, float64, int64, int:
			if !nOK || isSubstring(op) {
				return strP != nil && strP(fmt.Sprint(x))
			}
			xn, ok := toNum(x)
			return ok && orderHolds(op, xn.compare(n))
		}
		return false
	}, nil
}

// converted notes in m (when not nil) that the operand sent was read as
// read to fit t's attribute.
func (t *target) converted(m *Matcher, sent, read any) {
	if m != nil {
		path := t.path()
		if t.in != (filter.AttrPath{}) {
			path = t.in.String() + "." + path
		}
		m.conv = append(m.conv, Conversion{Path: path, Type: t.leaf.Type, Sent: sent, Read: read, secrets: t.secrets(m)})
	}
}

// describe renders v, an operand the filter compares t's path with, for
// a refusal of m (the Matcher being compiled, or nil), as a Conversion's
// messages do (filterLiteral), unless operand conceals it.
func (t *target) describe(m *Matcher, v any) string {
	return operand(t.secrets(m), t.path(), v)
}

// orderHolds reports whether c (a three-way comparison of the stored value
// with the operand) satisfies op; eq and ne both test equality.
func orderHolds(op filter.Op, c int) bool {
	switch op {
	case filter.Eq, filter.Ne:
		return c == 0
	case filter.Gt:
		return c > 0
	case filter.Ge:
		return c >= 0
	case filter.Lt:
		return c < 0
	case filter.Le:
		return c <= 0
	}
	return false
}

// namePred returns the test of a stored unique name (NameAttr, not
// caseExact) against k, the operand's NameOperandKey: the name's NameKey
// compared exactly, by every operator, as uniqueness and sqlstore's
// key column compare it.
func namePred(op filter.Op, k string) func(any) bool {
	exact := stringPred(op, k, true)
	return func(v any) bool {
		x, ok := v.(string)
		return ok && exact(NameKey(x, false))
	}
}

// stringPred returns the test of a stored string value against s.
func stringPred(op filter.Op, s string, exact bool) func(any) bool {
	var f func(string) bool
	switch op {
	case filter.Eq, filter.Ne:
		if exact {
			f = func(x string) bool { return x == s }
		} else {
			f = func(x string) bool { return strings.EqualFold(x, s) }
		}
	case filter.Co:
		if exact {
			f = func(x string) bool { return strings.Contains(x, s) }
		} else {
			f = newFoldSearch(s).in
		}
	case filter.Sw:
		if exact {
			f = func(x string) bool { return strings.HasPrefix(x, s) }
		} else {
			f = func(x string) bool { _, ok := prefixFold(x, s); return ok }
		}
	case filter.Ew:
		if exact {
			f = func(x string) bool { return strings.HasSuffix(x, s) }
		} else {
			f = func(x string) bool { return suffixFold(x, s) }
		}
	default:
		f = func(x string) bool {
			if exact {
				return orderHolds(op, strings.Compare(x, s))
			}
			return orderHolds(op, compareFold(x, s))
		}
	}
	return func(v any) bool {
		x, ok := v.(string)
		return ok && f(x)
	}
}

// num is a number kept as an int64 when it is an integer that fits.
type num struct {
	i     int64
	f     float64
	isInt bool
}

func (a num) compare(b num) int {
	if a.isInt && b.isInt {
		switch {
		case a.i < b.i:
			return -1
		case a.i > b.i:
			return 1
		}
		return 0
	}
	x, y := a.float(), b.float()
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

func (a num) float() float64 {
	if a.isInt {
		return float64(a.i)
	}
	return a.f
}

func toNum(v any) (num, bool) {
	switch x := v.(type) {
	case int64:
		return num{i: x, isInt: true}, true
	case int:
		return num{i: int64(x), isInt: true}, true
	case int32:
		return num{i: int64(x), isInt: true}, true
	case float64:
		if math.IsNaN(x) {
			return num{}, false
		}
		return num{f: x}, true
	case json.Number:
		return parseNum(string(x))
	case string:
		return parseNum(x)
	}
	return num{}, false
}

func parseNum(s string) (num, bool) {
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return num{i: i, isInt: true}, true
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) {
		return num{}, false
	}
	return num{f: f}, true
}

func toTime(v any) (time.Time, bool) {
	switch x := v.(type) {
	case string:
		return ParseTime(x)
	case time.Time:
		return x, true
	}
	return time.Time{}, false
}

// equalRuneFold reports whether r and s are equal under Unicode simple
// case folding, as strings.EqualFold decides.
func equalRuneFold(r, s rune) bool {
	if r == s {
		return true
	}
	if r < utf8.RuneSelf && s < utf8.RuneSelf {
		return FoldRune(r) == FoldRune(s)
	}
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		if f == s {
			return true
		}
	}
	return false
}

// prefixFold reports whether s starts with prefix under case folding and
// returns the byte length of the matching part of s. It does not allocate.
func prefixFold(s, prefix string) (int, bool) {
	i, j := 0, 0
	for j < len(prefix) {
		if i >= len(s) {
			return 0, false
		}
		a, b := s[i], prefix[j]
		if a < utf8.RuneSelf && b < utf8.RuneSelf {
			if a != b && FoldRune(rune(a)) != FoldRune(rune(b)) {
				return 0, false
			}
			i++
			j++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		q, m := utf8.DecodeRuneInString(prefix[j:])
		if !equalRuneFold(r, q) {
			return 0, false
		}
		i += n
		j += m
	}
	return i, true
}

// suffixFold reports whether s ends with suffix under case folding.
func suffixFold(s, suffix string) bool {
	i, j := len(s), len(suffix)
	for j > 0 {
		if i <= 0 {
			return false
		}
		r, n := utf8.DecodeLastRuneInString(s[:i])
		q, m := utf8.DecodeLastRuneInString(suffix[:j])
		if !equalRuneFold(r, q) {
			return false
		}
		i -= n
		j -= m
	}
	return true
}

// foldSearch finds one string in others under case folding (FoldRune of
// each rune, the orbit equalRuneFold compares by), in time linear in the
// string searched: the Knuth-Morris-Pratt automaton of the folded
// pattern, built once per filter. Trying the pattern at each offset
// costs the string's length times the pattern's: a co operand of 4 KB
// over a value of 16 KB was 64 million rune comparisons, and a list or a
// PATCH tests every value it reads.
type foldSearch struct {
	pat []rune // the pattern, each rune folded
	// border[i] is the length of the longest proper prefix of pat[:i+1]
	// that is also its suffix: where a match resumes after a mismatch.
	border []int
}

// newFoldSearch returns the search for sub.
func newFoldSearch(sub string) *foldSearch {
	pat := make([]rune, 0, len(sub))
	for _, r := range sub {
		pat = append(pat, FoldRune(r))
	}
	border := make([]int, len(pat))
	for i, k := 1, 0; i < len(pat); i++ {
		for k > 0 && pat[i] != pat[k] {
			k = border[k-1]
		}
		if pat[i] == pat[k] {
			k++
		}
		border[i] = k
	}
	return &foldSearch{pat: pat, border: border}
}

// in reports whether the pattern occurs in s under case folding, each
// rune of s read once.
func (f *foldSearch) in(s string) bool {
	if len(f.pat) == 0 {
		return true
	}
	k := 0
	for i := 0; i < len(s); {
		r := rune(s[i])
		if r < utf8.RuneSelf {
			i++
		} else {
			var n int
			r, n = utf8.DecodeRuneInString(s[i:])
			i += n
		}
		r = FoldRune(r)
		for k > 0 && r != f.pat[k] {
			k = f.border[k-1]
		}
		if r == f.pat[k] {
			if k++; k == len(f.pat) {
				return true
			}
		}
	}
	return false
}

// compareFold orders a and b as strings.Compare(Fold(a), Fold(b)) does,
// without allocating: the order every store sorts case-insensitive
// strings in (sqlstore sorts a column holding Fold of the value).
func compareFold(a, b string) int {
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		var r, q rune
		if a[i] < utf8.RuneSelf {
			r = rune(a[i])
			i++
		} else {
			var n int
			r, n = utf8.DecodeRuneInString(a[i:])
			i += n
		}
		if b[j] < utf8.RuneSelf {
			q = rune(b[j])
			j++
		} else {
			var n int
			q, n = utf8.DecodeRuneInString(b[j:])
			j += n
		}
		if r == q {
			continue
		}
		fr, fq := FoldRune(r), FoldRune(q)
		if fr < fq {
			return -1
		}
		if fr > fq {
			return 1
		}
	}
	switch {
	case i < len(a):
		return 1
	case j < len(b):
		return -1
	}
	return 0
}
