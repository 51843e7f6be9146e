package sqlstore

import (
	"context"
	"database/sql"
	"net/url"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestVerifySQLite: what Open reads back from its connections catches a
// setting the store keeps that a DSN changed past checkHostSQLite (here
// applied straight to the driver, as a spelling the check did not know
// would be), naming it; the store's own DSN passes.
func TestVerifySQLite(t *testing.T) {
	writer := sqliteSettingsOf(sqliteWriterPragmas, sqliteWriterKeys)
	for _, tc := range []struct {
		name  string
		query url.Values
		err   string // part of verifySQLite's error, "" for none
	}{
		{"the store's settings", nil, ""},
		{"secure_delete FAST after the store's", url.Values{"_pragma": {"secure_delete(FAST)"}}, "secure_delete 2, not the store's 1"},
		{"foreign keys off by the driver's key", url.Values{"_fk": {"0"}}, "foreign_keys 0, not the store's 1"},
		{"journal_mode DELETE by the driver's key, which it takes first", url.Values{"_journal_mode": {"DELETE"}}, "journal_mode delete, not the store's wal"},
		{"synchronous OFF by the driver's key", url.Values{"_sync": {"OFF"}}, "synchronous OFF"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dsn := "file:" + filepath.Join(t.TempDir(), "scim.db")
			if tc.query != nil {
				dsn += "?" + tc.query.Encode()
			}
			db, err := sql.Open("sqlite", sqliteDSN(dsn, sqliteWriterPragmas, sqliteWriterKeys, nil))
			require.NoError(t, err)
			defer db.Close()
			err = verifySQLite(context.Background(), db, "writer", writer)
			if tc.err == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err, "a kept setting changed must be refused")
			assert.Contains(t, err.Error(), tc.err)
		})
	}
}
