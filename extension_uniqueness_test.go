package scim_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/internal/fanout"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/memory"
	"github.com/scimkit/scim/tokens"
)

// RFC 7643 §2.2: a value of an attribute declared uniqueness server
// "SHOULD be unique within the context of the current SCIM endpoint (or
// tenancy)"; RFC 7644 §3.3, §3.5.1 and §3.12 answer a conflict with 409
// and scimType "uniqueness". The README's own example, an extension's
// "badge", was advertised so in /Schemas and never enforced.

const acmeURN = "urn:example:params:scim:schemas:extension:acme:2.0:User"

// acmeModel is the README's model: a server-unique badge, compared
// without regard to case (caseExact false).
func acmeModel(t *testing.T) *resources.Model {
	t.Helper()
	acme, err := resources.NewSchema(acmeURN, "AcmeUser", "",
		&resources.Attribute{Name: "badge", Type: resources.TypeString, Uniqueness: resources.UniquenessServer},
		&resources.Attribute{Name: "vip", Type: resources.TypeBoolean})
	require.NoError(t, err)
	model, err := resources.NewModel(resources.ModelConfig{UserExtensions: []*resources.Schema{acme}})
	require.NoError(t, err)
	return model
}

// uniqueStores opens each store on the acme model.
func uniqueStores(t *testing.T) map[string]func(t *testing.T) (store.UserStore, store.GroupStore) {
	return modelStores(acmeModel(t))
}

func badgeUser(userName string, badge any) map[string]any {
	return map[string]any{"schemas": []any{resources.UserSchema, acmeURN}, "userName": userName, acmeURN: map[string]any{"badge": badge}}
}

// badgeOf reads a user's badge from a response body ("" when absent).
func badgeOf(body map[string]any) string {
	ext, _ := body[acmeURN].(map[string]any)
	s, _ := ext["badge"].(string)
	return s
}

func TestExtensionUniqueness(t *testing.T) {
	for name, open := range uniqueStores(t) {
		t.Run(name, func(t *testing.T) {
			users, groups := open(t)
			e := newEnv(t, func(c *scim.Config) { c.Users, c.Groups = users, groups })
			ids := map[string]string{}

			t.Run("POST", func(t *testing.T) {
				for _, tc := range []struct {
					userName string
					badge    any
					code     int
				}{
					{"a", "B1", 201},
					{"b", "B1", 409},
					{"c", "b1", 409}, // caseExact false: the same badge
					{"d", "B2", 201},
					{"e", nil, 201}, // null: not constrained
					{"f", nil, 201},
				} {
					r := e.do("POST", "/Users", badgeUser(tc.userName, tc.badge))
					require.Equal(t, tc.code, r.Code, "%s: %s", tc.userName, r.Raw)
					if tc.code == 409 {
						requireError(t, r, 409, "uniqueness", acmeURN+":badge")
						continue
					}
					ids[tc.userName] = r.str("id")
				}
				r := e.do("GET", "/Users?filter="+url.QueryEscape(`userName eq "b" or userName eq "c"`), nil)
				assert.EqualValues(t, 0, r.Body["totalResults"], "a refused POST stores nothing: %s", r.Raw)
				r = e.do("POST", "/Users", map[string]any{"schemas": []any{resources.UserSchema}, "userName": "g"})
				require.Equal(t, 201, r.Code, "no badge at all: not constrained: %s", r.Raw)
			})

			t.Run("PUT", func(t *testing.T) {
				r := e.do("PUT", "/Users/"+ids["d"], badgeUser("d", "b1"))
				requireError(t, r, 409, "uniqueness", "badge")
				got := e.do("GET", "/Users/"+ids["d"], nil)
				assert.Equal(t, "B2", badgeOf(got.Body), "a refused PUT changes nothing")
				assert.Equal(t, `W/"1"`, got.Header.Get("ETag"), "a refused PUT keeps the version")
				r = e.do("PUT", "/Users/"+ids["d"], badgeUser("d", "B2"))
				require.Equal(t, 200, r.Code, "a user keeps its own badge: %s", r.Raw)
			})

			t.Run("PATCH", func(t *testing.T) {
				for _, tc := range []struct {
					name string
					ops  []map[string]any
					code int
				}{
					{"replace to a taken badge", []map[string]any{op("replace", acmeURN+":badge", "B1")}, 409},
					{"add a taken badge by its extension object", []map[string]any{op("add", "", map[string]any{acmeURN: map[string]any{"badge": "b1"}})}, 409},
					{"another attribute, own badge kept", []map[string]any{op("replace", acmeURN+":vip", true)}, 200},
					{"a free badge", []map[string]any{op("replace", acmeURN+":badge", "B3")}, 200},
					{"back to a badge it gave up", []map[string]any{op("replace", acmeURN+":badge", "B2")}, 200},
				} {
					before := e.do("GET", "/Users/"+ids["d"], nil)
					r := e.do("PATCH", "/Users/"+ids["d"], patchBody(tc.ops...))
					require.Equal(t, tc.code, r.Code, "%s: %s", tc.name, r.Raw)
					if tc.code == 409 {
						requireError(t, r, 409, "uniqueness", "badge")
						after := e.do("GET", "/Users/"+ids["d"], nil)
						assert.Equal(t, before.Raw, after.Raw, "%s: a refused PATCH changes nothing", tc.name)
					}
				}
				r := e.do("PATCH", "/Users/"+ids["d"], patchBody(op("remove", acmeURN+":badge", nil)))
				require.Equal(t, 200, r.Code, r.Raw)
				r = e.do("POST", "/Users", badgeUser("h", "b2"))
				require.Equal(t, 201, r.Code, "a badge a PATCH removed is free again: %s", r.Raw)
			})

			t.Run("DELETE frees", func(t *testing.T) {
				require.Equal(t, 204, e.do("DELETE", "/Users/"+ids["a"], nil).Code)
				r := e.do("POST", "/Users", badgeUser("i", "B1"))
				require.Equal(t, 201, r.Code, r.Raw)
			})

			t.Run("Bulk", func(t *testing.T) {
				r := e.do("POST", "/Bulk", bulkBody(0,
					map[string]any{"method": "POST", "path": "/Users", "bulkId": "x1", "data": badgeUser("x1", "BULK")},
					map[string]any{"method": "POST", "path": "/Users", "bulkId": "x2", "data": badgeUser("x2", "bulk")},
					map[string]any{"method": "PATCH", "path": "/Users/bulkId:x1", "data": patchBody(op("replace", acmeURN+":badge", "B1"))},
				))
				list, by := bulkOps(t, r)
				require.Len(t, list, 3, r.Raw)
				assert.Equal(t, "201", by["x1"]["status"], r.Raw)
				assert.Equal(t, "409", by["x2"]["status"], r.Raw)
				assert.Contains(t, fmt.Sprint(by["x2"]["response"]), "uniqueness", r.Raw)
				assert.Equal(t, "409", list[2]["status"], "a bulk PATCH to a taken badge: %s", r.Raw)
			})

			t.Run("Tenants", func(t *testing.T) {
				plain, _, err := e.toks.Generate(context.Background(), tokens.GenerateOptions{TenantID: "other", Name: "other"})
				require.NoError(t, err)
				r := e.do("POST", "/Users", badgeUser("a", "B1"), "Authorization: Bearer "+plain)
				require.Equal(t, 201, r.Code, "the same badge in another tenant is no conflict: %s", r.Raw)
			})

			t.Run("Concurrent", func(t *testing.T) {
				const n = 8
				codes := make([]int, n)
				fanout.Run(n, func(i int) error {
					codes[i] = e.do("POST", "/Users", badgeUser(fmt.Sprintf("race%d", i), "RACE")).Code
					return nil
				})
				created := 0
				for _, c := range codes {
					if c == 201 {
						created++
					} else {
						assert.Equal(t, 409, c)
					}
				}
				assert.Equal(t, 1, created, "of %d concurrent POSTs of one badge, exactly one is created: %v", n, codes)
			})

			t.Run("Long value", func(t *testing.T) {
				r := e.do("POST", "/Users", badgeUser("long", strings.Repeat("x", scim.DefaultMaxKeyBytes+1)))
				requireError(t, r, 400, "invalidValue", "badge")
			})
		})
	}
}

// hostUsers is a host's store that does not enforce unique attributes:
// it embeds memory's, whose UniqueEnforcer it hides.
type hostUsers struct{ store.UserStore }

func TestNewHandlerRefusesUnenforcedUniqueness(t *testing.T) {
	model := acmeModel(t)
	db := memory.New(memory.WithModel(model))
	for _, tc := range []struct {
		name  string
		cfg   scim.Config
		error string
	}{
		{"memory enforces it", scim.Config{Users: db, Groups: db, InsecureNoAuth: true}, ""},
		{"a host store that does not", scim.Config{Users: hostUsers{db}, Model: model, InsecureNoAuth: true}, "urn:example:params:scim:schemas:extension:acme:2.0:User:badge"},
		{"a host store, no unique attribute", scim.Config{Users: hostUsers{memory.New()}, InsecureNoAuth: true}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := scim.NewHandler(tc.cfg)
			if tc.error == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.error)
			assert.Contains(t, err.Error(), "store.UniqueEnforcer", "the error says what to do")
		})
	}
}

func TestNewSchemaRefusesUniquenessItCannotKeep(t *testing.T) {
	for _, tc := range []struct {
		name string
		attr *resources.Attribute
		ok   bool
	}{
		{"single string", &resources.Attribute{Name: "badge", Type: resources.TypeString, Uniqueness: resources.UniquenessGlobal}, true},
		{"single integer", &resources.Attribute{Name: "n", Type: resources.TypeInteger, Uniqueness: resources.UniquenessServer}, true},
		{"multi-valued", &resources.Attribute{Name: "badges", Type: resources.TypeString, MultiValued: true, Uniqueness: resources.UniquenessServer}, false},
		{"boolean", &resources.Attribute{Name: "vip", Type: resources.TypeBoolean, Uniqueness: resources.UniquenessServer}, false},
		{"complex", &resources.Attribute{Name: "card", Type: resources.TypeComplex, Uniqueness: resources.UniquenessServer,
			SubAttributes: []*resources.Attribute{{Name: "id", Type: resources.TypeString}}}, false},
		{"sub-attribute", &resources.Attribute{Name: "card", Type: resources.TypeComplex,
			SubAttributes: []*resources.Attribute{{Name: "id", Type: resources.TypeString, Uniqueness: resources.UniquenessServer}}}, false},
		// A secret: its 409 would tell a client it guessed another
		// user's value (TestSecretWriteNoOracle's reason).
		{"returned never", &resources.Attribute{Name: "pin", Type: resources.TypeString, Returned: resources.ReturnedNever, Uniqueness: resources.UniquenessServer}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := resources.NewSchema(acmeURN, "Acme", "", tc.attr)
			if tc.ok {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, resources.ErrInvalidSchema)
			assert.Contains(t, err.Error(), "uniqueness")
		})
	}
}
