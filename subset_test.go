package scim_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/admin"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
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

// subsetEnvs serves the model with gives its store, leniently (with a
// request log, whose latest warnings lastWarnings returns) and in strict
// mode.
func subsetEnvs(t *testing.T, with option) (e, strict *env, lastWarnings func() []string) {
	ring := admin.NewRequestRing(10)
	e = newEnv(t, with, func(c *scim.Config) { c.RequestLog = ring })
	strict = newEnv(t, with, func(c *scim.Config) { c.Strict = true })
	return e, strict, func() []string {
		recent, err := ring.Recent(context.Background(), "", 1)
		require.NoError(t, err)
		return recent[0].Warnings
	}
}

// refusal is a request strict mode refuses with a 400 of scimType whose
// detail contains detail.
type refusal struct {
	name, method, path string
	body               any
	scimType, detail   string
}

// refuses sends each request of cases to e and checks its refusal.
func (e *env) refuses(t *testing.T, cases []refusal) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			requireError(t, e.do(tc.method, tc.path, tc.body), 400, tc.scimType, tc.detail)
		})
	}
}

// TestAttributeSubset: a host that declares the attributes it supports
// advertises only those, and treats the others in requests as it treats
// attributes no schema defines.
func TestAttributeSubset(t *testing.T) {
	e, strict, lastWarnings := subsetEnvs(t, withSubset)
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
		assert.Equal(t, []string{`Operations[0]: ignored unsupported attribute "addresses" (this server leaves it out of /Schemas)`}, lastWarnings())
	})

	t.Run("strict mode refuses with an actionable detail", func(t *testing.T) {
		sid := strict.createUser("strict-user")["id"].(string)
		strict.refuses(t, []refusal{
			{"POST", "POST", "/Users", map[string]any{"userName": "s", "addresses": []any{}}, "invalidSyntax",
				`attribute "addresses": is not supported by this server, which leaves it out of /Schemas; remove it from the request, or from the identity provider's attribute mapping (strict mode)`},
			{"PUT extension attribute", "PUT", "/Users/" + sid, map[string]any{"userName": "s", ent + ":costCenter": "1"}, "invalidSyntax", "costCenter"},
			{"PATCH", "PATCH", "/Users/" + sid, patchBody(op("add", "phoneNumbers", []any{map[string]any{"value": "1"}})), "invalidPath",
				`"phoneNumbers" is not supported by this server, which leaves it out of /Schemas; remove it from the request`},
		})
	})

	t.Run("filter, sortBy and attributes", func(t *testing.T) {
		for _, f := range []string{`addresses.locality eq "Hollywood"`, `phoneNumbers pr`, `x509Certificates[value eq "x"]`, ent + `:costCenter eq "1"`, `userName eq "a" or not (nickName pr)`} {
			requireError(t, e.do("GET", "/Users?filter="+url.QueryEscape(f), nil), 400, "invalidFilter", "is not supported by this server (it is left out of /Schemas)")
			requireError(t, e.do("POST", "/Users/.search", map[string]any{"filter": f}), 400, "invalidFilter", "")
		}
		requireError(t, e.do("GET", "/Users?filter="+url.QueryEscape(`adreses pr`), nil), 400, "invalidFilter", `filter path "adreses" is not an attribute of User`)
		requireError(t, e.do("GET", "/Users?sortBy=nickName", nil), 400, "invalidValue", `sortBy "nickName" names an attribute this server does not support`)
		r := e.do("GET", "/Users/"+id+"?attributes=addresses,title", nil)
		require.Equal(t, 200, r.Code, r.Raw)
		assert.Equal(t, "Guide", r.Body["title"])
		assert.NotContains(t, r.Body, "addresses", "like an unknown attribute: not returned")
	})
}

// storedBefore writes through write, to a SQLite store of the full
// model, the data of a host that has not narrowed its model yet, then
// opens the same database as cfg says (its DSN set here: a narrowed
// Model), as the host does once it has narrowed it.
func storedBefore(t *testing.T, write func(wide *env), cfg sqlstore.Config) *sqlstore.Store {
	t.Helper()
	cfg.DSN = t.TempDir() + "/scim.db"
	old, err := sqlstore.New(context.Background(), sqlstore.Config{DSN: cfg.DSN})
	require.NoError(t, err)
	write(newEnv(t, func(c *scim.Config) { c.Users, c.Groups = old, old }))
	require.NoError(t, old.Close())
	narrow, err := sqlstore.New(context.Background(), cfg)
	require.NoError(t, err)
	t.Cleanup(func() { narrow.Close() })
	return narrow
}

// TestAttributeSubsetStoredBefore: a user stored before the host narrowed
// its model comes back with only what /Schemas advertises.
func TestAttributeSubsetStoredBefore(t *testing.T) {
	var u map[string]any
	narrow := storedBefore(t, func(wide *env) {
		u = wide.createUser("early", map[string]any{"addresses": []any{map[string]any{"locality": "Hollywood"}}, "nickName": "E"})
		require.Contains(t, u, "addresses")
	}, sqlstore.Config{Model: subsetModel()})
	e := newEnv(t, func(c *scim.Config) { c.Users, c.Groups = narrow, narrow })
	for _, path := range []string{"/Users/" + u["id"].(string), "/Users?filter=userName+eq+%22early%22"} {
		r := e.do("GET", path, nil)
		require.Equal(t, 200, r.Code, r.Raw)
		assert.NotContains(t, r.Raw, "Hollywood", path)
		assert.NotContains(t, r.Raw, "nickName", path)
	}
}

// TestGroupSubsetStoredBefore: a group stored with an externalId before
// the host's model left externalId out keeps it through a PUT (no client
// can see or resend it), and a PUT of what a GET showed writes nothing.
func TestGroupSubsetStoredBefore(t *testing.T) {
	var id string
	narrowModel, err := resources.NewModel(resources.ModelConfig{GroupAttributes: []string{"id", "meta", "displayName", "members"}})
	require.NoError(t, err)
	narrow := storedBefore(t, func(wide *env) {
		r := wide.do("POST", "/Groups", map[string]any{"displayName": "Early", "externalId": "ext-1"})
		require.Equal(t, 201, r.Code, r.Raw)
		id = r.Body["id"].(string)
	}, sqlstore.Config{Model: narrowModel})
	e := newEnv(t, func(c *scim.Config) { c.Users, c.Groups = narrow, narrow })
	shown := e.do("GET", "/Groups/"+id, nil)
	require.Equal(t, 200, shown.Code, shown.Raw)
	assert.NotContains(t, shown.Raw, "ext-1")
	put := e.do("PUT", "/Groups/"+id, map[string]any{"displayName": "Early", "members": []any{}})
	require.Equal(t, 200, put.Code, put.Raw)
	assert.Equal(t, shown.Body["meta"].(map[string]any)["version"], put.Body["meta"].(map[string]any)["version"], "what a GET showed: no change")
	put = e.do("PUT", "/Groups/"+id, map[string]any{"displayName": "Renamed"})
	require.Equal(t, 200, put.Code, put.Raw)
	g, err := narrow.GetGroup(context.Background(), id, store.GetOptions{})
	require.NoError(t, err)
	assert.Equal(t, "ext-1", g.ExternalID, "kept through a PUT that changed the name")
	assert.Equal(t, "Renamed", g.DisplayName)
}

// withColumns serves columnsModel from a memory store.
func withColumns(c *scim.Config) {
	db := memory.New(memory.WithModel(columnsModel()))
	c.Users, c.Groups = db, db
}

// subAttrNames returns the names of the sub-attributes of the attribute
// name in a /Schemas document.
func subAttrNames(doc map[string]any, name string) []string {
	for _, a := range doc["attributes"].([]any) {
		if a := a.(map[string]any); a["name"] == name {
			return attrNames(map[string]any{"attributes": a["subAttributes"]})
		}
	}
	return nil
}

// TestSubAttributeSubset: a model narrowed to sub-attributes (name.givenName,
// name.familyName, emails.value) advertises only those, and treats a
// dropped sub-attribute wherever a request names it as it treats a dropped
// attribute.
func TestSubAttributeSubset(t *testing.T) {
	e, strict, lastWarnings := subsetEnvs(t, withColumns)
	unsupported := func(path string) string {
		return `ignored unsupported attribute "` + path + `" (this server leaves it out of /Schemas)`
	}

	t.Run("discovery", func(t *testing.T) {
		doc := e.do("GET", "/Schemas/"+resources.UserSchema, nil).Body
		assert.Equal(t, []string{"userName", "name", "active", "emails"}, attrNames(doc))
		assert.Equal(t, []string{"familyName", "givenName"}, subAttrNames(doc, "name"))
		assert.Equal(t, []string{"value"}, subAttrNames(doc, "emails"))
		for _, s := range e.do("GET", "/Schemas", nil).Body["Resources"].([]any) {
			if s := s.(map[string]any); s["id"] == resources.UserSchema {
				assert.Equal(t, []string{"value"}, subAttrNames(s, "emails"), "/Schemas and /Schemas/{id} agree")
			}
		}
	})

	var id string
	t.Run("POST", func(t *testing.T) {
		r := e.do("POST", "/Users", map[string]any{
			"schemas":  []any{resources.UserSchema},
			"userName": "bjensen",
			"name":     map[string]any{"givenName": "Barbara", "familyName": "Jensen", "middleName": "Jane", "formatted": "Ms. Barbara J Jensen"},
			"emails":   []any{map[string]any{"value": "bjensen@example.com", "type": "work", "primary": true, "display": "Babs"}},
		})
		require.Equal(t, 201, r.Code, r.Raw)
		id = r.str("id")
		assert.Equal(t, map[string]any{"givenName": "Barbara", "familyName": "Jensen"}, r.Body["name"])
		assert.Equal(t, []any{map[string]any{"value": "bjensen@example.com"}}, r.Body["emails"])
		assert.ElementsMatch(t, []string{unsupported("name.middleName"), unsupported("name.formatted"),
			unsupported("emails.type"), unsupported("emails.primary"), unsupported("emails.display")}, lastWarnings())
		assert.Contains(t, e.logs.String(), `ignored unsupported attribute \"name.middleName\"`, "the log line carries the warning")
		got := e.do("GET", "/Users/"+id, nil)
		assert.NotContains(t, got.Raw, "Jane", "never stored")
		assert.NotContains(t, got.Raw, "Babs")
	})

	t.Run("PUT", func(t *testing.T) {
		r := e.do("PUT", "/Users/"+id, map[string]any{"schemas": []any{resources.UserSchema}, "userName": "bjensen",
			"name": map[string]any{"givenName": "Barbara", "familyName": "Jensen", "honorificPrefix": "Ms."}})
		require.Equal(t, 200, r.Code, r.Raw)
		assert.NotContains(t, r.Raw, "Ms.")
		assert.Equal(t, []string{unsupported("name.honorificPrefix")}, lastWarnings())
	})

	t.Run("PATCH", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			body map[string]any
			want string
		}{
			{"path", patchBody(op("replace", "name.middleName", "Jane"), op("replace", "name.givenName", "Babs")), "name.middleName"},
			{"value object", patchBody(op("replace", "name", map[string]any{"givenName": "Babs", "middleName": "Jane"})), "name.middleName"},
			{"no-path value key", patchBody(op("replace", "", map[string]any{"name.givenName": "Babs", "name.middleName": "Jane"})), "name.middleName"},
			{"a value of a list", patchBody(op("add", "emails", []any{map[string]any{"value": "babs@example.com", "display": "Jane"}})), "emails.display"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := e.do("PATCH", "/Users/"+id, tc.body)
				require.Equal(t, 200, r.Code, r.Raw)
				assert.NotContains(t, r.Raw, "Jane")
				assert.Equal(t, "Babs", r.Body["name"].(map[string]any)["givenName"])
				w := lastWarnings()
				require.Len(t, w, 1)
				assert.Contains(t, w[0], `ignored unsupported attribute "`)
				assert.Contains(t, w[0], tc.want)
			})
		}
	})

	t.Run("PATCH value filter on a dropped sub-attribute", func(t *testing.T) {
		// Entra ID's default mapping writes the email as
		// emails[type eq "work"].value: a model without emails.type ignores it.
		for _, path := range []string{`emails[type eq "work"].value`, `emails[display pr]`} {
			before := e.do("GET", "/Users/"+id, nil)
			r := e.do("PATCH", "/Users/"+id, patchBody(op("replace", path, "work@example.com")))
			require.Equal(t, 200, r.Code, r.Raw)
			w := lastWarnings()
			require.Len(t, w, 1)
			assert.Equal(t, fmt.Sprintf("Operations[0]: ignored unsupported attribute %q (this server leaves it out of /Schemas)", path), w[0])
			assert.Equal(t, before.Body["emails"], r.Body["emails"], "nothing changed")
		}
		requireError(t, strict.do("PATCH", "/Users/"+strict.createUser("strict-filter")["id"].(string),
			patchBody(op("remove", `emails[type eq "work"]`, nil))), 400, "invalidPath",
			`emails[type eq \"work\"]" is not supported by this server, which leaves it out of /Schemas`)
	})

	t.Run("bulk", func(t *testing.T) {
		r := e.do("POST", "/Bulk", bulkBody(0, map[string]any{"method": "POST", "path": "/Users", "bulkId": "b",
			"data": map[string]any{"schemas": []any{resources.UserSchema}, "userName": "bulk-user", "name": map[string]any{"familyName": "F", "middleName": "Jane"}}}))
		_, by := bulkOps(t, r)
		require.Equal(t, "201", by["b"]["status"], r.Raw)
		got := e.do("GET", "/Users?filter="+url.QueryEscape(`userName eq "bulk-user"`), nil)
		require.Equal(t, 200, got.Code, got.Raw)
		assert.Contains(t, got.Raw, `"familyName":"F"`)
		assert.NotContains(t, got.Raw, "Jane")
	})

	t.Run("strict mode refuses with an actionable detail", func(t *testing.T) {
		sid := strict.createUser("strict-user")["id"].(string)
		strict.refuses(t, []refusal{
			{"POST", "POST", "/Users", map[string]any{"userName": "s", "name": map[string]any{"middleName": "M"}}, "invalidSyntax",
				`attribute "name.middleName": is not supported by this server, which leaves it out of /Schemas; remove it from the request, or from the identity provider's attribute mapping (strict mode)`},
			{"PUT", "PUT", "/Users/" + sid, map[string]any{"userName": "s", "emails": []any{map[string]any{"value": "a@example.com", "type": "work"}}}, "invalidSyntax",
				`attribute "emails.type": is not supported by this server`},
			{"PATCH path", "PATCH", "/Users/" + sid, patchBody(op("replace", "name.middleName", "M")), "invalidPath",
				`"name.middleName" is not supported by this server, which leaves it out of /Schemas`},
			{"PATCH value", "PATCH", "/Users/" + sid, patchBody(op("add", "name", map[string]any{"formatted": "M"})), "invalidSyntax",
				`"name.formatted": is not supported by this server, which leaves it out of /Schemas`},
		})
		got := strict.do("GET", "/Users/"+sid, nil)
		assert.NotContains(t, got.Body, "name", "a refused request changed nothing")
	})

	t.Run("filter, sortBy, attributes and excludedAttributes", func(t *testing.T) {
		for _, f := range []string{`name.middleName eq "Jane"`, `emails.type eq "work"`, `emails[type eq "work"]`, `emails[display pr].value eq "x"`, `userName eq "a" or not (name.formatted pr)`} {
			requireError(t, e.do("GET", "/Users?filter="+url.QueryEscape(f), nil), 400, "invalidFilter", "is not supported by this server (it is left out of /Schemas)")
			requireError(t, e.do("POST", "/Users/.search", map[string]any{"filter": f}), 400, "invalidFilter", "is not supported by this server")
		}
		r := e.do("GET", "/Users?filter="+url.QueryEscape(`name.givenName eq "Babs" and emails[value eq "babs@example.com"]`), nil)
		require.Equal(t, 200, r.Code, r.Raw)
		assert.EqualValues(t, 1, r.Body["totalResults"])
		requireError(t, e.do("GET", "/Users?sortBy=name.middleName", nil), 400, "invalidValue", `sortBy "name.middleName" names an attribute this server does not support`)
		require.Equal(t, 200, e.do("GET", "/Users?sortBy=name.familyName", nil).Code)

		r = e.do("GET", "/Users/"+id+"?attributes=name.middleName,name.givenName", nil)
		require.Equal(t, 200, r.Code, r.Raw)
		assert.Equal(t, map[string]any{"givenName": "Babs"}, r.Body["name"], "like an unknown sub-attribute: not returned")
		r = e.do("GET", "/Users/"+id+"?excludedAttributes=emails.display,name.givenName", nil)
		require.Equal(t, 200, r.Code, r.Raw)
		assert.Equal(t, map[string]any{"familyName": "Jensen"}, r.Body["name"])
		assert.Contains(t, r.Body, "emails")
	})
}

// TestSubAttributeSubsetStoredBefore: a user stored with every
// sub-attribute before the host narrowed its model to sub-attributes
// comes back with only those /Schemas advertises, from a GET and a list.
func TestSubAttributeSubsetStoredBefore(t *testing.T) {
	var u map[string]any
	narrow := storedBefore(t, func(wide *env) {
		u = wide.createUser("early", map[string]any{
			"name":   map[string]any{"givenName": "E", "middleName": "Jane"},
			"emails": []any{map[string]any{"value": "early@example.com", "display": "Babs", "type": "work"}},
		})
		// Only sub-attributes the narrowed model leaves out: a GET
		// shows neither name nor emails.
		wide.createUser("middle", map[string]any{
			"name":   map[string]any{"middleName": "Jane"},
			"emails": []any{map[string]any{"display": "Babs", "type": "work"}},
		})
	}, sqlstore.Config{Model: columnsModel()})
	e := newEnv(t, func(c *scim.Config) { c.Users, c.Groups = narrow, narrow })
	for _, path := range []string{"/Users/" + u["id"].(string), "/Users?filter=userName+eq+%22early%22", "/Users?filter=name.givenName+eq+%22E%22", "/Users"} {
		r := e.do("GET", path, nil)
		require.Equal(t, 200, r.Code, r.Raw)
		assert.Contains(t, r.Raw, "early@example.com", path)
		for _, gone := range []string{"Jane", "Babs", `"work"`} {
			assert.NotContains(t, r.Raw, gone, path)
		}
	}
	// RFC 7644 §3.4.2.2: pr matches a value, and the client sees none in
	// what the model leaves out.
	for _, tc := range []struct {
		filter string
		want   []string
	}{
		{`name pr`, []string{"early"}},
		{`emails pr`, []string{"early"}},
		{`not (name pr) and userName ne "x"`, []string{"middle"}},
		{`not (emails pr)`, []string{"middle"}},
	} {
		r := e.do("GET", "/Users?filter="+url.QueryEscape(tc.filter), nil)
		require.Equal(t, 200, r.Code, r.Raw)
		var got []string
		for _, u := range r.Body["Resources"].([]any) {
			got = append(got, u.(map[string]any)["userName"].(string))
		}
		assert.Equal(t, tc.want, got, tc.filter)
		assert.EqualValues(t, len(tc.want), r.Body["totalResults"], tc.filter)
	}
}

// TestSubAttributeSubsetStoredBeforeEvents: what a Config.Events callback
// and a change feed consumer get of a user stored before the host narrowed
// its model is what a GET shows: an event's user without what the model
// leaves out, and no write, event or feed entry for a PUT that resends
// what a GET showed (a provider's every cycle); a PUT that changes one
// attribute lists that one alone.
func TestSubAttributeSubsetStoredBeforeEvents(t *testing.T) {
	var id string
	narrow := storedBefore(t, func(wide *env) {
		id = wide.createUser("early", map[string]any{
			"name":      map[string]any{"givenName": "E", "middleName": "Jane"},
			"emails":    []any{map[string]any{"value": "early@example.com", "display": "Babs", "type": "work"}},
			"addresses": []any{map[string]any{"locality": "Hollywood"}},
		})["id"].(string)
	}, sqlstore.Config{Model: columnsModel(), ChangeFeed: true})
	var events []scim.Event
	e := newEnv(t, func(c *scim.Config) {
		c.Users, c.Groups = narrow, narrow
		c.Events = func(_ context.Context, ev scim.Event) { events = append(events, ev) }
	})
	leaks := func(t *testing.T, what string, v any) {
		t.Helper()
		b, err := json.Marshal(v)
		require.NoError(t, err)
		for _, gone := range []string{"Jane", "Babs", `"work"`, "Hollywood"} {
			assert.NotContains(t, string(b), gone, what)
		}
	}
	feedAfter := func(t *testing.T, seq int64) []store.Change {
		t.Helper()
		ch, err := narrow.Feed().Changes(store.WithTenant(context.Background(), events[0].Tenant), seq, 100)
		require.NoError(t, err)
		return ch
	}

	r := e.do("PATCH", "/Users/"+id, patchBody(op("replace", "name.givenName", "F")))
	require.Equal(t, 200, r.Code, r.Raw)
	require.Len(t, events, 1)
	assert.Equal(t, scim.UserUpdated, events[0].Type)
	leaks(t, "the event's user", events[0].User)
	assert.Equal(t, "F", events[0].User.Name.GivenName)
	ch := feedAfter(t, 0)
	require.NotEmpty(t, ch)
	assert.Equal(t, []string{"name"}, ch[len(ch)-1].Attributes)
	seq := ch[len(ch)-1].Seq

	shown := e.do("GET", "/Users/"+id, nil)
	require.Equal(t, 200, shown.Code, shown.Raw)
	body := map[string]any{"schemas": []any{resources.UserSchema}, "userName": "early",
		"name": shown.Body["name"], "emails": shown.Body["emails"], "active": true}
	r = e.do("PUT", "/Users/"+id, body)
	require.Equal(t, 200, r.Code, r.Raw)
	assert.Equal(t, shown.Body["meta"].(map[string]any)["version"], r.Body["meta"].(map[string]any)["version"], "a PUT of what a GET showed changes nothing")
	assert.Len(t, events, 1, "no event for it")
	assert.Empty(t, feedAfter(t, seq), "no feed entry for it")
	r = e.do("PATCH", "/Users/"+id, patchBody(op("replace", "emails", shown.Body["emails"])))
	require.Equal(t, 200, r.Code, r.Raw)
	assert.Equal(t, shown.Body["meta"].(map[string]any)["version"], r.Body["meta"].(map[string]any)["version"], "nor does a PATCH replacing a value with what a GET showed")
	assert.Len(t, events, 1, "no event for it")
	assert.Empty(t, feedAfter(t, seq), "no feed entry for it")

	body["name"] = map[string]any{"givenName": "G"}
	r = e.do("PUT", "/Users/"+id, body)
	require.Equal(t, 200, r.Code, r.Raw)
	require.Len(t, events, 2)
	leaks(t, "the event's user", events[1].User)
	ch = feedAfter(t, seq)
	require.Len(t, ch, 1)
	assert.Equal(t, []string{"name"}, ch[0].Attributes, "the one attribute the client changed")
}
