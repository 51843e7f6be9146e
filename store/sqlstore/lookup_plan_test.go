package sqlstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store/sqlstore"
)

// TestLookupPlansWithoutStatistics: an identity provider's lookups
// (userName eq, externalId eq, an email, a group's displayName,
// externalId or id, the groups a member is in) are found by their index
// on SQLite as a provisioning run fills a new database, with
// no planner statistics (nothing runs ANALYZE). Without care, SQLite
// rather walks every user of the tenant in seq order to skip sorting the
// few matches: a scan per lookup, so a sync slows down with each user it
// creates. The test plans the statements the real handler sends; a
// filter that is not a lookup (active eq true) still pages along seq.
// (PostgreSQL plans each lookup with its values, and its plans, read by
// hand without statistics, use the lookup's index too; the ORDER BY that
// frees SQLite is the same there.)
func TestLookupPlansWithoutStatistics(t *testing.T) {
	s, log, err := sqlstore.NewCountingForTest(ctx, sqlstore.Config{DSN: sqliteDSN(t)})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	h, err := scim.NewHandler(scim.Config{Users: s, Groups: s, InsecureNoAuth: true, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	var last string
	send := func(method, path, body string) int {
		rec := serve(h, method, path, body)
		last = rec.Body.String()
		return rec.Code
	}
	for i := range 50 {
		require.Equal(t, http.StatusCreated, send("POST", "/Users", fmt.Sprintf(
			`{"userName":"user%d@example.com","externalId":"ext-%d","active":true,"emails":[{"value":"u%d@work.example","type":"work"}]}`, i, i, i)))
	}
	require.Equal(t, http.StatusCreated, send("POST", "/Groups", `{"displayName":"Sales"}`))
	created := func() string {
		_, rest, _ := strings.Cut(last, `"id":"`)
		id, _, _ := strings.Cut(rest, `"`)
		return id
	}
	require.Equal(t, http.StatusCreated, send("POST", "/Users", `{"userName":"member@example.com","emails":[{"value":"m@work.example","type":"work","primary":true}]}`))
	member := created()
	require.Equal(t, http.StatusCreated, send("POST", "/Groups", `{"displayName":"Support","externalId":"gext-1","members":[{"value":"`+member+`"}]}`))
	group := created()
	log.Take()

	tests := []struct {
		path   string
		lookup bool // false: not a lookup; paging along seq is right
	}{
		{`/Users?filter=userName eq "user7@example.com"`, true},
		{`/Users?excludedAttributes=groups&filter=userName eq "user7@example.com"`, true},
		{`/Users?filter=externalId eq "ext-7"`, true},
		{`/Users?filter=id eq "x"`, true},
		{`/Users?filter=emails[type eq "work" and value eq "u7@work.example"]`, true},
		{`/Users?filter=emails[type eq "work"].value eq "u7@work.example"`, true},
		{`/Users?filter=emails.value eq "u7@work.example"`, true},
		{`/Users?filter=emails eq "u7@work.example"`, true},
		{`/Users?filter=emails[primary eq true].value eq "m@work.example"`, true},
		{`/Users?filter=userName eq "user7@example.com" and active eq true`, true},
		{`/Groups?filter=displayName eq "Sales"`, true},
		{`/Groups?excludedAttributes=members&filter=displayName eq "Sales"`, true},
		{`/Groups?excludedAttributes=members&filter=externalId eq "gext-1"`, true},
		{`/Groups?excludedAttributes=members&filter=id eq "GROUP"`, true},
		{`/Groups?excludedAttributes=members&filter=members[value eq "MEMBER"]`, true},
		{`/Groups?filter=members.value eq "MEMBER"`, true},
		{`/Users?filter=active eq true`, false},
		{`/Users?filter=userName ne "user7@example.com"`, false},
		{`/Users?filter=userName eq "user7@example.com" or active eq true`, false},
	}
	check := func(t *testing.T, path string, lookup bool) {
		p, q, _ := strings.Cut(strings.NewReplacer("GROUP", group, "MEMBER", member).Replace(path), "filter=")
		require.Equal(t, http.StatusOK, send("GET", p+"filter="+url.QueryEscape(q), ""))
		var list string
		for _, e := range log.Take() {
			// A list of groups with their members is a WITH
			// (listGroupsWithMembers).
			if strings.Contains(e.SQL, " ORDER BY ") && (strings.HasPrefix(e.SQL, "SELECT") || strings.HasPrefix(e.SQL, "WITH")) {
				list = e.SQL
			}
		}
		require.NotEmpty(t, list, "the list statement")
		all := sqlitePlan(t, s, list)
		plan := strings.Join(all, "\n")
		if !lookup {
			// The first search or scan: the page's rows, selected first
			// (pageFirst) when the users' groups are read.
			first := ""
			for _, line := range all {
				if strings.HasPrefix(line, "SCAN ") || strings.HasPrefix(line, "SEARCH ") {
					first = line
					break
				}
			}
			assert.Contains(t, first, "tenant_seq", "a filter that is no lookup pages along seq:\n%s\n%s", list, plan)
			return
		}
		// A value compared bare (= ?n) is looked up in sqlite_stat4 once
		// ANALYZE has run, and the statement compiled again on every
		// run: 2.5 to 4 times a read by id (BenchmarkLookupWithoutStatistics,
		// analyzed). args.bound binds it as (SELECT ?n).
		if bare := regexp.MustCompile(` (=|<>|<|>|<=|>=) \?\d`).FindString(list); bare != "" {
			t.Errorf("a value compared as a bare parameter (%q) in %s", bare, list)
		}
		for _, line := range all {
			// A search bounded by the tenant alone walks the tenant.
			assert.NotContains(t, line, "(tenant=?)", "a lookup is found by its index, not by walking the tenant:\n%s\n%s", list, plan)
			// The page of groups and its members' statement reads its
			// page (the CTE pg, numbered through the subquery x) again:
			// a few rows, not a table.
			page := line == "SCAN pg" || strings.HasSuffix(line, " (a subquery's rows)") || strings.HasPrefix(line, "SCAN (subquery-")
			assert.False(t, strings.HasPrefix(line, "SCAN ") && !page, "a lookup scans nothing:\n%s\n%s", list, plan)
		}
	}
	// Then again once ANALYZE has run (a host may run it, or PRAGMA
	// optimize, on a database it shares): the lookups keep their index
	// with statistics too, their values bound as (SELECT ?n) so that the
	// planner does not look them up in sqlite_stat4 (args.bound).
	for _, analyzed := range []bool{false, true} {
		if analyzed {
			// Statistics of a tenant grown past a handful of rows, so
			// that they favour an index where one serves. (Over a few
			// hundred rows whose externalId is mostly unset, SQLite
			// rightly reads them all rather than the index; with 20,000
			// it takes the index even when one row in 20,000 has one.)
			users := make([]*resources.User, 2000)
			for i := range users {
				users[i] = &resources.User{UserName: fmt.Sprintf("seeded%d@example.com", i), ExternalID: fmt.Sprintf("seeded-%d", i),
					Emails: []resources.MultiValue{{Value: fmt.Sprintf("s%d@work.example", i), Type: "work"}}}
			}
			uids, err := s.SeedUsersForTest(ctx, "", users)
			require.NoError(t, err)
			groups := make([]*resources.Group, 200)
			for i := range groups {
				groups[i] = &resources.Group{DisplayName: fmt.Sprintf("seeded group %d", i), ExternalID: fmt.Sprintf("seeded-%d", i)}
			}
			gids, err := s.SeedGroupsForTest(ctx, "", groups)
			require.NoError(t, err)
			owners := make([]string, len(uids))
			for i := range uids {
				owners[i] = gids[i%len(gids)]
			}
			require.NoError(t, s.SeedMembershipsForTest(ctx, "", "User", owners, uids))
			_, err = s.DB().ExecContext(ctx, "ANALYZE")
			require.NoError(t, err)
		}
		for _, tt := range tests {
			if analyzed && !tt.lookup {
				continue
			}
			name := tt.path
			if analyzed {
				name = "analyzed" + name
			}
			t.Run(name, func(t *testing.T) { check(t, tt.path, tt.lookup) })
		}
	}
}

// sqlitePlan returns the EXPLAIN QUERY PLAN lines of a statement the store
// sent, its parameters bound to NULL (SQLite plans without their values),
// less the SCAN CONSTANT ROW of each (SELECT ?n) that stands for a value
// compared with an index (args.bound): it reads no table.
func sqlitePlan(t *testing.T, s *sqlstore.Store, stmt string) []string {
	t.Helper()
	n := strings.Count(stmt, "?") // ? placeholders
	for _, m := range regexp.MustCompile(`\?(\d+)`).FindAllStringSubmatch(stmt, -1) {
		k, _ := strconv.Atoi(m[1])
		n = max(n, k) // ?NNN placeholders
	}
	rows, err := s.DB().QueryContext(ctx, "EXPLAIN QUERY PLAN "+stmt, make([]any, n)...)
	require.NoError(t, err, stmt)
	defer rows.Close()
	var plan []string
	parents := map[int]int{}       // a node's parent
	subqueries := map[int]string{} // the id of a CO-ROUTINE or MATERIALIZE node, its name
	for rows.Next() {
		var id, parent, notused int
		var detail string
		require.NoError(t, rows.Scan(&id, &parent, &notused, &detail))
		parents[id] = parent
		for _, kind := range []string{"CO-ROUTINE ", "MATERIALIZE "} {
			if name, ok := strings.CutPrefix(detail, kind); ok {
				subqueries[id] = name
			}
		}
		// The scan of a subquery's rows (a list's page selected first,
		// pageFirst, under its table's alias) outside that subquery reads
		// the few rows it returns, not the table the alias names inside it.
		if name, ok := strings.CutPrefix(detail, "SCAN "); ok {
			inside := false
			for a := parent; a != 0 && !inside; a = parents[a] {
				inside = subqueries[a] == name
			}
			for _, sub := range subqueries {
				if sub == name && !inside {
					detail += " (a subquery's rows)"
					break
				}
			}
		}
		if detail != "SCAN CONSTANT ROW" {
			plan = append(plan, detail)
		}
	}
	require.NoError(t, rows.Err())
	return plan
}

// TestWritePlansWithoutStatistics: no statement a provider's writes send
// walks a tenant on SQLite, never analyzed: creates, a PATCH and a PUT of
// users, a group created with members, a member added and removed, a
// group replaced, reads by id, and the deletes of a user (which bumps its
// groups' versions) and of a group, with the change feed on.
func TestWritePlansWithoutStatistics(t *testing.T) {
	s, log, err := sqlstore.NewCountingForTest(ctx, sqlstore.Config{DSN: sqliteDSN(t), ChangeFeed: true})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	h, err := scim.NewHandler(scim.Config{Users: s, Groups: s, InsecureNoAuth: true, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	var last string
	send := func(method, path, body string, want int) {
		t.Helper()
		rec := serve(h, method, path, body)
		last = rec.Body.String()
		require.Equal(t, want, rec.Code, "%s %s: %s", method, path, last)
	}
	id := func() string {
		_, rest, _ := strings.Cut(last, `"id":"`)
		v, _, _ := strings.Cut(rest, `"`)
		return v
	}
	var uids []string
	for i := range 4 {
		send("POST", "/Users", fmt.Sprintf(`{"userName":"user%d@example.com","externalId":"ext-%d","active":true,"emails":[{"value":"u%d@work.example","type":"work"}]}`, i, i, i), http.StatusCreated)
		uids = append(uids, id())
	}
	log.Take() // the migrations
	const patch = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[`
	send("POST", "/Users", `{"userName":"user9@example.com","active":true}`, http.StatusCreated)
	send("PATCH", "/Users/"+uids[0], patch+`{"op":"replace","path":"active","value":false}]}`, http.StatusOK)
	send("PUT", "/Users/"+uids[1], `{"userName":"user1@example.com","active":true,"name":{"givenName":"X"}}`, http.StatusOK)
	send("POST", "/Groups", `{"displayName":"G","members":[{"value":"`+uids[0]+`"},{"value":"`+uids[1]+`"}]}`, http.StatusCreated)
	gid := id()
	send("PATCH", "/Groups/"+gid, patch+`{"op":"add","path":"members","value":[{"value":"`+uids[2]+`"}]}]}`, http.StatusNoContent)
	send("PATCH", "/Groups/"+gid, patch+`{"op":"remove","path":"members[value eq \"`+uids[2]+`\"]"}]}`, http.StatusNoContent)
	send("PUT", "/Groups/"+gid, `{"displayName":"G2","members":[{"value":"`+uids[3]+`"},{"value":"`+uids[0]+`"}]}`, http.StatusOK)
	send("GET", "/Groups/"+gid, "", http.StatusOK)
	send("GET", "/Users/"+uids[3], "", http.StatusOK)
	send("DELETE", "/Users/"+uids[3], "", http.StatusNoContent)
	send("DELETE", "/Groups/"+gid, "", http.StatusNoContent)

	seen := map[string]bool{}
	for _, e := range log.Take() {
		if e.Begin || seen[e.SQL] {
			continue
		}
		seen[e.SQL] = true
		plan := sqlitePlan(t, s, e.SQL)
		for _, line := range plan {
			assert.False(t, walksTenant(e.SQL, line), "a provider's write walks nothing:\n%s\n%s", e.SQL, strings.Join(plan, "\n"))
		}
	}
}

// tableRef finds the tables a statement reads, with their aliases.
var tableRef = regexp.MustCompile(`(?:FROM|JOIN|UPDATE|INTO) (scim_\w+)(?: AS)?(?: (\w+))?`)

// walksTenant reports whether a line of stmt's plan reads a table (by
// name or alias) whole, or along an index bounded by the tenant alone.
// Two such searches read one row, and are allowed: scim_feed_heads is
// keyed by the tenant alone, and the change feed's newest entry is read
// with ORDER BY seq DESC LIMIT 1 along (tenant, seq).
func walksTenant(stmt, line string) bool {
	name, rest, ok := strings.Cut(strings.TrimPrefix(strings.TrimPrefix(line, "SCAN "), "SEARCH "), " ")
	if !ok && !strings.HasPrefix(line, "SCAN ") {
		return false
	}
	if !ok {
		name = strings.TrimPrefix(line, "SCAN ")
	}
	table := ""
	for _, m := range tableRef.FindAllStringSubmatch(stmt, -1) {
		if name == m[1] || name == m[2] {
			table = m[1]
		}
	}
	switch {
	case table == "":
		return false // json_each, a VALUES list, a subquery's rows
	case strings.HasPrefix(line, "SCAN "):
		return true
	case !strings.Contains(rest, "(tenant=?)"):
		return false
	case table == "scim_feed_heads":
		return false
	case table == "scim_feed" && strings.Contains(stmt, "ORDER BY seq DESC LIMIT 1"):
		return false
	}
	return true
}

// TestMemberRemovePlanWithoutStatistics: removing members from a large
// group finds their rows, on PostgreSQL too before the first ANALYZE of
// scim_members (a provider has just pushed the group), generic plan or
// custom: it never reads along the group's rows, or the tenant's, testing
// each. It did, for the 20,000 members of this group as of the load
// test's: 2 to 3 ms a change, twice a small group's time. The lookups
// around a member change (the member among the users, a page's groups,
// a user's groups among a thousand) are held to their rows the same way.
func TestMemberRemovePlanWithoutStatistics(t *testing.T) {
	s := openWith(postgresDSN)(t, sqlstore.Config{})
	_, err := s.DB().ExecContext(ctx, `ALTER TABLE scim_members SET (autovacuum_enabled = false)`)
	require.NoError(t, err)
	users := make([]*resources.User, 20000)
	for i := range users {
		users[i] = &resources.User{UserName: fmt.Sprintf("member%d", i)}
	}
	ids, err := s.SeedUsersForTest(ctx, "", users)
	require.NoError(t, err)
	members := make([]resources.Member, len(ids))
	for i, id := range ids {
		members[i] = resources.Member{Value: id}
	}
	g, err := s.CreateGroup(ctx, &resources.Group{DisplayName: "big", Members: members})
	require.NoError(t, err)
	// A thousand groups more, three of them holding one member.
	groups := make([]*resources.Group, 1000)
	for i := range groups {
		groups[i] = &resources.Group{DisplayName: fmt.Sprintf("team %d", i)}
	}
	gids, err := s.SeedGroupsForTest(ctx, "", groups)
	require.NoError(t, err)
	require.NoError(t, s.SeedMembershipsForTest(ctx, "", "User", []string{gids[10], gids[500], gids[990]}, []string{ids[1700], ids[1700], ids[1700]}))
	_, err = s.DB().ExecContext(ctx, `ALTER TABLE scim_groups SET (autovacuum_enabled = false)`)
	require.NoError(t, err)
	var analyzed int
	require.NoError(t, s.DB().QueryRowContext(ctx, `SELECT count(*) FROM pg_stats WHERE tablename = 'scim_members' AND schemaname = current_schema()`).Scan(&analyzed))
	require.Zero(t, analyzed, "the test needs scim_members never analyzed")

	type statement struct {
		name string
		q    string
		args []any
		rows int // the rows it is about
	}
	var stmts []statement
	// Beyond MaxDeleteMembersForTest ids, the list is one array.
	for _, k := range []int{1, 3, sqlstore.MaxDeleteMembersForTest, sqlstore.MaxDeleteMembersForTest + 1, 2000} {
		q, args := s.SQLDeleteMembersForTest("", g.ID, ids[1500:1500+k])
		stmts = append(stmts, statement{fmt.Sprintf("remove %d", k), q, args, k})
	}
	// A member added is looked up first, among the users of the tenant.
	rq, rargs := s.SQLResolveForTest("scim_users", "", g.ID, ids[1500:1501])
	stmts = append(stmts, statement{"resolve 1", rq, rargs, 1})
	// A page of users reads their groups, and so does every read of a
	// user (the body of the function scim_user_groups, migration 0006).
	stmts = append(stmts, statement{"groups of 3", s.SQLGroupsOfForTest(), []any{"", s.ListArgForTest(ids[1500:1503])}, 3},
		statement{"groups of a user in 4", s.SQLGroupsOfForTest(), []any{"", s.ListArgForTest(ids[1700:1701])}, 4},
		statement{"a user's groups", `SELECT COALESCE(json_agg(json_build_array(g.id, g.display_name,
			EXISTS (SELECT 1 FROM scim_members p WHERE p.tenant = g.tenant AND p.member_id = g.id AND p.member_type = 'Group')) ORDER BY g.seq), '[]')
		FROM scim_members m JOIN scim_groups g ON g.tenant = m.tenant AND g.id = m.group_id
		WHERE m.tenant = $1 AND m.member_id = $2 AND m.member_type = 'User'`, []any{"", ids[1700]}, 4})
	for _, st := range stmts {
		for _, mode := range []string{"force_generic_plan", "force_custom_plan"} {
			t.Run(st.name+"/"+mode, func(t *testing.T) {
				plan := explainPG(t, s.DB(), mode, st.q, st.args)
				for _, line := range plan {
					for _, what := range []string{"Rows Removed by Filter: ", "rows="} {
						if _, n, ok := strings.Cut(line, what); ok {
							n, _, _ = strings.Cut(n, " ")
							got, _ := strconv.Atoi(strings.TrimSpace(n))
							assert.LessOrEqual(t, got, 2*st.rows, "it reads along the group's or the tenant's rows:\n%s\n%s", st.q, strings.Join(plan, "\n"))
						}
					}
					assert.NotContains(t, line, "Seq Scan", strings.Join(plan, "\n"))
				}
			})
		}
	}
}

// explainPG returns the plan PostgreSQL runs q with args by, under
// plan_cache_mode mode: EXPLAIN ANALYZE of a prepared statement, in a
// transaction rolled back (a write's statement ran already, so its rows
// are gone or there: what counts is what the plan reads to find out).
// args are those pgLiteral takes.
func explainPG(t *testing.T, db *sql.DB, mode, q string, args []any) []string {
	t.Helper()
	lits := pgLiterals(t, args)
	tx, err := db.BeginTx(ctx, nil)
	require.NoError(t, err)
	defer tx.Rollback()
	_, err = tx.ExecContext(ctx, `SET LOCAL plan_cache_mode = `+mode)
	require.NoError(t, err)
	// A prepared statement outlives the transaction: it goes before the
	// rollback.
	_, err = tx.ExecContext(ctx, `PREPARE checked AS `+q)
	require.NoError(t, err, q)
	defer tx.ExecContext(ctx, `DEALLOCATE checked`) //nolint:errcheck // an error leaves it to the connection's end
	return queryLines(t, tx, `EXPLAIN (ANALYZE, COSTS OFF) EXECUTE checked(`+lits+`)`)
}

// pgLiterals renders bind values as the SQL literals of an EXECUTE's
// argument list (pgLiteral).
func pgLiterals(t *testing.T, args []any) string {
	t.Helper()
	lits := make([]string, len(args))
	for i, a := range args {
		lits[i] = pgLiteral(t, a)
	}
	return strings.Join(lits, ", ")
}

// pgLiteral renders bind value v as an SQL literal of unknown type, which
// takes the type of the prepared statement's parameter.
func pgLiteral(t *testing.T, v any) string {
	t.Helper()
	quote := func(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
	switch v := v.(type) {
	case nil:
		return "NULL"
	case string:
		return quote(v)
	case []string:
		q := make([]string, len(v))
		for i, s := range v {
			q[i] = quote(s)
		}
		return "ARRAY[" + strings.Join(q, ", ") + "]::text[]"
	case int64:
		return strconv.FormatInt(v, 10)
	case int:
		return strconv.Itoa(v)
	case bool:
		return strconv.FormatBool(v)
	case time.Time:
		return quote(v.Format(time.RFC3339Nano))
	}
	t.Fatalf("bind value %T", v)
	return ""
}

// queryLines runs q (bound to args) on db and returns its rows' one text
// column (the lines of an EXPLAIN).
func queryLines(t testing.TB, db interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}, q string, args ...any) []string {
	t.Helper()
	rows, err := db.QueryContext(ctx, q, args...)
	require.NoError(t, err, q)
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var line string
		require.NoError(t, rows.Scan(&line))
		lines = append(lines, line)
	}
	require.NoError(t, rows.Err())
	return lines
}
