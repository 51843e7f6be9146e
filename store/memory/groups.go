package memory

import (
	"cmp"
	"context"

	"slices"
	"time"

	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/query"
)

// CreateGroup stores a copy of g with a new id and Meta and returns a copy
// with its members. Members are users or groups of the tenant named by
// Member.Value; values that name neither (or the group itself), and
// repeats, are skipped. The store fills each member's Type ("User" or
// "Group") and Display (a user's displayName, else its userName; a group's
// displayName) from the referenced resource when it is read. A displayName
// already used in the tenant, compared by query.NameKey, gives
// store.ErrConflict.
func (s *Store) CreateGroup(ctx context.Context, g *resources.Group) (*resources.Group, error) {
	if g == nil {
		return nil, errNil
	}
	t, err := s.tenant(ctx, true)
	if err != nil {
		return nil, err
	}
	c := g.Clone()
	// kept as its document reads back, as CreateUser keeps a user
	c.Compact()
	members := c.Members
	c.Members = nil
	now := s.stamp()
	c.Meta = resources.Meta{ResourceType: s.model.Group.Name, Created: now, LastModified: now, Version: query.FormatVersion(1)}

	key := s.key.groupName(c.DisplayName) // before the lock, as in CreateUser

	t.mu.Lock()
	defer t.mu.Unlock()
	c.ID = t.newID()
	// Members refused before the name and unique values are checked:
	// the order store.GroupStore ranks their errors in.
	added, _, err := t.memberIDs(ctx, c.ID, members)
	if err != nil {
		return nil, err
	}
	if err := t.groupNameFree(key, c.DisplayName, nil); err != nil {
		return nil, err
	}
	uk := query.UniqueKeys(s.uniqGroup, c.Extensions)
	if err := t.groupUniqueFree(uk, nil); err != nil {
		return nil, err
	}
	if err := validExtensions(c.Extensions); err != nil {
		return nil, err
	}
	var changes []store.Change
	if s.tracking() {
		changes = append([]store.Change{{Kind: store.GroupCreated, ID: c.ID, Version: c.Meta.Version}},
			query.MemberChanges(c.ID, c.Meta.Version, nil, added)...)
	}
	var r *groupRec
	err = s.commit(ctx, t, changes, func() {
		t.seq++
		r = &groupRec{seq: t.seq, version: 1}
		s.setGroup(t, r, c, key, uk)
		t.groups[c.ID] = r
		t.groupOrder.add(r)
		for _, id := range added {
			t.addMember(r, id)
		}
	})
	if err != nil {
		return nil, err
	}
	return t.groupOut(r, false), nil
}

// resolves reports whether id may be a member of group gid: it names a
// user or another group of the tenant. The caller holds t.mu.
func (t *tenant) resolves(gid, id string) bool {
	return id != "" && id != gid && (t.users[id] != nil || t.groups[id] != nil)
}

// memberIDs returns the values of ms that may be members of group gid
// (resolves), each once, in order, and the set of them, having noted the
// others in the store.MemberSkips ctx carries: its error, when it refuses
// them, is the write's. The caller holds t.mu.
func (t *tenant) memberIDs(ctx context.Context, gid string, ms []resources.Member) (ids []string, set map[string]bool, err error) {
	set = make(map[string]bool, len(ms))
	var skips []string // Note keeps each once
	for _, m := range ms {
		switch {
		case set[m.Value]:
		case t.resolves(gid, m.Value):
			set[m.Value] = true
			ids = append(ids, m.Value)
		default:
			skips = append(skips, m.Value)
		}
	}
	return ids, set, store.MemberSkipsOf(ctx).Note(skips)
}

// dropChanges returns the MembersRemoved entries of deleting member id:
// one for each group it is a direct member of, in group creation order,
// at the version dropMember gives it. The caller holds t.mu.
func (t *tenant) dropChanges(id string) []store.Change {
	gids := t.memberOf[id]
	if len(gids) == 0 {
		return nil
	}
	recs := bySeq(t, make([]*groupRec, 0, len(gids)), gids)
	out := make([]store.Change, len(recs))
	for i, r := range recs {
		out[i] = store.Change{Kind: store.MembersRemoved, ID: r.g.ID, Version: query.FormatVersion(r.version + 1), Members: []string{id}}
	}
	return out
}

// groupNameFree returns ErrConflict when name, whose index key is key, is
// taken by a group other than self.
func (t *tenant) groupNameFree(key, name string, self *groupRec) error {
	if o := t.byGroupName[key]; o != nil && o != self {
		return query.NameConflict("displayName", name, o.g.DisplayName)
	}
	return nil
}

// groupUniqueFree is userUniqueFree for groups.
func (t *tenant) groupUniqueFree(keys []query.UniqueKey, self *groupRec) error {
	return uniqueFree(t.uniqGroups, keys, self)
}

// setGroup files r under g, its displayName under key, its unique
// attributes' values under uk, and drops r's
// filter document, made again on first use. g (Members nil) becomes owned
// by r; the caller has checked it (validExtensions) and holds t.mu.
func (s *Store) setGroup(t *tenant, r *groupRec, g *resources.Group, key string, uk []query.UniqueKey) {
	if r.g != nil {
		t.unindexGroup(r)
	}
	r.g = g
	r.doc.Store(nil) // made again on first use
	r.name = key
	t.byGroupName[r.name] = r
	r.unique = uk
	indexUnique(&t.uniqGroups, uk, r)
	r.hasExt = g.ExternalID != ""
	if r.hasExt {
		r.ext = s.key.groupExt(g.ExternalID)
		fileRec(t.byGroupExt, r.ext, r)
	}
}

func (t *tenant) unindexGroup(r *groupRec) {
	if t.byGroupName[r.name] == r {
		delete(t.byGroupName, r.name)
	}
	unindexUnique(t.uniqGroups, r.unique, r)
	if r.hasExt {
		unfileRec(t.byGroupExt, r.ext, r)
	}
}

// addMember adds id to r when it names a user or another group of the
// tenant and is not a member yet; it reports whether r changed.
func (t *tenant) addMember(r *groupRec, id string) bool {
	if id == "" || id == r.g.ID || (t.users[id] == nil && t.groups[id] == nil) {
		return false
	}
	if !r.members.add(id) {
		return false
	}
	addToSet(t.memberOf, id, r.g.ID)
	return true
}

func (t *tenant) removeMember(r *groupRec, id string) bool {
	if !r.members.remove(id) {
		return false
	}
	removeFromSet(t.memberOf, id, r.g.ID)
	return true
}

// dropMember removes id (a deleted user or group) from every group it is
// a member of, giving each a new version. The caller holds t.mu.
func (s *Store) dropMember(t *tenant, id string) {
	gids := t.memberOf[id]
	if len(gids) == 0 {
		return
	}
	now := s.stamp()
	for gid := range gids {
		if r := t.groups[gid]; r != nil {
			r.members.remove(id)
			s.touchGroup(r, now)
		}
	}
	delete(t.memberOf, id)
}

// touchGroup gives r the next version and LastModified now; its document
// is made again on first use. The caller holds the tenant lock for
// writing.
func (s *Store) touchGroup(r *groupRec, now time.Time) {
	r.version++
	r.g.Meta.LastModified = now
	r.g.Meta.Version = query.FormatVersion(r.version)
	r.doc.Store(nil)
}

// groupOut returns a copy of r's group, with its members unless
// excludeMembers. The caller holds t.mu.
func (t *tenant) groupOut(r *groupRec, excludeMembers bool) *resources.Group {
	c := r.g.Clone()
	if !excludeMembers {
		c.Members = t.members(r)
	}
	return c
}

// members is the members attribute of r's group, a new slice. The caller
// holds t.mu.
func (t *tenant) members(r *groupRec) []resources.Member {
	ms := make([]resources.Member, 0, r.members.len())
	r.members.each(func(id string) {
		ms = append(ms, t.member(id))
	})
	return ms
}

// userView is userOut for a caller that only reads (store.GetOptions
// ReadOnly): a shallow copy of r's user, made under the lock, sharing
// with the store what its fields point to, which no write changes (a
// write stores a new user, see userRec). The groups are the caller's own.
// The caller holds t.mu.
func (t *tenant) userView(r *userRec, excludeGroups bool) *resources.User {
	c := new(resources.User)
	t.viewUser(c, r, excludeGroups)
	return c
}

// viewUser sets c to userView's copy of r's user. The caller holds t.mu.
func (t *tenant) viewUser(c *resources.User, r *userRec, excludeGroups bool) {
	*c = *r.u
	c.Groups = nil
	if !excludeGroups {
		c.Groups = t.userGroups(r)
	}
}

// groupView is userView for a group: its members, when read, are the
// caller's own.
func (t *tenant) groupView(r *groupRec, excludeMembers bool) *resources.Group {
	c := new(resources.Group)
	t.viewGroup(c, r, excludeMembers)
	return c
}

// viewGroup sets c to groupView's copy of r's group. The caller holds
// t.mu.
func (t *tenant) viewGroup(c *resources.Group, r *groupRec, excludeMembers bool) {
	*c = *r.g
	c.Members = nil
	if !excludeMembers {
		c.Members = t.members(r)
	}
}

// userOut returns a copy of r's user, with its groups (direct and
// indirect; an empty slice for none) unless excludeGroups: the read lock
// that found the user answers them too, where GroupsOf after it would
// take the lock again. The caller holds t.mu.
func (t *tenant) userOut(r *userRec, excludeGroups bool) *resources.User {
	c := r.u.Clone()
	if !excludeGroups {
		c.Groups = t.userGroups(r)
	}
	return c
}

// userGroups is the groups attribute of r's user: its groups, direct and
// indirect, an empty slice for none. The caller holds t.mu.
func (t *tenant) userGroups(r *userRec) []resources.GroupRef {
	if refs := t.groupRefs(r.u.ID); refs != nil {
		return refs
	}
	return []resources.GroupRef{}
}

// member describes member id as the group's members attribute shows it.
func (t *tenant) member(id string) resources.Member {
	if u := t.users[id]; u != nil {
		d := u.u.DisplayName
		if d == "" {
			d = u.u.UserName
		}
		return resources.Member{Value: id, Type: "User", Display: d}
	}
	if g := t.groups[id]; g != nil {
		return resources.Member{Value: id, Type: "Group", Display: g.g.DisplayName}
	}
	return resources.Member{Value: id}
}

// groupDocWithMembers returns r's document with the members attribute
// filled (a shallow copy), for filters that name members.
func (t *tenant) groupDocWithMembers(r *groupRec) map[string]any {
	if r.members.len() == 0 {
		return r.document()
	}
	list := make([]any, 0, r.members.len())
	r.members.each(func(id string) {
		list = append(list, query.MemberValue(t.member(id)))
	})
	return query.With(r.document(), "members", list)
}

// GetGroup returns a copy of the group with id, or store.ErrNotFound.
// With opts.ExcludeMembers, Members is nil and no member is read; with
// opts.ReadOnly the copy is shallow (groupView).
func (s *Store) GetGroup(ctx context.Context, id string, opts store.GetOptions) (*resources.Group, error) {
	t, err := s.tenantOf(ctx, "group", id)
	if err != nil {
		return nil, err
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	r := t.groups[id]
	if r == nil {
		return nil, notFound("group", id)
	}
	if opts.ReadOnly {
		return t.groupView(r, opts.ExcludeMembers), nil
	}
	return t.groupOut(r, opts.ExcludeMembers), nil
}

// ListGroups returns the page of groups matching q, like ListUsers. With
// q.ExcludeMembers the groups have Members nil and listing costs nothing
// per member. Sorting by members keeps creation order, as on sqlstore.
// With q.ReadOnly the groups are shallow copies (viewGroup).
func (s *Store) ListGroups(ctx context.Context, q store.Query) (store.Page[*resources.Group], error) {
	return list(s, ctx, q, s.groupEval, "members", s.groupRows, copier(q.ReadOnly, q.ExcludeMembers, (*tenant).viewGroup, (*tenant).groupOut))
}

// ReplaceGroup replaces the group g.ID with a copy of g under the version
// rule of ReplaceUser. When g.Members is nil the members are left
// unchanged; a non-nil slice, even an empty one, replaces them (unknown
// ids skipped, as in CreateGroup). It returns the stored group with its
// members. store.ErrConflict when another group of the tenant has the
// displayName.
func (s *Store) ReplaceGroup(ctx context.Context, g *resources.Group, ifVersion string) (*resources.Group, error) {
	if g == nil {
		return nil, errNil
	}
	t, err := s.tenantOf(ctx, "group", g.ID)
	if err != nil {
		return nil, err
	}
	c := g.Clone()
	c.Compact() // as CreateGroup keeps a group
	members := c.Members
	c.Members = nil
	now := s.stamp()
	key := s.key.groupName(c.DisplayName) // before the lock, as CreateGroup does

	t.mu.Lock()
	defer t.mu.Unlock()
	r := t.groups[c.ID]
	if r == nil {
		return nil, notFound("group", c.ID)
	}
	if ifVersion != "" && !versionMatches(ifVersion, r.version) {
		return nil, preconditionFailed("group", c.ID, ifVersion, r.version)
	}
	if err := s.writeGroup(ctx, t, r, c, key, members, now, false); err != nil {
		return nil, err
	}
	return t.groupOut(r, false), nil
}

// DeleteGroup removes the group, its members and its own membership in
// other groups (which get a new version) in one locked step.
// store.ErrNotFound when missing.
func (s *Store) DeleteGroup(ctx context.Context, id, ifVersion string) error {
	t, err := s.tenantOf(ctx, "group", id)
	if err != nil {
		return err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	r := t.groups[id]
	if r == nil {
		return notFound("group", id)
	}
	if ifVersion != "" && !versionMatches(ifVersion, r.version) {
		return preconditionFailed("group", id, ifVersion, r.version)
	}
	changes := []store.Change{{Kind: store.GroupDeleted, ID: id}}
	if s.tracks(ctx) {
		var own []string
		r.members.each(func(mid string) { own = append(own, mid) })
		changes = append(changes, query.MemberChanges(id, "", own, nil)...)
		changes = append(changes, t.dropChanges(id)...)
	}
	return s.commit(ctx, t, changes, func() {
		r.members.each(func(mid string) { removeFromSet(t.memberOf, mid, id) })
		r.members = memberList{}
		t.unindexGroup(r)
		delete(t.groups, id)
		r.dead = true
		t.groupOrder.removed()
		s.dropMember(t, id)
	})
}

// ModifyMembers removes the ids in remove, then adds those in add, in one
// locked step whose cost depends on len(add)+len(remove), not on the size
// of the group. Adding a member again, removing an absent one, and ids
// that name no user or group of the tenant (or the group itself) are
// skipped. If ifVersion is not "" and does not name the stored version:
// store.ErrPreconditionFailed. When something changed the group gets a new
// Version and LastModified; a call that changes nothing leaves both as
// they were. It returns the group with Members nil.
func (s *Store) ModifyMembers(ctx context.Context, groupID string, add, remove []string, ifVersion string) (*resources.Group, error) {
	return s.ModifyMembersChecked(ctx, groupID, add, remove, ifVersion, nil)
}

// ModifyMembersChecked is ModifyMembers that first calls check with a copy
// of the group (Members nil) under the tenant's lock, and writes nothing
// when it returns an error (see store.CheckedMemberModifier). check runs
// once, while the lock is held, so it must not call the store.
func (s *Store) ModifyMembersChecked(ctx context.Context, groupID string, add, remove []string, ifVersion string, check func(cur *resources.Group) error) (*resources.Group, error) {
	t, err := s.tenantOf(ctx, "group", groupID)
	if err != nil {
		return nil, err
	}
	now := s.stamp()
	t.mu.Lock()
	defer t.mu.Unlock()
	r := t.groups[groupID]
	if r == nil {
		return nil, notFound("group", groupID)
	}
	if ifVersion != "" && !versionMatches(ifVersion, r.version) {
		return nil, preconditionFailed("group", groupID, ifVersion, r.version)
	}
	if check != nil {
		if err := check(r.g.Clone()); err != nil {
			return nil, err
		}
	}
	// Work out what the write does before making it, so that the
	// WithOnChange function can stop it: removed are the present members
	// of remove, added the members of add not present once remove is
	// done.
	var removed, added []string
	gone := make(map[string]bool, len(remove))
	for _, id := range remove {
		if r.members.has(id) && !gone[id] {
			gone[id] = true
			removed = append(removed, id)
		}
	}
	in := make(map[string]bool, len(add))
	var skips []string // Note keeps each once
	for _, id := range add {
		switch {
		case !t.resolves(groupID, id):
			skips = append(skips, id)
		case (!r.members.has(id) || gone[id]) && !in[id]:
			in[id] = true
			added = append(added, id)
		}
	}
	if err := store.MemberSkipsOf(ctx).Note(skips); err != nil {
		return nil, err
	}
	if len(removed)+len(added) == 0 {
		query.Report(ctx, nil)
		return r.g.Clone(), nil
	}
	var changes []store.Change
	if s.tracks(ctx) {
		changes = query.MemberChanges(groupID, query.FormatVersion(r.version+1), removed, added)
	}
	err = s.commit(ctx, t, changes, func() {
		for _, id := range removed {
			t.removeMember(r, id)
		}
		for _, id := range added {
			t.addMember(r, id)
		}
		s.touchGroup(r, now)
	})
	if err != nil {
		return nil, err
	}
	return r.g.Clone(), nil
}

// GroupsOf returns, for each user id of the tenant, the groups it belongs
// to (Type "direct", or "indirect" through a group that is a member;
// Display the group's displayName, Ref left for the handler), in group
// creation order. Ids without groups are absent from the map.
func (s *Store) GroupsOf(ctx context.Context, userIDs []string) (map[string][]resources.GroupRef, error) {
	out := make(map[string][]resources.GroupRef)
	t, err := s.tenant(ctx, false)
	if err != nil || t == nil {
		return out, err
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	for _, uid := range userIDs {
		if _, done := out[uid]; done || t.users[uid] == nil {
			continue
		}
		if refs := t.groupRefs(uid); len(refs) > 0 {
			out[uid] = refs
		}
	}
	return out, nil
}

// appendDirect is appendGroupsOf for a member of the groups direct when
// none of them is itself a member of a group (most users: no nesting),
// so all are direct: without the walk's set and stack. ok is false, and
// dst unchanged, when one of them is nested. The caller holds t.mu.
func (t *tenant) appendDirect(dst []groupOf, direct map[string]struct{}) (gs []groupOf, ok bool) {
	for gid := range direct {
		if len(t.memberOf[gid]) > 0 {
			return dst, false
		}
	}
	var buf [8]*groupRec
	for _, r := range bySeq(t, buf[:0], direct) {
		dst = append(dst, groupOf{r: r, direct: true})
	}
	return dst, true
}

// bySeq appends to recs the records of t's groups whose ids are the keys
// of gids (those that exist), and sorts them in creation order. The
// caller holds t.mu.
func bySeq[V any](t *tenant, recs []*groupRec, gids map[string]V) []*groupRec {
	for gid := range gids {
		if r := t.groups[gid]; r != nil {
			recs = append(recs, r)
		}
	}
	slices.SortFunc(recs, func(a, b *groupRec) int { return cmp.Compare(a.seq, b.seq) })
	return recs
}

// groupRefs returns the groups member id belongs to, directly or through
// groups that are members of groups (RFC 7643 §4.1.2), in group creation
// order, nil for none (appendGroupsOf). The walk's groups stay on the
// stack up to 16 (a GET of a user in 10 groups allocates its refs, and
// bySeq past 8 groups, alone: TestRequestAllocations). The caller holds
// t.mu.
func (t *tenant) groupRefs(id string) []resources.GroupRef {
	var buf [16]groupOf
	gs := t.appendGroupsOf(buf[:0], id)
	if len(gs) == 0 {
		return nil
	}
	refs := make([]resources.GroupRef, len(gs))
	for i, g := range gs {
		refs[i] = g.ref()
	}
	return refs
}

// groupOf is one group a member belongs to (appendGroupsOf): the group
// and whether the membership is direct. It is a quarter of the size of
// the resources.GroupRef it stands for (ref), which a list reading the
// groups of many candidates keeps (groupsRead).
type groupOf struct {
	r      *groupRec
	direct bool
}

// ref is g as an element of User.groups.
func (g groupOf) ref() resources.GroupRef {
	typ := "indirect"
	if g.direct {
		typ = "direct"
	}
	return resources.GroupRef{Value: g.r.g.ID, Display: g.r.g.DisplayName, Type: typ}
}

// appendGroupsOf appends to dst the groups member id belongs to, directly
// or through groups that are members of groups (RFC 7643 §4.1.2), in
// group creation order: each group once, direct winning. A cycle of
// groups ends: each group is visited once. It returns dst unchanged for
// a member of no group. The caller holds t.mu.
func (t *tenant) appendGroupsOf(dst []groupOf, id string) []groupOf {
	direct := t.memberOf[id]
	if len(direct) == 0 {
		return dst
	}
	if gs, ok := t.appendDirect(dst, direct); ok {
		return gs
	}
	seen := make(map[string]bool, len(direct)) // group id -> direct
	next := make([]string, 0, len(direct))
	for gid := range direct {
		seen[gid] = true
		next = append(next, gid)
	}
	for len(next) > 0 {
		gid := next[len(next)-1]
		next = next[:len(next)-1]
		for parent := range t.memberOf[gid] {
			if _, ok := seen[parent]; !ok {
				seen[parent] = false
				next = append(next, parent)
			}
		}
	}
	for _, r := range bySeq(t, make([]*groupRec, 0, len(seen)), seen) {
		dst = append(dst, groupOf{r: r, direct: seen[r.g.ID]})
	}
	return dst
}

// usersWithin calls fn with each user that belongs to group gid, directly
// or through groups that are members of it: the users whose groupRefs
// list gid, the candidates of a filter on groups.value. A user may come
// more than once; each group is visited once, so a cycle ends, and a
// group without member groups (no nesting) costs no set. The caller holds
// t.mu.
func (t *tenant) usersWithin(gid string, fn func(*userRec)) {
	var seen map[string]struct{}
	next := []string{gid}
	for len(next) > 0 {
		g := t.groups[next[len(next)-1]]
		next = next[:len(next)-1]
		if g == nil {
			continue
		}
		g.members.each(func(mid string) {
			if r := t.users[mid]; r != nil {
				fn(r)
				return
			}
			if t.groups[mid] == nil {
				return
			}
			if seen == nil {
				seen = map[string]struct{}{gid: {}}
			}
			if _, ok := seen[mid]; !ok {
				seen[mid] = struct{}{}
				next = append(next, mid)
			}
		})
	}
}
