-- Feed entries a write has appended and no reader has numbered yet. A
-- write that numbered its own entries advanced the tenant's
-- scim_feed_heads row and so held its lock until its commit, WAL flush
-- included: one tenant's writes committed one at a time, one flush each.
-- A write now inserts its entries here, in order (id), locking nothing
-- another write takes; a reader of the feed (Feed.Changes, FeedStatus,
-- Prune) first moves every committed pending entry of the tenant into
-- scim_feed, numbered after the head under the head row's lock, in id
-- order. An entry is numbered only once it has committed, so a consumer
-- reading after n still never misses one that gets a smaller Seq later.
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
