package resources

import (
	"fmt"
	"slices"

	"github.com/scimkit/scim/internal/clienttext"
	"github.com/scimkit/scim/internal/names"
)

// Model is the one description of the resources an endpoint serves: the
// User and Group resource types with every extension the host registers.
// A host builds it once and hands it to its store (memory.New,
// sqlstore.Config.Model); the handler takes it from the store, so the
// handler, the PATCH engine, filters, sorting and every store resolve
// attributes against the same schemas. A Model is immutable and safe for
// concurrent use.
type Model struct {
	// User is the User resource type: the RFC 7643 User schema, the
	// enterprise extension and the host's user extensions.
	User *ResourceType
	// Group is the Group resource type with the host's group extensions.
	Group *ResourceType
	// known is the schema URNs the types share (KnownSchemaURNs), set by
	// NewModel; nil for a Model built otherwise.
	known []string
}

// KnownSchemaURNs is ResourceType.KnownSchemaURNs for a filter that may
// read either type (a query of the server root): the standard URNs and
// both types' own. For a Model NewModel built it is the list its types
// share; for one built otherwise, a list of its own.
func (m *Model) KnownSchemaURNs() []string {
	if m.known != nil {
		return m.known
	}
	return knownSchemaURNs(m.User, m.Group)
}

// ModelConfig lists what a host adds to the core schemas.
type ModelConfig struct {
	// UserExtensions are extension schemas of User beyond the enterprise
	// extension, which is always present.
	UserExtensions []*Schema
	// GroupExtensions are extension schemas of Group.
	GroupExtensions []*Schema

	// UserAttributes, when not nil, are the attributes of the built-in
	// User schemas the host supports; the others are left out of the
	// model. A host whose product has no use for addresses,
	// phoneNumbers or x509Certificates leaves them out here, once, and
	// then /Schemas does not advertise them (identity providers build
	// their attribute mapping from it), a request carrying them has them
	// ignored with a warning (refused in strict mode), a filter on them
	// is a 400 invalidFilter and a sortBy a 400 invalidValue: all as for
	// an attribute no schema defines, with words that say "unsupported".
	//
	// Entries are attributes: core ones by name ("emails", "name"),
	// the common "id", "externalId" and "meta", and enterprise ones
	// with their URN
	// ("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"),
	// or that URN alone for the whole extension. When no enterprise
	// attribute is listed the extension is left out too. The host's own
	// extensions (UserExtensions) are always kept whole. Names match
	// case-insensitively; "schemas" may be listed and is always there.
	//
	// An entry may also be a sub-attribute ("name.givenName",
	// "emails.value", the enterprise manager's value with its URN): its
	// attribute is then kept with the sub-attributes listed only, and
	// the others are left out as an attribute is, from /Schemas, from
	// requests (a PATCH path or value filter naming one included), from
	// filters, sortBy and responses. An attribute listed whole keeps
	// all its sub-attributes. A host whose users table has the columns
	// user_name, given_name, family_name, email and active lists
	//
	//	"id", "meta", "userName", "name.givenName", "name.familyName", "emails.value", "active"
	//
	// and its store is never handed name.formatted, name.middleName, an
	// email's type, primary or display; emails.value stays a list (a
	// provider may send several addresses), which the store keeps whole
	// beside its email column. What the server makes rather
	// than a store holds comes with its attribute (the read-only groups
	// and manager.displayName, the $ref of the manager and of members);
	// meta and a group's members are kept whole. A multi-valued
	// attribute (emails) or the manager cannot be kept without its
	// value, which identifies each value. Note that Microsoft Entra ID
	// writes a user's email as emails[type eq "work"].value by default:
	// a model without emails.type ignores that operation with a warning,
	// so a host serving Entra keeps emails.type or maps the email in
	// Entra as emails.value.
	//
	// id, meta, userName and active cannot be left out (active is how
	// identity providers deprovision); NewModel returns an error naming
	// the missing one.
	UserAttributes []string
	// GroupAttributes is UserAttributes for Group. id, meta, displayName
	// and members (whole) cannot be left out, so only externalId can.
	GroupAttributes []string
}

// NewModel builds the model of cfg. Its attributes returned "never" (the
// password, and any of an extension's, sub-attributes included) are
// secrets: a handler never shows client text that names one and holds
// more than its path (a filter comparing it, a PATCH path with a value
// filter), in an error's detail, a warning, its log or its request log.
// An extension must have a URN id that
// no other schema of the model uses; a subset (UserAttributes,
// GroupAttributes) must name attributes or sub-attributes of the built-in
// schemas and keep the required ones.
func NewModel(cfg ModelConfig) (*Model, error) {
	m := &Model{User: NewUserType(cfg.UserExtensions...), Group: NewGroupType(cfg.GroupExtensions...)}
	for _, rt := range []*ResourceType{m.User, m.Group} {
		seen := map[string]bool{}
		for _, urn := range rt.SchemaURNs() {
			key := names.Lower(urn)
			if !IsURN(urn) {
				return nil, fmt.Errorf("resources: %s extension id %q is not a URN (urn:...)", rt.Name, urn)
			}
			if seen[key] {
				return nil, fmt.Errorf("resources: schema %q is registered twice for %s", urn, rt.Name)
			}
			seen[key] = true
		}
	}
	m.known = knownSchemaURNs(m.User, m.Group)
	m.User.known, m.Group.known = m.known, m.known
	// One set for both types: a request's text is concealed before its
	// type is known (a query string, a /Bulk operation's path).
	secrets := clienttext.NewSecrets(append(m.User.secretNames(), m.Group.secretNames()...)...)
	m.User.secrets, m.Group.secrets = secrets, secrets
	if cfg.UserAttributes != nil {
		if err := m.User.subset("UserAttributes", cfg.UserAttributes); err != nil {
			return nil, err
		}
	}
	if cfg.GroupAttributes != nil {
		if err := m.Group.subset("GroupAttributes", cfg.GroupAttributes); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// secrets is the set of secret attribute names a Lenience of m conceals
// client text by (see NewModel): its types' set, which NewModel made one;
// for a Model built otherwise, the union of its types' sets.
func (m *Model) secrets() *clienttext.Secrets {
	// A handler asks for each request's Lenience: only two sets of
	// names each, which no model NewModel built has, are joined anew.
	switch u, g := m.User.secretSet(), m.Group.secretSet(); {
	case u == g || g == nil:
		return u
	case u == nil:
		return g
	}
	return clienttext.NewSecrets(slices.Concat(m.User.SecretNames(), m.Group.SecretNames())...)
}

// SecretNames returns the names the handler of m conceals client text by
// besides the password: its User's and Group's (ResourceType.SecretNames).
func (m *Model) SecretNames() []string {
	return m.secrets().Names()
}

// DefaultModel returns the model of the core User and Group schemas and
// the enterprise user extension.
func DefaultModel() *Model {
	m, _ := NewModel(ModelConfig{}) // cannot fail: no host schemas
	return m
}

// Same reports whether m and o describe the same resource types: the same
// schemas, extension for extension, narrowed to the same attributes.
// Stores and handlers check it so that a model built twice by mistake is
// caught when the handler is built, not when a filter on an extension
// attribute fails.
func (m *Model) Same(o *Model) bool {
	if m == o {
		return true
	}
	if m == nil || o == nil {
		return false
	}
	return sameType(m.User, o.User) && sameType(m.Group, o.Group)
}

func sameType(a, b *ResourceType) bool {
	if len(a.Extensions) != len(b.Extensions) || a.Schema.ID != b.Schema.ID || len(a.common) != len(b.common) {
		return false
	}
	if a.Schema != b.Schema && string(a.Schema.document) != string(b.Schema.document) {
		return false
	}
	for i, c := range a.common {
		if c.Name != b.common[i].Name {
			return false
		}
	}
	for i, e := range a.Extensions {
		f := b.Extensions[i]
		if e.Schema != f.Schema && (e.Schema.ID != f.Schema.ID || string(e.Schema.document) != string(f.Schema.document)) {
			return false
		}
	}
	return true
}
