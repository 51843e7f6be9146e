package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// ChangeKind names a committed change to a user or a group.
type ChangeKind string

// The kinds of change a store's feed records, and a handler reports
// through scim.Config.Events.
const (
	UserCreated     ChangeKind = "user.created"
	UserUpdated     ChangeKind = "user.updated"
	UserDeactivated ChangeKind = "user.deactivated"
	UserReactivated ChangeKind = "user.reactivated"
	UserDeleted     ChangeKind = "user.deleted"
	GroupCreated    ChangeKind = "group.created"
	GroupUpdated    ChangeKind = "group.updated"
	GroupDeleted    ChangeKind = "group.deleted"
	MembersAdded    ChangeKind = "group.members_added"
	MembersRemoved  ChangeKind = "group.members_removed"
)

// Change is one entry of a store's change feed: one committed change to a
// user or a group of a tenant.
//
// One write may append several entries, in this order: the change itself
// (UserCreated, UserUpdated, UserDeleted, GroupCreated, GroupUpdated,
// GroupDeleted), then UserDeactivated or UserReactivated when the write
// turned active from true to false or back, then MembersRemoved and
// MembersAdded. A group created with members appends GroupCreated, then
// MembersAdded. Deleting a user appends UserDeleted, then a MembersRemoved
// for each group it was a direct member of; deleting a group appends
// GroupDeleted, then a MembersRemoved of its own members (ID the deleted
// group), then one for each group it was a member of. A write that
// changes nothing appends nothing, unless its request sent a secret
// (SecretsSent): the handler counts that as a change whatever it leaves.
type Change struct {
	// Seq is the entry's position in its tenant's feed: it increases by
	// one with every entry. An entry is numbered once its change has
	// committed, after every entry numbered before it, and a change to a
	// resource after the changes to it committed before it, so that a
	// consumer that has handled every entry up to n reads on after n and
	// misses nothing. (Two changes to different resources that commit at
	// once may be numbered in either order.) An entry a store hands a
	// host's hook inside the write, before the commit, may not be
	// numbered yet: its Seq is then 0 (store/memory's WithOnChange;
	// sqlstore.Change says when for its Config.OnChange).
	Seq int64 `json:"seq"`
	// Tenant is the tenant the change was made in.
	Tenant string `json:"tenant"`
	// Kind says what happened.
	Kind ChangeKind `json:"kind"`
	// ID is the id of the user or group changed (for MembersAdded and
	// MembersRemoved: of the group).
	ID string `json:"id"`
	// Version is the resource's Meta.Version after the change; "" after
	// a delete.
	Version string `json:"version,omitempty"`
	// At is when the store committed the change (its clock, UTC).
	At time.Time `json:"at"`
	// Attributes are, for UserUpdated and GroupUpdated, the top-level
	// attributes whose value changed, by name ("name", "emails",
	// "active", "displayName"), an extension by its schema URN, in
	// name order, and those holding a secret the write's request sent
	// (SecretsSent), changed or not. Members are not listed: membership changes have
	// entries of their own.
	Attributes []string `json:"attributes,omitempty"`
	// Members are, for MembersAdded and MembersRemoved, the member ids
	// the write really added or removed (not those a request named:
	// unknown ids, present members and absent ones are not listed).
	Members []string `json:"members,omitempty"`
}

// ChangeFeed is implemented by stores that record every committed change
// in a feed, in the same transaction as the change: a change and its
// entries commit together or not at all, so a consumer that reads the
// feed misses nothing the store committed, even across a crash, and
// every replica of a host sees every change. store/memory and
// store/sqlstore implement it (sqlstore when its Config.ChangeFeed is
// set); a host's own store may, and storetest checks it when it does.
type ChangeFeed interface {
	// Changes returns at most limit entries of the tenant in ctx with
	// Seq greater than after, in Seq order, and fewer than limit only
	// when no more entries follow (none when the consumer is up to
	// date): a store that keeps several entries in one record still
	// fills the page. Entries pruned by the store's retention (older than
	// its age limit, or acknowledged by every named consumer of the
	// tenant) are gone: a consumer that falls further behind than the
	// age limit misses entries, so choose the retention longer than the
	// longest outage a consumer must survive.
	Changes(ctx context.Context, after int64, limit int) ([]Change, error)
}

// ErrLeased is returned by FeedConsumers.LeaseFeed and AckFeed when
// another holder has the consumer's lease.
var ErrLeased = errors.New("store: feed consumer is leased by another holder")

// MaxConsumerName bounds a feed consumer's and a holder's name, in bytes:
// a SQL store keys its positions by the name (PostgreSQL refuses a
// B-tree entry past about 2,700 bytes), and a name is an identifier a
// host picks, not data.
const MaxConsumerName = 256

// ErrConsumerName is returned by FeedConsumers.LeaseFeed, AckFeed and
// ReleaseFeed for a consumer or holder name that CheckConsumerNames
// refuses.
var ErrConsumerName = errors.New("store: invalid feed consumer or holder name")

// CheckConsumerNames returns nil when consumer and holder may name a
// feed consumer and the holder of its lease in every store: not empty,
// at most MaxConsumerName bytes, valid UTF-8 and free of NUL (which
// PostgreSQL cannot store in text). Otherwise an error wrapping
// ErrConsumerName that says which name and why. Every FeedConsumers
// method checks its names with it first, so stores answer the same
// names alike, and package feed's Consumer.Run before it starts.
func CheckConsumerNames(consumer, holder string) error {
	for _, n := range [2]struct{ role, name string }{{"consumer", consumer}, {"holder", holder}} {
		var why string
		switch {
		case n.name == "":
			why = "is empty"
		case len(n.name) > MaxConsumerName:
			why = fmt.Sprintf("is %d bytes long; at most %d are accepted", len(n.name), MaxConsumerName)
		case !utf8.ValidString(n.name):
			why = "is not valid UTF-8"
		case strings.IndexByte(n.name, 0) >= 0:
			why = "contains a NUL character"
		default:
			continue
		}
		return fmt.Errorf("%w: the %s name %s", ErrConsumerName, n.role, why)
	}
	return nil
}

// FeedConsumers is implemented by change feeds that keep, for named
// consumers, the position each has acknowledged, under a lease, so that
// several replicas of a host can run the same consumer and each entry is
// handled by one of them at a time (package feed runs one). Positions
// are per tenant: consumer "sessions" of tenant A and of tenant B are
// two leases and two positions.
type FeedConsumers interface {
	// LeaseFeed takes or renews the lease of consumer in the tenant of
	// ctx for holder until now+ttl, and returns the position the
	// consumer has acknowledged (0 for a new consumer). When another
	// holder's lease has not expired: ErrLeased. Each method refuses
	// names CheckConsumerNames refuses with its error (ErrConsumerName),
	// writing nothing.
	LeaseFeed(ctx context.Context, consumer, holder string, ttl time.Duration) (acked int64, err error)
	// AckFeed records that consumer has handled every entry up to seq
	// and renews holder's lease for ttl. A seq lower than the one
	// acknowledged (a negative one too) is ignored. A seq is not checked
	// against the tenant's head: acknowledge only a Seq Changes
	// returned, since a position past the head makes the consumer skip
	// the entries up to it when they come, and lets the store prune them
	// once every named consumer is past them. ErrLeased when holder no
	// longer holds the lease (it expired and another holder took it):
	// stop handling.
	AckFeed(ctx context.Context, consumer, holder string, seq int64, ttl time.Duration) error
	// ReleaseFeed gives up holder's lease, so another holder can take
	// over at once. Releasing a lease one does not hold does nothing.
	ReleaseFeed(ctx context.Context, consumer, holder string) error
	// FeedStatus reports, for every tenant with a feed, its last Seq
	// and each named consumer's acknowledged position and lease.
	FeedStatus(ctx context.Context) ([]FeedStatus, error)
}

// FeedStatus is one tenant's feed as FeedConsumers.FeedStatus reports it.
type FeedStatus struct {
	// Tenant is the tenant whose feed this is ("" is a tenant too).
	Tenant string
	// Head is the number of the tenant's entries (0: none yet): the Seq
	// of its last entry, or, on a store that numbers committed entries
	// when the feed is read (sqlstore on PostgreSQL), the Seq the last
	// of those committed so far will have once numbered. It never
	// decreases, and Changes returns entries up to at least it.
	Head int64
	// Consumers are the named consumers of the tenant, by name.
	Consumers []ConsumerStatus
}

// ConsumerStatus is one named consumer's position in a tenant's feed.
type ConsumerStatus struct {
	// Name is the consumer's name (feed.Consumer.Name).
	Name string
	// Acked is the last Seq the consumer acknowledged; Head-Acked is its
	// lag in entries.
	Acked int64
	// Holder holds the lease until LeaseUntil ("" and zero when free).
	Holder     string
	LeaseUntil time.Time
}
