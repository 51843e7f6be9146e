package filter_test

import (
	"errors"
	"fmt"

	"github.com/scimkit/scim/filter"
)

// Parse a filter as Entra ID sends it and walk the tree, as a store would
// when translating it into a query.
func Example() {
	e, err := filter.Parse(`emails[type eq "work"].value co "@example.com" and not (active eq false)`)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(e)
	filter.Walk(e, func(x filter.Expr) bool {
		switch x := x.(type) {
		case *filter.Logical:
			fmt.Println("logical", x.Op)
		case *filter.Not:
			fmt.Println("not")
		case *filter.ValuePath:
			fmt.Println("some element of", x.Path, "matches", x.Filter)
		case *filter.Compare:
			fmt.Printf("  compare %s %s %#v\n", x.Path, x.Op, x.Value)
		case *filter.Present:
			fmt.Println("  present", x.Path)
		}
		return true
	})
	// Output:
	// emails[type eq "work" and value co "@example.com"] and not (active eq false)
	// logical and
	// some element of emails matches type eq "work" and value co "@example.com"
	// logical and
	//   compare type eq "work"
	//   compare value co "@example.com"
	// not
	//   compare active eq false
}

func ExampleParsePath() {
	for _, s := range []string{
		`members[value eq "2819c223"].display`,
		`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value`,
		`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`,
	} {
		p, err := filter.ParsePath(s)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Printf("URI=%q Name=%q Sub=%q Filter=%v\n", p.URI, p.Name, p.Sub, p.Filter)
	}
	// Output:
	// URI="" Name="members" Sub="display" Filter=value eq "2819c223"
	// URI="urn:ietf:params:scim:schemas:extension:enterprise:2.0:User" Name="manager" Sub="value" Filter=<nil>
	// URI="urn:ietf:params:scim:schemas:extension:enterprise:2.0:User" Name="" Sub="" Filter=<nil>
}

// A Parser knows extra schema URNs and has its own limits. Errors say what
// is wrong and where.
func ExampleParser() {
	p := filter.Parser{
		Schemas:  []string{"urn:example:scim:schemas:Device:1.0"},
		MaxDepth: 4,
	}
	e, _ := p.Parse(`URN:EXAMPLE:scim:schemas:device:1.0:serial eq "X1"`)
	fmt.Println(e.(*filter.Compare).Path.URI)

	_, err := p.Parse(`userName eq`)
	fmt.Println(err)
	_, err = p.Parse(`emails[type eq "work"`)
	fmt.Println(err)
	_, err = p.Parse(`(((((a pr)))))`)
	fmt.Println(err, errors.Is(err, filter.ErrTooDeep))
	// Output:
	// urn:example:scim:schemas:Device:1.0
	// expected a value after 'eq' at offset 11, found end of filter
	// expected ']' to close '[' at offset 6, found end of filter
	// filter nests deeper than 4 levels at offset 4 true
}

// Microsoft's SCIM validator sends unquoted values. They parse as strings
// and are listed by UnquotedValues so that a server can warn about them;
// Parser.Strict refuses them.
func ExampleUnquotedValues() {
	const in = `name.familyName eq Employee and meta.created gt 2015-10-10T14:38:21.8617979-07:00`
	e, err := filter.Parse(in)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(e)
	for _, c := range filter.UnquotedValues(e) {
		fmt.Printf("unquoted filter value %q\n", c.Value)
	}

	_, err = filter.Parser{Strict: true}.Parse(in)
	fmt.Println(err)
	// Output:
	// name.familyName eq "Employee" and meta.created gt "2015-10-10T14:38:21.8617979-07:00"
	// unquoted filter value "Employee"
	// unquoted filter value "2015-10-10T14:38:21.8617979-07:00"
	// string values must be quoted: "Employee" at offset 19 (strict mode)
}

// List the attributes a filter names, as a server does to refuse one it
// does not support: the paths inside a value filter come joined to the
// filtered attribute.
func ExamplePaths() {
	e, err := filter.Parse(`emails[type eq "work"].value co "@example.com" or not (title pr)`)
	if err != nil {
		fmt.Println(err)
		return
	}
	for p, inner := range filter.Paths(e) {
		fmt.Println(p, inner)
		if p.Name == "title" {
			break // the first refused is enough to answer
		}
	}
	// Output:
	// emails false
	// emails.type true
	// emails.value true
	// title false
}
