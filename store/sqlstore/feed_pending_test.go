package sqlstore_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/sqlstore"
)

// TestFeedAppendTakesNoHeadLock: on PostgreSQL without Config.OnChange a
// write appends its feed entries without locking the tenant's head row
// (migration 0012), so that concurrent writes of a tenant commit together
// rather than one at a time; with OnChange, which reads each entry's Seq
// inside the write, the write numbers its entries itself, under the
// head's lock, before it commits.
func TestFeedAppendTakesNoHeadLock(t *testing.T) {
	for _, tc := range []struct {
		name     string
		onChange func(context.Context, *sql.Tx, sqlstore.Change) error
		blocked  bool
	}{
		{name: "feed alone"},
		{name: "with OnChange", onChange: func(context.Context, *sql.Tx, sqlstore.Change) error { return nil }, blocked: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := databases()[1].open(t, sqlstore.Config{ChangeFeed: true, OnChange: tc.onChange})
			acme := store.WithTenant(context.Background(), "acme")
			_, err := s.CreateUser(acme, &resources.User{UserName: "first", Active: ptr(true)})
			require.NoError(t, err)
			_, err = s.Feed().Changes(acme, 0, 10) // the head row exists, numbered
			require.NoError(t, err)

			// Another transaction holds the head row's lock.
			tx, err := s.DB().BeginTx(ctx, nil)
			require.NoError(t, err)
			defer tx.Rollback()
			_, err = tx.ExecContext(ctx, `SELECT seq FROM scim_feed_heads WHERE tenant = 'acme' FOR UPDATE`)
			require.NoError(t, err)

			wctx, cancel := context.WithTimeout(acme, time.Second)
			defer cancel()
			_, err = s.CreateUser(wctx, &resources.User{UserName: "second", Active: ptr(true)})
			if tc.blocked {
				require.Error(t, err, "the write numbers its entry under the head's lock")
				return
			}
			require.NoError(t, err, "the write takes no lock on the head row")
			require.NoError(t, tx.Rollback())
			cs, err := s.Feed().Changes(acme, 0, 10)
			require.NoError(t, err)
			require.Len(t, cs, 2)
			assert.Equal(t, []int64{1, 2}, []int64{cs[0].Seq, cs[1].Seq})
			assert.Equal(t, store.UserCreated, cs[1].Kind)
		})
	}
}

// TestFeedNumbersCommittedEntries: an entry appended to scim_feed_pending
// by a transaction still open is not numbered by a read of the feed: it
// gets its Seq once it has committed, after the entries numbered before,
// so a consumer that has read up to n never misses an entry numbered
// below n later. FeedStatus numbers the entries waiting too, of every
// tenant, new ones included.
func TestFeedNumbersCommittedEntries(t *testing.T) {
	s := databases()[1].open(t, sqlstore.Config{ChangeFeed: true})
	acme := store.WithTenant(context.Background(), "acme")
	_, err := s.CreateUser(acme, &resources.User{UserName: "a", Active: ptr(true)})
	require.NoError(t, err)

	// A write still running has appended its entry.
	tx, err := s.DB().BeginTx(ctx, nil)
	require.NoError(t, err)
	defer tx.Rollback()
	_, err = tx.ExecContext(ctx, `INSERT INTO scim_feed_pending (tenant, at, kind, resource_id, version) VALUES ('acme', now(), 'user.created', 'slow', '1')`)
	require.NoError(t, err)

	// One that started later commits first.
	_, err = s.CreateUser(acme, &resources.User{UserName: "b", Active: ptr(true)})
	require.NoError(t, err)
	cs, err := s.Feed().Changes(acme, 0, 10)
	require.NoError(t, err)
	require.Len(t, cs, 2, "the uncommitted entry is not numbered")
	assert.Equal(t, []int64{1, 2}, []int64{cs[0].Seq, cs[1].Seq})
	assert.NotEqual(t, "slow", cs[1].ID)

	require.NoError(t, tx.Commit())
	cs, err = s.Feed().Changes(acme, 2, 10)
	require.NoError(t, err)
	require.Len(t, cs, 1, "committed, it is numbered after what a consumer has read")
	assert.Equal(t, int64(3), cs[0].Seq)
	assert.Equal(t, "slow", cs[0].ID)

	// A tenant whose entries all wait shows in FeedStatus, numbered.
	_, err = s.CreateUser(store.WithTenant(context.Background(), "globex"), &resources.User{UserName: "g", Active: ptr(true)})
	require.NoError(t, err)
	sts, err := s.Feed().FeedStatus(ctx)
	require.NoError(t, err)
	heads := map[string]int64{}
	for _, st := range sts {
		heads[st.Tenant] = st.Head
	}
	assert.Equal(t, map[string]int64{"acme": 3, "globex": 1}, heads)
	var waiting int
	require.NoError(t, s.DB().QueryRowContext(ctx, `SELECT count(*) FROM scim_feed_pending`).Scan(&waiting))
	assert.Zero(t, waiting)
}
