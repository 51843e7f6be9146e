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
// with Config.OnChange and one without, write the same users in turn and
// at once. Both leave their entries waiting, to be numbered by a reader
// once committed: OnChange is handed each with Seq 0. Read from either
// store, the tenant's feed is Seqs 1..N without a gap, every entry there
// once (OnChange's among them, each once), a write's entries at
// consecutive Seqs, and each user's versions in Seq order.
func TestFeedMixedOnChange(t *testing.T) {
	dsn := postgresDSN(t)
	var handed sync.Map // "kind id version" -> false, true once found in the feed
	plain := openAt(t, sqlstore.Config{DSN: dsn, ChangeFeed: true})
	hooked := openAt(t, sqlstore.Config{DSN: dsn, ChangeFeed: true,
		OnChange: func(_ context.Context, _ *sql.Tx, c sqlstore.Change) error {
			if c.Seq != 0 {
				return fmt.Errorf("entry %s of %s handed with Seq %d before it is numbered", c.Kind, c.ID, c.Seq)
			}
			handed.Store(fmt.Sprint(c.Kind, " ", c.ID, " ", c.Version), false)
			return nil
		}})
	acme := store.WithTenant(ctx, "acme")
	stores := []*sqlstore.Store{plain, hooked}

	// In turn: created by one store, updated by the other, and so on.
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
	var n int
	handed.Range(func(any, any) bool { n++; return true })
	// The hooked store created u1 and u3 (an entry each) and deactivated
	// u0 and u2 (two each), then ran half the writers.
	require.Equal(t, 6+2*2*perWriter, n, "OnChange was handed each of its writes' entries, each once")
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
			k := fmt.Sprint(c.Kind, " ", c.ID, " ", c.Version)
			if _, ok := handed.Load(k); ok {
				handed.Store(k, true) // once: a second entry of k fails the version checks above
			}
		}
	}
	handed.Range(func(k, found any) bool {
		assert.True(t, found.(bool), "%s: OnChange was handed an entry the feed does not have", k)
		return true
	})
}
