package scim_test

import (
	"net/http"
	"testing"
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
