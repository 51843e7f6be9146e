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
