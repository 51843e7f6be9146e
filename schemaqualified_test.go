package scim_test

import (
	"net/url"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/memory"
	"github.com/scimkit/scim/store/sqlstore/sqltest"
)

// TestPathQualifiedBySupportedSchema: every parser of a path knows the
// same schema URNs (resources.ResourceType.KnownSchemaURNs), the
// enterprise extension's among them even where the model leaves it out,
// and a path qualified by one is taken only where the resource type has
// that schema (RFC 7644 §3.10): a filter on a schema the server does not
// support is 400 invalidFilter, a sortBy 400 invalidValue, on every
// store, never read as another attribute; a filter on / reads each type
// with its own schemas.
func TestPathQualifiedBySupportedSchema(t *testing.T) {
	without, err := resources.NewModel(resources.ModelConfig{UserAttributes: []string{"id", "meta", "userName", "active", "title"}})
	require.NoError(t, err)
	stores := map[string]func(t *testing.T, m *resources.Model) (store.UserStore, store.GroupStore){
		"memory": func(_ *testing.T, m *resources.Model) (store.UserStore, store.GroupStore) {
			db := memory.New(memory.WithModel(m))
			return db, db
		},
		"sqlite": func(t *testing.T, m *resources.Model) (store.UserStore, store.GroupStore) {
			return openSQLModel(t, filepath.Join(t.TempDir(), "scim.db"), m)
		},
		"postgres": func(t *testing.T, m *resources.Model) (store.UserStore, store.GroupStore) {
			return openSQLModel(t, sqltest.PostgresDSN(t), m)
		},
	}
	const ent = resources.EnterpriseUserSchema
	q := url.QueryEscape
	for name, open := range stores {
		for _, model := range []struct {
			name       string
			m          *resources.Model
			enterprise bool
		}{{"default model", resources.DefaultModel(), true}, {"model without the enterprise extension", without, false}} {
			t.Run(name+"/"+model.name, func(t *testing.T) {
				users, groups := open(t, model.m)
				e := newEnv(t, func(c *scim.Config) { c.Users, c.Groups = users, groups })
				alice := e.createUser("alice", map[string]any{"title": "Ops", ent: map[string]any{"department": "Ops"}})
				e.createGroup("Ops", alice["id"].(string))
				type want struct {
					code     int
					scimType string
					detail   string
					total    int
				}
				unsupported := want{400, "invalidFilter", "left out of /Schemas", 0}
				unsupportedSort := want{400, "invalidValue", "left out of /Schemas", 0}
				if model.enterprise {
					unsupported, unsupportedSort = want{200, "", "", 1}, want{200, "", "", 1}
				}
				for _, tc := range []struct {
					name, path string
					want       want
				}{
					{"filter on the enterprise extension", "/Users?filter=" + q(ent+`:department eq "Ops"`), unsupported},
					{"sortBy the enterprise extension", "/Users?sortBy=" + q(ent+":department"), unsupportedSort},
					{"filter qualified by the core User schema", "/Users?filter=" + q(resources.UserSchema+`:title eq "Ops"`), want{200, "", "", 1}},
					{"filter qualified by the Group schema", "/Users?filter=" + q(resources.GroupSchema+`:displayName eq "Ops"`), want{400, "invalidFilter", resources.GroupSchema, 0}},
					{"filter of an attribute both types have, qualified by the Group schema", "/Users?filter=" + q(resources.GroupSchema+`:id pr`), want{400, "invalidFilter", resources.GroupSchema, 0}},
					{"sortBy qualified by the Group schema", "/Users?sortBy=" + q(resources.GroupSchema+":displayName"), want{400, "invalidValue", "names no attribute of User", 0}},
					{"filter on Groups qualified by the User schema", "/Groups?filter=" + q(resources.UserSchema+`:userName eq "alice"`), want{400, "invalidFilter", resources.UserSchema, 0}},
					{"filter on / qualified by the Group schema", "/?filter=" + q(resources.GroupSchema+`:displayName eq "Ops"`), want{200, "", "", 1}},
					{"filter on / qualified by the User schema", "/?filter=" + q(resources.UserSchema+`:userName eq "alice"`), want{200, "", "", 1}},
				} {
					t.Run(tc.name, func(t *testing.T) {
						r := e.do("GET", tc.path, nil)
						if tc.want.code != 200 {
							requireError(t, r, tc.want.code, tc.want.scimType, tc.want.detail)
							return
						}
						require.Equal(t, 200, r.Code, r.Raw)
						assert.Equal(t, float64(tc.want.total), r.Body["totalResults"], r.Raw)
					})
				}
			})
		}
	}
}

// TestOtherTypesSchemaURN: a name qualified by the other resource type's
// core schema URN (urn:...:core:2.0:Group:displayName sent to /Users)
// names no attribute of the type it is sent to, even one of the same name
// both types have (externalId), wherever it is sent: RFC 7643 §3 makes a
// resource's attributes those of the schemas it lists, and RFC 7644 §3.10
// qualifies a name by the schema that defines it. Each place answers it
// as it answers any attribute the type lacks: a body or a PATCH ignores
// it with a warning (refused in strict mode), a filter and a sortBy are a
// 400; none reads it as the type's own attribute.
func TestOtherTypesSchemaURN(t *testing.T) {
	e, last := loggedEnv(t, false)
	strict, _ := loggedEnv(t, true)
	q := url.QueryEscape
	for _, tc := range []struct {
		name, endpoint, core, key, other string
		body                             map[string]any
	}{
		{"Group's displayName on a User", "/Users", resources.UserSchema, "userName", resources.GroupSchema + ":displayName", map[string]any{"userName": "u1"}},
		{"Group's externalId on a User", "/Users", resources.UserSchema, "userName", resources.GroupSchema + ":externalId", map[string]any{"userName": "u2"}},
		{"User's externalId on a Group", "/Groups", resources.GroupSchema, "displayName", resources.UserSchema + ":externalId", map[string]any{"displayName": "g1"}},
		{"User's userName on a Group", "/Groups", resources.GroupSchema, "displayName", resources.UserSchema + ":userName", map[string]any{"displayName": "g2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			warning := []string{`ignored unknown attribute "` + tc.other + `"`}
			body := func() map[string]any {
				b := map[string]any{"schemas": []any{tc.core}, tc.other: "x"}
				for k, v := range tc.body {
					b[k] = v
				}
				return b
			}
			r := e.do("POST", tc.endpoint, body())
			require.Equal(t, 201, r.Code, r.Raw)
			assert.Equal(t, warning, last()[0].Warnings, "a body")
			assert.NotContains(t, r.Body, "externalId", "not read as the type's own attribute")
			id := r.str("id")
			got := e.do("GET", tc.endpoint+"/"+id, nil)
			assert.NotContains(t, got.Raw, `"x"`, "nothing of it is stored")
			requireError(t, strict.do("POST", tc.endpoint, body()), 400, "invalidSyntax", tc.other)

			r = e.do("PATCH", tc.endpoint+"/"+id, patchBody(op("replace", tc.other, "x")))
			require.Equal(t, 200, r.Code, r.Raw)
			assert.Equal(t, warning, last()[0].Warnings, "a PATCH path")
			assert.NotContains(t, r.Raw, `"x"`, "nothing of it is stored")
			r = e.do("PATCH", tc.endpoint+"/"+id, patchBody(op("replace", "", map[string]any{tc.other: "x"})))
			require.Equal(t, 200, r.Code, r.Raw)
			assert.Equal(t, warning, last()[0].Warnings, "a PATCH value key")
			assert.NotContains(t, r.Raw, `"x"`, "nothing of it is stored")
			plain := body()
			delete(plain, tc.other)
			created := strict.do("POST", tc.endpoint, plain)
			require.Equal(t, 201, created.Code, created.Raw)
			sid := created.str("id")
			requireError(t, strict.do("PATCH", tc.endpoint+"/"+sid, patchBody(op("replace", tc.other, "x"))), 400, "invalidPath", tc.other)

			for _, s := range []*env{e, strict} {
				requireError(t, s.do("GET", tc.endpoint+"?filter="+q(tc.other+` eq "x"`), nil), 400, "invalidFilter", "the schemas of")
				requireError(t, s.do("GET", tc.endpoint+"?sortBy="+q(tc.other), nil), 400, "invalidValue", tc.other)
			}
		})
	}
}
