package sqlstore

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// dialect holds what differs between PostgreSQL and SQLite in the SQL the
// store writes. Everything else is written once in the common subset.
type dialect struct {
	name string
	// ph renders bind parameter n (1-based): $n on PostgreSQL, ?n on
	// SQLite (both let a parameter be used more than once).
	ph func(n int) string
	// textColl is appended to a text expression that is compared with
	// < > or sorted, so that it orders by bytes (code points) as Go does.
	textColl string
	// pg reports PostgreSQL.
	pg bool
	// consumers are the feed consumers' statements in this dialect,
	// rendered once (consumerStatements).
	consumers consumerSQL
}

var postgres = &dialect{
	name:      "postgres",
	ph:        pgPh,
	textColl:  ` COLLATE "C"`,
	pg:        true,
	consumers: consumerStatements(pgPh),
}

var sqliteDialect = &dialect{
	name:      "sqlite",
	ph:        sqlitePh,
	consumers: consumerStatements(sqlitePh),
}

// pgPh and sqlitePh are the dialects' ph.
func pgPh(n int) string     { return "$" + strconv.Itoa(n) }
func sqlitePh(n int) string { return "?" + strconv.Itoa(n) }

// args accumulates bind parameters while SQL is built.
type args struct {
	d    *dialect
	vals []any
}

// add appends v and returns its placeholder.
func (a *args) add(v any) string {
	a.vals = append(a.vals, v)
	return a.d.ph(len(a.vals))
}

// next appends v and returns a placeholder for it that the statement
// uses once, with every parameter before it already placed: $n on
// PostgreSQL, a bare ? on SQLite. A numbered ?n is a name to SQLite,
// which the driver looks up at bind time by walking the statement's list
// of names, so binding a statement of thousands of ?n (a batch of the
// request log) costs the square of its parameters.
func (a *args) next(v any) string {
	a.vals = append(a.vals, v)
	if a.d.pg {
		return a.d.ph(len(a.vals))
	}
	return "?"
}

// bound appends v and returns a placeholder for it as a value compared
// with an indexed column in a statement's WHERE (a read's or a write's),
// or a LIMIT: on SQLite a subquery's value,
// (SELECT ?n). Once ANALYZE has written sqlite_stat4 (a host may run it,
// or PRAGMA optimize, on the database scimkit shares with it), SQLite's
// planner looks a bare parameter's value up in those statistics, and the
// statement is then compiled again each time the parameter is bound,
// that is on every run (a lookup then took 2.5 to 4 times a read by id);
// a subquery's value it does not look up, and the index serves the
// comparison the same. A LIMIT's value SQLite's planner reads whether
// analyzed or not, and likewise compiles the statement again.
// PostgreSQL plans its own way: $n.
func (a *args) bound(v any) string {
	a.vals = append(a.vals, v)
	return a.d.value(a.d.ph(len(a.vals)))
}

// value renders expr, an expression of bind parameters, as args.bound
// places a parameter: a value compared with an indexed column (or an
// indexed expression) in a read.
func (d *dialect) value(expr string) string {
	if d.pg {
		return expr
	}
	return "(SELECT " + expr + ")"
}

// boundPh renders bind parameter n as args.bound places a value: on
// SQLite (SELECT ?n), for a parameter compared with an indexed column (or
// an indexed expression) in any statement, or a LIMIT, whose value
// SQLite's planner reads as well (TestSQLiteStatementsCompiledOnce).
func (d *dialect) boundPh(n int) string { return d.value(d.ph(n)) }

// groupPh renders bind parameter n, a group's id compared with
// scim_members.group_id, as a value no planner looks up in the column's
// statistics: (SELECT ?n) on SQLite as boundPh; on PostgreSQL too, where
// a bare $n is looked up in group_id's most common values (one group of
// 100,000 members among groups of a few), so that the custom plan of a
// small group always cost less than the generic plan, which reckons on
// the average group, and the statement was planned again on every call
// (TestPGMemberStatementsPlannedOnce). The index on (tenant, group_id,
// seq) serves the subquery's value as it serves $n. Every statement that
// finds a group's rows of scim_members by a bound group id compares it
// so: its read with its members, the read of its member ids for a PUT
// or a deletion's feed entries, the removal on SQLite. With a bare $n,
// a tenant of one 20,000-member group and three of 3, analyzed, each was
// planned again on every read of a small group (generic plan 49, the
// small group's custom plan 12); with (SELECT $n::text) the generic plan
// stays (BENCHMARKS.md, branch sqlmends). PostgreSQL's removal compares
// group_id unindexed (sqlDeleteMembers), and binds it bare.
func (d *dialect) groupPh(n int) string {
	if d.pg {
		return "(SELECT " + d.ph(n) + "::text)"
	}
	return d.boundPh(n)
}

// timeArg converts a stored time to its bind value: time.Time for
// PostgreSQL (timestamptz), Unix microseconds for SQLite (INTEGER).
func (d *dialect) timeArg(t time.Time) any {
	if d.pg {
		return t.UTC()
	}
	return t.UnixMicro()
}

// nullTimeArg is timeArg with the zero time stored as NULL.
func (d *dialect) nullTimeArg(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return d.timeArg(t)
}

// listArg converts a list of strings to the bind value of inList: on
// SQLite its JSON array, as json.Marshal renders it (appendJSONList, the
// feed's encoder, without json.Marshal's reflection: every member
// statement binds one, the bridge's too).
func (d *dialect) listArg(ss []string) any {
	if ss == nil {
		ss = []string{}
	}
	if d.pg {
		return ss
	}
	return string(appendJSONList(nil, ss))
}

// pairsArg is SQLite's bind value of a member insert's ids and their
// types: the JSON array of [id, type] pairs json.Marshal renders of
// [][2]string, each pair written by appendJSONList, as listArg's list.
func pairsArg(ids, types []string) string {
	// A pair of a UUID and its type, ["…","User"], is 47 bytes.
	b := append(make([]byte, 0, 2+len(ids)*48), '[')
	for i := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONList(b, []string{ids[i], types[i]})
	}
	return string(append(b, ']'))
}

// unindexed renders text column col, unchanged in value, in a form no
// index serves, so that a planner without statistics takes the index of
// another condition: SQLite's idiom is a unary +; PostgreSQL's a
// concatenation with the empty string (a text, NULL when the column is).
func (d *dialect) unindexed(col string) string {
	if d.pg {
		return "(" + col + " || '')"
	}
	return "+" + col
}

// maxIDParams is the longest list of ids a statement binds one
// parameter each on PostgreSQL (eachID): each count is a statement text
// of its own, a plan in pgx's cache of each connection.
const maxIDParams = 16

// eachID reports whether a list of n ids is bound one parameter each
// ("col IN ($3, $4)") rather than as one list parameter (inList).
// PostgreSQL plans a statement that compares with "= ANY($n::text[])",
// an array of unknown length, again on every run once the table has
// statistics: its generic plan reckons on 10 elements, which costs more
// than the custom plan of the one or few ids a member change sends, so
// the plan cache never keeps it (BENCHMARKS.md, "The mapping bridge",
// branch bridgepg). With a parameter per id the generic plan is the
// custom one, kept from the sixth run. Longer lists (a provider's push
// of thousands) stay one array, one statement text whatever their
// length, and keep a generic plan too: the custom plan of more than 10
// elements costs more than the generic one, so after the first five
// runs PostgreSQL keeps the generic plan (TestPGLongMemberListsPlannedOnce;
// BENCHMARKS.md, branch sqlmends). SQLite compiles a statement once
// whatever its parameters and takes any list as one JSON array.
func (d *dialect) eachID(n int) bool { return d.pg && n <= maxIDParams }

// inIDs renders "col is one of ids" from parameter first on, with the
// values to bind: each id a parameter when eachID, else one list
// parameter (inList).
func (d *dialect) inIDs(col string, first int, ids []string) (string, []any) {
	if !d.eachID(len(ids)) {
		return d.inList(col, d.ph(first)), []any{d.listArg(ids)}
	}
	ps, vals := make([]string, len(ids)), make([]any, len(ids))
	for i, id := range ids {
		ps[i], vals[i] = d.ph(first+i), id
	}
	return col + ` IN (` + joinComma(ps) + `)`, vals
}

// inList renders "col is one of the strings in list parameter p".
func (d *dialect) inList(col, p string) string {
	if d.pg {
		return col + " = ANY(" + p + "::text[])"
	}
	return col + " IN (SELECT value FROM json_each(" + p + "))"
}

// jsonPathArg converts a key path to the bind value the JSON accessors
// take: a text[] on PostgreSQL, a JSON path on SQLite.
func (d *dialect) jsonPathArg(keys []string) any {
	if d.pg {
		return keys
	}
	var b strings.Builder
	b.WriteString("$")
	for _, k := range keys {
		b.WriteString(`."`)
		b.WriteString(strings.ReplaceAll(strings.ReplaceAll(k, `\`, `\\`), `"`, `\"`))
		b.WriteString(`"`)
	}
	return b.String()
}

// jget renders the JSON value at path parameter p of JSON expression base
// (NULL when absent).
func (d *dialect) jget(base, p string) string {
	if d.pg {
		return "(" + base + " #> " + p + "::text[])"
	}
	return "(" + base + " -> " + p + ")"
}

// jtype renders the JSON type name of JSON expression x, normalised to
// one of: string, number, true, false, null, array, object (NULL when x is
// NULL).
func (d *dialect) jtype(x string) string {
	if d.pg {
		return "(CASE jsonb_typeof(" + x + ") WHEN 'boolean' THEN (" + x + ")::text ELSE jsonb_typeof(" + x + ") END)"
	}
	return "(CASE json_type(" + x + ") WHEN 'text' THEN 'string' WHEN 'integer' THEN 'number' WHEN 'real' THEN 'number' ELSE json_type(" + x + ") END)"
}

// jkind renders the database's own JSON type name of x, read once:
// 'array' and 'object' as jtype names them (the other names differ by
// database, and jtype reads x twice for them). For a test that tells
// only arrays, or objects, from the rest (compiler.anyIn).
func (d *dialect) jkind(x string) string {
	if d.pg {
		return "jsonb_typeof(" + x + ")"
	}
	return "json_type(" + x + ")"
}

// jbool renders "JSON expression x is the boolean b" (NULL when x is
// NULL), as jtype(x) = 'true' or 'false' decides. On PostgreSQL one
// comparison of x, where jtype reads it twice: about 0.6 of the time of
// a test of every row (BENCHMARKS.md, branch sqlperf2). SQLite keeps
// jtype: json_type(x) alone measured no better within the machine's
// spread.
func (d *dialect) jbool(x string, b bool) string {
	lit := "false"
	if b {
		lit = "true"
	}
	if d.pg {
		return "(" + x + " = '" + lit + "'::jsonb)"
	}
	return "(" + d.jtype(x) + " = '" + lit + "')"
}

// jelems renders a FROM item yielding one row per element of JSON array
// expression x (none when x is not an array), and the JSON expression of
// the element in that row and of its position (ascending in array order).
func (d *dialect) jelems(x, alias string) (from, elem, pos string) {
	if d.pg {
		return "jsonb_array_elements(CASE WHEN jsonb_typeof(" + x + ") = 'array' THEN " + x + " ELSE '[]'::jsonb END) WITH ORDINALITY AS " + alias + "(v, i)",
			alias + ".v", alias + ".i"
	}
	return "json_each(CASE WHEN json_type(" + x + ") = 'array' THEN " + x + " ELSE '[]' END) AS " + alias,
		"(" + x + " -> ('$[' || " + alias + ".key || ']'))", alias + ".key"
}

// jnonEmpty renders "JSON value x holds something": a boolean, a number or
// a non-empty string, at any depth. It is resources.Assigned in SQL (the
// rule query.Evaluator's pr answers by), which it must stay: null, "" and
// lists and objects of nothing else hold nothing.
func (d *dialect) jnonEmpty(x string) string {
	if d.pg {
		return `jsonb_path_exists(` + x + `, 'strict $.** ? (@.type() == "boolean" || @.type() == "number" || (@.type() == "string" && @ != ""))')`
	}
	return "EXISTS (SELECT 1 FROM json_tree(" + x + ") WHERE type IN ('true', 'false', 'integer', 'real') OR (type = 'text' AND atom <> ''))"
}

// boolLit renders a boolean constant.
func (d *dialect) boolLit(b bool) string {
	if b {
		return "TRUE"
	}
	return "FALSE"
}

// likeEscape escapes s for a LIKE pattern with ESCAPE '\'.
func likeEscape(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s)
}

// globEscape escapes s for a SQLite GLOB pattern.
func globEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '*', '?', '[':
			b.WriteByte('[')
			b.WriteRune(r)
			b.WriteByte(']')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// substring renders a test of text expression x against s (not empty,
// and folded as x is when the attribute is not caseExact): co, sw or ew,
// comparing characters exactly (SQLite's LIKE ignores ASCII case).
//
// No rendering compares s at each offset of x when it need not: s may be
// Config.MaxSubstringBytes long, and a value that nearly matches at every
// offset (values of a's, s 127 a's and a b) costs that many comparisons
// per character of every row (BenchmarkHostileSubstring).
//   - ew compares the end of x, as many characters as s has, with s:
//     right() on PostgreSQL; on SQLite substr() of x's bytes, since a
//     string of whole UTF-8 characters ends with s's bytes exactly when
//     it ends with s's characters, and a blob's substr() need not count
//     x's characters.
//   - co is strpos() on PostgreSQL, a search that skips ahead by s's
//     last byte (Boyer-Moore-Horspool) rather than LIKE's backtracking;
//     on SQLite instr(), which compares with memcmp where GLOB walks the
//     pattern a character at a time.
//   - sw is LIKE on PostgreSQL, and GLOB on SQLite within the range of
//     strings that begin with s, which an index bounds. SQLite reads a
//     bare parameter's pattern to bound an index's range by its prefix,
//     and then compiles the statement again on every run, analyzed or
//     not; so the pattern is a subquery's value (args.bound) and the
//     range is written out: the strings from s up to s followed by the
//     byte 0xFF, which no UTF-8 string holds, so that it is every string
//     s begins (in the byte order of the BINARY collation).
func (d *dialect) substring(a *args, x, op, s string) string {
	switch op {
	case "co":
		if d.pg {
			return "(strpos(" + x + d.textColl + ", " + a.add(s) + ") > 0)"
		}
		return "(instr(" + x + ", " + a.add(s) + ") > 0)"
	case "ew":
		if d.pg {
			return "(right(" + x + ", " + a.add(utf8.RuneCountInString(s)) + ")" + d.textColl + " = " + a.add(s) + ")"
		}
		return "(substr(CAST(" + x + " AS BLOB), " + a.add(-len(s)) + ") = CAST(" + a.add(s) + " AS BLOB))"
	}
	if d.pg {
		return "(" + x + d.textColl + " LIKE " + a.add(likeEscape(s)+"%") + ` ESCAPE '\')`
	}
	glob := x + " GLOB " + a.bound(globEscape(s)+"*")
	return "(" + x + " >= " + a.bound(s) + " AND " + x + " < " + a.bound(s+"\xff") + " AND " + glob + ")"
}
