package sqlstore

import (
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMigrationsIn: migrations are read in version order, and two files
// of one version are refused, whatever their names.
func TestMigrationsIn(t *testing.T) {
	sql := &fstest.MapFile{Data: []byte("SELECT 1;")}
	for _, tc := range []struct {
		name     string
		files    []string
		versions []int
		err      error
	}{
		{name: "in order", files: []string{"0002_b.sql", "0001_a.sql", "0010_c.sql", "README"}, versions: []int{1, 2, 10}},
		{name: "same version", files: []string{"0001_a.sql", "0002_b.sql", "0002_c.sql"}, err: errDuplicateMigration},
		{name: "same number written otherwise", files: []string{"0003_a.sql", "3_b.sql"}, err: errDuplicateMigration},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for _, f := range tc.files {
				fsys["m/"+f] = sql
			}
			ms, err := migrationsIn(fsys, "m")
			if tc.err != nil {
				require.ErrorIs(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			var got []int
			for _, m := range ms {
				got = append(got, m.version)
			}
			assert.Equal(t, tc.versions, got)
		})
	}
}

// TestMigrationVersionsAligned: both dialects have a migration of every
// version (a no-op where one dialect has nothing to change), so a schema
// version means the same release on either.
func TestMigrationVersionsAligned(t *testing.T) {
	var lists [2][]int
	for i, d := range []*dialect{{name: "sqlite"}, {name: "postgres", pg: true}} {
		ms, err := migrations(d)
		require.NoError(t, err, d.name)
		for _, m := range ms {
			lists[i] = append(lists[i], m.version)
		}
	}
	assert.Equal(t, lists[0], lists[1])
}

// TestCheckServer: a PostgreSQL older than 13 is refused at open with
// errServerTooOld and its version named; 13 and later are taken.
func TestCheckServer(t *testing.T) {
	for _, tc := range []struct {
		v    int
		want string // "" for none
	}{
		{v: 120017, want: "12.17 is older than 13"},
		{v: 90624, want: "9.6 is older than 13"},
		{v: 130000},
		{v: 150018},
		{v: 170002},
	} {
		err := checkServer(tc.v)
		if tc.want == "" {
			assert.NoError(t, err, "%d", tc.v)
			continue
		}
		require.ErrorIs(t, err, errServerTooOld, "%d", tc.v)
		assert.Contains(t, err.Error(), tc.want)
	}
}
