package resources

import (
	"encoding/json"
	"testing"

	"github.com/elimity-com/scim/schema"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The built-in schema documents come from our renderer; they must say all
// that elimity-com/scim's rendering of the same definitions said, but for
// what this server does differently (edit, applied to elimity's document).
func TestBuiltInSchemaDocuments(t *testing.T) {
	for _, tt := range []struct {
		def  schema.Schema
		got  *Schema
		edit func(doc map[string]any)
	}{
		{schema.CoreUserSchema(), NewUserType().Schema, nil},
		{schema.ExtensionEnterpriseUser(), NewUserType().Extensions[0].Schema, func(doc map[string]any) {
			// The manager's $ref is made by the server from its value.
			for _, a := range doc["attributes"].([]any) {
				if a := a.(map[string]any); a["name"] == "manager" {
					for _, sub := range a["subAttributes"].([]any) {
						if sub := sub.(map[string]any); sub["name"] == "$ref" {
							sub["mutability"] = ReadOnly
						}
					}
				}
			}
		}},
		{schema.CoreGroupSchema(), NewGroupType().Schema, func(doc map[string]any) {
			// displayName is unique per tenant on every store.
			doc["attributes"].([]any)[0].(map[string]any)["uniqueness"] = UniquenessServer
		}},
	} {
		t.Run(tt.def.ID, func(t *testing.T) {
			raw, err := json.Marshal(tt.def)
			require.NoError(t, err)
			var want map[string]any
			require.NoError(t, json.Unmarshal(raw, &want))
			if tt.edit != nil {
				tt.edit(want)
			}
			wantJSON, err := json.Marshal(want)
			require.NoError(t, err)
			assert.JSONEq(t, string(wantJSON), string(tt.got.Document()))
		})
	}
}

func TestNewSchemaDefaultsAndDocument(t *testing.T) {
	sub := &Attribute{Name: "serial", Type: TypeString, CaseExact: true}
	attrs := []*Attribute{
		{Name: "badge", Type: TypeString, Description: "Badge number", Uniqueness: UniquenessServer},
		{Name: "vip", Type: TypeBoolean},
		{Name: "manager", Type: TypeReference, ReferenceTypes: []string{"User"}},
		{Name: "devices", Type: TypeComplex, MultiValued: true, SubAttributes: []*Attribute{sub, {Name: "$ref", Type: TypeReference, ReferenceTypes: []string{"external"}}}},
	}
	s, err := NewSchema(testExt, "Acme", "Acme users", attrs...)
	require.NoError(t, err)
	assert.Equal(t, ReadWrite, s.Attr("BADGE").Mutability)
	assert.Equal(t, ReturnedDefault, s.Attr("badge").Returned)
	assert.Equal(t, UniquenessServer, s.Attr("badge").Uniqueness)
	assert.Equal(t, UniquenessNone, s.Attr("devices").Sub("serial").Uniqueness)
	assert.Equal(t, "", attrs[1].Mutability, "the caller's definitions are not changed")
	sub.Name = "changed"
	assert.NotNil(t, s.Attr("devices").Sub("serial"), "the schema holds copies")
	assert.JSONEq(t, `{
		"schemas":["urn:ietf:params:scim:schemas:core:2.0:Schema"],
		"id":"`+testExt+`","name":"Acme","description":"Acme users",
		"attributes":[
			{"name":"badge","type":"string","multiValued":false,"description":"Badge number","required":false,"caseExact":false,"mutability":"readWrite","returned":"default","uniqueness":"server"},
			{"name":"vip","type":"boolean","multiValued":false,"description":"","required":false,"mutability":"readWrite","returned":"default"},
			{"name":"manager","type":"reference","multiValued":false,"description":"","required":false,"caseExact":false,"mutability":"readWrite","returned":"default","uniqueness":"none","referenceTypes":["User"]},
			{"name":"devices","type":"complex","multiValued":true,"description":"","required":false,"mutability":"readWrite","returned":"default","subAttributes":[
				{"name":"serial","type":"string","multiValued":false,"description":"","required":false,"caseExact":true,"mutability":"readWrite","returned":"default","uniqueness":"none"},
				{"name":"$ref","type":"reference","multiValued":false,"description":"","required":false,"caseExact":false,"mutability":"readWrite","returned":"default","uniqueness":"none","referenceTypes":["external"]}]}]}`,
		string(s.Document()))
}

func TestNewSchemaErrors(t *testing.T) {
	str := func(name string) *Attribute { return &Attribute{Name: name, Type: TypeString} }
	tests := []struct {
		name  string
		id    string
		attrs []*Attribute
		want  string
	}{
		{"not a URN", "acme:User", nil, `id "acme:User": a schema id must be a URN`},
		{"empty id", "", nil, `a schema id must be a URN`},
		{"no namespace-specific string", "urn:acme:", nil, "nothing follows the namespace identifier"},
		{"short namespace", "urn:a:b", nil, "namespace identifier"},
		{"namespace with a dot", "urn:ac.me:b", nil, "may hold only letters, digits and '-'"},
		{"space in the URN", "urn:acme:a b", nil, `the character ' ' is not allowed`},
		{"bad percent-encoding", "urn:acme:a%2", nil, `the character '%' is not allowed`},
		{"query component", "urn:acme:a?b", nil, `the character '?' is not allowed`},
		{"nil attribute", testExt, []*Attribute{nil}, "attribute 0 is nil"},
		{"empty name", testExt, []*Attribute{str("")}, `attribute "": the name must be a letter`},
		{"name with a dot", testExt, []*Attribute{str("a.b")}, `attribute "a.b": the name must be a letter`},
		{"name starting with a digit", testExt, []*Attribute{str("1a")}, `the name must be a letter`},
		{"duplicate name", testExt, []*Attribute{str("badge"), str("Badge")}, `attribute "Badge": defined twice`},
		{"missing type", testExt, []*Attribute{{Name: "a"}}, `attribute "a": unknown type ""`},
		{"unknown type", testExt, []*Attribute{{Name: "a", Type: "text"}}, `unknown type "text"`},
		{"unknown mutability", testExt, []*Attribute{{Name: "a", Type: TypeString, Mutability: "readonly"}}, `unknown mutability "readonly"`},
		{"unknown returned", testExt, []*Attribute{{Name: "a", Type: TypeString, Returned: "sometimes"}}, `unknown returned "sometimes"`},
		{"unknown uniqueness", testExt, []*Attribute{{Name: "a", Type: TypeString, Uniqueness: "tenant"}}, `unknown uniqueness "tenant"`},
		{"referenceTypes on a string", testExt, []*Attribute{{Name: "a", Type: TypeString, ReferenceTypes: []string{"User"}}}, "only a reference attribute has referenceTypes"},
		{"sub-attributes on a string", testExt, []*Attribute{{Name: "a", Type: TypeString, SubAttributes: []*Attribute{str("b")}}}, "only a complex attribute has sub-attributes"},
		{"complex without sub-attributes", testExt, []*Attribute{{Name: "a", Type: TypeComplex}}, "a complex attribute needs sub-attributes"},
		{"nested complex", testExt, []*Attribute{{Name: "a", Type: TypeComplex, SubAttributes: []*Attribute{{Name: "b", Type: TypeComplex, SubAttributes: []*Attribute{str("c")}}}}},
			`attribute "a.b": a sub-attribute cannot be complex`},
		{"duplicate sub-attribute", testExt, []*Attribute{{Name: "a", Type: TypeComplex, SubAttributes: []*Attribute{str("b"), str("B")}}}, `attribute "a.B": defined twice`},
		{"bad sub-attribute", testExt, []*Attribute{{Name: "a", Type: TypeComplex, SubAttributes: []*Attribute{{Name: "b", Type: "x"}}}}, `attribute "a.b": unknown type "x"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := NewSchema(tt.id, "N", "", tt.attrs...)
			require.ErrorIs(t, err, ErrInvalidSchema)
			assert.Nil(t, s)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestNewSchemaAcceptsURNs(t *testing.T) {
	for _, id := range []string{UserSchema, EnterpriseUserSchema, "URN:Example:a/b", "urn:x-y:%2Fa@b:c", "urn:ab:~"} {
		_, err := NewSchema(id, "", "")
		assert.NoError(t, err, id)
	}
}

// TestValueShape: the shape the multi-valued rules read (Normalize and the
// PATCH engine alike) names each of value, type and primary by its
// schema's spelling with its caseExact, and is the zero Shape for an
// attribute that is not complex.
func TestValueShape(t *testing.T) {
	user, group := NewUserType().Schema, NewGroupType().Schema
	for _, tc := range []struct {
		name string
		attr *Attribute
		want ValueShape
	}{
		{"emails", user.Attr("emails"), ValueShape{Value: ValueField{Name: "value"}, Type: ValueField{Name: "type"}, Primary: ValueField{Name: "primary"}}},
		{"members, with no primary", group.Attr("members"), ValueShape{Value: ValueField{Name: "value"}, Type: ValueField{Name: "type"}}},
		{"a simple attribute", user.Attr("userName"), ValueShape{}},
		{"a multi-valued simple attribute", &Attribute{Name: "tags", Type: TypeString, MultiValued: true, SubAttributes: []*Attribute{{Name: "value"}}}, ValueShape{}},
		{"caseExact and spelling from the schema", &Attribute{Name: "devices", Type: TypeComplex, MultiValued: true, SubAttributes: []*Attribute{
			{Name: "VALUE", Type: TypeString, CaseExact: true}, {Name: "Type", Type: TypeString, CaseExact: true}}},
			ValueShape{Value: ValueField{Name: "VALUE", CaseExact: true}, Type: ValueField{Name: "Type", CaseExact: true}}},
		{"no value, type or primary", &Attribute{Name: "devices", Type: TypeComplex, SubAttributes: []*Attribute{{Name: "serial"}}}, ValueShape{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, tc.attr.ValueShape())
		})
	}
}

// TestAttributeHidden: an attribute is hidden from responses that do not
// name it when returned "never" or "request", and only then (RFC 7643
// §2.4); the empty Returned is "default".
func TestAttributeHidden(t *testing.T) {
	for _, tc := range []struct {
		returned string
		want     bool
	}{
		{ReturnedNever, true},
		{ReturnedRequest, true},
		{ReturnedDefault, false},
		{ReturnedAlways, false},
		{"", false},
	} {
		a := &Attribute{Name: "x", Type: TypeString, Returned: tc.returned}
		assert.Equal(t, tc.want, a.Hidden(), "returned %q", tc.returned)
	}
}
