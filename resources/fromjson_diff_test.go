package resources

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/internal/names"
)

// requireSameAsRef requires UserFromJSON and GroupFromJSON to give what
// the reference readers (fromjson_ref_test.go) give for data, and
// UserFromMap and GroupFromMap what the reference setters give for its
// decoded document: the same user or group, the same error.
func requireSameAsRef(t *testing.T, data []byte) {
	t.Helper()
	wantU, wantErr := refUserFromJSON(data)
	gotU, gotErr := UserFromJSON(data)
	requireSameResult(t, data, wantU, wantErr, gotU, gotErr)
	wantG, wantErr := refGroupFromJSON(data)
	gotG, gotErr := GroupFromJSON(data)
	requireSameResult(t, data, wantG, wantErr, gotG, gotErr)
	requireUnmarshalAgrees(t, data, gotU, gotG)
	// The decoded document's readers, whose setters are the same tables.
	doc, err := Decode(data)
	if err != nil {
		return
	}
	wantU, wantErr = refUserFromMap(doc)
	gotU, gotErr = UserFromMap(doc)
	requireSameResult(t, data, wantU, wantErr, gotU, gotErr)
	wantG, wantErr = refGroupFromMap(doc)
	gotG, gotErr = GroupFromMap(doc)
	requireSameResult(t, data, wantG, wantErr, gotG, gotErr)
}

// requireUnmarshalAgrees requires json.Unmarshal into a User and a Group
// (UnmarshalJSON, encoding/json's reading) to agree with UserFromJSON's
// u and GroupFromJSON's g for data whose names are spelled canonically
// (UnmarshalJSON also reads "Id" or "USERNAME", as a request is read;
// UserFromJSON reads a stored document, whose names are canonical): where
// UnmarshalJSON accepts data, they accept it too and read the same user
// (but for the values without a value UnmarshalJSON keeps, as
// encoding/json does, and UserFromJSON drops: compact) and the same
// group. Where it refuses data (a member given twice, namesOnce; a value
// of another type, encoding/json's error) they may read it, as a stored
// document is read.
func requireUnmarshalAgrees(t *testing.T, data []byte, u *User, g *Group) {
	t.Helper()
	if doc, err := Decode(data); err != nil || !canonicalSpelling(doc) {
		return
	}
	var wantU User
	if err := json.Unmarshal(data, &wantU); err == nil {
		require.NotNil(t, u, "UnmarshalJSON reads %s, UserFromJSON does not", data)
		wantU.compact()
		require.Equal(t, &wantU, u, "%s", data)
	}
	var wantG Group
	if err := json.Unmarshal(data, &wantG); err == nil {
		require.NotNil(t, g, "UnmarshalJSON reads %s, GroupFromJSON does not", data)
		wantG.compact()
		require.Equal(t, &wantG, g, "%s", data)
	}
}

// foldedNames maps each canonical name (canonicalNames) under the name
// fold to its spelling.
var foldedNames = func() map[string]string {
	m := make(map[string]string, len(canonicalNames))
	for k := range canonicalNames {
		m[names.Lower(k)] = k
	}
	return m
}()

// canonicalSpelling reports whether no name within v (a decoded document),
// at any depth, is a canonical name spelled otherwise ("Id", "USERNAME").
func canonicalSpelling(v any) bool {
	switch x := v.(type) {
	case map[string]any:
		for k, el := range x {
			if c, ok := foldedNames[names.Lower(k)]; ok && c != k || !canonicalSpelling(el) {
				return false
			}
		}
	case []any:
		for _, el := range x {
			if !canonicalSpelling(el) {
				return false
			}
		}
	}
	return true
}

func requireSameResult[T any](t *testing.T, data []byte, want *T, wantErr error, got *T, gotErr error) {
	t.Helper()
	if wantErr != nil {
		require.Error(t, gotErr, "%s", data)
		require.Equal(t, wantErr.Error(), gotErr.Error(), "%s", data)
		require.IsType(t, wantErr, gotErr, "%s", data)
		require.Nil(t, got)
		return
	}
	require.NoError(t, gotErr, "%s", data)
	require.Equal(t, want, got, "%s", data)
}

// diffSeeds are the documents FuzzFromJSONRef starts from: the package's
// fuzz seeds, the edge cases of TestFromJSONSameAsRef, documents as
// the stores write them, and every object of the provider conversations
// idptest replays (their request bodies and expected answers).
func diffSeeds(t testing.TB) [][]byte {
	var out [][]byte
	for _, s := range fuzzSeeds {
		out = append(out, []byte(s))
	}
	for _, tt := range fromJSONEdgeCases {
		out = append(out, []byte(tt.doc))
	}
	active := true
	at := time.Date(2024, 3, 1, 12, 0, 0, 123456789, time.FixedZone("", 3600))
	for _, v := range []any{
		&User{
			ID: "2819c223", ExternalID: "bjensen", UserName: "bjensen@example.com",
			Name:        &Name{Formatted: "Ms. Barbara J Jensen III", FamilyName: "Jensen", GivenName: "Barbara", HonorificSuffix: "III"},
			DisplayName: "Babs Jensen", Title: "Tour Guide", Active: &active, Locale: "en-US", Timezone: "America/Los_Angeles",
			Emails:       []MultiValue{{Value: "bjensen@example.com", Type: "work", Primary: Bool(true)}, {Value: "babs@jensen.org", Type: "home"}},
			PhoneNumbers: []MultiValue{{Value: "555-555-5555", Type: "work"}},
			Addresses:    []Address{{StreetAddress: "100 Universal City Plaza", Locality: "Hollywood", Region: "CA", PostalCode: "91608", Country: "USA", Type: "work", Primary: Bool(true)}},
			Roles:        []MultiValue{{Value: "admin", Display: "Admin"}},
			Enterprise: &EnterpriseUser{EmployeeNumber: "701984", Department: "Tour Operations",
				Manager: &Manager{Value: "26118915", DisplayName: "John Smith"},
				Extra:   map[string]json.RawMessage{"costCentreCode": json.RawMessage(`"7"`)}},
			Extensions: map[string]json.RawMessage{"urn:example:ext:1.0:User": json.RawMessage(`{"badge":"B-7","level":3}`)},
			Meta:       Meta{ResourceType: "User", Created: at, LastModified: at, Version: `W/"3"`, Location: "https://x/Users/2819c223"},
		},
		&Group{ID: "e9e30dba", DisplayName: "Tour Guides", Members: []Member{{Value: "2819c223", Type: "User", Display: "Babs"}},
			Meta: Meta{ResourceType: "Group", Version: `W/"1"`}},
	} {
		b, err := json.Marshal(v)
		require.NoError(t, err)
		out = append(out, b)
	}
	files, err := filepath.Glob("../idptest/conversations/*.json")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, name := range files {
		b, err := os.ReadFile(name)
		require.NoError(t, err)
		var conv any
		require.NoError(t, json.Unmarshal(b, &conv))
		eachObject(conv, func(m map[string]any) {
			b, err := json.Marshal(m)
			require.NoError(t, err)
			out = append(out, b)
		})
	}
	return out
}

// eachObject calls f with every object within v.
func eachObject(v any, f func(map[string]any)) {
	switch x := v.(type) {
	case map[string]any:
		f(x)
		for _, e := range x {
			eachObject(e, f)
		}
	case []any:
		for _, e := range x {
			eachObject(e, f)
		}
	}
}

// fromJSONEdgeCases are documents in shapes the typed reading leaves to
// the decoded one (or must read just as it does).
var fromJSONEdgeCases = []struct{ name, doc string }{
	{"null members", `{"userName":"u","id":null,"name":null,"emails":null,"active":null,"meta":null,"displayName":"d","displayName":null}`},
	{"null sub-attributes", `{"userName":"u","name":{"givenName":null,"familyName":"F"},"emails":[null,{"value":null,"primary":null},{"value":"e","type":null}]}`},
	{"empty arrays and objects", `{"userName":"u","emails":[],"addresses":[ ],"name":{},"meta":{},"members":[],"groups":[]}`},
	{"unicode escapes", `{"user\u004eame":"\u00e9\ud83d\ude00\ud800x","name":{"given\u004eame":"\u0041"},"emails":[{"val\u0075e":"a\/b\n"}]}`},
	{"invalid UTF-8", "{\"userName\":\"a\xffb\",\"name\":{\"givenName\":\"\xc3\"}}"},
	{"big numbers", `{"userName":"u","active":1e400,"emails":[{"value":12345678901234567890123,"primary":true}]}`},
	{"wrong types", `{"userName":["u"],"name":"n","emails":{"value":"e"},"active":"true","meta":[],"members":[1]}`},
	{"wrong type in an element", `{"userName":"u","emails":[{"value":"e"},"x"],"phoneNumbers":[{"primary":"yes","value":"p"}]}`},
	{"duplicate keys", `{"userName":"a","userName":"b","name":{"givenName":"G","givenName":null},"emails":[{"value":"a","value":"b"}]}`},
	{"duplicate keys, the first of the wrong type", `{"userName":"u","name":{"givenName":1,"givenName":"G"},"meta":{"version":"1","version":null}}`},
	{"names in another spelling", `{"Id":"0","USERNAME":"u","Name":{"GIVENNAME":"g"},"emails":[{"Value":"v"}]}`},
	{"keys in different letter case", `{"userName":"a","UserName":"b","USERNAME":"c","name":{"givenName":"g","GivenName":"h"},"Emails":[{"value":"x"}]}`},
	{"duplicate meta", `{"userName":"u","meta":{"version":"1","created":"2024-01-01T00:00:00Z"},"meta":{"lastModified":"2024-01-02T00:00:00+01:00","version":null}}`},
	{"bad time", `{"userName":"u","meta":{"created":"yesterday"}}`},
	{"qualified keys", `{"urn:ietf:params:scim:schemas:core:2.0:User:userName":"q","userName":"u","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department":"D"}`},
	{"URN after the core URN", `{"urn:ietf:params:scim:schemas:core:2.0:User:urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department":"x"}`},
	{"core URN after the core URN", `{"urn:ietf:params:scim:schemas:core:2.0:Group:urn:ietf:params:scim:schemas:core:2.0:Group:displayName":"g"}`},
	{"qualified group keys", `{"urn:ietf:params:scim:schemas:core:2.0:Group:displayName":"g","members":[{"value":"1"}]}`},
	{"unknown extension", `{"userName":"u","urn:acme:ext:User":{"a":[1,{"b":null}]},"URN:ACME:EXT:USER":1,"urn:other":null}`},
	{"enterprise usual", `{"userName":"u","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"D","manager":{"value":"m","$ref":"../Users/m","displayName":"M"},"x":{"y":1}}}`},
	{"enterprise odd shapes", `{"userName":"u","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":"m","Department":"x","department":7}}`},
	{"enterprise twice", `{"userName":"u","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"a"},"URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER":{"division":"b","division":null}}`},
	{"enterprise null and empty", `{"userName":"u","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":null,"urn:ietf:params:scim:schemas:extension:enterprise:2.0:user":{"manager":{"value":""}}}`},
	{"group", `{"displayName":"g","members":[{"value":"1","type":"User","$ref":"r","display":"d"},null,{"value":"2","x":1}],"meta":{"resourceType":"Group"}}`},
	{"not an object", `["userName"]`},
	{"invalid JSON", `{"userName":"u",}`},
	{"spaces", " { \"userName\" : \"u\" , \"emails\" : [ { \"value\" : \"e\" , \"primary\" : false } , null ] , \"name\" : { \"givenName\" : \"g\" } } "},
}

// TestFromJSONSameAsRef holds the readers to the reference on the edge
// cases, and on every seed FuzzFromJSONRef starts from.
func TestFromJSONSameAsRef(t *testing.T) {
	for _, tt := range fromJSONEdgeCases {
		t.Run(tt.name, func(t *testing.T) { requireSameAsRef(t, []byte(tt.doc)) })
	}
	for _, doc := range diffSeeds(t) {
		requireSameAsRef(t, doc)
	}
}

// FuzzFromJSONRef is the differential test of UserFromJSON and
// GroupFromJSON: on any text they give what the generic readers they
// replaced give (fromjson_ref_test.go), result and error, and what
// UnmarshalJSON gives wherever it reads the text (requireUnmarshalAgrees).
func FuzzFromJSONRef(f *testing.F) {
	for _, doc := range diffSeeds(f) {
		f.Add(doc)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		requireSameAsRef(t, data)
	})
}

// TestCanonicalSpelling holds the test's filter to what it says: a
// document that spells a canonical name otherwise, at any depth, is
// skipped by requireUnmarshalAgrees; one that spells them all as they
// are, or whose other names are not canonical names at all, is checked.
func TestCanonicalSpelling(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want bool
	}{
		{"canonical names", `{"id":"0","userName":"u","name":{"givenName":"g"},"emails":[{"value":"v"}]}`, true},
		{"no names", `{}`, true},
		{"names that are no canonical name", `{"userName":"u","badge":1,"urn:acme:ext:User":{"Level":2}}`, true},
		{"names in another spelling", fromJSONEdgeCases[indexOfEdgeCase(t, "names in another spelling")].doc, false},
		{"a top-level name", `{"Id":"0"}`, false},
		{"a sub-attribute", `{"name":{"GivenName":"g"}}`, false},
		{"in an element", `{"emails":[{"value":"a"},{"VALUE":"b"}]}`, false},
		{"in a nested array", `{"x":[[{"userName":"u","DisplayName":"d"}]]}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := Decode([]byte(tt.doc))
			require.NoError(t, err)
			require.Equal(t, tt.want, canonicalSpelling(doc))
		})
	}
}

// indexOfEdgeCase returns the index of the fromJSONEdgeCases case named name.
func indexOfEdgeCase(t *testing.T, name string) int {
	t.Helper()
	for i, tt := range fromJSONEdgeCases {
		if tt.name == name {
			return i
		}
	}
	require.Failf(t, "no such edge case", "%q", name)
	return -1
}
