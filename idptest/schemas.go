package idptest

import (
	"context"
	"net/http"
	"strings"

	"github.com/scimkit/scim/resources"
)

// Advertised is what a target lists in GET /Schemas: for each schema URN,
// the names of its top-level attributes. A host that declares an
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
// "title" or "urn:…:User:manager"), and "" when the expectation must be
// checked: a is nil (nothing read), the path names a common attribute
// (id, externalId, meta, schemas), a message field, or an attribute of a
// schema this package does not know.
func (a Advertised) unadvertised(path string) string {
	if a == nil {
		return ""
	}
	segs, err := parsePath(path)
	if err != nil {
		return ""
	}
	if len(segs) > 0 && segs[0].key == "Resources" {
		segs = segs[1:] // a list's resource
	}
	if len(segs) > 0 && segs[0].key == "" {
		segs = segs[1:]
	}
	if len(segs) == 0 || segs[0].key == "" {
		return ""
	}
	first := segs[0].key
	for _, s := range rfcSchemas {
		if strings.EqualFold(first, s.ID) {
			if len(segs) < 2 || segs[1].key == "" || s.Attr(segs[1].key) == nil || a.has(s.ID, segs[1].key) {
				return ""
			}
			return s.ID + ":" + segs[1].key
		}
	}
	known := false
	for _, s := range rfcSchemas[:2] {
		if s.Attr(first) == nil {
			continue
		}
		known = true
		if a.has(s.ID, first) {
			return ""
		}
	}
	if !known {
		return ""
	}
	return first
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
		attrs, _ := s["attributes"].([]any)
		names := []string{}
		for _, at := range attrs {
			if m, ok := at.(map[string]any); ok {
				if n, ok := m["name"].(string); ok {
					names = append(names, n)
				}
			}
		}
		out[id] = names
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
