package sqlstore_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/sqlstore"
)

// deepPagePlans checks the plans of pages deep into a list of s (seeded
// by seed: 10,000 users, the first 5,000 in one group, 201 groups), as
// an identity provider's import reads them to the end: a page of users
// with their groups (startIndex 4,951, in creation order and sorted by a
// key no index gives), a page of groups with their members (startIndex
// 101) and a cursor page of groups with their members. The groups and
// members are read for the page's rows only, not for every row OFFSET
// skips or the sort orders: on PostgreSQL (EXPLAIN ANALYZE, generic and
// custom plans) no node reading scim_members runs more times than the
// page has rows, and none of them, nor a member's display, reads its
// table whole; on SQLite (EXPLAIN QUERY PLAN) the table's rows are
// searched inside the subquery that selects the page (pageFirst, the CTE
// page) and the memberships outside it.
func deepPagePlans(t *testing.T, s *sqlstore.Store, tctx context.Context) {
	first, err := s.ListGroupsAfter(tctx, store.Query{Count: 100, ExcludeMembers: true}, "")
	require.NoError(t, err)
	mid := first.Positions[len(first.Positions)-1]
	const count = 50
	cases := []struct {
		name  string
		stmt  func() (string, []any, error)
		users bool
	}{
		{"users, startIndex 4951, with groups", func() (string, []any, error) {
			stmt, args, _, err := s.ListSQLForTest(tctx, true, store.Query{StartIndex: 4951, Count: count})
			return stmt, args, err
		}, true},
		{"users sorted by name.familyName, startIndex 4951, with groups", func() (string, []any, error) {
			stmt, args, _, err := s.ListSQLForTest(tctx, true, store.Query{StartIndex: 4951, Count: count, SortBy: "name.familyName"})
			return stmt, args, err
		}, true},
		{"groups, startIndex 101, with members", func() (string, []any, error) {
			stmt, args, _, err := s.ListSQLForTest(tctx, false, store.Query{StartIndex: 101, Count: count})
			return stmt, args, err
		}, false},
		{"groups by cursor, after 100, with members", func() (string, []any, error) {
			return s.GroupsCursorSQLForTest(tctx, store.Query{Count: count}, mid)
		}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stmt, args, err := tc.stmt()
			require.NoError(t, err)
			if isPG(s) {
				for _, mode := range []string{"force_generic_plan", "force_custom_plan"} {
					plan := explainPG(t, s.DB(), mode, stmt, args)
					text := strings.Join(plan, "\n")
					t.Logf("%s: %s\n%s", mode, stmt, text)
					seen := false
					for _, line := range plan {
						if strings.Contains(line, " on scim_users mu ") || strings.Contains(line, " on scim_groups mg ") {
							assert.NotContains(t, line, "Seq Scan", "%s: a member's display is found by its id:\n%s", mode, text)
						}
						if !strings.Contains(line, " on scim_members ") {
							continue
						}
						seen = true
						assert.NotContains(t, line, "Seq Scan", "%s: the memberships are found by the page's ids, not read whole:\n%s", mode, text)
						// The page's rows and, for a cursor page, the one
						// after them that says more follow.
						assert.LessOrEqual(t, loopsOf(line), count+1, "%s: the memberships are read for the page's %d rows only:\n%s", mode, count, text)
					}
					assert.True(t, seen, "%s: the plan reads scim_members:\n%s", mode, text)
				}
				return
			}
			nodes := sqlitePlanTree(t, s, stmt, args)
			var lines []string
			for _, n := range nodes {
				lines = append(lines, fmt.Sprintf("%d %d %s", n.id, n.parent, n.detail))
			}
			text := strings.Join(lines, "\n")
			t.Logf("%s\n%s", stmt, text)
			alias := map[bool]string{true: "u", false: "g"}[tc.users]
			page, members := -1, -1
			for i, n := range nodes {
				switch {
				case page == -1 && (strings.HasPrefix(n.detail, "SEARCH "+alias+" ") || n.detail == "SCAN "+alias || strings.HasPrefix(n.detail, "SCAN "+alias+" ")):
					page = i // the first: the page's, before its count's
				case strings.HasPrefix(n.detail, "SEARCH m "):
					members = i
				}
			}
			require.NotEqual(t, -1, page, "the page's rows:\n%s", text)
			require.NotEqual(t, -1, members, "the memberships:\n%s", text)
			sub := enclosingSubquery(nodes, page)
			require.NotEqual(t, -1, sub, "the page's rows are selected in a subquery:\n%s", text)
			assert.False(t, within(nodes, members, nodes[sub].id), "the memberships are read outside the page's subquery:\n%s", text)
		})
	}
}

// deepSkipPlans checks that a page deep into every user or group of the
// tenant in creation order (startIndex 4,951 of the users and, on SQLite,
// 101 of the groups of seed; an import's walk) skips the rows before it along the
// (tenant, seq) index and reads the table's rows of the page alone: on
// PostgreSQL (EXPLAIN ANALYZE, generic and custom plans) no node that
// reads the page's table's rows (an Index Scan, not an Index Only Scan)
// returns more rows than the page has; on SQLite (EXPLAIN QUERY PLAN) the skip is
// a search of the covering (tenant, seq) index and the page's rows are
// searched from the seq it finds, not scanned from the start.
func deepSkipPlans(t *testing.T, s *sqlstore.Store, tctx context.Context) {
	const count = 50
	for _, tc := range []struct {
		name  string
		users bool
		q     store.Query
	}{
		{"users, startIndex 4951, with groups", true, store.Query{StartIndex: 4951, Count: count}},
		{"users, startIndex 4951, without groups", true, store.Query{StartIndex: 4951, Count: count, ExcludeGroups: true}},
		{"groups, startIndex 101, without members", false, store.Query{StartIndex: 101, Count: count, ExcludeMembers: true}},
		{"groups, startIndex 101, with members", false, store.Query{StartIndex: 101, Count: count}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stmt, args, _, err := s.ListSQLForTest(tctx, tc.users, tc.q)
			require.NoError(t, err)
			table, alias := "scim_groups", "g"
			if tc.users {
				table, alias = "scim_users", "u"
			}
			if isPG(s) {
				if !tc.users {
					// seed's 201 groups are a table PostgreSQL rightly
					// reads whole rather than by an index.
					return
				}
				for _, mode := range []string{"force_generic_plan", "force_custom_plan"} {
					plan := explainPG(t, s.DB(), mode, stmt, args)
					text := strings.Join(plan, "\n")
					seen := false
					for _, line := range plan {
						if !strings.Contains(line, "Index Scan using") || strings.Contains(line, "Index Only Scan") || !strings.Contains(line, " on "+table+" "+alias) {
							continue
						}
						seen = true
						assert.LessOrEqual(t, readRows([]string{line}), count, "%s: the table's rows are read for the page alone:\n%s\n%s", mode, stmt, text)
					}
					assert.True(t, seen, "%s: the page's rows are found by an index:\n%s", mode, text)
				}
				return
			}
			var details []string
			for _, n := range sqlitePlanTree(t, s, stmt, args) {
				details = append(details, n.detail)
			}
			text := strings.Join(details, "\n")
			assert.Contains(t, details, "SEARCH s USING COVERING INDEX "+table+"_tenant_seq (tenant=?)", "the skip walks the index:\n%s\n%s", stmt, text)
			from := slices.ContainsFunc(details, func(d string) bool {
				return d == "SEARCH "+alias+" USING INTEGER PRIMARY KEY (rowid>?)" || d == "SEARCH "+alias+" USING INDEX "+table+"_tenant_seq (tenant=? AND seq>?)"
			})
			assert.True(t, from, "the page's rows are searched from the seq the skip found:\n%s\n%s", stmt, text)
		})
	}
}

// loopsOf is the loops= of an EXPLAIN ANALYZE line (1 when absent).
func loopsOf(line string) int {
	_, l, ok := strings.Cut(line, " loops=")
	if !ok {
		return 1
	}
	l, _, _ = strings.Cut(l, ")")
	n, _ := strconv.Atoi(l)
	return n
}

// planNode is a line of SQLite's EXPLAIN QUERY PLAN.
type planNode struct {
	id, parent int
	detail     string
}

// sqlitePlanTree returns SQLite's EXPLAIN QUERY PLAN of stmt with args,
// each node with its parent.
func sqlitePlanTree(t *testing.T, s *sqlstore.Store, stmt string, args []any) []planNode {
	t.Helper()
	rows, err := s.DB().QueryContext(ctx, "EXPLAIN QUERY PLAN "+stmt, args...)
	require.NoError(t, err, stmt)
	defer rows.Close()
	var nodes []planNode
	for rows.Next() {
		var n planNode
		var notused int
		require.NoError(t, rows.Scan(&n.id, &n.parent, &notused, &n.detail))
		nodes = append(nodes, n)
	}
	require.NoError(t, rows.Err())
	return nodes
}

// enclosingSubquery returns the index of the innermost CO-ROUTINE or
// MATERIALIZE node above nodes[i], or -1.
func enclosingSubquery(nodes []planNode, i int) int {
	byID := map[int]int{}
	for k, n := range nodes {
		byID[n.id] = k
	}
	for p := nodes[i].parent; p != 0; {
		k, ok := byID[p]
		if !ok {
			return -1
		}
		if strings.HasPrefix(nodes[k].detail, "CO-ROUTINE ") || strings.HasPrefix(nodes[k].detail, "MATERIALIZE ") {
			return k
		}
		p = nodes[k].parent
	}
	return -1
}

// within reports whether nodes[i] is below the node with id anc.
func within(nodes []planNode, i, anc int) bool {
	parents := map[int]int{}
	for _, n := range nodes {
		parents[n.id] = n.parent
	}
	for p := nodes[i].parent; p != 0; p = parents[p] {
		if p == anc {
			return true
		}
	}
	return false
}
