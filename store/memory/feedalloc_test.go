package memory_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/internal/loaduser"
	"github.com/scimkit/scim/internal/race"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/memory"
)

// TestFeedWriteAllocations: the change feed costs a user's update the
// allocations of its entries (UserUpdated with its list of attributes,
// UserDeactivated or UserReactivated, the tenant's feed slice growing),
// not of the two documents it diffs, which are rendered into the tenant's
// one buffer (renderPair). Rendered into new buffers, grown from nothing,
// they made the load test's user's update 17 allocations with the feed
// against 5 without it; now 9.
func TestFeedWriteAllocations(t *testing.T) {
	if race.Enabled {
		t.Skip("the race detector allocates on its own")
	}
	ctx := context.Background()
	allocs := func(opts ...memory.Option) float64 {
		db := memory.New(opts...)
		var u *resources.User
		require.NoError(t, json.Unmarshal([]byte(loaduser.JSON(1)), &u))
		u, err := db.CreateUser(ctx, u)
		require.NoError(t, err)
		active := true
		flip := func() {
			active = !active
			_, err := db.UpdateUser(ctx, u.ID, "", func(cur *resources.User) (*resources.User, error) {
				cur.Active = &active
				return cur, nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		flip() // the scratch buffer and the feed's slice are made once
		return testing.AllocsPerRun(200, flip)
	}
	off, on := allocs(), allocs(memory.WithChangeFeed(0))
	t.Logf("feed off: %.1f, on: %.1f allocations an update of active", off, on)
	assert.LessOrEqual(t, on-off, 5.0, "the feed's allocations for an update of active (off %.1f, on %.1f)", off, on)
}

// TestFeedEntriesAcrossSizes: a write whose document outgrows the buffer
// the previous write left (and one past the size a tenant keeps) still
// lists exactly the attributes that changed.
func TestFeedEntriesAcrossSizes(t *testing.T) {
	ctx := context.Background()
	db := memory.New(memory.WithChangeFeed(0))
	u, err := db.CreateUser(ctx, &resources.User{UserName: "grow", Active: ptr(true)})
	require.NoError(t, err)
	head := int64(1) // the UserCreated entry
	long := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = 'a' + byte(i%26)
		}
		return string(b)
	}
	for _, tc := range []struct {
		name   string
		change func(*resources.User)
		want   []string
		kinds  []store.ChangeKind
	}{
		{"small", func(c *resources.User) { c.DisplayName = "x" }, []string{"displayName"}, []store.ChangeKind{store.UserUpdated}},
		{"grown past the last buffer", func(c *resources.User) { c.Title = long(5000) }, []string{"title"}, []store.ChangeKind{store.UserUpdated}},
		{"past what a tenant keeps", func(c *resources.User) { c.Title = long(200 << 10) }, []string{"title"}, []store.ChangeKind{store.UserUpdated}},
		{"small again, deactivated", func(c *resources.User) { c.Title, c.Active = "", ptr(false) }, []string{"active", "title"}, []store.ChangeKind{store.UserUpdated, store.UserDeactivated}},
		{"nothing changed", func(*resources.User) {}, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := db.UpdateUser(ctx, u.ID, "", func(cur *resources.User) (*resources.User, error) {
				tc.change(cur)
				return cur, nil
			})
			require.NoError(t, err)
			cs, err := db.Feed().Changes(ctx, head, 10)
			require.NoError(t, err)
			var kinds []store.ChangeKind
			for _, c := range cs {
				kinds = append(kinds, c.Kind)
			}
			assert.Equal(t, tc.kinds, kinds)
			if len(cs) > 0 {
				assert.Equal(t, tc.want, cs[0].Attributes)
				head = cs[len(cs)-1].Seq
			}
		})
	}
}
