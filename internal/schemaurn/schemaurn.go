// Package schemaurn holds the schema URNs every part of scimkit knows
// without a model: the RFC 7643 core User and Group schemas and the
// enterprise User extension, and how to tell SCIM 1.1's URNs, which a body
// from the wrong connector lists (SCIM1). resources exports them as the model's
// (resources.UserSchema) and filter as the URNs every Parser splits a
// path at (filter.UserSchema), and each keeps them as a list; both take
// names and list from here. filter cannot take them from resources,
// which imports filter; this package imports internal/names alone (its
// case fold, for SCIM1), so filter's parser still depends on the standard
// library and scimkit's internal packages alone.
package schemaurn

import "github.com/scimkit/scim/internal/names"

// The standard schema URNs (RFC 7643 §8.7.1, §4.3).
const (
	User           = "urn:ietf:params:scim:schemas:core:2.0:User"
	Group          = "urn:ietf:params:scim:schemas:core:2.0:Group"
	EnterpriseUser = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
)

// Standard returns the three standard URNs: User, Group, EnterpriseUser.
// An array, returned by value, so that no caller holds a list another
// could change.
func Standard() [3]string { return [3]string{User, Group, EnterpriseUser} }

// scim1Prefix starts every schema URN of SCIM 1.1 (its core schema
// "urn:scim:schemas:core:1.0", its enterprise extension
// "urn:scim:schemas:extension:enterprise:1.0"); SCIM 2.0's start with
// "urn:ietf:params:scim:".
const scim1Prefix = "urn:scim:schemas:"

// SCIM1 reports whether s, in any case, is a schema URN of SCIM 1.1: a
// body that lists one comes from a SCIM 1.1 client, whose PATCH bodies
// and other messages a SCIM 2.0 endpoint cannot read. Some identity
// providers offer both (OneLogin's "SCIM Provisioner with SAML (Core
// Schema)" app is SCIM 1.1, its "SCIM v2 Core" app SCIM 2.0), and the
// admin who picked the wrong one needs to be told which.
func SCIM1(s string) bool { return names.HasPrefix(s, scim1Prefix) }

// NamesSCIM1 reports whether schemas, a decoded "schemas" member (a list,
// or one string as sloppy clients send it), names a SCIM 1.1 schema URN.
func NamesSCIM1(schemas any) bool {
	if s, ok := schemas.(string); ok {
		return SCIM1(s)
	}
	list, _ := schemas.([]any)
	for _, s := range list {
		if s, ok := s.(string); ok && SCIM1(s) {
			return true
		}
	}
	return false
}

// SCIM1Advice ends an error detail or a warning about a body that lists a
// SCIM 1.1 schema URN (SCIM1); it does not quote the URN, which is client
// text of any length.
const SCIM1Advice = "its \"schemas\" lists a SCIM 1.1 schema (urn:scim:schemas:…) and this endpoint speaks SCIM 2.0 (RFC 7643, RFC 7644): configure the identity provider's SCIM 2.0 connector instead"
