package sqlstore_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/sqlstore"
)

// TestUserNamePresentWithoutFold: nothing reads what user_name_fold
// holds. Every filter and sort on userName reads the identity key
// (user_name_key) and a filter's userName pr asks only that the name is
// not NULL, so users whose fold is empty, as every write now leaves it
// (TestUserNameFoldWrittenEmpty), are found, counted and excluded as
// before; a process of the release before, whose pr reads the NOT NULL
// fold column's NULLness, answers the same beside this one.
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

// TestUserNameFoldWrittenEmpty: a user's create, rename (ReplaceUser,
// UpdateUser) and Reindex write user_name_fold empty, saving the folded
// name's bytes on every user write (BENCHMARKS.md, branch mends3); a row
// written before keeps its fold until its next write or Reindex. Before,
// each held the name folded.
func TestUserNameFoldWrittenEmpty(t *testing.T) {
	forEachDB(t, func(t *testing.T, db opener) {
		s := db.open(t, sqlstore.Config{})
		folds := func() []string {
			rows, err := s.DB().QueryContext(ctx, `SELECT user_name_fold FROM scim_users ORDER BY seq`)
			require.NoError(t, err)
			defer rows.Close()
			var out []string
			for rows.Next() {
				var f string
				require.NoError(t, rows.Scan(&f))
				out = append(out, f)
			}
			require.NoError(t, rows.Err())
			return out
		}
		a, err := s.CreateUser(ctx, &resources.User{UserName: "Ann", Active: new(true)})
		require.NoError(t, err)
		b, err := s.CreateUser(ctx, &resources.User{UserName: "Bob", Active: new(true)})
		require.NoError(t, err)
		assert.Equal(t, []string{"", ""}, folds(), "CreateUser")

		// Rows as an earlier release wrote them.
		_, err = s.DB().ExecContext(ctx, `UPDATE scim_users SET user_name_fold = lower(user_name)`)
		require.NoError(t, err)
		_, err = s.ReplaceUser(ctx, &resources.User{ID: a.ID, UserName: "Anna", Active: new(true)}, "")
		require.NoError(t, err)
		assert.Equal(t, []string{"", "bob"}, folds(), "ReplaceUser of a new userName")
		_, err = s.UpdateUser(ctx, b.ID, "", func(cur *resources.User) (*resources.User, error) {
			cur.UserName = "Bobby"
			return cur, nil
		})
		require.NoError(t, err)
		assert.Equal(t, []string{"", ""}, folds(), "UpdateUser of a new userName")

		_, err = s.DB().ExecContext(ctx, `UPDATE scim_users SET user_name_fold = lower(user_name)`)
		require.NoError(t, err)
		require.NoError(t, s.Reindex(ctx))
		assert.Equal(t, []string{"", ""}, folds(), "Reindex")
	})
}
