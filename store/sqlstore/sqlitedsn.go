package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
)

// sqliteWriterPragmas are set on the writing connection: wait up to 10s for
// another process's lock, NORMAL sync (durable across application crashes;
// WAL keeps it safe against corruption), foreign keys on, secure_delete, so
// that deleted values (a password removed by a migration, a deleted user)
// are overwritten in the file rather than left in free pages, and
// query_only off, said so that a DSN cannot turn it on. Readers get the
// same, but query_only on (a read can never take the write lock). The
// writer switches the file to write-ahead logging (readers do not block the
// writer; persistent in the file) through the driver's _journal_mode key,
// and begins its transactions IMMEDIATE (_txlock; sqliteWriterKeys). The
// modernc driver runs _pragma parameters on every connection it opens,
// busy_timeout first and the rest in the order of their names, then its own
// keys (but _busy_timeout, run first): journal_mode after them all, since
// switching a new file to WAL writes its first page and so fixes its page
// size, so that a page_size in the host's DSN applies to a new file.
var (
	sqliteWriterPragmas = []string{"busy_timeout(10000)", "synchronous(NORMAL)", "foreign_keys(1)", "secure_delete(1)", "query_only(0)"}
	sqliteReaderPragmas = []string{"busy_timeout(10000)", "synchronous(NORMAL)", "foreign_keys(1)", "secure_delete(1)", "query_only(1)"}
	sqliteWriterKeys    = url.Values{"_txlock": {"immediate"}, "_journal_mode": {"WAL"}}
)

// A host's DSN and the store's settings. The driver gives a DSN's
// _pragma values and its own keys no order the store can rely on against
// its own (secure_delete(FAST) sorts after secure_delete(1) and wins,
// secure_delete(0) before it and loses), so Open decides each setting
// itself: the ones below the store keeps (a DSN that names one with
// another value is refused, saying why), busy_timeout and synchronous the
// host may set instead of the store (synchronous not OFF), and any other
// pragma (page_size, cache_size, mmap_size, ...) is the host's. Open then
// reads the kept settings back from the writer and a reader, so that a
// spelling of a pragma the check does not know cannot change one
// silently either.

// sqliteKept are the settings the store keeps whatever the DSN says, with
// why: its promises rest on them.
var sqliteKept = map[string]string{
	"journal_mode":  "WAL lets reads run beside the writer, which the store's pools are built on",
	"foreign_keys":  "a deleted user's or group's memberships go with it through the schema's foreign keys",
	"secure_delete": "deleted values (a deleted user, a password removed) are overwritten in the file; FAST or 0 leaves them in free pages",
	"query_only":    "the store's readers are query_only, so that a read never takes the write lock, and its writer must write",
	"_txlock":       "the writer begins IMMEDIATE, so that a write holds the write lock from its first statement and never fails midway upgrading it, and the readers DEFERRED, so that a read never takes it",
}

// sqliteHostSet are the settings a DSN may give in place of the store's,
// with the values the store cannot run with ("" when any will do).
var sqliteHostSet = map[string]string{
	"busy_timeout": "",
	"synchronous":  "0", // OFF: a power loss can corrupt the file
}

// sqliteKeys are the driver's DSN keys for the settings above, by
// pragma name (the driver runs them apart from the _pragma list).
var sqliteKeys = map[string]string{
	"_busy_timeout": "busy_timeout", "_timeout": "busy_timeout",
	"_synchronous": "synchronous", "_sync": "synchronous",
	"_foreign_keys": "foreign_keys", "_fk": "foreign_keys",
	"_journal_mode": "journal_mode", "_journal": "journal_mode",
	"_query_only": "query_only",
	"_txlock":     "_txlock",
}

// sqliteSetting is a setting as a DSN gives it: its name (a pragma's, or
// _txlock), its value as SQLite reports it back (sqliteValue) and as
// written.
type sqliteSetting struct{ name, value, raw string }

// parsePragma reads a _pragma value: name(value), name=value or name
// (which only reads it), the name optionally after a schema ("main.").
// ok is false for one that sets nothing.
func parsePragma(p string) (s sqliteSetting, ok bool) {
	s.raw = p
	t := strings.ToLower(strings.TrimSpace(p))
	end := strings.IndexFunc(t, func(r rune) bool { return r != '_' && r != '.' && (r < 'a' || r > 'z') && (r < '0' || r > '9') })
	if end < 0 {
		return s, false
	}
	name, rest := t[:end], strings.TrimSpace(t[end:])
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		name = name[i+1:]
	}
	switch {
	case strings.HasPrefix(rest, "="):
		rest = rest[1:]
	case strings.HasPrefix(rest, "(") && strings.HasSuffix(rest, ")"):
		rest = rest[1 : len(rest)-1]
	default:
		// Anything else (a second statement, say) is kept whole:
		// it compares equal to no value.
	}
	s.name, s.value = name, sqliteValue(name, strings.Trim(strings.TrimSpace(rest), `'"`))
	return s, true
}

// sqliteValue is v, a value of setting name, as SQLite reports the
// setting back: a number for a flag or a level, journal_mode in lower
// case.
func sqliteValue(name, v string) string {
	v = strings.ToLower(strings.TrimSpace(v))
	levels := map[string]string{"on": "1", "true": "1", "yes": "1", "off": "0", "false": "0", "no": "0"}
	switch name {
	case "secure_delete":
		levels["fast"] = "2"
	case "synchronous":
		levels = map[string]string{"off": "0", "normal": "1", "full": "2", "extra": "3"}
	case "foreign_keys", "query_only":
	default:
		return v
	}
	if n, ok := levels[v]; ok {
		return n
	}
	return v
}

// sqliteSettingsOf returns the settings pragmas and keys make, by name.
func sqliteSettingsOf(pragmas []string, keys url.Values) map[string]string {
	out := make(map[string]string, len(pragmas)+len(keys))
	for _, p := range pragmas {
		if s, ok := parsePragma(p); ok {
			out[s.name] = s.value
		}
	}
	for k, vs := range keys {
		if name, ok := sqliteKeys[k]; ok && len(vs) > 0 {
			out[name] = sqliteValue(name, vs[0])
		}
	}
	return out
}

// hostSQLiteSettings returns what the DSN's query q sets of the settings
// the store makes (storeSetting): by its _pragma values and by the
// driver's keys for them, in a fixed order.
func hostSQLiteSettings(q url.Values) []sqliteSetting {
	var out []sqliteSetting
	for _, p := range q["_pragma"] {
		if s, ok := parsePragma(p); ok && storeSetting(s.name) {
			out = append(out, s)
		}
	}
	keys := slices.Sorted(maps.Keys(q))
	for _, k := range keys {
		name, ok := sqliteKeys[k]
		if !ok {
			continue
		}
		for _, v := range q[k] {
			out = append(out, sqliteSetting{name: name, value: sqliteValue(name, v), raw: k + "=" + v})
		}
	}
	return out
}

// storeSetting reports whether the store makes setting name: one it
// keeps, or one a host may set in its place.
func storeSetting(name string) bool {
	_, kept := sqliteKept[name]
	_, host := sqliteHostSet[name]
	return kept || host
}

// checkHostSQLite refuses a DSN query q that sets a setting the store
// keeps (sqliteKept) to another value than writer's and reader's (the
// settings of the store's writer and readers, sqliteSettingsOf), or sets
// one the host may (sqliteHostSet) to a value the store cannot run with,
// and returns those it sets that the host may: the store leaves its own
// out.
func checkHostSQLite(q url.Values, writer, reader map[string]string) (hosts map[string]bool, err error) {
	for _, s := range hostSQLiteSettings(q) {
		if why, kept := sqliteKept[s.name]; kept {
			if s.value == writer[s.name] && s.value == reader[s.name] {
				continue
			}
			keeps := "keeps it at " + writer[s.name]
			if writer[s.name] != reader[s.name] {
				keeps = fmt.Sprintf("sets it itself (%s on its writer, %s on its readers)", orDefault(writer[s.name]), orDefault(reader[s.name]))
			}
			return nil, fmt.Errorf("sqlstore: open sqlite: the DSN sets %s (%s); the store %s: %s", s.name, s.raw, keeps, why)
		}
		if bad := sqliteHostSet[s.name]; bad != "" && s.value == bad {
			return nil, fmt.Errorf("sqlstore: open sqlite: the DSN sets %s (%s), which the store cannot run with: a power loss can corrupt the file; give NORMAL, FULL or EXTRA, or leave it out (NORMAL)", s.name, s.raw)
		}
		if hosts == nil {
			hosts = make(map[string]bool)
		}
		hosts[s.name] = true
	}
	return hosts, nil
}

func orDefault(v string) string {
	if v == "" {
		return "SQLite's default"
	}
	return v
}

// sqliteDSN returns the DSN of path (a file path or file: URI, with the
// host's parameters) with the store's pragmas and the driver's keys extra
// added, but those of the settings the host's parameters set in their
// place (hosts, from checkHostSQLite).
func sqliteDSN(path string, pragmas []string, extra url.Values, hosts map[string]bool) string {
	base, query, _ := strings.Cut(path, "?")
	if !strings.HasPrefix(base, "file:") {
		base = "file:" + base
	}
	q, _ := url.ParseQuery(query)
	if q == nil {
		q = url.Values{}
	}
	for _, p := range pragmas {
		if s, ok := parsePragma(p); ok && hosts[s.name] {
			continue
		}
		q.Add("_pragma", p)
	}
	for k, vs := range extra {
		q[k] = append(q[k], vs...)
	}
	return base + "?" + q.Encode()
}

// sqliteQuery returns the query of a SQLite DSN (after "?"), parsed.
func sqliteQuery(dsn string) (url.Values, error) {
	_, query, _ := strings.Cut(dsn, "?")
	q, err := url.ParseQuery(query)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: open sqlite: the DSN's parameters: %w", err)
	}
	return q, nil
}

// verifySQLite reads back, from one connection of db (the writer or the
// readers, named pool), the settings the store keeps and synchronous, and
// refuses the store when one is not what want (the settings it applied,
// sqliteSettingsOf) says: a DSN parameter the check before the open
// (checkHostSQLite) did not recognise changed it. One statement, at Open
// only.
func verifySQLite(ctx context.Context, db *sql.DB, pool string, want map[string]string) error {
	names := make([]string, 0, len(sqliteKept)+1)
	for name := range sqliteKept {
		if _, ok := want[name]; ok && !strings.HasPrefix(name, "_") {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	names = append(names, "synchronous")
	cols := make([]string, len(names))
	got := make([]string, len(names))
	dest := make([]any, len(names))
	for i, name := range names {
		cols[i] = "(SELECT * FROM pragma_" + name + ")"
		dest[i] = &got[i]
	}
	if err := db.QueryRowContext(ctx, "SELECT "+strings.Join(cols, ", ")).Scan(dest...); err != nil {
		return fmt.Errorf("sqlstore: open sqlite: read the %s's settings: %w", pool, err)
	}
	for i, name := range names {
		v := sqliteValue(name, got[i])
		switch {
		case name == "synchronous" && v == sqliteHostSet[name]:
			return fmt.Errorf("sqlstore: open sqlite: the %s's connection reports synchronous OFF (a DSN parameter set it), which the store cannot run with: a power loss can corrupt the file", pool)
		case name != "synchronous" && v != want[name]:
			return fmt.Errorf("sqlstore: open sqlite: the %s's connection reports %s %s, not the store's %s (a DSN parameter changed it): %s", pool, name, got[i], want[name], sqliteKept[name])
		}
	}
	return nil
}
