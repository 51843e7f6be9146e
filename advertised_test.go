package scim_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/resources"
)

// servedAttr is an attribute or sub-attribute as GET /Schemas serves it
// (RFC 7643 §7).
type servedAttr struct {
	Name            string       `json:"name"`
	Type            string       `json:"type"`
	MultiValued     bool         `json:"multiValued"`
	Required        bool         `json:"required"`
	CaseExact       bool         `json:"caseExact"`
	Mutability      string       `json:"mutability"`
	Returned        string       `json:"returned"`
	Uniqueness      string       `json:"uniqueness"`
	CanonicalValues []string     `json:"canonicalValues"`
	ReferenceTypes  []string     `json:"referenceTypes"`
	SubAttributes   []servedAttr `json:"subAttributes"`
}

// sub returns the sub-attribute named name, or nil.
func (a *servedAttr) sub(name string) *servedAttr {
	for i := range a.SubAttributes {
		if a.SubAttributes[i].Name == name {
			return &a.SubAttributes[i]
		}
	}
	return nil
}

// servedType is a resource type as GET /ResourceTypes serves it (RFC
// 7643 §6).
type servedType struct {
	ID               string `json:"id"`
	Name             string `json:"name"`
	Endpoint         string `json:"endpoint"`
	Schema           string `json:"schema"`
	SchemaExtensions []struct {
		Schema   string `json:"schema"`
		Required bool   `json:"required"`
	} `json:"schemaExtensions"`
}

// advertisedAttr is one attribute or sub-attribute of a resource type's
// schemas, as served, with where it sits.
type advertisedAttr struct {
	rt     servedType
	urn    string      // the extension's URN; "" for the core schema's
	parent *servedAttr // the complex attribute holding it; nil at the top
	attr   servedAttr
}

// path is the attribute's path as a client names it in a filter, a
// PATCH path or attributes= (RFC 7644 §3.10).
func (a advertisedAttr) path() string {
	p := a.attr.Name
	if a.parent != nil {
		p = a.parent.Name + "." + p
	}
	if a.urn != "" {
		p = a.urn + ":" + p
	}
	return p
}

// top is the top-level attribute a is or is in.
func (a advertisedAttr) top() *servedAttr {
	if a.parent != nil {
		return a.parent
	}
	return &a.attr
}

// inMulti reports whether a is a sub-attribute of a multi-valued complex
// attribute (emails.value), whose values are elements of a list.
func (a advertisedAttr) inMulti() bool { return a.parent != nil && a.parent.MultiValued }

// object returns the object of doc that a's top-level attribute is a
// member of: doc itself, or its extension's object (made when make).
func (a advertisedAttr) object(doc map[string]any, make bool) map[string]any {
	if a.urn == "" {
		return doc
	}
	o, _ := doc[a.urn].(map[string]any)
	if o == nil && make {
		o = map[string]any{}
		doc[a.urn] = o
	}
	return o
}

// put sets a's value in doc to v: an element of a one-element list for a
// sub-attribute of a multi-valued attribute (merged into the element
// already there), a member of the complex value for one of a
// single-valued one, a one-element list for a multi-valued attribute.
func (a advertisedAttr) put(doc map[string]any, v any) {
	o := a.object(doc, true)
	switch {
	case a.parent == nil && a.attr.MultiValued:
		o[a.attr.Name] = []any{v}
	case a.parent == nil:
		o[a.attr.Name] = v
	case a.parent.MultiValued:
		els, _ := o[a.parent.Name].([]any)
		if len(els) == 0 {
			els = []any{map[string]any{}}
		}
		els[0].(map[string]any)[a.attr.Name] = v
		o[a.parent.Name] = els
	default:
		c, _ := o[a.parent.Name].(map[string]any)
		if c == nil {
			c = map[string]any{}
		}
		c[a.attr.Name] = v
		o[a.parent.Name] = c
	}
}

// putValued is put, with what a's value needs beside it to be stored:
// the required attributes of its extension, the required siblings of a
// sub-attribute of a complex attribute, and for one of a multi-valued
// attribute another sub-attribute, its "value" or its first string other
// than type (an email's type alone, or an address's, makes no element).
func (s *advertisedSuite) putValued(a advertisedAttr, doc map[string]any, v any) {
	for _, o := range s.attrs {
		if o.rt.Name != a.rt.Name || o.urn != a.urn || o.attr.Name == a.attr.Name && o.parent == a.parent {
			continue
		}
		switch {
		case a.urn != "" && o.parent == nil && o.attr.Required && o.attr.Name != a.top().Name:
			o.put(doc, s.sample(o, s.name("sib")))
		case a.parent != nil && o.parent != nil && o.parent.Name == a.parent.Name && o.attr.Required:
			o.put(doc, s.sample(o, s.name("sib")))
		}
	}
	if a.inMulti() {
		for _, sub := range a.parent.SubAttributes {
			fa := advertisedAttr{rt: a.rt, urn: a.urn, parent: a.parent, attr: sub}
			if sub.Name != a.attr.Name && fa.clientSets() && (sub.Name == "value" || a.parent.sub("value") == nil && sub.Type == "string" && sub.Name != "type") {
				fa.put(doc, s.sample(fa, s.name("valued")))
				break
			}
		}
	}
	a.put(doc, v)
}

// get returns a's value in doc (a response): the first element's for a
// sub-attribute of a multi-valued attribute, the first value of a
// multi-valued one.
func (a advertisedAttr) get(doc map[string]any) (any, bool) {
	o := a.object(doc, false)
	if o == nil {
		return nil, false
	}
	v, ok := o[a.top().Name]
	if !ok {
		return nil, false
	}
	if a.top().MultiValued {
		els, _ := v.([]any)
		if len(els) == 0 {
			return nil, false
		}
		v = els[0]
	}
	if a.parent == nil {
		return v, true
	}
	c, _ := v.(map[string]any)
	v, ok = c[a.attr.Name]
	return v, ok
}

// madeByServer reports whether the server makes a's value rather than
// keeps a client's: a reference to a User or Group, which the server
// makes from the value beside it (members.$ref, the manager's $ref). In
// a single-valued attribute (the manager) /Schemas must say readOnly
// (checkMutability).
func (a advertisedAttr) madeByServer() bool {
	return a.attr.Type == "reference" && (slices.Contains(a.attr.ReferenceTypes, "User") || slices.Contains(a.attr.ReferenceTypes, "Group"))
}

// keptApart reports whether a is, or is in, a multi-valued attribute
// whose values name other resources by a reference the server makes (a
// group's members, a user's groups): the stores keep them apart from
// the resources they sort, and a sortBy on them is a documented 400
// (README, "Bad input").
func (a advertisedAttr) keptApart() bool {
	ref := a.top().sub("$ref")
	return a.top().MultiValued && ref != nil && (advertisedAttr{parent: a.top(), attr: *ref}).madeByServer()
}

// serverDecides reports whether the server fills a from the resource
// its value names and ignores a client's, though /Schemas does not say
// readOnly: a member's display and type (RFC 7643 §8.7.1 makes them
// immutable; README, "Deliberate deviations": the server, not the
// client, decides them). A PATCH changing one is refused as immutable.
func (a advertisedAttr) serverDecides() bool {
	return a.keptApart() && a.parent != nil && a.attr.Name != "value" && a.attr.Mutability == "immutable"
}

// serverDisplay reports whether a is a readOnly sub-attribute, not the
// reference itself, beside a reference the server makes in a
// single-valued attribute a client sets (the enterprise manager's
// displayName): the server renders it from the resource named, stores
// none, and refuses a filter or sortBy on it (README, "Bad input").
func (a advertisedAttr) serverDisplay() bool {
	if a.parent == nil || a.parent.MultiValued || a.attr.Mutability != "readOnly" || a.parent.Mutability == "readOnly" || a.madeByServer() {
		return false
	}
	ref := a.parent.sub("$ref")
	return ref != nil && (advertisedAttr{parent: a.parent, attr: *ref}).madeByServer()
}

// readOnly reports whether a, or the attribute it is in, is readOnly.
func (a advertisedAttr) readOnly() bool {
	return a.attr.Mutability == "readOnly" || a.parent != nil && a.parent.Mutability == "readOnly"
}

// hostSets reports whether a is a readOnly attribute of a host's
// extension, which the host's own code sets through its store: a client
// cannot, and the handler makes none.
func (a advertisedAttr) hostSets() bool {
	return a.readOnly() && a.urn != "" && a.urn != resources.EnterpriseUserSchema
}

// clientSets reports whether a client's value for a is stored as sent:
// it is readWrite, immutable or writeOnly, and not made by the server.
func (a advertisedAttr) clientSets() bool {
	if a.madeByServer() || a.serverDecides() || a.readOnly() {
		return false
	}
	return a.attr.Type != "complex"
}

// referee returns the resource type that a's value names when it is the
// value beside a reference the server makes ("" otherwise): members.value
// names a User (or a Group), the manager's value a User.
func (a advertisedAttr) referee() string {
	if a.parent == nil || a.attr.Name != "value" {
		return ""
	}
	if ref := a.parent.sub("$ref"); ref != nil && ref.Type == "reference" && len(ref.ReferenceTypes) > 0 && ref.ReferenceTypes[0] != "external" {
		return ref.ReferenceTypes[0]
	}
	return ""
}

// servedModel reads GET /ResourceTypes and GET /Schemas and returns each
// resource type's attributes and sub-attributes, as served.
func servedModel(t *testing.T, e *env) ([]servedType, []advertisedAttr) {
	t.Helper()
	var types struct{ Resources []servedType }
	r := e.do("GET", "/ResourceTypes", nil)
	require.Equal(t, 200, r.Code, r.Raw)
	require.NoError(t, json.Unmarshal([]byte(r.Raw), &types))
	var schemas struct {
		Resources []struct {
			ID         string       `json:"id"`
			Attributes []servedAttr `json:"attributes"`
		}
	}
	r = e.do("GET", "/Schemas", nil)
	require.Equal(t, 200, r.Code, r.Raw)
	require.NoError(t, json.Unmarshal([]byte(r.Raw), &schemas))
	byURN := map[string][]servedAttr{}
	for _, s := range schemas.Resources {
		byURN[s.ID] = s.Attributes
	}
	var out []advertisedAttr
	for _, rt := range types.Resources {
		urns := []string{rt.Schema}
		for _, x := range rt.SchemaExtensions {
			urns = append(urns, x.Schema)
		}
		for i, urn := range urns {
			attrs, ok := byURN[urn]
			require.True(t, ok, "/ResourceTypes names %s, which /Schemas does not serve", urn)
			ext := urn
			if i == 0 {
				ext = ""
			}
			for j := range attrs {
				top := &attrs[j]
				out = append(out, advertisedAttr{rt: rt, urn: ext, attr: *top})
				for _, s := range top.SubAttributes {
					out = append(out, advertisedAttr{rt: rt, urn: ext, parent: top, attr: s})
				}
			}
		}
	}
	// The common attributes every resource has (RFC 7643 §3.1), which
	// /Schemas need not list (it does not), with the characteristics
	// §3.1 gives them.
	for _, rt := range types.Resources {
		out = append(out,
			advertisedAttr{rt: rt, attr: servedAttr{Name: "id", Type: "string", CaseExact: true, Mutability: "readOnly", Returned: "always", Uniqueness: "server"}},
			advertisedAttr{rt: rt, attr: servedAttr{Name: "externalId", Type: "string", CaseExact: true, Mutability: "readWrite", Returned: "default", Uniqueness: "none"}})
	}
	require.NotEmpty(t, out)
	return types.Resources, out
}

// advertisedSuite is one run of TestAdvertisedCharacteristics: the
// handlers (lenient and strict on one store), the served model, and the
// resources it made.
type advertisedSuite struct {
	t      *testing.T
	e      *env
	strict *env
	types  []servedType
	attrs  []advertisedAttr
	seq    *int              // shared by the subtests' copies of the suite
	ids    map[string]string // a resource type's name: the id of a resource of it that values may name
	refs   map[string]string // likewise, another resource, for a value that names another
}

// name returns a new name for a resource's required identifying value,
// with letters of both cases.
func (s *advertisedSuite) name(prefix string) string {
	*s.seq++
	return fmt.Sprintf("%sMx%03d", prefix, *s.seq)
}

// sample returns a valid value for a, distinct for each seed, with
// letters of both cases where its type allows (a canonical value when
// it has canonical values).
func (s *advertisedSuite) sample(a advertisedAttr, seed string) any {
	if rt := a.referee(); rt != "" {
		return s.ids[rt]
	}
	switch a.attr.Type {
	case "boolean":
		return true
	case "integer":
		return 7
	case "decimal":
		return 1.5
	case "dateTime":
		return "2024-01-02T03:04:05Z"
	case "binary":
		return base64.StdEncoding.EncodeToString([]byte(seed))
	case "reference":
		return "https://example.com/" + seed + "/Mx"
	case "complex":
		v := map[string]any{}
		for _, sub := range a.attr.SubAttributes {
			sa := advertisedAttr{rt: a.rt, urn: a.urn, parent: &a.attr, attr: sub}
			if sa.clientSets() {
				v[sub.Name] = s.sample(sa, seed)
			}
		}
		return v
	}
	if len(a.attr.CanonicalValues) > 0 {
		return a.attr.CanonicalValues[0]
	}
	return "Val" + seed + "Mx"
}

// minimal returns the smallest document a POST to rt takes: its schema
// and its required core attributes.
func (s *advertisedSuite) minimal(rt servedType, prefix string) map[string]any {
	doc := map[string]any{"schemas": []any{rt.Schema}}
	for _, a := range s.attrs {
		if a.rt.Name == rt.Name && a.urn == "" && a.parent == nil && a.attr.Required {
			a.put(doc, s.name(prefix))
		}
	}
	return doc
}

// otherName returns a required core attribute of rt other than a, for an
// attributes= that names something else than a.
func (s *advertisedSuite) otherName(a advertisedAttr) string {
	for _, o := range s.attrs {
		if o.rt.Name == a.rt.Name && o.urn == "" && o.parent == nil && o.attr.Required && o.attr.Name != a.top().Name {
			return o.attr.Name
		}
	}
	return "meta"
}

// create POSTs doc to rt's endpoint, requires a 201 and returns the
// resource.
func (s *advertisedSuite) create(rt servedType, doc map[string]any) map[string]any {
	s.t.Helper()
	r := s.e.do("POST", rt.Endpoint, doc)
	require.Equal(s.t, 201, r.Code, r.Raw)
	return r.Body
}

// full creates a resource of rt holding a value for every attribute a
// client sets, and returns it as a GET shows it and the document sent.
func (s *advertisedSuite) full(rt servedType, prefix string) (got, sent map[string]any) {
	s.t.Helper()
	sent = s.minimal(rt, prefix)
	for _, a := range s.attrs {
		if a.rt.Name != rt.Name || !a.clientSets() || (a.urn == "" && a.parent == nil && a.attr.Required) {
			continue
		}
		a.put(sent, s.sample(a, fmt.Sprintf("%s%s%d", prefix, a.attr.Name, *s.seq)))
	}
	id := s.create(rt, sent)["id"].(string)
	return s.get(rt, id, ""), sent
}

// get GETs a resource of rt, with query q, requiring a 200.
func (s *advertisedSuite) get(rt servedType, id, q string) map[string]any {
	s.t.Helper()
	r := s.e.do("GET", rt.Endpoint+"/"+id+q, nil)
	require.Equal(s.t, 200, r.Code, r.Raw)
	return r.Body
}

// TestAdvertisedCharacteristics walks the /Schemas and /ResourceTypes the
// handler serves for the default model and holds each attribute and
// sub-attribute to what they advertise of it (RFC 7643 §2.2, §2.4, §7),
// on every store, as identity providers and conformance suites that read
// them do: its mutability, returned, uniqueness, caseExact (in filters
// and sortBy), required, type, canonicalValues, referenceTypes and
// multiValued, and each resource type's endpoint, schema and extensions.
func TestAdvertisedCharacteristics(t *testing.T) {
	for _, tc := range []struct {
		name  string
		model *resources.Model
	}{{"default", resources.DefaultModel()}, {"host extensions", advertisedHostModel(t)}} {
		for name, open := range modelStores(tc.model) {
			t.Run(tc.name+"/"+name, func(t *testing.T) {
				users, groups := open(t)
				e := newEnv(t, func(c *scim.Config) { c.Users, c.Groups = users, groups })
				strict := newEnv(t, func(c *scim.Config) { c.Users, c.Groups, c.Strict = users, groups, true })
				s := &advertisedSuite{t: t, e: e, strict: strict, seq: new(int), ids: map[string]string{}, refs: map[string]string{}}
				s.types, s.attrs = servedModel(t, e)
				s.run()
			})
		}
	}
}

// advertisedHostModel is the default model with a host's extensions of
// User and Group whose attributes have the characteristics the core
// schemas lack: immutable, returned always, request and never, a
// required attribute and a required sub-attribute, a caseExact unique
// one, readOnly, integer, decimal and dateTime, a multi-valued string, a
// multi-valued complex attribute with required, immutable and
// request-only sub-attributes.
func advertisedHostModel(t *testing.T) *resources.Model {
	user, err := resources.NewSchema("urn:example:params:scim:schemas:extension:audit:2.0:User", "AuditUser", "characteristics",
		&resources.Attribute{Name: "badge", Type: resources.TypeString, CaseExact: true, Uniqueness: resources.UniquenessServer},
		&resources.Attribute{Name: "pin", Type: resources.TypeString, Mutability: resources.WriteOnly, Returned: resources.ReturnedNever},
		&resources.Attribute{Name: "serial", Type: resources.TypeString, Mutability: resources.Immutable},
		&resources.Attribute{Name: "note", Type: resources.TypeString, Returned: resources.ReturnedRequest},
		&resources.Attribute{Name: "tier", Type: resources.TypeInteger, Returned: resources.ReturnedAlways},
		&resources.Attribute{Name: "hired", Type: resources.TypeDateTime},
		&resources.Attribute{Name: "score", Type: resources.TypeDecimal},
		&resources.Attribute{Name: "audited", Type: resources.TypeString, Mutability: resources.ReadOnly},
		&resources.Attribute{Name: "tags", Type: resources.TypeString, MultiValued: true, CaseExact: true},
		&resources.Attribute{Name: "desk", Type: resources.TypeComplex, SubAttributes: []*resources.Attribute{
			{Name: "floor", Type: resources.TypeString, Required: true},
			{Name: "room", Type: resources.TypeString},
		}},
		&resources.Attribute{Name: "keys", Type: resources.TypeComplex, MultiValued: true, SubAttributes: []*resources.Attribute{
			{Name: "value", Type: resources.TypeString, Required: true},
			{Name: "lock", Type: resources.TypeString, Mutability: resources.Immutable, CaseExact: true},
			{Name: "issued", Type: resources.TypeDateTime, Returned: resources.ReturnedRequest},
		}})
	require.NoError(t, err)
	group, err := resources.NewSchema("urn:example:params:scim:schemas:extension:audit:2.0:Group", "AuditGroup", "characteristics",
		&resources.Attribute{Name: "cost", Type: resources.TypeString, Required: true},
		&resources.Attribute{Name: "code", Type: resources.TypeString, CaseExact: true})
	require.NoError(t, err)
	m, err := resources.NewModel(resources.ModelConfig{UserExtensions: []*resources.Schema{user}, GroupExtensions: []*resources.Schema{group}})
	require.NoError(t, err)
	return m
}

// run checks every characteristic of every advertised attribute.
func (s *advertisedSuite) run() {
	t := s.t
	// Fixtures: a user another user's manager and a group's member name,
	// then a resource of each type holding every value a client sets, so
	// that what the server computes (groups, the manager's displayName,
	// members' display and type) is there too.
	for _, rt := range s.types {
		s.ids[rt.Name] = s.create(rt, s.minimal(rt, "min"))["id"].(string)
	}
	for _, rt := range s.types { // a full one for the fixtures to name
		full, _ := s.full(rt, "ref")
		s.ids[rt.Name] = full["id"].(string)
		s.refs[rt.Name] = s.ids[rt.Name]
	}
	fulls := map[string]map[string]any{}
	sents := map[string]map[string]any{}
	for _, rt := range s.types {
		fulls[rt.Name], sents[rt.Name] = s.full(rt, "full")
		s.ids[rt.Name] = fulls[rt.Name]["id"].(string)
	}
	for _, rt := range s.types { // read again: the later fixtures' links
		fulls[rt.Name] = s.get(rt, fulls[rt.Name]["id"].(string), "")
	}
	for _, a := range s.attrs {
		t.Run(a.rt.Name+" "+a.path(), func(t *testing.T) {
			s := *s
			s.t = t
			full, sent := fulls[a.rt.Name], sents[a.rt.Name]
			t.Run("returned", func(t *testing.T) { s.t = t; s.checkReturned(a, full, sent) })
			t.Run("mutability", func(t *testing.T) { s.t = t; s.checkMutability(a, full) })
			t.Run("uniqueness", func(t *testing.T) { s.t = t; s.checkUniqueness(a, full) })
			t.Run("caseExact", func(t *testing.T) { s.t = t; s.checkCaseExact(a, full) })
			t.Run("required", func(t *testing.T) { s.t = t; s.checkRequired(a) })
			t.Run("type", func(t *testing.T) { s.t = t; s.checkType(a, full) })
			t.Run("multiValued", func(t *testing.T) { s.t = t; s.checkMultiValued(a) })
		})
	}
	for _, rt := range s.types {
		t.Run("ResourceType "+rt.Name, func(t *testing.T) {
			s := *s
			s.t = t
			s.checkResourceType(rt)
		})
	}
}

// checkReturned: a value returned "always" comes back whatever
// attributes= and excludedAttributes= say, "never" never, "default"
// unless attributes= names others or excludedAttributes= names it,
// "request" only when attributes= names it (RFC 7643 §2.4).
func (s *advertisedSuite) checkReturned(a advertisedAttr, full, sent map[string]any) {
	t := s.t
	id := full["id"].(string)
	v, ok := a.get(full)
	switch a.attr.Returned {
	case "never":
		assert.False(t, ok, "a GET shows %s: %v", a.path(), v)
		_, ok = a.get(s.get(a.rt, id, "?attributes="+url.QueryEscape(a.path())))
		assert.False(t, ok, "attributes=%s shows it", a.path())
		return
	case "request":
		assert.False(t, ok, "a GET without attributes= shows %s", a.path())
	default:
		if !ok && a.hostSets() {
			t.Skipf("%s is readOnly in a host's extension: the host's store sets it, and none has", a.path())
		}
		require.True(t, ok, "a GET of a resource holding every attribute lacks %s", a.path())
		if a.clientSets() {
			want, _ := a.get(sent)
			assert.EqualValues(t, want, v, "%s does not read back as sent", a.path())
		}
	}
	_, ok = a.get(s.get(a.rt, id, "?attributes="+url.QueryEscape(a.path())))
	assert.True(t, ok, "attributes=%s leaves it out", a.path())
	_, ok = a.get(s.get(a.rt, id, "?attributes="+s.otherName(a)))
	assert.Equal(t, a.attr.Returned == "always", ok, "attributes=%s and %s", s.otherName(a), a.path())
	_, ok = a.get(s.get(a.rt, id, "?excludedAttributes="+url.QueryEscape(a.path())))
	assert.Equal(t, a.attr.Returned == "always", ok, "excludedAttributes=%s", a.path())
}

// patch sends one PATCH operation to a resource of a's type.
func (s *advertisedSuite) patch(e *env, a advertisedAttr, id string, ops ...map[string]any) *resp {
	s.t.Helper()
	return e.do("PATCH", a.rt.Endpoint+"/"+id+"?attributes="+url.QueryEscape(a.top().Name), patchBody(ops...))
}

// patchPath is the PATCH path naming a's value in full's resource: its
// path, with a value filter selecting the element for a sub-attribute of
// a multi-valued attribute whose elements have a value.
func (a advertisedAttr) patchPath(full map[string]any) string {
	if !a.inMulti() || a.parent.sub("value") == nil {
		return a.path()
	}
	fa := advertisedAttr{rt: a.rt, urn: a.urn, parent: a.parent, attr: *a.parent.sub("value")}
	v, ok := fa.get(full)
	if !ok {
		return a.path()
	}
	p := a.parent.Name
	if a.urn != "" {
		p = a.urn + ":" + p
	}
	return fmt.Sprintf("%s[value eq %q].%s", p, v, a.attr.Name)
}

// checkMutability: a readOnly value a client sends is ignored in a POST
// and a PUT and a PATCH of it is 400 mutability (RFC 7644 §3.5.1,
// §3.5.2); an immutable one, set at creation, is 400 mutability when a
// PATCH or PUT would change it and accepted unchanged; a readWrite one is
// changed by a PATCH.
func (s *advertisedSuite) checkMutability(a advertisedAttr, full map[string]any) {
	t := s.t
	if a.madeByServer() && a.parent != nil && !a.parent.MultiValued {
		// The manager's $ref: the server makes it from the value beside
		// it and stores no client's, which is what readOnly says (RFC
		// 7643 §7: "SHALL be ignored" when sent), whatever §8.7.1's
		// schema text gives it.
		assert.Equal(t, "readOnly", a.attr.Mutability, "%s is made by the server from the value beside it", a.path())
	}
	readOnly := a.readOnly() || a.serverDecides()
	switch {
	case readOnly:
		client := s.clientValue(a)
		doc := s.minimal(a.rt, "ro")
		if a.parent != nil && a.parent.Mutability != "readOnly" {
			// A sub-attribute of a value the client sets: the value,
			// with the client's sub-attribute beside it.
			a.put(doc, client)
			for _, sub := range a.parent.SubAttributes {
				sa := advertisedAttr{rt: a.rt, urn: a.urn, parent: a.parent, attr: sub}
				if sa.clientSets() {
					sa.put(doc, s.sample(sa, "ro"))
				}
			}
		} else {
			s.putValued(a, doc, client)
		}
		created := s.create(a.rt, doc)
		got, ok := a.get(s.get(a.rt, created["id"].(string), ""))
		assert.False(t, ok && got == client, "POST stored the client's %s: %v", a.path(), got)
		r := s.patch(s.e, a, full["id"].(string), op("replace", a.patchPath(full), client))
		requireError(t, r, 400, "mutability", a.attr.Name)
		r = s.patch(s.e, a, full["id"].(string), op("add", a.patchPath(full), client))
		requireError(t, r, 400, "mutability", a.attr.Name)
		// A PUT of the resource as a GET showed it, with the client's
		// value for a: 200, the stored value kept. On a resource of its
		// own: a PUT of what a GET shows may drop what a multi-valued
		// attribute's values hold that a GET leaves out (a sent value
		// matching two stored values, or none, keeps none: extkeep.go),
		// which the other checks read in the fixture.
		other, _ := s.full(a.rt, "put")
		stored, _ := a.get(other)
		put := s.get(a.rt, other["id"].(string), "")
		if a.parent == nil || a.parent.Mutability == "readOnly" {
			a.put(put, client)
		}
		r = s.e.do("PUT", a.rt.Endpoint+"/"+other["id"].(string), put)
		require.Equal(t, 200, r.Code, r.Raw)
		after, _ := a.get(s.get(a.rt, other["id"].(string), ""))
		assert.Equal(t, stored, after)
	case a.attr.Mutability == "immutable" && a.clientSets():
		stored, ok := a.get(full)
		require.True(t, ok, "no %s to change", a.path())
		r := s.patch(s.e, a, full["id"].(string), op("replace", a.patchPath(full), s.otherValue(a, stored)))
		requireError(t, r, 400, "mutability", a.attr.Name)
		r = s.patch(s.e, a, full["id"].(string), op("replace", a.patchPath(full), stored))
		assert.Contains(t, []int{200, 204}, r.Code, "the same value: %s", r.Raw)
		other, _ := s.full(a.rt, "put") // as for readOnly above
		put := s.get(a.rt, other["id"].(string), "")
		r = s.e.do("PUT", a.rt.Endpoint+"/"+other["id"].(string), put)
		assert.Equal(t, 200, r.Code, "the same value: %s", r.Raw)
		if !a.inMulti() {
			a.put(put, s.otherValue(a, stored))
			requireError(t, s.e.do("PUT", a.rt.Endpoint+"/"+other["id"].(string), put), 400, "mutability", a.attr.Name)
		}
	case a.attr.Mutability == "readWrite" && a.clientSets() && !a.attr.Required:
		id := s.full2(a)
		full := s.get(a.rt, id, "")
		stored, _ := a.get(full)
		nv := s.otherValue(a, stored)
		r := s.patch(s.e, a, id, op("replace", a.patchPath(full), nv))
		require.Contains(t, []int{200, 204}, r.Code, r.Raw)
		got, _ := a.get(s.get(a.rt, id, "?attributes="+url.QueryEscape(a.path())))
		if a.attr.Returned != "never" {
			assert.EqualValues(t, nv, got)
		}
	}
}

// full2 creates another resource of a's type holding a's value, and
// returns its id.
func (s *advertisedSuite) full2(a advertisedAttr) string {
	doc := s.minimal(a.rt, "rw")
	if a.parent != nil {
		a2 := advertisedAttr{rt: a.rt, urn: a.urn, attr: *a.parent}
		a2.put(doc, s.sample(a2, s.name("rw")))
	}
	s.putValued(a, doc, s.sample(a, s.name("rw")))
	return s.create(a.rt, doc)["id"].(string)
}

// clientValue is a value a client might send for a read-only attribute.
func (s *advertisedSuite) clientValue(a advertisedAttr) any {
	if a.attr.Type == "complex" {
		v := map[string]any{}
		for _, sub := range a.attr.SubAttributes {
			if sub.Type == "string" {
				v[sub.Name] = "clientMx"
			}
		}
		return v
	}
	if a.attr.Type == "reference" {
		return "https://client.example.com/Mx"
	}
	if a.attr.Type == "boolean" {
		return false
	}
	if len(a.attr.CanonicalValues) > 1 {
		return a.attr.CanonicalValues[1]
	}
	return "clientMx"
}

// otherValue returns a valid value for a other than v.
func (s *advertisedSuite) otherValue(a advertisedAttr, v any) any {
	if rt := a.referee(); rt != "" {
		return s.refs[rt] // not the fixture's, which v names
	}
	if b, ok := v.(bool); ok {
		return !b
	}
	if len(a.attr.CanonicalValues) > 1 {
		for _, c := range a.attr.CanonicalValues {
			if c != v {
				return c
			}
		}
	}
	return s.sample(a, s.name("other"))
}

// checkUniqueness: a second resource with a uniqueness "server" value is
// 409 uniqueness, in a POST and a PATCH, and so is a case variant unless
// the attribute is caseExact (RFC 7643 §2.2, RFC 7644 §3.3).
func (s *advertisedSuite) checkUniqueness(a advertisedAttr, full map[string]any) {
	t := s.t
	if a.attr.Uniqueness != "server" && a.attr.Uniqueness != "global" || !a.clientSets() {
		return // id: the server makes it unique
	}
	v, ok := a.get(full)
	require.True(t, ok)
	str, _ := v.(string)
	for _, tc := range []struct {
		value    string
		conflict bool
	}{{str, true}, {swapCase(str), !a.attr.CaseExact}} {
		doc := s.minimal(a.rt, "uniq")
		s.putValued(a, doc, tc.value)
		r := s.e.do("POST", a.rt.Endpoint, doc)
		if !tc.conflict {
			assert.Equal(t, 201, r.Code, "caseExact %s: %s", a.path(), r.Raw)
			continue
		}
		requireError(t, r, 409, "uniqueness", "")
		other := s.create(a.rt, s.minimal(a.rt, "uniq"))["id"].(string)
		requireError(t, s.patch(s.e, a, other, op("replace", a.path(), tc.value)), 409, "uniqueness", "")
		put := s.get(a.rt, other, "")
		s.putValued(a, put, tc.value)
		requireError(t, s.e.do("PUT", a.rt.Endpoint+"/"+other, put), 409, "uniqueness", "")
	}
}

// swapCase returns s with each ASCII letter's case swapped.
func swapCase(s string) string {
	b := []byte(s)
	for i, c := range b {
		switch {
		case 'a' <= c && c <= 'z':
			b[i] = c - 'a' + 'A'
		case 'A' <= c && c <= 'Z':
			b[i] = c - 'A' + 'a'
		}
	}
	return string(b)
}

// filterable reports whether a filter may name a: a value a GET shows,
// not a secret's, not a reference the server makes (a filter on it is a
// documented 400) and no binary one (RFC 7644 §3.4.2.2 leaves filters on
// binary attributes out).
func (a advertisedAttr) filterable() bool {
	return a.attr.Returned != "never" && !a.madeByServer() && !a.serverDisplay() && a.attr.Type != "complex"
}

// list returns the ids a filter and query q find among rt's resources.
func (s *advertisedSuite) list(rt servedType, q string) []string {
	s.t.Helper()
	r := s.e.do("GET", rt.Endpoint+"?"+q, nil)
	require.Equal(s.t, 200, r.Code, r.Raw)
	var ids []string
	res, _ := r.Body["Resources"].([]any)
	for _, x := range res {
		ids = append(ids, x.(map[string]any)["id"].(string))
	}
	return ids
}

// checkCaseExact: eq, co, sw and ew on a string or reference attribute
// compare case-exactly when it is caseExact and regardless of case when
// it is not (RFC 7643 §2.2, RFC 7644 §3.4.2.2), and sortBy orders so (RFC
// 7644 §3.4.2.3).
func (s *advertisedSuite) checkCaseExact(a advertisedAttr, full map[string]any) {
	t := s.t
	if a.serverDisplay() || a.madeByServer() {
		// The server makes it as it answers and stores none: a filter
		// or a sortBy on it is refused, in one text (README, "Bad input").
		f := fmt.Sprintf("%s eq \"x\"", a.path())
		const why = "cannot be used in a filter or a sortBy: the server makes it"
		requireError(t, s.e.do("GET", a.rt.Endpoint+"?filter="+url.QueryEscape(f), nil), 400, "invalidFilter", why)
		requireError(t, s.e.do("GET", a.rt.Endpoint+"?sortBy="+url.QueryEscape(a.path()), nil), 400, "invalidValue", why)
		return
	}
	if a.filterable() && (a.attr.Type == "boolean" || a.attr.Type == "binary") {
		// RFC 7644 §3.4.2.2: gt, ge, lt and le on a boolean or binary
		// attribute "SHALL cause a failed response (HTTP 400 invalidFilter)".
		v, ok := a.get(full)
		require.True(t, ok, "no %s to filter on", a.path())
		operand, _ := json.Marshal(v)
		for _, o := range []string{"gt", "ge", "lt", "le"} {
			f := fmt.Sprintf("%s %s %s", a.path(), o, operand)
			requireError(t, s.e.do("GET", a.rt.Endpoint+"?filter="+url.QueryEscape(f), nil), 400, "invalidFilter", "")
		}
		f := fmt.Sprintf("%s eq %s and id eq %q", a.path(), operand, full["id"])
		assert.Equal(t, []string{full["id"].(string)}, s.list(a.rt, "filter="+url.QueryEscape(f)), f)
	}
	if !a.filterable() || (a.attr.Type != "string" && a.attr.Type != "reference") {
		return
	}
	v, ok := a.get(full)
	if !ok && a.attr.Returned == "request" {
		v, ok = a.get(s.get(a.rt, full["id"].(string), "?attributes="+url.QueryEscape(a.path())))
	}
	if !ok && a.hostSets() {
		t.Skipf("%s is readOnly in a host's extension: the host's store sets it, and none has", a.path())
	}
	require.True(t, ok, "no %s to filter on", a.path())
	str := v.(string)
	if swapCase(str) == str {
		t.Skipf("%s %q has no letter", a.path(), str)
	}
	id := full["id"].(string)
	n := len(str)
	for _, tc := range []struct{ op, operand string }{
		{"eq", str}, {"co", str[1 : n-1]}, {"sw", str[:n-1]}, {"ew", str[1:]},
	} {
		for _, swapped := range []bool{false, true} {
			operand := tc.operand
			if swapped {
				operand = swapCase(operand)
			}
			if swapped && operand == tc.operand {
				continue
			}
			f := fmt.Sprintf("%s %s %q and id eq %q", a.path(), tc.op, operand, id)
			found := s.list(a.rt, "filter="+url.QueryEscape(f))
			want := !swapped || !a.attr.CaseExact
			assert.Equal(t, want, slices.Contains(found, id), "%s (caseExact %v)", f, a.attr.CaseExact)
		}
	}
	if a.keptApart() {
		requireError(t, s.e.do("GET", a.rt.Endpoint+"?sortBy="+url.QueryEscape(a.path()), nil), 400, "invalidValue", "")
		return
	}
	if !a.clientSets() || a.referee() != "" {
		return
	}
	// Two resources whose values differ in case first: "B" sorts before
	// "a" byte-wise (caseExact), after it otherwise.
	prefix := s.name("sort")
	var ids []string
	for _, lead := range []string{"a", "B"} {
		doc := s.minimal(a.rt, prefix)
		val := lead + "x" + prefix
		if a.attr.Type == "reference" {
			val = "https://example.com/" + val
		}
		s.putValued(a, doc, val)
		ids = append(ids, s.create(a.rt, doc)["id"].(string))
	}
	if a.attr.CaseExact {
		slices.Reverse(ids)
	}
	f := fmt.Sprintf("id eq %q or id eq %q", ids[0], ids[1])
	q := "filter=" + url.QueryEscape(f) + "&sortBy=" + url.QueryEscape(a.path())
	assert.Equal(t, ids, s.list(a.rt, q), "sortBy=%s (caseExact %v)", a.path(), a.attr.CaseExact)
}

// checkRequired: a POST or PUT without a required attribute is 400
// invalidValue, and so is a value of a complex attribute without a
// required sub-attribute (RFC 7643 §2.2, §7).
func (s *advertisedSuite) checkRequired(a advertisedAttr) {
	t := s.t
	if !a.attr.Required {
		return
	}
	id := s.create(a.rt, s.minimal(a.rt, "req"))["id"].(string)
	for _, missing := range []any{nil, ""} { // absent, then empty (RFC 7643 §2.5: unassigned)
		doc := s.minimal(a.rt, "req")
		if a.urn != "" {
			// The extension present, with another attribute: one
			// without it is a resource without the extension.
			for _, o := range s.attrs {
				if o.rt.Name == a.rt.Name && o.urn == a.urn && o.parent == nil && o.attr.Name != a.top().Name && o.clientSets() && !o.attr.Required {
					o.put(doc, s.sample(o, s.name("req")))
					break
				}
			}
		}
		if a.parent == nil {
			a.put(doc, missing)
		} else {
			pa := advertisedAttr{rt: a.rt, urn: a.urn, attr: *a.parent}
			v := s.sample(pa, s.name("req")).(map[string]any)
			v[a.attr.Name] = missing
			pa.put(doc, v)
		}
		if missing == nil {
			delete(a.object(doc, true), a.attr.Name)
			if a.parent != nil {
				pa := advertisedAttr{rt: a.rt, urn: a.urn, attr: *a.parent}
				v, _ := pa.get(doc)
				delete(v.(map[string]any), a.attr.Name)
			}
		}
		requireError(t, s.e.do("POST", a.rt.Endpoint, doc), 400, "invalidValue", a.attr.Name)
		requireError(t, s.e.do("PUT", a.rt.Endpoint+"/"+id, doc), 400, "invalidValue", a.attr.Name)
	}
}

// wrongType returns a value of another JSON type than a's, which a
// client might send for it.
func (a advertisedAttr) wrongType() any {
	switch a.attr.Type {
	case "string", "reference", "dateTime":
		return 5
	case "binary":
		return "not base64!"
	case "boolean":
		return "maybe"
	case "integer", "decimal":
		return "seven"
	case "complex":
		if a.attr.sub("value") != nil {
			return 5 // a bare string is the documented {"value": s}
		}
		return "x"
	}
	return nil
}

// checkType: a value of the wrong type is 400 invalidValue in a POST and
// a PATCH, where a client sets the attribute; a string for a complex
// attribute with a value is taken as its value, a bend strict mode
// refuses, but for the manager's and members' bare ids;
// "True"/"False" strings for a boolean are read as booleans in both
// modes (Entra ID); a canonical
// value list is a suggestion (RFC 7643 §7: values that "MAY be used"):
// another value is kept as sent; a reference to an external resource is
// absolute, a relative one kept with a warning and refused in strict
// mode; a reference the server makes names a resource of one of its
// referenceTypes.
func (s *advertisedSuite) checkType(a advertisedAttr, full map[string]any) {
	t := s.t
	if a.madeByServer() {
		if v, ok := a.get(full); ok {
			ref := v.(string)
			fits := false
			for _, rt := range s.types {
				fits = fits || slices.Contains(a.attr.ReferenceTypes, rt.Name) && strings.HasPrefix(ref, base+rt.Endpoint+"/")
			}
			assert.True(t, fits, "%s %q names no resource of %v", a.path(), ref, a.attr.ReferenceTypes)
		}
		return
	}
	if !a.clientSets() && (a.attr.Type != "complex" || a.readOnly()) || a.referee() != "" {
		return
	}
	doc := s.minimal(a.rt, "type")
	s.putValued(a, doc, a.wrongType())
	requireError(t, s.e.do("POST", a.rt.Endpoint, doc), 400, "invalidValue", a.attr.Name)
	id := s.create(a.rt, s.minimal(a.rt, "type"))["id"].(string)
	if !a.inMulti() {
		requireError(t, s.patch(s.e, a, id, op("replace", a.path(), a.wrongType())), 400, "invalidValue", a.attr.Name)
	}
	switch {
	case a.attr.Type == "complex" && a.attr.sub("value") != nil && a.attr.Name != "members" && a.attr.Name != "manager":
		// A string for it is taken as {"value": s}, a bend strict mode
		// refuses (README's leniency table); the manager's and members'
		// bare ids are no bend.
		doc := s.minimal(a.rt, "bare")
		s.putValued(a, doc, "bareMx")
		requireError(t, s.strict.do("POST", a.rt.Endpoint, doc), 400, "invalidValue", a.attr.Name)
	case a.attr.Type == "boolean":
		for _, e := range []*env{s.e, s.strict} {
			doc := s.minimal(a.rt, "bool")
			s.putValued(a, doc, "False")
			r := e.do("POST", a.rt.Endpoint, doc)
			require.Equal(t, 201, r.Code, r.Raw)
			got, _ := a.get(s.get(a.rt, r.str("id"), ""))
			assert.Equal(t, false, got)
		}
	case len(a.attr.CanonicalValues) > 0:
		doc := s.minimal(a.rt, "canon")
		s.putValued(a, doc, "NotCanonicalMx")
		r := s.strict.do("POST", a.rt.Endpoint, doc)
		require.Equal(t, 201, r.Code, r.Raw)
		got, _ := a.get(s.get(a.rt, r.str("id"), ""))
		assert.Equal(t, "NotCanonicalMx", got)
	case a.attr.Type == "reference" && slices.Equal(a.attr.ReferenceTypes, []string{"external"}):
		doc := s.minimal(a.rt, "ref")
		s.putValued(a, doc, "example.com/relative")
		requireError(t, s.strict.do("POST", a.rt.Endpoint, doc), 400, "invalidValue", a.attr.Name)
		r := s.e.do("POST", a.rt.Endpoint, doc)
		require.Equal(t, 201, r.Code, r.Raw)
		got, _ := a.get(r.Body)
		assert.Equal(t, "example.com/relative", got)
	}
}

// checkMultiValued: one value where a list is expected is taken as a
// list of it, a bend that strict mode refuses with 400 invalidSyntax; a
// list where one value is expected is 400 invalidValue in both modes
// (RFC 7643 §2.4).
func (s *advertisedSuite) checkMultiValued(a advertisedAttr) {
	t := s.t
	if a.parent != nil || !a.clientSets() && a.attr.Type != "complex" || a.readOnly() {
		return
	}
	one := s.sample(a, s.name("mv"))
	if a.attr.Required {
		one = s.name("mv")
	}
	if !a.attr.MultiValued {
		for _, e := range []*env{s.e, s.strict} {
			doc := s.minimal(a.rt, "mv")
			s.putValued(a, doc, []any{one})
			requireError(t, e.do("POST", a.rt.Endpoint, doc), 400, "invalidValue", a.attr.Name)
		}
		return
	}
	doc := s.minimal(a.rt, "mv")
	s.putValued(a, doc, nil)
	a.object(doc, true)[a.attr.Name] = one
	requireError(t, s.strict.do("POST", a.rt.Endpoint, doc), 400, "invalidSyntax", a.attr.Name)
	doc = s.minimal(a.rt, "mv")
	s.putValued(a, doc, nil)
	a.object(doc, true)[a.attr.Name] = one
	r := s.e.do("POST", a.rt.Endpoint, doc)
	require.Equal(t, 201, r.Code, r.Raw)
	got, ok := a.get(s.get(a.rt, r.str("id"), ""))
	assert.True(t, ok, "one value for %s was not kept", a.path())
	if a.attr.Type != "complex" {
		assert.EqualValues(t, one, got)
	}
}

// checkResourceType: a resource type's endpoint makes resources of it
// (meta.resourceType, schemas, meta.location), /Schemas serves its
// schema and extensions, and an extension's required holds: without a
// required one a POST is 400 invalidValue, without an optional one 201.
func (s *advertisedSuite) checkResourceType(rt servedType) {
	t := s.t
	r := s.e.do("GET", "/ResourceTypes/"+rt.ID, nil)
	require.Equal(t, 200, r.Code, r.Raw)
	assert.Equal(t, rt.Endpoint, r.str("endpoint"))
	assert.Equal(t, rt.Schema, r.str("schema"))
	for _, urn := range append([]string{rt.Schema}, func() (o []string) {
		for _, x := range rt.SchemaExtensions {
			o = append(o, x.Schema)
		}
		return o
	}()...) {
		r := s.e.do("GET", "/Schemas/"+urn, nil)
		require.Equal(t, 200, r.Code, r.Raw)
		assert.Equal(t, urn, r.str("id"))
	}
	r = s.e.do("POST", rt.Endpoint, s.minimal(rt, "rt"))
	required := false
	for _, x := range rt.SchemaExtensions {
		required = required || x.Required
	}
	if required {
		requireError(t, r, 400, "invalidValue", "")
		return
	}
	require.Equal(t, 201, r.Code, r.Raw)
	meta := r.Body["meta"].(map[string]any)
	assert.Equal(t, rt.Name, meta["resourceType"])
	assert.Equal(t, base+rt.Endpoint+"/"+r.str("id"), meta["location"])
	assert.Equal(t, []any{rt.Schema}, r.Body["schemas"])
	got := s.get(rt, r.str("id"), "")
	assert.Equal(t, rt.Name, got["meta"].(map[string]any)["resourceType"])
}
