package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/metrics"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/sqlstore"
	"github.com/scimkit/scim/tokens"
)

// TestPointStatementsRunWithoutCancellation: on a SQLite file, a point
// statement (a read by id or by a unique name, a bearer token by its
// hash, the statements of a one-resource write after its BEGIN
// IMMEDIATE, the feed's append) reaches the driver under a context that
// cannot end, so that neither modernc.org/sqlite nor database/sql starts
// a goroutine to watch it, even when the caller's context can end (a
// request's always can). What can run long keeps the caller's context:
// the BEGIN (it waits for the write lock), lists, counts, a group with
// its members, a member change of many ids, a delete (but for its feed
// entry); and so does every
// statement on PostgreSQL, whose round trip must end at the deadline.
// The counting driver sees each statement's context (SQLEvent.Cancellable).
func TestPointStatementsRunWithoutCancellation(t *testing.T) {
	for _, db := range databases() {
		t.Run(db.name, func(t *testing.T) {
			s, log, err := sqlstore.NewCountingForTest(ctx, sqlstore.Config{DSN: db.dsn(t), ChangeFeed: true})
			require.NoError(t, err)
			t.Cleanup(func() { s.Close() })
			sqlite := s.Dialect() == "sqlite"
			var ids []string
			for i := range 40 {
				u, err := s.CreateUser(ctx, &resources.User{UserName: fmt.Sprintf("user-%d@example.com", i),
					Emails: []resources.MultiValue{{Value: fmt.Sprintf("user-%d@work.example", i), Type: "work"}}})
				require.NoError(t, err)
				ids = append(ids, u.ID)
			}
			g, err := s.CreateGroup(ctx, &resources.Group{DisplayName: "Team", Members: memberList(ids[:2])})
			require.NoError(t, err)
			h, err := scim.NewHandler(scim.Config{BaseURL: "https://scim.example/v2", Users: s, Groups: s, InsecureNoAuth: true,
				Logger: slog.New(slog.DiscardHandler)})
			require.NoError(t, err)
			log.Take()

			// The caller's context can end, as a request's can.
			cctx, cancel := context.WithCancel(ctx)
			defer cancel()
			eq := func(attr, v string) store.Query {
				f, err := filter.Parse(attr + ` eq "` + v + `"`)
				require.NoError(t, err)
				return store.Query{Filter: f, StartIndex: 1, Count: 10}
			}
			member := func(e sqlstore.SQLEvent) bool {
				return strings.Contains(e.SQL, "scim_members") || strings.HasPrefix(e.SQL, "SELECT id FROM")
			}
			for _, tc := range []struct {
				name string
				run  func() error
				// point, on SQLite, says which statements must run
				// without cancellation (nil: none); every other
				// statement, and a BEGIN, keeps the caller's context.
				point func(e sqlstore.SQLEvent) bool
			}{
				{"GetUser", func() error { _, err := s.GetUser(cctx, ids[5], store.GetOptions{}); return err }, all},
				{"GetGroup without members", func() error {
					_, err := s.GetGroup(cctx, g.ID, store.GetOptions{ExcludeMembers: true})
					return err
				}, all},
				{"GetGroup with members", func() error { _, err := s.GetGroup(cctx, g.ID, store.GetOptions{}); return err }, nil},
				{"userName eq", func() error {
					p, err := s.ListUsers(cctx, eq("userName", "user-7@example.com"))
					if err == nil && p.Total != 1 {
						err = fmt.Errorf("found %d", p.Total)
					}
					return err
				}, all},
				{"displayName eq without members", func() error {
					q := eq("displayName", "Team")
					q.ExcludeMembers = true
					_, err := s.ListGroups(cctx, q)
					return err
				}, all},
				{"displayName eq with members", func() error { _, err := s.ListGroups(cctx, eq("displayName", "Team")); return err }, nil},
				{"list", func() error { _, err := s.ListUsers(cctx, eq("title", "none")); return err }, nil},
				{"count", func() error {
					_, err := s.ListUsers(cctx, store.Query{StartIndex: 1})
					return err
				}, nil},
				{"TokenByHash", func() error {
					if _, err := s.TokenByHash(cctx, []byte("no such token")); !errors.Is(err, tokens.ErrNotFound) {
						return fmt.Errorf("want tokens.ErrNotFound, got %v", err)
					}
					return nil
				}, all},
				{"CreateUser", func() error {
					_, err := s.CreateUser(cctx, &resources.User{UserName: "new@example.com", Emails: []resources.MultiValue{{Value: "new@work.example"}}})
					return err
				}, all},
				{"UpdateUser", func() error {
					_, err := s.UpdateUser(cctx, ids[5], "", func(cur *resources.User) (*resources.User, error) {
						cur.Active = ptr(false)
						return cur, nil
					})
					return err
				}, all},
				{"ModifyMembers of one", func() error { _, err := s.ModifyMembers(cctx, g.ID, ids[2:3], nil, ""); return err }, all},
				{"ModifyMembers of many", func() error { _, err := s.ModifyMembers(cctx, g.ID, ids[3:], nil, ""); return err },
					func(e sqlstore.SQLEvent) bool { return !member(e) }},
				{"DeleteUser", func() error { return s.DeleteUser(cctx, ids[39], "") },
					func(e sqlstore.SQLEvent) bool { return strings.HasPrefix(e.SQL, "INSERT INTO scim_feed ") }},
			} {
				t.Run(tc.name, func(t *testing.T) {
					require.NoError(t, tc.run())
					ev := log.Take()
					require.NotEmpty(t, ev)
					checkPoints(t, ev, sqlite, tc.point)
				})
			}

			// Through the handler, whose store context (StoreTimeout) can
			// always end: a GET and a lookup send only point statements.
			for _, path := range []string{"/Users/" + ids[6], `/Users?filter=userName+eq+%22user-8@example.com%22`} {
				t.Run("handler GET "+path, func(t *testing.T) {
					rec := serve(h, "GET", path, "")
					require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
					ev := log.Take()
					require.NotEmpty(t, ev)
					checkPoints(t, ev, sqlite, all)
				})
			}
		})
	}
}

// TestBridgeStatementsRunWithoutCancellation: on a SQLite file the
// mapping bridge's statements (Config.Bridge) that write one row of the
// host's found by key (an adoption, an insert, an update, a soft delete,
// a team's deletion) or the join rows of a member change of a few ids
// are point statements, as the store's own statements of the write are:
// the driver watches no context for them. The deletions of a user's or
// a team's join rows, as many as its teams or members, keep the
// caller's context, as the store's deletions do, and so does a member
// change of many ids; on PostgreSQL every statement keeps it.
func TestBridgeStatementsRunWithoutCancellation(t *testing.T) {
	for _, db := range databases() {
		t.Run(db.name, func(t *testing.T) {
			dsn := db.dsn(t)
			bridge, err := hostTables(true, false).Bridge(dsn)
			require.NoError(t, err)
			s, log, err := sqlstore.NewCountingForTest(ctx, sqlstore.Config{DSN: dsn, Bridge: bridge})
			require.NoError(t, err)
			t.Cleanup(func() { s.Close() })
			sqlite := s.Dialect() == "sqlite"
			for _, q := range hostSchema(!sqlite, false) {
				_, err := s.DB().Exec(q)
				require.NoError(t, err, q)
			}
			_, err = s.DB().Exec(`INSERT INTO app_users (email) VALUES ('adopted@example.com')`)
			require.NoError(t, err)
			var ids []string
			for i := range 30 {
				u, err := s.CreateUser(ctx, &resources.User{UserName: fmt.Sprintf("user-%d@example.com", i)})
				require.NoError(t, err)
				ids = append(ids, u.ID)
			}
			log.Take()

			cctx, cancel := context.WithCancel(ctx)
			defer cancel()
			var g *resources.Group
			many := func(e sqlstore.SQLEvent) bool {
				return !strings.Contains(e.SQL, "scim_members") && !strings.Contains(e.SQL, "app_team_members") && !strings.HasPrefix(e.SQL, "SELECT id FROM")
			}
			for _, tc := range []struct {
				name string
				run  func() error
				// point, on SQLite, says which statements must run
				// without cancellation; every other one keeps the
				// caller's context.
				point func(e sqlstore.SQLEvent) bool
			}{
				{"CreateUser adopting", func() error {
					_, err := s.CreateUser(cctx, &resources.User{UserName: "adopted@example.com"})
					return err
				}, all},
				{"CreateUser inserting", func() error {
					_, err := s.CreateUser(cctx, &resources.User{UserName: "new@example.com"})
					return err
				}, all},
				{"UpdateUser", func() error {
					_, err := s.UpdateUser(cctx, ids[0], "", func(cur *resources.User) (*resources.User, error) {
						cur.Active = ptr(false)
						return cur, nil
					})
					return err
				}, all},
				{"CreateGroup of 3", func() (err error) {
					g, err = s.CreateGroup(cctx, &resources.Group{DisplayName: "Team", Members: memberList(ids[:3])})
					return err
				}, func(e sqlstore.SQLEvent) bool { return !strings.HasPrefix(e.SQL, "SELECT m.group_id") }}, // the store's read of the members, as without the bridge
				{"ModifyMembers 3 in, 3 out", func() error { _, err := s.ModifyMembers(cctx, g.ID, ids[3:6], ids[:3], ""); return err }, all},
				{"ModifyMembers of many", func() error { _, err := s.ModifyMembers(cctx, g.ID, ids[6:], nil, ""); return err }, many},
				{"DeleteUser", func() error { return s.DeleteUser(cctx, ids[7], "") },
					func(e sqlstore.SQLEvent) bool { return strings.HasPrefix(e.SQL, `UPDATE "app_users" `) }},
				{"DeleteGroup", func() error { return s.DeleteGroup(cctx, g.ID, "") },
					func(e sqlstore.SQLEvent) bool { return strings.HasPrefix(e.SQL, `DELETE FROM "app_teams" `) }},
			} {
				t.Run(tc.name, func(t *testing.T) {
					require.NoError(t, tc.run())
					ev := log.Take()
					require.NotEmpty(t, ev)
					host := false
					for _, e := range ev {
						host = host || strings.Contains(e.SQL, "app_")
					}
					require.True(t, host, "the bridge wrote the host's tables")
					checkPoints(t, ev, sqlite, tc.point)
				})
			}
		})
	}
}

// TestSQLiteReadsStartNoGoroutine: a GET of a user and a lookup of a
// userName through the handler, whose store context can always end,
// start no goroutine on a SQLite file (before point statements, two a
// request: modernc.org/sqlite's watch of the statement and
// database/sql's of its rows), counted by the runtime
// (/sched/goroutines-created). The bound leaves room for goroutines of
// the runtime's or the store's own that may start meanwhile.
func TestSQLiteReadsStartNoGoroutine(t *testing.T) {
	s, err := sqlstore.New(ctx, sqlstore.Config{DSN: sqliteDSN(t)})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	h, err := scim.NewHandler(scim.Config{BaseURL: "https://scim.example/v2", Users: s, Groups: s, InsecureNoAuth: true,
		Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	u, err := s.CreateUser(ctx, &resources.User{UserName: "alice@example.com"})
	require.NoError(t, err)
	const n = 200
	for _, path := range []string{"/Users/" + u.ID, `/Users?filter=userName+eq+%22alice@example.com%22`} {
		t.Run(path, func(t *testing.T) {
			serve(h, "GET", path, "") // the statement prepared
			before := goroutinesCreated()
			for range n {
				rec := serve(h, "GET", path, "")
				require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
			}
			assert.Less(t, goroutinesCreated()-before, uint64(n/10), "goroutines started by %d requests", n)
		})
	}
}

// goroutinesCreated is how many goroutines the process has started.
func goroutinesCreated() uint64 {
	s := []metrics.Sample{{Name: "/sched/goroutines-created:goroutines"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// all says every statement is a point statement.
func all(sqlstore.SQLEvent) bool { return true }

// checkPoints checks each event's context: without cancellation for a
// statement point says is one, on SQLite; with the caller's otherwise.
func checkPoints(t *testing.T, ev []sqlstore.SQLEvent, sqlite bool, point func(e sqlstore.SQLEvent) bool) {
	t.Helper()
	sawPoint := false
	for _, e := range ev {
		want := !e.Begin && sqlite && point != nil && point(e)
		sawPoint = sawPoint || want
		assert.Equal(t, !want, e.Cancellable, "cancellable: begin %v, %s", e.Begin, e.SQL)
	}
	if sqlite && point != nil {
		assert.True(t, sawPoint, "no point statement")
	}
}
