// Package names holds the one case fold for SCIM names: attribute and
// sub-attribute names, schema URNs, resource type and endpoint names, the
// member names of a message body ("Operations", "schemas", "sortBy"),
// PATCH op names, filter operators and the protocol's keywords ("true",
// "descending"). RFC 7643 §2.1 makes them case-insensitive, and its
// grammar makes them ASCII (ATTRNAME = ALPHA *(nameChar)), so two names
// are the same when they are equal under ASCII case folding, and under
// nothing wider: a name with a non-ASCII letter names nothing. Unicode
// folding (strings.EqualFold, strings.ToLower) would merge "ſortBy" (the
// long s, U+017F) with "sortBy" and "\u212Aind" (the Kelvin sign) with
// "kind" in one place and not in another; this package is the only fold
// names take.
//
// Values are another matter: a caseExact=false value such as userName is
// compared under Unicode rules (store/query.Fold, store/query.IdentityKey),
// never with this package.
//
// Every function here allocates nothing, except Lower and Upper when they
// change their argument, and costs no more than strings.EqualFold on
// ASCII.
package names

import "strings"

// Equal reports whether a and b are the same name: equal under ASCII case
// folding, where only 'A'-'Z' and 'a'-'z' match each other.
func Equal(a, b string) bool { return equal(a, b) }

// EqualBytes is Equal for a name given as bytes (a JSON key read in
// place), without converting it.
func EqualBytes(a []byte, b string) bool { return equal(a, b) }

// equal is Equal and EqualBytes: one loop over a string or bytes.
func equal[T string | []byte](a T, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if x, y := a[i], b[i]; x != y && !sameLetter(x, y) {
			return false
		}
	}
	return true
}

// sameLetter reports whether x and y, which differ, are one ASCII letter
// in its two cases. x|0x20 is in 'a'-'z' only for an ASCII letter (a byte
// of a multi-byte UTF-8 sequence is 0x80 or more).
func sameLetter(x, y byte) bool {
	l := x | 0x20
	return l == y|0x20 && 'a' <= l && l <= 'z'
}

// HasPrefix reports whether s begins with prefix under Equal ("URN:" for
// "urn:").
func HasPrefix(s, prefix string) bool {
	return len(s) >= len(prefix) && Equal(s[:len(prefix)], prefix)
}

// Key returns the key of m that is name, and its value: name itself,
// else the least key (in byte order, as jsonscan.SortedKeys walks them)
// equal to it under Equal. A map built outside a request may hold two
// spellings ("Badge" and "BADGE"); taking the least makes the answer the
// same every time, whatever Go's map order. The value comes with the key
// so that the common case, name itself, costs one map lookup.
func Key[V any](m map[string]V, name string) (string, V, bool) {
	if v, ok := m[name]; ok {
		return name, v, true
	}
	key, found := "", false
	for k := range m {
		if Equal(k, name) && (!found || k < key) {
			key, found = k, true
		}
	}
	if !found {
		var zero V
		return "", zero, false
	}
	return key, m[key], true
}

// Lower returns s with its ASCII upper-case letters made lower-case and
// every other byte unchanged: the key under which names equal by Equal
// are one (a map of names, a switch over them). It returns s itself when
// s has no upper-case ASCII letter.
func Lower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; 'A' <= c && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if c := b[j]; 'A' <= c && c <= 'Z' {
					b[j] = c + 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// Upper is Lower towards upper case, for the names spelled in capitals
// (HTTP methods in a bulk operation).
func Upper(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; 'a' <= c && c <= 'z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if c := b[j]; 'a' <= c && c <= 'z' {
					b[j] = c - ('a' - 'A')
				}
			}
			return string(b)
		}
	}
	return s
}

// smallSet is how many names Repeated compares pairwise before it keeps
// them in a map: a few comparisons cost less than a map, a thousand would
// cost a million. It is jsonscan.SmallObject, which this package may not
// import (jsonscan's own comment names this one): change both.
const smallSet = 16

// GivenTwice is what a refusal of a name an object gives twice says after
// the name (the name's own rendering is the refusal's: a resource's
// attribute error, a PATCH operation's detail): a request body
// (resources.ResourceType.Normalize), a PATCH value (its keys, with and
// without their schema's URN) and a typed read refuse it in these words, so
// that a client meets one message for one rule.
const GivenTwice = "is given more than once (names match case-insensitively, with or without the schema URN); send it once"

// Repeated returns the first of keys (sorted, as jsonscan.SortedKeys gives
// them) that is the same name as one before it under Equal ("TITLE" and
// "title"), or "" and false when every name is given once. An object that
// gives a name in two spellings is refused wherever a request is read
// (message bodies, PATCH value objects, resources): which of the two
// values counted would otherwise be left to the reader.
func Repeated(keys []string) (string, bool) {
	if len(keys) <= smallSet {
		for i, k := range keys {
			for _, o := range keys[:i] {
				if Equal(k, o) {
					return k, true
				}
			}
		}
		return "", false
	}
	seen := make(map[string]bool, len(keys))
	for _, k := range keys {
		lk := Lower(k)
		if seen[lk] {
			return k, true
		}
		seen[lk] = true
	}
	return "", false
}

// URNAt returns the offset in s of the first segment after s's first
// that begins with urn (under Equal) and is ended by it (followed by ':'
// or the end of s), or -1. s is a name that begins with a URN no schema a
// reader knows begins it with ("urn:acme:ext:urn:...:core:2.0:User:userName");
// a known schema URN at that offset is a URN nested after another, which
// names no attribute (an attribute name holds no ':', RFC 7643 §2.1).
// Only a known URN can be found so: an unknown URN's end cannot be told
// from its own segments, which may spell "urn:" (RFC 8141).
// s may be given as bytes (a JSON key read in place), without converting
// it.
func URNAt[T string | []byte](s T, urn string) int {
	for i := 1; i+len(urn) <= len(s); i++ {
		if s[i-1] == ':' && equal(s[i:i+len(urn)], urn) && (i+len(urn) == len(s) || s[i+len(urn)] == ':') {
			return i
		}
	}
	return -1
}

// NestedURNAt returns the earliest offset in s at which any URN of known
// starts a segment after s's first (URNAt), or -1: where a schema URN
// the server knows follows one it does not
// ("urn:acme:ext:urn:...:core:2.0:User:userName" gives 13). known holds
// one or more lists of URNs, so that a reader passes the lists it has
// without joining them; a URN's trailing ':' and empty URNs are ignored.
// The filter parser (a path, a filter) and a request body's reader take
// their rule from here, with the same URNs (every schema URN the server
// knows), so that they refuse the same names.
func NestedURNAt[T string | []byte](s T, known ...[]string) int {
	at := -1
	for _, list := range known {
		for _, urn := range list {
			urn = strings.TrimSuffix(urn, ":")
			if urn == "" {
				continue
			}
			if i := URNAt(s, urn); i >= 0 && (at < 0 || i < at) {
				at = i
			}
		}
	}
	return at
}
