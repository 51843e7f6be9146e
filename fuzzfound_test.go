package scim_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/admin"
)

// TestFuzzFindings holds what the request fuzzers found (FuzzRequests,
// FuzzStoresAgree, FuzzFilterAgree), each answered as it must be on
// every request, not only on the store the fuzzer saw it on.
func TestFuzzFindings(t *testing.T) {
	cases := []struct {
		name, method, path, body string
		status                   int
		scimType, detail         string
	}{
		{
			// Found by FuzzStoresAgree: the operation's "data" came from
			// whichever spelling the map's iteration met last, so one
			// request got two answers.
			name: "bulk operation member in two spellings", method: "POST", path: "/Bulk",
			body:   `{"Operations":[{"method":"POST","path":"/Groups","bulkId":"0","data":"X1","dAtA":{"displayName":"x"}}]}`,
			status: http.StatusBadRequest, scimType: "invalidSyntax", detail: `Operations[0]: the member "data" is given twice`,
		},
		{
			name: "bulk request member in two spellings", method: "POST", path: "/Bulk",
			body:   `{"Operations":[],"operations":[{"method":"DELETE","path":"/Users/x"}]}`,
			status: http.StatusBadRequest, scimType: "invalidSyntax", detail: `is given twice`,
		},
		{
			name: "search request member in two spellings", method: "POST", path: "/Users/.search",
			body:   `{"filter":"userName eq \"a\"","FILTER":"userName pr"}`,
			status: http.StatusBadRequest, scimType: "invalidSyntax", detail: `the member "filter" is given twice`,
		},
		{
			// More than jsonscan.SmallObject (16) members take messageKeys' other path.
			name: "search request of many members, one in two spellings", method: "POST", path: "/.search",
			body:   `{"a1":1,"a2":1,"a3":1,"a4":1,"a5":1,"a6":1,"a7":1,"a8":1,"a9":1,"b1":1,"b2":1,"b3":1,"b4":1,"b5":1,"b6":1,"sortBy":"x","SORTBY":"y"}`,
			status: http.StatusBadRequest, scimType: "invalidSyntax", detail: `is given twice`,
		},
		{
			// Names are one member when their lower cases are, as the
			// readers classify them: "ſortBy" (a long s) folds to
			// "sortBy" under strings.EqualFold but is no member.
			name: "search request with a look-alike member", method: "POST", path: "/.search",
			body:   `{"sortBy":"userName","ſortBy":"x"}`,
			status: http.StatusBadRequest, scimType: "invalidSyntax", detail: `"ſortBy" is not a SearchRequest attribute`,
		},
		{
			// Two errors in one body: the members are checked in a fixed
			// order, so the same one answers every time.
			name: "search request with two bad members", method: "POST", path: "/.search",
			body:   `{"count":"x","zzz":1}`,
			status: http.StatusBadRequest, scimType: "invalidValue", detail: `"count" must be an integer`,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			for range 8 { // map iteration order is random: ask several times
				requireError(t, e.do(c.method, c.path, c.body), c.status, c.scimType, c.detail)
			}
		})
	}
}

// TestBodyWalkDeterministic sends bodies with two faults each, where a
// walk of the decoded body in Go map order would let either fault answer
// (map order changes from run to run), and requires one answer, byte for
// byte, every time: the fault whose name sorts first
// (jsonscan.SortedKeys), at every depth a body is walked.
func TestBodyWalkDeterministic(t *testing.T) {
	const ent = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	strict := func(c *scim.Config) { c.Strict = true }
	cases := []struct {
		name, method, path, body string
		strict                   bool
		status                   int
		scimType, detail         string
	}{
		{
			name: "two NUL values (checkValues)", method: "POST", path: "/Users",
			body:   `{"userName":"u\u0000","displayName":"d\u0000","title":"t\u0000"}`,
			status: http.StatusBadRequest, scimType: "invalidValue", detail: `attribute "displayName" contains a NUL`,
		},
		{
			name: "two NUL sub-attributes (walkValues)", method: "POST", path: "/Users",
			body:   `{"userName":"u","name":{"givenName":"g\u0000","familyName":"f\u0000","middleName":"m\u0000"}}`,
			status: http.StatusBadRequest, scimType: "invalidValue", detail: `attribute "name.familyName" contains a NUL`,
		},
		{
			name: "two NUL extension values (checkValues)", method: "POST", path: "/Users",
			body:   `{"userName":"u","` + ent + `":{"division":"v\u0000","department":"d\u0000","costCenter":"c\u0000"}}`,
			status: http.StatusBadRequest, scimType: "invalidValue", detail: `attribute "` + ent + `:costCenter" contains a NUL`,
		},
		{
			name: "two values of the wrong type (Normalize)", method: "POST", path: "/Users",
			body:   `{"userName":"u","title":5,"active":"maybe","nickName":true}`,
			status: http.StatusBadRequest, scimType: "invalidValue", detail: `active`,
		},
		{
			name: "two sub-attributes of the wrong type (normalizeObject)", method: "POST", path: "/Users",
			body:   `{"userName":"u","name":{"givenName":5,"familyName":true,"middleName":1}}`,
			status: http.StatusBadRequest, scimType: "invalidValue", detail: `name.familyName`,
		},
		{
			name: "two extension values of the wrong type (normalizeObject)", method: "POST", path: "/Users",
			body:   `{"userName":"u","` + ent + `":{"division":5,"department":true,"costCenter":1}}`,
			status: http.StatusBadRequest, scimType: "invalidValue", detail: `costCenter`,
		},
		{
			name: "two unknown attributes under strict mode", method: "POST", path: "/Users", strict: true,
			body:   `{"userName":"u","zeta":1,"alpha":1,"mu":1}`,
			status: http.StatusBadRequest, scimType: "invalidSyntax", detail: `alpha`,
		},
		{
			name: "two unknown sub-attributes under strict mode", method: "POST", path: "/Users", strict: true,
			body:   `{"userName":"u","name":{"zeta":1,"alpha":1,"mu":1}}`,
			status: http.StatusBadRequest, scimType: "invalidSyntax", detail: `name.alpha`,
		},
		{
			name: "core schema object with two faults", method: "POST", path: "/Users",
			body:   `{"urn:ietf:params:scim:schemas:core:2.0:User":{"userName":"u","title":5,"active":"maybe","nickName":true}}`,
			status: http.StatusBadRequest, scimType: "invalidValue", detail: `active`,
		},
		{
			name: "PATCH value object with two faults", method: "PATCH", path: "/Users/@u",
			body:   `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"title":5,"active":"maybe","nickName":true}}]}`,
			status: http.StatusBadRequest, scimType: "invalidValue", detail: `active`,
		},
		{
			name: "PATCH complex value with two faults", method: "PATCH", path: "/Users/@u",
			body:   `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"name","value":{"givenName":5,"familyName":true,"middleName":1}}]}`,
			status: http.StatusBadRequest, scimType: "invalidValue", detail: `name.familyName`,
		}, {
			name: "PATCH value object naming an attribute in two spellings", method: "PATCH", path: "/Users/@u",
			body:   `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","value":{"title":"x","TITLE":"y"}}]}`,
			status: http.StatusBadRequest, scimType: "invalidSyntax", detail: `"title" in the value is given more than once`,
		},
		{
			// The members-only fast path took whichever spelling Go's map
			// order gave last.
			name: "PATCH value object naming members in two spellings", method: "PATCH", path: "/Groups/@g",
			body:   `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","value":{"members":[{"value":"@u"}],"Members":[{"value":"@v"}]}}]}`,
			status: http.StatusBadRequest, scimType: "invalidSyntax", detail: `"members" in the value`,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var opts []option
			if c.strict {
				opts = append(opts, strict)
			}
			e := newEnv(t, opts...)
			path, body := c.path, c.body
			for _, ref := range []string{"@u", "@v"} {
				if strings.Contains(path+body, ref) {
					r := e.do("POST", "/Users", `{"userName":"someone`+ref+`"}`)
					require.Equal(t, http.StatusCreated, r.Code, r.Raw)
					path = strings.ReplaceAll(path, ref, r.str("id"))
					body = strings.ReplaceAll(body, ref, r.str("id"))
				}
			}
			if strings.Contains(path, "@g") {
				r := e.do("POST", "/Groups", `{"displayName":"some group"}`)
				require.Equal(t, http.StatusCreated, r.Code, r.Raw)
				path = strings.ReplaceAll(path, "@g", r.str("id"))
			}
			first := e.do(c.method, path, body)
			requireError(t, first, c.status, c.scimType, c.detail)
			for range 20 { // map iteration order is random: ask many times
				r := e.do(c.method, path, body)
				require.Equal(t, first.Code, r.Code)
				require.Equal(t, first.Raw, r.Raw)
			}
		})
	}
}

// TestWarningOrderDeterministic requires the request log's warnings for a
// body with several bends in one order, every time: the order the
// attributes' names sort in, at each depth.
func TestWarningOrderDeterministic(t *testing.T) {
	cases := []struct {
		name, body string
		want       []string
	}{
		{
			name: "unknown attributes",
			body: `{"userName":"w","zeta":1,"alpha":1,"mu":1}`,
			want: []string{`ignored unknown attribute "alpha"`, `ignored unknown attribute "mu"`, `ignored unknown attribute "zeta"`, `"schemas" missing; taken as a User`},
		},
		{
			name: "unknown sub-attributes",
			body: `{"userName":"w","name":{"zeta":1,"alpha":1,"givenName":"g","mu":1}}`,
			want: []string{`ignored unknown attribute "name.alpha"`, `ignored unknown attribute "name.mu"`, `ignored unknown attribute "name.zeta"`, `"schemas" missing; taken as a User`},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ring := admin.NewRequestRing(1)
			e := newEnv(t, func(cfg *scim.Config) { cfg.RequestLog = ring })
			for range 20 { // map iteration order is random: ask many times
				r := e.do("POST", "/Users", c.body)
				require.Equal(t, http.StatusCreated, r.Code, r.Raw)
				recent, err := ring.Recent(context.Background(), "", 1)
				require.NoError(t, err)
				require.Equal(t, c.want, recent[0].Warnings)
				require.Equal(t, http.StatusNoContent, e.do("DELETE", "/Users/"+r.str("id"), nil).Code)
			}
		})
	}
}

// TestBulkRefsDeterministic requires one answer, byte for byte, to a bulk
// request whose operation's data refers to several bulkIds: which
// unresolved one is reported, and the order a cycle's are listed in, come
// from data's members in sorted order, not Go's map order.
func TestBulkRefsDeterministic(t *testing.T) {
	const g = `"method":"POST","path":"/Groups"`
	cases := []struct{ name, body, detail string }{
		{
			name:   "two unresolved bulkIds",
			body:   `{"Operations":[{` + g + `,"bulkId":"x","data":{"externalId":"bulkId:aa","displayName":"bulkId:zz"}}]}`,
			detail: `bulkId \"zz\" is not the bulkId of any operation`,
		},
		{
			name: "a cycle through two bulkIds",
			body: `{"Operations":[{` + g + `,"bulkId":"a","data":{"externalId":"bulkId:c","displayName":"bulkId:b"}},` +
				`{` + g + `,"bulkId":"b","data":{"displayName":"bulkId:a"}},{` + g + `,"bulkId":"c","data":{"displayName":"bulkId:a"}}]}`,
			detail: `form a cycle (b, c)`,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			body := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],` + c.body[1:]
			first := e.do("POST", "/Bulk", body)
			require.Equal(t, http.StatusOK, first.Code, first.Raw)
			require.Contains(t, first.Raw, c.detail)
			for range 20 { // map iteration order is random: ask many times
				r := e.do("POST", "/Bulk", body)
				require.Equal(t, first.Raw, r.Raw)
			}
		})
	}
}

// TestMemberSelectedByExactID: a group PATCH that selects a member by its
// id selects it exactly, as the store resolves member ids, whether the
// request goes to the store as a member change (a filter of value eq
// alone, a removal listing values) or is applied to the whole group (a
// filter that also names type or display, a PATCH that also renames).
// Found by probing FuzzStoresAgree's placeholders with an id in upper
// case: the first kind removed nothing, the second removed the member.
func TestMemberSelectedByExactID(t *testing.T) {
	cases := []struct{ name, ops string }{
		{"value eq", `{"op":"remove","path":"members[value eq \"@U\"]"}`},
		{"value eq and type", `{"op":"remove","path":"members[value eq \"@U\" and type eq \"User\"]"}`},
		{"value eq or display", `{"op":"remove","path":"members[value eq \"@U\" or display eq \"nobody\"]"}`},
		{"listed", `{"op":"Remove","path":"members","value":[{"value":"@U"}]}`},
		{"listed, with a rename", `{"op":"Remove","path":"members","value":[{"value":"@U"}]},{"op":"replace","path":"displayName","value":"renamed"}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			u := e.do("POST", "/Users", `{"userName":"member"}`)
			require.Equal(t, http.StatusCreated, u.Code, u.Raw)
			id := u.str("id")
			require.NotEqual(t, id, strings.ToUpper(id))
			g := e.do("POST", "/Groups", `{"displayName":"g","members":[{"value":"`+id+`"}]}`)
			require.Equal(t, http.StatusCreated, g.Code, g.Raw)
			ops := strings.ReplaceAll(c.ops, "@U", strings.ToUpper(id))
			r := e.do("PATCH", "/Groups/"+g.str("id"), `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[`+ops+`]}`)
			require.Less(t, r.Code, 300, r.Raw)
			got := e.do("GET", "/Groups/"+g.str("id"), nil)
			require.Equal(t, http.StatusOK, got.Code, got.Raw)
			require.Contains(t, got.Raw, `"value":"`+id+`"`)
		})
	}
}
