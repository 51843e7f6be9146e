package sqlstore_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/query"
	"github.com/scimkit/scim/store/sqlstore"
)

// TestGroupLookupReadsPageMembers: a lookup of a group's displayName reads
// its rows from the first match and cuts its page in Go, so that its
// statement reads the members of the page's groups alone: not those of a
// group a startIndex past 1 skips, nor those of the row after the page (a
// name stored twice, as migration 0004 keeps two names that became one
// identity).
func TestGroupLookupReadsPageMembers(t *testing.T) {
	forEachDB(t, func(t *testing.T, db opener) {
		s := db.open(t, sqlstore.Config{})
		c := tctx()
		var ids []string
		for _, name := range []string{"a", "b", "c"} {
			u, err := s.CreateUser(c, &resources.User{UserName: name})
			require.NoError(t, err)
			ids = append(ids, u.ID)
		}
		first, err := s.CreateGroup(c, &resources.Group{DisplayName: "\u00c9quipe", Members: []resources.Member{{Value: ids[0]}, {Value: ids[1]}}})
		require.NoError(t, err)
		twin, err := s.CreateGroup(c, &resources.Group{DisplayName: "twin", Members: []resources.Member{{Value: ids[2]}}})
		require.NoError(t, err)
		// twin becomes "Équipe" in NFD: one identity with the first, marked
		// as the upgrade marks the newer of two such names.
		ph := paramsOf(s)
		nfd := "E\u0301quipe"
		_, err = s.DB().ExecContext(ctx, `UPDATE scim_groups SET display_name = `+ph(1)+`, display_name_fold = `+ph(2)+`,
			display_name_key = (SELECT k.display_name_key FROM scim_groups k WHERE k.tenant = `+ph(3)+` AND k.id = `+ph(4)+`), display_name_dup = id
			WHERE tenant = `+ph(3)+` AND id = `+ph(5), nfd, query.Fold(nfd), store.Tenant(c), first.ID, twin.ID)
		require.NoError(t, err)
		for _, tc := range []struct {
			start, count int
			want         []string // the page's groups
			memberRows   int      // the member rows its statement reads
		}{
			{1, 10, []string{first.ID, twin.ID}, 3},
			{1, 1, []string{first.ID}, 2}, // not the twin after the page
			{2, 10, []string{twin.ID}, 1}, // not the group skipped
			{2, 1, []string{twin.ID}, 1},
			{3, 10, []string{}, 0},
		} {
			t.Run(fmt.Sprintf("startIndex %d count %d", tc.start, tc.count), func(t *testing.T) {
				q := store.Query{Filter: mustParseWith(t, `displayName eq "`+first.DisplayName+`"`, resources.GroupSchema), StartIndex: tc.start, Count: tc.count}
				p, err := s.ListGroups(c, q)
				require.NoError(t, err)
				got := []string{}
				for _, g := range p.Items {
					got = append(got, g.ID)
					assert.NotEmpty(t, g.Members, "a group of the page comes with its members")
				}
				assert.Equal(t, tc.want, got)
				assert.Equal(t, 2, p.Total, "both groups of the name match")

				stmt, args, residual, err := s.ListSQLForTest(c, false, q)
				require.NoError(t, err)
				require.False(t, residual)
				var n int
				require.NoError(t, s.DB().QueryRowContext(ctx, `SELECT count(*) FROM (`+stmt+`) x WHERE x.kind = 1`, args...).Scan(&n))
				assert.Equal(t, tc.memberRows, n, "the statement reads the members of the page's groups alone")
			})
		}
	})
}
