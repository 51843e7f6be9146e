package sqlstore_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/internal/clocktest"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/sqlstore"
)

func TestOpenAppliesMigrationsOnce(t *testing.T) {
	forEachDB(t, func(t *testing.T, db opener) {
		dsn := db.dsn(t)
		// Several processes (here: stores) opening a new database at once
		// apply the schema once and all succeed.
		const n = 6
		stores := make([]*sqlstore.Store, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range stores {
			wg.Add(1)
			go func() {
				defer wg.Done()
				stores[i], errs[i] = sqlstore.Open(ctx, dsn)
			}()
		}
		wg.Wait()
		fresh := 0
		for i, s := range stores {
			require.NoError(t, errs[i])
			defer s.Close()
			if s.Fresh() {
				fresh++
			}
		}
		assert.Equal(t, 1, fresh, "exactly one Open created the schema")
		v, err := stores[0].SchemaVersion(ctx)
		require.NoError(t, err)
		versions := sqlstore.MigrationVersions(stores[0])
		assert.Equal(t, versions[len(versions)-1], v, "the newest migration")
		var rows int
		require.NoError(t, stores[0].DB().QueryRowContext(ctx, `SELECT count(*) FROM scim_schema_migrations`).Scan(&rows))
		assert.Equal(t, len(versions), rows, "each migration applied once")

		// reopening finds the schema
		again, err := sqlstore.Open(ctx, dsn)
		require.NoError(t, err)
		defer again.Close()
		assert.False(t, again.Fresh())

		// a schema newer than this program is refused
		_, err = stores[0].DB().ExecContext(ctx, `INSERT INTO scim_schema_migrations (version, name, applied_at) VALUES (999, 'future', 'x')`)
		require.NoError(t, err)
		_, err = sqlstore.Open(ctx, dsn)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "newer")
	})
}

func TestOpenDSNForms(t *testing.T) {
	dir := t.TempDir()
	s, err := sqlstore.Open(ctx, filepath.Join(dir, "a.db"))
	require.NoError(t, err)
	assert.Equal(t, "sqlite", s.Dialect())
	assert.True(t, s.Fresh())
	require.NoError(t, s.Close())
	_, err = os.Stat(filepath.Join(dir, "a.db"))
	require.NoError(t, err, "the file is created")

	s, err = sqlstore.Open(ctx, "file:"+filepath.Join(dir, "a.db")+"?cache=private")
	require.NoError(t, err)
	assert.False(t, s.Fresh())
	require.NoError(t, s.Close())

	m, err := sqlstore.Open(ctx, ":memory:")
	require.NoError(t, err)
	defer m.Close()
	u, err := m.CreateUser(store.WithTenant(ctx, "x"), &resources.User{UserName: "a"})
	require.NoError(t, err)
	got, err := m.GetUser(store.WithTenant(ctx, "x"), u.ID, store.GetOptions{})
	require.NoError(t, err)
	assert.Equal(t, "a", got.UserName)

	_, err = sqlstore.Open(ctx, "")
	require.Error(t, err)
	_, err = sqlstore.Open(ctx, filepath.Join(dir, "missing-dir", "x.db"))
	require.Error(t, err)
}

// TestRoundTrip stores every kind of attribute, extensions included, and
// reads back exactly what was written.
func TestRoundTrip(t *testing.T) {
	forEachDB(t, func(t *testing.T, db opener) {
		m := acmeModel(t)
		clk := clocktest.New(time.Date(2025, 1, 2, 3, 4, 5, 123456789, time.UTC))
		s := db.open(t, sqlstore.Config{Model: m, Now: clk.Now})
		assert.Same(t, m, s.Model(), "the handler takes the store's model")
		tctx := store.WithTenant(ctx, "rt")
		in := diffUsers()[0]
		in.Enterprise.Extra = map[string]json.RawMessage{"costCentreCode": json.RawMessage(`{"b": 1, "a": [true, null, 1.50]}`)}
		in.Extensions[acme] = json.RawMessage(`{"z":1,  "a":"ünïcode \u00e9","level":3}`)
		u, err := s.CreateUser(tctx, in)
		require.NoError(t, err)
		assert.Equal(t, time.Date(2025, 1, 2, 3, 4, 5, 123456000, time.UTC), u.Meta.Created, "microseconds, UTC")
		got, err := s.GetUser(tctx, u.ID, store.GetOptions{ExcludeGroups: true})
		require.NoError(t, err)
		assert.Equal(t, u, got)
		want := in.Clone()
		want.ID, want.Meta = u.ID, u.Meta
		// raw extension JSON is kept as sent, compacted (as encoding/json
		// renders it): same key order, same number literals; the null in
		// the list is unassigned (RFC 7643 §2.5), dropped as a request's is
		want.Enterprise.Extra["costCentreCode"] = json.RawMessage(`{"b":1,"a":[true,1.50]}`)
		want.Extensions[acme] = json.RawMessage(`{"z":1,"a":"ünïcode \u00e9","level":3}`)
		assert.Equal(t, want, got)
		assert.Equal(t, "secret", got.Password, "the password is stored (the handler never returns it)")

		g, err := s.CreateGroup(tctx, &resources.Group{DisplayName: "G", ExternalID: "x",
			Extensions: map[string]json.RawMessage{"urn:example:group:ext": json.RawMessage(`{"k": "v"}`)},
			Members:    []resources.Member{{Value: u.ID, Display: "ignored", Type: "ignored"}}})
		require.NoError(t, err)
		gg, err := s.GetGroup(tctx, g.ID, store.GetOptions{})
		require.NoError(t, err)
		assert.Equal(t, g, gg)
		assert.Equal(t, []resources.Member{{Value: u.ID, Type: "User", Display: "Alice Adams"}}, gg.Members)
		assert.Equal(t, json.RawMessage(`{"k":"v"}`), gg.Extensions["urn:example:group:ext"])
	})
}

// TestExcludeMembersNeverReadsMembers proves on PostgreSQL that reads with
// ExcludeMembers do not touch scim_members: they succeed for a role that
// may not read that table.
func TestExcludeMembersNeverReadsMembers(t *testing.T) {
	dsn := postgresDSN(t)
	s, err := sqlstore.Open(ctx, dsn)
	require.NoError(t, err)
	defer s.Close()
	tctx := store.WithTenant(ctx, "ex")
	u, err := s.CreateUser(tctx, &resources.User{UserName: "m"})
	require.NoError(t, err)
	g, err := s.CreateGroup(tctx, &resources.Group{DisplayName: "G", Members: []resources.Member{{Value: u.ID}}})
	require.NoError(t, err)

	restricted, err := sqlstore.Open(ctx, roleDSN(t, s, dsn,
		`GRANT USAGE ON SCHEMA {schema} TO {role}`, // no CREATE: Open of an up-to-date schema needs none
		`GRANT SELECT ON scim_schema_migrations, scim_groups, scim_users TO {role}`))
	require.NoError(t, err)
	defer restricted.Close()

	got, err := restricted.GetGroup(tctx, g.ID, store.GetOptions{ExcludeMembers: true})
	require.NoError(t, err)
	assert.Nil(t, got.Members)
	page, err := restricted.ListGroups(tctx, store.Query{StartIndex: 1, Count: 10, ExcludeMembers: true, Filter: mustParse(t, `displayName eq "g"`)})
	require.NoError(t, err)
	require.Len(t, page.Items, 1)
	assert.Nil(t, page.Items[0].Members)

	// the same reads with members do need the table
	_, err = restricted.GetGroup(tctx, g.ID, store.GetOptions{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "permission denied")
}

// TestConcurrentMembership checks that concurrent membership changes,
// deletions of members and replaces of the group never lose an update,
// never deadlock, and never leave a membership of a deleted user.
func TestConcurrentMembership(t *testing.T) {
	forEachDB(t, func(t *testing.T, db opener) {
		s := db.open(t, sqlstore.Config{})
		tctx := store.WithTenant(ctx, "conc")
		const n = 40
		ids := make([]string, n)
		for i := range ids {
			u, err := s.CreateUser(tctx, &resources.User{UserName: fmt.Sprint("u", i)})
			require.NoError(t, err)
			ids[i] = u.ID
		}
		g, err := s.CreateGroup(tctx, &resources.Group{DisplayName: "G"})
		require.NoError(t, err)
		parent, err := s.CreateGroup(tctx, &resources.Group{DisplayName: "P"})
		require.NoError(t, err)

		var wg sync.WaitGroup
		// adders: one goroutine per user id
		for i := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := s.ModifyMembers(tctx, g.ID, []string{ids[i]}, nil, "")
				assert.NoError(t, err)
			}()
		}
		// deleters of every fourth user, racing the adds
		for i := 0; i < n; i += 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				assert.NoError(t, s.DeleteUser(tctx, ids[i], ""))
			}()
		}
		// the group joins and leaves another group meanwhile
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := 0; k < 10; k++ {
				_, err := s.ModifyMembers(tctx, parent.ID, []string{g.ID}, nil, "")
				assert.NoError(t, err)
				_, err = s.ModifyMembers(tctx, parent.ID, nil, []string{g.ID}, "")
				assert.NoError(t, err)
			}
		}()
		wg.Wait()

		got, err := s.GetGroup(tctx, g.ID, store.GetOptions{})
		require.NoError(t, err)
		var want []string
		for i := range ids {
			if i%4 != 0 {
				want = append(want, ids[i])
			}
		}
		var have []string
		for _, m := range got.Members {
			have = append(have, m.Value)
		}
		assert.ElementsMatch(t, want, have, "every add of a live user kept, no member that was deleted")
		var orphans int
		require.NoError(t, s.DB().QueryRowContext(ctx, `SELECT count(*) FROM scim_members m WHERE NOT EXISTS
			(SELECT 1 FROM scim_users u WHERE u.tenant = m.tenant AND u.id = m.member_id)
			AND NOT EXISTS (SELECT 1 FROM scim_groups g WHERE g.tenant = m.tenant AND g.id = m.member_id)`).Scan(&orphans))
		assert.Zero(t, orphans, "memberships of deleted resources")

		// concurrent versioned changes: exactly one wins per version
		cur, err := s.GetGroup(tctx, g.ID, store.GetOptions{ExcludeMembers: true})
		require.NoError(t, err)
		wins, stale := 0, 0
		var mu sync.Mutex
		for i := 1; i < n; i += 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := s.ModifyMembers(tctx, g.ID, nil, []string{ids[i]}, cur.Meta.Version)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					wins++
				case errors.Is(err, store.ErrPreconditionFailed):
					stale++
				default:
					t.Errorf("ModifyMembers: %v", err)
				}
			}()
		}
		wg.Wait()
		assert.Equal(t, 1, wins)
		assert.Equal(t, n/4-1, stale)
	})
}

// TestConcurrentReplaceAndDelete races replaces, member changes and the
// deletion of one group with each other; every call ends in success or a
// store sentinel, never a database error.
func TestConcurrentReplaceAndDelete(t *testing.T) {
	forEachDB(t, func(t *testing.T, db opener) {
		s := db.open(t, sqlstore.Config{})
		tctx := store.WithTenant(ctx, "race")
		var ids []string
		for i := 0; i < 10; i++ {
			u, err := s.CreateUser(tctx, &resources.User{UserName: fmt.Sprint("u", i)})
			require.NoError(t, err)
			ids = append(ids, u.ID)
		}
		g, err := s.CreateGroup(tctx, &resources.Group{DisplayName: "G"})
		require.NoError(t, err)
		ok := func(err error) {
			if err != nil && !errors.Is(err, store.ErrNotFound) && !errors.Is(err, store.ErrPreconditionFailed) && !errors.Is(err, store.ErrConflict) {
				t.Errorf("unexpected error: %v", err)
			}
		}
		var wg sync.WaitGroup
		for i := 0; i < 10; i++ {
			wg.Add(3)
			go func() {
				defer wg.Done()
				_, err := s.ReplaceGroup(tctx, &resources.Group{ID: g.ID, DisplayName: "G", Members: []resources.Member{{Value: ids[i]}, {Value: ids[(i+1)%10]}}}, "")
				ok(err)
			}()
			go func() {
				defer wg.Done()
				_, err := s.ModifyMembers(tctx, g.ID, []string{ids[(i+5)%10]}, []string{ids[i]}, "")
				ok(err)
			}()
			go func() {
				defer wg.Done()
				if i == 5 {
					ok(s.DeleteGroup(tctx, g.ID, ""))
				} else {
					ok(s.DeleteUser(tctx, ids[(i+3)%10], ""))
				}
			}()
		}
		wg.Wait()
		_, err = s.GetGroup(tctx, g.ID, store.GetOptions{})
		require.ErrorIs(t, err, store.ErrNotFound)
		var left int
		require.NoError(t, s.DB().QueryRowContext(ctx, `SELECT count(*) FROM scim_members`).Scan(&left))
		assert.Zero(t, left)
	})
}

func TestFold(t *testing.T) {
	for _, c := range [][2]string{{"ABC", "abc"}, {"Straße", "straße"}, {"ſam", "sam"}, {"K", "k"}, {"ÄRGER", "ärger"}, {"İ", "İ"}, {"ΣΑΣ", "σασ"}, {"ς", "σ"}} {
		assert.Equal(t, c[1], sqlstore.Fold(c[0]), c[0])
	}
}

// TestReindex registers an extension after data carrying it was stored:
// its caseExact attribute matches exactly only after Reindex.
func TestReindex(t *testing.T) {
	forEachDB(t, func(t *testing.T, db opener) {
		dsn := db.dsn(t)
		before, err := sqlstore.Open(ctx, dsn)
		require.NoError(t, err)
		defer before.Close()
		tctx := store.WithTenant(ctx, "ri")
		_, err = before.CreateUser(tctx, &resources.User{UserName: "a", Extensions: map[string]json.RawMessage{acme: json.RawMessage(`{"badge":"B-1"}`)}})
		require.NoError(t, err)
		_, err = before.CreateGroup(tctx, &resources.Group{DisplayName: "G"})
		require.NoError(t, err)

		after, err := sqlstore.New(ctx, sqlstore.Config{DSN: dsn, Model: acmeModel(t)})
		require.NoError(t, err)
		defer after.Close()
		count := func() int {
			p, err := after.ListUsers(tctx, store.Query{Filter: mustParseWith(t, acme+`:badge eq "B-1"`, acme), StartIndex: 1, Count: 10})
			require.NoError(t, err)
			return p.Total
		}
		assert.Equal(t, 0, count(), "stored folded while the extension was unknown")
		many := make([]*resources.User, 1100) // more than two batches
		for i := range many {
			many[i] = seedUser(i)
		}
		_, err = after.SeedUsersForTest(ctx, "ri", many)
		require.NoError(t, err)
		require.NoError(t, after.Reindex(ctx))
		last, err := after.ListUsers(tctx, store.Query{Filter: mustParse(t, `emails[type eq "work"].value eq "USER1099@work.example"`), StartIndex: 1, Count: 10})
		require.NoError(t, err)
		assert.Equal(t, 1, last.Total)
		assert.Equal(t, 1, count())
		p, err := after.ListGroups(tctx, store.Query{Filter: mustParse(t, `displayName eq "g"`), StartIndex: 1, Count: 10})
		require.NoError(t, err)
		assert.Equal(t, 1, p.Total)
	})
}

// TestRemoveManyMembers: PostgreSQL removes up to MaxDeleteMembersForTest
// members with a parameter each, and more in one array; a removal of
// more, by PATCH or by PUT, removes every one of them, and the feed names
// exactly those that were members.
func TestRemoveManyMembers(t *testing.T) {
	forEachDB(t, func(t *testing.T, db opener) {
		s := db.open(t, sqlstore.Config{ChangeFeed: true})
		var ids []string
		for i := range 3*sqlstore.MaxDeleteMembersForTest + 5 {
			u, err := s.CreateUser(ctx, &resources.User{UserName: fmt.Sprintf("m%02d", i)})
			require.NoError(t, err)
			ids = append(ids, u.ID)
		}
		members := func(ids []string) []resources.Member {
			out := make([]resources.Member, len(ids))
			for i, id := range ids {
				out[i] = resources.Member{Value: id}
			}
			return out
		}
		g, err := s.CreateGroup(ctx, &resources.Group{DisplayName: "many", Members: members(ids)})
		require.NoError(t, err)
		lastRemoved := func() []string {
			t.Helper()
			changes, err := s.Feed().Changes(ctx, 0, 1000)
			require.NoError(t, err)
			require.NotEmpty(t, changes)
			last := changes[len(changes)-1]
			require.Equal(t, store.MembersRemoved, last.Kind)
			return last.Members
		}

		// PATCH: all but the last five, and two ids that are no members.
		gone := append(slices.Clone(ids[:len(ids)-5]), "nobody", ids[0])
		_, err = s.ModifyMembers(ctx, g.ID, nil, gone, "")
		require.NoError(t, err)
		g, err = s.GetGroup(ctx, g.ID, store.GetOptions{})
		require.NoError(t, err)
		assert.Equal(t, ids[len(ids)-5:], memberValues(g.Members))
		want := slices.Clone(ids[:len(ids)-5])
		slices.Sort(want)
		assert.Equal(t, want, lastRemoved())

		// PUT: the group back to all of them, then to the first three.
		w := g.Clone()
		w.Members = members(ids)
		g, err = s.ReplaceGroup(ctx, w, "")
		require.NoError(t, err)
		w = g.Clone()
		w.Members = members(ids[:3])
		g, err = s.ReplaceGroup(ctx, w, "")
		require.NoError(t, err)
		assert.Equal(t, ids[:3], memberValues(g.Members))
		want = slices.Clone(ids[3:])
		slices.Sort(want)
		assert.Equal(t, want, lastRemoved())
	})
}

// memberValues returns the values of members, in order.
func memberValues(members []resources.Member) []string {
	out := make([]string, len(members))
	for i, m := range members {
		out[i] = m.Value
	}
	return out
}

// TestConcurrentUpdateUser: writers racing on one user through
// UpdateUser (on PostgreSQL a read and a conditional UPDATE, which reads
// again when another write got there first) lose no change, and the feed
// holds one entry per change, numbered without a gap.
func TestConcurrentUpdateUser(t *testing.T) {
	const writers = 16
	forEachDB(t, func(t *testing.T, db opener) {
		s := db.open(t, sqlstore.Config{ChangeFeed: true})
		u, err := s.CreateUser(ctx, &resources.User{UserName: "contended"})
		require.NoError(t, err)
		var wg sync.WaitGroup
		errs := make(chan error, writers)
		for i := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := s.UpdateUser(ctx, u.ID, "", func(cur *resources.User) (*resources.User, error) {
					cur.Entitlements = append(cur.Entitlements, resources.MultiValue{Value: fmt.Sprintf("e%02d", i)})
					return cur, nil
				})
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
		got, err := s.GetUser(ctx, u.ID, store.GetOptions{})
		require.NoError(t, err)
		assert.Len(t, got.Entitlements, writers, "every writer's entitlement is kept")
		assert.Equal(t, fmt.Sprintf(`W/"%d"`, 1+writers), got.Meta.Version)
		kinds := feedKinds(t, ctx, s)
		require.Len(t, kinds, 1+writers)
		for _, k := range kinds[1:] {
			assert.Equal(t, store.UserUpdated, k)
		}
	})
}
