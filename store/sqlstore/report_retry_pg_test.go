package sqlstore_test

import (
	"context"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/sqlstore"
)

// TestReportAfterRetriedCommit: a write whose function succeeded but
// whose COMMIT failed with a serialization failure (here a deferred
// trigger on scim_groups that fails the first commit after it is armed)
// is run again by the store; the store.Report the caller asked for, and
// the change feed, then hold what the committed attempt did, once: the
// rolled-back attempt's entries are dropped with it.
func TestReportAfterRetriedCommit(t *testing.T) {
	s := openWith(postgresDSN)(t, sqlstore.Config{ChangeFeed: true})
	for _, q := range []string{
		`CREATE SEQUENCE scim_test_fail_once`,
		`CREATE FUNCTION scim_test_fail_once() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN
			-- nextval is not rolled back with the transaction it fails.
			IF nextval('scim_test_fail_once') = 1 THEN
				RAISE EXCEPTION 'injected serialization failure at commit' USING ERRCODE = '40001';
			END IF;
			RETURN NULL;
		END $$`,
		`CREATE CONSTRAINT TRIGGER scim_test_fail_once AFTER UPDATE OR DELETE ON scim_groups
			DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION scim_test_fail_once()`,
	} {
		_, err := s.DB().ExecContext(ctx, q)
		require.NoError(t, err, q)
	}
	arm := func(t *testing.T) {
		t.Helper()
		_, err := s.DB().ExecContext(ctx, `ALTER SEQUENCE scim_test_fail_once RESTART`)
		require.NoError(t, err)
	}
	user := func(t *testing.T, name string) string {
		t.Helper()
		u, err := s.CreateUser(ctx, &resources.User{UserName: name})
		require.NoError(t, err)
		return u.ID
	}
	group := func(t *testing.T, name string, members ...string) string {
		t.Helper()
		g := &resources.Group{DisplayName: name}
		for _, id := range members {
			g.Members = append(g.Members, resources.Member{Value: id})
		}
		g, err := s.CreateGroup(ctx, g)
		require.NoError(t, err)
		return g.ID
	}
	last := func(t *testing.T) int64 {
		t.Helper()
		cs, err := s.Feed().Changes(ctx, 0, 1000)
		require.NoError(t, err)
		if len(cs) == 0 {
			return 0
		}
		return cs[len(cs)-1].Seq
	}

	for _, tc := range []struct {
		name  string
		write func(t *testing.T, ctx context.Context) []store.Change // what it must report
	}{
		{"ModifyMembers", func(t *testing.T, ctx context.Context) []store.Change {
			a, b := user(t, "mm-a"), user(t, "mm-b")
			gid := group(t, "mm", b)
			arm(t)
			_, err := s.ModifyMembers(ctx, gid, []string{a, "nobody"}, []string{b}, "")
			require.NoError(t, err)
			return []store.Change{
				{Kind: store.MembersRemoved, ID: gid, Members: []string{b}},
				{Kind: store.MembersAdded, ID: gid, Members: []string{a}},
			}
		}},
		{"DeleteUser", func(t *testing.T, ctx context.Context) []store.Change {
			a := user(t, "du-a")
			gid := group(t, "du", a)
			arm(t)
			require.NoError(t, s.DeleteUser(ctx, a, ""))
			return []store.Change{
				{Kind: store.UserDeleted, ID: a},
				{Kind: store.MembersRemoved, ID: gid, Members: []string{a}},
			}
		}},
		{"DeleteGroup", func(t *testing.T, ctx context.Context) []store.Change {
			a := user(t, "dg-a")
			gid := group(t, "dg", a)
			arm(t)
			require.NoError(t, s.DeleteGroup(ctx, gid, ""))
			return []store.Change{
				{Kind: store.GroupDeleted, ID: gid},
				{Kind: store.MembersRemoved, ID: gid, Members: []string{a}},
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var r store.Report
			retried := s.RetriedForTest()
			want := tc.write(t, store.WithReport(ctx, &r))
			from := last(t) - int64(len(want))
			require.Equal(t, retried+1, s.RetriedForTest(), "the first commit failed and the write ran again")
			require.True(t, r.Filled)
			assert.Equal(t, want, withoutVersions(r.Changes), "the report holds the committed attempt's changes, once")
			cs, err := s.Feed().Changes(ctx, from, 1000)
			require.NoError(t, err)
			assert.Equal(t, want, withoutVersions(cs), "the feed holds the committed attempt's entries, once")
		})
	}
}

// withoutVersions returns cs with only Kind, ID and (sorted) Members.
func withoutVersions(cs []store.Change) []store.Change {
	out := make([]store.Change, len(cs))
	for i, c := range cs {
		out[i] = store.Change{Kind: c.Kind, ID: c.ID, Members: slices.Sorted(slices.Values(c.Members))}
		if len(c.Members) == 0 {
			out[i].Members = nil
		}
	}
	return out
}
