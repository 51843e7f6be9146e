package memory_test

import (
	"context"
	"fmt"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/memory"
)

func Example() {
	db := memory.New()
	ctx := store.WithTenant(context.Background(), "acme")

	u, err := db.CreateUser(ctx, &resources.User{
		UserName: "bjensen@example.com",
		Name:     &resources.Name{GivenName: "Barbara", FamilyName: "Jensen"},
		Emails:   []resources.MultiValue{{Value: "bjensen@example.com", Type: "work", Primary: resources.Bool(true)}},
	})
	if err != nil {
		panic(err)
	}
	fmt.Println("created version", u.Meta.Version)

	f, err := filter.Parse(`userName eq "BJENSEN@example.com"`)
	if err != nil {
		panic(err)
	}
	page, err := db.ListUsers(ctx, store.Query{Filter: f, StartIndex: 1, Count: 10})
	if err != nil {
		panic(err)
	}
	fmt.Println("total", page.Total)
	for _, u := range page.Items {
		fmt.Println(u.UserName, u.Name.FamilyName)
	}

	// Another tenant sees nothing.
	other, _ := db.ListUsers(store.WithTenant(context.Background(), "globex"), store.Query{StartIndex: 1, Count: 10})
	fmt.Println("other tenant total", other.Total)
	// Output:
	// created version W/"1"
	// total 1
	// bjensen@example.com Jensen
	// other tenant total 0
}
