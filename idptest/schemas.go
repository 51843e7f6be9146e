package idptest

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/scimkit/scim/resources"
)

// Advertised is what a target lists in GET /Schemas: for each schema URN,
// the names of its top-level attributes and, after each one's name and a
// dot, those of its sub-attributes ("name.givenName"). A host that declares an
// attribute subset (resources.ModelConfig.UserAttributes) lists fewer
// than RFC 7643 defines, and providers build their mapping from that
// list, so a conversation's expectation on an attribute the target does
// not advertise is not the target's to meet.
type Advertised map[string][]string

// has reports whether the target advertises attr in schema
// (case-insensitively, as SCIM names are).
func (a Advertised) has(schema, attr string) bool {
	for urn, names := range a {
		if !strings.EqualFold(urn, schema) {
			continue
		}
		for _, n := range names {
			if strings.EqualFold(n, attr) {
				return true
			}
		}
	}
	return false
}

// rfcSchemas are the schemas of RFC 7643 whose attributes a target may
// leave out of /Schemas: User, Group and the enterprise User extension.
var rfcSchemas = func() []*resources.Schema {
	m := resources.DefaultModel()
	out := []*resources.Schema{m.User.Schema, m.Group.Schema}
	for _, e := range m.User.Extensions {
		out = append(out, e.Schema)
	}
	return out
}()

// unadvertised returns the attribute an expectation's path names when it
// is an attribute of an RFC 7643 schema that a does not advertise (as
// "title" or "urn:…:User:manager"), or a sub-attribute of one that a
// advertises with some of its sub-attributes only (as "name.middleName"
// for name.middleName or emails[0].primary), and "" when the expectation
// must be checked: a is nil (nothing read), the path names a common
// attribute (id, externalId, meta, schemas), a message field, or an
// attribute of a schema this package does not know.
func (a Advertised) unadvertised(path string) string {
	s, attr, rest := a.attrAt(path)
	if attr == nil {
		return ""
	}
	if !a.has(s.ID, attr.Name) {
		return a.name(s, attr.Name)
	}
	for _, seg := range rest {
		if seg.key != "" {
			if a.leavesOut(s, attr, seg.key) {
				return a.name(s, attr.Name+"."+seg.key)
			}
			break
		}
	}
	return ""
}

// attrAt resolves the attribute of an RFC 7643 schema that an
// expectation's path names (in a resource, or a list's resource): its
// schema, the attribute and the segments after it; attr is nil when a
// is nil or the path names no such attribute (see unadvertised).
func (a Advertised) attrAt(path string) (s *resources.Schema, attr *resources.Attribute, rest []segment) {
	if a == nil {
		return nil, nil, nil
	}
	segs, err := parsePath(path)
	if err != nil {
		return nil, nil, nil
	}
	if len(segs) > 0 && segs[0].key == "Resources" {
		segs = segs[1:] // a list's resource
	}
	if len(segs) > 0 && segs[0].key == "" {
		segs = segs[1:]
	}
	if len(segs) == 0 || segs[0].key == "" {
		return nil, nil, nil
	}
	first := segs[0].key
	for _, s := range rfcSchemas {
		if strings.EqualFold(first, s.ID) {
			if len(segs) < 2 || segs[1].key == "" || s.Attr(segs[1].key) == nil {
				return nil, nil, nil
			}
			return s, s.Attr(segs[1].key), segs[2:]
		}
	}
	// A core name may be the User's or the Group's (displayName): the
	// schema that advertises it, else the first that defines it.
	for _, s := range rfcSchemas[:2] {
		if at := s.Attr(first); at != nil && a.has(s.ID, at.Name) {
			return s, at, segs[1:]
		}
	}
	for _, s := range rfcSchemas[:2] {
		if at := s.Attr(first); at != nil {
			return s, at, segs[1:]
		}
	}
	return nil, nil, nil
}

// name is how NotChecked names path, an attribute of s (with a
// sub-attribute after a dot): a core one alone, an extension's after its
// URN.
func (a Advertised) name(s *resources.Schema, path string) string {
	if s == rfcSchemas[0] || s == rfcSchemas[1] {
		return path
	}
	return s.ID + ":" + path
}

// leavesOut reports whether the target advertises attr, an attribute of
// s, with some of its sub-attributes only (ReadAdvertised lists them as
// "name.givenName") and not with sub, one RFC 7643 gives it. A target
// that lists no sub-attribute of attr is taken to keep them all.
func (a Advertised) leavesOut(s *resources.Schema, attr *resources.Attribute, sub string) bool {
	if attr.Sub(sub) == nil {
		return false
	}
	listed := false
	for urn, names := range a {
		if !strings.EqualFold(urn, s.ID) {
			continue
		}
		for _, n := range names {
			if top, sn, ok := strings.Cut(n, "."); ok && strings.EqualFold(top, attr.Name) {
				if strings.EqualFold(sn, sub) {
					return false
				}
				listed = true
			}
		}
	}
	return listed
}

// prune returns want, what an expectation at path wants of an attribute
// the target advertises with some of its sub-attributes only, without
// those sub-attributes it leaves out (an email's primary in
// {"$contains": {"value": ..., "primary": true}}), and their names for
// NotChecked; want itself when there is nothing to leave out. A provider
// sends them, and the target ignores them as its /Schemas says.
func (a Advertised) prune(path string, want any) (any, []string) {
	s, attr, rest := a.attrAt(path)
	if attr == nil || len(attr.SubAttributes) == 0 || !a.has(s.ID, attr.Name) {
		return want, nil
	}
	for _, seg := range rest {
		if seg.key != "" {
			return want, nil // a path into a value: unadvertised's to judge
		}
	}
	var dropped []string
	var walk func(v any) any
	walk = func(v any) any {
		switch w := v.(type) {
		case []any:
			out := make([]any, len(w))
			for i, el := range w {
				out[i] = walk(el)
			}
			return out
		case map[string]any:
			out := make(map[string]any, len(w))
			for k, x := range w {
				switch {
				case strings.HasPrefix(k, "$"):
					out[k] = walk(x) // a matcher's argument
				case a.leavesOut(s, attr, k) && !wantsAbsent(x):
					if n := a.name(s, attr.Name+"."+k); !slices.Contains(dropped, n) {
						dropped = append(dropped, n)
					}
				default:
					out[k] = x
				}
			}
			return out
		}
		return v
	}
	out := walk(want)
	if dropped == nil {
		return want, nil
	}
	return out, dropped
}

// ReadAdvertised reads what target lists in GET /Schemas, for
// Options.Advertised. It returns nil (every expectation checked) when the
// target does not answer with a ListResponse of schemas: reading it is a
// courtesy to targets that declare a subset, not a check. Test,
// TestTarget and Replay call it once per run.
func ReadAdvertised(ctx context.Context, target Target) Advertised {
	ex, body := get(ctx, target, "/Schemas")
	doc, ok := body.(map[string]any)
	if ex.Err != nil || ex.Status != http.StatusOK || !ok {
		return nil
	}
	list, _ := doc["Resources"].([]any)
	out := Advertised{}
	for _, it := range list {
		s, _ := it.(map[string]any)
		id, _ := s["id"].(string)
		if id == "" {
			continue
		}
		out[id] = attributeNames(s["attributes"], "")
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// attributeNames lists the names of the attribute definitions attrs (a
// schema's "attributes", or an attribute's "subAttributes"), each after
// prefix, followed by those of its sub-attributes after its name and a
// dot: a target may keep some only (name.givenName).
func attributeNames(attrs any, prefix string) []string {
	list, _ := attrs.([]any)
	names := []string{}
	for _, at := range list {
		m, _ := at.(map[string]any)
		if n, ok := m["name"].(string); ok {
			names = append(names, prefix+n)
			if prefix == "" {
				names = append(names, attributeNames(m["subAttributes"], n+".")...)
			}
		}
	}
	return names
}
