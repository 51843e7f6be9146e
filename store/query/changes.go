package query

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"

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
	attrs, _, err := changedAttributes(before, after)
	return attrs, err
}

// changedAttributes is ChangedAttributes that also returns the after
// document's top-level members, so a caller reads more of it without
// decoding it again.
func changedAttributes(before, after []byte) ([]string, map[string]json.RawMessage, error) {
	var b, a map[string]json.RawMessage
	if err := json.Unmarshal(before, &b); err != nil {
		return nil, nil, fmt.Errorf("query: changed attributes: %w", err)
	}
	if err := json.Unmarshal(after, &a); err != nil {
		return nil, nil, fmt.Errorf("query: changed attributes: %w", err)
	}
	var out []string
	for k, v := range a {
		if w, ok := b[k]; (!ok || !bytes.Equal(v, w)) && !changeIgnored[k] {
			out = append(out, k)
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok && !changeIgnored[k] {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out, a, nil
}

// UserChanges returns the feed entries of a write of user id, now at
// version, whose document (as the store renders it, password left out)
// went from beforeDoc to afterDoc: UserUpdated with the attributes that
// changed ("password" too when passwordChanged), then UserDeactivated or
// UserReactivated when active went from true (or absent) to false or
// back. None when nothing changed. Seq, Tenant and At are left for the
// store.
func UserChanges(id, version string, beforeDoc, afterDoc []byte, passwordChanged bool) ([]store.Change, error) {
	attrs, after, err := changedAttributes(beforeDoc, afterDoc)
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
		if string(after["active"]) != "false" {
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
