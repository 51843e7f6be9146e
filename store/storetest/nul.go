package storetest

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/query"
)

// testListNUL: a list whose filter compares with a string that holds a
// NUL character is a *query.FilterError on every store
// (query.CheckQueryStrings), whatever the operator, the attribute (a
// column, the document, a multi-valued attribute, a value filter) and
// the list (ListUsers, ListGroups, their cursor forms), a lookup by name
// included: PostgreSQL refuses NUL in text and SQLite's GLOB ends a
// pattern at one, so no store could answer it as the others do. The
// same filter without the NUL answers.
func testListNUL(t *testing.T, e *env) {
	u := &resources.User{UserName: "nul-a", DisplayName: "nul-a", Emails: []resources.MultiValue{{Value: "nul-a@example.com", Type: "work"}}}
	e.fitUser(u)
	e.createUser(t, u)
	if e.groups != nil {
		_, err := e.groups.CreateGroup(e.ctx, &resources.Group{DisplayName: "nul-a"})
		require.NoError(t, err)
	}
	isFilterError := func(t *testing.T, err error, f string) {
		t.Helper()
		var fe *query.FilterError
		assert.ErrorAs(t, err, &fe, "a filter %s, which compares with a string holding NUL, must be a *query.FilterError (query.CheckQueryStrings)", f)
	}
	for _, op := range []string{"eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"} {
		for _, operand := range []string{"nul\x00", "\x00", "nul-a\x00b"} {
			v := filter.Quote(operand)
			for _, f := range []string{"userName " + op + " " + v, "displayName " + op + " " + v, "emails.value " + op + " " + v,
				"emails[value " + op + " " + v + "]", "name.givenName " + op + " " + v, `userName eq "nul-a" and displayName ` + op + " " + v} {
				t.Run(f, func(t *testing.T) {
					q := store.Query{Filter: parse(t, f), StartIndex: 1, Count: 10}
					if !e.userCase(t, q) {
						return
					}
					_, err := e.users.ListUsers(e.ctx, q)
					isFilterError(t, err, f)
					if e.uCursor != nil {
						_, err = e.uCursor.ListUsersAfter(e.ctx, q, "")
						isFilterError(t, err, f)
					}
				})
			}
			if e.groups == nil {
				continue
			}
			for _, f := range []string{"displayName " + op + " " + v, "members.value " + op + " " + v} {
				t.Run("Groups/"+f, func(t *testing.T) {
					q := store.Query{Filter: parse(t, f), StartIndex: 1, Count: 10}
					if !e.groupCase(t, q) {
						return
					}
					_, err := e.groups.ListGroups(e.ctx, q)
					isFilterError(t, err, f)
					if e.gCursor != nil {
						_, err = e.gCursor.ListGroupsAfter(e.ctx, q, "")
						isFilterError(t, err, f)
					}
				})
			}
		}
	}
	q := store.Query{Filter: parse(t, `userName eq "nul-a" and displayName sw "nul" and emails.value co "nul"`), StartIndex: 1, Count: 10}
	if e.userCase(t, q) {
		page, err := e.users.ListUsers(e.ctx, q)
		require.NoError(t, err)
		assert.Equal(t, 1, page.Total, "the same filter without NUL finds the user")
	}
}
