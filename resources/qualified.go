package resources

import (
	"bytes"

	"github.com/scimkit/scim/internal/jsonscan"
	"github.com/scimkit/scim/internal/names"
	"github.com/scimkit/scim/internal/schemaurn"
)

// A typed read (UnmarshalJSON, UserFromMap, UserFromJSON and their group
// twins) reads the keys that name an attribute by its schema URN as a
// request does (Normalize, by qualifiedName): a fully qualified core
// attribute ("urn:...:User:userName") is that attribute, the members of
// an object under the core schema's URN are the resource's own, and a
// fully qualified attribute of the enterprise extension (a user's only
// extension the model knows) is a member of that extension's object. A
// key of another extension's URN and beyond stays the extension key it
// is, since without the host's schemas nothing says where its URN ends,
// unless a URN a typed read knows (standardURNs: core User, Group and
// the enterprise extension) follows that URN: it is then refused as a
// request refuses it (nestedAfterUnknown).
// The rewrite happens only for a document that has such a key, which a
// store's documents and nearly every client's never have, so reading the
// others costs, for each key that begins "urn:", a few prefix tests and
// one scan of the key for the known URNs after its first segment
// (names.NestedURNAt); a key that does not begin "urn:" costs one test.

// standardURNs are the schema URNs a typed read knows without a model
// (internal/schemaurn, where filter takes its own). Never modified.
var standardURNs = schemaurn.Standard()

// qualifiedKey reports whether the top-level key k is one the rewrite
// moves, or refuses: core's URN, a fully qualified attribute of core or
// of ext ("" for none), or a key that puts a URN of standardURNs after
// an unknown URN (nestedAfterUnknown).
func qualifiedKey(k, core, ext string) bool {
	if !IsURN(k) {
		return false
	}
	if names.Equal(k, core) {
		return true
	}
	if _, ok := qualifiedName(k, core); ok {
		return true
	}
	if ext != "" {
		if _, ok := qualifiedName(k, ext); ok {
			return true
		}
	}
	return names.NestedURNAt(k, standardURNs[:]) > 0
}

// qualifiedKeyText is qualifiedKey for a member's name as the text has
// it (jsonscan.Member.Key), read in place: only a name with an escape is
// unquoted (memberName), so that a document without a qualified key costs
// no allocation.
func qualifiedKeyText(key []byte, core, ext string) bool {
	if bytes.IndexByte(key, '\\') >= 0 {
		return qualifiedKey(memberName(key), core, ext)
	}
	if len(key) <= 4 || !names.EqualBytes(key[:4], "urn:") {
		return false
	}
	prefixed := func(urn string) bool {
		return len(key) > len(urn)+1 && names.EqualBytes(key[:len(urn)], urn) && key[len(urn)] == ':'
	}
	return (len(key) == len(core) && names.EqualBytes(key, core)) || prefixed(core) || (ext != "" && prefixed(ext)) ||
		names.NestedURNAt(key, standardURNs[:]) > 0
}

// unqualifyJSON returns data, a JSON object, with its qualified keys
// (qualifiedKey) moved where a request reads them; data itself when it
// has none or is no object (for the caller's decoder to refuse). A member
// given twice by the move (userName and "urn:...:User:userName") is left
// twice, for namesOnce to refuse as a request does. The core object's
// errors are a request's: a value that is no object, a URN inside it or
// after the core URN (qualifiedCoreName).
func unqualifyJSON(data []byte, core, ext string) ([]byte, error) {
	var buf [jsonscan.SmallObject]jsonscan.Member
	ms, err := jsonscan.Members(data, buf[:0])
	if err != nil {
		return data, nil
	}
	need := false
	for _, m := range ms {
		if qualifiedKeyText(m.Key, core, ext) {
			need = true
			break
		}
	}
	if !need {
		return data, nil
	}
	out := make([]byte, 0, len(data)+len(ext)+8)
	out = append(out, '{')
	member := func(rawKey []byte, key string, val []byte) { out = appendMember(out, 1, rawKey, key, val) }
	// The extension's members, when it has a qualified key: from its
	// object and those keys.
	var extOut []byte
	extQualified := false
	extMember := func(rawKey []byte, key string, val []byte) { extOut = appendMember(extOut, 0, rawKey, key, val) }
	if ext != "" {
		for _, m := range ms {
			if _, ok := qualifiedName(memberName(m.Key), ext); ok {
				extQualified = true
				break
			}
		}
	}
	for _, m := range ms {
		k := memberName(m.Key)
		if extQualified {
			if name, ok := qualifiedName(k, ext); ok {
				extMember(nil, name, m.Val)
				continue
			}
			if names.Equal(k, ext) {
				if ems, err := jsonscan.Members(m.Val, nil); err == nil {
					for _, em := range ems {
						extMember(em.Key, "", em.Val)
					}
					continue
				}
				if string(m.Val) == "null" {
					continue // no members, as a request takes it
				}
			}
		}
		if name, ok, err := qualifiedCoreName(k, core); ok {
			if err != nil {
				return nil, err
			}
			member(nil, name, m.Val)
			continue
		}
		if IsURN(k) && names.Equal(k, core) {
			var cbuf [jsonscan.SmallObject]jsonscan.Member
			cms, err := jsonscan.Members(m.Val, cbuf[:0])
			if err != nil {
				return nil, coreNotObject(k)
			}
			for _, cm := range cms {
				if ck := memberName(cm.Key); IsURN(ck) {
					return nil, urnsNest(k, ck)
				}
				member(cm.Key, "", cm.Val)
			}
			continue
		}
		if err := nestedAfterUnknown(k, core, ext, standardURNs[:]); err != nil {
			return nil, err
		}
		member(m.Key, "", m.Val)
	}
	if extQualified {
		member(nil, ext, append(append([]byte{'{'}, extOut...), '}'))
	}
	return append(out, '}'), nil
}

// appendMember appends the object member key: val to dst, after a comma
// when dst is longer than start (the bytes before its first member). The
// name is rawKey as the text has it (escapes kept), or key when rawKey is
// nil.
func appendMember(dst []byte, start int, rawKey []byte, key string, val []byte) []byte {
	if len(dst) > start {
		dst = append(dst, ',')
	}
	if rawKey != nil {
		dst = append(dst, '"')
		dst = append(dst, rawKey...)
		dst = append(dst, '"')
	} else {
		dst = jsonscan.AppendString(dst, key)
	}
	dst = append(dst, ':')
	return append(dst, val...)
}

// unqualifyMap is unqualifyJSON for a decoded document: nil when it has
// no qualified key, else a new map (doc is not changed) with them moved. A member the move gives twice, under the name fold, is refused
// (twice) as a request refuses it; the keys are taken in sorted order, so
// the error is the same every time.
func unqualifyMap(doc map[string]any, core, ext string) (map[string]any, error) {
	need := false
	for k := range doc {
		if qualifiedKey(k, core, ext) {
			need = true
			break
		}
	}
	if !need {
		return nil, nil
	}
	out := make(map[string]any, len(doc))
	var extObj map[string]any
	put := func(dst map[string]any, path, k string, v any) error {
		if _, _, dup := names.Key(dst, k); dup {
			return twice(path + k)
		}
		dst[k] = v
		return nil
	}
	extPut := func(k string, v any) error {
		if extObj == nil {
			extObj = make(map[string]any)
		}
		return put(extObj, ext+":", k, v)
	}
	var buf [jsonscan.SmallObject]string
	for _, k := range jsonscan.SortedKeys(buf[:0], doc) {
		v := doc[k]
		if ext != "" {
			if name, ok := qualifiedName(k, ext); ok {
				if err := extPut(name, v); err != nil {
					return nil, err
				}
				continue
			}
			if obj, ok := v.(map[string]any); ok && names.Equal(k, ext) {
				var ebuf [jsonscan.SmallObject]string
				for _, ek := range jsonscan.SortedKeys(ebuf[:0], obj) {
					if err := extPut(ek, obj[ek]); err != nil {
						return nil, err
					}
				}
				continue
			}
		}
		if name, ok, err := qualifiedCoreName(k, core); ok {
			if err != nil {
				return nil, err
			}
			if err := put(out, "", name, v); err != nil {
				return nil, err
			}
			continue
		}
		if IsURN(k) && names.Equal(k, core) {
			obj, ok := v.(map[string]any)
			if !ok {
				return nil, coreNotObject(k)
			}
			var cbuf [jsonscan.SmallObject]string
			for _, ck := range jsonscan.SortedKeys(cbuf[:0], obj) {
				if IsURN(ck) {
					return nil, urnsNest(k, ck)
				}
				if err := put(out, "", ck, obj[ck]); err != nil {
					return nil, err
				}
			}
			continue
		}
		if err := nestedAfterUnknown(k, core, ext, standardURNs[:]); err != nil {
			return nil, err
		}
		if err := put(out, "", k, v); err != nil {
			return nil, err
		}
	}
	if extObj != nil {
		out[ext] = extObj
	}
	return out, nil
}

// unqualifiedJSON is unqualifyJSON followed by namesOnce, for a reader
// that does not check names given twice itself.
func unqualifiedJSON(data []byte, core, ext string) ([]byte, error) {
	out, err := unqualifyJSON(data, core, ext)
	if err != nil {
		return nil, err
	}
	if err := namesOnce(out); err != nil {
		return nil, err
	}
	return out, nil
}
