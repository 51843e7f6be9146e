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
// spelling of the input (compare them case-insensitively), while
// operators, "and", "or", "not", "pr", true, false and null are accepted in
// any case and stored in canonical form. "Any case" is ASCII case folding,
// the one fold scimkit gives names (RFC 7643 §2.1: ATTRNAME = ALPHA
// *(nameChar) is ASCII): a name or keyword with a non-ASCII letter, such
// as "ſortBy" (U+017F) or "\u212Aind" (the Kelvin sign), is never the ASCII
// one, though strings.EqualFold would say it is. A comparison value is a string
// (a JSON string, read and decoded as scimkit reads a request body's), a
// bool, nil for null, an int64 for an integer literal that fits, or a
// float64 for any other number. Every Expr renders
// back to filter syntax with String, and parsing that text gives an equal
// tree, except that Compare.Unquoted (below) is false throughout since
// String quotes every string. Walk visits a tree in pre-order; Paths
// yields the attribute paths it names, those inside a value filter joined
// to the filtered attribute (emails.type in emails[type eq "work"]).
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
// # Leniency: unquoted values
//
// RFC 7644 requires string values in double quotes, but Microsoft's SCIM
// validator, which ISVs run before listing an app for Entra ID
// provisioning, sends them bare:
//
//	name.familyName eq Employee and (emails.value co example.com or emails.value co example.org)
//	userName sw O
//	meta.created gt 2015-10-10T14:38:21.8617979-07:00
//
// So after a comparison operator, a bare word that is not true, false or
// null (in any case) and not a JSON number is a string. A bare word is a
// run of printable characters other than the space, '"', '(', ')', '[' and
// ']': it ends at whitespace or at the ')' or ']' that closes a group or
// value filter, and it holds letters of any script, digits and punctuation
// such as . @ : - + / % ' and \ literally (there are no escapes). A word
// that starts like a number but is none, such as
// 2015-10-10T14:38:21.8617979-07:00, 12abc, 1.2.3, 0x1F, 01 or a lone
// "-", is a string too; -5 and 1e3 stay numbers and 1e999 stays an
// out-of-range error. The word after an operator is always its value, so
// "a eq and" compares with the string "and". A value may not start with
// '(', '[' or a single quote, and only one word is taken, so a eq
// Employee Smith and a eq a(b) are errors. Store code needs nothing
// special: a dateTime attribute compared with such a string compares as
// an instant, as with a quoted one.
//
// The leniency is visible rather than silent: such a comparison has
// Compare.Unquoted set, UnquotedValues lists them (so that a server can
// log "unquoted filter value \"Employee\""), and with Parser.Strict an
// unquoted value is a *SyntaxError, "string values must be quoted:
// \"Employee\" at offset 19 (strict mode)". String renders the
// values quoted, which is how the client should have sent them.
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
// and Name is empty. Prefixes that do not start with "urn:" are rejected,
// and so is a second URN after a known one
// (urn:...:core:2.0:User:urn:...:enterprise:2.0:User:department): schema
// URNs do not nest, as an attribute name holds no ':' (RFC 7643 §2.1). A
// known URN after an unknown one (urn:acme:ext:urn:...:core:2.0:User:userName,
// or the known URN alone at the end) is rejected the same way, the unknown
// URN taken to end before the known one. An unknown URN after an unknown
// one cannot be told from one URN whose segments spell "urn:" (RFC 8141):
// it is read as one unknown URN.
//
// # Errors and limits
//
// Every error is a *SyntaxError whose text says what is wrong and where,
// e.g. "expected a value after 'eq' at offset 11, found end of filter",
// suitable as the detail of a 400 invalidFilter (or invalidPath)
// response. Inputs longer than Parser.MaxLength (default 4096 bytes) or
// nesting parentheses, "not (" and brackets deeper than Parser.MaxDepth
// (default 32) are rejected; those errors wrap ErrTooLong and ErrTooDeep.
// Besides the grammar (with the leniencies above), the parser rejects
// gt, ge, lt and le with true,
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
//   - Unquoted string values are accepted and marked (see "Leniency:
//     unquoted values"); theirs rejects them, including words that start
//     like a number but are none (12abc, a dateTime).
package filter
