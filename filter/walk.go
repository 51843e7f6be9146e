package filter

import (
	"iter"
	"strings"
)

// Walk calls fn for e and then, in pre-order, for each sub-expression:
// the operands of a *Logical (left before right), the operand of a *Not
// and the filter of a *ValuePath. When fn returns false, Walk does not
// descend into that node's sub-expressions but carries on with the rest
// of the tree. Attribute paths are not expressions and are not visited.
func Walk(e Expr, fn func(Expr) bool) {
	if e == nil || !fn(e) {
		return
	}
	switch x := e.(type) {
	case *Logical:
		if x != nil {
			Walk(x.Left, fn)
			Walk(x.Right, fn)
		}
	case *Not:
		if x != nil {
			Walk(x.X, fn)
		}
	case *ValuePath:
		if x != nil {
			Walk(x.Filter, fn)
		}
	}
}

// UnquotedValues returns the comparisons in e whose string value the input
// gave without double quotes (Compare.Unquoted), in the order Walk visits
// them, or nil when there are none. A caller that accepts them can report
// each one, e.g. as the warning "unquoted filter value \"Employee\"".
func UnquotedValues(e Expr) []*Compare {
	var out []*Compare
	Walk(e, func(x Expr) bool {
		if c, ok := x.(*Compare); ok && c != nil && c.Unquoted {
			out = append(out, c)
		}
		return true
	})
	return out
}

// AnyPath reports whether fn holds for the attribute path of a comparison,
// presence test or value filter in e: the outer path of a value filter
// (emails in emails[type eq "work"]), not the paths inside it, which are
// relative to the filtered attribute. Paths are visited in Walk's order
// and the walk stops at the first for which fn is true.
func AnyPath(e Expr, fn func(AttrPath) bool) bool {
	return !paths(e, nil, false, func(p AttrPath, _ bool) bool { return !fn(p) })
}

// Paths returns an iterator over the attribute paths e names, in Walk's
// order: the path of each comparison and presence test, and for a value
// filter its own path (emails in emails[type eq "work"]) followed by the
// paths inside its filter, which are relative to the filtered attribute
// and so are yielded joined to it, as its sub-attributes (emails.type,
// with the outer path's schema URN). The second value is true for such a
// joined path. A path inside a value filter that names no sub-attribute
// (one with a schema URN or a sub-attribute of its own, which evaluators
// refuse) is passed over, and of a value filter nested in another (which
// the parser refuses) only the path is yielded, joined. Breaking out of
// the loop ends the walk: a check that wants the first path it refuses
// visits no more.
//
// It is the one walk of every check of the attributes a filter names
// (one left out of a narrowed model, one never returned), so that each
// reads a value filter's sub-attributes alike.
func Paths(e Expr) iter.Seq2[AttrPath, bool] {
	return func(yield func(AttrPath, bool) bool) { paths(e, nil, true, yield) }
}

// paths yields the paths of e, as Paths does, joined to in when e is (in)
// the filter of a value filter on in; without inner, not those inside a
// value filter (AnyPath). It reports false when yield ended the walk.
func paths(e Expr, in *AttrPath, inner bool, yield func(AttrPath, bool) bool) bool {
	var p AttrPath
	switch x := e.(type) {
	case *Logical:
		return x == nil || paths(x.Left, in, inner, yield) && paths(x.Right, in, inner, yield)
	case *Not:
		return x == nil || paths(x.X, in, inner, yield)
	case *Compare:
		if x == nil {
			return true
		}
		p = x.Path
	case *Present:
		if x == nil {
			return true
		}
		p = x.Path
	case *ValuePath:
		if x == nil {
			return true
		}
		if in == nil {
			return yield(x.Path, false) && (!inner || paths(x.Filter, &x.Path, inner, yield))
		}
		p = x.Path
	default:
		return true
	}
	switch {
	case in == nil:
		return yield(p, false)
	case p.URI != "" || p.Sub != "":
		return true
	}
	return yield(AttrPath{URI: in.URI, Name: in.Name, Sub: p.Name}, true)
}

// RewritePaths returns e with the attribute path of each comparison,
// presence test and value filter replaced by what fn gives for it when fn
// reports true; the paths inside a value filter, relative to the filtered
// attribute, are not given to fn. e is never modified: the nodes on the
// way to a replaced path are copied, the rest shared, and e itself comes
// back when fn replaced nothing. Paths are visited in Walk's order.
func RewritePaths(e Expr, fn func(AttrPath) (AttrPath, bool)) Expr {
	switch x := e.(type) {
	case *Logical:
		if x == nil {
			return e
		}
		l, r := RewritePaths(x.Left, fn), RewritePaths(x.Right, fn)
		if l == x.Left && r == x.Right {
			return e
		}
		return &Logical{Op: x.Op, Left: l, Right: r}
	case *Not:
		if x == nil {
			return e
		}
		if in := RewritePaths(x.X, fn); in != x.X {
			return &Not{X: in}
		}
	case *Compare:
		if x == nil {
			return e
		}
		if p, ok := fn(x.Path); ok {
			c := *x
			c.Path = p
			return &c
		}
	case *Present:
		if x == nil {
			return e
		}
		if p, ok := fn(x.Path); ok {
			return &Present{Path: p}
		}
	case *ValuePath:
		if x == nil {
			return e
		}
		if p, ok := fn(x.Path); ok {
			return &ValuePath{Path: p, Filter: x.Filter}
		}
	}
	return e
}

// SubstringBytes returns the bytes of e's co operands together: what a
// store's substring search costs may grow with them times the bytes of
// the values searched (neither SQLite's instr nor PostgreSQL's strpos is
// linear in its worst case, nor is a search that tries the operand at
// each offset), which a server bounds by it. An ew or sw operand is not
// counted: a store compares it with the value's end or start, in time
// linear in the value.
func SubstringBytes(e Expr) int {
	n := 0
	Walk(e, func(x Expr) bool {
		if c, ok := x.(*Compare); ok && c != nil && c.Op == Co {
			s, _ := c.Value.(string)
			n += len(s)
		}
		return true
	})
	return n
}

// HoldsNUL reports whether a comparison of e is with a string that holds
// a NUL character (the parser decodes "\u0000" to one, as JSON does). No
// store can answer such a comparison alike: PostgreSQL refuses NUL in
// text, and SQLite's GLOB ends a pattern at one where its instr does not.
func HoldsNUL(e Expr) bool {
	found := false
	Walk(e, func(x Expr) bool {
		if c, ok := x.(*Compare); ok && c != nil {
			if v, ok := c.Value.(string); ok && strings.IndexByte(v, 0) >= 0 {
				found = true
			}
		}
		return !found
	})
	return found
}
