package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"

	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/query"
)

var _ store.UniqueEnforcer = (*Store)(nil)

// EnforcesUniqueAttributes reports true: the values of the extension
// attributes the model declares unique are rows of scim_user_unique and
// scim_group_unique (migration 0009), written in the transaction of each
// write, whose primary key decides between concurrent writes
// (store.UniqueEnforcer).
func (s *Store) EnforcesUniqueAttributes() bool { return true }

var _ store.IDLimiter = (*Store)(nil)

// MaxIDLen reports query.UUIDLen (store.IDLimiter): every user and group
// id the store gives is a UUID in canonical form (newID), those of its
// earliest release (version 4) included.
func (s *Store) MaxIDLen() int { return query.UUIDLen }

// uniqueCols are where a resource type keeps its unique values.
type uniqueCols struct{ table, idCol string }

func uniqueOf(users bool) uniqueCols {
	if users {
		return uniqueCols{"scim_user_unique", "user_id"}
	}
	return uniqueCols{"scim_group_unique", "group_id"}
}

// uniqueInsert renders the INSERT of the unique values keys of resource
// id, bound to a; "" when there are none.
func (s *Store) uniqueInsert(a *args, users bool, tenant, id string, keys []query.UniqueKey) string {
	if len(keys) == 0 {
		return ""
	}
	u := uniqueOf(users)
	pt, pid := a.add(tenant), a.add(id)
	rows := make([]string, len(keys))
	for i, k := range keys {
		rows[i] = "(" + pt + ", " + a.add(k.Attr) + ", " + a.add(k.Key) + ", " + pid + ")"
	}
	return "INSERT INTO " + u.table + " (tenant, attr, value_key, " + u.idCol + ") VALUES " + joinComma(rows)
}

// uniqueWrite says how writeUnique files a resource's unique values.
type uniqueWrite uint8

// uniqueCreate: a new resource, which has no rows to remove.
const uniqueCreate uniqueWrite = 0

const (
	// uniqueReplace: a write over a stored resource, whose rows go first.
	// When the model declares no unique attribute for the type, there are
	// none, and nothing is done.
	uniqueReplace uniqueWrite = 1 << iota
	// uniqueLeaveHeld (Reindex): a value another resource already holds
	// (two written before the attribute was declared unique) is left to
	// it, the older one, which Reindex filed first, instead of failing.
	uniqueLeaveHeld
)

// writeUnique files resource id under its unique values keys in tx: after
// removing the rows it had when how has uniqueReplace, one DELETE and,
// for a resource with values, one INSERT. A value another resource holds
// makes the INSERT fail on the primary key, a uniqueTaken, unless how has
// uniqueLeaveHeld.
func (s *Store) writeUnique(ctx context.Context, tx *sql.Tx, users bool, tenant, id string, keys []query.UniqueKey, how uniqueWrite) error {
	u, pctx := uniqueOf(users), s.point(ctx)
	if how&uniqueReplace != 0 {
		if (users && len(s.uniqUser) == 0) || (!users && len(s.uniqGroup) == 0) {
			return nil // no unique attribute: no rows to replace
		}
		if _, err := s.wx(tx).ExecContext(pctx, `DELETE FROM `+u.table+` WHERE tenant = `+s.d.ph(1)+` AND `+u.idCol+` = `+s.d.ph(2), tenant, id); err != nil {
			return fmt.Errorf("sqlstore: unique values of %s: %w", id, err)
		}
	}
	a := &args{d: s.d}
	q := s.uniqueInsert(a, users, tenant, id, keys)
	if q == "" {
		return nil
	}
	if how&uniqueLeaveHeld != 0 {
		q += ` ON CONFLICT DO NOTHING`
	}
	if _, err := s.wx(tx).ExecContext(pctx, q, a.vals...); err != nil {
		if isUniqueViolation(err) {
			return &uniqueTaken{users: users, tenant: tenant, id: id, keys: keys}
		}
		return fmt.Errorf("sqlstore: unique values of %s: %w", id, err)
	}
	return nil
}

// uniqueDiff renders, as WITH items of a statement whose item w is the
// user's conditional UPDATE, the DELETE of the rows of the values old the
// write gives up and the INSERT of those of the values next it takes,
// each only when w wrote (PostgreSQL's lock-free UpdateUser). Values kept
// are left alone, so no row is deleted and inserted in one statement.
func (s *Store) uniqueDiff(a *args, tenant, id string, old, next []query.UniqueKey) string {
	in := func(k query.UniqueKey, ks []query.UniqueKey) bool {
		return slices.ContainsFunc(ks, func(o query.UniqueKey) bool { return sameKey(o, k) })
	}
	u := uniqueOf(true)
	pt, pid := a.add(tenant), a.add(id)
	var gone, added []string
	for _, k := range old {
		if !in(k, next) {
			gone = append(gone, `(attr = `+a.add(k.Attr)+` AND value_key = `+a.add(k.Key)+`)`)
		}
	}
	for _, k := range next {
		if !in(k, old) {
			added = append(added, `SELECT `+pt+`::text, `+a.add(k.Attr)+`::text, `+a.add(k.Key)+`::text, `+pid+`::text FROM w`)
		}
	}
	ctes := []string{}
	if len(gone) > 0 {
		ctes = append(ctes, `uqd AS (DELETE FROM `+u.table+` WHERE tenant = `+pt+` AND `+u.idCol+` = `+pid+
			` AND (`+strings.Join(gone, ` OR `)+`) AND EXISTS (SELECT 1 FROM w))`)
	}
	if len(added) > 0 {
		ctes = append(ctes, `uqi AS (INSERT INTO `+u.table+` (tenant, attr, value_key, `+u.idCol+`) `+strings.Join(added, ` UNION ALL `)+`)`)
	}
	return joinComma(ctes)
}

// sameUniqueKeys reports whether a write leaves a resource's unique values
// as they are, so that their rows may stay.
func sameUniqueKeys(a, b []query.UniqueKey) bool {
	return slices.EqualFunc(a, b, sameKey)
}

// sameKey reports whether two keys hold the same value of one attribute.
func sameKey(a, b query.UniqueKey) bool { return a.Attr == b.Attr && a.Key == b.Key }

// uniqueViolation reports whether err is a unique violation of a unique
// values table (rather than of the resource's own unique names).
func uniqueViolation(err error, users bool) bool {
	if !isUniqueViolation(err) {
		return false
	}
	table := uniqueOf(users).table
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.TableName == table || strings.HasPrefix(pe.ConstraintName, table)
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		return strings.Contains(se.Error(), table+".")
	}
	return false
}

// uniqueTaken is the error of a write one of whose unique values keys
// another resource of the tenant holds. It is a store.ErrConflict;
// explainConflict names the value in the way, read after the failed
// transaction.
type uniqueTaken struct {
	users      bool
	tenant, id string
	keys       []query.UniqueKey
	// name, when set, is the resource's unique name, which the failed
	// statement also wrote: explainConflict reports it first when it is
	// taken too.
	name *nameTaken
}

func (e *uniqueTaken) Error() string { return query.UniqueConflict(e.keys[0]).Error() }

func (e *uniqueTaken) Unwrap() error { return store.ErrConflict }

// explainUnique is explainConflict for a uniqueTaken: the conflict of the
// first of its values (in the model's order, as store/memory checks them)
// another resource holds, or of its first value when the others have
// gone since.
func (s *Store) explainUnique(ctx context.Context, ut *uniqueTaken) error {
	if len(ut.keys) > 1 {
		u := uniqueOf(ut.users)
		a := &args{d: s.d}
		var or []string
		pt, pid := a.add(ut.tenant), a.add(ut.id)
		for _, k := range ut.keys {
			or = append(or, "(attr = "+a.add(k.Attr)+" AND value_key = "+a.add(k.Key)+")")
		}
		held := map[[2]string]bool{}
		rows, err := s.r.QueryContext(ctx, `SELECT attr, value_key FROM `+u.table+` WHERE tenant = `+pt+` AND `+u.idCol+` <> `+pid+
			` AND (`+strings.Join(or, " OR ")+`)`, a.vals...)
		if err == nil {
			for rows.Next() {
				var attr, key string
				if rows.Scan(&attr, &key) == nil {
					held[[2]string{attr, key}] = true
				}
			}
			rows.Close()
		}
		for _, k := range ut.keys {
			if held[[2]string{k.Attr, k.Key}] {
				return query.UniqueConflict(k)
			}
		}
	}
	return query.UniqueConflict(ut.keys[0])
}
