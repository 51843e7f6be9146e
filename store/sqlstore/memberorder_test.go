package sqlstore_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/memory"
	"github.com/scimkit/scim/store/sqlstore"
)

// TestReplacedMembersKeepTheirPlace: a group's members come back in the
// order they were added (store.GroupStore, "Member order"), on the memory
// store as on each SQL database, after a write that replaces the whole
// list too (a PUT, or Okta's PATCH replacing members): the members it
// keeps stay where they were, those it adds follow in the order given.
// The memory store gave the order of the list sent, so one PUT answered
// in two orders.
func TestReplacedMembersKeepTheirPlace(t *testing.T) {
	stores := []struct {
		name string
		open func(t *testing.T) (store.UserStore, store.GroupStore)
	}{{"memory", func(*testing.T) (store.UserStore, store.GroupStore) { m := memory.New(); return m, m }}}
	for _, db := range databases() {
		stores = append(stores, struct {
			name string
			open func(t *testing.T) (store.UserStore, store.GroupStore)
		}{db.name, func(t *testing.T) (store.UserStore, store.GroupStore) {
			s := db.open(t, sqlstore.Config{})
			return s, s
		}})
	}
	for _, tc := range stores {
		t.Run(tc.name, func(t *testing.T) {
			users, groups := tc.open(t)
			id := map[string]string{}
			name := map[string]string{}
			for _, n := range []string{"a", "b", "c", "d"} {
				u, err := users.CreateUser(ctx, &resources.User{UserName: n, Active: resources.Bool(true)})
				require.NoError(t, err)
				id[n], name[u.ID] = u.ID, n
			}
			members := func(ns ...string) []resources.Member {
				ms := make([]resources.Member, len(ns))
				for i, n := range ns {
					ms[i] = resources.Member{Value: id[n]}
				}
				return ms
			}
			order := func(g *resources.Group) []string {
				out := []string{}
				for _, m := range g.Members {
					out = append(out, name[m.Value])
				}
				return out
			}
			g, err := groups.CreateGroup(ctx, &resources.Group{DisplayName: "team", Members: members("b", "a", "c")})
			require.NoError(t, err)
			require.Equal(t, []string{"b", "a", "c"}, order(g), "CreateGroup")

			put := g.Clone()
			put.Members = members("d", "c", "a")
			g, err = groups.ReplaceGroup(ctx, put, "")
			require.NoError(t, err)
			assert.Equal(t, []string{"a", "c", "d"}, order(g), "ReplaceGroup: a and c stay in place, d follows")
			g, err = groups.GetGroup(ctx, g.ID, store.GetOptions{})
			require.NoError(t, err)
			assert.Equal(t, []string{"a", "c", "d"}, order(g), "GetGroup after ReplaceGroup")

			up, ok := groups.(store.GroupUpdater)
			require.True(t, ok)
			g, err = up.UpdateGroup(ctx, g.ID, "", true, func(cur *resources.Group) (*resources.Group, error) {
				next := cur.Clone()
				next.Members = members("b", "a", "d")
				return next, nil
			})
			require.NoError(t, err)
			assert.Equal(t, []string{"a", "d", "b"}, order(g), "UpdateGroup replacing the member list")
			g, err = groups.GetGroup(ctx, g.ID, store.GetOptions{})
			require.NoError(t, err)
			assert.Equal(t, []string{"a", "d", "b"}, order(g), "GetGroup after UpdateGroup")
		})
	}
}
