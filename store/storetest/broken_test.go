package storetest_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/internal/names"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/memory"
	"github.com/scimkit/scim/store/query"
	"github.com/scimkit/scim/store/storetest"
)

// overlapTest selects the suite's one subtest the overlap store supports.
const overlapTest = "^Groups$/^OverlappingUserAndGroupIDs$"

// failureLine is where a test's failure starts in go test -v output.
var failureLine = regexp.MustCompile(`(?m)^\s+\w+\.go:\d+: `)

// brokenEnv names the broken store TestBrokenStoreChild runs the suite on.
const brokenEnv = "STORETEST_BROKEN_STORE"

// broken is a memory store with one fault (or none), the way a host's
// first store goes wrong.
type broken struct {
	*memory.Store
	fault  string
	groups sync.Map // ids of the groups created, for the flat faults
	kept   sync.Map // id -> the version a replace kept, for "replace-keeps-version"
}

// keep is version, the one a read or write returns of the resource id,
// as the "replace-keeps-version" fault shows it: a store whose replace
// writes the new attributes and leaves the version as it was (a version
// column the UPDATE forgets), so every read after shows the kept one.
func (b *broken) keep(id, version string) string {
	if v, ok := b.kept.Load(id); ok && b.fault == "replace-keeps-version" {
		return v.(string)
	}
	return version
}

// ifKept is ifVersion as that store compares it: the version it kept is
// the stored one.
func (b *broken) ifKept(id, ifVersion string) string {
	if v, ok := b.kept.Load(id); ok && b.fault == "replace-keeps-version" && ifVersion == v {
		return ""
	}
	return ifVersion
}

// replaced records that store's replace of the resource id at version:
// the version it keeps (the first it had, if it was replaced before).
func (b *broken) replaced(id, version string) {
	if b.fault == "replace-keeps-version" {
		b.kept.LoadOrStore(id, version)
	}
}

func (b *broken) GetUser(ctx context.Context, id string, opts store.GetOptions) (*resources.User, error) {
	u, err := b.Store.GetUser(ctx, b.foldID(id), opts)
	if b.fault == "nil-user" && err == nil {
		return nil, nil
	}
	if u != nil {
		u.Meta.Version = b.keep(u.ID, u.Meta.Version)
	}
	return u, err
}

func (b *broken) DeleteUser(ctx context.Context, id, ifVersion string) error {
	if b.fault == "panic" {
		var u *resources.User
		_ = u.UserName // the nil dereference a store's own bug makes
	}
	if b.fault == "error-after-write" {
		// A store whose commit ignores the context and which asks it
		// afterwards: the handler answers 503 for a user it deleted.
		if err := b.Store.DeleteUser(context.WithoutCancel(ctx), id, ifVersion); err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("%w: %w", store.ErrUnavailable, err)
		}
		return nil
	}
	return b.Store.DeleteUser(ctx, b.foldID(id), b.ifKept(id, ifVersion))
}

func (b *broken) ReplaceUser(ctx context.Context, u *resources.User, ifVersion string) (*resources.User, error) {
	if b.fault == "ignore-version" {
		ifVersion = ""
	}
	if err := b.activeNull(u); err != nil {
		return nil, err
	}
	if b.fault == "id-fold" {
		u = u.Clone()
		u.ID = b.foldID(u.ID)
	}
	if b.fault == "replace-keeps-version" {
		cur, err := b.GetUser(ctx, u.ID, store.GetOptions{ExcludeGroups: true})
		if err != nil {
			return nil, err
		}
		out, err := b.Store.ReplaceUser(ctx, u, b.ifKept(u.ID, ifVersion))
		if err == nil {
			b.replaced(u.ID, cur.Meta.Version)
			out.Meta.Version = b.keep(out.ID, out.Meta.Version)
		}
		return out, err
	}
	return b.Store.ReplaceUser(ctx, u, ifVersion)
}

func (b *broken) UpdateUser(ctx context.Context, id, ifVersion string, change func(*resources.User) (*resources.User, error)) (*resources.User, error) {
	return b.Store.UpdateUser(ctx, id, ifVersion, func(cur *resources.User) (*resources.User, error) {
		stored := cur.Clone()
		next, err := change(cur)
		if err == nil && next != nil {
			err = b.activeNull(next)
		}
		if b.fault == "case-unchanged" && err == nil && next != nil && next.UserName != stored.UserName && strings.EqualFold(next.UserName, stored.UserName) {
			return nil, nil // a userName compared as its caseExact false says: no change
		}
		return next, err
	})
}

// activeNull is the error of the "active-not-null" fault's active
// column, which cannot hold NULL and has no default: the contract allows
// it, as the handler never writes a nil Active (store.UserStore).
func (b *broken) activeNull(u *resources.User) error {
	if b.fault == "active-not-null" && u != nil && u.Active == nil {
		return errors.New(`NOT NULL constraint failed: users.active`)
	}
	return nil
}

func (b *broken) CreateUser(ctx context.Context, u *resources.User) (*resources.User, error) {
	if b.fault == "name-in-two-columns" && u.Name != nil {
		// A users table with first_name and last_name only.
		u = u.Clone()
		u.Name = &resources.Name{GivenName: u.Name.GivenName, FamilyName: u.Name.FamilyName}
	}
	if b.fault == "refuse-name-extras" && u.Name != nil && (u.Name.MiddleName != "" || u.Name.Formatted != "") {
		// A store that validates what it has no column for: the
		// handler never sends it, so refusing it keeps the contract.
		return nil, errors.New("users: no column for name.middleName or name.formatted")
	}
	if err := b.activeNull(u); err != nil {
		return nil, err
	}
	out, err := b.Store.CreateUser(ctx, u)
	return out, b.driverConflict(err)
}

// driverConflict is err as the "driver-conflict" fault returns it: a
// taken name as the database's own error, not store.ErrConflict.
func (b *broken) driverConflict(err error) error {
	if b.fault == "driver-conflict" && errors.Is(err, store.ErrConflict) {
		return errors.New("UNIQUE constraint failed: users.name_key")
	}
	return err
}

func (b *broken) ListUsers(ctx context.Context, q store.Query) (store.Page[*resources.User], error) {
	if b.fault == "flat-groups-filter" {
		// A store answering with query.Select over its users as it
		// reads them, their groups not filled in.
		all, err := b.Store.ListUsers(ctx, store.Query{StartIndex: 1, Count: 1 << 20, ExcludeGroups: true})
		if err != nil {
			return all, err
		}
		return query.Select(query.NewEvaluator(b.Model().User), q, all.Items, query.UserDoc)
	}
	q = b.mistranslate(q)
	if b.fault == "name-order" && q.SortBy == "" {
		q.SortBy = "userName" // a store whose SELECT ends ORDER BY user_name
	}
	p, err := b.Store.ListUsers(ctx, q)
	if b.fault == "page-total" {
		p.Total = len(p.Items)
	}
	return p, err
}

func (b *broken) ListUsersAfter(ctx context.Context, q store.Query, after string) (store.CursorPage[*resources.User], error) {
	p, err := b.Store.ListUsersAfter(ctx, q, after)
	if b.fault == "empty-more" && after != "" && len(p.Items) > 0 {
		// A store that reads a batch, filters it and returns what was
		// left, with More for the rest.
		p.Items, p.Positions, p.More = nil, nil, true
	}
	return p, err
}

func (b *broken) ListGroups(ctx context.Context, q store.Query) (store.Page[*resources.Group], error) {
	if b.fault == "name-order" && q.SortBy == "" {
		q.SortBy = "displayName"
	}
	p, err := b.Store.ListGroups(ctx, q)
	if b.fault == "nil-group-item" && len(p.Items) > 0 {
		p.Items[0] = nil
	}
	for _, g := range p.Items {
		b.byID(g)
	}
	return p, err
}

func (b *broken) ListGroupsAfter(ctx context.Context, q store.Query, after string) (store.CursorPage[*resources.Group], error) {
	p, err := b.Store.ListGroupsAfter(ctx, q, after)
	for _, g := range p.Items {
		b.byID(g)
	}
	return p, err
}

func (b *broken) GetGroup(ctx context.Context, id string, opts store.GetOptions) (*resources.Group, error) {
	g, err := b.Store.GetGroup(ctx, b.foldID(id), opts)
	if g != nil {
		g.Meta.Version = b.keep(g.ID, g.Meta.Version)
	}
	return b.byID(g), err
}

// foldID is id as the "id-fold" fault compares it: in any case, as an id
// column under a collation that ignores case (MySQL's default) does, for
// a lookup, a replace, a delete, a group's id in a member change and a
// member value. The memory store's ids are lower-case UUIDs.
func (b *broken) foldID(id string) string {
	if b.fault == "id-fold" {
		return strings.ToLower(id)
	}
	return id
}

// foldIDs is foldID for each of ids.
func (b *broken) foldIDs(ids []string) []string {
	if b.fault != "id-fold" {
		return ids
	}
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = b.foldID(id)
	}
	return out
}

// byID sorts g's members by id under the "members-by-id" fault, as a
// store reading a join table keyed by (group, member) returns them: an
// order the contract allows (store.GroupStore, "Member order"), which
// the suite must not fail. It sorts a copy of the slice: a read-only
// read may share it with the stored group.
func (b *broken) byID(g *resources.Group) *resources.Group {
	if b.fault == "members-by-id" && g != nil && len(g.Members) > 1 { // slices.SortedFunc makes an empty list nil
		g.Members = slices.SortedFunc(slices.Values(g.Members), func(x, y resources.Member) int { return strings.Compare(x.Value, y.Value) })
	}
	return g
}

// userParser parses the filters the mistranslating faults rewrite.
var userParser = filter.Parser{Schemas: resources.NewUserType().KnownSchemaURNs()}

// mistranslate is q as a store that compiles filters and sorts to SQL
// gets it wrong, by the fault: "userName-sw" matches a prefix anywhere
// (co), "emails-value-eq" compares an email value with ne, and
// "name-desc" sorts by a sub-attribute of name ascending when asked to
// sort it descending. The faults run on a narrowed model, where the
// suite once skipped every check that would find them.
func (b *broken) mistranslate(q store.Query) store.Query {
	switch b.fault {
	case "name-desc":
		if names.HasPrefix(q.SortBy, "name.") {
			q.Descending = false
		}
	case "userName-sw", "emails-value-eq":
		if q.Filter == nil {
			return q
		}
		f, err := userParser.Parse(q.Filter.String()) // a copy to change
		if err != nil {
			panic(err)
		}
		filter.Walk(f, func(x filter.Expr) bool {
			c, ok := x.(*filter.Compare)
			switch {
			case !ok:
			case b.fault == "userName-sw" && names.Equal(c.Path.Name, "userName") && c.Op == filter.Sw:
				c.Op = filter.Co
			case b.fault == "emails-value-eq" && names.Equal(c.Path.Name, "emails") && names.Equal(c.Path.Sub, "value") && c.Op == filter.Eq:
				c.Op = filter.Ne
			}
			return true
		})
		q.Filter = f
	}
	return q
}

// GroupsOf of the "untyped-groups" fault leaves each direct membership's
// Type empty, as a host's first GroupsOf may (which the contract
// allows); "indirect-groups" calls every direct membership indirect.
func (b *broken) GroupsOf(ctx context.Context, userIDs []string) (map[string][]resources.GroupRef, error) {
	m, err := b.Store.GroupsOf(ctx, userIDs)
	for _, refs := range m {
		for i := range refs {
			if refs[i].Type != "direct" {
				continue
			}
			switch b.fault {
			case "untyped-groups":
				refs[i].Type = ""
			case "indirect-groups":
				refs[i].Type = "indirect"
			}
		}
	}
	return m, err
}

// The flat faults keep users only as members: "flat" skips a value naming
// a group, as the contract asks of a store declaring NoNestedGroups. They
// know the groups from the ids CreateGroup gave (the memory store's ids
// are unique UUIDs), not by asking the store, which UpdateGroup's change
// runs under the store's lock.
func (b *broken) flat(ids []string) []string {
	if !strings.HasPrefix(b.fault, "flat") {
		return ids
	}
	var out []string
	for _, id := range ids {
		if _, isGroup := b.groups.Load(id); !isGroup {
			out = append(out, id)
		}
	}
	return out
}

func (b *broken) flatMembers(ms []resources.Member) []resources.Member {
	if ms == nil || !strings.HasPrefix(b.fault, "flat") {
		return ms
	}
	var ids []string
	for _, m := range ms {
		ids = append(ids, m.Value)
	}
	out := []resources.Member{}
	for _, id := range b.flat(ids) {
		out = append(out, resources.Member{Value: id})
	}
	return out
}

func (b *broken) CreateGroup(ctx context.Context, g *resources.Group) (*resources.Group, error) {
	c := g.Clone()
	c.Members = b.flatMembers(c.Members)
	for i := range c.Members {
		c.Members[i].Value = b.foldID(c.Members[i].Value)
	}
	out, err := b.Store.CreateGroup(ctx, c)
	if err == nil {
		b.groups.Store(out.ID, true)
	}
	err = b.driverConflict(err)
	return b.byID(b.asSent(out, g)), err
}

func (b *broken) ReplaceGroup(ctx context.Context, g *resources.Group, ifVersion string) (*resources.Group, error) {
	c := g.Clone()
	c.Members = b.flatMembers(c.Members)
	if b.fault == "replace-keeps-version" {
		cur, err := b.GetGroup(ctx, g.ID, store.GetOptions{ExcludeMembers: true})
		if err != nil {
			return nil, err
		}
		out, err := b.Store.ReplaceGroup(ctx, c, b.ifKept(g.ID, ifVersion))
		if err == nil {
			b.replaced(g.ID, cur.Meta.Version)
			out.Meta.Version = b.keep(out.ID, out.Meta.Version)
		}
		return out, err
	}
	out, err := b.Store.ReplaceGroup(ctx, c, ifVersion)
	return b.byID(b.asSent(out, g)), err
}

// asSent is out, the group a write returns; the "members-as-sent" fault
// gives it the members sent, as a store that echoes its input does, the
// values it skipped among them.
func (b *broken) asSent(out, sent *resources.Group) *resources.Group {
	if b.fault == "members-as-sent" && out != nil && sent.Members != nil {
		out.Members = sent.Clone().Members
	}
	return out
}

// skips is ctx with its store.MemberSkips hidden by the "optional-skips"
// fault: a store whose optional writes do not fill it, as a host's may
// forget to.
func (b *broken) skips(ctx context.Context) context.Context {
	if b.fault == "optional-skips" {
		return store.WithMemberSkips(ctx, nil)
	}
	return ctx
}

func (b *broken) ModifyMembers(ctx context.Context, groupID string, add, remove []string, ifVersion string) (*resources.Group, error) {
	return b.Store.ModifyMembers(ctx, b.foldID(groupID), b.foldIDs(b.flat(add)), b.foldIDs(remove), ifVersion)
}

// ModifyMembersChecked is ModifyMembers' fault too: a wrapper that
// changes ModifyMembers changes it alike.
func (b *broken) ModifyMembersChecked(ctx context.Context, groupID string, add, remove []string, ifVersion string, check func(*resources.Group) error) (*resources.Group, error) {
	return b.Store.ModifyMembersChecked(b.skips(ctx), groupID, b.flat(add), remove, ifVersion, check)
}

func (b *broken) UpdateGroup(ctx context.Context, id, ifVersion string, withMembers bool, change func(*resources.Group) (*resources.Group, error)) (*resources.Group, error) {
	out, err := b.Store.UpdateGroup(b.skips(ctx), id, ifVersion, withMembers, func(cur *resources.Group) (*resources.Group, error) {
		stored := cur.DisplayName
		next, err := change(b.byID(cur))
		if b.fault == "case-unchanged" && err == nil && next != nil && next.DisplayName != stored && strings.EqualFold(next.DisplayName, stored) {
			return nil, nil // a displayName compared as its caseExact false says: no change
		}
		if next != nil {
			next.Members = b.flatMembers(next.Members)
		}
		return next, err
	})
	return b.byID(out), err
}

// TestBrokenStoreChild runs the suite on the broken store named by
// $STORETEST_BROKEN_STORE; TestBrokenStores runs it in a child process and
// reads what it reports. Without the variable it is skipped.
func TestBrokenStoreChild(t *testing.T) {
	fault := os.Getenv(brokenEnv)
	if fault == "" {
		t.Skip("run by TestBrokenStores")
	}
	if strings.HasPrefix(fault, "overlap") {
		var opts []memory.Option
		if fault == "overlap-subattrs" {
			opts = []memory.Option{memory.WithModel(subsetModel(subsetModels["subset-subattrs"]))}
		}
		storetest.Run(t, func(t *testing.T) storetest.Stores {
			o := newOverlap(fault == "overlap-group-first", fault == "overlap-as-number", opts...)
			return storetest.Stores{Users: o, Groups: o}
		})
		return
	}
	if cfg, ok := subsetModels[fault]; ok {
		s := newSubset(cfg)
		storetest.Run(t, func(t *testing.T) storetest.Stores { return storetest.Stores{Users: s, Groups: s} })
		return
	}
	// "model+fault": the fault on a memory store built from one of
	// subsetModels (a store.ModelProvider through the memory store).
	var opts []memory.Option
	if model, f, ok := strings.Cut(fault, "+"); ok {
		opts, fault = []memory.Option{memory.WithModel(subsetModel(subsetModels[model]))}, f
	}
	if fault == "seconds" {
		// A store keeping its timestamps to the second, as a DATETIME
		// column without fractions (MySQL's default) does; its seconds
		// start with the run, so that the check's writes, a few
		// milliseconds apart, fall in one of them.
		start := time.Now()
		opts = append(opts, memory.WithNow(func() time.Time { return start.Truncate(time.Second).Add(time.Since(start).Truncate(time.Second)) }))
	}
	storetest.Run(t, func(t *testing.T) storetest.Stores {
		b := &broken{Store: memory.New(opts...), fault: fault}
		return storetest.Stores{Users: b, Groups: b, NoNestedGroups: fault == "flat" || fault == "flat-groups-filter" || fault == "nested-declared-flat"}
	})
}

// TestBrokenStores runs the suite against stores that break one contract
// each, in a child process (storetest.Run takes a *testing.T, and a
// failing store must fail it), and checks that the suite names the broken
// contract, never panics, and fails only the subtests that meet the fault.
func TestBrokenStores(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the suite six times in child processes")
	}
	tests := []struct {
		fault string
		run   string   // the subtests to run; "" for all
		pass  bool     // the suite passes
		want  []string // in the output
		ok    []string // subtests that still pass
		first string   // in the first failure (either of parallel subtests), "" for any
	}{
		{
			fault: "nil-user",
			want:  []string{"store.UserStore.GetUser returned a nil user and a nil error: it must return the user, or an error"},
			ok:    []string{"Users/ListFilter", "Users/UniqueUserName", "Groups/ModifyMembers"},
		},
		{
			fault: "panic",
			want:  []string{"store.UserStore.DeleteUser panicked: runtime error: invalid memory address or nil pointer dereference", "A store must never panic"},
			ok:    []string{"Users/ListFilter", "Users/Replace", "Groups/ModifyMembers", "Groups/IndirectGroups"},
		},
		{
			fault: "ignore-version",
			want:  []string{"ReplaceUser must refuse an ifVersion that is no longer the stored version (store.UserStore.ReplaceUser)"},
			ok:    []string{"Users/ListFilter", "Users/Delete", "Groups/ModifyMembers"},
		},
		{
			fault: "page-total",
			want:  []string{"Total must count every match, not just the page (store.Page.Total)"},
			ok:    []string{"Users/Replace", "Groups/ModifyMembers"},
		},
		{
			fault: "empty-more",
			want:  []string{"returned no items but More: a page that says More must hold at least one, or the walk has no position to go on from (store.CursorPage.More)"},
			ok:    []string{"Users/ListFilter", "Groups/ModifyMembers"},
		},
		{
			fault: "nil-group-item",
			want:  []string{"store.GroupStore.ListGroups returned a nil group at Items[0]"},
			ok:    []string{"Users/ListFilter", "Groups/ModifyMembers"},
		},
		{
			fault: "flat-undeclared",
			want:  []string{"ModifyMembers must add a group as a member: groups may be members of groups (or declare Stores.NoNestedGroups)"},
			ok:    []string{"Users/ListFilter", "Groups/ModifyMembersVersion"},
		},
		{
			fault: "nested-declared-flat",
			want:  []string{"Stores.NoNestedGroups: CreateGroup must skip a member value that names a group"},
			ok:    []string{"Users/ListFilter", "Groups/ModifyMembersVersion"},
		},
		{
			fault: "error-after-write", run: "^Writes$/^EndedContextAnswersTheTruth$",
			want: []string{"DeleteUser answered \"store: unavailable: context canceled\" under an ended context, but the store shows its write", "(store.ErrUnavailable: a write's error must mean nothing was written)"},
		},
		{
			fault: "untyped-groups", pass: true,
			ok: []string{"Groups/GroupsOf", "Groups/IndirectGroups"},
		},
		{
			fault: "indirect-groups", run: "^Groups$/^GroupsOf$",
			want: []string{`GroupsOf must set Type "direct" (or leave it empty, which reads as "direct") on a group the user is a member of itself, "indirect" on one it belongs to through another: a GET shows it and a filter on groups.type compares it (store.MembershipReader.GroupsOf)`},
		},
		{
			fault: "members-as-sent", run: "^Groups$/^WritesReturnHeldMembers$",
			want: []string{"CreateGroup must return the members it holds (store.GroupStore: CreateGroup and ReplaceGroup return the members the group holds after the write"},
		},
		{
			// A store that finds a write that only respells a name in
			// another case no change, as caseExact false would have it.
			fault: "case-unchanged", run: "^(UserUpdater|GroupUpdater)$",
			want: []string{"UpdateUser must write a next that differs from the stored user only in a string's case, with a new Meta.Version (store.UserUpdater.UpdateUser: a non-nil next is written",
				"UpdateGroup must write a next whose displayName differs from the stored one only in case, beside a member value it skips, with a new Meta.Version (store.GroupUpdater.UpdateGroup: a store may write nothing only for a next whose attributes equal the stored ones as resources.EqualGroupAttributes compares them, strings exactly, case included)"},
			ok: []string{"UserUpdater/Atomic", "UserUpdater/NilWritesNothing", "GroupUpdater/IfVersionAndNil", "GroupUpdater/NilWritesNothing"},
		},
		{
			fault: "optional-skips", run: "^Groups$/^MemberSkipsOptionalWrites$",
			want: []string{"GroupUpdater.UpdateGroup must fill store.MemberSkips as CreateGroup does", "CheckedMemberModifier.ModifyMembersChecked must fill store.MemberSkips as CreateGroup does"},
		},
		// A store built from a narrowed model passes: the checks of
		// writes run on an attribute it keeps, those whose data it
		// cannot keep are skipped, naming what they need, and the checks
		// of lists leave out only the cases that name what it leaves
		// out, logging each.
		{
			fault: "subset-columns", pass: true,
			want: []string{"--- SKIP: TestBrokenStoreChild/Groups/IndirectGroups", "the store's model leaves out the User attributes groups, which this check uses",
				`skipped the case {filter "title pr", sortBy ""`, "the store's model leaves out the User attributes title, which it uses (resources.ModelConfig); the check's other cases run",
				`skipped the case {filter "externalId eq \"ext-2\"", sortBy ""`, "the store's model leaves out the Group attributes externalId, which it uses"},
			ok: []string{"Users/Replace", "Users/TenantIsolation", "Users/WritePrecedence", "Users/NoAliasing", "Users/CreateAssignsIDMetaVersion", "UserUpdater/Atomic", "Groups/CreateAssignsIDMetaMembers", "CheckedMemberModifier/PassesAsModifyMembers",
				"Users/ListFilter", "Users/LookupPaged", "Users/ListSort", "Users/ListPaging", "Users/SortFold", "Users/ListReadOnly", "Groups/ListReadOnly", "Groups/ListFilterSortPage",
				"Cursor/a_walk_returns_what_ListUsers_returns,_in_its_order"},
		},
		{
			fault: "subset-required", pass: true,
			want: []string{"--- SKIP: TestBrokenStoreChild/Users/Replace", "the store's model keeps none of title, displayName, nickName, name.givenName: this check tells one write from another by one of them",
				`skipped the case {filter none, sortBy "title", descending true`, "which it uses (title is the check's note attribute: any of title, displayName, nickName, name.givenName would do, the first the model keeps, and it keeps none)", `skipped the case {filter "emails.value eq \"bob@home.example\"", sortBy ""`,
				`skipped the case {filter none, sortBy "name.familyName"`},
			ok: []string{"Users/CreateAssignsIDMetaVersion", "Users/UniqueUserName", "Users/Delete", "UserUpdater/IfVersion", "GroupUpdater/NoLostUpdate", "Groups/CreateAssignsIDMetaMembers", "Groups/ModifyMembers",
				"Users/ListFilter", "Users/LookupPaged", "Users/ListSort", "Users/ListPaging", "Users/SortFold", "Users/ListReadOnly", "Groups/ListReadOnly", "Groups/ListFilterSortPage",
				"Cursor/a_walk_returns_what_ListUsers_returns,_in_its_order"},
		},
		// A model narrowed to sub-attributes (given_name, family_name
		// and email columns): the suite writes, reads, filters and sorts
		// only what it keeps, and tells writes apart by name.givenName.
		{
			fault: "subset-subattrs", pass: true,
			want: []string{`skipped the case {filter "emails[type eq \"work\"]", sortBy ""`, "the store's model leaves out the User attributes emails.type, which it uses",
				`skipped the case {filter "emails[primary eq true and value eq \"Alice@work.example\"]"`, "leaves out the User attributes emails.primary",
				`skipped the case {filter none, sortBy "emails.value", descending false`},
			ok: []string{"Users/Replace", "Users/NoAliasing", "Users/RoundTripSupportedAttributes", "Users/ReplaceConflictAndNotFound", "UserUpdater/Atomic",
				"Users/ListFilter", "Users/ListSort", "Users/ListPaging", "Users/SortFold", "Cursor/a_walk_returns_what_ListUsers_returns,_in_its_order"},
		},
		// A store that refuses one user holding what its model leaves
		// out still has the others checked.
		{
			fault: "subset-subattrs+refuse-name-extras", run: "^Users$/^ListStoredBeforeNarrowing$", pass: true,
			want: []string{`CreateUser "old" with what the store's model leaves out: users: no column for name.middleName or name.formatted; the check runs on the users it stored`},
			ok:   []string{"Users/ListStoredBeforeNarrowing"},
		},
		{
			// A users table with first_name and last_name only fails the
			// full model's round trip, and passes a model that says so.
			fault: "subset-subattrs+name-in-two-columns", run: "^Users$/^RoundTripSupportedAttributes$", pass: true,
			ok: []string{"Users/RoundTripSupportedAttributes"},
		},
		// A store whose filters or sorts go wrong on a narrowed model
		// fails the checks of lists, which run every case on what the
		// model keeps.
		{
			fault: "subset-columns+userName-sw", run: "^Users$/^ListFilter$",
			want: []string{`ListUsers with filter userName sw "a" must return exactly the matching users`},
		},
		{
			fault: "subset-required+userName-sw", run: "^Users$/^ListFilter$",
			want: []string{`ListUsers with filter userName sw "a" must return exactly the matching users`},
		},
		{
			fault: "subset-columns+emails-value-eq", run: "^Users$/^ListFilter$",
			want: []string{`ListUsers with filter emails.value eq "bob@home.example" must return exactly the matching users`},
		},
		{
			fault: "subset-columns+name-desc", run: "^Users$/^ListSort$",
			want: []string{`ListUsers with sortBy "name.givenName" descending true must sort as query.Select does`},
		},
		{
			fault: "subset-subattrs+name-desc", run: "^Users$/^ListSort$",
			want: []string{`ListUsers with sortBy "name.givenName" descending true must sort as query.Select does`},
		},
		{
			fault: "subset-subattrs+emails-value-eq", run: "^Users$/^ListFilter$",
			want: []string{`ListUsers with filter emails.value eq "bob@home.example" must return exactly the matching users`},
		},
		{
			fault: "name-in-two-columns", run: "^Users$/^RoundTripSupportedAttributes$",
			want: []string{"CreateUser must return the user as written, every attribute the store's model supports, each with every sub-attribute the model keeps: name with all of its sub-attributes unless the model lists some (name.givenName)"},
		},
		{
			fault: "id-fold", run: "^(Users|Groups)$/^(GetNotFound|IDsMatchExactly)",
			want: []string{"GetUser must return store.ErrNotFound for the id", "which differs from the stored", "in case alone (ids match exactly, case included: store.UserStore) (store.UserStore.GetUser)",
				"in case alone, must return store.ErrNotFound: ids match exactly, case included (store.GroupStore) (store.GroupStore.GetGroup)",
				"ReplaceUser of the id", "in case alone, must return store.ErrNotFound: ids match exactly, case included (store.UserStore) (store.UserStore.ReplaceUser)",
				"ModifyMembers of the group id", "in case alone, must return store.ErrNotFound: ids match exactly, case included (store.GroupStore) (store.GroupStore.ModifyMembers)",
				"in case alone, must remove nothing: ids match exactly, case included (store.GroupStore) (store.GroupStore.ModifyMembers)",
				"in case alone, must skip it: it names no user; ids match exactly, case included (store.GroupStore) (store.GroupStore.ModifyMembers)",
				"in case alone, must skip it: it names no user; ids match exactly, case included (store.GroupStore) (store.GroupStore.CreateGroup)"},
		},
		// Members read in id order, as a join table keyed by (group,
		// member) gives them: the contract leaves their order free.
		{fault: "members-by-id", pass: true, ok: []string{"Groups/LookupPages", "Groups/ListFilterSortPage", "Pages/every_page_of_groups_carries_each_group's_own_members"}},
		// The handler never writes a nil Active, and a store may keep
		// it in a column that cannot be NULL: no check may write nil, in
		// a create (SortFold's did) or a replace.
		{fault: "active-not-null", pass: true, ok: []string{"Groups/LookupPages", "Users/ListFilter", "Users/Replace", "Users/ReplaceConflictAndNotFound", "Users/SortFold",
			"Users/Delete", "Users/UniqueUserName", "Users/ConcurrentCreateSameUserName", "Users/TenantIsolation", "Groups/TenantIsolation", "Users/IndexedValuesAtKeyLimit", "Users/ValuesAtMultiValueLimit"}},
		{fault: "flat", pass: true, ok: []string{"Groups/NestedGroupsSkipped", "Groups/ModifyMembers", "Groups/GroupsOf"}},
		// A store keeping users only as members, whose ListUsers does not
		// fill the groups a filter on them reads: IndirectGroups is
		// skipped on it, GroupsOf checks the direct memberships.
		{
			fault: "flat-groups-filter", run: "^Groups$/^GroupsOf$",
			want: []string{`direct memberships (u in A and B, v in B): ListUsers with filter groups.value eq`, "fills each user's Groups as GroupsOf answers before query.UserDoc", "(store.UserStore.ListUsers)"},
		},
		// Users and groups numbered from separate sequences: the check of
		// how a value naming both resolves runs (it cannot on our stores).
		{fault: "overlap", run: overlapTest, pass: true, ok: []string{"Groups/OverlappingUserAndGroupIDs"}},
		// The checks that name a group by its id where a user could be
		// named too (a member value, a GetGroup of a user's id) use a
		// group whose id names no user: user "1" and group "1" of such a
		// store are no fault. On a model without displayName a member's
		// display is its userName.
		{fault: "overlap", run: "^Groups$/^(GetNotFoundAndExcludeMembers|ModifyMembers|DeleteVersion|OverlappingUserAndGroupIDs)$", pass: true,
			ok: []string{"Groups/GetNotFoundAndExcludeMembers", "Groups/ModifyMembers", "Groups/DeleteVersion", "Groups/OverlappingUserAndGroupIDs"}},
		{fault: "overlap-subattrs", run: overlapTest, pass: true, ok: []string{"Groups/OverlappingUserAndGroupIDs"}},
		{
			fault: "overlap-group-first", run: overlapTest,
			want: []string{`member value "1" names user "u0" and group "g0": CreateGroup must resolve it to the user, Type "User" (store.GroupStore: users are looked up first)`},
		},
		// Lists ordered by name when no sortBy is given: the check of the
		// default order says it is creation order.
		{
			fault: "name-order", run: "^(Users|Groups)$/^ListCreationOrder$",
			want: []string{`ListUsers with sortBy "" descending false, every user active, must return the users [zed Mid alpha Bob] in the order they were created (store.Query.SortBy: "" means creation order`,
				`ListGroups without sortBy must return the groups [zeta Mu alpha Beta] in the order they were created`},
		},
		// A taken name answered with the database's error: the identity
		// checks say which names are one and which method must conflict.
		{
			fault: "driver-conflict", run: "^(Users|Groups)$/^(UniqueUserNameIdentity|UniqueDisplayNameIdentity)$",
			want: []string{`CreateUser of userName "cafe\u0301" while "caf\u00e9" is stored must return store.ErrConflict: the two are one name under query.NameKey`,
				`the key the store's unique index must be on (store.UserStore.CreateUser)`,
				`CreateGroup of displayName "cafe\u0301" while "caf\u00e9" is stored must return store.ErrConflict`},
		},
		{
			fault: "seconds", run: "^(Users|Groups)$/^TimestampsToTheMillisecond$",
			want: []string{"the Meta.Created of two users created 3ms apart must differ, the later write's later, as read back: a store keeps meta.created and meta.lastModified to the millisecond at least",
				"(store.UserStore.CreateUser, ReplaceUser)", "the Meta.LastModified of a group created and replaced 3ms apart must differ"},
		},
		// A replace that keeps the version: the first failure of the
		// precedence checks says so, not that a stale write wrote.
		{
			fault: "replace-keeps-version", run: "^(Users|Groups)$/^WritePrecedence$",
			want: []string{"ReplaceUser must give the user a new Meta.Version (store.UserStore.ReplaceUser)",
				"ReplaceGroup must give the group a new Meta.Version (store.GroupStore.ReplaceGroup)"},
			first: "a new Meta.Version (store.", // the user's or the group's: the two run in parallel
		},
		// Numbered ids looked up as numbers, as a text bound to an
		// integer column is: "01" finds user "1".
		{
			fault: "overlap-as-number", run: "^(Users|Groups)$/^(GetNotFound|GetNotFoundAndExcludeMembers|IDsMatchExactly)$",
			want: []string{`GetUser must return store.ErrNotFound for the id "01", which differs from the stored "1" by a leading zero alone`,
				"by a leading zero alone, must return store.ErrNotFound: ids match exactly, case included (store.GroupStore) (store.GroupStore.GetGroup)",
				`, which differs from the member "1" by a leading zero alone, must remove nothing`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.fault, func(t *testing.T) {
			t.Parallel()
			run := "^TestBrokenStoreChild$"
			if tt.run != "" {
				run += "/" + tt.run
			}
			cmd := exec.Command(os.Args[0], "-test.run="+run, "-test.v", "-test.count=1")
			cmd.Env = append(os.Environ(), brokenEnv+"="+tt.fault)
			out, err := cmd.CombinedOutput()
			text := string(out)
			if tt.pass {
				require.NoError(t, err, "the suite must pass on a store that keeps the contract:\n%s", text)
			} else {
				var exit *exec.ExitError
				require.ErrorAs(t, err, &exit, "the suite must fail on the %s store:\n%s", tt.fault, text)
			}
			for _, w := range tt.want {
				assert.True(t, strings.Contains(text, w), "the failure must state the broken contract: %q", w)
			}
			assert.False(t, regexp.MustCompile(`(?m)^panic: |\[recovered\]`).MatchString(text), "the suite must not panic on a broken store")
			if tt.first != "" {
				// A failure starts at its file:line: an assertion's
				// block, with its Messages, runs to the next one.
				at := failureLine.FindAllStringIndex(text, 2)
				first := ""
				switch len(at) {
				case 1:
					first = text[at[0][0]:]
				case 2:
					first = text[at[0][0]:at[1][0]]
				}
				assert.True(t, strings.Contains(first, tt.first), "the first failure must state the broken contract: %q, not %q", tt.first, first)
			}
			for _, name := range tt.ok {
				assert.True(t, strings.Contains(text, "--- PASS: TestBrokenStoreChild/"+name+" "), "a fault must fail only the subtests that meet it: %s must pass", name)
			}
			assert.True(t, strings.Contains(text, "=== RUN   TestBrokenStoreChild/"), "the child must run the suite")
			assert.False(t, strings.Contains(text, "--- SKIP: TestBrokenStoreChild/Groups/OverlappingUserAndGroupIDs") && tt.run != "",
				"the store hands out overlapping ids, so the check must run")
			if t.Failed() {
				t.Logf("the child's output:\n%s", text)
			}
		})
	}
}
