-- The change feed (Config.ChangeFeed). Every write that changes a user or
-- a group appends its entries to scim_feed in the same transaction. The
-- next Seq of a tenant comes from its scim_feed_heads row, which the
-- append updates and so locks until commit: appends of one tenant are
-- numbered in commit order, and a consumer reading after n never misses
-- an entry that commits later with a smaller Seq. Retention prunes each
-- tenant's oldest entries along the primary key (entries are in time
-- order there), so no index on time is needed.
CREATE TABLE scim_feed_heads (
    tenant text   NOT NULL PRIMARY KEY,
    seq    bigint NOT NULL
);

CREATE TABLE scim_feed (
    tenant      text        NOT NULL,
    seq         bigint      NOT NULL,
    at          timestamptz NOT NULL,
    kind        text        NOT NULL,
    resource_id text        NOT NULL,
    version     text        NOT NULL,
    attrs       text,
    members     text,
    PRIMARY KEY (tenant, seq)
);

-- Named consumers: the position each has acknowledged, per tenant, and
-- the lease of the one holder that may handle its entries.
CREATE TABLE scim_feed_consumers (
    tenant      text        NOT NULL,
    name        text        NOT NULL,
    acked       bigint      NOT NULL DEFAULT 0,
    holder      text        NOT NULL DEFAULT '',
    lease_until timestamptz,
    PRIMARY KEY (tenant, name)
);
