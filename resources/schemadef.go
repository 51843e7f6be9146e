package resources

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/scimkit/scim/internal/names"
)

// ErrInvalidSchema is wrapped by every error NewSchema returns.
var ErrInvalidSchema = errors.New("resources: invalid schema")

// schemaSchema is the URN of a schema document (RFC 7643 §7).
const schemaSchema = "urn:ietf:params:scim:schemas:core:2.0:Schema"

// NewSchema builds a schema from its definition and renders the document
// served at /Schemas/{id} (RFC 7643 §7). Hosts use it to describe their own
// extensions; the built-in User, Group and enterprise schemas are built
// with it too.
//
// id must be a URN (RFC 8141), e.g.
// "urn:example:params:scim:schemas:extension:acme:2.0:User". Each attribute
// needs a name (RFC 7643 §2.1: a letter, then letters, digits, "-" or "_";
// "$ref" is allowed too) and a Type (TypeString, ...). An empty
// Mutability is ReadWrite, an empty Returned ReturnedDefault and an empty
// Uniqueness UniquenessNone. A uniqueness other than none is for a
// single-valued, top-level attribute that is not complex or boolean (the
// stores keep one key per resource for it), nor returned never (its 409
// would answer a guess at a secret). Only a complex attribute has sub-attributes,
// at least one, none of them complex; names are unique within their level,
// case-insensitively. A definition that breaks a rule gives an error
// wrapping ErrInvalidSchema that names the attribute.
//
// NewSchema copies the attributes: changing them afterwards does not
// change the schema.
func NewSchema(id, name, description string, attrs ...*Attribute) (*Schema, error) {
	if err := checkURN(id); err != nil {
		return nil, fmt.Errorf("%w: id %q: %v", ErrInvalidSchema, id, err)
	}
	list, err := checkAttributes(id, "", attrs, false)
	if err != nil {
		return nil, err
	}
	s := &Schema{ID: id, Name: name, Description: description, Attributes: list}
	doc, err := json.Marshal(schemaDoc{
		Schemas:     []string{schemaSchema},
		ID:          id,
		Name:        name,
		Description: description,
		Attributes:  attributeDocs(list),
	})
	if err != nil {
		return nil, err
	}
	s.document = doc
	return s, nil
}

// checkAttributes validates one level of attribute definitions and returns
// copies with the defaults filled in.
func checkAttributes(id, parent string, attrs []*Attribute, sub bool) ([]*Attribute, error) {
	out := make([]*Attribute, 0, len(attrs))
	for i, a := range attrs {
		if a == nil {
			return nil, fmt.Errorf("%w: %s: attribute %d is nil", ErrInvalidSchema, id, i)
		}
		path := parent + a.Name
		bad := func(format string, args ...any) error {
			return fmt.Errorf("%w: %s: attribute %q: %s", ErrInvalidSchema, id, path, fmt.Sprintf(format, args...))
		}
		if !validAttrName(a.Name) {
			return nil, bad("the name must be a letter followed by letters, digits, '-' or '_'")
		}
		for _, prev := range out {
			if names.Equal(prev.Name, a.Name) {
				return nil, bad("defined twice (names are case-insensitive)")
			}
		}
		c := *a
		c.CanonicalValues = cloneSlice(a.CanonicalValues)
		c.ReferenceTypes = cloneSlice(a.ReferenceTypes)
		if !oneOf(c.Type, TypeString, TypeBoolean, TypeDecimal, TypeInteger, TypeDateTime, TypeBinary, TypeReference, TypeComplex) {
			return nil, bad("unknown type %q; want one of string, boolean, decimal, integer, dateTime, binary, reference, complex", c.Type)
		}
		c.Mutability = orDefault(c.Mutability, ReadWrite)
		if !oneOf(c.Mutability, ReadOnly, ReadWrite, Immutable, WriteOnly) {
			return nil, bad("unknown mutability %q; want readOnly, readWrite, immutable or writeOnly", c.Mutability)
		}
		c.Returned = orDefault(c.Returned, ReturnedDefault)
		if !oneOf(c.Returned, ReturnedAlways, ReturnedNever, ReturnedDefault, ReturnedRequest) {
			return nil, bad("unknown returned %q; want always, never, default or request", c.Returned)
		}
		c.Uniqueness = orDefault(c.Uniqueness, UniquenessNone)
		if !oneOf(c.Uniqueness, UniquenessNone, UniquenessServer, UniquenessGlobal) {
			return nil, bad("unknown uniqueness %q; want none, server or global", c.Uniqueness)
		}
		if c.Uniqueness != UniquenessNone {
			// A store keeps one key per resource and attribute (see
			// ResourceType.UniqueAttributes): what a unique element of a
			// list or a unique sub-attribute would mean (unique within the
			// resource, or across resources, element by element?) is not
			// something RFC 7643 §2.2 settles, and a boolean has two values.
			switch {
			case sub:
				return nil, bad("uniqueness %q on a sub-attribute is not supported; only a single-valued, top-level attribute of type string, reference, binary, integer, decimal or dateTime can be unique", c.Uniqueness)
			case c.MultiValued:
				return nil, bad("uniqueness %q on a multi-valued attribute is not supported; only a single-valued, top-level attribute of type string, reference, binary, integer, decimal or dateTime can be unique", c.Uniqueness)
			case c.Type == TypeComplex || c.Type == TypeBoolean:
				return nil, bad("uniqueness %q on a %s attribute is not supported; only a single-valued, top-level attribute of type string, reference, binary, integer, decimal or dateTime can be unique", c.Uniqueness, c.Type)
			case c.Returned == ReturnedNever:
				// A secret: the 409 a write sending another resource's
				// value gets would tell a client that it guessed a value
				// it can never read, as a filter on it would (refused).
				return nil, bad("uniqueness %q on an attribute returned never (a secret) is not supported: a 409 would tell a client that another resource holds the value it sent", c.Uniqueness)
			}
		}
		if len(c.ReferenceTypes) > 0 && c.Type != TypeReference {
			return nil, bad("only a reference attribute has referenceTypes")
		}
		switch {
		case c.Type != TypeComplex && len(a.SubAttributes) > 0:
			return nil, bad("only a complex attribute has sub-attributes")
		case c.Type == TypeComplex && sub:
			return nil, bad("a sub-attribute cannot be complex (RFC 7643 §2.3.8)")
		case c.Type == TypeComplex && len(a.SubAttributes) == 0:
			return nil, bad("a complex attribute needs sub-attributes")
		case c.Type == TypeComplex:
			subs, err := checkAttributes(id, path+".", a.SubAttributes, true)
			if err != nil {
				return nil, err
			}
			c.SubAttributes = subs
		}
		out = append(out, &c)
	}
	return out, nil
}

func oneOf(s string, values ...string) bool {
	for _, v := range values {
		if s == v {
			return true
		}
	}
	return false
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// validAttrName reports whether name is an ATTRNAME of RFC 7643 §2.1, or
// "$ref", which §2.4 defines though the grammar does not allow it.
func validAttrName(name string) bool {
	if name == "$ref" {
		return true
	}
	if name == "" || !isAlpha(name[0]) {
		return false
	}
	for i := 1; i < len(name); i++ {
		if c := name[i]; !isAlpha(c) && !isDigit(c) && c != '-' && c != '_' {
			return false
		}
	}
	return true
}

// checkURN checks the syntax of RFC 8141: "urn:", a namespace identifier
// (2 to 32 letters, digits or '-', neither first nor last '-'), ':' and a
// non-empty namespace-specific string.
func checkURN(id string) error {
	if !names.HasPrefix(id, "urn:") {
		return errors.New(`a schema id must be a URN, starting "urn:"`)
	}
	nid, nss, ok := strings.Cut(id[4:], ":")
	if !ok || len(nid) < 2 || len(nid) > 32 || nid[0] == '-' || nid[len(nid)-1] == '-' {
		return errors.New("the namespace identifier after \"urn:\" must be 2 to 32 letters, digits or '-', followed by ':'")
	}
	for i := 0; i < len(nid); i++ {
		if c := nid[i]; !isAlpha(c) && !isDigit(c) && c != '-' {
			return fmt.Errorf("the namespace identifier %q may hold only letters, digits and '-'", nid)
		}
	}
	if nss == "" {
		return errors.New("nothing follows the namespace identifier")
	}
	for i := 0; i < len(nss); i++ {
		c := nss[i]
		switch {
		case isAlpha(c), isDigit(c), strings.IndexByte("-._~!$&'()*+,;=:@/", c) >= 0:
		case c == '%' && i+2 < len(nss) && isHex(nss[i+1]) && isHex(nss[i+2]):
			i += 2
		default:
			return fmt.Errorf("the character %q is not allowed in a URN", c)
		}
	}
	return nil
}

func isAlpha(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isDigit(c byte) bool { return '0' <= c && c <= '9' }
func isHex(c byte) bool   { return isDigit(c) || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

// schemaDoc is the JSON form of a schema (RFC 7643 §7); meta is added
// where it is served.
type schemaDoc struct {
	Schemas     []string  `json:"schemas"`
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	Attributes  []attrDoc `json:"attributes"`
}

// attrDoc is the JSON form of an attribute definition (RFC 7643 §7).
// caseExact and uniqueness are left out for complex and boolean
// attributes, where they mean nothing (the RFC's own §8.7 documents do
// the same for "active" and most complex attributes).
type attrDoc struct {
	Name            string    `json:"name"`
	Type            string    `json:"type"`
	MultiValued     bool      `json:"multiValued"`
	Description     string    `json:"description"`
	Required        bool      `json:"required"`
	CanonicalValues []string  `json:"canonicalValues,omitempty"`
	CaseExact       *bool     `json:"caseExact,omitempty"`
	Mutability      string    `json:"mutability"`
	Returned        string    `json:"returned"`
	Uniqueness      string    `json:"uniqueness,omitempty"`
	ReferenceTypes  []string  `json:"referenceTypes,omitempty"`
	SubAttributes   []attrDoc `json:"subAttributes,omitempty"`
}

func attributeDocs(attrs []*Attribute) []attrDoc {
	out := make([]attrDoc, 0, len(attrs))
	for _, a := range attrs {
		d := attrDoc{
			Name: a.Name, Type: a.Type, MultiValued: a.MultiValued, Description: a.Description,
			Required: a.Required, CanonicalValues: a.CanonicalValues,
			Mutability: a.Mutability, Returned: a.Returned, ReferenceTypes: a.ReferenceTypes,
		}
		if a.Type != TypeComplex && a.Type != TypeBoolean {
			caseExact := a.CaseExact
			d.CaseExact = &caseExact
			d.Uniqueness = a.Uniqueness
		}
		if len(a.SubAttributes) > 0 {
			d.SubAttributes = attributeDocs(a.SubAttributes)
		}
		out = append(out, d)
	}
	return out
}
