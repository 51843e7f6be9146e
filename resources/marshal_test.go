package resources

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// nasty holds every kind of byte encoding/json escapes: HTML characters,
// quotes and backslashes, every control byte, DEL, U+2028/U+2029, invalid
// UTF-8 (a lone continuation byte, a truncated sequence, an overlong
// encoding, a surrogate) and ordinary multi-byte runes.
var nasty = func() string {
	var b strings.Builder
	b.WriteString(`<script>&amp;"quoted"\back/slash` + "\u2028\u2029\x7f é 日本 😀 \xff \xe2\x80 \xc0\xaf \xed\xa0\x80 end")
	for c := range 0x20 {
		b.WriteByte(byte(c))
	}
	return b.String()
}()

// requireSameJSON requires MarshalJSON to give the reference
// implementation's bytes and error, and AppendJSON to append them.
func requireSameJSON(t *testing.T, v any) {
	t.Helper()
	var want, got []byte
	var wantErr, err error
	var app func([]byte) ([]byte, error)
	switch r := v.(type) {
	case User:
		want, wantErr = refMarshalUser(r)
		got, err = r.MarshalJSON()
		app = r.AppendJSON
	case Group:
		want, wantErr = refMarshalGroup(r)
		got, err = r.MarshalJSON()
		app = r.AppendJSON
	case EnterpriseUser:
		want, wantErr = refMarshalEnterprise(r)
		got, err = r.MarshalJSON()
	default:
		t.Fatalf("requireSameJSON of %T", v)
	}
	if wantErr != nil {
		require.Error(t, err)
		require.Equal(t, wantErr.Error(), err.Error())
		require.Nil(t, got)
	} else {
		require.NoError(t, err)
		require.Equal(t, string(want), string(got))
	}
	if app == nil {
		return
	}
	prefix := []byte(`[{"x":1},`)
	out, err := app(prefix[:len(prefix):len(prefix)])
	if wantErr != nil {
		require.Error(t, err)
		require.Equal(t, string(prefix), string(out), "on error AppendJSON returns dst")
		return
	}
	require.NoError(t, err)
	require.Equal(t, string(prefix)+string(want), string(out))
}

func TestMarshalJSONMatchesReference(t *testing.T) {
	yes, no := true, false
	at := time.Date(2024, 3, 1, 12, 0, 0, 123456789, time.UTC)
	kolkata := time.FixedZone("IST", 5*3600+30*60)
	west := time.FixedZone("", -(9*3600 + 59*60))
	full := User{
		ID: "2819c223", ExternalID: nasty, UserName: "bjensen@example.com",
		Name:        &Name{Formatted: nasty, FamilyName: "Jensen", GivenName: "Barbara", MiddleName: "J", HonorificPrefix: "Ms.", HonorificSuffix: "III"},
		DisplayName: "Babs <Jensen> & co", NickName: "Babs", ProfileURL: "https://login.example.com/bjensen?a=1&b=2", Title: "Tour Guide",
		UserType: "Employee", PreferredLanguage: "en-US", Locale: "en-US", Timezone: "America/Los_Angeles", Active: &yes, Password: "t1meMa$heen",
		Emails:       []MultiValue{{Value: "bjensen@example.com", Type: "work", Primary: Bool(true)}, {Value: "babs@jensen.org", Display: "home mail", Type: "home"}, {}},
		PhoneNumbers: []MultiValue{{Value: "555-555-5555", Type: "work"}},
		IMs:          []MultiValue{{Value: "someaimhandle", Type: "aim"}},
		Photos:       []MultiValue{{Value: "https://photos.example.com/profilephoto/72930000000Ccne/F", Type: "photo", Primary: Bool(true)}},
		Addresses: []Address{{Formatted: "100 Universal City Plaza\nHollywood, CA 91608 USA", StreetAddress: "100 Universal City Plaza", Locality: "Hollywood",
			Region: "CA", PostalCode: "91608", Country: "USA", Type: "work", Primary: Bool(true)}, {}},
		Groups:           []GroupRef{{Value: "e9e30dba", Ref: "https://example.com/v2/Groups/e9e30dba", Display: "Tour Guides", Type: "direct"}, {}},
		Entitlements:     []MultiValue{{Value: nasty}},
		Roles:            []MultiValue{{Value: "admin", Primary: Bool(true)}},
		X509Certificates: []MultiValue{{Value: "MIIDQzCCAqygAwIBAgICEAAwDQYJKoZIhvcNAQEFBQAwTjELMAkGA1UEBhMCVVMx"}},
		Enterprise: &EnterpriseUser{EmployeeNumber: "701984", CostCenter: "4130", Organization: "Universal Studios", Division: "Theme Park",
			Department: "Tour Operations", Manager: &Manager{Value: "26118915", Ref: "../Users/26118915", DisplayName: "John Smith"},
			Extra: map[string]json.RawMessage{"costCentreCode": json.RawMessage(`"7"`), "badges": json.RawMessage(`[1,{"a":null,"b":"x y"}]`)}},
		Extensions: map[string]json.RawMessage{"urn:example:ext:1.0:User": json.RawMessage(`{"badge":"B-7","level":3}`)},
		Meta: Meta{ResourceType: "User", Created: at, LastModified: at.In(kolkata), Location: "https://example.com/v2/Users/2819c223",
			Version: `W/"3694e05e9dff590"`},
	}
	withUser := func(f func(u *User)) User {
		u := *full.Clone()
		f(&u)
		return u
	}
	users := map[string]User{
		"zero":                       {},
		"only userName":              {UserName: "a"},
		"every field":                full,
		"nasty everywhere":           {ID: nasty, UserName: nasty, DisplayName: nasty, Name: &Name{GivenName: nasty}, Emails: []MultiValue{{Value: nasty, Display: nasty, Type: nasty}}, Addresses: []Address{{Country: nasty}}, Groups: []GroupRef{{Value: nasty, Ref: nasty}}, Meta: Meta{Location: nasty, Version: nasty, ResourceType: nasty}},
		"active false":               {UserName: "a", Active: &no},
		"empty name":                 {UserName: "a", Name: &Name{}},
		"empty slices":               {UserName: "a", Emails: []MultiValue{}, Groups: []GroupRef{}, Addresses: []Address{}},
		"zero elements":              {UserName: "a", Emails: []MultiValue{{}}, Groups: []GroupRef{{}}, Addresses: []Address{{}}},
		"meta location only":         {UserName: "a", Meta: Meta{Location: "l"}},
		"meta times only":            {UserName: "a", Meta: Meta{Created: at.In(west), LastModified: time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC)}},
		"meta whole seconds":         {UserName: "a", Meta: Meta{Created: time.Date(2024, 1, 2, 3, 4, 5, 0, kolkata), LastModified: time.Date(2024, 1, 2, 3, 4, 5, 100, time.UTC)}},
		"meta zero time in a zone":   {UserName: "a", Meta: Meta{Created: time.Time{}.In(kolkata)}},
		"meta monotonic":             {UserName: "a", Meta: Meta{Created: time.Now(), LastModified: time.Now().Round(0)}},
		"meta year 10000":            {UserName: "a", Meta: Meta{Created: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}},
		"meta year -1":               {UserName: "a", Meta: Meta{Version: "v", LastModified: time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC)}},
		"meta zone hour 24":          {UserName: "a", Meta: Meta{LastModified: at.In(time.FixedZone("", 24*3600))}},
		"meta year 0 and 9999":       {UserName: "a", Meta: Meta{Created: time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC), LastModified: time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC)}},
		"enterprise empty":           {UserName: "a", Enterprise: &EnterpriseUser{}},
		"enterprise empty manager":   {UserName: "a", Enterprise: &EnterpriseUser{Manager: &Manager{}}},
		"enterprise only extra":      {UserName: "a", Enterprise: &EnterpriseUser{Extra: map[string]json.RawMessage{"a": json.RawMessage(`1`)}}},
		"enterprise extra null":      {UserName: "a", Enterprise: &EnterpriseUser{Department: "D", Extra: map[string]json.RawMessage{"a": json.RawMessage(`null`), "b": nil, "c": {}}}},
		"enterprise extra spaced":    {UserName: "a", Enterprise: &EnterpriseUser{Department: "D", Extra: map[string]json.RawMessage{"a": json.RawMessage(" { \"k\" : [ 1 , 2 ] }\n")}}},
		"enterprise extra html":      {UserName: "a", Enterprise: &EnterpriseUser{Extra: map[string]json.RawMessage{"a": json.RawMessage(`"<b>&` + "\u2028\u2029\xff" + `"`)}}},
		"enterprise extra string sp": {UserName: "a", Enterprise: &EnterpriseUser{Extra: map[string]json.RawMessage{"a": json.RawMessage(`{"k":"a b\tc"}`)}}},
		"enterprise extra invalid":   {UserName: "a", Enterprise: &EnterpriseUser{Extra: map[string]json.RawMessage{"a": json.RawMessage(`{`)}}},
		"enterprise extra spliced":   {UserName: "a", Enterprise: &EnterpriseUser{Extra: map[string]json.RawMessage{"a": json.RawMessage(`1,"z":2`)}}},
		"enterprise extra two bad":   {UserName: "a", Enterprise: &EnterpriseUser{Extra: map[string]json.RawMessage{"a": json.RawMessage(`"x`), "b": json.RawMessage(`y"`)}}},
		"enterprise extra keys":      {UserName: "a", Enterprise: &EnterpriseUser{Extra: map[string]json.RawMessage{nasty: json.RawMessage(`1`), "<k>": json.RawMessage(`2`), "": json.RawMessage(`3`)}}},
		"enterprise nasty":           {UserName: "a", Enterprise: &EnterpriseUser{EmployeeNumber: nasty, Manager: &Manager{DisplayName: nasty}}},
		"extensions null and empty":  {UserName: "a", Extensions: map[string]json.RawMessage{"urn:x:1": json.RawMessage(`null`), "urn:x:2": nil, "urn:x:3": {}}},
		"extensions as held":         {UserName: "a", Extensions: map[string]json.RawMessage{"urn:x:1": json.RawMessage(" {\"a\" : \"<&>\"} "), "urn:x:2": json.RawMessage(`not json`)}},
		"extensions keys":            {UserName: "a", Extensions: map[string]json.RawMessage{nasty: json.RawMessage(`{}`), "urn:<x>": json.RawMessage(`{}`), "": json.RawMessage(`{}`)}},
		"extensions many":            {UserName: "a", Extensions: map[string]json.RawMessage{"urn:e": {}, "urn:d": {}, "urn:c": {}, "urn:b": {}, "urn:a": {}, "urn:f": {}}},
		"extension before enterprise": withUser(func(u *User) {
			u.Extensions = map[string]json.RawMessage{"urn:a": json.RawMessage(`{"x":1}`), EnterpriseUserSchema: json.RawMessage(`{"dup":true}`), "urn:z": json.RawMessage(`{}`)}
		}),
		"error after enterprise fallback": withUser(func(u *User) {
			u.Meta.Created = time.Date(12345, 1, 1, 0, 0, 0, 0, time.UTC)
			u.Enterprise.Extra["bad"] = json.RawMessage(`{`)
		}),
	}
	for name, u := range users {
		t.Run("user/"+name, func(t *testing.T) { requireSameJSON(t, u) })
		if u.Enterprise != nil {
			t.Run("enterprise/"+name, func(t *testing.T) { requireSameJSON(t, *u.Enterprise) })
		}
	}
	groups := map[string]Group{
		"zero":             {},
		"members":          {ID: "g", ExternalID: "x", DisplayName: "G", Members: []Member{{Value: "u", Ref: "https://e/Users/u", Type: "User", Display: "U"}, {}}},
		"empty members":    {DisplayName: "G", Members: []Member{}},
		"nasty":            {ID: nasty, DisplayName: nasty, Members: []Member{{Value: nasty, Display: nasty}}, Meta: Meta{Location: nasty}},
		"meta":             {DisplayName: "G", Meta: Meta{ResourceType: "Group", Created: at, LastModified: at.In(west), Version: `W/"1"`}},
		"meta error":       {DisplayName: "G", Meta: Meta{Created: time.Date(-5, 1, 1, 0, 0, 0, 0, time.UTC)}},
		"extensions":       {DisplayName: "G", Extensions: map[string]json.RawMessage{"urn:b": json.RawMessage(` {"a": 1} `), "urn:a": nil, nasty: json.RawMessage(`null`)}},
		"empty extensions": {DisplayName: "G", Extensions: map[string]json.RawMessage{}},
	}
	for name, g := range groups {
		t.Run("group/"+name, func(t *testing.T) { requireSameJSON(t, g) })
	}
}

func TestMarshalJSONErrors(t *testing.T) {
	u := User{UserName: "a", Meta: Meta{Created: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}}
	_, err := u.MarshalJSON()
	var me *json.MarshalerError
	require.ErrorAs(t, err, &me)
	assert.EqualError(t, err, "json: error calling MarshalJSON for type time.Time: Time.MarshalJSON: year outside of range [0,9999]")

	u = User{UserName: "a", Enterprise: &EnterpriseUser{Extra: map[string]json.RawMessage{"a": json.RawMessage(`{`)}}}
	_, err = json.Marshal(u)
	require.ErrorAs(t, err, &me)
	assert.Contains(t, err.Error(), "*resources.EnterpriseUser")
}

func TestIsCleanJSON(t *testing.T) {
	tests := []struct {
		raw  string
		want bool
	}{
		{``, true},
		{`null`, true},
		{`{"a":[1,2,{"b":"x y"}],"c":"\"\u003c\/"}`, true},
		{`"\\"`, true},
		{` 1`, false},
		{"[1,\n2]", false},
		{`"<"`, false},
		{`"&"`, false},
		{"\"\u2028\"", false},
		{"\"\u2029\"", false},
		{"\"\u202a\"", true},
		{`{`, false},
		{`1,2`, false},
		{`"\"" `, false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, isCleanJSON([]byte(tt.raw)), "%q", tt.raw)
		if tt.want && tt.raw != "" {
			var b strings.Builder
			require.NoError(t, json.NewEncoder(&b).Encode(json.RawMessage(tt.raw)))
			assert.Equal(t, tt.raw+"\n", b.String(), "clean JSON is what encoding/json writes")
		}
	}
}

// FuzzUserJSON normalises random JSON as a user, builds the User and
// requires the encoder to give the reference implementation's bytes.
func FuzzUserJSON(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Add([]byte(`{"userName":"<a>&\u2028\u0001\ud800","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"x":" <b> ","y":[1, 2]}}`))
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
		u, err := UserFromMap(doc)
		if err != nil {
			return
		}
		requireSameJSON(t, *u)
		requireReadBack(t, u, UserFromJSON)
		g, err := GroupFromMap(doc)
		if err != nil {
			return
		}
		requireSameJSON(t, *g)
		requireReadBack(t, g, GroupFromJSON)
	})
}

// requireReadBack requires that fromJSON reads v's encoding back to what
// encodes the same, keeping no reference to the text, and to what
// json.Unmarshal reads from it: a store that reads its documents with
// UserFromJSON or GroupFromJSON gets what it wrote.
func requireReadBack[T any](t *testing.T, v *T, fromJSON func([]byte) (*T, error)) {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	back, err := fromJSON(b)
	require.NoError(t, err, "%s", b)
	text := string(b)
	for i := range b {
		b[i] = 'x' // a driver reuses the bytes it handed over (sqlstore decodes in Scan)
	}
	again, err := json.Marshal(back)
	require.NoError(t, err)
	require.Equal(t, text, string(again), "read back, keeping nothing of the text")
	b = []byte(text)
	ref := new(T)
	require.NoError(t, json.Unmarshal(b, ref))
	want, err := json.Marshal(ref)
	require.NoError(t, err)
	require.Equal(t, string(want), string(again), "as json.Unmarshal reads it")
}

// FuzzFromJSON: any text read as a stored document gives a user or group
// or an error, never a panic (a store reads whatever its rows hold).
func FuzzFromJSON(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Add([]byte(`{"name":1}`))
	f.Add([]byte(`[{"id":"x"}]`))
	f.Add([]byte(`{"id":"a"} x`))
	f.Add([]byte(`{"urn:ietf:params:scim:schemas:core:2.0:User":{"userName":"x"},"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department":"d"}`))
	f.Add([]byte(`{"urn:ietf:params:scim:schemas:core:2.0:Group:displayName":"g","urn:ietf:params:scim:schemas:core:2.0:Group:urn:ietf:params:scim:schemas:core:2.0:Group":{}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, err := UserFromJSON(data); err == nil {
			require.True(t, json.Valid(data))
		}
		if _, err := GroupFromJSON(data); err == nil {
			require.True(t, json.Valid(data))
		}
	})
}

// FuzzResourceFields builds users and groups directly from fuzzed strings,
// raw extension values and times, which no decoded document would give
// (invalid UTF-8, invalid or loose JSON, times out of range).
func FuzzResourceFields(f *testing.F) {
	f.Add("bjensen", nasty, "urn:x", []byte(`{"a":1}`), []byte(` [1, "<"] `), int64(1709294400), int64(123456789), 19800, true)
	f.Add("", "", "", []byte(nil), []byte(`{`), int64(-62135596800), int64(0), 0, false)
	f.Add("a", "\xff", "urn:\u2028", []byte(`null`), []byte(`1,"z":2`), int64(253402300800), int64(1), -86400, true)
	f.Fuzz(func(t *testing.T, s1, s2, urn string, raw1, raw2 []byte, sec, nsec int64, offset int, flag bool) {
		at := time.Unix(sec, nsec).In(time.FixedZone(s2, offset))
		u := User{
			ID: s1, UserName: s2, DisplayName: s1 + s2, Active: &flag,
			Name:   &Name{GivenName: s2},
			Emails: []MultiValue{{Value: s1, Primary: Bool(flag)}, {Type: s2}},
			Groups: []GroupRef{{Value: s2, Display: s1}},
			Meta:   Meta{Created: at, Version: s1},
			Enterprise: &EnterpriseUser{Department: s1, Manager: &Manager{Value: s2},
				Extra: map[string]json.RawMessage{s1: raw1, s2: raw2}},
			Extensions: map[string]json.RawMessage{urn: raw1, s1: raw2},
		}
		if flag {
			u.Meta.LastModified = at
			u.Enterprise.Extra = map[string]json.RawMessage{s1: raw1}
		}
		requireSameJSON(t, u)
		requireSameJSON(t, *u.Enterprise)
		g := Group{ID: s2, DisplayName: s1, Members: []Member{{Value: s1, Type: s2}}, Meta: Meta{LastModified: at},
			Extensions: map[string]json.RawMessage{urn: raw2}}
		requireSameJSON(t, g)
	})
}

// FuzzAppendTime holds appendTime, and its fast path for UTC, to
// time.Time.MarshalJSON for any instant, in UTC and in other zones.
func FuzzAppendTime(f *testing.F) {
	f.Add(int64(1709294400), int64(123456789), 0, true)
	f.Add(int64(1709294400), int64(0), 0, true)
	f.Add(int64(1709294400), int64(100), 3600, false)
	f.Add(int64(-62135596800), int64(1), 0, true)         // year 1
	f.Add(int64(-62167219200), int64(0), 0, true)         // year 0
	f.Add(int64(-62167219201), int64(0), 0, true)         // year -1
	f.Add(int64(253402300799), int64(999999999), 0, true) // 9999-12-31T23:59:59.999999999
	f.Add(int64(253402300800), int64(0), 0, true)         // year 10000
	f.Add(int64(0), int64(10), -86400, false)
	f.Fuzz(func(t *testing.T, sec, nsec int64, offset int, utc bool) {
		at := time.Unix(sec, nsec)
		if utc {
			at = at.UTC()
		} else {
			at = at.In(time.FixedZone("Z", offset))
		}
		want, wantErr := at.MarshalJSON()
		got, err := appendTime([]byte("x"), at)
		if wantErr != nil {
			require.Error(t, err)
			require.Equal(t, "x", string(got), "on error appendTime returns dst")
			return
		}
		require.NoError(t, err)
		require.Equal(t, "x"+string(want), string(got))
		if fast, ok := appendUTC(nil, at); ok {
			require.True(t, utc)
			require.Equal(t, string(want), string(fast))
		}
	})
}
