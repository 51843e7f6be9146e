package memory_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/internal/clocktest"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store/memory"
)

// TestFeedRetention: the memory feed drops, as new entries arrive, those
// older than its retention and those every named consumer acknowledged.
func TestFeedRetention(t *testing.T) {
	clk := clocktest.New(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	db := memory.New(memory.WithNow(clk.Now), memory.WithChangeFeed(time.Hour))
	ctx := context.Background()
	n := 0
	create := func() {
		n++
		_, err := db.CreateUser(ctx, &resources.User{UserName: fmt.Sprint("u", n), Active: ptr(true)})
		require.NoError(t, err)
	}
	seqs := func() []int64 {
		cs, err := db.Feed().Changes(ctx, 0, 100)
		require.NoError(t, err)
		out := []int64{}
		for _, c := range cs {
			out = append(out, c.Seq)
		}
		return out
	}
	create()
	create()
	clk.Advance(90 * time.Minute)
	create()
	assert.Equal(t, []int64{3}, seqs(), "entries older than the retention are dropped")

	_, err := db.Feed().LeaseFeed(ctx, "sessions", "r1", time.Minute)
	require.NoError(t, err)
	create()
	require.NoError(t, db.Feed().AckFeed(ctx, "sessions", "r1", 3, time.Minute))
	create()
	assert.Equal(t, []int64{4, 5}, seqs(), "entries every consumer acknowledged are dropped")
}

func ptr[T any](v T) *T { return &v }
