package scim_test

import (
	"context"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/memory"
	"github.com/scimkit/scim/store/query"
	"github.com/scimkit/scim/store/sqlstore/sqltest"
)

// without returns a copy of doc without keys, and with "schemas" set to
// schemas.
func without(doc map[string]any, schemas []any, keys ...string) map[string]any {
	out := map[string]any{}
	for k, v := range doc {
		out[k] = v
	}
	for _, k := range keys {
		delete(out, k)
	}
	out["schemas"] = schemas
	return out
}

// only returns the members of doc named by keys, with "schemas" set to
// schemas.
func only(doc map[string]any, schemas []any, keys ...string) map[string]any {
	out := map[string]any{"schemas": schemas}
	for _, k := range keys {
		if v, ok := doc[k]; ok {
			out[k] = v
		}
	}
	return out
}

// TestCoreSchemaURNSelects: RFC 7644 §3.10 names an attribute by its
// schema URN and an extension by its URN alone; the core schema's URN
// alone is the same notation and names every core attribute (the common
// id, externalId and meta too), in attributes and in excludedAttributes,
// on every endpoint that takes them, as the qualified sub-attribute
// (urn:...:User:name.givenName) resolves through the same resolver.
func TestCoreSchemaURNSelects(t *testing.T) {
	var meID string
	e := newEnv(t, func(c *scim.Config) {
		c.Me = func(context.Context) (string, error) { return meID, nil }
	})
	seedUsers(e)
	alice := e.do("GET", "/Users?filter="+q(`userName eq "alice@example.com"`), nil).Body["Resources"].([]any)[0].(map[string]any)
	id := alice["id"].(string)
	meID = id
	g := e.createGroup("Staff", id)
	gid := g["id"].(string)
	user := e.do("GET", "/Users/"+id, nil).Body
	group := e.do("GET", "/Groups/"+gid, nil).Body
	require.Contains(t, user, "groups", "the user's groups are computed")
	require.Contains(t, user, resources.EnterpriseUserSchema)

	core, ent := resources.UserSchema, resources.EnterpriseUserSchema
	coreOnly := without(user, []any{core}, ent)
	entOnly := only(user, []any{core, ent}, "id", ent)
	tests := []struct {
		name, path string
		want       map[string]any
	}{
		{"attributes=core URN", "/Users/" + id + "?attributes=" + core, coreOnly},
		{"attributes=core URN in another case", "/Users/" + id + "?attributes=" + strings.ToUpper(core), coreOnly},
		{"attributes=core and enterprise URNs", "/Users/" + id + "?attributes=" + core + "," + ent, user},
		{"attributes=core URN and a qualified sub-attribute", "/Users/" + id + "?attributes=" + core + "," + core + ":name.givenName", coreOnly},
		{"attributes=qualified sub-attribute", "/Users/" + id + "?attributes=" + core + ":name.givenName",
			map[string]any{"id": id, "schemas": []any{core}, "name": map[string]any{"givenName": "Alice"}}},
		{"excludedAttributes=core URN", "/Users/" + id + "?excludedAttributes=" + core, entOnly},
		{"excludedAttributes=core URN, attributes=core URN", "/Users/" + id + "?attributes=" + core + "&excludedAttributes=" + core, only(user, []any{core}, "id")},
		{"excludedAttributes=enterprise URN", "/Users/" + id + "?excludedAttributes=" + ent, coreOnly},
		{"/Me attributes=core URN", "/Me?attributes=" + core, coreOnly},
		{"/Me excludedAttributes=core URN", "/Me?excludedAttributes=" + core, entOnly},
		{"group attributes=Group URN", "/Groups/" + gid + "?attributes=" + resources.GroupSchema, group},
		{"group excludedAttributes=Group URN", "/Groups/" + gid + "?excludedAttributes=" + resources.GroupSchema, only(group, []any{resources.GroupSchema}, "id")},
		{"group attributes=User URN names nothing of a group", "/Groups/" + gid + "?attributes=" + core, only(group, []any{resources.GroupSchema}, "id")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do("GET", tt.path, nil)
			require.Equal(t, 200, r.Code, r.Raw)
			assert.Equal(t, tt.want, r.Body)
		})
	}

	// Lists, searches and the root query take the parameter per type: the
	// User URN selects a user's core attributes, and names nothing of a
	// group (an attribute a type lacks is not returned).
	lists := []struct {
		name, method, path string
		body               map[string]any
		wantUser           map[string]any
		wantGroup          map[string]any
	}{
		{"GET /Users", "GET", "/Users?filter=" + q(`userName eq "alice@example.com"`) + "&attributes=" + core, nil, coreOnly, nil},
		{"GET /Users excluded", "GET", "/Users?filter=" + q(`userName eq "alice@example.com"`) + "&excludedAttributes=" + core, nil, entOnly, nil},
		{"POST /Users/.search", "POST", "/Users/.search", map[string]any{"filter": `userName eq "alice@example.com"`, "attributes": []any{core}}, coreOnly, nil},
		{"POST /Users/.search excluded", "POST", "/Users/.search", map[string]any{"filter": `userName eq "alice@example.com"`, "excludedAttributes": []any{core}}, entOnly, nil},
		{"GET /", "GET", "/?filter=" + q(`id eq "`+id+`" or id eq "`+gid+`"`) + "&attributes=" + core + "," + resources.GroupSchema, nil, coreOnly, group},
		{"GET / User URN only", "GET", "/?filter=" + q(`id eq "`+id+`" or id eq "`+gid+`"`) + "&attributes=" + url.QueryEscape(core), nil, coreOnly, only(group, []any{resources.GroupSchema}, "id")},
		{"POST /.search", "POST", "/.search", map[string]any{"filter": `id eq "` + id + `" or id eq "` + gid + `"`, "attributes": []any{core, resources.GroupSchema}}, coreOnly, group},
		{"POST /.search excluded", "POST", "/.search", map[string]any{"filter": `id eq "` + id + `" or id eq "` + gid + `"`, "excludedAttributes": []any{core, resources.GroupSchema}}, entOnly, only(group, []any{resources.GroupSchema}, "id")},
	}
	for _, tt := range lists {
		t.Run(tt.name, func(t *testing.T) {
			var body any
			if tt.body != nil {
				tt.body["schemas"] = []any{"urn:ietf:params:scim:api:messages:2.0:SearchRequest"}
				body = tt.body
			}
			r := e.do(tt.method, tt.path, body)
			require.Equal(t, 200, r.Code, r.Raw)
			res, _ := r.Body["Resources"].([]any)
			want := []any{tt.wantUser}
			if tt.wantGroup != nil {
				want = append(want, tt.wantGroup)
			}
			assert.Equal(t, want, res)
		})
	}

	t.Run("a write's response", func(t *testing.T) {
		r := e.do("PATCH", "/Users/"+id+"?attributes="+core, patchBody(op("replace", "title", "Lead")))
		require.Equal(t, 200, r.Code, r.Raw)
		assert.Equal(t, "Lead", r.Body["title"])
		assert.NotContains(t, r.Body, ent)
		assert.Equal(t, []any{core}, r.Body["schemas"])
	})
	t.Run("a value filter on the whole schema", func(t *testing.T) {
		requireError(t, e.do("GET", "/Users/"+id+"?attributes="+url.QueryEscape(core+`[id eq "x"]`), nil), 400, "invalidFilter", "filters a whole schema")
	})
	t.Run("a filter on the whole schema", func(t *testing.T) {
		requireError(t, e.do("GET", "/Users?filter="+q(core+" pr"), nil), 400, "invalidFilter", "names the whole core schema")
	})
}

// TestQualifiedURNsDoNotNest: a key that puts a schema URN after the core
// schema's URN ("urn:...:User:urn:...:enterprise:2.0:User:department")
// names no attribute (an attribute name holds no ':', RFC 7643 §2.1),
// as a URN key inside the core object does not: the request is refused
// with invalidValue, and every typed reader refuses the same document
// (resources' TestTypedReadsTakeQualifiedNames); so is a key that puts
// a known schema URN after an unknown one. Nothing is stored.
func TestQualifiedURNsDoNotNest(t *testing.T) {
	e := newEnv(t)
	uid := e.createUser("victim")["id"].(string)
	before := e.do("GET", "/Users/"+uid, nil)
	const core, ent = resources.UserSchema, resources.EnterpriseUserSchema
	for _, tc := range []struct{ name, method, path, body string }{
		{"POST", "POST", "/Users", `{"userName":"a","` + core + `:` + ent + `:department":"x"}`},
		{"PUT", "PUT", "/Users/" + uid, `{"userName":"victim","` + core + `:` + ent + `:department":"x"}`},
		{"core URN twice", "POST", "/Users", `{"` + core + `:` + core + `:userName":"a"}`},
		{"group", "POST", "/Groups", `{"displayName":"g","` + resources.GroupSchema + `:urn:acme:x":1}`},
		{"core URN after an unknown URN", "POST", "/Users", `{"userName":"a","urn:acme:ext:` + core + `:userName":"b"}`},
		{"enterprise URN after an unknown URN", "PUT", "/Users/" + uid, `{"userName":"victim","urn:acme:` + ent + `":{"department":"x"}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			requireError(t, e.do(tc.method, tc.path, tc.body), 400, "invalidValue", "schema URNs do not nest")
		})
	}
	assert.Equal(t, float64(1), e.do("GET", "/Users", nil).Body["totalResults"], "nothing was created")
	assert.Equal(t, float64(0), e.do("GET", "/Groups", nil).Body["totalResults"], "nothing was created")
	assert.Equal(t, before.Body, e.do("GET", "/Users/"+uid, nil).Body, "nothing was changed")
}

// TestNestedURNsInPathsAndQueries: a name that puts a schema URN after
// the core URN is refused wherever a client names an attribute, as the
// body readers refuse it as a key (TestQualifiedURNsDoNotNest): a PATCH
// path (invalidPath), a no-path PATCH value's key (invalidValue), a
// filter, a value filter in a PATCH path (invalidFilter), attributes,
// excludedAttributes and sortBy (invalidValue), and each of those in
// /Bulk. A known schema URN after an unknown one is refused the same
// way. The detail says why; nothing is stored on any store.
func TestNestedURNsInPathsAndQueries(t *testing.T) {
	const core, ent, grp = resources.UserSchema, resources.EnterpriseUserSchema, resources.GroupSchema
	const nested = core + ":" + ent + ":department"
	const afterUnknown = "urn:acme:ext:" + core + ":userName"
	const why = "schema URNs do not nest"
	q := url.QueryEscape
	eachStore(t, func(t *testing.T, e *env) {
		u := e.do("POST", "/Users", map[string]any{"userName": "victim", ent: map[string]any{"department": "Ops"}})
		require.Equal(t, 201, u.Code, u.Raw)
		uid := u.str("id")
		g := e.do("POST", "/Groups", map[string]any{"displayName": "G", "members": []any{map[string]any{"value": uid}}})
		require.Equal(t, 201, g.Code, g.Raw)
		gid := g.str("id")
		beforeUser, beforeGroup := e.do("GET", "/Users/"+uid, nil).Raw, e.do("GET", "/Groups/"+gid, nil).Raw
		head := feedHead(t, e.users)

		remove := func(path string) map[string]any { return map[string]any{"op": "remove", "path": path} }
		search := func(f map[string]any) map[string]any {
			f["schemas"] = []any{"urn:ietf:params:scim:api:messages:2.0:SearchRequest"}
			return f
		}
		for _, tc := range []struct {
			name, method, path string
			body               any
			scimType           string
		}{
			{"PATCH replace path", "PATCH", "/Users/" + uid, patchBody(op("replace", nested, "x")), "invalidPath"},
			{"PATCH add path", "PATCH", "/Users/" + uid, patchBody(op("add", nested, "x")), "invalidPath"},
			{"PATCH remove path", "PATCH", "/Users/" + uid, patchBody(remove(nested)), "invalidPath"},
			{"PATCH path, core URN twice", "PATCH", "/Users/" + uid, patchBody(op("replace", core+":"+core+":userName", "x")), "invalidPath"},
			{"PATCH path, a whole extension after core", "PATCH", "/Users/" + uid, patchBody(op("replace", core+":"+ent, map[string]any{"department": "x"})), "invalidPath"},
			{"PATCH path with a sub-attribute", "PATCH", "/Users/" + uid, patchBody(op("replace", core+":"+ent+":manager.value", "x")), "invalidPath"},
			{"PATCH path in upper case", "PATCH", "/Users/" + uid, patchBody(op("replace", "URN:IETF:params:scim:schemas:core:2.0:User:URN:acme:x", "x")), "invalidPath"},
			{"PATCH path, after an earlier good op", "PATCH", "/Users/" + uid, patchBody(op("replace", "displayName", "Changed"), remove(nested)), "invalidPath"},
			{"PATCH value filter", "PATCH", "/Users/" + uid, patchBody(op("replace", `emails[`+core+`:urn:acme:type eq "work"].value`, "x")), "invalidFilter"},
			{"PATCH no-path value key", "PATCH", "/Users/" + uid, patchBody(op("replace", "", map[string]any{"displayName": "Changed", nested: "x"})), "invalidValue"},
			{"PATCH group path", "PATCH", "/Groups/" + gid, patchBody(remove(grp + ":urn:acme:members")), "invalidPath"},
			{"filter", "GET", "/Users?filter=" + q(nested+` eq "Ops"`), nil, "invalidFilter"},
			{"filter on groups", "GET", "/Groups?filter=" + q(grp+`:urn:acme:displayName pr`), nil, "invalidFilter"},
			{"filter at the root", "GET", "/?filter=" + q(nested+` eq "Ops"`), nil, "invalidFilter"},
			{"filter in .search", "POST", "/Users/.search", search(map[string]any{"filter": `not (` + nested + ` pr)`}), "invalidFilter"},
			{"attributes", "GET", "/Users?attributes=" + q(nested), nil, "invalidValue"},
			{"excludedAttributes", "GET", "/Users/" + uid + "?excludedAttributes=" + q(nested), nil, "invalidValue"},
			{"attributes of a write", "PATCH", "/Users/" + uid + "?attributes=" + q(nested), patchBody(op("replace", "displayName", "Changed")), "invalidValue"},
			{"attributes in .search", "POST", "/.search", search(map[string]any{"attributes": []any{nested}}), "invalidValue"},
			{"sortBy", "GET", "/Users?sortBy=" + q(nested), nil, "invalidValue"},
			{"sortBy in .search", "POST", "/Users/.search", search(map[string]any{"sortBy": nested}), "invalidValue"},
			// A known schema URN after an unknown one is refused as
			// after a known one, wherever the name is given.
			{"PATCH path, core URN after an unknown URN", "PATCH", "/Users/" + uid, patchBody(op("replace", afterUnknown, "x")), "invalidPath"},
			{"PATCH path, enterprise URN after an unknown URN", "PATCH", "/Users/" + uid, patchBody(remove("urn:acme:" + ent + ":department")), "invalidPath"},
			{"PATCH no-path value key, core URN after an unknown URN", "PATCH", "/Users/" + uid, patchBody(op("replace", "", map[string]any{afterUnknown: "x"})), "invalidValue"},
			{"filter, core URN after an unknown URN", "GET", "/Users?filter=" + q(afterUnknown+` eq "victim"`), nil, "invalidFilter"},
			{"attributes, core URN after an unknown URN", "GET", "/Users?attributes=" + q(afterUnknown), nil, "invalidValue"},
			{"sortBy, core URN after an unknown URN", "GET", "/Users?sortBy=" + q(afterUnknown), nil, "invalidValue"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				requireError(t, e.do(tc.method, tc.path, tc.body), 400, tc.scimType, why)
			})
			if tc.method != "PATCH" || strings.Contains(tc.path, "?") {
				continue // a bulk operation's path takes no query
			}
			t.Run("Bulk "+tc.name, func(t *testing.T) {
				ops, _ := bulkOps(t, e.do("POST", "/Bulk", bulkBody(0,
					map[string]any{"method": "PATCH", "path": tc.path, "data": tc.body})))
				require.Len(t, ops, 1)
				assert.Equal(t, "400", ops[0]["status"])
				resp, _ := ops[0]["response"].(map[string]any)
				assert.Equal(t, tc.scimType, resp["scimType"])
				assert.Contains(t, resp["detail"], why)
			})
		}
		t.Run("Bulk POST with the name as a key", func(t *testing.T) {
			ops, _ := bulkOps(t, e.do("POST", "/Bulk", bulkBody(0,
				map[string]any{"method": "POST", "bulkId": "u", "path": "/Users", "data": map[string]any{"userName": "new", nested: "x"}})))
			require.Len(t, ops, 1)
			assert.Equal(t, "400", ops[0]["status"])
			resp, _ := ops[0]["response"].(map[string]any)
			assert.Equal(t, "invalidValue", resp["scimType"])
			assert.Contains(t, resp["detail"], why)
		})
		assert.Equal(t, float64(1), e.do("GET", "/Users", nil).Body["totalResults"], "nothing was created")
		assert.JSONEq(t, beforeUser, e.do("GET", "/Users/"+uid, nil).Raw, "the user is unchanged")
		assert.JSONEq(t, beforeGroup, e.do("GET", "/Groups/"+gid, nil).Raw, "the group is unchanged")
		assert.Equal(t, head, feedHead(t, e.users), "nothing was written")
	})
}

// TestKnownURNAfterUnknownEverywhere: a name that puts a schema URN the
// server knows after one it does not ("urn:x:y:urn:...:core:2.0:Group:
// displayName") is refused the same way by every entry point, whichever
// resource type it is sent to and whichever of the server's schemas it
// names (core User or Group, the enterprise extension, a host extension
// of either type): a body key (invalidValue), a PATCH path (invalidPath),
// a no-path PATCH value's key (invalidValue), a filter (invalidFilter),
// attributes and sortBy (invalidValue). A body once took the other type's URNs for an unknown
// attribute and ignored it, while a path or a filter refused it. Nothing
// is stored.
func TestKnownURNAfterUnknownEverywhere(t *testing.T) {
	const userExt, groupExt = "urn:acme:user:2.0:Badge", "urn:acme:team:2.0:Team"
	code := &resources.Attribute{Name: "code", Type: resources.TypeString}
	ue, err := resources.NewSchema(userExt, "Badge", "", code)
	require.NoError(t, err)
	ge, err := resources.NewSchema(groupExt, "Team", "", code)
	require.NoError(t, err)
	model, err := resources.NewModel(resources.ModelConfig{UserExtensions: []*resources.Schema{ue}, GroupExtensions: []*resources.Schema{ge}})
	require.NoError(t, err)
	db := memory.New(memory.WithModel(model))
	e := newEnv(t, func(c *scim.Config) { c.Users, c.Groups = db, db })
	uid := e.createUser("victim")["id"].(string)
	g := e.do("POST", "/Groups", map[string]any{"displayName": "G"})
	require.Equal(t, 201, g.Code, g.Raw)
	gid := g.str("id")
	beforeUser, beforeGroup := e.do("GET", "/Users/"+uid, nil).Raw, e.do("GET", "/Groups/"+gid, nil).Raw

	const why = "schema URNs do not nest"
	for _, tc := range []struct {
		name     string
		endpoint string         // "/Users" or "/Groups"
		body     map[string]any // a valid body the name is added to
		attr     string         // the known schema's URN and an attribute of it
	}{
		{"User, core Group URN", "/Users", map[string]any{"userName": "new"}, resources.GroupSchema + ":displayName"},
		{"User, a host Group extension", "/Users", map[string]any{"userName": "new"}, groupExt + ":code"},
		{"User, its own core URN", "/Users", map[string]any{"userName": "new"}, resources.UserSchema + ":userName"},
		{"User, the enterprise extension", "/Users", map[string]any{"userName": "new"}, resources.EnterpriseUserSchema + ":department"},
		{"User, its own host extension", "/Users", map[string]any{"userName": "new"}, userExt + ":code"},
		{"Group, core User URN", "/Groups", map[string]any{"displayName": "new"}, resources.UserSchema + ":userName"},
		{"Group, the enterprise extension", "/Groups", map[string]any{"displayName": "new"}, resources.EnterpriseUserSchema + ":department"},
		{"Group, a host User extension", "/Groups", map[string]any{"displayName": "new"}, userExt + ":code"},
		{"Group, its own host extension", "/Groups", map[string]any{"displayName": "new"}, groupExt + ":code"},
	} {
		name := "urn:x:y:" + tc.attr
		id := uid
		if tc.endpoint == "/Groups" {
			id = gid
		}
		t.Run(tc.name, func(t *testing.T) {
			for _, at := range []struct {
				entry, method, path string
				body                any
				scimType            string
			}{
				{"body", "POST", tc.endpoint, query.With(tc.body, name, "x"), "invalidValue"},
				{"PATCH path", "PATCH", tc.endpoint + "/" + id, patchBody(op("replace", name, "x")), "invalidPath"},
				{"PATCH no-path value key", "PATCH", tc.endpoint + "/" + id, patchBody(op("replace", "", map[string]any{name: "x"})), "invalidValue"},
				{"filter", "GET", tc.endpoint + "?filter=" + url.QueryEscape(name+` pr`), nil, "invalidFilter"},
				{"attributes", "GET", tc.endpoint + "?attributes=" + url.QueryEscape(name), nil, "invalidValue"},
				{"sortBy", "GET", tc.endpoint + "?sortBy=" + url.QueryEscape(name), nil, "invalidValue"},
			} {
				t.Run(at.entry, func(t *testing.T) {
					requireError(t, e.do(at.method, at.path, at.body), 400, at.scimType, why)
				})
			}
		})
	}
	assert.Equal(t, float64(1), e.do("GET", "/Users", nil).Body["totalResults"], "nothing was created")
	assert.Equal(t, float64(1), e.do("GET", "/Groups", nil).Body["totalResults"], "nothing was created")
	assert.JSONEq(t, beforeUser, e.do("GET", "/Users/"+uid, nil).Raw, "the user is unchanged")
	assert.JSONEq(t, beforeGroup, e.do("GET", "/Groups/"+gid, nil).Raw, "the group is unchanged")
}

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
					{"sortBy qualified by the Group schema", "/Users?sortBy=" + q(resources.GroupSchema+":displayName"), want{400, "invalidValue", "is not an attribute of User", 0}},
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

			// A group PATCH asking for no attributes answers 204: one
			// asks for the group without its members, to see the rest.
			at := tc.endpoint + "/" + id
			if tc.endpoint == "/Groups" {
				at += "?excludedAttributes=members"
			}
			r = e.do("PATCH", at, patchBody(op("replace", tc.other, "x")))
			require.Equal(t, 200, r.Code, r.Raw)
			patched := []string{"Operations[0]: " + warning[0]} // named by its operation
			assert.Equal(t, patched, last()[0].Warnings, "a PATCH path")
			assert.NotContains(t, r.Raw, `"x"`, "nothing of it is stored")
			r = e.do("PATCH", at, patchBody(op("replace", "", map[string]any{tc.other: "x"})))
			require.Equal(t, 200, r.Code, r.Raw)
			assert.Equal(t, patched, last()[0].Warnings, "a PATCH value key")
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
