package scim_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"testing"
)

// docAgreeSeeds are user documents with what filters and collations
// treat specially: case and accents, LIKE's wildcards and escape,
// empty and missing values, multi-valued attributes with and without
// type and primary, numbers and booleans sent as strings (Entra), the
// enterprise extension; each is fuzzed beside each filter seed.
var docAgreeSeeds = []string{
	`{"userName":"d1"}`,
	`{"userName":"D_%\\1","displayName":"Ä ß İ ı ǅ","title":"","nickName":"x\u0000y"}`,
	`{"userName":"d2","active":"False","emails":[{"value":"A@B.example","type":"WORK","primary":"True"},{"value":"","type":""}]}`,
	`{"userName":"d3","name":{"givenName":"ÉVA","familyName":""},"addresses":[{"locality":"berlin","primary":true},{"type":"work"}]}`,
	`{"userName":"d4","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":"0010","department":"ǅ","manager":"@alice"}}`,
	`{"userName":"d5","externalId":"2024-03-01T12:02:00Z","title":"100","phoneNumbers":[{"value":"+1 555"},{"value":"+1 555","type":"mobile"}]}`,
	`{"userName":"ﬃ","displayName":"\u212a","roles":[{"value":"a"},{"value":"A"}]}`,
}

// docAgreeFilters are the filter seeds FuzzDocumentAgree starts from.
var docAgreeFilters = []string{
	`userName eq "D1"`, `userName co "_%"`, `userName sw "d_"`, `displayName co "ss"`, `displayName eq "ä ß i̇ ı ǆ"`,
	`title eq ""`, `title pr`, `not (title pr)`, `active eq false`, `active pr`, `emails[type eq "work" and primary eq true]`,
	`emails.value eq ""`, `emails.type pr`, `name.familyName pr`, `addresses[primary eq true].locality eq "BERLIN"`,
	entURN + `:employeeNumber gt "9"`, entURN + `:manager.value eq "@alice"`, `externalId gt "2024-03-01T12:01:00Z"`,
	`title gt 99`, `phoneNumbers[type pr].value sw "+1"`, `userName eq "FFI"`, `displayName eq "k"`, `roles eq "A"`,
	`nickName co "y"`, `displayName ew "İ ı ǆ"`, `displayName ew "Ǆ"`, `displayName co "SS İ"`, `displayName ew "k"`,
}

// docMatch is how a site answered FuzzDocumentAgree's requests: the
// creation's status and scimType and, when it created the user, the
// search's, and whether the search found the user.
type docMatch struct {
	create, search string
	found          bool
}

// FuzzDocumentAgree is FuzzFilterAgree with the document fuzzed as well
// as the filter: each site creates the fuzzed user (placeholders named
// as in every request fuzzer), searches its users with the fuzzed filter
// and deletes the user again, and every SQL store must answer as the
// memory store (store/query's evaluator) does: the same status and
// scimType for the creation and the search, and the new user found by
// the filter on one store exactly when on the other. FuzzFilterAgree's
// data set is fixed; here the values the SQL a filter compiles to meets
// (and the order of the elements of a multi-valued attribute) are the
// fuzzer's.
func FuzzDocumentAgree(f *testing.F) {
	for i, d := range docAgreeSeeds {
		for j, q := range docAgreeFilters {
			if (i+j)%3 == 0 {
				f.Add(d, q)
			}
		}
	}
	ref := newFuzzSite(f, "memory")
	others := fuzzSites(f, "sqlite", "postgres")
	f.Fuzz(func(t *testing.T, doc, filter string) {
		search, err := json.Marshal(map[string]any{"filter": filter, "attributes": []string{"id"}, "count": 100})
		if err != nil {
			t.Skip()
		}
		same := comparable("", doc+" "+filter)
		want := ref.matchDocument(t, doc, string(search))
		for _, s := range others {
			got := s.matchDocument(t, doc, string(search))
			if same && got != want {
				t.Fatalf("user %s, filter %s:\nmemory: %+v\n%s: %+v", doc, filter, want, s.name, got)
			}
		}
	})
}

// matchDocument creates the user doc on s, sends the search body (a
// SearchRequest) to /Users/.search, deletes the user and reports how the
// site answered; every answer must be one the handler may give
// (checkAnswer).
func (s *fuzzSite) matchDocument(t *testing.T, doc, search string) docMatch {
	t.Helper()
	doc, search = s.named(doc), s.named(search)
	s.logs.Reset()
	rec := s.send("POST", "/Users", "", doc)
	s.checkAnswer(t, "POST", "/Users", "", doc, rec)
	m := docMatch{create: strconv.Itoa(rec.Code) + " " + scimType(rec)}
	if rec.Code != http.StatusCreated {
		return m
	}
	var u struct{ ID string }
	if err := json.Unmarshal(rec.Body.Bytes(), &u); err != nil || u.ID == "" {
		t.Fatalf("%s: POST /Users %s: %v %s", s.name, doc, err, rec.Body)
	}
	defer func() {
		if d := s.send("DELETE", "/Users/"+u.ID, "", ""); d.Code != http.StatusNoContent {
			t.Fatalf("%s: delete the new user: %d %s", s.name, d.Code, d.Body)
		}
	}()
	res := s.send("POST", "/Users/.search", "", search)
	s.checkAnswer(t, "POST", "/Users/.search", "", search, res)
	m.search = strconv.Itoa(res.Code) + " " + scimType(res)
	var list struct{ Resources []struct{ ID string } }
	_ = json.Unmarshal(res.Body.Bytes(), &list)
	m.found = slices.ContainsFunc(list.Resources, func(r struct{ ID string }) bool { return r.ID == u.ID })
	return m
}
