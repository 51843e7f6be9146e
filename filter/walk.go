package filter

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
	found := false
	Walk(e, func(x Expr) bool {
		if found {
			return false
		}
		switch n := x.(type) {
		case *Compare:
			found = n != nil && fn(n.Path)
		case *Present:
			found = n != nil && fn(n.Path)
		case *ValuePath:
			found = n != nil && fn(n.Path)
		default:
			return true
		}
		return false
	})
	return found
}
