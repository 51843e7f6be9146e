package sqlstore

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
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

// newID returns a random (version 4) UUID in lower case.
func newID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("sqlstore: crypto/rand: " + err.Error())
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:], b[10:])
	return string(out[:])
}

func formatVersion(n int64) string { return `W/"` + strconv.FormatInt(n, 10) + `"` }

// parseVersion reads an ifVersion: W/"n", "n" or n. ok is false for
// anything else (which then matches no stored version).
func parseVersion(v string) (int64, bool) {
	v = strings.TrimSpace(v)
	if len(v) >= 2 && (v[0] == 'W' || v[0] == 'w') && v[1] == '/' {
		v = v[2:]
	}
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		v = v[1 : len(v)-1]
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 || strconv.FormatInt(n, 10) != v {
		return 0, false
	}
	return n, true
}

func checkVersion(kind, id, ifVersion string, have int64) error {
	if ifVersion == "" {
		return nil
	}
	if n, ok := parseVersion(ifVersion); ok && n == have {
		return nil
	}
	return fmt.Errorf("%w: %s %s is at version %s, not %s", store.ErrPreconditionFailed, kind, id, formatVersion(have), ifVersion)
}

// nullText stores "" as NULL.
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
