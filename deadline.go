package scim

import (
	"context"
	"sync"
	"time"
)

// storeDeadline is the deadline of a request's store calls
// (Config.StoreTimeout): context.WithDeadline without its timer until
// something waits on Done. The memory store, and a host's store that
// only asks Err, never do, so their requests pay for a time.Time instead
// of arming and stopping a runtime timer and allocating a timer context.
// A store that waits on Done (database/sql does, per statement) arms it
// then, once per request. The middleware calls stop when the request
// ends, as it would call the CancelFunc of context.WithDeadline.
type storeDeadline struct {
	parent   context.Context
	deadline time.Time

	mu   sync.Mutex
	err  error
	done chan struct{} // made by the first Done (or AfterFunc)
	// While armed: the timer of the deadline, the stop of the AfterFunc
	// that follows the parent, and the functions AfterFunc registered.
	timer      *time.Timer
	stopParent func() bool
	funcs      map[*func()]struct{}
}

// init makes the zero c ctx with the deadline d; call its stop when the
// request is done. The middleware keeps one in the requestScope it
// allocates anyway.
func (c *storeDeadline) init(ctx context.Context, d time.Time) {
	c.parent, c.deadline = ctx, d
}

// Value is the parent's value of key. context.Cause, which finds the
// parent's cancelCtx through it, reports Err while the parent has no
// cause of its own.
func (c *storeDeadline) Value(key any) any { return c.parent.Value(key) }

// Deadline is the earlier of d and the parent's deadline.
func (c *storeDeadline) Deadline() (time.Time, bool) {
	if d, ok := c.parent.Deadline(); ok && d.Before(c.deadline) {
		return d, true
	}
	return c.deadline, true
}

// Err is the parent's error, context.DeadlineExceeded once the deadline
// has passed, context.Canceled once the request has ended, or nil.
func (c *storeDeadline) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err == nil {
		if err := c.parent.Err(); err != nil {
			c.end(err)
		} else if !time.Now().Before(c.deadline) {
			c.end(context.DeadlineExceeded)
		}
	}
	return c.err
}

// Done arms the deadline on its first call: a timer, and an AfterFunc
// on the parent.
func (c *storeDeadline) Done() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.arm()
	return c.done
}

// arm makes done and, unless the context has ended, sets what closes it.
// c.mu is held.
func (c *storeDeadline) arm() {
	if c.done != nil {
		return
	}
	c.done = make(chan struct{})
	if c.err != nil {
		close(c.done)
		return
	}
	c.timer = time.AfterFunc(time.Until(c.deadline), func() { c.cancel(context.DeadlineExceeded) })
	if c.parent.Done() != nil {
		c.stopParent = context.AfterFunc(c.parent, func() { c.cancel(c.parent.Err()) })
	}
}

// AfterFunc runs f in its own goroutine once the context is done, as
// context.AfterFunc does. With it, a context derived from this one
// (context.WithCancel in a store or driver) follows it without a
// goroutine of its own.
func (c *storeDeadline) AfterFunc(f func()) (stop func() bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.arm()
	if c.err != nil {
		go f()
		return func() bool { return false }
	}
	key := &f
	if c.funcs == nil {
		c.funcs = map[*func()]struct{}{}
	}
	c.funcs[key] = struct{}{}
	return func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		_, ok := c.funcs[key]
		delete(c.funcs, key)
		return ok
	}
}

// stop ends the context when the request is done.
func (c *storeDeadline) stop() { c.cancel(context.Canceled) }

func (c *storeDeadline) cancel(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.end(err)
}

// end sets err, the first time, and closes done. c.mu is held.
func (c *storeDeadline) end(err error) {
	if c.err != nil {
		return
	}
	c.err = err
	if c.done == nil {
		return // never armed: nothing waits
	}
	close(c.done)
	c.timer.Stop()
	if c.stopParent != nil {
		c.stopParent()
	}
	for f := range c.funcs {
		go (*f)()
	}
	c.funcs = nil
}

// String names the context as context.WithDeadline's does.
func (c *storeDeadline) String() string {
	return "scim.storeDeadline(" + c.deadline.String() + ")"
}
