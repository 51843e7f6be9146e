package storetest

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/query"
)

// storedBeforeTests hold a store built from a narrowed model to the users
// it holds from before the host narrowed it: values of sub-attributes and
// attributes the model now leaves out (name.middleName, an email's type,
// the enterprise costCenter). The handler shows each such user fitted to
// the model (resources.Model.FitUser), so a filter or a sort must read
// what it shows, not what the store holds (RFC 7644 §3.4.2.2: "pr"
// matches a value the client can see). A store that never keeps what its
// model leaves out (a table without the column) passes as it is.
var storedBeforeTests = []test{
	{"ListStoredBeforeNarrowing", testListStoredBefore},
}

// testListStoredBefore writes users as a store built from the full model
// would have kept them, then lists them with filters and sorts on the
// attributes the model narrows: each answer must be the one the users as
// a GET shows them (fitted) give, as query.Select gives it. On a model
// that narrows nothing the check holds the store to what it holds.
func testListStoredBefore(t *testing.T, e *env) {
	const ent = resources.EnterpriseUserSchema
	in := []*resources.User{
		{UserName: "plain"},
		{
			UserName:     "kept",
			Name:         &resources.Name{GivenName: "Kept", FamilyName: "Kept"},
			Emails:       []resources.MultiValue{{Value: "m@example.com", Type: "work"}},
			PhoneNumbers: []resources.MultiValue{{Value: "+1 555 0100", Type: "work"}},
			Addresses:    []resources.Address{{Locality: "Middle", Type: "work"}},
			Enterprise:   &resources.EnterpriseUser{Department: "Kept"},
		},
		{
			// Only what a narrowed model leaves out: a GET shows none of
			// these attributes.
			UserName:     "old",
			Name:         &resources.Name{MiddleName: "Old", Formatted: "Old"},
			Emails:       []resources.MultiValue{{Type: "work", Display: "Old"}},
			PhoneNumbers: []resources.MultiValue{{Type: "work", Display: "Old"}},
			Addresses:    []resources.Address{{Country: "Old", Region: "Old"}},
			Enterprise:   &resources.EnterpriseUser{CostCenter: "Old"},
		},
		{
			// A primary value second: a model without the primary
			// sub-attribute shows the first value first, and a sort
			// reads it.
			UserName:     "oldprimary",
			Emails:       []resources.MultiValue{{Value: "z@example.com"}, {Value: "a@example.com", Primary: resources.Bool(true)}},
			PhoneNumbers: []resources.MultiValue{{Value: "+9"}, {Value: "+0", Primary: resources.Bool(true)}},
			Addresses:    []resources.Address{{Locality: "Zeta"}, {Locality: "Alpha", Primary: resources.Bool(true)}},
		},
	}
	// shown are the users stored, as a GET shows them; held and refused
	// count those holding something the model leaves out that the store
	// kept and refused.
	var shown []*resources.User
	held, refused := 0, 0
	for _, u := range in {
		fitted := u.Clone()
		e.userModel.FitUser(fitted)
		narrowed := !resources.EqualUsers(fitted, u)
		out, err := e.users.CreateUser(e.ctx, u)
		if err != nil && narrowed {
			// The handler never hands a store what its model leaves
			// out, so a store may refuse it: then it holds no such user
			// from before the narrowing either, and the others are
			// still checked.
			t.Logf("CreateUser %q with what the store's model leaves out: %v; the check runs on the users it stored", u.UserName, err)
			refused++
			continue
		}
		require.NoError(t, err, "CreateUser %q must store a new user (store.UserStore.CreateUser)", u.UserName)
		if narrowed {
			held++
		}
		out = out.Clone()
		e.userModel.FitUser(out)
		shown = append(shown, out)
	}
	if refused > 0 && held == 0 {
		t.Skip("the store refused every user holding what its model leaves out; it holds no such data, and this check has nothing to hold it to")
	}
	rt := e.userModel.User
	ev := query.NewEvaluator(rt)
	for _, tc := range []struct{ filter, sortBy string }{
		{filter: `name pr`},
		{filter: `not (name pr)`},
		{filter: `name.familyName pr`},
		{filter: `emails pr`},
		{filter: `not (emails pr)`},
		{filter: `emails ne null`},
		{filter: `emails.value pr`},
		{filter: `phoneNumbers pr`},
		{filter: `addresses pr`},
		{filter: `not (addresses pr)`},
		{filter: `addresses.locality pr`},
		// An element holding only what the model leaves out is none:
		// a GET shows none, so neither "some value is not ..." nor a
		// value filter that holds of an empty element finds it.
		{filter: `emails.value ne "m@example.com"`},
		{filter: `emails ne "m@example.com"`},
		{filter: `emails[not (value pr)]`},
		{filter: `emails[value ne "m@example.com"]`},
		{filter: `phoneNumbers.value ne "+9"`},
		{filter: `addresses.locality ne "Middle"`},
		{filter: `addresses[not (locality pr)]`},
		{filter: ent + ` pr`},
		{filter: `not (` + ent + ` pr)`},
		{filter: ent + `:department pr`},
		{sortBy: "emails.value"},
		{sortBy: "emails"},
		{sortBy: "phoneNumbers.value"},
		{sortBy: "addresses.locality"},
	} {
		q := store.Query{SortBy: tc.sortBy, StartIndex: 1, Count: 100}
		if tc.filter != "" {
			q.Filter = parse(t, tc.filter)
		}
		if !e.userCase(t, q) {
			continue
		}
		want, err := query.Select(ev, q, shown, query.UserDoc)
		require.NoError(t, err, "storetest: query.Select %s: a bug in the suite, please report it", describe(q))
		p := e.listUsers(t, q)
		assert.Equal(t, userNames(want.Items), userNames(p.Items), "ListUsers %s must answer as the users read as a GET shows them, fitted to the store's model (resources.Model.FitUser): a value the model leaves out, stored before it was narrowed, neither makes an attribute present nor a sort key (store.Query.Filter, store.Query.SortBy; query.Select does)", describe(q))
		assert.Equal(t, want.Total, p.Total, "ListUsers %s: Total must count every match (store.Page.Total)", describe(q))
	}
}
