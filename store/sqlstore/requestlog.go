package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"time"

	"github.com/scimkit/scim/tokens"
)

// counter counts Record calls per tenant, to prune each tenant's log
// every pruneEvery entries rather than on every request.
type counter struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *counter) next(tenant string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = make(map[string]int)
	}
	c.n[tenant]++
	return c.n[tenant]
}

// pruneEvery is how many entries a tenant's log may grow beyond
// Config.RequestLogSize (per process) before it is cut back.
const pruneEvery = 32

// Record implements tokens.RequestLog: it appends r to its tenant's log.
// Every pruneEvery entries (per tenant and process) the log is cut back to
// the newest Config.RequestLogSize.
func (s *Store) Record(ctx context.Context, r tokens.Request) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	at := r.At
	if at.IsZero() {
		at = s.now()
	}
	prune := s.logCount.next(r.TenantID)%pruneEvery == 1
	return s.write(ctx, func(tx *sql.Tx) error {
		a := &args{d: s.d}
		if _, err := tx.ExecContext(ctx, `INSERT INTO scim_requests (tenant, at, request_id, method, path, status, scim_type, detail, latency_ns, token_hint) VALUES (`+
			a.add(r.TenantID)+`, `+a.add(s.d.timeArg(at))+`, `+a.add(r.RequestID)+`, `+a.add(r.Method)+`, `+a.add(r.Path)+`, `+a.add(r.Status)+`, `+
			a.add(r.ScimType)+`, `+a.add(r.Detail)+`, `+a.add(int64(r.Latency))+`, `+a.add(r.TokenHint)+`)`, a.vals...); err != nil {
			return fmt.Errorf("sqlstore: record request: %w", err)
		}
		if !prune {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM scim_requests WHERE tenant = `+s.d.ph(1)+` AND seq <= (
			SELECT seq FROM scim_requests WHERE tenant = `+s.d.ph(1)+` ORDER BY seq DESC LIMIT 1 OFFSET `+s.d.ph(2)+`)`, r.TenantID, s.logSize); err != nil {
			return fmt.Errorf("sqlstore: prune request log: %w", err)
		}
		return nil
	})
}

// Recent implements tokens.RequestLog: up to limit entries of the tenant,
// newest first.
func (s *Store) Recent(ctx context.Context, tenantID string, limit int) ([]tokens.Request, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	out := []tokens.Request{}
	if limit <= 0 {
		return out, nil
	}
	if limit > s.logSize {
		limit = s.logSize
	}
	rows, err := s.r.QueryContext(ctx, `SELECT at, request_id, method, path, status, scim_type, detail, latency_ns, token_hint
		FROM scim_requests WHERE tenant = `+s.d.ph(1)+` ORDER BY seq DESC LIMIT `+s.d.ph(2), tenantID, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: recent requests: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		r := tokens.Request{TenantID: tenantID}
		var lat int64
		if err := rows.Scan(dbTime{&r.At}, &r.RequestID, &r.Method, &r.Path, &r.Status, &r.ScimType, &r.Detail, &lat, &r.TokenHint); err != nil {
			return nil, fmt.Errorf("sqlstore: recent requests: %w", err)
		}
		r.Latency = time.Duration(lat)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: recent requests: %w", err)
	}
	return out, nil
}
