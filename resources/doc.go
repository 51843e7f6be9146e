// Package resources holds scimkit's typed SCIM resources (User with the
// enterprise extension, Group) and the schema model that drives
// normalisation, filters and PATCH.
//
// Schemas come from github.com/elimity-com/scim/schema (the RFC 7643
// definitions) and are converted once into Attribute trees; the /Schemas
// documents are rendered from them when a handler is built. A request body
// goes Decode -> ResourceType.Normalize -> UserFromMap; a stored resource
// goes ToMap when a filter, a projection or a PATCH needs its attributes by
// name.
package resources
