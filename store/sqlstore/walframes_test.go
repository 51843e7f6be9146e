package sqlstore_test

import (
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/sqlstore"
)

// TestWALFrames counts the WAL frames a SQLite commit writes for each of
// BenchmarkFeedWrite's writes, with the change feed off and on: a
// PASSIVE checkpoint after every write, on a store of its own (nothing
// else reads or writes it), reports the frames the write appended, and,
// having copied them all, lets the next write start the WAL over. The
// counts have no noise, unlike the timings; BENCHMARKS.md has them. It is
// a measurement, run on demand: set SCIM_WAL_FRAMES=1 and -v.
func TestWALFrames(t *testing.T) {
	if os.Getenv("SCIM_WAL_FRAMES") == "" {
		t.Skip("set SCIM_WAL_FRAMES=1 to count the WAL frames of a write (BENCHMARKS.md)")
	}
	const writes = 2000
	tctx := store.WithTenant(ctx, "bench")
	for _, op := range feedWriteOps(tctx) {
		t.Run(op.name, func(t *testing.T) {
			var perWrite [2]float64
			for k, feed := range []bool{false, true} {
				s := openWith(sqliteDSN)(t, sqlstore.Config{ChangeFeed: feed})
				write := op.setup(t, s)
				checkpoint := func() int {
					var busy, frames, copied int
					require.NoError(t, s.DB().QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &frames, &copied))
					require.Zero(t, busy, "the checkpoint ran")
					require.Equal(t, frames, copied, "the checkpoint copied every frame, so the next write starts the WAL over")
					return frames
				}
				checkpoint()
				total := 0
				for i := range writes {
					require.NoError(t, write(i))
					total += checkpoint()
				}
				perWrite[k] = float64(total) / writes
				t.Logf("%s, feed on %v: %.2f frames a write", op.name, feed, perWrite[k])
			}
			assert.Greater(t, perWrite[1], perWrite[0], "the feed's entries are written too")
		})
	}
}
