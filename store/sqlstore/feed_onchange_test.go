package sqlstore_test

import (
	"context"
	"database/sql"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/sqlstore"
)

// TestOnChangeSeesTheFeedEntries: OnChange is handed each entry as the
// feed stores it, Seq included, for writes of one entry and of several
// (a group created with members, a deactivation, a user deleted from a
// group), in two tenants.
func TestOnChangeSeesTheFeedEntries(t *testing.T) {
	forEachDB(t, func(t *testing.T, db opener) {
		var (
			mu   sync.Mutex
			seen = map[string][]store.Change{}
		)
		s := db.open(t, sqlstore.Config{ChangeFeed: true, OnChange: func(_ context.Context, _ *sql.Tx, c sqlstore.Change) error {
			mu.Lock()
			defer mu.Unlock()
			seen[c.Tenant] = append(seen[c.Tenant], c.Change)
			return nil
		}})
		for _, tenant := range []string{"a", "b"} {
			tctx := store.WithTenant(ctx, tenant)
			u, err := s.CreateUser(tctx, &resources.User{UserName: "ann", Active: ptr(true)})
			require.NoError(t, err)
			v, err := s.CreateUser(tctx, &resources.User{UserName: "bob"})
			require.NoError(t, err)
			g, err := s.CreateGroup(tctx, &resources.Group{DisplayName: "g", Members: []resources.Member{{Value: u.ID}, {Value: v.ID}}})
			require.NoError(t, err)
			_, err = s.UpdateUser(tctx, u.ID, "", func(cur *resources.User) (*resources.User, error) {
				cur.Active, cur.Title = ptr(false), "gone"
				return cur, nil
			})
			require.NoError(t, err)
			_, err = s.ModifyMembers(tctx, g.ID, nil, []string{v.ID}, "")
			require.NoError(t, err)
			require.NoError(t, s.DeleteUser(tctx, u.ID, ""))
		}
		for _, tenant := range []string{"a", "b"} {
			entries, err := s.Feed().Changes(store.WithTenant(ctx, tenant), 0, 100)
			require.NoError(t, err)
			kinds := make([]store.ChangeKind, len(entries))
			for i, e := range entries {
				require.Equal(t, int64(i+1), e.Seq)
				kinds[i] = e.Kind
			}
			assert.Equal(t, []store.ChangeKind{store.UserCreated, store.UserCreated, store.GroupCreated, store.MembersAdded,
				store.UserUpdated, store.UserDeactivated, store.MembersRemoved, store.UserDeleted, store.MembersRemoved}, kinds)
			got := seen[tenant]
			require.Len(t, got, len(entries))
			for i := range got {
				assert.True(t, got[i].At.Equal(entries[i].At), "entry %d: At %v, OnChange saw %v", i+1, entries[i].At, got[i].At)
				got[i].At = entries[i].At
			}
			assert.Equal(t, entries, got)
		}
	})
}
