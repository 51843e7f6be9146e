package sqlstore_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/sqlstore"
)

// TestDocumentStringReadAtItsPath: a string comparison of a core
// attribute kept in the query document reads the string at its path
// (PostgreSQL's #>> path, SQLite's ->> path), not by extracting the value
// as JSON and converting that to text (#>> '{}', ->> '$'), which did the
// extraction twice a row and was most of what a co cost
// (BenchmarkHostileSubstring; BENCHMARKS.md, branch substr2).
// TestDifferential checks what the comparisons find.
func TestDocumentStringReadAtItsPath(t *testing.T) {
	tctx := store.WithTenant(ctx, "t")
	for _, db := range databases() {
		t.Run(db.name, func(t *testing.T) {
			s := db.open(t, sqlstore.Config{})
			pathText, valueText := ` ->> ?`, `->> '$'`
			if isPG(s) {
				pathText, valueText = ` #>> $`, `#>> '{}'`
			}
			for _, f := range []string{
				`displayName co "x"`,
				`displayName sw "x"`,
				`displayName ew "x"`,
				`displayName eq "x"`,
				`name.givenName co "x"`,
				`addresses[locality co "x"]`,
				`addresses.locality ew "x"`,
			} {
				where, _, _, residual, err := s.PlanForTest(tctx, true, store.Query{Filter: mustParse(t, f), StartIndex: 1, Count: 10})
				require.NoError(t, err, f)
				assert.False(t, residual, f)
				assert.Contains(t, where, pathText, "%s: the string read at its path", f)
				assert.NotContains(t, where, valueText, "%s: no value extracted and then converted to text", f)
			}
		})
	}
}
