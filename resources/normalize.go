package resources

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/scimkit/scim/internal/clienttext"
	"github.com/scimkit/scim/internal/jsonscan"
	"github.com/scimkit/scim/internal/names"
	"github.com/scimkit/scim/internal/schemaurn"
)

// AttrError reports a value that does not fit the schema. The handler
// answers it with 400 and ScimType ("invalidValue" unless set otherwise)
// and Error() as the detail.
type AttrError struct {
	// Path is the attribute path, e.g. "emails.primary".
	Path string
	// Msg says what is wrong, for a human.
	Msg string
	// ScimType is the RFC 7644 §3.12 error keyword: "invalidValue" when
	// empty.
	ScimType string
	// secrets is the model's when a Lenience refused Path (bend), whose
	// key may be any client text; nil, the password alone, otherwise.
	secrets *clienttext.Secrets
}

func (e *AttrError) Error() string {
	if e.Path == "" {
		return e.Msg
	}
	return "attribute " + e.secrets.Quote(e.Path) + ": " + e.Msg
}

// Decode parses a JSON object with numbers kept exact (json.Number). A body
// that is not a JSON object gives an error whose text says where it broke.
// A member an object gives twice keeps its last value, as encoding/json
// keeps it (stored documents are read so); DecodeRequest refuses it.
func Decode(data []byte) (map[string]any, error) {
	return decode(data, false, nil)
}

// DecodeOrNull is Decode for a member value that may be JSON null, as an
// extension's object may be in a stored document or a request (where it
// means the extension is absent): null gives a nil map and no error.
func DecodeOrNull(data []byte) (map[string]any, error) {
	if string(bytes.TrimSpace(data)) == "null" {
		return nil, nil
	}
	return decode(data, false, nil)
}

// DecodeRequest is Decode for a request body: an object, at any depth,
// that gives one member twice ({"userName":"a","userName":"b"}) is an
// error too. RFC 8259 §4 leaves the meaning of such an object to its
// reader, and another reader of the same body (a proxy that checked it)
// may have taken the first value where Decode takes the last.
func DecodeRequest(data []byte) (map[string]any, error) {
	return decode(data, true, nil)
}

// DecodeRequest is the package's DecodeRequest for a request to m's
// handler: the member name a refusal quotes is any text the client chose,
// concealed when it names any of m's secrets (SecretNames), not only the
// password.
func (m *Model) DecodeRequest(data []byte) (map[string]any, error) {
	return decode(data, true, m.secrets())
}

// decode is Decode, or DecodeRequest when unique, whose refusal of a
// member given twice conceals client text as secrets says.
func decode(data []byte, unique bool, secrets *clienttext.Secrets) (map[string]any, error) {
	parsed := false
	if i := jsonscan.SkipSpace(data, 0); i < len(data) && data[i] == '{' {
		// Checked as json.Valid checks it in the pass that decodes it.
		m, repeated, found, ok := wellKnown.Parse(data, unique)
		if ok {
			if found {
				return nil, jsonscan.RepeatedError(secrets, repeated)
			}
			return m.(map[string]any), nil
		}
		parsed = true
	}
	// Not a valid JSON object: encoding/json says what is wrong.
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, describeJSONError(data, err)
	}
	// dec.More is false for a stray '}' or ']', so look at the rest.
	if rest := data[dec.InputOffset():]; len(bytes.TrimSpace(rest)) > 0 {
		at := len(data) - len(bytes.TrimLeftFunc(rest, unicode.IsSpace)) + 1
		return nil, fmt.Errorf("malformed JSON at byte %d: unexpected data after the JSON object; send the one object alone", at)
	}
	if m == nil {
		return nil, fmt.Errorf("the body must be a JSON object")
	}
	if parsed {
		// Parse refused what encoding/json read: they disagree (FuzzParse
		// holds them to agree), and a body read here would skip the
		// repeated-name check. Refuse it rather than trust either.
		return nil, fmt.Errorf("malformed JSON: the body is not a JSON object this server can read")
	}
	return m, nil
}

// syntaxMessage is e's message, the character it names spelled as the
// client sent it: encoding/json names the byte it stopped at as a
// character of its own ('ï' for 0xEF, the first byte of U+FEFF), which
// misnames any non-ASCII character; it is named by its code point (the
// byte order mark as such), or as a byte in hex when it is no UTF-8.
func syntaxMessage(data []byte, e *json.SyntaxError) string {
	msg := e.Error()
	at := e.Offset - 1 // encoding/json's offset is past the byte
	if at < 0 || at >= int64(len(data)) || data[at] < utf8.RuneSelf {
		return msg
	}
	c := data[at]
	named := "invalid character '" + strings.Trim(strconv.Quote(string(rune(c))), `"`) + "'"
	rest, ok := strings.CutPrefix(msg, named)
	if !ok {
		return msg
	}
	r, size := utf8.DecodeRune(data[at:])
	switch {
	case r == utf8.RuneError && size == 1: // no UTF-8; a U+FFFD sent is 3 bytes
		return fmt.Sprintf("invalid byte 0x%02X", c) + rest
	case r == '\uFEFF':
		return "invalid character U+FEFF (a byte order mark)" + rest
	}
	return fmt.Sprintf("invalid character U+%04X", r) + rest
}

func describeJSONError(data []byte, err error) error {
	switch e := err.(type) {
	case *json.SyntaxError:
		return fmt.Errorf("malformed JSON at byte %d: %s", e.Offset, syntaxMessage(data, e))
	case *json.UnmarshalTypeError:
		// e.Value is the JSON type's bare name ("array", "string").
		return fmt.Errorf("the body must be a JSON object, not %s; send {...}", map[string]string{
			"array": "a list", "string": "a string", "number": "a number", "bool": "a boolean"}[e.Value])
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return fmt.Errorf("the body is empty; a JSON object is required")
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		// encoding/json says only "unexpected EOF": a body cut short
		// (a proxy's limit, a client's buffer) is told where it ends.
		return fmt.Errorf("malformed JSON at byte %d: the body ends before its JSON text is complete; send the whole object", len(data))
	}
	return fmt.Errorf("malformed JSON: %v", err)
}

// Normalize checks a resource document (a decoded request body) against
// the resource type and returns it in canonical form:
//   - attribute names in their schema spelling (names match
//     case-insensitively), extension objects under the extension URN, and
//     fully qualified keys ("urn:...:User:userName", "urn:...:enterprise:2.0:User:department")
//     folded into place;
//   - read-only attributes (id, meta, groups, ...) dropped, as RFC 7644
//     §3.3 says clients' values for them are ignored;
//   - booleans given as the strings "true"/"false" in any ASCII case (Entra ID)
//     turned into booleans, a single value for a multi-valued attribute
//     ("schemas" too) wrapped in a list (a bend, see below), and a bare
//     string for a complex attribute whose sub-attribute "value" exists
//     turned into {"value": s} (a bend, Lenience.BareValue, but for the
//     enterprise manager and a group's members).
//
// A value of the wrong type, or an attribute given twice (userName and
// USERNAME), gives an *AttrError naming it. What a sloppy client sends is
// bent as l says (see Lenience): an attribute, sub-attribute or schema no
// schema of the type defines is ignored and never stored; a multi-valued
// attribute keeps one primary value and drops duplicate values, and one
// given a single value takes it as a list of it; a body whose "schemas"
// is missing or does not list the type's core schema is taken as the type
// (MissingSchema).
//
// Normalize takes doc over: to save an allocation per value it reuses the
// lists and objects of doc (as Decode gives them, none shared) in the
// result, changing them in place, so the caller must not use doc, or
// anything in it, afterwards, even when Normalize fails. The returned map
// itself is new.
func (rt *ResourceType) Normalize(doc map[string]any, l *Lenience) (map[string]any, error) {
	out := make(map[string]any, len(doc))
	given, listed, scim1 := false, false, false
	var buf [jsonscan.SmallObject]string
	var wholeBuf [2]string
	whole := wholeBuf[:0] // the keys that named a schema of rt, in full
	for _, k := range jsonscan.SortedKeys(buf[:0], doc) {
		v := doc[k]
		if names.Equal(k, "schemas") {
			given = true
			listed, _ = NamesSchema(v, rt.Schema.ID) // one string is checkSchemas's bend
			scim1 = !listed && schemaurn.NamesSCIM1(v)
		}
		if IsURN(k) {
			if sc := rt.schemaNamed(k, ""); sc != nil {
				// One schema's URN in two spellings ("URN:…" and "urn:…"):
				// which object was meant cannot be known (a null under one
				// would drop what the other holds, or not, as the keys
				// sort), as an attribute given twice is (putAttr).
				for _, o := range whole {
					if names.Equal(o, k) {
						return nil, twice(sc.ID)
					}
				}
				whole = append(whole, k)
			}
		}
		if err := rt.put(out, k, v, l); err != nil {
			return nil, err // a "schemas" that is no list of strings too
		}
	}
	if !listed {
		if err := l.MissingSchema("a "+rt.Name, rt.Schema.ID, given, scim1); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// ListsSchema reports whether schemas, a decoded "schemas" member, is a
// list holding urn in any case. A resource's "schemas" is held to listing
// its core schema, which a body that does not is taken as
// (Lenience.MissingSchema); other URNs it lists are neither checked nor
// warned about: they change nothing (the output's "schemas" is computed
// from the content, and data under a URN no schema of the resource
// defines is ignored with its own warning), and Entra ID lists its own
// "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"
// on every group it creates, as it lists the enterprise extension on a
// host that leaves that out. The handler holds the message bodies
// (SearchRequest, BulkRequest) to their URNs with it too.
func ListsSchema(schemas any, urn string) bool {
	list, _ := schemas.([]any)
	for _, s := range list {
		if s, ok := s.(string); ok && names.Equal(s, urn) {
			return true
		}
	}
	return false
}

// NamesSchema is ListsSchema for a "schemas" member as clients send it:
// listed also when schemas is one string that is urn (in any case), which
// one says: one value for a multi-valued attribute, taken as a list of
// it (Lenience.OneValue), in a resource as in a message body.
func NamesSchema(schemas any, urn string) (listed, one bool) {
	if s, ok := schemas.(string); ok {
		return names.Equal(s, urn), true
	}
	return ListsSchema(schemas, urn), false
}

// twice is the error of an attribute a document gives under two keys.
func twice(name string) error {
	return &AttrError{Path: name, Msg: names.GivenTwice, ScimType: "invalidSyntax"}
}

// once is the repeated-name rule of Normalize's result and of
// NormalizeValue's: dst, an object of it, whose keys are names in their
// schema spelling, may not hold k, the schema spelling of a member about
// to be put there, already: the document then gave that member twice
// (under the name fold, or with and without its schema's URN), which p
// names in the error (twice). A typed read refuses the same documents
// with the same error (namesOnce).
func once(dst map[string]any, k string, p attrPath) error {
	if _, dup := dst[k]; dup {
		return twice(p.String())
	}
	return nil
}

// put puts the document's member key: v into out, where Normalize's
// result has it.
func (rt *ResourceType) put(out map[string]any, key string, v any, l *Lenience) error {
	if names.Equal(key, "schemas") {
		return checkSchemas(v, l)
	}
	if IsURN(key) {
		return rt.putURN(out, key, v, l)
	}
	a, _ := rt.Attr("", key)
	if a == nil {
		return l.unknown(rt, key)
	}
	return putAttr(out, a, v, l)
}

// checkSchemas checks a document's "schemas", v, is a list of strings. It
// is not kept: the output's is recomputed from the content, and
// Normalize checks it lists the core schema. One string is taken as a list
// of it, as one value of any multi-valued attribute is (bodyValue), with
// the same warning, refused under Strict.
func checkSchemas(v any, l *Lenience) error {
	if _, one := v.(string); one {
		return l.OneValue("schemas")
	}
	list, ok := v.([]any)
	if !ok {
		return &AttrError{Path: "schemas", Msg: "must be a list of schema URNs", ScimType: "invalidSyntax"}
	}
	for _, s := range list {
		if _, ok := s.(string); !ok {
			return &AttrError{Path: "schemas", Msg: "must be a list of schema URNs", ScimType: "invalidSyntax"}
		}
	}
	return nil
}

// putAttr puts v, the value of a, a core or common attribute, into out
// under a's name.
func putAttr(out map[string]any, a *Attribute, v any, l *Lenience) error {
	if err := once(out, a.Name, attrPath{name: a.Name}); err != nil {
		return err
	}
	if a.ReadOnly() {
		return nil
	}
	nv, err := bodyValue(a, attrPath{name: a.Name}, v, l)
	if err != nil {
		return err
	}
	out[a.Name] = nv
	return nil
}

func (rt *ResourceType) putURN(out map[string]any, key string, v any, l *Lenience) error {
	if ext := rt.Extension(key); ext != nil {
		if v == nil {
			out[ext.ID] = nil
			return nil
		}
		obj, ok := v.(map[string]any)
		if !ok {
			return &AttrError{Path: key, Msg: "an extension must be a JSON object, got " + describeValue(l.secretSet(), v)}
		}
		if dst, _ := out[ext.ID].(map[string]any); dst != nil {
			// Fully qualified keys of the extension came first.
			var buf [jsonscan.SmallObject]string
			for _, k := range jsonscan.SortedKeys(buf[:0], obj) {
				if err := rt.putExt(ext, dst, k, obj[k], l); err != nil {
					return err
				}
			}
			return nil
		}
		err := normalizeObject(obj, attrPath{urn: ext.ID}, func(k string, ev any) (string, any, bool, error) {
			return rt.extMember(ext, k, ev, l)
		})
		if err != nil {
			return err
		}
		out[ext.ID] = obj
		return nil
	}
	if names.Equal(key, rt.Schema.ID) {
		obj, ok := v.(map[string]any)
		if !ok {
			return coreNotObject(key)
		}
		var buf [jsonscan.SmallObject]string
		for _, k := range jsonscan.SortedKeys(buf[:0], obj) {
			if IsURN(k) {
				return urnsNest(key, k)
			}
			if err := rt.put(out, k, obj[k], l); err != nil {
				return err
			}
		}
		return nil
	}
	// A fully qualified attribute: a known URN followed by ':'.
	if name, ok, err := qualifiedCoreName(key, rt.Schema.ID); ok {
		if err != nil {
			return err
		}
		// The name is no URN (qualifiedCoreName refuses one): "schemas"
		// or an attribute, looked up once.
		if names.Equal(name, "schemas") {
			return checkSchemas(v, l)
		}
		a, _ := rt.Attr("", name)
		if a == nil {
			// Named as sent, as an extension's qualified key and the
			// PATCH engine's paths and value keys are: the name alone
			// is not what the client wrote.
			return l.unknown(rt, key)
		}
		return putAttr(out, a, v, l)
	}
	for _, e := range rt.Extensions {
		ext := e.Schema
		name, ok := qualifiedName(key, ext.ID)
		if !ok {
			continue
		}
		dst, _ := out[ext.ID].(map[string]any)
		if dst == nil {
			dst = make(map[string]any)
		}
		if err := rt.putExt(ext, dst, name, v, l); err != nil {
			return err
		}
		if len(dst) > 0 {
			out[ext.ID] = dst
		}
		return nil
	}
	// key is a URN (put's test) that is none of rt's schemas and qualifies
	// no name by one (above): what is left to refuse is a known URN later
	// in it.
	if err := nestedURNIn(key, rt.KnownSchemaURNs()); err != nil {
		return err
	}
	return l.unknown(rt, key)
}

// hasURNPrefix reports whether key is urn (in any case), ':' and a name.
func hasURNPrefix(key, urn string) bool {
	return len(key) > len(urn)+1 && names.HasPrefix(key, urn) && key[len(urn)] == ':'
}

// qualifiedName returns the attribute name a fully qualified key of the
// schema urn gives ("urn:...:User:userName" gives "userName"), and
// whether key is one. A request (Normalize) and every typed read
// (unqualify) read such a key as that attribute of that schema.
func qualifiedName(key, urn string) (string, bool) {
	if !hasURNPrefix(key, urn) {
		return "", false
	}
	return key[len(urn)+1:], true
}

// qualifiedCoreName is qualifiedName for core, the resource's core
// schema URN, and refuses a name that is itself a schema URN
// ("urn:...:User:urn:...:enterprise:2.0:User:department") as a URN key
// inside the core object is refused (urnsNest): an attribute name holds
// no ':' (RFC 7643 §2.1), so such a key names no core attribute, and
// reading the URN after it as a second qualified key would make one key
// two. Every reader (Normalize, unqualifyJSON, unqualifyMap) takes core's
// qualified keys through it, so that they refuse the same keys.
func qualifiedCoreName(key, core string) (name string, ok bool, err error) {
	name, ok = qualifiedName(key, core)
	if ok && IsURN(name) {
		return "", true, urnsNest(key[:len(core)], name)
	}
	return name, ok, nil
}

// coreNotObject is the error of a core schema URN key (spelled key) whose
// value is not an object of the core attributes.
func coreNotObject(key string) error { return &AttrError{Path: key, Msg: "must be a JSON object"} }

// urnsNest is the error of a URN key k inside the core schema's object
// (under key).
func urnsNest(key, k string) error {
	return &AttrError{Path: key + ":" + k, Msg: "schema URNs do not nest"}
}

// nestedAfterUnknown is the error of key when it begins with a URN that
// neither of the reader's schemas (core, its resource's, and ext, the
// extension it reads, "" for none) begins it with, and one of known (every
// schema URN the reader knows, ResourceType.KnownSchemaURNs for a request)
// begins a later segment of it (names.NestedURNAt, the filter parser's
// rule too: "urn:acme:ext:urn:...:core:2.0:User:userName"): schema URNs do
// not nest, as after a known URN (qualifiedCoreName), the unknown URN
// taken to end before the earliest known one. nil for any other key.
// An unknown URN after an unknown one ("urn:acme:a:urn:other:b:x")
// cannot be told from one URN whose segments spell "urn:" (RFC 8141), so
// such a key stays an unknown attribute or extension key. A request
// (Normalize) and every typed read (unqualifyJSON, unqualifyMap) refuse
// these keys through it (Normalize through nestedURNIn, having told its
// own schemas' keys apart itself); the filter parser refuses the same
// names in a path or a filter.
func nestedAfterUnknown(key, core, ext string, known []string) error {
	if !IsURN(key) || begins(key, core) || (ext != "" && begins(key, ext)) {
		return nil
	}
	return nestedURNIn(key, known)
}

// begins reports whether key is urn or a name qualified by it.
func begins(key, urn string) bool { return names.Equal(key, urn) || hasURNPrefix(key, urn) }

// nestedURNIn is nestedAfterUnknown's refusal of key, a URN that no
// schema of the reader begins, when one of known begins a later segment
// of it; nil otherwise.
func nestedURNIn(key string, known []string) error {
	if at := names.NestedURNAt(key, known); at > 0 {
		return urnsNest(key[:at-1], key[at:])
	}
	return nil
}

func (rt *ResourceType) putExt(ext *Schema, dst map[string]any, key string, v any, l *Lenience) error {
	k, nv, keep, err := rt.extMember(ext, key, v, l)
	if keep {
		if err := once(dst, k, attrPath{urn: ext.ID, name: k}); err != nil {
			return err
		}
		dst[k] = nv
	}
	return err
}

// extMember normalises the member key: v of an extension object: it gives
// the key to keep it under, its value, and whether to keep it at all.
func (rt *ResourceType) extMember(ext *Schema, key string, v any, l *Lenience) (string, any, bool, error) {
	a := ext.Attr(key)
	if a == nil {
		return "", nil, false, l.unknown(rt, ext.ID+":"+key)
	}
	if a.ReadOnly() {
		return "", nil, false, nil
	}
	nv, err := bodyValue(a, attrPath{urn: ext.ID, name: a.Name}, v, l)
	if err != nil {
		return "", nil, false, err
	}
	return a.Name, nv, true, nil
}

// bodyValue is normalizeValue for the value of attribute a in a resource
// body, which Normalize owns. A multi-valued attribute given one value
// (not a list) is taken as a list of it, a bend (Lenience.OneValue): RFC
// 7643 §2.4 gives a multi-valued attribute "as a JSON array". In a PATCH
// operation's value it is none: an add of one value to a multi-valued
// attribute is RFC 7644 §3.5.2.1's "a new value is added".
func bodyValue(a *Attribute, p attrPath, v any, l *Lenience) (any, error) {
	nv, err := normalizeValue(a, p, v, true, l)
	if err != nil {
		return nil, err
	}
	if a.MultiValued && v != nil {
		if _, isList := v.([]any); !isList {
			if err := l.OneValue(p.String()); err != nil {
				return nil, err
			}
		}
	}
	return nv, nil
}

// normalizeObject replaces each member of obj by what member gives for it
// (its key, its value, whether to keep it), in place. A member whose key
// changes moves after the walk: a key added to a map while ranging over it
// may or may not be visited. One that lands on another's key is refused
// (once), named as a member of in (attrPath.member).
func normalizeObject(obj map[string]any, in attrPath, member func(k string, v any) (string, any, bool, error)) error {
	type moved struct {
		k string
		v any
	}
	var buf [4]moved
	later := buf[:0]
	var kbuf [jsonscan.SmallObject]string
	for _, k := range jsonscan.SortedKeys(kbuf[:0], obj) {
		nk, nv, keep, err := member(k, obj[k])
		switch {
		case err != nil:
			return err
		case !keep:
			delete(obj, k)
		case nk == k:
			obj[k] = nv
		default:
			delete(obj, k)
			later = append(later, moved{nk, nv})
		}
	}
	for _, m := range later {
		if err := once(obj, m.k, in.member(m.k)); err != nil {
			return err
		}
		obj[m.k] = m.v
	}
	return nil
}

// IsURN reports whether s starts like a schema URN ("urn:", any case,
// and something after it): how a request's keys and paths, and the typed
// reads' keys (isExtensionKey), tell an extension from an attribute.
// "urn:" alone names no schema (RFC 8141: a namespace identifier and a
// namespace-specific string follow it): it is an attribute name, which
// no schema defines.
func IsURN(s string) bool { return len(s) > 4 && names.HasPrefix(s, "urn:") }

// attrPath names a value in errors: urn:name.sub. Normalisation carries it
// in parts and joins them only for an error.
type attrPath struct {
	urn  string // the extension URN, or ""
	name string // the attribute (or a whole path given by a caller)
	sub  string // the sub-attribute, or ""
}

func (p attrPath) String() string {
	s := p.name
	if p.urn != "" {
		s = p.urn + ":" + s
	}
	if p.sub != "" {
		s += "." + p.sub
	}
	return s
}

// member is the path of the member name of the object p names: an
// extension's attribute when p names the extension alone (its urn, no
// name), else a sub-attribute.
func (p attrPath) member(name string) attrPath {
	if p.name == "" {
		p.name = name
		return p
	}
	return p.child(name)
}

func (p attrPath) child(name string) attrPath {
	if p.sub != "" {
		return attrPath{name: p.String(), sub: name}
	}
	p.sub = name
	return p
}

// NormalizeValue checks and canonicalises a value for attribute a (see
// Normalize); path names the attribute in errors. nil stays nil (unset).
// It does not change v: lists and objects in the result are new.
func NormalizeValue(a *Attribute, path string, v any, l *Lenience) (any, error) {
	return normalizeValue(a, attrPath{name: path}, v, false, l)
}

// NormalizeSingle checks and canonicalises one value of attribute a (one
// element, for a multi-valued attribute). Like NormalizeValue, it does not
// change v.
func NormalizeSingle(a *Attribute, path string, v any, l *Lenience) (any, error) {
	return normalizeSingle(a, attrPath{name: path}, v, false, l)
}

// bareIDs reports whether a is an attribute whose value identity
// providers send as a bare id string: the enterprise manager (Entra ID)
// and a group's members (Okta, JumpCloud), taken as {"value": s} with no
// bend. By name, as the paths a PATCH hands Normalize may be whole
// ("urn:…:manager"), so a host extension's "manager" is taken so too.
func bareIDs(a *Attribute) bool {
	return names.Equal(a.Name, "manager") || names.Equal(a.Name, "members")
}

// normalizeValue is NormalizeValue; owned says the caller owns v (it comes
// from the document Normalize took over), so that its lists and objects
// are reused in place.
func normalizeValue(a *Attribute, p attrPath, v any, owned bool, l *Lenience) (any, error) {
	if v == nil {
		return nil, nil
	}
	if a.MultiValued {
		list, ok := v.([]any)
		if !ok {
			nv, err := normalizeSingle(a, p, v, owned, l)
			if err != nil {
				return nil, err
			}
			return []any{nv}, nil
		}
		var out []any
		if owned {
			out = list[:0] // each element is written at or before where it was read
		} else {
			out = make([]any, 0, len(list))
		}
		for _, el := range list {
			if el == nil {
				continue
			}
			nv, err := normalizeSingle(a, p, el, owned, l)
			if err != nil {
				return nil, err
			}
			out = append(out, nv)
		}
		return tidyValues(a, p.String(), out, l)
	}
	if _, ok := v.([]any); ok {
		return nil, &AttrError{Path: p.String(), Msg: "is single-valued; a list was given"}
	}
	return normalizeSingle(a, p, v, owned, l)
}

// normalizeSingle is NormalizeSingle (see normalizeValue for owned). A
// value that stays as it is is returned as v, not boxed anew.
func normalizeSingle(a *Attribute, p attrPath, v any, owned bool, l *Lenience) (any, error) {
	if a.Type == TypeComplex {
		switch x := v.(type) {
		case map[string]any:
			member := func(k string, sv any) (string, any, bool, error) {
				sa := a.Sub(k)
				if sa == nil {
					if l == nil {
						return "", nil, false, nil
					}
					return "", nil, false, l.unknownSub(a, p.String(), k)
				}
				if sa.ReadOnly() && a.Mutability != ReadOnly && !sa.readAsValue {
					return "", nil, false, nil
				}
				nv, err := normalizeValue(sa, p.child(sa.Name), sv, owned, l)
				return sa.Name, nv, nv != nil, err
			}
			if owned {
				if err := normalizeObject(x, p, member); err != nil {
					return nil, err
				}
				return x, nil
			}
			out := make(map[string]any, len(x))
			var buf [jsonscan.SmallObject]string
			for _, k := range jsonscan.SortedKeys(buf[:0], x) {
				nk, nv, keep, err := member(k, x[k])
				if err != nil {
					return nil, err
				}
				if keep {
					if err := once(out, nk, p.member(nk)); err != nil {
						return nil, err
					}
					out[nk] = nv
				}
			}
			return out, nil
		case string:
			if sa := a.Sub("value"); sa != nil {
				if !bareIDs(a) {
					if err := l.BareValue(p.String()); err != nil {
						return nil, err
					}
				}
				return map[string]any{sa.Name: v}, nil
			}
		}
		return nil, &AttrError{Path: p.String(), Msg: "must be a JSON object, got " + describeFor(l.secretSet(), a, v)}
	}
	switch a.Type {
	case TypeBoolean:
		switch x := v.(type) {
		case bool:
			return v, nil
		case string:
			if names.Equal(x, "true") {
				return true, nil
			}
			if names.Equal(x, "false") {
				return false, nil
			}
		}
		return nil, &AttrError{Path: p.String(), Msg: fmt.Sprintf("must be a boolean, got %s", describeFor(l.secretSet(), a, v))}
	case TypeInteger, TypeDecimal:
		switch x := v.(type) {
		case json.Number:
			if a.Type == TypeInteger {
				if _, err := x.Int64(); err != nil {
					return nil, &AttrError{Path: p.String(), Msg: fmt.Sprintf("must be an integer, got %s", numberFor(a, x))}
				}
			} else if _, err := x.Float64(); err != nil {
				// Past a float64 (1e400): most clients decode a number
				// into one and fail on the response, and the filter
				// parser refuses such a number, so no filter could find
				// the value. (One that rounds to 0, 1e-400, is kept.)
				return nil, &AttrError{Path: p.String(), Msg: fmt.Sprintf("must be a number a 64-bit float can hold (at most about ±1.8e308), got %s", numberFor(a, x))}
			}
			return v, nil
		case float64:
			return json.Number(fmt.Sprint(x)), nil
		}
		return nil, &AttrError{Path: p.String(), Msg: fmt.Sprintf("must be a number, got %s", describeFor(l.secretSet(), a, v))}
	default:
		if s, ok := v.(string); ok {
			if a.Type == TypeDateTime {
				if _, ok := ParseDateTime(s); !ok {
					return nil, &AttrError{Path: p.String(), Msg: fmt.Sprintf("must be a date and time such as \"2024-01-02T15:04:05Z\" (RFC 7643 §2.3.5, xsd:dateTime), got %s", describeFor(l.secretSet(), a, v))}
				}
			}
			if a.Type == TypeBinary && !IsBase64(s) {
				return nil, &AttrError{Path: p.String(), Msg: fmt.Sprintf("is binary and must be base64 (RFC 7643 §2.3.6: the RFC 4648 §4 alphabet, A-Z a-z 0-9 + /, with or without = padding), got %s", describeFor(l.secretSet(), a, v))}
			}
			if a.Type == TypeReference {
				if err := l.reference(a, p, s); err != nil {
					return nil, err
				}
			}
			return v, nil
		}
		return nil, &AttrError{Path: p.String(), Msg: fmt.Sprintf("must be a string, got %s", describeFor(l.secretSet(), a, v))}
	}
}

// IsBase64 reports whether s is the value of a binary attribute: RFC
// 7643 §2.3.6 says it "MUST be base64 encoded as specified in Section 4
// of [RFC4648]". Padding may be left out (its meaning is plain) and line
// breaks are skipped, as a MIME-wrapped certificate has them; another
// alphabet (base64url's - and _), or text that is no base64 at all, has
// no one meaning, so a write of it is a 400 and no store keeps a value
// a client cannot decode.
func IsBase64(s string) bool {
	if _, err := base64.StdEncoding.DecodeString(s); err == nil {
		return true
	}
	_, err := base64.RawStdEncoding.DecodeString(s)
	return err == nil
}

// ParseDateTime parses the value of a dateTime attribute (RFC 7643
// §2.3.5: an xsd:dateTime with a date and a time): RFC 3339, or without a
// zone (xsd:dateTime allows it), taken as UTC; years 0000 to 9999. A
// write whose dateTime value it refuses is a 400, so that every stored
// value is one a filter can compare (store/query.ParseTime is this) and
// that every store orders the same way.
func ParseDateTime(s string) (time.Time, bool) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, true
	}
	if t, err := time.Parse("2006-01-02T15:04:05.999999999", s); err == nil {
		return t, true
	}
	return time.Time{}, false
}

// numberFor is number x as an error about attribute a quotes it: not at
// all when a is never returned (as describeFor). Only an error builds it,
// so a valid number costs no allocation.
func numberFor(a *Attribute, x json.Number) string {
	if a.Returned == ReturnedNever {
		return "a number"
	}
	return string(x)
}

// describeFor describes v for an error about attribute a, without the
// value itself when a is never returned (a password sent as a number must
// not reach an error detail, a log line or the request log), and a string
// quoted as secrets says (describeValue). A complex attribute with a
// sub-attribute never returned is described so too: a string sent as the
// whole attribute may be that sub-attribute's value.
func describeFor(secrets *clienttext.Secrets, a *Attribute, v any) string {
	if a.Returned == ReturnedNever || slices.ContainsFunc(a.SubAttributes, func(s *Attribute) bool { return s.Returned == ReturnedNever }) {
		switch v.(type) {
		case string:
			return "a string"
		case bool:
			return "a boolean"
		case json.Number, float64:
			return "a number"
		}
	}
	return describeValue(secrets, v)
}

// DescribeValue names a decoded JSON value for an error message: "null",
// "the boolean true", "the string \"x\"", "the number 7", "a list" or
// "an object". A string is quoted as client text (bounded, no token),
// concealed when it names the password; ResourceType.DescribeValue
// conceals its model's secrets too.
func DescribeValue(v any) string {
	return describeValue(nil, v)
}

// DescribeValue is the package's DescribeValue for a message about a
// request for rt: a string that names any of rt's secrets (SecretNames)
// is concealed, not only one naming the password.
func (rt *ResourceType) DescribeValue(v any) string {
	return describeValue(rt.secretSet(), v)
}

// describeValue is DescribeValue with a string quoted as secrets says.
func describeValue(secrets *clienttext.Secrets, v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return fmt.Sprintf("the boolean %v", x)
	case string:
		return "the string " + secrets.Quote(x)
	case json.Number, float64:
		return fmt.Sprintf("the number %v", x)
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}
