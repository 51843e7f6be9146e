// Package filter parses SCIM 2.0 filters (RFC 7644 §3.4.2.2) and PATCH
// paths (RFC 7644 §3.5.2) into an AST that stores translate into queries.
//
// # The AST
//
// Parse returns an Expr, which is one of:
//
//   - *Compare: attrPath op value, e.g. userName eq "bjensen"
//   - *Present: attrPath pr
//   - *Logical: "and" / "or"; "and" binds tighter than "or" and both are
//     left-associative, so a and b and c is (a and b) and c
//   - *Not: not (filter)
//   - *ValuePath: attrPath[filter], e.g. emails[type eq "work"]; attribute
//     paths inside the brackets are relative to an element of the
//     multi-valued attribute
//
// Grouping parentheses leave no node of their own. An AttrPath has an
// optional schema URI, a Name and an optional Sub-attribute; names keep the
// spelling of the input (compare them with strings.EqualFold), while
// operators, "and", "or", "not", "pr", true, false and null are accepted in
// any case and stored in canonical form. A comparison value is a string
// (JSON escapes decoded), a bool, nil for null, an int64 for an integer
// literal that fits, or a float64 for any other number. Every Expr renders
// back to filter syntax with String, and parsing that text gives an equal
// tree. Walk visits a tree in pre-order.
//
// ParsePath returns a Path: an AttrPath plus an optional value filter, as
// in emails[type eq "work"].value (Name "emails", Sub "value", Filter
// type eq "work").
//
// # Entra ID's value-path filters
//
// Microsoft Entra ID sends emails[type eq "work"].value eq "x", which the
// RFC grammar does not allow. It means "an element of emails with type
// work and value x", so it is parsed as emails[type eq "work" and value eq
// "x"]: a ValuePath whose Filter is a Logical "and" of the bracketed filter
// and the comparison on the sub-attribute. The same holds for every
// operator, including pr.
//
// # Schema URNs
//
// An attribute path that starts with "urn:" (in any case) carries a schema
// URN. Known URNs — UserSchema, GroupSchema, EnterpriseUserSchema and
// Parser.Schemas — are matched as the longest case-insensitive prefix
// followed by ':', and the AST holds their canonical spelling, so
// URN:IETF:...:2.0:user:userName gets URI UserSchema. Any other URN ends
// at the last ':' before the attribute name and keeps its spelling. In
// ParsePath, a known URN on its own names a whole extension: URI is set
// and Name is empty. Prefixes that do not start with "urn:" are rejected.
//
// # Errors and limits
//
// Every error is a *SyntaxError whose text says what is wrong and where,
// e.g. "expected a value after 'eq' at offset 11, found end of filter",
// suitable as the detail of a 400 invalidFilter (or invalidPath)
// response. Inputs longer than Parser.MaxLength (default 4096 bytes) or
// nesting parentheses, "not (" and brackets deeper than Parser.MaxDepth
// (default 32) are rejected; those errors wrap ErrTooLong and ErrTooDeep.
// Besides the grammar, the parser rejects gt, ge, lt and le with true,
// false or null (invalidFilter per RFC 7644 §3.4.2.2), nested value paths
// (a[b[c eq 1]]), a value filter on a sub-attribute (name.givenName[...]),
// strings that are not valid UTF-8 or contain unpaired surrogate escapes,
// and numbers outside the float64 range.
//
// # Differences from github.com/scim2/filter-parser
//
// The tests compare this parser with github.com/scim2/filter-parser/v2
// (used by github.com/elimity-com/scim) on a corpus and by fuzzing. They
// agree except where this package deliberately differs:
//
//   - String escapes are decoded (theirs keeps the raw text, e.g. a\"b),
//     \u escapes may use lower-case hex (theirs rejects \u00e9), and
//     unpaired surrogates and invalid UTF-8 are rejected (theirs keeps
//     them).
//   - Whitespace is lenient: leading and trailing spaces, tabs and
//     newlines are allowed, and no space is needed next to '(', ')' or a
//     quoted string. Theirs rejects all of these outside value filters.
//     Conversely, theirs splits a keyword out of a word inside value
//     filters (emails[a pr andb pr]); here a word is a word.
//   - A value filter is a full filter: any number of and/or, parentheses,
//     nested not. Theirs allows one and/or, no parentheses, and not only
//     around an attribute expression or a single and/or.
//   - The Entra form emails[type eq "work"].value eq "x" is accepted
//     (theirs rejects it).
//   - gt/ge/lt/le with a boolean or null, numbers beyond float64, names
//     with '$' other than $ref, prefixes not starting with "urn:", the URN
//     "urn" alone, further ':' segments after a known URN, and a value
//     filter on a sub-attribute are rejected (theirs accepts them).
//   - Known URNs get their canonical spelling; a bare known URN is a valid
//     PATCH path naming the extension, where theirs splits it as if its
//     last segment were an attribute name.
//   - Input length and nesting depth are limited.
package filter
