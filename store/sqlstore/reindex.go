package sqlstore

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/scimkit/scim/resources"
)

// reindexBatch is how many rows Reindex rewrites per transaction.
const reindexBatch = 500

// Reindex rewrites the query documents, folded columns, identity keys
// (query.NameKey) and email and phone rows of every stored user and
// group, of all tenants, from their stored JSON. A row whose key an older
// row holds stays marked as sharing it (see SharedNames); one whose older
// twin was renamed or deleted takes the key over. Filters compare what these hold, folded as the model of the
// Store said when the row was written; run Reindex once
// after registering an extension for data that already carries it, or
// after any change of an attribute's caseExact (externalId's also
// decides whether a user's query document holds it), and once after a rolling
// upgrade to schema version 4 (a process of the older version writes no
// key, and eq on userName or displayName compares keys). It works in batches of
// rows and may run while the store is in use.
//
// It also files every resource under the values of the attributes the
// model declares unique (store.UniqueEnforcer): run it once after
// declaring an attribute unique over data already stored, which the
// writes before did not file. Where two resources of a tenant already
// hold one value, the older (in creation order) keeps it; the newer keeps
// its value unfiled, and a write of it that keeps the value is refused
// with a 409 until one of them is changed or deleted.
func (s *Store) Reindex(ctx context.Context) error {
	if err := s.reindexTable(ctx, true); err != nil {
		return err
	}
	return s.reindexTable(ctx, false)
}

func (s *Store) reindexTable(ctx context.Context, users bool) error {
	table := namesOf(users).table
	// One UPDATE a row: its identity key, folded columns and query
	// document.
	update := s.setNameKeySQL(false, `, display_name_fold = `+s.d.ph(4)+`, q = `+s.jsonbExpr(s.d.ph(5)))
	if users {
		// user_name_fold is emptied, as a write leaves it (userInsert).
		update = s.setNameKeySQL(true, `, user_name_fold = '', display_fold = `+s.d.ph(4)+`, q = `+s.jsonbExpr(s.d.ph(5)))
	}
	var after int64 = -1
	for {
		done := false
		last := after
		err := s.write(ctx, func(tx *sql.Tx) error {
			last, done = after, false
			rows, err := tx.QueryContext(ctx, `SELECT seq, tenant, id, doc FROM `+table+` WHERE seq > `+s.d.boundPh(1)+` ORDER BY seq LIMIT `+s.d.boundPh(2), after, reindexBatch)
			if err != nil {
				return fmt.Errorf("sqlstore: reindex: %w", err)
			}
			type row struct {
				seq             int64
				tenant, id, doc string
			}
			var batch []row
			for rows.Next() {
				var r row
				if err := rows.Scan(&r.seq, &r.tenant, &r.id, dbText{&r.doc}); err != nil {
					rows.Close()
					return fmt.Errorf("sqlstore: reindex: %w", err)
				}
				batch = append(batch, r)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return fmt.Errorf("sqlstore: reindex: %w", err)
			}
			if len(batch) < reindexBatch {
				done = true
			}
			for _, r := range batch {
				last = r.seq
				if users {
					u, err := resources.UserFromJSON([]byte(r.doc))
					if err != nil {
						return fmt.Errorf("sqlstore: reindex user %s: %w", r.id, err)
					}
					w, err := s.renderUser(u)
					if err != nil {
						return err
					}
					if _, err := tx.ExecContext(ctx, update, r.tenant, r.id, w.userNameKey, w.displayFold, string(w.q)); err != nil {
						return fmt.Errorf("sqlstore: reindex user %s: %w", r.id, err)
					}
					if _, err := tx.ExecContext(ctx, `DELETE FROM scim_user_values WHERE tenant = `+s.d.boundPh(1)+` AND user_id = `+s.d.boundPh(2), r.tenant, r.id); err != nil {
						return fmt.Errorf("sqlstore: reindex user %s: %w", r.id, err)
					}
					if err := s.insertValues(ctx, tx, r.tenant, r.id, w.qm); err != nil {
						return err
					}
					if err := s.writeUnique(ctx, tx, true, r.tenant, r.id, w.unique, uniqueReplace|uniqueLeaveHeld); err != nil {
						return err
					}
					continue
				}
				g, err := resources.GroupFromJSON([]byte(r.doc))
				if err != nil {
					return fmt.Errorf("sqlstore: reindex group %s: %w", r.id, err)
				}
				w, err := s.renderGroup(g)
				if err != nil {
					return err
				}
				if _, err := tx.ExecContext(ctx, update, r.tenant, r.id, w.nameKey, w.nameFold, string(w.q)); err != nil {
					return fmt.Errorf("sqlstore: reindex group %s: %w", r.id, err)
				}
				if err := s.writeUnique(ctx, tx, false, r.tenant, r.id, w.unique, uniqueReplace|uniqueLeaveHeld); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		after = last
		if done {
			return nil
		}
	}
}
