package sqlstore_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/sqlstore"
)

// TestHostTablesWithoutTenantColumn: a mapping whose Users or Groups
// table has no Tenant column serves the default tenant alone. A write of
// users (or groups) in another tenant is refused with an error naming
// the column to add, and changes neither the host's rows nor the SCIM
// tables: before, a provider of tenant acme created a user that adopted
// the default tenant's unmanaged account by its address, and could
// rename, deactivate or delete the accounts SCIM manages there.
// UnmanagedUsers refuses acme too (it would list every tenant's
// accounts). The default tenant writes as before. The bridge's function
// as a host's own Config.OnChange (OnChangeForTest) refuses the same
// writes, inside the transaction: a test through it cannot pass what the
// store with Config.Bridge refuses. (A mapping with a Tenant column on
// one table only is refused by Bridge: TestHostTablesTenantOnEveryTable.)
func TestHostTablesWithoutTenantColumn(t *testing.T) {
	forEachDB(t, func(t *testing.T, db opener) {
		for _, asOnChange := range []bool{false, true} {
			t.Run(map[bool]string{false: "Config.Bridge", true: "Config.OnChange"}[asOnChange], func(t *testing.T) {
				dsn := db.dsn(t)
				acme := store.WithTenant(ctx, "acme")
				// acme's user and group, made before the bridge, for its updates
				// and deletes.
				plain, err := sqlstore.New(ctx, sqlstore.Config{DSN: dsn})
				require.NoError(t, err)
				acmeUser, err := plain.CreateUser(acme, &resources.User{UserName: "early@acme.example"})
				require.NoError(t, err)
				acmeGroup, err := plain.CreateGroup(acme, &resources.Group{DisplayName: "early crew"})
				require.NoError(t, err)
				serial := "INTEGER PRIMARY KEY"
				if isPG(plain) {
					serial = "BIGSERIAL PRIMARY KEY"
				}
				require.NoError(t, plain.Close())
				for _, q := range []string{
					`CREATE TABLE solo_users (id ` + serial + `, scim_id TEXT, org TEXT, email TEXT NOT NULL)`,
					`CREATE TABLE solo_teams (id ` + serial + `, scim_id TEXT, name TEXT NOT NULL)`,
					`INSERT INTO solo_users (email) VALUES ('ann@solo.example')`,
				} {
					require.NoError(t, sqltestExec(t, dsn, q))
				}

				bridge, err := sqlstore.HostTables{
					Users: sqlstore.UserTable{Table: "solo_users", ID: "scim_id", Key: "id",
						Columns: map[string]string{"userName": "email"}, Adopt: &sqlstore.Match{Column: "email", Attribute: "userName"}},
					Groups: &sqlstore.GroupTable{Table: "solo_teams", ID: "scim_id", Key: "id", Columns: map[string]string{"displayName": "name"}},
				}.Bridge(dsn)
				require.NoError(t, err)
				s, err := sqlstore.New(ctx, bridgeConfig(dsn, bridge, asOnChange))
				require.NoError(t, err)
				defer s.Close()
				hostRows := func() []string {
					return append(rowsOf(t, s.DB(), `SELECT id, scim_id IS NULL, email FROM solo_users ORDER BY id`),
						rowsOf(t, s.DB(), `SELECT id, scim_id IS NULL, name FROM solo_teams ORDER BY id`)...)
				}
				before := hostRows()

				refusedUsers := map[string]func() error{
					"create adopting the default tenant's account": func() error {
						_, err := s.CreateUser(acme, &resources.User{UserName: "ann@solo.example"})
						return err
					},
					"replace": func() error {
						u := acmeUser.Clone()
						u.UserName = "renamed@acme.example"
						_, err := s.ReplaceUser(acme, u, "")
						return err
					},
					"update": func() error {
						_, err := s.UpdateUser(acme, acmeUser.ID, "", func(u *resources.User) (*resources.User, error) { u.UserName = "x@acme.example"; return u, nil })
						return err
					},
					"delete": func() error { return s.DeleteUser(acme, acmeUser.ID, "") },
				}
				for name, write := range refusedUsers {
					err := write()
					assert.ErrorContains(t, err, "Users has no Tenant column", name)
					assert.ErrorContains(t, err, `"acme"`, name)
				}
				refusedGroups := map[string]func() error{
					"create": func() error {
						_, err := s.CreateGroup(acme, &resources.Group{DisplayName: "crew"})
						return err
					},
					"replace": func() error {
						g := acmeGroup.Clone()
						g.DisplayName = "renamed crew"
						_, err := s.ReplaceGroup(acme, g, "")
						return err
					},
					"update": func() error {
						_, err := s.UpdateGroup(acme, acmeGroup.ID, "", false, func(g *resources.Group) (*resources.Group, error) { g.DisplayName = "x"; return g, nil })
						return err
					},
					"members": func() error {
						_, err := s.ModifyMembers(acme, acmeGroup.ID, []string{acmeUser.ID}, nil, "")
						return err
					},
					"delete": func() error { return s.DeleteGroup(acme, acmeGroup.ID, "") },
				}
				for name, write := range refusedGroups {
					assert.ErrorContains(t, write(), "Groups has no Tenant column", name)
				}
				_, err = s.GetUser(acme, acmeUser.ID, store.GetOptions{})
				assert.NoError(t, err, "the refused delete deleted nothing")
				assert.Equal(t, before, hostRows(), "acme's writes changed no host row, adopted none")
				_, err = bridge.UnmanagedUsers(ctx, s.DB(), "acme")
				assert.ErrorContains(t, err, "Users has no Tenant column")
				got, err := s.GetGroup(acme, acmeGroup.ID, store.GetOptions{})
				require.NoError(t, err)
				assert.Equal(t, "early crew", got.DisplayName, "acme's group unchanged")
				assert.Empty(t, got.Members)

				// The default tenant is the mapping's own.
				_, err = s.CreateUser(ctx, &resources.User{UserName: "ann@solo.example"})
				require.NoError(t, err)
				_, err = s.CreateGroup(ctx, &resources.Group{DisplayName: "solo crew"})
				require.NoError(t, err)
				assert.Equal(t, []string{"1 0 ann@solo.example", "1 0 solo crew"}, hostRows(), "adopted and inserted in the default tenant")
			})
		}
	})
}

// TestHostTablesTenantOnEveryTable: a mapping scopes its tables by tenant
// all together or not at all. One with a Tenant column on Users and none
// on Groups (or the reverse, or on Members alone) is refused by Bridge
// with an error naming the field to set: it served one table per tenant
// and the other across tenants. Both dialects' mappings are checked.
func TestHostTablesTenantOnEveryTable(t *testing.T) {
	forEachDB(t, func(t *testing.T, db opener) {
		dsn := db.dsn(t)
		for _, tc := range []struct {
			name                  string
			users, groups, member string // the Tenant columns
			err                   []string
		}{
			{"none", "", "", "", nil},
			{"Users and Groups", "org", "org", "", nil},
			{"every table", "org", "org", "org", nil},
			{"Users alone", "org", "", "", []string{"Users.Tenant is set and Groups.Tenant is not", "set Groups.Tenant"}},
			{"Users and Members", "org", "", "org", []string{"Users.Tenant is set and Groups.Tenant is not", "set Groups.Tenant"}},
			{"Groups alone", "", "org", "", []string{"Groups.Tenant is set and Users.Tenant is not", "set Users.Tenant"}},
			{"Members alone", "", "", "org", []string{"Members.Tenant is set and Users.Tenant is not", "set Users.Tenant"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := sqlstore.HostTables{
					Users:   sqlstore.UserTable{Table: "people", ID: "scim_id", Tenant: tc.users},
					Groups:  &sqlstore.GroupTable{Table: "crews", ID: "scim_id", Tenant: tc.groups},
					Members: &sqlstore.MemberTable{Table: "crew_people", Group: "crew", User: "person", Tenant: tc.member},
				}.Bridge(dsn)
				if tc.err == nil {
					require.NoError(t, err)
					return
				}
				for _, want := range tc.err {
					assert.ErrorContains(t, err, want)
				}
			})
		}
	})
}
