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
