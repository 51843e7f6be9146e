package resources

import (
	"slices"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/internal/names"
)

// Resolved is an attribute path resolved against a resource type: what
// ResourceType.Resolve gives, and all that the handler's projection and
// sorting, the filter evaluator and the PATCH engine need to know of a
// path before they act on it.
type Resolved struct {
	// Attr is the attribute, nil when the path names a whole extension
	// (Extension set) or nothing the type defines.
	Attr *Attribute
	// Sub is the sub-attribute the path names, or nil.
	Sub *Attribute
	// Extension is the extension schema holding Attr, or the whole
	// extension the path names; nil for core and common attributes.
	Extension *Schema
	// Missing: the path names a schema, attribute or sub-attribute that
	// the type does not define. Attr, Sub and Extension say how far it
	// resolved (an extension whose attribute is unknown has Extension set).
	Missing bool
}

// Resolve resolves p (as the filter package parses paths) against rt:
// the one place where a path's schema URN, attribute and sub-attribute
// are looked up, case-insensitively. A known extension URN given as a
// path on its own names the whole extension, also when the parser split
// it at its last colon (urn:...:2.0:User parsed as URI urn:...:2.0 and
// name User).
func (rt *ResourceType) Resolve(p filter.AttrPath) Resolved {
	if p.URI != "" && p.Name != "" && p.Sub == "" {
		if ext := rt.Extension(p.URI + ":" + p.Name); ext != nil {
			return Resolved{Extension: ext}
		}
	}
	if p.Name == "" {
		if ext := rt.Extension(p.URI); ext != nil && p.URI != "" {
			return Resolved{Extension: ext}
		}
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

// ServerRefSub reports whether sub, a sub-attribute of attr (nil for
// attr itself), is the "$ref" the server makes (ServerRef).
func (rt *ResourceType) ServerRefSub(attr, sub *Attribute) bool {
	return sub != nil && sub.Name == "$ref" && rt.ServerRef(attr)
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
