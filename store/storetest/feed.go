package storetest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/internal/fanout"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
)

// Faults makes a store's writes fail inside their transaction, after the
// change and its feed entries are written and before the commit, so the
// suite can prove that they commit or fail together. Wire its Check into
// the store's in-transaction hook (memory.WithOnChange,
// sqlstore.Config.OnChange) and hand it to the suite in Stores.Faults. It
// fails only the writes of the tenants the suite sets, so parallel
// subtests do not disturb each other. The zero value is ready to use.
type Faults struct {
	m sync.Map // tenant -> error
}

// Check returns the error set for the tenant of ctx, or nil.
func (f *Faults) Check(ctx context.Context) error {
	if err, ok := f.m.Load(store.Tenant(ctx)); ok {
		return err.(error)
	}
	return nil
}

// set makes every write of tenant fail with err (nil: succeed again).
func (f *Faults) set(tenant string, err error) {
	if err == nil {
		f.m.Delete(tenant)
		return
	}
	f.m.Store(tenant, err)
}

var feedTests = []test{
	{"Feed/Entries", testFeedEntries},
	{"Feed/Groups", testFeedGroups},
	{"Feed/NothingChangedNothingAppended", testFeedNoChange},
	{"Feed/SecretsSentListed", testFeedSecretsSent},
	{"Feed/CommitsWithTheChange", testFeedAtomic},
	{"Feed/ConcurrentWritesNumberedOnce", testFeedConcurrent},
	{"Feed/TenantsApart", testFeedTenants},
	{"Feed/Consumers", testFeedConsumers},
	{"Feed/ExtremePositions", testFeedExtremes},
	{"Feed/ConsumerNames", testFeedConsumerNames},
}

// testFeedConsumerNames: a consumer or holder name no store can key a
// position by alike (empty, NUL, invalid UTF-8, past
// store.MaxConsumerName: PostgreSQL answered the last three with its own
// error text, memory and SQLite took them) is refused by every
// FeedConsumers method with store.ErrConsumerName, and records nothing;
// the longest name accepted works.
func testFeedConsumerNames(t *testing.T, e *env) {
	fc, ok := e.feed.(store.FeedConsumers)
	if !ok {
		t.Skip("the feed does not implement store.FeedConsumers")
	}
	const ttl = time.Minute
	longest := strings.Repeat("é", store.MaxConsumerName/2)
	_, err := fc.LeaseFeed(e.ctx, longest, longest, ttl)
	require.NoError(t, err, "a name of store.MaxConsumerName bytes")
	require.NoError(t, fc.AckFeed(e.ctx, longest, longest, 0, ttl))
	require.NoError(t, fc.ReleaseFeed(e.ctx, longest, longest))
	// Only this subtest's tenant: others may share the store.
	status := func() store.FeedStatus {
		sts, err := fc.FeedStatus(e.ctx)
		require.NoError(t, err)
		for _, st := range sts {
			if st.Tenant == store.Tenant(e.ctx) {
				return st
			}
		}
		return store.FeedStatus{}
	}
	before := status()
	for _, bad := range []string{"", "a\x00b", "caf\xe9", longest + "x", strings.Repeat("n", 3000)} {
		for _, names := range [][2]string{{bad, "replica-1"}, {"sessions", bad}} {
			msg := fmt.Sprintf("consumer %.40q, holder %.40q", names[0], names[1])
			_, err := fc.LeaseFeed(e.ctx, names[0], names[1], ttl)
			assert.ErrorIs(t, err, store.ErrConsumerName, "LeaseFeed: %s", msg)
			assert.ErrorIs(t, fc.AckFeed(e.ctx, names[0], names[1], 1, ttl), store.ErrConsumerName, "AckFeed: %s", msg)
			assert.ErrorIs(t, fc.ReleaseFeed(e.ctx, names[0], names[1]), store.ErrConsumerName, "ReleaseFeed: %s", msg)
		}
	}
	assert.Equal(t, before, status(), "a refused name records nothing")
}

// testFeedExtremes: Changes after any int64 position, with any limit,
// is what the contract says, never an error or a wrapped-around
// comparison: every entry after a position before the first (negative
// ones down to math.MinInt64), none after one past the head (up to
// math.MaxInt64), none for a limit of 0 or less, all for math.MaxInt.
func testFeedExtremes(t *testing.T, e *env) {
	e.createUser(t, &resources.User{UserName: "feed-extreme-1"})
	e.createUser(t, &resources.User{UserName: "feed-extreme-2"})
	all := e.changes(t, 0)
	require.Len(t, all, 2)
	for _, tc := range []struct {
		after int64
		limit int
		want  int
	}{
		{math.MinInt64, 10, 2},
		{math.MinInt64 + 1, 10, 2},
		{-1, 10, 2},
		{math.MinInt64, math.MaxInt, 2},
		{0, math.MaxInt, 2},
		{all[0].Seq, math.MaxInt, 1},
		{all[1].Seq, 10, 0},
		{math.MaxInt64 - 1, 10, 0},
		{math.MaxInt64, 10, 0},
		{0, 0, 0},
		{0, -1, 0},
		{math.MinInt64, math.MinInt, 0},
	} {
		page, err := e.feed.Changes(e.ctx, tc.after, tc.limit)
		require.NoError(t, err, "ChangeFeed.Changes after %d, limit %d", tc.after, tc.limit)
		assert.Len(t, page, tc.want, "ChangeFeed.Changes after %d, limit %d", tc.after, tc.limit)
	}
}

// changes reads the whole feed of the subtest's tenant after after, in
// pages of 2 to exercise paging.
func (e *env) changes(t *testing.T, after int64) []store.Change {
	t.Helper()
	var out []store.Change
	for {
		page, err := e.feed.Changes(e.ctx, after, 2)
		require.NoError(t, err, "ChangeFeed.Changes after %d", after)
		require.LessOrEqual(t, len(page), 2, "ChangeFeed.Changes returns at most limit entries")
		if len(page) == 0 {
			return out
		}
		for _, c := range page {
			require.Greater(t, c.Seq, after, "ChangeFeed.Changes returns entries after the position asked, in Seq order")
			after = c.Seq
		}
		out = append(out, page...)
	}
}

// requirePages checks that the tenant's feed from cs on (cs: its entries
// numbered one by one from the first's Seq to the last), read after any
// position among them with any limit, is the part of cs after it: a
// position may fall between the entries of one write (a deactivation's
// two, a group created with members, a deletion and the memberships it
// removed) and a page may end there.
func requirePages(t *testing.T, e *env, cs []store.Change) {
	t.Helper()
	if len(cs) == 0 {
		return
	}
	base := cs[0].Seq - 1
	for i := range len(cs) + 1 {
		after := base + int64(i)
		for limit := 1; limit <= 3; limit++ {
			page, err := e.feed.Changes(e.ctx, after, limit)
			require.NoError(t, err, "ChangeFeed.Changes after %d, limit %d", after, limit)
			want := cs[i:min(i+limit, len(cs))]
			require.Equal(t, len(want), len(page), "ChangeFeed.Changes after %d, limit %d: the next entries, limit of them unless fewer follow", after, limit)
			for j := range want {
				msg := fmt.Sprintf("ChangeFeed.Changes after %d, limit %d: entry %d", after, limit, j)
				require.Equal(t, want[j].Seq, page[j].Seq, msg)
				require.Equal(t, want[j].Kind, page[j].Kind, msg)
				require.Equal(t, want[j].ID, page[j].ID, msg)
				require.Equal(t, want[j].Version, page[j].Version, msg)
				require.ElementsMatch(t, want[j].Members, page[j].Members, msg)
				require.Equal(t, want[j].Attributes, page[j].Attributes, msg)
			}
		}
	}
}

// kinds summarises entries as "kind id members attributes" lines, member
// ids sorted (a store may return them in any order).
func kinds(cs []store.Change, names map[string]string) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		ms := make([]string, len(c.Members))
		for j, m := range c.Members {
			ms[j] = names[m]
		}
		slices.Sort(ms)
		out[i] = fmt.Sprintf("%s %s %v %v", c.Kind, names[c.ID], ms, c.Attributes)
	}
	return out
}

// requireNumbered checks the entries are numbered from first, one by one,
// in the tenant, with a time.
func requireNumbered(t *testing.T, e *env, cs []store.Change, first int64) {
	t.Helper()
	for i, c := range cs {
		require.Equal(t, first+int64(i), c.Seq, "a tenant's feed entries are numbered one by one: entry %d (%s)", i, c.Kind)
		require.Equal(t, e.tenant, c.Tenant, "Change.Tenant is the tenant of the write")
		require.False(t, c.At.IsZero(), "Change.At is set")
	}
}

func testFeedEntries(t *testing.T, e *env) {
	u := e.createUser(t, &resources.User{UserName: "feed-ann", Name: &resources.Name{GivenName: "Ann"}})
	names := map[string]string{u.ID: "ann"}

	next := u.Clone()
	next.Name = &resources.Name{GivenName: "Anne"}
	next.Title = "Boss"
	r1, err := e.users.ReplaceUser(e.ctx, next, "")
	require.NoError(t, err)
	next = r1.Clone()
	next.Active = ptr(false)
	r2, err := e.users.ReplaceUser(e.ctx, next, "")
	require.NoError(t, err)
	next = r2.Clone()
	next.Active = ptr(true)
	r3, err := e.users.ReplaceUser(e.ctx, next, "")
	require.NoError(t, err)
	require.NoError(t, e.users.DeleteUser(e.ctx, u.ID, ""))

	cs := e.changes(t, 0)
	requireNumbered(t, e, cs, 1)
	assert.Equal(t, []string{
		"user.created ann [] []",
		"user.updated ann [] [name title]",
		"user.updated ann [] [active]",
		"user.deactivated ann [] []",
		"user.updated ann [] [active]",
		"user.reactivated ann [] []",
		"user.deleted ann [] []",
	}, kinds(cs, names), "the entries of create, replace, deactivate, reactivate, delete (store.Change)")
	if len(cs) == 7 {
		assert.Equal(t, []string{u.Meta.Version, r1.Meta.Version, r2.Meta.Version, r2.Meta.Version, r3.Meta.Version, r3.Meta.Version, ""},
			[]string{cs[0].Version, cs[1].Version, cs[2].Version, cs[3].Version, cs[4].Version, cs[5].Version, cs[6].Version},
			"Change.Version is the version the write returned; empty after a delete")
	}
	assert.Empty(t, e.changes(t, int64(len(cs))), "nothing after the last entry")
	requirePages(t, e, cs)
}

func testFeedGroups(t *testing.T, e *env) {
	if e.groups == nil {
		t.Skip("no GroupStore")
	}
	a := e.createUser(t, &resources.User{UserName: "feed-a"})
	b := e.createUser(t, &resources.User{UserName: "feed-b"})
	c := e.createUser(t, &resources.User{UserName: "feed-c"})
	g := e.createGroup(t, &resources.Group{DisplayName: "feed-g", Members: []resources.Member{{Value: a.ID}, {Value: b.ID}, {Value: unknownID()}, {Value: a.ID}}})
	names := map[string]string{a.ID: "a", b.ID: "b", c.ID: "c", g.ID: "g"}
	start := int64(3)

	// Only what really changes is listed: a is present, the unknown id
	// and d-less removals name nothing.
	_, err := e.groups.ModifyMembers(e.ctx, g.ID, []string{a.ID, c.ID, unknownID()}, []string{unknownID()}, "")
	require.NoError(t, err)
	_, err = e.groups.ModifyMembers(e.ctx, g.ID, nil, []string{b.ID}, "")
	require.NoError(t, err)
	// A replace that renames and sets the members to [a b] removes c and
	// adds b.
	cur, err := e.groups.GetGroup(e.ctx, g.ID, store.GetOptions{})
	require.NoError(t, err)
	next := cur.Clone()
	next.DisplayName = "feed-g2"
	next.Members = []resources.Member{{Value: a.ID}, {Value: b.ID}}
	_, err = e.groups.ReplaceGroup(e.ctx, next, "")
	require.NoError(t, err)
	// A nested group: deleting g drops it from parent too.
	if e.nested {
		parent := e.createGroup(t, &resources.Group{DisplayName: "feed-parent", Members: []resources.Member{{Value: g.ID}}})
		names[parent.ID] = "parent"
	}
	require.NoError(t, e.users.DeleteUser(e.ctx, a.ID, ""))
	require.NoError(t, e.groups.DeleteGroup(e.ctx, g.ID, ""))

	want := []string{
		"group.created g [] []",
		"group.members_added g [a b] []",
		"group.members_added g [c] []",
		"group.members_removed g [b] []",
		"group.updated g [] [displayName]",
		"group.members_removed g [c] []",
		"group.members_added g [b] []",
		"group.created parent [] []",
		"group.members_added parent [g] []",
		"user.deleted a [] []",
		"group.members_removed g [a] []",
		"group.deleted g [] []",
		"group.members_removed g [b] []",
		"group.members_removed parent [g] []",
	}
	if !e.nested {
		want = slices.DeleteFunc(want, func(s string) bool { return strings.Contains(s, "parent") })
	}
	cs := e.changes(t, start)
	requireNumbered(t, e, cs, start+1)
	assert.Equal(t, want, kinds(cs, names), "membership entries list the ids really added or removed, and deletes list the memberships they remove (store.Change)")
	requirePages(t, e, cs)
}

func testFeedNoChange(t *testing.T, e *env) {
	u := e.createUser(t, &resources.User{UserName: "feed-same"})
	if up := e.userUp; up != nil {
		_, err := up.UpdateUser(e.ctx, u.ID, "", func(cur *resources.User) (*resources.User, error) { return nil, nil })
		require.NoError(t, err)
	}
	if e.groups != nil {
		g := e.createGroup(t, &resources.Group{DisplayName: "feed-same", Members: []resources.Member{{Value: u.ID}}})
		_, err := e.groups.ModifyMembers(e.ctx, g.ID, []string{u.ID}, []string{unknownID()}, "")
		require.NoError(t, err)
		cs := e.changes(t, 0)
		assert.Len(t, cs, 3, "a membership change that changes nothing appends nothing: %v", kinds(cs, nil))
		return
	}
	assert.Len(t, e.changes(t, 0), 1, "an UpdateUser whose change returns nil appends nothing")
}

// testFeedSecretsSent: a write whose context names secrets its request
// sent (store.SecretsSent) lists them in its entry, even when it writes
// the resource as stored (the handler then writes it all the same, so
// that the version does not tell a right guess at a secret from a wrong
// one): a new version and an entry, never none. The names are filled
// before ReplaceUser, and inside UpdateUser's change.
func testFeedSecretsSent(t *testing.T, e *env) {
	const urn = "urn:example:storetest:vault"
	u := e.createUser(t, &resources.User{UserName: "feed-secret"})
	names := map[string]string{u.ID: "user"}
	ctx := store.WithSecretsSent(e.ctx, &store.SecretsSent{Attributes: []string{urn}})
	r1, err := e.users.ReplaceUser(ctx, u.Clone(), "")
	require.NoError(t, err)
	assert.NotEqual(t, u.Meta.Version, r1.Meta.Version, "a write of the user as stored gets a new version")
	want := []string{"user.created user [] []", "user.updated user [] [" + urn + "]"}
	if up := e.userUp; up != nil {
		sent := &store.SecretsSent{}
		_, err := up.UpdateUser(store.WithSecretsSent(e.ctx, sent), u.ID, "", func(cur *resources.User) (*resources.User, error) {
			sent.Attributes = []string{"password", urn}
			return cur, nil
		})
		require.NoError(t, err)
		want = append(want, "user.updated user [] [password "+urn+"]")
	}
	if e.groups != nil {
		g := e.createGroup(t, &resources.Group{DisplayName: "feed-secret"})
		names[g.ID] = "group"
		next := g.Clone()
		next.Members = nil
		_, err := e.groups.ReplaceGroup(ctx, next, "")
		require.NoError(t, err)
		want = append(want, "group.created group [] []", "group.updated group [] ["+urn+"]")
	}
	assert.Equal(t, want, kinds(e.changes(t, 0), names), "a write lists the secrets its request sent (store.SecretsSentOf), changed or not")
}

var errInjected = errors.New("storetest: injected failure")

func testFeedAtomic(t *testing.T, e *env) {
	if e.faults == nil {
		t.Skip("no Stores.Faults: the store's in-transaction hook is not wired to the suite")
	}
	u := e.createUser(t, &resources.User{UserName: "feed-kept"})
	var g *resources.Group
	if e.groups != nil {
		g = e.createGroup(t, &resources.Group{DisplayName: "feed-kept"})
	}
	head := int64(len(e.changes(t, 0)))

	e.faults.set(e.tenant, errInjected)
	_, err := e.users.CreateUser(e.ctx, &resources.User{UserName: "feed-lost"})
	assert.ErrorIs(t, err, errInjected, "CreateUser returns the hook's error")
	next := u.Clone()
	next.Title = "changed"
	_, err = e.users.ReplaceUser(e.ctx, next, "")
	assert.ErrorIs(t, err, errInjected, "ReplaceUser returns the hook's error")
	assert.ErrorIs(t, e.users.DeleteUser(e.ctx, u.ID, ""), errInjected, "DeleteUser returns the hook's error")
	if g != nil {
		_, err = e.groups.ModifyMembers(e.ctx, g.ID, []string{u.ID}, nil, "")
		assert.ErrorIs(t, err, errInjected, "ModifyMembers returns the hook's error")
		assert.ErrorIs(t, e.groups.DeleteGroup(e.ctx, g.ID, ""), errInjected, "DeleteGroup returns the hook's error")
	}
	e.faults.set(e.tenant, nil)

	assert.Empty(t, e.changes(t, head), "a write that failed appended nothing")
	got, err := e.users.GetUser(e.ctx, u.ID, store.GetOptions{ExcludeGroups: true})
	require.NoError(t, err, "a failed DeleteUser deleted nothing")
	assert.Empty(t, got.Title, "a failed ReplaceUser changed nothing")
	assert.Equal(t, u.Meta.Version, got.Meta.Version, "a failed write keeps the version")
	assert.Zero(t, e.listUsers(t, store.Query{Filter: parse(t, `userName eq "feed-lost"`), Count: 1}).Total, "a failed CreateUser created nothing")
	if g != nil {
		assert.Empty(t, e.members(t, g.ID), "a failed ModifyMembers added nothing")
	}

	e.createUser(t, &resources.User{UserName: "feed-after"})
	cs := e.changes(t, head)
	require.Len(t, cs, 1)
	assert.Equal(t, head+1, cs[0].Seq, "a failed write leaves no gap in the numbering")
}

func testFeedConcurrent(t *testing.T, e *env) {
	const n = 16
	errs := fanout.Run(n, func(i int) error {
		_, err := e.users.CreateUser(e.ctx, &resources.User{UserName: fmt.Sprintf("feed-par-%d", i)})
		return err
	})
	for _, err := range errs {
		require.NoError(t, err)
	}
	cs := e.changes(t, 0)
	require.Len(t, cs, n, "one entry per committed create")
	requireNumbered(t, e, cs, 1)
	seen := map[string]bool{}
	for _, c := range cs {
		assert.False(t, seen[c.ID], "each create appears once")
		seen[c.ID] = true
	}
}

func testFeedTenants(t *testing.T, e *env) {
	e.createUser(t, &resources.User{UserName: "feed-here"})
	other, err := e.feed.Changes(e.other(), 0, 10)
	require.NoError(t, err)
	assert.Empty(t, other, "a tenant's feed holds only its own changes")
	_, err = e.users.CreateUser(e.other(), &resources.User{UserName: "feed-there"})
	require.NoError(t, err)
	other, err = e.feed.Changes(e.other(), 0, 10)
	require.NoError(t, err)
	require.Len(t, other, 1)
	assert.Equal(t, int64(1), other[0].Seq, "each tenant numbers its own feed")
	assert.Len(t, e.changes(t, 0), 1)
}

func testFeedConsumers(t *testing.T, e *env) {
	fc, ok := e.feed.(store.FeedConsumers)
	if !ok {
		t.Skip("the feed does not implement store.FeedConsumers")
	}
	const ttl = time.Minute
	acked, err := fc.LeaseFeed(e.ctx, "sessions", "replica-1", ttl)
	require.NoError(t, err, "LeaseFeed of a new consumer")
	assert.Zero(t, acked, "a new consumer starts at 0")
	_, err = fc.LeaseFeed(e.ctx, "sessions", "replica-2", ttl)
	assert.ErrorIs(t, err, store.ErrLeased, "a second holder cannot take a lease that has not expired")
	_, err = fc.LeaseFeed(e.ctx, "audit", "replica-2", ttl)
	assert.NoError(t, err, "consumers are leased apart")
	_, err = fc.LeaseFeed(e.other(), "sessions", "replica-2", ttl)
	assert.NoError(t, err, "a consumer is leased per tenant")

	require.NoError(t, fc.AckFeed(e.ctx, "sessions", "replica-1", 5, ttl))
	require.NoError(t, fc.AckFeed(e.ctx, "sessions", "replica-1", 3, ttl), "an older position is ignored")
	assert.ErrorIs(t, fc.AckFeed(e.ctx, "sessions", "replica-2", 9, ttl), store.ErrLeased, "only the holder acknowledges")

	require.NoError(t, fc.ReleaseFeed(e.ctx, "sessions", "replica-2"), "releasing a lease one does not hold does nothing")
	_, err = fc.LeaseFeed(e.ctx, "sessions", "replica-2", ttl)
	assert.ErrorIs(t, err, store.ErrLeased)
	require.NoError(t, fc.ReleaseFeed(e.ctx, "sessions", "replica-1"))
	acked, err = fc.LeaseFeed(e.ctx, "sessions", "replica-2", -time.Second)
	require.NoError(t, err, "a released lease is free")
	assert.Equal(t, int64(5), acked, "the new holder resumes where the consumer acknowledged")
	assert.ErrorIs(t, fc.AckFeed(e.ctx, "sessions", "replica-2", 6, ttl), store.ErrLeased, "an expired lease acknowledges nothing")
	acked, err = fc.LeaseFeed(e.ctx, "sessions", "replica-1", ttl)
	require.NoError(t, err, "an expired lease is free")
	assert.Equal(t, int64(5), acked)

	e.createUser(t, &resources.User{UserName: "feed-status"})
	sts, err := fc.FeedStatus(e.ctx)
	require.NoError(t, err)
	var mine *store.FeedStatus
	for i := range sts {
		if sts[i].Tenant == e.tenant {
			mine = &sts[i]
		}
	}
	require.NotNil(t, mine, "FeedStatus lists the tenant")
	assert.Equal(t, int64(1), mine.Head, "FeedStatus.Head is the tenant's last Seq")
	require.Len(t, mine.Consumers, 2)
	assert.Equal(t, "audit", mine.Consumers[0].Name, "consumers by name")
	assert.Equal(t, store.ConsumerStatus{Name: "sessions", Acked: 5, Holder: "replica-1"}, store.ConsumerStatus{Name: mine.Consumers[1].Name, Acked: mine.Consumers[1].Acked, Holder: mine.Consumers[1].Holder})
}
