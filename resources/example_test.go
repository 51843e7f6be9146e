package resources_test

import (
	"fmt"

	"github.com/scimkit/scim/resources"
)

// A host describes its own extension with NewSchema and registers it with
// a resources.Model (ModelConfig.UserExtensions), from which the store, and
// through it the handler, are built.
func ExampleNewSchema() {
	acme, err := resources.NewSchema(
		"urn:example:params:scim:schemas:extension:acme:2.0:User", "AcmeUser", "Acme's user attributes",
		&resources.Attribute{Name: "badge", Type: resources.TypeString, CaseExact: true, Uniqueness: resources.UniquenessServer},
		&resources.Attribute{Name: "level", Type: resources.TypeInteger},
		&resources.Attribute{Name: "devices", Type: resources.TypeComplex, MultiValued: true, SubAttributes: []*resources.Attribute{
			{Name: "serial", Type: resources.TypeString, CaseExact: true},
			{Name: "issuedAt", Type: resources.TypeDateTime, Mutability: resources.ReadOnly},
		}},
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	users := resources.NewUserType(acme)
	a, urn := users.Attr(acme.ID, "LEVEL")
	fmt.Println(urn)
	fmt.Println(a.Name, a.Type, a.Mutability, a.Returned, a.Uniqueness)
	fmt.Println(acme.Attr("devices").Sub("issuedAt").Mutability)

	_, err = resources.NewSchema("acme:User", "", "")
	fmt.Println(err)
	// Output:
	// urn:example:params:scim:schemas:extension:acme:2.0:User
	// level integer readWrite default none
	// readOnly
	// resources: invalid schema: id "acme:User": a schema id must be a URN, starting "urn:"
}

// A host that holds a user's values to a rule of its own (here: none
// longer than 32 bytes) reads them with EachString, without encoding the
// user.
func ExampleUser_EachString() {
	u := &resources.User{
		UserName: "bjensen@example.com",
		Emails:   []resources.MultiValue{{Value: "bjensen@example.com", Type: "work"}},
		Title:    "Vice President, Customer Experience and Tours",
	}
	long := ""
	fits := u.EachString(func(s string) bool {
		if len(s) > 32 {
			long = s
			return false
		}
		return true
	})
	fmt.Println(fits, long)
	// Output: false Vice President, Customer Experience and Tours
}

// The values of a multi-valued complex attribute are held to RFC 7643
// §2.4 by what its ValueShape names: no two with the same "type" and
// "value" (compared without regard to case unless caseExact), at most one
// "primary". A host's attribute without such sub-attributes has the zero
// ValueShape, and none of those rules.
func ExampleAttribute_ValueShape() {
	devices := &resources.Attribute{Name: "devices", Type: resources.TypeComplex, MultiValued: true, SubAttributes: []*resources.Attribute{
		{Name: "value", Type: resources.TypeString, CaseExact: true},
		{Name: "type", Type: resources.TypeString},
	}}
	fmt.Printf("%+v\n", devices.ValueShape())
	emails := resources.NewUserType().Schema.Attr("emails")
	fmt.Printf("%+v\n", emails.ValueShape())
	// Output:
	// {Value:{Name:value CaseExact:true} Type:{Name:type CaseExact:false} Primary:{Name: CaseExact:false}}
	// {Value:{Name:value CaseExact:false} Type:{Name:type CaseExact:false} Primary:{Name:primary CaseExact:false}}
}
