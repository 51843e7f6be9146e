package scim_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
	eachStore(t, func(t *testing.T, e *env) {
		m1 := e.createUser("m1")["id"].(string)
		for _, tc := range []struct {
			name    string
			manager map[string]any // as created
			write   func(id string, read map[string]any) (method string, body any)
		}{
			{"PUT of what a GET showed", map[string]any{"value": m1}, func(_ string, read map[string]any) (string, any) { return "PUT", read }},
			{"PUT of what a GET showed, created with a relative $ref", map[string]any{"value": m1, "$ref": "../Users/" + m1}, func(_ string, read map[string]any) (string, any) { return "PUT", read }},
			{"PATCH of the manager with another $ref", map[string]any{"value": m1}, func(string, map[string]any) (string, any) {
				return "PATCH", patchBody(op("replace", ent+":manager", map[string]any{"value": m1, "$ref": "https://elsewhere.example/Users/" + m1}))
			}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				c := e.do("POST", "/Users", map[string]any{"userName": tc.name, ent: map[string]any{"manager": tc.manager}})
				require.Equal(t, 201, c.Code, c.Raw)
				id := c.str("id")
				read := e.do("GET", "/Users/"+id, nil)
				require.Equal(t, 200, read.Code, read.Raw)
				e.clearEvents()
				head := feedHead(t, e.users)
				method, body := tc.write(id, read.Body)
				r := e.do(method, "/Users/"+id, body)
				require.Equal(t, 200, r.Code, r.Raw)
				assert.Equal(t, c.Header.Get("ETag"), r.Header.Get("ETag"), "the version is kept")
				assert.Empty(t, e.eventTypes())
				assert.Equal(t, head, feedHead(t, e.users), "nothing appended to the change feed")
				m := r.Body[ent].(map[string]any)["manager"].(map[string]any)
				assert.Equal(t, base+"/Users/"+m1, m["$ref"], "the server's $ref")
			})
		}
	})
}

// TestManagerRefOnlyForATenantsUser: a response carries the manager's
// $ref only when the manager's value is the id of a user of the tenant
// (RFC 7643 §4.3: "the URI of the SCIM resource representing the User's
// manager"); a value that names none, such as the manager's email Google
// Workspace maps there or Okta's own manager id (docs/okta.md,
// docs/google-workspace.md), keeps its value and has neither $ref nor displayName,
// where before its $ref was a URL that answers 404. Every answer that
// renders a user: POST, GET, a list, .search, PUT and PATCH, on memory,
// SQLite and PostgreSQL.
func TestManagerRefOnlyForATenantsUser(t *testing.T) {
	const ent = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	eachStore(t, func(t *testing.T, e *env) {
		boss := e.createUser("boss", map[string]any{"displayName": "The Boss"})
		bossID := boss["id"].(string)
		for _, tc := range []struct {
			name, value  string
			ref, display any // nil: absent
		}{
			{"a user of the tenant", bossID, base + "/Users/" + bossID, "The Boss"},
			{"an email (Google Workspace)", "boss@example.com", nil, nil},
			{"a provider's own id (Okta)", "00u1abcd", nil, nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				check := func(t *testing.T, what string, doc map[string]any) {
					t.Helper()
					m := doc[ent].(map[string]any)["manager"].(map[string]any)
					assert.Equal(t, tc.value, m["value"], what)
					assert.Equal(t, tc.ref, m["$ref"], what)
					assert.Equal(t, tc.display, m["displayName"], what)
				}
				userName := "u " + tc.name
				body := map[string]any{"userName": userName, ent: map[string]any{"manager": map[string]any{"value": tc.value}}}
				c := e.do("POST", "/Users", body)
				require.Equal(t, 201, c.Code, c.Raw)
				check(t, "POST", c.Body)
				id := c.str("id")
				g := e.do("GET", "/Users/"+id, nil)
				require.Equal(t, 200, g.Code, g.Raw)
				check(t, "GET", g.Body)
				l := e.do("GET", "/Users?filter="+url.QueryEscape(`userName eq "`+userName+`"`), nil)
				require.Equal(t, 200, l.Code, l.Raw)
				res := l.Body["Resources"].([]any)
				require.Len(t, res, 1)
				check(t, "list", res[0].(map[string]any))
				s := e.do("POST", "/Users/.search", map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:SearchRequest"}, "filter": `userName eq "` + userName + `"`})
				require.Equal(t, 200, s.Code, s.Raw)
				res = s.Body["Resources"].([]any)
				require.Len(t, res, 1)
				check(t, ".search", res[0].(map[string]any))
				body["title"] = "put"
				p := e.do("PUT", "/Users/"+id, body)
				require.Equal(t, 200, p.Code, p.Raw)
				check(t, "PUT", p.Body)
				pa := e.do("PATCH", "/Users/"+id, patchBody(op("replace", "title", "patched")))
				require.Equal(t, 200, pa.Code, pa.Raw)
				check(t, "PATCH", pa.Body)
			})
		}
	})
}

// TestManagerRefWithoutValue: a manager sent with a $ref and no value
// (RFC 7643 §4.3 names the manager by its value, the manager's id, and
// the server makes the $ref) is one rule on every store, in a POST, a PUT
// and a PATCH: a $ref to one of this server's users, absolute or relative,
// gives its value; a $ref elsewhere names no user the server knows, and
// the manager is dropped; each with a warning, and a 400 invalidValue in
// strict mode that changes nothing. Before, the manager was stored as sent:
// a $ref without a value, and no displayName.
func TestManagerRefWithoutValue(t *testing.T) {
	const ent = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	for _, name := range leniencyStores {
		t.Run(name, func(t *testing.T) {
			e, strict, ring := lenientAndStrict(t, name)
			bossID := e.createUser("boss", map[string]any{"displayName": "The Boss"})["id"].(string)
			taken := map[string]any{"value": bossID, "$ref": base + "/Users/" + bossID, "displayName": "The Boss"}
			for _, tc := range []struct {
				name, ref string
				want      any // the manager read back; nil: none
				warning   string
				refusal   string
			}{
				{"absolute, a user of the server", base + "/Users/" + bossID, taken,
					`manager $ref "` + base + "/Users/" + bossID + `" taken as its value "` + bossID + `"`, "send the manager's id as its value"},
				{"relative, a user of the server", "../Users/" + bossID, taken,
					`manager $ref "../Users/` + bossID + `" taken as its value "` + bossID + `"`, "send the manager's id as its value"},
				{"relative to the base URL", "Users/" + bossID, taken,
					`manager $ref "Users/` + bossID + `" taken as its value "` + bossID + `"`, "send the manager's id as its value"},
				{"relative to the base URL, a group", "Groups/" + bossID, nil,
					`ignored the manager: it has no value, and its $ref "Groups/` + bossID + `" names no user of this server`, "names no user of this server"},
				{"another server's", "https://elsewhere.example/Users/" + bossID, nil,
					`ignored the manager: it has no value, and its $ref "https://elsewhere.example/Users/` + bossID + `" names no user of this server`, "names no user of this server"},
				{"this server's groups", base + "/Groups/" + bossID, nil,
					`ignored the manager: it has no value, and its $ref "` + base + "/Groups/" + bossID + `" names no user of this server`, "names no user of this server"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					manager := map[string]any{"$ref": tc.ref}
					schemas := []string{"urn:ietf:params:scim:schemas:core:2.0:User", ent}
					userName := "report " + tc.name
					check := func(t *testing.T, what string, doc map[string]any) {
						t.Helper()
						var got any
						if ext, ok := doc[ent].(map[string]any); ok {
							got = ext["manager"]
						}
						assert.Equal(t, tc.want, got, what)
					}
					for _, w := range []struct {
						name string
						send func(e *env, id, userName string) *resp
					}{
						{"POST", func(e *env, _, userName string) *resp {
							return e.do("POST", "/Users", map[string]any{"schemas": schemas, "userName": userName, ent: map[string]any{"manager": manager}})
						}},
						{"PUT", func(e *env, id, userName string) *resp {
							return e.do("PUT", "/Users/"+id, map[string]any{"schemas": schemas, "userName": userName, ent: map[string]any{"manager": manager}})
						}},
						{"PATCH", func(e *env, id, _ string) *resp {
							return e.do("PATCH", "/Users/"+id, patchBody(op("replace", ent+":manager", manager)))
						}},
					} {
						t.Run(w.name, func(t *testing.T) {
							id, userName := "", userName+" "+w.name
							if w.name != "POST" {
								id = e.createUser(userName)["id"].(string)
							}
							r := w.send(strict, id, userName)
							requireError(t, r, 400, "invalidValue", tc.refusal)
							if id != "" {
								assert.Nil(t, e.do("GET", "/Users/"+id, nil).Body[ent], "strict: nothing changed")
							}
							r = w.send(e, id, userName)
							require.Contains(t, []int{200, 201}, r.Code, r.Raw)
							check(t, w.name, r.Body)
							assert.Contains(t, strings.Join(lastWarnings(t, ring), "\n"), tc.warning)
							check(t, "GET", e.do("GET", "/Users/"+r.str("id"), nil).Body)
						})
					}
				})
			}
		})
	}
}

// TestManagerRefOnAPageOfManyManagers: a page whose users have more
// distinct managers than one lookup reads (maxIDLookup) gives every
// manager that is a user of the tenant its $ref and displayName; a page
// looked its first 100 up alone, and the rest had neither.
func TestManagerRefOnAPageOfManyManagers(t *testing.T) {
	const ent = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	for _, n := range []int{1, 100, 101, 250} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			e := newEnv(t)
			bosses := map[string]string{} // report's userName -> its manager's id
			for i := range n {
				boss := e.createUser(fmt.Sprintf("boss%03d", i), map[string]any{"displayName": fmt.Sprintf("Boss %03d", i)})
				report := fmt.Sprintf("report%03d", i)
				c := e.do("POST", "/Users", map[string]any{"userName": report, "title": "report", ent: map[string]any{"manager": map[string]any{"value": boss["id"]}}})
				require.Equal(t, 201, c.Code, c.Raw)
				bosses[report] = boss["id"].(string)
			}
			l := e.do("GET", "/Users?count=1000&filter="+url.QueryEscape(`title eq "report"`), nil)
			require.Equal(t, 200, l.Code, l.Raw)
			res := l.Body["Resources"].([]any)
			require.Len(t, res, n)
			for _, r := range res {
				doc := r.(map[string]any)
				name := doc["userName"].(string)
				m := doc[ent].(map[string]any)["manager"].(map[string]any)
				id := bosses[name]
				assert.Equal(t, id, m["value"], name)
				assert.Equal(t, base+"/Users/"+id, m["$ref"], name)
				assert.Equal(t, "Boss "+strings.TrimPrefix(name, "report"), m["displayName"], name)
			}
		})
	}
}
