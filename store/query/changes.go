package query

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/scimkit/scim/store"
)

// changeIgnored are the attributes a feed entry never lists: those the
// store assigns (id, meta), the schemas list, which follows the
// extensions, and the read-only memberships, which have entries of their
// own.
var changeIgnored = map[string]bool{"id": true, "meta": true, "schemas": true, "groups": true, "members": true}

// ChangedAttributes returns, in name order, the top-level attributes
// whose value differs between two JSON documents of one resource (before
// and after a write), for store.Change.Attributes: an attribute present
// in one and absent from the other, or with other JSON text. Both must be
// rendered by the same encoder (a store's own), so equal values have
// equal text. id, meta, schemas, groups and members are never listed.
func ChangedAttributes(before, after []byte) ([]string, error) {
	attrs, _, err := changedAttributes(before, after, "")
	return attrs, err
}

// changedAttributes is ChangedAttributes that also returns the text of
// the after document's top-level member named want (nil when absent or
// want is ""), so a caller reads more of it without splitting it again.
//
// The documents are split into their top-level members in place
// (topMembers), not decoded: a write diffs two documents for its feed
// entries, and decoding both into maps was a third of what the feed cost
// a user's update on SQLite (BENCHMARKS.md).
func changedAttributes(before, after []byte, want string) ([]string, []byte, error) {
	var bm, am [24]member // a user's or group's top-level members fit: no allocation
	b, err := topMembers(before, bm[:0])
	if err != nil {
		return nil, nil, fmt.Errorf("query: changed attributes: %w", err)
	}
	a, err := topMembers(after, am[:0])
	if err != nil {
		return nil, nil, fmt.Errorf("query: changed attributes: %w", err)
	}
	var (
		out    []string
		wanted []byte
	)
	for i, m := range a {
		if lastMember(a, m.key) != i {
			continue // a repeated name: the last one counts, as when decoding
		}
		if want != "" && string(m.key) == want {
			wanted = m.val
		}
		if j := lastMember(b, m.key); j < 0 || !bytes.Equal(m.val, b[j].val) {
			out = appendChanged(out, m.key)
		}
	}
	for i, m := range b {
		if lastMember(b, m.key) == i && lastMember(a, m.key) < 0 {
			out = appendChanged(out, m.key)
		}
	}
	slices.Sort(out)
	// One name written two ways (escaped in one document only) is one
	// attribute.
	return slices.Compact(out), wanted, nil
}

// appendChanged appends the attribute named by JSON key text key to out
// unless a feed entry never lists it (changeIgnored).
func appendChanged(out []string, key []byte) []string {
	name := string(key)
	if bytes.IndexByte(key, '\\') >= 0 {
		// An escaped name (no store's encoder writes one for an
		// attribute, but a stored document is read as it is).
		name = unescape(key)
	}
	if changeIgnored[name] {
		return out
	}
	return append(out, name)
}

// unescape returns the string that JSON string text s (between its
// quotes) stands for, or s itself when it is not valid.
func unescape(s []byte) string {
	var out string
	if err := json.Unmarshal(append(append([]byte{'"'}, s...), '"'), &out); err != nil {
		return string(s)
	}
	return out
}

// member is a top-level member of a JSON object: its name's text between
// the quotes (escapes as written) and its value's text.
type member struct{ key, val []byte }

// lastMember returns the index of the last member of ms named key, or -1.
func lastMember(ms []member, key []byte) int {
	for i := len(ms) - 1; i >= 0; i-- {
		if bytes.Equal(ms[i].key, key) {
			return i
		}
	}
	return -1
}

var errNotObject = errors.New("not a JSON object")

// topMembers appends to out the top-level members of JSON object doc, in
// document order. It checks the structure it walks (an object, names
// and strings closed, colons and commas in place, brackets matched, a
// value for each name, nothing after the object) but not the spelling of
// numbers and literals or the commas inside nested values: its documents
// come from a store's own encoder, and the values are compared as text.
func topMembers(doc []byte, out []member) ([]member, error) {
	i := skipSpace(doc, 0)
	if i >= len(doc) || doc[i] != '{' {
		return nil, errNotObject
	}
	i = skipSpace(doc, i+1)
	if i < len(doc) && doc[i] == '}' {
		return out, endOfDoc(doc, i+1)
	}
	for {
		if i >= len(doc) || doc[i] != '"' {
			return nil, errNotObject
		}
		end, err := skipString(doc, i)
		if err != nil {
			return nil, err
		}
		key := doc[i+1 : end-1]
		i = skipSpace(doc, end)
		if i >= len(doc) || doc[i] != ':' {
			return nil, errNotObject
		}
		start := skipSpace(doc, i+1)
		if i, err = skipValue(doc, start); err != nil {
			return nil, err
		}
		out = append(out, member{key: key, val: doc[start:i]})
		i = skipSpace(doc, i)
		if i >= len(doc) {
			return nil, errNotObject
		}
		switch doc[i] {
		case ',':
			i = skipSpace(doc, i+1)
		case '}':
			return out, endOfDoc(doc, i+1)
		default:
			return nil, errNotObject
		}
	}
}

// endOfDoc checks that only white space follows the object at i.
func endOfDoc(doc []byte, i int) error {
	if skipSpace(doc, i) != len(doc) {
		return errNotObject
	}
	return nil
}

func skipSpace(doc []byte, i int) int {
	for i < len(doc) && (doc[i] == ' ' || doc[i] == '\t' || doc[i] == '\n' || doc[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the index after the JSON string that starts at
// doc[i] (a quote).
func skipString(doc []byte, i int) (int, error) {
	for j := i + 1; j < len(doc); j++ {
		switch c := doc[j]; {
		case c == '\\':
			j++
		case c == '"':
			return j + 1, nil
		case c < 0x20:
			return 0, errNotObject
		}
	}
	return 0, errNotObject
}

// skipValue returns the index after the JSON value that starts at doc[i].
func skipValue(doc []byte, i int) (int, error) {
	if i >= len(doc) {
		return 0, errNotObject
	}
	switch doc[i] {
	case '"':
		return skipString(doc, i)
	case '{', '[':
		var buf [32]byte
		closers := buf[:0] // what each open bracket needs
		for j := i; j < len(doc); j++ {
			switch c := doc[j]; c {
			case '"':
				end, err := skipString(doc, j)
				if err != nil {
					return 0, err
				}
				j = end - 1
			case '{':
				closers = append(closers, '}')
			case '[':
				closers = append(closers, ']')
			case '}', ']':
				if closers[len(closers)-1] != c {
					return 0, errNotObject
				}
				if closers = closers[:len(closers)-1]; len(closers) == 0 {
					return j + 1, nil
				}
			}
		}
		return 0, errNotObject
	}
	j := i
	for j < len(doc) && strings.IndexByte("-+.0123456789eEtruefalsn", doc[j]) >= 0 {
		j++
	}
	if j == i {
		return 0, errNotObject
	}
	return j, nil
}

// UserChanges returns the feed entries of a write of user id, now at
// version, whose document (as the store renders it, password left out)
// went from beforeDoc to afterDoc: UserUpdated with the attributes that
// changed ("password" too when passwordChanged), then UserDeactivated or
// UserReactivated when active went from true (or absent) to false or
// back. None when nothing changed. Seq, Tenant and At are left for the
// store.
func UserChanges(id, version string, beforeDoc, afterDoc []byte, passwordChanged bool) ([]store.Change, error) {
	attrs, active, err := changedAttributes(beforeDoc, afterDoc, "active")
	if err != nil {
		return nil, err
	}
	if passwordChanged {
		attrs = append(attrs, "password")
		slices.Sort(attrs)
	}
	if len(attrs) == 0 {
		return nil, nil
	}
	out := []store.Change{{Kind: store.UserUpdated, ID: id, Version: version, Attributes: attrs}}
	if slices.Contains(attrs, "active") {
		// true unless false: absent and null are active
		if string(active) != "false" {
			out = append(out, store.Change{Kind: store.UserReactivated, ID: id, Version: version})
		} else {
			out = append(out, store.Change{Kind: store.UserDeactivated, ID: id, Version: version})
		}
	}
	return out, nil
}

// GroupChanges returns the feed entries of a write of group id, now at
// version, whose document went from beforeDoc to afterDoc, members aside:
// GroupUpdated with the attributes that changed, or none.
func GroupChanges(id, version string, beforeDoc, afterDoc []byte) ([]store.Change, error) {
	attrs, err := ChangedAttributes(beforeDoc, afterDoc)
	if err != nil || len(attrs) == 0 {
		return nil, err
	}
	return []store.Change{{Kind: store.GroupUpdated, ID: id, Version: version, Attributes: attrs}}, nil
}

// MemberChanges returns the entries of a membership change of group gid
// at version: MembersRemoved with removed, then MembersAdded with added,
// each only when not empty.
func MemberChanges(gid, version string, removed, added []string) []store.Change {
	var out []store.Change
	if len(removed) > 0 {
		out = append(out, store.Change{Kind: store.MembersRemoved, ID: gid, Version: version, Members: removed})
	}
	if len(added) > 0 {
		out = append(out, store.Change{Kind: store.MembersAdded, ID: gid, Version: version, Members: added})
	}
	return out
}
