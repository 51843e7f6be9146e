package query

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/secure/precis"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/internal/clienttext"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
)

// IdentityKey is the key under which two names are the same identity:
// userName and Group displayName are unique by it, on every store. It is
// the comparison form of the PRECIS Nickname profile (RFC 8266), from
// golang.org/x/text/secure/precis rather than hand-written Unicode rules:
// width-folded and NFKC-normalised (so NFC and NFD "café", and full-width
// "ｂｊｅｎｓｅｎ", are the same name), spaces mapped to U+0020, trimmed and
// collapsed (a trailing space makes no second user), lower-cased, and
// then case-folded with Fold, so that names equal under strings.EqualFold
// stay one identity ("ς" and "σ", which lower-casing alone keeps apart):
// for ASCII the key is strings.ToLower, as strings.EqualFold compares.
// German "ß" is not "ss", and Turkish dotted "İ" is not "i" (no locale
// rules), as under strings.EqualFold.
//
// Names the profile does not allow (control characters, a zero-width
// joiner outside the scripts that need one, an empty name) have no key:
// ok is false, and the handler refuses them before any store sees them.
// Letters of different scripts that look alike (Cyrillic "а" and Latin
// "a") stay different identities: merging them would need confusable
// skeletons (UTS #39), which also merge names that are really distinct.
//
// The stored value is kept as sent; only the key is normalised. Keys are
// persisted by store/sqlstore: the output for a given input must not
// change between releases without a Reindex.
func IdentityKey(name string) (key string, ok bool) {
	if k, ok := asciiKey(name); ok {
		return k, true
	}
	k, err := precis.Nickname.CompareKey(name)
	if err != nil {
		return "", false
	}
	return Fold(k), true
}

// NameKey is the key a store indexes a unique name under (User userName,
// Group displayName; see NameAttr) and the key "eq" compares such names
// with: IdentityKey when the name has one; for a name without one (the
// handler refuses those, but a store may hold one written before it did,
// or by a host directly) Fold of the name, the key stores used before:
// it keeps the character the profile refuses, which no IdentityKey holds,
// so it does not meet the key of a name that has one.
// When the host declared the attribute caseExact, the key is the name
// itself: exact comparison, as every filter on it compares.
func NameKey(name string, caseExact bool) string {
	if caseExact {
		return name
	}
	if k, ok := IdentityKey(name); ok {
		return k
	}
	return Fold(name)
}

// NameOperandKey is the key a filter's operand s is compared under, by
// operator op, with the NameKey of a unique name (NameAttr) that is not
// caseExact: every operator compares the stored name's NameKey, so that a
// name "eq" finds (NFC "café" for an NFD operand) is found by "sw", "co",
// "ew", "ge" and "le" with the same operand too. For eq, ne and the
// orderings the key is NameKey(s, false). For co, sw and ew, whose
// operand is part of a name, it is the same normalisation but for the
// trimming: a space (any the key maps to U+0020) that s begins or ends
// with is kept as one space, so that "john " starts "john smith" and not
// "johnny", as it would had the key trimmed it.
func NameOperandKey(op filter.Op, s string) string {
	if op != filter.Co && op != filter.Sw && op != filter.Ew {
		return NameKey(s, false)
	}
	core := strings.TrimFunc(s, isNameSpace)
	if core == s {
		return NameKey(s, false)
	}
	k := ""
	if core != "" {
		var ok bool
		if k, ok = IdentityKey(core); !ok {
			return Fold(s) // as NameKey keys a name without an identity key
		}
	}
	if isNameSpace(firstRune(s)) {
		k = " " + k
	}
	if core != "" && isNameSpace(lastRune(s)) {
		k += " "
	}
	return k
}

// isNameSpace reports whether r is a space the PRECIS profile of
// IdentityKey maps to U+0020 (and trims at either end): U+0020 or any
// other space separator (Zs).
func isNameSpace(r rune) bool { return r == ' ' || unicode.Is(unicode.Zs, r) }

// firstRune and lastRune are s's first and last runes (RuneError when s
// is empty).
func firstRune(s string) rune { r, _ := utf8.DecodeRuneInString(s); return r }
func lastRune(s string) rune  { r, _ := utf8.DecodeLastRuneInString(s); return r }

// NameAttr returns the attribute of rt whose values are unique per tenant
// under NameKey: userName of a User, displayName of a Group; nil for any
// other resource type.
func NameAttr(rt *resources.ResourceType) *resources.Attribute {
	if rt == nil || rt.Schema == nil {
		return nil
	}
	switch rt.Schema.ID {
	case resources.UserSchema:
		return rt.Schema.Attr("userName")
	case resources.GroupSchema:
		return rt.Schema.Attr("displayName")
	}
	return nil
}

// asciiKey is IdentityKey for the common case, without the profile's
// allocations: printable ASCII with single inner spaces, which the
// profile only lower-cases. ok is false for anything else.
func asciiKey(name string) (string, bool) {
	if name == "" || name[0] == ' ' || name[len(name)-1] == ' ' {
		return "", false
	}
	upper := false
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c < ' ' || c > '~' || c == ' ' && name[i-1] == ' ' {
			return "", false
		}
		upper = upper || 'A' <= c && c <= 'Z'
	}
	if !upper {
		return name, true
	}
	return strings.ToLower(name), true
}

// NameConflict returns the store.ErrConflict a store reports when name,
// a value of the unique attribute attr ("userName", "displayName"), has
// the NameKey of existing, the name of another resource of the tenant
// ("" when the store does not know it). The text after "store: conflict: "
// is the response's detail, so it says which name is in the way: the
// client may read every resource of its tenant, and without it a name
// that differs only invisibly from the stored one (NFC and NFD "café")
// makes a 409 nobody can explain. When both hold non-ASCII characters
// (they may look the same), they are also shown escaped, which shows
// the difference. It is a *NameConflictError.
func NameConflict(attr, name, existing string) error {
	return &NameConflictError{Attr: attr, Name: name, Existing: existing}
}

// NameConflictError is the error NameConflict returns: store.ErrConflict
// (errors.Is), with the name in the way. Its Error quotes the names
// concealing the password; the handler answers with Detail of its
// model's secrets, since the names are client text (a userName may be
// any text) and the store that made the error may know no model.
type NameConflictError struct {
	// Attr is the unique attribute ("userName", "displayName").
	Attr string
	// Name is the value the write gave; Existing the name another
	// resource holds under the same NameKey ("" when not known).
	Name, Existing string
}

// Error is store.ErrConflict's text, then Detail of the password alone.
func (e *NameConflictError) Error() string {
	return store.ErrConflict.Error() + ": " + e.Detail()
}

// Unwrap returns store.ErrConflict.
func (e *NameConflictError) Unwrap() error { return store.ErrConflict }

// Detail is what a response says of the conflict, the names quoted as
// client text is, concealed when they name the password or any of
// secretNames (a model's SecretNames: a host's pin).
func (e *NameConflictError) Detail(secretNames ...string) string {
	s := clienttext.NewSecrets(secretNames...)
	switch {
	case e.Existing == "" || e.Existing == e.Name:
		return s.Sprintf("%s %q is already taken", e.Attr, e.Name)
	case !isASCII(e.Name) && !isASCII(e.Existing):
		return s.Sprintf("%s %q (%+q) is already taken as %q (%+q): names are compared after Unicode normalisation (NFKC), width and case folding", e.Attr, e.Name, e.Name, e.Existing, e.Existing)
	}
	return s.Sprintf("%s %q is already taken as %q: names are compared after Unicode normalisation (NFKC), width and case folding", e.Attr, e.Name, e.Existing)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
