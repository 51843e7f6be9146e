package sqlstore_test

import (
	"fmt"

	"testing"

	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/internal/pairbench"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/sqlstore"
)

// feedProbeTrigger appends, for every update of a user row, the row of
// scim_feed a name update (one entry) or a deactivation (two) appends,
// numbered as sqliteAppend numbers it, from the row's own values: what
// an entry written by a trigger would cost SQLite, at the least. Its
// attribute list and second entry are constants, where a real trigger
// would need them from the write (a column the UPDATE sets, one value
// more to bind), so it is a bound, not a design.
const feedProbeTrigger = `CREATE TRIGGER feed_probe AFTER UPDATE ON scim_users BEGIN
	INSERT INTO scim_feed (tenant, seq, at, kind, resource_id, version, attrs, members, more)
	VALUES (NEW.tenant,
		max(COALESCE((SELECT seq FROM scim_feed WHERE tenant = NEW.tenant ORDER BY seq DESC LIMIT 1), 0),
			COALESCE((SELECT seq FROM scim_feed_heads WHERE tenant = NEW.tenant), 0)) + %d,
		NEW.last_modified, 'user.updated', NEW.id, 'W/"' || NEW.version || '"', %s, NULL, %s);
END`

// BenchmarkFeedTrigger bounds what the change feed's entry would cost a
// SQLite UpdateUser if a trigger wrote it (feedProbeTrigger, on a store
// with Config.ChangeFeed off, so without the entry's diff either) instead
// of the store's own statement (Config.ChangeFeed on). "off_trigger"
// pairs the store without the feed (side off) with the trigger's (side
// on): its on/off is the trigger's ratio, the figure issue 16's budget
// reads; "stmt_trigger" pairs the store's statement (side off) with the
// trigger (side on): what the trigger saves, the same run. BENCHMARKS.md,
// branch feedtrig.
func BenchmarkFeedTrigger(b *testing.B) {
	const tenant = "bench"
	tctx := store.WithTenant(ctx, tenant)
	ops := map[string]feedWriteOp{}
	for _, op := range feedWriteOps(tctx) {
		ops[op.name] = op
	}
	for _, tc := range []struct {
		op          string
		n           int
		attrs, more string
	}{
		{"UpdateUser", 1, `'["name"]'`, `NULL`},
		{"UpdateUser_active", 2, `'["active"]'`, `'[{"k":"user.deactivated","i":"' || NEW.id || '","v":"W/\"' || NEW.version || '\""}]'`},
	} {
		op := ops[tc.op]
		trigger := func(b *testing.B) func(i int) error {
			s := openWith(sqliteDSN)(b, sqlstore.Config{})
			write := op.setup(b, s)
			_, err := s.DB().ExecContext(ctx, fmt.Sprintf(feedProbeTrigger, tc.n, tc.attrs, tc.more))
			require.NoError(b, err)
			return write
		}
		for _, pair := range []struct {
			name string
			off  func(b *testing.B) func(i int) error
		}{
			{"off_trigger", func(b *testing.B) func(i int) error { return op.setup(b, openWith(sqliteDSN)(b, sqlstore.Config{})) }},
			{"stmt_trigger", func(b *testing.B) func(i int) error {
				return op.setup(b, openWith(sqliteDSN)(b, sqlstore.Config{ChangeFeed: true}))
			}},
		} {
			b.Run(tc.op+"/"+pair.name, func(b *testing.B) {
				writes := [2]func(i int) error{pair.off(b), trigger(b)}
				pairbench.Run(b, func(k, i int) {
					if err := writes[k](i); err != nil {
						b.Fatal(err)
					}
				})
			})
		}
	}
}
