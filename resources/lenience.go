package resources

import (
	"errors"
	"net/url"
	"slices"
	"strings"

	"github.com/scimkit/scim/internal/clienttext"
	"github.com/scimkit/scim/internal/multivalue"
	"github.com/scimkit/scim/internal/schemaurn"
)

// Lenience is how Normalize (and the PATCH engine) treat what a sloppy
// client sends: an attribute no schema defines, two primary values, a
// duplicate value, a reference that is no URI, one value for a
// multi-valued attribute, a body whose "schemas" does not list its type.
// By default each is bent into shape (ignored, demoted, dropped, kept as
// sent, taken as a list, taken as that type) and the bend is
// recorded in Warnings, which the handler shows in its log line and the
// request log; with Strict each is an *AttrError instead. A nil
// *Lenience bends silently. The client text a warning or a refusal quotes
// is concealed as the password is when it names a secret of the model the
// Lenience was made for (Model.Lenience); the zero Lenience knows the
// password alone.
type Lenience struct {
	// Strict refuses, with an *AttrError, what would otherwise be bent.
	Strict bool
	// Warnings are the bends made, for a human: "ignored unknown
	// attribute \"adreses\"".
	Warnings []string
	// secrets is the model's (Model.SecretNames), which the messages conceal
	// client text by; nil for the password alone.
	secrets *clienttext.Secrets
}

// Lenience returns a Lenience for a request to m's handler, strict as
// given: its messages conceal client text that names any of m's secrets.
func (m *Model) Lenience(strict bool) *Lenience {
	return &Lenience{Strict: strict, secrets: m.secrets()}
}

// Fresh returns a Lenience with l's rules (Strict, the model's secrets)
// and no warnings, to collect bends apart before they are kept (or not)
// in l; for a nil l, one that records them.
func (l *Lenience) Fresh() *Lenience {
	if l == nil {
		return &Lenience{}
	}
	return &Lenience{Strict: l.Strict, secrets: l.secrets}
}

// secretSet is the set of secret names l's messages conceal client text
// by: nil (the password alone) for a nil l.
func (l *Lenience) secretSet() *clienttext.Secrets {
	if l == nil {
		return nil
	}
	return l.secrets
}

// bend records a bend, or refuses it under Strict with an *AttrError of
// scimType at path.
func (l *Lenience) bend(path, scimType, refusal, warning string) error {
	if l == nil {
		return nil
	}
	if l.Strict {
		return &AttrError{Path: path, Msg: refusal, ScimType: scimType, secrets: l.secrets}
	}
	l.Warnings = append(l.Warnings, warning)
	return nil
}

// OneValue records a multi-valued attribute (or "schemas", a resource's
// or a message body's) given one value where RFC 7643 §2.4 has a list of
// them: taken as a list of it, and refused under Strict (invalidSyntax).
func (l *Lenience) OneValue(path string) error {
	if l == nil {
		return nil
	}
	return l.bend(path, "invalidSyntax",
		"is multi-valued: send a JSON list, even of one value (strict mode)",
		l.secrets.Sprintf("one value for multi-valued %q taken as a list of it", path))
}

// BareValue records a string given for a complex attribute that has a
// "value" sub-attribute ("roles": ["admin"], "emails": "a@x"), where RFC
// 7643 §2.3.8 has an object: taken as {"value": s}, and refused under
// Strict (invalidValue). The enterprise manager and a group's members,
// whose bare ids Entra ID and Okta send (IDP-QUIRKS), are taken so
// without a bend: Normalize does not call it for them (bareIDs).
func (l *Lenience) BareValue(path string) error {
	return l.bend(path, "invalidValue",
		`is complex: send an object, {"value": …} (strict mode)`,
		l.secrets.Sprintf("a string for complex %q taken as its value", path))
}

// unknown records an attribute (or sub-attribute, or schema) no schema of
// rt defines: ignored, never stored.
func (l *Lenience) unknown(rt *ResourceType, path string) error {
	return l.Unknown(rt, path, "invalidSyntax")
}

// Unknown is the one policy for an attribute path a request gives that rt
// does not define, for Normalize and the PATCH engine alike: the value is
// ignored and never stored, and the warning says so ("ignored unknown
// attribute \"adreses\""); under Strict it is refused instead, with an
// *AttrError of scimType whose Msg is ResourceType.NoAttribute's text. An
// attribute the built-in schemas define but the host's subset left out
// (ResourceType.Omits, ModelConfig.UserAttributes) goes the same way,
// with a warning and a refusal that say it is unsupported and what to do
// about it.
//
// path names the attribute alone, in a form the client can find in its
// request: as sent where the client sent a path or a qualified key
// ("urn:...:core:2.0:User:foo", as the PATCH engine names its paths and
// value keys), a member of an object after the object's name ("name.foo"),
// a key inside an extension's object after the extension's URN and a
// colon (RFC 7644 §3.10's fully qualified form,
// "urn:...:enterprise:2.0:User:foo"), a key inside the core schema's
// object as the core name it is ("foo").
func (l *Lenience) Unknown(rt *ResourceType, path, scimType string) error {
	if l == nil {
		return nil
	}
	if rt != nil && rt.Omits(path) {
		return l.leftOut(rt, true, path, scimType)
	}
	return l.leftOut(rt, false, path, scimType)
}

// leftOut is Unknown once it is known whether path is one the host's
// subset left out (omitted): Normalize asks the attribute whose value
// holds a member it does not define (Attribute.omitsSub), which has no
// path to ask Omits with, nor a resource type (rt is nil then). An
// extension's attribute without its URN (RFC 7644 §3.10) gets the hint
// in both messages: what to send.
func (l *Lenience) leftOut(rt *ResourceType, omitted bool, path, scimType string) error {
	if omitted {
		return l.bend(path, scimType,
			"is not supported by this server, which leaves it out of /Schemas; remove it from the request, or from the identity provider's attribute mapping (strict mode)",
			l.secrets.Sprintf("ignored unsupported attribute %q (this server leaves it out of /Schemas)", path))
	}
	hint := rt.qualifyHint(path)
	return l.unknownAs(path, scimType, rt.noPath(path, hint), hint)
}

// unknownSub is Unknown for k, a member of a value of the complex
// attribute a at parent, that a does not define (emails[0].nope): the
// refusal names the attribute and what to send instead (NoSubAttribute),
// which Normalize, checking a value apart from its resource type, knows
// only from a.
func (l *Lenience) unknownSub(a *Attribute, parent, k string) error {
	path := parent + "." + k
	if a.omitsSub(k) {
		return l.leftOut(nil, true, path, "invalidSyntax")
	}
	return l.unknownAs(path, "invalidSyntax", NoSubAttribute(a, parent), "")
}

// unknownAs bends an unknown attribute at path: the warning says it was
// ignored (with hint, what to send instead), the refusal under Strict is
// refusal.
func (l *Lenience) unknownAs(path, scimType, refusal, hint string) error {
	return l.bend(path, scimType, refusal+" (strict mode)", l.secrets.Sprintf("ignored unknown attribute %q", path)+hint)
}

// MissingSchema is the one policy for a request body whose "schemas" does
// not list the URN of what the endpoint takes it as (RFC 7643 §3 makes
// "schemas" REQUIRED in a resource; RFC 7644 §3.5.2, §3.4.3 and §3.7.1 give
// the PatchOp, SearchRequest and BulkRequest bodies theirs): the body is
// taken as what (e.g. "a User", "a PatchOp") and the warning says so
// ("\"schemas\" missing; taken as a User"); under Strict it is refused
// with an *AttrError (invalidSyntax) that names the URN to send. given
// says the body had a "schemas" member at all, which then does not list
// urn; scim1 that it lists a SCIM 1.1 schema URN (schemaurn.SCIM1), which
// both texts then say, since the admin's fix is another connector, not
// another body. No identity provider we replay omits it (idptest), so the
// warning points at a client worth a look rather than at routine traffic.
func (l *Lenience) MissingSchema(what, urn string, given, scim1 bool) error {
	if !given {
		return l.bend("schemas", "invalidSyntax",
			clienttext.Sprintf("is required: send \"schemas\":[%q] (strict mode)", urn),
			clienttext.Sprintf("\"schemas\" missing; taken as %s", what))
	}
	if scim1 {
		return l.bend("schemas", "invalidSyntax",
			clienttext.Sprintf("must list %q; %s (strict mode)", urn, schemaurn.SCIM1Advice),
			clienttext.Sprintf("\"schemas\" does not list %s; taken as %s; %s", urn, what, schemaurn.SCIM1Advice))
	}
	return l.bend("schemas", "invalidSyntax",
		clienttext.Sprintf("must list %q (strict mode)", urn),
		clienttext.Sprintf("\"schemas\" does not list %s; taken as %s", urn, what))
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
		l.secrets.Sprintf("must be a URI (RFC 7643 §2.3.7); %q %s (strict mode)", s, problem),
		l.secrets.Sprintf("kept reference %s %q as sent: it %s", path, s, problem))
}

// ReferenceProblem says what keeps s from being the value of a reference
// whose referenceTypes are types: "" when it is an absolute or relative
// URI (RFC 3986 §4.1, URI-reference) and, when types is "external"
// alone, an absolute one, or when it is empty (which names nothing, and
// which providers send for an attribute they have no value for);
// otherwise a phrase for a human ("has a space at byte 4 ...", bytes
// counted from 1, as a request body's errors count them).
func ReferenceProblem(s string, types []string) string {
	if s == "" {
		return ""
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '%':
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return clienttext.Sprintf("has a %q at byte %d not followed by two hex digits (RFC 3986 §2.1: write a literal %% as %%25)", c, i+1)
			}
		case c == ' ':
			return clienttext.Sprintf("has a space at byte %d, which no URI holds (RFC 3986 §2: percent-encode it as %%20)", i+1)
		case c >= 0x80:
			return clienttext.Sprintf("has a non-ASCII character at byte %d, which no URI holds (RFC 3986 §2: percent-encode its UTF-8 bytes)", i+1)
		case !isURIChar(c):
			return clienttext.Sprintf("has %q at byte %d, which no URI holds (RFC 3986 §2: percent-encode it)", c, i+1)
		}
	}
	u, err := url.Parse(s)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return clienttext.Sprintf("is no URI (RFC 3986): %v", err)
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

// tidyValues holds list, the values of the multi-valued attribute a that
// a body gives, to RFC 7643 §2.4 (internal/multivalue.Tidy: at most one
// primary, no duplicates), each bend a bend of l named by path. The PATCH
// engine holds the list its operations leave to the same rule.
func tidyValues(a *Attribute, path string, list []any, l *Lenience) ([]any, error) {
	if len(list) < 2 || a.Type != TypeComplex {
		// Nothing to tidy (Tidy would return list as it is): a body's
		// lists are mostly of one value, and the shape costs three
		// sub-attribute lookups by name.
		return list, nil
	}
	return multivalue.Tidy(a.ValueShape(), path, list, l.secretSet(), func(_, _ map[string]any, _ bool, refusal, warning string) error {
		return l.bend(path, "invalidValue", refusal, warning)
	})
}
