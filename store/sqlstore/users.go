package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/internal/jsonscan"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/query"
)

var errNilResource = errors.New("sqlstore: nil resource")

// userCols are the columns a user is read from, in scanUser's order.
const userCols = "u.id, u.password, u.doc, u.created, u.last_modified, u.version"

// scanUser reads one row of userCols (plus extra destinations).
func (s *Store) scanUser(r scanner, extra ...any) (*resources.User, error) {
	return s.scanUserDoc(r, nil, extra...)
}

// scanUserDoc is scanUser that also keeps the stored document, as read,
// in *doc unless doc is nil (a write's feed entries compare it with the
// new one).
func (s *Store) scanUserDoc(r scanner, doc *string, extra ...any) (*resources.User, error) {
	var (
		id, password      string
		created, modified time.Time
		version           int64
	)
	d := userDoc{keep: doc}
	dest := append([]any{&id, dbText{&password}, &d, dbTime{&created}, dbTime{&modified}, &version}, extra...)
	if err := r.Scan(dest...); err != nil {
		return nil, err
	}
	if d.err != nil {
		return nil, fmt.Errorf("sqlstore: user %s: stored document: %w", id, d.err)
	}
	u := d.u
	u.ID = id
	u.Password = password
	u.Meta = resources.Meta{ResourceType: s.model.User.Name, Created: created, LastModified: modified, Version: query.FormatVersion(version)}
	return u, nil
}

// userDoc scans the doc column: it decodes the document in Scan, from
// the driver's own value, which Scan may read but not keep (on
// PostgreSQL the []byte pgx made for it: no copy for a string, and none
// back for UserFromJSON, two of the three a read made before), and keeps
// its text in *keep when keep is not nil. A document that does not
// decode is err, for the caller to word with the user's id.
type userDoc struct {
	u    *resources.User
	err  error
	keep *string
}

// Scan implements sql.Scanner.
func (d *userDoc) Scan(src any) error {
	return scanText(src, "a stored document", d)
}

// ScanBytes implements pgtype.BytesScanner: pgx (rdb.query) hands it
// the column's text in its read buffer, which it neither copies first nor
// keeps.
func (d *userDoc) ScanBytes(b []byte) error {
	if d.keep != nil {
		*d.keep = string(b)
	}
	d.u, d.err = resources.UserFromJSON(b)
	return nil
}

// userWrite is what a write of a user stores.
type userWrite struct {
	*written
	userNameKey string            // query.NameKey: uniqueness, every operator and sorting
	unique      []query.UniqueKey // the unique extension attributes' values
	display     string
	displayFold string
}

// renderUser renders what a write of u stores. u is the store's own copy
// of the user written, and it is compacted first (resources.User.Compact:
// an email without a value, an extension's "" or [] are dropped), as a
// read decodes every stored user (resources.UserFromJSON compacts): the
// document, the query document and the value rows then hold what a GET
// and the write's answer show, so that no filter or sortBy finds a value
// there that the user returned does not hold (query.Select over the users
// read back answers as the SQL does).
func (s *Store) renderUser(u *resources.User) (*userWrite, error) {
	u.Compact()
	c := *u
	c.ID, c.Meta, c.Groups, c.Password = "", resources.Meta{}, nil, ""
	w, err := s.render(s.model.User, &c)
	if err != nil {
		return nil, err
	}
	uw := &userWrite{written: w, userNameKey: s.nameKey(s.model.User, u.UserName)}
	uw.unique = query.UniqueKeys(s.uniqUser, u.Extensions)
	uw.display = u.DisplayName
	if uw.display == "" {
		uw.display = u.UserName
	}
	uw.displayFold = s.foldFor(s.model.Group, "members", "display", uw.display)
	return uw, nil
}

// nameKey is the query.NameKey of name, the unique name of rt.
func (s *Store) nameKey(rt *resources.ResourceType, name string) string {
	a := query.NameAttr(rt)
	return query.NameKey(name, a != nil && a.CaseExact)
}

// foldFor folds v unless attribute name (sub) of rt is caseExact.
func (s *Store) foldFor(rt *resources.ResourceType, name, sub, v string) string {
	a, _ := rt.Attr("", name)
	if a != nil && sub != "" {
		a = a.Sub(sub)
	}
	if a != nil && a.CaseExact {
		return v
	}
	return fold(v)
}

// sameValueRows reports whether users a and b give the same rows of
// scim_user_values, so that an update may leave them as they are (a PATCH
// of active, Entra ID's deactivation, is then one UPDATE, not an UPDATE,
// a DELETE and an INSERT). The rows are rendered from the lists of
// valueAttrs alone, unless the model leaves one out: then they are always
// written again, and a user stored before the model was narrowed loses
// the rows of what it left out.
func (s *Store) sameValueRows(a, b *resources.User) bool {
	rt := s.model.User
	return !rt.OmitsPath(filter.Path{AttrPath: filter.AttrPath{Name: "emails"}}) &&
		!rt.OmitsPath(filter.Path{AttrPath: filter.AttrPath{Name: "phoneNumbers"}}) &&
		resources.EqualMultiValues(a.Emails, b.Emails) && resources.EqualMultiValues(a.PhoneNumbers, b.PhoneNumbers)
}

// sameUniqueValues reports whether user cur, written as w, keeps its
// unique extension values, so that their rows stay as they are (always,
// for a model without unique attributes).
func (s *Store) sameUniqueValues(cur *resources.User, w *userWrite) bool {
	return sameUniqueKeys(s.uniqueKeysOf(cur), w.unique)
}

// uniqueKeysOf are the keys of user cur's unique values, none (and no
// decoding) when the model declares no unique attribute.
func (s *Store) uniqueKeysOf(cur *resources.User) []query.UniqueKey {
	if len(s.uniqUser) == 0 {
		return nil
	}
	return query.UniqueKeys(s.uniqUser, cur.Extensions)
}

// valueAttrs are the multi-valued user attributes kept as rows of
// scim_user_values.
var valueAttrs = [...]string{"emails", "phoneNumbers"}

// insertValues stores the emails and phone numbers of user id from its
// query document.
func (s *Store) insertValues(ctx context.Context, tx *sql.Tx, tenant, id string, q map[string]any) error {
	a := &args{d: s.d}
	stmt := s.valuesInsert(a, tenant, id, q)
	if stmt == "" {
		return nil
	}
	if _, err := s.wx(tx).ExecContext(s.point(ctx), stmt, a.vals...); err != nil {
		return fmt.Errorf("sqlstore: store user values: %w", err)
	}
	return nil
}

// inlineValueRows is the most scim_user_values rows valuesInsert binds a
// parameter each (five a row): 2,000, store.MultiValueLimit emails and as
// many phone numbers, take 10,002 parameters, under SQLite's 32,766 and
// PostgreSQL's 65,535. More (Config.MaxMultiValues raised) are bound as
// one JSON array (valueRowsInsert), whatever their number; that statement
// for every user cost a one-email create about 4% more on SQLite
// (BENCHMARKS.md, "SQL stores"), so the usual user keeps the statement of
// a parameter a value.
const inlineValueRows = 2 * store.MultiValueLimit

// insertValueRows begins both forms of valuesInsert's statement.
const insertValueRows = "INSERT INTO scim_user_values (tenant, user_id, attr, idx, value, display, type, is_primary) "

// valuesInsert renders the INSERT of the scim_user_values rows of user id
// from its query document, its values bound to a; "" when it has none.
func (s *Store) valuesInsert(a *args, tenant, id string, q map[string]any) string {
	n := 0
	for _, attr := range valueAttrs {
		list, _ := q[attr].([]any)
		n += len(list)
	}
	if n > inlineValueRows {
		return s.valueRowsInsert(a, tenant, id, q)
	}
	var rows []string
	var pt, pid string // bound with the first row: a has no value it does not use
	for _, attr := range valueAttrs {
		list, _ := q[attr].([]any)
		for i, el := range list {
			if pt == "" {
				pt, pid = a.add(tenant), a.add(id)
			}
			texts, prim := valueRow(el)
			rows = append(rows, "("+pt+", "+pid+", '"+attr+"', "+a.add(i)+", "+a.add(nullText(texts[0]))+", "+a.add(nullText(texts[1]))+", "+a.add(nullText(texts[2]))+", "+a.add(prim)+")")
		}
	}
	if len(rows) == 0 {
		return ""
	}
	return insertValueRows + "VALUES " + joinComma(rows)
}

// valueRowsInsert is valuesInsert for many rows: three parameters
// whatever their number, the rows one JSON array of [attr, idx, value,
// display, type, primary] (null for a string that is absent or empty, and
// for a primary that is not a boolean), which the statement unpacks
// (json_each on SQLite, json_array_elements on PostgreSQL).
func (s *Store) valueRowsInsert(a *args, tenant, id string, q map[string]any) string {
	b := []byte{'['}
	for _, attr := range valueAttrs {
		list, _ := q[attr].([]any)
		for i, el := range list {
			if len(b) > 1 {
				b = append(b, ',')
			}
			texts, prim := valueRow(el)
			b = strconv.AppendInt(append(append(append(b, `["`...), attr...), `",`...), int64(i), 10)
			for _, v := range texts {
				if v != "" {
					b = jsonscan.AppendString(append(b, ','), v)
				} else {
					b = append(b, ",null"...)
				}
			}
			switch prim {
			case nil:
				b = append(b, ",null]"...)
			case true:
				b = append(b, ",true]"...)
			default:
				b = append(b, ",false]"...)
			}
		}
	}
	pt, pid, pr := a.add(tenant), a.add(id), a.add(string(append(b, ']')))
	if s.d.pg {
		return insertValueRows + "SELECT " + pt + ", " + pid + ", r->>0, (r->>1)::integer, r->>2, r->>3, r->>4, (r->>5)::boolean FROM json_array_elements(" + pr + "::json) AS r"
	}
	return insertValueRows + "SELECT " + pt + ", " + pid + ", value ->> '$[0]', value ->> '$[1]', value ->> '$[2]', value ->> '$[3]', value ->> '$[4]', value ->> '$[5]' FROM json_each(" + pr + ")"
}

// valueRow is what a scim_user_values row keeps of el, a value of a
// multi-valued attribute, in both forms of valuesInsert's statement: its
// value, display and type (each NULL when absent or "") and its primary
// (nil, NULL, unless a boolean).
func valueRow(el any) (texts [3]string, primary any) {
	m, _ := el.(map[string]any)
	for i, k := range [...]string{"value", "display", "type"} {
		texts[i], _ = m[k].(string)
	}
	if b, ok := m["primary"].(bool); ok {
		primary = b
	}
	return texts, primary
}

func joinComma(ss []string) string {
	n := 0
	for _, s := range ss {
		n += len(s) + 2
	}
	b := make([]byte, 0, n)
	for i, s := range ss {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = append(b, s...)
	}
	return string(b)
}

// userNameTaken is the error of a write of user c (rendered as w) whose
// userName another user of the tenant holds (see conflictName for
// groups).
func userNameTaken(tenant string, c *resources.User, w *userWrite) error {
	return &nameTaken{users: true, tenant: tenant, id: c.ID, name: c.UserName, key: w.userNameKey}
}

// userInsert renders the INSERT of user c (rendered as w, created at
// now), its values bound to a. user_name_fold is written empty: nothing
// reads what it holds (a filter's userName pr asks only that the NOT
// NULL column is not NULL; every other operator and a sort read
// user_name_key), and the folded name cost its bytes on every write. The
// column stays, NOT NULL, for a process of an earlier release that runs
// beside this one, which reads it as this one does (and, at schema
// version 12, in a lookup that the key answers too).
func (s *Store) userInsert(a *args, tenant string, c *resources.User, w *userWrite, now time.Time) string {
	return `INSERT INTO scim_users (tenant, id, user_name, user_name_fold, user_name_key, external_id, display, display_fold, password, doc, q, created, last_modified, version)
			VALUES (` + a.add(tenant) + `, ` + a.add(c.ID) + `, ` + a.add(c.UserName) + `, '', ` + a.add(w.userNameKey) + `, ` + a.add(nullText(c.ExternalID)) + `, ` +
		a.add(w.display) + `, ` + a.add(w.displayFold) + `, ` + a.add(nullText(c.Password)) + `, ` + a.add(string(w.doc)) + `, ` + s.jsonbExpr(a.add(string(w.q))) + `, ` +
		a.add(s.d.timeArg(now)) + `, ` + a.add(s.d.timeArg(now)) + `, 1)`
}

// CreateUser stores a copy of u with a new id and Meta (Created and
// LastModified from the clock, Version W/"1") and returns the stored user.
// ID, Meta and Groups of u are ignored. A userName already used in the
// tenant, compared by query.NameKey (user_name_key), gives
// store.ErrConflict; the unique index decides, so concurrent creates of
// one userName give one success.
func (s *Store) CreateUser(ctx context.Context, u *resources.User) (*resources.User, error) {
	tenant, werr := s.resourceWriteTenant(ctx, u == nil, false)
	if werr != nil {
		return nil, werr
	}
	c := u.Clone()
	c.Groups = nil
	now := s.stamp()
	c.ID = newID()
	c.Meta = resources.Meta{ResourceType: s.model.User.Name, Created: now, LastModified: now, Version: query.FormatVersion(1)}
	w, err := s.renderUser(c)
	if err != nil {
		return nil, err
	}
	created := func() []store.Change {
		return []store.Change{{Kind: store.UserCreated, ID: c.ID, Version: c.Meta.Version}}
	}
	if s.d.pg && s.feed.onChange == nil {
		// One statement, its own transaction: the user, its value rows,
		// the feed's entry and the host's row (Config.Bridge, see
		// Bridge.fold) in data-modifying WITHs. Without Config.OnChange
		// nothing runs between them, and BEGIN and COMMIT were half of
		// a create's round trips.
		a := &args{d: s.d}
		ctes := []string{`w AS (` + s.userInsert(a, tenant, c, w, now) + ` RETURNING 1)`}
		if vi := s.valuesInsert(a, tenant, c.ID, w.qm); vi != "" {
			ctes = append(ctes, `v AS (`+vi+`)`)
		}
		if ui := s.uniqueInsert(a, true, tenant, c.ID, w.unique); ui != "" {
			// In the same statement: the primary key decides a race.
			ctes = append(ctes, `uq AS (`+ui+`)`)
		}
		if s.feed.on {
			changes := created()
			ctes = append(ctes, s.pgFeed(a, tenant, s.stampChanges(tenant, changes), changes, pgHeadAfterW))
		}
		var out *resources.User
		if b := s.feed.bridge; b != nil {
			// The bridge is handed the user as a read returns it, as
			// OnChange is.
			if out, err = s.stored(c, w); err != nil {
				return nil, err
			}
			if host, _ := b.fold(a, &Change{Change: store.Change{Kind: store.UserCreated, Tenant: tenant, ID: c.ID}, UserAfter: out}); host != "" {
				ctes = append(ctes, host)
			}
		}
		q := `WITH ` + joinComma(ctes) + ` SELECT FROM w`
		err = s.retry(ctx, func() error {
			sc, err := s.committing(ctx)
			if err != nil {
				return err
			}
			defer sc.end()
			return s.w.QueryRowContext(sc.context(ctx), q, a.vals...).Scan() // one row, without columns: the user's
		})
		if err != nil {
			if herr, ok := s.feed.bridge.foldErr(store.UserCreated, err); ok {
				return nil, herr
			}
			return nil, s.explainConflict(ctx, userWriteErr("create user", tenant, c, w, err))
		}
		if out != nil {
			return out, nil
		}
		return s.stored(c, w)
	}
	var after *resources.User // the user the bridge is handed
	err = s.write(ctx, func(tx *sql.Tx) error {
		// The entry afresh on each attempt: one a rolled-back attempt
		// numbered (its Seq set) would be taken for appended already.
		changes := created()
		a := &args{d: s.d}
		if err := s.execFolded(ctx, tx, tenant, changes, nil, s.userInsert(a, tenant, c, w, now), a.vals); err != nil {
			return userWriteErr("create user", tenant, c, w, err)
		}
		if err := s.insertValues(ctx, tx, tenant, c.ID, w.qm); err != nil {
			return err
		}
		if err := s.writeUnique(ctx, tx, true, tenant, c.ID, w.unique, uniqueCreate); err != nil {
			return err
		}
		subj := subject{id: c.ID}
		if s.bridging() && after == nil {
			if after, err = s.stored(c, w); err != nil {
				return err
			}
		}
		subj.userAfter = after
		return s.appendChanges(ctx, tx, tenant, changes, subj)
	})
	if err != nil {
		return nil, s.explainConflict(ctx, err)
	}
	if after != nil && s.feed.onChange == nil {
		// Config.Bridge only reads it: it is the user to return (a
		// host's OnChange may have changed its copy).
		return after, nil
	}
	return s.stored(c, w)
}

// stored returns the user as a read returns it: c with the attributes
// decoded from the document written (raw extension JSON compacted, as
// encoding/json renders it).
func (s *Store) stored(c *resources.User, w *userWrite) (*resources.User, error) {
	out, err := resources.UserFromJSON(w.doc)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: user %s: %w", c.ID, err)
	}
	out.ID, out.Password, out.Meta = c.ID, c.Password, c.Meta
	return out, nil
}

// sqlUserGroups is a column of the user row u: the JSON list of the
// [id, displayName, nested] triples of the groups u is a direct member of,
// in group creation order, read through the (tenant, member_id) index (on
// PostgreSQL through the function scim_user_groups, see migration 0006).
// nested says the group is itself a member of a group (one probe of the
// scim_members_group_member partial index): u then has indirect groups
// too, which userGroups leaves to GroupsOf, so that a user of a tenant
// without nested groups, nearly every one, costs no walk.
func (s *Store) sqlUserGroups() string {
	const nested = `EXISTS (SELECT 1 FROM scim_members p WHERE p.tenant = g.tenant AND p.member_id = g.id AND p.member_type = 'Group')`
	const from = ` FROM scim_members m JOIN scim_groups g ON g.tenant = m.tenant AND g.id = m.group_id
		WHERE m.tenant = u.tenant AND m.member_id = u.id AND m.member_type = 'User')`
	if s.d.pg {
		// The same query, in the function migration 0006 defines: opaque
		// to the planner, so that a statement carrying it is planned once.
		// A PL/pgSQL call costs its own executor run (SPI) even when it
		// finds nothing, about half the server's time of a GET
		// (pg_stat_statements: 9-12 µs against 4.6 µs with the probe), so
		// it is called only for a user with a direct membership: one
		// probe of the (tenant, member_id) index, which a generic plan
		// keeps (BENCHMARKS.md, "what a read costs on each side"). The
		// probe is a scalar subquery with LIMIT 1, not EXISTS: PostgreSQL
		// may run an EXISTS as a hashed subplan, which reads every
		// membership of the tenant into a hash table on every call, and it
		// chose that in the generic plan of a tenant with a few hundred
		// memberships (the backend's CPU a GET 62 µs, against 42 µs with
		// LIMIT 1 and 17-34 µs once an index probe pays: BENCHMARKS.md,
		// "the read path on PostgreSQL and SQLite"); a scalar subquery is
		// never hashed, and once the table is large enough it probes the
		// index as the EXISTS did.
		return `CASE WHEN (SELECT true FROM scim_members m WHERE m.tenant = u.tenant AND m.member_id = u.id AND m.member_type = 'User' LIMIT 1) THEN scim_user_groups(u.tenant, u.id) ELSE '[]' END`
	}
	return `(SELECT json_group_array(json_array(g.id, g.display_name, ` + nested + `) ORDER BY g.seq)` + from
}

// groupType is the User.groups type of a membership: "direct", or
// "indirect" when the user belongs to the group only through another.
func groupType(direct bool) string {
	if direct {
		return "direct"
	}
	return "indirect"
}

// userGroups scans the sqlUserGroups column, decoding it in Scan from
// the driver's bytes, as userDoc does the document: a user in no group
// ("[]", as most users are) costs no json.Unmarshal. When one of the
// groups is nested, groups stays nil ("not filled",
// store.UserStore.GetUser): the handler then asks GroupsOf, which walks
// the indirect memberships. A list that does not decode is err, for fill
// to word with the user's id.
type userGroups struct {
	groups []resources.GroupRef
	err    error
}

// Scan implements sql.Scanner.
func (g *userGroups) Scan(src any) error {
	return scanText(src, "a user's groups", g)
}

// ScanBytes implements pgtype.BytesScanner, as userDoc's does.
func (g *userGroups) ScanBytes(b []byte) error {
	if string(b) == "[]" {
		g.groups = []resources.GroupRef{}
		return nil
	}
	var triples [][3]any // [id, displayName, nested: true/false or 1/0]
	if g.err = json.Unmarshal(b, &triples); g.err != nil {
		return nil
	}
	groups := make([]resources.GroupRef, len(triples))
	for i, t := range triples {
		id, ok := t[0].(string)
		if !ok {
			g.err = fmt.Errorf("group id %v is not a string", t[0])
			return nil
		}
		if t[2] == true || t[2] == 1.0 {
			return nil
		}
		display, _ := t[1].(string) // displayName is NOT NULL
		groups[i] = resources.GroupRef{Value: id, Display: display, Type: "direct"}
	}
	g.groups = groups
	return nil
}

// fill puts the groups Scan read into u.
func (g *userGroups) fill(u *resources.User) error {
	if g.err != nil {
		return fmt.Errorf("sqlstore: user %s: groups: %w", u.ID, g.err)
	}
	u.Groups = g.groups
	return nil
}

// userRead returns the columns a read of users selects (from scim_users
// u) and the function that scans them: userCols, with each user's direct
// groups in the same statement unless excludeGroups.
func (s *Store) userRead(excludeGroups bool) (cols string, scan func(scanner, ...any) (*resources.User, error)) {
	if excludeGroups {
		return userCols, s.scanUser
	}
	return userCols + ", " + s.sqlUserGroups(), s.scanUserWithGroups
}

// scanUserWithGroups reads one row of userCols and the sqlUserGroups
// column.
func (s *Store) scanUserWithGroups(r scanner, extra ...any) (*resources.User, error) {
	return s.scanUserDocWithGroups(r, nil, extra...)
}

// scanUserDocWithGroups is scanUserWithGroups that also keeps the stored
// document in *doc, as scanUserDoc does.
func (s *Store) scanUserDocWithGroups(r scanner, doc *string, extra ...any) (*resources.User, error) {
	var g userGroups
	u, err := s.scanUserDoc(r, doc, append([]any{&g}, extra...)...)
	if err != nil {
		return nil, err
	}
	return u, g.fill(u)
}

// GetUser returns the user with id, or store.ErrNotFound, in one
// statement that also reads its direct groups (Type "direct", Display the
// group's displayName, Ref left for the handler; an empty slice for none),
// unless opts.ExcludeGroups (Groups nil, scim_members not read). When one
// of its groups is itself in a group, Groups is nil and the handler's
// GroupsOf adds the indirect ones (see userGroups).
func (s *Store) GetUser(ctx context.Context, id string, opts store.GetOptions) (*resources.User, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	cols, scan := s.userRead(opts.ExcludeGroups)
	var u *resources.User
	err := s.rx().queryRow(s.point(ctx), `SELECT `+cols+` FROM scim_users u WHERE u.tenant = `+s.d.ph(1)+` AND u.id = `+s.d.ph(2), []any{store.Tenant(ctx), id}, func(row scanner) error {
		var err error
		u, err = scan(row)
		return err
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("user", id)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: get user: %w", err)
	}
	return u, nil
}

// lockRow renders the row lock a read-modify-write takes on PostgreSQL
// (SQLite's BEGIN IMMEDIATE has locked the database already). NO KEY
// UPDATE does not conflict with the KEY SHARE locks that membership
// changes take on their members.
func (s *Store) lockRow() string {
	if s.d.pg {
		return " FOR NO KEY UPDATE"
	}
	return ""
}

// ReplaceUser replaces the user u.ID if its version is ifVersion ("" means
// any; W/"3", "3" and 3 all name version 3), else
// store.ErrPreconditionFailed. It keeps Meta.Created, sets LastModified and
// the next Version, ignores u.Groups, and returns the stored user, all in
// one transaction holding the user's row lock. store.ErrNotFound when
// missing, store.ErrConflict when another user of the tenant has the
// userName.
func (s *Store) ReplaceUser(ctx context.Context, u *resources.User, ifVersion string) (*resources.User, error) {
	tenant, werr := s.resourceWriteTenant(ctx, u == nil, false)
	if werr != nil {
		return nil, werr
	}
	c := u.Clone()
	c.Groups = nil
	now := s.stamp()
	w, err := s.renderUser(c)
	if err != nil {
		return nil, err
	}
	err = s.write(ctx, func(tx *sql.Tx) error {
		var (
			version             int64
			created             time.Time
			beforeDoc, beforePw string
			stored              storedNames
		)
		cols, dest := `version, created, user_name, external_id`, []any{&version, dbTime{&created}, dbText{&stored.name}, dbText{&stored.externalID}}
		if s.tracking() {
			cols, dest = cols+`, doc, password`, append(dest, dbText{&beforeDoc}, dbText{&beforePw})
		}
		err := s.wx(tx).QueryRowContext(s.point(ctx), `SELECT `+cols+` FROM scim_users WHERE tenant = `+s.d.ph(1)+` AND id = `+s.d.ph(2)+s.lockRow(), tenant, c.ID).
			Scan(dest...)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("user", c.ID)
		}
		if err != nil {
			return fmt.Errorf("sqlstore: replace user: %w", err)
		}
		if err := checkVersion("user", c.ID, ifVersion, version); err != nil {
			return err
		}
		c.Meta = resources.Meta{ResourceType: s.model.User.Name, Created: created, LastModified: now, Version: query.FormatVersion(version + 1)}
		changes, subj, err := s.userChanges(c, w, nil, beforeDoc, beforePw, store.SecretsSentOf(ctx))
		if err != nil {
			return err
		}
		if err := s.updateUser(ctx, tx, tenant, c, w, version+1, now, changes, &subj, stored, false, false); err != nil {
			return err
		}
		return s.appendChanges(ctx, tx, tenant, changes, subj)
	})
	if err != nil {
		return nil, s.explainConflict(ctx, err)
	}
	return s.stored(c, w)
}

// updateUser writes user c (rendered as w) over its row at version, with
// its emails and phone numbers unless valuesKept (sameValueRows), in tx.
// The UPDATE carries the feed's append of changes where foldWrite folds
// it, and Config.Bridge's update of the host's row (subj: the user
// before and after) where it folds (execFolded).
func (s *Store) updateUser(ctx context.Context, tx *sql.Tx, tenant string, c *resources.User, w *userWrite, version int64, now time.Time, changes []store.Change, subj *subject, stored storedNames, valuesKept, uniqueKept bool) error {
	a := &args{d: s.d}
	if err := s.execFolded(ctx, tx, tenant, changes, subj, s.userUpdate(a, tenant, c, w, version, now, stored), a.vals); err != nil {
		return userWriteErr("replace user", tenant, c, w, err)
	}
	if !uniqueKept {
		if err := s.writeUnique(ctx, tx, true, tenant, c.ID, w.unique, uniqueReplace); err != nil {
			return err
		}
	}
	if valuesKept {
		return nil
	}
	if _, err := s.wx(tx).ExecContext(s.point(ctx), `DELETE FROM scim_user_values WHERE tenant = `+s.d.boundPh(1)+` AND user_id = `+s.d.boundPh(2), tenant, c.ID); err != nil {
		return fmt.Errorf("sqlstore: replace user: %w", err)
	}
	if err := s.insertValues(ctx, tx, tenant, c.ID, w.qm); err != nil {
		return err
	}
	return nil
}

// userUpdate renders the UPDATE that writes user c (rendered as w) at
// version over the row whose names were stored (storedNames.sets), bound
// to a.
func (s *Store) userUpdate(a *args, tenant string, c *resources.User, w *userWrite, version int64, now time.Time, stored storedNames) string {
	q := `UPDATE scim_users SET ` + stored.sets(a, "user_name", c.UserName, "", w.userNameKey, c.ExternalID) // user_name_fold empty, as userInsert writes it
	return q + `display = ` + a.add(w.display) + `, display_fold = ` + a.add(w.displayFold) +
		`, password = ` + a.add(nullText(c.Password)) + `, doc = ` + a.add(string(w.doc)) + `, q = ` + s.jsonbExpr(a.add(string(w.q))) +
		`, last_modified = ` + a.add(s.d.timeArg(now)) + `, version = ` + a.add(version) +
		` WHERE tenant = ` + a.add(tenant) + ` AND id = ` + a.add(c.ID)
}

// userWriteErr is writeErr for a write of user c (rendered as w): a
// unique violation of scim_user_unique (PostgreSQL's create writes it in
// the user's statement) is a uniqueTaken.
func userWriteErr(what, tenant string, c *resources.User, w *userWrite, err error) error {
	if len(w.unique) > 0 && uniqueViolation(err, true) {
		nt, _ := userNameTaken(tenant, c, w).(*nameTaken)
		return &uniqueTaken{users: true, tenant: tenant, id: c.ID, keys: w.unique, name: nt}
	}
	return writeErr(what, err, func() error { return userNameTaken(tenant, c, w) })
}

// writeErr is the error of a user's or group's write statement (what:
// "create group", ...) that failed with err: taken's when another of the
// tenant holds the name (a unique violation), the host's refusal as it
// came (Config.Bridge's statements folded in, Bridge.foldErr), else err
// wrapped.
func writeErr(what string, err error, taken func() error) error {
	switch {
	case isUniqueViolation(err):
		return taken()
	case errors.Is(err, store.ErrConflict):
		return err
	}
	return fmt.Errorf("sqlstore: %s: %w", what, err)
}

// UpdateUser runs a read-modify-write of user id in one transaction (see
// store.UserUpdater): it reads the user and its groups holding the row's
// lock (PostgreSQL: FOR NO KEY UPDATE; SQLite: the transaction's BEGIN
// IMMEDIATE), checks ifVersion, calls change and writes what it returns,
// as ReplaceUser does. A nil next writes nothing and returns the stored
// user. change runs again when the database makes the transaction retry
// (deadlock, serialization failure). The user returned carries its groups
// as GetUser reads them.
//
// On PostgreSQL without Config.OnChange, a write that leaves the user's
// value rows as they are (a PATCH of active, the deactivation every
// provider sends) goes without BEGIN and COMMIT: a read, then one UPDATE
// on the condition that the row is still at the version read, which
// carries the feed's entry and the bridge's columns (updateUserAt). Two
// round trips where the transaction took four. When another write got
// there first, it reads and tries again, and after a few times, or for
// a write the statement cannot carry, it takes the row's lock as above.
func (s *Store) UpdateUser(ctx context.Context, id, ifVersion string, change func(cur *resources.User) (*resources.User, error)) (*resources.User, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	tenant, werr := s.writeTenant(ctx, false)
	if werr != nil {
		return nil, werr
	}
	if s.d.pg && s.feed.onChange == nil {
		for range 3 {
			out, how, err := s.updateUserAt(ctx, tenant, id, ifVersion, change)
			if how == updateDone {
				if err != nil {
					return nil, s.explainConflict(ctx, err)
				}
				return out, nil
			}
			if how == updateNeedsLock {
				break
			}
		}
	}
	var out *resources.User
	err := s.write(ctx, func(tx *sql.Tx) error {
		cur, curDoc, err := s.userToUpdate(ctx, s.wx(tx), tenant, id, s.lockRow())
		if err != nil {
			return err
		}
		e, err := s.editUser(ctx, cur, curDoc, ifVersion, change)
		if err != nil || e == nil {
			out = cur
			return err
		}
		c, w := e.c, e.w
		if err := s.updateUser(ctx, tx, tenant, c, w, e.version, e.now, e.changes, &e.subj, storedNames{cur.UserName, cur.ExternalID}, s.sameValueRows(cur, c), s.sameUniqueValues(cur, w)); err != nil {
			return err
		}
		if out, err = s.stored(c, w); err != nil {
			return err
		}
		out.Groups = cur.Groups
		return s.appendChanges(ctx, tx, tenant, e.changes, e.subj)
	})
	if err != nil {
		return nil, s.explainConflict(ctx, err)
	}
	return out, nil
}

// userToUpdate reads user id of tenant for UpdateUser through q: the
// user with its groups, and its stored document (which its feed entries
// diff), with the row lock lock (lockRow, or "").
func (s *Store) userToUpdate(ctx context.Context, q rowQuerier, tenant, id, lock string) (*resources.User, string, error) {
	var doc string
	cur, err := s.scanUserDocWithGroups(q.QueryRowContext(s.point(ctx), `SELECT `+userCols+`, `+s.sqlUserGroups()+
		` FROM scim_users u WHERE u.tenant = `+s.d.ph(1)+` AND u.id = `+s.d.ph(2)+lock, tenant, id), &doc)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", notFound("user", id)
	}
	if err != nil {
		return nil, "", fmt.Errorf("sqlstore: update user: %w", err)
	}
	return cur, doc, nil
}

// userEdit is the write UpdateUser makes of a user read from its row.
type userEdit struct {
	c       *resources.User // the user to write, its Meta at the new version
	w       *userWrite      // c rendered
	version int64           // the new version
	now     time.Time
	changes []store.Change // its feed entries
	subj    subject        // what Config.OnChange and Config.Bridge are told
}

// editUser checks ifVersion against cur (read with its document curDoc)
// and works out what UpdateUser writes of what change returns: nil, and
// no error, when change returns nil (nothing to write). ctx is the
// write's, whose store.SecretsSent change has filled once it returns.
func (s *Store) editUser(ctx context.Context, cur *resources.User, curDoc, ifVersion string, change func(cur *resources.User) (*resources.User, error)) (*userEdit, error) {
	version := storedVersion(cur.Meta.Version)
	if err := checkVersion("user", cur.ID, ifVersion, version); err != nil {
		return nil, err
	}
	in := cur.Clone()
	in.Groups = nil
	next, err := change(in)
	if err != nil || next == nil {
		return nil, err
	}
	e := &userEdit{c: next.Clone(), version: version + 1, now: s.stamp()}
	e.c.ID, e.c.Groups = cur.ID, nil
	if e.w, err = s.renderUser(e.c); err != nil {
		return nil, err
	}
	e.c.Meta = resources.Meta{ResourceType: s.model.User.Name, Created: cur.Meta.Created, LastModified: e.now, Version: query.FormatVersion(e.version)}
	before := cur.Clone()
	before.Groups = nil
	e.changes, e.subj, err = s.userChanges(e.c, e.w, before, curDoc, cur.Password, store.SecretsSentOf(ctx))
	return e, err
}

// How updateUserAt ended.
const (
	updateDone      = iota // the write, or its error, is the answer
	updateRaced            // another write changed the row after the read
	updateNeedsLock        // the write needs the locked transaction
)

// updateUserAt is UpdateUser's read and conditional UPDATE (see there),
// on PostgreSQL without Config.OnChange. The read takes no lock and no
// transaction; the UPDATE, its own transaction, writes only if the row
// is still at the version read (otherwise it writes nothing, and the
// feed's append and the bridge's statements in it, which read its row,
// nothing either), so what change saw is what it changed. A write that
// would rewrite the value rows (emails, phone numbers), or whose bridge
// work cannot ride in the statement, asks for the lock.
func (s *Store) updateUserAt(ctx context.Context, tenant, id, ifVersion string, change func(cur *resources.User) (*resources.User, error)) (*resources.User, int, error) {
	cur, curDoc, err := s.userToUpdate(ctx, s.w, tenant, id, "")
	if err != nil {
		return nil, updateDone, err
	}
	e, err := s.editUser(ctx, cur, curDoc, ifVersion, change)
	if err != nil || e == nil {
		return cur, updateDone, err
	}
	c, w, changes, subj := e.c, e.w, e.changes, e.subj
	if !s.sameValueRows(cur, c) {
		return nil, updateNeedsLock, nil
	}
	a := &args{d: s.d}
	// The row is the one read while it stays at the version read.
	q := s.userUpdate(a, tenant, c, w, e.version, e.now, storedNames{cur.UserName, cur.ExternalID}) + ` AND version = ` + a.add(e.version-1)
	var host func(a *args) (string, bool)
	if s.folding() {
		host = func(a *args) (string, bool) { return s.feed.bridge.foldChanges(a, tenant, changes, subj) }
	}
	fq, fv, bridged, folded := s.foldWrite(tenant, changes, q, a.vals, "version", host, "")
	if s.feed.bridge != nil && len(changes) > 0 && !bridged {
		return nil, updateNeedsLock, nil // the bridge's function runs in a transaction
	}
	if old := s.uniqueKeysOf(cur); !sameUniqueKeys(old, w.unique) {
		// The unique values' rows ride in the UPDATE's statement, written
		// only when it writes (the rows are those of the version read).
		base := a.vals
		if folded {
			base = fv
		}
		ua := &args{d: s.d, vals: append([]any(nil), base...)}
		if diff := s.uniqueDiff(ua, tenant, c.ID, old, w.unique); diff != "" {
			if folded {
				fq = foldWith(fq, diff)
			} else {
				fq = `WITH w AS (` + q + ` RETURNING version), ` + diff + ` SELECT w.version FROM w`
			}
			fv, folded = ua.vals, true
		}
	}
	raced := false
	sc, err := s.committing(ctx)
	if err != nil {
		return nil, updateDone, err
	}
	defer sc.end()
	cctx := sc.context(ctx)
	if folded {
		var v int64
		err = s.w.QueryRowContext(cctx, fq, fv...).Scan(&v)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			raced, err = true, nil
		case err == nil && s.feed.on:
			pending(changes)
		case err != nil && bridged:
			if herr, ok := s.feed.bridge.foldErr(changes[0].Kind, err); ok {
				err = herr
			}
		}
	} else {
		var res sql.Result
		if res, err = s.w.ExecContext(cctx, q, a.vals...); err == nil {
			var n int64
			n, err = res.RowsAffected()
			raced = err == nil && n == 0
		}
	}
	switch {
	case err != nil && isRetryable(err):
		return nil, updateRaced, nil
	case err != nil:
		return nil, updateDone, userWriteErr("replace user", tenant, c, w, err)
	case raced:
		return nil, updateRaced, nil
	}
	out, err := s.stored(c, w)
	if err != nil {
		return nil, updateDone, err
	}
	out.Groups = cur.Groups
	return out, updateDone, nil
}

// userChanges returns the feed entries of a write of user c (at its new
// version, rendered as w) whose stored document and password were
// beforeDoc and beforePw, the secrets its request sent
// (store.SecretsSentOf) listed as changed, and what Config.OnChange is
// told of it. before
// is the user before the write, or nil to decode it from beforeDoc when
// Config.OnChange needs it. They are worked out before the write, so that
// its statement can carry the feed's append (foldWrite).
func (s *Store) userChanges(c *resources.User, w *userWrite, before *resources.User, beforeDoc, beforePw string, secrets []string) ([]store.Change, subject, error) {
	if !s.tracking() {
		return nil, subject{}, nil
	}
	changes, err := query.UserChanges(c.ID, c.Meta.Version, []byte(beforeDoc), w.doc, beforePw != c.Password, secrets...)
	if err != nil {
		return nil, subject{}, fmt.Errorf("sqlstore: user %s: %w", c.ID, err)
	}
	subj := subject{id: c.ID, userBefore: before}
	if s.bridging() && len(changes) > 0 {
		if subj.userBefore == nil {
			if subj.userBefore, err = resources.UserFromJSON([]byte(beforeDoc)); err != nil {
				return nil, subject{}, fmt.Errorf("sqlstore: user %s: stored document: %w", c.ID, err)
			}
			subj.userBefore.ID, subj.userBefore.Password = c.ID, beforePw
		}
		if subj.userAfter, err = s.stored(c, w); err != nil {
			return nil, subject{}, err
		}
	}
	return changes, subj, nil
}

// storedVersion is the version number of a Meta.Version the store wrote.
func storedVersion(v string) int64 {
	n, _ := query.ParseVersion(v)
	return int64(n)
}

// DeleteUser removes the user and, in the same transaction, its group
// memberships; each group it left gets a new version. store.ErrNotFound
// when missing.
func (s *Store) DeleteUser(ctx context.Context, id, ifVersion string) error {
	// The user's row goes first: a concurrent membership change that wants
	// the user waits for this transaction, then finds it gone.
	return s.deleteResource(ctx, "scim_users", "user", id, ifVersion)
}

// deleteResource deletes the row id of table (scim_users or scim_groups;
// kind, "user" or "group", names it in errors) if it is at ifVersion ("":
// any), then, in the same transaction, its memberships (dropMember).
// store.ErrNotFound when missing, store.ErrPreconditionFailed when at
// another version. The version is checked by the DELETE itself, so a
// concurrent write between a reader's check and the delete cannot slip in.
func (s *Store) deleteResource(ctx context.Context, table, kind, id, ifVersion string) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	tenant, werr := s.writeTenant(ctx, kind == "group")
	if werr != nil {
		return werr
	}
	now := s.stamp()
	// Config.Bridge's work for a deletion needs only the id (Bridge's
	// deleted, foldDelete): without Config.OnChange, which is handed the
	// resource and every entry, it is done directly, folded into the
	// DELETE on PostgreSQL, and the entries are worked out for the feed
	// only, the deleted resource read back for none.
	direct := s.feed.bridge != nil && s.feed.onChange == nil
	// The entries are also worked out for a store.Report ctx asks for;
	// not for Config.Bridge (tracks would), whose deletion needs the id
	// alone.
	track := s.feed.on || s.feed.onChange != nil || store.ReportOf(ctx) != nil
	return s.writeReported(ctx, func(tx *sql.Tx) ([]store.Change, error) {
		changes := []store.Change{{Kind: store.UserDeleted, ID: id}}
		if kind == "group" {
			changes[0].Kind = store.GroupDeleted
			if err := s.lockGroupDelete(ctx, tx, tenant, id); err != nil {
				return nil, err
			}
			if track {
				own, err := s.ownMembers(ctx, tx, tenant, id)
				if err != nil {
					return nil, err
				}
				changes = append(changes, query.MemberChanges(id, "", own, nil)...)
			}
		}
		q, vals := `DELETE FROM `+table+` WHERE tenant = `+s.d.ph(1)+` AND id = `+s.d.ph(2), []any{tenant, id}
		if ifVersion != "" {
			n, ok := query.ParseVersion(ifVersion)
			if !ok || n > math.MaxInt64 {
				n = math.MaxInt64 // names no version a row can have
			}
			q += ` AND version = ` + s.d.ph(3)
			vals = append(vals, int64(n))
		}
		subj := subject{id: id}
		var host string
		if direct && s.d.pg {
			a := &args{d: s.d, vals: vals}
			host, vals = s.feed.bridge.foldDelete(a, changes[0].Kind, tenant, id), a.vals
		}
		n, err := s.deleteRow(ctx, tx, kind, q, vals, host, &subj)
		if err != nil {
			if herr, ok := s.feed.bridge.foldErr(changes[0].Kind, err); host != "" && ok {
				return nil, herr
			}
			return nil, fmt.Errorf("sqlstore: delete %s: %w", kind, err)
		}
		if n == 0 {
			if ifVersion == "" {
				return nil, notFound(kind, id)
			}
			var have int64
			err := s.wx(tx).QueryRowContext(ctx, `SELECT version FROM `+table+` WHERE tenant = `+s.d.ph(1)+` AND id = `+s.d.ph(2), tenant, id).Scan(&have)
			if errors.Is(err, sql.ErrNoRows) {
				return nil, notFound(kind, id)
			} else if err != nil {
				return nil, fmt.Errorf("sqlstore: delete %s: %w", kind, err)
			}
			return nil, checkVersion(kind, id, ifVersion, have)
		}
		dropped, err := s.dropMember(ctx, tx, tenant, id, now, track, kind == "group")
		if err != nil {
			return nil, err
		}
		if direct {
			if !s.d.pg {
				if err := s.feed.bridge.deleted(ctx, s.wx(tx), changes[0].Kind, tenant, id); err != nil {
					return nil, err
				}
			}
			subj.bridged = true
		}
		if !track {
			return nil, nil
		}
		done := append(changes, dropped...)
		return done, s.appendChanges(ctx, tx, tenant, done, subj)
	})
}

// deleteRow runs the DELETE q of a user or group (kind) and returns how
// many rows it deleted. With Config.OnChange set it reads the deleted
// row back (RETURNING) into subj; else, when host is not "", it runs
// host's WITH items after q's (Bridge.foldDelete) in the same statement.
func (s *Store) deleteRow(ctx context.Context, tx *sql.Tx, kind, q string, args []any, host string, subj *subject) (int64, error) {
	if s.feed.onChange == nil {
		if host != "" {
			var n int64
			err := s.wx(tx).QueryRowContext(ctx, `WITH w AS (`+q+` RETURNING 1), `+host+` SELECT count(*) FROM w`, args...).Scan(&n)
			return n, err
		}
		res, err := s.wx(tx).ExecContext(ctx, q, args...)
		if err != nil {
			return 0, err
		}
		return res.RowsAffected()
	}
	var err error
	if kind == "user" {
		subj.userBefore, err = s.scanUser(s.wx(tx).QueryRowContext(ctx, q+` RETURNING id, password, doc, created, last_modified, version`, args...))
	} else {
		subj.groupBefore, err = s.scanGroup(s.wx(tx).QueryRowContext(ctx, q+` RETURNING id, doc, created, last_modified, version`, args...))
	}
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return 1, nil
}

// lockGroupDelete locks, on PostgreSQL, group gid together with the
// groups it is a member of, in id order in one statement (the lock
// order, groups.go), before its delete reads its members, deletes its
// row and bumps those groups (dropMember): the group's row first, then
// the others, as a user's delete does, deadlocked with a user's delete
// that took one of those groups before the group itself (a user in a
// group and in a group that group is in). All are locked FOR UPDATE, as
// the DELETE locks the group's own row: a statement locks all its rows
// in one mode, and the others would otherwise be locked in a weaker one
// to be raised later, out of order. What that costs them: a write that
// adds one of them as a member waits for the delete, as their own writes
// do anyway. A group that joins another between the statement's read
// and its lock has that group locked by dropMember, after the others and
// without waiting.
func (s *Store) lockGroupDelete(ctx context.Context, tx *sql.Tx, tenant, gid string) error {
	if !s.d.pg {
		return nil
	}
	_, err := s.wx(tx).ExecContext(ctx, `SELECT 1 FROM scim_groups WHERE tenant = $1 AND id IN (
		SELECT group_id FROM scim_members WHERE tenant = $1 AND member_id = $2 AND member_type = 'Group' UNION ALL SELECT $2::text)
		ORDER BY id FOR UPDATE`, tenant, gid)
	if err != nil {
		return fmt.Errorf("sqlstore: delete group: %w", err)
	}
	return nil
}

// ownMembers returns the member ids of group gid in the order they were
// added, for the entry of its deletion. The group's row is locked
// (lockGroupDelete on PostgreSQL; SQLite writes one transaction at a
// time), so no membership change of the group slips in between the read
// and the delete.
func (s *Store) ownMembers(ctx context.Context, tx *sql.Tx, tenant, gid string) ([]string, error) {
	rows, err := s.wx(tx).QueryContext(ctx, `SELECT member_id FROM scim_members WHERE tenant = `+s.d.boundPh(1)+` AND group_id = `+s.d.groupPh(2)+` ORDER BY seq`, tenant, gid)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: delete group: %w", err)
	}
	return scanIDs(rows)
}

// scanIDs reads a column of ids and closes rows.
func scanIDs(rows *sql.Rows) ([]string, error) { return scanColumn[string](rows) }

// scanColumn reads rows' one column and closes rows.
func scanColumn[T any](rows *sql.Rows) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		var v T
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// dropMember removes id from every group of the tenant it is a direct
// member of, giving each a new version. With track (the entries are
// needed: the feed, Config.OnChange, a store.Report) it returns a
// MembersRemoved entry for each of those groups, by group id.
//
// Its statements find the memberships along (tenant, member_id) and the
// groups by key. That holds on PostgreSQL statistics taken when the
// tenant had one group only because migration 0007 keeps the planner
// from estimating the tenant at one row: no form of the statement did
// (TestWritePlansWithStaleStatistics; the forms tried are in
// BENCHMARKS.md).
//
// A group's (group) has its groups locked already (lockGroupDelete),
// but a group that took it as a member after that statement's snapshot
// and before it had the group's lock is not among them: it is locked here
// out of the lock order, so without waiting (NOWAIT): the delete runs
// again when another write holds it (the NOWAIT of a replace's members).
// A user's delete has no such group: a member change that adds the user
// waits for the user's DELETE.
func (s *Store) dropMember(ctx context.Context, tx *sql.Tx, tenant, id string, now time.Time, track, group bool) ([]store.Change, error) {
	p1, p2, p3 := s.d.boundPh(1), s.d.boundPh(2), s.d.ph(3)
	// The groups' rows are locked before the memberships are deleted, and
	// on PostgreSQL in id order: two deletes of members of the same
	// groups (a provider deprovisioning people in parallel, all in "All
	// staff") took them in whatever order the UPDATE met them and
	// deadlocked, each deadlock broken only after deadlock_timeout (1 s),
	// sometimes four times in a row (BENCHMARKS.md). This is step 2 of
	// the lock order (groups.go); a group's delete has locked them with
	// the group already (lockGroupDelete). They are locked by a statement
	// of their own, before the UPDATE: locked in the UPDATE's subquery,
	// a group another write changed while the subquery waited for it was
	// met again by the UPDATE in the version its snapshot saw, and the
	// UPDATE waited in that version's queue behind a write waiting for
	// this delete (a deadlock with a member change of the group).
	groups := `SELECT group_id FROM scim_members WHERE tenant = ` + p1 + ` AND member_id = ` + p2
	if s.d.pg {
		lock := `SELECT 1 FROM scim_groups WHERE tenant = $1 AND id IN (` + groups + `) ORDER BY id FOR NO KEY UPDATE`
		if group {
			lock += ` NOWAIT`
		}
		if _, err := s.wx(tx).ExecContext(ctx, lock, tenant, id); err != nil {
			return nil, fmt.Errorf("sqlstore: drop memberships: %w", err)
		}
	}
	bump := `UPDATE scim_groups SET version = version + 1, last_modified = ` + p3 +
		` WHERE tenant = ` + p1 + ` AND id IN (` + groups + `)`
	drop := `DELETE FROM scim_members WHERE tenant = ` + p1 + ` AND member_id = ` + p2
	if !track {
		if _, err := s.wx(tx).ExecContext(ctx, bump, tenant, id, s.d.timeArg(now)); err != nil {
			return nil, fmt.Errorf("sqlstore: drop memberships: %w", err)
		}
		if _, err := s.wx(tx).ExecContext(ctx, drop, tenant, id); err != nil {
			return nil, fmt.Errorf("sqlstore: drop memberships: %w", err)
		}
		return nil, nil
	}
	rows, err := s.wx(tx).QueryContext(ctx, bump+` RETURNING id, version`, tenant, id, s.d.timeArg(now))
	if err != nil {
		return nil, fmt.Errorf("sqlstore: drop memberships: %w", err)
	}
	versions := map[string]int64{}
	for rows.Next() {
		var gid string
		var v int64
		if err := rows.Scan(&gid, &v); err != nil {
			rows.Close()
			return nil, fmt.Errorf("sqlstore: drop memberships: %w", err)
		}
		versions[gid] = v
	}
	if err := rows.Close(); err != nil {
		return nil, fmt.Errorf("sqlstore: drop memberships: %w", err)
	}
	rows, err = s.wx(tx).QueryContext(ctx, drop+` RETURNING group_id`, tenant, id)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: drop memberships: %w", err)
	}
	gids, err := scanIDs(rows)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: drop memberships: %w", err)
	}
	// The entries name the memberships really deleted.
	slices.Sort(gids)
	out := make([]store.Change, 0, len(gids))
	for _, gid := range gids {
		out = append(out, store.Change{Kind: store.MembersRemoved, ID: gid, Version: query.FormatVersion(uint64(versions[gid])), Members: []string{id}})
	}
	return out, nil
}
