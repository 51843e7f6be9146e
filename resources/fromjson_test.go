package resources

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSetterNamesAreCanonical: every top-level name (*User).set and
// (*Group).set switch on is in canonicalNames, so UserFromJSON and
// GroupFromJSON read it without allocating; a case added to a setter
// for an attribute the schema definitions lack fails here. The names are
// read from the setters' source, the one place they are written.
func TestSetterNamesAreCanonical(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "convert.go", nil, 0)
	require.NoError(t, err)
	names := map[string][]string{}
	for _, d := range f.Decls {
		fn, ok := d.(*ast.FuncDecl)
		if !ok || fn.Name.Name != "set" || fn.Recv == nil {
			continue
		}
		star, ok := fn.Recv.List[0].Type.(*ast.StarExpr)
		if !ok {
			continue
		}
		recv := star.X.(*ast.Ident).Name
		if recv != "User" && recv != "Group" {
			continue
		}
		for _, st := range fn.Body.List {
			sw, ok := st.(*ast.SwitchStmt)
			if !ok {
				continue
			}
			for _, cc := range sw.Body.List {
				for _, e := range cc.(*ast.CaseClause).List {
					lit, ok := e.(*ast.BasicLit)
					require.True(t, ok, "%s.set: a case that is not a string literal", recv)
					k, err := strconv.Unquote(lit.Value)
					require.NoError(t, err)
					names[recv] = append(names[recv], k)
				}
			}
		}
	}
	require.Contains(t, names["User"], "userName", "the User setter's cases were found")
	require.Contains(t, names["Group"], "members", "the Group setter's cases were found")
	for recv, ks := range names {
		for _, k := range ks {
			assert.Equal(t, k, canonicalNames[k], "%s.set reads %q, which canonicalNames lacks", recv, k)
		}
	}
	// The enterprise extension is matched by strings.EqualFold, not a case.
	assert.Equal(t, EnterpriseUserSchema, canonicalNames[EnterpriseUserSchema])
	assert.Equal(t, "schemas", canonicalNames["schemas"])
}
