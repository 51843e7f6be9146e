package query

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/scimkit/scim/internal/jsonscan"
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
// (jsonscan.Members), not decoded: a write diffs two documents for its feed
// entries, and decoding both into maps was a third of what the feed cost
// a user's update on SQLite (BENCHMARKS.md).
func changedAttributes(before, after []byte, want string) ([]string, []byte, error) {
	var bm, am [24]jsonscan.Member // a user's or group's top-level members fit: no allocation
	b, err := jsonscan.Members(before, bm[:0])
	if err != nil {
		return nil, nil, fmt.Errorf("query: changed attributes: %w", err)
	}
	a, err := jsonscan.Members(after, am[:0])
	if err != nil {
		return nil, nil, fmt.Errorf("query: changed attributes: %w", err)
	}
	var (
		out    []string
		wanted []byte
	)
	if sameNames(a, b) {
		// One encoder renders both documents of a write, so their names
		// nearly always come in the same order: each member is compared
		// with the one at its place, rather than each name looked up in
		// both documents below, which was most of the diff's own work on
		// a user's update (BENCHMARKS.md, 2026-12-01, branch basicsync).
		for i, m := range a {
			if want != "" && string(m.Key) == want {
				wanted = m.Val // the last one counts, as below
			}
			// A repeated name counts at its last place only, where both
			// documents have it too.
			if !bytes.Equal(m.Val, b[i].Val) && lastMember(a, m.Key) == i {
				out = appendChanged(out, m.Key)
			}
		}
	} else {
		for i, m := range a {
			if lastMember(a, m.Key) != i {
				continue // a repeated name: the last one counts, as when decoding
			}
			if want != "" && string(m.Key) == want {
				wanted = m.Val
			}
			if j := lastMember(b, m.Key); j < 0 || !bytes.Equal(m.Val, b[j].Val) {
				out = appendChanged(out, m.Key)
			}
		}
		for i, m := range b {
			if lastMember(b, m.Key) == i && lastMember(a, m.Key) < 0 {
				out = appendChanged(out, m.Key)
			}
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
	if bytes.IndexByte(key, '\\') >= 0 && json.Valid(append(append([]byte{'"'}, key...), '"')) {
		// An escaped name (no store's encoder writes one for an
		// attribute, but a stored document is read as it is; Members
		// does not check a name's escapes, hence json.Valid).
		name = jsonscan.Unquote(key)
	}
	if changeIgnored[name] {
		return out
	}
	return append(out, name)
}

// sameNames reports whether a and b name their members alike, in the same
// order.
func sameNames(a, b []jsonscan.Member) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !bytes.Equal(a[i].Key, b[i].Key) {
			return false
		}
	}
	return true
}

// lastMember returns the index of the last member of ms named key, or -1.
func lastMember(ms []jsonscan.Member, key []byte) int {
	for i := len(ms) - 1; i >= 0; i-- {
		if bytes.Equal(ms[i].Key, key) {
			return i
		}
	}
	return -1
}

// UserChanges returns the feed entries of a write of user id, now at
// version, whose document (as the store renders it, password left out)
// went from beforeDoc to afterDoc: UserUpdated with the attributes that
// changed ("password" too when passwordChanged) and those secrets names
// (store.SecretsSentOf: secrets the request sent, listed whether or not
// their value changed), then UserDeactivated or UserReactivated when
// active went from true (or absent) to false or back. None when nothing
// changed and secrets is empty. Seq, Tenant and At are left for the
// store.
func UserChanges(id, version string, beforeDoc, afterDoc []byte, passwordChanged bool, secrets ...string) ([]store.Change, error) {
	attrs, active, err := changedAttributes(beforeDoc, afterDoc, "active")
	if err != nil {
		return nil, err
	}
	if passwordChanged {
		attrs = append(attrs, "password")
	}
	attrs = withSecrets(attrs, secrets)
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
// GroupUpdated with the attributes that changed and those secrets names
// (as UserChanges lists them), or none.
func GroupChanges(id, version string, beforeDoc, afterDoc []byte, secrets ...string) ([]store.Change, error) {
	attrs, err := ChangedAttributes(beforeDoc, afterDoc)
	if err != nil {
		return nil, err
	}
	if attrs = withSecrets(attrs, secrets); len(attrs) == 0 {
		return nil, nil
	}
	return []store.Change{{Kind: store.GroupUpdated, ID: id, Version: version, Attributes: attrs}}, nil
}

// withSecrets returns attrs with the secrets a request sent
// (store.SecretsSent) added, in name order, each once: a secret sent
// equal to the stored one is listed as one that changed is, so the entry
// does not tell a right guess from a wrong one.
func withSecrets(attrs, secrets []string) []string {
	attrs = append(attrs, secrets...)
	slices.Sort(attrs)
	return slices.Compact(attrs)
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

// Report fills the store.Report ctx carries, if any, with the entries of
// a write (copies, lists included, so that the caller may keep them): what
// a store that reports its writes calls once the write is made.
func Report(ctx context.Context, changes []store.Change) {
	rep := store.ReportOf(ctx)
	if rep == nil {
		return
	}
	out := make([]store.Change, len(changes))
	for i, c := range changes {
		c.Attributes, c.Members = slices.Clone(c.Attributes), slices.Clone(c.Members)
		out[i] = c
	}
	*rep = store.Report{Changes: out, Filled: true}
}
