package memory

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/query"
)

// CreateUser stores a copy of u with a new id, Meta (Created and
// LastModified from the clock, Version W/"1") and returns a copy of the
// stored user. ID, Meta and Groups of u are ignored. A userName already
// used in the tenant, compared by query.NameKey, gives store.ErrConflict.
func (s *Store) CreateUser(ctx context.Context, u *resources.User) (*resources.User, error) {
	if u == nil {
		return nil, errNil
	}
	t, err := s.tenant(ctx, true)
	if err != nil {
		return nil, err
	}
	c := u.Clone()
	c.Groups = nil
	// kept as its document reads back (resources.UserFromJSON compacts),
	// as an SQL store keeps it: no filter or sort finds a value here
	// (an email without a value, an extension's "") that a store
	// reading its users from documents would not hold
	c.Compact()
	now := s.stamp()
	c.Meta = resources.Meta{ResourceType: s.model.User.Name, Created: now, LastModified: now, Version: query.FormatVersion(1)}

	k := s.userKeysOf(c) // before the lock: the identity key may run the PRECIS profile

	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.userNameFree(k.userName, c.UserName, nil); err != nil {
		return nil, err
	}
	if err := t.userUniqueFree(k.unique, nil); err != nil {
		return nil, err
	}
	if err := validExtensions(c.Extensions); err != nil {
		return nil, err
	}
	c.ID = t.newID()
	var changes []store.Change
	if s.tracking() {
		changes = []store.Change{{Kind: store.UserCreated, ID: c.ID, Version: c.Meta.Version}}
	}
	err = s.commit(ctx, t, changes, func() {
		t.seq++
		r := &userRec{seq: t.seq, version: 1}
		s.setUser(t, r, c, k)
		t.users[c.ID] = r
		t.userOrder.add(r)
	})
	if err != nil {
		return nil, err
	}
	return c.Clone(), nil
}

// userNameFree returns ErrConflict when name, whose index key is key, is
// taken by a user other than self.
func (t *tenant) userNameFree(key, name string, self *userRec) error {
	if o := t.byUserName[key]; o != nil && o != self {
		return query.NameConflict("userName", name, o.u.UserName)
	}
	return nil
}

// userUniqueFree returns ErrConflict when one of the unique keys is taken
// by a user other than self. The caller holds t.mu.
func (t *tenant) userUniqueFree(keys []query.UniqueKey, self *userRec) error {
	return uniqueFree(t.uniqUsers, keys, self)
}

// userKeysOf computes the index keys of u.
func (s *Store) userKeysOf(u *resources.User) userKeys {
	k := userKeys{userName: s.key.userName(u.UserName), unique: query.UniqueKeys(s.uniqUser, u.Extensions)}
	if u.ExternalID != "" {
		k.ext, k.hasExt = s.key.userExt(u.ExternalID), true
	}
	emailKey := s.key.email
	for _, e := range u.Emails {
		if e.Value == "" {
			continue
		}
		key := emailKey(e.Value)
		dup := false
		for _, have := range k.emails {
			dup = dup || have == key
		}
		if !dup {
			k.emails = append(k.emails, key)
		}
	}
	return k
}

// setUser files r under u's keys k (replacing its previous index
// entries) and drops r's filter document, made again on first use. u
// becomes owned by r; the caller has checked it (validExtensions) and
// holds t.mu.
func (s *Store) setUser(t *tenant, r *userRec, u *resources.User, k userKeys) {
	if r.u != nil && r.keys.same(k) {
		// The index entries are r's already: most changes (a deactivation,
		// a new title) keep every key, and dropping and filing them again
		// would make each email's and externalId's set anew.
		r.u = u
		r.doc.Store(nil)
		return
	}
	if r.u != nil {
		t.unindexUser(r)
	}
	r.u = u
	r.doc.Store(nil) // made again on first use
	r.keys = k
	t.byUserName[r.keys.userName] = r
	if r.keys.hasExt {
		fileRec(t.byUserExt, r.keys.ext, r)
	}
	for _, e := range r.keys.emails {
		fileRec(t.byEmail, e, r)
	}
	indexUnique(&t.uniqUsers, r.keys.unique, r)
}

func (t *tenant) unindexUser(r *userRec) {
	if t.byUserName[r.keys.userName] == r {
		delete(t.byUserName, r.keys.userName)
	}
	if r.keys.hasExt {
		unfileRec(t.byUserExt, r.keys.ext, r)
	}
	for _, e := range r.keys.emails {
		unfileRec(t.byEmail, e, r)
	}
	unindexUnique(t.uniqUsers, r.keys.unique, r)
}

// userDoc renders the filter document of u (query.UserDoc: the password
// is left out, so that no filter can probe it). The write checked that u
// renders.
func userDoc(u *resources.User) map[string]any {
	doc, err := query.UserDoc(u)
	if err != nil {
		return map[string]any{}
	}
	return doc
}

// validExtensions checks that every extension object is JSON, as
// rendering the document later requires: the store refuses what it could
// not filter on.
func validExtensions(exts map[string]json.RawMessage) error {
	for urn, raw := range exts {
		if !json.Valid(raw) {
			return fmt.Errorf("memory: extension %s is not valid JSON", urn)
		}
	}
	return nil
}

// GetUser returns a copy of the user with id, or store.ErrNotFound, with
// its groups unless opts.ExcludeGroups. With opts.ReadOnly the copy is
// shallow (userView).
func (s *Store) GetUser(ctx context.Context, id string, opts store.GetOptions) (*resources.User, error) {
	t, err := s.tenantOf(ctx, "user", id)
	if err != nil {
		return nil, err
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	r := t.users[id]
	if r == nil {
		return nil, notFound("user", id)
	}
	if opts.ReadOnly {
		return t.userView(r, opts.ExcludeGroups), nil
	}
	return t.userOut(r, opts.ExcludeGroups), nil
}

// ReplaceUser replaces the user u.ID with a copy of u if its version is
// ifVersion ("" means any; W/"3", "3" and 3 all name version 3), else
// store.ErrPreconditionFailed. It keeps Meta.Created, sets LastModified
// and the next Version, ignores u.Groups, and returns a copy of the stored
// user. store.ErrNotFound when missing, store.ErrConflict when another
// user of the tenant has the userName.
func (s *Store) ReplaceUser(ctx context.Context, u *resources.User, ifVersion string) (*resources.User, error) {
	if u == nil {
		return nil, errNil
	}
	t, err := s.tenantOf(ctx, "user", u.ID)
	if err != nil {
		return nil, err
	}
	c := u.Clone()
	c.Groups = nil
	c.Compact() // as CreateUser keeps a user
	now := s.stamp()
	k := s.userKeysOf(c) // before the lock, as CreateUser does

	t.mu.Lock()
	defer t.mu.Unlock()
	r := t.users[c.ID]
	if r == nil {
		return nil, notFound("user", c.ID)
	}
	if ifVersion != "" && !versionMatches(ifVersion, r.version) {
		return nil, preconditionFailed("user", c.ID, ifVersion, r.version)
	}
	return s.writeUser(ctx, t, r, c, k, now)
}

// DeleteUser removes the user and, in the same locked step, its group
// memberships; each group it left gets a new version. store.ErrNotFound
// when missing.
func (s *Store) DeleteUser(ctx context.Context, id, ifVersion string) error {
	t, err := s.tenantOf(ctx, "user", id)
	if err != nil {
		return err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	r := t.users[id]
	if r == nil {
		return notFound("user", id)
	}
	if ifVersion != "" && !versionMatches(ifVersion, r.version) {
		return preconditionFailed("user", id, ifVersion, r.version)
	}
	var changes []store.Change
	if s.tracks(ctx) {
		changes = append([]store.Change{{Kind: store.UserDeleted, ID: id}}, t.dropChanges(id)...)
	}
	return s.commit(ctx, t, changes, func() {
		t.unindexUser(r)
		delete(t.users, id)
		r.dead = true
		t.userOrder.removed()
		s.dropMember(t, id)
	})
}

// ListUsers returns the page of users matching q, counted and copied under
// one read lock. Without q.SortBy users come in creation order; ties of a
// sort keep that order. q.Count 0 gives an empty (non-nil) Items and the
// Total. The indexes pick the candidates; query.Select filters, sorts and
// pages them. Sorting by groups keeps creation order, as on sqlstore: the
// groups are not part of the document a sort reads. With q.ReadOnly the
// users are shallow copies (viewUser).
func (s *Store) ListUsers(ctx context.Context, q store.Query) (store.Page[*resources.User], error) {
	return list(s, ctx, q, s.userEval, "groups", s.userRows, userCopier(q))
}

// userCopier is how a list given q copies a page of users out
// (copyOut), taking from read the groups a filter on groups read of each
// candidate, when it read them (groupsRead), rather than walk each user's
// groups again. The caller holds t.mu.
func userCopier(q store.Query) func(*tenant, []*userRec, *groupsRead) []*resources.User {
	return func(t *tenant, recs []*userRec, read *groupsRead) []*resources.User {
		if read == nil {
			return copyOut(t, recs, q.ReadOnly, q.ExcludeGroups, (*tenant).viewUser, (*tenant).userOut)
		}
		return read.fill(t, recs, copyOut(t, recs, q.ReadOnly, true, (*tenant).viewUser, (*tenant).userOut))
	}
}

// groupsRead is the groups, direct and indirect, that a filter on groups
// read of each candidate of one list (cands, in creation order), so that
// the page's copy takes them (fill) rather than walking each user's
// groups again. The groups of every candidate are appended to one slice
// (gs), so that reading them costs no allocation per candidate. With no
// cands (a page without groups), gs is one buffer each candidate's read
// reuses. It belongs to one call, under one read lock.
type groupsRead struct {
	cands []*userRec
	gs    []groupOf
	// spans are where each candidate's groups are in gs (by candidate, as
	// cands), with room after them for a page's (fill).
	spans []groupsSpan
}

// groupsSpan is where a candidate's groups are in groupsRead.gs; unread
// (lo < 0) until doc has read them.
type groupsSpan struct{ lo, hi int32 }

var unread = groupsSpan{lo: -1, hi: -1}

// newGroupsRead is the groupsRead of cands for a page of at most count
// of them (store.Query.Count).
func newGroupsRead(cands []*userRec, count int) *groupsRead {
	spans := make([]groupsSpan, len(cands), len(cands)+max(0, min(len(cands), count)))
	for i := range spans {
		spans[i] = unread
	}
	return &groupsRead{cands: cands, spans: spans}
}

// doc returns r's document with its groups attribute filled as GroupsOf
// answers it, direct and indirect memberships (groupRefs, the one walk),
// since a filter is evaluated against the resource as it is represented
// (RFC 7644 §3.4.2.2; store.MembershipReader), as a shallow copy (the
// cached document is unchanged), and keeps the groups for fill. The
// caller holds t.mu.
func (g *groupsRead) doc(t *tenant, r *userRec) map[string]any {
	if g.cands == nil {
		g.gs = g.gs[:0] // nothing keeps them: the buffer serves the next
	}
	lo := len(g.gs)
	g.gs = t.appendGroupsOf(g.gs, r.u.ID)
	if i, ok := g.index(r); ok {
		g.spans[i] = groupsSpan{lo: int32(lo), hi: int32(len(g.gs))}
	}
	gs := g.gs[lo:]
	if len(gs) == 0 {
		return r.document()
	}
	list := make([]any, len(gs))
	for i, x := range gs {
		list[i] = query.GroupRefValue(x.ref())
	}
	return query.With(r.document(), "groups", list)
}

// index is r's position among the candidates, which are in creation
// order.
func (g *groupsRead) index(r *userRec) (int, bool) {
	i, ok := slices.BinarySearchFunc(g.cands, r.seq, func(c *userRec, seq uint64) int { return cmp.Compare(c.seq, seq) })
	return i, ok && g.cands[i] == r
}

// fill sets the Groups of users, the copies of recs (a page of the
// candidates), to the groups doc read of each, in one slice for the page
// (each user's its own: a slice no longer than its groups), and returns
// users. query.Select and SelectAfter match the filter on every
// candidate's document, so doc has read the groups of each record of a
// page; one it has not (a record that is no candidate, or unread) gets
// userGroups', never another's span. Each record's span is found once,
// kept in the room newGroupsRead left after the candidates'. The caller
// holds t.mu.
func (g *groupsRead) fill(t *tenant, recs []*userRec, users []*resources.User) []*resources.User {
	page, n := g.spans[len(g.spans):], 0
	for _, r := range recs {
		sp := unread
		if i, ok := g.index(r); ok {
			sp = g.spans[i]
		}
		page = append(page, sp)
		if sp.lo >= 0 {
			n += int(sp.hi - sp.lo)
		}
	}
	groups := make([]resources.GroupRef, 0, n)
	for k, sp := range page {
		if sp.lo < 0 {
			users[k].Groups = t.userGroups(recs[k])
			continue
		}
		lo := len(groups)
		for _, x := range g.gs[sp.lo:sp.hi] {
			groups = append(groups, x.ref())
		}
		users[k].Groups = groups[lo:len(groups):len(groups)]
	}
	return users
}
