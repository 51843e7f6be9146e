// Package schemaurn holds the schema URNs every part of scimkit knows
// without a model: the RFC 7643 core User and Group schemas and the
// enterprise User extension. resources exports them as the model's
// (resources.UserSchema) and filter as the URNs every Parser splits a
// path at (filter.UserSchema), and each keeps them as a list; both take
// names and list from here. filter cannot take them from resources,
// which imports filter; this package imports nothing, so filter's
// parser still depends on the standard library and scimkit's internal
// packages alone.
package schemaurn

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
