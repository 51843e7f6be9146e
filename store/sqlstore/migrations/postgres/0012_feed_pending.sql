-- Feed entries a write has appended and no one has numbered yet. A write
-- inserts its entries here, locking nothing another write takes, so a
-- tenant's concurrent writes commit together (numbering them under the
-- tenant's scim_feed_heads row held that lock until each commit, WAL flush
-- included). They are numbered under the head row's lock, after the head,
-- a transaction's entries together, transactions in the order of their
-- first id, by a reader of the feed (Feed.Changes, the background
-- pruning) or, with Config.OnChange, by the write itself before its
-- commit: an entry is numbered only once it is visible to the numbering,
-- so a consumer reading after n never misses one that gets a smaller Seq
-- later.
CREATE TABLE scim_feed_pending (
    tenant      text        NOT NULL,
    id          bigint      GENERATED ALWAYS AS IDENTITY,
    at          timestamptz NOT NULL,
    kind        text        NOT NULL,
    resource_id text        NOT NULL,
    version     text        NOT NULL,
    attrs       text,
    members     text,
    PRIMARY KEY (tenant, id)
);
