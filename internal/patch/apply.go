package patch

import (
	"errors"
	"slices"
	"strings"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/internal/clienttext"
	"github.com/scimkit/scim/internal/jsonscan"
	"github.com/scimkit/scim/internal/multivalue"
	"github.com/scimkit/scim/internal/names"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store/query"
)

// applier carries one Apply call: the working copy and the index of the
// operation being applied.
type applier struct {
	e   *Engine
	doc map[string]any
	idx int
	// len collects the bends made (Lenience), or refuses them.
	len *resources.Lenience

	// tidy are the multi-valued complex attributes an add or replace, or
	// a remove of a sub-attribute of their values, touched, held to
	// multivalue.Tidy once, after the last operation (tidyAll):
	// operations apply in order (RFC 7644 §3.5.2) and only their result
	// is held to the rule a POST is, so two operations that swap two
	// values leave no duplicate.
	tidy few[tidyTarget]
	// stored are the elements of those attributes that were part of a
	// bend (a duplicate, an extra primary) before the first operation
	// touched the attribute (multivalue.StoredBends): strict mode refuses
	// only a bend with an element that was no part of one.
	stored multivalue.Stored
	// secrets are the top-level attributes (an extension by its URN)
	// holding a secret an operation reached (noteSecret).
	secrets []string
	// substrings are the bytes of co operands the value filters
	// of the paths resolved so far hold (Engine.LimitSubstrings).
	substrings int
	// only, when set, is the one attribute set and remove change
	// (Engine.Sets' forecast of a single-valued core attribute): every
	// operation is still resolved, and a no-path value's keys walked and
	// refused, as ApplyTo does them, but a target that is not only is
	// left as it is (skips).
	only *resources.Attribute
	// notRemoved are the warnings MembersNotRemoved gave, each naming
	// its operation itself, recorded after the last operation: where
	// the handler gives the same text for a removal the member plan sends
	// to the store, which reports it once the whole request is written.
	notRemoved []string
	// keyed are the targets the keys of the operation's no-path value
	// have named so far (applyKey), for the refusal of a target named
	// twice (keyTarget.twice); cleared at each operation.
	keyed few[keyTarget]
}

// keyTarget is what a no-path value's key names: an attribute of the
// core (ext nil) or of an extension, a sub-attribute of it or none, and
// the text of a value filter from its '[' ("" for none; the key's
// sub-attribute after it is sub), compared under the name fold as the
// keys themselves are.
type keyTarget struct {
	ext       *resources.Schema
	attr, sub *resources.Attribute
	filter    string
}

// String is the target as a refusal names it, its attribute in the
// schema's spelling: "urn:...:enterprise:2.0:User:employeeNumber",
// "name.givenName", "emails[type eq \"work\"].value".
func (t keyTarget) String() string {
	s := t.attr.Name + t.filter
	if t.sub != nil {
		s += "." + t.sub.Name
	}
	if t.ext != nil {
		s = t.ext.ID + ":" + s
	}
	return s
}

// twice reports whether t and o are one target: a no-path value that names
// it under two keys ("password" and "urn:...:User:password", the latter also
// inside the core schema's URN object; "name.givenName" and
// "urn:...:User:name.givenName"; an extension's attribute qualified and
// inside the extension's object) is refused, as
// resources.ResourceType.Normalize refuses an attribute given twice "with or
// without the schema URN" in a POST or PUT body, rather than applied twice
// in the keys' sorted order, the later winning.
func (t keyTarget) twice(o keyTarget) bool {
	return t.ext == o.ext && t.attr == o.attr && t.sub == o.sub && names.Equal(t.filter, o.filter)
}

// skips reports whether the applier leaves l as it is: it changes only
// a.only, and l is another target (an extension's, a sub-attribute's,
// another attribute's).
func (a *applier) skips(l loc) bool {
	return a.only != nil && (l.attr != a.only || l.ext != nil || l.sub != nil || l.filter != nil || l.single != nil)
}

// few holds a few values in place and more in a slice: an applier that
// held a slice of its own array would escape to the heap, and a PATCH
// touches one or two multi-valued attributes, and names a few targets in
// one no-path value (Entra's sends five to eight keys).
type few[T any] struct {
	n    int
	arr  [8]T
	more []T
}

// reset empties f, keeping what more holds room for.
func (f *few[T]) reset() {
	f.n, f.more = 0, f.more[:0]
}

func (f *few[T]) add(v T) {
	if f.n < len(f.arr) {
		f.arr[f.n] = v
	} else {
		f.more = append(f.more, v)
	}
	f.n++
}

// at is the ith value added.
func (f *few[T]) at(i int) *T {
	if i < len(f.arr) {
		return &f.arr[i]
	}
	return &f.more[i-len(f.arr)]
}

// tidyTarget is an attribute tidyAll holds to multivalue.Tidy: in
// ext's object (nil: the core), and the index of the last operation that
// touched it, which a refusal names.
type tidyTarget struct {
	ext  *resources.Schema
	attr *resources.Attribute
	idx  int
}

// loc is a resolved PATCH target.
type loc struct {
	raw    string               // the path as resolved (an extension's key with its URN), for messages
	named  naming               // what the client sent, for refusals
	ext    *resources.Schema    // the extension holding attr; nil for core and common attributes
	attr   *resources.Attribute // nil when the path names a whole extension (or unknown is set)
	filter filter.Expr          // value-path filter, or nil
	match  *query.Matcher       // filter compiled for one element of attr
	sub    *resources.Attribute // sub-attribute, or nil
	// single is a value filter on a single-valued complex attribute
	// (manager[value eq "id"]): the operation applies only when the
	// attribute's value matches it (filter and match stay nil).
	single *query.Matcher
	// missing: the path names an attribute, sub-attribute or schema that
	// no schema of the resource type defines. The operation is ignored
	// (with a warning), as ResourceType.Normalize ignores such attributes
	// in a body; strict mode refuses it.
	missing bool
}

// How a client names what an operation changes: an operation's path, or
// a key of a no-path value, which is applied as a path (RFC 7644
// §3.5.2.1, Entra's dotted and URN keys). A refusal names the one the
// client sent, so that a no-path value's key is not called a path.
const (
	asPath = "path"
	asKey  = "value key"
)

// naming is what a client sent to name a target, for a refusal: a path
// or a value key (what, asPath or asKey), and for a key inside an
// extension's object the extension's URN (in), since the key alone is
// not what was resolved. It is formatted only when a refusal is made.
type naming struct {
	what, raw, in string
	// secrets is the engine's type's, which String conceals raw by:
	// set by applier.name, the one way a naming is made.
	secrets *clienttext.Secrets
}

// name is what a client sent to name a target (naming), ready to be
// quoted in a refusal: every naming is made here, so that none quotes
// raw unconcealed.
func (a *applier) name(what, raw, in string) naming {
	return naming{what: what, raw: raw, in: in, secrets: a.e.secrets}
}

// path is what the naming resolves as a path: raw, after the extension's
// URN and a colon when the key was inside an extension's object.
func (n naming) path() string {
	if n.in != "" {
		return n.in + ":" + n.raw
	}
	return n.raw
}

// String is the naming as a refusal gives it: value key "favourite" in
// "urn:...:enterprise:2.0:User".
func (n naming) String() string {
	if n.in != "" {
		return n.secrets.Sprintf("%s %q in %q", n.what, n.raw, n.in)
	}
	return n.secrets.Sprintf("%s %q", n.what, n.raw)
}

// readOnly reports whether the target can never be written by a client.
func (l *loc) readOnly() bool {
	return l.attr != nil && (l.attr.ReadOnly() || l.sub != nil && l.sub.ReadOnly())
}

// fail is the operation's error (newError), its client text among args
// concealed as the engine's resource type's secrets say (newError's Args
// then leaves it as it is).
func (a *applier) fail(scimType, format string, args ...any) *Error {
	return newError(a.idx, scimType, format, a.e.secrets.Args(args)...)
}

// bend is resources.Lenience's rule for what the PATCH takes from a
// sloppy client: under Strict the operation fails (scimType, format),
// else warning is recorded; without a Lenience it is taken silently.
func (a *applier) bend(warning, scimType, format string, args ...any) error {
	if a.len == nil {
		return nil
	}
	if a.len.Strict {
		return a.fail(scimType, format, args...)
	}
	a.len.Warnings = append(a.len.Warnings, warning)
	return nil
}

// warned is how many warnings l holds (0 for a nil l): the mark from
// which nameWarnings names the warnings an operation adds.
func warned(l *resources.Lenience) int {
	if l == nil {
		return 0
	}
	return len(l.Warnings)
}

// nameWarnings puts the name of Operations[idx] (opName) before each
// warning l holds from mark on (warned); idx -1 names none. A bend of a
// value (resources.Lenience: one value for a multi-valued attribute, a
// string for a complex one, an unknown attribute) is made where the value
// is read, which knows no operation, and the request log would not tell
// which operation bent, as the handler's own warnings about an operation
// (its path or op padded with white space) tell.
func nameWarnings(l *resources.Lenience, mark, idx int) {
	if l == nil || idx < 0 {
		return
	}
	for i := mark; i < len(l.Warnings); i++ {
		l.Warnings[i] = opName(idx) + l.Warnings[i]
	}
}

func (a *applier) apply(op Operation) error {
	// White space around the op or the path is a bend Decode reports
	// (Envelope.PaddedOp, PaddedPath) for its caller to warn of or refuse.
	kind := op.kind()
	path := strings.TrimSpace(op.Path)
	v := op.Value
	if _, ok := v.(JSONNull); ok {
		v = nil
	}
	a.keyed.reset()
	switch kind {
	case "add", "replace":
		if op.Value == nil {
			return a.fail(InvalidSyntax, "value is required for %s", kind)
		}
		if path == "" {
			obj, ok := v.(map[string]any)
			if !ok {
				return a.fail(InvalidValue, "%s without a path needs a value that is a JSON object of attributes, got %s", kind, a.e.rt.DescribeValue(v))
			}
			return a.applyObject(kind, obj, nil)
		}
		if names.Equal(path, "schemas") {
			return nil // made from the attributes, as keyLoc skips the key
		}
		if names.Equal(path, a.e.rt.Schema.ID) {
			// The core schema's URN, as a path, names the core attributes
			// as an extension's names the extension's: the value is an
			// object of them, applied as a no-path value's URN key is.
			return a.applyKey(kind, a.e.rt.Schema.ID, v, nil)
		}
		l, done, err := a.target(path)
		if done {
			return err
		}
		if l.single != nil && !a.selects(l) && a.current(l) != nil {
			// Replacing a value the filter does not select changes
			// nothing; an unset attribute is set, as a value filter that
			// selects nothing creates what it describes.
			return nil
		}
		return a.set(kind, l, v)
	case "remove":
		if path == "" {
			return a.fail(NoTarget, `remove needs a path naming the attribute, or the values, to remove: "title", "emails[type eq \"work\"]"`)
		}
		if names.Equal(path, "schemas") {
			// A resource's schemas are made from its attributes (RFC
			// 7643 §3 makes every resource have them): nothing to remove.
			return nil
		}
		if names.Equal(path, a.e.rt.Schema.ID) {
			return a.fail(InvalidPath, "%q names the core schema, which is not removed whole; remove its attributes by their paths", path)
		}
		l, done, err := a.target(path)
		if done {
			return err
		}
		if l.single != nil && !a.selects(l) {
			return nil // nothing selected: nothing to remove
		}
		return a.remove(l, v)
	case "":
		return a.fail(InvalidSyntax, `op is required; use "add", "replace" or "remove"`)
	default:
		return a.fail(InvalidSyntax, `unsupported op %q; use "add", "replace" or "remove"`, op.Op)
	}
}

// current returns the value at l's attribute, or nil.
func (a *applier) current(l loc) any {
	c := a.container(l, false)
	if c == nil {
		return nil
	}
	_, v, _ := lookup(c, l.attr.Name)
	return v
}

// selects reports whether l.single matches the attribute's current value.
func (a *applier) selects(l loc) bool {
	m, ok := a.current(l).(map[string]any)
	return ok && l.single.Match(m)
}

// ignore skips an operation on something no schema defines, or that the
// model's subset leaves out, by the policy Normalize follows too
// (resources.Lenience.Unknown): a warning, or in strict mode an
// invalidPath error naming the operation.
func (a *applier) ignore(l loc) error {
	err := a.len.Unknown(a.e.rt, l.raw, InvalidPath)
	var ae *resources.AttrError
	if errors.As(err, &ae) {
		return a.fail(InvalidPath, "%v %s", l.named, ae.Msg)
	}
	return err
}

// target resolves the path of an operation that writes there (add or
// replace with a path, remove) and refuses what no operation may change:
// done says the operation ends with err, which is nil for an attribute
// the schema does not know that leniency ignores. A "$ref" the server
// makes from each value as it answers (members.$ref, groups.$ref, the
// manager's) is refused too: no stored document holds it, so a change to
// it would answer 200 and change nothing.
func (a *applier) target(path string) (l loc, done bool, err error) {
	if l, err = a.resolve(a.name(asPath, path, "")); err != nil {
		return l, true, err
	}
	switch {
	case l.missing:
		return l, true, a.ignore(l)
	case a.e.rt.ServerRefSub(l.attr, l.sub) && !l.attr.ReadOnly():
		// Before readOnly: the manager's $ref is readOnly too, and the
		// client needs to hear that the value is what to change.
		return l, true, a.fail(Mutability, "%q is made by the server from each value's \"value\" and cannot be changed; change the value instead", l.raw)
	case l.readOnly():
		return l, true, a.fail(Mutability, "%q is readOnly and cannot be changed", l.raw)
	}
	return l, false, nil
}

// applyObject applies add or replace without a path: every key of obj is
// applied as if it were the operation's path (RFC 7644 §3.5.2.1 and §3.5.2.3
// with Entra ID's aadOptscim062020 form, whose keys are dotted, filtered or
// fully qualified paths). Keys are applied in the order applyKeys gives.
// Read-only targets are ignored, as RFC 7644 §3.3 says for values clients
// send (Okta's {"id": ..., "displayName": ...}). Inside an extension object
// (ext != nil) keys are that extension's attributes. A target named by two
// keys ("title" and "TITLE", "title" and "urn:...:User:title" or the core
// schema's URN object holding it) is refused (applyKeys, keyOnce), as
// resources.ResourceType.Normalize refuses it in a POST or PUT body, rather
// than applied twice, the later in sorted order winning.
func (a *applier) applyObject(kind string, obj map[string]any, ext *resources.Schema) error {
	return a.applyKeys(kind, obj, ext, "")
}

// applyKeys applies each key of obj, a no-path value, whose JSON object has
// no order of its own (RFC 8259 §4), in an order that does not depend on
// how the client wrote it: sorted, so "name" comes before
// "name.givenName", except that a key setting "primary" on filtered
// elements (phoneNumbers[type eq "mobile"].primary) comes after the
// others. Where no element matches, that key alone would create one that
// holds nothing but type and primary, which setFiltered refuses; its
// siblings (phoneNumbers[type eq "mobile"].value) create the element
// first, so the created element is made primary as the client asked.
// With in set (the core schema's URN key), a key that is a schema URN is
// refused: URNs do not nest. Two passes over the one sorted slice, so that
// the slice stays on the stack.
func (a *applier) applyKeys(kind string, obj map[string]any, ext *resources.Schema, in string) error {
	keys := sortedKeys(obj)
	if k, found := names.Repeated(keys); found {
		return a.fail(InvalidSyntax, "%q in the value "+names.GivenTwice, k)
	}
	for _, late := range [2]bool{false, true} {
		for _, k := range keys {
			if filteredPrimary(k) != late {
				continue
			}
			if in != "" && resources.IsURN(k) {
				return a.fail(InvalidValue, "%q inside %s: schema URNs do not nest", k, in)
			}
			if err := a.applyKey(kind, k, obj[k], ext); err != nil {
				return err
			}
		}
	}
	return nil
}

func (a *applier) applyKey(kind, key string, v any, in *resources.Schema) error {
	k, err := a.keyLoc(key, v, in)
	switch {
	case err != nil:
		return err
	case k.skip:
		return nil
	case k.core:
		return a.applyKeys(kind, k.inner, nil, key)
	case k.l.attr == nil && k.l.ext != nil && !k.l.missing:
		return a.setExtension(kind, k.l, v)
	case k.l.missing:
		return a.ignore(k.l)
	case k.l.readOnly():
		return nil // ignored, under every key: Normalize holds no read-only attribute to find given twice
	}
	if err := a.keyOnce(key, k.l); err != nil {
		return err
	}
	return a.set(kind, k.l, v)
}

// keyLanding is where a key of a no-path value lands (keyLoc).
type keyLanding struct {
	// skip: "schemas", recomputed from the content.
	skip bool
	// core: the core schema's URN, whose value, inner, is an object of
	// core attributes, applied as the value's own keys are.
	core  bool
	inner map[string]any
	// l is the target otherwise: an extension's URN (l.ext, and l.attr
	// nil: its object's keys are the extension's attributes), or the
	// path the key is, resolved (l.missing when no schema defines it).
	l loc
}

// keyLoc is where key, a key of a no-path value whose value is v, lands
// as applyKey applies it; in is the extension whose object holds key
// (nil at the top or in the core schema's URN object). It is the one
// reading of a value's keys: ApplyTo, Sets (which runs the applier) and
// the member plan's walk (membersKey, keysTargetMembers) take it, so
// that what the plan takes for members is what ApplyTo changes
// (TestMemberWalkIsApply). err refuses a URN inside an extension's
// object, a core URN whose value is no object, and a key that is no path.
func (a *applier) keyLoc(key string, v any, in *resources.Schema) (keyLanding, error) {
	rt := a.e.rt
	named := a.name(asKey, key, "")
	if in != nil {
		if resources.IsURN(key) {
			return keyLanding{}, a.fail(InvalidValue, "%q inside %s: schema URNs do not nest", key, in.ID)
		}
		named.in = in.ID
	} else if names.Equal(key, "schemas") {
		return keyLanding{skip: true}, nil
	} else if resources.IsURN(key) {
		// Every schema's id is a URN (the model refuses another): a
		// key that is none, the common case (Entra's dotted keys,
		// Okta's id and displayName), is spared the schemas' walk.
		if ext := rt.Extension(key); ext != nil {
			return keyLanding{l: loc{raw: key, named: named, ext: ext}}, nil
		}
		if names.Equal(key, rt.Schema.ID) {
			obj, ok := v.(map[string]any)
			if !ok {
				return keyLanding{}, a.fail(InvalidValue, "%q must be a JSON object of attributes, got %s", key, a.e.rt.DescribeValue(v))
			}
			return keyLanding{core: true, inner: obj}, nil
		}
	}
	l, err := a.resolve(named)
	if err != nil {
		var pe *Error
		if errors.As(err, &pe) && pe.ScimType == InvalidPath {
			pe.ScimType = InvalidValue
		}
		return keyLanding{}, err
	}
	return keyLanding{l: l}, nil
}

// keyOnce records the target l that key, a key of the operation's no-path
// value (at any depth: the core schema's URN object, an extension's
// object), names, and refuses it when an earlier key named the same
// (keyTarget.twice). A value's keys in one object that are one name
// under the fold are refused before (applyKeys); this is the same rule
// for a name given with and without its schema's URN.
func (a *applier) keyOnce(key string, l loc) error {
	t := keyTarget{ext: l.ext, attr: l.attr, sub: l.sub}
	if i := strings.IndexByte(key, '['); i >= 0 {
		if j := strings.LastIndexByte(key, ']'); j > i {
			t.filter = key[i : j+1]
		}
	}
	for i := range a.keyed.n {
		if o := a.keyed.at(i); o.twice(t) {
			return a.fail(InvalidSyntax, "%q in the value, again as %v, "+names.GivenTwice, o.String(), l.named)
		}
	}
	a.keyed.add(t)
	return nil
}

// resolve parses the path the client sent as named (naming.path) and
// resolves it against the resource type.
func (a *applier) resolve(named naming) (loc, error) {
	rt := a.e.rt
	path := named.path()
	if plainName(path) {
		res := rt.Resolve(filter.AttrPath{Name: path})
		return loc{raw: path, named: named, attr: res.Attr, ext: res.Extension, missing: res.Missing}, nil
	}
	p, err := a.e.parser.ParsePath(path)
	if err != nil {
		scimType := InvalidPath
		if errors.Is(err, filter.ErrInValueFilter) {
			// The problem is inside the brackets, in the value filter's
			// syntax or a comparison no attribute supports: what the
			// same filter in a list gets (RFC 7644 §3.12, invalidFilter
			// for "PATCH (Path Filter)").
			scimType = InvalidFilter
		}
		if named.in != "" {
			// The error's offsets count in path, the key with its
			// extension's URN before it.
			return loc{}, a.fail(scimType, "%v, read as %q: %v", named, path, err)
		}
		return loc{}, a.fail(scimType, "%v: %v", named, err)
	}
	if a.e.maxSubstrings > 0 && p.Filter != nil {
		if a.substrings += filter.SubstringBytes(p.Filter); a.substrings > a.e.maxSubstrings {
			return loc{}, a.fail(InvalidFilter, "%v: the co operands of this PATCH's value filters are %d bytes long together; at most %d bytes are accepted (MaxSubstringBytes): compare a shorter part, or use eq, sw or ew", named, a.substrings, a.e.maxSubstrings)
		}
	}
	for _, c := range filter.UnquotedValues(p.Filter) {
		// The value is a part of the path: concealed when the path names
		// the password (password[value eq Hunter2]).
		sent, _ := c.Value.(string) // Unquoted: a string
		v := a.e.secrets.PartOf(path, sent)
		if err := a.bend(a.e.secrets.Sprintf("unquoted filter value %q taken as a string", v),
			InvalidFilter, "%v: string values must be quoted: %q (strict mode)", named, v); err != nil {
			return loc{}, err
		}
	}
	l := loc{raw: path, named: named, filter: p.Filter}
	res := rt.Resolve(p.AttrPath)
	if res.Missing && p.Filter == nil {
		if d, ok := rt.ReadDotted(p.AttrPath); ok {
			// Entra ID's oldest jobs write urn:…:User.department.
			if err := a.bend(d.Warning(named.String()), InvalidPath, "%s", d.Refusal(named.String())); err != nil {
				return loc{}, err
			}
			p.AttrPath, res = d.Path, rt.Resolve(d.Path)
		}
	}
	attr := res.Attr
	switch {
	case attr != nil && p.Sub != "" && attr.Type != resources.TypeComplex:
		return loc{}, a.fail(InvalidPath, "%v %s", named, rt.NoAttribute(p.AttrPath))
	case res.Missing, res.Whole == rt.Schema:
		// The core schema's URN alone: add and replace take it as an
		// object of core attributes, and remove refuses it, before they
		// resolve a path, as applyKey does a no-path value's key; it
		// reaches here only with a value filter after it
		// (urn:...:User[...]), and then names no one attribute to change.
		return loc{raw: path, named: named, missing: true}, nil
	case attr == nil: // a whole extension
		if p.Filter != nil {
			return loc{raw: path, named: named, missing: true}, nil
		}
		l.ext = res.Extension
		return l, nil
	}
	if p.Filter != nil && rt.OmitsPath(p) {
		// The filter names a sub-attribute the model's subset left out
		// (emails[type eq "work"].value with emails.value alone kept):
		// what selects by it is ignored, or refused, as a path naming it
		// is.
		return loc{raw: path, named: named, missing: true}, nil
	}
	l.attr, l.ext, l.sub = attr, res.Extension, res.Sub
	if p.Filter != nil && a.only != nil && attr != a.only {
		// Sets' forecast changes a.only alone (skips): what this value
		// filter selects is never asked, so it is not compiled (about
		// five allocations a path), and ApplyTo makes its refusals.
		return l, nil
	}
	if p.Filter != nil && !attr.MultiValued {
		if attr.Type != resources.TypeComplex {
			return loc{}, a.fail(InvalidPath, "%v: %q is single-valued; a value filter needs a multi-valued or complex attribute", named, attr.Name)
		}
		// Entra ID removes and replaces the enterprise manager with
		// manager[value eq "id"]: a filter on a single complex value
		// selects that value when it matches (see single).
		if err := a.checkFilter(attr, p.AttrPath, p.Filter); err != nil {
			return loc{}, err
		}
		m, err := a.e.eval.CompileElement(attr, p.Filter)
		if err != nil {
			return loc{}, a.fail(InvalidFilter, "%v: %v", named, err)
		}
		if err := a.conversions(m); err != nil {
			return loc{}, err
		}
		l.filter, l.single = nil, m
	}
	if p.Filter != nil && attr.MultiValued {
		if err := a.checkFilter(attr, p.AttrPath, p.Filter); err != nil {
			return loc{}, err
		}
		m, err := a.e.eval.CompileElement(elementAttr(a.e.compared(attr)), p.Filter)
		if err != nil {
			return loc{}, a.fail(InvalidFilter, "%v: %v", named, err)
		}
		if err := a.conversions(m); err != nil {
			return loc{}, err
		}
		l.match = m
	}
	return l, nil
}

// conversions is the bend of each operand of a path's value filter that
// m read as another type than it was sent (query.Conversion:
// emails[primary eq "True"] selects the primary email), in the words a
// list's filter is reported in: a warning, or under Strict the operation
// fails with invalidFilter, as the same filter in a list does.
func (a *applier) conversions(m *query.Matcher) error {
	for _, c := range m.Conversions() {
		if err := a.bend(c.Warning(), InvalidFilter, "%s", c.Refusal()); err != nil {
			return err
		}
	}
	return nil
}

// checkFilter verifies that every attribute a value filter names is a
// sub-attribute of attr ("value" for a multi-valued simple attribute),
// the attribute at, as the path names it: an unknown one is refused in
// the words a list's filter uses (ResourceType.NoAttribute).
func (a *applier) checkFilter(attr *resources.Attribute, at filter.AttrPath, e filter.Expr) error {
	name := func(p filter.AttrPath) error {
		// A name inside the brackets is one of attr's sub-attributes, as
		// written alone: a URN or a dot before it (emails[type.kind ...],
		// emails[urn:…:User:emails.type ...]) names none.
		qualified := p.URI != "" || p.Sub != ""
		var sub *resources.Attribute
		if attr.Type == resources.TypeComplex && !qualified {
			sub = attr.Sub(p.Name)
		}
		if never := (resources.Resolved{Attr: attr, Sub: sub}).NeverReturned(); never != "" {
			// Checked before anything is compared, for every op: a match
			// (200) against none (noTarget), or what a remove left,
			// would tell a right guess at a secret from a wrong one, as
			// the same filter in a list would (which refuses it too).
			return a.fail(InvalidFilter, "filter on %s: %s", attr.Name, resources.NeverReturnedRefusal(never))
		}
		if attr.Type == resources.TypeComplex {
			if sub == nil {
				// NoAttribute words a sub-attribute attr lacks by attr
				// alone, whatever the name sent (p.String(), never empty).
				return a.fail(InvalidFilter, "filter path %q %s", p.String(), a.e.rt.NoAttribute(filter.AttrPath{URI: at.URI, Name: at.Name, Sub: p.String()}))
			} else if refusal := a.e.rt.ServerMade(attr, sub); refusal != "" {
				// Not stored (members[$ref eq "x"], manager[displayName
				// eq "x"]): the filter would select no value, whatever
				// the values are, as in a list, which refuses it too.
				return a.fail(InvalidFilter, "filter on %s: %s", attr.Name, refusal)
			}
			return nil
		}
		if qualified || !names.Equal(p.Name, "value") {
			return a.fail(InvalidFilter, "filter on %s: only \"value\" can be compared in a filter on a simple attribute", attr.Name)
		}
		return nil
	}
	switch x := e.(type) {
	case *filter.Compare:
		return name(x.Path)
	case *filter.Present:
		return name(x.Path)
	case *filter.Logical:
		if err := a.checkFilter(attr, at, x.Left); err != nil {
			return err
		}
		return a.checkFilter(attr, at, x.Right)
	case *filter.Not:
		return a.checkFilter(attr, at, x.X)
	case *filter.ValuePath:
		return a.fail(InvalidFilter, "filter on %s: value filters do not nest", attr.Name)
	}
	return a.fail(InvalidFilter, "filter on %s: unsupported expression", attr.Name)
}

// container returns the object holding l's attribute: the document, or
// the extension object (created when create is set).
func (a *applier) container(l loc, create bool) map[string]any {
	if l.ext == nil {
		return a.doc
	}
	k, v, ok := lookup(a.doc, l.ext.ID)
	m, _ := v.(map[string]any)
	if m == nil && create {
		if ok {
			delete(a.doc, k)
		}
		m = make(map[string]any)
		a.doc[l.ext.ID] = m
	}
	return m
}

// tidyExt drops an extension object left empty.
func (a *applier) tidyExt(l loc) {
	if l.ext == nil {
		return
	}
	if k, v, ok := lookup(a.doc, l.ext.ID); ok {
		if m, _ := v.(map[string]any); len(m) == 0 {
			delete(a.doc, k)
		}
	}
}

// put puts v into c under the attribute's schema spelling, replacing a
// key spelled differently; an empty value deletes the attribute.
func put(c map[string]any, name string, v any) {
	if k, _, ok := lookup(c, name); ok && k != name {
		delete(c, k)
	}
	if isEmpty(v) {
		delete(c, name)
		return
	}
	c[name] = v
}

// setExtension applies add or replace to a whole extension (a path or a
// no-path key that is the extension URN): its value is an object of the
// extension's attributes, each applied as a path. Like any complex
// attribute, attributes not in the value are left unchanged
// (RFC 7644 §3.5.2.3). A null value with replace removes the extension.
func (a *applier) setExtension(kind string, l loc, v any) error {
	if v == nil {
		if kind == "replace" {
			return a.remove(l, nil)
		}
		return nil
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return a.fail(InvalidValue, "%q: an extension must be a JSON object, got %s", l.raw, a.e.rt.DescribeValue(v))
	}
	return a.applyObject(kind, obj, l.ext)
}

// set applies add or replace of v at l. A null value (or an empty list)
// with replace unassigns the target; with add it adds nothing.
func (a *applier) set(kind string, l loc, v any) error {
	if l.attr == nil {
		return a.setExtension(kind, l, v)
	}
	if a.skips(l) {
		return nil
	}
	if sendsSecret(l, v) {
		a.noteSecret(l)
	}
	if v == nil || isEmptyList(v) {
		if kind == "replace" {
			return a.remove(l, nil)
		}
		return nil
	}
	a.willTidy(l)
	var err error
	switch {
	case l.filter != nil:
		err = a.setFiltered(kind, l, v)
	case l.sub != nil:
		err = a.setSub(l, v)
	default:
		err = a.setAttr(kind, l, v)
	}
	a.tidyExt(l)
	return err
}

// willTidy records l's attribute for tidyAll when it is one whose
// duplicates multivalue.Tidy drops: multi-valued and tidied.
func (a *applier) willTidy(l loc) {
	attr := l.attr
	if !attr.MultiValued || !tidied(attr) {
		return
	}
	for i := range a.tidy.n {
		if t := a.tidy.at(i); t.attr == attr && t.ext == l.ext {
			t.idx = a.idx
			return
		}
	}
	a.tidy.add(tidyTarget{ext: l.ext, attr: attr, idx: a.idx})
	// The first operation on attr: what it holds now is what was stored.
	if c := a.container(loc{ext: l.ext}, false); c != nil {
		_, cur, _ := lookup(c, attr.Name)
		list, _ := cur.([]any)
		multivalue.StoredBends(attr.ValueShape(), list, a.stored.Note)
	}
}

// tidied reports whether attr's values are held to the duplicate rule
// (multivalue.Tidy) and so may have duplicates: a complex attribute
// with a "value" a client may change. Members, whose value is immutable
// and which an add finds by value alone, are left to the member plan.
func tidied(attr *resources.Attribute) bool {
	if attr.Type != resources.TypeComplex {
		return false
	}
	vs := attr.Sub("value")
	return vs != nil && vs.Mutability != resources.Immutable
}

// tidyAll holds the list each recorded attribute was left with to
// multivalue.Tidy, as a POST's is: an element that came to hold
// the type and value of another (a sub-attribute set on every element,
// a filtered replace) is a duplicate, dropped with a warning. Strict mode
// refuses (invalidValue) only a duplicate, or a second primary, the PATCH
// made: one with an element that was no part of that bend before the
// first operation touched the attribute (multivalue.Stored.Bent). A bend an earlier
// release stored is tidied with a warning, even when an operation changed
// its elements (Entra's filtered replace matches both of two stored
// duplicates), so that it never makes a PATCH fail.
func (a *applier) tidyAll() error {
	for i := range a.tidy.n {
		t := a.tidy.at(i)
		c := a.container(loc{ext: t.ext}, false)
		if c == nil {
			continue
		}
		_, cur, _ := lookup(c, t.attr.Name)
		list, _ := cur.([]any)
		if len(list) < 2 {
			continue
		}
		path := t.attr.Name
		if t.ext != nil {
			path = t.ext.ID + ":" + t.attr.Name
		}
		a.idx = t.idx // a refusal or warning names the last operation that touched it
		mark := warned(a.len)
		tidy, err := multivalue.Tidy(t.attr.ValueShape(), path, list, a.e.secrets, func(x, y map[string]any, primary bool, refusal, warning string) error {
			if a.stored.Bent(x, y, primary) {
				// Refusing it would make every later request that
				// touches the attribute fail for what an earlier
				// release stored.
				if a.len != nil {
					a.len.Warnings = append(a.len.Warnings, warning)
				}
				return nil
			}
			return a.bend(warning, InvalidValue, "attribute %q: %s", path, refusal)
		})
		if err != nil {
			return err
		}
		nameWarnings(a.len, mark, a.idx)
		if len(tidy) != len(list) {
			put(c, t.attr.Name, tidy)
		}
	}
	return nil
}

func (a *applier) normalize(attr *resources.Attribute, path string, v any, single bool) (any, error) {
	var nv any
	var err error
	if single {
		nv, err = resources.NormalizeSingle(attr, path, v, a.len)
	} else {
		nv, err = resources.NormalizeValue(attr, path, v, a.len)
	}
	if err != nil {
		st := InvalidValue
		var ae *resources.AttrError
		if errors.As(err, &ae) && ae.ScimType != "" {
			st = ae.ScimType
		}
		return nil, a.fail(st, "%s", err.Error())
	}
	return nv, nil
}

// setAttr applies add or replace to a whole attribute (no filter, no
// sub-attribute).
func (a *applier) setAttr(kind string, l loc, v any) error {
	attr := l.attr
	nv, err := a.normalize(attr, l.raw, v, false)
	if err != nil {
		return err
	}
	c := a.container(l, true)
	_, cur, has := lookup(c, attr.Name)
	has = has && cur != nil
	if !attr.MultiValued {
		if attr.Type == resources.TypeComplex {
			m, _ := nv.(map[string]any)
			curm, _ := cur.(map[string]any)
			if curm == nil || newReferent(attr, curm, m) {
				// Absent, or a reference-like value (manager) now naming
				// another resource: the other sub-attributes described the
				// old one, so the value is replaced whole.
				if attr.Mutability == resources.Immutable && has && (sealed(attr) || !EqualValue(attr, cur, m)) {
					return a.immutableErr(l)
				}
				put(c, attr.Name, m)
				return nil
			}
			// RFC 7644 §3.5.2.1/§3.5.2.3: the given sub-attributes replace
			// existing ones or are added; the others are left unchanged.
			for _, k := range sortedKeys(m) {
				if err := a.setSubValue(l, attr.Sub(k), curm, m[k]); err != nil {
					return err
				}
			}
			if kind == "replace" {
				return a.unsetGiven(l, v)
			}
			return nil
		}
		if attr.Mutability == resources.Immutable && has {
			if sealed(attr) || !EqualValue(attr, cur, nv) {
				return a.immutableErr(l)
			}
			return nil // the value it has: no change
		}
		put(c, attr.Name, nv)
		return nil
	}
	list, _ := nv.([]any)
	for i, el := range list {
		if err := a.requireMember(attr, i, el); err != nil {
			return err
		}
	}
	curList, _ := cur.([]any)
	if kind == "replace" {
		// RFC 7644 §3.5.2.3: no filter, so the attribute and all its
		// values are replaced.
		if attr.Mutability == resources.Immutable && len(curList) > 0 && (sealed(attr) || !EqualValue(attr, curList, list)) {
			return a.immutableErr(l)
		}
		if len(list) == 0 {
			return a.remove(l, nil)
		}
		touched := make([]int, len(list))
		for i := range list {
			touched[i] = i
		}
		fixPrimary(attr, list, touched)
		put(c, attr.Name, list)
		return nil
	}
	// RFC 7644 §3.5.2.1: a new value is added to a multi-valued attribute;
	// a value already present changes nothing, and one whose type and
	// value are present (a duplicate, multivalue.Same) gets the other
	// sub-attributes sent merged in, as a filtered add's match does: Entra
	// sends "Add roles" with primary and display for a role the user has,
	// and the RFC says such an add succeeds. The element keeps its own
	// spelling of the type and value. Compared as their attributes say
	// (RFC 7643 §2.4, caseExact false), they are the value the add names,
	// of which "the target location already contains the value specified,
	// no changes SHOULD be made"; the request's spelling winning would make
	// the add a replace of the value, and a client that sends a value in
	// its own case (a directory's spelling of an address) would rewrite
	// the stored one, and its version, on every push. A client that means
	// to change the spelling replaces the value (emails[value eq
	// "x"].value), which a filtered add or replace sets as sent.
	if sealed(attr) && len(curList) > 0 {
		return a.immutableErr(l) // before a value is compared with the stored ones
	}
	var touchedBuf [4]int // one add names a value or two: no allocation
	touched := touchedBuf[:0]
	same := a.e.compared(attr) // a member already present is the same id
	var ix *sameIndex
	if len(list)*(len(curList)+len(list)) > sameIndexFrom {
		ix = newSameIndex(same, curList)
	}
	for _, el := range list {
		if ix.find(same, curList, el) >= 0 {
			continue
		}
		if attr.Mutability == resources.Immutable && len(curList) > 0 {
			return a.immutableErr(l)
		}
		if i := a.findDuplicate(attr, curList, el); i >= 0 {
			m := curList[i].(map[string]any)
			src := el.(map[string]any)
			for _, k := range sortedKeys(src) {
				if names.Equal(k, "value") || names.Equal(k, "type") {
					continue
				}
				if err := a.setSubValue(l, attr.Sub(k), m, copyValue(src[k])); err != nil {
					return err
				}
			}
			touched = append(touched, i)
			continue
		}
		curList = append(curList, el)
		touched = append(touched, len(curList)-1)
		ix.add(curList, len(curList)-1)
	}
	fixPrimary(attr, curList, touched)
	put(c, attr.Name, curList)
	return nil
}

// sealed reports whether attr is an immutable secret (returned "never",
// RFC 7643 §2.4): once it holds a value, a write that sends one for it,
// or removes it by value, is refused whatever the value. Comparing it
// with the stored one, as an immutable attribute's value is compared
// (the same value is no change, another a 400), would answer a right
// guess at the secret otherwise than a wrong one.
func sealed(attr *resources.Attribute) bool {
	return attr.Mutability == resources.Immutable && attr.Returned == resources.ReturnedNever
}

func (a *applier) immutableErr(l loc) error {
	if sealed(l.attr) || l.sub != nil && sealed(l.sub) {
		return a.fail(Mutability, "%q is immutable and never returned: once set it cannot be sent again, nor removed", l.raw)
	}
	return a.fail(Mutability, "%q is immutable: it can be set when it has no value, not changed", l.raw)
}

// setSubValue sets sub-attribute sub of the complex value m to nv (nil
// deletes it), refusing to change an immutable sub-attribute.
func (a *applier) setSubValue(l loc, sub *resources.Attribute, m map[string]any, nv any) error {
	if sub == nil {
		return nil
	}
	k, cur, has := lookup(m, sub.Name)
	if sub.Mutability == resources.Immutable && has && cur != nil {
		if sealed(sub) || !EqualValue(sub, cur, nv) {
			if sealed(sub) {
				return a.fail(Mutability, "%q: sub-attribute %q is immutable and never returned: once set it cannot be sent again", l.raw, sub.Name)
			}
			return a.fail(Mutability, "%q: sub-attribute %q is immutable: it can be set when it has no value, not changed", l.raw, sub.Name)
		}
		return nil // the value it has: no change
	}
	if has && k != sub.Name {
		delete(m, k)
	}
	if nv == nil {
		delete(m, sub.Name)
		return nil
	}
	m[sub.Name] = nv
	return nil
}

// unsetGiven removes the sub-attributes that v, the value of a replace of
// the single-valued complex attribute at l, gives as null or an empty
// list: RFC 7643 §2.5 makes them unassigned, and RFC 7644 §3.5.2.3 has
// the given sub-attributes replace the existing ones, so {"name":
// {"formatted": null}} unassigns name.formatted, as {"department": null}
// in an extension's object unassigns department. normalize drops such a
// sub-attribute from the value it gives (a value holds none); each is
// removed as its path would be (remove of name.formatted).
func (a *applier) unsetGiven(l loc, v any) error {
	obj, _ := v.(map[string]any)
	for _, k := range sortedKeys(obj) {
		if sv := obj[k]; sv != nil && !isEmptyList(sv) {
			continue
		}
		sub := l.attr.Sub(k)
		if sub == nil || (sub.ReadOnly() && l.attr.Mutability != resources.ReadOnly) {
			continue // ignored, as normalize ignores it in a value
		}
		sl := l
		sl.sub, sl.raw = sub, l.raw+"."+sub.Name
		if err := a.remove(sl, nil); err != nil {
			return err
		}
	}
	return nil
}

// setSub applies add or replace to a sub-attribute without a filter:
// name.givenName, or emails.type (every element of a multi-valued
// attribute; with no element, one is created).
func (a *applier) setSub(l loc, v any) error {
	attr := l.attr
	nv, err := a.normalize(l.sub, l.raw, v, false)
	if err != nil {
		return err
	}
	c := a.container(l, true)
	_, cur, _ := lookup(c, attr.Name)
	if !attr.MultiValued {
		m, _ := cur.(map[string]any)
		if m == nil {
			m = make(map[string]any)
		} else if names.Equal(l.sub.Name, "value") {
			if newReferent(attr, m, map[string]any{l.sub.Name: nv}) {
				m = make(map[string]any) // manager.value naming another user
			}
		}
		if err := a.setSubValue(l, l.sub, m, nv); err != nil {
			return err
		}
		put(c, attr.Name, m)
		return nil
	}
	list, _ := cur.([]any)
	var touched []int
	for i, el := range list {
		if m, ok := el.(map[string]any); ok {
			if err := a.setSubValue(l, l.sub, m, nv); err != nil {
				return err
			}
			touched = append(touched, i)
		}
	}
	if len(touched) == 0 {
		list = append(list, map[string]any{l.sub.Name: nv})
		touched = append(touched, len(list)-1)
	}
	fixPrimary(attr, list, touched)
	put(c, attr.Name, list)
	return nil
}

// setFiltered applies add or replace to a value path: attr[filter] or
// attr[filter].sub.
//
// Matching elements get the sub-attribute set (add and replace alike: an
// add on a sub-attribute that exists replaces it, RFC 7644 §3.5.2.1). With
// no sub-attribute, add merges the value's sub-attributes into each match,
// and replace replaces the matched elements with the value (RFC 7644
// §3.5.2.3: "all matching record values SHALL be replaced"); several
// matches collapse into one element, at the first match's position.
//
// No match: RFC 7644 §3.5.2.3 answers noTarget, but when the filter is a
// conjunction of eq comparisons (type eq "work"), the element those
// comparisons describe is created with the value (IDP-QUIRKS.md: Entra ID
// sends addresses[type eq "work"].streetAddress, then .locality, ... for a
// user without a work address, and expects one work address), provided
// the element so made matches the filter: replacing
// emails[value eq "a@x.com"].value with "b@x.com" would create a value
// the filter does not select, and is noTarget.
func (a *applier) setFiltered(kind string, l loc, v any) error {
	attr := l.attr
	c := a.container(l, true)
	_, cur, _ := lookup(c, attr.Name)
	list, _ := cur.([]any)
	matches, err := a.match(l, list)
	if err != nil {
		return err
	}
	if len(matches) == 0 {
		el, ok := a.seed(l)
		if !ok {
			return a.fail(NoTarget, "%q: no value of %s matches the filter", l.raw, attr.Name)
		}
		switch {
		case l.sub != nil:
			nv, err := a.normalize(l.sub, l.raw, v, false)
			if err != nil {
				return err
			}
			if nv != nil {
				el.(map[string]any)[l.sub.Name] = nv
			}
		case attr.Type == resources.TypeComplex:
			nv, err := a.normalize(attr, l.raw, v, true)
			if err != nil {
				return err
			}
			m := el.(map[string]any)
			for k, sv := range nv.(map[string]any) {
				m[k] = sv
			}
		default:
			nv, err := a.normalize(attr, l.raw, v, true)
			if err != nil {
				return err
			}
			el = nv
		}
		created, err := a.match(l, []any{el})
		if err != nil {
			return err
		}
		if len(created) == 0 {
			return a.fail(NoTarget, "%q: no value of %s matches the filter, nor would the value the operation creates", l.raw, attr.Name)
		}
		if m, ok := el.(map[string]any); ok && hollow(m) {
			// Nothing but type and primary (emails[type eq "work"].primary
			// for a user without a work email): an element dropHollow
			// would drop, and that fixPrimary must not demote the primary
			// value for. Nothing changes.
			return a.bend(a.e.secrets.Sprintf("ignored %q: no value of %s matches the filter, and the value it would create holds nothing but type and primary", l.raw, attr.Name),
				NoTarget, "%q: no value of %s matches the filter", l.raw, attr.Name)
		}
		if err := a.requireMember(attr, len(list), el); err != nil {
			return err
		}
		list = append(list, el)
		fixPrimary(attr, list, []int{len(list) - 1})
		put(c, attr.Name, list)
		return nil
	}
	switch {
	case l.sub != nil:
		nv, err := a.normalize(l.sub, l.raw, v, false)
		if err != nil {
			return err
		}
		for _, i := range matches {
			if m, ok := list[i].(map[string]any); ok {
				if err := a.setSubValue(l, l.sub, m, nv); err != nil {
					return err
				}
			}
		}
	case kind == "add" && attr.Type == resources.TypeComplex:
		nv, err := a.normalize(attr, l.raw, v, true)
		if err != nil {
			return err
		}
		src := nv.(map[string]any)
		for _, i := range matches {
			m, ok := list[i].(map[string]any)
			if !ok {
				continue
			}
			for _, k := range sortedKeys(src) {
				if err := a.setSubValue(l, attr.Sub(k), m, copyValue(src[k])); err != nil {
					return err
				}
			}
		}
	default:
		nv, err := a.normalize(attr, l.raw, v, true)
		if err != nil {
			return err
		}
		list[matches[0]] = nv
		for j := len(matches) - 1; j > 0; j-- {
			i := matches[j]
			list = append(list[:i], list[i+1:]...)
		}
		matches = matches[:1]
	}
	for _, i := range matches {
		if err := a.requireMember(attr, i, list[i]); err != nil {
			return err
		}
	}
	fixPrimary(attr, list, matches)
	put(c, attr.Name, list)
	return nil
}

// match returns the indexes of the elements of list that l's filter
// selects.
func (a *applier) match(l loc, list []any) ([]int, error) {
	var out []int
	for i, el := range list {
		m, ok := el.(map[string]any)
		if !ok {
			if l.attr.Type == resources.TypeComplex {
				continue
			}
			m = map[string]any{"value": el}
		}
		if l.match.Match(m) {
			out = append(out, i)
		}
	}
	return out, nil
}

// elementAttr returns attr, or for a multi-valued simple attribute a
// complex stand-in whose only sub-attribute "value" is attr, so that a
// value filter (tags[value eq "x"]) can be evaluated on {"value": element}.
func elementAttr(attr *resources.Attribute) *resources.Attribute {
	if attr.Type == resources.TypeComplex {
		return attr
	}
	v := *attr
	v.Name, v.MultiValued = "value", false
	return &resources.Attribute{
		Name:          attr.Name,
		Type:          resources.TypeComplex,
		MultiValued:   true,
		Mutability:    attr.Mutability,
		Returned:      attr.Returned,
		SubAttributes: []*resources.Attribute{&v},
	}
}

// seed returns the element a filter made only of eq comparisons joined by
// "and" describes (type eq "work" gives {"type": "work"}), or false when
// the filter is anything else.
func (a *applier) seed(l loc) (any, bool) {
	attr := l.attr
	m := make(map[string]any)
	var walk func(e filter.Expr) bool
	walk = func(e filter.Expr) bool {
		switch x := e.(type) {
		case *filter.Logical:
			return x.Op == filter.And && walk(x.Left) && walk(x.Right)
		case *filter.Compare:
			if x.Op != filter.Eq || x.Path.URI != "" || x.Path.Sub != "" || x.Value == nil {
				return false
			}
			var sub *resources.Attribute
			if attr.Type == resources.TypeComplex {
				sub = attr.Sub(x.Path.Name)
			} else if names.Equal(x.Path.Name, "value") {
				sub = attr
			}
			if sub == nil || sub.ReadOnly() {
				return false
			}
			v, err := resources.NormalizeSingle(sub, sub.Name, literal(x.Value), nil)
			if err != nil {
				return false
			}
			name := sub.Name
			if sub == attr {
				name = "value"
			}
			if old, ok := m[name]; ok && !equalElem(sub, old, v) {
				return false
			}
			m[name] = v
			return true
		}
		return false
	}
	if !walk(l.filter) {
		return nil, false
	}
	if attr.Type != resources.TypeComplex {
		return m["value"], true
	}
	return m, true
}

// remove applies a remove operation (RFC 7644 §3.5.2.2), also used for
// replace with null or an empty list.
//
// Removing a required attribute is refused with mutability, as
// §3.5.2.2 says ("If an attribute is removed or becomes unassigned and is
// defined as a required attribute or a read-only attribute, the server
// SHALL return ... mutability"). Removing an attribute that has no value
// succeeds and changes nothing. A filter that matches nothing is noTarget
// (§3.12), except on Group members, where providers routinely remove a
// member that is already gone: that is success, with a warning, in
// strict mode too, as the member plan's removal of an absent member is
// (the handler's warnNotRemoved).
//
// A value on remove of a multi-valued attribute lists the values to remove
// (legacy Entra ID and JumpCloud send {"op":"Remove","path":"members",
// "value":[{"value":"id"}]}): only the listed elements are removed, matched
// by their "value" sub-attribute, never the whole list. A value on remove
// of a single value (an attribute, a sub-attribute, a filtered
// sub-attribute, the manager) is the value being removed, as Entra ID
// sends it ({"op":"Remove","path":"emails[type eq \"work\"].value",
// "value":"old@example.com"}): the target is removed only while it still
// holds that value, so a stale removal never erases a newer value.
//
// A remove of a sub-attribute of values of a multi-valued attribute
// (emails[value eq "x"].type) may leave two of them equal: it records the
// attribute for tidyAll (willTidy) as an add or replace does, so that the
// duplicate it made is dropped with a warning and refused in strict mode,
// as theirs is, and one stored before it is only tidied with a warning.
//
// An element of a multi-valued attribute that a remove leaves with nothing
// but "type" and "primary" (emails[type eq "work"].value removed) is
// removed with it: such an element carries no value, and keeping it would
// show a work email without an address. This mirrors the element that a
// filtered add or replace creates.
func (a *applier) remove(l loc, v any) error {
	if l.attr != nil && a.skips(l) {
		return nil
	}
	defer a.tidyExt(l)
	if holdsSecret(l) {
		a.noteSecret(l)
	}
	if l.attr == nil {
		for _, x := range a.e.rt.Extensions {
			if x.Schema == l.ext && x.Required {
				return a.fail(Mutability, "%q is a required extension and cannot be removed", l.ext.ID)
			}
		}
		if k, _, ok := lookup(a.doc, l.ext.ID); ok {
			delete(a.doc, k)
		}
		return nil
	}
	attr := l.attr
	c := a.container(l, false)
	var key string
	var cur any
	if c != nil {
		key, cur, _ = lookup(c, attr.Name)
	}
	switch {
	case l.filter != nil:
		list, _ := cur.([]any)
		matches, err := a.match(l, list)
		if err != nil {
			return err
		}
		if attr == a.e.members {
			if ids, eqs := valueEqIDs(l.filter); eqs {
				a.warnNotRemoved(list, ids)
			} else if len(matches) == 0 && a.len != nil {
				a.len.Warnings = append(a.len.Warnings, a.e.secrets.Sprintf("%q: no member matches the filter; nothing removed", l.raw))
			}
		}
		if len(matches) == 0 {
			if attr == a.e.members {
				return nil
			}
			return a.fail(NoTarget, "%q: no value of %s matches the filter", l.raw, attr.Name)
		}
		if l.sub != nil {
			// A sub-attribute taken from some values may leave two of
			// them equal: the PATCH's duplicate, as an add's would be.
			a.willTidy(l)
			for _, i := range matches {
				if m, ok := list[i].(map[string]any); ok {
					if _, sv, _ := lookup(m, l.sub.Name); sv != nil && sealed(l.sub) {
						return a.immutableErr(l) // before a value is compared with the stored one
					} else if !a.removing(l, l.sub, sv, v) {
						continue
					}
					if err := a.unsetSub(l, m); err != nil {
						return err
					}
				}
			}
			list = dropHollow(attr, list)
		} else {
			for j := len(matches) - 1; j >= 0; j-- {
				i := matches[j]
				list = append(list[:i], list[i+1:]...)
			}
		}
		put(c, attr.Name, dropEmpty(list))
		return nil
	case l.sub != nil:
		if cur == nil {
			return nil
		}
		if !attr.MultiValued {
			m, _ := cur.(map[string]any)
			if _, sv, _ := lookup(m, l.sub.Name); sv != nil && sealed(l.sub) {
				return a.immutableErr(l) // before a value is compared with the stored one
			} else if !a.removing(l, l.sub, sv, v) {
				return nil
			}
			if err := a.unsetSub(l, m); err != nil {
				return err
			}
			put(c, attr.Name, m)
			return nil
		}
		list, _ := cur.([]any)
		a.willTidy(l)
		for _, el := range list {
			if m, ok := el.(map[string]any); ok {
				if _, sv, _ := lookup(m, l.sub.Name); sv != nil && sealed(l.sub) {
					return a.immutableErr(l) // before a value is compared with the stored one
				} else if !a.removing(l, l.sub, sv, v) {
					continue
				}
				if err := a.unsetSub(l, m); err != nil {
					return err
				}
			}
		}
		put(c, attr.Name, dropEmpty(dropHollow(attr, list)))
		return nil
	}
	if attr.Required {
		return a.fail(Mutability, "%q is required and cannot be removed", l.raw)
	}
	if attr.MultiValued && v != nil && (cur != nil || attr == a.e.members) {
		// A group without members too: each value listed removed
		// nothing, which is warned of as from any group, and the
		// values are held to what the member plan holds them to.
		return a.removeListed(l, c, cur, v)
	}
	if cur == nil {
		return nil
	}
	if sealed(attr) {
		return a.immutableErr(l) // before a value is compared with the stored one
	}
	if !a.removing(l, attr, cur, v) {
		return nil
	}
	if attr.Mutability == resources.Immutable {
		return a.immutableErr(l)
	}
	delete(c, key)
	return nil
}

// noteSecret records that the operation reached a secret at l: its
// top-level attribute, or its extension's URN, as a feed entry names
// what changed (ApplyToSecrets).
func (a *applier) noteSecret(l loc) {
	name := ""
	switch {
	case l.ext != nil:
		name = l.ext.ID
	case l.attr != nil:
		name = l.attr.Name
	default:
		return
	}
	if !slices.Contains(a.secrets, name) {
		a.secrets = append(a.secrets, name)
	}
}

// holdsSecret reports whether the target of l is a secret (an attribute
// or sub-attribute returned "never", RFC 7643 §2.4) or holds one: a
// complex attribute with such a sub-attribute, an extension with such an
// attribute. A remove of it, by value or not, reaches the secret: what it
// changes depends on the stored value (a remove by value takes it only
// when the value is the stored one).
func holdsSecret(l loc) bool {
	switch {
	case l.attr == nil:
		if l.ext == nil {
			return false
		}
		for _, attr := range l.ext.Attributes {
			if attr.Returned == resources.ReturnedNever || secretSub(attr) {
				return true
			}
		}
		return false
	case l.attr.Returned == resources.ReturnedNever:
		return true
	case l.sub != nil:
		return l.sub.Returned == resources.ReturnedNever
	}
	return secretSub(l.attr)
}

// secretSub reports whether a sub-attribute of attr is returned "never".
func secretSub(attr *resources.Attribute) bool {
	for _, sub := range attr.SubAttributes {
		if sub.Returned == resources.ReturnedNever {
			return true
		}
	}
	return false
}

// sendsSecret reports whether an add or replace of v at l (an attribute,
// not a whole extension, whose keys are set one by one) sends a value for
// a secret: l is one, or v, the value of a complex attribute (an object,
// or a list of them), holds a value for a secret sub-attribute. A null
// value unassigns the target, which remove notes.
func sendsSecret(l loc, v any) bool {
	switch {
	case v == nil:
		return false
	case l.attr.Returned == resources.ReturnedNever:
		return true
	case l.sub != nil:
		return l.sub.Returned == resources.ReturnedNever
	case !secretSub(l.attr):
		return false
	}
	return l.attr.GivesSecret(v)
}

// removing reports whether a remove whose value is v (nil when the
// operation has none) takes away cur, the current value of the single
// attribute attr: always without a value, else only when cur equals one
// of the values v gives. v may be the value itself, {"value": x}, or a
// list of either (Entra ID sends all three); a value that is null or ""
// counts as none given. A complex attribute (the manager) is compared by
// its "value" sub-attribute.
func (a *applier) removing(l loc, attr *resources.Attribute, cur, v any) bool {
	candidates := removalValues(v)
	if len(candidates) == 0 || cur == nil {
		return true
	}
	cmp := attr
	if attr.Type == resources.TypeComplex {
		if cmp = attr.Sub("value"); cmp == nil {
			return true
		}
		m, _ := cur.(map[string]any)
		_, cur, _ = lookup(m, cmp.Name)
	}
	for _, x := range candidates {
		nx, err := a.normalize(cmp, l.raw, x, true)
		if err == nil && equalElem(cmp, cur, nx) {
			return true
		}
	}
	return false
}

// removalValues lists the values a remove operation's value names.
func removalValues(v any) []any {
	var out []any
	var add func(x any)
	add = func(x any) {
		switch t := x.(type) {
		case nil:
		case []any:
			for _, el := range t {
				add(el)
			}
		case map[string]any:
			_, inner, _ := lookup(t, "value")
			add(inner)
		case string:
			if t != "" {
				out = append(out, t)
			}
		default:
			out = append(out, t)
		}
	}
	add(v)
	return out
}

// dropHollow removes from a multi-valued complex attribute's values those
// left with no sub-attribute but "type" and "primary".
func dropHollow(attr *resources.Attribute, list []any) []any {
	if attr.Type != resources.TypeComplex {
		return list
	}
	out := list[:0]
	for _, el := range list {
		if m, ok := el.(map[string]any); ok && hollow(m) {
			continue
		}
		out = append(out, el)
	}
	return out
}

func hollow(m map[string]any) bool {
	for k := range m {
		if !names.Equal(k, "type") && !names.Equal(k, "primary") {
			return false
		}
	}
	return true
}

func (a *applier) unsetSub(l loc, m map[string]any) error {
	k, cur, has := lookup(m, l.sub.Name)
	if !has {
		return nil
	}
	if l.sub.Required {
		return a.fail(Mutability, "%q is required and cannot be removed", l.raw)
	}
	if l.sub.Mutability == resources.Immutable && cur != nil {
		return a.fail(Mutability, "%q: sub-attribute %q is immutable and cannot be removed", l.raw, l.sub.Name)
	}
	delete(m, k)
	return nil
}

// removeListed removes from a multi-valued attribute the elements listed
// in v: for complex values, those whose "value" equals a listed value's
// "value" (or, for listed values without "value", those holding every
// listed sub-attribute); for simple values, equal ones. Listed values that
// are not present are ignored. Many listed values of an exact value (a
// group's members, Engine.compared) are looked up by value rather than
// compared with each element (sameIndex's reason).
func (a *applier) removeListed(l loc, c map[string]any, cur, v any) error {
	attr := l.attr
	nv, err := a.normalize(attr, l.raw, v, false)
	if err != nil {
		return err
	}
	listed, _ := nv.([]any)
	list, _ := cur.([]any)
	if attr == a.e.members && a.len != nil {
		ids := make([]string, 0, len(listed))
		for _, x := range listed {
			xm, _ := x.(map[string]any)
			if _, xv, _ := lookup(xm, "value"); xv != nil {
				if s, ok := xv.(string); ok {
					ids = append(ids, s)
				}
			}
		}
		a.warnNotRemoved(list, ids)
	}
	valueSub := a.e.compared(attr).Sub("value")
	// byValue holds the listed string values, rest the listed values
	// compared one by one, when the list is long enough to index.
	var byValue map[string]bool
	rest := listed
	if attr.Type == resources.TypeComplex && valueSub != nil && valueSub.CaseExact && len(list)*len(listed) > sameIndexFrom {
		byValue, rest = make(map[string]bool, len(listed)), nil
		for _, x := range listed {
			if xm, ok := x.(map[string]any); ok {
				if s, ok := xm["value"].(string); ok {
					byValue[s] = true // dropped by an element's equal string value alone (equalElem, caseExact)
					continue
				}
			}
			rest = append(rest, x)
		}
	}
	out := list[:0:0]
	for _, el := range list {
		drop := false
		if byValue != nil {
			em, _ := el.(map[string]any)
			_, ev, _ := lookup(em, "value")
			s, ok := ev.(string)
			drop = ok && byValue[s]
		}
		for _, x := range rest {
			if drop {
				break
			}
			if attr.Type != resources.TypeComplex {
				drop = equalElem(attr, el, x)
			} else if xm, ok := x.(map[string]any); ok {
				em, _ := el.(map[string]any)
				if xv, ok := xm["value"]; ok && valueSub != nil {
					_, ev, _ := lookup(em, "value")
					drop = ev != nil && equalElem(valueSub, ev, xv)
				} else {
					drop = len(xm) > 0 && subset(attr, xm, em)
				}
			}
			if drop {
				break
			}
		}
		if !drop {
			out = append(out, el)
		}
	}
	if cur == nil {
		return nil // nothing held, nothing to write
	}
	put(c, attr.Name, out)
	return nil
}

// fixPrimary keeps RFC 7643 §2.4's rule that "primary" is true for at most
// one value: when several are, the last one this operation touched wins
// and the others get "primary" false, as RFC 7644 §3.5.2 says ("SHALL
// cause the server to automatically set "primary" to "false" for any other
// values") and as resources.ResourceType.Normalize demotes the extra primaries of a PUT.
func fixPrimary(attr *resources.Attribute, list []any, touched []int) {
	if attr.Type != resources.TypeComplex || attr.Sub("primary") == nil || len(list) < 2 {
		return
	}
	var primaries []int
	for i, el := range list {
		if isPrimary(el) {
			primaries = append(primaries, i)
		}
	}
	if len(primaries) < 2 {
		return
	}
	winner := primaries[len(primaries)-1]
	for j := len(touched) - 1; j >= 0; j-- {
		if i := touched[j]; i < len(list) && isPrimary(list[i]) {
			winner = i
			break
		}
	}
	for _, i := range primaries {
		if i != winner {
			m := list[i].(map[string]any)
			k, _, _ := lookup(m, "primary")
			m[k] = false
		}
	}
}

func isPrimary(el any) bool {
	m, ok := el.(map[string]any)
	if !ok {
		return false
	}
	_, v, _ := lookup(m, "primary")
	b, _ := v.(bool)
	return b
}

// newReferent reports whether a complex value with a "value" sub-attribute
// (a reference such as manager) is being pointed at another resource.
func newReferent(attr *resources.Attribute, cur, next map[string]any) bool {
	vs := attr.Sub("value")
	if vs == nil {
		return false
	}
	_, nv, ok := lookup(next, vs.Name)
	if !ok || nv == nil {
		return false
	}
	_, cv, ok := lookup(cur, vs.Name)
	return ok && cv != nil && !equalElem(vs, cv, nv)
}

// findSame returns the index of the element of list that already holds el
// (RFC 7644 §3.5.2.1: adding a value already present changes nothing), or
// -1. A complex element holds el when it has every sub-attribute el has,
// with equal values; elements whose "value" is immutable (Group members)
// are identified by "value" alone.
func findSame(attr *resources.Attribute, list []any, el any) int {
	for i, x := range list {
		if sameElement(attr, x, el) {
			return i
		}
	}
	return -1
}

// sameIndexFrom is the number of comparisons (values added times values
// held) from which an add looks the values up in a sameIndex rather than
// walking the list for each: below it, the walk costs less than the map.
const sameIndexFrom = 4096

// sameIndex is findSame for an add of many values to an attribute whose
// elements are the same when their exact, immutable values are (a
// group's members, Engine.compared): the held elements by value, so that
// each value added is looked up, not compared with every element. A group
// PATCH that renamed the group and added 20,000 members compared each with
// all those before it: seconds of CPU on every store, which grow with the
// square of the list. A nil sameIndex (newSameIndex for another
// attribute) is findSame itself.
type sameIndex struct {
	value  string         // the name of the value sub-attribute
	byVal  map[string]int // an element of each string value
	others []int          // the elements whose value is no string: compared one by one
}

// newSameIndex indexes list, the elements of attr, or returns nil when
// sameElement compares attr's elements otherwise than by an exact value.
func newSameIndex(attr *resources.Attribute, list []any) *sameIndex {
	if attr.Type != resources.TypeComplex {
		return nil
	}
	vs := attr.Sub("value")
	if vs == nil || vs.Mutability != resources.Immutable || !vs.CaseExact ||
		vs.Type != resources.TypeString && vs.Type != resources.TypeReference {
		return nil
	}
	ix := &sameIndex{value: vs.Name, byVal: make(map[string]int, len(list))}
	for i := range list {
		ix.add(list, i)
	}
	return ix
}

// add indexes list[i].
func (ix *sameIndex) add(list []any, i int) {
	if ix == nil {
		return
	}
	m, _ := list[i].(map[string]any)
	if m == nil {
		return // sameElement takes no such element for the same
	}
	if _, v, _ := lookup(m, ix.value); v != nil {
		if s, ok := v.(string); ok {
			if _, held := ix.byVal[s]; !held {
				ix.byVal[s] = i
			}
			return
		}
	}
	ix.others = append(ix.others, i)
}

// find is findSame(attr, list, el), list being what ix indexed.
func (ix *sameIndex) find(attr *resources.Attribute, list []any, el any) int {
	nm, _ := el.(map[string]any)
	if ix == nil || nm == nil {
		return findSame(attr, list, el)
	}
	_, v, _ := lookup(nm, ix.value)
	s, ok := v.(string)
	if !ok {
		return findSame(attr, list, el)
	}
	// sameElement compares two string values exactly (equalElem of a
	// caseExact value), and an element without a string value by
	// sameElement itself.
	if i, held := ix.byVal[s]; held {
		return i
	}
	for _, i := range ix.others {
		if sameElement(attr, list[i], el) {
			return i
		}
	}
	return -1
}

// findDuplicate returns the index of the element of list that el
// duplicates (multivalue.Same: the same type and value), or -1. Only
// a tidied attribute has duplicates: a member is found by value alone
// (findSame).
func (a *applier) findDuplicate(attr *resources.Attribute, list []any, el any) int {
	nm, _ := el.(map[string]any)
	if nm == nil || !tidied(attr) {
		return -1
	}
	shape := attr.ValueShape()
	for i, x := range list {
		if m, _ := x.(map[string]any); m != nil && multivalue.Same(shape, m, nm) {
			return i
		}
	}
	return -1
}

func sameElement(attr *resources.Attribute, existing, el any) bool {
	if attr.Type != resources.TypeComplex {
		return equalElem(attr, existing, el)
	}
	em, _ := existing.(map[string]any)
	nm, _ := el.(map[string]any)
	if em == nil || nm == nil {
		return false
	}
	if vs := attr.Sub("value"); vs != nil && vs.Mutability == resources.Immutable {
		_, ev, _ := lookup(em, vs.Name)
		_, nv, _ := lookup(nm, vs.Name)
		if ev != nil && nv != nil {
			return equalElem(vs, ev, nv)
		}
	}
	return subset(attr, nm, em)
}

// filteredPrimary reports whether key is a value path that ends in the
// "primary" sub-attribute of filtered elements: attr[filter].primary.
func filteredPrimary(key string) bool {
	i := strings.LastIndexByte(key, ']')
	return i >= 0 && names.Equal(key[i+1:], ".primary")
}

// sortedKeys is jsonscan.SortedKeys of m: the order a walk whose effect
// can show (which error answers, which spelling wins) takes.
func sortedKeys(m map[string]any) []string {
	return jsonscan.SortedKeys(make([]string, 0, len(m)), m)
}

// plainName reports whether path is a bare attribute name, which needs no
// parsing.
func plainName(path string) bool {
	if path == "" {
		return false
	}
	for i := 0; i < len(path); i++ {
		c := path[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '$') {
			return false
		}
	}
	return true
}
