package sqlstore_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/sqlstore"
)

// TestUserNamePresentWithoutFold: nothing of this release reads what
// user_name_fold holds. Every filter and sort on userName reads the
// identity key (user_name_key) and a filter's userName pr asks only that
// the NOT NULL column is not NULL, so a user whose fold is empty (as a
// release that stops writing it, saving the bytes of a folded name on
// every user write, would leave it, with no schema change: an empty string keeps NOT
// NULL) is found, counted and excluded as before. This pins it for that
// release, which runs beside processes of this one during a rolling
// upgrade.
func TestUserNamePresentWithoutFold(t *testing.T) {
	forEachDB(t, func(t *testing.T, db opener) {
		s := db.open(t, sqlstore.Config{})
		for _, name := range []string{"Ann", "bob"} {
			_, err := s.CreateUser(ctx, &resources.User{UserName: name, Active: new(true)})
			require.NoError(t, err)
		}
		_, err := s.DB().ExecContext(ctx, `UPDATE scim_users SET user_name_fold = ''`)
		require.NoError(t, err)
		for _, tc := range []struct {
			filter string
			want   int
		}{
			{`userName pr`, 2},
			{`not (userName pr)`, 0},
			{`userName pr and userName eq "ANN"`, 1},
			{`userName sw "B"`, 1},
			{`userName gt "a"`, 2},
		} {
			page, err := s.ListUsers(ctx, store.Query{Filter: mustParse(t, tc.filter), StartIndex: 1, Count: 10, ExcludeGroups: true})
			require.NoError(t, err)
			assert.Equal(t, tc.want, page.Total, tc.filter)
			assert.Len(t, page.Items, tc.want, tc.filter)
		}
	})
}
