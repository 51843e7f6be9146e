// Package patch applies SCIM PATCH operations (RFC 7644 §3.5.2) to resource
// documents, accepting the variants real identity providers send (see
// IDP-QUIRKS.md): capitalised ops, "True"/"False" strings for booleans,
// no-path values whose keys are attribute paths, value-path filters that
// create the element they select, member removal by value list, and more.
//
// Documents are map[string]any in the canonical form of resources.ToMap and
// ResourceType.Normalize. Apply never changes its input: a request either
// applies in full or fails with an *Error and changes nothing. ApplyTo
// applies to the document it is given, for a caller that renders a fresh
// one per request.
//
// PlanGroup, which the handler uses for every group PATCH, turns the
// operations that touch members into a membership change the store can
// apply without rewriting the group, and says which others remain;
// PlanMembers answers the same for a PATCH that touches members only.
//
// Every name a PATCH holds (the envelope's and an operation's members, op
// names, paths, the keys of a value object) matches under ASCII case
// folding (internal/names) and nothing wider: "Operations" in any ASCII
// case, never "Operationſ" (RFC 7643 §2.1: a name is ASCII).
package patch

import (
	"bytes"
	"encoding/json"
	"fmt"
	"iter"
	"sort"
	"strings"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/internal/clienttext"
	"github.com/scimkit/scim/internal/jsonscan"
	"github.com/scimkit/scim/internal/names"
	"github.com/scimkit/scim/internal/schemaurn"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store/query"
)

// SCIM error keywords (RFC 7644 §3.12) that PATCH failures carry in
// Error.ScimType.
const (
	// InvalidSyntax: an operation is malformed (unknown op, missing value).
	InvalidSyntax = "invalidSyntax"
	// InvalidPath: a path is malformed outside any value filter's
	// brackets (name..x, or around them), or names no attribute.
	InvalidPath = "invalidPath"
	// InvalidFilter: a value filter in a path is malformed inside its
	// brackets (filter.ErrInValueFilter; in strict mode, an unquoted
	// value), names an unknown sub-attribute or compares it in a way its
	// type does not allow, as the same filter in a list would be.
	InvalidFilter = "invalidFilter"
	// InvalidValue: a value does not fit the attribute, or a no-path
	// value names an unknown attribute.
	InvalidValue = "invalidValue"
	// NoTarget: remove without a path, or a value filter that selects
	// nothing and cannot create what it describes.
	NoTarget = "noTarget"
	// Mutability: the target is readOnly, immutable with a value, or
	// required and being removed.
	Mutability = "mutability"
)

// Operation is one PATCH operation as Decode reads it from a request.
type Operation struct {
	// Op is "add", "replace" or "remove", in any case.
	Op string
	// Path is the target (RFC 7644 §3.5.2), "" when absent.
	Path string
	// Value is the operation's value (numbers as json.Number): nil when
	// the request had no "value" member, JSONNull{} for an explicit
	// "value": null, so a replace with null can unassign an attribute
	// while a forgotten value is still an error.
	Value any
	// at is the operation's index in the request plus one when it was
	// taken out of the request's list (PlanGroup's member operations and
	// GroupPlan.Others), so that its refusals and warnings name it as the
	// client numbered it; 0 names it by its place in the list applied.
	at int
}

// kind is op's op lowered and without the white space around it, as
// every reader of an operation compares it ("add", "replace",
// "remove"): Entra sends "Replace", and the padding is a bend Decode
// reports (Envelope.PaddedOp).
func (op Operation) kind() string { return names.Lower(strings.TrimSpace(op.Op)) }

// index is op's index in the request, i its place in the list applied.
func (op Operation) index(i int) int {
	if op.at > 0 {
		return op.at - 1
	}
	return i
}

// opName is what a refusal or a warning made while applying
// Operations[idx] of a PATCH begins with, so that a client and a host
// reading the request log can tell which operation it is about.
func opName(idx int) string {
	return fmt.Sprintf("Operations[%d]: ", idx)
}

// EmptyRequired is the refusal of a required string attribute of the
// core schema (a User's userName, a Group's displayName) that is empty
// or white space: the handler's, of a body, and the engine's, of the
// operation that emptied it.
func EmptyRequired(name string) string {
	return name + " is required and must not be empty"
}

// emptied is the name of a required single-valued string attribute of
// the core schema that the document lacks or holds empty or as white
// space, or "": checked after each operation, so the refusal names the one that
// emptied it.
func (a *applier) emptied() string {
	for _, attr := range a.e.rt.Schema.Attributes {
		if !attr.Required || attr.MultiValued || attr.Type != resources.TypeString {
			continue
		}
		// Absent counts: a value of white space alone may be dropped
		// as unassigned (RFC 7643 §2.5) once read.
		_, v, _ := lookup(a.doc, attr.Name)
		if s, ok := v.(string); v == nil || ok && strings.TrimSpace(s) == "" {
			return attr.Name
		}
	}
	return ""
}

// JSONNull is the Value of an Operation whose "value" member is an
// explicit JSON null.
type JSONNull struct{}

// MarshalJSON renders JSON null.
func (JSONNull) MarshalJSON() ([]byte, error) { return []byte("null"), nil }

// PatchOpSchema is the schema URN of a PATCH request body.
const PatchOpSchema = "urn:ietf:params:scim:api:messages:2.0:PatchOp"

// Envelope is what a PatchOp body says beside its operations, for the
// caller to judge and report: Decode itself accepts any of it.
//
// The names it keeps are the client's, as sent: Decode knows no model, so
// the caller, which knows its model's secrets, quotes them.
type Envelope struct {
	// Ignored are the names of the members beside "schemas" and
	// "Operations" (Microsoft's SCIM validator sends the resource's "id"
	// there), sorted.
	Ignored []string
	// OpIgnored are the members of operations other than "op", "path"
	// and "value", in the body's order: RFC 7644 §3.5.2 gives an
	// operation those three.
	OpIgnored []OpMember
	// EmptyPath are the indexes of the operations whose "path" is a
	// string of nothing but spaces (""), which RFC 7644 §3.5.2's grammar
	// has no path for: the operation is taken as one without a path.
	EmptyPath []int
	// PaddedPath are the indexes of the operations whose "path" has white
	// space before or after it (" title "), which RFC 7644 §3.5.2's
	// grammar has no room for: the path is taken without it.
	PaddedPath []int
	// PaddedOp are the indexes of the operations whose "op" names an op
	// with white space before or after it (" replace "), which RFC 7644
	// §3.5.2 has no room for either: the op is taken without it. Its
	// letter case is no bend (Entra ID sends "Replace").
	PaddedOp []int
	// NoOperations says the "Operations" list is empty, where RFC 7644
	// §3.5.2 asks for "an array of one or more PATCH operations":
	// Microsoft's SCIM validator sends such a PATCH and expects it to
	// change nothing. Decode then returns no operations.
	NoOperations bool
	// Schemas says the body has a "schemas" member; Listed, that it is a
	// list holding PatchOpSchema (in any case), which RFC 7644 §3.5.2
	// requires: "The body of each request MUST contain the "schemas"
	// attribute with the URI value of
	// "urn:ietf:params:scim:api:messages:2.0:PatchOp"", or one string that
	// is PatchOpSchema; One, that it is one string, not a list (one value
	// for a multi-valued attribute, as resources.NamesSchema says).
	Schemas, Listed, One bool
	// SCIM1 says a "schemas" that is not PatchOpSchema names a SCIM 1.1
	// schema URN (schemaurn.SCIM1), which the handler's warning, or its
	// refusal in strict mode, then says.
	SCIM1 bool
}

// Decode reads a PatchOp request body (RFC 7644 §3.5.2): a JSON object
// with an "Operations" list of at most maxOps operations (no limit when
// maxOps <= 0). It is the one decoder of PATCH bodies: the handler calls it
// on the request body and the fuzzer fuzzes it. Member names match
// case-insensitively. A missing or wrong "schemas", other members
// beside "Operations", and an empty "Operations" list (no operations,
// env.NoOperations) are not errors here: env says what the body had, so
// the caller can bend (with a warning) or refuse as its policy says.
// Errors are *Error with Index -1 when no single operation is at fault;
// client text they quote (a member name given twice) is concealed as
// secrets says, the handler's model's set of secret names (nil: the
// password alone), since Decode runs before any resource type's engine.
func Decode(body []byte, maxOps int, secrets *clienttext.Secrets) (ops []Operation, env Envelope, err error) {
	ops, env, err = decode(body, maxOps, secrets)
	if err != nil {
		return nil, Envelope{}, err
	}
	sort.Strings(env.Ignored)
	return ops, env, nil
}

// decode reads the body's bytes in place, once jsonscan.ValidRepeated
// has checked them: the envelope's members, the Operations list (walked once) and
// each operation's op, path and value, without decoding the envelope and
// every operation into intermediate values (four scans of the body and
// about twenty allocations for a one-operation PATCH). A member name an
// object repeats exactly, anywhere in the body (the envelope, an
// operation, a value, and members the decoder otherwise ignores, such as
// a second "id"), is refused (invalidSyntax) by that one check of the
// whole body, as resources.DecodeRequest refuses it in every
// other body, where encoding/json would keep the last. Member names match
// case-insensitively, as encoding/json matches them to a struct's fields,
// so Operations, schemas, op, path or value in two spellings is refused
// too.
func decode(body []byte, maxOps int, secrets *clienttext.Secrets) ([]Operation, Envelope, error) {
	var env Envelope
	// One pass checks the body as json.Valid would and finds a repeated
	// name.
	name, at, valid := jsonscan.ValidRepeated(body)
	if !valid || firstByte(body) != '{' {
		// resources.Decode says where and why the body is not an object.
		msg := "the body must be a JSON object"
		if _, err := resources.Decode(body); err != nil {
			msg = err.Error()
		}
		return nil, env, envelopeError(InvalidSyntax, "%s", msg)
	}
	if at >= 0 {
		if i := operationAt(body, at); i >= 0 {
			return nil, env, newError(i, InvalidSyntax, "%s", jsonscan.RepeatedError(secrets, name))
		}
		return nil, env, envelopeError(InvalidSyntax, "%s", jsonscan.RepeatedError(secrets, name))
	}
	var list, schemas []byte
	for key, val := range members(body) {
		switch {
		case key.is("operations"):
			if list != nil {
				return nil, env, envelopeError(InvalidSyntax, "%s", jsonscan.RepeatedError(secrets, key.String()))
			}
			list = val
		case key.is("schemas"):
			if env.Schemas {
				return nil, env, envelopeError(InvalidSyntax, "%s", jsonscan.RepeatedError(secrets, key.String()))
			}
			env.Schemas, env.Listed = true, listsURN(val, PatchOpSchema)
			if firstByte(val) == '"' {
				env.Listed, env.One = rawKey(val).is(PatchOpSchema), true
			}
			schemas = val
		default:
			env.Ignored = append(env.Ignored, key.String())
		}
	}
	if env.Schemas && !env.Listed {
		env.SCIM1 = scim1(schemas)
	}
	if firstByte(list) != '[' {
		if env.SCIM1 {
			// A SCIM 1.1 PATCH (RFC-less: the resource's own attributes,
			// "operation":"delete" on members) is no PatchOp to fix by
			// hand: the connector is the wrong one.
			return nil, env, envelopeError(InvalidSyntax, "a PATCH body needs an \"Operations\" list, and this one is SCIM 1.1's: %s", schemaurn.SCIM1Advice)
		}
		return nil, env, envelopeError(InvalidSyntax, "a PATCH body needs an \"Operations\" list: {\"schemas\":[%q],\"Operations\":[{\"op\":\"replace\",\"path\":\"active\",\"value\":false}]}", PatchOpSchema)
	}
	// The operations' bytes, in one walk; past maxOps they are counted,
	// not kept, so an oversized list is refused without holding it.
	var raws [][]byte
	n := 0
	for raw := range elements(list) {
		if n++; maxOps <= 0 || n <= maxOps {
			raws = append(raws, raw)
		}
	}
	if n == 0 {
		env.NoOperations = true
		return nil, env, nil
	}
	if maxOps > 0 && n > maxOps {
		return nil, env, envelopeError(InvalidValue, "the PATCH has %d operations; at most %d are accepted in one request", n, maxOps)
	}
	ops := make([]Operation, n)
	for i, raw := range raws {
		if err := decodeOp(i, raw, &ops[i], &env, secrets); err != nil {
			return nil, env, err
		}
	}
	return ops, env, nil
}

// listsURN reports whether val, the bytes of a "schemas" member (valid
// JSON), is a list holding urn, an ASCII URN, in any case: under the name
// fold (names.Equal), as resources.ListsSchema holds every other body to
// its URN. An entry without escapes, what every client sends, is compared
// in place without allocating, as this runs on every PATCH.
func listsURN(val []byte, urn string) bool {
	if firstByte(val) != '[' {
		return false
	}
	for raw := range elements(val) {
		if len(raw) >= 2 && raw[0] == '"' && rawKey(raw).is(urn) {
			return true
		}
	}
	return false
}

// scim1 reports whether schemas, a body's raw "schemas" member, names a
// SCIM 1.1 schema URN. Only a body that does not list PatchOpSchema
// asks, so it decodes.
func scim1(schemas []byte) bool {
	var v any
	return json.Unmarshal(schemas, &v) == nil && schemaurn.NamesSCIM1(v)
}

// operationAt is the index of the operation of body (a PatchOp, valid
// JSON) whose text holds body[at], or -1 when body[at] is outside the
// Operations list's operations.
func operationAt(body []byte, at int) int {
	for key, val := range members(body) {
		if !key.is("operations") || firstByte(val) != '[' {
			continue
		}
		i := 0
		for raw := range elements(val) {
			// raw is a slice of body: body[cap(body)-cap(raw)] is its first byte.
			if start := cap(body) - cap(raw); at >= start && at < start+len(raw) {
				return i
			}
			i++
		}
	}
	return -1
}

// decodeOp reads the operation raw, the i-th of the list, into op; its
// refusals conceal client text as secrets says (Decode).
func decodeOp(i int, raw []byte, op *Operation, env *Envelope, secrets *clienttext.Secrets) error {
	if firstByte(raw) != '{' {
		return newError(i, InvalidSyntax, "an operation must be a JSON object")
	}
	var rop, rpath, rvalue []byte
	for key, val := range members(raw) {
		var dst *[]byte
		switch {
		case key.is("op"):
			dst = &rop
		case key.is("path"):
			dst = &rpath
		case key.is("value"):
			dst = &rvalue
		default:
			env.OpIgnored = append(env.OpIgnored, OpMember{Index: i, Name: key.String()})
			continue
		}
		if *dst != nil {
			return newError(i, InvalidSyntax, "%s", jsonscan.RepeatedError(secrets, key.String()))
		}
		*dst = val
	}
	if rop != nil {
		s, ok := rawString(rop)
		if !ok {
			return newError(i, InvalidSyntax, "\"op\" must be a string")
		}
		op.Op = s
		if t := strings.TrimSpace(s); len(t) != len(s) && isOp(t) {
			// Only an op the engine takes is a bend: another is refused
			// as sent, padding and all.
			env.PaddedOp = append(env.PaddedOp, i)
		}
	}
	if rpath != nil && string(rpath) != "null" {
		s, ok := rawString(rpath)
		if !ok {
			return newError(i, InvalidPath, "\"path\" must be a string")
		}
		op.Path = s
		switch t := strings.TrimSpace(s); {
		case t == "":
			env.EmptyPath = append(env.EmptyPath, i)
		case len(t) != len(s):
			env.PaddedPath = append(env.PaddedPath, i)
		}
	}
	if rvalue != nil {
		op.Value = rawValue(rvalue)
	}
	if op.Op == "" {
		return newError(i, InvalidSyntax, `op is required; use "add", "replace" or "remove"`)
	}
	return nil
}

// isOp reports whether s names one of the ops the engine applies, in
// any ASCII case.
func isOp(s string) bool {
	return names.Equal(s, "add") || names.Equal(s, "replace") || names.Equal(s, "remove")
}

// rawKey is a member name as it stands in the JSON text, quotes included.
type rawKey []byte

// is reports whether the name is name, in any case: equal under the
// name fold (names.Equal, ASCII case folding), as every name of a request
// is matched. name is ASCII, so a key of another length, or with a
// non-ASCII character, is never it ("ſchemas" is not "schemas").
func (k rawKey) is(name string) bool {
	text := k[1 : len(k)-1]
	if bytes.IndexByte(text, '\\') < 0 {
		return names.EqualBytes(text, name)
	}
	if len(text) > 6*len(name) {
		// Each byte of the name takes at most six in the text (\u0041):
		// a longer key is another name, and is not unquoted to learn it.
		return false
	}
	s, _ := rawString(k)
	return names.Equal(s, name)
}

// String is the name, unquoted.
func (k rawKey) String() string {
	s, _ := rawString(k)
	return s
}

// members iterates over the members of the JSON object that starts b
// (valid JSON, as json.Valid checks it): each name, quoted, and the bytes
// of its value, without the white space around it.
func members(b []byte) iter.Seq2[rawKey, []byte] {
	return func(yield func(rawKey, []byte) bool) {
		i := jsonscan.SkipSpace(b, 0) + 1 // past '{'
		for {
			i = jsonscan.SkipSpace(b, i)
			if i >= len(b) || b[i] != '"' {
				return // '}'
			}
			end := jsonscan.StringEnd(b, i)
			key := b[i:end]
			i = jsonscan.SkipSpace(b, jsonscan.SkipSpace(b, end)+1) // past ':'
			vend := jsonscan.ValueEnd(b, i)
			if !yield(rawKey(key), b[i:vend]) {
				return
			}
			if i = jsonscan.SkipSpace(b, vend); i < len(b) && b[i] == ',' {
				i++
			}
		}
	}
}

// elements iterates over the elements of the JSON array that starts b
// (valid JSON): the bytes of each, without the white space around it.
func elements(b []byte) iter.Seq[[]byte] {
	return func(yield func([]byte) bool) {
		for i := jsonscan.SkipSpace(b, 0) + 1; ; { // past '['
			el, next, ok := jsonscan.NextElement(b, i)
			if !ok || !yield(el) {
				return
			}
			i = next
		}
	}
}

// firstByte is the first byte of data that is not JSON white space, or 0.
func firstByte(data []byte) byte {
	for _, c := range data {
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return c
		}
	}
	return 0
}

// rawString reads a JSON string (valid JSON).
func rawString(raw []byte) (string, bool) {
	if firstByte(raw) != '"' {
		return "", false
	}
	raw = bytes.TrimSpace(raw)
	return jsonscan.Unquote(raw[1 : len(raw)-1]), true
}

// rawValue reads an operation's value (valid JSON, without a repeated
// member name: decode checked): JSONNull{} for null, the rest as
// resources.Decode reads it (numbers as json.Number).
func rawValue(raw []byte) any {
	if firstByte(raw) == 'n' {
		return JSONNull{} // an explicit null unassigns (RFC 7643 §2.5)
	}
	v, _ := jsonscan.Value(raw, 0)
	return v
}

// OpMember is a member of operation Index (from 0) of a PATCH body other
// than op, path and value, Name as sent.
type OpMember struct {
	Index int
	Name  string
}

func envelopeError(scimType, format string, args ...any) *Error {
	return &Error{Status: 400, ScimType: scimType, Detail: clienttext.Sprintf(format, args...), Index: -1}
}

// Error is a PATCH failure; the handler answers 400 (Status) with ScimType
// and Detail.
type Error struct {
	// Status is the HTTP status, always 400.
	Status int
	// ScimType is the RFC 7644 §3.12 keyword, e.g. "invalidPath".
	ScimType string
	// Detail is a human-readable message naming the operation (by its
	// index in Operations) and the attribute or path at fault. It never
	// contains anything but the request's own content.
	Detail string
	// Index is the 0-based index of the failing operation, or -1 when
	// the body as a whole is at fault (Decode).
	Index int
}

// Error returns the detail.
func (e *Error) Error() string { return "scim patch: " + e.Detail }

// Engine applies PATCH operations for one resource type. Build it once per
// resource type with NewEngine; it holds no per-request state and is safe
// for concurrent use.
type Engine struct {
	rt *resources.ResourceType
	// secrets is rt's set of secret names (rt.SecretNames), built once:
	// what the engine's messages conceal client text by.
	secrets *clienttext.Secrets
	parser  *filter.Parser
	eval    *query.Evaluator
	members *resources.Attribute // the Group members attribute, or nil
	// membersExact is members with its "value" compared exactly, as ids
	// are (compared; nil when members is).
	membersExact *resources.Attribute
	// maxSubstrings bounds the co operands of the value filters of
	// one request's paths together (filter.SubstringBytes; 0: no bound),
	// as the handler bounds a filter's (Config.MaxSubstringBytes).
	maxSubstrings int
}

// LimitSubstrings bounds the co operands of the value filters in
// the paths (and no-path value keys) of one request together to n bytes
// (filter.SubstringBytes; n <= 0: no bound): an operation whose path
// takes them over is refused with InvalidFilter. It returns e, and is
// for the engine's setup, before it applies anything.
func (e *Engine) LimitSubstrings(n int) *Engine {
	e.maxSubstrings = n
	return e
}

// NewEngine returns an Engine for rt. Paths and no-path value keys are
// parsed with every schema URN the server knows (rt.KnownSchemaURNs), so
// that fully qualified paths of host extensions split at the right place
// and a known URN after an unknown one is refused as a body and a filter
// refuse it.
func NewEngine(rt *resources.ResourceType) *Engine {
	e := &Engine{
		rt:      rt,
		secrets: clienttext.NewSecrets(rt.SecretNames()...),
		parser:  &filter.Parser{Schemas: rt.KnownSchemaURNs(), SecretNames: rt.SecretNames()},
		eval:    query.NewEvaluator(rt),
	}
	if a := rt.Schema.Attr("members"); a != nil && a.MultiValued && a.Type == resources.TypeComplex && a.Sub("value") != nil {
		e.members, e.membersExact = a, exactValue(a)
	}
	return e
}

// compared is the attribute a value of attr is compared as: attr, but
// for the group's members, whose "value" is compared exactly
// (exactValue). A value filter on members, a remove listing members and
// an add's check for a member already present compare with it.
func (e *Engine) compared(attr *resources.Attribute) *resources.Attribute {
	if attr == e.members {
		return e.membersExact
	}
	return attr
}

// exactValue returns a copy of the complex attribute a whose "value"
// sub-attribute is caseExact. A member's value is the member's id: the
// member plan (PlanMembers) hands it to the store as it was sent, and the
// store resolves and removes ids exactly (store.GroupStore), as GET
// /Users/{id} and id eq do. RFC 7643 §8.7.1 declares members.value
// caseExact false, which a filter in a search still follows; but a
// PATCH applied to the whole group must select and add the members the
// plan would (else removing members[value eq "ID"] removed nothing and
// members[value eq "ID" and type eq "User"] removed the member "id", and
// an add of "ID" beside a rename was taken for the member "id").
func exactValue(a *resources.Attribute) *resources.Attribute {
	c := *a
	c.SubAttributes = make([]*resources.Attribute, len(a.SubAttributes))
	for i, sub := range a.SubAttributes {
		c.SubAttributes[i] = sub
		if names.Equal(sub.Name, "value") {
			v := *sub
			v.CaseExact = true
			c.SubAttributes[i] = &v
		}
	}
	return &c
}

// Apply applies ops in order to a deep copy of doc and returns the copy;
// doc is never modified (the whole request is atomic: one bad operation
// and nothing changes). Errors are *Error.
func Apply(rt *resources.ResourceType, doc map[string]any, ops []Operation, l *resources.Lenience) (map[string]any, error) {
	return NewEngine(rt).Apply(doc, ops, l)
}

// Apply applies ops in order to a deep copy of doc and returns the copy;
// doc is never modified. Any failure is an *Error naming the operation,
// and then nothing is returned. What a sloppy client sends (an attribute
// no schema defines, a second primary) is bent or refused as l says (see
// resources.Lenience); a nil l bends silently.
func (e *Engine) Apply(doc map[string]any, ops []Operation, l *resources.Lenience) (map[string]any, error) {
	doc = copyMap(doc)
	if err := e.ApplyTo(doc, ops, l); err != nil {
		return nil, err
	}
	return doc, nil
}

// ApplyTo is Apply on doc itself, for a caller that owns doc (a document
// ToMap has just rendered) and needs no copy: on failure doc is left with
// the operations before the failing one applied, and the caller throws it
// away.
func (e *Engine) ApplyTo(doc map[string]any, ops []Operation, l *resources.Lenience) error {
	_, err := e.ApplyToSecrets(doc, ops, l)
	return err
}

// ApplyToSecrets is ApplyTo that also returns the secrets the operations
// reached, by the top-level attribute holding each (an extension by its
// schema URN, as a feed entry names what changed), in the order first
// reached: an add or replace that sends a value for an attribute or
// sub-attribute returned "never" (RFC 7643 §2.4), and a remove of one or
// of what holds one, by value or not. What such an operation changes
// depends on the secret's stored value (a replace with the stored value
// changes nothing, a remove by value takes only the stored value), so a
// caller that must not tell a right guess at it from a wrong one counts
// the PATCH as a change whatever the result.
func (e *Engine) ApplyToSecrets(doc map[string]any, ops []Operation, l *resources.Lenience) ([]string, error) {
	a := &applier{e: e, doc: doc, len: l}
	// A document stored empty (by a host's import) is the handler's to
	// refuse, not an operation's that did not empty it.
	before := a.emptied()
	for i, op := range ops {
		a.idx = op.index(i)
		mark := warned(l)
		if err := a.apply(op); err != nil {
			return nil, err
		}
		if name := a.emptied(); name != "" && name != before {
			// Refused here, not by the handler's check of the result,
			// which could not say which operation emptied it.
			return nil, a.fail(InvalidValue, "%s", EmptyRequired(name))
		}
		nameWarnings(l, mark, a.idx)
	}
	if l != nil {
		l.Warnings = append(l.Warnings, a.notRemoved...)
	}
	if err := a.tidyAll(); err != nil {
		return nil, err
	}
	return a.secrets, nil
}

func newError(idx int, scimType, format string, args ...any) *Error {
	return &Error{
		Status:   400,
		ScimType: scimType,
		Detail:   opName(idx) + clienttext.Sprintf(format, args...),
		Index:    idx,
	}
}
