package scim_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
)

// The tests of this file come from driving the running server through
// RFC 7644 section by section; each names the text it holds the server to.

// TestAuditBulkFailedOperationLocation: RFC 7644 §3.7 defines a bulk
// response operation's "location" as "The resource endpoint URL. REQUIRED
// in a response, except in the event of a POST failure", and its §3.7.3
// example answers a PUT that failed with 412 with the resource's location.
// A client matches a failed PUT, PATCH or DELETE to its resource by it.
func TestAuditBulkFailedOperationLocation(t *testing.T) {
	e := newEnv(t)
	u := e.createUser("bulk-location")
	id := u["id"].(string)
	for _, tc := range []struct {
		name     string
		op       map[string]any
		status   string
		location string // "" when the response must carry none
	}{
		{"a PUT with a stale version",
			map[string]any{"method": "PUT", "path": "/Users/" + id, "version": `W/"999"`,
				"data": map[string]any{"userName": "bulk-location"}},
			"412", base + "/Users/" + id},
		{"a PATCH with a bad value",
			map[string]any{"method": "PATCH", "path": "/Users/" + id,
				"data": patchBody(op("replace", "active", "maybe"))},
			"400", base + "/Users/" + id},
		{"a DELETE of an unknown id",
			map[string]any{"method": "DELETE", "path": "/Users/no-such-user"},
			"404", base + "/Users/no-such-user"},
		{"a PATCH sent to /users: the location is the canonical URL",
			map[string]any{"method": "PATCH", "path": "/users/" + id,
				"data": patchBody(op("replace", "title", "Lead"))},
			"200", base + "/Users/" + id},
		{"a DELETE of an unknown id sent to /users",
			map[string]any{"method": "DELETE", "path": "/users/no-such-user"},
			"404", base + "/Users/no-such-user"},
		{"a POST that failed has none",
			map[string]any{"method": "POST", "path": "/Users", "bulkId": "dup",
				"data": map[string]any{"userName": "bulk-location"}},
			"409", ""},
		{"a path whose bulkId names no operation has none: there is no resource",
			map[string]any{"method": "DELETE", "path": "/Users/bulkId:nobody"},
			"409", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			list, _ := bulkOps(t, e.do("POST", "/Bulk", bulkBody(0, tc.op)))
			require.Len(t, list, 1)
			assert.Equal(t, tc.status, list[0]["status"], "%v", list[0])
			if tc.location == "" {
				assert.NotContains(t, list[0], "location")
			} else {
				assert.Equal(t, tc.location, list[0]["location"])
			}
		})
	}
	// The failures changed nothing: the one PATCH that succeeded made
	// version 2.
	got := e.do("GET", "/Users/"+id, nil)
	require.Equal(t, 200, got.Code)
	assert.Equal(t, `W/"2"`, got.Body["meta"].(map[string]any)["version"])
	assert.Equal(t, "Lead", got.str("title"))
}

// TestAuditNoPathValueKeysAnyOrder: a PATCH without a path carries "a list
// of one or more attributes that are to be replaced" (RFC 7644 §3.5.2.3) in
// one JSON object, whose members have no order (RFC 8259 §4). Entra ID's
// form puts value paths in it as keys; the filtered element the ".value"
// key creates (IDP-QUIRKS.md) must also get the ".primary" beside it,
// although "...primary" sorts before "...value", and, being primary, it
// takes the flag from the others (RFC 7643 §2.4).
func TestAuditNoPathValueKeysAnyOrder(t *testing.T) {
	const mobile = `phoneNumbers[type eq "mobile"]`
	for _, tc := range []struct {
		name   string
		strict bool
		value  map[string]any
		want   []any
	}{
		{"value and primary create one primary element",
			false,
			map[string]any{mobile + ".value": "2", mobile + ".primary": true},
			[]any{
				map[string]any{"value": "1", "type": "work", "primary": false},
				map[string]any{"value": "2", "type": "mobile", "primary": true},
			}},
		{"the same in strict mode, where nothing is bent",
			true,
			map[string]any{mobile + ".value": "2", mobile + ".primary": true},
			[]any{
				map[string]any{"value": "1", "type": "work", "primary": false},
				map[string]any{"value": "2", "type": "mobile", "primary": true},
			}},
		{"display and primary too",
			false,
			map[string]any{mobile + ".display": "Mobile", mobile + ".primary": true},
			[]any{
				map[string]any{"value": "1", "type": "work", "primary": false},
				map[string]any{"display": "Mobile", "type": "mobile", "primary": true},
			}},
		{"primary alone still creates nothing",
			false,
			map[string]any{mobile + ".primary": true},
			[]any{
				map[string]any{"value": "1", "type": "work", "primary": true},
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, func(c *scim.Config) { c.Strict = tc.strict })
			u := e.createUser("phones", map[string]any{"phoneNumbers": []any{
				map[string]any{"value": "1", "type": "work", "primary": true}}})
			r := e.do("PATCH", "/Users/"+u["id"].(string), patchBody(op("replace", "", tc.value)))
			require.Equal(t, 200, r.Code, r.Raw)
			assert.Equal(t, tc.want, r.Body["phoneNumbers"])
			assert.Equal(t, tc.want, e.do("GET", "/Users/"+u["id"].(string), nil).Body["phoneNumbers"])
		})
	}
}

// TestAuditFilterOnMetaLocation: meta.location is returned on every
// resource (RFC 7643 §3.1: "The URI of the resource being returned"), but
// no store keeps it (the handler makes it from the base URL and the id), so
// a filter on it matched nothing: "meta.location pr" was false for every
// resource, a wrong answer with a 200. As for members.$ref, the filter is
// refused with invalidFilter (RFC 7644 §3.12: "The specified filter syntax
// was invalid ... or the specified attribute and filter comparison
// combination is not supported"), and the detail says to filter on id.
func TestAuditFilterOnMetaLocation(t *testing.T) {
	e := newEnv(t)
	e.createUser("located")
	e.createGroup("Located")
	for _, tc := range []struct {
		name, method, path string
		body               any
	}{
		{"pr on /Users", "GET", "/Users?filter=meta.location%20pr", nil},
		{"co on /Groups", "GET", `/Groups?filter=meta.location%20co%20%22Groups%22`, nil},
		{"with the core schema URN", "GET", `/Users?filter=urn:ietf:params:scim:schemas:core:2.0:User:meta.location%20eq%20%22x%22`, nil},
		{"in another case, inside and/not", "GET", `/Users?filter=userName%20pr%20and%20not%20(META.Location%20sw%20%22https%22)`, nil},
		{"first of an and", "GET", `/Users?filter=meta.location%20pr%20and%20userName%20pr`, nil},
		{"as a value filter", "GET", `/Users?filter=meta%5Blocation%20pr%5D`, nil},
		{"as a value filter, second of an or", "GET", `/Users?filter=userName%20pr%20or%20meta%5Bversion%20pr%20and%20location%20pr%5D`, nil},
		{"in a search at the root", "POST", "/.search", map[string]any{
			"schemas": []any{"urn:ietf:params:scim:api:messages:2.0:SearchRequest"},
			"filter":  `meta.location ew "x"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			requireError(t, e.do(tc.method, tc.path, tc.body), 400, "invalidFilter", "meta.location")
		})
	}
	// Nor does it order a list: every store answered in creation order.
	for _, path := range []string{"/Users?sortBy=meta.location", "/Groups?sortBy=META.LOCATION&sortOrder=descending", "/?sortBy=urn:ietf:params:scim:schemas:core:2.0:User:meta.location"} {
		requireError(t, e.do("GET", path, nil), 400, "invalidValue", "meta.location")
	}
	// The other meta attributes the stores keep still filter.
	for _, f := range []string{"meta.lastModified%20pr", "meta.version%20pr", "meta.resourceType%20eq%20%22User%22", "meta.created%20gt%20%222000-01-01T00:00:00Z%22"} {
		r := e.do("GET", "/Users?filter="+f, nil)
		require.Equal(t, 200, r.Code, r.Raw)
		assert.EqualValues(t, 1, r.Body["totalResults"], f)
	}
}

// TestAuditGroupCoreURNObjectMembers: a no-path PATCH value may hold the
// core schema's attributes under its URN (RFC 7644 §3.5.2.1: "the value
// ... SHALL contain a list of one or more attributes that are to be
// added"; §3.10 names them by the fully qualified URN). For a group, a
// "members" inside {"urn:ietf:params:scim:schemas:core:2.0:Group": {...}}
// was not seen as a member change, so the group was read and written
// without its members and the members were dropped with a 200; the same
// for a path that is the core URN.
func TestAuditGroupCoreURNObjectMembers(t *testing.T) {
	const core = "urn:ietf:params:scim:schemas:core:2.0:Group"
	for _, tc := range []struct {
		name    string
		op      func(uid string) map[string]any
		replace bool   // the members become the one given
		want    string // displayName afterwards
	}{
		{"no path, members under the core URN key",
			func(uid string) map[string]any {
				return op("add", "", map[string]any{core: map[string]any{"members": []any{map[string]any{"value": uid}}}})
			}, false, "Team"},
		{"no path, members and displayName under the core URN key",
			func(uid string) map[string]any {
				return op("replace", "", map[string]any{core: map[string]any{"displayName": "Renamed", "members": []any{map[string]any{"value": uid}}}})
			}, true, "Renamed"},
		{"the core URN as the path",
			func(uid string) map[string]any {
				return op("add", core, map[string]any{"members": []any{map[string]any{"value": uid}}, "displayName": "Renamed"})
			}, false, "Renamed"},
	} {
		for name, open := range concurrencyStores(t) {
			t.Run(tc.name+"/"+name, func(t *testing.T) {
				users, groups := open(t)
				e := newEnv(t, func(c *scim.Config) { c.Users, c.Groups = users, groups })
				old := e.createUser("old")["id"].(string)
				uid := e.createUser("member")["id"].(string)
				g := e.createGroup("Team", old)
				gid := g["id"].(string)
				r := e.do("PATCH", "/Groups/"+gid, patchBody(tc.op(uid)))
				require.Contains(t, []int{200, 204}, r.Code, r.Raw)
				got := e.do("GET", "/Groups/"+gid, nil)
				want := []string{old, uid}
				if tc.replace {
					want = []string{uid}
				}
				assert.ElementsMatch(t, want, memberIDs(got.Body))
				assert.Equal(t, tc.want, got.str("displayName"))
			})
		}
	}
}

// TestAuditBodyAfterByteOrderMark: a JSON error in a body whose byte
// order mark was ignored is placed by the bytes as sent, and names the
// character it found as the client wrote it: two marks were "malformed
// JSON at byte 1: invalid character 'ï'", the mark's offset uncounted and
// its first byte read as a character of its own. A body refused for a byte
// that is not UTF-8 or a lone surrogate escape says where too.
func TestAuditBodyAfterByteOrderMark(t *testing.T) {
	const bom = "\xef\xbb\xbf"
	e := newEnv(t)
	uid := e.createUser("marked2")["id"].(string)
	for _, tc := range []struct{ name, method, path, body, detail string }{
		{"two marks", "POST", "/Users", bom + bom + `{"userName":"x"}`, "malformed JSON at byte 4: invalid character U+FEFF (a byte order mark) looking for beginning of value"},
		{"two marks, PATCH", "PATCH", "/Users/" + uid, bom + bom + `{}`, "malformed JSON at byte 4: invalid character U+FEFF (a byte order mark)"},
		{"two marks, search", "POST", "/Users/.search", bom + bom + `{}`, "malformed JSON at byte 4: invalid character U+FEFF (a byte order mark)"},
		{"two marks, bulk", "POST", "/Bulk", bom + bom + `{}`, "malformed JSON at byte 4: invalid character U+FEFF (a byte order mark)"},
		{"an error after a mark", "POST", "/Users", bom + `{"userName":"x",}`, "malformed JSON at byte 20: invalid character '}'"},
		{"a non-ASCII character", "POST", "/Users", `{"userName":é}`, "malformed JSON at byte 13: invalid character U+00E9 looking for beginning of value"},
		{"the replacement character itself", "POST", "/Users", "{\"userName\":\uFFFD}", "malformed JSON at byte 13: invalid character U+FFFD looking for beginning of value"},
		// Counted from 1 as encoding/json counts; these said no byte.
		{"a lone surrogate after a mark", "POST", "/Users", bom + `{"userName":"a\ud800b"}`, `the request body escapes half of a UTF-16 surrogate pair alone at byte 18 (\ud800)`},
		{"a lone surrogate, PATCH", "PATCH", "/Users/" + uid, `{"Operations":[{"op":"replace","path":"title","value":"\udc00"}]}`, `surrogate pair alone at byte 56 (\udc00)`},
		{"not UTF-8 after a mark", "POST", "/Users", bom + "{\"userName\":\"caf\xe9\"}", "the request body is not valid UTF-8 at byte 20: invalid byte 0xE9"},
		{"not UTF-8, bulk", "POST", "/Bulk", "{\"Operations\":\xff}", "the request body is not valid UTF-8 at byte 15: invalid byte 0xFF"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			requireError(t, e.do(tc.method, tc.path, tc.body), 400, "invalidSyntax", tc.detail)
		})
	}
}

// TestAuditBodyByteOrderMark: RFC 8259 §8.1 says a JSON text sent over a
// network must not begin with a byte order mark, and "implementations that
// parse JSON texts MAY ignore the presence of a byte order mark rather
// than treating it as an error". Clients that write their body through a
// UTF-8 encoder with a preamble (.NET's StreamWriter, PowerShell's
// Out-File) send one; the answer was a 400 "invalid character 'ï'",
// which says nothing a client can act on. Lenient mode ignores the mark,
// with a warning; strict mode refuses it, saying what it is.
func TestAuditBodyByteOrderMark(t *testing.T) {
	const bom = "\xef\xbb\xbf"
	for _, strict := range []bool{false, true} {
		e := newEnv(t, func(c *scim.Config) { c.Strict = strict })
		u := e.createUser("marked")
		uid := u["id"].(string)
		for _, tc := range []struct {
			name, method, path, body string
			code                     int
		}{
			{"POST", "POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bom-user"}`, 201},
			{"PUT", "PUT", "/Users/" + uid, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"marked","title":"Put"}`, 200},
			{"PATCH", "PATCH", "/Users/" + uid, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"title","value":"Patched"}]}`, 200},
			{"search", "POST", "/Users/.search", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"filter":"userName eq \"marked\""}`, 200},
			{"bulk", "POST", "/Bulk", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[{"method":"DELETE","path":"/Users/no-such-user"}]}`, 200},
		} {
			t.Run(fmt.Sprintf("%s/strict=%v", tc.name, strict), func(t *testing.T) {
				before := e.do("GET", "/Users/"+uid, nil)
				warned := strings.Count(e.logs.String(), "ignored a UTF-8 byte order mark")
				r := e.do(tc.method, tc.path, bom+tc.body)
				if strict {
					requireError(t, r, 400, "invalidSyntax", "send the body without it (strict mode)")
					after := e.do("GET", "/Users/"+uid, nil)
					assert.Equal(t, before.Raw, after.Raw, "a refused body changes nothing")
					return
				}
				require.Equal(t, tc.code, r.Code, r.Raw)
				assert.Equal(t, warned+1, strings.Count(e.logs.String(), "ignored a UTF-8 byte order mark"), "one warning for the request")
			})
		}
	}
}
