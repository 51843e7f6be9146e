package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/query"
)

// nameTaken is the error of a write whose unique name (userName, group
// displayName) another row of the tenant holds. It is a store.ErrConflict;
// explainConflict turns it into one that names the other resource's name,
// once the transaction is over (PostgreSQL refuses statements in a
// transaction that failed).
type nameTaken struct {
	users                 bool
	tenant, id, name, key string
}

func (e *nameTaken) Error() string {
	return query.NameConflict(namesOf(e.users).attr, e.name, "").Error()
}

// nameCols are where a resource type keeps its unique name.
type nameCols struct {
	table, col, key, dup string
	attr, resourceType   string
}

// namesOf returns the name columns of users or of groups.
func namesOf(users bool) nameCols {
	if users {
		return nameCols{"scim_users", "user_name", "user_name_key", "user_name_dup", "userName", "User"}
	}
	return nameCols{"scim_groups", "display_name", "display_name_key", "display_name_dup", "displayName", "Group"}
}

func (e *nameTaken) Unwrap() error { return store.ErrConflict }

// explainConflict returns err, or for a nameTaken the query.NameConflict
// that names the name in the way, read after the failed transaction: a
// conflict costs one more statement, a write nothing.
func (s *Store) explainConflict(ctx context.Context, err error) error {
	var ut *uniqueTaken
	if errors.As(err, &ut) {
		if ut.name != nil {
			// PostgreSQL's create checks both in one statement, in no
			// set order: the name wins, as it does on the other stores.
			if n, existing := s.nameHolder(ctx, ut.name); existing != "" {
				return query.NameConflict(n.attr, ut.name.name, existing)
			}
		}
		return s.explainUnique(ctx, ut)
	}
	var nt *nameTaken
	if !errors.As(err, &nt) {
		return err
	}
	n, existing := s.nameHolder(ctx, nt)
	return query.NameConflict(n.attr, nt.name, existing)
}

// nameHolder returns the name columns of nt's resource type and the name
// of the other resource of the tenant that holds nt's key, or "" when
// there is none (gone since, or unreadable).
func (s *Store) nameHolder(ctx context.Context, nt *nameTaken) (nameCols, string) {
	n := namesOf(nt.users)
	var existing string
	// The key's unique index is the only one of the name (migration
	// 0013 dropped the folded column's), so the row in the way holds the
	// key, and that index finds it.
	qerr := s.r.QueryRowContext(ctx, `SELECT `+n.col+` FROM `+n.table+` WHERE tenant = `+s.d.boundPh(1)+` AND id <> `+s.d.ph(2)+
		` AND `+n.key+` = `+s.d.boundPh(3)+` ORDER BY seq LIMIT 1`, nt.tenant, nt.id, nt.key).Scan(&existing)
	if qerr != nil {
		existing = "" // gone since, or unreadable: the plain message
	}
	return n, existing
}

// fillNameKeys is the Go part of migration 0004: it computes the
// query.NameKey of every user's userName and group's displayName (one
// UPDATE per batch of rows), marks the rows that share their key with an
// older row of their tenant, and only then creates the unique indexes, all
// in the migration's transaction. A marked row is one whose name was
// distinct from an older one under the old case fold and is one identity
// with it now (NFC and NFD "café"): it is kept as it is, its *_dup column
// holding its own id, so the unique index (tenant, key, dup) admits it.
// Nothing is lost, eq finds both, and no new resource may take the key;
// SharedNames lists the marked rows for an administrator to rename or
// delete one of each pair.
func (s *Store) fillNameKeys(ctx context.Context, tx *sql.Tx) error {
	for _, users := range []bool{true, false} {
		n := namesOf(users)
		table, col, key, dup := n.table, n.col, n.key, n.dup
		rt := s.model.Group
		if users {
			rt = s.model.User
		}
		// Batches in (tenant, seq) order, which an index of both
		// databases serves: the order of the fill does not matter.
		var (
			afterTenant string
			afterSeq    int64 = -1
		)
		for {
			rows, err := tx.QueryContext(ctx, `SELECT tenant, seq, id, `+col+` FROM `+table+` WHERE (tenant, seq) > (`+s.d.ph(1)+`, `+s.d.ph(2)+`)
				ORDER BY tenant, seq LIMIT `+s.d.ph(3), afterTenant, afterSeq, reindexBatch)
			if err != nil {
				return fmt.Errorf("sqlstore: fill %s: %w", key, err)
			}
			a := &args{d: s.d}
			var vals []string
			for rows.Next() {
				var id, name string
				if err := rows.Scan(&afterTenant, &afterSeq, &id, &name); err != nil {
					rows.Close()
					return fmt.Errorf("sqlstore: fill %s: %w", key, err)
				}
				vals = append(vals, "("+a.add(afterTenant)+", "+a.add(id)+", "+a.add(s.nameKey(rt, name))+")")
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return fmt.Errorf("sqlstore: fill %s: %w", key, err)
			}
			if len(vals) > 0 {
				if _, err := tx.ExecContext(ctx, `WITH v (tenant, id, k) AS (VALUES `+joinComma(vals)+`)
					UPDATE `+table+` SET `+key+` = v.k FROM v WHERE `+table+`.tenant = v.tenant AND `+table+`.id = v.id`, a.vals...); err != nil {
					return fmt.Errorf("sqlstore: fill %s: %w", key, err)
				}
			}
			if len(vals) < reindexBatch {
				break
			}
		}
		// The oldest row of each key keeps it; the others are marked.
		if _, err := tx.ExecContext(ctx, `UPDATE `+table+` SET `+dup+` = id WHERE (tenant, id) IN (
			SELECT tenant, id FROM (SELECT tenant, id, row_number() OVER (PARTITION BY tenant, `+key+` ORDER BY seq) AS n FROM `+table+` WHERE `+key+` IS NOT NULL) r WHERE n > 1)`); err != nil {
			return fmt.Errorf("sqlstore: mark shared %s: %w", key, err)
		}
		if _, err := tx.ExecContext(ctx, `CREATE UNIQUE INDEX `+table+`_`+key+` ON `+table+` (tenant, `+key+`, `+dup+`)`); err != nil {
			return fmt.Errorf("sqlstore: index %s: %w", key, err)
		}
	}
	return nil
}

// setNameKeySQL sets the key ($3) of the row (tenant $1, id $2), marked as
// a duplicate (its dup column set to its id) when another unmarked row of
// the tenant holds the key, unmarked otherwise: a duplicate whose older
// twin was renamed or deleted takes the key over at the next Reindex.
// sets are more assignments of the same UPDATE (", col = $4, ...").
func (s *Store) setNameKeySQL(users bool, sets string) string {
	n := namesOf(users)
	table, key, dup := n.table, n.key, n.dup
	p1, p2, p3 := s.d.ph(1), s.d.ph(2), s.d.ph(3)
	return `UPDATE ` + table + ` SET ` + key + ` = ` + p3 + `, ` + dup + ` = CASE WHEN EXISTS (SELECT 1 FROM ` + table + ` o WHERE o.tenant = ` + p1 +
		` AND o.` + key + ` = ` + p3 + ` AND o.` + dup + ` = '' AND o.id <> ` + p2 + `) THEN id ELSE '' END` + sets + ` WHERE tenant = ` + p1 + ` AND id = ` + p2
}

// SharedName is a resource that shares its identity key (query.NameKey)
// with an older resource of its tenant: two users (or groups) stored
// before the key existed, whose names were distinct under the old case
// fold and look the same now. Both are kept; see Store.SharedNames.
type SharedName struct {
	// Tenant is the tenant of both resources.
	Tenant string
	// ResourceType is "User" or "Group".
	ResourceType string
	// ID and Name are the newer resource, the one marked.
	ID, Name string
	// OwnerID and OwnerName are the older resource holding the key, ""
	// when it has since been renamed or deleted (a Reindex then gives the
	// key to the marked one).
	OwnerID, OwnerName string
}

// SharedNames lists the users and groups, of every tenant, that share
// their identity key with an older one (see SharedName), oldest first.
// After the upgrade to schema version 4 it is the report of the names
// that became one identity: rename or delete one of each pair (a filter
// "userName eq" finds both, and a provider may update the wrong one).
// Normally it is empty.
func (s *Store) SharedNames(ctx context.Context) ([]SharedName, error) {
	var out []SharedName
	for _, users := range []bool{true, false} {
		n := namesOf(users)
		table, col, key, dup, rt := n.table, n.col, n.key, n.dup, n.resourceType
		rows, err := s.r.QueryContext(ctx, `SELECT d.tenant, d.id, d.`+col+`, COALESCE(o.id, ''), COALESCE(o.`+col+`, '') FROM `+table+` d
			LEFT JOIN `+table+` o ON o.tenant = d.tenant AND o.`+key+` = d.`+key+` AND o.`+dup+` = ''
			WHERE d.`+dup+` <> '' ORDER BY d.seq`)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: shared names: %w", err)
		}
		for rows.Next() {
			sn := SharedName{ResourceType: rt}
			if err := rows.Scan(&sn.Tenant, &sn.ID, &sn.Name, &sn.OwnerID, &sn.OwnerName); err != nil {
				rows.Close()
				return nil, fmt.Errorf("sqlstore: shared names: %w", err)
			}
			out = append(out, sn)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("sqlstore: shared names: %w", err)
		}
	}
	return out, nil
}
