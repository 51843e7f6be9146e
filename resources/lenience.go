package resources

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/scimkit/scim/internal/fold"
)

// Lenience is how Normalize (and the PATCH engine) treat what a sloppy
// client sends: an attribute no schema defines, two primary values, a
// duplicate value, a reference that is no URI. By default each is bent
// into shape (ignored, demoted, dropped, kept as sent) and the bend is
// recorded in Warnings, which the handler shows in its log line and the
// request log; with Strict each is an *AttrError instead. A nil
// *Lenience bends silently.
type Lenience struct {
	// Strict refuses, with an *AttrError, what would otherwise be bent.
	Strict bool
	// Warnings are the bends made, for a human: "ignored unknown
	// attribute \"adreses\"".
	Warnings []string
}

// bend records a bend, or refuses it under Strict with an *AttrError of
// scimType at path.
func (l *Lenience) bend(path, scimType, refusal, warning string) error {
	if l == nil {
		return nil
	}
	if l.Strict {
		return &AttrError{Path: path, Msg: refusal, ScimType: scimType}
	}
	l.Warnings = append(l.Warnings, warning)
	return nil
}

// oneValue records a multi-valued attribute (or "schemas") given one
// value where RFC 7643 §2.4 has a list of them: taken as a list of it.
func (l *Lenience) oneValue(path string) error {
	return l.bend(path, "invalidSyntax",
		"is multi-valued: send a JSON list, even of one value (strict mode)",
		fmt.Sprintf("one value for multi-valued %q taken as a list of it", path))
}

// unknown records an attribute (or sub-attribute, or schema) no schema of
// rt defines: ignored, never stored.
func (l *Lenience) unknown(rt *ResourceType, path string) error {
	return l.Unknown(rt, path, "invalidSyntax", "is not defined by any schema of this resource type (strict mode)")
}

// Unknown is the one policy for an attribute path a request gives that rt
// does not define, for Normalize and the PATCH engine alike: the value is
// ignored and never stored, and the warning says so ("ignored unknown
// attribute \"adreses\""); under Strict it is refused instead, with an
// *AttrError of scimType whose Msg is refusal. An attribute the built-in
// schemas define but the host's subset left out (ResourceType.Omits,
// ModelConfig.UserAttributes) goes the same way, with a warning and a
// refusal that say it is unsupported and what to do about it.
//
// path names the attribute alone, in a form the client can find in its
// request: as sent where the client sent a path or a qualified key
// ("urn:...:core:2.0:User:foo", as the PATCH engine names its paths and
// value keys), a member of an object after the object's name ("name.foo"),
// a key inside an extension's object after the extension's URN and a
// colon (RFC 7644 §3.10's fully qualified form,
// "urn:...:enterprise:2.0:User:foo"), a key inside the core schema's
// object as the core name it is ("foo").
func (l *Lenience) Unknown(rt *ResourceType, path, scimType, refusal string) error {
	if l == nil {
		return nil
	}
	if rt != nil && rt.Omits(path) {
		return l.bend(path, scimType,
			"is not supported by this server, which leaves it out of /Schemas; remove it from the request, or from the identity provider's attribute mapping (strict mode)",
			fmt.Sprintf("ignored unsupported attribute %q (this server leaves it out of /Schemas)", path))
	}
	return l.bend(path, scimType, refusal, fmt.Sprintf("ignored unknown attribute %q", path))
}

// MissingSchema is the one policy for a request body whose "schemas" does
// not list the URN of what the endpoint takes it as (RFC 7643 §3 makes
// "schemas" REQUIRED in a resource; RFC 7644 §3.5.2, §3.4.3 and §3.7.1 give
// the PatchOp, SearchRequest and BulkRequest bodies theirs): the body is
// taken as what (e.g. "a User", "a PatchOp") and the warning says so
// ("\"schemas\" missing; taken as a User"); under Strict it is refused
// with an *AttrError (invalidSyntax) that names the URN to send. given
// says the body had a "schemas" member at all, which then does not list
// urn. No identity provider we replay omits it (idptest), so the warning
// points at a client worth a look rather than at routine traffic.
func (l *Lenience) MissingSchema(what, urn string, given bool) error {
	if !given {
		return l.bend("schemas", "invalidSyntax",
			fmt.Sprintf("is required: send \"schemas\":[%q] (strict mode)", urn),
			fmt.Sprintf("\"schemas\" missing; taken as %s", what))
	}
	return l.bend("schemas", "invalidSyntax",
		fmt.Sprintf("must list %q (strict mode)", urn),
		fmt.Sprintf("\"schemas\" does not list %s; taken as %s", urn, what))
}

// reference is the one policy for the value s of a reference attribute
// a (RFC 7643 §2.3.7: "The value MUST be the absolute or relative URI
// of the target resource", RFC 3986), for Normalize and the PATCH
// engine alike. A value that is no URI ("not a url"), or that names an
// external resource (referenceTypes "external" alone: profileUrl,
// photos.value) by a relative reference ("www.example.com/me.jpg",
// which RFC 7643 §2.3.7 would resolve against the SCIM base URL, so
// naming no external resource), is kept as sent with a warning, and
// refused under Strict (invalidValue, naming the attribute). A bend, not
// a refusal, because identity providers fill profileUrl and photos from
// whatever their directory holds, and a value stored before this check
// must go back unchanged in a PUT of what a GET showed. The empty string
// is left alone: it names nothing, and providers send it for an
// attribute they have no value for. A reference to a SCIM resource
// (User, Group) may be relative (RFC 7643 §2.3.7) and is not looked up:
// the server makes the $ref of members, groups and the manager itself.
func (l *Lenience) reference(a *Attribute, p attrPath, s string) error {
	if l == nil {
		return nil
	}
	problem := ReferenceProblem(s, a.ReferenceTypes)
	if problem == "" {
		return nil
	}
	path := p.String()
	return l.bend(path, "invalidValue",
		fmt.Sprintf("must be a URI (RFC 7643 §2.3.7); %q %s (strict mode)", s, problem),
		fmt.Sprintf("kept reference %s %q as sent: it %s", path, s, problem))
}

// ReferenceProblem says what keeps s from being the value of a reference
// whose referenceTypes are types: "" when it is an absolute or relative
// URI (RFC 3986 §4.1, URI-reference) and, when types is "external"
// alone, an absolute one, or when it is empty (which names nothing, and
// which providers send for an attribute they have no value for);
// otherwise a phrase for a human ("has a space at byte 3 ...").
func ReferenceProblem(s string, types []string) string {
	if s == "" {
		return ""
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '%':
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return fmt.Sprintf("has a %q at byte %d not followed by two hex digits (RFC 3986 §2.1: write a literal %% as %%25)", c, i)
			}
		case c == ' ':
			return fmt.Sprintf("has a space at byte %d, which no URI holds (RFC 3986 §2: percent-encode it as %%20)", i)
		case c >= 0x80:
			return fmt.Sprintf("has a non-ASCII character at byte %d, which no URI holds (RFC 3986 §2: percent-encode its UTF-8 bytes)", i)
		case !isURIChar(c):
			return fmt.Sprintf("has %q at byte %d, which no URI holds (RFC 3986 §2: percent-encode it)", c, i)
		}
	}
	u, err := url.Parse(s)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Sprintf("is no URI (RFC 3986): %v", err)
	}
	if u.Scheme == "" && len(types) > 0 && !slices.ContainsFunc(types, func(t string) bool { return t != "external" }) {
		return "is a relative reference, and an external resource (referenceTypes \"external\", RFC 7643 §7) is named by an absolute URL such as \"https://example.com/photo.jpg\""
	}
	return ""
}

// isURIChar reports whether c may appear in a URI as itself: RFC 3986
// §2.2 reserved and §2.3 unreserved characters ('%' is checked apart).
func isURIChar(c byte) bool {
	return isAlpha(c) || isDigit(c) || strings.IndexByte("-._~:/?#[]@!$&'()*+,;=", c) >= 0
}

// TidyValues keeps at most one primary:true value in a multi-valued
// attribute (RFC 7643 §2.4) and drops duplicate values: elements equal in
// their "type" and "value" (SameValue). The first primary and the first
// of duplicates are kept; a dropped duplicate that was primary passes
// primary to the one kept, and its sub-attributes the kept one lacks
// (display) are merged into it. Each is a bend of l, named by path (the
// attribute as a message names it). Normalize holds a body's values to
// it, and the PATCH engine the list its operations leave, so that a PATCH
// stores no list a POST would not.
//
// stored, when not nil, reports whether two elements were together part
// of one bend the stored list already held (a PATCH's list also holds what
// was stored): duplicates of each other, or, with primary set, two primary
// values (StoredBends finds them). Such a pair is tidied with a warning
// even under Strict, since refusing it would make every later request
// that touches the attribute fail for what an earlier release stored; a
// pair with an element that was no part of that bend is the request's
// doing. With stored nil every element is the request's (a body).
//
// It may reuse list's backing array. A list of at most eight elements
// without duplicates costs no allocation for the check.
func TidyValues(a *Attribute, path string, list []any, l *Lenience, stored func(x, y map[string]any, primary bool) bool) ([]any, error) {
	if a.Type != TypeComplex || len(list) < 2 {
		return list, nil
	}
	made := func(x, y map[string]any, primary bool) bool { return stored == nil || !stored(x, y, primary) }
	valueAttr, typeAttr, primaryAttr := a.Sub("value"), a.Sub("type"), a.Sub("primary")
	if valueAttr != nil && mayHoldDuplicates(valueAttr, typeAttr, list) {
		// Each kept element is found by its key in a map: a provider's
		// push of a group lists 20,000 members, which comparing each
		// with every one kept took seconds for.
		kept := list[:0:0]
		index := make(map[valueKey]int, len(list))
		for _, el := range list {
			m, _ := el.(map[string]any)
			key, ok := keyOf(valueAttr, typeAttr, m)
			dup, found := index[key]
			if !ok || !found {
				if ok {
					index[key] = len(kept)
				}
				kept = append(kept, el)
				continue
			}
			keep, _ := kept[dup].(map[string]any)
			warning := fmt.Sprintf("dropped a duplicate %s value %s", path, describeElem(m, valueAttr))
			if err := l.tidy(made(m, keep, false), path, "lists the same value twice (strict mode)", warning); err != nil {
				return nil, err
			}
			if primaryAttr != nil && m[primaryAttr.Name] == true {
				keep[primaryAttr.Name] = true
			}
			// What the dropped element said that the kept one does not
			// (a display, a sub-attribute a replace set on it) is kept,
			// as an add of a present value merges into it. An empty
			// string or null says nothing (a type of "" is none).
			for k, v := range m {
				if v == nil || v == "" || (primaryAttr != nil && k == primaryAttr.Name) {
					continue
				}
				if _, has := keep[k]; !has {
					keep[k] = v
				}
			}
		}
		list = kept
	}
	if primaryAttr == nil {
		return list, nil
	}
	var first map[string]any
	for _, el := range list {
		m, _ := el.(map[string]any)
		if m[primaryAttr.Name] != true {
			continue
		}
		if first == nil {
			first = m
			continue
		}
		warning := fmt.Sprintf("kept the first primary %s value, made %s not primary", path, describeElem(m, valueAttr))
		if err := l.tidy(made(m, first, true), path, "has more than one primary value (strict mode)", warning); err != nil {
			return nil, err
		}
		m[primaryAttr.Name] = false
	}
	return list, nil
}

// tidy is bend for TidyValues: a bend the request made is refused under
// Strict; one it found stored is only recorded.
func (l *Lenience) tidy(made bool, path, refusal, warning string) error {
	if l != nil && l.Strict && !made {
		l.Warnings = append(l.Warnings, warning)
		return nil
	}
	return l.bend(path, "invalidValue", refusal, warning)
}

// StoredBends calls note for each element of list, the stored values of
// the multi-valued attribute a, that is part of a bend TidyValues tidies:
// dupOf is the first of the elements it is a duplicate of (SameValue; the
// element itself when it is that first one), nil when it has none, and
// primary is set when it is one of two or more primary values. The PATCH
// engine notes them before an operation changes the list, so that
// TidyValues' stored can tell a stored bend from one the PATCH made.
//
// A list of at most eight elements costs no allocation.
func StoredBends(a *Attribute, list []any, note func(el, dupOf map[string]any, primary bool)) {
	if a.Type != TypeComplex || len(list) < 2 {
		return
	}
	valueAttr, typeAttr, primaryAttr := a.Sub("value"), a.Sub("type"), a.Sub("primary")
	primaries := 0
	if primaryAttr != nil {
		for _, el := range list {
			if m, _ := el.(map[string]any); m[primaryAttr.Name] == true {
				primaries++
			}
		}
	}
	type group struct {
		first map[string]any
		n     int
	}
	var index map[valueKey]*group
	if valueAttr != nil && len(list) > shortList {
		index = make(map[valueKey]*group, len(list))
		for _, el := range list {
			m, _ := el.(map[string]any)
			if key, ok := keyOf(valueAttr, typeAttr, m); ok {
				if g := index[key]; g != nil {
					g.n++
				} else {
					index[key] = &group{first: m, n: 1}
				}
			}
		}
	}
	for i, el := range list {
		m, _ := el.(map[string]any)
		if m == nil {
			continue
		}
		var dupOf map[string]any
		switch {
		case valueAttr == nil:
		case index != nil:
			if key, ok := keyOf(valueAttr, typeAttr, m); ok && index[key].n > 1 {
				dupOf = index[key].first
			}
		default:
			for j, other := range list {
				o, _ := other.(map[string]any)
				if j == i || !sameValue(valueAttr, typeAttr, o, m) {
					continue
				}
				if j < i {
					dupOf = o
					break
				}
				dupOf = m // m is the first of its duplicates
				break
			}
		}
		primary := primaries > 1 && m[primaryAttr.Name] == true
		if dupOf != nil || primary {
			note(m, dupOf, primary)
		}
	}
}

// shortList is the longest list mayHoldDuplicates compares pair by pair.
const shortList = 8

// mayHoldDuplicates reports whether two elements of list may be
// duplicates: for a short list (a user's emails, phone numbers), whether
// two are (SameValue), compared pair by pair without allocating; a longer
// one (a group's members) is left to TidyValues' index.
func mayHoldDuplicates(valueAttr, typeAttr *Attribute, list []any) bool {
	if len(list) > shortList {
		return true
	}
	for i, el := range list {
		m, _ := el.(map[string]any)
		for _, prev := range list[:i] {
			p, _ := prev.(map[string]any)
			if sameValue(valueAttr, typeAttr, p, m) {
				return true
			}
		}
	}
	return false
}

// SameValue reports whether x and y, elements of the multi-valued complex
// attribute a, are duplicates by RFC 7643 §2.4: the same non-empty string
// "value" and the same "type", each compared case-insensitively unless its
// sub-attribute is caseExact. It allocates nothing.
func SameValue(a *Attribute, x, y map[string]any) bool {
	valueAttr := a.Sub("value")
	return valueAttr != nil && sameValue(valueAttr, a.Sub("type"), x, y)
}

func sameValue(valueAttr, typeAttr *Attribute, x, y map[string]any) bool {
	eq := func(attr *Attribute) bool {
		if attr == nil {
			return true
		}
		s, _ := x[attr.Name].(string)
		t, _ := y[attr.Name].(string)
		if attr.CaseExact {
			return s == t
		}
		return fold.Equal(s, t)
	}
	if v, _ := x[valueAttr.Name].(string); v == "" {
		return false
	}
	return eq(valueAttr) && eq(typeAttr)
}

// valueKey is an element's "value" and "type", each folded unless its
// attribute is caseExact: two elements are duplicates (sameValue) when
// they have the same key.
type valueKey struct{ value, typ string }

// keyOf returns m's valueKey, and false when m has no non-empty string
// value (such an element is no duplicate of any other).
func keyOf(valueAttr, typeAttr *Attribute, m map[string]any) (valueKey, bool) {
	key := func(attr *Attribute) string {
		if attr == nil {
			return ""
		}
		s, _ := m[attr.Name].(string)
		if attr.CaseExact {
			return s
		}
		return fold.String(s)
	}
	if v, _ := m[valueAttr.Name].(string); v == "" {
		return valueKey{}, false
	}
	return valueKey{value: key(valueAttr), typ: key(typeAttr)}, true
}

func describeElem(m map[string]any, valueAttr *Attribute) string {
	if valueAttr == nil {
		return "(an element)"
	}
	return fmt.Sprintf("%q", m[valueAttr.Name])
}
