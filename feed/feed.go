// Package feed runs a host's handler over a store's change feed
// (store.ChangeFeed): the way to act on provisioning changes that must not
// be missed, such as ending a deactivated user's sessions.
//
// A Consumer reads the entries of each tenant after the position it has
// acknowledged, a batch at a time, hands them to Handle one at a time, in
// order, and acknowledges what Handle has handled once per batch (and
// before anything that waits). Delivery is at least once: an entry whose
// acknowledgement was lost (a crash between Handle and the
// acknowledgement) is handed over again, so Handle must be idempotent
// (ending sessions that are already ended is). When Handle fails, the
// same entry is tried again after a growing pause, and nothing after it
// is handed over until it succeeds.
//
// Several replicas of a host may run the same Consumer (same Name) over
// one database: a lease per tenant (store.FeedConsumers) lets one of them
// handle a tenant's entries at a time, and another takes over when its
// holder stops renewing the lease. A Handle that runs longer than Lease
// may lose the lease to another replica, so keep Lease well above the
// slowest Handle.
//
//	db, _ := sqlstore.New(ctx, sqlstore.Config{DSN: dsn, ChangeFeed: true})
//	c := &feed.Consumer{Name: "sessions", Feed: db.Feed(), Handle: func(ctx context.Context, ch store.Change) error {
//		if ch.Kind == store.UserDeactivated || ch.Kind == store.UserDeleted {
//			return sessions.EndAll(ctx, ch.Tenant, ch.ID)
//		}
//		return nil
//	}}
//	go c.Run(ctx)
package feed

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/scimkit/scim/store"
)

// Source is a change feed that keeps named consumers' positions:
// sqlstore's and memory's Feed.
type Source interface {
	store.ChangeFeed
	store.FeedConsumers
}

// Consumer runs Handle over a Source's entries. Set Name, Feed and
// Handle; the rest have defaults. A Consumer must not be copied after
// Run starts.
type Consumer struct {
	// Name identifies the consumer: its position and lease are kept
	// under it, per tenant. Replicas running the same consumer use the
	// same Name.
	Name string
	// Feed is the store's change feed.
	Feed Source
	// Handle is called with each entry, in Seq order per tenant. An
	// error makes the consumer try the same entry again after a pause.
	Handle func(ctx context.Context, c store.Change) error
	// Tenants lists the tenants to follow. Nil follows every tenant that
	// has a feed (store.FeedConsumers.FeedStatus). The list is read again
	// after each pause, and at least once a Poll while passes find full
	// batches and go on without one.
	Tenants func(ctx context.Context) ([]string, error)
	// Holder names this replica in leases (default: host name, process
	// id and a random suffix).
	Holder string
	// Lease is how long a tenant's lease lasts unless renewed (default
	// 30s). Every acknowledgement renews it.
	Lease time.Duration
	// Poll is the pause once every tenant is up to date, that is when
	// no tenant had a full Batch to hand over (default 1s): an entry
	// waits up to Poll before it is handed over.
	Poll time.Duration
	// Batch is how many entries are read at a time (default 100).
	Batch int
	// MaxBackoff bounds the pause after a failing Handle (default 1m;
	// the first pause is Poll/4, doubling).
	MaxBackoff time.Duration
	// Logger receives failures (default slog.Default()).
	Logger *slog.Logger
}

// ackTimeout bounds the acknowledgement of a handled entry and the
// release of a lease, which run even when Run's context has ended.
const ackTimeout = 5 * time.Second

// ErrConfig is returned by Run when Name, Feed or Handle is missing, or
// Name or Holder is one no store keeps (then wrapping
// store.ErrConsumerName too).
var ErrConfig = errors.New("feed: Consumer needs Name, Feed and Handle")

// Run follows the feed until ctx ends, then releases its leases and
// returns ctx's error. An entry Handle finishes as ctx ends is still
// acknowledged, and no entry is handed over after it. It returns early
// only for a missing or invalid setting (ErrConfig): a Name or Holder
// that store.CheckConsumerNames refuses would fail every lease, a
// warning each Poll, forever.
func (c *Consumer) Run(ctx context.Context) error {
	if c.Name == "" || c.Feed == nil || c.Handle == nil {
		return ErrConfig
	}
	c.setDefaults()
	if err := store.CheckConsumerNames(c.Name, c.Holder); err != nil {
		return fmt.Errorf("%w: %w", ErrConfig, err)
	}
	held := map[string]*holding{}
	defer func() {
		for tenant := range held {
			rctx, cancel := context.WithTimeout(context.Background(), ackTimeout)
			if err := c.Feed.ReleaseFeed(store.WithTenant(rctx, tenant), c.Name, c.Holder); err != nil {
				c.Logger.Warn("feed: release lease", "consumer", c.Name, "tenant", tenant, "err", err)
			}
			cancel()
		}
	}()
	var (
		tenants []string
		listed  time.Time // when tenants was read
		list    = true
	)
	for {
		busy := false
		if list {
			var err error
			tenants, err = c.tenants(ctx)
			listed = time.Now()
			if err != nil && ctx.Err() == nil {
				c.Logger.Warn("feed: list tenants", "consumer", c.Name, "err", err)
				listed = time.Time{} // read them again on the next pass
			}
		}
		for _, tenant := range tenants {
			n, err := c.drain(store.WithTenant(ctx, tenant), held, tenant)
			if err != nil && ctx.Err() == nil {
				c.Logger.Warn("feed: read", "consumer", c.Name, "tenant", tenant, "err", err)
			}
			// Only a full batch says more may be waiting: a consumer
			// that has caught up pauses, rather than reading the feed
			// again for the few entries written meanwhile. Each pass
			// writes (a lease, an acknowledgement) and, behind a busy
			// writer, would hand over an entry or two at a time.
			busy = busy || n >= c.Batch
		}
		// A busy pass goes on with the tenants it has, reading them again
		// once a Poll has passed, as after a pause: listing them is a
		// read of every tenant's head (a transaction of four statements
		// on PostgreSQL), which behind a busy writer was a third of a
		// pass's statements, and a new tenant's entries wait no longer
		// than Poll either way.
		list = !busy || time.Since(listed) >= c.Poll
		if !busy {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(c.Poll):
			}
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
}

// holding is what a replica knows of a lease it holds: the position it
// last acknowledged (or LeaseFeed returned) and when it last renewed the
// lease, counted from before the call that renewed it.
type holding struct {
	acked   int64
	renewed time.Time
}

func (c *Consumer) setDefaults() {
	if c.Holder == "" {
		host, _ := os.Hostname()
		b := make([]byte, 4)
		_, _ = rand.Read(b)
		c.Holder = fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b))
	}
	if c.Lease <= 0 {
		c.Lease = 30 * time.Second
	}
	if c.Poll <= 0 {
		c.Poll = time.Second
	}
	if c.Batch <= 0 {
		c.Batch = 100
	}
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = time.Minute
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
}

// tenants returns the tenants to follow.
func (c *Consumer) tenants(ctx context.Context) ([]string, error) {
	if c.Tenants != nil {
		return c.Tenants(ctx)
	}
	sts, err := c.Feed.FeedStatus(ctx)
	out := make([]string, 0, len(sts))
	for _, st := range sts {
		if st.Head > 0 {
			out = append(out, st.Tenant)
		}
	}
	return out, err
}

// drain takes the tenant's lease, unless it holds one it renewed less than
// Lease/3 ago, and handles one batch of its entries; it returns how many
// it handled. held tracks the leases this replica has, to release them
// when Run ends, and what it knows of each (holding).
//
// It acknowledges the batch once, after its last entry, rather than each
// entry: an acknowledgement is a write to the store (on a SQL store a
// commit, a WAL flush on PostgreSQL), and one per entry was a flush per
// change the identity provider made, beside the change's own. What was
// handled is acknowledged before anything that may wait (a failing
// entry's retries) and before drain returns for any reason, and at least
// every Lease/3 within a batch, which renews the lease. A crash hands
// over again what was handled since the last acknowledgement, up to a
// batch: Handle is idempotent (at-least-once) either way.
//
// An acknowledgement renews the lease, so a consumer that keeps up with a
// busy writer takes it once and then renews it by acknowledging: taking
// it again on every pass was one more write (a commit, a WAL flush on
// PostgreSQL) per batch. A lease renewed less than Lease/3 ago cannot
// have passed to another replica, which takes only an expired one.
func (c *Consumer) drain(ctx context.Context, held map[string]*holding, tenant string) (n int, err error) {
	// h is held[tenant], the one record of the position acknowledged and
	// of the lease's renewal; nil once another replica has the lease.
	h := held[tenant]
	defer func() {
		if h != nil && err != nil {
			// A failure may have lost the lease (a failing entry's retries
			// renew it themselves): take it again next time.
			h.renewed = time.Time{}
		}
	}()
	// lease takes or renews the tenant's lease, counted from before the
	// call; ok is false when another replica has it (err nil) or on err.
	lease := func() (ok bool, err error) {
		start := time.Now()
		acked, err := c.Feed.LeaseFeed(ctx, c.Name, c.Holder, c.Lease)
		switch {
		case errors.Is(err, store.ErrLeased):
			h = nil
			delete(held, tenant)
			return false, nil
		case err == nil:
			h = &holding{acked: acked, renewed: start}
			held[tenant] = h
		}
		return err == nil, err
	}
	if h == nil || time.Since(h.renewed) >= c.Lease/3 {
		if ok, err := lease(); !ok {
			return 0, err
		}
	}
	from := h.acked
	entries, err := c.Feed.Changes(ctx, from, c.Batch)
	if err != nil {
		return 0, err
	}
	if len(entries) > 0 && time.Since(h.renewed) >= c.Lease/3 {
		// Reading the batch took a third of the lease (a store that
		// numbers entries as they are read may wait for a writer): renew
		// it before handing anything over, or another replica could take
		// it and handle the same entries at once.
		if ok, err := lease(); !ok {
			return 0, err
		}
		if h.acked != from {
			return 0, nil // another replica went on meanwhile: read again from there
		}
	}
	handled := from
	// ack acknowledges what was handled, even when ctx has just ended
	// (Run stopping), or a graceful stop would hand it over again. lost
	// reports a lease another replica took.
	ack := func() (lost bool, err error) {
		if h == nil || handled == h.acked {
			return h == nil, nil
		}
		start := time.Now() // the lease is renewed from here
		actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ackTimeout)
		err = c.Feed.AckFeed(actx, c.Name, c.Holder, handled, c.Lease)
		cancel()
		if errors.Is(err, store.ErrLeased) {
			h = nil
			delete(held, tenant)
			c.Logger.Warn("feed: lost the lease; another replica goes on from the last acknowledged entry", "consumer", c.Name, "tenant", tenant, "seq", handled)
			return true, nil
		}
		if err == nil {
			h.acked, h.renewed = handled, start
		}
		return false, err
	}
	for i, e := range entries {
		if err := ctx.Err(); err != nil {
			_, aerr := ack()
			return i, errors.Join(err, aerr) // Run is stopping: hand nothing more over
		}
		if err := c.handle(ctx, e, ack); err != nil {
			if h == nil {
				return i, nil // handle's ack found another replica's lease
			}
			_, aerr := ack()
			return i, errors.Join(err, aerr) // ctx ended, or the lease was lost
		}
		handled = e.Seq
		if i < len(entries)-1 && time.Since(h.renewed) < c.Lease/3 {
			continue
		}
		if lost, err := ack(); lost || err != nil {
			return i + 1, err
		}
	}
	return len(entries), nil
}

// handle calls Handle until it succeeds (with a growing pause, renewing
// the lease) or ctx ends. A panic in Handle counts as a failure. Before
// the first pause it calls ack, which acknowledges the entries handled
// before e; a lease lost there ends the retries.
func (c *Consumer) handle(ctx context.Context, e store.Change, ack func() (lost bool, err error)) error {
	pause := c.Poll / 4
	for attempt := 1; ; attempt++ {
		err := c.call(ctx, e)
		if err == nil {
			return nil
		}
		c.Logger.Warn("feed: handler failed; trying the entry again", "consumer", c.Name, "tenant", e.Tenant, "seq", e.Seq, "kind", e.Kind, "attempt", attempt, "pause", pause, "err", err)
		if attempt == 1 {
			if lost, err := ack(); lost {
				return store.ErrLeased // leave the entry to the lease's new holder
			} else if err != nil {
				c.Logger.Warn("feed: acknowledge", "consumer", c.Name, "tenant", e.Tenant, "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(pause):
		}
		pause = min(pause*2, c.MaxBackoff)
		if _, err := c.Feed.LeaseFeed(ctx, c.Name, c.Holder, c.Lease); err != nil {
			return err // lost the lease (or the store): leave the entry to its new holder
		}
	}
}

func (c *Consumer) call(ctx context.Context, e store.Change) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("feed: handler panicked: %v", r)
		}
	}()
	return c.Handle(ctx, e)
}
