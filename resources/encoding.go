package resources

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"strings"

	"github.com/scimkit/scim/internal/jsonscan"
	"github.com/scimkit/scim/internal/names"
)

// UnmarshalJSON reads a SCIM user. Attribute names match
// case-insensitively; objects under a schema URN go to Enterprise or
// Extensions, and an attribute named by its schema URN is read as a
// request reads it (unqualifyJSON). It does not validate values: the handler normalises
// request bodies against the schema before they reach this. An object
// that gives a member twice, in one spelling or two (userName and
// USERNAME), is refused with an *AttrError naming it, as a request is
// (namesOnce).
//
// It is encoding/json's reading, kept for a host's own json.Unmarshal,
// and not UserFromJSON, the stores' reading of their stored documents:
// it reads names in any letter case and keeps what encoding/json keeps
// (an element given as null or {}, an empty name object, an empty
// list), which UserFromJSON drops; where it reads a document spelled
// canonically, UserFromJSON reads the same user but for those
// (FuzzFromJSONRef holds them to that).
func (u *User) UnmarshalJSON(data []byte) error {
	type plain User
	exts, err := unmarshalResource(data, UserSchema, EnterpriseUserSchema, func(p plain) { *u = User(p) })
	if err != nil {
		return err
	}
	// Each URN is given once (extensionObjects): the order is no matter.
	for urn, raw := range exts {
		if names.Equal(urn, EnterpriseUserSchema) {
			// namesOnce(data) walked this object already.
			var e EnterpriseUser
			if err := e.unmarshal(raw, false); err != nil {
				return err
			}
			u.Enterprise = &e
			continue
		}
		if u.Extensions == nil {
			u.Extensions = make(map[string]json.RawMessage)
		}
		u.Extensions[urn] = raw
	}
	return nil
}

// UnmarshalJSON reads the extension; attributes it has no field for go to
// Extra. A member given twice is refused, as User's are.
func (e *EnterpriseUser) UnmarshalJSON(data []byte) error {
	return e.unmarshal(data, true)
}

// unmarshal is UnmarshalJSON; checkNames false skips namesOnce, for
// User's, whose namesOnce of the whole document has walked data already.
func (e *EnterpriseUser) unmarshal(data []byte, checkNames bool) error {
	type plain EnterpriseUser
	var p plain
	if err := unmarshalASCIINames(data, &p); err != nil {
		return err
	}
	if checkNames {
		if err := namesOnce(data); err != nil {
			return err
		}
	}
	*e = EnterpriseUser(p)
	var all map[string]json.RawMessage
	if err := json.Unmarshal(data, &all); err != nil {
		return err
	}
	for k, v := range all {
		if isEnterpriseField(k) {
			continue
		}
		if e.Extra == nil {
			e.Extra = make(map[string]json.RawMessage)
		}
		e.Extra[k] = v
	}
	return nil
}

// UnmarshalJSON reads a SCIM group; objects under a schema URN go to
// Extensions, and an attribute named by the core schema's URN is read as
// a request reads it (unqualifyJSON). A member given twice is refused, as User's are.
// Where it reads a document spelled canonically, GroupFromJSON reads the
// same group (FuzzFromJSONRef holds them to that).
func (g *Group) UnmarshalJSON(data []byte) error {
	type plain Group
	exts, err := unmarshalResource(data, GroupSchema, "", func(p plain) { *g = Group(p) })
	if err != nil {
		return err
	}
	g.Extensions = exts
	return nil
}

// unmarshalResource is what User's and Group's UnmarshalJSON share: it
// reads data, a document of the resource type whose core schema is core
// (and enterprise, the extension User reads into a field, or ""), as P,
// the resource's type without its UnmarshalJSON, hands that to set, and
// returns the objects under schema URNs (extensionObjects; nil when data
// names none).
func unmarshalResource[P any](data []byte, core, enterprise string, set func(P)) (map[string]json.RawMessage, error) {
	hasURN := mayHoldURN(data) // the one scan for a URN: a body without one is read as it is
	if hasURN {
		var err error
		if data, err = unqualifyJSON(data, core, enterprise); err != nil {
			return nil, err
		}
	}
	var p P
	if err := unmarshalASCIINames(data, &p); err != nil {
		return nil, err
	}
	if err := namesOnce(data); err != nil {
		return nil, err
	}
	set(p)
	if !hasURN {
		return nil, nil
	}
	return extensionObjects(data, core)
}

// namesOnce refuses data, valid JSON, when one of its objects, at any
// depth, gives a member name twice under the name fold (names.Repeated:
// "userName" and "USERNAME", or "userName" twice), with the error a
// request giving it gets (twice, from Normalize; DecodeRequest refuses
// the second kind too): encoding/json, matching names case-insensitively
// itself, would keep whichever came last. The path names the member as a
// request's error does: "name.givenName", "emails.value", and an
// extension's attributes after its URN and ':'. The names are read in
// place; a document without a repetition costs no allocation for its
// canonical top-level names.
func namesOnce(data []byte) error {
	i := jsonscan.SkipSpace(data, 0)
	if i == len(data) {
		return nil
	}
	switch data[i] {
	case '{':
		var buf [jsonscan.SmallObject]jsonscan.Member
		ms, err := jsonscan.Members(data[i:], buf[:0])
		if err != nil {
			return nil // not for this check to say: encoding/json read it
		}
		var kbuf [jsonscan.SmallObject]string
		keys := kbuf[:0]
		for _, m := range ms {
			keys = append(keys, memberName(m.Key))
		}
		slices.Sort(keys) // which of two is named must not follow their order
		if k, found := names.Repeated(keys); found {
			return twice(k)
		}
		for _, m := range ms {
			if err := namesOnce(m.Val); err != nil {
				var ae *AttrError
				if errors.As(err, &ae) {
					k, sep := memberName(m.Key), "."
					if IsURN(k) {
						sep = ":"
					}
					ae.Path = k + sep + ae.Path
				}
				return err
			}
		}
	case '[':
		for i++; ; {
			el, next, ok := jsonscan.NextElement(data, i)
			if !ok {
				break
			}
			if err := namesOnce(el); err != nil {
				return err
			}
			i = next
		}
	}
	return nil
}

// unmarshalASCIINames is json.Unmarshal(data, v) under the name fold of
// names.Equal. encoding/json matches a member to a field by Unicode
// rules, under which four non-ASCII letters are ASCII ones ("uſerName",
// with U+017F, would fill UserName; likewise "ı", "İ" and the Kelvin
// sign "K"); a SCIM name is ASCII (RFC 7643 §2.1), so a member named with
// one of them names nothing, and is dropped before decoding. Text without
// them (nor a \u escape, which could spell them), nearly all, is decoded
// as it is.
func unmarshalASCIINames(data []byte, v any) error {
	if !mayFoldToASCII(data) {
		return json.Unmarshal(data, v)
	}
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var doc any
	if err := d.Decode(&doc); err != nil {
		return json.Unmarshal(data, v) // its error, as without the check
	}
	clean, err := json.Marshal(dropFoldingNames(doc))
	if err != nil {
		return err
	}
	return json.Unmarshal(clean, v)
}

// foldsToASCII are the runes encoding/json folds onto an ASCII letter
// (unicode.ToUpper(unicode.ToLower(r)) < 0x80; TestFoldsToASCII checks the
// list is whole).
const foldsToASCII = "\u0130\u0131\u017f\u212a"

// mayFoldToASCII reports whether data may name a member with a rune of
// foldsToASCII: it has one, or a \u escape.
func mayFoldToASCII(data []byte) bool {
	return bytes.ContainsAny(data, foldsToASCII) || bytes.Contains(data, []byte(`\u`))
}

// dropFoldingNames removes, at every depth, the members of v (a decoded
// JSON value) whose name holds a rune of foldsToASCII.
func dropFoldingNames(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, el := range x {
			if strings.ContainsAny(k, foldsToASCII) {
				delete(x, k)
				continue
			}
			x[k] = dropFoldingNames(el)
		}
	case []any:
		for i, el := range x {
			x[i] = dropFoldingNames(el)
		}
	}
	return v
}

// extensionObjects returns the members of a JSON object whose keys are
// schema URNs other than core (nil when there are none); its callers
// call it only when mayHoldURN(data). A URN given in
// two spellings (names.Equal: "urn:...:enterprise:2.0:User" and
// "URN:...:ENTERPRISE:2.0:USER") is refused, as a request body giving it
// twice is (ResourceType.Normalize), rather than reading one of the two as
// Go's map order falls; the keys are sorted (jsonscan.SortedKeys) so that
// the spelling named in the error is the same every time.
func extensionObjects(data []byte, core string) (map[string]json.RawMessage, error) {
	var all map[string]json.RawMessage
	if err := json.Unmarshal(data, &all); err != nil {
		return nil, err
	}
	var out map[string]json.RawMessage
	for k, v := range all {
		if !IsURN(k) || names.Equal(k, core) {
			continue
		}
		if out == nil {
			out = make(map[string]json.RawMessage)
		}
		out[k] = v
	}
	if k, found := names.Repeated(sortedKeys(out)); found {
		return nil, twice(k)
	}
	return out, nil
}

// mayHoldURN reports whether data has a string starting "urn:" in any
// case (names.EqualBytes), or a \u escape, which could spell one, so that
// a body without one, which has no extension, is not decoded a second
// time.
func mayHoldURN(data []byte) bool {
	if bytes.Contains(data, []byte(`\u`)) {
		return true
	}
	for i := 0; ; {
		j := bytes.IndexByte(data[i:], '"')
		if j < 0 {
			return false
		}
		i += j + 1
		if len(data)-i >= 4 && names.EqualBytes(data[i:i+4], "urn:") {
			return true
		}
	}
}

// sortedKeys returns the keys of m in order, nil when it has none.
func sortedKeys(m map[string]json.RawMessage) []string {
	if len(m) == 0 {
		return nil
	}
	return jsonscan.SortedKeys(make([]string, 0, len(m)), m)
}
