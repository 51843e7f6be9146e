package scim

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type deadlineKey struct{}

// wait is the generous bound of a wait that must end: a hang fails the
// test instead of blocking it; nothing here is timed.
const wait = 10 * time.Second

func closed(t *testing.T, ch <-chan struct{}) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(wait):
		t.Fatal("not done")
	}
}

func TestStoreDeadline(t *testing.T) {
	parent := context.WithValue(context.Background(), deadlineKey{}, "v")
	past, future := time.Now().Add(-time.Second), time.Now().Add(time.Hour)

	t.Run("before the deadline", func(t *testing.T) {
		ctx := withStoreDeadline(parent, future)
		defer ctx.stop()
		require.NoError(t, ctx.Err())
		d, ok := ctx.Deadline()
		assert.True(t, ok)
		assert.Equal(t, future, d)
		assert.Equal(t, "v", ctx.Value(deadlineKey{}))
		select {
		case <-ctx.Done():
			t.Fatal("done before its deadline")
		default:
		}
	})
	t.Run("the cause under a live parent", func(t *testing.T) {
		p, cancel := context.WithCancelCause(parent)
		defer cancel(nil)
		ctx := withStoreDeadline(p, past)
		defer ctx.stop()
		assert.ErrorIs(t, context.Cause(ctx), context.DeadlineExceeded, "not the live parent's nil cause")
	})
	t.Run("past the deadline, never armed", func(t *testing.T) {
		ctx := withStoreDeadline(parent, past)
		defer ctx.stop()
		assert.ErrorIs(t, ctx.Err(), context.DeadlineExceeded)
		closed(t, ctx.Done())
		assert.ErrorIs(t, context.Cause(ctx), context.DeadlineExceeded)
	})
	t.Run("the armed timer closes Done", func(t *testing.T) {
		ctx := withStoreDeadline(parent, time.Now().Add(time.Millisecond))
		defer ctx.stop()
		closed(t, ctx.Done())
		assert.ErrorIs(t, ctx.Err(), context.DeadlineExceeded)
	})
	t.Run("a derived context follows it", func(t *testing.T) {
		ctx := withStoreDeadline(parent, time.Now().Add(time.Millisecond))
		defer ctx.stop()
		child, cancel := context.WithCancel(context.WithValue(ctx, derivedKey{}, 1))
		defer cancel()
		closed(t, child.Done())
		assert.ErrorIs(t, child.Err(), context.DeadlineExceeded)
		assert.ErrorIs(t, context.Cause(child), context.DeadlineExceeded)
		assert.Equal(t, "v", child.Value(deadlineKey{}))
	})
	t.Run("the parent's cancellation", func(t *testing.T) {
		p, cancel := context.WithCancel(parent)
		ctx := withStoreDeadline(p, future)
		defer ctx.stop()
		done := ctx.Done()
		cancel()
		closed(t, done)
		assert.ErrorIs(t, ctx.Err(), context.Canceled)

		p, cancel = context.WithCancel(parent)
		ctx = withStoreDeadline(p, future)
		defer ctx.stop()
		cancel()
		assert.ErrorIs(t, ctx.Err(), context.Canceled, "seen without Done")
	})
	t.Run("the parent's earlier deadline", func(t *testing.T) {
		early := time.Now().Add(time.Minute)
		p, cancel := context.WithDeadline(parent, early)
		defer cancel()
		ctx := withStoreDeadline(p, future)
		defer ctx.stop()
		d, _ := ctx.Deadline()
		assert.Equal(t, early, d)
	})
	t.Run("the end of the request", func(t *testing.T) {
		for _, armed := range []bool{false, true} {
			ctx := withStoreDeadline(parent, future)
			if armed {
				_ = ctx.Done()
			}
			ctx.stop()
			assert.ErrorIs(t, ctx.Err(), context.Canceled)
			closed(t, ctx.Done())
			ctx.stop() // twice is harmless
		}
	})
	t.Run("AfterFunc", func(t *testing.T) {
		ctx := withStoreDeadline(parent, future)
		ran := make(chan struct{})
		stopF := context.AfterFunc(ctx, func() { close(ran) })
		unrun := context.AfterFunc(ctx, func() { t.Error("a stopped function ran") })
		assert.True(t, unrun())
		ctx.stop()
		closed(t, ran)
		assert.False(t, stopF())
		late := make(chan struct{})
		context.AfterFunc(ctx, func() { close(late) })
		closed(t, late)
	})
}

// derivedKey keys the value of a context derived from a store deadline.
type derivedKey struct{}

// TestRequestStateContext: the request state is a context that adds one
// value to the request's, as context.WithValue would: the parent's
// values, cancellation and cause show through it, and a context derived
// from it follows the parent.
func TestRequestStateContext(t *testing.T) {
	cause := errors.New("client went away")
	for _, tc := range []struct {
		name     string
		deadline bool // a store deadline on top, as the middleware sets one
	}{
		{"state", false},
		{"state under a store deadline", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			parent, cancel := context.WithCancelCause(context.WithValue(context.Background(), deadlineKey{}, "host"))
			st := &requestState{Context: parent, id: "r1"}
			var ctx context.Context = st
			if tc.deadline {
				dl := withStoreDeadline(st, time.Now().Add(time.Hour))
				defer dl.stop()
				ctx = dl
			}
			assert.Same(t, st, stateOf(ctx))
			assert.Equal(t, "r1", requestID(ctx))
			assert.Equal(t, "host", ctx.Value(deadlineKey{}))
			assert.Nil(t, ctx.Value("other"))
			child, stop := context.WithCancel(ctx)
			defer stop()
			require.NoError(t, ctx.Err())

			cancel(cause)
			closed(t, ctx.Done())
			closed(t, child.Done())
			assert.ErrorIs(t, ctx.Err(), context.Canceled)
			assert.ErrorIs(t, context.Cause(child), cause)
		})
	}
}

// withStoreDeadline returns ctx with the deadline d, as the middleware
// sets up its requestScope's.
func withStoreDeadline(ctx context.Context, d time.Time) *storeDeadline {
	c := new(storeDeadline)
	c.init(ctx, d)
	return c
}
