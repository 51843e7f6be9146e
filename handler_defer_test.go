package scim_test

import (
	"cmp"
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"testing"
)

// TestMiddlewareDefersOpenCoded holds the request middleware's defers to
// Go's open-coded defers, which cost next to nothing. The compiler gives
// up on open-coding a function's defers when explicit returns times
// defers passes 15 (or a defer is in a loop, or there are more than
// eight), and then every request pays for the runtime's defer records:
// one refusal too many in the middleware, with its two defers, cost some
// 250 instructions a GET that way, and no test failed. The middleware is
// found in handler.go by its name, its defers by parsing it, and the
// compiler's word on each by building the package with -d=defer.
func TestMiddlewareDefersOpenCoded(t *testing.T) {
	const file, fn = "handler.go", "middleware"
	// The go command go test itself runs under (it puts its GOROOT's bin
	// first on the test's PATH), so the compiler asked is the one that
	// built the handler.
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH: the compiler's report on the middleware's defers cannot be read")
	}

	defers := defersIn(t, file, fn)
	if len(defers) == 0 {
		t.Fatalf("no defer found in %s's %s: the test has nothing left to hold; change or remove it with the middleware", file, fn)
	}

	// "." is this package alone: its dependencies build as they are (and
	// come from the build cache). The compiler's report is replayed from
	// the cache too when nothing changed. -race=false, whatever GOFLAGS
	// says: the race detector's instrumentation turns every defer into a
	// stack-allocated one.
	out, err := exec.Command(goTool, "build", "-race=false", "-gcflags=.=-d=defer", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build -gcflags=.=-d=defer: %v\n%s", err, out)
	}
	report := map[token.Position]string{} // file:line:column -> what the compiler made of the defer
	for _, m := range regexp.MustCompile(`(?m)^(\S+):(\d+):(\d+): (.*defer.*)$`).FindAllStringSubmatch(string(out), -1) {
		if filepath.Base(m[1]) != file {
			continue
		}
		line, _ := strconv.Atoi(m[2])
		col, _ := strconv.Atoi(m[3])
		report[token.Position{Filename: file, Line: line, Column: col}] = m[4]
	}
	for _, pos := range slices.SortedFunc(maps.Keys(defers), func(a, b token.Position) int { return cmp.Compare(a.Line, b.Line) }) {
		where := defers[pos]
		switch got, ok := report[pos]; {
		case !ok:
			t.Errorf("%s:%d: the compiler said nothing of the defer in %s; its report:\n%s", file, pos.Line, where, out)
		case got != "open-coded defer":
			t.Errorf("%s:%d: the defer in %s is a %q, not an open-coded defer: the function has too many returns "+
				"(explicit returns times defers past 15), more than eight defers, or a defer in a loop; move the code with the returns into a function of its own, as serve is",
				file, pos.Line, where, got)
		}
	}
}

// defersIn returns the position of each defer statement in the function
// or method name of file (in this package's directory), in its function
// literals too, with a description of the function it is in.
func defersIn(t *testing.T, file, name string) map[token.Position]string {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, file, nil, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	defers := map[token.Position]string{}
	found := false
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Name.Name != name || fd.Body == nil {
			continue
		}
		found = true
		full := name
		if fd.Recv != nil && len(fd.Recv.List) == 1 {
			switch r := fd.Recv.List[0].Type.(type) {
			case *ast.StarExpr:
				if id, ok := r.X.(*ast.Ident); ok {
					full = "(*" + id.Name + ")." + name
				}
			case *ast.Ident:
				full = r.Name + "." + name
			}
		}
		var walk func(n ast.Node, in string)
		walk = func(n ast.Node, in string) {
			ast.Inspect(n, func(n ast.Node) bool {
				switch x := n.(type) {
				case *ast.FuncLit:
					walk(x.Body, "the function literal at "+file+":"+strconv.Itoa(fset.Position(x.Pos()).Line)+" in "+full)
					return false
				case *ast.DeferStmt:
					p := fset.Position(x.Defer)
					p.Filename, p.Offset = file, 0
					defers[p] = in
				}
				return true
			})
		}
		walk(fd.Body, full)
	}
	if !found {
		t.Fatalf("no function %s in %s: the middleware moved; point the test at it", name, file)
	}
	return defers
}
