-- The recent-request log becomes a ring of Config.RequestLogSize rows per
-- tenant, each entry overwriting the oldest in place, instead of rows
-- inserted into the table and its index and later deleted from both: the
-- writer's one connection, which SCIM writes wait for, spends less on it.
-- (On PostgreSQL the ring also keeps deleted rows from piling up until
-- VACUUM.)
CREATE TABLE scim_request_heads (
    tenant TEXT    PRIMARY KEY,
    n      INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE scim_request_log (
    tenant      TEXT    NOT NULL,
    slot        INTEGER NOT NULL,
    pos         INTEGER NOT NULL,
    at          INTEGER NOT NULL,
    request_id  TEXT    NOT NULL,
    method      TEXT    NOT NULL,
    path        TEXT    NOT NULL,
    status      INTEGER NOT NULL,
    scim_type   TEXT    NOT NULL,
    detail      TEXT    NOT NULL,
    latency_ns  INTEGER NOT NULL,
    token_hint  TEXT    NOT NULL,
    warnings    TEXT    NOT NULL,
    PRIMARY KEY (tenant, slot)
) WITHOUT ROWID;

-- The newest 200 entries of each tenant (the default size) are kept, at
-- positions 1 to 200 in their order.
INSERT INTO scim_request_log (tenant, slot, pos, at, request_id, method, path, status, scim_type, detail, latency_ns, token_hint, warnings)
SELECT tenant, pos % 200, pos, at, request_id, method, path, status, scim_type, detail, latency_ns, token_hint, warnings
FROM (
    SELECT r.*, min(count(*) OVER (PARTITION BY tenant), 200) + 1 - row_number() OVER (PARTITION BY tenant ORDER BY seq DESC) AS pos
    FROM scim_requests r
)
WHERE pos >= 1;

INSERT INTO scim_request_heads (tenant, n)
SELECT tenant, max(pos) FROM scim_request_log GROUP BY tenant;

DROP TABLE scim_requests;
