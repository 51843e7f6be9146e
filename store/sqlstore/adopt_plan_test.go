package sqlstore_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/store/sqlstore"
)

// TestHostTablesAdoptionPlanAt100k: with 100,000 rows in the host's
// users table (analyzed), the adoption of a new user probes the host's
// index on lower(email) once for an ASCII value, and once for each
// spelling it compares (adoptSpellings) for one of several and reads no other row (then the row it adopts, by
// its key): no scan of the table, on SQLite (EXPLAIN QUERY PLAN) and PostgreSQL
// (EXPLAIN ANALYZE of its generic and custom plans).
func TestHostTablesAdoptionPlanAt100k(t *testing.T) {
	forEachDB(t, func(t *testing.T, db opener) {
		dsn := db.dsn(t)
		bridge, err := hostTables(true, false).Bridge(dsn)
		require.NoError(t, err)
		s, err := sqlstore.New(ctx, sqlstore.Config{DSN: dsn, Bridge: bridge, NoAnalyze: true})
		require.NoError(t, err)
		t.Cleanup(func() { s.Close() })
		for _, q := range hostSchema(isPG(s), false) {
			_, err := s.DB().Exec(q)
			require.NoError(t, err)
		}
		fill := `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000) INSERT INTO app_users (email) SELECT 'App' || i || '@example.com' FROM n`
		if isPG(s) {
			fill = `INSERT INTO app_users (email) SELECT 'App' || i || '@example.com' FROM generate_series(1, 100000) AS i`
		}
		_, err = s.DB().Exec(fill)
		require.NoError(t, err)
		if isPG(s) {
			_, err = s.DB().Exec(`ANALYZE app_users`)
		} else {
			_, err = s.DB().Exec(`ANALYZE`)
		}
		require.NoError(t, err)
		// An ASCII value has one spelling: one probe, as before.
		one, oneArgs := bridge.UserAdoptForTest("", "App7@example.com")
		if isPG(s) {
			plan := strings.Join(explainPG(t, s.DB(), "force_generic_plan", one, oneArgs), "\n")
			assert.Equal(t, 1, strings.Count(plan, "Index Scan using app_users_adopt on app_users")+strings.Count(plan, "Bitmap Index Scan on app_users_adopt"), "an ASCII value, one probe:\n%s", plan)
		} else {
			plan := strings.Join(sqlitePlan(t, s, one), "\n")
			assert.Equal(t, 1, strings.Count(plan, "SEARCH app_users USING INDEX app_users_adopt (<expr>=?)"), "an ASCII value, one probe:\n%s", plan)
		}
		stmt, args := bridge.UserAdoptForTest("", "\u00d6d\u00f6n@example.com")
		if !isPG(s) {
			plan := sqlitePlan(t, s, stmt)
			all := strings.Join(plan, "\n")
			t.Logf("%s\n%s", stmt, all)
			assert.Equal(t, 16, strings.Count(all, "SEARCH app_users USING INDEX app_users_adopt (<expr>=?)"), "a probe of lower(email) per spelling:\n%s", all)
			for _, line := range plan {
				assert.False(t, strings.HasPrefix(line, "SCAN app_users"), "a scan of the host's table: %s\n%s", line, all)
			}
			return
		}
		for _, mode := range []string{"force_generic_plan", "force_custom_plan"} {
			plan := strings.Join(explainPG(t, s.DB(), mode, stmt, args), "\n")
			t.Logf("%s: %s\n%s", mode, stmt, plan)
			assert.NotContains(t, plan, "Seq Scan on app_users", "%s: a scan of the host's table:\n%s", mode, plan)
			assert.Equal(t, 16, strings.Count(plan, "Index Scan using app_users_adopt on app_users")+strings.Count(plan, "Bitmap Index Scan on app_users_adopt"), "%s: a probe of lower(email) per spelling:\n%s", mode, plan)
		}
	})
}
