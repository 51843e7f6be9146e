package storetest

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
)

// The round-trip cases register themselves here, so that the files other
// cases live in need no change for them.
func init() {
	userTests = append(userTests, test{"RoundTripSupportedAttributes", testUserRoundTrip})
	groupTests = append(groupTests, test{"RoundTripSupportedAttributes", testGroupRoundTrip})
	userTests = append(userTests, test{"ReferencesKeptAsSent", testReferencesKeptAsSent})
}

// testReferencesKeptAsSent: the handler keeps, with a warning, a
// reference a provider sends that is no URI, or a relative one for an
// external resource (resources.ReferenceProblem), and a client sends back
// in a PUT what a GET showed. So a store keeps such a value as it came,
// without checking or rewriting it as a URL (a column typed for URLs, a
// normalising URL parser), and a filter finds it by that value.
func testReferencesKeptAsSent(t *testing.T, e *env) {
	for _, tc := range []struct{ profile, photo string }{
		{"not a url", "www.example.com/me.jpg"},
		{"https://example.com/100%", "/photos/me.jpg"},
		{"HTTPS://Example.COM/a/../B", "//cdn.example.com/x y.jpg"},
	} {
		t.Run(tc.profile, func(t *testing.T) {
			in := &resources.User{UserName: "ref " + tc.profile, ProfileURL: tc.profile,
				Photos: []resources.MultiValue{{Value: tc.photo, Type: "photo"}}}
			created := e.createUser(t, in) // fitted to the model
			got, err := e.users.GetUser(e.ctx, created.ID, store.GetOptions{})
			require.NoError(t, err)
			assert.Equal(t, in.ProfileURL, got.ProfileURL)
			assert.Equal(t, in.Photos, got.Photos)
			if in.ProfileURL == "" {
				return // the model leaves profileUrl out
			}
			p := e.listUsers(t, store.Query{Filter: parse(t, fmt.Sprintf("profileUrl eq %q", tc.profile)), Count: 10})
			require.Len(t, p.Items, 1)
			assert.Equal(t, created.ID, p.Items[0].ID)
		})
	}
}

// fullUser sets every attribute of the built-in User schemas a client
// may write (password aside: the handler hashes it before the store sees
// it).
func fullUser() *resources.User {
	return &resources.User{
		UserName:   "roundtrip",
		ExternalID: "ext-rt",
		Name: &resources.Name{Formatted: "Ms. Barbara J Jensen III", FamilyName: "Jensen", GivenName: "Barbara",
			MiddleName: "Jane", HonorificPrefix: "Ms.", HonorificSuffix: "III"},
		DisplayName: "Babs Jensen", NickName: "Babs", ProfileURL: "https://login.example.com/bjensen",
		Title: "Tour Guide", UserType: "Employee", PreferredLanguage: "en-US", Locale: "en-US",
		Timezone: "America/Los_Angeles", Active: ptr(true),
		Emails: []resources.MultiValue{
			{Value: "bjensen@example.com", Type: "work", Primary: resources.Bool(true), Display: "work mail"},
			{Value: "babs@jensen.org", Type: "home", Primary: resources.Bool(false)},
		},
		PhoneNumbers: []resources.MultiValue{{Value: "+1 555 555 5555", Type: "work"}},
		IMs:          []resources.MultiValue{{Value: "someaimhandle", Type: "aim"}},
		Photos:       []resources.MultiValue{{Value: "https://photos.example.com/bjensen.jpg", Type: "photo"}},
		Addresses: []resources.Address{{Formatted: "100 Universal City Plaza\nHollywood, CA 91608 USA",
			StreetAddress: "100 Universal City Plaza", Locality: "Hollywood", Region: "CA", PostalCode: "91608",
			Country: "USA", Type: "work", Primary: resources.Bool(true)}},
		Entitlements:     []resources.MultiValue{{Value: "bar-access"}},
		Roles:            []resources.MultiValue{{Value: "guide", Type: "staff"}},
		X509Certificates: []resources.MultiValue{{Value: "MIIDQzCCAqygAwIBAgICEAAwDQYJKoZIhvcNAQEFBQAw"}},
		Enterprise: &resources.EnterpriseUser{EmployeeNumber: "701984", CostCenter: "4130", Organization: "Universal Studios",
			Division: "Theme Park", Department: "Tour Operations", Manager: &resources.Manager{Value: "26118915-6090-4610-87e4-49d8ca9f808d", DisplayName: "John Smith"}},
	}
}

// testUserRoundTrip: a user with every attribute the store's model
// supports comes back from GetUser and ListUsers as written, attribute
// for attribute. Attributes the model leaves out are not written (see
// fitUser), so a store need not keep them.
func testUserRoundTrip(t *testing.T, e *env) {
	in := fullUser()
	created := e.createUser(t, in) // fitted to the model
	want := in.Clone()
	comparable := func(u *resources.User) *resources.User {
		c := u.Clone()
		c.ID, c.Meta, c.Groups, c.Password = "", resources.Meta{}, nil, ""
		return c
	}
	// A model keeps an attribute with every sub-attribute it lists (all
	// of them unless it lists some: name.givenName), and a multi-valued
	// one with every value. The message says so, as the diff may show
	// one field.
	const whole = "%s must return the user as written, every attribute the store's model supports, each with every sub-attribute the model keeps: name with all of its sub-attributes unless the model lists some (name.givenName), a multi-valued one with every value and its type, primary and display as the model keeps them (store.UserStore.CreateUser; resources.ModelConfig.UserAttributes)"
	assert.Equal(t, comparable(want), comparable(created), whole, "CreateUser")

	got, err := e.users.GetUser(e.ctx, created.ID, store.GetOptions{})
	require.NoError(t, err, "GetUser of the user just created must find it (store.UserStore.GetUser)")
	assert.Equal(t, comparable(want), comparable(got), whole, "GetUser")

	p := e.listUsers(t, store.Query{Filter: parse(t, `userName eq "roundtrip"`), Count: 10})
	require.Len(t, p.Items, 1)
	assert.Equal(t, comparable(want), comparable(p.Items[0]), whole, "ListUsers")
}

// testGroupRoundTrip is testUserRoundTrip for a group.
func testGroupRoundTrip(t *testing.T, e *env) {
	u := e.createUser(t, &resources.User{UserName: "rt-member"})
	in := &resources.Group{DisplayName: "Round Trip", ExternalID: "ext-group",
		Members: []resources.Member{{Value: u.ID, Type: "User"}}}
	created := e.createGroup(t, in)
	got, err := e.groups.GetGroup(e.ctx, created.ID, store.GetOptions{})
	require.NoError(t, err)
	assert.Equal(t, in.DisplayName, got.DisplayName)
	assert.Equal(t, in.ExternalID, got.ExternalID)
	assert.Equal(t, []string{u.ID}, memberIDs(got.Members))
}
