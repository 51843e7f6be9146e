package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/query"
)

// groupCols are the columns a group is read from, in scanGroup's order.
const groupCols = "g.id, g.doc, g.created, g.last_modified, g.version"

// scanGroup reads one row of groupCols (plus extra destinations).
func (s *Store) scanGroup(r scanner, extra ...any) (*resources.Group, error) {
	var doc string
	return s.scanGroupDoc(r, &doc, extra...)
}

// scanGroupDoc is scanGroup that also keeps the stored document, as
// read, in *doc (a write's feed entries compare it with the new one).
func (s *Store) scanGroupDoc(r scanner, doc *string, extra ...any) (*resources.Group, error) {
	var (
		id                string
		created, modified time.Time
		version           int64
	)
	dest := append([]any{&id, dbText{doc}, dbTime{&created}, dbTime{&modified}, &version}, extra...)
	if err := r.Scan(dest...); err != nil {
		return nil, err
	}
	return s.groupFromRow(id, *doc, created, modified, version)
}

// groupFromRow builds the group of a row of groupCols (Members nil).
func (s *Store) groupFromRow(id, doc string, created, modified time.Time, version int64) (*resources.Group, error) {
	g, err := resources.GroupFromJSON([]byte(doc))
	if err != nil {
		return nil, fmt.Errorf("sqlstore: group %s: stored document: %w", id, err)
	}
	g.ID = id
	g.Members = nil
	g.Meta = resources.Meta{ResourceType: s.model.Group.Name, Created: created, LastModified: modified, Version: query.FormatVersion(version)}
	return g, nil
}

type groupWrite struct {
	*written
	nameFold string            // sorting and the operators other than eq
	nameKey  string            // query.NameKey: uniqueness and eq
	unique   []query.UniqueKey // the unique extension attributes' values
}

// renderGroup renders what a write of g stores. g is the store's own copy
// of the group written, compacted first (resources.Group.Compact) as
// renderUser compacts a user: the document, the query document and the
// unique keys hold what a GET and the write's answer show.
func (s *Store) renderGroup(g *resources.Group) (*groupWrite, error) {
	g.Compact()
	c := *g
	c.ID, c.Meta, c.Members = "", resources.Meta{}, nil
	w, err := s.render(s.model.Group, &c)
	if err != nil {
		return nil, err
	}
	return &groupWrite{written: w, nameFold: s.foldFor(s.model.Group, "displayName", "", g.DisplayName), nameKey: s.nameKey(s.model.Group, g.DisplayName),
		unique: query.UniqueKeys(s.uniqGroup, g.Extensions)}, nil
}

// storedGroup returns the group as a read returns it (without members).
func (s *Store) storedGroup(c *resources.Group, w *groupWrite) (*resources.Group, error) {
	out, err := resources.GroupFromJSON(w.doc)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: group %s: %w", c.ID, err)
	}
	out.ID, out.Meta, out.Members = c.ID, c.Meta, nil
	return out, nil
}

// storedWithMembers returns storedGroup(c, w) with the members of group
// c.ID as tx reads them.
func (s *Store) storedWithMembers(ctx context.Context, tx *sql.Tx, tenant string, c *resources.Group, w *groupWrite) (*resources.Group, error) {
	out, err := s.storedGroup(c, w)
	if err != nil {
		return nil, err
	}
	if out.Members, err = s.loadMembers(ctx, s.wx(tx), tenant, c.ID); err != nil {
		return nil, err
	}
	return out, nil
}

// conflictName is the error of a group write whose displayName is taken.
func conflictName(tenant, id string, name string, w *groupWrite) error {
	return &nameTaken{tenant: tenant, id: id, name: name, key: w.nameKey}
}

// memberIDs returns the distinct non-empty ids of ms in order.
func memberIDs(ms []resources.Member) []string {
	ids := make([]string, 0, len(ms))
	for _, m := range ms {
		ids = append(ids, m.Value)
	}
	return distinct(ids)
}

func distinct(ids []string) []string {
	seen := make(map[string]struct{}, len(ids))
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if id == "" {
			continue
		}
		if _, ok := seen[id]; ok {
			continue
		}
		seen[id] = struct{}{}
		out = append(out, id)
	}
	return out
}

// Lock order. On PostgreSQL every write that locks more than one row of
// scim_users and scim_groups takes them in this one order, so that no two
// writes ever wait for each other in a cycle: a deadlock, which
// PostgreSQL breaks only after deadlock_timeout (1 s), every writer of
// those rows stalled meanwhile, the loser run again or answered 503
// (BENCHMARKS.md, "lock order").
//
//  1. Users, in id order: the user a delete deletes (its DELETE, FOR
//     UPDATE), the users a member change or a new group adds (KEY SHARE,
//     resolveMembers).
//  2. Then groups, in id order, all in one statement: a member change's
//     group with the groups it adds (NO KEY UPDATE, lockForMembers;
//     ModifyMembersChecked takes the same locks, and reads the group for
//     its check in the locking statement or after it), a
//     group's delete's group with the groups it is a member of (FOR
//     UPDATE, lockGroupDelete), a user's delete's groups (NO KEY UPDATE,
//     dropMember), a new group's member groups (KEY SHARE).
//
// A replace of a group's members (ReplaceGroup, UpdateGroup) learns which
// members it adds only under the group's lock, and a group's delete may
// find a group that took it as a member after its lock's snapshot
// (dropMember): they take those out of this order, but never wait for
// them (NOWAIT), so they close no cycle; they run again instead
// (Store.retry). Rows are locked by a statement of their own before a
// statement that updates them: an UPDATE whose subquery locks waits, when
// a row changed meanwhile, in the queue of the version its snapshot saw. A write that locks one row (a user's
// update, a group's without new members) closes none either. A
// membership row of scim_members is changed only under its group's lock.
// SQLite writes one transaction at a time (BEGIN IMMEDIATE) and has no
// row locks.

// memberTables are the tables a member id is looked up in, in the lock
// order: a user first.
var memberTables = [...]struct{ table, typ string }{{"scim_users", "User"}, {"scim_groups", "Group"}}

// resolveMembers returns, in the order of ids, those that name a user or
// a group (other than self) of the tenant, with their type. On PostgreSQL
// it takes a KEY SHARE lock on each, so a concurrent delete of a member
// waits for this transaction (and then removes the new membership too)
// instead of leaving a membership of a deleted resource behind.
// CreateGroup takes these locks in the lock order (above). A replace of
// the members (ReplaceGroup, UpdateGroup) knows which members are new
// only once it holds the group's lock and has read the stored ones, so it
// takes them after (afterGroup), and then does not wait (NOWAIT): a
// member locked by a delete in progress, whose transaction may be waiting
// for this group, makes the transaction fail at once with
// lock_not_available, and Store.write runs it again once the delete has
// had the group. Waiting instead made a deadlock whenever two such
// deletes and two replaces crossed (BENCHMARKS.md).
func (s *Store) resolveMembers(ctx context.Context, tx *sql.Tx, tenant, self string, ids []string, afterGroup bool) (mids, types []string, err error) {
	found, _, err := s.resolveIn(ctx, tx, tenant, self, ids, afterGroup, memberTables[:])
	if err != nil {
		return nil, nil, err
	}
	if err := noteSkips(ctx, ids, found); err != nil {
		return nil, nil, err
	}
	mids, types = inOrder(ids, found)
	return mids, types, nil
}

// noteSkips notes in the store.MemberSkips ctx carries the ids that
// found has no type for (Note keeps each once, in order): its error,
// when it refuses them, is the write's, which then writes nothing. The
// resolution found them missing: no statement more.
func noteSkips(ctx context.Context, ids []string, found map[string]string) error {
	sk := store.MemberSkipsOf(ctx)
	if sk == nil {
		return nil
	}
	var skipped []string
	for _, id := range ids {
		if _, ok := found[id]; !ok {
			skipped = append(skipped, id)
		}
	}
	return sk.Note(skipped)
}

// inOrder returns the ids that found has a type for, in the order of
// ids, with their types.
func inOrder(ids []string, found map[string]string) (mids, types []string) {
	for _, id := range ids {
		if t, ok := found[id]; ok {
			mids = append(mids, id)
			types = append(types, t)
		}
	}
	return mids, types
}

// resolveIn looks the ids up in tables, in their order, each id only
// until a table has it (as resolveMembers says, locks included), and
// returns the type of each found and the ids none had.
func (s *Store) resolveIn(ctx context.Context, tx *sql.Tx, tenant, self string, ids []string, afterGroup bool, tables []struct{ table, typ string }) (found map[string]string, rest []string, err error) {
	found = make(map[string]string, len(ids))
	rest = ids
	for _, t := range tables {
		if len(rest) == 0 {
			break // all were users: no need to look among the groups
		}
		q, args := s.sqlResolve(t.table, afterGroup, tenant, self, rest)
		rows, err := s.wx(tx).QueryContext(s.pointFor(ctx, len(rest)), q, args...)
		if err != nil {
			return nil, nil, fmt.Errorf("sqlstore: resolve members: %w", err)
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, nil, fmt.Errorf("sqlstore: resolve members: %w", err)
			}
			if _, dup := found[id]; !dup {
				found[id] = t.typ
			}
		}
		if err := rows.Close(); err != nil {
			return nil, nil, err
		}
		if err := rows.Err(); err != nil {
			return nil, nil, fmt.Errorf("sqlstore: resolve members: %w", err)
		}
		var missing []string
		for _, id := range rest {
			if _, ok := found[id]; !ok {
				missing = append(missing, id)
			}
		}
		rest = missing
	}
	return found, rest, nil
}

// sqlResolve returns the statement that selects, from table, the ids of
// ids in tenant other than self, locked against deletion on PostgreSQL,
// without waiting for a row another transaction holds when nowait
// (resolveMembers says when), with its arguments. The ids are bound as
// dialect.inIDs says: one or a few, the common member change, a
// parameter each, so that PostgreSQL keeps the statement's generic plan
// (with one array it planned it again on every call once the tables had
// statistics, 0.05-0.07 ms a call; TestPGMemberStatementsPlannedOnce).
func (s *Store) sqlResolve(table string, nowait bool, tenant, self string, ids []string) (string, []any) {
	lock := ""
	if s.d.pg {
		lock = " FOR KEY SHARE"
		if nowait {
			lock += " NOWAIT"
		}
	}
	in, vals := s.d.inIDs("id", 3, ids)
	return `SELECT id FROM ` + table + ` WHERE tenant = ` + s.d.boundPh(1) + ` AND id <> ` + s.d.ph(2) + ` AND ` + in + ` ORDER BY id` + lock,
		append([]any{tenant, self}, vals...)
}

// sqlInsertMembers inserts members $3 (types $4; on SQLite $3 is a JSON
// list of [id, type] pairs) into group $2 of tenant $1, in list order,
// skipping present ones.
func (s *Store) sqlInsertMembers() string {
	if s.d.pg {
		return `INSERT INTO scim_members (tenant, group_id, member_id, member_type)
			SELECT $1, $2, x.id, x.typ FROM unnest($3::text[], $4::text[]) WITH ORDINALITY AS x(id, typ, ord)
			ORDER BY x.ord ON CONFLICT DO NOTHING`
	}
	return `INSERT INTO scim_members (tenant, group_id, member_id, member_type)
			SELECT ?1, ?2, value ->> '$[0]', value ->> '$[1]' FROM json_each(?3) WHERE TRUE
			ORDER BY key ON CONFLICT DO NOTHING`
}

// sqlMembersAllOrNone returns SQLite's form of a member insert
// (sqlInsertMembers, add) or removal (sqlDeleteMembers) of a list of
// several ids, with the same arguments, that changes the rows of every
// distinct id of the list or of none: an insert only when none of them
// is a member yet, a removal only when each of them is one. Its count
// of rows changed then says which ids it changed (all of them, or none),
// so that a store that tracks changes need not read them back with
// RETURNING, which on SQLite goes through a query's rows instead of an
// Exec (a result set built by the statement, database/sql's rows and
// the goroutine that watches their context, a scan per id): 15 to 30 µs
// and 27 allocations more for an insert of 3 ids (BENCHMARKS.md, "The
// mapping bridge", branch bridgecost). The guard is one probe of the group's
// (tenant, group_id, member_id) index per id, inside the statement. On
// PostgreSQL RETURNING costs no statement or round trip of its own, and
// the store keeps it.
func (s *Store) sqlMembersAllOrNone(add bool) string {
	in := `m.tenant = ` + s.d.boundPh(1) + ` AND m.group_id = ` + s.d.groupPh(2) + ` AND m.member_id IN `
	if add {
		return `INSERT INTO scim_members (tenant, group_id, member_id, member_type)
			SELECT ?1, ?2, value ->> '$[0]', value ->> '$[1]' FROM json_each(?3)
			WHERE NOT EXISTS (SELECT 1 FROM scim_members m WHERE ` + in + `(SELECT value ->> '$[0]' FROM json_each(?3)))
			ORDER BY key ON CONFLICT DO NOTHING`
	}
	q, _ := s.sqlDeleteMembers("", "", nil)
	return q + ` AND (SELECT count(*) FROM scim_members m WHERE ` + in + `(SELECT value FROM json_each(?3))) = (SELECT count(DISTINCT value) FROM json_each(?3))`
}

// sqlDeleteMembers returns the statement that deletes the members of
// list from group gid of tenant, with its arguments. The rows are found
// by member id whatever the planner knows: a member is in few groups, a
// group may have 100,000 members. PostgreSQL without statistics on
// scim_members (autovacuum has not analyzed it yet, as just after a
// provider pushed a large group) took (tenant, group_id, seq) for the
// group's bounds and tested every member of the group, generic plan or
// custom (TestMemberRemovePlanWithoutStatistics). There, for a list of
// at most maxIDParams ids (dialect.eachID), the group is compared in a form no index
// serves (dialect.unindexed), and the ids are one parameter each ("= ANY"
// of an array of unknown length looks less selective to it than the
// tenant alone, and it then walks the tenant; so did 128 parameters).
// A longer list (a provider's push of 20,000 removals, which took 1,250
// statements of 16, each a round trip) is one array, each of its ids
// looked up on its own in a scalar subquery, which no planner turns into
// a walk of the group or the tenant (the group compared unindexed here
// too: as a key with the member id, it still walked the group): a probe
// of (tenant, member_id) per id, and the rows found deleted by their
// ctid.
// SQLite already searches (tenant, member_id, group_id), and takes any
// number in one JSON array.
func (s *Store) sqlDeleteMembers(tenant, gid string, list []string) (string, []any) {
	if !s.d.pg {
		return `DELETE FROM scim_members WHERE tenant = ` + s.d.boundPh(1) + ` AND group_id = ` + s.d.groupPh(2) + ` AND ` + s.d.inList("member_id", "?3"), []any{tenant, gid, s.d.listArg(list)}
	}
	if !s.d.eachID(len(list)) {
		// $1 and $2, as bumpGroup reads them.
		return `DELETE FROM scim_members WHERE ctid = ANY(ARRAY(SELECT (SELECT m.ctid FROM scim_members m
			WHERE m.tenant = $1 AND ` + s.d.unindexed("m.group_id") + ` = $2 AND m.member_id = x.id) FROM unnest($3::text[]) AS x(id)))`, []any{tenant, gid, s.d.listArg(list)}
	}
	in, vals := s.d.inIDs("member_id", 3, list) // $1 and $2, as bumpGroup reads them
	return `DELETE FROM scim_members WHERE tenant = $1 AND ` + s.d.unindexed("group_id") + ` = $2 AND ` + in, append([]any{tenant, gid}, vals...)
}

// deleteMembers removes the members of list from group gid of tenant in
// one statement, and returns what execMembers returns for it.
func (s *Store) deleteMembers(ctx context.Context, tx *sql.Tx, tenant, gid string, list []string) (ids []string, n int64, err error) {
	if len(list) == 0 {
		return nil, 0, nil
	}
	q, args := s.sqlDeleteMembers(tenant, gid, list)
	return s.execMembers(ctx, tx, list, q, s.removeAll, args...)
}

// execMembers runs q, a statement that inserts or deletes the rows of
// scim_members of the member ids list, and returns how many rows it
// changed and, when the store tracks changes or ctx asks for a
// store.Report, their member ids. For a list of one the count says
// which, and q runs without RETURNING: a one-member change, the common
// one, reads no rows back. For a longer list, all, when not "", is q's
// form that changes the rows of all of list's distinct ids or of none
// (Store.addAll or removeAll, SQLite), run first: when it changed rows,
// they are those of list's ids; when it changed none (some were members
// and some not, or, for a removal, none was one), q runs after it with
// RETURNING member_id, as it does alone when all is "".
func (s *Store) execMembers(ctx context.Context, tx *sql.Tx, list []string, q, all string, args ...any) (ids []string, n int64, err error) {
	track, pctx := s.tracks(ctx), s.pointFor(ctx, len(list))
	exec := func(q string) (int64, error) {
		res, err := s.wx(tx).ExecContext(pctx, q, args...)
		if err != nil {
			return 0, err
		}
		return res.RowsAffected()
	}
	switch {
	case !track || len(list) == 1:
		if n, err = exec(q); err != nil {
			return nil, 0, err
		}
		if track && n == 1 {
			ids = list
		}
		return ids, n, nil
	case all != "":
		if n, err = exec(all); err != nil {
			return nil, 0, err
		}
		if n > 0 {
			return distinct(list), n, nil
		}
	}
	rows, err := s.wx(tx).QueryContext(pctx, q+` RETURNING member_id`, args...)
	if err != nil {
		return nil, 0, err
	}
	ids, err = scanIDs(rows)
	return ids, int64(len(ids)), err
}

// insertMembers adds the resolved members to group gid in order,
// skipping present ones, and returns how many were added (and which, when
// the store tracks changes).
func (s *Store) insertMembers(ctx context.Context, tx *sql.Tx, tenant, gid string, mids, types []string) ([]string, int64, error) {
	if len(mids) == 0 {
		return nil, 0, nil
	}
	var params []any
	if s.d.pg {
		params = []any{tenant, gid, mids, types}
	} else {
		params = []any{tenant, gid, pairsArg(mids, types)}
	}
	ids, n, err := s.execMembers(ctx, tx, mids, s.sqlInsertMembers(), s.addAll, params...)
	if err != nil {
		return nil, 0, fmt.Errorf("sqlstore: add members: %w", err)
	}
	return ids, n, nil
}

// lockGroup locks group id for a read-modify-write and returns its
// version, or store.ErrNotFound, and, forReplace, its stored names (a
// replace writes only those it changes) and its document when the store
// tracks changes (a replace diffs it; a member change does not).
func (s *Store) lockGroup(ctx context.Context, tx *sql.Tx, tenant, id string, forReplace bool) (version int64, created time.Time, doc string, stored storedNames, err error) {
	cols, dest := `version, created`, []any{&version, dbTime{&created}}
	if forReplace {
		cols, dest = cols+`, display_name, external_id`, append(dest, dbText{&stored.name}, dbText{&stored.externalID})
	}
	if forReplace && s.tracking() {
		cols, dest = cols+`, doc`, append(dest, dbText{&doc})
	}
	err = s.wx(tx).QueryRowContext(s.point(ctx), `SELECT `+cols+` FROM scim_groups WHERE tenant = `+s.d.ph(1)+` AND id = `+s.d.ph(2)+s.lockRow(), tenant, id).
		Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, time.Time{}, "", storedNames{}, notFound("group", id)
	}
	if err != nil {
		return 0, time.Time{}, "", storedNames{}, fmt.Errorf("sqlstore: lock group: %w", err)
	}
	return version, created, doc, stored, nil
}

// CreateGroup stores a copy of g with a new id and Meta and returns it with
// its members. Members are users or groups of the tenant named by
// Member.Value; values that name neither (or the group itself), and
// repeats, are skipped. Each member's Type and Display are filled from the
// referenced resource when read (a user's displayName, else its userName;
// a group's displayName). A displayName already used in the tenant,
// compared by query.NameKey (display_name_key), gives store.ErrConflict.
func (s *Store) CreateGroup(ctx context.Context, g *resources.Group) (*resources.Group, error) {
	tenant, werr := s.resourceWriteTenant(ctx, g == nil, true)
	if werr != nil {
		return nil, werr
	}
	c := g.Clone()
	ids := memberIDs(c.Members)
	c.Members = nil
	now := s.stamp()
	c.ID = newID()
	c.Meta = resources.Meta{ResourceType: s.model.Group.Name, Created: now, LastModified: now, Version: query.FormatVersion(1)}
	w, err := s.renderGroup(c)
	if err != nil {
		return nil, err
	}
	var out *resources.Group
	err = s.write(ctx, func(tx *sql.Tx) error {
		mids, types, err := s.resolveMembers(ctx, tx, tenant, c.ID, ids, false)
		if err != nil {
			return err
		}
		// A new group's members are all those resolved, in order: the
		// entries are known before the group's INSERT, which carries
		// the feed's append (foldWrite).
		var changes []store.Change
		if s.tracking() {
			changes = append([]store.Change{{Kind: store.GroupCreated, ID: c.ID, Version: c.Meta.Version}},
				query.MemberChanges(c.ID, c.Meta.Version, nil, mids)...)
		}
		a := &args{d: s.d}
		fsubj := s.groupSubject(c)
		err = s.execFolded(ctx, tx, tenant, changes, fsubj, `INSERT INTO scim_groups (tenant, id, display_name, display_name_fold, display_name_key, external_id, doc, q, created, last_modified, version)
			VALUES (`+a.add(tenant)+`, `+a.add(c.ID)+`, `+a.add(c.DisplayName)+`, `+a.add(w.nameFold)+`, `+a.add(w.nameKey)+`, `+a.add(nullText(c.ExternalID))+`, `+
			a.add(string(w.doc))+`, `+s.jsonbExpr(a.add(string(w.q)))+`, `+a.add(s.d.timeArg(now))+`, `+a.add(s.d.timeArg(now))+`, 1)`, a.vals)
		if err != nil {
			return writeErr("create group", err, func() error { return conflictName(tenant, c.ID, c.DisplayName, w) })
		}
		if err := s.writeUnique(ctx, tx, false, tenant, c.ID, w.unique, uniqueCreate); err != nil {
			return err
		}
		added, _, err := s.insertMembers(ctx, tx, tenant, c.ID, mids, types)
		if err != nil {
			return err
		}
		if s.tracking() && len(added) != len(mids) {
			return fmt.Errorf("sqlstore: create group: %d members resolved, %d added", len(mids), len(added))
		}
		if out, err = s.storedWithMembers(ctx, tx, tenant, c, w); err != nil {
			return err
		}
		subj := subject{id: c.ID, bridged: fsubj != nil && fsubj.bridged}
		if s.bridging() {
			subj.groupAfter = out.Clone()
			subj.groupAfter.Members = nil
		}
		return s.appendChanges(ctx, tx, tenant, changes, subj)
	})
	if err != nil {
		return nil, s.explainConflict(ctx, err)
	}
	return out, nil
}

// memberDisplay is the display of the membership m's member (a user's
// displayName, else its userName; a group's displayName; empty when it is
// gone), the one way every read of members reads it: the user or group
// found by its primary key, in a scalar subquery per membership, which
// no planner hashes. Joined instead, PostgreSQL's custom plan of a
// group's members (GetGroup, loadMembersOf) or of a page's hash-joined
// them with every user and every group of the tenant, read whole (a
// group of 502 members at 10,000 users and 3,203 groups: both tables
// scanned), so that a read's cost grew with the tenant rather than with
// the group; a scalar subquery costs a primary-key probe per member.
const memberDisplay = `COALESCE(CASE m.member_type
		WHEN 'User' THEN (SELECT mu.display FROM scim_users mu WHERE mu.tenant = m.tenant AND mu.id = m.member_id)
		WHEN 'Group' THEN (SELECT mg.display_name FROM scim_groups mg WHERE mg.tenant = m.tenant AND mg.id = m.member_id) END, '')`

// memberSelect reads members with their type and display.
const memberSelect = `SELECT m.group_id, m.member_id, m.member_type, ` + memberDisplay + ` FROM scim_members m`

// sqlLoadMembers reads the members of group $2 (list: of the groups in
// list $2) of tenant $1 in the order they were added.
func (s *Store) sqlLoadMembers(list bool) string {
	if list {
		return memberSelect + ` WHERE m.tenant = ` + s.d.value(s.d.ph(1)) + ` AND ` + s.d.inList("m.group_id", s.d.ph(2)) + ` ORDER BY m.group_id, m.seq`
	}
	return memberSelect + ` WHERE m.tenant = ` + s.d.value(s.d.ph(1)) + ` AND m.group_id = ` + s.d.groupPh(2) + ` ORDER BY m.seq`
}

// loadMembers returns the members of group gid in the order they were
// added (never nil).
func (s *Store) loadMembers(ctx context.Context, q Querier, tenant, gid string) ([]resources.Member, error) {
	m, err := s.loadMembersOf(ctx, q, tenant, []string{gid})
	if err != nil {
		return nil, err
	}
	if m[gid] == nil {
		return []resources.Member{}, nil
	}
	return m[gid], nil
}

// loadMembersOf returns the members of each of the groups gids.
func (s *Store) loadMembersOf(ctx context.Context, q Querier, tenant string, gids []string) (map[string][]resources.Member, error) {
	out := make(map[string][]resources.Member, len(gids))
	if len(gids) == 0 {
		return out, nil
	}
	var rows *sql.Rows
	var err error
	if len(gids) == 1 {
		rows, err = q.QueryContext(ctx, s.sqlLoadMembers(false), tenant, gids[0])
	} else {
		rows, err = q.QueryContext(ctx, s.sqlLoadMembers(true), tenant, s.d.listArg(gids))
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: load members: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var gid string
		var m resources.Member
		if err := rows.Scan(&gid, &m.Value, &m.Type, &m.Display); err != nil {
			return nil, fmt.Errorf("sqlstore: load members: %w", err)
		}
		out[gid] = append(out[gid], m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: load members: %w", err)
	}
	return out, nil
}

// loadMemberIDs returns the members of group gid (never nil) with their
// value and type, Display empty, in no particular order: what a change
// under store.WithMemberIDs reads. Their names, which loadMembers looks
// up in scim_users and scim_groups for each member, were most of a PUT's
// read of a large group's stored members (BENCHMARKS.md, "SQL stores",
// branch pgplan).
func (s *Store) loadMemberIDs(ctx context.Context, tx *sql.Tx, tenant, gid string) ([]resources.Member, error) {
	rows, err := s.wx(tx).QueryContext(ctx, `SELECT member_id, member_type FROM scim_members WHERE tenant = `+s.d.boundPh(1)+` AND group_id = `+s.d.groupPh(2), tenant, gid)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: load members: %w", err)
	}
	defer rows.Close()
	out := []resources.Member{}
	for rows.Next() {
		var m resources.Member
		if err := rows.Scan(&m.Value, &m.Type); err != nil {
			return nil, fmt.Errorf("sqlstore: load members: %w", err)
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: load members: %w", err)
	}
	return out, nil
}

// GetGroup returns the group with id, or store.ErrNotFound, in one
// statement: with opts.ExcludeMembers the group's row alone (Members nil,
// scim_members not read), otherwise the row and its members (in the
// order they were added, never nil) as one UNION ALL, so that both come
// from one snapshot without a transaction's round trips.
func (s *Store) GetGroup(ctx context.Context, id string, opts store.GetOptions) (*resources.Group, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	tenant := store.Tenant(ctx)
	if opts.ExcludeMembers {
		var g *resources.Group
		err := s.rx().queryRow(s.point(ctx), `SELECT `+groupCols+` FROM scim_groups g WHERE g.tenant = `+s.d.ph(1)+` AND g.id = `+s.d.ph(2), []any{tenant, id}, func(row scanner) error {
			var err error
			g, err = s.scanGroup(row)
			return err
		})
		if errors.Is(err, sql.ErrNoRows) {
			return nil, notFound("group", id)
		}
		if err != nil {
			return nil, fmt.Errorf("sqlstore: get group: %w", err)
		}
		return g, nil
	}
	var g *resources.Group
	err := s.rx().query(ctx, s.sqlGroupWithMembers(), []any{tenant, id}, func(rows rowsIter) error {
		g = nil // a retry after a closed connection reads afresh
		return s.scanGroupRows(rows, nil, func(r *resources.Group) { g = r })
	})
	if err != nil {
		return nil, fmt.Errorf("sqlstore: get group: %w", err)
	}
	if g == nil {
		return nil, notFound("group", id)
	}
	return g, nil
}

// scanGroupRows reads the rows of a statement of groups with their
// members (sqlGroupWithMembers, groupsWithMembersSQL): a row of kind 0
// for each group, passed to group with Members empty (never nil), then
// rows of kind 1 for its members, in the order they were added, which it
// appends to that group. Each row's columns are kind, the group's columns
// (id, doc, created, last_modified, version), the member's (member_id,
// member_type, display, seq), then extra's, which it scans into extra's
// destinations: group reads them for its group's row. One reader for
// GetGroup and the lists, so that both read a group and its members alike.
func (s *Store) scanGroupRows(rows rowsIter, extra []any, group func(*resources.Group)) error {
	var (
		kind                 int
		gid, doc             string
		created, modified    time.Time
		version, mseq        sql.NullInt64
		mid, mtype, mdisplay string
		cur                  *resources.Group
	)
	// One destination list for every row: a member row costs its three
	// strings, not ten fresh scanners.
	dest := append([]any{&kind, dbText{&gid}, dbText{&doc}, dbTime{&created}, dbTime{&modified}, &version, dbText{&mid}, dbText{&mtype}, dbText{&mdisplay}, &mseq}, extra...)
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		if kind == 0 {
			g, err := s.groupFromRow(gid, doc, created, modified, version.Int64)
			if err != nil {
				return err
			}
			g.Members = []resources.Member{}
			cur = g
			group(g)
			continue
		}
		if cur == nil { // members sort after their group: a member row without it cannot be
			return errors.New("a member row before its group")
		}
		cur.Members = append(cur.Members, resources.Member{Value: mid, Type: mtype, Display: mdisplay})
	}
	return nil
}

// sqlGroupWithMembers reads group $2 of tenant $1 (a row of kind 0) and
// its members (rows of kind 1, in the order they were added) in one
// statement, in scanGroupRows' columns.
func (s *Store) sqlGroupWithMembers() string {
	p1, p2 := s.d.boundPh(1), s.d.boundPh(2)
	return `SELECT 0 AS kind, g.id, g.doc, g.created, g.last_modified, g.version, NULL AS mid, NULL AS mtype, NULL AS mdisplay, 0 AS mseq
		FROM scim_groups g WHERE g.tenant = ` + p1 + ` AND g.id = ` + p2 + `
		UNION ALL
		SELECT 1, NULL, NULL, NULL, NULL, NULL, m.member_id, m.member_type, ` + memberDisplay + `, m.seq FROM scim_members m
		WHERE m.tenant = ` + p1 + ` AND m.group_id = ` + s.d.groupPh(2) + `
		ORDER BY 1, 10`
}

// ReplaceGroup replaces the group g.ID under the version rule of
// ReplaceUser. When g.Members is nil the members are left unchanged; a
// non-nil slice, even an empty one, replaces them (unknown ids skipped, as
// in CreateGroup). It returns the stored group with its members.
// store.ErrConflict when another group of the tenant has the displayName.
func (s *Store) ReplaceGroup(ctx context.Context, g *resources.Group, ifVersion string) (*resources.Group, error) {
	tenant, werr := s.resourceWriteTenant(ctx, g == nil, true)
	if werr != nil {
		return nil, werr
	}
	c := g.Clone()
	replace := c.Members != nil
	ids := memberIDs(c.Members)
	c.Members = nil
	now := s.stamp()
	w, err := s.renderGroup(c)
	if err != nil {
		return nil, err
	}
	var out *resources.Group
	err = s.write(ctx, func(tx *sql.Tx) error {
		version, created, beforeDoc, stored, err := s.lockGroup(ctx, tx, tenant, c.ID, true)
		if err != nil {
			return err
		}
		if err := checkVersion("group", c.ID, ifVersion, version); err != nil {
			return err
		}
		c.Meta = resources.Meta{ResourceType: s.model.Group.Name, Created: created, LastModified: now, Version: query.FormatVersion(version + 1)}
		changes, bridged, _, err := s.updateGroup(ctx, tx, tenant, c, w, version+1, now, replace, ids, nil, stored, beforeDoc, false)
		if err != nil {
			return err
		}
		if out, err = s.storedWithMembers(ctx, tx, tenant, c, w); err != nil {
			return err
		}
		return s.groupChanged(ctx, tx, tenant, c, beforeDoc, changes, bridged)
	})
	if err != nil {
		return nil, s.explainConflict(ctx, err)
	}
	return out, nil
}

// groupChanges returns the feed entries of a write of group c (at its new
// version) whose document went from beforeDoc to afterDoc and whose
// members removed and added went and came, the secrets its request sent
// (store.SecretsSentOf) listed as changed.
func (s *Store) groupChanges(c *resources.Group, beforeDoc string, afterDoc []byte, removed, added, secrets []string) ([]store.Change, error) {
	if !s.tracking() {
		return nil, nil
	}
	changes, err := query.GroupChanges(c.ID, c.Meta.Version, []byte(beforeDoc), afterDoc, secrets...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: group %s: %w", c.ID, err)
	}
	return append(changes, query.MemberChanges(c.ID, c.Meta.Version, removed, added)...), nil
}

// groupChanged appends changes, the feed entries of a write of group c
// (at its new version) whose document was beforeDoc, unless a folded
// statement has, and hands them to Config.Bridge (unless bridged: the
// write's statement did its work) and Config.OnChange.
func (s *Store) groupChanged(ctx context.Context, tx *sql.Tx, tenant string, c *resources.Group, beforeDoc string, changes []store.Change, bridged bool) error {
	if !s.tracking() {
		return nil
	}
	subj := subject{id: c.ID, bridged: bridged}
	if s.bridging() && len(changes) > 0 {
		before, err := resources.GroupFromJSON([]byte(beforeDoc))
		if err != nil {
			return fmt.Errorf("sqlstore: group %s: stored document: %w", c.ID, err)
		}
		subj.groupBefore = before
		subj.groupBefore.ID, subj.groupBefore.Members = c.ID, nil
		subj.groupAfter = c.Clone()
		subj.groupAfter.Members = nil
	}
	return s.appendChanges(ctx, tx, tenant, changes, subj)
}

// updateGroup writes group c (rendered as w, c.Meta at its new version)
// over its row at version in tx, the group's row locked, and, when
// replace, makes its members the ids that name a user or group of the
// tenant (in order; others are skipped). Only the difference is written:
// the stored member ids (storedIDs, when the caller has read them
// already; nil: read here), those no longer listed are deleted, the new
// ones are resolved (and locked against deletion) and inserted, and the
// rest are not touched, so a PUT of a 5,000-member group that changes
// one member writes one row and locks one resource (BENCHMARKS.md); of
// the row, the names it keeps as stored are not set (storedNames.sets).
// The members go first and the group's row last: by then the feed
// entries are known (the group's document went from beforeDoc to w.doc,
// the members removed and added), so the row's UPDATE carries the feed's
// append (foldWrite), and Config.Bridge's work (Bridge.foldGroup) where
// it folds: bridged reports that it did. It returns the entries when the
// store tracks changes. With keepSame (UpdateGroup, when c's attributes
// are the stored ones as resources.EqualGroupAttributes compares them: by
// value, not by the document's text, as store/memory compares them), a
// write whose members, those naming no one skipped, are the stored ones,
// sending no secret, writes nothing and reports wrote false
// (store.GroupUpdater): the row keeps its version.
func (s *Store) updateGroup(ctx context.Context, tx *sql.Tx, tenant string, c *resources.Group, w *groupWrite, version int64, now time.Time, replace bool, ids, storedIDs []string, stored storedNames, beforeDoc string, keepSame bool) (changes []store.Change, bridged, wrote bool, err error) {
	var removed, added []string
	membersChanged := false
	if replace {
		if removed, added, membersChanged, err = s.replaceMembers(ctx, tx, tenant, c.ID, ids, storedIDs); err != nil {
			return nil, false, false, err
		}
	}
	if keepSame && !membersChanged && len(store.SecretsSentOf(ctx)) == 0 {
		return nil, false, false, nil
	}
	if changes, err = s.groupChanges(c, beforeDoc, w.doc, removed, added, store.SecretsSentOf(ctx)); err != nil {
		return nil, false, false, err
	}
	a := &args{d: s.d}
	subj := s.groupSubject(c)
	q := `UPDATE scim_groups SET ` + stored.sets(a, "display_name", c.DisplayName, w.nameFold, w.nameKey, c.ExternalID)
	err = s.execFolded(ctx, tx, tenant, changes, subj, q+`doc = `+a.add(string(w.doc))+`, q = `+s.jsonbExpr(a.add(string(w.q)))+
		`, last_modified = `+a.add(s.d.timeArg(now))+`, version = `+a.add(version)+
		` WHERE tenant = `+a.add(tenant)+` AND id = `+a.add(c.ID), a.vals)
	if err != nil {
		return nil, false, false, writeErr("replace group", err, func() error { return conflictName(tenant, c.ID, c.DisplayName, w) })
	}
	if err := s.writeUnique(ctx, tx, false, tenant, c.ID, w.unique, uniqueReplace); err != nil {
		return nil, false, false, err
	}
	return changes, subj != nil && subj.bridged, true, nil
}

// groupSubject is what Config.Bridge is handed of group c, written by a
// statement that can carry its work (Bridge.foldGroup), or nil when it
// is not folded (SQLite, no bridge).
func (s *Store) groupSubject(c *resources.Group) *subject {
	if !s.folding() {
		return nil
	}
	return &subject{id: c.ID, groupAfter: c}
}

// replaceMembers makes the members of group gid the ids that name a user
// or group of the tenant, writing the difference with stored (see
// updateGroup), and returns the member ids removed and added when the
// store tracks changes, and whether it removed or added any.
func (s *Store) replaceMembers(ctx context.Context, tx *sql.Tx, tenant, gid string, ids, stored []string) (removed, added []string, changed bool, err error) {
	if stored == nil {
		rows, err := s.wx(tx).QueryContext(ctx, `SELECT member_id FROM scim_members WHERE tenant = `+s.d.boundPh(1)+` AND group_id = `+s.d.groupPh(2), tenant, gid)
		if err != nil {
			return nil, nil, false, fmt.Errorf("sqlstore: replace group members: %w", err)
		}
		if stored, err = scanIDs(rows); err != nil {
			return nil, nil, false, fmt.Errorf("sqlstore: replace group members: %w", err)
		}
	}
	listed := make(map[string]bool, len(ids))
	for _, id := range ids {
		listed[id] = true
	}
	have := make(map[string]bool, len(stored))
	var gone []string
	for _, id := range stored {
		have[id] = true
		if !listed[id] {
			gone = append(gone, id)
		}
	}
	var fresh []string
	for _, id := range ids {
		if !have[id] {
			fresh = append(fresh, id)
		}
	}
	if len(gone) > 0 {
		if removed, _, err = s.deleteMembers(ctx, tx, tenant, gid, gone); err != nil {
			return nil, nil, false, fmt.Errorf("sqlstore: replace group members: %w", err)
		}
		slices.Sort(removed)
	}
	mids, types, err := s.resolveMembers(ctx, tx, tenant, gid, fresh, true)
	if err != nil {
		return nil, nil, false, err
	}
	added, _, err = s.insertMembers(ctx, tx, tenant, gid, mids, types)
	return removed, added, len(gone) > 0 || len(mids) > 0, err
}

// UpdateGroup runs a read-modify-write of group id in one transaction
// (see store.GroupUpdater): it reads the group holding its row lock (and,
// withMembers, its members), checks ifVersion, calls change and writes
// what it returns, as ReplaceGroup does (without withMembers the members
// are left as they are). A nil next writes nothing. Members that change
// adds are locked (KEY SHARE) after the group, the reverse of
// ModifyMembers' order, without waiting (see resolveMembers): when a
// concurrent delete holds one, the transaction, change included, runs
// again. Under store.WithMemberIDs change gets the members without their
// names (loadMemberIDs); the group returned has them in full.
func (s *Store) UpdateGroup(ctx context.Context, id, ifVersion string, withMembers bool, change func(cur *resources.Group) (*resources.Group, error)) (*resources.Group, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	tenant, werr := s.writeTenant(ctx, true)
	if werr != nil {
		return nil, werr
	}
	var out *resources.Group
	err := s.write(ctx, func(tx *sql.Tx) error {
		var curDoc string
		cur, err := s.readGroupTx(ctx, tx, tenant, id, s.lockRow(), &curDoc)
		if err != nil {
			return err
		}
		version := storedVersion(cur.Meta.Version)
		if err := checkVersion("group", id, ifVersion, version); err != nil {
			return err
		}
		idsOnly := withMembers && store.MemberIDsOnly(ctx)
		switch {
		case idsOnly:
			if cur.Members, err = s.loadMemberIDs(ctx, tx, tenant, id); err != nil {
				return err
			}
		case withMembers:
			if cur.Members, err = s.loadMembers(ctx, s.wx(tx), tenant, id); err != nil {
				return err
			}
		}
		next, err := change(cur.Clone())
		if err != nil {
			return err
		}
		// unchanged answers a write that writes nothing with cur.
		unchanged := func() error {
			out = cur
			if idsOnly {
				// Returned in full: one read more, for a write that
				// writes nothing (TestRoundTripBudget). It cannot be the
				// lock's statement on PostgreSQL, whose snapshot is taken
				// before it waits for the lock, nor the ids' read, which
				// would then pay for every member's name on every PUT.
				out.Members, err = s.loadMembers(ctx, s.wx(tx), tenant, id)
			}
			return err
		}
		if next == nil {
			return unchanged()
		}
		c := next.Clone()
		c.ID = id
		replace := withMembers && c.Members != nil
		ids := memberIDs(c.Members)
		c.Members = nil
		w, err := s.renderGroup(c)
		if err != nil {
			return err
		}
		now := s.stamp()
		c.Meta = resources.Meta{ResourceType: s.model.Group.Name, Created: cur.Meta.Created, LastModified: now, Version: query.FormatVersion(version + 1)}
		// The members read above (withMembers) are those stored: the
		// group's row lock has kept them as they are.
		changes, bridged, wrote, err := s.updateGroup(ctx, tx, tenant, c, w, version+1, now, replace, ids, memberIDs(cur.Members), storedNames{cur.DisplayName, cur.ExternalID}, curDoc, resources.EqualGroupAttributes(cur, c))
		if err != nil {
			return err
		}
		if !wrote {
			return unchanged()
		}
		if !withMembers {
			out, err = s.storedGroup(c, w)
		} else {
			out, err = s.storedWithMembers(ctx, tx, tenant, c, w)
		}
		if err != nil {
			return err
		}
		return s.groupChanged(ctx, tx, tenant, c, curDoc, changes, bridged)
	})
	if err != nil {
		return nil, s.explainConflict(ctx, err)
	}
	return out, nil
}

// DeleteGroup removes the group, its members and its own membership in
// other groups (which get a new version) in one transaction.
// store.ErrNotFound when missing.
func (s *Store) DeleteGroup(ctx context.Context, id, ifVersion string) error {
	// Its own members go with it (ON DELETE CASCADE).
	return s.deleteResource(ctx, "scim_groups", "group", id, ifVersion)
}

// ModifyMembers removes the ids in remove, then adds those in add, as set
// operations on scim_members in one transaction: its cost depends on
// len(add)+len(remove), not on the size of the group, and concurrent calls
// never lose an update (each holds the group's row lock while it changes
// memberships and the version). Adding a member again, removing an absent
// one, and ids that name no user or group of the tenant (or the group
// itself) are skipped. If ifVersion is not "" and does not name the stored
// version: store.ErrPreconditionFailed. When something changed the group
// gets a new Version and LastModified; a call that changes nothing leaves
// both as they were. It returns the group with Members nil.
func (s *Store) ModifyMembers(ctx context.Context, groupID string, add, remove []string, ifVersion string) (*resources.Group, error) {
	return s.ModifyMembersChecked(ctx, groupID, add, remove, ifVersion, nil)
}

// ModifyMembersChecked is ModifyMembers that calls check with the group
// (Members nil) read under its row lock, in the same transaction, and
// writes nothing when check returns an error (see
// store.CheckedMemberModifier). The read is the lock's own statement
// (always on SQLite; on PostgreSQL a member change of users only), or,
// on PostgreSQL when groups are added, one statement after it
// (lockForMembers), so it costs ModifyMembers at most one statement
// more. check runs again when the transaction does.
func (s *Store) ModifyMembersChecked(ctx context.Context, groupID string, add, remove []string, ifVersion string, check func(cur *resources.Group) error) (*resources.Group, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	tenant, werr := s.writeTenant(ctx, true)
	if werr != nil {
		return nil, werr
	}
	add, remove = distinct(add), distinct(remove)
	now := s.stamp()
	var out *resources.Group
	err := s.writeReported(ctx, func(tx *sql.Tx) ([]store.Change, error) {
		found, version, cur, err := s.lockForMembers(ctx, tx, tenant, groupID, add, check != nil)
		if err != nil {
			return nil, err
		}
		// The version and check before the members refused: the order
		// store.GroupStore ranks their errors in. The lock read all
		// three, so the order costs no statement.
		if err := checkVersion("group", groupID, ifVersion, version); err != nil {
			return nil, err
		}
		if check != nil {
			if err := check(cur.Clone()); err != nil {
				return nil, err
			}
		}
		if err := noteSkips(ctx, add, found); err != nil {
			return nil, err
		}
		mids, types := inOrder(add, found)
		modify := s.modifyMembers
		if s.d.pg && len(mids)+len(remove) == 1 {
			modify = s.modifyOneMember
		}
		var changes []store.Change
		subj := subject{id: groupID}
		if out, changes, subj.bridged, err = modify(ctx, tx, tenant, groupID, version, now, mids, types, remove); err != nil {
			return nil, err
		}
		if out == nil { // nothing changed: the group as read under the lock, or as it is
			if cur == nil {
				if cur, err = s.readGroupTx(ctx, tx, tenant, groupID, "", nil); err != nil {
					return nil, err
				}
			}
			out = cur
		}
		if s.bridging() {
			subj.groupAfter = out.Clone()
		}
		return changes, s.appendChanges(ctx, tx, tenant, changes, subj)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// lockForMembers takes ModifyMembers' locks in the lock order (above):
// the users of add (KEY SHARE), then, on PostgreSQL, group gid together
// with the groups of add, in id order in one statement (NO KEY UPDATE: a
// member group is locked as its group is, which a group's delete, taking
// the group and those it is a member of in id order, waits for in the
// same order). It returns the type of each id of add that names a user
// or a group (other than gid) of the tenant, and the group's version, or
// store.ErrNotFound; the caller notes the others (noteSkips) once it has
// checked the version. With only users to add (a provider's push), the
// group's lock is lockGroup's statement. withGroup, it also returns the
// group (Members nil) as read under the lock: the locking statement reads
// it, or, when groups are added on PostgreSQL, one statement after it.
func (s *Store) lockForMembers(ctx context.Context, tx *sql.Tx, tenant, gid string, add []string, withGroup bool) (found map[string]string, version int64, cur *resources.Group, err error) {
	tables := memberTables[:]
	if s.d.pg {
		tables = tables[:1]
	}
	found, rest, err := s.resolveIn(ctx, tx, tenant, gid, add, false, tables)
	if err != nil {
		return nil, 0, nil, err
	}
	if len(rest) == 0 || !s.d.pg {
		if withGroup {
			cur, err = s.readGroupTx(ctx, tx, tenant, gid, s.lockRow(), nil)
			if err != nil {
				return nil, 0, nil, err
			}
			version = storedVersion(cur.Meta.Version)
		} else if version, _, _, _, err = s.lockGroup(ctx, tx, tenant, gid, false); err != nil {
			return nil, 0, nil, err
		}
		return found, version, cur, nil
	}
	if version, err = s.lockWithGroups(ctx, tx, tenant, gid, rest, found); err != nil || !withGroup {
		return found, version, nil, err
	}
	// The group's row is locked: a plain read sees it as it stays.
	if cur, err = s.readGroupTx(ctx, tx, tenant, gid, "", nil); err != nil {
		return nil, 0, nil, err
	}
	return found, version, cur, nil
}

// readGroupTx reads group gid (Members nil) in tx, with lock appended to
// the statement (lockRow, or "" for a row tx has locked already), or
// store.ErrNotFound. A non-nil doc receives the stored document as read
// (a write's feed entries compare it with the new one).
func (s *Store) readGroupTx(ctx context.Context, tx *sql.Tx, tenant, gid, lock string, doc *string) (*resources.Group, error) {
	if doc == nil {
		doc = new(string)
	}
	g, err := s.scanGroupDoc(s.wx(tx).QueryRowContext(s.point(ctx), `SELECT `+groupCols+` FROM scim_groups g WHERE g.tenant = `+s.d.ph(1)+` AND g.id = `+s.d.ph(2)+lock, tenant, gid), doc)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("group", gid)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: read group: %w", err) // locking it or not (lock "")
	}
	return g, nil
}

// lockWithGroups is lockForMembers on PostgreSQL when add names ids no
// user has (rest, which may be groups): it locks group gid with the
// groups of rest in id order in one statement, fills found with the
// groups, and returns the group's version, or store.ErrNotFound.
func (s *Store) lockWithGroups(ctx context.Context, tx *sql.Tx, tenant, gid string, rest []string, found map[string]string) (version int64, err error) {
	// Each group is found by its key and locked as the join reaches it,
	// in the order of the sorted list. "id = ANY($2) ORDER BY id FOR NO
	// KEY UPDATE" read every group of the tenant in its generic plan on
	// statistics older than the tenant, and "id IN (SELECT unnest($2))"
	// in both (TestWritePlansWithStaleStatistics).
	ids := append(slices.Clone(rest), gid)
	slices.Sort(ids)
	rows, err := s.wx(tx).QueryContext(ctx, `SELECT g.id, g.version FROM unnest($2::text[]) AS x(id)
		CROSS JOIN LATERAL (SELECT id, version FROM scim_groups WHERE tenant = $1 AND id = x.id FOR NO KEY UPDATE) g`, tenant, ids)
	if err != nil {
		return 0, fmt.Errorf("sqlstore: lock group: %w", err)
	}
	seen := false
	for rows.Next() {
		var id string
		var v int64
		if err := rows.Scan(&id, &v); err != nil {
			rows.Close()
			return 0, fmt.Errorf("sqlstore: lock group: %w", err)
		}
		if id == gid {
			version, seen = v, true
		} else {
			found[id] = "Group"
		}
	}
	if err := rows.Close(); err != nil {
		return 0, fmt.Errorf("sqlstore: lock group: %w", err)
	}
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("sqlstore: lock group: %w", err)
	}
	if !seen {
		return 0, notFound("group", gid)
	}
	return version, nil
}

// modifyMembers is ModifyMembers' change of group gid, locked at
// version: it removes the members of remove and adds the resolved ones
// (mids, of types), then, when a row changed, writes the next version
// with the feed's entries of what changed (bumpGroup). It returns the
// group as written and those entries, or a nil group and no entries when
// nothing changed, and whether the bridge's work was done.
func (s *Store) modifyMembers(ctx context.Context, tx *sql.Tx, tenant, gid string, version int64, now time.Time, mids, types, remove []string) (*resources.Group, []store.Change, bool, error) {
	var (
		changed int64
		removed []string
	)
	if len(remove) > 0 {
		ids, n, err := s.deleteMembers(ctx, tx, tenant, gid, remove)
		if err != nil {
			return nil, nil, false, fmt.Errorf("sqlstore: remove members: %w", err)
		}
		removed, changed = ids, n
		slices.Sort(removed)
	}
	added, n, err := s.insertMembers(ctx, tx, tenant, gid, mids, types)
	if err != nil {
		return nil, nil, false, err
	}
	if changed += n; changed == 0 {
		return nil, nil, false, nil
	}
	// The group's new version is known (its row is locked), and so are
	// the entries: the version's UPDATE carries the feed's append
	// (foldWrite).
	changes := query.MemberChanges(gid, query.FormatVersion(uint64(version+1)), removed, added)
	g, bridged, err := s.bumpGroup(ctx, tx, tenant, gid, now, changes, "", []any{tenant, gid})
	return g, changes, bridged, err
}

// modifyOneMember is modifyMembers for a change of one member (mids, with
// its type, to add, or remove), on PostgreSQL: the member's INSERT or
// DELETE, the version's UPDATE, the feed's append and the bridge's join
// row (Config.Bridge, see Bridge.fold) in one statement, all but the
// first only when the member's row changed (the UPDATE reads the
// member's statement; the append and the join row read the UPDATE). One
// round trip fewer while the group's row is locked, the most frequent
// write of a group push.
func (s *Store) modifyOneMember(ctx context.Context, tx *sql.Tx, tenant, gid string, version int64, now time.Time, mids, types, remove []string) (*resources.Group, []store.Change, bool, error) {
	// The member's statement as modifyMembers runs it alone, its
	// arguments first ($1 the tenant, $2 the group).
	v := query.FormatVersion(uint64(version + 1))
	var (
		mq      string
		vals    []any
		changes []store.Change
	)
	if len(mids) == 1 {
		mq, vals = s.sqlInsertMembers(), []any{tenant, gid, mids, types}
		changes = query.MemberChanges(gid, v, nil, mids)
	} else {
		mq, vals = s.sqlDeleteMembers(tenant, gid, remove)
		changes = query.MemberChanges(gid, v, remove, nil)
	}
	g, bridged, err := s.bumpGroup(ctx, tx, tenant, gid, now, changes, `m AS (`+mq+` RETURNING 1)`, vals)
	if g == nil {
		changes = nil // already a member, or not one: nothing changed
	}
	return g, changes, bridged, err
}

// bumpGroup writes group gid's next version at now (its row is locked)
// and returns the group as written, with, where foldWrite folds them,
// the feed's append of changes and the bridge's join rows (an add, a
// removal or both, Bridge.foldMembers), and reports whether the
// bridge's work was done. vals bind $1 the tenant and $2 the group, then what pre binds.
// pre, when not "", is a WITH item m the UPDATE reads: it writes only
// when m wrote a row, and returns a nil group when it did not. An error
// of the host's tables comes back as Config.Bridge's would.
func (s *Store) bumpGroup(ctx context.Context, tx *sql.Tx, tenant, gid string, now time.Time, changes []store.Change, pre string, vals []any) (*resources.Group, bool, error) {
	const ret = `id, doc, created, last_modified, version`
	a := &args{d: s.d, vals: vals}
	bump := `UPDATE scim_groups SET version = version + 1, last_modified = ` + a.add(s.d.timeArg(now)) +
		` WHERE tenant = ` + s.d.ph(1) + ` AND id = ` + s.d.ph(2)
	if pre != "" {
		bump += ` AND EXISTS (SELECT 1 FROM m)`
	}
	// The bump carries the bridge's join rows too (Bridge.foldMembers):
	// an add, a removal, or both.
	var host func(a *args) (string, bool)
	if s.folding() {
		host = func(a *args) (string, bool) { return s.feed.bridge.foldMembers(a, tenant, changes) }
	}
	q, qv, bridged, folded := s.foldWrite(tenant, changes, bump, a.vals, ret, host, pre)
	if !folded {
		q, qv = bump+` RETURNING `+ret, a.vals
		if pre != "" {
			q = `WITH ` + pre + ` ` + q
		}
	}
	g, err := s.scanGroup(s.wx(tx).QueryRowContext(s.point(ctx), q, qv...))
	switch {
	case errors.Is(err, sql.ErrNoRows) && pre != "":
		return nil, bridged, nil
	case err != nil:
		if herr, ok := s.feed.bridge.foldErr(changes[0].Kind, err); bridged && ok {
			return nil, false, herr
		}
		return nil, false, fmt.Errorf("sqlstore: modify members: %w", err)
	}
	if folded && s.feed.on {
		pending(changes)
	}
	return g, bridged, nil
}

// GroupsOf returns, for each user id of the tenant, the groups it belongs
// to (Type "direct", or "indirect" through a group that is a member;
// Display the group's displayName, Ref left for the handler), in group
// creation order. Ids without groups are absent from the map. The lookup
// walks the (tenant, member_id) index.
func (s *Store) GroupsOf(ctx context.Context, userIDs []string) (map[string][]resources.GroupRef, error) {
	out := make(map[string][]resources.GroupRef)
	if err := ctxErr(ctx); err != nil {
		return out, err
	}
	ids := distinct(userIDs)
	if len(ids) == 0 {
		return out, nil
	}
	return s.groupsOf(ctx, nil, store.Tenant(ctx), ids)
}

// groupsOf reads the groups, direct and indirect, of the users ids (all
// users when nil) in tx, or on the reader pool when tx is nil (on
// PostgreSQL through pgx, as every read: rdb.query), by user id, in group
// creation order (a read tried again on another connection starts over).
func (s *Store) groupsOf(ctx context.Context, tx *sql.Tx, tenant string, ids []string) (map[string][]resources.GroupRef, error) {
	params := []any{tenant}
	if ids != nil {
		params = append(params, s.d.listArg(ids))
	}
	out := make(map[string][]resources.GroupRef)
	err := readRows(ctx, s, tx, s.sqlGroupsOf(ids != nil), params, func(rows rowsIter) error {
		clear(out)
		for rows.Next() {
			var (
				uid    string
				ref    resources.GroupRef
				direct int64
			)
			if err := rows.Scan(&uid, &ref.Value, &ref.Display, &direct); err != nil {
				return err
			}
			ref.Type = groupType(direct == 1)
			out[uid] = append(out[uid], ref)
		}
		return nil
	})
	if err != nil {
		return map[string][]resources.GroupRef{}, fmt.Errorf("sqlstore: groups of users: %w", err)
	}
	return out, nil
}

// sqlGroupsOf reads the groups, direct and indirect, of the users of list
// $2 (all users, when !list) of tenant $1, walking the (tenant, member_id)
// index like sqlUserGroups.
func (s *Store) sqlGroupsOf(list bool) string {
	t := s.d.boundPh(1)
	where := `m.tenant = ` + t + ` AND m.member_type = 'User'`
	if list {
		where += ` AND ` + s.d.inList("m.member_id", s.d.ph(2))
	}
	return s.d.walkGroups(t, `SELECT m.member_id, m.group_id, 1 FROM scim_members m WHERE `+where, false) + `
		SELECT d.member, g.id, g.display_name, d.direct FROM (SELECT member, gid, max(direct) AS direct FROM c GROUP BY member, gid) d
		` + s.groupByID("d.gid", t) + `
		ORDER BY d.member, g.seq`
}

// walkGroups is the walk of nested groups that GroupsOf and a filter on
// groups share (one definition of an indirect membership, so a GET and a
// filter agree): the recursive table c(member, gid, direct) holds the
// rows of seed, direct memberships (member, gid, 1) in tenant t (of users
// for GroupsOf, of groups for a filter), and the pairs the walk adds
// (member, gid, 0), in each of which member is within gid through groups.
// UNION, not UNION ALL: a row already found is not walked again, so a
// cycle of groups ends. The caller selects from c.
//
// The walk goes up or down, because the two questions start from
// opposite ends and each is cheap only from its own: up (GroupsOf, and a
// filter on groups of another shape) adds the groups gid is a member of,
// from the few groups of the users read, through the
// scim_members_group_member partial index (tenant, member_id); down (a
// filter on groups.value eq, "who is within group X") adds the groups
// that are members of member, from X alone, through
// scim_members_nested_groups (tenant, group_id), so that a group holding
// no group costs one probe that finds no row, whatever the tenant's
// nesting. Both add the same pairs: the closure of "group in group".
//
// SQLite runs the recursive step once per row of c and, left to choose,
// read every nested membership of the tenant (scim_members_group_member
// by tenant alone) for each. CROSS JOIN keeps c the outer loop there, so
// each step is one probe of the index; PostgreSQL, which runs the step
// over the whole working table, plans the join of the walk up itself.
func (d *dialect) walkGroups(t, seed string, down bool) string {
	step := `SELECT c.member, m.group_id, 0 FROM c` + d.outerJoin() + `scim_members m ON m.tenant = ` + t + ` AND m.member_id = c.gid AND ` + nestedGroup("m", false)
	if down {
		step = `SELECT m.member_id, c.gid, 0 FROM c` + d.outerJoin() + `scim_members m ON m.tenant = ` + t + ` AND m.group_id = c.member AND ` + nestedGroup("m", true)
		if d.pg {
			// PostgreSQL plans the step against a guess of the working
			// table's size and, with few nested groups in the tenant,
			// read all of them for each step (c as a join filter): a
			// LATERAL subquery that OFFSET 0 keeps whole is one probe of
			// the group per row.
			step = `SELECT m.member_id, c.gid, 0 FROM c CROSS JOIN LATERAL (SELECT m.member_id FROM scim_members m WHERE m.tenant = ` + t + ` AND m.group_id = c.member AND ` + nestedGroup("m", true) + ` OFFSET 0) m`
		}
	}
	return `WITH RECURSIVE c(member, gid, direct) AS (
		` + seed + `
		UNION
		` + step + `)
		`
}

// nestedGroup is the condition that the membership row alias names a
// group as member, as the walk in that direction says it, so that each
// direction reads its own partial index: up, member_type = 'Group'
// (scim_members_group_member, by member); down, member_type <> 'User'
// and not the group itself, the same rows (a member is a user or a
// group, and never its own group) said as only
// scim_members_nested_groups (by group) says it. PostgreSQL uses a
// partial index only for a statement whose condition implies the
// index's: said alike, each index served the other direction too, and on
// statistics taken while they were nearly empty PostgreSQL read one of
// them whole by tenant.
func nestedGroup(alias string, down bool) string {
	if down {
		return alias + `.member_type <> 'User' AND ` + alias + `.member_id <> ` + alias + `.group_id`
	}
	return alias + `.member_type = 'Group'`
}

// outerJoin joins the table after it to the table before it, which
// stays the outer loop: on SQLite a CROSS JOIN, which its planner never
// reorders (a recursive table or a walk's few rows, each probing an
// index, where it would rather scan the index's table and probe the
// rows); on PostgreSQL, which has no CROSS JOIN with ON and plans such a
// join well, a JOIN.
func (d *dialect) outerJoin() string {
	if d.pg {
		return " JOIN "
	}
	return " CROSS JOIN "
}

// groupByID joins the group g of tenant t whose id is the column gid, for
// each row: on PostgreSQL a LATERAL subquery that OFFSET 0 keeps from
// being flattened into a plain join, which before the first ANALYZE of
// scim_groups PostgreSQL may answer with a hash join over every group of
// the tenant (1,001 rows read for 3 memberships at 1,000 groups); the
// subquery finds each group by its primary key. SQLite joins row by row.
func (s *Store) groupByID(gid, t string) string {
	if s.d.pg {
		return `CROSS JOIN LATERAL (SELECT g.id, g.display_name, g.seq FROM scim_groups g WHERE g.tenant = ` + t + ` AND g.id = ` + gid + ` OFFSET 0) g`
	}
	return `JOIN scim_groups g ON g.tenant = ` + t + ` AND g.id = ` + gid
}
