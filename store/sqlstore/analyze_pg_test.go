package sqlstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/sqlstore"
)

// TestPlansCachedWhileSmall: on PostgreSQL, a provider's requests read
// few rows on a tenant that grew after they had run on its tiny tables.
// One connection (so that every statement's plan is cached where the
// next run finds it) serves a provider's requests eight times each while
// the tenant has a handful of users and groups: PostgreSQL then keeps a
// generic plan of each, and of the foreign key checks and cascades its
// writes run, made when every estimate was one row. Then 2,000 users
// with an email each, 200 groups of 10 and a group of all of them are
// written through the store, and each request runs again: none may read
// more than 60 rows of the store's tables (the deltas of
// pg_stat_user_tables.seq_tup_read and pg_stat_user_indexes.idx_tup_read,
// flushed by pg_stat_force_next_flush). Without the store's ANALYZE as
// the tables grow, the cached plans read the tenant (Config.NoAnalyze:
// 2,009 rows for a user's create, whose email's foreign key check walked
// scim_users_user_name_key; 4,018 for a deactivation, 2,010 for a GET,
// about 2,500 for a member's add, 2,662 for a delete).
func TestPlansCachedWhileSmall(t *testing.T) {
	dsn := postgresDSN(t)
	s, err := sqlstore.New(ctx, sqlstore.Config{DSN: dsn, MaxOpenConns: 1})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	h, err := scim.NewHandler(scim.Config{BaseURL: "https://scim.example/v2", Users: s, Groups: s, InsecureNoAuth: true,
		Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)

	do := func(t *testing.T, method, path, body string, want int) string {
		t.Helper()
		rec := serve(h, method, path, body)
		require.Equal(t, want, rec.Code, "%s %s: %s", method, path, rec.Body)
		_, rest, _ := strings.Cut(rec.Body.String(), `"id":"`)
		id, _, _ := strings.Cut(rest, `"`)
		return id
	}
	userBody := func(name string) string {
		return fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":%q,"externalId":%q,`+
			`"emails":[{"value":%q,"type":"work","primary":true}]}`, name, "x-"+name, name)
	}
	groupBody := func(name string, members []string) string {
		var b strings.Builder
		for i, m := range members {
			if i > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, `{"value":%q}`, m)
		}
		return fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":%q,"members":[%s]}`, name, b.String())
	}
	const deactivate = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"active","value":false}]}`
	member := func(op, id string) string {
		if op == "add" {
			return `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"members","value":[{"value":"` + id + `"}]}]}`
		}
		return `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"remove","path":"members[value eq \"` + id + `\"]"}]}`
	}
	lookup := func(name string) string {
		return "/Users?filter=" + strings.ReplaceAll(fmt.Sprintf("userName eq %q", name), " ", "%20")
	}

	// requests are a provider's: a sync cycle (a lookup that misses, the
	// create, the deactivation), a read, a one-member change of a small
	// and a big group, and a user's delete (in two groups).
	type ids struct{ small, big, victim string }
	requests := func(t *testing.T, name string, g ids, measure func(step string, run func())) {
		var id string
		measure("lookup by userName", func() { do(t, "GET", lookup(name), "", 200) })
		measure("POST user", func() { id = do(t, "POST", "/Users", userBody(name), 201) })
		measure("PATCH active", func() { do(t, "PATCH", "/Users/"+id, deactivate, 200) })
		measure("GET user", func() { do(t, "GET", "/Users/"+id, "", 200) })
		for _, grp := range []struct{ name, id string }{{"small", g.small}, {"big", g.big}} {
			measure("PATCH "+grp.name+" group: add", func() { do(t, "PATCH", "/Groups/"+grp.id, member("add", id), 204) })
			measure("PATCH "+grp.name+" group: remove", func() { do(t, "PATCH", "/Groups/"+grp.id, member("remove", id), 204) })
		}
		measure("DELETE user", func() { do(t, "DELETE", "/Users/"+g.victim, "", 204) })
	}

	// Warm: eight rounds on tiny tables, more than the five runs after
	// which PostgreSQL may keep a statement's generic plan.
	var warm []ids
	for i := range 8 {
		a := do(t, "POST", "/Users", userBody(fmt.Sprintf("seed%d", i)), 201)
		warm = append(warm, ids{
			small:  do(t, "POST", "/Groups", groupBody(fmt.Sprintf("small%d", i), []string{a}), 201),
			big:    do(t, "POST", "/Groups", groupBody(fmt.Sprintf("big%d", i), []string{a}), 201),
			victim: a,
		})
	}
	for i, g := range warm {
		requests(t, fmt.Sprintf("warm%d", i), g, func(_ string, run func()) { run() })
	}

	// Grow the tenant through the store, as a provider's first push.
	tctx := store.WithTenant(ctx, "")
	const nUsers, nGroups, groupSize = 2000, 200, 10
	var all []string
	for i := range nUsers {
		name := fmt.Sprintf("user%d@example.com", i)
		u, err := s.CreateUser(tctx, &resources.User{UserName: name, Active: ptr(true),
			Emails: []resources.MultiValue{{Value: name, Type: "work"}}})
		require.NoError(t, err)
		all = append(all, u.ID)
	}
	var small string
	for i := range nGroups {
		var members []resources.Member
		for _, id := range all[i*groupSize : (i+1)*groupSize] {
			members = append(members, resources.Member{Value: id})
		}
		g, err := s.CreateGroup(tctx, &resources.Group{DisplayName: fmt.Sprintf("team %d", i), Members: members})
		require.NoError(t, err)
		small = g.ID
	}
	everyone := make([]resources.Member, len(all))
	for i, id := range all {
		everyone[i] = resources.Member{Value: id}
	}
	big, err := s.CreateGroup(tctx, &resources.Group{DisplayName: "everyone", Members: everyone})
	require.NoError(t, err)
	// What the next write's check would do, so that the test does not
	// depend on when the background check ran.
	_, runs, err := s.AnalyzeForTest(ctx)
	require.NoError(t, err)
	t.Logf("%d ANALYZE statements in all", runs)

	conn := s.DB()
	reads := func() int64 {
		var n int64
		_, err := conn.ExecContext(ctx, `SELECT pg_stat_force_next_flush()`)
		require.NoError(t, err)
		require.NoError(t, conn.QueryRowContext(ctx, `SELECT
			(SELECT coalesce(sum(seq_tup_read), 0) FROM pg_stat_user_tables WHERE schemaname = current_schema() AND relname = ANY($1)) +
			(SELECT coalesce(sum(idx_tup_read), 0) FROM pg_stat_user_indexes WHERE schemaname = current_schema() AND relname = ANY($1))`,
			statTables).Scan(&n))
		return n
	}
	// The victim: user 0, in the small group "team 0" and in "everyone".
	// The new user's name sorts after every other: a foreign key check
	// stops at the first row it finds, so a walk of the tenant in name
	// order would otherwise end early.
	requests(t, "zz-late", ids{small: small, big: big.ID, victim: all[0]}, func(step string, run func()) {
		before := reads()
		run()
		n := reads() - before
		t.Logf("%-28s %6d rows", step, n)
		assert.LessOrEqual(t, n, int64(60), "%s read %d rows of a tenant of %d users", step, n, nUsers)
	})
}

// TestAnalyzeAsTablesGrow: the PostgreSQL store's check analyzes a table
// once it has 8 pages or more and has doubled since its last ANALYZE, and
// then not again until it doubles once more; it leaves alone a table
// whose autovacuum_enabled is off, runs nothing with Config.NoAnalyze,
// and on tables its role does not own (where ANALYZE only warns) it
// neither fails nor tries again before the table doubles.
func TestAnalyzeAsTablesGrow(t *testing.T) {
	for _, tc := range []struct {
		name         string
		noAnalyze    bool
		autovacOff   bool
		notOwner     bool
		wantAnalyzed bool // pg_stat_user_tables counts the store's ANALYZEs
	}{
		{name: "owner", wantAnalyzed: true},
		{name: "not the owner", notOwner: true},
		{name: "autovacuum off", autovacOff: true},
		{name: "NoAnalyze", noAnalyze: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dsn := postgresDSN(t)
			owner, err := sqlstore.New(ctx, sqlstore.Config{DSN: dsn, NoAnalyze: true})
			require.NoError(t, err)
			t.Cleanup(func() { owner.Close() })
			exec := func(q string) {
				t.Helper()
				_, err := owner.DB().ExecContext(ctx, q)
				require.NoError(t, err, q)
			}
			if tc.autovacOff {
				exec(`ALTER TABLE scim_users SET (autovacuum_enabled = off)`)
			}
			// Autovacuum's own VACUUM or ANALYZE would move relpages
			// under the test.
			for _, table := range statTables {
				if table != "scim_users" || !tc.autovacOff {
					exec(`ALTER TABLE ` + table + ` SET (autovacuum_analyze_threshold = 1000000000, autovacuum_vacuum_threshold = 1000000000,
						autovacuum_vacuum_insert_threshold = 1000000000)`)
				}
			}
			if tc.notOwner {
				// A role that reads and writes the tables but owns none.
				dsn = roleDSN(t, owner, dsn,
					`GRANT USAGE, CREATE ON SCHEMA {schema} TO {role}`,
					`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {role}`,
					`GRANT USAGE ON ALL SEQUENCES IN SCHEMA {schema} TO {role}`)
			}
			s, err := sqlstore.New(ctx, sqlstore.Config{DSN: dsn, NoAnalyze: tc.noAnalyze})
			require.NoError(t, err)
			t.Cleanup(func() { s.Close() })

			var owns bool
			require.NoError(t, s.DB().QueryRowContext(ctx, `SELECT pg_has_role(relowner, 'USAGE') FROM pg_class WHERE oid = to_regclass('scim_users')`).Scan(&owns))
			require.Equal(t, !tc.notOwner, owns, "the store's role owns scim_users")
			var analyzeCount int64
			stats := func() (relpages, analyzed int64) {
				t.Helper()
				require.NoError(t, owner.DB().QueryRowContext(ctx, `SELECT c.relpages, s.analyze_count
					FROM pg_class c JOIN pg_stat_user_tables s ON s.relid = c.oid WHERE c.oid = to_regclass('scim_users')`).Scan(&relpages, &analyzed))
				return relpages, analyzed
			}
			check := func(want bool) {
				t.Helper()
				done, _, err := s.AnalyzeForTest(ctx)
				require.NoError(t, err)
				if want {
					assert.Contains(t, done, "scim_users")
				} else {
					assert.NotContains(t, done, "scim_users")
				}
			}
			grow := func(n int) {
				t.Helper()
				users := make([]*resources.User, n)
				for i := range users {
					users[i] = &resources.User{UserName: randomHex(8), Emails: []resources.MultiValue{{Value: randomHex(8) + "@example.com"}}}
				}
				_, err := s.SeedUsersForTest(ctx, "", users)
				require.NoError(t, err)
			}
			due := !tc.noAnalyze && !tc.autovacOff
			grow(10) // under 8 pages
			check(false)
			grow(300)
			check(due)
			check(false) // not doubled since
			if tc.wantAnalyzed {
				_, n := stats()
				analyzeCount = n
				// Waits for the counters of the store's backend.
				assert.Positive(t, analyzeCount)
			}
			grow(100)
			check(false)
			grow(1000)
			check(due)
			relpages, n := stats()
			if tc.wantAnalyzed {
				assert.Greater(t, n, analyzeCount)
				assert.Positive(t, relpages)
			} else {
				assert.Zero(t, n, "analyzed by the store")
			}
		})
	}
}

// TestAnalyzerGivesUpBehindALock: a host's DDL on scim_users (ALTER
// TABLE, holding or waiting for ACCESS EXCLUSIVE) made the analyzer's
// size query wait for the table's lock, on one of the store's pooled
// connections, for up to its one-minute bound; with a small pool the
// requests waited for the connection. Its statements now run with a
// short lock_timeout: the check fails with lock_not_available while the
// lock is still held, and a request that does not read the locked
// table (a group's GET without its members) is served on the store's
// only connection.
func TestAnalyzerGivesUpBehindALock(t *testing.T) {
	dsn := postgresDSN(t)
	s, err := sqlstore.New(ctx, sqlstore.Config{DSN: dsn, MaxOpenConns: 1})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	h, err := scim.NewHandler(scim.Config{Users: s, Groups: s, InsecureNoAuth: true})
	require.NoError(t, err)

	g, err := s.CreateGroup(ctx, &resources.Group{DisplayName: "served"})
	require.NoError(t, err)

	hold, holder, ddl := lockTable(t, dsn, "scim_users")

	// The bound keeps the base's wait from hanging the test.
	actx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	checked := make(chan error, 1)
	go func() {
		_, _, err := s.AnalyzeForTest(actx)
		checked <- err
	}()
	// Until the check waits for the lock or has given up already.
	var gaveUp error
	for returned := false; !returned; {
		select {
		case gaveUp = <-checked:
			returned = true
		default:
			if blocks(t, ddl, holder) {
				returned = true
			}
		}
	}
	// The base's check held the only connection until the lock went: the
	// request waited for StoreTimeout and was a 503.
	rec := serve(h, "GET", "/Groups/"+g.ID+"?excludedAttributes=members", "")
	assert.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	if gaveUp == nil {
		gaveUp = <-checked
	}
	var pe *pgconn.PgError
	require.ErrorAs(t, gaveUp, &pe, "the check gave up while the lock was held")
	assert.Equal(t, "55P03", pe.Code, "lock_not_available: %v", gaveUp)
	require.NoError(t, hold.Rollback())
}

// TestAnalyzerRetriesWhatItCouldNotAnalyze: a check whose size query
// fails part of the way (here behind a host's ACCESS EXCLUSIVE lock on
// the due table it reads last) analyzes nothing, and the next check,
// once the lock is gone, analyzes every table that was due. The analyzer
// noted a table as tried while it read its size, before its ANALYZE ran:
// a table read before the failure was then left unanalyzed until it
// doubled again.
func TestAnalyzerRetriesWhatItCouldNotAnalyze(t *testing.T) {
	dsn := postgresDSN(t)
	// The users are written by another store, whose writes wake no
	// check of s's analyzer: AnalyzeForTest's are the only ones.
	owner, err := sqlstore.New(ctx, sqlstore.Config{DSN: dsn, NoAnalyze: true})
	require.NoError(t, err)
	t.Cleanup(func() { owner.Close() })
	for _, table := range statTables {
		// Autovacuum's own ANALYZE would move relpages under the test.
		_, err := owner.DB().ExecContext(ctx, `ALTER TABLE `+table+` SET (autovacuum_analyze_threshold = 1000000000,
			autovacuum_vacuum_threshold = 1000000000, autovacuum_vacuum_insert_threshold = 1000000000)`)
		require.NoError(t, err)
	}
	users := make([]*resources.User, 1000)
	for i := range users {
		users[i] = &resources.User{UserName: randomHex(8), Emails: []resources.MultiValue{{Value: randomHex(8) + "@example.com"}}}
	}
	_, err = owner.SeedUsersForTest(ctx, "", users)
	require.NoError(t, err)
	s, err := sqlstore.New(ctx, sqlstore.Config{DSN: dsn})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	due := []string{"scim_users", "scim_user_values"}

	// The order the size query reads the tables in: lock the last of
	// those due, so that the other is read before the query fails.
	rows, err := s.DB().QueryContext(ctx, `SELECT c.relname FROM pg_class c
		WHERE c.oid IN (to_regclass('scim_users'), to_regclass('scim_user_values'), to_regclass('scim_groups'), to_regclass('scim_members'))`)
	require.NoError(t, err)
	var order []string
	for rows.Next() {
		var name string
		require.NoError(t, rows.Scan(&name))
		if slices.Contains(due, name) {
			order = append(order, name)
		}
	}
	require.NoError(t, rows.Err())
	require.Len(t, order, 2)

	hold, _, _ := lockTable(t, dsn, order[1])
	done, _, err := s.AnalyzeForTest(ctx)
	var pe *pgconn.PgError
	require.ErrorAs(t, err, &pe, "the check gave up while %s was locked", order[1])
	assert.Equal(t, "55P03", pe.Code, "lock_not_available: %v", err)
	assert.Empty(t, done)
	require.NoError(t, hold.Rollback())

	done, _, err = s.AnalyzeForTest(ctx)
	require.NoError(t, err)
	assert.ElementsMatch(t, due, done, "every table due before the failed check is analyzed by the next")
}

// lockTable takes an ACCESS EXCLUSIVE lock on table, as a host's DDL
// does, in a transaction on a connection of its own, and returns the
// transaction, the pid of the backend holding the lock and that
// connection's pool. Both end with t, the transaction first, if the test
// has not rolled it back.
func lockTable(t *testing.T, dsn, table string) (hold *sql.Tx, holder int, db *sql.DB) {
	t.Helper()
	db, err := sql.Open("pgx", dsn)
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	hold, err = db.BeginTx(ctx, nil)
	require.NoError(t, err)
	t.Cleanup(func() { hold.Rollback() })
	require.NoError(t, hold.QueryRowContext(ctx, `SELECT pg_backend_pid()`).Scan(&holder))
	_, err = hold.ExecContext(ctx, `LOCK TABLE `+table+` IN ACCESS EXCLUSIVE MODE`)
	require.NoError(t, err)
	return hold, holder, db
}
