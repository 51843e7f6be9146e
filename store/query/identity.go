package query

import "golang.org/x/text/secure/precis"

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
	k, err := precis.Nickname.CompareKey(name)
	if err != nil {
		return "", false
	}
	return k, true
}
