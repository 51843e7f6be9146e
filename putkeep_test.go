package scim_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
)

// TestPutKeepsHiddenSubAttributesOfValues: a PUT of exactly what a GET
// showed dropped the sub-attributes a GET does not show (issued,
// returned "request"; code, returned "never") from each value of a host
// extension's multi-valued complex keys, and made a new version: those
// values have no identity, and a provider that updates with GET then PUT
// (PingFederate) erased them on every cycle. A sent value now takes them
// from the one stored value whose shown sub-attributes (value, weight)
// are the same as its own, strings exactly and numbers by value; one
// that matches two stored values, or none, keeps none.
func TestPutKeepsHiddenSubAttributesOfValues(t *testing.T) {
	const urn = "urn:example:acme:2.0:User"
	ext, err := resources.NewSchema(urn, "AcmeUser", "", &resources.Attribute{
		Name: "keys", Type: resources.TypeComplex, MultiValued: true, SubAttributes: []*resources.Attribute{
			{Name: "value", Type: resources.TypeString, CaseExact: true},
			{Name: "weight", Type: resources.TypeDecimal},
			{Name: "issued", Type: resources.TypeString, Returned: resources.ReturnedRequest},
			{Name: "code", Type: resources.TypeString, Mutability: resources.WriteOnly, Returned: resources.ReturnedNever},
		}})
	require.NoError(t, err)
	model, err := resources.NewModel(resources.ModelConfig{UserExtensions: []*resources.Schema{ext}})
	require.NoError(t, err)
	const twoKeys = `[{"value":"a","weight":1.0,"issued":"2020","code":"x"},{"value":"b","issued":"2021","code":"y"}]`
	user := func(name, keys string) map[string]any {
		return map[string]any{"schemas": []any{resources.UserSchema, urn}, "userName": name, urn: json.RawMessage(`{"keys":` + keys + `}`)}
	}
	for name, open := range feedStores(model) {
		t.Run(name, func(t *testing.T) {
			users, groups := open(t)
			e := newEnv(t, func(c *scim.Config) { c.Users, c.Groups = users, groups })
			stored := func(t *testing.T, id string) string {
				u, err := e.users.GetUser(context.Background(), id, store.GetOptions{})
				require.NoError(t, err)
				return string(u.Extensions[urn])
			}

			t.Run("PUT of what a GET showed", func(t *testing.T) {
				u := e.do("POST", "/Users", user("shown", twoKeys))
				require.Equal(t, 201, u.Code, u.Raw)
				path := "/Users/" + u.str("id")
				got := e.do("GET", path, nil)
				require.Equal(t, 200, got.Code, got.Raw)
				assert.NotContains(t, got.Raw, "issued")
				head := feedHead(t, e.users)
				e.clearEvents()
				r := e.do("PUT", path, got.Raw)
				require.Equal(t, 200, r.Code, r.Raw)
				assert.Equal(t, u.Header.Get("ETag"), r.Header.Get("ETag"), "the version is kept")
				assert.Empty(t, e.eventTypes())
				assert.Equal(t, head, feedHead(t, e.users), "nothing appended to the change feed")
				assert.JSONEq(t, `{"keys":`+twoKeys+`}`, stored(t, u.str("id")))
			})

			for i, tc := range []struct {
				name, created, put, want string
			}{
				{name: "reordered, a number spelled another way",
					created: twoKeys, put: `[{"value":"b"},{"value":"a","weight":1}]`,
					want: `[{"value":"b","issued":"2021","code":"y"},{"value":"a","weight":1,"issued":"2020","code":"x"}]`},
				{name: "a changed value keeps none",
					created: twoKeys, put: `[{"value":"a","weight":2},{"value":"b"}]`,
					want: `[{"value":"a","weight":2},{"value":"b","issued":"2021","code":"y"}]`},
				{name: "a string in another case keeps none",
					created: twoKeys, put: `[{"value":"A","weight":1},{"value":"b"}]`,
					want: `[{"value":"A","weight":1},{"value":"b","issued":"2021","code":"y"}]`},
				{name: "a new value keeps none",
					created: twoKeys, put: `[{"value":"d"}]`, want: `[{"value":"d"}]`},
				{name: "two stored values alike keep none",
					created: `[{"weight":3,"issued":"1","code":"p"},{"weight":3,"issued":"2","code":"q"}]`,
					put:     `[{"weight":3}]`, want: `[{"weight":3}]`},
				{name: "a sent hidden value replaces, a null one keeps",
					created: twoKeys, put: `[{"value":"a","weight":1,"code":"z"},{"value":"b","code":null}]`,
					want: `[{"value":"a","weight":1,"issued":"2020","code":"z"},{"value":"b","issued":"2021","code":"y"}]`},
			} {
				t.Run(tc.name, func(t *testing.T) {
					u := e.do("POST", "/Users", user(fmt.Sprintf("case%d", i), tc.created))
					require.Equal(t, 201, u.Code, u.Raw)
					r := e.do("PUT", "/Users/"+u.str("id"), user(fmt.Sprintf("case%d", i), tc.put))
					require.Equal(t, 200, r.Code, r.Raw)
					assert.NotContains(t, r.Raw, "issued")
					assert.JSONEq(t, `{"keys":`+tc.want+`}`, stored(t, u.str("id")))
				})
			}
		})
	}
}

// TestPutKeepsHostSetSubAttributesOfValues: a PUT dropped the readOnly
// and immutable sub-attributes of a host extension's multi-valued
// complex values (stamp, set by the host through its store; serial,
// immutable), which a client cannot send or change: RFC 7644 §3.5.1 has
// a PUT ignore readOnly values and hold immutable ones to the stored
// value. A sent value now keeps them from the one stored value whose
// shown sub-attributes (value, label) are the same, compared as the
// model says (value is not caseExact: "ALPHA" is "Alpha"); a changed
// immutable one is 400 mutability and changes nothing.
func TestPutKeepsHostSetSubAttributesOfValues(t *testing.T) {
	const urn = "urn:example:acme:2.0:User"
	ext, err := resources.NewSchema(urn, "AcmeUser", "", &resources.Attribute{
		Name: "badges", Type: resources.TypeComplex, MultiValued: true, SubAttributes: []*resources.Attribute{
			{Name: "value", Type: resources.TypeString},
			{Name: "label", Type: resources.TypeString},
			{Name: "stamp", Type: resources.TypeString, Mutability: resources.ReadOnly},
			{Name: "serial", Type: resources.TypeString, Mutability: resources.Immutable},
		}})
	require.NoError(t, err)
	model, err := resources.NewModel(resources.ModelConfig{UserExtensions: []*resources.Schema{ext}})
	require.NoError(t, err)
	const hostSet = `[{"value":"Alpha","label":"l1","stamp":"host1","serial":"s1"},{"value":"beta","stamp":"host2","serial":"s2"}]`
	for _, tc := range []struct {
		name, put string
		want      string // the badges stored after it
	}{
		{"as a GET showed them", hostSet, hostSet},
		{"left out", `[{"value":"Alpha","label":"l1"},{"value":"beta"}]`, hostSet},
		{"reordered", `[{"value":"beta"},{"value":"Alpha","label":"l1"}]`,
			`[{"value":"beta","stamp":"host2","serial":"s2"},{"value":"Alpha","label":"l1","stamp":"host1","serial":"s1"}]`},
		{"a value not caseExact in another case", `[{"value":"ALPHA","label":"l1"}]`,
			`[{"value":"ALPHA","label":"l1","stamp":"host1","serial":"s1"}]`},
		{"another readOnly value, ignored", `[{"value":"Alpha","label":"l1","stamp":"client"},{"value":"beta","stamp":null}]`, hostSet},
		{"the immutable value in another case", `[{"value":"Alpha","label":"l1","serial":"S1"},{"value":"beta","serial":"s2"}]`, hostSet},
		{"another immutable value is another value", `[{"value":"Alpha","label":"l1","serial":"s9"},{"value":"beta"}]`,
			`[{"value":"Alpha","label":"l1","serial":"s9"},{"value":"beta","stamp":"host2","serial":"s2"}]`},
		{"a changed shown value keeps none", `[{"value":"Alpha","label":"l2"},{"value":"beta"}]`,
			`[{"value":"Alpha","label":"l2"},{"value":"beta","stamp":"host2","serial":"s2"}]`},
	} {
		for name, open := range modelStores(model) {
			t.Run(name+"/"+tc.name, func(t *testing.T) {
				r, stored := putOverHostSet(t, open, urn, "badges", hostSet, tc.put)
				require.Equal(t, 200, r.Code, r.Raw)
				assert.JSONEq(t, `{"badges":`+tc.want+`}`, stored)
			})
		}
	}
}

// TestPutMatchesNoValueWithoutShownSubAttributes: the values of a
// multi-valued complex attribute whose every sub-attribute is readOnly
// or immutable are told apart by the immutable ones a PUT sends: a sent
// value stands for the stored one with the same, and for none when it
// sends none. It matched every stored value: with one stored, a PUT
// that replaced it by another was a 400 mutability, and a PUT of two
// values copied the stored readOnly stamp into both.
func TestPutMatchesNoValueWithoutShownSubAttributes(t *testing.T) {
	const urn = "urn:example:acme:2.0:User"
	ext, err := resources.NewSchema(urn, "AcmeUser", "", &resources.Attribute{
		Name: "certs", Type: resources.TypeComplex, MultiValued: true, SubAttributes: []*resources.Attribute{
			{Name: "serial", Type: resources.TypeString, Mutability: resources.Immutable},
			{Name: "stamp", Type: resources.TypeString, Mutability: resources.ReadOnly},
		}})
	require.NoError(t, err)
	model, err := resources.NewModel(resources.ModelConfig{UserExtensions: []*resources.Schema{ext}})
	require.NoError(t, err)
	const hostSet = `[{"serial":"s1","stamp":"host1"}]`
	for _, tc := range []struct {
		name, put, want string
	}{
		{"another value", `[{"serial":"s2"}]`, `[{"serial":"s2"}]`},
		{"two values", `[{"serial":"s1"},{"serial":"s2"}]`, `[{"serial":"s1","stamp":"host1"},{"serial":"s2"}]`},
		{"the same value in another case", `[{"serial":"S1"}]`, hostSet},
	} {
		for name, open := range modelStores(model) {
			t.Run(name+"/"+tc.name, func(t *testing.T) {
				r, stored := putOverHostSet(t, open, urn, "certs", hostSet, tc.put)
				require.Equal(t, 200, r.Code, r.Raw)
				assert.JSONEq(t, `{"certs":`+tc.want+`}`, stored)
			})
		}
	}
}

// putOverHostSet creates a user of the extension urn on the store open
// gives, sets its multi-valued attribute attr to hostSet through the
// store (as a host does), then PUTs the user with attr as put, and
// returns the response and the extension stored after it.
func putOverHostSet(t *testing.T, open func(t *testing.T) (store.UserStore, store.GroupStore), urn, attr, hostSet, put string) (*resp, string) {
	t.Helper()
	users, groups := open(t)
	e := newEnv(t, func(c *scim.Config) { c.Users, c.Groups = users, groups })
	ctx := context.Background()
	u := e.do("POST", "/Users", map[string]any{"schemas": []any{resources.UserSchema, urn}, "userName": "a"})
	require.Equal(t, 201, u.Code, u.Raw)
	id := u.str("id")
	su, err := users.GetUser(ctx, id, store.GetOptions{})
	require.NoError(t, err)
	su.Extensions = map[string]json.RawMessage{urn: json.RawMessage(`{"` + attr + `":` + hostSet + `}`)}
	_, err = users.ReplaceUser(ctx, su, "")
	require.NoError(t, err)
	r := e.do("PUT", "/Users/"+id, map[string]any{"schemas": []any{resources.UserSchema, urn}, "userName": "a",
		urn: json.RawMessage(`{"` + attr + `":` + put + `}`)})
	got, err := users.GetUser(ctx, id, store.GetOptions{})
	require.NoError(t, err)
	return r, string(got.Extensions[urn])
}
