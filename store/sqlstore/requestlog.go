package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/scimkit/scim/admin"
)

// maxInsertRows bounds the rows of one INSERT of SQLite's (thirteen bind
// values each), well within its bind parameter limit (32766). PostgreSQL's
// takes its entries as arrays (recordPG), thirteen parameters in all.
const maxInsertRows = 1000

// requestCols are the scim_request_log columns of an entry: what
// recordTenant writes after its tenant, slot and position, and what
// Recent reads back, in this order.
const requestCols = `at, request_id, method, path, status, scim_type, detail, latency_ns, token_hint, warnings`

// requestOverwrite is the SET list with which an entry overwrites its
// slot's older one: its position and every requestCols column.
var requestOverwrite = func() string {
	var b strings.Builder
	for i, c := range strings.Split("pos, "+requestCols, ", ") {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(c + " = excluded." + c)
	}
	return b.String()
}()

// The request log is a ring per tenant (scim_request_log): the entry at
// position p (1, 2, ... in the order recorded, counted by the tenant's
// scim_request_heads row) is stored in slot p mod Config.RequestLogSize,
// overwriting the entry RequestLogSize positions older. Nothing is
// deleted as entries are written (only fitRing deletes, once a process,
// what another RequestLogSize left): on PostgreSQL a deleted row stays in
// the table and its index until VACUUM, and cutting the log back read all
// of them again, so under load its cost grew until autovacuum came (a
// third of the server's time on reads, BENCHMARKS.md); an overwrite
// changes no indexed column and is reclaimed within its page. On SQLite
// it spares the writer's connection, which SCIM writes wait for, an index
// and a delete.

// Record implements admin.RequestLog: it appends r to its tenant's log in
// one transaction, as RecordBatch does. It runs on the request path unless
// the Store is wrapped in an admin.AsyncLog, and on PostgreSQL the
// tenant's head row then orders every request's entry after the one
// before: wrap it.
func (s *Store) Record(ctx context.Context, r admin.Request) error {
	return s.RecordBatch(ctx, []admin.Request{r})
}

// RecordBatch implements admin.BatchRecorder: it appends rs to their
// tenants' logs in one transaction: per tenant, the advance of its head
// by the number of its entries (the first time in this process, then
// fitRing), then one multi-row upsert (per maxInsertRows entries) of the
// newest Config.RequestLogSize of them into their slots. An entry
// without At is stamped with Config.Now.
func (s *Store) RecordBatch(ctx context.Context, rs []admin.Request) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	if len(rs) == 0 {
		return nil
	}
	byTenant := make(map[string][]admin.Request)
	for _, r := range rs {
		byTenant[r.TenantID] = append(byTenant[r.TenantID], r)
	}
	// One order for every writer, so that two batches (of two processes
	// on PostgreSQL) lock the heads of the same tenants without deadlock.
	tenants := slices.Sorted(maps.Keys(byTenant))
	err := s.write(ctx, func(tx *sql.Tx) error {
		for _, tenant := range tenants {
			_, fitted := s.logFitted.Load(tenant)
			if err := s.recordTenant(ctx, tx, tenant, byTenant[tenant], !fitted); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, tenant := range tenants {
		s.logFitted.Store(tenant, struct{}{})
	}
	return nil
}

// recordTenant appends rs, entries of tenant in the order recorded, to its
// ring in tx, fitting the ring to this store's size first when fit.
func (s *Store) recordTenant(ctx context.Context, tx *sql.Tx, tenant string, rs []admin.Request, fit bool) error {
	var head int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO scim_request_heads (tenant, n) VALUES (`+s.d.ph(1)+`, `+s.d.ph(2)+`)
		ON CONFLICT (tenant) DO UPDATE SET n = scim_request_heads.n + excluded.n RETURNING n`, tenant, len(rs)).Scan(&head); err != nil {
		return fmt.Errorf("sqlstore: record requests: %w", err)
	}
	if fit {
		// After the head, whose lock orders this against every other
		// writer of the tenant, as in any batch.
		if err := s.fitRing(ctx, tx, tenant); err != nil {
			return err
		}
	}
	// The entries before the newest logSize would be overwritten by newer
	// ones of the same statement, which neither database allows.
	keep := rs[max(0, len(rs)-s.logSize):]
	pos := head - int64(len(keep)) // the position before keep[0]'s
	if s.d.pg {
		return s.recordRows(ctx, tx, tenant, keep, pos)
	}
	for chunk := range slices.Chunk(keep, maxInsertRows) {
		a := &args{d: s.d, vals: make([]any, 0, 13*len(chunk))}
		var b strings.Builder
		b.WriteString(`INSERT INTO scim_request_log (tenant, slot, pos, ` + requestCols + `) VALUES `)
		for i, r := range chunk {
			pos++
			at := r.At
			if at.IsZero() {
				at = s.now()
			}
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(`(` + a.next(tenant) + `, ` + a.next(pos%int64(s.logSize)) + `, ` + a.next(pos) + `, ` + a.next(s.d.timeArg(at)) + `, ` +
				a.next(logText(r.RequestID)) + `, ` + a.next(logText(r.Method)) + `, ` + a.next(logText(r.Path)) + `, ` + a.next(r.Status) + `, ` +
				a.next(logText(r.ScimType)) + `, ` + a.next(logText(r.Detail)) + `, ` + a.next(int64(r.Latency)) + `, ` + a.next(logText(r.TokenHint)) + `, ` +
				a.next(warningsText(r.Warnings)) + `)`)
		}
		b.WriteString(` ON CONFLICT (tenant, slot) DO UPDATE SET ` + requestOverwrite)
		if _, err := tx.ExecContext(ctx, b.String(), a.vals...); err != nil {
			return fmt.Errorf("sqlstore: record requests: %w", err)
		}
	}
	return nil
}

// recordPG is recordTenant's upsert on PostgreSQL: one statement, the
// same text whatever the number of entries, each column an array
// (unnest). A multi-row VALUES list, as SQLite's, is a statement of its
// own per batch size, which pgx prepares (a round trip) and PostgreSQL
// plans (a plan of 13 parameters a row) again and again as the batches'
// sizes vary, and boxes each of the 13 values of an entry (BENCHMARKS.md,
// "branch pgfast").
const recordPG = `INSERT INTO scim_request_log (tenant, slot, pos, ` + requestCols + `)
	SELECT $1, * FROM unnest($2::integer[], $3::bigint[], $4::timestamptz[], $5::text[], $6::text[], $7::text[],
		$8::integer[], $9::text[], $10::text[], $11::bigint[], $12::text[], $13::text[])
	ON CONFLICT (tenant, slot) DO UPDATE SET `

// recordRows upserts rs, entries of tenant at the positions after pos,
// into their slots in one statement (recordPG).
func (s *Store) recordRows(ctx context.Context, tx *sql.Tx, tenant string, rs []admin.Request, pos int64) error {
	n := len(rs)
	var (
		slots, statuses                                     = make([]int32, n), make([]int32, n)
		poss, latencies                                     = make([]int64, n), make([]int64, n)
		ats                                                 = make([]time.Time, n)
		ids, methods, paths, types, details, hints, warning = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	)
	for i, r := range rs {
		pos++
		at := r.At
		if at.IsZero() {
			at = s.now()
		}
		slots[i], poss[i], ats[i] = int32(pos%int64(s.logSize)), pos, at.UTC()
		ids[i], methods[i], paths[i] = logText(r.RequestID), logText(r.Method), logText(r.Path)
		statuses[i], types[i], details[i] = int32(r.Status), logText(r.ScimType), logText(r.Detail)
		latencies[i], hints[i], warning[i] = int64(r.Latency), logText(r.TokenHint), warningsText(r.Warnings)
	}
	if _, err := tx.ExecContext(ctx, recordPG+requestOverwrite, tenant, slots, poss, ats, ids, methods, paths, statuses, types, details, latencies, hints, warning); err != nil {
		return fmt.Errorf("sqlstore: record requests: %w", err)
	}
	return nil
}

// fitRing fits tenant's ring to Config.RequestLogSize, in tx, in the
// first batch a Store records for the tenant, once the batch has advanced
// the head: the entries the newest RequestLogSize positions leave out are
// deleted (with the size the log was written with, those the batch is
// about to overwrite) and the rest moved to the slots of their positions
// under this size (through negative slots, so that no two rows ever share
// one; with an unchanged size, none moves). It is not done when the store
// opens, which needs no more than read access to an up-to-date schema.
func (s *Store) fitRing(ctx context.Context, tx *sql.Tx, tenant string) error {
	size := int64(s.logSize)
	for _, st := range []struct {
		q    string
		args []any
	}{
		{`DELETE FROM scim_request_log WHERE tenant = ` + s.d.boundPh(1) + ` AND pos <= (SELECT h.n FROM scim_request_heads h WHERE h.tenant = ` + s.d.boundPh(1) + `) - ` + s.d.ph(2), []any{tenant, size}},
		{`UPDATE scim_request_log SET slot = -1 - pos % ` + s.d.ph(2) + ` WHERE tenant = ` + s.d.boundPh(1) + ` AND slot <> pos % ` + s.d.ph(2), []any{tenant, size}},
		{`UPDATE scim_request_log SET slot = -1 - slot WHERE tenant = ` + s.d.boundPh(1) + ` AND slot < 0`, []any{tenant}},
	} {
		if _, err := tx.ExecContext(ctx, st.q, st.args...); err != nil {
			return fmt.Errorf("sqlstore: fit request log: %w", err)
		}
	}
	return nil
}

// Recent implements admin.RequestLog: up to limit entries of the tenant,
// newest first.
func (s *Store) Recent(ctx context.Context, tenantID string, limit int) ([]admin.Request, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	out := []admin.Request{}
	if limit <= 0 {
		return out, nil
	}
	if limit > s.logSize {
		limit = s.logSize
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+requestCols+` FROM scim_request_log WHERE tenant = `+s.d.boundPh(1)+` ORDER BY pos DESC LIMIT `+s.d.boundPh(2), tenantID, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: recent requests: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		r := admin.Request{TenantID: tenantID}
		var lat int64
		var warnings string
		if err := rows.Scan(dbTime{&r.At}, &r.RequestID, &r.Method, &r.Path, &r.Status, &r.ScimType, &r.Detail, &lat, &r.TokenHint, &warnings); err != nil {
			return nil, fmt.Errorf("sqlstore: recent requests: %w", err)
		}
		if warnings != "" {
			_ = json.Unmarshal([]byte(warnings), &r.Warnings) // written by warningsText
		}
		r.Latency = time.Duration(lat)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: recent requests: %w", err)
	}
	return out, nil
}

// logText is s as the request log stores it: a NUL byte and each byte
// that is not UTF-8 as U+FFFD. PostgreSQL's text refuses both, and an
// entry it refused would fail its whole batch (every other request's
// entry with it); what a request carries into its entry (a path, a host
// error's detail, a warning quoting the body) is the client's or the
// host's, so the log keeps it readable rather than exact, on both
// databases alike.
func logText(s string) string {
	if utf8.ValidString(s) && strings.IndexByte(s, 0) < 0 {
		return s
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
}

// warningsText is the warnings column: a JSON list, "" for none (JSON
// text, so no NUL and every byte UTF-8: no logText needed).
func warningsText(ws []string) string {
	if len(ws) == 0 {
		return ""
	}
	b, _ := json.Marshal(ws)
	return string(b)
}
