package scim_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
)

// TestManagerRefIsNotStored: the enterprise manager's $ref is the
// server's, made from the manager's value on every response (README,
// "Computed values"; RFC 7643 §4.3), so a $ref a client sends is not
// kept: a GET-then-PUT of a user with a manager (Okta's and the
// conformance suites' update cycle; suvera/scim2-compliance-test-utility
// src/main/java/dev/suvera/opensource/scim2/compliance/tests/user/UserCrudTests.java
// PUTs what it read) changes nothing, and keeps the version, reports no
// event and appends nothing to the change feed. Before, the first such
// PUT stored the response's $ref beside the value and made a new version,
// and so did a PATCH of the manager whose value object held a $ref (a
// PATCH whose path is manager.$ref is refused, README), on memory, SQLite
// and PostgreSQL.
func TestManagerRefIsNotStored(t *testing.T) {
	const ent = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	for name, open := range concurrencyStores(t) {
		t.Run(name, func(t *testing.T) {
			users, groups := open(t)
			e := newEnv(t, func(c *scim.Config) { c.Users, c.Groups = users, groups })
			for _, tc := range []struct {
				name    string
				manager map[string]any // as created
				write   func(id string, read map[string]any) (method string, body any)
			}{
				{"PUT of what a GET showed", map[string]any{"value": "m1"}, func(_ string, read map[string]any) (string, any) { return "PUT", read }},
				{"PUT of what a GET showed, created with a relative $ref", map[string]any{"value": "m1", "$ref": "../Users/m1"}, func(_ string, read map[string]any) (string, any) { return "PUT", read }},
				{"PATCH of the manager with another $ref", map[string]any{"value": "m1"}, func(string, map[string]any) (string, any) {
					return "PATCH", patchBody(op("replace", ent+":manager", map[string]any{"value": "m1", "$ref": "https://elsewhere.example/Users/m1"}))
				}},
			} {
				t.Run(tc.name, func(t *testing.T) {
					c := e.do("POST", "/Users", map[string]any{"userName": tc.name, ent: map[string]any{"manager": tc.manager}})
					require.Equal(t, 201, c.Code, c.Raw)
					id := c.str("id")
					read := e.do("GET", "/Users/"+id, nil)
					require.Equal(t, 200, read.Code, read.Raw)
					e.clearEvents()
					head := feedHead(t, users)
					method, body := tc.write(id, read.Body)
					r := e.do(method, "/Users/"+id, body)
					require.Equal(t, 200, r.Code, r.Raw)
					assert.Equal(t, c.Header.Get("ETag"), r.Header.Get("ETag"), "the version is kept")
					assert.Empty(t, e.eventTypes())
					assert.Equal(t, head, feedHead(t, users), "nothing appended to the change feed")
					m := r.Body[ent].(map[string]any)["manager"].(map[string]any)
					assert.Equal(t, base+"/Users/m1", m["$ref"], "the server's $ref")
				})
			}
		})
	}
}
