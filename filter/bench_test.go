package filter

import (
	"testing"

	fp "github.com/scim2/filter-parser/v2"
)

// Benchmarks pair ours (scimkit) with github.com/scim2/filter-parser
// (filterparser) on the same input, e.g. BenchmarkParse/OneClause/scimkit
// and BenchmarkParse/OneClause/filterparser.

var benchFilters = []struct{ name, in string }{
	{"OneClause", `userName eq "bjensen"`},
	{"ValuePathLogic", `emails[type eq "work" and value co "@example.com"] or (not (userName sw "adm") and active eq true)`},
}

var benchPaths = []struct{ name, in string }{
	{"MembersValueFilter", `members[value eq "2819c223-7f76-453a-919d-413861904646"]`},
	{"EnterpriseURN", `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value`},
}

var (
	sinkExpr   Expr
	sinkPath   Path
	sinkFPExpr fp.Expression
	sinkFPPath fp.Path
)

func BenchmarkParse(b *testing.B) {
	for _, bc := range benchFilters {
		b.Run(bc.name+"/scimkit", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				e, err := Parse(bc.in)
				if err != nil {
					b.Fatal(err)
				}
				sinkExpr = e
			}
		})
		b.Run(bc.name+"/filterparser", func(b *testing.B) {
			raw := []byte(bc.in)
			b.ReportAllocs()
			for b.Loop() {
				e, err := fp.ParseFilter(raw)
				if err != nil {
					b.Fatal(err)
				}
				sinkFPExpr = e
			}
		})
	}
}

func BenchmarkParsePath(b *testing.B) {
	for _, bc := range benchPaths {
		b.Run(bc.name+"/scimkit", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				p, err := ParsePath(bc.in)
				if err != nil {
					b.Fatal(err)
				}
				sinkPath = p
			}
		})
		b.Run(bc.name+"/filterparser", func(b *testing.B) {
			raw := []byte(bc.in)
			b.ReportAllocs()
			for b.Loop() {
				p, err := fp.ParsePath(raw)
				if err != nil {
					b.Fatal(err)
				}
				sinkFPPath = p
			}
		})
	}
}

// BenchmarkString measures rendering a parsed filter back to text.
func BenchmarkString(b *testing.B) {
	e, err := Parse(benchFilters[1].in)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = e.String()
	}
}
