package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5/pgconn"
	"golang.org/x/text/unicode/norm"
	"modernc.org/sqlite"

	"github.com/scimkit/scim/internal/names"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
)

// HostTables describes a host application's own users, groups (teams)
// and membership tables, so that Bridge can keep them in step with the
// SCIM tables, inside each SCIM write's transaction, without hand-written
// SQL: set Config.Bridge to the returned Bridge.
//
// Table and column names are the host's configuration, not client input;
// they are still checked (letters, digits and _ only, a table optionally
// schema-qualified as schema.table) and quoted, so a name that is a
// reserved word ("user", "order") works. Quoted names are case-sensitive
// on PostgreSQL: write them as the database stores them (lower case for
// names created unquoted).
//
// Tenants: a mapping whose Users (or Groups) table has no Tenant column
// is a single-tenant host's. Its statements could not tell one tenant's
// rows from another's (a provider's create would adopt another tenant's
// account by its address), so a write of users (or groups) in any tenant
// but the default ("", store.Tenant) is refused with an error naming the
// missing column, before anything is written, and so is UnmanagedUsers
// for such a tenant. A multi-tenant host sets Tenant on Users and on
// Groups (Members' is optional: its rows are found through them). A
// Tenant on some tables and not others (Users without Groups, Groups or
// Members without Users) would keep one table apart by tenant and share
// the other across them: Bridge refuses it, naming the field to set.
// A unique constraint of the host's tables should include its Tenant
// column: a write that breaks one is a 409 (see Bridge), so a constraint
// across tenants refuses one tenant's user for a value another tenant's
// account holds, and tells the first tenant that the value is taken.
type HostTables struct {
	// Users is the host's users table (required).
	Users UserTable
	// Groups is the host's groups or teams table; nil when the host keeps
	// no groups (SCIM groups are then kept by scimkit only).
	Groups *GroupTable
	// Members is the host's membership join table (users in groups);
	// it needs Groups. Only users are members in it: a group that is a
	// member of another group (a nested group) is skipped.
	Members *MemberTable
}

// UserTable maps SCIM users to the host's users table.
type UserTable struct {
	// Table is the table's name (required).
	Table string
	// ID is the column that holds the SCIM id of a row (required), a
	// text column (TEXT, VARCHAR; not uuid, which the bridge's SQL does
	// not cast to). It must allow NULL when the table has accounts SCIM
	// does not manage: those rows have no SCIM id, and the bridge never
	// touches them except to adopt one (Adopt).
	ID string
	// Key is the table's own primary key column (e.g. an integer "id"),
	// needed when Members.HostKeys is set or Adopt is used.
	Key string
	// Tenant, when set, is the text column that holds the SCIM tenant
	// (store.Tenant): rows are written with the tenant of the change and
	// only rows of that tenant are read or changed. Leave it empty for a
	// single-tenant host: writes of users in any tenant but the default
	// ("") are then refused (see HostTables). Groups and Members take a
	// Tenant column with it or not at all: Groups must have one when
	// this is set, and neither may when it is not.
	Tenant string
	// Columns maps SCIM attribute paths to columns; each mapped column
	// is written from the user on every create and update. The paths
	// are single-valued: userName, externalId, displayName, nickName,
	// title, userType, locale, timezone, preferredLanguage, profileUrl,
	// name.givenName, name.familyName, name.middleName, name.formatted,
	// emails (the primary email's value, else the first one's; also
	// written emails[primary].value), phoneNumbers (likewise), active
	// (a boolean column, or an integer 0/1 one with IntFlags), and the
	// enterprise extension's employeeNumber, costCenter, organization,
	// division and department (written with or without the extension's
	// URN prefix). Paths are case-insensitive. An empty value is written
	// as NULL.
	Columns map[string]string
	// SoftDelete, when set, is a boolean (or IntFlags) column set on a
	// user's deletion instead of deleting the row: the row is also made
	// inactive (when active is mapped), its memberships are deleted and
	// its SCIM id is cleared, so the account is the host's again, kept
	// for its history, listed by neither UnmanagedUsers nor SCIM, and
	// never adopted: a later user with the same address may be another
	// person (addresses are reused), who must not inherit the old
	// account. Created rows get false. A unique constraint on the
	// adoption column should then hold for the rows not flagged only (a
	// partial unique index), so that a deleted user's address can be
	// given again.
	SoftDelete string
	// IntFlags says the active and SoftDelete columns are integers (1 is
	// true, 0 false) rather than booleans.
	IntFlags bool
	// Adopt, when set, links an existing host account instead of
	// inserting a second one when SCIM creates a user: see Match.
	Adopt *Match
}

// GroupTable maps SCIM groups to the host's groups (teams) table.
type GroupTable struct {
	// Table is the table's name (required).
	Table string
	// ID is the column that holds the SCIM id (required; NULL for teams
	// SCIM does not manage).
	ID string
	// Key is the table's own primary key column, needed when
	// Members.HostKeys is set or Adopt is used.
	Key string
	// Tenant is the tenant column, as in UserTable: set exactly when
	// Users.Tenant is. Without it, writes of groups in any tenant but the
	// default ("") are refused.
	Tenant string
	// Columns maps displayName and externalId to columns.
	Columns map[string]string
	// Adopt, when set, links an existing team with a matching name
	// (e.g. {Column: "name", Attribute: "displayName"}) instead of
	// inserting a second one.
	Adopt *Match
}

// MemberTable maps SCIM group memberships to the host's join table.
type MemberTable struct {
	// Table is the table's name (required).
	Table string
	// Group and User are the columns that name the group and the user
	// of a row (required).
	Group, User string
	// Tenant is the tenant column, as in UserTable; optional when
	// Users.Tenant is set, refused when it is not.
	Tenant string
	// HostKeys says Group and User hold the host's own keys
	// (GroupTable.Key, UserTable.Key, e.g. integer ids) rather than
	// SCIM ids: the bridge then finds them through the ID columns.
	HostKeys bool
}

// Match is the rule by which a SCIM create adopts a host row that SCIM
// does not manage yet (its ID column is NULL, and it is not flagged
// deleted, see UserTable.SoftDelete) instead of inserting a new one: the
// first such row of the tenant, by Key, whose Column equals the new
// resource's Attribute case-insensitively and in either Unicode form.
// The database's lower() of Column is compared with lower() of each of
// up to 16 spellings of the value (one for an ASCII value: the value
// itself, one probe of the index below): the value in NFC and in NFD (so a row
// holding "e" and a combining accent is matched by "é", and the other way
// round), and, in each form, the spellings that differ in the case of
// letters outside ASCII, which SQLite's lower() leaves as they are (as
// PostgreSQL's does for a column under the "C" collation): every such
// spelling when there are at most 8 (up to three letters of two cases
// each: "Ödön" matches "ödön"; Greek σ, ς and Σ are three cases of one
// letter), else the value as sent, all lower case, all upper case and
// capitalised at the start of each word. So Column needs nothing of
// your code, no function and no index but the one below. What is left
// unmatched: on SQLite (or under "C"), a value with more case spellings
// than 8 (four or more cased letters outside ASCII), held by the row in
// another case pattern than those ("дМиТрий" for "дмитрий"; PostgreSQL
// in a UTF-8 locale folds every letter and matches it); on both, a row
// mixing NFC and NFD within one value, or spelling it in a compatibility
// form NFC keeps apart (full-width letters, ligatures). The adopted row
// gets the SCIM id and every mapped column, so from then on it is the
// SCIM resource's row. A large table wants an index on lower(Column),
// which each spelling probes once, and one on the ID column (UNIQUE,
// say) for every other change.
type Match struct {
	// Column is the host's column compared, e.g. "email".
	Column string
	// Attribute is the SCIM path compared with it, one of the paths of
	// Columns: e.g. "userName" or "emails" for users, "displayName" for
	// groups. A resource whose value is empty adopts nothing.
	Attribute string
}

// enterpriseURN prefixes the enterprise extension's attribute paths.
const enterpriseURN = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user"

// userPath is a single-valued user attribute a column can hold.
type userPath struct {
	top  string // the top-level attribute, as store.Change.Attributes names it
	get  func(u *resources.User) string
	flag bool // active: a boolean
}

func primaryValue(vs []resources.MultiValue) string {
	for _, v := range vs {
		if v.Primary != nil && *v.Primary {
			return v.Value
		}
	}
	if len(vs) > 0 {
		return vs[0].Value
	}
	return ""
}

func nameOf(u *resources.User) resources.Name {
	if u.Name == nil {
		return resources.Name{}
	}
	return *u.Name
}

func enterprise(u *resources.User) resources.EnterpriseUser {
	if u.Enterprise == nil {
		return resources.EnterpriseUser{}
	}
	return *u.Enterprise
}

// userPaths are the paths UserTable.Columns accepts, lower-cased.
var userPaths = map[string]userPath{
	"username":                    {"userName", func(u *resources.User) string { return u.UserName }, false},
	"externalid":                  {"externalId", func(u *resources.User) string { return u.ExternalID }, false},
	"displayname":                 {"displayName", func(u *resources.User) string { return u.DisplayName }, false},
	"nickname":                    {"nickName", func(u *resources.User) string { return u.NickName }, false},
	"title":                       {"title", func(u *resources.User) string { return u.Title }, false},
	"usertype":                    {"userType", func(u *resources.User) string { return u.UserType }, false},
	"locale":                      {"locale", func(u *resources.User) string { return u.Locale }, false},
	"timezone":                    {"timezone", func(u *resources.User) string { return u.Timezone }, false},
	"preferredlanguage":           {"preferredLanguage", func(u *resources.User) string { return u.PreferredLanguage }, false},
	"profileurl":                  {"profileUrl", func(u *resources.User) string { return u.ProfileURL }, false},
	"name.givenname":              {"name", func(u *resources.User) string { return nameOf(u).GivenName }, false},
	"name.familyname":             {"name", func(u *resources.User) string { return nameOf(u).FamilyName }, false},
	"name.middlename":             {"name", func(u *resources.User) string { return nameOf(u).MiddleName }, false},
	"name.formatted":              {"name", func(u *resources.User) string { return nameOf(u).Formatted }, false},
	"emails":                      {"emails", func(u *resources.User) string { return primaryValue(u.Emails) }, false},
	"emails[primary].value":       {"emails", func(u *resources.User) string { return primaryValue(u.Emails) }, false},
	"phonenumbers":                {"phoneNumbers", func(u *resources.User) string { return primaryValue(u.PhoneNumbers) }, false},
	"phonenumbers[primary].value": {"phoneNumbers", func(u *resources.User) string { return primaryValue(u.PhoneNumbers) }, false},
	"active":                      {"active", nil, true},
	"employeenumber":              {enterpriseURN, func(u *resources.User) string { return enterprise(u).EmployeeNumber }, false},
	"costcenter":                  {enterpriseURN, func(u *resources.User) string { return enterprise(u).CostCenter }, false},
	"organization":                {enterpriseURN, func(u *resources.User) string { return enterprise(u).Organization }, false},
	"division":                    {enterpriseURN, func(u *resources.User) string { return enterprise(u).Division }, false},
	"department":                  {enterpriseURN, func(u *resources.User) string { return enterprise(u).Department }, false},
}

// groupPaths are the paths GroupTable.Columns accepts, lower-cased.
var groupPaths = map[string]func(g *resources.Group) string{
	"displayname": func(g *resources.Group) string { return g.DisplayName },
	"externalid":  func(g *resources.Group) string { return g.ExternalID },
}

// lookupUserPath resolves a path of UserTable.Columns.
func lookupUserPath(p string) (userPath, bool) {
	l := names.Lower(strings.TrimSpace(p))
	l = strings.TrimPrefix(l, enterpriseURN+":")
	up, ok := userPaths[l]
	return up, ok
}

// Bridge keeps a host's tables (HostTables) in step with the SCIM tables:
// set it as Config.Bridge, the one way to install it (a Config.OnChange
// of the host's own may run beside it). Build it with HostTables.Bridge;
// it is safe for concurrent use.
//
// What each change does to the host's tables:
//
//   - user.created: adopts the matching unmanaged row (UserTable.Adopt),
//     else inserts a row with the SCIM id and the mapped columns.
//   - user.updated (including a deactivation or reactivation, whose own
//     entries follow it): writes the mapped columns of the attributes the
//     change lists (active included); a user without a host row (created
//     before the bridge) gets one as on a create. An update that changed
//     no mapped attribute writes nothing.
//   - user.deleted: deletes the user's memberships, then the row, or
//     flags it (UserTable.SoftDelete).
//   - group.created, group.updated, group.deleted: likewise for groups,
//     with GroupTable.
//   - group.members_added, group.members_removed: inserts or deletes
//     exactly the join rows of the entry's Members that are users in the
//     host's users table (a nested group is skipped); present rows are
//     not inserted twice.
//
// A unique constraint of the host's tables that a write breaks (say a
// UNIQUE email held by another account) answers a 409 (store.ErrConflict),
// a NOT NULL column of a mapped attribute the write leaves without a
// value or a value too long for its column a 400 invalidValue, and the
// SCIM write is rolled back with it (see changeErr).
type Bridge struct {
	d      *dialect
	t      HostTables
	users  []userColumn
	groups []groupColumn
	// userTops are the top-level attributes the users' columns hold.
	userTops []string
	// adoptUser and adoptGroup resolve Match.Attribute, in NFC (see
	// Match).
	adoptUser  func(u *resources.User) string
	adoptGroup func(g *resources.Group) string
	// sql are the bridge's statements, whose adoption compares the
	// value itself; spelled, those whose adoption compares its
	// adoptSpellings (nil without Adopt): a value of one spelling (every
	// ASCII value) probes the host's index once, as it did before
	// there were spellings (stmtsFor).
	sql     bridgeSQL
	spelled *bridgeSQL
	// tables are the host's tables' names as the database reports them
	// in an error (unquoted, without their schema): see foldErr.
	tables []string
	// attrOf maps "table.column" (as tables names them) to the SCIM
	// attribute path written there, so that a NOT NULL column left
	// empty is reported by attribute (notNullAttr).
	attrOf map[string]string
	// userUpdates holds the *userUpdate of each set of users' columns
	// (userUpdateSQL), by mask.
	userUpdates sync.Map
	// memberStmts holds the *bstmt of each member statement
	// (memberStmt), by memberKey.
	memberStmts sync.Map
}

type userColumn struct {
	col string // quoted
	p   userPath
}

type groupColumn struct {
	col string // quoted
	get func(g *resources.Group) string
}

var identRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,62}$`)

// quoteIdent checks and quotes a column name.
func quoteIdent(what, name string) (string, error) {
	if !identRE.MatchString(name) {
		return "", fmt.Errorf("sqlstore: host tables: %s %q is not a plain SQL name (letters, digits and _, at most 63)", what, name)
	}
	return `"` + name + `"`, nil
}

// quoteTable checks and quotes a table name, optionally schema.table.
func quoteTable(what, name string) (string, error) {
	if name == "" {
		return "", fmt.Errorf("sqlstore: host tables: %s is empty", what)
	}
	parts := strings.Split(name, ".")
	if len(parts) > 2 {
		return "", fmt.Errorf("sqlstore: host tables: %s %q: at most schema.table", what, name)
	}
	for i, p := range parts {
		q, err := quoteIdent(what, p)
		if err != nil {
			return "", err
		}
		parts[i] = q
	}
	return strings.Join(parts, "."), nil
}

// Bridge checks the mapping and returns the bridge for the database dsn
// names (the store's Config.DSN: a postgres:// URL or a SQLite path), whose
// SQL dialect it writes:
//
//	bridge, err := tables.Bridge(dsn)
//	if err != nil { ... }
//	s, err := sqlstore.New(ctx, sqlstore.Config{DSN: dsn, Bridge: bridge})
//
// A mapping that cannot work (an empty or odd name, an unknown SCIM
// path, two paths on one column, HostKeys without keys) is an error here,
// not at the first write.
func (m HostTables) Bridge(dsn string) (*Bridge, error) {
	if strings.TrimSpace(dsn) == "" {
		return nil, errors.New("sqlstore: host tables: empty DSN (the store's Config.DSN)")
	}
	b := &Bridge{d: sqliteDialect}
	if isPostgres(dsn) {
		b.d = postgres
	}
	var err error
	t := &b.t
	u := m.Users
	if t.Users.Table, t.Users.ID, t.Users.Key, t.Users.Tenant, err = quoteKeys("Users", u.Table, u.ID, u.Key, u.Tenant); err != nil {
		return nil, err
	}
	if t.Users.SoftDelete, err = optIdent("Users.SoftDelete", u.SoftDelete); err != nil {
		return nil, err
	}
	t.Users.IntFlags = u.IntFlags
	used := columns{u.ID: "Users.ID"}
	if err := used.claim("Users.Tenant", u.Tenant); err != nil {
		return nil, err
	}
	if err := used.claim("Users.SoftDelete", u.SoftDelete); err != nil {
		return nil, err
	}
	paths := slices.Sorted(maps.Keys(u.Columns))
	for _, p := range paths {
		c := u.Columns[p]
		up, ok := lookupUserPath(p)
		if !ok {
			return nil, fmt.Errorf("sqlstore: host tables: Users.Columns: %q is not a single-valued user attribute the bridge can write (userName, name.givenName, emails, active, ...)", p)
		}
		what := "Users.Columns[" + p + "]"
		q, err := quoteIdent(what, c)
		if err != nil {
			return nil, err
		}
		if err := used.claim(what, c); err != nil {
			return nil, err
		}
		b.users = append(b.users, userColumn{col: q, p: up})
		b.mapsTo(u.Table, c, p)
		if !slices.Contains(b.userTops, up.top) {
			b.userTops = append(b.userTops, up.top)
		}
	}
	if a := u.Adopt; a != nil {
		if u.Key == "" {
			return nil, errors.New("sqlstore: host tables: Users.Adopt needs Users.Key (the table's primary key) to choose the row")
		}
		col, err := quoteIdent("Users.Adopt.Column", a.Column)
		if err != nil {
			return nil, err
		}
		up, ok := lookupUserPath(a.Attribute)
		if !ok || up.flag {
			return nil, fmt.Errorf("sqlstore: host tables: Users.Adopt.Attribute %q is not a string user attribute (userName, emails, externalId, ...)", a.Attribute)
		}
		t.Users.Adopt = &Match{Column: col}
		b.adoptUser = func(u *resources.User) string { return norm.NFC.String(up.get(u)) }
	}

	if g := m.Groups; g != nil {
		t.Groups = &GroupTable{}
		if t.Groups.Table, t.Groups.ID, t.Groups.Key, t.Groups.Tenant, err = quoteKeys("Groups", g.Table, g.ID, g.Key, g.Tenant); err != nil {
			return nil, err
		}
		used := columns{g.ID: "Groups.ID"}
		if err := used.claim("Groups.Tenant", g.Tenant); err != nil {
			return nil, err
		}
		for _, p := range slices.Sorted(maps.Keys(g.Columns)) {
			c := g.Columns[p]
			get, ok := groupPaths[names.Lower(strings.TrimSpace(p))]
			if !ok {
				return nil, fmt.Errorf("sqlstore: host tables: Groups.Columns: %q is not a group attribute the bridge can write (displayName, externalId)", p)
			}
			what := "Groups.Columns[" + p + "]"
			q, err := quoteIdent(what, c)
			if err != nil {
				return nil, err
			}
			if err := used.claim(what, c); err != nil {
				return nil, err
			}
			b.groups = append(b.groups, groupColumn{col: q, get: get})
			b.mapsTo(g.Table, c, p)
		}
		if a := g.Adopt; a != nil {
			if g.Key == "" {
				return nil, errors.New("sqlstore: host tables: Groups.Adopt needs Groups.Key (the table's primary key) to choose the row")
			}
			col, err := quoteIdent("Groups.Adopt.Column", a.Column)
			if err != nil {
				return nil, err
			}
			get, ok := groupPaths[names.Lower(strings.TrimSpace(a.Attribute))]
			if !ok {
				return nil, fmt.Errorf("sqlstore: host tables: Groups.Adopt.Attribute %q is not displayName or externalId", a.Attribute)
			}
			t.Groups.Adopt = &Match{Column: col}
			b.adoptGroup = func(g *resources.Group) string { return norm.NFC.String(get(g)) }
		}
	}

	if mt := m.Members; mt != nil {
		if m.Groups == nil {
			return nil, errors.New("sqlstore: host tables: Members needs Groups (the table the join table's groups are in)")
		}
		t.Members = &MemberTable{HostKeys: mt.HostKeys}
		if t.Members.Table, err = quoteTable("Members.Table", mt.Table); err != nil {
			return nil, err
		}
		if mt.Group == "" || mt.User == "" {
			return nil, errors.New("sqlstore: host tables: Members.Group and Members.User (the join table's columns) are required")
		}
		if t.Members.Group, err = quoteIdent("Members.Group", mt.Group); err != nil {
			return nil, err
		}
		if t.Members.User, err = quoteIdent("Members.User", mt.User); err != nil {
			return nil, err
		}
		if t.Members.Tenant, err = optIdent("Members.Tenant", mt.Tenant); err != nil {
			return nil, err
		}
		if mt.HostKeys && (m.Users.Key == "" || m.Groups.Key == "") {
			return nil, errors.New("sqlstore: host tables: Members.HostKeys needs Users.Key and Groups.Key (the primary keys the join table references)")
		}
	}
	if err := m.tenantEverywhere(); err != nil {
		return nil, err
	}
	names := []string{u.Table}
	if m.Groups != nil {
		names = append(names, m.Groups.Table)
	}
	if m.Members != nil {
		names = append(names, m.Members.Table)
	}
	for _, name := range names {
		b.tables = append(b.tables, name[strings.LastIndexByte(name, '.')+1:]) // the name without its schema
	}
	b.buildSQL(&b.sql, 1)
	if u.Adopt != nil || m.Groups != nil && m.Groups.Adopt != nil {
		b.spelled = &bridgeSQL{}
		b.buildSQL(b.spelled, adoptSlots)
	}
	return b, nil
}

// tenantEverywhere refuses a mapping that scopes some of its tables by
// tenant and not others: with a Tenant column on Users and none on
// Groups, the groups table (and the memberships found through it) would
// be shared by every tenant the users table keeps apart, and the reverse
// likewise. Users decides: with its Tenant column, Groups needs one (and
// Members may have one: its rows are found through the other two);
// without it, neither may.
func (m HostTables) tenantEverywhere() error {
	scoped := m.Users.Tenant != ""
	check := func(what string, set bool) error {
		switch {
		case scoped && !set:
			return fmt.Errorf("sqlstore: host tables: Users.Tenant is set and %s.Tenant is not: a mapping scopes all its tables by tenant or none; set %s.Tenant to the column of the %s table that holds the tenant (or clear Users.Tenant for a single-tenant host)", what, what, what)
		case !scoped && set:
			return fmt.Errorf("sqlstore: host tables: %s.Tenant is set and Users.Tenant is not: a mapping scopes all its tables by tenant or none; set Users.Tenant to the column of the users table that holds the tenant (or clear %s.Tenant for a single-tenant host)", what, what)
		}
		return nil
	}
	if m.Groups != nil {
		if err := check("Groups", m.Groups.Tenant != ""); err != nil {
			return err
		}
	}
	if m.Members != nil && m.Members.Tenant != "" {
		return check("Members", true)
	}
	return nil
}

// hostTables returns the host's tables b writes, quoted as its
// statements name them (nil for a nil b), which the store's analyzer
// analyzes as they grow, as it does its own (analyze.go).
func (b *Bridge) hostTables() []string {
	if b == nil {
		return nil
	}
	out := []string{b.t.Users.Table}
	if b.t.Groups != nil {
		out = append(out, b.t.Groups.Table)
	}
	if b.t.Members != nil {
		out = append(out, b.t.Members.Table)
	}
	return out
}

// columns records which part of HostTables claimed each column of one
// host table, so that no two parts write the same column.
type columns map[string]string

// claim records that what uses column col ("" claims nothing), or
// returns the error naming the part that has it already.
func (c columns) claim(what, col string) error {
	if col == "" {
		return nil
	}
	if prev, dup := c[col]; dup {
		return fmt.Errorf("sqlstore: host tables: %s and %s are both column %q", prev, what, col)
	}
	c[col] = what
	return nil
}

// quoteKeys checks and quotes a host table's name and its SCIM id, key
// and tenant columns (key and tenant may be empty); what ("Users" or
// "Groups") names the table's part of HostTables in errors.
func quoteKeys(what, table, id, key, tenant string) (qTable, qID, qKey, qTenant string, err error) {
	if qTable, err = quoteTable(what+".Table", table); err != nil {
		return "", "", "", "", err
	}
	if id == "" {
		return "", "", "", "", fmt.Errorf("sqlstore: host tables: %s.ID (the column of the SCIM id) is empty", what)
	}
	if qID, err = quoteIdent(what+".ID", id); err != nil {
		return "", "", "", "", err
	}
	if qKey, err = optIdent(what+".Key", key); err != nil {
		return "", "", "", "", err
	}
	if qTenant, err = optIdent(what+".Tenant", tenant); err != nil {
		return "", "", "", "", err
	}
	return qTable, qID, qKey, qTenant, nil
}

// admits returns nil when the bridge (nil: none) may carry a write of
// tenant's users (group false) or groups to the host's tables, else the
// error that write is refused with, before anything is written. A table
// without a Tenant column is a single-tenant host's: its rows are the
// default tenant's (""), since every statement would otherwise read and
// write them whatever the tenant, and one tenant's provider could adopt
// or change another's accounts by their keys. A group write needs a
// Tenant column on Groups only: the join rows it writes are found
// through the tenant's own group and the users its checked members name.
func (b *Bridge) admits(tenant string, group bool) error {
	if b == nil || tenant == "" {
		return nil
	}
	table, col := "Users", b.t.Users.Tenant
	if group {
		if b.t.Groups == nil {
			return nil
		}
		table, col = "Groups", b.t.Groups.Tenant
	}
	if col != "" {
		return nil
	}
	return fmt.Errorf("sqlstore: host tables: %s has no Tenant column, so the mapping serves a single-tenant host (the default tenant \"\") and refuses this write in tenant %q: set %s.Tenant to a column that scopes the host's rows by tenant", table, tenant, table)
}

func optIdent(what, name string) (string, error) {
	if name == "" {
		return "", nil
	}
	return quoteIdent(what, name)
}

// flag is the bind value of a boolean column.
func (b *Bridge) flag(v bool) any {
	if !b.t.Users.IntFlags {
		return v
	}
	if v {
		return 1
	}
	return 0
}

// lit renders the flag v as a literal (see IntFlags): a constant of the
// mapping, written into the SQL rather than bound, so that a condition on
// the flag column reads as a host's partial index says it ("deleted =
// FALSE"), which the planners can match as written.
func (b *Bridge) lit(v bool) string {
	switch {
	case b.t.Users.IntFlags && v:
		return "1"
	case b.t.Users.IntFlags:
		return "0"
	case v:
		return "TRUE"
	}
	return "FALSE"
}

// groupSets renders the SET list of an update of the team's row: every
// mapped column from its parameter, or, with none mapped, the id set to
// itself (an UPDATE sets something). Only then: SQLite rewrites the
// index entry of every column an UPDATE sets, its value changed or not,
// and the id's index was one page more in each rename's commit.
func (b *Bridge) groupSets(q *qb) string {
	gt := b.t.Groups
	if len(b.groups) == 0 {
		return gt.ID + " = " + gt.ID
	}
	sets := make([]string, len(b.groups))
	for i, c := range b.groups {
		sets[i] = c.col + " = " + q.p(argGroupCol, i)
	}
	return strings.Join(sets, ", ")
}

// liveCond renders the condition that a row of the users table is not
// flagged deleted (SoftDelete), "" when the mapping deletes rows: an
// adoption and UnmanagedUsers read only such rows.
func (b *Bridge) liveCond() string {
	sd := b.t.Users.SoftDelete
	if sd == "" {
		return ""
	}
	return ` AND (` + sd + ` IS NULL OR ` + sd + ` = ` + b.lit(false) + `)`
}

// filter renders a column that a condition only filters on, in a form
// no index serves (dialect.unindexed): a planner without statistics of
// the host's tables (SQLite always, PostgreSQL before ANALYZE or in a
// generic plan) would otherwise pick the index of a tenant column, or
// the ID column's for IS NULL, and read every row of the tenant instead
// of the one the SCIM id or the match column finds.
func (b *Bridge) filter(col string) string { return b.d.unindexed(col) }

// onChange updates the host's tables for c inside the write's
// transaction: the store calls it for the changes it does not fold into
// its own statements (all of them on SQLite; see Bridge for what each
// change does). Its statements are fixed, built with the bridge; they
// run as the store's own do, through c.w (on SQLite the store's
// statement cache, compiled once). A change in a tenant the mapping does
// not admit (admits) is refused here too, though the store refuses its
// write before the transaction (writeTenant): so is it on any way here
// that does not pass there, the bridge run as a Config.OnChange in the
// tests (OnChangeForTest) among them, which would otherwise pass writes
// Config.Bridge refuses.
func (b *Bridge) onChange(ctx context.Context, c Change) error {
	group := false
	switch c.Kind {
	case store.GroupCreated, store.GroupUpdated, store.GroupDeleted, store.MembersAdded, store.MembersRemoved:
		group = true
	}
	if err := b.admits(c.Tenant, group); err != nil {
		return err
	}
	x := c.w
	var err error
	switch c.Kind {
	case store.UserCreated:
		err = b.createUser(ctx, x, c.Tenant, c.UserAfter)
	case store.UserUpdated:
		if c.UserAfter != nil && b.touches(c.Attributes) {
			err = b.updateUser(ctx, x, c.Tenant, c.UserAfter, c.Attributes)
		}
	case store.UserDeleted:
		err = b.deleteUser(ctx, x, c.Tenant, c.ID)
	case store.GroupCreated:
		if b.t.Groups != nil {
			err = b.createGroup(ctx, x, c.Tenant, c.GroupAfter)
		}
	case store.GroupUpdated:
		if b.t.Groups != nil && c.GroupAfter != nil {
			err = b.updateGroup(ctx, x, c.Tenant, c.GroupAfter)
		}
	case store.GroupDeleted:
		if b.t.Groups != nil {
			err = b.deleteGroup(ctx, x, c.Tenant, c.ID)
		}
	case store.MembersAdded, store.MembersRemoved:
		if b.t.Members != nil && len(c.Members) > 0 {
			err = b.members(ctx, x, c.Tenant, c.ID, c.Members, c.Kind == store.MembersAdded)
		}
	}
	if err == nil {
		return nil
	}
	return b.changeErr(c.Kind, err)
}

// changeErr is the error onChange returns when its statements for a
// change of kind failed with err. A refusal the request could avoid is a
// SCIM 4xx that says what to send instead: a unique constraint is a 409
// (store.ErrConflict); a NOT NULL column that holds a mapped attribute
// the request left without a value is a 400 invalidValue naming the
// attribute, as a required one is (the application requires it); a value
// longer than its column's type keeps (PostgreSQL's varchar(n); SQLite
// keeps any length) is a 400 invalidValue giving the limit. Anything
// else, a NOT NULL column the mapping never writes included, is the
// mapping's fault, not the request's: the error as is, which the handler
// answers with a 500 naming the request id and logs.
func (b *Bridge) changeErr(kind store.ChangeKind, err error) error {
	if isUniqueViolation(err) {
		return fmt.Errorf("%w: the application already has another account or team with one of these values (a unique constraint of its tables)", store.ErrConflict)
	}
	var pe *pgconn.PgError
	if attr, ok := b.notNullAttr(err); ok {
		err = &resources.AttrError{Path: attr, Msg: "the application requires a value for it in every account or team; send one"}
	} else if errors.As(err, &pe) && pe.Code == "22001" {
		limit := ""
		if m := typeLengthRE.FindStringSubmatch(pe.Message); m != nil {
			limit = " (at most " + m[1] + " characters in one of its columns)"
		}
		err = &resources.AttrError{Msg: "a value this request sends is longer than the application keeps" + limit + "; send a shorter one"}
	}
	return fmt.Errorf("sqlstore: host tables: %s: %w", kind, err)
}

// typeLengthRE finds the length of a bounded type in PostgreSQL's
// message for 22001 ("value too long for type character varying(50)").
var typeLengthRE = regexp.MustCompile(`\((\d+)\)`)

// sqliteNotNullRE finds the column in SQLite's message for a NOT NULL
// constraint ("NOT NULL constraint failed: app_users.dept").
var sqliteNotNullRE = regexp.MustCompile(`NOT NULL constraint failed: ([A-Za-z0-9_]+\.[A-Za-z0-9_]+)`)

// mapsTo records that column of table (as HostTables names them) holds
// the attribute at path.
func (b *Bridge) mapsTo(table, column, path string) {
	if b.attrOf == nil {
		b.attrOf = map[string]string{}
	}
	b.attrOf[table[strings.LastIndexByte(table, '.')+1:]+"."+column] = path
}

// notNullAttr returns the attribute mapped to the column whose NOT NULL
// constraint err reports (ok false: another error, or a column the
// mapping does not write).
func (b *Bridge) notNullAttr(err error) (string, bool) {
	var col string
	var pe *pgconn.PgError
	var se *sqlite.Error
	switch {
	case errors.As(err, &pe) && pe.Code == "23502":
		col = pe.TableName + "." + pe.ColumnName
	case errors.As(err, &se) && se.Code() == 1299: // SQLITE_CONSTRAINT_NOTNULL
		m := sqliteNotNullRE.FindStringSubmatch(se.Error())
		if m == nil {
			return "", false
		}
		col = m[1]
	default:
		return "", false
	}
	attr, ok := b.attrOf[col]
	return attr, ok
}

// fold renders what onChange does for c as items of a data-modifying
// WITH, on PostgreSQL, its values bound to a, so that the statement the
// store sends for the write (its WITH item w) writes the host's tables
// too: no statement, and no round trip, more than without the bridge, in
// the same transaction (the statement's). It folds a user's creation
// (the adoption or the insert, which reads w so that it runs once the
// store's row is in, and the store's own conflict is the one reported),
// and a user's update (likewise after w; with the create when it finds
// no row); ok is false for any other change (a group's and its members'
// are foldChanges' own: foldGroup, foldMembers), or on SQLite,
// and the store then calls onChange. The text is "" when there is
// nothing to write (no Members table). An error of the statement from
// the host's tables is mapped by foldErr as onChange maps it.
func (b *Bridge) fold(a *args, c *Change) (ctes string, ok bool) {
	if b == nil || !b.d.pg {
		return "", false
	}
	switch c.Kind {
	case store.UserCreated:
		if c.UserAfter == nil {
			return "", false
		}
		sq := b.userStmts(c.UserAfter)
		return b.foldCreateUser(a, c.Tenant, c.UserAfter, &sq.userInsertFold, &sq.userAdoptOrInsertFold), true
	case store.UserUpdated:
		if c.UserAfter == nil || !b.touches(c.Attributes) {
			return "", c.UserAfter != nil
		}
		// The update of the columns the change wrote, then, when it
		// found no row (a user created before the bridge), the create.
		up := b.rebind(a, &b.userUpdateSQL(b.userMask(c.Attributes)).folded,
			&binding{id: c.UserAfter.ID, tenant: c.Tenant, u: c.UserAfter})
		sq := b.userStmts(c.UserAfter)
		return up + `, ` + b.foldCreateUser(a, c.Tenant, c.UserAfter, &sq.userInsertElseFold, &sq.userAdoptOrInsertElseFold), true
	case store.UserDeactivated, store.UserReactivated:
		return "", true // onChange writes them with UserUpdated
	}
	return "", false
}

// foldMember renders fold for member entry c of tenant: "" when there
// is nothing to write (no Members table, no members).
func (b *Bridge) foldMember(a *args, tenant string, c *store.Change) string {
	if b.t.Members == nil || len(c.Members) == 0 {
		return ""
	}
	form := memberRemoveFold
	if c.Kind == store.MembersAdded {
		form = memberAddFold
	}
	st, x := b.memberCall(form, tenant, c.ID, c.Members)
	return b.rebind(a, st, x)
}

// disjoint reports whether lists a and b share no id: a removal and an
// add of the same member in one write are left to onChange, which runs
// them in turn.
func disjoint(a, b []string) bool {
	return !slices.ContainsFunc(a, func(id string) bool { return slices.Contains(b, id) })
}

// foldGroup renders what onChange does for the entries of a group's
// create or update (GroupCreated or GroupUpdated, then the members it
// removed and added, which then name no member in common) as WITH items
// after the store's INSERT or UPDATE of the group, its item w, on
// PostgreSQL, bound to a: the team's adoption or insert, or its update
// (else, for a group created before the bridge, its adoption or insert),
// and the join rows of the members, whose team is the one the statement
// wrote (buildGroupFolds). g is the group after the write. ok is false,
// adding nothing to a, for any other list of entries. An error of the
// statement from the host's tables is mapped by foldErr.
func (b *Bridge) foldGroup(a *args, tenant string, changes []store.Change, g *resources.Group) (ctes string, ok bool) {
	if len(changes) == 0 || g == nil {
		return "", false
	}
	update := changes[0].Kind == store.GroupUpdated
	if !update && changes[0].Kind != store.GroupCreated || changes[0].ID != g.ID {
		return "", false
	}
	var removed, added []string
	for _, c := range changes[1:] {
		switch {
		case c.ID != g.ID:
			return "", false
		case c.Kind == store.MembersRemoved && removed == nil && added == nil:
			removed = c.Members
		case c.Kind == store.MembersAdded && added == nil:
			added = c.Members
		default:
			return "", false
		}
	}
	if !disjoint(removed, added) {
		return "", false
	}
	if b.t.Groups == nil {
		return "", true
	}
	x := &binding{id: g.ID, tenant: tenant, g: g}
	if b.t.Groups.Adopt != nil {
		x.adopt = b.adoptGroup(g)
	}
	sq := b.stmtsFor(x.adopt)
	st := &sq.groupInsertFold
	switch {
	case update && x.adopt != "":
		st = &sq.groupUpdateElseAdoptFold
	case update:
		st = &sq.groupUpdateFold
	case x.adopt != "":
		st = &sq.groupAdoptOrInsertFold
	}
	parts := []string{b.rebind(a, st, x)}
	if mt := b.t.Members; mt != nil {
		for _, m := range []struct {
			ids            []string
			hostKeys, scim memberForm
		}{{removed, teamRemoveFold, memberRemoveFold}, {added, teamAddFold, memberAddFold}} {
			if len(m.ids) == 0 {
				continue
			}
			form := m.scim
			if mt.HostKeys {
				form = m.hostKeys
			}
			st, x := b.memberCall(form, tenant, g.ID, m.ids)
			parts = append(parts, b.rebind(a, st, x))
		}
	}
	return strings.Join(parts, ", "), true
}

// foldMembers renders fold for the entries of one member change of a
// group (ModifyMembers' bump of the version, its item w): an add, a
// removal, or a removal and an add, which then name no member in common
// (else ok is false, adding nothing to a: the store calls onChange,
// which runs them in turn).
func (b *Bridge) foldMembers(a *args, tenant string, changes []store.Change) (ctes string, ok bool) {
	isMember := func(k store.ChangeKind) bool { return k == store.MembersAdded || k == store.MembersRemoved }
	switch {
	case b == nil || !b.d.pg:
		return "", false
	case len(changes) == 1 && isMember(changes[0].Kind):
	case len(changes) == 2 && changes[0].Kind == store.MembersRemoved && changes[1].Kind == store.MembersAdded &&
		disjoint(changes[0].Members, changes[1].Members):
	default:
		return "", false
	}
	var parts []string
	for i := range changes {
		if h := b.foldMember(a, tenant, &changes[i]); h != "" {
			parts = append(parts, h)
		}
	}
	return strings.Join(parts, ", "), true
}

// foldDelete renders what onChange does for the deletion of the user or
// group id (kind UserDeleted or GroupDeleted) as items of a
// data-modifying WITH after the store's DELETE, its item w, on
// PostgreSQL, bound to a: the host's join rows of the resource (which
// are also all those the deletion's MembersRemoved entries name, so
// those need nothing more) and its row, deleted or flagged, only when w
// deleted the store's row. It is "" when the mapping has no table for
// kind. An error of the statement from the host's tables is mapped by
// foldErr.
func (b *Bridge) foldDelete(a *args, kind store.ChangeKind, tenant, id string) string {
	drop, del := &b.sql.userDropFold, &b.sql.userDeleteFold
	if kind == store.GroupDeleted {
		if b.t.Groups == nil {
			return ""
		}
		drop, del = &b.sql.groupDropFold, &b.sql.groupDeleteFold
	}
	x := &binding{id: id, tenant: tenant}
	out := b.rebind(a, del, x)
	if b.t.Members != nil {
		out = b.rebind(a, drop, x) + `, ` + out
	}
	return out
}

// deleted does what onChange does for the deletion of the user or
// group id (kind UserDeleted or GroupDeleted) in tx, where the store
// does not fold it (SQLite): the store need not work out the entries of
// the deletion for it (see foldDelete).
func (b *Bridge) deleted(ctx context.Context, tx wtx, kind store.ChangeKind, tenant, id string) error {
	return b.onChange(ctx, Change{Change: store.Change{Kind: kind, Tenant: tenant, ID: id}, w: tx})
}

// foldCreateUser renders the folded create of u: its insert, or, when
// it has a value to adopt by, the adoption else the insert (see
// createUser).
func (b *Bridge) foldCreateUser(a *args, tenant string, u *resources.User, insert, adoptOrInsert *bstmt) string {
	x := &binding{id: u.ID, tenant: tenant, u: u}
	if b.t.Users.Adopt != nil {
		x.adopt = b.adoptUser(u)
	}
	if x.adopt == "" {
		return b.rebind(a, insert, x)
	}
	return b.rebind(a, adoptOrInsert, x)
}

// foldChanges renders the bridge's statements for every entry of a write
// as WITH items: a group's create or update (its first entry) is
// foldGroup's, with subj.groupAfter; a change of its members alone
// foldMembers'; a user's entries fold's (those whose ID is subj's handed
// its resources). ok is false, adding nothing to a, when an entry has no
// folded form, or when two user entries would write the same WITH items.
func (b *Bridge) foldChanges(a *args, tenant string, changes []store.Change, subj subject) (ctes string, ok bool) {
	if b == nil || !b.d.pg || len(changes) == 0 {
		return "", false
	}
	switch k := changes[0].Kind; {
	case k == store.GroupCreated || k == store.GroupUpdated:
		return b.foldGroup(a, tenant, changes, subj.groupAfter)
	case k == store.MembersAdded || k == store.MembersRemoved:
		// A group's PUT that changed its members only.
		return b.foldMembers(a, tenant, changes)
	}
	users := 0
	for _, c := range changes {
		switch c.Kind {
		case store.UserCreated, store.UserUpdated:
			users++
			if c.ID != subj.id || subj.userAfter == nil {
				return "", false
			}
		case store.UserDeactivated, store.UserReactivated:
		default:
			return "", false
		}
	}
	if users > 1 {
		return "", false
	}
	var parts []string
	for _, c := range changes {
		bc := Change{Change: c}
		bc.Tenant = tenant
		if c.ID == subj.id {
			bc.UserAfter = subj.userAfter // all fold reads of a user's entries
		}
		h, _ := b.fold(a, &bc)
		if h != "" {
			parts = append(parts, h)
		}
	}
	return strings.Join(parts, ", "), true
}

// rebind renders st, bound to x, with its placeholders ($1, $2, ...)
// numbered after a's and its values added to a. The bridge's SQL has no
// $ but its placeholders: its names are checked to be letters, digits
// and _, and its only string literal is the empty one.
func (b *Bridge) rebind(a *args, st *bstmt, x *binding) string {
	vals := b.bind(st, x)
	phs := make([]string, len(vals))
	var out strings.Builder
	out.Grow(len(st.q) + 2*len(vals))
	q := st.q
	for {
		i := strings.IndexByte(q, '$')
		if i < 0 {
			out.WriteString(q)
			return out.String()
		}
		out.WriteString(q[:i])
		j := i + 1
		for j < len(q) && q[j] >= '0' && q[j] <= '9' {
			j++
		}
		k, err := strconv.Atoi(q[i+1 : j])
		if err != nil || k < 1 || k > len(vals) {
			out.WriteByte('$') // not a placeholder (never, see above)
			q = q[i+1:]
			continue
		}
		if phs[k-1] == "" {
			phs[k-1] = a.add(vals[k-1])
		}
		out.WriteString(phs[k-1])
		q = q[j:]
	}
}

// foldErr returns the error onChange would have returned for a change of
// kind, when err, the error of a statement that carried the bridge's
// work (fold), comes from one of the host's tables (ok); otherwise err is
// the store's own. b may be nil.
func (b *Bridge) foldErr(kind store.ChangeKind, err error) (error, bool) {
	var pe *pgconn.PgError
	// A value too long for its type names no table; the store's own
	// tables bound no length (text), so it is the host's.
	if b == nil || !errors.As(err, &pe) || !slices.Contains(b.tables, pe.TableName) && pe.Code != "22001" {
		return nil, false
	}
	return b.changeErr(kind, err), true
}

// touches reports whether an update of attrs (nil: unknown, assume all)
// changes a mapped column.
func (b *Bridge) touches(attrs []string) bool {
	if attrs == nil {
		return true
	}
	for _, a := range attrs {
		for _, top := range b.userTops {
			if names.Equal(a, top) {
				return true
			}
		}
	}
	return false
}

// userValue is the bind value of column i for u.
func (b *Bridge) userValue(c userColumn, u *resources.User) any {
	if c.p.flag {
		return b.flag(u.Active == nil || *u.Active)
	}
	return nullText(c.p.get(u))
}

// argKind names what a bridge statement's parameter is bound to.
type argKind uint8

const (
	argID       argKind = iota // the user's or group's SCIM id
	argTenant                  // the change's tenant
	argUserCol                 // the value of b.users[i]
	argGroupCol                // the value of b.groups[i]
	argAdopt                   // the value adoption matches
	argList                    // the entry's member ids (dialect.listArg)
	argItem                    // the entry's member id i (binding.ids)
)

type argRef struct {
	kind argKind
	i    int
}

// bstmt is one of the bridge's statements: its SQL, fixed when the
// bridge is built, and what each parameter is bound to, in order.
type bstmt struct {
	q    string
	args []argRef
}

// qb builds a bstmt: p renders the placeholder of a parameter, one per
// distinct argRef however often the SQL uses it.
type qb struct {
	d    *dialect
	args []argRef
}

func (q *qb) p(kind argKind, i int) string {
	r := argRef{kind, i}
	for k, a := range q.args {
		if a == r {
			return q.d.ph(k + 1)
		}
	}
	q.args = append(q.args, r)
	return q.d.ph(len(q.args))
}

// val renders the placeholder of a parameter compared with an indexed
// column of the host's (its SCIM id, a join table's group) as a read's
// value is (dialect.value): on SQLite (SELECT ?n). Once a host has run
// ANALYZE (or PRAGMA optimize) over managed rows, SQLite looks a bare
// parameter compared with an index up in sqlite_stat4 and compiles the
// statement again each time it is bound, on every run: with the bridge
// a PATCH of active then cost 1.18 times the same PATCH without it, and
// 1.04 with (SELECT ?n) (BENCHMARKS.md, "The mapping bridge", branch
// bridge).
func (q *qb) val(kind argKind, i int) string { return q.d.value(q.p(kind, i)) }

func (q *qb) stmt(sql string) bstmt { return bstmt{q: sql, args: q.args} }

// in renders "col is one of the entry's member ids": with n > 0, n of
// them, each a parameter of its own (argItem; PostgreSQL makes "col IN
// ($k)" of one "col = $k"), else the list parameter (argList,
// dialect.inList).
func (q *qb) in(col string, n int) string {
	if n == 0 {
		return q.d.inList(col, q.p(argList, 0))
	}
	ps := make([]string, n)
	for i := range ps {
		ps[i] = q.p(argItem, i)
	}
	return col + ` IN (` + strings.Join(ps, ", ") + `)`
}

// binding is what a change binds a bridge statement's parameters to.
type binding struct {
	id, tenant string
	u          *resources.User
	g          *resources.Group
	adopt      string
	list       any
	// ids are the entry's member ids when each is bound as a parameter
	// of its own (argItem; memberBinding says when), else nil.
	ids []string
}

// bind returns st's parameters' values for x.
func (b *Bridge) bind(st *bstmt, x *binding) []any {
	vals := make([]any, len(st.args))
	var spellings *[adoptSlots]string
	for k, a := range st.args {
		switch a.kind {
		case argID:
			vals[k] = x.id
		case argTenant:
			vals[k] = x.tenant
		case argUserCol:
			vals[k] = b.userValue(b.users[a.i], x.u)
		case argGroupCol:
			vals[k] = nullText(b.groups[a.i].get(x.g))
		case argAdopt:
			if a.i == 0 {
				vals[k] = x.adopt // the first spelling, the only one of b.sql's statements
				continue
			}
			if spellings == nil {
				sp := adoptSpellings(x.adopt)
				spellings = &sp
			}
			vals[k] = spellings[a.i]
		case argList:
			vals[k] = x.list
		case argItem:
			vals[k] = x.ids[a.i]
		}
	}
	return vals
}

// run runs st for x in tx, under ctx, and returns how many rows it
// changed. Its callers pass a point statement's ctx through tx.point or
// tx.pointFor, as the store's own statements are (Store.point): on a
// SQLite file a statement under a context that can end costs a goroutine
// of the driver's, which watches it, and a progress handler.
func (b *Bridge) run(ctx context.Context, tx wtx, st *bstmt, x *binding) (int64, error) {
	res, err := tx.ExecContext(ctx, st.q, b.bind(st, x)...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// bridgeSQL are a bridge's statements, built once with it (buildSQL):
// fixed SQL texts, so that SQLite compiles each once (the store's
// statement cache) and pgx prepares each once per connection.
type bridgeSQL struct {
	userInsert, userAdopt, userAdoptOrInsert, userDelete, userDrop                   bstmt
	groupInsert, groupAdopt, groupAdoptOrInsert, groupUpdate, groupDelete, groupDrop bstmt
	// The forms fold renders (PostgreSQL only): WITH items that follow
	// the store's item w. The Else forms create a user only when the
	// item host_updated updated no row.
	userInsertFold, userAdoptOrInsertFold         bstmt
	userInsertElseFold, userAdoptOrInsertElseFold bstmt
	// A deletion's statements folded after the store's DELETE (w), see
	// foldDelete.
	userDropFold, userDeleteFold, groupDropFold, groupDeleteFold bstmt
	// A group's create and update folded after the store's INSERT or
	// UPDATE (w), and the join rows of its members (buildGroupFolds).
	groupInsertFold, groupAdoptOrInsertFold, groupUpdateFold, groupUpdateElseAdoptFold bstmt
}

// foldAfterW renders st, an UPDATE or DELETE whose last condition is its
// WHERE's, as the WITH item name that runs it only when the store's item
// w wrote its row (a DELETE that found its row, at the version asked).
// The planner checks the condition on w first, once.
func foldAfterW(name string, st bstmt) bstmt {
	return bstmt{q: name + ` AS (` + st.q + ` AND EXISTS (SELECT 1 FROM w))`, args: st.args}
}

// tenantCond renders " AND alias.col = <tenant>" when the table has a
// tenant column.
func (b *Bridge) tenantCond(q *qb, alias, col string) string {
	if col == "" {
		return ""
	}
	return " AND " + b.filter(alias+col) + " = " + q.p(argTenant, 0)
}

// adoptSQL renders the adoption of table's first unmanaged row (its id
// column NULL, live the condition that it is not flagged deleted) whose
// column col matches the adopted value case-insensitively, in either
// Unicode form, setting sets: the row of the lowest key among those
// whose lower(col) is lower() of one of the value's adoptSpellings,
// slots of them. With one slot (the statements of a value of one
// spelling, stmtsFor), lower(col) = the value, the first row by ORDER BY
// key LIMIT 1, which the index on lower(col) yields in key order (it
// ends with the rowid on SQLite), without a sort. With more, each
// spelling is a query of its own, lower(col) = the spelling, joined by
// UNION ALL: one probe of the index on lower(col) each, as each planner
// plans a single equality whatever its statistics (an IN list of 16 made
// SQLite scan a small analyzed table, and its "ORDER BY key LIMIT 1" a
// sort). The values compared are rendered as
// args.bound renders a lookup's (dialect.value): on SQLite after ANALYZE
// a bare parameter compared with an indexed expression would compile the
// statement again on every run (two thirds of the probe's time).
func (b *Bridge) adoptSQL(q *qb, slots int, table, id, key, tenant, col, live string, sets []string) string {
	if slots == 1 {
		return `UPDATE ` + table + ` SET ` + strings.Join(sets, ", ") + ` WHERE ` + key + ` = (SELECT ` + key + ` FROM ` + table +
			` WHERE ` + b.filter(id) + ` IS NULL AND lower(` + col + `) = ` + b.d.value(`lower(`+q.p(argAdopt, 0)+`)`) + b.tenantCond(q, "", tenant) + live +
			` ORDER BY ` + key + ` LIMIT 1) AND ` + id + ` IS NULL`
	}
	probes := make([]string, slots)
	for i := range probes {
		probes[i] = `SELECT ` + key + ` AS k FROM ` + table + ` WHERE ` + b.filter(id) + ` IS NULL AND lower(` + col + `) = ` +
			b.d.value(`lower(`+q.p(argAdopt, i)+`)`) + b.tenantCond(q, "", tenant) + live
	}
	return `UPDATE ` + table + ` SET ` + strings.Join(sets, ", ") + ` WHERE ` + key + ` = (SELECT min(k) FROM (` +
		strings.Join(probes, " UNION ALL ") + `) AS adopt) AND ` + id + ` IS NULL`
}

// buildSQL builds the bridge's statements from its checked mapping into
// st, their adoptions comparing slots spellings of the value (adoptSQL).
func (b *Bridge) buildSQL(st *bridgeSQL, slots int) {
	ut := &b.t.Users
	// A user's row: its columns and their values (argTenant of a
	// tenant column is rendered by userRow's caller's qb).
	userRow := func(q *qb) (cols, vals []string) {
		cols, vals = []string{ut.ID}, []string{q.p(argID, 0)}
		if ut.Tenant != "" {
			cols, vals = append(cols, ut.Tenant), append(vals, q.p(argTenant, 0))
		}
		for i, c := range b.users {
			cols, vals = append(cols, c.col), append(vals, q.p(argUserCol, i))
		}
		if ut.SoftDelete != "" {
			cols, vals = append(cols, ut.SoftDelete), append(vals, b.lit(false))
		}
		return cols, vals
	}
	q := &qb{d: b.d}
	cols, vals := userRow(q)
	insertUser := `INSERT INTO ` + ut.Table + ` (` + strings.Join(cols, ", ") + `) `
	st.userInsert = q.stmt(insertUser + `VALUES (` + strings.Join(vals, ", ") + `)`)
	if b.d.pg {
		// Folded (see fold): after w, by reading its row; else: unless
		// host_updated updated a row.
		st.userInsertFold = q.stmt(`host_user AS (` + insertUser + `SELECT ` + strings.Join(vals, ", ") + ` FROM (SELECT 1 FROM w LIMIT 1) AS done)`)
		st.userInsertElseFold = q.stmt(`host_user AS (` + insertUser + `SELECT ` + strings.Join(vals, ", ") + ` FROM (SELECT 1 FROM w LIMIT 1) AS done` +
			` WHERE NOT EXISTS (SELECT 1 FROM host_updated))`)
	}
	if ut.Adopt != nil {
		q := &qb{d: b.d}
		cols, vals := userRow(q)
		sets := assignments(cols, vals, ut.Tenant)
		adopt := b.adoptSQL(q, slots, ut.Table, ut.ID, ut.Key, ut.Tenant, ut.Adopt.Column, b.liveCond(), sets)
		if b.d.pg {
			// The INSERT runs when the UPDATE adopted nothing.
			st.userAdoptOrInsert = q.stmt(`WITH adopted AS (` + adopt + ` RETURNING 1) ` + insertUser + `SELECT ` + strings.Join(vals, ", ") +
				` WHERE NOT EXISTS (SELECT 1 FROM adopted)`)
			// Folded (see fold): both after w, the UPDATE by a condition
			// on w, which the planner checks first (a one-time filter),
			// the INSERT by reading w's row; else: unless host_updated
			// updated a row.
			for _, unless := range []string{"", ` AND NOT EXISTS (SELECT 1 FROM host_updated)`} {
				q := &qb{d: b.d}
				cols, vals := userRow(q)
				adopt := b.adoptSQL(q, slots, ut.Table, ut.ID, ut.Key, ut.Tenant, ut.Adopt.Column, b.liveCond(), assignments(cols, vals, ut.Tenant))
				fold := q.stmt(`host_adopted AS (` + adopt + ` AND EXISTS (SELECT 1 FROM w)` + unless + ` RETURNING 1), host_user AS (` +
					insertUser + `SELECT ` + strings.Join(vals, ", ") + ` FROM (SELECT 1 FROM w LIMIT 1) AS done WHERE NOT EXISTS (SELECT 1 FROM host_adopted)` + unless + `)`)
				if unless == "" {
					st.userAdoptOrInsertFold = fold
				} else {
					st.userAdoptOrInsertElseFold = fold
				}
			}
		} else {
			st.userAdopt = q.stmt(adopt)
		}
	}
	// An update writes the columns of the attributes it changed only:
	// the others keep what the host may have written, and SQLite
	// rewrites only the indexes of the columns an UPDATE sets. One
	// statement per set of columns: all of them, and each attribute's
	// (a PATCH changes one, mostly), built here; others when first used.
	b.userUpdateSQL(b.userMask(nil))
	for _, top := range b.userTops {
		b.userUpdateSQL(b.userMask([]string{top}))
	}
	q = &qb{d: b.d}
	del := `DELETE FROM ` + ut.Table
	if ut.SoftDelete != "" {
		sets := []string{ut.SoftDelete + " = " + b.lit(true), ut.ID + " = NULL"}
		for _, c := range b.users {
			if c.p.flag {
				sets = append(sets, c.col+" = "+b.lit(false))
			}
		}
		del = `UPDATE ` + ut.Table + ` SET ` + strings.Join(sets, ", ")
	}
	st.userDelete = q.stmt(del + ` WHERE ` + ut.ID + ` = ` + q.val(argID, 0) + b.tenantCond(q, "", ut.Tenant))
	if b.d.pg {
		st.userDeleteFold = foldAfterW("host_deleted", st.userDelete)
	}

	if gt := b.t.Groups; gt != nil {
		groupRow := func(q *qb) (cols, vals []string) {
			cols, vals = []string{gt.ID}, []string{q.p(argID, 0)}
			if gt.Tenant != "" {
				cols, vals = append(cols, gt.Tenant), append(vals, q.p(argTenant, 0))
			}
			for i, c := range b.groups {
				cols, vals = append(cols, c.col), append(vals, q.p(argGroupCol, i))
			}
			return cols, vals
		}
		q := &qb{d: b.d}
		cols, vals := groupRow(q)
		insertGroup := `INSERT INTO ` + gt.Table + ` (` + strings.Join(cols, ", ") + `) `
		st.groupInsert = q.stmt(insertGroup + `VALUES (` + strings.Join(vals, ", ") + `)`)
		if gt.Adopt != nil {
			q := &qb{d: b.d}
			cols, vals := groupRow(q)
			sets := assignments(cols, vals, gt.Tenant)
			adopt := b.adoptSQL(q, slots, gt.Table, gt.ID, gt.Key, gt.Tenant, gt.Adopt.Column, "", sets)
			if b.d.pg {
				st.groupAdoptOrInsert = q.stmt(`WITH adopted AS (` + adopt + ` RETURNING 1) ` + insertGroup + `SELECT ` + strings.Join(vals, ", ") +
					` WHERE NOT EXISTS (SELECT 1 FROM adopted)`)
			} else {
				st.groupAdopt = q.stmt(adopt)
			}
		}
		q = &qb{d: b.d}
		st.groupUpdate = q.stmt(`UPDATE ` + gt.Table + ` SET ` + b.groupSets(q) + ` WHERE ` + gt.ID + ` = ` + q.val(argID, 0) + b.tenantCond(q, "", gt.Tenant))
		q = &qb{d: b.d}
		st.groupDelete = q.stmt(`DELETE FROM ` + gt.Table + ` WHERE ` + gt.ID + ` = ` + q.val(argID, 0) + b.tenantCond(q, "", gt.Tenant))
		if b.d.pg {
			st.groupDeleteFold = foldAfterW("host_deleted", st.groupDelete)
			b.buildGroupFolds(st, slots, groupRow, insertGroup)
		}
	}

	if mt := b.t.Members; mt != nil {
		gt := b.t.Groups
		// drop deletes the join rows of a user (or a group) about to be
		// deleted. With host keys, on SQLite, they are those of the key
		// its SCIM id finds (a unique column, as membersRemove has it):
		// for a column IN (SELECT ...) SQLite reckons on 25 values, and
		// with statistics of a join table that was small when analyzed
		// it scanned the table for them, every deletion reading every
		// membership as the table grew; an equality it looks up in the
		// join table's index on the column. PostgreSQL plans the IN as
		// one lookup.
		keyIs := " IN "
		if !b.d.pg {
			keyIs = " = "
		}
		drop := func(user bool) bstmt {
			col, table, idCol, key, tcol := mt.User, ut.Table, ut.ID, ut.Key, ut.Tenant
			if !user {
				col, table, idCol, key, tcol = mt.Group, gt.Table, gt.ID, gt.Key, gt.Tenant
			}
			q := &qb{d: b.d}
			var s string
			if mt.HostKeys {
				s = `DELETE FROM ` + mt.Table + ` WHERE ` + col + keyIs + `(SELECT ` + key + ` FROM ` + table + ` WHERE ` + idCol + ` = ` + q.val(argID, 0) + b.tenantCond(q, "", tcol) + `)`
			} else {
				s = `DELETE FROM ` + mt.Table + ` WHERE ` + col + ` = ` + q.val(argID, 0)
			}
			return q.stmt(s + b.tenantCond(q, "", mt.Tenant))
		}
		st.userDrop, st.groupDrop = drop(true), drop(false)
		if b.d.pg {
			st.userDropFold, st.groupDropFold = foldAfterW("host_dropped", st.userDrop), foldAfterW("host_dropped", st.groupDrop)
		}
	}
}

// buildGroupFolds builds the folded forms of a group's create and update
// (PostgreSQL; see foldGroup): WITH items after the store's item w, the
// INSERT or UPDATE of scim_groups. A create adopts the matching team
// (host_group_adopted) else inserts one (host_group); an update writes
// the team's columns (host_group_updated), else, for a group created
// before the bridge, creates it as a create does. With Members.HostKeys
// each item returns the team's key, and host_team (k) yields it, so
// that the join rows written in the same statement (teamAddFold,
// teamRemoveFold) name the team whichever item wrote it: a team created
// by the statement is not in the statement's snapshot of the table.
func (b *Bridge) buildGroupFolds(st *bridgeSQL, slots int, groupRow func(q *qb) (cols, vals []string), insertGroup string) {
	gt := b.t.Groups
	ret := "1"
	hostKeys := b.t.Members != nil && b.t.Members.HostKeys
	if hostKeys {
		ret = gt.Key
	}
	// build renders one form: update, an UPDATE first; adopt, an
	// adoption before the INSERT.
	build := func(update, adopt bool) bstmt {
		q := &qb{d: b.d}
		cols, vals := groupRow(q)
		var items, from []string
		unless := ""
		if update {
			items = append(items, `host_group_updated AS (UPDATE `+gt.Table+` SET `+b.groupSets(q)+` WHERE `+gt.ID+` = `+q.p(argID, 0)+
				b.tenantCond(q, "", gt.Tenant)+` AND EXISTS (SELECT 1 FROM w) RETURNING `+ret+`)`)
			from = append(from, "host_group_updated")
			unless = ` AND NOT EXISTS (SELECT 1 FROM host_group_updated)`
		}
		cond := ` WHERE TRUE` + unless
		if adopt {
			a := b.adoptSQL(q, slots, gt.Table, gt.ID, gt.Key, gt.Tenant, gt.Adopt.Column, "", assignments(cols, vals, gt.Tenant))
			items = append(items, `host_group_adopted AS (`+a+` AND EXISTS (SELECT 1 FROM w)`+unless+` RETURNING `+ret+`)`)
			from = append(from, "host_group_adopted")
			cond = ` WHERE NOT EXISTS (SELECT 1 FROM host_group_adopted)` + unless
		}
		items = append(items, `host_group AS (`+insertGroup+`SELECT `+strings.Join(vals, ", ")+` FROM (SELECT 1 FROM w LIMIT 1) AS done`+cond+` RETURNING `+ret+`)`)
		from = append(from, "host_group")
		if hostKeys {
			sel := make([]string, len(from))
			for i, f := range from {
				sel[i] = `SELECT ` + gt.Key + ` FROM ` + f
			}
			items = append(items, `host_team (k) AS (`+strings.Join(sel, ` UNION ALL `)+`)`)
		}
		return q.stmt(strings.Join(items, ", "))
	}
	st.groupInsertFold, st.groupUpdateFold = build(false, false), build(true, false)
	if gt.Adopt != nil {
		st.groupAdoptOrInsertFold, st.groupUpdateElseAdoptFold = build(false, true), build(true, true)
	}
}

// stmtsFor returns the statements that adopt by v, a Match value in NFC
// ("" adopts nothing): b.spelled when v has more than one of
// adoptSpellings, else b.sql, which compares v alone.
func (b *Bridge) stmtsFor(v string) *bridgeSQL {
	if b.spelled == nil || oneSpelling(v) {
		return &b.sql
	}
	return b.spelled
}

// userStmts returns the statements that create u's host row (stmtsFor).
func (b *Bridge) userStmts(u *resources.User) *bridgeSQL {
	if b.t.Users.Adopt == nil {
		return &b.sql
	}
	return b.stmtsFor(b.adoptUser(u))
}

// createUser adopts the matching unmanaged row or inserts one: on
// PostgreSQL in one statement (the INSERT runs when the UPDATE adopted
// nothing), on SQLite, where a statement costs no round trip, with the
// INSERT only when the UPDATE adopted nothing.
func (b *Bridge) createUser(ctx context.Context, tx wtx, tenant string, u *resources.User) error {
	x := &binding{id: u.ID, tenant: tenant, u: u}
	if b.t.Users.Adopt != nil {
		x.adopt = b.adoptUser(u)
	}
	sq := b.stmtsFor(x.adopt)
	return b.create(ctx, tx, x, &sq.userInsert, &sq.userAdopt, &sq.userAdoptOrInsert)
}

// create inserts the row of x, or, when x has a value to adopt by,
// adopts the matching unmanaged row else inserts (see createUser).
func (b *Bridge) create(ctx context.Context, tx wtx, x *binding, insert, adopt, adoptOrInsert *bstmt) error {
	ctx = tx.point(ctx) // one row, found by key or inserted
	if x.adopt == "" {
		_, err := b.run(ctx, tx, insert, x)
		return err
	}
	if b.d.pg {
		_, err := b.run(ctx, tx, adoptOrInsert, x)
		return err
	}
	n, err := b.run(ctx, tx, adopt, x)
	if err != nil || n > 0 {
		return err
	}
	_, err = b.run(ctx, tx, insert, x)
	return err
}

// userMask returns the set of b.users an update of attrs (nil: all)
// writes, one bit each (a mapping of more than 64 columns writes all of
// them on every update).
func (b *Bridge) userMask(attrs []string) uint64 {
	var m uint64
	for i, c := range b.users {
		if i >= 64 {
			return ^uint64(0)
		}
		if attrs == nil || slices.ContainsFunc(attrs, func(at string) bool { return names.Equal(at, c.p.top) }) {
			m |= 1 << i
		}
	}
	return m
}

// userUpdate is the UPDATE of one set of users' columns: plain, as
// onChange runs it, and, on PostgreSQL, folded, as fold renders it for
// a WITH (after the store's own item w).
type userUpdate struct {
	plain, folded bstmt
}

// userUpdateSQL returns the UPDATE of the columns of mask, built once
// (both forms), so that a write renders no statement text of its own.
func (b *Bridge) userUpdateSQL(mask uint64) *userUpdate {
	if st, ok := b.userUpdates.Load(mask); ok {
		return st.(*userUpdate)
	}
	ut := &b.t.Users
	q := &qb{d: b.d}
	sets := make([]string, 0, len(b.users))
	for i, c := range b.users {
		if i >= 64 || mask&(1<<i) != 0 {
			sets = append(sets, c.col+" = "+q.p(argUserCol, i))
		}
	}
	if len(sets) == 0 {
		sets = []string{ut.ID + " = " + ut.ID}
	}
	st := &userUpdate{plain: q.stmt(`UPDATE ` + ut.Table + ` SET ` + strings.Join(sets, ", ") + ` WHERE ` + ut.ID + ` = ` + q.val(argID, 0) + b.tenantCond(q, "", ut.Tenant))}
	if b.d.pg {
		st.folded = bstmt{q: `host_updated AS (` + st.plain.q + ` AND EXISTS (SELECT 1 FROM w) RETURNING 1)`, args: st.plain.args}
	}
	got, _ := b.userUpdates.LoadOrStore(mask, st)
	return got.(*userUpdate)
}

// updateUser writes the mapped columns of the attributes attrs names
// (nil: all of them).
func (b *Bridge) updateUser(ctx context.Context, tx wtx, tenant string, u *resources.User, attrs []string) error {
	n, err := b.run(tx.point(ctx), tx, &b.userUpdateSQL(b.userMask(attrs)).plain, &binding{id: u.ID, tenant: tenant, u: u})
	if err != nil || n > 0 {
		return err
	}
	// No row: the user was created before the bridge was set up.
	return b.createUser(ctx, tx, tenant, u)
}

func (b *Bridge) deleteUser(ctx context.Context, tx wtx, tenant, id string) error {
	return b.deleteRow(ctx, tx, &binding{id: id, tenant: tenant}, &b.sql.userDrop, &b.sql.userDelete)
}

// deleteRow runs del on the host's row x names, after drop on its join
// rows when the mapping has a membership table. The join rows are as
// many as the team's members, or the user's teams, and their deletion
// keeps ctx, as the store's deletions do (Store.point); the row is one.
func (b *Bridge) deleteRow(ctx context.Context, tx wtx, x *binding, drop, del *bstmt) error {
	if b.t.Members != nil {
		if _, err := b.run(ctx, tx, drop, x); err != nil {
			return err
		}
	}
	_, err := b.run(tx.point(ctx), tx, del, x)
	return err
}

func (b *Bridge) createGroup(ctx context.Context, tx wtx, tenant string, g *resources.Group) error {
	x := &binding{id: g.ID, tenant: tenant, g: g}
	if b.t.Groups.Adopt != nil {
		x.adopt = b.adoptGroup(g)
	}
	sq := b.stmtsFor(x.adopt)
	return b.create(ctx, tx, x, &sq.groupInsert, &sq.groupAdopt, &sq.groupAdoptOrInsert)
}

func (b *Bridge) updateGroup(ctx context.Context, tx wtx, tenant string, g *resources.Group) error {
	n, err := b.run(tx.point(ctx), tx, &b.sql.groupUpdate, &binding{id: g.ID, tenant: tenant, g: g})
	if err != nil || n > 0 {
		return err
	}
	// No row: the group was created before the bridge was set up.
	return b.createGroup(ctx, tx, tenant, g)
}

func (b *Bridge) deleteGroup(ctx context.Context, tx wtx, tenant, id string) error {
	return b.deleteRow(ctx, tx, &binding{id: id, tenant: tenant}, &b.sql.groupDrop, &b.sql.groupDelete)
}

// idList renders SQLite list parameter p as a table j(value), to join
// the users table from: driving the join from the list, one index lookup
// per id, whatever the planner's statistics say of the ID column.
func (b *Bridge) idList(p string) string {
	return `json_each(` + p + `) AS j`
}

// members inserts or deletes the join rows of group gid and the users
// among ids, in one statement.
func (b *Bridge) members(ctx context.Context, tx wtx, tenant, gid string, ids []string, add bool) error {
	form := memberRemove
	if add {
		form = memberAdd
	}
	st, x := b.memberCall(form, tenant, gid, ids)
	_, err := b.run(tx.pointFor(ctx, len(ids)), tx, st, x)
	return err
}

// memberBinding binds the member statements of group gid and the member
// ids: on PostgreSQL up to maxIDParams ids a parameter each (binding.ids,
// argItem; dialect.eachID says why), otherwise one list (argList), a
// JSON array on SQLite. A change of 3 members in and 3 out, whose
// version's UPDATE carries the join rows (foldMembers), spent 0.23-0.29
// ms planning that statement on every request with the ids as one array,
// twice its execution (pg_stat_statements; BENCHMARKS.md, "The mapping
// bridge", branch bridgepg).
// memberCall is the statement of form for the members ids of group gid
// of tenant, with its binding: memberStmt of as many ids as
// memberBinding bound one parameter each (0 for a list), so the two
// never disagree.
func (b *Bridge) memberCall(form memberForm, tenant, gid string, ids []string) (*bstmt, *binding) {
	x := b.memberBinding(tenant, gid, ids)
	return b.memberStmt(form, len(x.ids)), x
}

func (b *Bridge) memberBinding(tenant, gid string, ids []string) *binding {
	x := &binding{id: gid, tenant: tenant}
	if b.d.eachID(len(ids)) {
		x.ids = ids
	} else {
		x.list = b.d.listArg(ids)
	}
	return x
}

// memberForm is one of the member statements' forms.
type memberForm uint8

const (
	memberAdd        memberForm = iota // insert the join rows (onChange)
	memberRemove                       // delete them (onChange)
	memberAddFold                      // memberAdd as the WITH item host_added, after the store's w
	memberRemoveFold                   // memberRemove as host_removed, likewise
	teamAddFold                        // memberAddFold of the team host_team yields (buildGroupFolds)
	teamRemoveFold                     // memberRemoveFold likewise
)

// memberKey names a member statement: its form and how many ids it
// binds one parameter each (0: a list, argList).
type memberKey struct {
	form memberForm
	n    int
}

// memberStmt returns the member statement of form for n ids bound one
// parameter each (0: a list parameter), built on first use and kept.
func (b *Bridge) memberStmt(form memberForm, n int) *bstmt {
	k := memberKey{form, n}
	if st, ok := b.memberStmts.Load(k); ok {
		return st.(*bstmt)
	}
	var st bstmt
	switch form {
	case memberAdd, memberRemove:
		st = b.buildMembers(form == memberAdd, n, "")
	case memberAddFold, memberRemoveFold:
		// Only when the store's UPDATE of the group's version (w) wrote
		// its row, which a member change that changes nothing does not.
		// An add and a removal have items of their own names, so that
		// one statement can carry both (foldMembers).
		add := form == memberAddFold
		st = b.buildMembers(add, n, ` AND EXISTS (SELECT 1 FROM w)`)
		name := map[bool]string{true: "host_added", false: "host_removed"}[add]
		st.q = name + ` AS (` + st.q + `)`
	case teamAddFold, teamRemoveFold:
		st = b.buildTeamFold(form == teamAddFold, n)
	}
	got, _ := b.memberStmts.LoadOrStore(k, &st)
	return got.(*bstmt)
}

// buildMembers builds the statement that inserts (add) or deletes the
// join rows of group argID and the users among the entry's ids (n of
// them bound one each, see qb.in), with gate, a condition the statement
// adds to its own (a fold's "the store's write wrote its row").
func (b *Bridge) buildMembers(add bool, n int, gate string) bstmt {
	mt, gt, ut := b.t.Members, b.t.Groups, &b.t.Users
	q := &qb{d: b.d}
	// From the list, then users (SQLite, see idList); from users by
	// their ids (PostgreSQL, whose planner looks the ids up in the
	// index).
	var from, match, inList string
	if b.d.pg {
		from, match = ` FROM `+ut.Table+` u`, ` WHERE `+q.in("u."+ut.ID, n)
		inList = q.in(mt.User, n)
	} else {
		lp := q.p(argList, 0)
		from, match = ` FROM `+b.idList(lp)+` CROSS JOIN `+ut.Table+` u`, ` WHERE u.`+ut.ID+` = j.value`
		inList = b.d.inList(mt.User, lp)
	}
	switch {
	case add && mt.HostKeys:
		cols, sel := mt.Group+", "+mt.User, "g."+gt.Key+", u."+ut.Key
		if mt.Tenant != "" {
			cols, sel = cols+", "+mt.Tenant, sel+", "+q.p(argTenant, 0)
		}
		return q.stmt(`INSERT INTO ` + mt.Table + ` (` + cols + `) SELECT ` + sel + from + ` CROSS JOIN ` + gt.Table + ` g` +
			match + b.tenantCond(q, "u.", ut.Tenant) + ` AND g.` + gt.ID + ` = ` + q.val(argID, 0) + b.tenantCond(q, "g.", gt.Tenant) + gate +
			` ON CONFLICT DO NOTHING`)
	case add:
		cols, sel := mt.Group+", "+mt.User, q.p(argID, 0)+", u."+ut.ID
		if mt.Tenant != "" {
			cols, sel = cols+", "+mt.Tenant, sel+", "+q.p(argTenant, 0)
		}
		return q.stmt(`INSERT INTO ` + mt.Table + ` (` + cols + `) SELECT ` + sel + from +
			match + b.tenantCond(q, "u.", ut.Tenant) + gate + ` ON CONFLICT DO NOTHING`)
	case mt.HostKeys:
		return q.stmt(`DELETE FROM ` + mt.Table + ` WHERE ` + mt.Group + ` = (SELECT ` + gt.Key + ` FROM ` + gt.Table + ` WHERE ` + gt.ID + ` = ` + q.val(argID, 0) + b.tenantCond(q, "", gt.Tenant) + `)` +
			` AND ` + mt.User + ` IN (SELECT u.` + ut.Key + from + match + b.tenantCond(q, "u.", ut.Tenant) + `)` + b.tenantCond(q, "", mt.Tenant) + gate)
	default:
		return q.stmt(`DELETE FROM ` + mt.Table + ` WHERE ` + mt.Group + ` = ` + q.val(argID, 0) + ` AND ` + inList + b.tenantCond(q, "", mt.Tenant) + gate)
	}
}

// buildTeamFold builds the WITH item that inserts (add) or deletes the
// join rows of the team host_team yields (see buildGroupFolds) and the
// users among the entry's ids (n of them bound one each, see qb.in), on
// PostgreSQL with Members.HostKeys.
func (b *Bridge) buildTeamFold(add bool, n int) bstmt {
	mt, ut := b.t.Members, &b.t.Users
	q := &qb{d: b.d}
	users := q.in("u."+ut.ID, n)
	if add {
		cols, sel := mt.Group+", "+mt.User, "t.k, u."+ut.Key
		if mt.Tenant != "" {
			cols, sel = cols+", "+mt.Tenant, sel+", "+q.p(argTenant, 0)
		}
		return q.stmt(`host_added AS (INSERT INTO ` + mt.Table + ` (` + cols + `) SELECT ` + sel + ` FROM host_team t CROSS JOIN ` + ut.Table + ` u WHERE ` +
			users + b.tenantCond(q, "u.", ut.Tenant) + ` ON CONFLICT DO NOTHING)`)
	}
	return q.stmt(`host_removed AS (DELETE FROM ` + mt.Table + ` WHERE ` + mt.Group + ` IN (SELECT k FROM host_team) AND ` + mt.User + ` IN (SELECT u.` + ut.Key +
		` FROM ` + ut.Table + ` u WHERE ` + users + b.tenantCond(q, "u.", ut.Tenant) + `)` + b.tenantCond(q, "", mt.Tenant) + `)`)
}

// Querier is what UnmanagedUsers reads through: a *sql.DB (Store.DB), a
// *sql.Tx or a *sql.Conn. The store's own reads take it too.
type Querier interface {
	// QueryContext is database/sql's: it runs query with args.
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// UnmanagedUsers lists the host's accounts of tenant that SCIM does not
// manage: the rows whose SCIM id column is NULL (soft-deleted rows left
// out), in Key order (else the database's), each as column name to value
// (the key and the mapped columns). These are the accounts the identity
// provider has not sent (or not yet: a create of a matching user adopts
// one, see UserTable.Adopt); the bridge never changes or removes them,
// so a host decides what becomes of them (keep them as local accounts,
// disable them, ask the customer). A tenant other than the default ("")
// is an error when UserTable.Tenant is empty (see HostTables).
func (b *Bridge) UnmanagedUsers(ctx context.Context, db Querier, tenant string) ([]map[string]any, error) {
	if err := b.admits(tenant, false); err != nil {
		return nil, err // every tenant's accounts, else
	}
	ut := &b.t.Users
	var cols []string
	if ut.Key != "" {
		cols = append(cols, ut.Key)
	}
	for _, c := range b.users {
		cols = append(cols, c.col)
	}
	if ut.Adopt != nil && !slices.Contains(cols, ut.Adopt.Column) {
		cols = append(cols, ut.Adopt.Column)
	}
	if len(cols) == 0 {
		cols = append(cols, ut.ID)
	}
	qs := &qb{d: b.d}
	q := `SELECT ` + strings.Join(cols, ", ") + ` FROM ` + ut.Table + ` WHERE ` + ut.ID + ` IS NULL` + b.tenantCond(qs, "", ut.Tenant)
	q += b.liveCond()
	if ut.Key != "" {
		q += ` ORDER BY ` + ut.Key
	}
	st := qs.stmt(q)
	rows, err := db.QueryContext(ctx, q, b.bind(&st, &binding{tenant: tenant})...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: unmanaged users: %w", err)
	}
	defer rows.Close()
	var out []map[string]any
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, fmt.Errorf("sqlstore: unmanaged users: %w", err)
		}
		row := make(map[string]any, len(cols))
		for i, c := range cols {
			v := vals[i]
			if bs, ok := v.([]byte); ok {
				v = string(bs)
			}
			row[strings.Trim(c, `"`)] = v
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: unmanaged users: %w", err)
	}
	return out, nil
}

// assignments renders "col = value" for each column of a row but skip
// (the tenant column, which an adoption matches and never changes).
func assignments(cols, vals []string, skip string) []string {
	sets := make([]string, 0, len(cols))
	for i, c := range cols {
		if c != skip {
			sets = append(sets, c+" = "+vals[i])
		}
	}
	return sets
}
