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

// TestUserFromJSONEnterpriseExtra: the enterprise attributes User has no
// field for keep their stored text, built once from it (not the encoding
// of their decoded values: key order and spacing would differ), and a
// field's name in another spelling is not one of them.
func TestUserFromJSONEnterpriseExtra(t *testing.T) {
	for _, tt := range []struct {
		name, ext  string
		dept, cost string
		extra      map[string]string
	}{
		{"fields only", `{"department":"d","Division":"x"}`, "d", "", nil},
		{"extra kept as text", `{"department":"d","y":{"b":1, "a":[1, 2]},"x":1.50}`, "d", "",
			map[string]string{"y": `{"b":1, "a":[1, 2]}`, "x": `1.50`}},
		{"escaped name", `{"\u0061b":"v","costCenter":"c"}`, "", "c", map[string]string{"ab": `"v"`}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			u, err := UserFromJSON([]byte(`{"userName":"u","` + EnterpriseUserSchema + `":` + tt.ext + `}`))
			require.NoError(t, err)
			require.NotNil(t, u.Enterprise)
			assert.Equal(t, tt.dept, u.Enterprise.Department)
			assert.Equal(t, tt.cost, u.Enterprise.CostCenter)
			var got map[string]string
			for k, v := range u.Enterprise.Extra {
				if got == nil {
					got = map[string]string{}
				}
				got[k] = string(v)
			}
			assert.Equal(t, tt.extra, got)
		})
	}
	u, err := UserFromJSON([]byte(`{"userName":"u","` + EnterpriseUserSchema + `":null}`))
	require.NoError(t, err)
	assert.Nil(t, u.Enterprise, "null is no extension")
}
