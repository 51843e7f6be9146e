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
