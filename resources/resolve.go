package resources

import (
	"slices"
	"strconv"
	"strings"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/internal/clienttext"
	"github.com/scimkit/scim/internal/names"
)

// Resolved is an attribute path resolved against a resource type: what
// ResourceType.Resolve gives, and all that the handler's projection and
// sorting, the filter evaluator and the PATCH engine need to know of a
// path before they act on it.
type Resolved struct {
	// Attr is the attribute, nil when the path names a whole schema
	// (Whole set: an extension, Extension set too, or the core schema,
	// Extension nil) or nothing the type defines (Missing).
	Attr *Attribute
	// Sub is the sub-attribute the path names, or nil.
	Sub *Attribute
	// Extension is the extension schema holding Attr, or the whole
	// extension the path names; nil for core and common attributes.
	Extension *Schema
	// Whole is the schema a path of its URN alone names as a whole: an
	// extension (Extension is it too) or the core schema (Attr and
	// Extension nil). RFC 7644 §3.10 names an attribute by its schema
	// URN and name, and an extension by its URN; the core URN alone is
	// the same notation, naming every core attribute (and the common
	// ones, id, externalId and meta, which Attr qualifies by it too).
	Whole *Schema
	// Missing: the path names a schema, attribute or sub-attribute that
	// the type does not define. Attr, Sub and Extension say how far it
	// resolved (an extension whose attribute is unknown has Extension set).
	Missing bool
}

// NeverReturned is the path of r's attribute, or of its sub-attribute,
// when the one it names is never returned (RFC 7643 §2.4: a secret, as
// "password" or a host's "recovery.code" is), or "". A filter may not
// compare such an attribute, in a list or in a PATCH path's value
// filter, or a client could test guesses against a value it can never
// read.
func (r Resolved) NeverReturned() string {
	switch {
	case r.Attr == nil:
		return ""
	case r.Attr.Returned == ReturnedNever:
		return r.Attr.Name
	case r.Sub != nil && r.Sub.Returned == ReturnedNever:
		return r.Attr.Name + "." + r.Sub.Name
	}
	return ""
}

// NeverReturnedRefusal is why a filter that compares path, an attribute
// or sub-attribute whose values are never returned (NeverReturned), is
// refused, and what to do instead: the detail of the 400 invalidFilter,
// one text wherever a filter is taken (a list's, a PATCH path's value
// filter).
func NeverReturnedRefusal(path string) string {
	return strconv.Quote(path) + " cannot be used in a filter: it is never returned (a secret), and comparing it would let a client test guesses against it; filter on another attribute"
}

// Resolve resolves p (as the filter package parses paths) against rt:
// the one place where a path's schema URN, attribute and sub-attribute
// are looked up, case-insensitively. A known schema URN given as a path
// on its own names the whole schema (Whole), also when the parser split
// it at its last colon (urn:...:2.0:User parsed as URI urn:...:2.0 and
// name User): an extension's, or the core schema's.
func (rt *ResourceType) Resolve(p filter.AttrPath) Resolved {
	if p.URI != "" && p.Sub == "" {
		if s := rt.schemaNamed(p.URI, p.Name); s != nil {
			if s == rt.Schema {
				return Resolved{Whole: s}
			}
			return Resolved{Extension: s, Whole: s}
		}
	}
	if p.Name == "" {
		return Resolved{Missing: true}
	}
	a, urn := rt.Attr(p.URI, p.Name)
	var ext *Schema
	if urn != "" && !names.Equal(urn, rt.Schema.ID) {
		ext = rt.Extension(urn)
	} else if a == nil && p.URI != "" {
		ext = rt.Extension(p.URI)
	}
	if a == nil {
		return Resolved{Extension: ext, Missing: true}
	}
	r := Resolved{Attr: a, Extension: ext}
	if p.Sub != "" {
		if r.Sub = a.Sub(p.Sub); r.Sub == nil {
			r.Missing = true
		}
	}
	return r
}

// DottedPath is an attribute path a client wrote with a dot between an
// extension's URN and its attribute (urn:…:enterprise:2.0:User.department),
// as ResourceType.ReadDotted reads it: with the colon RFC 7644 §3.10 puts
// there. Microsoft Entra ID's provisioning jobs made before December 2018
// (customappsso) write extension attributes so. Its Warning and Refusal
// are the one text of this bend wherever a client names an attribute (a
// PATCH path or value key, a filter, sortBy, attributes and
// excludedAttributes); the caller decides which to give.
type DottedPath struct {
	// Path is the path read in place of the one sent: the extension's
	// URN as the type spells it, a colon, and the attribute.
	Path filter.AttrPath
	// secrets is the type's, which the messages conceal client text by.
	secrets *clienttext.Secrets
}

// Warning is the bend's warning; named is how the caller names what was
// sent (path "urn:…:User.department", sortBy "…"): path
// "urn:…:User.department" taken as "urn:…:User:department": an
// extension's attribute follows its URN after a colon.
func (d DottedPath) Warning(named string) string {
	return d.secrets.Sprintf("%s taken as %q: an extension's attribute follows its URN after a colon", named, d.Path.String())
}

// Refusal is strict mode's detail for the bend, named as for Warning,
// saying what to send.
func (d DottedPath) Refusal(named string) string {
	return d.secrets.Sprintf("%s: an extension's attribute follows its URN after a colon, not a dot: send %q (strict mode)", named, d.Path.String())
}

// ReadDotted reports whether p, an attribute path a client sent, is an
// attribute of one of rt's extensions written after a dot, and how it is
// read (DottedPath): p resolves to nothing in rt (ResolveQuery), so that a
// path that names an attribute as written is never read otherwise, and
// p's URI and name join to the URN of one of rt's extensions with p's
// sub-attribute after them (the filter package parses
// urn:…:enterprise:2.0:User.department as URI urn:…:enterprise:2.0, name
// User and sub-attribute department). The one place this bend is
// decided; a path that needs no look-up (no URI, or no sub-attribute)
// costs nothing.
func (rt *ResourceType) ReadDotted(p filter.AttrPath) (DottedPath, bool) {
	if p.URI == "" || p.Sub == "" {
		return DottedPath{}, false
	}
	s := rt.schemaNamed(p.URI, p.Name)
	if s == nil || s == rt.Schema || !rt.ResolveQuery(p).Missing {
		return DottedPath{}, false
	}
	return DottedPath{Path: filter.AttrPath{URI: s.ID, Name: p.Sub}, secrets: rt.secretSet()}, true
}

// QualifyHint is what a message about p, a path a client sent that names
// nothing in rt, adds when p is an attribute (and sub-attribute) of rt's
// extensions written without the extension's URN (employeeNumber,
// manager.value): "; an extension's attribute is named after its URN (RFC
// 7644 §3.10): send \"urn:…:User:employeeNumber\"" (or "send one of" the
// paths, when several extensions define it), else "". RFC 7644 §3.10 has
// clients "fully qualify extended attributes with the associated schema
// extension URN to avoid naming conflicts", and such a path is not read
// as an extension's: a host extension added later could define the name
// too and change what a provider's stored filter means. The one place
// the refusals and warnings of an unknown attribute (a filter's, sortBy's,
// attributes', a PATCH path's, a body's) learn what to tell the client.
func (rt *ResourceType) QualifyHint(p filter.AttrPath) string {
	if p.URI != "" || p.Name == "" {
		return ""
	}
	if a, _ := rt.Attr("", p.Name); a != nil {
		return ""
	}
	var paths []string
	for _, e := range rt.Extensions {
		a := e.Schema.Attr(p.Name)
		if a == nil {
			continue
		}
		q := filter.AttrPath{URI: e.Schema.ID, Name: a.Name}
		if p.Sub != "" {
			sub := a.Sub(p.Sub)
			if sub == nil {
				continue
			}
			q.Sub = sub.Name
		}
		paths = append(paths, strconv.Quote(q.String()))
	}
	switch len(paths) {
	case 0:
		return ""
	case 1:
		return "; an extension's attribute is named after its URN (RFC 7644 §3.10): send " + paths[0]
	}
	return "; an extension's attribute is named after its URN (RFC 7644 §3.10): send one of " + strings.Join(paths, ", ")
}

// NoAttribute is the one text of a path a client sent that names no
// attribute of rt, said after the path as the client wrote it (a body's
// key, a PATCH path, a filter's or sortBy's path): "is not an attribute
// of User or its extensions; send one that GET /Schemas lists", or, when
// p is an extension's attribute written without its URN, the
// QualifyHint that says which path to send instead. A sub-attribute
// that an attribute of rt does not define (emails.nope, userName.x) is
// NoSubAttribute's text of that attribute. A nil rt (a value checked
// apart from its resource type, NormalizeValue) is "this resource type".
func (rt *ResourceType) NoAttribute(p filter.AttrPath) string {
	if rt == nil {
		return rt.noAttribute("")
	}
	if p.Sub != "" {
		if r := rt.Resolve(filter.AttrPath{URI: p.URI, Name: p.Name}); r.Attr != nil && !r.Missing {
			parent := filter.AttrPath{Name: r.Attr.Name}
			switch {
			case r.Extension != nil:
				parent.URI = r.Extension.ID
			case p.URI != "":
				parent.URI = rt.Schema.ID
			}
			return NoSubAttribute(r.Attr, parent.String())
		}
	}
	return rt.noAttribute(rt.QualifyHint(p))
}

// NoSubAttribute is NoAttribute's text of a sub-attribute a client sent
// that a, the attribute at parent (its path, as a schema names it), does
// not define, said after the sub-attribute's path: it names the parent
// and what to send instead, "is not a sub-attribute of \"emails\"; send
// one that GET /Schemas lists for it: value, display, type, primary", or,
// of an attribute without sub-attributes, "is not a sub-attribute of
// \"userName\", which has none; send \"userName\" itself". The one text
// of it: Normalize's refusal of a member of a value (emails[0].nope),
// the PATCH engine's of a path, a filter's and sortBy's.
func NoSubAttribute(a *Attribute, parent string) string {
	text := "is not a sub-attribute of " + strconv.Quote(parent)
	if len(a.SubAttributes) == 0 {
		return text + ", which has none; send " + strconv.Quote(parent) + " itself"
	}
	return text + "; send one that GET /Schemas lists for it: " + subNames(a)
}

// noAttribute is NoAttribute once the hint is known.
func (rt *ResourceType) noAttribute(hint string) string {
	name := "this resource type"
	if rt != nil {
		name = rt.Name
	}
	return noAttributeOf(name+" or its extensions", hint)
}

// noAttributeOf is the text of a path that is not an attribute of owner
// (its resource types and their extensions), with hint, or else the
// advice to send one that GET /Schemas lists.
func noAttributeOf(owner, hint string) string {
	if hint == "" {
		hint = "; send one that GET /Schemas lists"
	}
	return "is not an attribute of " + owner + hint
}

// NoAttributeOfAny is NoAttribute's text for a request across the
// resource types rts (a root query's attributes): p is an attribute of
// none of them. A text that says what to send instead, a sub-attribute's
// (emails.nope) or an extension's URN to put before the name, is the
// first type's that has one, as that type's NoAttribute words it; else it
// names every type, "is not an attribute of User, Group or their
// extensions; send one that GET /Schemas lists", and not the first alone.
func NoAttributeOfAny(rts []*ResourceType, p filter.AttrPath) string {
	if len(rts) == 1 {
		return rts[0].NoAttribute(p)
	}
	names := make([]string, 0, len(rts))
	for _, rt := range rts {
		if t := rt.NoAttribute(p); t != rt.noAttribute("") {
			return t
		}
		names = append(names, rt.Name)
	}
	owner := "any resource type" // no type at all
	if len(names) > 0 {
		owner = strings.Join(names, ", ") + " or their extensions"
	}
	return noAttributeOf(owner, "")
}

// noPath is NoAttribute of path, a path as the body readers and the
// PATCH engine name an unknown attribute (Lenience.Unknown), whose
// qualifyHint is hint: an attribute's sub-attribute (emails.nope) gets
// NoAttribute's text of it, any other path noAttribute's.
func (rt *ResourceType) noPath(path, hint string) string {
	if rt == nil || strings.ContainsAny(path, ":[") {
		return rt.noAttribute(hint)
	}
	name, sub, ok := strings.Cut(path, ".")
	if !ok || strings.Contains(sub, ".") {
		return rt.noAttribute(hint)
	}
	return rt.NoAttribute(filter.AttrPath{Name: name, Sub: sub})
}

// qualifyHint is QualifyHint of path, a path as the body readers and the
// PATCH engine name an unknown attribute (Lenience.Unknown): "" for one
// with a schema URN or a value filter.
func (rt *ResourceType) qualifyHint(path string) string {
	if rt == nil || strings.ContainsAny(path, ":[") {
		return ""
	}
	name, sub, _ := strings.Cut(path, ".")
	if strings.Contains(sub, ".") {
		return ""
	}
	return rt.QualifyHint(filter.AttrPath{Name: name, Sub: sub})
}

// schemasAttr is "schemas" as a query reads it (ResolveQuery). Never
// modified.
var schemasAttr = &Attribute{Name: "schemas", Type: TypeReference, MultiValued: true}

// ResolveQuery is Resolve for the path of a filter or a sortBy, which may
// also name "schemas" (RFC 7644 §3.4.2.2, §3.4.2.3: any attribute):
// no schema defines it, but every resource holds it (RFC 7643 §3), and a
// query reads it as a multi-valued, case-insensitive reference
// (IsSchemas). The one place the filter evaluator, the stores' query
// compilers and the handler's sortBy check learn it.
func (rt *ResourceType) ResolveQuery(p filter.AttrPath) Resolved {
	if p.URI == "" && p.Sub == "" && names.Equal(p.Name, "schemas") {
		return Resolved{Attr: schemasAttr}
	}
	return rt.Resolve(p)
}

// IsSchemas reports whether r is ResolveQuery's "schemas".
func (r Resolved) IsSchemas() bool { return r.Attr == schemasAttr }

// schemaNamed returns rt's core or extension schema whose URN is uri,
// or uri, ':' and name when name is not empty (in any case), or nil.
// It joins nothing: Resolve runs for every path of every filter.
func (rt *ResourceType) schemaNamed(uri, name string) *Schema {
	is := func(s *Schema) bool {
		id := s.ID
		if name == "" {
			return names.Equal(uri, id)
		}
		return len(id) == len(uri)+1+len(name) && id[len(uri)] == ':' &&
			names.Equal(uri, id[:len(uri)]) && names.Equal(name, id[len(uri)+1:])
	}
	if is(rt.Schema) {
		return rt.Schema
	}
	for _, e := range rt.Extensions {
		if is(e.Schema) {
			return e.Schema
		}
	}
	return nil
}

// ServerRefSub reports whether sub, a sub-attribute of attr (nil for
// attr itself), is the "$ref" the server makes (ServerRef).
func (rt *ResourceType) ServerRefSub(attr, sub *Attribute) bool {
	return sub != nil && sub.Name == "$ref" && rt.ServerRef(attr)
}

// ServerMade returns the refusal of a filter, a PATCH path's value filter
// or a sortBy that names sub of attr, an attribute of rt (sub nil for
// attr itself), when it is a value the handler makes as it answers and
// no store keeps, and "" otherwise. Those values: a $ref it makes
// (ServerRefSub: members.$ref, groups.$ref, the enterprise manager's),
// the enterprise manager's displayName (rendered from the manager's
// User; readOnly in /Schemas) and meta.location (from the base URL and
// the id). A filter that compared one would match nothing whatever the
// data, and a sort by one would leave every store's order as created, so
// the handler refuses each (400 invalidFilter in a filter, invalidValue
// for a sortBy) with this one text, which says what to use instead. The
// one place that knows which values the server makes.
func (rt *ResourceType) ServerMade(attr, sub *Attribute) string {
	if sub == nil || attr == nil {
		return ""
	}
	switch sub.Name { // the schema's own names: one compare for most paths
	case "$ref", "displayName", "location":
	default:
		return ""
	}
	var path, from, instead string
	switch ent := rt.Extension(EnterpriseUserSchema); {
	case rt.ServerRefSub(attr, sub):
		path, from, instead = attr.Name+".$ref", "the value beside it", attr.Name+".value"
		if ent != nil && ent.Attr(attr.Name) == attr {
			path, instead = ent.ID+":"+path, ent.ID+":"+instead
		}
	case ent != nil && attr == ent.Attr("manager") && sub == attr.Sub("displayName"):
		path, from, instead = ent.ID+":manager.displayName", "the manager's User", ent.ID+":manager.value"
	case sub.Name == "location" && attr == find(rt.common, "meta"):
		path, from, instead = "meta.location", "the base URL and the id", "id"
	default:
		return ""
	}
	return `"` + path + `" cannot be used in a filter or a sortBy: the server makes it from ` + from + ` as it answers and stores none; use ` + instead + ` instead`
}

// ServerRef reports whether the "$ref" sub-attribute of attr, an
// attribute of rt, is one the server makes instead of storing: that of an
// attribute of the core schema or of the enterprise extension (a group's
// members, a user's groups, the enterprise manager), which the handler
// renders from each value's "value" as it answers. No stored document
// holds it, so a filter that compares it would match nothing whatever the
// data; the handler and the PATCH engine refuse such a filter instead.
// A host's own extension keeps a "$ref" as the client sent it.
func (rt *ResourceType) ServerRef(attr *Attribute) bool {
	if attr == nil || attr.Sub("$ref") == nil {
		return false
	}
	if slices.Contains(rt.Schema.Attributes, attr) {
		return true
	}
	ent := rt.Extension(EnterpriseUserSchema)
	return ent != nil && slices.Contains(ent.Attributes, attr)
}
