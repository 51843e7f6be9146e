package sqlstore_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/store/sqlstore"
)

// TestSQLiteDSNSettings: a host's SQLite DSN may set busy_timeout and
// synchronous (not OFF) in place of the store's, and any pragma the store
// does not set; one that changes a setting the store keeps (journal_mode,
// foreign_keys, secure_delete, query_only, the driver's _txlock), in any
// spelling the driver takes, is refused at Open with an error naming it
// and why, before the file is created. The driver runs the _pragma
// parameters in the order of their text, so secure_delete(FAST), sorting
// after the store's secure_delete(1), turned it off without a word, and
// the store's busy_timeout and synchronous, run after the driver's keys
// or sorting after a host's value, silently replaced the host's.
func TestSQLiteDSNSettings(t *testing.T) {
	refused := func(setting, why string) []string { return []string{"the DSN sets " + setting, why} }
	for _, tc := range []struct {
		name  string
		query string
		// refused are parts of Open's error, none when it opens.
		refused []string
		// writer and reader are the settings the connections report
		// beyond the store's (SQLitePragmasForTest).
		writer, reader map[string]string
	}{
		{name: "no parameters"},
		{name: "secure_delete FAST", query: "_pragma=secure_delete(FAST)", refused: refused("secure_delete (secure_delete(FAST))", "overwritten in the file")},
		{name: "secure_delete off", query: "_pragma=secure_delete(0)", refused: refused("secure_delete", "FAST or 0 leaves them")},
		{name: "secure_delete as an assignment", query: "_pragma=SECURE_DELETE%20%3D%20off", refused: refused("secure_delete", "free pages")},
		{name: "secure_delete of a schema", query: "_pragma=main.secure_delete(fast)", refused: refused("secure_delete", "free pages")},
		{name: "secure_delete as the store sets it", query: "_pragma=secure_delete(ON)"},
		{name: "foreign_keys off", query: "_pragma=foreign_keys(0)", refused: refused("foreign_keys", "memberships go with it")},
		{name: "foreign_keys off by the driver's key", query: "_fk=0", refused: refused("foreign_keys (_fk=0)", "foreign keys")},
		{name: "foreign_keys off by the driver's long key", query: "_foreign_keys=false", refused: refused("foreign_keys", "foreign keys")},
		{name: "journal_mode DELETE", query: "_pragma=journal_mode(DELETE)", refused: refused("journal_mode", "WAL lets reads run")},
		{name: "journal_mode by the driver's key", query: "_journal_mode=TRUNCATE", refused: refused("journal_mode (_journal_mode=TRUNCATE)", "WAL")},
		{name: "journal_mode WAL", query: "_journal=WAL"},
		{name: "query_only on", query: "_pragma=query_only(1)", refused: refused("query_only", "0 on its writer, 1 on its readers")},
		{name: "query_only off by the driver's key", query: "_query_only=0", refused: refused("query_only", "a read never takes the write lock")},
		{name: "txlock deferred", query: "_txlock=deferred", refused: refused("_txlock (_txlock=deferred)", "IMMEDIATE")},
		{name: "txlock immediate, which readers must not take", query: "_txlock=immediate", refused: refused("_txlock", "readers DEFERRED")},
		{name: "synchronous OFF", query: "_pragma=synchronous(OFF)", refused: []string{"synchronous (synchronous(OFF))", "power loss"}},
		{name: "synchronous OFF by the driver's key", query: "_sync=0", refused: []string{"synchronous (_sync=0)", "power loss"}},
		{name: "synchronous FULL", query: "_pragma=synchronous(FULL)", writer: map[string]string{"synchronous": "2"}, reader: map[string]string{"synchronous": "2"}},
		{name: "synchronous EXTRA by the driver's key", query: "_synchronous=EXTRA", writer: map[string]string{"synchronous": "3"}, reader: map[string]string{"synchronous": "3"}},
		{name: "busy_timeout", query: "_pragma=busy_timeout(2500)", writer: map[string]string{"busy_timeout": "2500"}, reader: map[string]string{"busy_timeout": "2500"}},
		{name: "busy_timeout by the driver's key", query: "_busy_timeout=3000", writer: map[string]string{"busy_timeout": "3000"}, reader: map[string]string{"busy_timeout": "3000"}},
		{name: "the host's own pragmas", query: "_pragma=cache_size(-4000)&_pragma=temp_store(MEMORY)"},
		{name: "a query that does not parse: a bad escape", query: "_pragma=secure_delete%zz(0)", refused: []string{"the DSN's parameters", "invalid URL escape"}},
		{name: "a query that does not parse: a semicolon", query: "_pragma=cache_size(-4000);_fk=0", refused: []string{"the DSN's parameters", "semicolon"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "scim.db")
			dsn := "file:" + path
			if tc.query != "" {
				dsn += "?" + tc.query
			}
			s, err := sqlstore.New(ctx, sqlstore.Config{DSN: dsn, MaxOpenConns: 2})
			if len(tc.refused) > 0 {
				require.Error(t, err, "a DSN changing a setting the store keeps must be refused at Open")
				for _, part := range tc.refused {
					assert.Contains(t, err.Error(), part, "the error names the setting and why the store keeps it")
				}
				_, statErr := os.Stat(path)
				assert.True(t, os.IsNotExist(statErr), "a refused DSN creates no file")
				return
			}
			require.NoError(t, err)
			defer s.Close()
			w, rs, err := s.SQLitePragmasForTest(ctx, 2)
			require.NoError(t, err)
			want := map[string]string{"journal_mode": "wal", "synchronous": "1", "busy_timeout": "10000", "foreign_keys": "1", "query_only": "0", "secure_delete": "1"}
			for k, v := range tc.writer {
				want[k] = v
			}
			assert.Equal(t, want, w, "writer: the store's settings, and the host's where it may set them")
			want["query_only"] = "1"
			for k, v := range tc.reader {
				want[k] = v
			}
			for i, r := range rs {
				assert.Equal(t, want, r, "reader %d: the store's settings, and the host's where it may set them", i)
			}
		})
	}
}
