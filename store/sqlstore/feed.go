package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/scimkit/scim/internal/jsonscan"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
)

// DefaultFeedRetention is how long the change feed keeps an entry when
// Config.FeedRetention is not set.
const DefaultFeedRetention = 7 * 24 * time.Hour

// feedConfig is the change feed part of a Store.
type feedConfig struct {
	on        bool
	retention time.Duration
	onChange  func(ctx context.Context, tx *sql.Tx, c Change) error
	bridge    *Bridge // Config.Bridge
	stop      chan struct{}
	done      sync.WaitGroup
}

// sqliteLast reads tenant ?1's last Seq: its newest entry's, or, when
// Prune has deleted every entry, the last one Prune deleted, which it
// keeps in the tenant's scim_feed_heads row. SQLite has one writer at a
// time, and the append reads it inside the write's transaction: the
// tenant's entries are numbered in commit order, without gaps, and a
// write changes no head row (one B-tree less for every commit to write),
// only scim_feed.
const sqliteLast = `SELECT max(COALESCE((SELECT seq FROM scim_feed WHERE tenant = (SELECT ?1) ORDER BY seq DESC LIMIT 1), 0),
		COALESCE((SELECT seq FROM scim_feed_heads WHERE tenant = (SELECT ?1)), 0))`

// sqliteHeads reads every tenant's last Seq on SQLite (see sqliteLast):
// the tenants of scim_feed found by skipping along its primary key, one
// probe each, not a scan of the entries.
const sqliteHeads = `WITH RECURSIVE t(x) AS (
			SELECT (SELECT tenant FROM scim_feed ORDER BY tenant LIMIT 1)
			UNION ALL
			SELECT (SELECT tenant FROM scim_feed WHERE tenant > t.x ORDER BY tenant LIMIT 1) FROM t WHERE t.x IS NOT NULL
		)
		SELECT tenant, max(seq) AS seq FROM (
			SELECT tenant, seq FROM scim_feed_heads
			UNION ALL
			SELECT x, (SELECT seq FROM scim_feed WHERE tenant = t.x ORDER BY seq DESC LIMIT 1) FROM t WHERE t.x IS NOT NULL
		) GROUP BY tenant`

// heads renders a FROM item of every tenant's last Seq: (tenant, seq).
func (s *Store) heads() string {
	if s.d.pg {
		return `scim_feed_heads`
	}
	return `(` + sqliteHeads + `)`
}

// The SQLite statements of an append. A write's entries, up to
// feedRowMax of them, are one row of scim_feed (migration 0011): the
// row's seq is its last entry's, its own columns hold its first entry,
// and more the others (feedMore). One row is one cell for the B-tree to
// take and rebalance, and one statement, where each entry was a cell of
// its own. A write of more entries appends several rows
// (sqliteInsertRows).
const (
	// sqliteAppend inserts a row of ?8 entries of tenant ?1 at ?2,
	// numbered after the tenant's last Seq (sqliteLast): the row's seq,
	// its last entry's, is that Seq + ?8. The first entry's kind, resource
	// id, version, attributes and members are bound from ?3, the others
	// to ?9 (feedMore, NULL for a row of one entry, the commonest). A
	// plain VALUES row, which SQLite inserts as it computes it (an
	// INSERT ... SELECT reading the table it inserts into would
	// materialise its rows first).
	sqliteAppend = `INSERT INTO scim_feed (tenant, seq, at, kind, resource_id, version, attrs, members, more)
		VALUES (?1, (` + sqliteLast + `) + ?8, ?2, ?3, ?4, ?5, ?6, ?7, ?9)`
	// sqliteInsert inserts a row whose seq (?2) the write has read
	// (Config.OnChange needs the entries' Seqs before they are appended).
	sqliteInsert = `INSERT INTO scim_feed (tenant, seq, at, kind, resource_id, version, attrs, members, more)
		VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)`
)

// feedMore renders the entries of a SQLite row after its first (more,
// migration 0011) as a JSON array of {"k","i","v","a","m"} objects, nil
// when there are none. readMore reads it back.
func feedMore(rest []store.Change) any {
	if len(rest) == 0 {
		return nil
	}
	b := append(make([]byte, 0, 96*len(rest)), '[')
	for i := range rest {
		c := &rest[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"k":`...)
		b = jsonscan.AppendString(b, string(c.Kind))
		b = append(b, `,"i":`...)
		b = jsonscan.AppendString(b, c.ID)
		b = append(b, `,"v":`...)
		b = jsonscan.AppendString(b, c.Version)
		if len(c.Attributes) > 0 {
			b = appendJSONList(append(b, `,"a":`...), c.Attributes)
		}
		if len(c.Members) > 0 {
			b = appendJSONList(append(b, `,"m":`...), c.Members)
		}
		b = append(b, '}')
	}
	return string(append(b, ']'))
}

// moreEntry is an entry of a SQLite row's more column (feedMore).
type moreEntry struct {
	Kind       string   `json:"k"`
	ID         string   `json:"i"`
	Version    string   `json:"v"`
	Attributes []string `json:"a"`
	Members    []string `json:"m"`
}

// feedRowMax bounds the entries of one SQLite row (migration 0011): a
// read that reaches a row decodes all its entries, so a write of more
// (a user deleted from thousands of groups) appends a row per feedRowMax
// of them (sqliteInsertRows) and a reader of 100 at a time decodes at
// most feedRowMax-1 entries it does not return, however large the write.
const feedRowMax = 64

// sqliteRowsPerInsert bounds the rows of one INSERT of sqliteInsertRows:
// 9 parameters a row, under SQLite's 32,766.
const sqliteRowsPerInsert = 3600

// readMore appends to out the entries after Seq after of a SQLite row of
// several, up to limit entries in out: first, read from the row's own
// columns with the row's seq (its last entry's), and the others, from its
// more column (feedMore), numbered up to that seq and stamped as first is.
// A row holds at most feedRowMax entries.
func readMore(out []store.Change, first store.Change, more string, after int64, limit int) ([]store.Change, error) {
	var rest []moreEntry
	if err := json.Unmarshal([]byte(more), &rest); err != nil {
		return out, err
	}
	first.Seq -= int64(len(rest))
	if first.Seq > after {
		out = append(out, first)
	}
	for i, m := range rest {
		if len(out) >= limit {
			break
		}
		if seq := first.Seq + 1 + int64(i); seq > after {
			out = append(out, store.Change{Tenant: first.Tenant, Seq: seq, At: first.At,
				Kind: store.ChangeKind(m.Kind), ID: m.ID, Version: m.Version, Attributes: m.Attributes, Members: m.Members})
		}
	}
	return out, nil
}

// tracking reports whether writes must work out their feed entries.
func (s *Store) tracking() bool { return s.feed.on || s.bridging() }

// tracks reports whether a write in ctx works out its entries, or for
// a member change which members it really added and removed: the store
// tracks changes, or ctx carries a store.Report for the write to fill.
func (s *Store) tracks(ctx context.Context) bool {
	return s.tracking() || store.ReportOf(ctx) != nil
}

// bridging reports whether writes must also hand Config.OnChange or
// Config.Bridge the resource before and after.
func (s *Store) bridging() bool { return s.feed.onChange != nil || s.feed.bridge != nil }

// folding reports whether the store folds Config.Bridge's statements
// into its own where it can (PostgreSQL; see Bridge.fold).
func (s *Store) folding() bool { return s.d.pg && s.feed.bridge != nil }

// Change is a feed entry as Config.OnChange sees it, inside the write's
// transaction: with the user or group the entry names, before and after
// the write, so a host can update its own tables from it. Its Seq, with
// Config.ChangeFeed on, is what the feed will read on SQLite, which
// numbers entries as they are appended, one writer at a time; on
// PostgreSQL it is 0: the entry is numbered once committed, when the
// feed is read (Feed.Changes, Prune), so that the tenant's writes commit
// together. With the feed off it is 0 on both.
type Change struct {
	store.Change
	// UserBefore and UserAfter are set on the entries of a user
	// (UserCreated: UserAfter only; UserDeleted: UserBefore only). Groups
	// is nil on both; Password is what the store keeps (empty, or a
	// hash).
	UserBefore, UserAfter *resources.User
	// GroupBefore and GroupAfter are set on the entries of a group
	// (GroupCreated and a group's MembersAdded: GroupAfter; GroupDeleted
	// and its MembersRemoved: GroupBefore; ModifyMembers: GroupAfter),
	// always without Members: MembersAdded and MembersRemoved carry the
	// member ids really added or removed. The MembersRemoved entries of a
	// user's deletion, one per group it left, have neither.
	GroupBefore, GroupAfter *resources.Group
	// w is the write's transaction with the store's statement cache
	// (SQLite) and its Store.points, through which Bridge runs its
	// statements, as the store runs its own (wtx).
	w wtx
}

// subject is the resource a write changed, before and after, for
// Config.OnChange; only filled when the store is bridging.
type subject struct {
	id                      string
	userBefore, userAfter   *resources.User
	groupBefore, groupAfter *resources.Group
	// bridged says the write's own statement did Config.Bridge's work
	// for every entry (Bridge.fold): appendChanges does not call it.
	bridged bool
}

// stampChanges gives changes their tenant and the time of the write, and
// returns that time.
func (s *Store) stampChanges(tenant string, changes []store.Change) time.Time {
	at := s.stamp()
	for i := range changes {
		changes[i].Tenant, changes[i].At = tenant, at
	}
	return at
}

// appendChanges appends the entries of a write to the tenant's feed in
// tx, then hands each to Config.Bridge and Config.OnChange, in that order
// (an error rolls the whole transaction back: the change, its entries and
// whatever they wrote). On SQLite the tenant's entries are numbered as
// they are appended, in commit order, and handed on with their Seqs; on
// PostgreSQL they wait in scim_feed_pending for the next reader of the
// feed (sequence), and are handed on with Seq 0: numbering them here
// would hold the tenant's feed head until the commit, one write of the
// tenant at a time (BENCHMARKS.md, branch ocpending).
// Entries a folded statement has appended already (foldWrite: their Seq
// is pendingSeq) are not appended again; when the write's statement did
// the bridge's work too (subj.bridged, see Bridge.fold), they are handed
// to OnChange only.
//
// The entries whose ID is subj.id get subj's resources.
func (s *Store) appendChanges(ctx context.Context, tx *sql.Tx, tenant string, changes []store.Change, subj subject) error {
	if len(changes) == 0 || !s.tracking() {
		return nil
	}
	if changes[0].Seq == 0 {
		at := s.stampChanges(tenant, changes)
		if s.feed.on {
			if err := s.appendFeed(ctx, tx, tenant, at, changes); err != nil {
				return fmt.Errorf("sqlstore: change feed: %w", err)
			}
		}
	}
	bridge := s.feed.bridge
	if subj.bridged {
		bridge = nil
	}
	if bridge == nil && s.feed.onChange == nil {
		return nil
	}
	w := s.wx(tx)
	for _, c := range changes {
		if c.Seq == pendingSeq {
			c.Seq = 0 // numbered once committed, by a reader of the feed
		}
		bc := Change{Change: c, w: w}
		if c.ID == subj.id {
			bc.UserBefore, bc.UserAfter, bc.GroupBefore, bc.GroupAfter = subj.userBefore, subj.userAfter, subj.groupBefore, subj.groupAfter
		}
		if bridge != nil {
			if err := bridge.onChange(ctx, bc); err != nil {
				return err
			}
		}
		if s.feed.onChange != nil {
			if err := s.feed.onChange(ctx, tx, bc); err != nil {
				return err
			}
		}
	}
	return nil
}

// pgFeed renders the data-modifying WITH statements of a PostgreSQL
// append of changes (binding their values to a): head (pgHead, or
// pgHeadAfterW when w wrote a row) yields one row, and "entries" inserts
// the changes, in order, into scim_feed_pending, to be numbered by a
// reader of the feed once they have committed (sequence, numberPending).
// A write, with Config.OnChange or without, locks no row of the feed that
// a concurrent write of its tenant locks, so a tenant's writes commit
// together (migration 0012). Every statement of a WITH runs exactly once,
// whatever the outer SELECT reads.
func (s *Store) pgFeed(a *args, tenant string, at time.Time, changes []store.Change, head string) string {
	return head + `, entries AS (
			INSERT INTO scim_feed_pending (tenant, at, kind, resource_id, version, attrs, members)
			SELECT ` + a.add(tenant) + `, ` + a.add(s.d.timeArg(at)) + `::timestamptz, v.kind, v.id, v.version, v.attrs, v.members
			FROM head, ` + pgFeedRows(a, changes) + ` ORDER BY v.i
		)`
}

// pgFeed's head, one of two constant WITH items: one row without
// columns, or none, from which the entries are appended. Only whether it
// has its row counts. (It once read the tenant's last Seq from
// scim_feed_heads, to number the entries in the write; since migration
// 0012 a write numbers nothing, so it has no column to read: what
// scim_feed_heads holds is the numbering's, pgNumber.)
const (
	// pgHead is the head of an append sent alone (appendFeed).
	pgHead = `head AS (SELECT)`
	// pgHeadAfterW is the head of an append folded into w, the write of
	// the same statement (foldWrite; CreateUser's single statement): it
	// reads w first, and yields its row, and the append appends, only
	// when w wrote a row. A conditional UPDATE that found its row at
	// another version (UpdateUser's single statement) appends nothing.
	pgHeadAfterW = `head AS (SELECT FROM (SELECT count(*) AS n FROM w) AS done WHERE done.n > 0)`
)

// pendingSeq marks the entries of a write that appended them to
// scim_feed_pending (pending): appended, so appendChanges does not
// append them again, and not numbered yet (a reader of the feed numbers
// them once committed). Config.OnChange and a store.Report are handed
// them with Seq 0, unset.
const pendingSeq = -1

// pgFeedValuesMax is the most entries pgFeed binds a parameter each:
// six an entry, well under PostgreSQL's 65,535 with the write's own.
const pgFeedValuesMax = 1000

// pgFeedRows renders changes as a FROM item v (i, kind, id, version,
// attrs, members), i numbering them from 1, bound to a. Up to
// pgFeedValuesMax entries, every write's but a user's deletion from more
// than 999 groups, it is a VALUES list, a parameter a value: the
// statement the writes measured in BENCHMARKS.md send (the same entries
// unnested from arrays measured slower there, though within noise). Above, it is one
// text array a column, unnested: a user deleted from thousands of groups
// would exceed the bound parameters otherwise. An empty string stands for
// NULL in the arrays (jsonList never renders one).
func pgFeedRows(a *args, changes []store.Change) string {
	if len(changes) <= pgFeedValuesMax {
		rows := make([]string, len(changes))
		for i := range changes {
			c := &changes[i]
			rows[i] = "(" + strconv.Itoa(i+1) + ", " + a.add(string(c.Kind)) + ", " + a.add(c.ID) + ", " + a.add(c.Version) + ", " +
				a.add(jsonList(c.Attributes)) + ", " + a.add(jsonList(c.Members)) + ")"
		}
		return `(VALUES ` + joinComma(rows) + `) AS v (i, kind, id, version, attrs, members)`
	}
	cols := [5][]string{}
	for k := range cols {
		cols[k] = make([]string, len(changes))
	}
	for i := range changes {
		c := &changes[i]
		cols[0][i], cols[1][i], cols[2][i] = string(c.Kind), c.ID, c.Version
		if v, ok := jsonList(c.Attributes).(string); ok {
			cols[3][i] = v
		}
		if v, ok := jsonList(c.Members).(string); ok {
			cols[4][i] = v
		}
	}
	return `(SELECT i, kind, id, version, NULLIF(attrs, '') AS attrs, NULLIF(members, '') AS members
				FROM unnest(` + a.add(cols[0]) + `::text[], ` + a.add(cols[1]) + `::text[], ` + a.add(cols[2]) + `::text[], ` +
		a.add(cols[3]) + `::text[], ` + a.add(cols[4]) + `::text[]) WITH ORDINALITY AS u (kind, id, version, attrs, members, i)) AS v`
}

// foldWrite folds the feed's append of changes into q, a write statement
// (INSERT, UPDATE or DELETE without RETURNING, bound to vals) the write
// sends anyway, on PostgreSQL with the feed on: the write then costs no
// round trip more with the feed than without it. ret lists the columns q
// should return ("" for none). The statement returned (bound to the
// values returned) yields one row per row q returns: ret's columns, or
// with ret "" none (a row without columns, which the caller scans into
// nothing: Row.Scan()). Once it has run, the caller marks the changes
// pending (pending). ok is false, and q is to run as it is, when there
// is nothing to fold: SQLite (appendChanges appends there), the feed off
// and no bridge's work, no changes. The changes are stamped here.
//
// It folds the bridge's work for changes too, when host is not nil (see
// ModifyMembers): host renders what Config.Bridge does for them as WITH
// items (Bridge.fold), bound to the args it is given, and bridged
// reports that it did (or, with ok false, that the bridge has nothing to
// write for them). With the feed off and host set, the statement yields
// the same rows, and the changes are left for appendChanges to stamp.
//
// pre, when not "", are WITH items that come before w's, bound to vals
// too, which q may read (bumpGroup's member statement).
func (s *Store) foldWrite(tenant string, changes []store.Change, q string, vals []any, ret string, host func(a *args) (string, bool), pre string) (folded string, bound []any, bridged, ok bool) {
	if !s.d.pg || len(changes) == 0 || !s.feed.on && host == nil {
		return "", nil, false, false
	}
	a := &args{d: s.d, vals: append(make([]any, 0, len(vals)+3+6*min(len(changes), pgFeedValuesMax+1)), vals...)}
	ctes := `WITH `
	if pre != "" {
		ctes += pre + `, `
	}
	ctes += `w AS (` + q + ` RETURNING `
	if ret != "" {
		ctes += ret + `)`
	} else {
		ctes += `1)`
	}
	out := "SELECT FROM w"
	if ret != "" {
		out = "SELECT w.* FROM w"
	}
	if s.feed.on {
		ctes += `, ` + s.pgFeed(a, tenant, s.stampChanges(tenant, changes), changes, pgHeadAfterW)
	}
	if host != nil {
		h, done := host(a)
		if (!done || h == "") && !s.feed.on {
			// Nothing to fold: q runs as it is (and appendChanges
			// calls the bridge, which has nothing to write, or writes
			// what it could not fold). bridged says which: the bridge
			// has nothing left to do for these changes.
			return "", nil, done && h == "", false
		}
		if done {
			bridged = true
			if h != "" {
				ctes += `, ` + h
			}
		}
	}
	return ctes + foldTail + out, a.vals, bridged, true
}

// foldTail separates the WITH items of a statement foldWrite folded from
// its final SELECT.
const foldTail = "\n\t\t"

// foldWith adds WITH items (reading w) to a statement foldWrite folded,
// after its own and before its final SELECT.
func foldWith(folded, items string) string {
	i := strings.LastIndex(folded, foldTail)
	return folded[:i] + `, ` + items + folded[i:]
}

// execFolded runs write statement q (bound to vals, no RETURNING) in tx,
// with the feed's append of changes folded into it where foldWrite folds,
// and numbers the changes; otherwise it runs q alone and appendChanges
// appends them later. When subj is not nil, Config.Bridge's work for
// the changes is folded in too where it folds (Bridge.foldChanges: then
// subj.bridged is set), and an error of the host's tables is returned as
// OnChange would have returned it. q must write one row: folded, a q that
// writes none fails with sql.ErrNoRows (the append's head and the
// statement's result are rows of what q wrote).
func (s *Store) execFolded(ctx context.Context, tx *sql.Tx, tenant string, changes []store.Change, subj *subject, q string, vals []any) error {
	var host func(a *args) (string, bool)
	if subj != nil && s.folding() {
		host = func(a *args) (string, bool) { return s.feed.bridge.foldChanges(a, tenant, changes, *subj) }
	}
	fq, fv, bridged, ok := s.foldWrite(tenant, changes, q, vals, "", host, "")
	if !ok {
		_, err := s.wx(tx).ExecContext(s.point(ctx), q, vals...)
		return err
	}
	if err := s.wx(tx).QueryRowContext(s.point(ctx), fq, fv...).Scan(); err != nil {
		if bridged {
			if herr, ok := s.feed.bridge.foldErr(changes[0].Kind, err); ok {
				return herr
			}
		}
		return err
	}
	if s.feed.on {
		pending(changes)
	}
	if bridged {
		subj.bridged = true
	}
	return nil
}

// pending marks changes appended to scim_feed_pending (pgFeed), by a
// statement that has run: pendingSeq, to be numbered later.
func pending(changes []store.Change) {
	for i := range changes {
		changes[i].Seq = pendingSeq
	}
}

// appendFeed appends the changes to the tenant's feed.
//
// On PostgreSQL, where writers run at once, they are inserted into
// scim_feed_pending, to be numbered once visible (pgFeed), in one
// statement (a data-modifying WITH; the writes that can fold it into a
// statement of their own do, see foldWrite), so the feed costs a write,
// with Config.OnChange or without, one round trip at most: the round trip
// is most of what an entry costs there. SQLite, in process and with one
// writer, numbers the entries from the tenant's last Seq (sqliteLast) and
// inserts them as one row, one B-tree written, in one statement
// (sqliteAppend, one text for a row of one entry or several); when
// Config.OnChange needs their Seqs, with a read of the last Seq first.
// The writer's statement cache compiles each once. A write of more than
// feedRowMax entries reads the last Seq and inserts a row per feedRowMax
// entries (sqliteInsertRows): one statement more, for a rare write, so
// that no read decodes more than a row's worth.
func (s *Store) appendFeed(ctx context.Context, tx *sql.Tx, tenant string, at time.Time, changes []store.Change) error {
	n := int64(len(changes))
	if s.d.pg {
		a := &args{d: s.d}
		if _, err := tx.ExecContext(ctx, `WITH `+s.pgFeed(a, tenant, at, changes, pgHead)+` SELECT`, a.vals...); err != nil {
			return err
		}
		pending(changes)
		return nil
	}
	x, pctx := s.wx(tx), s.point(ctx)
	c := &changes[0]
	if s.feed.onChange == nil && n <= feedRowMax {
		// Nothing reads the entries' Seqs after the append (Config.Bridge
		// does not): they are numbered inside the INSERT.
		_, err := x.ExecContext(pctx, sqliteAppend, tenant, s.d.timeArg(at), string(c.Kind), c.ID, c.Version, jsonList(c.Attributes), jsonList(c.Members),
			n, feedMore(changes[1:]))
		return err
	}
	var last int64
	if err := x.QueryRowContext(pctx, sqliteLast, tenant).Scan(&last); err != nil {
		return err
	}
	for i := range changes {
		changes[i].Seq = last + 1 + int64(i)
	}
	if n > feedRowMax {
		return sqliteInsertRows(ctx, tx, tenant, s.d.timeArg(at), changes)
	}
	_, err := x.ExecContext(pctx, sqliteInsert, tenant, last+n, s.d.timeArg(at), string(c.Kind), c.ID, c.Version, jsonList(c.Attributes), jsonList(c.Members),
		feedMore(changes[1:]))
	return err
}

// sqliteInsertRows inserts changes, numbered already, as rows of
// feedRowMax entries (the last row fewer), each row's seq its last
// entry's, in as few INSERTs as SQLite's parameter bound allows: one
// for any write of fewer than 230,000 entries. Only a write of more than
// feedRowMax entries comes here, so its statements, whose text depends
// on the number of rows, bypass the writer's statement cache.
func sqliteInsertRows(ctx context.Context, tx *sql.Tx, tenant string, at any, changes []store.Change) error {
	var chunks [][]store.Change
	for c := range slices.Chunk(changes, feedRowMax) {
		chunks = append(chunks, c)
	}
	for stmt := range slices.Chunk(chunks, sqliteRowsPerInsert) {
		var q strings.Builder
		q.WriteString(`INSERT INTO scim_feed (tenant, seq, at, kind, resource_id, version, attrs, members, more) VALUES `)
		vals := make([]any, 0, 9*len(stmt))
		for i, row := range stmt {
			if i > 0 {
				q.WriteString(`, `)
			}
			q.WriteString(`(?, ?, ?, ?, ?, ?, ?, ?, ?)`)
			c := &row[0]
			vals = append(vals, tenant, row[len(row)-1].Seq, at, string(c.Kind), c.ID, c.Version, jsonList(c.Attributes), jsonList(c.Members), feedMore(row[1:]))
		}
		if _, err := tx.ExecContext(ctx, q.String(), vals...); err != nil {
			return err
		}
	}
	return nil
}

// jsonList renders a list as a JSON array, nil as NULL, byte for byte as
// json.Marshal does (jsonscan.AppendString is its string encoder).
func jsonList(ss []string) any {
	if len(ss) == 0 {
		return nil
	}
	return string(appendJSONList(nil, ss))
}

// appendJSONList appends ss to b as jsonList renders it.
func appendJSONList(b []byte, ss []string) []byte {
	n := 1 + len(ss)*3
	for _, s := range ss {
		n += len(s)
	}
	b = append(slices.Grow(b, n), '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = jsonscan.AppendString(b, s)
	}
	return append(b, ']')
}

// Feed is a Store's change feed (Config.ChangeFeed). It implements
// store.ChangeFeed and store.FeedConsumers; package feed runs a consumer
// over it.
type Feed struct{ s *Store }

var (
	_ store.ChangeFeed    = (*Feed)(nil)
	_ store.FeedConsumers = (*Feed)(nil)
)

// Feed returns the store's change feed, or nil when Config.ChangeFeed is
// not set.
func (s *Store) Feed() *Feed {
	if !s.feed.on {
		return nil
	}
	return &Feed{s: s}
}

// Changes returns at most limit entries of the tenant in ctx after Seq
// after (see store.ChangeFeed). On PostgreSQL it first numbers the
// tenant's entries waiting (sequence), which writes: a session that may
// not write (a role with SELECT only, a hot standby) gets what is
// numbered already, and the entries waiting wait for a reader that may
// (a consumer needs write rights anyway, to acknowledge). The entries
// are then read in one statement. On SQLite a row may hold several
// entries (migration 0011) and is read when its last one is after
// after: limit rows hold limit entries at least, those up to after left
// out.
func (f *Feed) Changes(ctx context.Context, after int64, limit int) ([]store.Change, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	if limit <= 0 {
		return nil, nil
	}
	s := f.s
	tenant := store.Tenant(ctx)
	if err := s.sequence(ctx, tenant); err != nil && !isReadOnly(err) {
		return nil, fmt.Errorf("sqlstore: change feed: %w", err)
	}
	cols := `seq, at, kind, resource_id, version, attrs, members`
	if !s.d.pg {
		cols += `, more`
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+cols+` FROM scim_feed
		WHERE tenant = `+s.d.boundPh(1)+` AND seq > `+s.d.boundPh(2)+` ORDER BY seq LIMIT `+s.d.boundPh(3), tenant, after, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: change feed: %w", err)
	}
	defer rows.Close()
	var out []store.Change
	for len(out) < limit && rows.Next() {
		c := store.Change{Tenant: tenant}
		var kind, attrs, members, more string
		dest := []any{&c.Seq, dbTime{&c.At}, &kind, &c.ID, &c.Version, dbText{&attrs}, dbText{&members}}
		if !s.d.pg {
			dest = append(dest, dbText{&more})
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("sqlstore: change feed: %w", err)
		}
		c.Kind = store.ChangeKind(kind)
		if c.Attributes, err = parseList(attrs); err == nil {
			c.Members, err = parseList(members)
		}
		if err != nil {
			return nil, fmt.Errorf("sqlstore: change feed entry %d: %w", c.Seq, err)
		}
		if more == "" {
			out = append(out, c)
		} else if out, err = readMore(out, c, more, after, limit); err != nil {
			return nil, fmt.Errorf("sqlstore: change feed entry %d: %w", c.Seq, err)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: change feed: %w", err)
	}
	return out, nil
}

// pendingFeed reports whether writes append their entries to
// scim_feed_pending to be numbered later (PostgreSQL, pgFeed), whatever
// the store's Config.OnChange: then every reader of the feed numbers
// them.
func (s *Store) pendingFeed() bool { return s.d.pg }

// sequence numbers the tenant's entries waiting in scim_feed_pending
// (PostgreSQL, see pgFeed) and moves them into scim_feed, in a
// transaction of its own (numberPending). An entry still uncommitted is
// left for the next call: it is numbered after the ones numbered now,
// which committed first, so a consumer that read up to n never misses an
// entry numbered below n later. When nothing is pending, it costs one
// read.
func (s *Store) sequence(ctx context.Context, tenant string) error {
	if !s.pendingFeed() {
		return nil
	}
	var pending bool
	if err := s.r.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM scim_feed_pending WHERE tenant = $1)`, tenant).Scan(&pending); err != nil || !pending {
		return err
	}
	return s.sequencePending(ctx, tenant)
}

// sequencePending is sequence for a tenant known to have entries waiting.
// The head row exists but for a tenant's first numbering: only when the
// numbering finds it missing is it made (pgMakeHead) and the numbering
// sent again, so a reader's numbering is one statement.
func (s *Store) sequencePending(ctx context.Context, tenant string) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		err := s.numberPending(ctx, tx, tenant)
		if !errors.Is(err, errNoHead) {
			return err
		}
		if _, err := tx.ExecContext(ctx, pgMakeHead, tenant); err != nil {
			return err
		}
		return s.numberPending(ctx, tx, tenant)
	})
}

// numberPending numbers, in tx, every entry of tenant waiting in
// scim_feed_pending that tx sees, after the tenant's head, in the order
// their transactions appended them, moves them into scim_feed and
// advances the head, in one statement (pgNumber). It returns errNoHead,
// numbering nothing, when the tenant has no head row: the caller makes
// it (pgMakeHead) and calls again.
func (s *Store) numberPending(ctx context.Context, tx *sql.Tx, tenant string) error {
	var one int
	err := tx.QueryRowContext(ctx, pgNumber, tenant).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return errNoHead
	}
	return err
}

// errNoHead is numberPending's error for a tenant without a head row.
var errNoHead = errors.New("the tenant's feed head row is missing")

// pgNumber is numberPending's statement, tenant $1. It yields one row
// when the tenant has a head row, none when it has not (it then numbers
// nothing).
//
// The head CTE locks the head row first: the DELETE's condition reads it,
// and PostgreSQL evaluates that once, before the DELETE takes its first
// row. READ COMMITTED hands FOR UPDATE the row as the last numbering to
// hold the lock left it, however long this one waited for it. The DELETE
// reads the statement's snapshot, taken before the lock: an entry that a
// numbering committed meanwhile has moved is found deleted, and skipped
// (never numbered twice); one that committed after the snapshot waits
// for the next numbering, which numbers it after this one's, as an entry
// still uncommitted does, so a consumer that read up to n never misses
// one numbered below n later. A write appends an entry of a resource
// only holding the resource's row lock, taken by an earlier statement of
// its transaction: the entries of the resource's earlier writes are in
// the snapshot of its numbering, and each resource's entries are numbered
// in the order of its writes.
//
// An entry's xmin is the transaction that appended it (the store sets
// no savepoints in a write that appends). Concurrent appends draw their
// ids from the sequence interleaved, so the entries are numbered a
// transaction at a time, each after its first id: a write's entries get
// consecutive Seqs, and a transaction that appended after another
// committed has a first id above all of the other's.
//
// The DELETE starts at the tenant's lowest id it sees: the rows moved
// before are dead until vacuum, their index entries too, and a bitmap
// scan of the index from the tenant's first entry (the plan of a table
// without statistics) walked them all, every numbering (after 1,500
// numberings: 1,501 index entries read for 1 row, 0.108 ms of the
// statement's 0.225 ms; BENCHMARKS.md). min(id) reads the index in order,
// which marks the dead entries it passes, so that the next numbering
// skips them. The UPDATE advances the row FOR UPDATE locked (its own lock
// does not stop it), and only when something was numbered: a reader that
// finds only uncommitted entries writes no head.
const pgNumber = `WITH head AS MATERIALIZED (
			SELECT seq FROM scim_feed_heads WHERE tenant = $1 FOR UPDATE
		), moved AS (
			DELETE FROM scim_feed_pending WHERE tenant = $1 AND EXISTS (SELECT FROM head)
				AND id >= (SELECT min(id) FROM scim_feed_pending WHERE tenant = $1)
			RETURNING id, xmin::text AS tx, at, kind, resource_id, version, attrs, members
		), numbered AS (
			SELECT (SELECT seq FROM head) + row_number() OVER (ORDER BY first, id) AS seq, *
			FROM (SELECT min(id) OVER (PARTITION BY tx) AS first, * FROM moved) AS m
		), entries AS (
			INSERT INTO scim_feed (tenant, seq, at, kind, resource_id, version, attrs, members)
			SELECT $1, seq, at, kind, resource_id, version, attrs, members FROM numbered
		), advanced AS (
			UPDATE scim_feed_heads SET seq = seq + (SELECT count(*) FROM numbered) WHERE tenant = $1 AND EXISTS (SELECT FROM numbered)
		)
		SELECT 1 FROM head`

// pgMakeHead inserts tenant $1's head row, at 0, when the statement does
// not see it: numberPending locks the row, which must exist. A head row
// seen is left as it is, without waiting for a transaction that holds
// it; one that a concurrent reader has just made makes the INSERT wait
// for that one's end, and then do nothing if it committed, or insert the
// row if it rolled back.
const pgMakeHead = `INSERT INTO scim_feed_heads (tenant, seq) SELECT $1, 0
			WHERE NOT EXISTS (SELECT FROM scim_feed_heads WHERE tenant = $1) ON CONFLICT (tenant) DO NOTHING`

// sequenceAll runs sequence for every tenant with entries waiting, each
// in a transaction of its own: one tenant's failure keeps no other
// tenant's entries waiting, and the errors are returned joined.
func (s *Store) sequenceAll(ctx context.Context) error {
	if !s.pendingFeed() {
		return nil
	}
	rows, err := s.r.QueryContext(ctx, `SELECT DISTINCT tenant FROM scim_feed_pending`)
	if err != nil {
		return err
	}
	tenants, err := scanColumn[string](rows)
	if err != nil {
		return err
	}
	var errs []error
	for _, t := range tenants {
		if err := ctx.Err(); err != nil {
			return errors.Join(append(errs, err)...) // no transaction more that cannot commit
		}
		if err := s.sequencePending(ctx, t); err != nil {
			errs = append(errs, fmt.Errorf("tenant %q: %w", t, err))
		}
	}
	return errors.Join(errs...)
}

func parseList(s string) ([]string, error) {
	if s == "" {
		return nil, nil
	}
	var out []string
	return out, json.Unmarshal([]byte(s), &out)
}

// consumerSQL holds the statements of a feed's named consumers in one
// dialect: a consumer calls them for every page it reads, so each text
// is rendered once per dialect (dialect.consumers), not per call.
type consumerSQL struct {
	// lease takes or renews the lease of consumer $2 of tenant $1 for
	// holder $3 until $4, unless another holder's lease runs past $5
	// (now); it returns the consumer's acknowledged Seq, no row when
	// another holds it.
	lease string
	// ack records Seq $4 for consumer $2 of tenant $1, if higher than
	// its own, and renews holder $3's lease until $5, while it runs
	// past $6 (now); no row changed when not leased.
	ack string
	// release gives up holder $3's lease of consumer $2 of tenant $1.
	release string
}

// consumerStatements renders consumerSQL with the placeholders ph.
func consumerStatements(ph func(n int) string) consumerSQL {
	return consumerSQL{
		lease: `INSERT INTO scim_feed_consumers (tenant, name, acked, holder, lease_until)
		VALUES (` + ph(1) + `, ` + ph(2) + `, 0, ` + ph(3) + `, ` + ph(4) + `)
		ON CONFLICT (tenant, name) DO UPDATE SET holder = excluded.holder, lease_until = excluded.lease_until
		WHERE scim_feed_consumers.holder IN ('', excluded.holder) OR scim_feed_consumers.lease_until IS NULL OR scim_feed_consumers.lease_until < ` + ph(5) + `
		RETURNING acked`,
		ack: `UPDATE scim_feed_consumers SET acked = CASE WHEN acked < ` + ph(4) + ` THEN ` + ph(4) + ` ELSE acked END, lease_until = ` + ph(5) + `
		WHERE tenant = ` + ph(1) + ` AND name = ` + ph(2) + ` AND holder = ` + ph(3) + ` AND lease_until >= ` + ph(6),
		release: `UPDATE scim_feed_consumers SET holder = '', lease_until = NULL
		WHERE tenant = ` + ph(1) + ` AND name = ` + ph(2) + ` AND holder = ` + ph(3),
	}
}

// LeaseFeed takes or renews consumer's lease for holder in one statement
// (see store.FeedConsumers).
func (f *Feed) LeaseFeed(ctx context.Context, consumer, holder string, ttl time.Duration) (int64, error) {
	if err := store.CheckConsumerNames(consumer, holder); err != nil {
		return 0, err
	}
	if err := ctxErr(ctx); err != nil {
		return 0, err
	}
	s := f.s
	now := s.stamp()
	var acked int64
	err := s.w.QueryRowContext(ctx, s.d.consumers.lease,
		store.Tenant(ctx), consumer, holder, s.d.timeArg(now.Add(ttl)), s.d.timeArg(now)).Scan(&acked)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, store.ErrLeased
	}
	if err != nil {
		return 0, fmt.Errorf("sqlstore: lease feed: %w", err)
	}
	return acked, nil
}

// AckFeed records consumer's position and renews holder's lease in one
// statement (see store.FeedConsumers).
func (f *Feed) AckFeed(ctx context.Context, consumer, holder string, seq int64, ttl time.Duration) error {
	if err := store.CheckConsumerNames(consumer, holder); err != nil {
		return err
	}
	if err := ctxErr(ctx); err != nil {
		return err
	}
	s := f.s
	now := s.stamp()
	res, err := s.w.ExecContext(ctx, s.d.consumers.ack,
		store.Tenant(ctx), consumer, holder, seq, s.d.timeArg(now.Add(ttl)), s.d.timeArg(now))
	if err != nil {
		return fmt.Errorf("sqlstore: ack feed: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("sqlstore: ack feed: %w", err)
	} else if n == 0 {
		return store.ErrLeased
	}
	return nil
}

// ReleaseFeed gives up holder's lease of consumer.
func (f *Feed) ReleaseFeed(ctx context.Context, consumer, holder string) error {
	if err := store.CheckConsumerNames(consumer, holder); err != nil {
		return err
	}
	if err := ctxErr(ctx); err != nil {
		return err
	}
	s := f.s
	_, err := s.w.ExecContext(ctx, s.d.consumers.release, store.Tenant(ctx), consumer, holder)
	if err != nil {
		return fmt.Errorf("sqlstore: release feed: %w", err)
	}
	return nil
}

// FeedStatus reports every tenant's head and named consumers, by tenant
// and name, in one read transaction; it writes nothing. On PostgreSQL a
// tenant's head is its numbered entries and its committed ones waiting
// to be numbered (sequence) together: the next numbering reaches it
// (an entry committed later with a lower first id may be numbered among
// them), and a tenant whose entries all wait is there too. A reader that
// may not write gets from Changes what is numbered.
func (f *Feed) FeedStatus(ctx context.Context) ([]store.FeedStatus, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	s := f.s
	heads := s.heads()
	if s.pendingFeed() {
		heads = `(SELECT tenant, sum(seq)::bigint AS seq FROM (
			SELECT tenant, seq FROM scim_feed_heads
			UNION ALL SELECT tenant, count(*) FROM scim_feed_pending GROUP BY tenant
		) AS hp GROUP BY tenant)`
	}
	byTenant := map[string]*store.FeedStatus{}
	get := func(t string) *store.FeedStatus {
		st := byTenant[t]
		if st == nil {
			st = &store.FeedStatus{Tenant: t}
			byTenant[t] = st
		}
		return st
	}
	err := s.read(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT tenant, seq FROM `+heads+` h`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var t string
			var head int64
			if err := rows.Scan(&t, &head); err != nil {
				rows.Close()
				return err
			}
			get(t).Head = head
		}
		if err := rows.Close(); err != nil {
			return err
		}
		rows, err = tx.QueryContext(ctx, `SELECT tenant, name, acked, holder, lease_until FROM scim_feed_consumers ORDER BY tenant, name`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var t string
			var c store.ConsumerStatus
			if err := rows.Scan(&t, &c.Name, &c.Acked, &c.Holder, dbTime{&c.LeaseUntil}); err != nil {
				return err
			}
			st := get(t)
			st.Consumers = append(st.Consumers, c)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("sqlstore: feed status: %w", err)
	}
	out := make([]store.FeedStatus, 0, len(byTenant))
	for _, st := range byTenant {
		out = append(out, *st)
	}
	slices.SortFunc(out, func(a, b store.FeedStatus) int { return strings.Compare(a.Tenant, b.Tenant) })
	return out, nil
}

// pruneBatch bounds one pruning statement, so that it holds its locks
// (SQLite: the database's write lock) for a short time and SCIM writes go
// on between batches.
const pruneBatch = 500

// Prune deletes the entries older than the retention and those that
// every named consumer of their tenant has acknowledged, and returns how
// many it deleted. Both are a prefix of each tenant's feed (entries are
// numbered once committed, stamped by the clock as they are written, and
// a consumer acknowledges in order; an entry numbered late for a slow
// write only stays a little longer), so Prune walks each tenant's feed from
// its oldest entry along the primary key, in batches of pruneBatch, each
// read and deleted outside any long transaction: no index on the entries'
// time is needed, which would cost every write one more. On SQLite,
// where a write's entries are one row (migration 0011), a row goes when
// its last entry may: an acknowledged entry may stay until the rest of
// its write's are. On PostgreSQL it first numbers the entries waiting in
// scim_feed_pending (sequence), so that they stay few when nothing else
// reads the feed; it prunes even when that fails, and returns the
// failure after. The store runs it in the background
// (Config.ChangeFeed); a host may call it too.
func (f *Feed) Prune(ctx context.Context) (int64, error) {
	s := f.s
	// Entries waiting to be numbered are numbered first: with no reader
	// of the feed, the store's own pruning keeps them few. A failure
	// there stops no pruning: it is returned after.
	var errs []error
	fail := func(n int64, err error) (int64, error) {
		return n, errors.Join(append(errs, fmt.Errorf("sqlstore: prune feed: %w", err))...)
	}
	if err := s.sequenceAll(ctx); err != nil {
		errs = append(errs, fmt.Errorf("sqlstore: prune feed: %w", err))
	}
	cut := s.stamp().Add(-s.feed.retention)
	rows, err := s.r.QueryContext(ctx, `SELECT h.tenant, (SELECT MIN(c.acked) FROM scim_feed_consumers c WHERE c.tenant = h.tenant) FROM `+s.heads()+` h`)
	if err != nil {
		return fail(0, err)
	}
	// Each tenant with what every named consumer of it has acknowledged
	// (0 without consumers: nothing).
	type tenantAck struct {
		tenant string
		acked  int64
	}
	var tenants []tenantAck
	for rows.Next() {
		var t string
		var acked sql.NullInt64
		if err := rows.Scan(&t, &acked); err != nil {
			rows.Close()
			return fail(0, err)
		}
		tenants = append(tenants, tenantAck{t, acked.Int64})
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return fail(0, err)
	}
	var total int64
	for _, t := range tenants {
		n, err := s.pruneTenant(ctx, t.tenant, cut, t.acked)
		total += n
		if err != nil {
			return fail(total, fmt.Errorf("tenant %q: %w", t.tenant, err))
		}
	}
	return total, errors.Join(errs...)
}

// pruneTenant deletes the prefix of tenant's feed older than cut or
// acknowledged up to acked, a batch at a time.
func (s *Store) pruneTenant(ctx context.Context, tenant string, cut time.Time, acked int64) (int64, error) {
	var total int64
	for {
		rows, err := s.r.QueryContext(ctx, `SELECT seq, at FROM scim_feed WHERE tenant = `+s.d.boundPh(1)+` ORDER BY seq LIMIT `+strconv.Itoa(pruneBatch), tenant)
		if err != nil {
			return total, err
		}
		upTo, read, whole := int64(0), 0, true
		for rows.Next() {
			var seq int64
			var at time.Time
			if err := rows.Scan(&seq, dbTime{&at}); err != nil {
				rows.Close()
				return total, err
			}
			read++
			if whole && (at.Before(cut) || seq <= acked) {
				upTo = seq
			} else {
				whole = false
			}
		}
		if err := rows.Close(); err != nil {
			return total, err
		}
		if upTo == 0 {
			return total, nil
		}
		n, err := s.pruneUpTo(ctx, tenant, upTo)
		if err != nil {
			return total, err
		}
		total += n
		if !whole || read < pruneBatch {
			return total, nil
		}
	}
}

// pruneUpTo deletes tenant's entries up to Seq upTo and returns how many
// it deleted: on SQLite, where a row holds a write's entries, the delete
// returns each row's count. There, where the tenant's last Seq is its
// newest entry's (sqliteLast), it also keeps upTo in the tenant's head
// row, in the same transaction: after the tenant's last entry is pruned,
// its next entry is still numbered after it.
func (s *Store) pruneUpTo(ctx context.Context, tenant string, upTo int64) (int64, error) {
	const del = `DELETE FROM scim_feed WHERE tenant = `
	if s.d.pg {
		res, err := s.w.ExecContext(ctx, del+`$1 AND seq <= $2`, tenant, upTo)
		if err != nil {
			return 0, err
		}
		return res.RowsAffected()
	}
	var n int64
	err := s.write(ctx, func(tx *sql.Tx) error {
		n = 0
		// A row holds 1 + the length of more entries (migration 0011):
		// each deleted row returns its count, so the rows are read once,
		// by the delete itself.
		rows, err := tx.QueryContext(ctx, del+`(SELECT ?1) AND seq <= (SELECT ?2) RETURNING 1 + COALESCE(json_array_length(more), 0)`, tenant, upTo)
		if err != nil {
			return err
		}
		for rows.Next() {
			var k int64
			if err := rows.Scan(&k); err != nil {
				rows.Close()
				return err
			}
			n += k
		}
		if err := rows.Err(); err != nil {
			rows.Close()
			return err
		}
		if err := rows.Close(); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO scim_feed_heads (tenant, seq) VALUES (?1, ?2)
			ON CONFLICT (tenant) DO UPDATE SET seq = max(seq, excluded.seq)`, tenant, upTo)
		return err
	})
	return n, err
}

// startPruner runs Prune every interval until Close.
func (s *Store) startPruner() {
	interval := min(max(s.feed.retention/10, time.Second), time.Minute)
	s.feed.stop = make(chan struct{})
	s.feed.done.Add(1)
	go func() {
		defer s.feed.done.Done()
		t := time.NewTicker(interval)
		defer t.Stop()
		f := &Feed{s: s}
		for {
			select {
			case <-s.feed.stop:
				return
			case <-t.C:
				ctx, cancel := context.WithTimeout(context.Background(), interval)
				f.Prune(ctx) // a failed round is tried again at the next tick
				cancel()
			}
		}
	}()
}
