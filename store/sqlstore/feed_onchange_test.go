package sqlstore_test

import (
	"context"
	"database/sql"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/sqlstore"
)

// TestOnChangeSeesTheFeedEntries: OnChange is handed each entry as the
// feed stores it, for writes of one entry and of several (a group created
// with members, a deactivation, a user deleted from a group), in two
// tenants: on SQLite with its Seq, on PostgreSQL with Seq 0 (numbered
// once committed, by a reader of the feed).
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
				if isPG(s) {
					assert.Zero(t, got[i].Seq, "entry %d: handed before it is numbered", i+1)
					got[i].Seq = entries[i].Seq
				}
			}
			assert.Equal(t, entries, got)
		}
	})
}

// TestFeedRetriedWrite: a write whose transaction the database makes
// retry (here: Config.OnChange fails once with a serialization failure,
// which rolls the first attempt back) appends its entries in the attempt
// that commits, numbered as if the first had never run, for each kind of
// write, with Config.OnChange and without it.
func TestFeedRetriedWrite(t *testing.T) {
	forEachDB(t, func(t *testing.T, db opener) {
		for _, bridged := range []bool{false, true} {
			t.Run(map[bool]string{false: "feed", true: "feed+OnChange"}[bridged], func(t *testing.T) {
				var (
					mu       sync.Mutex
					failNext bool    // the next OnChange fails: the attempt's first entry
					seen     []int64 // the Seqs OnChange accepted
				)
				cfg := sqlstore.Config{ChangeFeed: true}
				if bridged {
					cfg.OnChange = func(_ context.Context, _ *sql.Tx, c sqlstore.Change) error {
						mu.Lock()
						defer mu.Unlock()
						if failNext {
							failNext = false
							return &pgconn.PgError{Code: "40001", Message: "injected serialization failure"}
						}
						seen = append(seen, c.Seq)
						return nil
					}
				}
				s := db.open(t, cfg)
				tctx := store.WithTenant(ctx, "t")
				retried := func() {
					mu.Lock()
					failNext = bridged
					mu.Unlock()
				}
				u, err := s.CreateUser(tctx, &resources.User{UserName: "ann", Active: ptr(true)})
				require.NoError(t, err)
				retried()
				v, err := s.CreateUser(tctx, &resources.User{UserName: "bob"})
				require.NoError(t, err)
				retried()
				g, err := s.CreateGroup(tctx, &resources.Group{DisplayName: "g", Members: []resources.Member{{Value: u.ID}}})
				require.NoError(t, err)
				retried()
				_, err = s.UpdateUser(tctx, u.ID, "", func(cur *resources.User) (*resources.User, error) {
					cur.Active = ptr(false)
					return cur, nil
				})
				require.NoError(t, err)
				retried()
				_, err = s.ReplaceUser(tctx, &resources.User{ID: v.ID, UserName: "bob", Title: "new"}, "")
				require.NoError(t, err)
				retried()
				_, err = s.ModifyMembers(tctx, g.ID, []string{v.ID}, []string{u.ID}, "")
				require.NoError(t, err)
				retried()
				_, err = s.ReplaceGroup(tctx, &resources.Group{ID: g.ID, DisplayName: "renamed", Members: []resources.Member{{Value: v.ID}}}, "")
				require.NoError(t, err)
				retried()
				_, err = s.UpdateGroup(tctx, g.ID, "", false, func(cur *resources.Group) (*resources.Group, error) {
					cur.DisplayName = "again"
					return cur, nil
				})
				require.NoError(t, err)
				retried()
				require.NoError(t, s.DeleteUser(tctx, u.ID, ""))
				retried()
				require.NoError(t, s.DeleteUser(tctx, v.ID, ""))
				retried()
				require.NoError(t, s.DeleteGroup(tctx, g.ID, ""))

				kinds := feedKinds(t, tctx, s)
				assert.Equal(t, []store.ChangeKind{store.UserCreated, store.UserCreated, store.GroupCreated, store.MembersAdded,
					store.UserUpdated, store.UserDeactivated, store.UserUpdated, store.MembersRemoved, store.MembersAdded,
					store.GroupUpdated, store.GroupUpdated, store.UserDeleted, store.UserDeleted, store.MembersRemoved, store.GroupDeleted}, kinds)
				if bridged {
					want := make([]int64, len(kinds))
					for i := range want {
						if !isPG(s) { // on PostgreSQL: 0, numbered once committed
							want[i] = int64(i + 1)
						}
					}
					assert.Equal(t, want, seen, "OnChange sees each committed entry once, with its Seq on SQLite")
				}
			})
		}
	})
}
