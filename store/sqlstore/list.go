package sqlstore

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/query"
)

// listPlan is a list query compiled to SQL.
type listPlan struct {
	a     *args
	where string // condition on the table (tenant included)
	// all says where is the tenant's alone: the SQL part of the filter
	// selects every row of the tenant.
	all      bool
	order    string // ORDER BY clause
	nWhere   int    // how many of a.vals the condition uses
	residual bool   // the filter or the sort must be finished in Go
	// ev finishes a residual list in Go (query.Select); sortConst says the
	// sortBy names what no row stores (groups, members, password,
	// meta.location), so that creation order decides there as in SQL.
	ev        *query.Evaluator
	sortConst bool
	alias     string // the table's alias, "u" or "g"
	table     string // the table: scim_users or scim_groups
	tenant    string // the tenant's placeholder
	// unique says a top-level conjunct looks a unique name up (userName
	// eq, displayName eq: compiler.unique): at most one row matches, so
	// a page read from the first match gives the total itself (window).
	unique bool
	// key is the SQL sort key ("" when creation order alone decides),
	// keyNotNull that it is never NULL (a NOT NULL column), desc that it
	// sorts descending: what a keyset walk compares positions with.
	key        string
	keyNotNull bool
	desc       bool
	// matchesCTE says a top-level conjunct is a co or ew on a user's
	// emails or phoneNumbers (compiler.ownersFirst) of a list in creation
	// order by startIndex: its page reads the matches once for its rows
	// and its total (matchesFirst).
	matchesCTE bool
}

// plan validates q against the resource type (errors are
// *query.FilterError) and compiles it for a page by startIndex.
func (s *Store) plan(ctx context.Context, users bool, q store.Query) (*listPlan, error) {
	return s.planFor(ctx, users, q, false)
}

// planFor is plan, for a keyset walk (ListUsersAfter) when walk is set:
// its pages are read along the list's order, never from the matching
// owners (matchesFirst, compiler.ownersFirst).
func (s *Store) planFor(ctx context.Context, users bool, q store.Query, walk bool) (*listPlan, error) {
	ev := s.groupEval
	if users {
		ev = s.userEval
	}
	// The handler has compiled the filter already (q.Compiled), which
	// QueryMatcher takes instead of compiling it again.
	if _, err := ev.QueryMatcher(q); err != nil {
		return nil, err
	}
	if q.SortBy != "" {
		if _, err := ev.Sorter(q.SortBy); err != nil {
			return nil, err
		}
	}
	p := &listPlan{a: &args{d: s.d}, ev: ev}
	tenant := p.a.bound(store.Tenant(ctx))
	c := newCompiler(s, users, p.a, tenant)
	c.matchesCTE = !walk && q.SortBy == ""
	c.walk = walk
	cond, residual, err := c.where(q.Filter)
	if err != nil {
		return nil, err
	}
	p.residual = residual
	p.unique = c.unique
	p.matchesCTE = c.ownersFirst && c.matchesCTE
	p.tenant = tenant
	p.where = c.alias + ".tenant = " + tenant
	p.all = cond == ""
	if cond != "" {
		p.where += " AND " + cond
	}
	p.nWhere = len(p.a.vals)
	p.alias = c.alias
	p.table = "scim_groups"
	if users {
		p.table = "scim_users"
	}
	p.order = c.alias + ".seq"
	if c.selective || c.ownersFirst {
		// The filter looks a value up (userName eq, externalId eq, an
		// email): few rows match, found by that value's index. Planning
		// without statistics (SQLite always; PostgreSQL until
		// autovacuum's first ANALYZE of a table, e.g. during the first
		// sync of a large organisation), both databases would rather walk
		// the tenant's rows along the seq index, which gives the order
		// for free, and test each row: a scan per lookup. An ORDER BY
		// that no index gives leaves them the lookup's index; sorting its
		// few rows costs nothing. A top-level co or ew on a user's emails
		// or phoneNumbers (ownersFirst) reads its page from the matching
		// owners the same way: walked in seq order, the users were each
		// probed for a match until the LIMIT was met, all of them when
		// few match.
		p.order = c.alias + ".seq + 0"
	}
	p.desc = q.Descending
	if q.SortBy != "" {
		key, notNull, err := c.sortKey(q.SortBy)
		switch {
		case errors.Is(err, errFallback):
			p.a.vals = p.a.vals[:p.nWhere]
			p.residual = true
		case err != nil:
			return nil, err
		case key == "":
			p.sortConst = true
		default:
			p.key, p.keyNotNull = key, notNull
			if q.Descending {
				p.order = key + " DESC NULLS FIRST, " + p.order
			} else {
				p.order = key + " ASC NULLS LAST, " + p.order
			}
		}
	}
	return p, nil
}

// pageSQL renders the query of one page and adds its bounds to p.a.
//
// A page deep into every row of the tenant in creation order (Okta's and
// OneLogin's import: startIndex=N, no filter, no sortBy) skips its OFFSET
// along the (tenant, seq) index alone, in a subquery that finds the seq
// of the page's first row, and reads the table's rows from there: an
// OFFSET on the page's own statement walked the skipped rows themselves
// (SQLite the table's B-tree, a user's document a page or more each;
// PostgreSQL an index scan fetching each skipped row from the heap), so
// that startIndex 50,001 of 100,000 users cost 25 times the same page of
// 1,000 on SQLite and 9 times on PostgreSQL (BENCHMARKS.md). The skip
// still grows with startIndex, as any OFFSET does (a cursor walk does
// not), but by index entries, not rows. Past the end the subquery is
// NULL and the page empty, as the OFFSET's was.
func (p *listPlan) pageSQL(cols, from string, limit, offset int) string {
	if offset > 0 && p.all && p.order == p.alias+".seq" {
		from += ` AND ` + p.alias + `.seq >= (SELECT s.seq FROM ` + p.table + ` s WHERE s.tenant = ` + p.tenant +
			` ORDER BY s.seq LIMIT 1 OFFSET ` + p.a.add(offset) + `)`
		return `SELECT ` + cols + from + ` ORDER BY ` + p.order + ` LIMIT ` + p.a.bound(limit)
	}
	return `SELECT ` + cols + from + ` ORDER BY ` + p.order + ` LIMIT ` + p.a.bound(limit) + ` OFFSET ` + p.a.add(offset)
}

// totalCol is the column that carries a list's total on each row of
// its page: an uncorrelated subquery (countSQL), evaluated once, in the
// page's snapshot.
func (p *listPlan) totalCol(from string) string { return "(" + p.countSQL(from) + ")" }

// countSQL is the statement of the number of rows a list of p matches
// (from, with the first nWhere of p's arguments). A list of every row of
// the tenant reads the tenant's count, which the writes keep in
// scim_counts in their own transactions (migration 0014: a few rows
// summed, where a count(*) walked the tenant's index on every page of a
// walk, most of a page's cost at 100,000 users, BENCHMARKS.md); a
// filtered list counts its matches.
func (p *listPlan) countSQL(from string) string {
	if !p.all {
		return `SELECT count(*)` + from
	}
	kind := "groups"
	if p.table == "scim_users" {
		kind = "users"
	}
	return `SELECT CAST(COALESCE(sum(c.n), 0) AS bigint) FROM scim_counts c WHERE c.tenant = ` + p.tenant + ` AND c.kind = '` + kind + `'`
}

// pageBounds converts StartIndex and Count to OFFSET and LIMIT.
func pageBounds(q store.Query) (offset, limit int) {
	offset = q.StartIndex - 1
	if offset < 0 {
		offset = 0
	}
	return offset, q.Count
}

// window is how a list of a plan without residual reads its page and
// learns its total, in as few statements as it can, each on the reader
// pool (on PostgreSQL through pgx, rdb.query), outside a transaction:
//   - count 0: one statement, the count;
//   - a lookup of a unique name (listPlan.unique): one statement without
//     the count, reading from the first match, the page's own rows and one
//     more (no OFFSET, LIMIT skip+count+1). At most one row matches, so the
//     rows read are the total and the page is cut from them in Go (a
//     second statement counts only when a name stored twice before
//     migration 0004 leaves more rows than that, which the extra row
//     tells). That holds for a skip (startIndex-1) and a count up to
//     maxLookupSkip (2^29) each, a startIndex up to 2^29+1; beyond, the
//     lookup reads as the next case;
//   - otherwise: one statement, the page, each row carrying the total
//     (listPlan.totalCol); a page past the end has no row to carry it and counts in
//     a second statement.
//
// The decision is made here for users and groups alike.
type window struct {
	skip, count int  // the page's own offset and size (count 0: count only)
	lookup      bool // read from the first match, cut in Go
}

// limit is the LIMIT of w's statement: a lookup reads the rows the page
// skips, the page's and one more (which tells whether the total is more
// than the rows read).
func (w window) limit() int {
	if w.lookup {
		return w.skip + w.count + 1
	}
	return w.count
}

// maxLookupSkip bounds the skip (startIndex-1, so a startIndex up to
// maxLookupSkip+1) and the count a lookup reads its page from the first
// match with, so that skip+count+1 cannot overflow; beyond it a lookup
// reads as any list (its page is empty anyway, or holds its one match).
const maxLookupSkip = 1 << 29 // skip+count+1 < 1<<31, an int on 32-bit platforms too

// window returns how a list of p reads the page q asks for.
func (p *listPlan) window(q store.Query) window {
	skip, count := pageBounds(q)
	lookup := p.unique && count > 0 && skip <= maxLookupSkip && count <= maxLookupSkip
	return window{skip: skip, count: count, lookup: lookup}
}

// pageSQL renders the page statement of w (p.pageSQL), and adds its
// bounds to p.a. A lookup's has no OFFSET: it reads from the first match,
// and a PostgreSQL generic plan of an OFFSET $n it does not know counts
// the whole input as skipped, which made the generic plan of a userName
// lookup (cost 25.5) dearer than a custom one with its planning (16.9
// and 7.5): PostgreSQL then planned every lookup afresh, twice the
// backend's CPU of a lookup with the OFFSET left out (BENCHMARKS.md).
func (w window) pageSQL(p *listPlan, cols, from string) string {
	if w.lookup {
		return `SELECT ` + cols + from + ` ORDER BY ` + p.order + ` LIMIT ` + p.a.bound(w.limit())
	}
	return p.pageSQL(cols, from, w.count, w.skip)
}

// cut returns the page of the rows w's statement read, total the total
// they carried, and the list's total; known false says a statement must
// count it (a page past the end, or a lookup that found more rows than
// the page and the one after it).
func cut[T any](w window, rows []T, total int) (page []T, n int, known bool) {
	if !w.lookup {
		return rows, total, len(rows) > 0 || w.skip == 0
	}
	lo, hi := min(w.skip, len(rows)), min(w.skip+w.count, len(rows))
	return rows[lo:hi], len(rows), len(rows) < w.limit()
}

// count runs the count of the rows a list matches (from, with the first
// nWhere of p's arguments) on the reader pool.
func (s *Store) count(ctx context.Context, p *listPlan, from string) (int, error) {
	var n int
	err := s.rx().queryRow(ctx, p.countSQL(from), p.a.vals[:p.nWhere], func(row scanner) error { return row.Scan(&n) })
	if err != nil {
		return 0, fmt.Errorf("sqlstore: count: %w", err)
	}
	return n, nil
}

// ListUsers returns the page of users matching q. Filter, sort and paging
// run in SQL, the page and Total in one statement, so Total is counted in
// the page's snapshot (see window: a lookup of a userName reads Total
// from its rows; only a page past the end counts in a second statement).
// Unless q.ExcludeGroups, the page's statement reads
// each user's groups too, as GetUser does; when part of the filter or
// sort is finished in Go, Groups is filled (direct and indirect) when the
// filter named groups and is otherwise left nil for the handler. Without
// q.SortBy users come in creation order; ties of a
// sort keep that order. q.Count 0 gives an empty (non-nil) Items and the
// Total. A filter part SQL cannot express exactly (see the package
// documentation) is evaluated in Go on the rows the rest selects.
func (s *Store) ListUsers(ctx context.Context, q store.Query) (store.Page[*resources.User], error) {
	page := store.Page[*resources.User]{Items: []*resources.User{}}
	if err := ctxErr(ctx); err != nil {
		return page, err
	}
	p, err := s.plan(ctx, true, q)
	if err != nil {
		return page, err
	}
	from := ` FROM scim_users u WHERE ` + p.where
	if p.residual {
		err = s.readIn(ctx, s.usersSnapshot(q), func(tx *sql.Tx) error { return s.listUsersInGo(ctx, tx, p, q, from, &page) })
	} else {
		page.Items, page.Total, err = s.listUsersSQL(ctx, p, q, from)
	}
	if err != nil {
		return store.Page[*resources.User]{Items: []*resources.User{}}, err
	}
	return page, nil
}

// userPageCols are the columns the page subquery of a list of users
// selects (pageFirst): userCols and the tenant, which the groups column
// computed outside it reads (sqlUserGroups), each under its own name, so
// that userCols and sqlUserGroups read them from it as from scim_users u.
const userPageCols = "u.tenant, " + userCols

// pageFirst renders the statement of a page whose rows carry a column
// that costs a read per row (late: a user's groups): the page's rows are
// selected first (inner, from p's table, with its ORDER BY, LIMIT and
// OFFSET), numbered in the order the subquery returns them, and late's
// columns, read from the subquery under p's alias, are computed outside
// it, for those rows only. In one statement, PostgreSQL evaluates a
// select list below the Limit node, so a page deep into a list read the
// groups of every user its OFFSET skipped (startIndex 5,001 of 10,000
// grouped users: 73 ms against 5 ms without groups, BENCHMARKS.md);
// SQLite computes them for every row it sorts when no index gives the
// order. The window numbers the rows rather than the outer query sorting
// by p's order again, which may name columns the subquery does not
// select (as in groupsWithMembersSQL).
func (p *listPlan) pageFirst(inner, late string) string {
	return `SELECT ` + late + ` FROM (` + numbered(inner) + `) ` + p.alias + ` ORDER BY ` + p.alias + `.ord`
}

// numbered selects the rows of the page statement inner numbered (ord) in
// the order inner returns them, its ORDER BY (a window ordered by the
// list's order would number every match before LIMIT cuts them).
func numbered(inner string) string {
	return `SELECT x.*, row_number() OVER () AS ord FROM (` + inner + `) x`
}

// listUsersSQL is listSQL for users: with each user's groups (unless
// q.ExcludeGroups) read for the page's own rows (pageFirst), except in a
// lookup of a unique name, which reads its one match and no OFFSET.
func (s *Store) listUsersSQL(ctx context.Context, p *listPlan, q store.Query, from string) ([]*resources.User, int, error) {
	cols, wrap, scan := s.usersListing(p, q.ExcludeGroups, p.window(q).lookup, ", u.total")
	return listSQL(ctx, s, p, q, cols, from, wrap, scan)
}

// usersListing returns what a page of users of p is read with: the
// page's columns, the wrap that reads each user's groups outside its
// statement (nil when it needs none: groups excluded, or a lookup),
// passing on the page's tail columns (its total, or a cursor page's
// positions), and the scan of a row.
func (s *Store) usersListing(p *listPlan, excludeGroups, lookup bool, tail string) (cols string, wrap func(inner string) string, scan func(scanner, ...any) (*resources.User, error)) {
	read, scan := s.userRead(excludeGroups)
	if excludeGroups || lookup {
		return read, nil, scan
	}
	return userPageCols, func(inner string) string { return p.pageFirst(inner, read+tail) }, scan
}

// listStmt renders the statement a page w of p is read with (cols, and
// the total as total: 0 in a lookup's, whose rows are its total (cut);
// the inner statement of wrap when it is not nil) and adds the page's
// bounds to p.a.
func listStmt(p *listPlan, w window, cols, from string, wrap func(inner string) string) string {
	var stmt string
	switch {
	case w.lookup:
		stmt = w.pageSQL(p, cols+", 0 AS total", from)
	case p.matchesCTE:
		stmt = p.matchesFirst(cols, from, w)
	default:
		stmt = w.pageSQL(p, cols+", "+p.totalCol(from)+" AS total", from)
	}
	if wrap != nil {
		stmt = wrap(stmt)
	}
	return stmt
}

// matchesFirst renders the page w of a list in creation order whose
// filter has a top-level co or ew on a user's emails or phoneNumbers
// (listPlan.matchesCTE), and adds its bounds to p.a: the matching rows'
// ids and seq once, in a CTE, their count the total and the page's ids
// the first of them by seq, whose rows are then read by id. PostgreSQL
// cannot estimate such a test; with the page's LIMIT over the seq index
// in the same query, a custom plan walked the users and probed each
// one's value rows until the page was full (every user when few match),
// and with seq + 0 instead it joined and sorted every match's whole row
// for ten of them, besides the total's own pass (BENCHMARKS.md, branch
// sqlperf). The CTE, used twice, is computed once, without a LIMIT to
// plan for.
func (p *listPlan) matchesFirst(cols, from string, w window) string {
	a := p.alias
	return `WITH m AS (SELECT ` + a + `.id, ` + a + `.seq` + from + `) SELECT ` + cols + `, (SELECT count(*) FROM m) AS total FROM ` +
		p.table + ` ` + a + ` WHERE ` + a + `.tenant = ` + p.tenant + ` AND ` + a + `.id IN (SELECT m.id FROM m ORDER BY m.seq LIMIT ` +
		p.a.bound(w.count) + ` OFFSET ` + p.a.add(w.skip) + `) ORDER BY ` + a + `.seq`
}

// listSQL runs the page query of a plan without residual on the reader
// pool, as its window says (readPage): the page and the total from one
// statement outside a transaction (the total in the page's snapshot). When
// wrap is not nil, the page's statement (cols, with the total as "total")
// is the inner one of the statement wrap returns (pageFirst), whose
// columns scan reads. A lookup of a unique name is a point statement
// (Store.point): its rows are its one match, read with a user's groups as
// a GET reads them, or a group's row without its members (listSQL never
// reads members).
func listSQL[T any](ctx context.Context, s *Store, p *listPlan, q store.Query, cols, from string, wrap func(inner string) string, scan func(scanner, ...any) (T, error)) ([]T, int, error) {
	return readPage(ctx, s, p, q, from, func(w window) ([]T, int, error) {
		items := []T{}
		total := 0
		rctx := ctx
		if w.lookup {
			rctx = s.point(ctx)
		}
		err := s.rx().query(rctx, listStmt(p, w, cols, from, wrap), p.a.vals, func(rows rowsIter) error {
			items, total = items[:0], 0 // a read tried again on another connection starts over: a retry that finds no row carries no total
			for rows.Next() {
				it, err := scan(rows, &total)
				if err != nil {
					return err
				}
				items = append(items, it)
			}
			return nil
		})
		if err != nil {
			return nil, 0, fmt.Errorf("sqlstore: list: %w", err)
		}
		return items, total, nil
	})
}

// readPage reads the page q asks of a plan without residual as its window
// says: the count alone for count 0; otherwise the rows read reads for
// the window (never nil) and the total they carried, cut to the page
// (cut), and a second statement to count only when they do not tell the
// total (a page past the end, a lookup that found more than it reads).
// One skeleton for every list that pages by startIndex.
func readPage[T any](ctx context.Context, s *Store, p *listPlan, q store.Query, from string, read func(w window) ([]T, int, error)) ([]T, int, error) {
	w := p.window(q)
	if w.count == 0 {
		n, err := s.count(ctx, p, from)
		return []T{}, n, err
	}
	items, total, err := read(w)
	if err != nil {
		return nil, 0, err
	}
	items, total, known := cut(w, items, total)
	if !known {
		total, err = s.count(ctx, p, from)
	}
	return items, total, err
}

// readRows runs the read stmt with args in tx when it is not nil, else
// on the reader pool (rdb.query), and hands its rows to each.
func readRows(ctx context.Context, s *Store, tx *sql.Tx, stmt string, args []any, each func(rowsIter) error) error {
	if tx == nil {
		return s.rx().query(ctx, stmt, args, each)
	}
	rows, err := tx.QueryContext(ctx, stmt, args...)
	return eachRows(rows, err, each)
}

// inGo is a row a list finishes in Go: the resource and its creation
// sequence.
type inGo[T any] struct {
	v   T
	seq int64
}

// scanInGo runs the SQL part of p's filter (ordered by creation), in tx
// or, when tx is nil, on the reader pool (readRows), and scans every row
// with scan, which reads the resource's columns and then the extra
// destinations it is given (the seq). what names the list in errors
// ("users").
func scanInGo[T any](ctx context.Context, s *Store, tx *sql.Tx, p *listPlan, query, what string, scan func(scanner, ...any) (T, error)) ([]*inGo[T], error) {
	var recs []*inGo[T]
	err := readRows(ctx, s, tx, query, p.a.vals[:p.nWhere], func(rows rowsIter) error {
		recs = recs[:0] // a read tried again on another connection starts over
		for rows.Next() {
			r := &inGo[T]{}
			var err error
			if r.v, err = scan(rows, &r.seq); err != nil {
				return err
			}
			recs = append(recs, r)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list %s: %w", what, err)
	}
	return recs, nil
}

// readIn runs fn in a read-only transaction (read) when snapshot says
// its statements must see one snapshot, and otherwise with tx nil: its
// one statement then goes to the reader pool (on PostgreSQL through pgx,
// rdb.query) without the BEGIN and the ROLLBACK, two round trips of
// three.
func (s *Store) readIn(ctx context.Context, snapshot bool, fn func(tx *sql.Tx) error) error {
	if !snapshot {
		return fn(nil)
	}
	return s.read(ctx, fn)
}

// usersSnapshot says whether a list of users finished in Go reads more
// than its rows (usersInGo): the groups of the users the SQL part
// selects, for a filter that names groups.
func (s *Store) usersSnapshot(q store.Query) bool {
	return s.groupsFiltered(q)
}

// groupsFiltered says whether q's filter names groups, so that a list
// finished in Go reads its candidates' groups (usersInGo) in its
// snapshot, as membersFiltered for a list of groups.
func (s *Store) groupsFiltered(q store.Query) bool {
	return query.Mentions(s.model.User, q.Filter, "groups")
}

// groupsSnapshot says whether a list of groups finished in Go reads more
// than its rows (groupsInGo, fillMembers): the members, for a filter
// that names them or a page that returns them.
func (s *Store) groupsSnapshot(q store.Query) bool {
	return !q.ExcludeMembers || s.membersFiltered(q)
}

// membersFiltered says whether q's filter names members, so that a list
// finished in Go reads every group's members (groupsInGo) in its
// snapshot: groupsSnapshot and groupsInGo ask it alike, or groupsInGo
// would read them without a transaction to read them in.
func (s *Store) membersFiltered(q store.Query) bool {
	return query.Mentions(s.model.Group, q.Filter, "members")
}

// finishInGo filters, sorts and pages recs in Go (query.Select) into
// page, each on its filter document (render) with attribute attr set to
// extra's value where extra has one.
func finishInGo[T any](p *listPlan, q store.Query, recs []*inGo[T], what string, render func(T) (map[string]any, error), attr string, extra func(T) (any, bool), page *store.Page[T]) error {
	res, err := query.Select(p.ev, p.goQuery(q), recs, inGoDoc(what, render, attr, extra))
	if err != nil {
		return err
	}
	page.Total = res.Total
	for _, r := range res.Items {
		page.Items = append(page.Items, r.v)
	}
	return nil
}

// inGoDoc is the filter document of a record finished in Go: render's,
// with attribute attr set to extra's value where extra has one (a user's
// groups, a group's members, which the rows do not hold).
func inGoDoc[T any](what string, render func(T) (map[string]any, error), attr string, extra func(T) (any, bool)) func(*inGo[T]) (map[string]any, error) {
	return func(r *inGo[T]) (map[string]any, error) {
		doc, err := render(r.v)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: list %s: %w", what, err)
		}
		if v, ok := extra(r.v); ok {
			doc = query.With(doc, attr, v)
		}
		return doc, nil
	}
}

// goQuery is q as the Go part of a list sorts it: by creation order when
// sortBy names what no row stores, as the SQL part does.
func (p *listPlan) goQuery(q store.Query) store.Query {
	if p.sortConst {
		q.SortBy = ""
	}
	return q
}

// listUsersInGo lists the users the SQL part of the filter selects and
// finishes filter, sort and paging in Go.
func (s *Store) listUsersInGo(ctx context.Context, tx *sql.Tx, p *listPlan, q store.Query, from string, page *store.Page[*resources.User]) error {
	recs, render, extra, refs, err := s.usersInGo(ctx, tx, p, q, from)
	if err != nil {
		return err
	}
	if err := finishInGo(p, q, recs, "users", render, "groups", extra, page); err != nil {
		return err
	}
	fillGroups(page.Items, refs, q)
	return nil
}

// usersInGo reads the users the SQL part of the filter selects (the
// candidates), with what finishing the list in Go needs: the filter
// document of a user (render), its groups, direct and indirect, for a
// filter on groups (extra) and, when the filter named groups, the
// candidates' groups (refs, else nil).
func (s *Store) usersInGo(ctx context.Context, tx *sql.Tx, p *listPlan, q store.Query, from string) (recs []*inGo[*resources.User], render func(*resources.User) (map[string]any, error), extra func(*resources.User) (any, bool), refs map[string][]resources.GroupRef, err error) {
	recs, err = scanInGo(ctx, s, tx, p, `SELECT `+userCols+`, u.seq`+from+` ORDER BY u.seq`, "users", s.scanUser)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	withGroups := s.groupsFiltered(q)
	var groups map[string][]any
	if withGroups && len(recs) > 0 {
		// The candidates' groups by their ids, not the tenant's: the
		// SQL part may have kept 10 users of 10,000. When it kept every
		// user, the tenant's groups are the same rows without the list.
		var ids []string
		if !p.all {
			ids = make([]string, len(recs))
			for i, r := range recs {
				ids[i] = r.v.ID
			}
		}
		if refs, err = s.groupsOf(ctx, tx, store.Tenant(ctx), ids); err != nil {
			return nil, nil, nil, nil, err
		}
		// A filter on groups sees every membership GroupsOf lists,
		// indirect ones included, as the compiled filter does
		// (store.MembershipReader).
		groups = make(map[string][]any, len(refs))
		for uid, rs := range refs {
			for _, ref := range rs {
				groups[uid] = append(groups[uid], query.GroupRefValue(ref))
			}
		}
	}
	render = query.UserDoc
	extra = func(u *resources.User) (any, bool) {
		gs := groups[u.ID]
		return gs, len(gs) > 0
	}
	return recs, render, extra, refs, nil
}

// fillGroups sets the groups usersInGo read (refs) on the users of a page
// unless q.ExcludeGroups: read already, the handler need not ask again.
func fillGroups(users []*resources.User, refs map[string][]resources.GroupRef, q store.Query) {
	if refs == nil || q.ExcludeGroups {
		return
	}
	for _, u := range users {
		u.Groups = append([]resources.GroupRef{}, refs[u.ID]...)
	}
}

// ListGroups returns the page of groups matching q, like ListUsers. With
// q.ExcludeMembers the groups have Members nil and scim_members is read
// only if the filter names members. Otherwise each group's members (in
// the order they were added, never nil) come in the page's statement
// (listGroupsWithMembers), as GetGroup reads them, without a
// transaction, when filter and sort run in SQL; a list finished in Go
// reads them in the snapshot it reads its rows in (fillMembers).
func (s *Store) ListGroups(ctx context.Context, q store.Query) (store.Page[*resources.Group], error) {
	page := store.Page[*resources.Group]{Items: []*resources.Group{}}
	if err := ctxErr(ctx); err != nil {
		return page, err
	}
	p, err := s.plan(ctx, false, q)
	if err != nil {
		return page, err
	}
	from := ` FROM scim_groups g WHERE ` + p.where
	switch {
	case p.residual:
		// groups and their members from one snapshot
		err = s.readIn(ctx, s.groupsSnapshot(q), func(tx *sql.Tx) error {
			if err := s.listGroupsInGo(ctx, tx, p, q, from, &page); err != nil {
				return err
			}
			return s.fillMembers(ctx, tx, page.Items, q)
		})
	case q.ExcludeMembers:
		page.Items, page.Total, err = listSQL(ctx, s, p, q, groupCols, from, nil, s.scanGroup)
	default:
		page.Items, page.Total, err = s.listGroupsWithMembers(ctx, p, q, from)
	}
	if err != nil {
		return store.Page[*resources.Group]{Items: []*resources.Group{}}, err
	}
	return page, nil
}

// listGroupsWithMembers is listSQL for groups with their members: one
// statement reads the page and the members of its groups
// (groupsWithMembers). Through a transaction it was BEGIN, the page, the
// members and the ROLLBACK: four round trips where this is one (a lookup
// by displayName, which Entra ID and Okta send before every group push),
// and the same snapshot for both.
func (s *Store) listGroupsWithMembers(ctx context.Context, p *listPlan, q store.Query, from string) ([]*resources.Group, int, error) {
	return readPage(ctx, s, p, q, from, func(w window) ([]*resources.Group, int, error) {
		items, n, _, err := s.groupsWithMembers(ctx, p, s.groupsPageSQL(p, w, from), false)
		return items, n, err
	})
}

// groupsPageSQL renders the statement of listGroupsWithMembers for the
// page w of p (groupsWithMembersSQL) and adds its bounds to p.a. A
// lookup reads its rows from the first match and cuts its page from them
// in Go (window): the members are read for the page's rows alone, not
// for those a startIndex past 1 skips or the row after the page (a name
// stored twice).
func (s *Store) groupsPageSQL(p *listPlan, w window, from string) string {
	return listStmt(p, w, groupCols, from, func(inner string) string {
		members := ""
		if w.lookup {
			// Bound (args.bound), as a lookup's every compared value:
			// SQLite compiles a statement with a bare one again on every
			// run once ANALYZE has run.
			if w.skip > 0 {
				members = " AND pg.ord > " + p.a.bound(w.skip)
			}
			members += " AND pg.ord <= " + p.a.bound(w.skip+w.count)
		}
		return s.groupsWithMembersSQL(p, inner, members, false)
	})
}

// groupsAfterSQL renders the statement of groupsAfterWithMembers: the
// page after the position after (afterSQL), q.Count groups and one more,
// and the members of the first q.Count; it adds its bounds to p.a.
func (s *Store) groupsAfterSQL(p *listPlan, q store.Query, after, from string) (string, error) {
	inner, err := p.afterSQL(groupCols+", 0 AS total", from, after, q.Count)
	if err != nil {
		return "", err
	}
	return s.groupsWithMembersSQL(p, inner, " AND pg.ord <= "+p.a.add(q.Count), true), nil
}

// groupsWithMembers runs a statement of groupsWithMembersSQL on the reader
// pool and returns its groups, each with its members in the order they
// were added (never nil), the total the rows carried, and, when
// positions, each group's position in a keyset walk (encodeSQLPosition).
func (s *Store) groupsWithMembers(ctx context.Context, p *listPlan, stmt string, positions bool) (items []*resources.Group, n int, pos []string, err error) {
	err = s.rx().query(ctx, stmt, p.a.vals, func(rows rowsIter) error {
		items, n, pos = items[:0], 0, pos[:0] // a read tried again on another connection starts over
		var (
			rowTotal, ord, pseq int64
			key                 any
		)
		extra := []any{&rowTotal, &ord}
		if positions {
			extra = append(extra, dbValue{&key}, &pseq)
		}
		return s.scanGroupRows(rows, extra, func(g *resources.Group) {
			items, n = append(items, g), int(rowTotal)
			if positions {
				pos = append(pos, encodeSQLPosition(key, pseq))
			}
		})
	})
	if err != nil {
		return nil, 0, nil, fmt.Errorf("sqlstore: list: %w", err)
	}
	if items == nil {
		items = []*resources.Group{}
	}
	if positions && pos == nil {
		pos = []string{}
	}
	return items, n, pos, nil
}

// groupsWithMembersSQL renders a statement that reads a page of groups
// and their members: inner, the page's statement (groupCols and the total
// as total), is the CTE page, numbered in its order by ord; a row of kind
// 0 for each group and rows of kind 1 for its members after it, in the
// order they were added (as GetGroup's UNION ALL does for one group), in
// scanGroupRows' columns, then the total and ord (and a keyset page's
// pos_key and pos_seq).
// The members are read for the page's rows only, and of those for the
// rows that pass members, a condition on pg.ord ("" for all): a lookup
// cuts its page from its rows in Go (groupsPageSQL), and a keyset walk's
// page reads one group more than it returns, to learn whether more
// follow, not its members. With positions, the page is a keyset walk's
// (afterSQL: inner also selects pos_key and pos_seq, which the rows then
// carry).
func (s *Store) groupsWithMembersSQL(p *listPlan, inner, members string, positions bool) string {
	materialized := ""
	if !s.d.pg {
		// PostgreSQL materializes a CTE read twice; SQLite may compute it
		// once per reference.
		materialized = " MATERIALIZED"
	}
	posCols, noPositions := "", ""
	if positions { // a keyset page: its rows' positions too
		posCols, noPositions = ", pg.pos_key, pg.pos_seq", ", NULL, 0"
	}
	// The page's few rows stay the outer loop (outerJoin), each group's
	// members found by (tenant, group_id): knowing nothing of the CTE's
	// size, SQLite otherwise walked every membership of the tenant to
	// probe the page with each.
	display, from := memberDisplay, `page pg`+s.d.outerJoin()+`scim_members m ON m.tenant = `+p.tenant+` AND m.group_id = pg.id`
	if s.d.pg {
		// Each page group's memberships from the index, in a lateral
		// subquery per group (OFFSET 0 keeps the planner from flattening
		// it into a join), each member's display by its primary key
		// (memberDisplay): knowing the page's row count, a custom plan
		// hash-joined the page with every membership of the tenant, read
		// whole (5,200 rows for a page of 50 groups holding 50).
		display, from = `m.display`, `page pg CROSS JOIN LATERAL (SELECT m.member_id, m.member_type, m.seq, `+memberDisplay+` AS display
			FROM scim_members m WHERE m.tenant = `+p.tenant+` AND m.group_id = pg.id OFFSET 0) m`
	}
	return `WITH page AS` + materialized + ` (` + numbered(inner) + `)
		SELECT 0 AS kind, pg.id, pg.doc, pg.created, pg.last_modified, pg.version, NULL AS mid, NULL AS mtype, NULL AS mdisplay, 0 AS mseq, pg.total, pg.ord` + posCols + ` FROM page pg
		UNION ALL
		SELECT 1, NULL, NULL, NULL, NULL, NULL, m.member_id, m.member_type, ` + display + `, m.seq, 0, pg.ord` + noPositions + `
		FROM ` + from + `
		WHERE TRUE` + members + `
		ORDER BY 12, 1, 10`
}

// fillMembers loads the members of a page's groups in tx, unless
// q.ExcludeMembers.
func (s *Store) fillMembers(ctx context.Context, tx *sql.Tx, groups []*resources.Group, q store.Query) error {
	if q.ExcludeMembers || len(groups) == 0 {
		return nil
	}
	ids := make([]string, len(groups))
	for i, g := range groups {
		ids[i] = g.ID
	}
	members, err := s.loadMembersOf(ctx, tx, store.Tenant(ctx), ids)
	if err != nil {
		return err
	}
	for _, g := range groups {
		g.Members = members[g.ID]
		if g.Members == nil {
			g.Members = []resources.Member{}
		}
	}
	return nil
}

// listGroupsInGo is listUsersInGo for groups.
func (s *Store) listGroupsInGo(ctx context.Context, tx *sql.Tx, p *listPlan, q store.Query, from string, page *store.Page[*resources.Group]) error {
	recs, render, extra, err := s.groupsInGo(ctx, tx, p, q, from)
	if err != nil {
		return err
	}
	return finishInGo(p, q, recs, "groups", render, "members", extra, page)
}

// groupsInGo is usersInGo for groups: extra gives a group's members for a
// filter on members.
func (s *Store) groupsInGo(ctx context.Context, tx *sql.Tx, p *listPlan, q store.Query, from string) (recs []*inGo[*resources.Group], render func(*resources.Group) (map[string]any, error), extra func(*resources.Group) (any, bool), err error) {
	recs, err = scanInGo(ctx, s, tx, p, `SELECT `+groupCols+`, g.seq`+from+` ORDER BY g.seq`, "groups", s.scanGroup)
	if err != nil {
		return nil, nil, nil, err
	}
	var members map[string][]resources.Member
	if s.membersFiltered(q) && len(recs) > 0 {
		ids := make([]string, len(recs))
		for i, r := range recs {
			ids[i] = r.v.ID
		}
		if members, err = s.loadMembersOf(ctx, tx, store.Tenant(ctx), ids); err != nil {
			return nil, nil, nil, err
		}
	}
	render = query.GroupDoc
	extra = func(g *resources.Group) (any, bool) {
		ms := members[g.ID]
		if len(ms) == 0 {
			return nil, false
		}
		list := make([]any, len(ms))
		for i, m := range ms {
			list[i] = query.MemberValue(m)
		}
		return list, true
	}
	return recs, render, extra, nil
}

// sqlPosition is a position of a keyset walk run in SQL
// (store.UserCursorLister): the sort key value of the last row returned
// (Kind "" when NULL or when creation order alone decides) and its seq.
type sqlPosition struct {
	Seq  int64   `json:"q"`
	Kind string  `json:"k,omitempty"` // "s" text, "i" integer, "f" float, "t" time
	S    string  `json:"s,omitempty"`
	I    int64   `json:"i,omitempty"`
	F    float64 `json:"f,omitempty"`
	T    string  `json:"t,omitempty"`
}

// sqlPositionPrefix tells a position of the SQL walk from one of the walk
// finished in Go (query.Position), which a query never switches between.
const sqlPositionPrefix = "s1."

// encodeSQLPosition encodes the key value a row was scanned with and its
// seq.
func encodeSQLPosition(key any, seq int64) string {
	p := sqlPosition{Seq: seq}
	switch v := key.(type) {
	case string:
		p.Kind, p.S = "s", v
	case []byte:
		p.Kind, p.S = "s", string(v)
	case int64:
		p.Kind, p.I = "i", v
	case float64:
		p.Kind, p.F = "f", v
	case bool:
		p.Kind, p.I = "i", 0
		if v {
			p.I = 1
		}
	case time.Time:
		p.Kind, p.T = "t", v.UTC().Format(time.RFC3339Nano)
	}
	b, _ := json.Marshal(p)
	return sqlPositionPrefix + base64.RawURLEncoding.EncodeToString(b)
}

// decodeSQLPosition reads a position of encodeSQLPosition back into the
// bind value of its key (nil for NULL) and its seq. Anything else is
// store.ErrInvalidCursor: the values only ever reach SQL as bind
// parameters.
func decodeSQLPosition(s string) (key any, seq int64, err error) {
	bad := fmt.Errorf("%w: not a position of this store's query", store.ErrInvalidCursor)
	rest, ok := strings.CutPrefix(s, sqlPositionPrefix)
	if !ok {
		return nil, 0, bad
	}
	b, err := base64.RawURLEncoding.DecodeString(rest)
	if err != nil {
		return nil, 0, bad
	}
	var p sqlPosition
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, 0, bad
	}
	switch p.Kind {
	case "":
		return nil, p.Seq, nil
	case "s":
		return p.S, p.Seq, nil
	case "i":
		return p.I, p.Seq, nil
	case "f":
		return p.F, p.Seq, nil
	case "t":
		t, err := time.Parse(time.RFC3339Nano, p.T)
		if err != nil {
			return nil, 0, bad
		}
		return t, p.Seq, nil
	}
	return nil, 0, bad
}

// keyset renders the condition "the row sorts after (key, seq)" in p's
// order (key ascending NULLS LAST or descending NULLS FIRST, then seq
// ascending) and adds its parameters to p.a. A key that is never NULL is
// compared with a plain range first (key >= v), which its index answers,
// so that a page deep in a large tenant costs what the first one does.
func (p *listPlan) keyset(key any, seq int64) string {
	s := p.alias + ".seq > " + p.a.bound(seq)
	if p.key == "" {
		return s
	}
	k := p.key
	if key == nil {
		if p.desc {
			return "((" + k + " IS NULL AND " + s + ") OR " + k + " IS NOT NULL)"
		}
		return "(" + k + " IS NULL AND " + s + ")"
	}
	v := p.a.bound(key)
	var cond string
	if p.desc {
		cond = "(" + k + " <= " + v + " AND (" + k + " < " + v + " OR " + s + "))"
	} else {
		cond = "(" + k + " >= " + v + " AND (" + k + " > " + v + " OR " + s + "))"
		if !p.keyNotNull {
			cond = "(" + cond + " OR " + k + " IS NULL)"
		}
	}
	return cond
}

// afterSQL renders the statement of one page of a keyset walk: the rows
// after the position after, with the key and seq to make their positions
// from (as pos_key and pos_seq), count of them and one more.
func (p *listPlan) afterSQL(cols, from, after string, count int) (string, error) {
	where := from
	if after != "" {
		key, seq, err := decodeSQLPosition(after)
		if err != nil {
			return "", err
		}
		where += " AND " + p.keyset(key, seq)
	}
	keyCol := p.key
	if keyCol == "" {
		keyCol = "NULL"
	}
	return `SELECT ` + cols + `, ` + keyCol + ` AS pos_key, ` + p.alias + `.seq AS pos_seq` + where + ` ORDER BY ` + p.order + ` LIMIT ` + p.a.bound(count+1), nil
}

// listAfterSQL runs one page of a keyset walk of a plan without residual
// on the reader pool: the rows after the position after, in p's order,
// q.Count of them and one more to learn whether more follow. No OFFSET
// and no count: the statement reads the page from the index and stops.
// When wrap is not nil, the page's statement (cols) is the inner one of
// the statement wrap returns (pageFirst), whose columns scan reads.
func listAfterSQL[T any](ctx context.Context, s *Store, p *listPlan, q store.Query, after, cols, from string, wrap func(inner string) string, scan func(scanner, ...any) (T, error)) (store.CursorPage[T], error) {
	page := store.CursorPage[T]{Items: []T{}, Positions: []string{}}
	stmt, err := p.afterSQL(cols, from, after, q.Count)
	if err != nil {
		return page, err
	}
	if wrap != nil {
		stmt = wrap(stmt)
	}
	err = s.rx().query(ctx, stmt, p.a.vals, func(rows rowsIter) error {
		page.Items, page.Positions, page.More = page.Items[:0], page.Positions[:0], false
		for rows.Next() {
			var key any
			var seq int64
			it, err := scan(rows, dbValue{&key}, &seq)
			if err != nil {
				return err
			}
			if len(page.Items) == q.Count {
				page.More = true
				break
			}
			page.Items = append(page.Items, it)
			page.Positions = append(page.Positions, encodeSQLPosition(key, seq))
		}
		return nil
	})
	if err != nil {
		return page, fmt.Errorf("sqlstore: list: %w", err)
	}
	return page, nil
}

// finishAfterInGo is finishInGo for a keyset walk (query.SelectAfter):
// the records after the position after, at most q.Count of them, with
// their positions.
func finishAfterInGo[T any](p *listPlan, q store.Query, recs []*inGo[T], what string, render func(T) (map[string]any, error), attr string, extra func(T) (any, bool), after string) (store.CursorPage[T], error) {
	res, err := query.SelectAfter(p.ev, p.goQuery(q), recs, inGoDoc(what, render, attr, extra), func(r *inGo[T]) int64 { return r.seq }, after)
	page := store.CursorPage[T]{Items: make([]T, len(res.Items)), Positions: res.Positions, More: res.More}
	for i, r := range res.Items {
		page.Items[i] = r.v
	}
	return page, err
}

// ListUsersAfter is store.UserCursorLister: a keyset walk over the users
// matching q, in ListUsers' order. When the filter and sort run in SQL
// (every filter the package documentation lists as compiled, and every
// sortBy but a few extension and complex ones), a page is one statement
// that reads from the position on, q.Count+1 matches at most: in creation
// order or by userName it seeks to the position in an index ((tenant,
// seq), (tenant, user_name_key)), and without a filter or with an
// indexed lookup it reads its own rows, so its cost grows neither with
// the tenant nor with how far the walk has gone. A filter no index
// answers tests the rows from the position until the page is full or
// the tenant ends, and any other sortBy sorts the rows after the
// position: such a page costs up to the rest of the tenant (the package
// documentation, "Concurrency"). Otherwise the walk is finished in Go as
// ListUsers is, every page reading the rows the SQL part of the filter
// selects. No total is counted. Groups follows the rule of ListUsers.
func (s *Store) ListUsersAfter(ctx context.Context, q store.Query, after string) (store.CursorPage[*resources.User], error) {
	empty := store.CursorPage[*resources.User]{Items: []*resources.User{}, Positions: []string{}}
	if err := ctxErr(ctx); err != nil {
		return empty, err
	}
	p, err := s.planFor(ctx, true, q, true)
	if err != nil {
		return empty, err
	}
	from := ` FROM scim_users u WHERE ` + p.where
	var page store.CursorPage[*resources.User]
	if p.residual {
		err = s.readIn(ctx, s.usersSnapshot(q), func(tx *sql.Tx) error {
			recs, render, extra, refs, err := s.usersInGo(ctx, tx, p, q, from)
			if err != nil {
				return err
			}
			if page, err = finishAfterInGo(p, q, recs, "users", render, "groups", extra, after); err != nil {
				return err
			}
			fillGroups(page.Items, refs, q)
			return nil
		})
	} else {
		// Each user's groups read for the page's rows (pageFirst), not
		// for every row sorted when no index gives the order.
		cols, wrap, scan := s.usersListing(p, q.ExcludeGroups, false, ", u.pos_key, u.pos_seq")
		page, err = listAfterSQL(ctx, s, p, q, after, cols, from, wrap, scan)
	}
	if err != nil {
		return empty, err
	}
	return page, nil
}

// ListGroupsAfter is store.GroupCursorLister, as ListUsersAfter (the
// index of a sort by displayName is (tenant, display_name_key)); unless
// q.ExcludeMembers, the page and its groups' members come in one
// statement (its own snapshot, as ListGroups'), read for the groups the
// page returns only.
func (s *Store) ListGroupsAfter(ctx context.Context, q store.Query, after string) (store.CursorPage[*resources.Group], error) {
	empty := store.CursorPage[*resources.Group]{Items: []*resources.Group{}, Positions: []string{}}
	if err := ctxErr(ctx); err != nil {
		return empty, err
	}
	p, err := s.plan(ctx, false, q)
	if err != nil {
		return empty, err
	}
	from := ` FROM scim_groups g WHERE ` + p.where
	var page store.CursorPage[*resources.Group]
	switch {
	case p.residual:
		err = s.readIn(ctx, s.groupsSnapshot(q), func(tx *sql.Tx) error {
			recs, render, extra, err := s.groupsInGo(ctx, tx, p, q, from)
			if err != nil {
				return err
			}
			if page, err = finishAfterInGo(p, q, recs, "groups", render, "members", extra, after); err != nil {
				return err
			}
			return s.fillMembers(ctx, tx, page.Items, q)
		})
	case q.ExcludeMembers:
		page, err = listAfterSQL(ctx, s, p, q, after, groupCols, from, nil, s.scanGroup)
	default:
		page, err = s.groupsAfterWithMembers(ctx, p, q, after, from)
	}
	if err != nil {
		return empty, err
	}
	return page, nil
}

// groupsAfterWithMembers is listAfterSQL for groups with their members,
// in one statement (groupsWithMembersSQL): the page's q.Count groups and
// one more, whose members it does not read, to learn whether more follow.
func (s *Store) groupsAfterWithMembers(ctx context.Context, p *listPlan, q store.Query, after, from string) (store.CursorPage[*resources.Group], error) {
	stmt, err := s.groupsAfterSQL(p, q, after, from)
	if err != nil {
		return store.CursorPage[*resources.Group]{}, err
	}
	items, _, pos, err := s.groupsWithMembers(ctx, p, stmt, true)
	if err != nil {
		return store.CursorPage[*resources.Group]{}, err
	}
	page := store.CursorPage[*resources.Group]{Items: items, Positions: pos}
	if len(items) > q.Count {
		page.Items, page.Positions, page.More = items[:q.Count], pos[:q.Count], true
	}
	return page, nil
}
