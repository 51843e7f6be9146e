// Package resources holds scimkit's typed SCIM resources (User with the
// enterprise extension, Group) and the schema model that drives
// normalisation, filters and PATCH.
//
// A Schema is a URN and a tree of Attribute definitions. NewSchema builds
// one, checking the definitions against RFC 7643 and rendering the document
// served at /Schemas/{id}; hosts use it for their own extensions. The
// built-in User, Group and enterprise schemas take their definitions from
// github.com/elimity-com/scim/schema (the RFC 7643 text) and go through
// NewSchema too, so every schema document has the one renderer. A Model
// may narrow the built-in User and Group schemas to the attributes, and
// sub-attributes, a host supports (ModelConfig.UserAttributes): a
// narrowed type has fewer attributes and sub-attributes, so whatever
// resolves paths against it (Normalize, the PATCH engine, filters,
// sorting, projection, /Schemas) treats the others as attributes no
// schema defines; what must tell "left out" from "unknown" (a value
// filter naming a dropped sub-attribute, a refusal's words, data stored
// before the model was narrowed) asks Omits and OmittedIn, responses are
// cut by FitUser and FitGroup, and Lenience.Unknown, the one
// unknown-attribute policy, names them unsupported.
//
// Resources have two forms: typed (User, Group) and document
// (map[string]any as Decode gives it: numbers json.Number, lists []any,
// objects map[string]any, attribute names in their canonical spelling,
// each extension object under its URN). A request body goes Decode ->
// ResourceType.Normalize -> UserFromMap; a stored resource goes ToMap when
// a filter, a projection or a PATCH needs its attributes by name. These
// conversions copy field by field, with no JSON in between; only the
// extension objects, which the typed form keeps as json.RawMessage, are
// encoded or decoded.
//
// A User or Group renders its SCIM JSON with MarshalJSON, or with
// AppendJSON to write several into one buffer: hand-written appenders, no
// reflection, giving byte for byte what encoding/json gave for these types
// (the tests keep the former reflection-based encoder as their reference).
// Normalize takes over the document it is given and reuses its lists and
// objects; NormalizeValue and NormalizeSingle never change their input.
//
// Normalize (and the PATCH engine, through NormalizeValue) checks each
// value against its attribute's type, in one place for every request:
// a value of the wrong JSON type, a dateTime that is no xsd:dateTime, a
// binary value that is no base64 (RFC 7643 §2.3.6 "MUST") are refused
// with an *AttrError; a reference that is no URI, or a relative one for
// an external resource (ReferenceProblem, RFC 7643 §2.3.7), is a bend
// of Lenience: kept with a warning, refused under Strict, since identity
// providers fill profileUrl and photos from whatever their directory
// holds and a stored value must go back unchanged in a PUT.
//
// Names match case-insensitively under ASCII case folding only
// (internal/names, the module's one fold for names): attribute and
// sub-attribute names, schema URNs, "schemas". RFC 7643 §2.1 makes names
// case-insensitive and its grammar makes them ASCII, so "USERNAME" is
// userName while "uſerName" (the long s, which strings.EqualFold takes for
// "s") names nothing and is an unknown attribute. The typed model's
// UnmarshalJSON keeps to the same rule, where encoding/json alone would
// match a few non-ASCII letters to a field. Values are not names: a
// caseExact=false value compares under Unicode rules (store/query.Fold).
package resources
