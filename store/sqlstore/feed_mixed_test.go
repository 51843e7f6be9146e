package sqlstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/sqlstore"
)

// TestFeedMixedOnChange: two processes on one PostgreSQL database, one
// with Config.OnChange (its writes number their entries at once) and one
// without (its entries wait to be numbered by a reader), write the same
// users in turn and at once. Read from either store, the tenant's feed is
// Seqs 1..N without a gap, every entry there once, a write's entries at
// consecutive Seqs, and each user's versions in Seq order: an update is never numbered before the create
// it follows, though that create was still waiting when it was written.
func TestFeedMixedOnChange(t *testing.T) {
	dsn := postgresDSN(t)
	var handed sync.Map // Seq -> the entry OnChange was handed
	plain := openAt(t, sqlstore.Config{DSN: dsn, ChangeFeed: true})
	hooked := openAt(t, sqlstore.Config{DSN: dsn, ChangeFeed: true,
		OnChange: func(_ context.Context, _ *sql.Tx, c sqlstore.Change) error {
			if c.Seq <= 0 {
				return fmt.Errorf("entry %s of %s handed without a Seq: %d", c.Kind, c.ID, c.Seq)
			}
			handed.Store(c.Seq, c.Kind+" "+store.ChangeKind(c.ID)+" "+store.ChangeKind(c.Version))
			return nil
		}})
	acme := store.WithTenant(ctx, "acme")
	stores := []*sqlstore.Store{plain, hooked}

	// In turn: created by the store whose entries wait, updated by the
	// one that numbers at once, and so on.
	var ids []string
	for i := range 4 {
		u, err := stores[i%2].CreateUser(acme, &resources.User{UserName: fmt.Sprint("u", i), Active: ptr(true)})
		require.NoError(t, err)
		ids = append(ids, u.ID)
		_, err = stores[(i+1)%2].UpdateUser(acme, u.ID, "", func(cur *resources.User) (*resources.User, error) {
			cur.Active = ptr(false)
			return cur, nil
		})
		require.NoError(t, err)
	}
	// At once: each store's writers update every user.
	const perWriter = 30
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range perWriter {
				_, err := stores[g%2].UpdateUser(acme, ids[(g+k)%len(ids)], "", func(cur *resources.User) (*resources.User, error) {
					cur.DisplayName = fmt.Sprint(g, "-", k)
					cur.Active = ptr(!*cur.Active) // two entries a write
					return cur, nil
				})
				if !assert.NoError(t, err) {
					return
				}
			}
		}()
	}
	wg.Wait()

	want := 3*len(ids) + 2*4*perWriter // a write that deactivates or reactivates appends two entries
	for _, s := range stores {
		got := readFeed(t, acme, s.Feed(), 0)
		require.Len(t, got, want, "every entry, once")
		last := map[string]int{}
		for i, c := range got {
			require.Equal(t, int64(i+1), c.Seq, "Seqs 1..N without a gap")
			v, err := strconv.Atoi(strings.Trim(strings.TrimPrefix(c.Version, "W/"), `"`))
			require.NoError(t, err)
			require.GreaterOrEqual(t, v, last[c.ID], "entry %d (%s of %s): its resource's versions in Seq order", c.Seq, c.Kind, c.ID)
			if c.Kind == store.UserDeactivated || c.Kind == store.UserReactivated {
				prev := got[i-1]
				require.Equal(t, []string{string(store.UserUpdated), c.ID, c.Version}, []string{string(prev.Kind), prev.ID, prev.Version},
					"entry %d (%s of %s): right after its write's first entry", c.Seq, c.Kind, c.ID)
			} else {
				require.Greater(t, v, last[c.ID], "entry %d (%s of %s): only a write's second entry has its first's version", c.Seq, c.Kind, c.ID)
			}
			last[c.ID] = v
			if h, ok := handed.Load(c.Seq); ok {
				assert.Equal(t, c.Kind+" "+store.ChangeKind(c.ID)+" "+store.ChangeKind(c.Version), h, "entry %d as OnChange was handed it", c.Seq)
			}
		}
	}
	var n int
	handed.Range(func(any, any) bool { n++; return true })
	// The hooked store created u1 and u3 (an entry each) and deactivated
	// u0 and u2 (two each), then ran half the writers.
	assert.Equal(t, 6+2*2*perWriter, n, "OnChange was handed each of its writes' entries, each a Seq of its own")
}
