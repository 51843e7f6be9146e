-- The change feed (Config.ChangeFeed). Every write that changes a user or
-- a group appends its entries to scim_feed in the same transaction. SQLite
-- has one writer at a time, so a tenant's entries are numbered in commit
-- order, after its newest entry (or, once Prune has deleted them all, its
-- scim_feed_heads row, where Prune keeps the last number; the append
-- takes the larger of the two, so a database whose writes advanced that
-- row, as earlier versions did, numbers on after it). The tables are
-- WITHOUT ROWID, kept
-- in their primary key's order: an append writes one B-tree, not a table
-- and an index. Retention prunes each tenant's oldest entries along that
-- key (entries are in time order there), so no index on time is needed.
CREATE TABLE scim_feed_heads (
    tenant TEXT    NOT NULL PRIMARY KEY,
    seq    INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE scim_feed (
    tenant      TEXT    NOT NULL,
    seq         INTEGER NOT NULL,
    at          INTEGER NOT NULL,
    kind        TEXT    NOT NULL,
    resource_id TEXT    NOT NULL,
    version     TEXT    NOT NULL,
    attrs       TEXT,
    members     TEXT,
    PRIMARY KEY (tenant, seq)
) WITHOUT ROWID;

-- Named consumers: the position each has acknowledged, per tenant, and
-- the lease of the one holder that may handle its entries.
CREATE TABLE scim_feed_consumers (
    tenant      TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    acked       INTEGER NOT NULL DEFAULT 0,
    holder      TEXT    NOT NULL DEFAULT '',
    lease_until INTEGER,
    PRIMARY KEY (tenant, name)
) WITHOUT ROWID;
