package scim

import (
	"encoding/json"
	"net/http"
	"reflect"
	"slices"

	"github.com/scimkit/scim/internal/names"
	"github.com/scimkit/scim/internal/patch"
	"github.com/scimkit/scim/resources"
)

// extKeep is what a PUT keeps of one extension's stored object
// (keepOnReplace), found once per resource type (newExtKeeps): the
// extension attributes and sub-attributes a replacement must not lose or
// change (a host's: the core and enterprise schemas have none):
//
//   - hidden, the ones responses leave out (hiddenAttrs: returned
//     "never", and "request", which a client that did not ask for it
//     has not seen either): it cannot resend them, so a PUT that leaves
//     one out (or sends null) keeps it, as a PUT without a password
//     keeps the password.
//     Otherwise every provider that updates with GET then PUT would wipe
//     it on each cycle. A sub-attribute is kept inside its complex
//     attribute even when the PUT leaves that out, since the client saw
//     the attribute without it. The values of a multi-valued complex
//     attribute have no identity, so one is matched by what a GET shows
//     of it and a client sets (keptValues): a sent value whose shown
//     sub-attributes, and immutable ones it sends, equal those of
//     exactly one stored value takes that value's hidden ones, and its
//     readOnly and immutable ones as below; one that equals two or more
//     stored values, or none, keeps none.
//   - immutable: RFC 7643 §2.2, "The attribute SHALL NOT be updated";
//     RFC 7644 §3.5.1, "If one or more values are already set for the
//     attribute, the input value(s) MUST match, or HTTP status code 400
//     SHOULD be returned with a "scimType" error code of "mutability"".
//     A PUT that sends another value (patch.EqualValue, as PATCH
//     judges) is that 400; one that sends the same value or leaves it
//     out keeps the stored one (clearing it would let the next write set
//     another). The same holds for an immutable sub-attribute of a
//     single-valued complex attribute. Of a multi-valued one, a sent
//     value with another immutable value is another value (sameValue),
//     not a change of the stored one.
//   - readOnly: the host's to set (through its store, a bridge), and a
//     request's value for one is dropped, so a PUT cannot send it; RFC
//     7644 §3.5.1: readOnly attributes "SHALL be ignored". A PUT keeps
//     the stored value whether it leaves the attribute out, resends it or
//     sends another (dropped before, or ignored here), as for a readOnly
//     sub-attribute of a single-valued complex attribute, and of the
//     value of a multi-valued one that a sent value matches. Otherwise a
//     provider's GET then PUT would erase the host's value on each cycle.
//
// What an extension requires (resources.Required) is checked on the
// result, after what the PUT keeps is applied: a required attribute kept
// from the stored object need not be resent, and one the resource never
// had must be sent like any other.
type extKeep struct {
	urn    string
	attrs  []keptAttr
	values []keptValues
}

// keptValues is a multi-valued complex attribute, a, whose values have
// sub-attributes a PUT keeps (extKeep), kept: hidden ones, readOnly ones
// and immutable ones. A value the PUT sends takes them from the one
// stored value it stands for (sameValue): whose shown sub-attributes,
// the others (those a GET returns and a request can set and change),
// and immutable ones, are the same as its own (keepInValues).
type keptValues struct {
	a           *resources.Attribute
	kept, shown []*resources.Attribute
}

// keptAttr is an attribute a PUT keeps (a), or a sub-attribute of it
// (sub, when not nil).
type keptAttr struct {
	a, sub *resources.Attribute
}

// newExtKeeps returns what a PUT keeps of each extension of rt that has
// anything to keep, hidden the attributes rt's responses leave out
// (hiddenAttrs); nil for a type without such attributes.
func newExtKeeps(rt *resources.ResourceType, hidden []hiddenAttr) []extKeep {
	var out []extKeep
	for _, e := range rt.Extensions {
		urn := e.Schema.ID
		if names.Equal(urn, resources.EnterpriseUserSchema) {
			// A User's typed Enterprise, not in Extensions: its one
			// readOnly value, manager.displayName, is made from the
			// manager's User on each read, never kept.
			continue
		}
		var attrs []keptAttr
		var values []keptValues
		kept := func(a, sub *resources.Attribute) bool {
			return slices.Contains(attrs, keptAttr{a, sub})
		}
		for _, h := range hidden {
			if h.ref.urn != urn {
				continue
			}
			a := e.Schema.Attr(h.ref.name)
			if a == nil {
				continue
			}
			var sub *resources.Attribute
			if h.ref.sub != "" {
				if sub = a.Sub(h.ref.sub); sub == nil {
					continue
				}
				if a.MultiValued {
					values = addKeptValue(values, a, sub)
					continue
				}
			}
			attrs = append(attrs, keptAttr{a, sub})
		}
		for _, a := range e.Schema.Attributes {
			if keptByMutability(a) && !kept(a, nil) {
				attrs = append(attrs, keptAttr{a, nil})
			}
			if keptByMutability(a) {
				continue // kept whole
			}
			for _, sub := range a.SubAttributes {
				switch {
				case !keptByMutability(sub):
				case a.MultiValued:
					values = addKeptValue(values, a, sub)
				case !kept(a, sub):
					attrs = append(attrs, keptAttr{a, sub})
				}
			}
		}
		if attrs != nil || values != nil {
			out = append(out, extKeep{urn: urn, attrs: attrs, values: values})
		}
	}
	return out
}

// addKeptValue adds sub, a hidden, readOnly or immutable sub-attribute
// of a, a multi-valued complex attribute, to what a PUT keeps of a's
// values (keptValues), once.
func addKeptValue(values []keptValues, a, sub *resources.Attribute) []keptValues {
	i := slices.IndexFunc(values, func(v keptValues) bool { return v.a == a })
	if i < 0 {
		v := keptValues{a: a}
		for _, s := range a.SubAttributes {
			if !s.Hidden() && !keptByMutability(s) {
				v.shown = append(v.shown, s)
			}
		}
		values, i = append(values, v), len(values)
	}
	if !slices.Contains(values[i].kept, sub) {
		values[i].kept = append(values[i].kept, sub)
	}
	return values
}

// keptByMutability reports whether a PUT keeps a's stored value for its
// mutability (extKeep): immutable, or readOnly.
func keptByMutability(a *resources.Attribute) bool {
	return a.Mutability == resources.Immutable || a.Mutability == resources.ReadOnly
}

// keepOnReplace readies a PUT's extensions, next, against the stored
// ones, cur: what keeps (newExtKeeps) says a replacement keeps is kept
// (a readOnly value whatever the PUT sends), and an immutable value the
// PUT changes is a 400 mutability.
//
// It returns next itself when it has nothing to do, which is always for
// a type without such attributes (no allocation), and otherwise a copy;
// next is never changed.
func keepOnReplace(keeps []extKeep, cur, next map[string]json.RawMessage) (map[string]json.RawMessage, error) {
	var out map[string]json.RawMessage
	for _, k := range keeps {
		urn := k.urn
		_, raw, ok := names.Key(cur, urn)
		if !ok {
			continue
		}
		curObj, err := resources.DecodeOrNull(raw)
		if err != nil || len(curObj) == 0 {
			continue // nothing stored to keep
		}
		var nextObj map[string]any
		nextKey, nraw, sent := names.Key(next, urn)
		if !sent {
			nextKey = urn
		} else if nextObj, err = resources.DecodeOrNull(nraw); err != nil {
			return nil, errorf(http.StatusBadRequest, ScimTypeInvalidValue, "attribute %q: an extension must be a JSON object", urn)
		}
		if nextObj == nil {
			nextObj = map[string]any{}
		}
		changed := false
		for _, ka := range k.attrs {
			ch, err := keepValue(urn, curObj, nextObj, ka.a, ka.sub)
			if err != nil {
				return nil, err
			}
			changed = changed || ch
		}
		for _, kv := range k.values {
			ch, err := keepInValues(urn, curObj, nextObj, kv)
			if err != nil {
				return nil, err
			}
			changed = changed || ch
		}
		if !changed {
			continue
		}
		enc, err := json.Marshal(nextObj)
		if err != nil {
			return nil, err
		}
		if out == nil {
			out = make(map[string]json.RawMessage, len(next)+1)
			for k, v := range next {
				out[k] = v
			}
		}
		out[nextKey] = enc
	}
	if out == nil {
		return next, nil
	}
	return out, nil
}

// readyPut readies next, the resource a PUT sends, against cur, the
// stored one: next's extensions get what the PUT keeps of cur's
// (keepOnReplace), then next is held to what its extensions require
// (checkRequired), so that a kept value counts and one never held must
// be sent. next's extensions map is replaced, never changed.
func (k *kind[T]) readyPut(cur, next T) error {
	exts := k.extensions(next)
	kept, err := keepOnReplace(k.keeps, *k.extensions(cur), *exts)
	if err != nil {
		return err
	}
	*exts = kept
	return k.checkRequired(func(urn string) (map[string]any, bool) {
		_, raw, ok := names.Key(kept, urn)
		if !ok {
			return nil, true
		}
		obj, err := resources.DecodeOrNull(raw)
		return obj, err == nil
	})
}

// checkRequired is the one check of what a resource's extensions require
// (resources.Required.Missing; RFC 7644 §3.12 invalidValue: "A required
// value was missing"), made of every write that builds a whole resource:
// a POST's and a PATCH's on the document built (fromDoc), a PUT's once
// what it keeps of the stored resource is applied (readyPut); bulk
// operations go through them. ext gives the object the resource holds
// under an extension's URN (nil for none, or null), decoded, and ok
// false for a value that is not an object. A type whose extensions
// require nothing pays nothing.
func (k *kind[T]) checkRequired(ext func(urn string) (obj map[string]any, ok bool)) error {
	for _, r := range k.required {
		obj, ok := ext(r.Schema)
		if !ok {
			return errorf(http.StatusBadRequest, ScimTypeInvalidValue, "attribute %q: an extension must be a JSON object", r.Schema)
		}
		if err := missingError(r.Missing(obj)); err != nil {
			return err
		}
	}
	return nil
}

// missingError is the error of an attribute a resource must hold and
// leaves unassigned, path (RFC 7644 §3.12 invalidValue: "A required value
// was missing"); nil for "".
func missingError(path string) error {
	if path == "" {
		return nil
	}
	return errorf(http.StatusBadRequest, ScimTypeInvalidValue, "%s is required and must not be empty", path)
}

// keepValue keeps in nextObj, the extension object a PUT sends, the
// stored value in curObj of a (of its sub-attribute sub, when not nil)
// when the PUT leaves it out, holds an immutable one to the stored value,
// and puts a readOnly one's stored value in place of any sent. It reports whether it changed nextObj, whose objects are its
// caller's own (decoded for it).
func keepValue(urn string, curObj, nextObj map[string]any, a, sub *resources.Attribute) (bool, error) {
	attr, curC, nextC := a, curObj, nextObj
	path := a.Name
	if sub != nil {
		attr, path = sub, a.Name+"."+sub.Name
		ck, cv, _ := names.Key(curObj, a.Name)
		if curC, _ = cv.(map[string]any); curC == nil {
			return false, nil
		}
		if _, v, ok := names.Key(curC, sub.Name); !ok || v == nil {
			return false, nil // nothing stored to keep
		}
		nk, nv, sent := names.Key(nextObj, a.Name)
		switch x := nv.(type) {
		case map[string]any:
			nextC = x
		case nil:
			// Left out, or null: the sub-attribute is kept in an
			// object of its own.
			if sent {
				delete(nextObj, nk)
			}
			nextC = map[string]any{}
			nextObj[ck] = nextC
		default:
			return false, nil // not an object: the PUT's checks answer that
		}
	}
	ck, cv, had := names.Key(curC, attr.Name)
	if !had || cv == nil {
		return false, nil
	}
	nk, nv, sent := names.Key(nextC, attr.Name)
	if sent && nv != nil {
		switch attr.Mutability {
		case resources.Immutable:
			if attr.Returned == resources.ReturnedNever {
				// A secret: refused whatever the value, before it is
				// compared, or a right guess would answer 200 and a
				// wrong one 400 (secretwrite.go).
				return false, errorf(http.StatusBadRequest, ScimTypeMutability, "%s:%s is immutable and never returned: once set it cannot be sent again; leave it out of the PUT to keep it", urn, path)
			}
			if !patch.EqualValue(attr, cv, nv) {
				return false, errorf(http.StatusBadRequest, ScimTypeMutability, "%s:%s is immutable: it can be set when it has no value, not changed", urn, path)
			}
		case resources.ReadOnly:
			// Ignored (RFC 7644 §3.5.1): the stored value replaces it.
		default:
			return false, nil
		}
		if nk == ck && reflect.DeepEqual(cv, nv) {
			return false, nil
		}
	}
	if sent {
		delete(nextC, nk)
	}
	nextC[ck] = cv
	return true, nil
}

// keepInValues gives each value of kv.a that nextObj, the extension
// object a PUT sends, holds what it keeps (kv.kept) of the one value in
// curObj, the stored object, it matches (sameValue): whose shown
// sub-attributes (kv.shown) and immutable ones both hold are the same
// as its own (patch.EqualValue: strings as caseExact says, numbers by
// value; absent as null), as a PUT of what a GET showed resends them.
// Of that value, a hidden sub-attribute the sent value leaves out (or
// sends null) is kept; a readOnly one is kept whatever is sent; an
// immutable one is kept when left out (sent, it is the same value). A
// sent value that matches two or more stored values, or none, keeps
// none: which one it stands for cannot be told. An immutable
// sub-attribute never returned, sent again, is a 400 mutability. It
// reports whether it changed nextObj, whose objects are its caller's
// own.
func keepInValues(urn string, curObj, nextObj map[string]any, kv keptValues) (bool, error) {
	_, cv, _ := names.Key(curObj, kv.a.Name)
	curVals, _ := cv.([]any)
	_, nv, _ := names.Key(nextObj, kv.a.Name)
	nextVals, _ := nv.([]any)
	if len(curVals) == 0 || len(nextVals) == 0 {
		return false, nil
	}
	changed := false
	for _, v := range nextVals {
		sent, ok := v.(map[string]any)
		if !ok {
			continue // not an object: the PUT's checks answer that
		}
		var match map[string]any
		for _, c := range curVals {
			stored, ok := c.(map[string]any)
			if !ok || !sameValue(kv, stored, sent) {
				continue
			}
			if match != nil {
				match = nil // two stored values: neither is kept
				break
			}
			match = stored
		}
		if match == nil {
			continue
		}
		for _, h := range kv.kept {
			ck, hv, _ := names.Key(match, h.Name)
			if hv == nil {
				continue // nothing stored to keep
			}
			nk, sv, had := names.Key(sent, h.Name)
			if sv != nil {
				switch h.Mutability {
				case resources.ReadOnly:
					// Ignored (RFC 7644 §3.5.1): the stored value stays.
				case resources.Immutable:
					if h.Returned == resources.ReturnedNever {
						return false, errorf(http.StatusBadRequest, ScimTypeMutability, "%s:%s.%s is immutable and never returned: once set it cannot be sent again; leave it out of the PUT to keep it", urn, kv.a.Name, h.Name)
					}
					// The same value (sameValue compared it), in the
					// stored spelling.
					if nk == ck && reflect.DeepEqual(hv, sv) {
						continue
					}
				default:
					continue // sent: the PUT's value replaces the stored one
				}
			}
			if had {
				delete(sent, nk)
			}
			sent[ck] = hv
			changed = true
		}
	}
	return changed, nil
}

// sameValue reports whether sent, a value of kv.a a PUT sends, stands
// for stored, a stored one: what a client sets of a value is its
// identity, so the two hold the same shown sub-attributes (sameShown)
// and, of the immutable ones both hold and a GET shows, the same values
// (an immutable value sent with another value is another value, a
// re-issued device with its new serial, not a change of the stored one).
// A sent value with nothing to compare (no shown sub-attribute, no
// immutable one sent) stands for none: every stored value would match it.
func sameValue(kv keptValues, stored, sent map[string]any) bool {
	if !sameShown(kv.shown, stored, sent) {
		return false
	}
	compared := len(kv.shown) > 0
	for _, h := range kv.kept {
		if h.Mutability != resources.Immutable || h.Returned == resources.ReturnedNever {
			continue
		}
		_, sv, _ := names.Key(sent, h.Name)
		_, hv, _ := names.Key(stored, h.Name)
		if sv == nil || hv == nil {
			continue // left out, or set now: not told apart by it
		}
		if !patch.EqualValue(h, hv, sv) {
			return false
		}
		compared = true
	}
	return compared
}

// sameShown reports whether x and y, two values of a multi-valued
// complex attribute, hold the same values of the sub-attributes shown,
// each compared as its characteristics say (patch.EqualValue).
func sameShown(shown []*resources.Attribute, x, y map[string]any) bool {
	for _, s := range shown {
		_, xv, _ := names.Key(x, s.Name)
		_, yv, _ := names.Key(y, s.Name)
		if !patch.EqualValue(s, xv, yv) {
			return false
		}
	}
	return true
}
