package sqlstore

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/internal/names"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store/query"
)

// errFallback marks a filter node (or sort key) that the compiler does not
// translate to SQL; the store evaluates it in Go with query.Evaluator.
var errFallback = errors.New("sqlstore: evaluated in Go")

// compiler translates filters of one resource type to SQL conditions on
// the table aliased alias ("u" for scim_users, "g" for scim_groups). Every
// operand and every JSON key becomes a bind parameter. The filter has been
// validated by query.Evaluator before, so the compiler may assume it fits
// the resource type.
type compiler struct {
	d      *dialect
	a      *args
	rt     *resources.ResourceType
	ev     *query.Evaluator
	users  bool
	alias  string
	tenant string // placeholder of the tenant parameter
	n      int    // alias counter
	// lookups counts the eq tests compiled on a value an index finds
	// (val.indexed); selective is set when a top-level conjunct is such
	// a lookup (see where).
	lookups   int
	selective bool
	// keyed counts the eq tests compiled on a unique name's key
	// (val.keyText; not the eq an ne negates, as lookups); unique is
	// set when an affirmative top-level conjunct holds one:
	// the filter then matches at most one row (a name stored twice
	// before migration 0004 aside, Store.SharedNames), and a list reads
	// its total from its rows (listPlan.unique).
	keyed  int
	unique bool
	// node is the comparison or value filter whose path cond is
	// resolving, else nil: groupsTarget asks it (groupsWithin) whether
	// it bounds a test on groups to some groups.
	node filter.Expr
	// subqueries counts the subqueries compiled (an EXISTS over a
	// document's array, an "id IN (SELECT ...)" over a related table), so
	// that where knows which conjuncts PostgreSQL may make joins from
	// what it built, not from the SQL text.
	subqueries int
	// unestimated counts the co and ew tests compiled (textTest), whose
	// selectivity PostgreSQL cannot estimate; top is the top-level
	// conjunct where is compiling, and ownersFirst is set when one such
	// conjunct tests the rows of scim_user_values that way (relTarget):
	// the page is then read from the matching owners, in a CTE of the
	// matches when matchesCTE (the plan's, set before where: a page by
	// startIndex in creation order, matchesFirst), else by seq + 0
	// (listPlan.order); alone says the filter is one conjunct. A keyset
	// walk (walk) never reads the page from the owners: see relTarget.
	// The two flags are not one: matchesCTE implies !walk, but a list
	// sorted by sortBy is neither, its page read from the owners (walk
	// false) under its ORDER BY, not from a CTE of the matches
	// (matchesCTE false), so each answers its own question.
	unestimated int
	top         filter.Expr
	ownersFirst bool
	matchesCTE  bool
	alone       bool
	walk        bool
}

func newCompiler(s *Store, users bool, a *args, tenant string) *compiler {
	c := &compiler{d: s.d, a: a, users: users, tenant: tenant}
	if users {
		c.rt, c.ev, c.alias = s.model.User, s.userEval, "u"
	} else {
		c.rt, c.ev, c.alias = s.model.Group, s.groupEval, "g"
	}
	return c
}

func (c *compiler) newAlias(prefix string) string {
	c.n++
	return prefix + strconv.Itoa(c.n)
}

// col renders a column of the resource's table.
func (c *compiler) col(name string) string { return c.alias + "." + name }

// where compiles e for a WHERE clause. Conjuncts of a top-level "and"
// chain that cannot be translated are left out; residual reports whether
// any was, in which case the caller must evaluate e in Go on the rows the
// condition selects. The result is "" when nothing was translated.
func (c *compiler) where(e filter.Expr) (cond string, residual bool, err error) {
	if e == nil {
		return "", false, nil
	}
	var parts []string
	joined := 0 // conjuncts PostgreSQL may make joins (maxJoinedConjuncts)
	all := conjuncts(e, nil)
	c.alone = len(all) == 1
	for _, x := range all {
		mark, lookups, keyed, subqueries := len(c.a.vals), c.lookups, c.keyed, c.subqueries
		c.top = x
		s, err := c.cond(x, 0)
		c.top = nil
		if err == nil && affirmative(x) {
			c.selective = c.selective || c.lookups > lookups
			c.unique = c.unique || c.keyed > keyed
		}
		if errors.Is(err, errFallback) {
			c.a.vals = c.a.vals[:mark]
			residual = true
			continue
		}
		if err != nil {
			return "", false, err
		}
		if c.d.pg && c.subqueries > subqueries {
			// A subquery: one PostgreSQL makes a semi-join. A plain
			// comparison is never wrapped, so that an indexed one keeps
			// its index whatever its place.
			if joined++; joined > maxJoinedConjuncts {
				s = "(" + s + ") IS TRUE"
			}
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " AND "), residual, nil
}

// maxJoinedConjuncts is how many top-level conjuncts of a filter that
// are subqueries PostgreSQL may turn into joins. It turns each "id IN (SELECT ...)" and
// EXISTS that is a conjunct of the WHERE clause (a test on emails,
// phoneNumbers, groups, members or a multi-valued attribute of the
// document) into a semi-join, and plans every such join together: 170 of
// them (emails.value co "a" and ..., within the default filter length)
// took more than the 10 s of StoreTimeout to plan, a 503 on a few users,
// 40 about a second. A conjunct past these is wrapped in "IS TRUE", which
// PostgreSQL leaves a subplan (run once and hashed when it does not
// depend on the row): the same rows, planned in linear time. Eight is
// PostgreSQL's join_collapse_limit, beyond which it splits a join
// problem anyway; the lookups providers send have one to three
// conjuncts and are not touched.
const maxJoinedConjuncts = 8

// affirmative reports whether e holds no "not" and no "or": a row
// matches it only if every test in it holds, so an indexed eq test in it
// bounds the rows that can match.
func affirmative(e filter.Expr) bool {
	ok := true
	filter.Walk(e, func(x filter.Expr) bool {
		switch n := x.(type) {
		case *filter.Not:
			ok = false
		case *filter.Logical:
			ok = ok && names.Equal(string(n.Op), string(filter.And))
		case *filter.Compare:
			ok = ok && !names.Equal(string(n.Op), string(filter.Ne))
		}
		return ok
	})
	return ok
}

// conjuncts flattens a chain of "and".
func conjuncts(e filter.Expr, out []filter.Expr) []filter.Expr {
	if l, ok := e.(*filter.Logical); ok && l != nil && names.Equal(string(l.Op), string(filter.And)) {
		out = conjuncts(l.Left, out)
		return conjuncts(l.Right, out)
	}
	return append(out, e)
}

const maxDepth = 200

// cond compiles e to a SQL boolean expression. It may evaluate to NULL
// where SQL's three-valued logic says unknown; every NOT wraps its operand
// in COALESCE(..., FALSE), so NULL always counts as false, as in Go.
func (c *compiler) cond(e filter.Expr, depth int) (string, error) {
	if depth > maxDepth {
		return "", errFallback
	}
	switch x := e.(type) {
	case *filter.Logical:
		l, err := c.cond(x.Left, depth+1)
		if err != nil {
			return "", err
		}
		r, err := c.cond(x.Right, depth+1)
		if err != nil {
			return "", err
		}
		return logical(x.Op, l, r), nil
	case *filter.Not:
		inner, err := c.cond(x.X, depth+1)
		if err != nil {
			return "", err
		}
		return not(inner), nil
	}
	if k := query.KeptFilter(c.rt, e); k != nil {
		// A narrowed attribute: only what the model keeps counts.
		if vp, ok := k.(*filter.ValuePath); ok {
			return c.valuePath(vp, depth+1)
		}
		return c.cond(k, depth+1)
	}
	switch x := e.(type) {
	case *filter.Present:
		t, err := c.resolve(x.Path, true)
		if err != nil {
			return "", err
		}
		return t.present(c, x)
	case *filter.Compare:
		t, err := c.resolveAt(x, x.Path, false)
		if err != nil {
			return "", err
		}
		return c.compare(t, x)
	case *filter.ValuePath:
		return c.valuePath(x, depth)
	}
	return "", errFallback
}

// valuePath compiles the value filter x.
func (c *compiler) valuePath(x *filter.ValuePath, depth int) (string, error) {
	t, err := c.resolveAt(x, x.Path, true)
	if err != nil {
		return "", err
	}
	if t.elems == nil {
		return "", errFallback
	}
	return t.elems(c, func(sc elemScope) (string, error) {
		return c.elemCond(sc, x.Filter, depth+1)
	})
}

func not(x string) string { return "(NOT COALESCE(" + x + ", FALSE))" }

// val is one scalar value of an attribute as SQL sees it.
type val struct {
	// text is a SQL text expression of the value (folded when the
	// attribute is not caseExact), NULL when absent. Set for string
	// attributes.
	text string
	// json is the value as a JSON expression, when it comes from a JSON
	// document.
	json string
	// boolCol is a SQL boolean column, for booleans kept in one.
	boolCol string
	// timeCol is a time column (meta.created, meta.lastModified).
	timeCol string
	// nonEmptyText: text is never '' when not NULL (saves a test).
	nonEmptyText bool
	// keyText is the column of the value's query.NameKey, for the unique
	// names: every operator compares it (as query's Evaluator does, and
	// uniqueness), and a sort orders by it (sortKey); only pr reads text.
	keyText string
	// indexed: an index finds the rows an eq test matches (on keyText
	// when set, else on text), and they are few (a unique name, an
	// identifier: id, externalId, an email's value, a member's value).
	indexed bool
}

// target is a resolved attribute path.
type target struct {
	path string
	attr *resources.Attribute // the top-level attribute
	leaf *resources.Attribute // what is compared: the sub-attribute or attr
	// constDoc, when not nil, is a document holding everything the store
	// knows of the attribute (nothing, for password or meta.location):
	// the node is decided in Go against it at compile time.
	constDoc map[string]any
	// any renders "some value of the target satisfies pred".
	any func(c *compiler, pred func(v val) (string, error)) (string, error)
	// whole renders "the attribute holds something" for a path without
	// sub-attribute (pr on a complex or multi-valued attribute); nil means
	// any(present).
	whole func(c *compiler) (string, error)
	// elems renders "some element satisfies the value filter" for
	// attr[filter]; nil when unsupported.
	elems func(c *compiler, inner func(sc elemScope) (string, error)) (string, error)
	// someRow renders "the attribute has an element". relTarget sets it
	// only for a sub-attribute the store keeps for no element of a
	// multi-valued attribute kept in a related table (constDoc is then
	// {}), where ne is true of each element there is; nil otherwise.
	someRow func(c *compiler) (string, error)
}

// elemScope resolves the sub-attributes named inside a value filter for
// one element.
type elemScope struct {
	attr *resources.Attribute
	sub  func(sa *resources.Attribute) (val, bool) // false: absent
	// loose: a sub-attribute's value is an extension's, kept as the
	// host wrote it, and compared as anyValue reads it (looseTarget).
	loose bool
}

// present renders "the attribute holds something"; node is the filter
// node being compiled, decided in Go when the target is constant.
func (t *target) present(c *compiler, node filter.Expr) (string, error) {
	if t.constDoc != nil {
		return c.constant(node, t)
	}
	if t.whole != nil {
		return t.whole(c)
	}
	return t.any(c, func(v val) (string, error) { return c.valPresent(t.leaf, v) })
}

// constant decides node against t.constDoc in Go.
func (c *compiler) constant(node filter.Expr, t *target) (string, error) {
	ok, err := c.ev.Match(node, t.constDoc)
	if err != nil {
		return "", errFallback
	}
	return c.d.boolLit(ok), nil
}

// valPresent renders "v is present and not empty".
func (c *compiler) valPresent(leaf *resources.Attribute, v val) (string, error) {
	switch {
	case v.timeCol != "":
		return "(" + v.timeCol + " IS NOT NULL)", nil
	case v.boolCol != "":
		return "(" + v.boolCol + " IS NOT NULL)", nil
	case v.json != "" && (leaf == nil || leaf.Type == resources.TypeComplex || leaf.MultiValued):
		return c.d.jnonEmpty(v.json), nil
	case v.json != "":
		// A scalar attribute's value in the document: a boolean, a
		// number or a non-empty string holds one. A host extension's
		// value is kept as the host wrote it, so a string attribute may
		// hold a number and any attribute a list or an object, which
		// holds a value when something in it does (resources.Assigned,
		// as query.Evaluator decides): jnonEmpty, asked only of those.
		return "(" + c.d.jtype(v.json) + " IN ('true', 'false', 'number') OR " + c.jsonString(v.json) + " <> '' OR (" +
			c.d.jtype(v.json) + " IN ('array', 'object') AND " + c.d.jnonEmpty(v.json) + "))", nil
	case v.text != "":
		if v.nonEmptyText {
			return "(" + v.text + " IS NOT NULL)", nil
		}
		return "(" + v.text + " <> '')", nil
	}
	return "", errFallback
}

// compare compiles "path op value" for a resolved target.
func (c *compiler) compare(t *target, x *filter.Compare) (string, error) {
	op := filter.Op(names.Lower(string(x.Op)))
	if t.constDoc != nil {
		if t.someRow != nil && op == filter.Ne && x.Value != nil {
			// A sub-attribute the store keeps for no element: absent in
			// each, so not identical to the operand in each there is.
			return t.someRow(c)
		}
		return c.constant(x, t)
	}
	if x.Value == nil {
		p, err := t.present(c, x)
		if err != nil {
			return "", err
		}
		if op == filter.Eq {
			return not(p), nil
		}
		return p, nil // ne null
	}
	// eq is the test of op; for ne, predicate gives the eq test, which
	// what follows negates.
	eq, err := c.predicate(t.leaf, op, x.Value)
	if err != nil {
		return "", err
	}
	if op != filter.Ne {
		return t.any(c, eq)
	}
	if !t.attr.MultiValued {
		if t.leaf.MultiValued {
			return "", errFallback // a multi-valued sub-attribute: decided in Go
		}
		s, err := t.any(c, eq)
		if err != nil {
			return "", err
		}
		return not(s), nil
	}
	// RFC 7644 §3.4.2.2: on a multi-valued attribute some value is not
	// identical, as query.Evaluator decides: an element whose
	// sub-attribute is absent (eq is NULL) counts, a null value of a
	// multi-valued simple attribute does not.
	return t.any(c, func(v val) (string, error) {
		s, err := eq(v)
		if err != nil {
			return "", err
		}
		if t.attr.Type != resources.TypeComplex && v.json != "" {
			return "(" + c.d.jtype(v.json) + " <> 'null' AND " + not(s) + ")", nil
		}
		return not(s), nil
	})
}

// predicate returns the test of one value against the operand. For ne it
// is the eq test, which the caller negates, and which is then no lookup:
// an index finds the rows an eq matches, not the others.
func (c *compiler) predicate(leaf *resources.Attribute, op filter.Op, operand any) (func(v val) (string, error), error) {
	if leaf == nil {
		return nil, errFallback
	}
	lookup := op == filter.Eq
	if op == filter.Ne {
		op = filter.Eq
	}
	switch leaf.Type {
	case resources.TypeBoolean:
		b, ok := query.ToBool(operand)
		if !ok || (op != filter.Eq) {
			return nil, errFallback
		}
		return func(v val) (string, error) { return c.boolTest(v, b) }, nil
	case resources.TypeInteger, resources.TypeDecimal:
		return nil, errFallback
	case resources.TypeDateTime:
		s, ok := operand.(string)
		if !ok || isSubstringOp(op) {
			return nil, errFallback
		}
		tm, ok := query.ParseTime(s)
		if !ok {
			return nil, errFallback
		}
		return func(v val) (string, error) {
			if v.timeCol == "" {
				return "", errFallback
			}
			return c.timeTest(v.timeCol, op, tm), nil
		}, nil
	case resources.TypeComplex:
		return nil, errFallback
	}
	s, ok := toText(operand)
	if !ok {
		return nil, errFallback
	}
	raw := s
	if !leaf.CaseExact {
		s = fold(s)
	}
	return func(v val) (string, error) {
		if lookup && v.indexed {
			c.lookups++
		}
		if v.keyText != "" {
			// Every operator compares the name's key (query.NameOperandKey),
			// as the Evaluator does: a name eq finds, sw, co, ew, ge and le
			// find with the same operand.
			if op != filter.Eq {
				return c.textTest(v.keyText, op, query.NameOperandKey(op, raw)), nil
			}
			if lookup { // an eq test, not the one an ne negates
				c.keyed++
			}
			return "(" + v.keyText + " = " + c.a.bound(query.NameKey(raw, false)) + ")", nil
		}
		x := v.text
		if x == "" {
			if v.json == "" {
				return "", errFallback
			}
			x = c.jsonString(v.json)
		}
		return c.textTest(x, op, s), nil
	}, nil
}

// jsonString renders the text of a JSON string value, NULL for other
// JSON values.
func (c *compiler) jsonString(j string) string {
	if c.d.pg {
		return "(CASE WHEN jsonb_typeof(" + j + ") = 'string' THEN " + j + " #>> '{}' END)"
	}
	return "(CASE WHEN json_type(" + j + ") = 'text' THEN " + j + " ->> '$' END)"
}

// jsonStringAt is jsonString of the value at path parameter p of JSON
// expression base (dialect.jget), read from base at p: the type by
// jsonb_typeof / json_type of the path, the text by #>> / ->> of the
// path. jsonString of jget(base, p) extracts the value as JSON twice and
// then converts it to text (PostgreSQL builds a jsonb of it each time,
// SQLite writes it out as JSON text and parses it again), which was most
// of the cost of a co, sw or ew on a string attribute of the query
// document (BENCHMARKS.md, branch substr2). NULL for a value that is no
// string, or none, as jsonString.
func (c *compiler) jsonStringAt(base, p string) string {
	if c.d.pg {
		return "(CASE WHEN jsonb_typeof(" + base + " #> " + p + "::text[]) = 'string' THEN " + base + " #>> " + p + "::text[] END)"
	}
	return "(CASE WHEN json_type(" + base + ", " + p + ") = 'text' THEN " + base + " ->> " + p + " END)"
}

func (c *compiler) boolTest(v val, b bool) (string, error) {
	switch {
	case v.boolCol != "":
		if b {
			return "(" + v.boolCol + " = " + c.d.boolLit(true) + ")", nil
		}
		return "(" + v.boolCol + " = " + c.d.boolLit(false) + ")", nil
	case v.json != "":
		return c.d.jbool(v.json, b), nil
	}
	return "", errFallback
}

// textTest compiles a string comparison of SQL text x with s (already
// folded when the attribute is not caseExact).
func (c *compiler) textTest(x string, op filter.Op, s string) string {
	switch op {
	case filter.Eq:
		return "(" + x + " = " + c.a.bound(s) + ")"
	case filter.Co, filter.Sw, filter.Ew:
		if s == "" {
			return "(" + x + " IS NOT NULL)"
		}
		if op != filter.Sw {
			c.unestimated++
		}
		return c.d.substring(c.a, x, string(op), s)
	case filter.Gt, filter.Ge, filter.Lt, filter.Le:
		return "(" + x + c.d.textColl + " " + sqlOrder[op] + " " + c.a.bound(s) + ")"
	}
	return "FALSE"
}

var sqlOrder = map[filter.Op]string{filter.Gt: ">", filter.Ge: ">=", filter.Lt: "<", filter.Le: "<="}

// timeTest compares a time column (whole microseconds) with tm exactly,
// even when tm has a sub-microsecond part.
func (c *compiler) timeTest(col string, op filter.Op, tm time.Time) string {
	tr := tm.Truncate(time.Microsecond)
	exact := tr.Equal(tm)
	p := func() string { return c.a.bound(c.d.timeArg(tr)) }
	switch op {
	case filter.Eq:
		if !exact {
			return "FALSE"
		}
		return "(" + col + " = " + p() + ")"
	case filter.Gt:
		return "(" + col + " > " + p() + ")"
	case filter.Ge:
		if !exact {
			return "(" + col + " > " + p() + ")"
		}
		return "(" + col + " >= " + p() + ")"
	case filter.Lt:
		if !exact {
			return "(" + col + " <= " + p() + ")"
		}
		return "(" + col + " < " + p() + ")"
	case filter.Le:
		return "(" + col + " <= " + p() + ")"
	}
	return "FALSE"
}

// logical is the SQL of l and r, two conditions compiled, joined by op
// (and, or: in any case, as the parser keeps it).
func logical(op filter.LogicalOp, l, r string) string {
	join := " AND "
	if names.Equal(string(op), string(filter.Or)) {
		join = " OR "
	}
	return "(" + l + join + r + ")"
}

func isSubstringOp(op filter.Op) bool { return op == filter.Co || op == filter.Sw || op == filter.Ew }

// elemCond compiles a value filter's expression for one element.
func (c *compiler) elemCond(sc elemScope, e filter.Expr, depth int) (string, error) {
	if depth > maxDepth {
		return "", errFallback
	}
	switch x := e.(type) {
	case *filter.Logical:
		l, err := c.elemCond(sc, x.Left, depth+1)
		if err != nil {
			return "", err
		}
		r, err := c.elemCond(sc, x.Right, depth+1)
		if err != nil {
			return "", err
		}
		return logical(x.Op, l, r), nil
	case *filter.Not:
		inner, err := c.elemCond(sc, x.X, depth+1)
		if err != nil {
			return "", err
		}
		return not(inner), nil
	case *filter.Present:
		sa, v, ok, err := c.elemSub(sc, x.Path)
		if err != nil {
			return "", err
		}
		if !ok {
			return c.d.boolLit(false), nil
		}
		return c.valPresent(sa, v)
	case *filter.Compare:
		sa, v, ok, err := c.elemSub(sc, x.Path)
		if err != nil {
			return "", err
		}
		op := filter.Op(names.Lower(string(x.Op)))
		if !ok {
			// An absent sub-attribute: decide in Go on an empty element.
			m, err := c.ev.MatchElement(sc.attr, &filter.Compare{Path: filter.AttrPath{Name: sa.Name}, Op: op, Value: x.Value}, map[string]any{})
			if err != nil {
				return "", errFallback
			}
			return c.d.boolLit(m), nil
		}
		if x.Value == nil {
			p, err := c.valPresent(sa, v)
			if err != nil {
				return "", err
			}
			if op == filter.Eq {
				return not(p), nil
			}
			return p, nil
		}
		pred, err := c.predicate(sa, op, x.Value)
		if err != nil {
			return "", err
		}
		var s string
		if sc.loose && v.json != "" {
			s, err = c.anyValue(sa, v.json, pred)
		} else {
			s, err = pred(v)
		}
		if err != nil {
			return "", err
		}
		if op == filter.Ne {
			return not(s), nil
		}
		return s, nil
	}
	return "", errFallback
}

func (c *compiler) elemSub(sc elemScope, p filter.AttrPath) (*resources.Attribute, val, bool, error) {
	if sc.attr == nil || p.URI != "" || p.Sub != "" {
		return nil, val{}, false, errFallback
	}
	sa := sc.attr.Sub(p.Name)
	if sa == nil {
		return nil, val{}, false, errFallback
	}
	v, ok := sc.sub(sa)
	return sa, v, ok, nil
}

// resolveAt is resolve for the path of node, a comparison or a value
// filter, which c.node names while it runs (groupsTarget asks it).
func (c *compiler) resolveAt(node filter.Expr, p filter.AttrPath, forPresence bool) (*target, error) {
	c.node = node
	t, err := c.resolve(p, forPresence)
	c.node = nil
	return t, err
}

// resolve maps an attribute path at the resource level to a target.
// forPresence keeps a complex attribute without sub-attribute whole (pr,
// value filters); otherwise its "value" sub-attribute is implied, as
// query.Evaluator does.
func (c *compiler) resolve(p filter.AttrPath, forPresence bool) (*target, error) {
	if p.Name == "" {
		return nil, errFallback // a whole extension
	}
	res := c.rt.ResolveQuery(p)
	a := res.Attr
	if res.IsSchemas() {
		return c.jsonTarget(a, a, []string{"schemas"}, ""), nil
	}
	if a == nil || res.Missing {
		return nil, errFallback // kept raw by an extension: decided in Go
	}
	t := &target{path: p.String(), attr: a, leaf: a}
	sub := ""
	if res.Sub != nil {
		t.leaf, sub = res.Sub, res.Sub.Name
	} else if !forPresence && a.Type == resources.TypeComplex {
		sa := a.Sub("value")
		if sa == nil {
			return nil, errFallback
		}
		t.leaf, sub = sa, sa.Name
	}
	ext := ""
	if res.Extension != nil {
		ext = res.Extension.ID
	}
	if ext == "" {
		if ct, ok := c.special(t, a, sub); ok {
			return ct, nil
		}
	}
	keys := []string{a.Name}
	if ext != "" {
		keys = []string{ext, a.Name}
	}
	jt := c.jsonTarget(a, t.leaf, keys, sub)
	jt.path = t.path
	return jt, nil
}

// special handles the attributes kept in columns or tables rather than in
// the query document.
func (c *compiler) special(t *target, a *resources.Attribute, sub string) (*target, bool) {
	name := a.Name
	switch {
	case name == "id" && sub == "":
		return c.colTarget(t, val{text: c.col("id"), nonEmptyText: true, indexed: true}), true
	case name == "externalId" && sub == "" && a.CaseExact:
		return c.colTarget(t, val{text: c.col("external_id"), indexed: true}), true
	case name == "meta":
		switch sub {
		case "created":
			t.any = func(c *compiler, pred func(val) (string, error)) (string, error) {
				return pred(val{timeCol: c.col("created")})
			}
			return t, true
		case "lastModified":
			t.any = func(c *compiler, pred func(val) (string, error)) (string, error) {
				return pred(val{timeCol: c.col("last_modified")})
			}
			return t, true
		case "version":
			return c.colTarget(t, val{text: `('W/"' || CAST(` + c.col("version") + ` AS TEXT) || '"')`}), true
		case "resourceType":
			t.constDoc = map[string]any{"meta": map[string]any{"resourceType": c.rt.Name}}
			return t, true
		case "location":
			t.constDoc = map[string]any{}
			return t, true
		}
		t.any = func(*compiler, func(val) (string, error)) (string, error) { return "", errFallback }
		return t, true
	case name == "password":
		t.constDoc = map[string]any{}
		return t, true
	}
	if c.users {
		switch {
		case name == "userName" && sub == "":
			if a.CaseExact {
				return c.colTarget(t, val{text: c.col("user_name"), nonEmptyText: true}), true
			}
			// text is what pr reads, and only that (keyText): user_name,
			// never NULL and, as the handler requires it, never ''; the
			// fold column is written empty (userInsert).
			return c.colTarget(t, val{text: c.col("user_name"), nonEmptyText: true, keyText: c.col("user_name_key"), indexed: true}), true
		case name == "emails" || name == "phoneNumbers":
			return c.valuesTarget(t, a, sub), true
		case name == "groups":
			return c.groupsTarget(t, a, sub), true
		}
		return nil, false
	}
	switch {
	case name == "displayName" && sub == "":
		if a.CaseExact {
			return c.colTarget(t, val{text: c.col("display_name"), nonEmptyText: true}), true
		}
		return c.colTarget(t, val{text: c.col("display_name_fold"), nonEmptyText: true, keyText: c.col("display_name_key"), indexed: true}), true
	case name == "members":
		return c.membersTarget(t, a, sub), true
	}
	return nil, false
}

// colTarget is a single-valued attribute kept in a column of the
// resource's row: v is its value as SQL sees it.
func (c *compiler) colTarget(t *target, v val) *target {
	t.any = func(c *compiler, pred func(val) (string, error)) (string, error) {
		return pred(v)
	}
	return t
}

// jsonTarget is an attribute of the query document at keys.
func (c *compiler) jsonTarget(a, leaf *resources.Attribute, keys []string, sub string) *target {
	t := &target{path: strings.Join(keys, "."), attr: a, leaf: leaf}
	base := func(c *compiler) string {
		return c.d.jget(c.col("q"), c.a.add(c.d.jsonPathArg(keys)))
	}
	if len(keys) > 1 {
		return c.looseTarget(t, a, leaf, base, sub)
	}
	subVal := func(c *compiler, elem string, sa *resources.Attribute) val {
		return c.pathVal(sa, elem, c.a.add(c.d.jsonPathArg([]string{sa.Name})))
	}
	switch {
	case !a.MultiValued && sub == "":
		t.any = func(c *compiler, pred func(val) (string, error)) (string, error) {
			return pred(c.pathVal(a, c.col("q"), c.a.add(c.d.jsonPathArg(keys))))
		}
		if a.Type == resources.TypeComplex {
			t.whole = func(c *compiler) (string, error) { return c.d.jnonEmpty(base(c)), nil }
			t.elems = func(c *compiler, inner func(elemScope) (string, error)) (string, error) {
				obj := base(c)
				b, err := inner(elemScope{attr: a, sub: func(sa *resources.Attribute) (val, bool) {
					return subVal(c, obj, sa), true
				}})
				if err != nil {
					return "", err
				}
				return "(" + c.d.jtype(obj) + " = 'object' AND " + b + ")", nil
			}
		}
	case !a.MultiValued:
		// a sub-attribute of a single complex attribute
		full := append(append([]string(nil), keys...), sub)
		t.any = func(c *compiler, pred func(val) (string, error)) (string, error) {
			return pred(c.pathVal(leaf, c.col("q"), c.a.add(c.d.jsonPathArg(full))))
		}
	default:
		each := func(c *compiler, body func(elem string) (string, error)) (string, error) {
			alias := c.newAlias("e")
			from, elem, _ := c.d.jelems(base(c), alias)
			b, err := body(elem)
			if err != nil {
				return "", err
			}
			c.subqueries++
			return "EXISTS (SELECT 1 FROM " + from + " WHERE " + b + ")", nil
		}
		t.any = func(c *compiler, pred func(val) (string, error)) (string, error) {
			return each(c, func(elem string) (string, error) {
				if sub == "" {
					return pred(c.jsonVal(leaf, elem))
				}
				return pred(subVal(c, elem, leaf))
			})
		}
		if sub == "" {
			t.whole = func(c *compiler) (string, error) { return c.d.jnonEmpty(base(c)), nil }
		}
		if a.Type == resources.TypeComplex {
			t.elems = func(c *compiler, inner func(elemScope) (string, error)) (string, error) {
				return each(c, func(elem string) (string, error) {
					return inner(elemScope{attr: a, sub: func(sa *resources.Attribute) (val, bool) {
						return subVal(c, elem, sa), true
					}})
				})
			}
		}
	}
	return t
}

// looseTarget is jsonTarget for an attribute of an extension, whose value
// a store keeps as the host wrote it: it may have the other shape than
// the schema's (a list in a single-valued attribute, one value or object
// in a multi-valued one), and a GET shows it so. A filter reads it as
// query's Evaluator does (eachValue, valuePath), so that SQL and Go find
// the same users: a list stands for its elements, a value that is not a
// list for itself, and a sub-attribute is read from an object or from
// each object of a list (anyValue, anyObject). The core attributes a
// store writes from the typed model always have the schema's shape.
func (c *compiler) looseTarget(t *target, a, leaf *resources.Attribute, base func(*compiler) string, sub string) *target {
	if sub == "" {
		t.any = func(c *compiler, pred func(val) (string, error)) (string, error) {
			return c.anyValue(leaf, base(c), pred)
		}
		if a.Type == resources.TypeComplex || a.MultiValued {
			t.whole = func(c *compiler) (string, error) { return c.d.jnonEmpty(base(c)), nil }
		}
	} else {
		t.any = func(c *compiler, pred func(val) (string, error)) (string, error) {
			return c.anyObject(base(c), func(obj string) (string, error) {
				return c.anyValue(leaf, c.d.jget(obj, c.a.add(c.d.jsonPathArg([]string{sub}))), pred)
			})
		}
	}
	if a.Type == resources.TypeComplex {
		t.elems = func(c *compiler, inner func(elemScope) (string, error)) (string, error) {
			return c.anyObject(base(c), func(obj string) (string, error) {
				return inner(elemScope{attr: a, loose: true, sub: func(sa *resources.Attribute) (val, bool) {
					return c.pathVal(sa, obj, c.a.add(c.d.jsonPathArg([]string{sa.Name}))), true
				}})
			})
		}
	}
	return t
}

// anyValue renders "pred holds of a value JSON expression j holds", a
// value of leaf, as query's Evaluator reads one (eachValue): j itself
// when it is no array, else any of its elements (anyIn).
func (c *compiler) anyValue(leaf *resources.Attribute, j string, pred func(val) (string, error)) (string, error) {
	return c.anyIn(j, false, func(x string) (string, error) { return pred(c.jsonVal(leaf, x)) })
}

// anyObject renders "body holds of an object JSON expression j holds", as
// query's Evaluator reads a complex value (valuePath, each): j when it is
// an object, or when j is an array any of its elements that is one
// (anyIn).
func (c *compiler) anyObject(j string, body func(obj string) (string, error)) (string, error) {
	return c.anyIn(j, true, body)
}

// anyIn renders "body holds of JSON expression j, or of an element of j
// when j is an array": the one reading of a value that may be a list,
// for anyValue (objects false) and anyObject (objects true). body is
// asked of j only when j is no array: of any such j for a value (a
// negated test, ne on a multi-valued attribute, holds of an array, which
// is no value), an absent j included (where ne holds, as someNot
// decides), of an object alone for objects; and of the elements that
// are not null (as eachValue skips them), or that are objects. One CASE
// on j's type (jkind) chooses between them, so that a row reads j's type
// once: an OR of the two cases read it again for every row the first
// did not match (BENCHMARKS.md, branch cursorwalk). A CASE that matches
// nothing is NULL, which every NOT takes for false (cond).
func (c *compiler) anyIn(j string, objects bool, body func(string) (string, error)) (string, error) {
	one, err := body(j)
	if err != nil {
		return "", err
	}
	from, elem, _ := c.d.jelems(j, c.newAlias("e"))
	each, err := body(elem)
	if err != nil {
		return "", err
	}
	// j itself: any value but an array, or an object alone; an
	// element: one that is not null, or an object.
	self, elemTest := " ELSE "+one, " <> 'null'"
	if objects {
		self, elemTest = " WHEN 'object' THEN "+one, " = 'object'"
	}
	c.subqueries++
	return "(CASE " + c.d.jkind(j) + " WHEN 'array' THEN EXISTS (SELECT 1 FROM " + from +
		" WHERE " + c.d.jtype(elem) + elemTest + " AND " + each + ")" + self + " END)", nil
}

// jsonVal describes JSON expression j holding a value of attribute a.
func (c *compiler) jsonVal(a *resources.Attribute, j string) val {
	v := val{json: j}
	if textual(a) {
		v.text = c.jsonString(j)
	}
	return v
}

// pathVal is jsonVal of the value at path parameter p of JSON expression
// base, its text read from base at p (jsonStringAt).
func (c *compiler) pathVal(a *resources.Attribute, base, p string) val {
	v := val{json: c.d.jget(base, p)}
	if textual(a) {
		v.text = c.jsonStringAt(base, p)
	}
	return v
}

// textual reports whether a value of attribute a is compared as text.
func textual(a *resources.Attribute) bool {
	return a != nil && a.Type != resources.TypeComplex && a.Type != resources.TypeBoolean &&
		a.Type != resources.TypeInteger && a.Type != resources.TypeDecimal && a.Type != resources.TypeDateTime
}

// relTarget builds the target of a multi-valued attribute kept as rows of
// a related table: the resource's id is among the owner column of the
// rows that satisfy a condition, from renders " FROM ... WHERE <tenant
// and cond>" and subs maps a sub-attribute to its value in a row (false:
// the store keeps no such sub-attribute, it is absent). ownersFirst lets
// a top-level co or ew read the page from the matching owners (see in).
func (c *compiler) relTarget(t *target, a *resources.Attribute, sub, owner string,
	from func(c *compiler, cond string) string,
	subs func(c *compiler, sa *resources.Attribute) (val, bool),
	anyRow string, ownersFirst bool) *target {
	node := c.node // the comparison or value filter being resolved
	in := func(c *compiler, cond func() (string, error)) (string, error) {
		lookups, unestimated := c.lookups, c.unestimated
		b, err := cond()
		if err != nil {
			return "", err
		}
		col := owner
		if ownersFirst && c.d.pg && !c.walk && node != nil && node == c.top && c.lookups == lookups && c.unestimated > unestimated {
			// A top-level co or ew on the rows (emails.value co "x"):
			// PostgreSQL estimates strpos(...) > 0 to hold for a third
			// of the rows and right(...) = $n for a few, so a custom plan
			// walked the tenant's users in seq order and probed each
			// one's rows by scim_user_values_pkey for the page's LIMIT
			// (loops=20000 when nothing matches, BENCHMARKS.md, branch
			// emailsco); the generic plan read the rows once. Selected
			// DISTINCT the owners are a relation of their own, no index
			// to probe, and under an ORDER BY no index gives
			// (listPlan.order), or in a CTE of the matches
			// (matchesFirst), every plan reads the matching rows once
			// and joins their owners (hash, merge or pkey probes of the
			// matches), without the hashed subplan's hash_mem limit
			// (maxJoinedConjuncts). The DISTINCT is left out in a CTE of
			// this test alone, which has no LIMIT to plan for and no other
			// test whose estimate could make the tenant's users look few
			// enough to probe: its semi-join then reads the rows once
			// without aggregating them first.
			//
			// A keyset walk (ListUsersAfter) keeps the semi-join in the
			// list's order: read from the owners, each of its pages read
			// and sorted every match of the tenant, not those after its
			// position (a walk of n matches read n²/count rows; 20,000
			// matches cost about 100 ms a page where the index walk
			// stopped after ten, BENCHMARKS.md, branch sqlperf2), while
			// the index walk costs each page the users between its
			// position and its last match: a whole walk reads the tenant
			// once.
			c.ownersFirst = true
			if !c.matchesCTE || !c.alone {
				col = "DISTINCT " + col
			}
		}
		if c.lookups > lookups {
			// The rows are looked up by a value (an email, a member): few,
			// found by that value's index. Without statistics PostgreSQL
			// saw about the same cost in reading along an index that is
			// bounded by the tenant alone but ordered by owner
			// (scim_user_values' primary key, by user), and kept that path
			// for the order, which a join with the resource's rows could
			// use: it read every email of the tenant, and a generic plan
			// made so kept doing it as the tenant grew
			// (TestLookupPlansWithoutStatisticsPG). scim_members' primary
			// key, by group, is the same trap for a member. The owner
			// selected through unindexed has no order an index gives.
			col = c.d.unindexed(owner)
		}
		c.subqueries++
		return "(" + c.col("id") + " IN (SELECT " + col + from(c, b) + "))", nil
	}
	t.elems = func(c *compiler, inner func(elemScope) (string, error)) (string, error) {
		return in(c, func() (string, error) {
			return inner(elemScope{attr: a, sub: func(sa *resources.Attribute) (val, bool) { return subs(c, sa) }})
		})
	}
	if sub == "" {
		// pr on the whole attribute: some row holds something.
		t.whole = func(c *compiler) (string, error) {
			return in(c, func() (string, error) { return anyRow, nil })
		}
		t.any = func(*compiler, func(val) (string, error)) (string, error) { return "", errFallback }
		return t
	}
	sa := a.Sub(sub)
	if _, ok := subs(c, sa); !ok {
		t.constDoc = map[string]any{}
		t.someRow = func(c *compiler) (string, error) {
			return in(c, func() (string, error) { return "TRUE", nil })
		}
		return t
	}
	t.any = func(c *compiler, pred func(val) (string, error)) (string, error) {
		return in(c, func() (string, error) {
			v, _ := subs(c, sa)
			return pred(v)
		})
	}
	return t
}

// valuesTarget: a user's emails or phoneNumbers, from scim_user_values.
func (c *compiler) valuesTarget(t *target, a *resources.Attribute, sub string) *target {
	alias := c.newAlias("v")
	from := func(c *compiler, cond string) string {
		return " FROM scim_user_values " + alias + " WHERE " + alias + ".tenant = " + c.tenant +
			" AND " + alias + ".attr = '" + a.Name + "' AND " + cond
	}
	subs := func(c *compiler, sa *resources.Attribute) (val, bool) {
		switch sa.Name {
		case "value":
			// found through scim_user_values_value (tenant, attr, value, …)
			return val{text: alias + ".value", nonEmptyText: true, indexed: true}, true
		case "display", "type":
			return val{text: alias + "." + sa.Name, nonEmptyText: true}, true
		case "primary":
			return val{boolCol: alias + ".is_primary"}, true
		}
		return val{}, false
	}
	any := "(" + alias + ".value IS NOT NULL OR " + alias + ".display IS NOT NULL OR " + alias + ".type IS NOT NULL OR " + alias + ".is_primary IS NOT NULL)"
	return c.relTarget(t, a, sub, alias+".user_id", from, subs, any, true)
}

// groupsTarget: a user's groups as GroupsOf lists them (value, display,
// type; $ref is filled by the handler), so that a filter sees what a GET
// shows (RFC 7644 §3.4.2.2): the rows of memberships (sqlMemberships)
// joined to scim_groups. When the test compiled (c.node, see
// groupsWithin) holds only for rows whose value equals an operand, the
// rows are those of the groups equal to it alone, found walking down
// from them.
func (c *compiler) groupsTarget(t *target, a *resources.Attribute, sub string) *target {
	m, g := c.newAlias("m"), c.newAlias("g")
	within := groupsWithin(c.node, sub)
	from := func(c *compiler, cond string) string {
		var in func(col string) (string, error)
		if within != nil {
			pred, err := c.predicate(a.Sub("value"), filter.Eq, within.Value)
			if err == nil {
				in = func(col string) (string, error) { return pred(val{text: col, nonEmptyText: true}) }
			}
		}
		return " FROM (" + c.d.sqlMemberships(c.tenant, in) + ") " + m + " JOIN scim_groups " + g + " ON " + g + ".tenant = " + c.tenant + " AND " + g + ".id = " + m + ".group_id" +
			" WHERE " + cond
	}
	subs := func(c *compiler, sa *resources.Attribute) (val, bool) {
		switch sa.Name {
		case "value":
			return val{text: m + ".group_id", nonEmptyText: true}, true
		case "display":
			// An empty name is no display, as a GET leaves it out
			// (query.GroupRefValue).
			if sa.CaseExact {
				return val{text: "NULLIF(" + g + ".display_name, '')", nonEmptyText: true}, true
			}
			return val{text: "NULLIF(" + g + ".display_name_fold, '')", nonEmptyText: true}, true
		case "type":
			// "direct" and "indirect" are their own fold.
			return val{text: m + ".type", nonEmptyText: true}, true
		}
		return val{}, false
	}
	return c.relTarget(t, a, sub, m+".member_id", from, subs, "TRUE", false)
}

// groupsWithin returns the "value eq" test that every row of e, a test
// on a user's groups whose path resolved to sub-attribute sub, must
// pass, or nil: "groups.value eq X" (or "groups eq X", whose sub is the
// implied value), or a value filter "groups[...]" one of whose
// top-level conjuncts is "value eq X". For such a test the rows are the
// memberships in the groups X names alone, which sqlMemberships finds
// walking down from X (the common shape: "who is in group X, directly or
// not"), not through the whole tenant's nesting. Each such test selects
// exactly its own rows, so a "not" or "or" around it changes nothing.
func groupsWithin(e filter.Expr, sub string) *filter.Compare {
	isEq := func(x *filter.Compare) bool {
		return x.Value != nil && names.Equal(string(x.Op), string(filter.Eq))
	}
	switch x := e.(type) {
	case *filter.Compare:
		if sub == "value" && isEq(x) {
			return x
		}
	case *filter.ValuePath:
		if sub != "" {
			return nil
		}
		for _, y := range conjuncts(x.Filter, nil) {
			if v, ok := y.(*filter.Compare); ok && v.Path.URI == "" && v.Path.Sub == "" && names.Equal(v.Path.Name, "value") && isEq(v) {
				return v
			}
		}
	}
	return nil
}

// sqlMemberships is the rows (member_id, group_id, type) of the groups
// the users of tenant t belong to, as GroupsOf types them: each direct
// membership ("direct"), then each group a user belongs to only through
// groups that are members of groups ("indirect": direct wins). The
// indirect rows come from GroupsOf's walk (walkGroups) seeded with the
// memberships of groups in groups rather than of users: c then holds each
// nested group and the groups above it, whatever the number of users, and
// a user's indirect groups are those above the groups it is a direct
// member of.
//
// With in (the test of a group id a filter's "value eq" makes, see
// groupsWithin), the rows are those of the groups whose id passes in: the
// direct members of those groups, through the (tenant, group_id) index,
// and the users of the groups within them, from the walk down seeded with
// their member groups, one probe of scim_members_nested_groups that finds
// no row when they hold none. Without, the walk goes up from every
// nested group, and a tenant without nested groups reads no row past one
// probe of the scim_members_group_member partial index.
func (d *dialect) sqlMemberships(t string, in func(col string) (string, error)) string {
	direct, nested, down := "", "", false
	if in != nil {
		dc, err1 := in("d.group_id")
		pc, err2 := in("p.group_id")
		if err1 == nil && err2 == nil {
			direct, nested, down = " AND "+dc, " AND "+pc, true
		}
	}
	return `SELECT d.member_id, d.group_id, 'direct' AS type FROM scim_members d WHERE d.tenant = ` + t + ` AND d.member_type = 'User'` + direct + `
		UNION ALL
		SELECT i.member_id, i.gid, 'indirect' FROM (` + d.walkGroups(t, `SELECT p.member_id, p.group_id, 1 FROM scim_members p WHERE p.tenant = `+t+` AND `+nestedGroup("p", down)+nested, down) + `
		SELECT m.member_id, c.gid FROM c` + d.outerJoin() + `scim_members m ON m.tenant = ` + t + ` AND m.group_id = c.member AND m.member_type = 'User') i
		WHERE NOT EXISTS (SELECT 1 FROM scim_members x WHERE x.tenant = ` + t + ` AND x.group_id = i.gid AND x.member_id = i.member_id AND x.member_type = 'User')`
}

// membersTarget: a group's members, from scim_members (display from the
// member user's or group's current name, as the store reports it).
func (c *compiler) membersTarget(t *target, a *resources.Attribute, sub string) *target {
	m, u, g := c.newAlias("m"), c.newAlias("u"), c.newAlias("g")
	needJoin := false
	from := func(c *compiler, cond string) string {
		q := " FROM scim_members " + m
		if needJoin {
			q += " LEFT JOIN scim_users " + u + " ON " + m + ".member_type = 'User' AND " + u + ".tenant = " + m + ".tenant AND " + u + ".id = " + m + ".member_id" +
				" LEFT JOIN scim_groups " + g + " ON " + m + ".member_type = 'Group' AND " + g + ".tenant = " + m + ".tenant AND " + g + ".id = " + m + ".member_id"
		}
		return q + " WHERE " + m + ".tenant = " + c.tenant + " AND " + cond
	}
	subs := func(c *compiler, sa *resources.Attribute) (val, bool) {
		switch sa.Name {
		case "value":
			// found through scim_members_member (tenant, member_id, …):
			// the groups a user or group is in are few
			return val{text: m + ".member_id", nonEmptyText: true, indexed: true}, true
		case "type":
			if sa.CaseExact {
				return val{text: m + ".member_type", nonEmptyText: true}, true
			}
			return val{text: "lower(" + m + ".member_type)", nonEmptyText: true}, true
		case "display":
			needJoin = true
			// An empty name is no display, as a GET leaves it out
			// (query.MemberValue).
			if sa.CaseExact {
				return val{text: "NULLIF(COALESCE(" + u + ".display, " + g + ".display_name), '')", nonEmptyText: true}, true
			}
			return val{text: "NULLIF(COALESCE(" + u + ".display_fold, " + g + ".display_name_fold), '')", nonEmptyText: true}, true
		}
		return val{}, false
	}
	return c.relTarget(t, a, sub, m+".group_id", from, subs, "TRUE", false)
}

// toText turns a scalar operand into the text a string attribute is
// compared with, as query.Evaluator does, except that NaN and infinities
// have no text here.
func toText(v any) (string, bool) {
	if x, ok := v.(float64); ok && (math.IsNaN(x) || math.IsInf(x, 0)) {
		return "", false
	}
	return query.ToText(v)
}
