package query

import (
	"strings"

	"golang.org/x/text/secure/precis"
)

// IdentityKey is the key under which two names are the same identity:
// userName and Group displayName are unique by it, on every store. It is
// the comparison form of the PRECIS Nickname profile (RFC 8266), from
// golang.org/x/text/secure/precis rather than hand-written Unicode rules:
// width-folded and NFKC-normalised (so NFC and NFD "café", and full-width
// "ｂｊｅｎｓｅｎ", are the same name), spaces mapped to U+0020, trimmed and
// collapsed (a trailing space makes no second user), and lower-cased.
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
	return k, true
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
