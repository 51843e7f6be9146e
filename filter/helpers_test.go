package filter

// Constructors that keep the expected trees in the tests readable.

func ap(name string) AttrPath            { return AttrPath{Name: name} }
func aps(name, sub string) AttrPath      { return AttrPath{Name: name, Sub: sub} }
func apu(uri, name, sub string) AttrPath { return AttrPath{URI: uri, Name: name, Sub: sub} }
func cmp(p AttrPath, op Op, v any) Expr  { return &Compare{Path: p, Op: op, Value: v} }
func eq(name string, v any) Expr         { return cmp(ap(name), Eq, v) }
func pr(p AttrPath) Expr                 { return &Present{Path: p} }
func and(l, r Expr) Expr                 { return &Logical{Op: And, Left: l, Right: r} }
func or(l, r Expr) Expr                  { return &Logical{Op: Or, Left: l, Right: r} }
func not(x Expr) Expr                    { return &Not{X: x} }
func vp(p AttrPath, f Expr) Expr         { return &ValuePath{Path: p, Filter: f} }
func path(a AttrPath, f Expr) Path       { return Path{AttrPath: a, Filter: f} }

// ucmp and ueq build a comparison with an unquoted string value.
func ucmp(p AttrPath, op Op, v string) Expr {
	return &Compare{Path: p, Op: op, Value: v, Unquoted: true}
}
func ueq(name, v string) Expr { return ucmp(ap(name), Eq, v) }

// quoted returns a copy of e with every Compare.Unquoted false: the tree
// that parsing e.String() gives.
func quoted(e Expr) Expr {
	switch x := e.(type) {
	case *Compare:
		c := *x
		c.Unquoted = false
		return &c
	case *Logical:
		return &Logical{Op: x.Op, Left: quoted(x.Left), Right: quoted(x.Right)}
	case *Not:
		return &Not{X: quoted(x.X)}
	case *ValuePath:
		return &ValuePath{Path: x.Path, Filter: quoted(x.Filter)}
	}
	return e
}

// quotedPath is quoted for a PATCH path.
func quotedPath(p Path) Path {
	if p.Filter != nil {
		p.Filter = quoted(p.Filter)
	}
	return p
}
