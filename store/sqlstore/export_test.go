package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/scimkit/scim/internal/backoff"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/query"
)

// PlanForTest compiles q as ListUsers (users) or ListGroups would and
// returns the SQL condition, order, bind values and whether a part is
// left to Go.
func (s *Store) PlanForTest(ctx context.Context, users bool, q store.Query) (where, order string, args []any, residual bool, err error) {
	p, err := s.plan(ctx, users, q)
	if err != nil {
		return "", "", nil, false, err
	}
	return p.where, p.order, p.a.vals, p.residual, nil
}

// Fold exposes fold to the tests.
var Fold = fold

// PageSQLForTest returns the query and bind values ListUsers (users) or
// ListGroups runs for the first page of q when the whole filter is SQL.
func (s *Store) PageSQLForTest(ctx context.Context, users bool, q store.Query) (string, []any, error) {
	p, err := s.plan(ctx, users, q)
	if err != nil {
		return "", nil, err
	}
	if users {
		return p.pageSQL(userCols, ` FROM scim_users u WHERE `+p.where, q.Count, q.StartIndex-1), p.a.vals, nil
	}
	return p.pageSQL(groupCols, ` FROM scim_groups g WHERE `+p.where, q.Count, q.StartIndex-1), p.a.vals, nil
}

// ListSQLForTest returns the statement and bind values ListUsers (users;
// with each user's groups unless q.ExcludeGroups) or ListGroups (with
// each group's members unless q.ExcludeMembers) sends for
// the page of q, its total in the same statement or, for a lookup of a
// unique name, read from its rows (window), when the whole filter
// is SQL; residual reports that it is not (the store then sends another).
func (s *Store) ListSQLForTest(ctx context.Context, users bool, q store.Query) (stmt string, args []any, residual bool, err error) {
	p, err := s.plan(ctx, users, q)
	if err != nil {
		return "", nil, false, err
	}
	w := p.window(q)
	if users {
		cols, wrap, _ := s.usersListing(p, q.ExcludeGroups, w.lookup, ", u.total")
		return listStmt(p, w, cols, ` FROM scim_users u WHERE `+p.where, wrap), p.a.vals, p.residual, nil
	}
	from := ` FROM scim_groups g WHERE ` + p.where
	if !q.ExcludeMembers {
		return s.groupsPageSQL(p, w, from), p.a.vals, p.residual, nil
	}
	return listStmt(p, w, groupCols, from, nil), p.a.vals, p.residual, nil
}

// GroupsCursorSQLForTest returns the statement and arguments
// ListGroupsAfter sends for the page of groups (no residual) after the
// position after: with their members, unless q.ExcludeMembers, in one
// statement (groupsAfterWithMembers).
func (s *Store) GroupsCursorSQLForTest(ctx context.Context, q store.Query, after string) (string, []any, error) {
	p, err := s.plan(ctx, false, q)
	if err != nil {
		return "", nil, err
	}
	from := ` FROM scim_groups g WHERE ` + p.where
	if q.ExcludeMembers {
		stmt, err := p.afterSQL(groupCols, from, after, q.Count)
		return stmt, p.a.vals, err
	}
	stmt, err := s.groupsAfterSQL(p, q, after, from)
	return stmt, p.a.vals, err
}

// UsersCursorSQLForTest returns the statement and arguments
// ListUsersAfter sends for the page of users (no residual) after the
// position after.
func (s *Store) UsersCursorSQLForTest(ctx context.Context, q store.Query, after string) (string, []any, error) {
	p, err := s.planFor(ctx, true, q, true)
	if err != nil {
		return "", nil, err
	}
	cols, wrap, _ := s.usersListing(p, q.ExcludeGroups, false, ", u.pos_key, u.pos_seq")
	stmt, err := p.afterSQL(cols, ` FROM scim_users u WHERE `+p.where, after, q.Count)
	if err == nil && wrap != nil {
		stmt = wrap(stmt)
	}
	return stmt, p.a.vals, err
}

// SeedUsersForTest stores users in tenant in bulk (COPY on PostgreSQL, one
// transaction with prepared statements on SQLite), rendered exactly as
// CreateUser renders them, and returns their ids. For seeding benchmark
// and EXPLAIN data only: it skips the userName conflict mapping.
func (s *Store) SeedUsersForTest(ctx context.Context, tenant string, users []*resources.User) ([]string, error) {
	ids := make([]string, len(users))
	var urows, vrows [][]any
	for i, u := range users {
		c := u.Clone()
		c.ID = newID()
		ids[i] = c.ID
		now := s.stamp()
		w, err := s.renderUser(c)
		if err != nil {
			return nil, err
		}
		urows = append(urows, []any{tenant, c.ID, c.UserName, "", w.userNameKey, nullText(c.ExternalID), w.display, w.displayFold,
			nullText(c.Password), string(w.doc), string(w.q), s.d.timeArg(now), s.d.timeArg(now), int64(1)})
		for _, attr := range valueAttrs {
			list, _ := w.qm[attr].([]any)
			for j, el := range list {
				m, _ := el.(map[string]any)
				str := func(k string) any { v, _ := m[k].(string); return nullText(v) }
				var prim any
				if b, ok := m["primary"].(bool); ok {
					prim = b
				}
				vrows = append(vrows, []any{tenant, c.ID, attr, j, str("value"), str("display"), str("type"), prim})
			}
		}
	}
	ucols := []string{"tenant", "id", "user_name", "user_name_fold", "user_name_key", "external_id", "display", "display_fold", "password", "doc", "q", "created", "last_modified", "version"}
	vcols := []string{"tenant", "user_id", "attr", "idx", "value", "display", "type", "is_primary"}
	if err := s.bulk(ctx, "scim_users", ucols, urows); err != nil {
		return nil, err
	}
	if err := s.bulk(ctx, "scim_user_values", vcols, vrows); err != nil {
		return nil, err
	}
	return ids, nil
}

// SeedGroupsForTest stores groups (without their members: see
// SeedMembersForTest) in tenant in bulk, rendered as CreateGroup renders
// them, and returns their ids. For seeding benchmark and EXPLAIN data
// only: it skips the displayName conflict mapping.
func (s *Store) SeedGroupsForTest(ctx context.Context, tenant string, groups []*resources.Group) ([]string, error) {
	ids := make([]string, len(groups))
	rows := make([][]any, len(groups))
	for i, g := range groups {
		c := g.Clone()
		c.Members = nil
		c.ID = newID()
		ids[i] = c.ID
		now := s.stamp()
		c.Meta = resources.Meta{ResourceType: s.model.Group.Name, Created: now, LastModified: now, Version: query.FormatVersion(1)}
		w, err := s.renderGroup(c)
		if err != nil {
			return nil, err
		}
		rows[i] = []any{tenant, c.ID, c.DisplayName, w.nameFold, w.nameKey, nullText(c.ExternalID), string(w.doc), string(w.q), s.d.timeArg(now), s.d.timeArg(now), int64(1)}
	}
	cols := []string{"tenant", "id", "display_name", "display_name_fold", "display_name_key", "external_id", "doc", "q", "created", "last_modified", "version"}
	return ids, s.bulk(ctx, "scim_groups", cols, rows)
}

// SeedMembersForTest adds members of type typ ("User" or "Group") to group
// gid in bulk, without checking that they exist.
func (s *Store) SeedMembersForTest(ctx context.Context, tenant, gid, typ string, ids []string) error {
	rows := make([][]any, len(ids))
	for i, id := range ids {
		rows[i] = []any{tenant, gid, id, typ}
	}
	return s.bulk(ctx, "scim_members", []string{"tenant", "group_id", "member_id", "member_type"}, rows)
}

// SeedMembershipsForTest adds, in bulk, member ids[i] of type typ to
// group gids[i] for each i, without checking that they exist.
func (s *Store) SeedMembershipsForTest(ctx context.Context, tenant, typ string, gids, ids []string) error {
	rows := make([][]any, len(ids))
	for i, id := range ids {
		rows[i] = []any{tenant, gids[i], id, typ}
	}
	return s.bulk(ctx, "scim_members", []string{"tenant", "group_id", "member_id", "member_type"}, rows)
}

func (s *Store) bulk(ctx context.Context, table string, cols []string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	if s.d.pg {
		conn, err := s.w.Conn(ctx)
		if err != nil {
			return err
		}
		defer conn.Close()
		return conn.Raw(func(dc any) error {
			pc := dc.(*stdlib.Conn).Conn()
			_, err := pc.CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromRows(rows))
			if err != nil {
				return fmt.Errorf("copy %s: %w", table, err)
			}
			return nil
		})
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		ph := s.d.placeholders(1, len(cols))
		for i, c := range cols {
			if c == "q" {
				ph = ""
				for j := range cols {
					if j > 0 {
						ph += ", "
					}
					if j == i {
						ph += s.jsonbExpr(s.d.ph(j + 1))
					} else {
						ph += s.d.ph(j + 1)
					}
				}
			}
		}
		stmt, err := tx.PrepareContext(ctx, "INSERT INTO "+table+" ("+joinComma(cols)+") VALUES ("+ph+")")
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, r := range rows {
			if _, err := stmt.ExecContext(ctx, r...); err != nil {
				return fmt.Errorf("insert %s: %w", table, err)
			}
		}
		return nil
	})
}

// Statement SQL, for EXPLAIN tests.
func (s *Store) SQLResolveForTest(table, tenant, self string, ids []string) (string, []any) {
	return s.sqlResolve(table, false, tenant, self, ids)
}
func (s *Store) SQLInsertMembersForTest() string { return s.sqlInsertMembers() }

// SQLMembersAllOrNoneForTest is SQLite's member insert (add) or removal
// that changes the rows of all its ids or of none, with the arguments of
// SQLInsertMembersForTest's (a JSON list of [id, type] pairs) or
// SQLDeleteMembersForTest's.
func (s *Store) SQLMembersAllOrNoneForTest(add bool) string { return s.sqlMembersAllOrNone(add) }

func (s *Store) SQLLoadMembersForTest() string   { return s.sqlLoadMembers(false) }
func (s *Store) SQLGroupsOfForTest() string      { return s.sqlGroupsOf(true) }
func (s *Store) ListArgForTest(ids []string) any { return s.d.listArg(ids) }

// SQLEvent is one statement or BEGIN a counting Store sent.
type SQLEvent = sqlEvent

// StatementLog is what a counting Store sent, in order.
type StatementLog struct{ l *sqlLog }

// Take returns the events since the last Take and forgets them.
func (l *StatementLog) Take() []SQLEvent { return l.l.take() }

// TakeEnds returns how many transactions ended (COMMIT or ROLLBACK) since
// the last TakeEnds and forgets them.
func (l *StatementLog) TakeEnds() int { return l.l.takeEnds() }

// BeforeCommit sets f to run as each transaction's COMMIT is about to
// be sent, with the context the transaction was begun with (nil: none).
func (l *StatementLog) BeforeCommit(f func(ctx context.Context)) {
	l.l.mu.Lock()
	l.l.beforeCommit = f
	l.l.mu.Unlock()
}

// BeforeWrite sets f to run with each statement's text as it is about
// to be sent on the writer pool (on PostgreSQL, on every pool; nil:
// none), and the context it is sent under.
func (l *StatementLog) BeforeWrite(f func(ctx context.Context, query string)) {
	l.l.mu.Lock()
	l.l.beforeWrite = f
	l.l.mu.Unlock()
}

// SetCommitGraceForTest sets how long a write's COMMIT, or a write sent
// as one statement, may take after its caller's context ends
// (defaultCommitGrace unless set).
func (s *Store) SetCommitGraceForTest(d time.Duration) { s.commitGrace = d }

// SetGraceTimerForTest makes arm arm the commit grace's timer in place of
// time.AfterFunc: it is called with the grace and the function that ends
// the write's context, once its caller's context has ended after the
// COMMIT was sent, and returns the timer that runs it.
func (s *Store) SetGraceTimerForTest(arm func(d time.Duration, f func()) *time.Timer) {
	s.graceTimer = arm
}

// NewPacedForTest is New with the write retries paced by pace, whose
// Budget is cfg.WriteRetryBudget's: a test sets the clock, the sleep and
// the jitter, so that how many times a write that keeps losing is tried
// does not depend on how fast the machine runs it.
func NewPacedForTest(ctx context.Context, cfg Config, pace backoff.Policy) (*Store, error) {
	return newStore(ctx, cfg, nil, pace)
}

// NewCountingForTest is New with every statement and transaction the
// Store sends recorded in the log it returns.
func NewCountingForTest(ctx context.Context, cfg Config) (*Store, *StatementLog, error) {
	l := &sqlLog{}
	s, err := newStore(ctx, cfg, l, backoff.Policy{})
	return s, &StatementLog{l: l}, err
}

// SQLitePragmasForTest returns journal_mode, synchronous, busy_timeout,
// foreign_keys, query_only and secure_delete as each connection of the writer pool and
// of n reader connections (held at once, so each is its own) reports
// them.
func (s *Store) SQLitePragmasForTest(ctx context.Context, n int) (writer map[string]string, readers []map[string]string, err error) {
	read := func(c *sql.Conn) (map[string]string, error) {
		out := map[string]string{}
		for _, p := range []string{"journal_mode", "synchronous", "busy_timeout", "foreign_keys", "query_only", "secure_delete"} {
			var v string
			if err := c.QueryRowContext(ctx, "PRAGMA "+p).Scan(&v); err != nil {
				return nil, err
			}
			out[p] = v
		}
		return out, nil
	}
	wc, err := s.w.Conn(ctx)
	if err != nil {
		return nil, nil, err
	}
	defer wc.Close()
	if writer, err = read(wc); err != nil {
		return nil, nil, err
	}
	for range n {
		rc, err := s.r.Conn(ctx)
		if err != nil {
			return nil, nil, err
		}
		defer rc.Close()
		m, err := read(rc)
		if err != nil {
			return nil, nil, err
		}
		readers = append(readers, m)
	}
	return writer, readers, nil
}

// MigrationVersions returns the versions of the migrations embedded for
// s's dialect, in order.
func MigrationVersions(s *Store) []int {
	ms, err := migrations(s.d)
	if err != nil {
		panic(err)
	}
	out := make([]int, len(ms))
	for i, m := range ms {
		out[i] = m.version
	}
	return out
}

// CursorSQLForTest returns the statement and arguments of the page of a
// users' keyset walk (no residual) after the position after, for EXPLAIN.
func (s *Store) CursorSQLForTest(ctx context.Context, q store.Query, after string) (string, []any, error) {
	p, err := s.plan(ctx, true, q)
	if err != nil {
		return "", nil, err
	}
	stmt, err := p.afterSQL(userCols, ` FROM scim_users u WHERE `+p.where, after, q.Count)
	return stmt, p.a.vals, err
}

// PositionForTest returns the position of a SQL keyset walk after the row
// with sort key value key (nil when creation order alone decides) and seq.
func PositionForTest(key any, seq int64) string { return encodeSQLPosition(key, seq) }

// JSONListForTest is how a feed entry's attributes and members are
// stored.
var JSONListForTest = jsonList

// SQLiteListArgForTest is how SQLite's member statements bind a list of
// ids (dialect.listArg).
var SQLiteListArgForTest = sqliteDialect.listArg

// SQLitePairsArgForTest is how SQLite's member insert binds its ids and
// their types.
var SQLitePairsArgForTest = pairsArg

// SQLiteAppendForTest is the SQLite statement that appends a row of
// one entry or several (sqliteAppend).
var SQLiteAppendForTest = sqliteAppend

// SQLForTest returns the bridge's fixed statements by name (those of
// the dialect it was built for; an update writing every mapped column
// as "userUpdate").
func (b *Bridge) SQLForTest() map[string]string {
	out := map[string]string{
		"userInsert": b.sql.userInsert.q, "userAdopt": b.sql.userAdopt.q, "userAdoptOrInsert": b.sql.userAdoptOrInsert.q,
		"userUpdate": b.userUpdateSQL(b.userMask(nil)).plain.q, "userDelete": b.sql.userDelete.q, "userDrop": b.sql.userDrop.q,
		"membersAdd": b.memberStmt(memberAdd, 0).q, "membersRemove": b.memberStmt(memberRemove, 0).q,
		"groupAdopt": b.sql.groupAdopt.q, "groupUpdate": b.sql.groupUpdate.q, "groupDelete": b.sql.groupDelete.q, "groupDrop": b.sql.groupDrop.q,
	}
	if b.spelled != nil {
		out["userAdoptSpelled"], out["groupAdoptSpelled"] = b.spelled.userAdopt.q, b.spelled.groupAdopt.q
	}
	for k, v := range out {
		if v == "" {
			delete(out, k)
		}
	}
	return out
}

// OnChangeForTest is the bridge's function as a Config.OnChange of a
// host's own: the store then folds none of its statements, which the
// tests compare with Config.Bridge. tx is the transaction c carries. It
// refuses what Config.Bridge refuses (onChange checks the tenant), in
// the transaction rather than before it.
func (b *Bridge) OnChangeForTest(ctx context.Context, _ *sql.Tx, c Change) error {
	return b.onChange(ctx, c)
}

// SQLDeleteMembersForTest is the statement that removes the members ids
// from group gid of tenant, and its arguments.
func (s *Store) SQLDeleteMembersForTest(tenant, gid string, ids []string) (string, []any) {
	return s.sqlDeleteMembers(tenant, gid, ids)
}

// MaxDeleteMembersForTest is how many members one statement removes.
const MaxDeleteMembersForTest = maxIDParams

// RetriedForTest is how many times the store has run a write again
// because the database made it retry (Store.retry).
func (s *Store) RetriedForTest() int64 { return s.retried.Load() }

// AnalyzeTablesForTest are the tables the store analyzes as they grow:
// those whose statistics the planner's choices for a tenant depend on.
var AnalyzeTablesForTest = analyzeTables

// AnalyzeForTest waits for the analyzer's check under way, if any, then
// runs one more as a write would wake it, and returns the tables it
// analyzed and how many ANALYZEs the store has sent in all (nil and 0
// without an analyzer: SQLite, Config.NoAnalyze).
func (s *Store) AnalyzeForTest(ctx context.Context) ([]string, int, error) {
	a := s.analyzer
	if a == nil {
		return nil, 0, nil
	}
	done, err := a.check(ctx)
	a.mu.Lock()
	defer a.mu.Unlock()
	return done, a.runs, err
}

// FoldUserUpdateForTest renders what fold folds into a PostgreSQL write
// for a UserUpdated of u that changed attrs: the WITH items, and the
// UPDATE of those attributes' columns as onChange runs it.
func (b *Bridge) FoldUserUpdateForTest(tenant string, u *resources.User, attrs []string) (ctes, update string) {
	a := &args{d: b.d}
	ctes, _ = b.fold(a, &Change{Change: store.Change{Kind: store.UserUpdated, Tenant: tenant, ID: u.ID, Attributes: attrs}, UserAfter: u})
	return ctes, b.userUpdateSQL(b.userMask(attrs)).plain.q
}

// SQLGroupWithMembersForTest is GetGroup's statement: group $2 of tenant
// $1 with its members.
func (s *Store) SQLGroupWithMembersForTest() string { return s.sqlGroupWithMembers() }

// AppendFeedForTest appends changes to the feed of tenant in a write
// transaction of its own, as a write of them would.
func (s *Store) AppendFeedForTest(ctx context.Context, tenant string, changes []store.Change) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		return s.appendFeed(ctx, tx, tenant, s.stampChanges(tenant, changes), changes)
	})
}

// AppendFeedNForTest appends changes to the feed of tenant n times in one
// write transaction: what an append's statements cost without the
// commit.
func (s *Store) AppendFeedNForTest(ctx context.Context, tenant string, changes []store.Change, n int) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		for range n {
			for i := range changes {
				changes[i].Seq = 0
			}
			if err := s.appendFeed(ctx, tx, tenant, s.stampChanges(tenant, changes), changes); err != nil {
				return err
			}
		}
		return nil
	})
}

// The benchmarks' SQLite settings under measurement (BENCHMARKS.md, "The
// change feed: what it costs a write", branch sqlpage): a test binary run
// with SCIM_TEST_SQLITE_PRAGMAS set to a comma-separated list of the
// driver's pragmas, e.g. "page_size(1024),secure_delete(FAST)", opens every
// SQLite file store with them. Each replaces the store's pragma of the same
// name or, where the store sets none, runs before the store's own, so that
// page_size precedes journal_mode, which fixes a new file's page size. It
// is read once, before any test or benchmark runs, and changes nothing
// outside the test binary.
func init() {
	env := os.Getenv("SCIM_TEST_SQLITE_PRAGMAS")
	if env == "" {
		return
	}
	for _, p := range strings.Split(env, ",") {
		sqliteWriterPragmas = withPragma(sqliteWriterPragmas, strings.TrimSpace(p))
		sqliteReaderPragmas = withPragma(sqliteReaderPragmas, strings.TrimSpace(p))
	}
}

// withPragma returns list with p in the place of the pragma of its name,
// or first when list has none of that name.
func withPragma(list []string, p string) []string {
	name, _, _ := strings.Cut(p, "(")
	out := append([]string(nil), list...)
	for i, q := range out {
		if n, _, _ := strings.Cut(q, "("); n == name {
			out[i] = p
			return out
		}
	}
	return append([]string{p}, out...)
}

// PresentForTest evaluates in the store's database the SQL pr compiles
// for a value of attribute leaf (nil: one the schema does not declare)
// that the document holds as the JSON text raw, where no store write
// would leave it (a store keeps a user compacted).
func (s *Store) PresentForTest(ctx context.Context, leaf *resources.Attribute, raw string) (bool, error) {
	a := &args{d: s.d}
	c := newCompiler(s, true, a, "''")
	ph := a.add(raw)
	j := "json(" + ph + ")"
	if s.d.pg {
		j = "CAST(" + ph + " AS jsonb)"
	}
	expr, err := c.valPresent(leaf, c.jsonVal(leaf, j))
	if err != nil {
		return false, err
	}
	var held bool
	err = s.DB().QueryRowContext(ctx, "SELECT CASE WHEN "+expr+" THEN TRUE ELSE FALSE END", a.vals...).Scan(&held)
	return held, err
}

// UserAdoptForTest returns the bridge's adoption of a host user row by a
// new user named userName in tenant (on PostgreSQL with the insert that
// runs when it adopts nothing), and its bind values.
func (b *Bridge) UserAdoptForTest(tenant, userName string) (string, []any) {
	x := &binding{id: "adopt-probe", tenant: tenant, u: &resources.User{UserName: userName, Active: resources.Bool(true)}, adopt: b.adoptUser(&resources.User{UserName: userName})}
	sq := b.stmtsFor(x.adopt)
	st := &sq.userAdopt
	if b.d.pg {
		st = &sq.userAdoptOrInsert
	}
	return st.q, b.bind(st, x)
}
