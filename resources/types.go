package resources

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Meta is the resource metadata of RFC 7643 §3.1. The store sets Created,
// LastModified and Version; the handler sets ResourceType and Location when
// it renders a response.
type Meta struct {
	ResourceType string    `json:"resourceType,omitempty"`
	Created      time.Time `json:"created,omitzero"`
	LastModified time.Time `json:"lastModified,omitzero"`
	Location     string    `json:"location,omitempty"`
	// Version is an opaque version, rendered as the ETag, e.g. W/"3".
	Version string `json:"version,omitempty"`
}

// Name is a user's name (RFC 7643 §4.1.1).
type Name struct {
	Formatted       string `json:"formatted,omitempty"`
	FamilyName      string `json:"familyName,omitempty"`
	GivenName       string `json:"givenName,omitempty"`
	MiddleName      string `json:"middleName,omitempty"`
	HonorificPrefix string `json:"honorificPrefix,omitempty"`
	HonorificSuffix string `json:"honorificSuffix,omitempty"`
}

// MultiValue is one element of a simple multi-valued attribute: emails,
// phoneNumbers, ims, photos, entitlements, roles or x509Certificates.
type MultiValue struct {
	Value   string `json:"value,omitempty"`
	Display string `json:"display,omitempty"`
	Type    string `json:"type,omitempty"`
	// Primary is nil when the client never set it; false is kept, so a
	// client that sends "primary": false gets it back.
	Primary *bool `json:"primary,omitempty"`
}

// Address is one element of a user's addresses (RFC 7643 §4.1.2).
type Address struct {
	Formatted     string `json:"formatted,omitempty"`
	StreetAddress string `json:"streetAddress,omitempty"`
	Locality      string `json:"locality,omitempty"`
	Region        string `json:"region,omitempty"`
	PostalCode    string `json:"postalCode,omitempty"`
	Country       string `json:"country,omitempty"`
	Type          string `json:"type,omitempty"`
	// Primary: see MultiValue.Primary.
	Primary *bool `json:"primary,omitempty"`
}

// Bool returns a pointer to b, for the optional booleans of the model
// (User.Active, MultiValue.Primary, Address.Primary).
func Bool(b bool) *bool { return &b }

// GroupRef is one element of a user's read-only groups attribute, computed
// from group membership.
type GroupRef struct {
	Value   string `json:"value"`
	Ref     string `json:"$ref,omitempty"`
	Display string `json:"display,omitempty"`
	// Type is "direct" or "indirect".
	Type string `json:"type,omitempty"`
}

// MembershipType is r.Type, or "direct" when it is empty. A store types
// each membership (store.MembershipReader.GroupsOf); one that leaves Type
// empty can only mean a group the user is a member of itself, and the
// handler's GET and the documents a filter reads (store/query's UserDoc
// and GroupRefValue) all take it so, through TypedGroupRefs or this
// method, so that a filter on groups.type never disagrees with what a GET
// shows. The encodings (MarshalJSON, ToMap, GroupRefMap) write Type as it
// is, so that a user decoded and encoded again is the user it was.
func (r GroupRef) MembershipType() string {
	if r.Type == "" {
		return "direct"
	}
	return r.Type
}

// TypedGroupRefs returns refs with every membership's Type as
// MembershipType reads it: refs itself when each is typed already (as
// this module's stores type them), else a copy; refs is never changed.
func TypedGroupRefs(refs []GroupRef) []GroupRef {
	for i := range refs {
		if refs[i].Type != "" {
			continue
		}
		out := make([]GroupRef, len(refs))
		for j, r := range refs {
			r.Type = r.MembershipType()
			out[j] = r
		}
		return out
	}
	return refs
}

// Manager is the enterprise extension's manager reference.
type Manager struct {
	Value       string `json:"value,omitempty"`
	Ref         string `json:"$ref,omitempty"`
	DisplayName string `json:"displayName,omitempty"`
}

// EnterpriseUser is the enterprise user extension (RFC 7643 §4.3).
type EnterpriseUser struct {
	EmployeeNumber string   `json:"employeeNumber,omitempty"`
	CostCenter     string   `json:"costCenter,omitempty"`
	Organization   string   `json:"organization,omitempty"`
	Division       string   `json:"division,omitempty"`
	Department     string   `json:"department,omitempty"`
	Manager        *Manager `json:"manager,omitempty"`
	// Extra keeps attributes sent under the enterprise URN that RFC 7643
	// does not define (identity providers allow custom mappings there),
	// keyed by name, so they are stored and returned, never dropped.
	Extra map[string]json.RawMessage `json:"-"`
}

// User is a SCIM User (RFC 7643 §4.1) with the enterprise extension and any
// host-registered extensions.
//
// Its JSON encoding is the SCIM representation: "schemas" is computed from
// the extensions present, Enterprise is rendered under its URN, and each
// entry of Extensions under its own URN. Password is accepted on input but
// is never part of a response (the handler clears it).
type User struct {
	ID                string `json:"id,omitempty"`
	ExternalID        string `json:"externalId,omitempty"`
	UserName          string `json:"userName"`
	Name              *Name  `json:"name,omitempty"`
	DisplayName       string `json:"displayName,omitempty"`
	NickName          string `json:"nickName,omitempty"`
	ProfileURL        string `json:"profileUrl,omitempty"`
	Title             string `json:"title,omitempty"`
	UserType          string `json:"userType,omitempty"`
	PreferredLanguage string `json:"preferredLanguage,omitempty"`
	Locale            string `json:"locale,omitempty"`
	Timezone          string `json:"timezone,omitempty"`
	// Active is nil when the client never set it; see IsActive.
	Active           *bool        `json:"active,omitempty"`
	Password         string       `json:"password,omitempty"`
	Emails           []MultiValue `json:"emails,omitempty"`
	PhoneNumbers     []MultiValue `json:"phoneNumbers,omitempty"`
	IMs              []MultiValue `json:"ims,omitempty"`
	Photos           []MultiValue `json:"photos,omitempty"`
	Addresses        []Address    `json:"addresses,omitempty"`
	Groups           []GroupRef   `json:"groups,omitempty"`
	Entitlements     []MultiValue `json:"entitlements,omitempty"`
	Roles            []MultiValue `json:"roles,omitempty"`
	X509Certificates []MultiValue `json:"x509Certificates,omitempty"`

	// Enterprise is the enterprise extension, or nil when absent.
	Enterprise *EnterpriseUser `json:"-"`
	// Extensions holds the JSON object of every other registered extension
	// present on the user, keyed by schema URN. Attributes of an extension
	// are kept as sent (after name canonicalisation), never dropped.
	Extensions map[string]json.RawMessage `json:"-"`

	Meta Meta `json:"meta,omitzero"`
}

// IsActive reports whether the user is active. A user whose active
// attribute was never set counts as active.
func (u *User) IsActive() bool { return u.Active == nil || *u.Active }

// Clone returns a deep copy of u: no pointer, slice or map of the copy
// is shared with u, the primary flags of multi-valued attributes
// included.
//
// Stores clone the user on every read and write, so a typical user costs
// one allocation (userBlock): the user with its name, active flag,
// enterprise extension and manager, the elements of its simple
// multi-valued attributes when they are two at most, and their primary
// flags. More elements take one slab shared by all of those attributes;
// addresses, groups and extension maps are allocated as before. Each
// slice of the copy is capped at its length, so that appending to one
// never writes into another.
func (u *User) Clone() *User {
	if u == nil {
		return nil
	}
	b := &userBlock{u: *u}
	c := &b.u
	if u.Name != nil {
		b.name = *u.Name
		c.Name = &b.name
	}
	if u.Active != nil {
		b.active = *u.Active
		c.Active = &b.active
	}
	bools := b.primary[:0]
	var slab []MultiValue
	if n := len(u.Emails) + len(u.PhoneNumbers) + len(u.IMs) + len(u.Photos) + len(u.Entitlements) +
		len(u.Roles) + len(u.X509Certificates); n <= len(b.mv) {
		slab = b.mv[:0]
	} else {
		slab = make([]MultiValue, 0, n)
	}
	c.Emails, slab, bools = cloneValues(u.Emails, slab, bools)
	c.PhoneNumbers, slab, bools = cloneValues(u.PhoneNumbers, slab, bools)
	c.IMs, slab, bools = cloneValues(u.IMs, slab, bools)
	c.Photos, slab, bools = cloneValues(u.Photos, slab, bools)
	c.Entitlements, slab, bools = cloneValues(u.Entitlements, slab, bools)
	c.Roles, slab, bools = cloneValues(u.Roles, slab, bools)
	c.X509Certificates, _, bools = cloneValues(u.X509Certificates, slab, bools)
	c.Addresses = cloneSlice(u.Addresses)
	for i := range c.Addresses {
		c.Addresses[i].Primary, bools = clonePrimary(c.Addresses[i].Primary, bools)
	}
	c.Groups = cloneSlice(u.Groups)
	if u.Enterprise != nil {
		b.ent = *u.Enterprise
		if u.Enterprise.Manager != nil {
			b.mgr = *u.Enterprise.Manager
			b.ent.Manager = &b.mgr
		}
		b.ent.Extra = cloneExtensions(u.Enterprise.Extra)
		c.Enterprise = &b.ent
	}
	c.Extensions = cloneExtensions(u.Extensions)
	return c
}

// userBlock is what User.Clone allocates at once. Its size, 896 bytes,
// is a size class of the Go allocator: two inline multi-valued elements
// cost no more than none.
type userBlock struct {
	u       User
	name    Name
	ent     EnterpriseUser
	mgr     Manager
	active  bool
	primary [4]bool
	mv      [2]MultiValue
}

// cloneValues copies vals to the end of slab, capped at its length (nil
// stays nil, empty stays empty), with each primary flag copied to the
// next of bools (or a new bool once bools is full), and returns the copy
// and what remains of slab and bools. slab has room for vals.
func cloneValues(vals, slab []MultiValue, bools []bool) ([]MultiValue, []MultiValue, []bool) {
	if vals == nil {
		return nil, slab, bools
	}
	n := len(slab)
	slab = append(slab, vals...)
	out := slab[n:len(slab):len(slab)]
	for i := range out {
		out[i].Primary, bools = clonePrimary(out[i].Primary, bools)
	}
	return out, slab, bools
}

// clonePrimary returns a copy of p in the next element of bools, or in a
// new bool once bools has no room, and what remains of bools.
func clonePrimary(p *bool, bools []bool) (*bool, []bool) {
	if p == nil {
		return nil, bools
	}
	if len(bools) < cap(bools) {
		bools = append(bools, *p)
		return &bools[len(bools)-1], bools
	}
	v := *p
	return &v, bools
}

// Member is one element of a group's members.
type Member struct {
	// Value is the id of the member User or Group.
	Value string `json:"value"`
	Ref   string `json:"$ref,omitempty"`
	// Type is "User" or "Group".
	Type    string `json:"type,omitempty"`
	Display string `json:"display,omitempty"`
}

// Group is a SCIM Group (RFC 7643 §4.2).
type Group struct {
	ID          string   `json:"id,omitempty"`
	ExternalID  string   `json:"externalId,omitempty"`
	DisplayName string   `json:"displayName"`
	Members     []Member `json:"members,omitempty"`
	// Extensions holds the JSON object of every registered group extension
	// present, keyed by schema URN.
	Extensions map[string]json.RawMessage `json:"-"`
	Meta       Meta                       `json:"meta,omitzero"`
}

// Clone returns a deep copy of g.
func (g *Group) Clone() *Group {
	if g == nil {
		return nil
	}
	c := *g
	c.Members = cloneSlice(g.Members)
	c.Extensions = cloneExtensions(g.Extensions)
	return &c
}

func cloneSlice[T any](s []T) []T {
	if s == nil {
		return nil
	}
	return append(make([]T, 0, len(s)), s...)
}

func cloneExtensions(m map[string]json.RawMessage) map[string]json.RawMessage {
	if m == nil {
		return nil
	}
	out := make(map[string]json.RawMessage, len(m))
	for k, v := range m {
		out[k] = append(json.RawMessage(nil), v...)
	}
	return out
}

// RequireMemberValue refuses the i-th element of a Group's members when
// value, its "value", is not a string holding more than spaces: value is
// the member's id (RFC 7643 §4.2), without which the element names no
// membership a store could keep. The error is an *AttrError naming
// members.value, and every write of members (POST, PUT, each PATCH form)
// refuses with it, so a client gets one answer whichever path its request
// takes. It returns nil for a value that is there.
func RequireMemberValue(i int, value any) error {
	if s, ok := value.(string); ok && strings.TrimSpace(s) != "" {
		return nil
	}
	return &AttrError{Path: "members.value", Msg: fmt.Sprintf("members[%d] has no \"value\"; each member needs the id of a User or Group", i)}
}
