package patch

import (
	"strings"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/internal/names"
)

// Sets forecasts the string value ops give name, a single-valued simple
// attribute of the core schema: the value of the last add or replace
// that names it, as its path or as a key of a value without a path
// (Okta's {"password": "…"}), in any spelling the engine resolves to it
// ("PASSWORD", the core schema's URN before it, or as a key whose object
// holds it); ok false when no
// operation sets it to a string, or a later one removes it. It is a
// forecast, not ApplyTo, which may refuse the operations or bend the
// value: a caller readies with it what applying ops will most likely
// need (the handler hashes the password a PATCH sets before the store's
// transaction runs the PATCH).
func (e *Engine) Sets(ops []Operation, name string) (v string, ok bool) {
	want := e.rt.Resolve(filter.AttrPath{Name: name})
	if want.Attr == nil || want.Extension != nil || want.Attr.MultiValued {
		return "", false
	}
	isAttr := func(path string) bool {
		var p filter.AttrPath
		if path = strings.TrimSpace(path); plainName(path) {
			p.Name = path
		} else if pp, err := e.parser.ParsePath(path); err == nil && pp.Filter == nil {
			p = pp.AttrPath
		} else {
			return false
		}
		r := e.rt.Resolve(p)
		return r.Attr == want.Attr && r.Sub == nil && r.Extension == nil
	}
	for _, op := range ops {
		switch names.Lower(strings.TrimSpace(op.Op)) {
		case "add", "replace":
		case "remove":
			if isAttr(op.Path) {
				v, ok = "", false
			}
			continue
		default:
			continue
		}
		if op.Path != "" {
			if isAttr(op.Path) {
				v, ok = op.Value.(string)
			}
			continue
		}
		// Two spellings of it in one value are refused (applyKeys): no
		// forecast, whatever the map's order.
		seen, twice := false, false
		take := func(obj map[string]any) {
			for k, val := range obj {
				if !twice && isAttr(k) {
					if seen {
						twice = true
						return
					}
					seen = true
					v, ok = val.(string)
				}
			}
		}
		obj, _ := op.Value.(map[string]any)
		take(obj)
		for k, val := range obj {
			// The core schema's URN as a key holds core attributes
			// ({"urn:…:core:2.0:User": {"password": "…"}}), as applyKey
			// reads it.
			if inner, isObj := val.(map[string]any); isObj && names.Equal(k, e.rt.Schema.ID) {
				take(inner)
			}
		}
		if twice {
			v, ok = "", false
		}
	}
	return v, ok
}
