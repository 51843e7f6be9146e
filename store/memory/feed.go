package memory

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/query"
)

// DefaultFeedRetention is how long the change feed keeps an entry when
// WithChangeFeed is given no retention.
const DefaultFeedRetention = time.Hour

// WithChangeFeed turns on the change feed (Store.Feed): every change is
// appended to its tenant's feed under the same lock as the change.
// Entries older than retention (DefaultFeedRetention when 0 or less), and
// those every named consumer has acknowledged, are pruned as new ones
// arrive. The feed lives in memory, as everything else here: it shows a
// host what the feed of store/sqlstore, which survives a restart, will
// give it.
func WithChangeFeed(retention time.Duration) Option {
	return func(s *Store) {
		if retention <= 0 {
			retention = DefaultFeedRetention
		}
		s.feed = &Feed{s: s, retention: retention}
	}
}

// WithOnChange sets a function the store calls with each entry of a
// write, under the tenant's lock, after checking the write and before
// making it: when it returns an error the write is not made, no entry is
// appended, and the store method returns the error. It sees the entries
// whether or not the feed is on. It must not call the store.
func WithOnChange(fn func(ctx context.Context, c store.Change) error) Option {
	return func(s *Store) { s.onChange = fn }
}

// tracking reports whether writes must work out their feed entries.
func (s *Store) tracking() bool { return s.feed != nil || s.onChange != nil }

// tracks reports whether a write in ctx works out its entries: the store
// tracks changes, or ctx carries a store.Report for the write to fill.
func (s *Store) tracks(ctx context.Context) bool {
	return s.tracking() || store.ReportOf(ctx) != nil
}

// commit hands the entries of a write to WithOnChange's function (an
// error stops the write before it is made: apply is not called), makes
// the write with apply, and appends the entries to t's feed. The caller
// has checked the write, so apply cannot fail, and holds t.mu for
// writing. changes is empty unless s.tracks(ctx) (the store tracks
// changes, or ctx carries a store.Report). It fills that store.Report
// with changes.
func (s *Store) commit(ctx context.Context, t *tenant, changes []store.Change, apply func()) error {
	if s.tracking() {
		at := s.stamp()
		tenant := store.Tenant(ctx)
		for i := range changes {
			changes[i].Tenant, changes[i].At = tenant, at
			if s.onChange != nil {
				if err := s.onChange(ctx, changes[i]); err != nil {
					return err
				}
			}
		}
	}
	apply()
	query.Report(ctx, changes)
	if s.feed != nil {
		t.feed.append(changes, s.feed.retention)
	}
	return nil
}

// feedLog is one tenant's feed and named consumers, guarded by the
// tenant's lock.
type feedLog struct {
	entries   []store.Change // Seq ascending
	head      int64
	consumers map[string]*consumerRec
}

type consumerRec struct {
	acked      int64
	holder     string
	leaseUntil time.Time
}

// append numbers and appends changes, then prunes what retention and the
// consumers let go.
func (f *feedLog) append(changes []store.Change, retention time.Duration) {
	for _, c := range changes {
		f.head++
		c.Seq = f.head
		f.entries = append(f.entries, c)
	}
	if len(changes) == 0 || len(f.entries) == 0 {
		return
	}
	cut := changes[0].At.Add(-retention)
	minAck := int64(-1)
	for _, c := range f.consumers {
		if minAck < 0 || c.acked < minAck {
			minAck = c.acked
		}
	}
	n := 0
	for n < len(f.entries) && (f.entries[n].At.Before(cut) || f.entries[n].Seq <= minAck) {
		n++
	}
	if n > 0 {
		f.entries = slices.Delete(f.entries, 0, n)
	}
}

// Feed is a memory Store's change feed (WithChangeFeed). It implements
// store.ChangeFeed and store.FeedConsumers.
type Feed struct {
	s         *Store
	retention time.Duration
}

var (
	_ store.ChangeFeed    = (*Feed)(nil)
	_ store.FeedConsumers = (*Feed)(nil)
)

// Feed returns the store's change feed, or nil when WithChangeFeed was
// not given.
func (s *Store) Feed() *Feed { return s.feed }

// Changes returns at most limit entries of the tenant in ctx after Seq
// after (see store.ChangeFeed).
func (f *Feed) Changes(ctx context.Context, after int64, limit int) ([]store.Change, error) {
	t, err := f.s.tenant(ctx, false)
	if err != nil || t == nil || limit <= 0 {
		return nil, err
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	es := t.feed.entries
	// Compared, not subtracted: after is the caller's, any int64, and
	// Seq-after wraps around for one far below the first entry
	// (math.MinInt64 found no entry); so does i+limit for a limit near
	// math.MaxInt (a slice out of range).
	i, _ := slices.BinarySearchFunc(es, after, func(c store.Change, after int64) int {
		if c.Seq <= after {
			return -1
		}
		return 1
	})
	es = es[i:][:min(len(es)-i, limit)]
	out := make([]store.Change, len(es))
	for i, c := range es {
		c.Attributes, c.Members = slices.Clone(c.Attributes), slices.Clone(c.Members)
		out[i] = c
	}
	return out, nil
}

// LeaseFeed takes or renews consumer's lease for holder (see
// store.FeedConsumers).
func (f *Feed) LeaseFeed(ctx context.Context, consumer, holder string, ttl time.Duration) (int64, error) {
	if err := store.CheckConsumerNames(consumer, holder); err != nil {
		return 0, err
	}
	t, err := f.s.tenant(ctx, true)
	if err != nil {
		return 0, err
	}
	now := f.s.stamp()
	t.mu.Lock()
	defer t.mu.Unlock()
	c := t.feed.consumer(consumer)
	if c.holder != "" && c.holder != holder && now.Before(c.leaseUntil) {
		return 0, store.ErrLeased
	}
	c.holder, c.leaseUntil = holder, now.Add(ttl)
	return c.acked, nil
}

func (f *feedLog) consumer(name string) *consumerRec {
	if f.consumers == nil {
		f.consumers = make(map[string]*consumerRec)
	}
	c := f.consumers[name]
	if c == nil {
		c = &consumerRec{}
		f.consumers[name] = c
	}
	return c
}

// AckFeed records consumer's position and renews holder's lease (see
// store.FeedConsumers).
func (f *Feed) AckFeed(ctx context.Context, consumer, holder string, seq int64, ttl time.Duration) error {
	if err := store.CheckConsumerNames(consumer, holder); err != nil {
		return err
	}
	t, err := f.s.tenant(ctx, false)
	if err != nil {
		return err
	}
	if t == nil {
		return store.ErrLeased
	}
	now := f.s.stamp()
	t.mu.Lock()
	defer t.mu.Unlock()
	c := t.feed.consumers[consumer]
	if c == nil || c.holder != holder || !now.Before(c.leaseUntil) {
		return store.ErrLeased
	}
	c.acked = max(c.acked, seq)
	c.leaseUntil = now.Add(ttl)
	return nil
}

// ReleaseFeed gives up holder's lease of consumer.
func (f *Feed) ReleaseFeed(ctx context.Context, consumer, holder string) error {
	if err := store.CheckConsumerNames(consumer, holder); err != nil {
		return err
	}
	t, err := f.s.tenant(ctx, false)
	if err != nil || t == nil {
		return err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if c := t.feed.consumers[consumer]; c != nil && c.holder == holder {
		c.holder, c.leaseUntil = "", time.Time{}
	}
	return nil
}

// FeedStatus reports every tenant's head and named consumers, tenants
// and consumers by name.
func (f *Feed) FeedStatus(ctx context.Context) ([]store.FeedStatus, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f.s.mu.RLock()
	ts := make(map[string]*tenant, len(f.s.tenants))
	for id, t := range f.s.tenants {
		ts[id] = t
	}
	f.s.mu.RUnlock()
	var out []store.FeedStatus
	for id, t := range ts {
		t.mu.RLock()
		st := store.FeedStatus{Tenant: id, Head: t.feed.head}
		for name, c := range t.feed.consumers {
			st.Consumers = append(st.Consumers, store.ConsumerStatus{Name: name, Acked: c.acked, Holder: c.holder, LeaseUntil: c.leaseUntil})
		}
		t.mu.RUnlock()
		if st.Head == 0 && len(st.Consumers) == 0 {
			continue
		}
		slices.SortFunc(st.Consumers, func(a, b store.ConsumerStatus) int { return strings.Compare(a.Name, b.Name) })
		out = append(out, st)
	}
	slices.SortFunc(out, func(a, b store.FeedStatus) int { return strings.Compare(a.Tenant, b.Tenant) })
	return out, nil
}

// userChanges returns the entries of a write of user after over before
// (none when the feed is off and no WithOnChange function is set), the
// secrets the write's request sent (store.SecretsSentOf) listed as
// changed. The caller holds t.mu for writing: both documents are
// rendered into t's scratch buffer (renderPair).
func (s *Store) userChanges(t *tenant, before, after *resources.User, secrets []string) ([]store.Change, error) {
	if !s.tracking() {
		return nil, nil
	}
	b, a, err := renderPair(t, before, after, func(dst []byte, u *resources.User) ([]byte, error) {
		c := *u
		c.ID, c.Meta, c.Groups, c.Password = "", resources.Meta{}, nil, ""
		return c.AppendJSON(dst)
	})
	if err != nil {
		return nil, err
	}
	return query.UserChanges(after.ID, after.Meta.Version, b, a, before.Password != after.Password, secrets...)
}

// groupChanges returns the GroupUpdated entry of a write of group after
// over before, members aside, and secrets as userChanges lists them. The
// caller holds t.mu for writing, as for userChanges.
func (s *Store) groupChanges(t *tenant, before, after *resources.Group, secrets []string) ([]store.Change, error) {
	if !s.tracking() {
		return nil, nil
	}
	b, a, err := renderPair(t, before, after, func(dst []byte, g *resources.Group) ([]byte, error) {
		c := *g
		c.ID, c.Meta, c.Members = "", resources.Meta{}, nil
		return c.AppendJSON(dst)
	})
	if err != nil {
		return nil, err
	}
	return query.GroupChanges(after.ID, after.Meta.Version, b, a, secrets...)
}

// maxScratch bounds the rendering buffer a tenant keeps between writes:
// a resource's two documents are a few KiB; a buffer grown for a rare
// huge one is left to the collector.
const maxScratch = 64 << 10

// renderPair renders before and then after with render, one after the
// other in t's scratch buffer, which the caller (holding t.mu for writing)
// may use until it lets the lock go: query's diff copies out the names it
// returns. Rendered into new buffers grown from nothing, the two
// documents were 8 of the 12 allocations the feed added to a user's
// update, and 1.8 KB of the 3 KB it added to examples/basic's sync cycle
// (BENCHMARKS.md, 2026-12-01, branch basicsync).
func renderPair[T any](t *tenant, before, after T, render func([]byte, T) ([]byte, error)) (b, a []byte, err error) {
	buf, err := render(t.scratch[:0], before)
	if err != nil {
		return nil, nil, err
	}
	n := len(buf)
	if buf, err = render(buf, after); err != nil {
		return nil, nil, err
	}
	if cap(buf) <= maxScratch {
		t.scratch = buf[:0]
	}
	return buf[:n:n], buf[n:], nil
}
