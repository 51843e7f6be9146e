package memory

import (
	"context"
	"time"

	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/query"
)

var (
	_ store.UserUpdater  = (*Store)(nil)
	_ store.GroupUpdater = (*Store)(nil)
)

var _ store.CheckedMemberModifier = (*Store)(nil)

// writeUser stores c, whose index keys are k, over r (the tenant's lock
// held) with the next version and returns a copy of the stored user.
func (s *Store) writeUser(ctx context.Context, t *tenant, r *userRec, c *resources.User, k userKeys, now time.Time) (*resources.User, error) {
	if err := t.userNameFree(k.userName, c.UserName, r); err != nil {
		return nil, err
	}
	if err := t.userUniqueFree(k.unique, r); err != nil {
		return nil, err
	}
	if err := validExtensions(c.Extensions); err != nil {
		return nil, err
	}
	c.Meta = resources.Meta{ResourceType: s.model.User.Name, Created: r.u.Meta.Created, LastModified: now, Version: query.FormatVersion(r.version + 1)}
	changes, err := s.userChanges(t, r.u, c, store.SecretsSentOf(ctx))
	if err != nil {
		return nil, err
	}
	err = s.commit(ctx, t, changes, func() {
		s.setUser(t, r, c, k)
		r.version++
	})
	if err != nil {
		return nil, err
	}
	return c.Clone(), nil
}

// writeGroup stores c, whose displayName's index key is key, over r (the
// tenant's lock held) with the next version and, when members is not nil,
// replaces its members. With keepSame (UpdateGroup), a c that is the
// stored group once its member values naming no one are skipped writes
// nothing and keeps the version (store.GroupUpdater).
func (s *Store) writeGroup(ctx context.Context, t *tenant, r *groupRec, c *resources.Group, key string, members []resources.Member, now time.Time, keepSame bool) error {
	// Members refused before the name and unique values are checked:
	// the order store.GroupStore ranks their errors in.
	next, listed, err := t.memberIDs(ctx, r.g.ID, members) // the new members, in order
	if err != nil {
		return err
	}
	if keepSame && len(store.SecretsSentOf(ctx)) == 0 && (members == nil || sameMembers(&r.members, next)) && resources.EqualGroupAttributes(r.g, c) {
		return nil
	}
	if err := t.groupNameFree(key, c.DisplayName, r); err != nil {
		return err
	}
	uk := query.UniqueKeys(s.uniqGroup, c.Extensions)
	if err := t.groupUniqueFree(uk, r); err != nil {
		return err
	}
	if err := validExtensions(c.Extensions); err != nil {
		return err
	}
	c.Meta = resources.Meta{ResourceType: s.model.Group.Name, Created: r.g.Meta.Created, LastModified: now, Version: query.FormatVersion(r.version + 1)}
	changes, err := s.groupChanges(t, r.g, c, store.SecretsSentOf(ctx))
	if err != nil {
		return err
	}
	if members != nil && s.tracking() {
		var removed, added []string
		r.members.each(func(id string) {
			if !listed[id] {
				removed = append(removed, id)
			}
		})
		for _, id := range next {
			if !r.members.has(id) {
				added = append(added, id)
			}
		}
		changes = append(changes, query.MemberChanges(r.g.ID, c.Meta.Version, removed, added)...)
	}
	return s.commit(ctx, t, changes, func() {
		s.setGroup(t, r, c, key, uk)
		r.version++
		if members != nil {
			// The members kept stay where they are and the new ones
			// follow in the order given: members come in the order they
			// were added, as sqlstore gives them (store.GroupStore,
			// "Member order").
			var gone []string
			r.members.each(func(id string) {
				if !listed[id] {
					gone = append(gone, id)
				}
			})
			for _, id := range gone {
				t.removeMember(r, id)
			}
			for _, id := range next {
				t.addMember(r, id)
			}
		}
	})
}

// sameMembers reports whether ids, distinct, are the members of l.
func sameMembers(l *memberList, ids []string) bool {
	if len(ids) != l.len() {
		return false
	}
	for _, id := range ids {
		if !l.has(id) {
			return false
		}
	}
	return true
}

// UpdateUser runs a read-modify-write of user id under the tenant's lock
// (see store.UserUpdater): change runs once, while the lock is held, so it
// must not call the store. A nil next writes nothing. Groups is left nil,
// as GetUser leaves it.
func (s *Store) UpdateUser(ctx context.Context, id, ifVersion string, change func(cur *resources.User) (*resources.User, error)) (*resources.User, error) {
	t, err := s.tenantOf(ctx, "user", id)
	if err != nil {
		return nil, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	r := t.users[id]
	if r == nil {
		return nil, notFound("user", id)
	}
	if ifVersion != "" && !versionMatches(ifVersion, r.version) {
		return nil, preconditionFailed("user", id, ifVersion, r.version)
	}
	next, err := change(r.u.Clone())
	if err != nil {
		return nil, err
	}
	if next == nil {
		return r.u.Clone(), nil
	}
	c := next.Clone()
	c.ID, c.Groups = id, nil
	c.Compact() // as CreateUser keeps a user
	return s.writeUser(ctx, t, r, c, s.userKeysOf(c), s.stamp())
}

// UpdateGroup is UpdateUser for groups (see store.GroupUpdater).
func (s *Store) UpdateGroup(ctx context.Context, id, ifVersion string, withMembers bool, change func(cur *resources.Group) (*resources.Group, error)) (*resources.Group, error) {
	t, err := s.tenantOf(ctx, "group", id)
	if err != nil {
		return nil, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	r := t.groups[id]
	if r == nil {
		return nil, notFound("group", id)
	}
	if ifVersion != "" && !versionMatches(ifVersion, r.version) {
		return nil, preconditionFailed("group", id, ifVersion, r.version)
	}
	next, err := change(t.groupOut(r, !withMembers))
	if err != nil {
		return nil, err
	}
	if next == nil {
		return t.groupOut(r, !withMembers), nil
	}
	c := next.Clone()
	c.ID = id
	c.Compact() // as CreateGroup keeps a group
	var members []resources.Member
	if withMembers {
		members = c.Members
	}
	c.Members = nil
	if err := s.writeGroup(ctx, t, r, c, s.key.groupName(c.DisplayName), members, s.stamp(), true); err != nil {
		return nil, err
	}
	return t.groupOut(r, !withMembers), nil
}
