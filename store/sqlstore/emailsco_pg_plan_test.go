package sqlstore_test

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/sqlstore"
)

// TestSubstringOnValuesReadsRowsOncePG: a top-level co or ew on a user's
// emails has a selectivity PostgreSQL cannot estimate (strpos, right), so
// the custom plan of a statement's first five runs on a connection
// walked the tenant's users in seq order and probed each one's value rows
// by scim_user_values_pkey until the page was full: once per user when
// few match. The page is now read from the matching owners (their ids
// and seq once, in a CTE): in the custom plan and in the generic one,
// every scan of scim_user_values runs once. Counted in EXPLAIN ANALYZE's loops,
// not timed. The answers are TestDifferential's.
func TestSubstringOnValuesReadsRowsOncePG(t *testing.T) {
	s := openWith(postgresDSN)(t, sqlstore.Config{})
	const tenant = "acme"
	seedUsers(t, s, tenant, 3000)
	seedUsers(t, s, "other", 300)
	analyze(t, s)
	tctx := store.WithTenant(ctx, tenant)
	loops := regexp.MustCompile(`loops=(\d+)`)
	for _, tc := range []struct {
		filter string
		total  int
	}{
		{`emails.value co "zq9"`, 0},
		{`emails.value ew "zq9"`, 0},
		{`emails.value co "example"`, 3000},
		{`emails.value ew "9@home.example"`, 300},
		{`emails[value co "zq9"]`, 0},
		{`emails[type eq "work" and value co "user29"]`, 111},
		{`emails.value co "zq9" and active eq true`, 0},
	} {
		for _, mode := range []string{"force_custom_plan", "force_generic_plan"} {
			for _, sortBy := range []string{"", "userName", "-userName"} {
				t.Run(tc.filter+"/"+mode+"/"+sortBy, func(t *testing.T) {
					q := store.Query{Filter: mustParse(t, tc.filter), StartIndex: 1, Count: 10,
						SortBy: strings.TrimPrefix(sortBy, "-"), Descending: strings.HasPrefix(sortBy, "-")}
					stmt, args, residual, err := s.ListSQLForTest(tctx, true, q)
					require.NoError(t, err)
					require.False(t, residual)
					plan := explainPG(t, s.DB(), mode, stmt, args)
					for _, line := range plan {
						if !strings.Contains(line, " on scim_user_values ") {
							continue
						}
						if m := loops.FindStringSubmatch(line); m != nil {
							assert.Equal(t, "1", m[1], "value rows probed per user:\n%s", strings.Join(plan, "\n"))
						}
					}
					p, err := s.ListUsers(tctx, q)
					require.NoError(t, err)
					assert.Equal(t, tc.total, p.Total)
				})
			}
		}
	}
}

// TestSubstringOnValuesWalkPG: a keyset walk (ListUsersAfter) of a
// top-level co on emails that every user matches reads its page along the
// list's order, in creation order or by userName, and stops at the page's
// last match in a statement's first runs (custom plans): read from the
// matching owners (the form of a page by startIndex), each page read and
// sorted every match of the tenant, 3,000 here, wherever the walk stood.
// (The generic plan, and a custom plan of an ew, may still read every
// match: PostgreSQL's choice on its estimates, as before the owners
// form.) Counted in EXPLAIN ANALYZE's rows, not timed.
func TestSubstringOnValuesWalkPG(t *testing.T) {
	s := openWith(postgresDSN)(t, sqlstore.Config{})
	const tenant = "acme"
	seedUsers(t, s, tenant, 3000)
	analyze(t, s)
	tctx := store.WithTenant(ctx, tenant)
	rows := regexp.MustCompile(`rows=(\d+) loops=(\d+)`)
	for _, filter := range []string{`emails.value co "example"`, `emails.value co "@"`} {
		for _, sortBy := range []string{"", "userName"} {
			for _, mode := range []string{"force_custom_plan"} {
				t.Run(filter+"/"+sortBy+"/"+mode, func(t *testing.T) {
					q := store.Query{Filter: mustParse(t, filter), Count: 10, SortBy: sortBy}
					first, err := s.ListUsersAfter(tctx, q, "")
					require.NoError(t, err)
					require.Len(t, first.Items, 10)
					stmt, args, err := s.UsersCursorSQLForTest(tctx, q, first.Positions[9])
					require.NoError(t, err)
					plan := explainPG(t, s.DB(), mode, stmt, args)
					for _, line := range plan {
						if !strings.Contains(line, " on scim_user") {
							continue
						}
						if m := rows.FindStringSubmatch(line); m != nil {
							n, _ := strconv.Atoi(m[1])
							loops, _ := strconv.Atoi(m[2])
							assert.LessOrEqual(t, n*loops, 100, "rows read for a page of ten:\n%s", strings.Join(plan, "\n"))
						}
					}
				})
			}
		}
	}
}

// TestSubstringOnValuesShape: only a top-level co or ew on PostgreSQL
// reads a page in creation order from a CTE of the matches
// (matchesFirst; the owners DISTINCT when the filter has other
// conjuncts), and a sorted one from the owners selected DISTINCT, by
// seq + 0 (a keyset walk, sorted or not, keeps its semi-join); under
// "or" or "not", as an eq lookup, and on SQLite (whose IN builds its own
// set once) the statement keeps its semi-join and its order.
func TestSubstringOnValuesShape(t *testing.T) {
	forEachDB(t, func(t *testing.T, db opener) {
		s := db.open(t, sqlstore.Config{})
		tctx := store.WithTenant(ctx, "acme")
		for _, tc := range []struct {
			filter string
			first  bool // on PostgreSQL
			lookup bool // ordered by seq + 0 anyway (listPlan.order)
		}{
			{`emails.value co "x"`, true, false},
			{`phoneNumbers.value ew "1"`, true, false},
			{`emails[value co "x"]`, true, false},
			{`userName sw "a" and emails.value ew "x"`, true, false},
			{`emails.value sw "x"`, false, false},
			{`emails.value eq "x"`, false, true},
			{`emails.value co "x" or userName eq "a"`, false, false},
			{`not (emails.value co "x")`, false, false},
			{`emails.type co "x" or emails.value co "x"`, false, false},
			{`groups.display co "x"`, false, false},
		} {
			t.Run(tc.filter, func(t *testing.T) {
				q := store.Query{Filter: mustParse(t, tc.filter), StartIndex: 1, Count: 10}
				stmt, _, _, err := s.ListSQLForTest(tctx, true, q)
				require.NoError(t, err)
				want := tc.first && isPG(s)
				assert.Equal(t, want && strings.Contains(tc.filter, " and "), strings.Contains(stmt, "SELECT DISTINCT"), stmt)
				assert.Equal(t, want, strings.Contains(stmt, "WITH m AS ("), stmt)
				assert.Equal(t, tc.lookup, strings.Contains(stmt, "ORDER BY u.seq + 0"), stmt)
				// Sorted by an attribute, the page is read from the
				// owners by seq + 0 in one query.
				// A keyset walk keeps the semi-join in the list's order.
				for _, sortBy := range []string{"", "userName"} {
					stmt, _, err := s.UsersCursorSQLForTest(tctx, store.Query{Filter: q.Filter, Count: 10, SortBy: sortBy}, "")
					require.NoError(t, err)
					assert.False(t, strings.Contains(stmt, "SELECT DISTINCT"), stmt)
					assert.Equal(t, tc.lookup, strings.Contains(stmt, "seq + 0"), stmt)
				}
				q.SortBy = "userName"
				stmt, _, _, err = s.ListSQLForTest(tctx, true, q)
				require.NoError(t, err)
				assert.Equal(t, want, strings.Contains(stmt, "SELECT DISTINCT"), stmt)
				assert.False(t, strings.Contains(stmt, "WITH m AS ("), stmt)
				assert.Equal(t, want || tc.lookup, strings.Contains(stmt, "u.seq + 0"), stmt)
			})
		}
	})
}
