package sqlstore_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/sqlstore"
)

// TestManyConjunctsPlannedApartPG: PostgreSQL turns every test on a
// relation (emails, phoneNumbers, a user's groups, a group's members) or
// on a multi-valued attribute of the document that is a conjunct of the
// WHERE clause into a semi-join and plans them all together, in time that
// grew with the square of their number: 170 ANDed emails.value co "a"
// (within the default filter length) took more than StoreTimeout to plan,
// a 503. The store lets at most eight of them become joins and leaves the
// rest subplans; the answer is the same. Counted in the plan, not timed.
func TestManyConjunctsPlannedApartPG(t *testing.T) {
	s := openWith(postgresDSN)(t, sqlstore.Config{})
	tctx := store.WithTenant(ctx, "acme")
	ids, err := s.SeedUsersForTest(ctx, "acme", []*resources.User{
		{UserName: "a", Emails: []resources.MultiValue{{Value: "a@x.example"}}, PhoneNumbers: []resources.MultiValue{{Value: "1"}}},
		{UserName: "b", Emails: []resources.MultiValue{{Value: "b@y.example"}}},
	})
	require.NoError(t, err)
	_, err = s.SeedGroupsForTest(ctx, "acme", []*resources.Group{{DisplayName: "g"}})
	require.NoError(t, err)
	repeat := func(term string, n int) string { return strings.TrimSuffix(strings.Repeat(term+" and ", n), " and ") }
	for _, tc := range []struct {
		users  bool
		filter string
		want   int
	}{
		{true, repeat(`emails.value co "x."`, 30), 1},
		{true, repeat(`emails.value co "x."`, 15) + " and " + repeat(`phoneNumbers pr`, 15), 1},
		{true, repeat(`emails[value sw "a"]`, 30), 1},
		{true, repeat(`userName pr`, 10) + " and " + repeat(`groups.value eq "none"`, 20), 0},
		{false, repeat(`members.value eq "`+ids[0]+`"`, 30), 0},
	} {
		t.Run(tc.filter[:30], func(t *testing.T) {
			q := store.Query{Filter: mustParse(t, tc.filter), StartIndex: 1, Count: 10}
			stmt, args, residual, err := s.ListSQLForTest(tctx, tc.users, q)
			require.NoError(t, err)
			require.False(t, residual)
			var plan string
			require.NoError(t, s.DB().QueryRowContext(ctx, "EXPLAIN (FORMAT JSON) "+stmt, args...).Scan(&plan))
			var nodes []any
			require.NoError(t, json.Unmarshal([]byte(plan), &nodes))
			// The statement holds the filter twice: the page and the total.
			assert.LessOrEqual(t, semiJoins(nodes), 2*8, "at most eight conjuncts become joins")
			if tc.users {
				p, err := s.ListUsers(tctx, q)
				require.NoError(t, err)
				assert.Equal(t, tc.want, p.Total)
			} else {
				p, err := s.ListGroups(tctx, q)
				require.NoError(t, err)
				assert.Equal(t, tc.want, p.Total)
			}
		})
	}
}

// semiJoins counts the semi-joins of an EXPLAIN (FORMAT JSON) plan.
func semiJoins(v any) int {
	n := 0
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			n += semiJoins(e)
		}
	case map[string]any:
		if x["Join Type"] == "Semi" {
			n++
		}
		for _, e := range x {
			n += semiJoins(e)
		}
	}
	return n
}

// TestPlainConjunctsKeepTheirIndexPG: only a conjunct that is a subquery
// counts toward the eight joins; a plain comparison past them (an indexed
// userName eq after nine emails tests) is never wrapped, so it keeps its
// index. What counts is what the compiler built, not the SQL's text: a
// conjunct holding a subquery under an "or" counts, a value or extension
// key spelling SELECT does not.
func TestPlainConjunctsKeepTheirIndexPG(t *testing.T) {
	s := openWith(postgresDSN)(t, sqlstore.Config{})
	tctx := store.WithTenant(ctx, "acme")
	emails := strings.Repeat(`emails.value co "x." and `, 9)
	for _, tc := range []struct {
		name, filter string
		wrapped      int // per copy of the filter
	}{
		{"plain after nine", emails + `userName eq "a"`, 1},
		{"values spell SELECT", strings.Repeat(`userName eq "SELECT 1" and `, 9) + `displayName eq "(SELECT"`, 0},
		{"subquery under or", emails + `(userName eq "a" or emails.value eq "b")`, 2},
		{"nested subquery in a valuePath", strings.Repeat(`emails[value sw "SELECT" or primary eq true] and `, 8) + `title eq "SELECT"`, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stmt, _, _, err := s.ListSQLForTest(tctx, true, store.Query{Filter: mustParse(t, tc.filter), StartIndex: 1, Count: 10})
			require.NoError(t, err)
			// The statement holds the filter twice, the page and the
			// total, or once for a lookup of a userName, whose rows are
			// its total (window), or once in the CTE of the matches a
			// page of a co on emails reads (matchesFirst), whose rows
			// the page then reads by id.
			copies := strings.Count(stmt, " FROM scim_users u WHERE ") - strings.Count(stmt, " IN (SELECT m.id FROM m ")
			assert.Equal(t, copies*tc.wrapped, strings.Count(stmt, "IS TRUE"), stmt)
		})
	}
}
