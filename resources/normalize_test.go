package resources

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/internal/race"
)

// normalizeDocs are documents with every rule of Normalize, none with two
// keys that fold to one place (their result would depend on map order).
var normalizeDocs = []string{
	`{}`,
	`{"userName":"a"}`,
	`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"USERNAME":"a","Name":{"GIVENNAME":"B","familyName":"J","formatted":null}}`,
	`{"userName":"a","id":"x","meta":{"version":"1"},"groups":[{"value":"g"}],"password":"p"}`,
	`{"userName":"a","active":"False","emails":[{"value":"e","primary":"TRUE","Type":"work"},null,{"value":"f","display":null}]}`,
	`{"userName":"a","emails":{"value":"e"},"phoneNumbers":[],"ims":null,"roles":[null,null]}`,
	`{"userName":"a","addresses":[{"STREETADDRESS":"s","Country":"c","primary":true},{"formatted":"f"}],"x509Certificates":"MII"}`,
	`{"userName":"a","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":"m1","Department":"D","costCentreCode":"7","custom":[1,{"a":null}]}}`,
	`{"userName":"a","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":{"value":"m","displayName":"M","$REF":"r"},"employeeNumber":null}}`,
	`{"urn:ietf:params:scim:schemas:core:2.0:User:userName":"a","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department":"D","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"division":"V","Organization":"O"}}`,
	`{"URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER":{"Department":"D"},"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager":"m"}`,
	`{"userName":"a","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":null}`,
	`{"urn:ietf:params:scim:schemas:core:2.0:User":{"userName":"a","Title":"T","name":{"givenName":"G"}},"displayName":"D"}`,
	`{"userName":"a","` + testExt + `":{"BADGE":"b","level":3,"tags":"t","devices":[{"serial":"s"},null,{"SERIAL":"S"}],"other":{"deep":[1e400]}}}`,
	`{"userName":"a","` + testExt + `":{"level":null,"tags":["x",null,"y"],"devices":{"serial":"one"}},"` + testExt + `:badge":"b"}`,
	`{"userName":"a","title":null,"nickName":"","locale":"en","timezone":"Europe/Paris","profileUrl":"u","userType":"t","preferredLanguage":"fr","externalId":"x"}`,
}

// requireSameNormalize requires Normalize to give what the reference
// implementation gives for the JSON document data (both fail, or both
// give equal documents), for documents the strict policy accepts as they
// are: the reference predates the leniency policy (unknown attributes
// ignored, one primary, no duplicates, no attribute given twice), which
// TestNormalizeLenience covers.
func requireSameNormalize(t *testing.T, rt *ResourceType, data []byte) {
	t.Helper()
	doc, err := Decode(data)
	if err != nil {
		return
	}
	strict := &Lenience{Strict: true}
	_, err = rt.Normalize(doc, strict)
	var ae *AttrError
	if errors.As(err, &ae) && strings.HasPrefix(ae.Msg, "is multi-valued") {
		return // one value for a multi-valued attribute ("schemas" too): a bend, TestNormalizeLenience's
	}
	if errors.As(err, &ae) && ae.Path == "schemas" && strings.Contains(ae.Msg, "strict mode") {
		// The "schemas" policy (MissingSchema), which the reference
		// predates and most documents here meet: judge the rest of the
		// document without it.
		doc, err = Decode(data)
		require.NoError(t, err)
		for k := range doc {
			if strings.EqualFold(k, "schemas") {
				delete(doc, k)
			}
		}
		if _, err = rt.Normalize(doc, strict); errors.As(err, &ae) && ae.Path == "schemas" && strings.HasPrefix(ae.Msg, "is required") {
			err = nil
		}
	}
	if errors.As(err, &ae) && (strings.Contains(ae.Msg, "strict mode") || strings.Contains(ae.Msg, "more than once")) {
		return // a bend or a repeated attribute: not the reference's policy
	}
	doc, err = Decode(data)
	require.NoError(t, err)
	want, wantErr := rt.refNormalize(doc)
	doc, err = Decode(data)
	require.NoError(t, err)
	got, err := rt.Normalize(doc, nil)
	if wantErr != nil {
		require.Error(t, err)
		var ae *AttrError
		require.ErrorAs(t, err, &ae)
		return
	}
	require.NoError(t, err)
	if !reflect.DeepEqual(want, got) {
		// Two keys that fold to one place: the reference's result depends
		// on map order. Only then may the two differ. A small map's
		// iteration starts at a random one of its eight slots, so two of
		// three keys can come in one order only once in eight runs: 20
		// tries missed it about once in 15, and failed the seed.
		for range 1000 {
			doc, err := Decode(data)
			require.NoError(t, err)
			again, err := rt.refNormalize(doc)
			require.NoError(t, err)
			if !reflect.DeepEqual(want, again) {
				return
			}
		}
		require.Equal(t, want, got)
	}
}

func TestNormalizeMatchesReference(t *testing.T) {
	rt := NewUserType(fuzzExt(testExt))
	for i, s := range normalizeDocs {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			requireSameNormalize(t, rt, []byte(s))
		})
	}
}

// TestNormalizeValueRefusesNamesGivenTwice: a value given to
// NormalizeValue (a PATCH operation's) that names a sub-attribute twice
// is refused as Normalize refuses it in a body, where the later key in
// sorted order won.
func TestNormalizeValueRefusesNamesGivenTwice(t *testing.T) {
	ut := NewUserType()
	name, _ := ut.Attr("", "name")
	emails, _ := ut.Attr("", "emails")
	tests := []struct {
		name string
		a    *Attribute
		path string
		v    any
		want string
	}{
		{"a sub-attribute", name, "name", map[string]any{"givenName": "a", "GIVENNAME": "b"}, `attribute "name.givenName": is given more than once`},
		{"in an element", emails, "emails", []any{map[string]any{"value": "a@x", "Value": "b@x"}}, `attribute "emails.value": is given more than once`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NormalizeValue(tt.a, tt.path, tt.v, nil)
			var ae *AttrError
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, "invalidSyntax", ae.ScimType)
			assert.ErrorContains(t, err, tt.want)
		})
	}
	// A null under one spelling is no value: the other is kept.
	nv, err := NormalizeValue(name, "name", map[string]any{"givenName": "a", "GIVENNAME": nil}, nil)
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"givenName": "a"}, nv)
}

func TestNormalizeValueLeavesInput(t *testing.T) {
	rt := NewUserType()
	emails, _ := rt.Attr("", "emails")
	in := []any{map[string]any{"VALUE": "e", "primary": "true"}, nil}
	out, err := NormalizeValue(emails, "emails", in, nil)
	require.NoError(t, err)
	assert.Equal(t, []any{map[string]any{"value": "e", "primary": true}}, out)
	assert.Equal(t, []any{map[string]any{"VALUE": "e", "primary": "true"}, nil}, in, "NormalizeValue does not change its input")

	name, _ := rt.Attr("", "name")
	obj := map[string]any{"GivenName": "g"}
	out, err = NormalizeSingle(name, "name", obj, nil)
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"givenName": "g"}, out)
	assert.Equal(t, map[string]any{"GivenName": "g"}, obj)

	_, err = NormalizeValue(emails, "emails", []any{map[string]any{"Nope": 1}}, &Lenience{Strict: true})
	assert.EqualError(t, err, `attribute "emails.Nope": is not a sub-attribute of "emails"; send one that GET /Schemas lists for it: value, display, type, primary (strict mode)`)
}

func TestNormalizeErrorPaths(t *testing.T) {
	rt := NewUserType(fuzzExt(testExt))
	for _, tt := range []struct{ in, want string }{
		{`{"emails":[{"value":1}]}`, `attribute "emails.value": must be a string, got the number 1`},
		{`{"emails":[{"primary":"yes"}]}`, `attribute "emails.primary": must be a boolean, got the string "yes"`},
		{`{"name":{"givenName":["x"]}}`, `attribute "name.givenName": is single-valued; a list was given`},
		{`{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":{"value":7}}}`,
			`attribute "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value": must be a string, got the number 7`},
		{`{"` + testExt + `":{"level":1.5}}`, `attribute "` + testExt + `:level": must be an integer, got 1.5`},
		// Past a float64: clients fail to decode it, and no filter can
		// compare with it.
		{`{"` + testExt + `":{"ratio":1e400}}`, `attribute "` + testExt + `:ratio": must be a number a 64-bit float can hold (at most about ±1.8e308), got 1e400`},
		{`{"` + testExt + `":{"ratio":-1.8e308}}`, `attribute "` + testExt + `:ratio": must be a number a 64-bit float can hold (at most about ±1.8e308), got -1.8e308`},
		// Not a date: a filter could not compare it, and stores would order it
		// each their own way.
		{`{"` + testExt + `":{"since":"yesterday"}}`, `attribute "` + testExt + `:since": must be a date and time such as "2024-01-02T15:04:05Z" (RFC 7643 §2.3.5, xsd:dateTime), got the string "yesterday"`},
		{`{"` + testExt + `":{"since":"99999-01-01T00:00:00Z"}}`, `attribute "` + testExt + `:since": must be a date and time such as "2024-01-02T15:04:05Z" (RFC 7643 §2.3.5, xsd:dateTime), got the string "99999-01-01T00:00:00Z"`},
		{`{"` + testExt + `":{"since":"2024-01-02"}}`, `attribute "` + testExt + `:since": must be a date and time such as "2024-01-02T15:04:05Z" (RFC 7643 §2.3.5, xsd:dateTime), got the string "2024-01-02"`},
		{`{"` + testExt + `":{"since":"2024-01-02T15:04:05+25:00"}}`, `attribute "` + testExt + `:since": must be a date and time such as "2024-01-02T15:04:05Z" (RFC 7643 §2.3.5, xsd:dateTime), got the string "2024-01-02T15:04:05+25:00"`},
		{`{"urn:ietf:params:scim:schemas:core:2.0:User":{"urn:x":1}}`, `attribute "urn:ietf:params:scim:schemas:core:2.0:User:urn:x": schema URNs do not nest`},
		// A known URN after an unknown one, as after a known one.
		{`{"urn:acme:ext:urn:ietf:params:scim:schemas:core:2.0:User:userName":"x"}`, `attribute "urn:acme:ext:urn:ietf:params:scim:schemas:core:2.0:User:userName": schema URNs do not nest`},
		{`{"URN:acme:URN:IETF:params:scim:schemas:extension:enterprise:2.0:User":{"department":"d"}}`, `attribute "URN:acme:URN:IETF:params:scim:schemas:extension:enterprise:2.0:User": schema URNs do not nest`},
		{`{"urn:a:b:` + testExt + `:level":1}`, `attribute "urn:a:b:` + testExt + `:level": schema URNs do not nest`},
	} {
		_, err := rt.Normalize(decodeT(t, tt.in), nil)
		assert.EqualError(t, err, tt.want, tt.in)
		_, err = rt.refNormalize(decodeT(t, tt.in))
		assert.EqualError(t, err, tt.want, "the reference agrees: %s", tt.in)
	}
}

// FuzzNormalize requires Normalize to give what the reference
// implementation gives, for users and groups.
func FuzzNormalize(f *testing.F) {
	for _, s := range append(normalizeDocs, fuzzSeeds...) {
		f.Add([]byte(s))
	}
	users := NewUserType(fuzzExt(testExt))
	groups := NewGroupType(fuzzExt("urn:example:params:scim:schemas:extension:acme:2.0:Group"))
	f.Fuzz(func(t *testing.T, data []byte) {
		requireSameNormalize(t, users, data)
		requireSameNormalize(t, groups, data)
	})
}

func decodeT(t *testing.T, s string) map[string]any {
	t.Helper()
	m, err := Decode([]byte(s))
	require.NoError(t, err)
	return m
}

// TestNormalizeUnknownURNKeyAllocs: a key under a URN no schema of the
// type defines is ignored at the cost of any unknown key: telling it from
// a nested known URN reads the type's shared URN list and copies none,
// whether the type is a model's or was built alone (NewUserType,
// NewGroupType compute their list once).
func TestNormalizeUnknownURNKeyAllocs(t *testing.T) {
	if race.Enabled {
		t.Skip("the race detector allocates on its own")
	}
	for _, tc := range []struct {
		name string
		rt   *ResourceType
		doc  string // a valid document of the type, an unknown key to add
	}{
		{"a model's User", DefaultModel().User, `"userName":"a"`},
		{"User built alone", NewUserType(fuzzExt("urn:example:ext:1.0:User")), `"userName":"a"`},
		{"Group built alone", NewGroupType(), `"displayName":"a"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			allocs := func(key string) float64 {
				body := []byte(`{` + tc.doc + `,"` + key + `":"x"}`)
				want, err := Decode([]byte(`{` + tc.doc + `}`))
				require.NoError(t, err)
				doc, err := Decode(body)
				require.NoError(t, err)
				out, err := tc.rt.Normalize(doc, nil)
				require.NoError(t, err)
				require.Equal(t, want, out, "%s is ignored", key)
				return testing.AllocsPerRun(100, func() {
					doc, _ := Decode(body)
					_, _ = tc.rt.Normalize(doc, nil)
				})
			}
			plain := allocs("shoeSize")
			for _, key := range []string{"urn:acme:ext:shoeSize", "urn:ietf:params:scim:schemas:core:2.0:Group:displayName", "urn:ietf:params:scim:schemas:core:2.0:User:userName"} {
				if strings.HasPrefix(key, tc.rt.Schema.ID+":") {
					continue // the type's own attribute, not an unknown one
				}
				assert.Equal(t, plain, allocs(key), "%s costs what an unknown name does", key)
			}
		})
	}
}

// TestKnownSchemaURNsAllocs: the URNs a type knows are computed when the
// type is built, by NewModel or, for a type built alone, by NewUserType
// and NewGroupType: asking for them allocates nothing.
func TestKnownSchemaURNsAllocs(t *testing.T) {
	if race.Enabled {
		t.Skip("the race detector allocates on its own")
	}
	m := DefaultModel()
	for _, tc := range []struct {
		name string
		urns func() []string
	}{
		{"a model's User", m.User.KnownSchemaURNs},
		{"a model's Group", m.Group.KnownSchemaURNs},
		{"the model", m.KnownSchemaURNs},
		{"User built alone", NewUserType(fuzzExt("urn:example:ext:1.0:User")).KnownSchemaURNs},
		{"Group built alone", NewGroupType().KnownSchemaURNs},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Contains(t, tc.urns(), GroupSchema)
			assert.Zero(t, testing.AllocsPerRun(100, func() { _ = tc.urns() }))
		})
	}
}
