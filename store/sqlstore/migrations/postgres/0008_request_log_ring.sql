-- The recent-request log becomes a ring of Config.RequestLogSize rows per
-- tenant, each entry overwriting the oldest, instead of rows inserted and
-- later deleted. On PostgreSQL a deleted row stays in the table and in its
-- index until VACUUM, and the prune read every one of them again: under
-- load, between two autovacuum runs, each prune cost milliseconds more (a
-- third of the server's time on reads). An overwrite changes no indexed
-- column, so it is a HOT update: the old version is reclaimed within its
-- page, and neither the table nor its index grows. fillfactor leaves the
-- pages room for it.
CREATE TABLE scim_request_heads (
    tenant text   PRIMARY KEY,
    n      bigint NOT NULL
) WITH (fillfactor = 50);

CREATE TABLE scim_request_log (
    tenant      text        NOT NULL,
    slot        integer     NOT NULL,
    pos         bigint      NOT NULL,
    at          timestamptz NOT NULL,
    request_id  text        NOT NULL,
    method      text        NOT NULL,
    path        text        NOT NULL,
    status      integer     NOT NULL,
    scim_type   text        NOT NULL,
    detail      text        NOT NULL,
    latency_ns  bigint      NOT NULL,
    token_hint  text        NOT NULL,
    warnings    text        NOT NULL,
    PRIMARY KEY (tenant, slot)
) WITH (fillfactor = 70);

-- The newest 200 entries of each tenant (the default size) are kept, at
-- positions 1 to 200 in their order.
INSERT INTO scim_request_log (tenant, slot, pos, at, request_id, method, path, status, scim_type, detail, latency_ns, token_hint, warnings)
SELECT tenant, pos % 200, pos, at, request_id, method, path, status, scim_type, detail, latency_ns, token_hint, warnings
FROM (
    SELECT r.*, LEAST(count(*) OVER (PARTITION BY tenant), 200) + 1 - row_number() OVER (PARTITION BY tenant ORDER BY seq DESC) AS pos
    FROM scim_requests r
) x
WHERE pos >= 1;

INSERT INTO scim_request_heads (tenant, n)
SELECT tenant, max(pos) FROM scim_request_log GROUP BY tenant;

DROP TABLE scim_requests;
