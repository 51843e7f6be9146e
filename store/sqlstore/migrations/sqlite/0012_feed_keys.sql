-- SQLite's scim_feed keyed by one integer, a rowid: key = the tenant's
-- number << 40 | the row's seq (its last entry's, migration 0011). A
-- WITHOUT ROWID table is an index B-tree, whose right-most leaf SQLite
-- splits by rewriting the last three leaves and their parent about every
-- tenth append; a rowid table's append, at the end of the tenant's range
-- (the end of the table for the newest tenant), takes SQLite's append
-- path (balance_quick: a new right-most leaf, the others left as they
-- are). One key keeps each tenant's entries together and in order, so
-- every read of the feed is a range of keys: the tenant's last Seq is
-- the greatest key below (number + 1) << 40, "after N" the keys above
-- number << 40 | N. 40 bits leave a tenant 2^40 - 1 entries (a million a
-- day for three thousand years) and 2^23 - 1 tenants.
--
-- scim_feed_heads numbers the tenants (num, assigned on a tenant's first
-- append, in its transaction: the append writes the tenant's name into
-- its row's tenant column, which is NULL on every other row, and the
-- trigger below numbers it from there) and keeps, as before, the last
-- Seq Prune deleted (seq). A number is never reused or changed, and a
-- row of scim_feed_heads never deleted.
CREATE TABLE scim_feed_heads_0012 (
    tenant TEXT    NOT NULL PRIMARY KEY,
    num    INTEGER NOT NULL,
    seq    INTEGER NOT NULL
) WITHOUT ROWID;

-- Every tenant with an entry or a head row, numbered in name order.
INSERT INTO scim_feed_heads_0012 (tenant, num, seq)
SELECT tenant, row_number() OVER (ORDER BY tenant), max(seq) FROM (
    SELECT tenant, seq FROM scim_feed_heads
    UNION ALL
    SELECT DISTINCT tenant, 0 FROM scim_feed
) GROUP BY tenant;

CREATE TABLE scim_feed_0012 (
    key         INTEGER PRIMARY KEY,
    tenant      TEXT,
    at          INTEGER NOT NULL,
    kind        TEXT    NOT NULL,
    resource_id TEXT    NOT NULL,
    version     TEXT    NOT NULL,
    attrs       TEXT,
    members     TEXT,
    more        TEXT
);

INSERT INTO scim_feed_0012 (key, at, kind, resource_id, version, attrs, members, more)
SELECT (h.num << 40) | f.seq, f.at, f.kind, f.resource_id, f.version, f.attrs, f.members, f.more
FROM scim_feed f JOIN scim_feed_heads_0012 h ON h.tenant = f.tenant
ORDER BY 1;

DROP TABLE scim_feed;
DROP TABLE scim_feed_heads;
ALTER TABLE scim_feed_0012 RENAME TO scim_feed;
ALTER TABLE scim_feed_heads_0012 RENAME TO scim_feed_heads;
CREATE UNIQUE INDEX scim_feed_heads_num ON scim_feed_heads (num);

-- A tenant's first row carries its name: number the tenant (the append
-- gave the row the next number's key, sqliteNewKey).
CREATE TRIGGER scim_feed_number AFTER INSERT ON scim_feed WHEN NEW.tenant IS NOT NULL
BEGIN
    INSERT INTO scim_feed_heads (tenant, num, seq) VALUES (NEW.tenant, NEW.key >> 40, 0);
END;
