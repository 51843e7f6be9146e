package sqlstore_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/sqlstore"
)

// TestBooleanTestShape: on PostgreSQL a boolean kept in the document
// (active, emails.primary, an extension's) is compared as one jsonb value,
// not through jsonb_typeof and a cast of it (two readings of it per row).
// The answers are TestDifferential's.
func TestBooleanTestShape(t *testing.T) {
	forEachDB(t, func(t *testing.T, db opener) {
		s := db.open(t, sqlstore.Config{})
		tctx := store.WithTenant(ctx, "acme")
		for _, tc := range []struct {
			filter string
			want   string
		}{
			{`active eq true`, `= 'true'::jsonb`},
			{`active eq false`, `= 'false'::jsonb`},
			{`active ne true`, `= 'true'::jsonb`},
		} {
			t.Run(tc.filter, func(t *testing.T) {
				stmt, _, residual, err := s.ListSQLForTest(tctx, true, store.Query{Filter: mustParse(t, tc.filter), StartIndex: 1, Count: 10})
				require.NoError(t, err)
				require.False(t, residual)
				assert.Equal(t, isPG(s), strings.Contains(stmt, tc.want), stmt)
				if isPG(s) {
					assert.NotContains(t, stmt, "jsonb_typeof", stmt)
				}
			})
		}
	})
}
