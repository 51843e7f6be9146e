// Package memory is scimkit's embedded store: users, groups and their
// memberships kept in memory, indexed, safe for concurrent use and scoped
// by tenant. It is the default for examples, tests and small deployments;
// everything is lost when the process exits.
//
//	db := memory.New() // or memory.New(memory.WithModel(model))
//	h, err := scim.NewHandler(scim.Config{Users: db, Groups: db, ...})
//
// Values are copied in and out: a caller never shares memory with the
// store, but for a read with store.GetOptions.ReadOnly or a list with
// store.Query.ReadOnly, which shares what a stored value points to with a
// caller that promises only to read it: that is never changed, a write
// stores a new value. Each tenant
// (store.Tenant of the context) has its own lock, its own resources and
// its own indexes; a resource of another tenant does not exist for it.
//
// Lists are answered by query.Select, the helper a host's store uses too,
// on a document kept per resource, made on first use after each write,
// but for a lone userName, externalId or group displayName lookup, paged
// straight from its index. An equality test that
// an index can answer (userName, externalId, emails.value, id, or a
// group's displayName, externalId, id or members.value), alone or as one
// side of an "and" (or both sides of an "or"), picks the candidates from
// the index without a scan. Filters and sorting resolve attributes against
// the store's model (WithModel).
//
// Attributes of the host's extensions declared Uniqueness server or global
// are unique per tenant (store.UniqueEnforcer): one index per tenant and
// resource type, keyed by attribute and value, checked and updated under the tenant's lock in the same step as each
// write, under query.UniqueKeys' key.
//
// WithChangeFeed keeps a change feed (Store.Feed, store.ChangeFeed) under
// the same lock as each change, with the named consumers of package feed;
// it lives in memory like everything else, for tests and for a host
// trying the feed before it runs store/sqlstore's. WithOnChange sees each
// entry of a write before it is made and can stop it (storetest's Faults
// use it).
package memory

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/query"
)

// Compile-time checks that Store implements the store interfaces.
var (
	_ store.UserStore         = (*Store)(nil)
	_ store.GroupStore        = (*Store)(nil)
	_ store.MembershipReader  = (*Store)(nil)
	_ store.ModelProvider     = (*Store)(nil)
	_ store.UserCursorLister  = (*Store)(nil)
	_ store.GroupCursorLister = (*Store)(nil)
	_ store.UniqueEnforcer    = (*Store)(nil)
)

// Option configures a Store.
type Option func(*Store)

// WithNow sets the clock that stamps Meta.Created and Meta.LastModified
// (default time.Now). Times are stored in UTC. A nil f is ignored.
func WithNow(f func() time.Time) Option {
	return func(s *Store) {
		if f != nil {
			s.now = f
		}
	}
}

// WithModel sets the model filters and sorting are resolved against
// (default resources.DefaultModel()). Build the model once with the host's
// extensions and hand it to the store; the handler takes it from the store
// (store.ModelProvider). A nil m is ignored.
func WithModel(m *resources.Model) Option {
	return func(s *Store) {
		if m != nil && m.User != nil && m.Group != nil {
			s.model = m
		}
	}
}

// Store keeps users and groups in memory. It implements store.UserStore,
// store.GroupStore, store.MembershipReader and the cursor listers
// (store.UserCursorLister, store.GroupCursorLister); one Store serves as both
// the Users and the Groups of a scim.Config, which is what lets it keep
// memberships consistent when a user is deleted. Create it with New; it is
// safe for concurrent use.
type Store struct {
	now       func() time.Time
	model     *resources.Model
	userEval  *query.Evaluator
	groupEval *query.Evaluator
	key       indexKeys
	// uniqUser and uniqGroup are the model's extension attributes
	// declared unique (resources.ResourceType.UniqueAttributes), nil for
	// most models: each has an index per tenant (tenant.uniqUsers).
	uniqUser, uniqGroup []resources.UniqueAttribute
	feed                *Feed // nil: no change feed (WithChangeFeed)
	onChange            func(ctx context.Context, c store.Change) error

	mu      sync.RWMutex
	tenants map[string]*tenant
}

// New returns an empty Store.
func New(opts ...Option) *Store {
	s := &Store{now: time.Now, tenants: make(map[string]*tenant)}
	for _, o := range opts {
		if o != nil {
			o(s)
		}
	}
	if s.model == nil {
		s.model = resources.DefaultModel()
	}
	s.uniqUser, s.uniqGroup = s.model.User.UniqueAttributes(), s.model.Group.UniqueAttributes()
	s.userEval = query.NewEvaluator(s.model.User)
	s.groupEval = query.NewEvaluator(s.model.Group)
	s.key = indexKeys{
		userName:  nameKeyFunc(query.NameAttr(s.model.User)),
		userExt:   keyFunc(attr(s.model.User, "externalId", "")),
		email:     keyFunc(attr(s.model.User, "emails", "value")),
		groupName: nameKeyFunc(query.NameAttr(s.model.Group)),
		groupExt:  keyFunc(attr(s.model.Group, "externalId", "")),
	}
	return s
}

// indexKeys are the key functions of the indexes, chosen from the
// attributes' caseExact: exact strings, or foldKey; the unique names
// (userName, group displayName) use query.NameKey, the identity key.
type indexKeys struct {
	userName, userExt, email, groupName, groupExt func(string) string
}

// EnforcesUniqueAttributes reports true: the store indexes the values of
// the extension attributes its model declares unique (per tenant and
// resource type, keyed by attribute and value), checked and updated under
// the tenant's lock in the same step as each write (store.UniqueEnforcer).
func (s *Store) EnforcesUniqueAttributes() bool { return true }

// uniqueIndexKey is the key of k in tenant.uniqUsers and uniqGroups.
func uniqueIndexKey(k query.UniqueKey) string { return k.Attr + "\x00" + k.Key }

// uniqueFree returns ErrConflict (query.UniqueConflict) when one of keys
// is taken in idx by a record other than self.
func uniqueFree[R comparable](idx map[string]R, keys []query.UniqueKey, self R) error {
	var none R
	for _, k := range keys {
		if o := idx[uniqueIndexKey(k)]; o != none && o != self {
			return query.UniqueConflict(k)
		}
	}
	return nil
}

// indexUnique files r under each of keys in *idx, made on first use.
func indexUnique[R any](idx *map[string]R, keys []query.UniqueKey, r R) {
	for _, k := range keys {
		if *idx == nil {
			*idx = map[string]R{}
		}
		(*idx)[uniqueIndexKey(k)] = r
	}
}

// unindexUnique drops keys from idx where they are r's.
func unindexUnique[R comparable](idx map[string]R, keys []query.UniqueKey, r R) {
	for _, k := range keys {
		if key := uniqueIndexKey(k); idx[key] == r {
			delete(idx, key)
		}
	}
}

// Model returns the model the store was built with (WithModel).
func (s *Store) Model() *resources.Model { return s.model }

// tenant holds one tenant's resources. mu guards everything in it.
type tenant struct {
	mu  sync.RWMutex
	seq uint64 // creation sequence, shared by users and groups

	users      map[string]*userRec
	userOrder  order[*userRec]
	byUserName map[string]*userRec         // unique, key per Store.key.userName
	byUserExt  map[string]recSet[*userRec] // externalId
	byEmail    map[string]recSet[*userRec] // emails.value
	// uniqUsers and uniqGroups file resources under the values of their
	// unique extension attributes (uniqueIndexKey); nil until one is.
	uniqUsers  map[string]*userRec
	uniqGroups map[string]*groupRec

	groups      map[string]*groupRec
	groupOrder  order[*groupRec]
	byGroupName map[string]*groupRec // unique displayName
	byGroupExt  map[string]recSet[*groupRec]

	// memberOf maps a member id (user or group) to the ids of the groups
	// it is a direct member of.
	memberOf map[string]map[string]struct{}

	feed feedLog
	// scratch is the buffer a write renders its resource's two
	// documents in for its feed entries (renderPair); guarded by mu,
	// held for writing.
	scratch []byte
}

func newTenant() *tenant {
	return &tenant{
		users:       make(map[string]*userRec),
		byUserName:  make(map[string]*userRec),
		byUserExt:   make(map[string]recSet[*userRec]),
		byEmail:     make(map[string]recSet[*userRec]),
		groups:      make(map[string]*groupRec),
		byGroupName: make(map[string]*groupRec),
		byGroupExt:  make(map[string]recSet[*groupRec]),
		memberOf:    make(map[string]map[string]struct{}),
	}
}

// userRec is a stored user. What u points to (its name, slices, maps,
// extension) is never changed once stored: a write stores a new user
// (copy on write), so a read with GetOptions.ReadOnly or a list with
// Query.ReadOnly may share it (userView for a read, viewUser for a list's
// page: a shallow copy made under the read lock); every other read hands
// out a clone.
type userRec struct {
	seq     uint64
	version uint64
	u       *resources.User
	// doc is resources.ToMap(u) without password, for filters and
	// sorting, made on first use (see document): most writes are never
	// filtered on by anything but the indexes, so they do not pay for it.
	doc  atomic.Pointer[map[string]any]
	keys userKeys // index keys u is filed under
	dead bool
}

// document returns r's filter document, making it on first use. Callers
// hold the tenant lock (for reading at least), so r.u does not change
// under them; two readers may both make it, and one of the equal results
// is kept.
func (r *userRec) document() map[string]any {
	if d := r.doc.Load(); d != nil {
		return *d
	}
	d := userDoc(r.u)
	r.doc.CompareAndSwap(nil, &d)
	return *r.doc.Load()
}

type userKeys struct {
	userName string
	ext      string
	hasExt   bool
	emails   []string
	unique   []query.UniqueKey // Store.uniqUser's values
}

// same reports whether a user filed under k is filed as under o, in
// every index.
func (k userKeys) same(o userKeys) bool {
	return k.userName == o.userName && k.hasExt == o.hasExt && k.ext == o.ext &&
		slices.Equal(k.emails, o.emails) && slices.Equal(k.unique, o.unique)
}

// groupRec is a stored group; its members live in members, not in g.
// What g points to is never changed once stored, as for userRec.u; only
// g's own Meta is, by touchGroup, under the write lock.
type groupRec struct {
	seq     uint64
	version uint64
	g       *resources.Group // Members always nil
	// doc is the filter document without members, made on first use (see
	// userRec.doc).
	doc     atomic.Pointer[map[string]any]
	members memberList
	name    string            // byGroupName key
	unique  []query.UniqueKey // Store.uniqGroup's values (uniqGroups)
	ext     string
	hasExt  bool
	dead    bool
}

// document returns r's filter document (without members), making it on
// first use, as userRec.document does.
func (r *groupRec) document() map[string]any {
	if d := r.doc.Load(); d != nil {
		return *d
	}
	d, err := query.GroupDoc(r.g)
	if err != nil {
		d = map[string]any{} // the write checked that g renders
	}
	r.doc.CompareAndSwap(nil, &d)
	return *r.doc.Load()
}

// tenant returns the tenant of ctx, creating it when create is set; nil
// when it does not exist.
func (s *Store) tenant(ctx context.Context, create bool) (*tenant, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	id := store.Tenant(ctx)
	s.mu.RLock()
	t := s.tenants[id]
	s.mu.RUnlock()
	if t != nil || !create {
		return t, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if t = s.tenants[id]; t == nil {
		t = newTenant()
		s.tenants[id] = t
	}
	return t, nil
}

// tenantOf returns the tenant of ctx for a read or write of the resource
// id of kind ("user" or "group"): store.ErrNotFound for it when the tenant
// does not exist.
func (s *Store) tenantOf(ctx context.Context, kind, id string) (*tenant, error) {
	t, err := s.tenant(ctx, false)
	if err != nil {
		return nil, err
	}
	if t == nil {
		return nil, notFound(kind, id)
	}
	return t, nil
}

// newID returns a new time-ordered (version 7) UUID (query.NewUUID)
// that no user or group of t has. The caller holds t.mu.
func (t *tenant) newID() string {
	id := query.NewUUID()
	for t.users[id] != nil || t.groups[id] != nil {
		id = query.NewUUID()
	}
	return id
}

var _ store.IDLimiter = (*Store)(nil)

// MaxIDLen reports query.UUIDLen (store.IDLimiter): every user and group
// id is a newID.
func (s *Store) MaxIDLen() int { return query.UUIDLen }

func (s *Store) stamp() time.Time { return s.now().UTC() }

// versionMatches reports whether ifVersion names version n: W/"n" or,
// leniently, "n" and n (see query.ParseVersion).
func versionMatches(ifVersion string, n uint64) bool {
	v, ok := query.ParseVersion(ifVersion)
	return ok && v == n
}

func preconditionFailed(kind, id, ifVersion string, have uint64) error {
	return fmt.Errorf("%w: %s %s is at version %s, not %s", store.ErrPreconditionFailed, kind, id, query.FormatVersion(have), ifVersion)
}

func notFound(kind, id string) error {
	return fmt.Errorf("%w: %s %q", store.ErrNotFound, kind, id)
}

var errNil = errors.New("memory: nil resource")

// foldKey returns a key under which strings equal by strings.EqualFold
// (Unicode simple folding) coincide: query.Fold, the key sqlstore
// stores.
func foldKey(s string) string { return query.Fold(s) }

// keyFunc returns the index key function for attribute a: exact for
// caseExact attributes, foldKey otherwise.
func keyFunc(a *resources.Attribute) func(string) string {
	if a != nil && a.CaseExact {
		return exactKey
	}
	return foldKey
}

func exactKey(s string) string { return s }

// nameKeyFunc returns the key function of the unique index of name
// attribute a: query.NameKey, which every store keys uniqueness with.
func nameKeyFunc(a *resources.Attribute) func(string) string {
	if a != nil && a.CaseExact {
		return exactKey
	}
	return func(s string) string { return query.NameKey(s, false) }
}

func addToSet[T comparable](m map[string]map[T]struct{}, k string, v T) {
	set := m[k]
	if set == nil {
		set = make(map[T]struct{}, 1)
		m[k] = set
	}
	set[v] = struct{}{}
}

func removeFromSet[T comparable](m map[string]map[T]struct{}, k string, v T) {
	set := m[k]
	delete(set, v)
	if len(set) == 0 {
		delete(m, k)
	}
}

// recSet is the records an index files under one key: almost always one
// (an externalId, an email address), held in the index's own map entry,
// so that filing a record makes no map of its own; a second record moves
// them all to a map.
type recSet[R comparable] struct {
	one  R // the record when it is alone, else the zero R
	more map[R]struct{}
}

// all is the records of s, in no order.
func (s recSet[R]) all() iter.Seq[R] {
	return func(yield func(R) bool) {
		var none R
		if s.one != none {
			yield(s.one)
			return
		}
		for r := range s.more {
			if !yield(r) {
				return
			}
		}
	}
}

// len is the number of records in s.
func (s recSet[R]) len() int {
	var none R
	if s.one != none {
		return 1
	}
	return len(s.more)
}

// fileRec adds r to the records idx files under k.
func fileRec[R comparable](idx map[string]recSet[R], k string, r R) {
	var none R
	s := idx[k]
	switch {
	case s.one == r:
	case s.one == none && s.more == nil:
		s.one = r
	case s.more == nil:
		s.more = map[R]struct{}{s.one: {}, r: {}}
		s.one = none
	default:
		s.more[r] = struct{}{}
	}
	idx[k] = s
}

// unfileRec removes r from the records idx files under k.
func unfileRec[R comparable](idx map[string]recSet[R], k string, r R) {
	s, ok := idx[k]
	switch {
	case !ok:
	case s.more == nil:
		if s.one == r {
			delete(idx, k)
		}
	default:
		delete(s.more, r)
		if len(s.more) == 0 {
			delete(idx, k)
		}
	}
}

// order keeps records in creation order with O(1) amortised deletion:
// deleted records are marked dead and compacted away once they make up
// half of the slice.
type order[T interface{ isDead() bool }] struct {
	items []T
	dead  int
}

func (o *order[T]) add(v T) { o.items = append(o.items, v) }

// removed records that one item was marked dead.
func (o *order[T]) removed() {
	o.dead++
	if o.dead > 64 && o.dead*2 > len(o.items) {
		live := o.items[:0]
		for _, v := range o.items {
			if !v.isDead() {
				live = append(live, v)
			}
		}
		clear(o.items[len(live):])
		o.items = live
		o.dead = 0
	}
}

func (r *userRec) isDead() bool  { return r.dead }
func (r *groupRec) isDead() bool { return r.dead }

// memberList is a group's member ids in insertion order, with O(1)
// amortised add, remove and lookup.
type memberList struct {
	pos  map[string]int // id -> index in ids
	ids  []string       // "" where a member was removed
	dead int
}

func (l *memberList) len() int { return len(l.pos) }

func (l *memberList) has(id string) bool { _, ok := l.pos[id]; return ok }

func (l *memberList) add(id string) bool {
	if l.has(id) {
		return false
	}
	if l.pos == nil {
		l.pos = make(map[string]int)
	}
	l.pos[id] = len(l.ids)
	l.ids = append(l.ids, id)
	return true
}

func (l *memberList) remove(id string) bool {
	i, ok := l.pos[id]
	if !ok {
		return false
	}
	delete(l.pos, id)
	l.ids[i] = ""
	l.dead++
	if l.dead > 64 && l.dead*2 > len(l.ids) {
		live := l.ids[:0]
		for _, v := range l.ids {
			if v != "" {
				l.pos[v] = len(live)
				live = append(live, v)
			}
		}
		clear(l.ids[len(live):])
		l.ids = live
		l.dead = 0
	}
	return true
}

// each calls fn for every member id in insertion order.
func (l *memberList) each(fn func(id string)) {
	for _, id := range l.ids {
		if id != "" {
			fn(id)
		}
	}
}
