package resources

import (
	"encoding/json"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The direct conversions of convert.go must give exactly what the JSON
// route gave before them: encode the resource and decode the JSON
// (ToMap), or encode the document and decode it into the resource
// (UserFromMap, GroupFromMap). These are that route, kept as the reference.

func toMapJSON(v any) (map[string]any, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return Decode(data)
}

func userFromMapJSON(doc map[string]any) (*User, error) {
	data, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	u := new(User)
	if err := json.Unmarshal(data, u); err != nil {
		return nil, err
	}
	u.compact()
	return u, nil
}

func groupFromMapJSON(doc map[string]any) (*Group, error) {
	data, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	g := new(Group)
	if err := json.Unmarshal(data, g); err != nil {
		return nil, err
	}
	g.compact()
	return g, nil
}

// requireSameToMap requires ToMap(v) to equal the JSON route, error or not.
func requireSameToMap(t *testing.T, v any) map[string]any {
	t.Helper()
	want, wantErr := toMapJSON(v)
	got, err := ToMap(v)
	if wantErr != nil {
		require.Error(t, err, "the JSON route fails with %v", wantErr)
		return nil
	}
	require.NoError(t, err)
	require.Equal(t, want, got)
	return got
}

func requireSameUser(t *testing.T, doc map[string]any) *User {
	t.Helper()
	want, wantErr := userFromMapJSON(doc)
	got, err := UserFromMap(doc)
	if wantErr != nil {
		require.Error(t, err, "the JSON route fails with %v", wantErr)
		return nil
	}
	require.NoError(t, err)
	require.Equal(t, want, got)
	return got
}

func requireSameGroup(t *testing.T, doc map[string]any) *Group {
	t.Helper()
	want, wantErr := groupFromMapJSON(doc)
	got, err := GroupFromMap(doc)
	if wantErr != nil {
		require.Error(t, err, "the JSON route fails with %v", wantErr)
		return nil
	}
	require.NoError(t, err)
	require.Equal(t, want, got)
	return got
}

const testExt = "urn:example:params:scim:schemas:extension:acme:2.0:User"

func richUser() *User {
	active := true
	at := time.Date(2024, 3, 1, 12, 0, 0, 123456789, time.FixedZone("CET", 3600))
	mv := func(p string) []MultiValue {
		return []MultiValue{{Value: p + "1", Display: "D", Type: "work", Primary: Bool(true)}, {Value: p + "2", Type: "home"}, {Display: "only display"}}
	}
	return &User{
		ID: "2819c223", ExternalID: "ext-1", UserName: "bjensen@example.com",
		Name: &Name{Formatted: "Ms. Barbara J Jensen III", FamilyName: "Jensen", GivenName: "Barbara",
			MiddleName: "Jane", HonorificPrefix: "Ms.", HonorificSuffix: "III"},
		DisplayName: "Babs", NickName: "B", ProfileURL: "https://x/b", Title: "Guide", UserType: "Employee",
		PreferredLanguage: "en-US", Locale: "en-US", Timezone: "America/Los_Angeles", Active: &active, Password: "secret",
		Emails: mv("e"), PhoneNumbers: mv("p"), IMs: mv("i"), Photos: mv("ph"),
		Addresses:    []Address{{Formatted: "f", StreetAddress: "s", Locality: "l", Region: "r", PostalCode: "pc", Country: "US", Type: "work", Primary: Bool(true)}, {Type: "home"}},
		Groups:       []GroupRef{{Value: "g1", Ref: "https://x/Groups/g1", Display: "G", Type: "direct"}, {}},
		Entitlements: mv("en"), Roles: mv("r"), X509Certificates: mv("x"),
		Enterprise: &EnterpriseUser{EmployeeNumber: "701984", CostCenter: "4130", Organization: "Universal", Division: "Theme Park",
			Department: "Tour Operations", Manager: &Manager{Value: "26118915", Ref: "../Users/26118915", DisplayName: "John Smith"},
			Extra: map[string]json.RawMessage{"costCentreCode": json.RawMessage(`"7"`), "nested": json.RawMessage(` {"a": [1, 2.50, -0, 1e400, 12345678901234567890], "b": null} `)}},
		Extensions: map[string]json.RawMessage{
			testExt:             json.RawMessage(`{"badge":"B-7","level":3,"tags":["a","b"],"devices":[{"serial":"S"}]}`),
			"urn:example:other": json.RawMessage(`{}`),
		},
		Meta: Meta{ResourceType: "User", Created: at, LastModified: at.Add(time.Hour), Location: "https://x/Users/2819c223", Version: `W/"3"`},
	}
}

func TestToMapMatchesJSON(t *testing.T) {
	inactive := false
	users := []struct {
		name string
		u    *User
	}{
		{"rich", richUser()},
		{"zero", &User{}},
		{"empty values", &User{
			UserName: "", Name: &Name{}, Active: &inactive,
			Emails: []MultiValue{}, Groups: []GroupRef{{}}, Addresses: []Address{{}},
			Enterprise: &EnterpriseUser{Manager: &Manager{}, Extra: map[string]json.RawMessage{"nothing": nil}},
			Extensions: map[string]json.RawMessage{testExt: nil, "urn:example:scalar": json.RawMessage(`7`)},
		}},
		{"empty extension maps", &User{UserName: "a", Enterprise: &EnterpriseUser{Extra: map[string]json.RawMessage{}}, Extensions: map[string]json.RawMessage{}}},
		{"unicode and escapes", &User{
			UserName: "ünïcødé 🎉 <a&b> \u2028\u2029 \"q\" \\ \t\x01", DisplayName: "bad \xff\xfe utf-8 \xe2\x82",
			Emails:     []MultiValue{{Value: "日本@例え.jp"}},
			Extensions: map[string]json.RawMessage{"urn:example:\xffkey": json.RawMessage(`{"k\u00e9":"\u00e9"}`)},
		}},
		{"meta location only", &User{UserName: "a", Meta: Meta{Location: "/Users/1"}}},
		{"meta of a zero time in a zone", &User{UserName: "a", Meta: Meta{Created: time.Time{}.In(time.FixedZone("X", 3600))}}},
		{"meta created in UTC", &User{UserName: "a", Meta: Meta{Created: time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)}}},
		{"time out of range", &User{UserName: "a", Meta: Meta{Created: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}}},
		{"invalid extension JSON", &User{UserName: "a", Extensions: map[string]json.RawMessage{testExt: json.RawMessage(`{`)}}},
		{"trailing data in an extension", &User{UserName: "a", Extensions: map[string]json.RawMessage{testExt: json.RawMessage(`{} {}`)}}},
		{"invalid enterprise extra", &User{UserName: "a", Enterprise: &EnterpriseUser{Extra: map[string]json.RawMessage{"x": json.RawMessage(`nope`)}}}},
		{"extra repeats a field", &User{UserName: "a", Enterprise: &EnterpriseUser{Department: "D", Extra: map[string]json.RawMessage{"department": json.RawMessage(`"E"`)}}}},
	}
	for _, tt := range users {
		t.Run("user/"+tt.name, func(t *testing.T) {
			requireSameToMap(t, tt.u)
			requireSameToMap(t, *tt.u)
		})
	}
	groups := []struct {
		name string
		g    *Group
	}{
		{"rich", &Group{ID: "g", ExternalID: "e", DisplayName: "Tour Guides",
			Members:    []Member{{Value: "u1", Ref: "https://x/Users/u1", Type: "User", Display: "U"}, {}},
			Extensions: map[string]json.RawMessage{"urn:example:g": json.RawMessage(`{"n":1.0}`)},
			Meta:       Meta{ResourceType: "Group", Created: time.Unix(1700000000, 5).UTC(), Version: `W/"1"`}}},
		{"zero", &Group{}},
		{"empty members", &Group{DisplayName: "G", Members: []Member{}}},
		{"null extension", &Group{DisplayName: "G", Extensions: map[string]json.RawMessage{"urn:example:g": nil}}},
	}
	for _, tt := range groups {
		t.Run("group/"+tt.name, func(t *testing.T) {
			requireSameToMap(t, tt.g)
			requireSameToMap(t, *tt.g)
		})
	}
}

func TestToMapRejectsOtherValues(t *testing.T) {
	for _, v := range []any{nil, (*User)(nil), (*Group)(nil), map[string]any{}, "x"} {
		_, err := ToMap(v)
		assert.Error(t, err, "%T", v)
	}
}

func TestFromMapMatchesJSON(t *testing.T) {
	users := []struct{ name, doc string }{
		{"rich, from ToMap", ""},
		{"empty object", `{}`},
		{"schemas and unknown keys ignored", `{"schemas":["x"],"userName":"a","shoeSize":9}`},
		{"nulls", `{"userName":null,"name":null,"active":null,"emails":null,"meta":null,"` + EnterpriseUserSchema + `":null,"` + testExt + `":null}`},
		{"empty lists", `{"userName":"a","emails":[],"addresses":[],"groups":[]}`},
		{"null elements", `{"userName":"a","emails":[null,{"value":"e","primary":null}],"groups":[null],"addresses":[null]}`},
		{"values that compact away", `{"userName":"a","name":{"givenName":""},"emails":[{"type":"work","primary":true}],
			"addresses":[{"type":"work"}],"` + EnterpriseUserSchema + `":{"department":"","manager":{"value":"","displayName":"M"}}}`},
		{"manager without value", `{"userName":"a","` + EnterpriseUserSchema + `":{"manager":{"$ref":"r"}}}`},
		{"enterprise extra only", `{"userName":"a","` + EnterpriseUserSchema + `":{"custom":{"a":[1,2.5e3,true,null]},"Department2":"x"}}`},
		{"extensions", `{"userName":"a","` + testExt + `":{"badge":"<b>","n":1e400,"u":"\u2028"},"urn:example:scalar":[1]}`},
		{"core schema key ignored", `{"userName":"a","` + UserSchema + `":{"title":"x"}}`},
		{"meta", `{"userName":"a","meta":{"resourceType":"User","created":"2024-03-01T12:00:00.123456789+01:00","lastModified":"2024-03-01T11:00:00Z","location":"l","version":"v"}}`},
		{"read-only values", `{"id":"1","userName":"a","groups":[{"value":"g","$ref":"r","display":"G","type":"direct"}]}`},
		{"wrong type: userName", `{"userName":7}`},
		{"wrong type: active", `{"active":"true"}`},
		{"wrong type: name", `{"name":"x"}`},
		{"wrong type: name.givenName", `{"name":{"givenName":true}}`},
		{"wrong type: emails", `{"emails":"x"}`},
		{"wrong type: email element", `{"emails":["x"]}`},
		{"wrong type: primary", `{"emails":[{"primary":"true"}]}`},
		{"wrong type: meta", `{"meta":[]}`},
		{"bad time", `{"meta":{"created":"yesterday"}}`},
		{"time with a space", `{"meta":{"created":"2024-03-01 12:00:00Z"}}`},
		{"wrong type: enterprise", `{"` + EnterpriseUserSchema + `":"x"}`},
		{"wrong type: manager", `{"` + EnterpriseUserSchema + `":{"manager":7}}`},
		{"wrong type: department", `{"` + EnterpriseUserSchema + `":{"department":[]}}`},
	}
	for _, tt := range users {
		t.Run("user/"+tt.name, func(t *testing.T) {
			var doc map[string]any
			if tt.doc == "" {
				var err error
				doc, err = ToMap(richUser())
				require.NoError(t, err)
			} else {
				var err error
				doc, err = Decode([]byte(tt.doc))
				require.NoError(t, err)
			}
			requireSameUser(t, doc)
		})
	}

	groups := []struct{ name, doc string }{
		{"empty object", `{}`},
		{"full", `{"schemas":["` + GroupSchema + `"],"id":"g","externalId":"e","displayName":"G","members":[{"value":"u","$ref":"r","type":"User","display":"U"},null],
			"meta":{"created":"2024-03-01T12:00:00Z"},"urn:example:g":{"n":1},"` + EnterpriseUserSchema + `":{"department":"D"},"` + GroupSchema + `":{"displayName":"x"}}`},
		{"empty members", `{"displayName":"G","members":[]}`},
		{"null members", `{"displayName":"G","members":null}`},
		{"wrong type: members", `{"members":{"value":"u"}}`},
		{"wrong type: member value", `{"members":[{"value":1}]}`},
	}
	for _, tt := range groups {
		t.Run("group/"+tt.name, func(t *testing.T) {
			doc, err := Decode([]byte(tt.doc))
			require.NoError(t, err)
			requireSameGroup(t, doc)
		})
	}
}

func TestFromMapReadsCanonicalNamesOnly(t *testing.T) {
	// Documents carry canonical names (Normalize sees to it); the JSON
	// route also matched other spellings, the direct one ignores them, and
	// never takes them for enterprise attributes of its own.
	doc, err := Decode([]byte(`{"USERNAME":"a","userName":"b","` + EnterpriseUserSchema + `":{"DEPARTMENT":"x","custom":"c"}}`))
	require.NoError(t, err)
	u, err := UserFromMap(doc)
	require.NoError(t, err)
	assert.Equal(t, "b", u.UserName)
	assert.Equal(t, &EnterpriseUser{Extra: map[string]json.RawMessage{"custom": json.RawMessage(`"c"`)}}, u.Enterprise)
}

func TestFromMapValuesEncodingJSONCannotEncode(t *testing.T) {
	// A document value json.Marshal rejects fails in both routes.
	_, err := UserFromMap(map[string]any{testExt: map[string]any{"x": math.NaN()}})
	assert.Error(t, err)
	_, err = userFromMapJSON(map[string]any{testExt: map[string]any{"x": math.NaN()}})
	assert.Error(t, err)
	_, err = UserFromMap(map[string]any{"userName": math.Inf(1)})
	var ae *AttrError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, "userName", ae.Path)
	_, err = UserFromMap(map[string]any{"emails": []any{map[string]any{"value": 1.5}}})
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, `attribute "emails.value": must be a string, got the number 1.5`, err.Error())
}

// fuzzExt is a host extension for the fuzz targets: attributes of each
// kind, and unknown attributes are kept as sent.
func fuzzExt(id string) *Schema {
	s, err := NewSchema(id, "Acme", "",
		&Attribute{Name: "badge", Type: TypeString},
		&Attribute{Name: "level", Type: TypeInteger},
		&Attribute{Name: "ratio", Type: TypeDecimal},
		&Attribute{Name: "since", Type: TypeDateTime},
		&Attribute{Name: "tags", Type: TypeString, MultiValued: true},
		&Attribute{Name: "devices", Type: TypeComplex, MultiValued: true, SubAttributes: []*Attribute{{Name: "serial", Type: TypeString}}},
	)
	if err != nil {
		panic(err)
	}
	return s
}

var fuzzSeeds = []string{
	`{"userName":"a"}`,
	`{"userName":"bjensen","name":{"givenName":"B","familyName":""},"active":"True","emails":[{"value":"e","primary":true},{"type":"x"}],
	  "addresses":{"type":"work","country":"US"},"x509Certificates":[{"value":"MII"}],"title":null}`,
	`{"USERNAME":"a","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":"m","custom":[1,{"a":null}],"department":"D"}}`,
	`{"userName":"a","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter":"7","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":null}`,
	`{"userName":"a","` + testExt + `":{"badge":"\u00e9","level":3,"tags":"t","devices":[{"serial":"s"},null],"other":{"deep":[1e400]}}}`,
	`{"displayName":"G","members":[{"value":"u","type":"User"},{"value":""}],"` + testExt + `":{}}`,
	`{"displayName":"G","members":[],"externalId":"\ud83d\ude00"}`,
}

// FuzzUserDoc decodes and normalises random JSON as a user and requires
// the direct conversions to give what the JSON route gives, both ways.
func FuzzUserDoc(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	rt := NewUserType(fuzzExt(testExt))
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := Decode(data)
		if err != nil {
			return
		}
		doc, err = rt.Normalize(doc, nil)
		if err != nil {
			return
		}
		u := requireSameUser(t, doc)
		if u == nil {
			return
		}
		back := requireSameToMap(t, u)
		requireSameToMap(t, *u)
		if back != nil {
			requireSameUser(t, back)
		}
	})
}

// FuzzGroupDoc is FuzzUserDoc for groups.
func FuzzGroupDoc(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	rt := NewGroupType(fuzzExt("urn:example:params:scim:schemas:extension:acme:2.0:Group"))
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := Decode(data)
		if err != nil {
			return
		}
		doc, err = rt.Normalize(doc, nil)
		if err != nil {
			return
		}
		g := requireSameGroup(t, doc)
		if g == nil {
			return
		}
		back := requireSameToMap(t, g)
		requireSameToMap(t, *g)
		if back != nil {
			requireSameGroup(t, back)
		}
	})
}

func TestEqualDocs(t *testing.T) {
	base := func() map[string]any {
		return map[string]any{"a": "x", "n": json.Number("1.50"), "b": true, "z": nil,
			"l": []any{map[string]any{"v": "1"}, "s"}, "m": map[string]any{"k": []any{}}}
	}
	assert.True(t, EqualDocs(base(), base()))
	assert.True(t, EqualDocs(map[string]any{}, map[string]any{}))
	// A number is its value, however it is spelled (RFC 7643 §2.3.3).
	for _, n := range []json.Number{"1.5", "15e-1", "0.150E1"} {
		b := base()
		b["n"] = n
		assert.True(t, EqualDocs(base(), b), "%s", n)
	}
	for name, change := range map[string]func(m map[string]any){
		"string":        func(m map[string]any) { m["a"] = "y" },
		"number":        func(m map[string]any) { m["n"] = json.Number("1.51") },
		"bool":          func(m map[string]any) { m["b"] = false },
		"nil to string": func(m map[string]any) { m["z"] = "" },
		"extra key":     func(m map[string]any) { m["new"] = nil },
		"missing key":   func(m map[string]any) { delete(m, "z") },
		"list length":   func(m map[string]any) { m["l"] = []any{map[string]any{"v": "1"}} },
		"nested value":  func(m map[string]any) { m["l"].([]any)[0].(map[string]any)["v"] = "2" },
		"list to map":   func(m map[string]any) { m["m"].(map[string]any)["k"] = map[string]any{} },
		"type change":   func(m map[string]any) { m["a"] = json.Number("1") },
	} {
		t.Run(name, func(t *testing.T) {
			b := base()
			change(b)
			assert.False(t, EqualDocs(base(), b))
			assert.False(t, EqualDocs(b, base()))
			assert.Equal(t, reflect.DeepEqual(base(), b), EqualDocs(base(), b), "agrees with reflect.DeepEqual")
		})
	}
}

func TestGroupRefMembershipType(t *testing.T) {
	for _, tc := range []struct{ typ, want string }{
		{"", "direct"}, // a store that left it untyped: a membership of the user itself
		{"direct", "direct"},
		{"indirect", "indirect"},
	} {
		assert.Equal(t, tc.want, GroupRef{Value: "g", Type: tc.typ}.MembershipType(), "%q", tc.typ)
	}
}

// TestTypedGroupRefs: every membership typed as MembershipType reads it;
// a list typed already is returned as it is (no copy on a read from this
// module's stores), and the input is never changed.
func TestTypedGroupRefs(t *testing.T) {
	direct, indirect := GroupRef{Value: "a", Type: "direct"}, GroupRef{Value: "b", Display: "B", Type: "indirect"}
	for _, tc := range []struct {
		name     string
		in, want []GroupRef
		same     bool // the result is in itself
	}{
		{"nil", nil, nil, true},
		{"empty", []GroupRef{}, []GroupRef{}, true},
		{"typed", []GroupRef{direct, indirect}, []GroupRef{direct, indirect}, true},
		{"one untyped", []GroupRef{indirect, {Value: "a"}}, []GroupRef{indirect, direct}, false},
		{"untyped first", []GroupRef{{Value: "a"}, {Value: "c", Ref: "r"}}, []GroupRef{direct, {Value: "c", Ref: "r", Type: "direct"}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := append([]GroupRef(nil), tc.in...)
			got := TypedGroupRefs(tc.in)
			assert.Equal(t, tc.want, got)
			assert.Equal(t, before, append([]GroupRef(nil), tc.in...), "the input is unchanged")
			if len(tc.in) > 0 {
				assert.Equal(t, tc.same, &got[0] == &tc.in[0], "the result is the input itself only when all are typed")
			}
		})
	}
}

// TestUserSetAttr: SetAttr sets a single-valued simple core attribute as
// UserFromMap reads that member of a document, and refuses every other
// name, so that it never leaves a user UserFromMap would not make.
func TestUserSetAttr(t *testing.T) {
	for _, tc := range []struct {
		name  string
		attr  string
		value any
		want  func(u *User) any
		err   bool
	}{
		{name: "a string attribute", attr: "displayName", value: "Ann", want: func(u *User) any { return u.DisplayName }},
		{name: "userName", attr: "userName", value: "ann@x", want: func(u *User) any { return u.UserName }},
		{name: "active", attr: "active", value: false, want: func(u *User) any { return *u.Active }},
		{name: "a string attribute given a number", attr: "title", value: json.Number("1"), err: true},
		{name: "id", attr: "id", value: "x", err: true},
		{name: "meta", attr: "meta", value: map[string]any{"version": `W/"2"`}, err: true},
		{name: "a complex attribute", attr: "name", value: map[string]any{"givenName": "A"}, err: true},
		{name: "a multi-valued attribute", attr: "emails", value: []any{map[string]any{"type": "work"}}, err: true},
		{name: "a read-only multi-valued attribute", attr: "groups", value: []any{}, err: true},
		{name: "not in the schema's spelling", attr: "DISPLAYNAME", value: "Ann", err: true},
		{name: "an extension", attr: EnterpriseUserSchema, value: map[string]any{}, err: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := &User{UserName: "u", Active: Bool(true)}
			err := u.SetAttr(tc.attr, tc.value)
			if tc.err {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.value, tc.want(u))
			doc, err := u.toMap()
			require.NoError(t, err)
			from, err := UserFromMap(doc)
			require.NoError(t, err)
			assert.True(t, EqualUsers(u, from), "what UserFromMap makes of the user's document")
		})
	}
}

// TestUnassignedExtensions: RFC 7643 §2.5 makes null, an empty list and
// an empty object the unassigned state. Every read of a document into a
// User or Group (UserFromMap, UserFromJSON and their group twins) drops
// them from an extension's object, and an extension left with nothing
// whole, as the PATCH engine does; Compact does it to a user built
// otherwise and reports it. A "null" inside a string is a value.
func TestUnassignedExtensions(t *testing.T) {
	for _, tc := range []struct {
		name, ext string
		want      string // the extension's object kept, "" for none
	}{
		{"null", `null`, ""},
		{"empty object", `{}`, ""},
		{"empty object with space", `{ }`, ""},
		{"null member", `{"badge":null}`, ""},
		{"empty list", `{"tags":[]}`, ""},
		{"list of null", `{"tags":[null, {}]}`, ""},
		{"nested", `{"desk":{"floor":null,"rooms":[[],{}]},"badge":null}`, ""},
		{"kept beside", `{"badge":"B","tags":[null,"t"],"desk":{"floor":null,"building":"A"},"n":1.50}`,
			`{"badge":"B","desk":{"building":"A"},"n":1.50,"tags":["t"]}`},
		{"null in a string", `{"badge":"null [] {}"}`, `{"badge":"null [] {}"}`},
		{"values only", `{"badge":"B","on":false,"n":0}`, `{"badge":"B","on":false,"n":0}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, core := range []string{UserSchema, GroupSchema} {
				data := []byte(`{"schemas":["` + core + `"],"userName":"a","displayName":"a","` + testExt + `":` + tc.ext + `}`)
				doc, err := Decode(data)
				require.NoError(t, err)
				// The extensions each reader of a document of core makes of data.
				readers := map[string][]func() (map[string]json.RawMessage, error){
					UserSchema: {
						func() (map[string]json.RawMessage, error) { u, err := UserFromMap(doc); return extsOf(u, err) },
						func() (map[string]json.RawMessage, error) { u, err := UserFromJSON(data); return extsOf(u, err) },
					},
					GroupSchema: {
						func() (map[string]json.RawMessage, error) { g, err := GroupFromMap(doc); return extsOf(g, err) },
						func() (map[string]json.RawMessage, error) { g, err := GroupFromJSON(data); return extsOf(g, err) },
					},
				}
				var got []map[string]json.RawMessage
				for _, read := range readers[core] {
					exts, err := read()
					require.NoError(t, err)
					got = append(got, exts)
				}
				if core == UserSchema {
					built := &User{UserName: "a", Extensions: map[string]json.RawMessage{testExt: json.RawMessage(tc.ext)}}
					assert.Equal(t, tc.want != tc.ext, built.Compact(), "Compact reports a change")
					got = append(got, built.Extensions)
				}
				for _, exts := range got {
					if tc.want == "" {
						assert.Nil(t, exts, core)
						continue
					}
					require.Contains(t, exts, testExt, core)
					assert.JSONEq(t, tc.want, string(exts[testExt]), core)
				}
			}
		})
	}
	t.Run("what is kept is kept as written", func(t *testing.T) {
		// A stored document is read with UserFromJSON: what an extension
		// keeps keeps its order and its number literals.
		u, err := UserFromJSON([]byte(`{"userName":"a","` + testExt + `":{"z": null, "b": 1, "a": [true, null, 1.50], "c": {"y": [], "x": "\u00e9"}}}`))
		require.NoError(t, err)
		assert.Equal(t, `{"b":1,"a":[true,1.50],"c":{"x":"\u00e9"}}`, string(u.Extensions[testExt]))
	})
	t.Run("a name given twice is left as it is", func(t *testing.T) {
		// Its last value (null) is what it means; a copy of the first
		// would bring back the value it overwrote.
		u := &User{UserName: "a", Extensions: map[string]json.RawMessage{testExt: json.RawMessage(`{"a":1,"a":null}`)}}
		u.Compact()
		assert.Equal(t, `{"a":1,"a":null}`, string(u.Extensions[testExt]))
	})
	t.Run("an empty map is no change", func(t *testing.T) {
		u := &User{UserName: "a", Extensions: map[string]json.RawMessage{}}
		assert.False(t, u.Compact(), "nothing dropped")
		assert.Nil(t, u.Extensions)
	})
	t.Run("enterprise extra", func(t *testing.T) {
		u, err := UserFromJSON([]byte(`{"userName":"a","` + EnterpriseUserSchema + `":{"custom":null,"more":{"x":[]}}}`))
		require.NoError(t, err)
		assert.Nil(t, u.Enterprise, "an enterprise extension left with nothing is absent")
		u, err = UserFromJSON([]byte(`{"userName":"a","` + EnterpriseUserSchema + `":{"custom":null,"more":"m"}}`))
		require.NoError(t, err)
		assert.Equal(t, map[string]json.RawMessage{"more": json.RawMessage(`"m"`)}, u.Enterprise.Extra)
	})
}

// extsOf is the Extensions of r, a user or group a reader returned with
// err.
func extsOf[R *User | *Group](r R, err error) (map[string]json.RawMessage, error) {
	if err != nil {
		return nil, err
	}
	switch r := any(r).(type) {
	case *User:
		return r.Extensions, nil
	case *Group:
		return r.Extensions, nil
	}
	return nil, nil
}
