package resources

import (
	"encoding/json"
	"slices"

	"github.com/elimity-com/scim/schema"
	"github.com/scimkit/scim/internal/clienttext"
	"github.com/scimkit/scim/internal/multivalue"
	"github.com/scimkit/scim/internal/names"
	"github.com/scimkit/scim/internal/schemaurn"
)

// Schema URNs of the resources and messages scimkit serves.
const (
	UserSchema           = schemaurn.User           // urn:ietf:params:scim:schemas:core:2.0:User
	GroupSchema          = schemaurn.Group          // urn:ietf:params:scim:schemas:core:2.0:Group
	EnterpriseUserSchema = schemaurn.EnterpriseUser // urn:ietf:params:scim:schemas:extension:enterprise:2.0:User
)

// Attribute types (RFC 7643 §2.3).
const (
	TypeString    = "string"
	TypeBoolean   = "boolean"
	TypeDecimal   = "decimal"
	TypeInteger   = "integer"
	TypeDateTime  = "dateTime"
	TypeBinary    = "binary"
	TypeReference = "reference"
	TypeComplex   = "complex"
)

// Mutability values (RFC 7643 §2.2).
const (
	ReadOnly  = "readOnly"
	ReadWrite = "readWrite"
	Immutable = "immutable"
	WriteOnly = "writeOnly"
)

// Returned values (RFC 7643 §2.2). An attribute returned "never" is a
// secret (the password, a host's pin): besides leaving it out of every
// response, the handler refuses a filter or sortBy on it and never shows
// client text that names it with a value (NewModel).
const (
	ReturnedAlways  = "always"
	ReturnedNever   = "never"
	ReturnedDefault = "default"
	ReturnedRequest = "request"
)

// Uniqueness values (RFC 7643 §2.2).
const (
	UniquenessNone   = "none"
	UniquenessServer = "server"
	UniquenessGlobal = "global"
)

// Attribute describes one attribute of a schema: the characteristics of
// RFC 7643 §2.2 that decide how filters compare it, how PATCH may change it
// and whether a response carries it, and the ones the /Schemas document
// shows (Description, ReferenceTypes). Each field is the characteristic
// of the same name; NewSchema checks them and takes an empty Mutability,
// Returned or Uniqueness as its RFC default (see NewSchema).
type Attribute struct {
	Name            string
	Type            string
	Description     string
	MultiValued     bool
	Required        bool
	CaseExact       bool
	Mutability      string
	Returned        string
	Uniqueness      string
	CanonicalValues []string
	// ReferenceTypes names what a reference attribute may point to:
	// resource type names, "external" or "uri" (RFC 7643 §7).
	ReferenceTypes []string
	SubAttributes  []*Attribute
	// full is the attribute before a subset kept only some of its
	// sub-attributes (ModelConfig.UserAttributes: "name.givenName"),
	// nil otherwise.
	full *Attribute
	// readAsValue marks a readOnly sub-attribute that a client's value
	// still carries to the handler instead of dropping it: the
	// enterprise manager's $ref, which the server makes from the value
	// and stores none of, but reads, sent without a value, as naming
	// the value (a documented bend, the handler's managerFromRef).
	readAsValue bool
}

// omitsSub reports whether the sub-attribute name is one the built-in
// schemas give a but the host's subset left out (ResourceType.Omits for
// a member of a's value, where the caller has the attribute, not the
// path).
func (a *Attribute) omitsSub(name string) bool {
	return a.full != nil && a.Sub(name) == nil && a.full.Sub(name) != nil
}

// Narrowed reports whether a host's subset kept only some of a's
// sub-attributes (ModelConfig.UserAttributes: "name.givenName"): a value
// stored before the model was narrowed may hold others, which a response
// leaves out (Model.FitUser) and a filter must not see either
// (query.KeptFilter).
func (a *Attribute) Narrowed() bool { return a.full != nil }

// Sub returns the sub-attribute called name (case-insensitively), or nil.
func (a *Attribute) Sub(name string) *Attribute {
	return find(a.SubAttributes, name)
}

// GivesSecret reports whether v, a decoded value sent for a, gives a
// secret a value (RFC 7643 §2.4, returned "never"): a is one and v is not
// null, or v (an object, or a list of them) gives one of a's secret
// sub-attributes a value that is not null. A write that does so is a
// change whatever the stored value (the handler's secretwrite.go), which
// the PATCH engine and a PUT's check both ask here.
func (a *Attribute) GivesSecret(v any) bool {
	if v == nil {
		return false
	}
	if a.Returned == ReturnedNever {
		return true
	}
	gives := func(x any) bool {
		m, _ := x.(map[string]any)
		for k, sv := range m {
			if s := a.Sub(k); s != nil && s.Returned == ReturnedNever && sv != nil {
				return true
			}
		}
		return false
	}
	if list, ok := v.([]any); ok {
		return slices.ContainsFunc(list, gives)
	}
	return gives(v)
}

// ReadOnly reports whether clients may never set the attribute.
func (a *Attribute) ReadOnly() bool { return a.Mutability == ReadOnly }

// Hidden reports whether responses leave the attribute out unless a
// request's attributes parameter names it: returned "never" (not even
// then) or "request" (RFC 7643 §2.4). A client that did not ask has not
// seen it, so a PUT that leaves it out (or sends null) keeps the stored
// value: an attribute, or a sub-attribute of a single-valued complex
// attribute. The values of a multi-valued complex attribute have no
// identity: a sent value takes the hidden sub-attributes of the one
// stored value whose other sub-attributes a GET shows (not readOnly)
// hold the same values as its own (EqualDocValues), so a PUT of what a
// GET showed keeps them; a sent value matching two or more stored
// values, or none, keeps none.
func (a *Attribute) Hidden() bool {
	return a.Returned == ReturnedNever || a.Returned == ReturnedRequest
}

// ValueShape is what the rules for the values of a multi-valued complex
// attribute (RFC 7643 §2.4: at most one primary, no two with the same
// "type" and "value"), which Normalize and PATCH apply, read of it: its
// "value", "type" and "primary" sub-attributes. The zero ValueShape (a
// simple attribute, or a complex one without them) has no duplicates and
// no primary.
type ValueShape = struct {
	Value, Type, Primary ValueField
}

// ValueField is one sub-attribute of a ValueShape: its name as its schema
// spells it ("" when the attribute has none by that name) and whether its
// values compare case-sensitively.
type ValueField = struct {
	Name      string
	CaseExact bool
}

// The rules' own types (internal/multivalue) are these: one value, not a
// copy to keep in step.
var _ multivalue.Shape = ValueShape{}

// ValueShape returns a's ValueShape: the one the rules hold its values to.
func (a *Attribute) ValueShape() ValueShape {
	return multivalue.ShapeOf(a.Type == TypeComplex, func(name string) ValueField {
		if s := a.Sub(name); s != nil {
			return ValueField{Name: s.Name, CaseExact: s.CaseExact}
		}
		return ValueField{}
	})
}

func find(attrs []*Attribute, name string) *Attribute {
	for _, a := range attrs {
		if names.Equal(a.Name, name) {
			return a
		}
	}
	return nil
}

// Schema is a SCIM schema: its URN and attribute definitions, plus the
// rendered document served at /Schemas/{id}.
type Schema struct {
	// ID is the schema's URN; Name and Description are shown at
	// /Schemas/{id}.
	ID          string
	Name        string
	Description string
	// Attributes are the top-level attribute definitions, as NewSchema
	// checked and completed them.
	Attributes []*Attribute
	document   json.RawMessage
}

// Attr returns the attribute called name (case-insensitively), or nil.
func (s *Schema) Attr(name string) *Attribute { return find(s.Attributes, name) }

// Document returns the schema's JSON representation (RFC 7643 §7), without
// meta. It is rendered once when the Schema is built.
func (s *Schema) Document() json.RawMessage { return s.document }

// mustSchema builds a built-in schema from its elimity-com/scim/schema
// definition (the RFC 7643 text, converted once into Attribute trees).
func mustSchema(def schema.Schema) *Schema {
	var attrs []*Attribute
	for _, a := range def.Attributes {
		attr := convert(a)
		if def.ID == GroupSchema && attr.Name == "displayName" {
			// RFC 7643 leaves group names non-unique; every store of
			// this module enforces one displayName per tenant (Entra ID
			// and Okta match groups by it), and /Schemas must say what
			// the server does.
			attr.Uniqueness = UniquenessServer
		}
		if def.ID == EnterpriseUserSchema && attr.Name == "manager" {
			// RFC 7643 §8.7.1 makes the manager's $ref readWrite, but
			// the server makes it from the value (ServerRef) and stores
			// none a client sends: readOnly says so (§7: "SHALL be
			// ignored" when sent). A $ref without a value is still read
			// as naming it (readAsValue).
			ref := attr.Sub("$ref")
			ref.Mutability, ref.readAsValue = ReadOnly, true
		}
		attrs = append(attrs, attr)
	}
	s, err := NewSchema(def.ID, def.Name.Value(), def.Description.Value(), attrs...)
	if err != nil {
		panic("resources: built-in schema " + def.ID + ": " + err.Error())
	}
	return s
}

func convert(a schema.CoreAttribute) *Attribute {
	out := &Attribute{
		Name:            a.Name(),
		Type:            a.AttributeType(),
		MultiValued:     a.MultiValued(),
		Required:        a.Required(),
		CaseExact:       a.CaseExact(),
		Mutability:      a.Mutability(),
		Returned:        a.Returned(),
		Uniqueness:      a.Uniqueness(),
		Description:     a.Description(),
		CanonicalValues: a.CanonicalValues(),
	}
	for _, r := range a.ReferenceTypes() {
		out.ReferenceTypes = append(out.ReferenceTypes, string(r))
	}
	for _, sub := range a.SubAttributes() {
		out.SubAttributes = append(out.SubAttributes, convert(sub))
	}
	return out
}

// commonAttributes are id, externalId and meta (RFC 7643 §3.1), which every
// resource type has besides its schema's attributes.
func commonAttributes() []*Attribute {
	var out []*Attribute
	for _, a := range schema.CommonAttributes() {
		if a.Name() == "schemas" {
			continue
		}
		out = append(out, convert(a))
	}
	return out
}

// ResourceType ties a resource's core schema to its extensions, as
// advertised at /ResourceTypes (RFC 7643 §6).
type ResourceType struct {
	// Name is "User" or "Group".
	Name string
	// Endpoint is "/Users" or "/Groups".
	Endpoint string
	// Description is shown in the /ResourceTypes document.
	Description string
	// Schema is the core schema.
	Schema *Schema
	// Extensions are the schema extensions resources of this type may carry.
	Extensions []Extension
	common     []*Attribute
	// known is every schema URN the server knows when it serves the
	// type (KnownSchemaURNs): its model's, set by NewModel, or for a
	// type built alone (NewUserType, NewGroupType) its own, computed
	// there once; nil only for a ResourceType built otherwise.
	known []string
	// full is the type before a subset narrowed it (see
	// ModelConfig.UserAttributes), nil when nothing was left out.
	full *ResourceType
	// secrets is the names of the secret attributes client text is
	// searched for (Secrets): its model's, set by NewModel, or for a type
	// built alone its own, gathered there once; nil (the password alone)
	// for a ResourceType built otherwise.
	secrets *clienttext.Secrets
}

// Extension is a schema extension of a ResourceType.
type Extension struct {
	// Schema is the extension's schema.
	Schema *Schema
	// Required is what /ResourceTypes shows as the extension's
	// "required". The ResourceTypes a Model builds leave it false: a
	// resource without the extension is accepted.
	Required bool
}

// Attr resolves a top-level attribute name, with an optional schema URN,
// to its definition and the URN of the schema that defines it ("" for the
// common attributes id, externalId and meta). It returns nil when the
// resource type has no such attribute. A URN naming one of the extensions
// with an empty name resolves to (nil, urn): the whole extension.
func (rt *ResourceType) Attr(urn, name string) (*Attribute, string) {
	if urn != "" {
		if names.Equal(urn, rt.Schema.ID) {
			if a := rt.Schema.Attr(name); a != nil {
				return a, rt.Schema.ID
			}
			if a := find(rt.common, name); a != nil {
				return a, ""
			}
			return nil, ""
		}
		for _, e := range rt.Extensions {
			if names.Equal(urn, e.Schema.ID) {
				if name == "" {
					return nil, e.Schema.ID
				}
				if a := e.Schema.Attr(name); a != nil {
					return a, e.Schema.ID
				}
				return nil, ""
			}
		}
		return nil, ""
	}
	if a := rt.Schema.Attr(name); a != nil {
		return a, rt.Schema.ID
	}
	if a := find(rt.common, name); a != nil {
		return a, ""
	}
	return nil, ""
}

// CoreAttributes returns the attributes the core schema's URN names
// (Resolved.Whole): the core schema's and the common id, externalId and
// meta, which Attr resolves under that URN too; those a subset left out
// are not among them. The slice is new.
func (rt *ResourceType) CoreAttributes() []*Attribute {
	out := make([]*Attribute, 0, len(rt.common)+len(rt.Schema.Attributes))
	return append(append(out, rt.common...), rt.Schema.Attributes...)
}

// Extension returns the extension schema with the given URN
// (case-insensitively), or nil.
func (rt *ResourceType) Extension(urn string) *Schema {
	for _, e := range rt.Extensions {
		if names.Equal(urn, e.Schema.ID) {
			return e.Schema
		}
	}
	return nil
}

// KnownSchemaURNs returns every schema URN the server knows when it
// serves rt: the core User and Group schemas, the enterprise extension
// (even where a subset left it out) and, for a type of a Model, every
// extension of the model's User and Group types; for a type built alone
// (NewUserType, NewGroupType), its own extensions. A name in which one of
// them follows an unknown URN ("urn:acme:ext:urn:...:core:2.0:Group:x")
// is refused the same way in a body, a PATCH path or value key, and a
// filter (names.NestedURNAt), whichever resource type it is sent to.
//
// It is the one list of the URNs a path may be qualified with: every
// parser of attribute paths (the handler's filters, the PATCH engine,
// sortBy in store/query and store/sqlstore, Omits) is built with it, so
// that a name is split at the same URN wherever it is sent. Knowing a URN
// is not supporting it: a path qualified by a schema rt does not have (the
// other type's, or the enterprise extension a subset left out) resolves
// to nothing (Resolve: Missing), and the request is refused as RFC 7644
// §3.10 wants for an attribute the server does not support (a filter 400
// invalidFilter, a sortBy or PATCH path 400), never read as one of rt's.
// The slice is shared: callers must not modify it. For a type NewModel,
// NewUserType or NewGroupType built it is computed once, there (an
// extension appended to Extensions afterwards is not in it), so that a
// call allocates nothing.
func (rt *ResourceType) KnownSchemaURNs() []string {
	if rt.known != nil {
		return rt.known
	}
	return knownSchemaURNs(rt)
}

// knownSchemaURNs lists the core User and Group schemas, the enterprise
// extension and the schema URNs of types, each once.
func knownSchemaURNs(types ...*ResourceType) []string {
	out := append([]string(nil), standardURNs[:]...)
	for _, rt := range types {
		if rt == nil {
			continue
		}
		for _, urn := range rt.SchemaURNs() {
			if !slices.ContainsFunc(out, func(k string) bool { return names.Equal(k, urn) }) {
				out = append(out, urn)
			}
		}
	}
	return out
}

// SchemaURNs returns the core schema URN followed by every extension URN.
func (rt *ResourceType) SchemaURNs() []string {
	out := []string{rt.Schema.ID}
	for _, e := range rt.Extensions {
		out = append(out, e.Schema.ID)
	}
	return out
}

// withExtensions is rt with the host's extensions (extra) after those it
// has, and what the handler and stores derive from all its schemas: the
// URNs it knows and the names of its secrets.
func (rt *ResourceType) withExtensions(extra []*Schema) *ResourceType {
	for _, s := range extra {
		rt.Extensions = append(rt.Extensions, Extension{Schema: s})
	}
	rt.known = knownSchemaURNs(rt)
	rt.secrets = clienttext.NewSecrets(rt.secretNames()...)
	return rt
}

// NewUserType returns the User resource type: the RFC 7643 User schema, the
// enterprise extension and any further extensions the host registers.
func NewUserType(extra ...*Schema) *ResourceType {
	rt := &ResourceType{
		Name:        "User",
		Endpoint:    "/Users",
		Description: "User Account",
		Schema:      mustSchema(schema.CoreUserSchema()),
		Extensions:  []Extension{{Schema: mustSchema(schema.ExtensionEnterpriseUser())}},
		common:      commonAttributes(),
	}
	return rt.withExtensions(extra)
}

// NewGroupType returns the Group resource type with any extensions the host
// registers.
func NewGroupType(extra ...*Schema) *ResourceType {
	rt := &ResourceType{
		Name:        "Group",
		Endpoint:    "/Groups",
		Description: "Group",
		Schema:      mustSchema(schema.CoreGroupSchema()),
		common:      commonAttributes(),
	}
	return rt.withExtensions(extra)
}

// SecretNames returns the names (lower-case) of the attributes and
// sub-attributes returned "never" (RFC 7643 §2.4: a host's pin) of rt's
// model (NewModel), or of rt alone when built alone, besides the password:
// every message, warning and log about a request for rt conceals client
// text that names one, as it conceals the password, which it always does.
// The caller must not change the list; a nil rt has none.
func (rt *ResourceType) SecretNames() []string {
	return rt.secretSet().Names()
}

// secretSet is the set of rt's secret names as this package's messages
// conceal client text by; nil (the password alone) for a nil rt.
func (rt *ResourceType) secretSet() *clienttext.Secrets {
	if rt == nil {
		return nil
	}
	return rt.secrets
}

// secretNames returns the names of rt's secret attributes, those returned
// "never" (RFC 7643 §2.4: the password, a host's pin), sub-attributes
// included. They are gathered once, when the type or its model is built
// (Secrets), so that no message, warning or log shows a value a request
// compares with one, without a scan of the schemas per request.
func (rt *ResourceType) secretNames() []string {
	var out []string
	var walk func([]*Attribute)
	walk = func(attrs []*Attribute) {
		for _, a := range attrs {
			if a.Returned == ReturnedNever {
				out = append(out, a.Name)
			}
			walk(a.SubAttributes)
		}
	}
	walk(rt.common)
	walk(rt.Schema.Attributes)
	for _, e := range rt.Extensions {
		walk(e.Schema.Attributes)
	}
	return out
}

// UniqueAttribute is an attribute of a host's extension declared
// Uniqueness server or global: no two resources of the type in one tenant
// may hold the same value, compared as the attribute's CaseExact says.
type UniqueAttribute struct {
	// Schema is the URN of the extension that defines Attr.
	Schema string
	// Attr is the attribute: single-valued, top-level, not complex or
	// boolean (NewSchema refuses uniqueness on anything else).
	Attr *Attribute
}

// Name returns the attribute's name qualified by its schema URN
// ("urn:...:User:badge"), as responses and the stores' keys name it.
func (u UniqueAttribute) Name() string { return u.Schema + ":" + u.Attr.Name }

// UniqueAttributes returns the attributes of rt's extensions declared
// Uniqueness server or global, in the order of the extensions and their
// attributes; nil when there are none (the common case). userName and a
// group's displayName are unique too, but by their own rules
// (query.NameAttr); the enterprise extension declares no unique attribute.
// A store that enforces these declares it (store.UniqueEnforcer), and
// scim.NewHandler refuses a model that has some over a store that does not.
func (rt *ResourceType) UniqueAttributes() []UniqueAttribute {
	var out []UniqueAttribute
	for _, e := range rt.Extensions {
		for _, a := range e.Schema.Attributes {
			if a.Uniqueness == UniquenessServer || a.Uniqueness == UniquenessGlobal {
				out = append(out, UniqueAttribute{Schema: e.Schema.ID, Attr: a})
			}
		}
	}
	return out
}

// Required is what an extension schema requires of a resource that holds
// it (RFC 7643 §2.2, §7): the attributes it marks required, and the
// complex ones with a required sub-attribute, readOnly ones aside (the
// server sets those; a client cannot). ResourceType.Required finds it
// once, for every write's check (Missing).
type Required struct {
	// Schema is the extension's URN.
	Schema string
	attrs  []*Attribute
}

// Required returns what the extensions of rt require of a resource, one
// Required for each extension that requires anything, in rt's order; nil
// when none does (the enterprise extension requires nothing). The core
// schemas' required attributes (userName, displayName) are the handler's
// to check.
func (rt *ResourceType) Required() []Required {
	var out []Required
	for _, x := range rt.Extensions {
		var attrs []*Attribute
		for _, a := range x.Schema.Attributes {
			if needed(a) || slices.ContainsFunc(a.SubAttributes, needed) {
				attrs = append(attrs, a)
			}
		}
		if attrs != nil {
			out = append(out, Required{Schema: x.Schema.ID, attrs: attrs})
		}
	}
	return out
}

// Missing returns the path of the first attribute r requires that obj,
// the extension's object in a resource, leaves without a value (Assigned:
// null, "", [] or {}, or a list or object of nothing else, RFC 7643
// §2.5), or of the first required sub-attribute that a value of such a
// complex attribute leaves without one ("urn:...:desk.building"); "" when
// there is none. An obj that holds no value (empty, {"badge": null},
// {"tags": []}, {"badge": ""}: a resource stores no such extension,
// compactExtensions) is an extension the resource does not hold, which
// requires nothing: the resource type lists it as optional, and it may be
// left out whole, in any of these spellings alike, as "urn:…": null may.
// A required attribute is judged by the same rule, since what holds no
// value is not stored: {"tags": [null]} is no tags.
func (r Required) Missing(obj map[string]any) string {
	if !Assigned(obj) {
		return ""
	}
	for _, a := range r.attrs {
		_, av, _ := names.Key(obj, a.Name)
		if !Assigned(av) {
			if needed(a) {
				return r.Schema + ":" + a.Name
			}
			continue
		}
		if a.Type != TypeComplex {
			continue
		}
		if m, ok := av.(map[string]any); ok {
			if sub := missingSub(a, m); sub != "" {
				return r.Schema + ":" + a.Name + "." + sub
			}
		}
		list, _ := av.([]any)
		for _, el := range list {
			if m, ok := el.(map[string]any); ok {
				if sub := missingSub(a, m); sub != "" {
					return r.Schema + ":" + a.Name + "." + sub
				}
			}
		}
	}
	return ""
}

// needed reports whether a required attribute a must be in a document:
// not when readOnly.
func needed(a *Attribute) bool {
	return a.Required && !a.ReadOnly()
}

// missingSub returns the name of the first sub-attribute of a that must be
// in m, one value of a (needed), and is unassigned there; "" when there is
// none.
func missingSub(a *Attribute, m map[string]any) string {
	for _, sub := range a.SubAttributes {
		if needed(sub) {
			if _, sv, _ := names.Key(m, sub.Name); !Assigned(sv) {
				return sub.Name
			}
		}
	}
	return ""
}
