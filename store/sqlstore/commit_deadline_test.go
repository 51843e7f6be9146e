package sqlstore_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/sqlstore"
)

// TestDeadlineDuringCommit: a request's context that ends while its
// write's COMMIT is on its way (the fault point is the driver's Commit,
// as database/sql calls it) does not end the COMMIT: the write commits
// and the store says so. Before, the drivers ended the COMMIT with the
// context (pgx closes the connection, whatever the server did with it),
// and the handler answered 503 for a write that may have committed; a
// provider's retried create then got 409. A context that ended before
// the COMMIT still rolls the write back (the second table).
func TestDeadlineDuringCommit(t *testing.T) {
	oneMember := func(t *testing.T, s *sqlstore.Store, _, gid string, committed bool) {
		g, err := s.GetGroup(tctx(), gid, store.GetOptions{})
		require.NoError(t, err)
		assert.Equal(t, committed, len(g.Members) == 1, "members %v", g.Members)
	}
	writes := []struct {
		name  string
		write func(ctx context.Context, s *sqlstore.Store, uid, gid string) error
		check func(t *testing.T, s *sqlstore.Store, uid, gid string, committed bool)
	}{
		{
			name: "create group",
			write: func(ctx context.Context, s *sqlstore.Store, uid, _ string) error {
				_, err := s.CreateGroup(ctx, &resources.Group{DisplayName: "new", Members: []resources.Member{{Value: uid}}})
				return err
			},
			check: func(t *testing.T, s *sqlstore.Store, _, _ string, committed bool) {
				page, err := s.ListGroups(tctx(), store.Query{StartIndex: 1, Count: 10, ExcludeMembers: true})
				require.NoError(t, err)
				assert.Equal(t, map[bool]int{true: 2, false: 1}[committed], page.Total)
			},
		},
		{
			name: "add a member",
			write: func(ctx context.Context, s *sqlstore.Store, uid, gid string) error {
				_, err := s.ModifyMembers(ctx, gid, []string{uid}, nil, "")
				return err
			},
			check: oneMember,
		},
		{
			name: "checked member change",
			write: func(ctx context.Context, s *sqlstore.Store, uid, gid string) error {
				_, err := s.ModifyMembersChecked(ctx, gid, []string{uid}, nil, "", func(*resources.Group) error { return nil })
				return err
			},
			check: oneMember,
		},
		{
			name: "delete user",
			write: func(ctx context.Context, s *sqlstore.Store, uid, _ string) error {
				return s.DeleteUser(ctx, uid, "")
			},
			check: func(t *testing.T, s *sqlstore.Store, uid, _ string, committed bool) {
				_, err := s.GetUser(tctx(), uid, store.GetOptions{})
				assert.Equal(t, committed, err != nil, "%v", err)
			},
		},
	}
	forEachDB(t, func(t *testing.T, db opener) {
		for _, w := range writes {
			for _, tc := range []struct {
				name      string
				at        string // "commit": the context ends as the COMMIT is sent; "before": before the write
				committed bool
			}{
				{"ends during the commit", "commit", true},
				{"ended before the write", "before", false},
			} {
				t.Run(w.name+"/"+tc.name, func(t *testing.T) {
					s, log, err := sqlstore.NewCountingForTest(ctx, sqlstore.Config{DSN: db.dsn(t)})
					require.NoError(t, err)
					t.Cleanup(func() { s.Close() })
					u, err := s.CreateUser(tctx(), &resources.User{UserName: "bjensen"})
					require.NoError(t, err)
					g, err := s.CreateGroup(tctx(), &resources.Group{DisplayName: "team"})
					require.NoError(t, err)

					wctx, cancel := context.WithCancel(tctx())
					defer cancel()
					commits := 0
					switch tc.at {
					case "commit":
						log.BeforeCommit(func() { commits++; cancel() })
					case "before":
						cancel()
					}
					err = w.write(wctx, s, u.ID, g.ID)
					log.BeforeCommit(nil)
					if tc.committed {
						require.NoError(t, err, "a write whose COMMIT was sent is the COMMIT's outcome")
						assert.Equal(t, 1, commits)
					} else {
						require.ErrorIs(t, err, context.Canceled)
					}
					w.check(t, s, u.ID, g.ID, tc.committed)
				})
			}
		}
	})
}
