// Package store is the contract between scimkit's handler and a database:
// the UserStore and GroupStore interfaces a host implements (or takes from
// store/memory or store/sqlstore), the optional interfaces a store may add,
// the Query a list request becomes, the sentinel errors the handler maps to
// SCIM errors, and the tenant a request acts for. It holds no logic: the
// filter evaluation, sorting, paging and version helpers a store needs are
// in store/query.
//
// Every implementation proves its contract by running the conformance
// suite in store/storetest, whose failures name the method and the rule
// of this file they check:
//
//	func TestMyStore(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) storetest.Stores {
//			s := newMyStore(t)
//			return storetest.Stores{Users: s, Groups: s}
//		})
//	}
package store

import (
	"context"
	"errors"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/internal/tenantkey"
	"github.com/scimkit/scim/resources"
)

// Sentinel errors. Stores wrap them with %w and extra context; the handler
// maps them with errors.Is to SCIM errors in one place. Any other error
// becomes a 500 whose detail never repeats the error's text.
var (
	// ErrNotFound: no resource with that id in the caller's tenant (404).
	ErrNotFound = errors.New("store: not found")
	// ErrConflict: a uniqueness rule is broken, e.g. a second user with the
	// same userName (409 uniqueness). Wrap it as
	// fmt.Errorf("%w: userName %q is already taken", store.ErrConflict, name):
	// the text after "store: conflict: " becomes the response's detail, so
	// it must never carry database error text (%v of one). An error that
	// wraps another beside it (fmt.Errorf("%w: %w", store.ErrConflict,
	// err)) keeps that one for errors.Is and the log, and its text out of
	// the response: the detail is then the handler's own.
	ErrConflict = errors.New("store: conflict")
	// ErrPreconditionFailed: a versioned write found another version (412).
	ErrPreconditionFailed = errors.New("store: version mismatch")
	// ErrUnsupportedFilter: the store cannot evaluate this filter (400
	// invalidFilter). Stores that can evaluate everything with Match never
	// return it.
	ErrUnsupportedFilter = errors.New("store: unsupported filter")
	// ErrUnavailable: the database cannot be reached, or did not answer
	// in time (503 with Retry-After, which identity providers back off
	// on; a 500 they retry at once, forever). Wrap the driver's error
	// with it; its text is logged, never sent.
	//
	// A write's error, this one or ctx's (which the handler answers 503
	// as well), must mean that nothing was written: identity providers
	// retry a 503, and a retried create of a user that was in fact
	// stored gets 409. So a write whose commit was sent must report the
	// commit's outcome, not ctx's error, even when ctx ends meanwhile (a
	// SQL store commits under a context the caller's deadline does not
	// end, as store/sqlstore does); only a connection lost during the
	// commit may leave the outcome unknown. storetest checks it with
	// contexts that ended before the call.
	ErrUnavailable = errors.New("store: unavailable")
	// ErrInvalidCursor: the position given to a UserCursorLister or
	// GroupCursorLister is not one the store returned for this query
	// (400 invalidCursor). The handler only passes positions it issued
	// and authenticated, so a store sees it only after a change of its
	// own position format.
	ErrInvalidCursor = errors.New("store: invalid cursor position")
	// ErrUnknownMembers: a group write was asked to refuse member values it
	// would skip (MemberSkips.Refuse) and was given some; it wrote nothing
	// (400 invalidValue naming MemberSkips.IDs; returned with none noted,
	// or from any other call, a 400 invalidValue with a generic detail).
	ErrUnknownMembers = errors.New("store: member values name no user or group")
)

// KeyLimitBytes is the length, in bytes, up to which a store must keep and
// find the values it may index for lookups and uniqueness: userName,
// externalId, displayName, emails.value and phoneNumbers.value. The
// handler refuses longer ones with a 400 before a store sees them
// (scim.Config.MaxKeyBytes, whose default this is), so that the same
// request is answered the same on every store; a store must not fail on
// what the handler lets through (PostgreSQL refuses an index entry of
// about 2,700 bytes). storetest holds every store to it.
const KeyLimitBytes = 512

// MultiValueLimit is the number of values of one multi-valued attribute
// (a user's emails, phoneNumbers or roles, an extension's list; a group's
// members excepted) up to which a store must keep and find them. The
// handler refuses more with a 400 before a store sees them
// (scim.Config.MaxMultiValues, whose default this is), so that the same
// request is answered the same on every store; a store must not fail on
// what the handler lets through (store/sqlstore binds many emails and
// phone numbers as one JSON array, since SQLite takes at most 32,766
// parameters a statement).
// storetest holds every store to it.
const MultiValueLimit = 1000

// Query is a list request: filter, sort and page, already parsed and
// validated by the handler.
type Query struct {
	// Filter is nil when every resource matches. When the handler's model
	// is narrowed (scim.Config.Model, or a store's ModelProvider) it reads
	// a resource as the handler shows it (resources.Model.FitUser): a
	// value of what the model leaves out, stored before it was narrowed,
	// makes nothing present (query.KeptFilter, which query.Select and
	// Compiled apply; a store compiling filters itself applies it too).
	// A Filter that compares with a string holding a NUL character (the
	// handler refuses one) is refused by every store with a
	// *query.FilterError (query.CheckQueryStrings, which query.Select and
	// query.SelectAfter ask), whatever the operator: no store answers it
	// as the others would.
	Filter filter.Expr
	// Compiled is Filter as the handler compiled it to validate it (a
	// *query.Matcher, from query.Evaluator.Compile), or nil. query.Select
	// and query.SelectAfter use it instead of compiling Filter again when
	// it was compiled from this very Filter for their Evaluator's
	// resource type, and compile Filter otherwise; a store that reads
	// Filter itself (to build SQL, say) ignores it.
	Compiled Matcher
	// SortBy is an attribute path such as "userName", "name.familyName"
	// or "meta.lastModified"; "" means the store's stable default order
	// (creation order). Ties keep that default order, so paging is stable.
	// A path that names no attribute of the resource type (say
	// groups.bogus) is an error, as query.Select reports it; the handler
	// refuses such a sortBy before it reaches a store. A multi-valued
	// attribute sorts by its primary value, or else its first; by its
	// first when the handler's model leaves its primary out (query.Sorter).
	SortBy string
	// Descending reverses the sort.
	Descending bool
	// StartIndex is 1-based (RFC 7644 §3.4.2.4); the handler never passes
	// less than 1.
	StartIndex int
	// Count is the page size. 0 asks only for Total.
	Count int
	// ExcludeMembers: the caller does not want group members, so a group
	// store must not load them (Members is returned nil).
	ExcludeMembers bool
	// ExcludeGroups: the caller does not want User.groups, so a user store
	// must not load them (Groups is returned nil). See GetUser for what a
	// nil and a non-nil Groups say. A filter on groups still sees them
	// (MembershipReader): only the returned users leave them out.
	ExcludeGroups bool
	// ReadOnly is the caller's promise, as GetOptions.ReadOnly, for every
	// resource of the page: it only reads what each points to, setting no
	// more than the resource's own fields and the loaded Groups or
	// Members. A store that never changes a stored value in place may
	// then return shallow copies (the memory store does, saving a deep
	// copy per item of the lookups by userName or externalId identity
	// providers send before every create; BENCHMARKS.md). Any other
	// store ignores it. The handler sets it for every list, search and
	// cursor page it answers, and for the lookup of a page's managers.
	ReadOnly bool
}

// Matcher is a filter compiled to test resource documents:
// *query.Matcher, whose Match reports whether a document
// (resources.ToMap) matches it.
type Matcher interface {
	// Match reports whether doc matches the filter.
	Match(doc map[string]any) bool
}

// Page is one page of a list result.
type Page[T any] struct {
	// Items are at most Query.Count resources, from Query.StartIndex on.
	Items []T
	// Total is the number of resources matching the filter, counted in
	// the same snapshot as Items.
	Total int
}

// CursorPage is one page of a cursor walk (UserCursorLister,
// GroupCursorLister).
type CursorPage[T any] struct {
	// Items are at most Query.Count resources, the first ones that sort
	// after the position the page was asked from.
	Items []T
	// Positions[i] is the position just after Items[i]: a walk asked from
	// it goes on with the resource that follows Items[i]. The handler may
	// end a page early (Config.MaxResponseBytes), so it needs every one.
	Positions []string
	// More reports that at least one matching resource sorts after the
	// last item (after the position asked from, when Items is empty).
	// A page asked for Count > 0 that says More has at least one item,
	// however many the store skipped to find it (a filter finished
	// after reading a batch, say): the walk goes on from the last
	// item's position, so an empty page with More would leave it
	// nowhere to go. The handler answers such a page with a 500, and
	// storetest checks every walk for it. Count 0 asks only whether
	// anything is there: no items, and More if so.
	More bool
}

// GetOptions tunes a single read.
type GetOptions struct {
	// ExcludeMembers: do not load group members (Members is returned nil).
	ExcludeMembers bool
	// ExcludeGroups: do not load a user's groups (Groups is returned nil).
	ExcludeGroups bool
	// ReadOnly is the caller's promise that it only reads what the
	// resource returned points to (Name, Active, Enterprise, Extensions,
	// the multi-valued attributes' slices and their elements), setting
	// no more than the returned value's own fields, and the loaded
	// Groups or Members. A store that keeps each resource as a value it
	// never changes once stored (a write stores a new one) may then
	// return a shallow copy that shares the rest with it: the memory
	// store does, saving a deep copy per GET, which took a fifth of the
	// handler's time. Any other store ignores it. The handler sets it
	// for GET /Users/{id} and GET /Groups/{id} (Query.ReadOnly is the
	// same promise for a list).
	ReadOnly bool
}

// UserStore keeps users. Implementations must be safe for concurrent use.
// Every method is scoped to the tenant in ctx (see Tenant): a resource of
// another tenant does not exist for it.
//
// Ids match exactly, case included, in every method and as member
// values: id is caseExact (RFC 7643 §3.1), as a filter on it compares it
// (query.Evaluator). So an id that differs from a stored one in case
// alone names nothing (ErrNotFound), and a database column whose
// collation ignores case (MySQL's default) must compare ids in binary.
// Ids are text even when a store makes them from numbers: "07" and "+7"
// name nothing when the store gave "7", so a store that hands out an
// integer key as the id compares the text it is given with the text of
// the key (strconv.FormatInt), never the text converted to a number, as
// binding it to an integer column does (SQLite's type affinity,
// strconv.Atoi). storetest checks a leading zero as it checks case.
//
// A write's error (CreateUser, ReplaceUser, DeleteUser, and UpdateUser
// of a UserUpdater) must mean that nothing was written, even when ctx
// ended during the call: the handler answers it 503, which identity
// providers retry (see ErrUnavailable). storetest checks it.
type UserStore interface {
	// CreateUser stores a new user and returns it as stored. The store
	// assigns ID, Meta.Created, Meta.LastModified and Meta.Version, and
	// ignores those fields and Groups on u. It keeps the times to the
	// millisecond at least, as every write's (clients filter on
	// meta.lastModified gt the last time they saw; storetest checks it). A userName already used in the
	// tenant, compared by identity key (query.NameKey: Unicode NFKC
	// normalisation, width, spaces and case folded, so NFC and NFD "café"
	// or full-width "ｊｏｅ" and "joe" are one name, and every pair
	// strings.EqualFold merges stays one), gives ErrConflict; ListUsers'
	// "userName eq" compares the same key (query.Evaluator does), so a
	// client that looks a name up before creating it finds the user that
	// would conflict. Return query.NameConflict(...) to name the
	// existing user's userName in the 409. The handler always hands a
	// non-nil u.Active (a create without active is stored active), so a
	// store whose column cannot be NULL may store a nil Active as true.
	CreateUser(ctx context.Context, u *resources.User) (*resources.User, error)
	// GetUser returns the user with id, or ErrNotFound. A store that reads
	// the user's groups with the user (in the same query) returns them as
	// a non-nil Groups, an empty slice for none; a nil Groups means "not
	// filled", and the handler asks the MembershipReader. With
	// opts.ExcludeGroups the store must not read them and returns Groups
	// nil.
	GetUser(ctx context.Context, id string, opts GetOptions) (*resources.User, error)
	// ListUsers returns the page of users matching q. Groups follows the
	// rule of GetUser, per user, with q.ExcludeGroups for
	// opts.ExcludeGroups. A store that can read its rows into Go answers
	// it with one call of query.Select, which filters, sorts and pages as
	// every store of this module does. When q.Filter names groups, the
	// document each row gives Select (query.UserDoc) carries the user's
	// groups as GroupsOf answers them, indirect ones included, whatever
	// q.ExcludeGroups says.
	ListUsers(ctx context.Context, q Query) (Page[*resources.User], error)
	// ReplaceUser writes u (u.ID names it) in full, if the stored version
	// equals ifVersion ("" means any version); otherwise
	// ErrPreconditionFailed. It keeps Meta.Created, sets a new
	// Meta.LastModified and a new Meta.Version, and returns the stored
	// user. ErrNotFound when missing, ErrConflict on a taken userName.
	// As in CreateUser, u.Active is never nil: a PUT without active keeps
	// the stored value, which the handler copies into u (true when the
	// stored user has none), and a PATCH that removes active, or sets it
	// null, makes it true.
	ReplaceUser(ctx context.Context, u *resources.User, ifVersion string) (*resources.User, error)
	// DeleteUser removes the user and, in the same step, its group
	// memberships, if the stored version equals ifVersion ("" means any
	// version); otherwise ErrPreconditionFailed and nothing is deleted.
	// The check and the delete are one atomic step. ErrNotFound when
	// missing.
	DeleteUser(ctx context.Context, id, ifVersion string) error
}

// GroupStore keeps groups and their members. Implementations must be safe
// for concurrent use and scoped to the tenant in ctx, and match ids
// exactly, case included, as a UserStore does.
//
// Member values. A member is named by its value alone (Member.Type on
// input is ignored; ModifyMembers gets bare ids), which the store resolves
// in the tenant: among its users first, then among its groups. A value
// that names a user is that user (Type "User"; Display its displayName,
// else its userName); else one that names a group is that group (Type
// "Group"; Display its displayName). A value that names neither, names
// another tenant's resource, or names the group itself is skipped, not an
// error (the write tells MemberSkips which, or refuses them when asked);
// a repeated value is kept once.
//
// So a value that names both a user and a group (user "1" and group "1",
// possible only when users and groups draw ids from separate sequences) is
// the user, and that group can never be added as a member. store/memory and
// store/sqlstore give every user and group a new UUID, time-ordered with
// 74 random bits (query.NewUUID; store/memory also checks it is unused),
// so no such pair arises there; a host store whose tables number their
// rows separately and that wants groups as members gives group ids a form
// no user id has (a prefix, say "g1").
// storetest checks the rule when the store under test hands out such a
// pair.
//
// Member order. A group's members are a set, in any order the store
// reads them in (a join table in member id order, say): SCIM marks a
// preferred value of a multi-valued attribute with "primary" (RFC 7643
// §2.4), not by its place, and nothing the handler does depends on the
// order. A PUT of the same members in another order changes nothing, a
// PATCH adds and removes values, a filter on members matches any of them,
// a sortBy on members is refused, and the ETag is Meta.Version. storetest
// compares members as sets; store/memory and store/sqlstore return them
// in the order they were added (a write replacing the whole list keeps
// the members it keeps in their place and appends the others).
//
// Nested groups are optional. A store that keeps users only as members
// skips every value that names a group, as it skips one that names
// nothing, and declares it to the conformance suite with
// storetest.Stores.NoNestedGroups; its users then have direct memberships
// only.
//
// A write's error (CreateGroup, ReplaceGroup, DeleteGroup,
// ModifyMembers, and UpdateGroup and ModifyMembersChecked of the
// optional interfaces) must mean that nothing was written, even when ctx
// ended during the call: the handler answers it 503, which identity
// providers retry (see ErrUnavailable). storetest checks it.
//
// Which error wins. A write that breaks several rules fails with the
// first of these, whatever order the store finds them in, so that one
// request gets one answer on every store: ErrNotFound (no such group:
// 404); ErrPreconditionFailed (ifVersion: RFC 9110 §13.2.2 evaluates
// preconditions before the method, 412); the error of the caller's check
// or change (ModifyMembersChecked, UpdateGroup: the handler's If-Match is
// one); ErrUnknownMembers (MemberSkips.Refuse: a value that names
// nothing or the group itself, 400); ErrConflict (displayName, unique
// attributes: 409). Uniqueness ranks last because a store learns of it
// by writing (a unique index), which a refused write never does: a store
// need not look a name up to refuse members. A UserStore's writes rank
// the same, without members. storetest checks the order (WritePrecedence).
type GroupStore interface {
	// CreateGroup stores a new group with its members and returns it. The
	// store assigns ID and Meta (its times to the millisecond at least, as
	// CreateUser's), and fills each member's Type and Display.
	// A displayName already used in the tenant, compared by identity key
	// as CreateUser compares userName (query.NameKey, and "displayName
	// eq" too), gives ErrConflict. Member values resolve as the
	// GroupStore doc says; those that name no user or group of the
	// tenant are skipped, and the group returned holds the members
	// stored, without them (the handler warns of the skips of a store
	// that does not fill MemberSkips from it).
	CreateGroup(ctx context.Context, g *resources.Group) (*resources.Group, error)
	// GetGroup returns the group with id, or ErrNotFound.
	GetGroup(ctx context.Context, id string, opts GetOptions) (*resources.Group, error)
	// ListGroups returns the page of groups matching q. With
	// q.ExcludeMembers, members are not loaded.
	ListGroups(ctx context.Context, q Query) (Page[*resources.Group], error)
	// ReplaceGroup writes g in full, members included, under the same
	// version rule as ReplaceUser. When g.Members is nil the stored
	// members are left unchanged; a non-nil slice, even an empty one,
	// replaces them, and the group returned holds the members stored, as
	// CreateGroup's does.
	ReplaceGroup(ctx context.Context, g *resources.Group, ifVersion string) (*resources.Group, error)
	// DeleteGroup removes the group and its memberships, under the same
	// version rule as DeleteUser. ErrNotFound when missing.
	DeleteGroup(ctx context.Context, id, ifVersion string) error
	// ModifyMembers adds and removes members in one atomic step without
	// rewriting the member list, so its cost does not grow with the size
	// of the group and concurrent calls never lose an update. Adding a
	// present member or removing an absent one is not an error; ids in
	// add resolve as the GroupStore doc says, and those that name no user
	// or group of the tenant (or name the group itself) are skipped. If
	// ifVersion is not "" and differs from the stored version:
	// ErrPreconditionFailed. It returns the group with a new Meta.Version
	// and Members nil. When ctx carries a Report (ReportOf), a store
	// may fill it with what the call really did.
	ModifyMembers(ctx context.Context, groupID string, add, remove []string, ifVersion string) (*resources.Group, error)
}

// MembershipReader is implemented by group stores that can answer which
// groups users belong to. The handler uses it to fill the read-only
// User.groups attribute; without it, users carry no groups.
type MembershipReader interface {
	// GroupsOf returns, for each user id, the groups it belongs to: those
	// it is a member of (Type "direct") and, when groups are members of
	// groups, those it belongs to through them (Type "indirect", RFC 7643
	// §4.1.2), each group once, direct winning; a cycle of groups must
	// end. Ids without groups may be absent from the map.
	//
	// A filter on groups (ListUsers, ListUsersAfter) sees the same
	// memberships, indirect ones and their Type included, whether or not
	// the query excludes groups: a filter is evaluated against the
	// resource as it is represented (RFC 7644 §3.4.2.2), so
	// groups.value eq "B" finds a user in B only through a group that is
	// a member of B, and groups[value eq "B" and type eq "indirect"]
	// does not find a user who is in B directly too.
	//
	// A store that fills Groups in GetUser or ListUsers fills it the same
	// way. An empty Type is read as "direct" by the handler and by
	// store/query's documents (resources.GroupRef.MembershipType), so a
	// store may leave a direct membership untyped; an indirect one must
	// say "indirect", and storetest refuses a Type that is wrong.
	GroupsOf(ctx context.Context, userIDs []string) (map[string][]resources.GroupRef, error)
}

// UserUpdater is implemented by user stores that run a read-modify-write
// in one transaction (dex's updater): the handler's PUT and PATCH then cost
// one transaction and never retry on a concurrent change. No password is
// hashed inside the transaction (scim.Config.PasswordHasher): a PUT's, or
// a PATCH's of the password alone, is hashed before the call; a PATCH
// that sets it beside other operations calls UpdateUser twice, the first
// run of change returning an error (nothing is written), the handler
// then hashing the password, and the second call writing it.
type UserUpdater interface {
	// UpdateUser reads the user id under a lock that keeps concurrent
	// writers of it out until it returns, checks ifVersion ("" means any
	// version; otherwise ErrPreconditionFailed when the stored version
	// differs, and change is not called), calls change with a copy of the
	// stored user (Groups left nil) and writes the user change returns,
	// all in one atomic step. When change returns an error, nothing is
	// written and UpdateUser returns that error unwrapped. When change
	// returns nil, nothing is written and the stored user is returned with
	// its version unchanged (a PATCH that changes nothing keeps the
	// version: the handler returns nil when the result equals cur as
	// resources.EqualUsers compares them, numbers by value and strings
	// exactly, case included, and sends no secret). Otherwise next is
	// written as ReplaceUser writes it (next.ID and next.Meta are ignored;
	// Groups is read-only) and the stored user is returned with a new
	// Meta.Version. ErrNotFound when missing, ErrConflict on a taken
	// userName.
	//
	// change may run more than once (a store may retry a transaction that
	// lost to another one), so it must be pure: compute next from cur and
	// its own inputs, and keep side effects (events, logging) until
	// UpdateUser has returned. Only the last run counts: a caller that
	// keeps what change saw (the user before, for events) keeps the last
	// run's.
	UpdateUser(ctx context.Context, id, ifVersion string, change func(cur *resources.User) (next *resources.User, err error)) (*resources.User, error)
}

// GroupUpdater is UserUpdater for groups.
type GroupUpdater interface {
	// UpdateGroup is UpdateUser for the group id. With withMembers, cur
	// carries the stored members (never nil), and next.Members replaces
	// them as ReplaceGroup does (nil leaves them unchanged); without it,
	// cur.Members is nil, the members are not read, and next.Members is
	// ignored: they are left as they are. The group returned carries its
	// members when withMembers, else Members nil. Rules on change, errors
	// and a nil next are those of UpdateUser. A store may also write
	// nothing, and return the stored group at its version, when next is
	// the stored group once the member values it skips (naming no user or
	// group of the tenant, MemberSkips) are left out: the same attributes
	// (as resources.EqualGroupAttributes compares them: by value, so an
	// extension's number or key order spelled another way is the same,
	// not by the stored document's text) and members, and no secret sent
	// (SecretsSentOf). Memory and sqlstore
	// do, so that a provider pushing a member it has not provisioned yet
	// with an otherwise unchanged group does not make a new version; the
	// handler answers such a write as one that changed nothing. For a
	// store without GroupUpdater the handler decides it before
	// ReplaceGroup, looking the new values up (up to MultiValueLimit of
	// them, 100 in one ListUsers and one ListGroups call whose filter is
	// an or of id eq): more values, or one that names a group on a store
	// that keeps no nested groups (which it cannot tell), and the write is
	// made, with a new version.
	UpdateGroup(ctx context.Context, id, ifVersion string, withMembers bool, change func(cur *resources.Group) (next *resources.Group, err error)) (*resources.Group, error)
}

// CheckedMemberModifier is implemented by group stores that can check a
// condition on a group and change its members in one atomic step. The
// handler uses it for a member PATCH (a change of the members named, not
// a replacement of the list) that comes with other operations
// (Okta resends the group's unchanged displayName, and sometimes its id,
// with every membership change) or with If-Match or If-None-Match: the
// others are checked to change nothing, and the headers are checked, on
// the group as it is when the members change, so the request costs one
// store call and never retries, however many member changes the group
// is taking at once. Without it, the handler reads the group, checks it,
// and calls ModifyMembers at the version it read, starting again after a
// jittered backoff (1 to 64 ms, growing) when a concurrent change got
// there first, for up to 5 s and never past the request's
// Config.StoreTimeout, then answers 503 with Retry-After (never 412: the
// request set no If-Match). Every concurrent member change of the group
// makes the others lose their race, so on a group that a provider pushes
// from many connections at once what a store gains by implementing it is
// (BENCHMARKS.md, "Okta's membership update"): one store call a request
// instead of a read and a write per attempt, no retry, a slowest request
// several times shorter, and no 503 however long the queue; the 503 is
// the generic path's answer when the lost races outlast its budget.
type CheckedMemberModifier interface {
	// ModifyMembersChecked is ModifyMembers with one more parameter,
	// check, and every rule of ModifyMembers (member resolution, the
	// ifVersion rule, the Report, the change feed's entries, the group
	// returned). After checking ifVersion (on a mismatch
	// ErrPreconditionFailed, and check is not called), and before
	// refusing member values (MemberSkips; GroupStore, "Which error
	// wins"), it calls check with a copy of the group as stored (Members
	// nil), read under the lock that serialises the writers of the group,
	// so that no write of the group comes between the read and the member
	// change. When check returns an error, nothing is written, the
	// version is kept, nothing is reported or appended to a feed, and
	// ModifyMembersChecked returns that error unwrapped. Otherwise the
	// members change as ModifyMembers changes them, in the same atomic
	// step. A nil check is no check.
	//
	// check may run more than once (a store may retry a transaction that
	// lost to another one), so it must be pure, as UpdateUser's change
	// is; only the last run counts. It must not call the store: a store
	// may hold a lock while it runs.
	//
	// A type that embeds a store and overrides ModifyMembers must
	// override ModifyMembersChecked alike (the handler calls it instead
	// for the requests above), or not be a CheckedMemberModifier.
	ModifyMembersChecked(ctx context.Context, groupID string, add, remove []string, ifVersion string, check func(cur *resources.Group) error) (*resources.Group, error)
}

// UserCursorLister is implemented by user stores that page by position
// (keyset) rather than by index: the handler then offers cursor paging
// (RFC 9865) on /Users and advertises pagination.cursor. Without it, only
// index paging is offered.
//
// A position is an opaque, printable string the store makes and reads
// back: the handler wraps it in a signed, expiring cursor bound to the
// tenant, resource type, filter and sort, so a store never sees a
// position a client made up, or one issued for another query or tenant.
// The store must still treat it as untrusted input (decode it strictly,
// and use what it holds only as a bind parameter, never as SQL text).
type UserCursorLister interface {
	// ListUsersAfter returns the users matching q that sort after the
	// position after ("" starts at the beginning), in the order ListUsers
	// gives (q.SortBy and q.Descending, ties and no sortBy in creation
	// order), at most q.Count of them; q.StartIndex is ignored. The
	// order must be total and stable, a key of (sort value, creation
	// order), so that a walk from page to page returns each resource at
	// most once and returns every resource that matched for the whole
	// walk without its sort value changing, whatever is created or
	// deleted meanwhile. Its cost must not grow with how far the walk
	// has gone (no OFFSET): a page reads nothing that sorts before its
	// position, though a filter the store tests row by row may read
	// every row after it before the page is full (store/sqlstore's
	// documentation says which filters and sorts seek). Groups follows
	// the rule of ListUsers. A
	// position the store cannot read gives ErrInvalidCursor.
	ListUsersAfter(ctx context.Context, q Query, after string) (CursorPage[*resources.User], error)
}

// GroupCursorLister is UserCursorLister for groups.
type GroupCursorLister interface {
	// ListGroupsAfter is ListUsersAfter for groups; with
	// q.ExcludeMembers, members are not loaded.
	ListGroupsAfter(ctx context.Context, q Query, after string) (CursorPage[*resources.Group], error)
}

// UniqueEnforcer is implemented by stores that enforce the uniqueness of
// the attributes a model's extensions declare Uniqueness server or global
// (resources.ResourceType.UniqueAttributes), as RFC 7643 §2.2 asks of a
// value so declared: "unique within the context of the current SCIM
// endpoint (or tenancy)". scim.NewHandler refuses a model that declares
// such an attribute over a store that is not one, so that /Schemas never
// advertises a uniqueness nobody keeps. Both stores of a scim.Config must
// be one when their resource type has such an attribute.
//
// The contract, checked by storetest for a store that declares it: a
// CreateUser, ReplaceUser, UpdateUser (and the group writes alike) whose
// resource holds a value of such an attribute that another resource of the
// same type in the tenant holds, compared under query.UniqueKeys' key (the
// attribute's caseExact decides case folding), gives store.ErrConflict and
// changes nothing; return query.UniqueConflict(k) so that the 409 names
// the attribute. The check and the write are one atomic step: of two
// concurrent writes of one value, exactly one succeeds. An absent or null
// value is not constrained; a resource may keep its own value; the same
// value in two tenants is no conflict ("global" is kept within what the
// store sees: its tenant). Deleting a resource frees its values.
type UniqueEnforcer interface {
	// EnforcesUniqueAttributes reports whether the store enforces the
	// unique attributes of its model's extensions as above. A store that
	// wraps another answers what the wrapped one answers.
	EnforcesUniqueAttributes() bool
}

// IDLimiter is implemented by a store that says how long its ids are at
// most. The handler answers a request naming a longer id (a GET, HEAD,
// PUT, PATCH or DELETE of /Users/{id} or /Groups/{id}, in a /Bulk too)
// with 404 Not Found without calling the store, as the store would have
// answered: a client sending an id of 100 KB then costs the store no
// statement and no transaction. A store without it gets every id, of
// whatever length the request line allows (net/http: 1 MB of headers).
type IDLimiter interface {
	// MaxIDLen is the length in bytes of the longest id the store ever
	// gives a user or a group (positive), and so the longest id it can
	// find. A store that wraps another answers what the wrapped one
	// answers.
	MaxIDLen() int
}

// MaxIDLen returns s's IDLimiter bound, or 0 when s is not an IDLimiter
// (its ids have no bound it says). It is the one reading of the bound:
// the handler's, which answers 404 for a longer id without calling s,
// and storetest's, which holds the ids s gives to it.
func MaxIDLen(s any) int {
	if l, ok := s.(IDLimiter); ok {
		return l.MaxIDLen()
	}
	return 0
}

// ModelProvider is implemented by stores built from a resources.Model
// (store/memory, store/sqlstore). The handler takes its model from the
// store, so extensions are registered once, where the store is built.
type ModelProvider interface {
	// Model returns the model the store resolves filters and sorting
	// against.
	Model() *resources.Model
}

// Report collects what a write really did, as the entries a change feed
// records for it (Change; Seq, Tenant and At may be unset): a
// ModifyMembers its MembersAdded and MembersRemoved (the ids really added
// and removed: not one already a member, not one that names nothing, not
// one that was no member), a DeleteUser or DeleteGroup its UserDeleted or
// GroupDeleted and the MembersRemoved of every membership it removed. The
// handler asks for one (WithReport) on those writes when Config.Events is
// set, and names what it holds in the events.
type Report struct {
	// Changes are the write's entries, as described above.
	Changes []Change
	// Filled is set by a store that filled the report.
	Filled bool
}

// Members returns the ids the report's MembersAdded and MembersRemoved
// entries name: what a ModifyMembers really added and removed.
func (r *Report) Members() (added, removed []string) {
	for _, c := range r.Changes {
		switch c.Kind {
		case MembersAdded:
			added = c.Members
		case MembersRemoved:
			removed = c.Members
		}
	}
	return added, removed
}

type reportKey struct{}

// WithReport returns a context carrying r, for a write to fill: a store
// that reports its writes sets *r when the write succeeds (store/memory
// and store/sqlstore do, for ModifyMembers, DeleteUser and DeleteGroup;
// storetest checks the report of a store that fills it). The report
// travels with the context rather than as a second method, so that a host
// type that wraps a store and overrides a write still runs its own method
// and, passing the context on, still gets the report filled.
func WithReport(ctx context.Context, r *Report) context.Context {
	return context.WithValue(ctx, reportKey{}, r)
}

// ReportOf returns the report ctx carries for a write to fill, or nil
// when the caller asked for none.
func ReportOf(ctx context.Context) *Report {
	if ctx == nil {
		return nil
	}
	r, _ := ctx.Value(reportKey{}).(*Report)
	return r
}

// SecretsSent names the secrets a write's request sent: the top-level
// attributes (an extension by its schema URN, "password") holding an
// attribute or sub-attribute the model makes returned "never" (RFC 7643
// §2.4) that the request gave a value for, or removed by value. The
// handler counts such a write as a change whatever the stored value is
// (it hands the store the resource even when it equals the stored one),
// so that neither the answer nor the version tells a client whether it
// guessed the secret; a store that keeps a change feed lists these
// attributes in the write's UserUpdated or GroupUpdated entry as it
// lists the attributes whose value changed (query.UserChanges and
// query.GroupChanges take them), so that the feed does not tell either.
//
// The handler fills Attributes inside the write's change (the function a
// UserUpdater or GroupUpdater runs), and before a ReplaceUser or
// ReplaceGroup: a store reads it (SecretsSentOf) once change has
// returned, when it works out the write's entries.
type SecretsSent struct {
	// Attributes are the secret attributes the write was sent, as
	// its UserUpdated or GroupUpdated entry names them.
	Attributes []string
}

type secretsSentKey struct{}

// WithSecretsSent returns a context carrying s for a write's store calls
// (see SecretsSent).
func WithSecretsSent(ctx context.Context, s *SecretsSent) context.Context {
	return context.WithValue(ctx, secretsSentKey{}, s)
}

// SecretsSentOf returns the attributes the SecretsSent ctx carries name,
// or nil.
func SecretsSentOf(ctx context.Context) []string {
	if ctx == nil {
		return nil
	}
	if s, _ := ctx.Value(secretsSentKey{}).(*SecretsSent); s != nil {
		return s.Attributes
	}
	return nil
}

// MemberSkips is what a group write tells its caller about the member
// values it skips (a value that names no user or group of the tenant, or
// names the group itself, GroupStore): identity providers send members
// not provisioned yet, and the handler shows each skip as a warning, or,
// in strict mode, refuses the request. It travels with the context
// (WithMemberSkips), as a Report does, so that a host type wrapping a
// store and passing the context on still gets it filled.
//
// A store that honours it calls Note once per attempt of every write that
// resolves member values (CreateGroup, ReplaceGroup and ModifyMembers,
// GroupUpdater's UpdateGroup and CheckedMemberModifier's
// ModifyMembersChecked), with the values it resolved and found nothing for,
// before it writes, and stops with Note's error (ErrUnknownMembers, wrapped
// or not) when there is one, having written nothing; a missing group, a
// stale ifVersion and a failing check rank before it (GroupStore, "Which
// error wins"). A value already stored as a member needs no resolving (a
// ReplaceGroup keeping it, a removal) and is not a skip. Resolving costs
// the store nothing more: it is the lookup member resolution makes anyway.
// storetest checks it of a store that sets Filled. A store that does not
// honour it leaves Filled false: the handler then warns of the skips of a
// POST, a PUT and a PATCH it makes through GroupUpdater (one replacing
// the member list) from the group returned (the values sent that it does
// not hold), of a member PATCH through ModifyMembers not at all, and
// strict mode cannot refuse them before the write.
type MemberSkips struct {
	// Refuse asks the write to fail with ErrUnknownMembers, writing
	// nothing, rather than skip a value.
	Refuse bool
	// IDs are the values skipped (refused, when Refuse), each once, in
	// the order given. Set by Note.
	IDs []string
	// Filled is set by Note: the store reported its skips.
	Filled bool
}

// Note records the member values a write skips, each once in the order
// given (skipped may repeat one, as a request may), replacing what an
// earlier attempt of the write noted, and returns ErrUnknownMembers when
// m.Refuse and there is one, for the store to stop with before writing.
// A nil m (the context carries none) notes nothing and returns nil.
func (m *MemberSkips) Note(skipped []string) error {
	if m == nil {
		return nil
	}
	m.IDs, m.Filled = nil, true
	var seen map[string]bool
	for _, id := range skipped {
		if seen[id] {
			continue
		}
		if seen == nil {
			seen = make(map[string]bool, len(skipped))
		}
		seen[id] = true
		m.IDs = append(m.IDs, id)
	}
	if m.Refuse && len(skipped) > 0 {
		return ErrUnknownMembers
	}
	return nil
}

type memberSkipsKey struct{}

// WithMemberSkips returns a context carrying m, for a group write to fill
// (MemberSkips).
func WithMemberSkips(ctx context.Context, m *MemberSkips) context.Context {
	return context.WithValue(ctx, memberSkipsKey{}, m)
}

// MemberSkipsOf returns the MemberSkips ctx carries for a group write to
// fill, or nil.
func MemberSkipsOf(ctx context.Context) *MemberSkips {
	if ctx == nil {
		return nil
	}
	m, _ := ctx.Value(memberSkipsKey{}).(*MemberSkips)
	return m
}

type memberIDsKey struct{}

// WithMemberIDs returns a context telling a GroupUpdater's UpdateGroup
// (withMembers) that its change reads only the Value and Type of
// cur.Members, in any order (the handler's PUT, which compares the
// member ids): the store may call change with each member's Display
// empty, in the order it finds them, and need not read the members'
// names, which for a group of 20,000 is most of the
// read. It is a hint: a store may ignore it (store/memory does). Either
// way the group UpdateGroup returns carries its members in full, Display
// included, whether change wrote it or returned nil (storetest checks
// it). Like WithReport it travels with the context, so that a host type
// wrapping a store passes it on.
func WithMemberIDs(ctx context.Context) context.Context {
	return context.WithValue(ctx, memberIDsKey{}, true)
}

// MemberIDsOnly reports whether ctx carries WithMemberIDs.
func MemberIDsOnly(ctx context.Context) bool {
	only, _ := ctx.Value(memberIDsKey{}).(bool)
	return only
}

// WithTenant returns a context carrying the tenant id. The handler sets it
// from the authenticated token; stores scope every operation by it.
func WithTenant(ctx context.Context, tenant string) context.Context {
	return context.WithValue(ctx, tenantkey.Key{}, tenant)
}

// Tenant returns the tenant id in ctx, or "" (the default tenant of a
// single-tenant host).
func Tenant(ctx context.Context) string {
	t, _ := ctx.Value(tenantkey.Key{}).(string)
	return t
}
