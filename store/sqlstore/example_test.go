package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/sqlstore"
)

// Open a SQLite file (created when missing, migrated on open) and use it
// as the user store. A postgres:// URL opens PostgreSQL the same way.
func ExampleOpen() {
	dir, err := os.MkdirTemp("", "scimkit-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)

	ctx := context.Background()
	db, err := sqlstore.Open(ctx, filepath.Join(dir, "scim.db"))
	if err != nil {
		panic(err)
	}
	defer db.Close()
	fmt.Println(db.Dialect(), "fresh:", db.Fresh())

	tctx := store.WithTenant(ctx, "acme")
	active := true // the handler always sets Active
	u, err := db.CreateUser(tctx, &resources.User{UserName: "bjensen@example.com", Active: &active})
	if err != nil {
		panic(err)
	}
	fmt.Println("created version", u.Meta.Version)

	f, err := filter.Parse(`userName eq "BJENSEN@example.com"`)
	if err != nil {
		panic(err)
	}
	page, err := db.ListUsers(tctx, store.Query{Filter: f, StartIndex: 1, Count: 10})
	if err != nil {
		panic(err)
	}
	fmt.Println("total", page.Total, page.Items[0].UserName)

	// A delete with a stale version deletes nothing.
	err = db.DeleteUser(tctx, u.ID, `W/"0"`)
	fmt.Println(errors.Is(err, store.ErrPreconditionFailed))
	// Output:
	// sqlite fresh: true
	// created version W/"1"
	// total 1 bjensen@example.com
	// true
}
