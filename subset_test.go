package scim_test

import (
	"context"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/admin"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store/memory"
	"github.com/scimkit/scim/store/sqlstore"
)

// dropped are attributes the RFC defines that subsetModel leaves out.
var dropped = []string{"addresses", "phoneNumbers", "x509Certificates", "nickName", "password"}

// withSubset serves subsetModel from a memory store.
func withSubset(c *scim.Config) {
	db := memory.New(memory.WithModel(subsetModel()))
	c.Users, c.Groups = db, db
}

func attrNames(doc map[string]any) []string {
	var out []string
	for _, a := range doc["attributes"].([]any) {
		out = append(out, a.(map[string]any)["name"].(string))
	}
	return out
}

// TestAttributeSubset: a host that declares the attributes it supports
// advertises only those, and treats the others in requests as it treats
// attributes no schema defines.
func TestAttributeSubset(t *testing.T) {
	ring := admin.NewRequestRing(10)
	e := newEnv(t, withSubset, func(c *scim.Config) { c.RequestLog = ring })
	strict := newEnv(t, withSubset, func(c *scim.Config) { c.Strict = true })
	lastWarnings := func() []string {
		recent, err := ring.Recent(context.Background(), "", 1)
		require.NoError(t, err)
		return recent[0].Warnings
	}
	const ent = resources.EnterpriseUserSchema

	t.Run("discovery", func(t *testing.T) {
		user := e.do("GET", "/Schemas/"+resources.UserSchema, nil)
		require.Equal(t, 200, user.Code, user.Raw)
		names := attrNames(user.Body)
		for _, d := range dropped {
			assert.NotContains(t, names, d)
		}
		assert.Equal(t, []string{"userName", "name", "displayName", "title", "active", "emails", "groups"}, names)
		assert.Equal(t, []string{"employeeNumber", "department", "manager"}, attrNames(e.do("GET", "/Schemas/"+ent, nil).Body))

		list := e.do("GET", "/Schemas", nil)
		for _, s := range list.Body["Resources"].([]any) {
			doc := s.(map[string]any)
			if doc["id"] == resources.UserSchema {
				assert.Equal(t, names, attrNames(doc), "/Schemas and /Schemas/{id} agree")
			}
		}
		assert.Equal(t, false, e.do("GET", "/ServiceProviderConfig", nil).Body["changePassword"].(map[string]any)["supported"])
	})

	var id string
	t.Run("POST ignores what the model leaves out, with a warning", func(t *testing.T) {
		r := e.do("POST", "/Users", map[string]any{
			"schemas":      []any{resources.UserSchema},
			"userName":     "bjensen",
			"addresses":    []any{map[string]any{"locality": "Hollywood"}},
			"phoneNumbers": []any{map[string]any{"value": "+1 555"}},
			ent:            map[string]any{"department": "Tours", "costCenter": "cost-center-4130"},
		})
		require.Equal(t, 201, r.Code, r.Raw)
		id = r.str("id")
		assert.NotContains(t, r.Body, "addresses")
		assert.NotContains(t, r.Body, "phoneNumbers")
		assert.Equal(t, map[string]any{"department": "Tours"}, r.Body[ent])
		assert.ElementsMatch(t, []string{
			`ignored unsupported attribute "addresses" (this server leaves it out of /Schemas)`,
			`ignored unsupported attribute "phoneNumbers" (this server leaves it out of /Schemas)`,
			`ignored unsupported attribute "` + ent + `:costCenter" (this server leaves it out of /Schemas)`,
		}, lastWarnings())
		assert.Contains(t, e.logs.String(), `ignored unsupported attribute \"addresses\"`, "the log line carries the warning")
		got := e.do("GET", "/Users/"+id, nil)
		assert.NotContains(t, got.Raw, "Hollywood", "never stored")
		assert.NotContains(t, got.Raw, "cost-center-4130", "a random id cannot hold this, as it can hold 4130")
	})

	t.Run("PUT and PATCH likewise", func(t *testing.T) {
		r := e.do("PUT", "/Users/"+id, map[string]any{"schemas": []any{resources.UserSchema}, "userName": "bjensen", "x509Certificates": []any{map[string]any{"value": "MIID"}}})
		require.Equal(t, 200, r.Code, r.Raw)
		assert.NotContains(t, r.Raw, "MIID")
		assert.Equal(t, []string{`ignored unsupported attribute "x509Certificates" (this server leaves it out of /Schemas)`}, lastWarnings())

		r = e.do("PATCH", "/Users/"+id, patchBody(op("add", "addresses", []any{map[string]any{"locality": "L"}}), op("replace", "title", "Guide")))
		require.Equal(t, 200, r.Code, r.Raw)
		assert.NotContains(t, r.Body, "addresses")
		assert.Equal(t, "Guide", r.Body["title"])
		assert.Equal(t, []string{`ignored unsupported attribute "addresses" (this server leaves it out of /Schemas)`}, lastWarnings())
	})

	t.Run("strict mode refuses with an actionable detail", func(t *testing.T) {
		sid := strict.createUser("strict-user")["id"].(string)
		for _, tc := range []struct {
			name, method, path string
			body               any
			scimType, detail   string
		}{
			{"POST", "POST", "/Users", map[string]any{"userName": "s", "addresses": []any{}}, "invalidSyntax",
				`attribute "addresses": is not supported by this server, which leaves it out of /Schemas; remove it from the request, or from the identity provider's attribute mapping (strict mode)`},
			{"PUT extension attribute", "PUT", "/Users/" + sid, map[string]any{"userName": "s", ent + ":costCenter": "1"}, "invalidSyntax", "costCenter"},
			{"PATCH", "PATCH", "/Users/" + sid, patchBody(op("add", "phoneNumbers", []any{map[string]any{"value": "1"}})), "invalidPath",
				`"phoneNumbers" is not supported by this server, which leaves it out of /Schemas; remove it from the request`},
		} {
			t.Run(tc.name, func(t *testing.T) {
				requireError(t, strict.do(tc.method, tc.path, tc.body), 400, tc.scimType, tc.detail)
			})
		}
	})

	t.Run("filter, sortBy and attributes", func(t *testing.T) {
		for _, f := range []string{`addresses.locality eq "Hollywood"`, `phoneNumbers pr`, `x509Certificates[value eq "x"]`, ent + `:costCenter eq "1"`, `userName eq "a" or not (nickName pr)`} {
			requireError(t, e.do("GET", "/Users?filter="+url.QueryEscape(f), nil), 400, "invalidFilter", "is not supported by this server (it is left out of /Schemas)")
			requireError(t, e.do("POST", "/Users/.search", map[string]any{"filter": f}), 400, "invalidFilter", "")
		}
		requireError(t, e.do("GET", "/Users?filter="+url.QueryEscape(`adreses pr`), nil), 400, "invalidFilter", `unknown attribute "adreses"`)
		requireError(t, e.do("GET", "/Users?sortBy=nickName", nil), 400, "invalidValue", `sortBy "nickName" names an attribute this server does not support`)
		r := e.do("GET", "/Users/"+id+"?attributes=addresses,title", nil)
		require.Equal(t, 200, r.Code, r.Raw)
		assert.Equal(t, "Guide", r.Body["title"])
		assert.NotContains(t, r.Body, "addresses", "like an unknown attribute: not returned")
	})
}

// TestAttributeSubsetStoredBefore: a user stored before the host narrowed
// its model comes back with only what /Schemas advertises.
func TestAttributeSubsetStoredBefore(t *testing.T) {
	dir := t.TempDir() + "/scim.db"
	old, err := sqlstore.New(context.Background(), sqlstore.Config{DSN: dir})
	require.NoError(t, err)
	wide := newEnv(t, func(c *scim.Config) { c.Users, c.Groups = old, old })
	u := wide.createUser("early", map[string]any{"addresses": []any{map[string]any{"locality": "Hollywood"}}, "nickName": "E"})
	require.Contains(t, u, "addresses")
	require.NoError(t, old.Close())

	narrow, err := sqlstore.New(context.Background(), sqlstore.Config{DSN: dir, Model: subsetModel()})
	require.NoError(t, err)
	t.Cleanup(func() { narrow.Close() })
	e := newEnv(t, func(c *scim.Config) { c.Users, c.Groups = narrow, narrow })
	for _, path := range []string{"/Users/" + u["id"].(string), "/Users?filter=userName+eq+%22early%22"} {
		r := e.do("GET", path, nil)
		require.Equal(t, 200, r.Code, r.Raw)
		assert.NotContains(t, r.Raw, "Hollywood", path)
		assert.NotContains(t, r.Raw, "nickName", path)
	}
}
