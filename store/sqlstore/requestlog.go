package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/scimkit/scim/admin"
)

// counter counts the entries recorded per tenant, to prune each tenant's
// log every pruneEvery entries rather than on every request.
type counter struct {
	mu sync.Mutex
	n  map[string]int
}

// add counts rs and returns the tenants whose log is due for pruning, in
// the order they first appear: those whose count passed 1 modulo
// pruneEvery (the first entry, then every pruneEvery-th), as if each entry
// were recorded on its own.
func (c *counter) add(rs []admin.Request) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = make(map[string]int)
	}
	var due []string
	for _, r := range rs {
		c.n[r.TenantID]++
		if c.n[r.TenantID]%pruneEvery == 1 && !slices.Contains(due, r.TenantID) {
			due = append(due, r.TenantID)
		}
	}
	return due
}

// pruneEvery is how many entries a tenant's log may grow beyond
// Config.RequestLogSize (per process) before it is cut back.
const pruneEvery = 32

// maxInsertRows bounds the rows of one INSERT (ten bind values each), well
// within the bind parameter limits of PostgreSQL (65535) and SQLite
// (32766).
const maxInsertRows = 1000

// requestCols are the scim_requests columns an entry is written to.
const requestCols = `tenant, at, request_id, method, path, status, scim_type, detail, latency_ns, token_hint, warnings`

// Record implements admin.RequestLog: it appends r to its tenant's log in
// one transaction, as RecordBatch does. It runs on the request path unless
// the Store is wrapped in an admin.AsyncLog.
func (s *Store) Record(ctx context.Context, r admin.Request) error {
	return s.RecordBatch(ctx, []admin.Request{r})
}

// RecordBatch implements admin.BatchRecorder: it appends rs to their
// tenants' logs in one transaction, with one multi-row INSERT (per
// maxInsertRows entries). Every pruneEvery entries (per tenant and
// process) a tenant's log is cut back to the newest
// Config.RequestLogSize, in the same transaction. An entry without At is
// stamped with Config.Now.
func (s *Store) RecordBatch(ctx context.Context, rs []admin.Request) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	if len(rs) == 0 {
		return nil
	}
	prune := s.logCount.add(rs)
	return s.write(ctx, func(tx *sql.Tx) error {
		for chunk := range slices.Chunk(rs, maxInsertRows) {
			a := &args{d: s.d, vals: make([]any, 0, 11*len(chunk))}
			var b strings.Builder
			b.WriteString(`INSERT INTO scim_requests (` + requestCols + `) VALUES `)
			for i, r := range chunk {
				at := r.At
				if at.IsZero() {
					at = s.now()
				}
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteString(`(` + a.next(r.TenantID) + `, ` + a.next(s.d.timeArg(at)) + `, ` + a.next(r.RequestID) + `, ` + a.next(r.Method) + `, ` +
					a.next(r.Path) + `, ` + a.next(r.Status) + `, ` + a.next(r.ScimType) + `, ` + a.next(r.Detail) + `, ` + a.next(int64(r.Latency)) + `, ` +
					a.next(r.TokenHint) + `, ` + a.next(warningsText(r.Warnings)) + `)`)
			}
			if _, err := tx.ExecContext(ctx, b.String(), a.vals...); err != nil {
				return fmt.Errorf("sqlstore: record requests: %w", err)
			}
		}
		for _, tenant := range prune {
			if _, err := tx.ExecContext(ctx, `DELETE FROM scim_requests WHERE tenant = `+s.d.ph(1)+` AND seq <= (
			SELECT seq FROM scim_requests WHERE tenant = `+s.d.ph(1)+` ORDER BY seq DESC LIMIT 1 OFFSET `+s.d.ph(2)+`)`, tenant, s.logSize); err != nil {
				return fmt.Errorf("sqlstore: prune request log: %w", err)
			}
		}
		return nil
	})
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
	rows, err := s.r.QueryContext(ctx, `SELECT at, request_id, method, path, status, scim_type, detail, latency_ns, token_hint, warnings
		FROM scim_requests WHERE tenant = `+s.d.ph(1)+` ORDER BY seq DESC LIMIT `+s.d.ph(2), tenantID, limit)
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

// warningsText is the warnings column: a JSON list, "" for none.
func warningsText(ws []string) string {
	if len(ws) == 0 {
		return ""
	}
	b, _ := json.Marshal(ws)
	return string(b)
}
