package scim

import (
	"context"
	"net/http"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/internal/names"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store/query"
)

// projection applies the attributes and excludedAttributes parameters
// (RFC 7644 §3.4.2.5, §3.9). A nil *projection is the default set, and
// so is one that only hides (defaultSet): a type with extension
// attributes returned "never" or "request" has one for every response.
type projection struct {
	rt *resources.ResourceType
	// including: the request named attributes, so only those (and the
	// ones always returned) are returned, even when none of the names
	// resolved.
	including bool
	include   []attrRef
	exclude   []attrRef
	// hidden are the extension attributes a response leaves out unless
	// asked (hiddenAttrs), and always those it keeps whatever was asked:
	// the type's, found once (extReturned).
	hidden []hiddenAttr
	always []attrRef
}

// extReturned are the attributes of a resource type's extensions whose
// "returned" (RFC 7643 §2.4) every projection applies, found once per
// type (newKind) rather than on each request or, for always, each
// document.
type extReturned struct {
	hidden []hiddenAttr // returned "never" or "request" (hiddenAttrs)
	always []attrRef    // top-level ones returned "always"
}

// newExtReturned finds rt's extReturned; both lists are nil for a type
// without such attributes, as the core and enterprise schemas are.
func newExtReturned(rt *resources.ResourceType) extReturned {
	ret := extReturned{hidden: hiddenAttrs(rt)}
	for _, e := range rt.Extensions {
		for _, a := range e.Schema.Attributes {
			if a.Returned == resources.ReturnedAlways {
				ret.always = append(ret.always, attrRef{urn: e.Schema.ID, name: a.Name})
			}
		}
	}
	return ret
}

// hiddenAttr is an extension attribute, or sub-attribute, whose
// "returned" is "never" or "request" (RFC 7643 §2.4).
type hiddenAttr struct {
	ref     attrRef
	request bool // "request": returned when the attributes parameter names it
}

// hiddenAttrs are the attributes of rt's extensions returned "never" or
// "request", nil when there are none, as for the core and enterprise
// schemas (whose password the handler clears itself). A host's extension
// may declare either (a PIN that is writeOnly and never returned, a
// large value returned on request), and /Schemas advertises it so; the
// store keeps the value as written, so every response must leave it out
// here: RFC 7643 §2.4, "never: The attribute is never returned",
// "request: The attribute is returned in response to any PUT, POST, or
// PATCH operations if specified in the "attributes" parameter". Most
// types have none, and finding that allocates nothing.
func hiddenAttrs(rt *resources.ResourceType) []hiddenAttr {
	var out []hiddenAttr
	add := func(urn string, a, sub *resources.Attribute) {
		at := a
		if sub != nil {
			at = sub
		}
		if !at.Hidden() {
			return
		}
		ref := attrRef{urn: urn, name: a.Name}
		if sub != nil {
			ref.sub = sub.Name
		}
		out = append(out, hiddenAttr{ref: ref, request: at.Returned == resources.ReturnedRequest})
	}
	for _, e := range rt.Extensions {
		for _, a := range e.Schema.Attributes {
			add(e.Schema.ID, a, nil)
			for _, sub := range a.SubAttributes {
				add(e.Schema.ID, a, sub)
			}
		}
	}
	return out
}

// asked reports whether the attributes parameter names h's attribute
// itself (attributes=urn:...:pin, or the complex attribute holding a
// sub-attribute): naming its extension as a whole does not ask for an
// attribute returned on request.
func (p *projection) asked(h hiddenAttr) bool {
	for _, i := range p.include {
		if names.Equal(i.urn, h.ref.urn) && i.name != "" && names.Equal(i.name, h.ref.name) &&
			(i.sub == "" || h.ref.sub != "" && names.Equal(i.sub, h.ref.sub)) {
			return true
		}
	}
	return false
}

// attrRef is a resolved attribute path: the key holding it in a document
// ("" urn for core and common attributes) and an optional sub-attribute.
type attrRef struct {
	urn  string // extension URN, or "" for core and common attributes
	name string // canonical attribute name; "" means the whole extension
	sub  string // canonical sub-attribute name, or ""
	// elems, for a value filter (attributes=emails[type eq "work"]),
	// selects the elements of a multi-valued attribute to return.
	elems *query.Matcher
}

// newProjection is the projection of attrs and excluded (the attributes
// and excludedAttributes parameters) for rt, whose extReturned is ret;
// nil for the default set of a type that hides nothing. across are the
// types a query across types runs on (rawList.across), nil otherwise.
func (h *handler) newProjection(ctx context.Context, rt *resources.ResourceType, ret *extReturned, attrs, excluded nameList, across []lister) (*projection, error) {
	including := !attrs.empty()
	if !including && excluded.empty() && ret.hidden == nil {
		return nil, nil
	}
	p := &projection{rt: rt, including: including, hidden: ret.hidden, always: ret.always}
	var err error
	if p.include, err = h.resolveAttrs(ctx, rt, "attributes", attrs, across); err != nil {
		return nil, err
	}
	if p.exclude, err = h.resolveAttrs(ctx, rt, "excludedAttributes", excluded, across); err != nil {
		return nil, err
	}
	return p, nil
}

// unknownAttrName is the bend of n, a name of param (attributes or
// excludedAttributes) that names nothing the resource type rt defines
// (p, parsed; in a query across types, none of across, the types
// bendUnknownAcross checks, whose text names them all:
// resources.NoAttributeOfAny). RFC 7644
// §3.9 makes no error of it, and the response simply lacks it, so it is
// taken with a warning naming the parameter and the name in the words
// every unknown attribute gets (ResourceType.NoAttribute, with the
// extension's URN to send when it is one's attribute without it), or,
// for an attribute the model leaves out, that it is unsupported; strict
// mode refuses it, 400 invalidValue: RFC 7644 table 9's invalidPath is
// a PATCH's "path", and invalidValue is a value "not compatible with
// the ... resource schema", as sortBy's refusal of an unknown name is.
func (h *handler) unknownAttrName(ctx context.Context, rt *resources.ResourceType, param, n string, p filter.Path, across []lister) error {
	named := h.secrets.Sprintf("%s %q", param, n)
	rts := acrossTypes(rt, across)
	what := resources.NoAttributeOfAny(rts, p.AttrPath)
	for _, t := range rts {
		if t.OmitsPath(p) {
			what = "names an attribute this server does not support (it is left out of /Schemas)"
		}
	}
	return h.bend(ctx, errorf(http.StatusBadRequest, ScimTypeInvalidValue, "%s %s (strict mode)", named, what), "ignored %s, which %s", named, what)
}

// bendUnknownAcross is unknownAttrName for a query across types
// (listAll, whose types are kinds): a name of attributes or
// excludedAttributes that no type of kinds defines (nor reads as an
// extension's dotted name) is bent once, in words that name every type,
// before any type's list is read. Each type's projection cannot do it: a
// type the filter leaves out of the answer (members pr at the root) reads
// no projection, and the type that does read one does not know whether
// another did.
func (h *handler) bendUnknownAcross(ctx context.Context, kinds []lister, rl rawList) error {
	for _, param := range [...]struct {
		name  string
		names nameList
	}{{"attributes", rl.attributes}, {"excludedAttributes", rl.excluded}} {
		var seen map[string]bool // bent once: a URL of one name repeated
		for n := range param.names.All {
			if seen[n] {
				continue
			}
			if seen == nil {
				seen = map[string]bool{}
			}
			seen[n] = true
			p, err := h.parser.ParsePath(n)
			if err != nil || definedByAny(kinds, p) {
				continue // a name that does not parse is listParams' to refuse
			}
			if err := h.unknownAttrName(ctx, kinds[0].resourceType(), param.name, n, p, kinds); err != nil {
				return err
			}
		}
	}
	return nil
}

// definedByAny reports whether a type of kinds defines p's attribute, or
// reads it as an extension's dotted name (resolveAttrs reads it so).
func definedByAny(kinds []lister, p filter.Path) bool {
	for _, k := range kinds {
		rt := k.resourceType()
		if !rt.Resolve(p.AttrPath).Missing {
			return true
		}
		if _, ok := rt.ReadDotted(p.AttrPath); ok && p.Filter == nil {
			return true
		}
	}
	return false
}

// resolveAttrs resolves the names of param (attributes or
// excludedAttributes) for rt. A name given again (the same attribute, or a
// value filter written the same) resolves once: projecting a page costs
// the distinct names times its resources, and a URL's worth of one name
// repeated would otherwise cost seconds and gigabytes for one request.
// For the same reason the value-filtered names, which are filters, are
// bounded by Config.MaxFilterLength together, as the filter parameter is,
// and an operand of theirs read as another type is reported as the
// filter parameter's is (filterConversions); their co operands are
// bounded together as the filter parameter's are (checkSubstrings). A
// name that rt does not define is unknownAttrName's, unless across (a
// query across types) is not nil: then bendUnknownAcross bent it.
func (h *handler) resolveAttrs(ctx context.Context, rt *resources.ResourceType, param string, names nameList, across []lister) ([]attrRef, error) {
	var out []attrRef
	var filtered map[string]bool // the value-filtered names seen, as written
	var unknown map[string]bool  // the names bent as unknown, as written
	filterBytes, substrings := 0, 0
	for n := range names.All {
		p, err := h.parser.ParsePath(n)
		if err != nil {
			return nil, errorf(http.StatusBadRequest, ScimTypeInvalidValue, "%s: %q is not an attribute name: %v", param, n, err)
		}
		if p.Filter != nil && param != "attributes" {
			return nil, errorf(http.StatusBadRequest, ScimTypeInvalidValue, "%s: %q has a value filter, which only attributes takes", param, n)
		}
		res := rt.Resolve(p.AttrPath)
		if res.Missing && p.Filter == nil {
			if d, ok := rt.ReadDotted(p.AttrPath); ok {
				// Entra ID's oldest jobs write urn:…:User.department.
				if err := h.takeDotted(ctx, d, ScimTypeInvalidValue, h.secrets.Sprintf("%s %q", param, n)); err != nil {
					return nil, err
				}
				p.AttrPath, res = d.Path, rt.Resolve(d.Path)
			}
		}
		if res.Missing {
			// An attribute this type lacks is not returned; one rt does
			// not define is a bend (unknownAttrName), once, and in a
			// query across types one no type defines is
			// bendUnknownAcross's.
			if !unknown[n] && across == nil {
				if unknown == nil {
					unknown = map[string]bool{}
				}
				unknown[n] = true // bent once: a URL of one name repeated
				if err := h.unknownAttrName(ctx, rt, param, n, p, across); err != nil {
					return nil, err
				}
			}
			continue
		}
		if res.Whole == rt.Schema {
			if p.Filter != nil {
				return nil, errorf(http.StatusBadRequest, ScimTypeInvalidFilter, "attributes: %q filters a whole schema; filter one of its multi-valued attributes", n)
			}
			out = appendCore(out, rt, param)
			continue
		}
		ref := attrRef{}
		if res.Extension != nil {
			ref.urn = res.Extension.ID
		}
		a := res.Attr
		if p.Filter != nil {
			if a == nil || !a.MultiValued {
				return nil, errorf(http.StatusBadRequest, ScimTypeInvalidFilter, "attributes: %q filters an attribute that is not multi-valued", n)
			}
			if filtered[n] {
				continue
			}
			if filterBytes += len(n); filterBytes > h.cfg.MaxFilterLength {
				return nil, errorf(http.StatusBadRequest, ScimTypeInvalidFilter, "attributes: its value-filtered names are more than %d bytes long together; ask for fewer", h.cfg.MaxFilterLength)
			}
			if filtered == nil {
				filtered = map[string]bool{}
			}
			filtered[n] = true
			substrings += filter.SubstringBytes(p.Filter)
			if err = h.checkSubstrings("attributes", substrings); err != nil {
				return nil, err
			}
			if ref.elems, err = query.NewEvaluator(rt).CompileElement(a, p.Filter); err != nil {
				return nil, err
			}
			if err = h.filterConversions(ctx, ref.elems); err != nil {
				return nil, err
			}
		}
		if a != nil {
			ref.name = a.Name
			if res.Sub != nil {
				ref.sub = res.Sub.Name
			}
		}
		out = appendRef(out, ref)
	}
	return out, nil
}

// appendRef appends ref to refs unless refs holds it already (names are
// canonical, so equal text is the same attribute); a value-filtered ref
// is always appended (resolveAttrs drops those written twice).
func appendRef(refs []attrRef, ref attrRef) []attrRef {
	if ref.elems == nil {
		for _, r := range refs {
			if r.elems == nil && r.urn == ref.urn && r.name == ref.name && r.sub == ref.sub {
				return refs
			}
		}
	}
	return append(refs, ref)
}

// appendCore appends to refs what the core schema's URN names in param
// (RFC 7644 §3.10: "urn:...:core:2.0:User" is the notation of a schema
// as a whole, as an extension's URN is): each core attribute, the common
// ones (id, externalId, meta) included. In attributes, those returned
// "default" or "always", as an extension's URN asks for its attributes
// but not those returned "request" (asked, RFC 7643 §2.4: those are
// returned when the attributes parameter names them, and the URN names
// the schema); the core schemas declare none such today. In
// excludedAttributes, every one: apply keeps those returned "always"
// (id) whatever was excluded, and "schemas" stays.
func appendCore(refs []attrRef, rt *resources.ResourceType, param string) []attrRef {
	for _, a := range rt.CoreAttributes() {
		if param == "attributes" && a.Hidden() {
			continue
		}
		refs = appendRef(refs, attrRef{name: a.Name})
	}
	return refs
}

// defaultSet reports whether the response is the default set of
// attributes (no attributes or excludedAttributes given), as a nil
// projection is; one that only leaves out the attributes hiddenAttrs
// finds is.
func (p *projection) defaultSet() bool {
	return p == nil || !p.including && len(p.exclude) == 0
}

// wants reports whether the response includes the top-level core
// attribute name, so the handler can skip loading it (members, groups).
func (p *projection) wants(name string) bool {
	// A core reference always names an attribute, so wantsExt's
	// whole-extension case never applies to it.
	return p.wantsExt("", name)
}

// wantsExt reports whether the response includes the attribute name of
// the extension urn, so the handler can skip computing it.
func (p *projection) wantsExt(urn, name string) bool {
	if p == nil {
		return true
	}
	for _, e := range p.exclude {
		if names.Equal(e.urn, urn) && (e.name == "" || names.Equal(e.name, name) && e.sub == "") {
			return false
		}
	}
	if !p.including {
		return true
	}
	for _, i := range p.include {
		if names.Equal(i.urn, urn) && (i.name == "" || names.Equal(i.name, name)) {
			return true
		}
	}
	return false
}

// apply returns the projected document. Attributes returned "always" (id)
// and schemas are kept whatever was asked. The core ones returned "never"
// (password) are gone already; an extension's "never" ones, and its
// "request" ones not asked for (p.hidden), are removed here.
func (p *projection) apply(doc map[string]any) map[string]any {
	if p == nil {
		return doc
	}
	out := doc
	if p.including {
		out = map[string]any{}
		for k, v := range doc {
			if k == "schemas" || p.alwaysReturned("", k) {
				out[k] = v
			}
		}
		// An extension's attributes returned "always" too (RFC 7643
		// §2.4: "regardless of the contents of the "attributes"
		// parameter").
		for _, ref := range p.always {
			copyRef(out, doc, ref)
		}
		for _, ref := range p.include {
			copyRef(out, doc, ref)
		}
	} else {
		out = make(map[string]any, len(doc))
		for k, v := range doc {
			out[k] = v
		}
	}
	for _, ref := range p.exclude {
		if ref.name != "" && p.alwaysReturned(ref.urn, ref.name) {
			// Kept, with the source document's value, which prune must
			// not change.
			continue
		}
		removeRef(out, ref)
		prune(out, ref)
	}
	for _, h := range p.hidden {
		if h.request && p.asked(h) {
			continue
		}
		if out[h.ref.urn] == nil {
			continue // nothing to hide (out is the projection's own map)
		}
		hideRef(out, h.ref)
	}
	for _, ref := range p.include {
		prune(out, ref)
	}
	// schemas lists the core schema and the extensions still present.
	schemas := []any{p.rt.Schema.ID}
	for _, e := range p.rt.Extensions {
		if _, ok := out[e.Schema.ID]; ok {
			schemas = append(schemas, e.Schema.ID)
		}
	}
	out["schemas"] = schemas
	return out
}

// hideRef removes ref's values from doc, an extension's attribute or
// sub-attribute that no response shows, and the extension too once it is
// left without attributes, so that "schemas" stops listing it. Responses
// (projection.apply) and events (dropSecrets) hide so.
func hideRef(doc map[string]any, ref attrRef) {
	removeRef(doc, ref)
	prune(doc, ref)
	if m, ok := doc[ref.urn].(map[string]any); ok && len(m) == 0 {
		delete(doc, ref.urn)
	}
}

func (p *projection) alwaysReturned(urn, name string) bool {
	var a *resources.Attribute
	if urn == "" {
		a, _ = p.rt.Attr("", name)
	} else if ext := p.rt.Extension(urn); ext != nil {
		a = ext.Attr(name)
	}
	return a != nil && a.Returned == resources.ReturnedAlways
}

// container returns the map holding ref's attribute in doc (the document
// itself, or the extension object), creating it in dst when create is set.
func container(doc map[string]any, urn string, create bool) map[string]any {
	if urn == "" {
		return doc
	}
	m, _ := doc[urn].(map[string]any)
	if m == nil && create {
		m = map[string]any{}
		doc[urn] = m
	}
	return m
}

func copyRef(dst, src map[string]any, ref attrRef) {
	from := container(src, ref.urn, false)
	if from == nil {
		return
	}
	if ref.name == "" { // a whole extension
		dst[ref.urn] = from
		return
	}
	v, ok := from[ref.name]
	if !ok {
		return
	}
	if ref.elems != nil {
		v = selectElems(v, ref.elems)
		if _, have := container(dst, ref.urn, false)[ref.name]; have || v == nil {
			return // the whole attribute is returned already, or nothing matched
		}
	}
	to := container(dst, ref.urn, true)
	if ref.sub == "" {
		to[ref.name] = v
		return
	}
	switch x := v.(type) {
	case map[string]any:
		if sv, ok := x[ref.sub]; ok {
			m, _ := to[ref.name].(map[string]any)
			if m == nil {
				m = map[string]any{}
			}
			m[ref.sub] = sv
			to[ref.name] = m
		}
	case []any:
		prev, _ := to[ref.name].([]any)
		list := make([]any, len(x))
		for i, el := range x {
			m := map[string]any{}
			if i < len(prev) {
				if pm, ok := prev[i].(map[string]any); ok {
					m = pm
				}
			}
			if em, ok := el.(map[string]any); ok {
				if sv, ok := em[ref.sub]; ok {
					m[ref.sub] = sv
				}
			}
			list[i] = m
		}
		to[ref.name] = list
	}
}

func removeRef(doc map[string]any, ref attrRef) {
	if ref.name == "" {
		delete(doc, ref.urn)
		return
	}
	c := container(doc, ref.urn, false)
	if c == nil {
		return
	}
	if ref.urn != "" {
		cp := make(map[string]any, len(c))
		for k, v := range c {
			cp[k] = v
		}
		doc[ref.urn] = cp
		c = cp
	}
	if ref.sub == "" {
		delete(c, ref.name)
		return
	}
	switch x := c[ref.name].(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, v := range x {
			if k != ref.sub {
				m[k] = v
			}
		}
		c[ref.name] = m
	case []any:
		list := make([]any, len(x))
		for i, el := range x {
			em, ok := el.(map[string]any)
			if !ok {
				list[i] = el
				continue
			}
			m := make(map[string]any, len(em))
			for k, v := range em {
				if k != ref.sub {
					m[k] = v
				}
			}
			list[i] = m
		}
		c[ref.name] = list
	}
}

// prune drops what projecting ref left without a value: a complex value
// whose sub-attributes were all excluded (excludedAttributes=name.givenName,
// name.familyName) or none of which was there to include
// (attributes=name.middleName), the elements of a multi-valued attribute
// left empty so, the attribute when none is left, and an extension left
// without attributes (so that "schemas" stops listing it). RFC 7643 §2.5
// makes an unassigned attribute and an empty one the same state; a client
// is then shown nothing rather than "name":{} or "emails":[{},{}]. The
// lists and objects it changes are the projection's own (copyRef and
// removeRef make them for a sub-attribute), never the source document's.
func prune(doc map[string]any, ref attrRef) {
	c := doc
	if ref.urn != "" {
		if ref.name == "" {
			return
		}
		if c, _ = doc[ref.urn].(map[string]any); c == nil {
			return
		}
	}
	if ref.sub != "" {
		switch x := c[ref.name].(type) {
		case map[string]any:
			if len(x) == 0 {
				delete(c, ref.name)
			}
		case []any:
			// Most lists keep every element: count before copying.
			empty := 0
			for _, el := range x {
				if m, ok := el.(map[string]any); ok && len(m) == 0 {
					empty++
				}
			}
			switch {
			case empty == len(x):
				delete(c, ref.name)
			case empty > 0:
				kept := make([]any, 0, len(x)-empty)
				for _, el := range x {
					if m, ok := el.(map[string]any); !ok || len(m) > 0 {
						kept = append(kept, el)
					}
				}
				c[ref.name] = kept
			}
		}
	}
	if ref.urn != "" && len(c) == 0 {
		delete(doc, ref.urn)
	}
}

// selectElems returns the elements of a multi-valued value that m
// matches, or nil when none does.
func selectElems(v any, m *query.Matcher) any {
	list, _ := v.([]any)
	var out []any
	for _, el := range list {
		if em, ok := el.(map[string]any); ok && m.Match(em) {
			out = append(out, el)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
