package scim_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/admin"
)

// lookalikes returns spellings of the ASCII name that differ from it by
// one non-ASCII letter Unicode folding takes for an ASCII one, or that a
// reader could: the long s "ſ" (U+017F, strings.EqualFold's "s"), the
// Kelvin sign "K" (U+212A, its "k"), the Turkish dotless "ı" and dotted
// "İ" (encoding/json's "I"), and a full-width first letter.
func lookalikes(name string) []string {
	var out []string
	for _, r := range []struct{ ascii, other string }{{"s", "ſ"}, {"k", "\u212A"}, {"K", "\u212A"}, {"i", "ı"}, {"i", "İ"}} {
		if i := strings.Index(name, r.ascii); i >= 0 {
			out = append(out, name[:i]+r.other+name[i+len(r.ascii):])
		}
	}
	c := name[0] | 0x20
	if c >= 'a' && c <= 'z' {
		out = append(out, string(rune(0xFF41+int(c-'a')))+name[1:]) // full-width
	}
	return out
}

// TestNamesFoldASCII: a name that differs from an ASCII one by a non-ASCII
// letter names nothing, in every place a request names something (a body
// member or sub-attribute, a schema URN as a key or in "schemas", a filter,
// attributes, excludedAttributes, sortBy, sortOrder, a PATCH path, op name
// and envelope member, a SearchRequest or BulkRequest member, a bulk
// method, an endpoint, resource type or schema): it is refused with a SCIM
// error saying what, or, where the unknown-attribute policy bends, ignored
// with a warning the admin sees (and refused in strict mode); never taken
// for the ASCII name, as strings.EqualFold or strings.ToLower would take
// some of them.
func TestNamesFoldASCII(t *testing.T) {
	const (
		user   = "urn:ietf:params:scim:schemas:core:2.0:User"
		ent    = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
		patch  = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[`
		search = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],`
		bulk   = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],`
	)
	type request struct{ method, path, body string }
	q := url.QueryEscape
	cases := []struct {
		place string
		name  string // the ASCII name whose lookalikes are sent
		req   func(v, id string) request
		// An error (strict mode too), or, when warning is set, a 2xx with
		// that warning (strict mode: 400 invalidSyntax naming v).
		status   int
		scimType string
		detail   string // contains v
		warning  string // %s is v
		absent   string // not in a 2xx answer: the ASCII name was not set
		unnamed  bool   // the error's detail need not name v
	}{
		{place: "body member", name: "displayName",
			req: func(v, _ string) request {
				return request{"POST", "/Users", `{"schemas":["` + user + `"],"userName":"u` + q(v) + `","` + v + `":"x"}`}
			},
			warning: `ignored unknown attribute "%s"`, absent: `"displayName"`},
		{place: "body member", name: "nickName",
			req: func(v, _ string) request {
				return request{"POST", "/Users", `{"schemas":["` + user + `"],"userName":"u` + q(v) + `","` + v + `":"x"}`}
			},
			warning: `ignored unknown attribute "%s"`, absent: `"nickName"`},
		{place: "sub-attribute", name: "givenName",
			req: func(v, _ string) request {
				return request{"POST", "/Users", `{"schemas":["` + user + `"],"userName":"u` + q(v) + `","name":{"familyName":"f","` + v + `":"x"}}`}
			},
			warning: `ignored unknown attribute "name.%s"`, absent: `"givenName"`},
		{place: "extension URN as a key", name: ent,
			req: func(v, _ string) request {
				return request{"POST", "/Users", `{"schemas":["` + user + `"],"userName":"u` + q(v) + `","` + v + `":{"department":"d"}}`}
			},
			warning: `ignored unknown attribute "%s"`, absent: `"department"`},
		{place: "extension attribute", name: "division",
			req: func(v, _ string) request {
				return request{"POST", "/Users", `{"schemas":["` + user + `"],"userName":"u` + q(v) + `","` + ent + `":{"` + v + `":"d"}}`}
			},
			warning: `ignored unknown attribute "` + ent + `:%s"`, absent: `"division"`},
		{place: "schema URN in schemas", name: user,
			req: func(v, _ string) request {
				return request{"POST", "/Users", `{"schemas":["` + v + `"],"userName":"u` + q(v) + `"}`}
			},
			warning: `"schemas" does not list ` + user + `; taken as a User`, unnamed: true},
		{place: "filter", name: "displayName",
			req:    func(v, _ string) request { return request{"GET", "/Users?filter=" + q(v+` eq "x"`), ""} },
			status: http.StatusBadRequest, scimType: "invalidFilter"},
		{place: "filter", name: "nickName",
			req:    func(v, _ string) request { return request{"GET", "/Users?filter=" + q(v+` pr`), ""} },
			status: http.StatusBadRequest, scimType: "invalidFilter"},
		{place: "attributes", name: "displayName",
			req:    func(v, _ string) request { return request{"GET", "/Users?attributes=" + q(v), ""} },
			status: http.StatusBadRequest, scimType: "invalidValue", detail: "is not an attribute name"},
		{place: "excludedAttributes", name: "nickName",
			req:    func(v, _ string) request { return request{"GET", "/Users?excludedAttributes=" + q(v), ""} },
			status: http.StatusBadRequest, scimType: "invalidValue", detail: "is not an attribute name"},
		{place: "sortBy", name: "userName",
			req:    func(v, _ string) request { return request{"GET", "/Users?sortBy=" + q(v), ""} },
			status: http.StatusBadRequest, scimType: "invalidValue", detail: "is not an attribute path"},
		{place: "sortOrder", name: "descending",
			req:    func(v, _ string) request { return request{"GET", "/Users?sortBy=userName&sortOrder=" + q(v), ""} },
			status: http.StatusBadRequest, scimType: "invalidValue", detail: `sortOrder must be "ascending" or "descending"`},
		{place: "PATCH path", name: "displayName",
			req: func(v, id string) request {
				return request{"PATCH", "/Users/" + id, patch + `{"op":"replace","path":"` + v + `","value":"x"}]}`}
			},
			status: http.StatusBadRequest, scimType: "invalidPath"},
		{place: "PATCH path, sub-attribute", name: "givenName",
			req: func(v, id string) request {
				return request{"PATCH", "/Users/" + id, patch + `{"op":"replace","path":"name.` + v + `","value":"x"}]}`}
			},
			status: http.StatusBadRequest, scimType: "invalidPath"},
		{place: "PATCH value key", name: "title",
			req: func(v, id string) request {
				return request{"PATCH", "/Users/" + id, patch + `{"op":"replace","value":{"` + v + `":"x"}}]}`}
			},
			status: http.StatusBadRequest, scimType: "invalidValue"},
		{place: "PATCH op", name: "add",
			req: func(v, id string) request {
				return request{"PATCH", "/Users/" + id, patch + `{"op":"` + v + `","path":"title","value":"x"}]}`}
			},
			status: http.StatusBadRequest, scimType: "invalidSyntax", detail: "unsupported op"},
		{place: "PATCH op", name: "remove",
			req: func(v, id string) request {
				return request{"PATCH", "/Users/" + id, patch + `{"op":"` + v + `","path":"title"}]}`}
			},
			status: http.StatusBadRequest, scimType: "invalidSyntax", detail: "unsupported op"},
		{place: "PATCH envelope member", name: "Operations",
			req: func(v, id string) request {
				return request{"PATCH", "/Users/" + id, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"` + v + `":[{"op":"add","path":"title","value":"x"}]}`}
			},
			status: http.StatusBadRequest, scimType: "invalidSyntax", detail: `needs an "Operations" list`, unnamed: true},
		{place: "PATCH envelope schemas", name: "schemas",
			req: func(v, id string) request {
				return request{"PATCH", "/Users/" + id, `{"` + v + `":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"title","value":"x"}]}`}
			},
			warning: `ignored "%s" beside Operations in the PatchOp body`, unnamed: true},
		{place: "PATCH operation member", name: "path",
			req: func(v, id string) request {
				return request{"PATCH", "/Users/" + id, patch + `{"op":"replace","path":"title","value":"T","` + v + `":"nickName"}]}`}
			},
			warning: `ignored Operations[0].%s: a PATCH operation has op, path and value`, absent: `"nickName"`},
		{place: "SearchRequest member", name: "sortBy",
			req: func(v, _ string) request {
				return request{"POST", "/Users/.search", search + `"` + v + `":"userName"}`}
			},
			status: http.StatusBadRequest, scimType: "invalidSyntax", detail: "is not a SearchRequest attribute"},
		{place: "SearchRequest member", name: "startIndex",
			req:    func(v, _ string) request { return request{"POST", "/Users/.search", search + `"` + v + `":1}`} },
			status: http.StatusBadRequest, scimType: "invalidSyntax", detail: "is not a SearchRequest attribute"},
		{place: "BulkRequest member", name: "Operations",
			req:    func(v, _ string) request { return request{"POST", "/Bulk", bulk + `"` + v + `":[]}`} },
			status: http.StatusBadRequest, scimType: "invalidSyntax", detail: "is not an attribute of a BulkRequest"},
		{place: "bulk method", name: "post",
			req: func(v, _ string) request {
				return request{"POST", "/Bulk", bulk + `"Operations":[{"method":"` + v + `","bulkId":"b","path":"/Users","data":{"userName":"b"}}]}`}
			},
			status: http.StatusBadRequest, scimType: "invalidValue", detail: "method must be POST, PUT, PATCH or DELETE"},
		{place: "endpoint", name: "Users",
			req:    func(v, _ string) request { return request{"GET", "/" + q(v), ""} },
			status: http.StatusNotFound, detail: "no SCIM endpoint"},
		{place: "resource type", name: "User",
			req:    func(v, _ string) request { return request{"GET", "/ResourceTypes/" + q(v), ""} },
			status: http.StatusNotFound, detail: "no resource type"},
		{place: "schema", name: ent,
			req:    func(v, _ string) request { return request{"GET", "/Schemas/" + q(v), ""} },
			status: http.StatusNotFound, detail: "no schema"},
	}
	for _, strict := range []bool{false, true} {
		ring := admin.NewRequestRing(1)
		e := newEnv(t, func(c *scim.Config) { c.RequestLog = ring; c.Strict = strict })
		created := e.do("POST", "/Users", `{"schemas":["`+user+`"],"userName":"target"}`)
		require.Equal(t, http.StatusCreated, created.Code, created.Raw)
		id := created.str("id")
		for _, c := range cases {
			vs := lookalikes(c.name)
			require.NotEmpty(t, vs, c.name)
			for _, v := range vs {
				t.Run(fmt.Sprintf("%s/%s/strict=%v", c.place, v, strict), func(t *testing.T) {
					rq := c.req(v, id)
					r := e.do(rq.method, rq.path, rq.body)
					if c.warning == "" || strict {
						status, scimType, detail := c.status, c.scimType, c.detail
						if c.warning != "" {
							status, scimType, detail = http.StatusBadRequest, "invalidSyntax", "strict mode"
						}
						requireError(t, r, status, scimType, detail)
						if !c.unnamed {
							// The name, or (a filter's error) the letter it stops at.
							require.Contains(t, r.str("detail"), strings.TrimFunc(v, func(r rune) bool { return r < 0x80 }), "the error names what it refuses")
						}
						return
					}
					require.Less(t, r.Code, 300, r.Raw)
					recent, err := ring.Recent(context.Background(), "", 1)
					require.NoError(t, err)
					require.Contains(t, recent[0].Warnings, strings.ReplaceAll(c.warning, "%s", v))
					if c.absent != "" {
						require.NotContains(t, r.Raw, c.absent, "the lookalike must not set the ASCII name")
					}
				})
			}
		}
	}
}
