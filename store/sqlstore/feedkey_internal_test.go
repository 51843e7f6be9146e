package sqlstore

import (
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFeedKeyBits: the SQL that splits a SQLite feed key into the
// tenant's number and the Seq (migration 0012, the statements of
// feed.go) shifts and masks by feedSeqBits.
func TestFeedKeyBits(t *testing.T) {
	assert.Equal(t, "key & "+strconv.FormatInt(feedSeqMask, 10), sqliteSeq)
	shift := "<< " + strconv.Itoa(feedSeqBits)
	for _, q := range []string{sqliteLo, sqliteHi, sqliteLastKey, sqliteNewKey, sqliteHeads} {
		assert.Contains(t, q, shift, q)
	}
	m, err := migrationFS.ReadFile("migrations/sqlite/0012_feed_keys.sql")
	require.NoError(t, err)
	for _, line := range strings.Split(string(m), "\n") {
		if strings.Contains(line, "<<") || strings.Contains(line, ">>") {
			assert.Regexp(t, `(<<|>>) `+strconv.Itoa(feedSeqBits)+`\b`, line)
		}
	}
}
