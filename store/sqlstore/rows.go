package sqlstore

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/query"
)

// dbTime scans a stored time: a timestamptz (PostgreSQL) or Unix
// microseconds (SQLite). NULL scans as the zero time.
type dbTime struct{ t *time.Time }

// Scan implements sql.Scanner.
func (d dbTime) Scan(src any) error {
	switch x := src.(type) {
	case nil:
		*d.t = time.Time{}
	case time.Time:
		*d.t = x.UTC()
	case int64:
		*d.t = time.UnixMicro(x).UTC()
	default:
		return fmt.Errorf("sqlstore: cannot scan %T as a time", src)
	}
	return nil
}

// ScanTimestamptz implements pgtype.TimestamptzScanner: pgx (rdb.query)
// hands it the time it decoded, not boxed in an any for Scan. An infinite
// timestamp is no time, as for Scan, which gets it as a string.
func (d dbTime) ScanTimestamptz(v pgtype.Timestamptz) error {
	switch {
	case !v.Valid:
		*d.t = time.Time{}
	case v.InfinityModifier != pgtype.Finite:
		return fmt.Errorf("sqlstore: cannot scan %s as a time", v.InfinityModifier)
	default:
		*d.t = v.Time.UTC()
	}
	return nil
}

// dbText scans text, bytes or NULL (as "") into a string.
type dbText struct{ s *string }

// Scan implements sql.Scanner.
func (d dbText) Scan(src any) error {
	switch x := src.(type) {
	case nil:
		*d.s = ""
	case string:
		*d.s = x
	case []byte:
		*d.s = string(x)
	default:
		return fmt.Errorf("sqlstore: cannot scan %T as text", src)
	}
	return nil
}

// dbValue scans any column as database/sql scans into an *any: as the
// driver's value (int64, float64, bool, string, []byte, time.Time or
// nil), also when pgx scans it itself (rdb.query), which would otherwise
// give its own types (int32 for an integer, pgtype.Numeric, ...).
type dbValue struct{ v *any }

// Scan implements sql.Scanner.
func (d dbValue) Scan(src any) error {
	if b, ok := src.([]byte); ok {
		src = append([]byte(nil), b...) // the driver's buffer: not to keep
	}
	*d.v = src
	return nil
}

// scanText is the Scan (sql.Scanner) of a column that into decodes in
// place with its ScanBytes (pgtype.BytesScanner, which pgx calls itself):
// it hands into the column's text as the driver gave it (a []byte it may
// not keep past Scan, a string, or NULL as nil); what names the column in
// the error of another type.
func scanText(src any, what string, into interface{ ScanBytes([]byte) error }) error {
	switch x := src.(type) {
	case nil:
		return into.ScanBytes(nil)
	case []byte:
		return into.ScanBytes(x)
	case string:
		return into.ScanBytes([]byte(x))
	}
	return fmt.Errorf("sqlstore: cannot scan %T as %s", src, what)
}

// newID returns a new time-ordered (version 7) UUID in lower case
// (query.NewUUID), so that a create appends to the indexes that carry it.
func newID() string { return query.NewUUID() }

// checkVersion returns store.ErrPreconditionFailed unless ifVersion is ""
// or names version have (W/"n", "n" or n; see query.ParseVersion).
func checkVersion(kind, id, ifVersion string, have int64) error {
	if ifVersion == "" {
		return nil
	}
	if n, ok := query.ParseVersion(ifVersion); ok && have >= 0 && n == uint64(have) {
		return nil
	}
	return fmt.Errorf("%w: %s %s is at version %s, not %s", store.ErrPreconditionFailed, kind, id, query.FormatVersion(have), ifVersion)
}

// nullText stores "" as NULL.
// storedNames are the indexed names of a user's or group's row as
// stored, read under the row's lock: its userName or displayName, and
// its externalId ("" for NULL).
type storedNames struct{ name, externalID string }

// sets renders, bound to a, the assignments (each followed by ", ") that
// begin the SET list of the UPDATE of a row stored with names n, which
// writes name (column col: user_name or display_name; with its folded
// form fold in col_fold, its key in col_key and the key's duplicate
// mark, col_dup) and externalID: of each, only if it differs from the
// one stored. SQLite rewrites the index entry of every column an UPDATE
// sets, its value changed or not: a group's rename wrote the page of
// scim_groups_external_id with the externalId it had, a user's PUT that
// kept its userName the pages of the name's two indexes (BENCHMARKS.md,
// "The mapping bridge", branch bridgepg). PostgreSQL compares the values
// itself; the statement is the same on both.
func (n storedNames) sets(a *args, col, name, fold, key, externalID string) string {
	var q string
	if name != n.name {
		k := a.add(key)
		// A row that shares its key with an older one since the 0004
		// upgrade (col_dup, see migrations) keeps its mark while it
		// keeps the key, and loses it with a new name.
		q = col + ` = ` + a.add(name) + `, ` + col + `_fold = ` + a.add(fold) +
			`, ` + col + `_dup = CASE WHEN ` + col + `_key = ` + k + ` THEN ` + col + `_dup ELSE '' END, ` + col + `_key = ` + k + `, `
	}
	if externalID != n.externalID {
		q += `external_id = ` + a.add(nullText(externalID)) + `, `
	}
	return q
}

func nullText(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// jsonbExpr renders the SQL that stores JSON text parameter p as a query
// document: jsonb on PostgreSQL, SQLite's binary JSON through jsonb().
func (s *Store) jsonbExpr(p string) string {
	if s.d.pg {
		return p + "::jsonb"
	}
	return "jsonb(" + p + ")"
}

// written is what a write stores of a resource besides its columns.
type written struct {
	doc []byte         // the resource's JSON (without id, meta, password, members)
	q   []byte         // the query document
	qm  map[string]any // the query document as a map
}

func (s *Store) render(rt *resources.ResourceType, v any) (*written, error) {
	doc, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: render %s: %w", rt.Name, err)
	}
	m, err := resources.Decode(doc)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: render %s: %w", rt.Name, err)
	}
	qm := queryDoc(rt, m)
	q, err := json.Marshal(qm)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: render %s: %w", rt.Name, err)
	}
	return &written{doc: doc, q: q, qm: qm}, nil
}

// scanner is *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

// placeholders renders n placeholders from start, comma separated.
func (d *dialect) placeholders(start, n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(d.ph(start + i))
	}
	return b.String()
}
