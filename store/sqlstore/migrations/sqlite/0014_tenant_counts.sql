-- How many users and groups each tenant holds, kept by the writes
-- themselves, so that a list of every row of a tenant (no filter: the
-- import of Okta and OneLogin, PingFederate's search for a group among
-- all) reads its totalResults from one row instead of counting the
-- tenant on every page (a walk of the (tenant, seq) index of 100,000
-- users was most of each page's cost, BENCHMARKS.md). RFC 7644 asks for
-- an exact total: the count is written in the transaction of the rows it
-- counts, so a list's statement reads the page and the count in one
-- snapshot. SQLite has one writer at a time, so one row per tenant and
-- kind costs no waiting: one B-tree page more per create and delete
-- (PostgreSQL, where writes run at once, appends deltas instead).
-- Triggers rather than the store's own statements: every writer of the
-- tables is counted (an earlier release's process during a rolling
-- upgrade too), and this migration counts the rows present under the
-- write lock it holds.
CREATE TABLE scim_counts (
    tenant TEXT    NOT NULL,
    kind   TEXT    NOT NULL,
    n      INTEGER NOT NULL,
    PRIMARY KEY (tenant, kind)
) WITHOUT ROWID;

CREATE TRIGGER scim_users_inserted AFTER INSERT ON scim_users BEGIN
    INSERT INTO scim_counts (tenant, kind, n) VALUES (NEW.tenant, 'users', 1)
    ON CONFLICT (tenant, kind) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER scim_users_deleted AFTER DELETE ON scim_users BEGIN
    UPDATE scim_counts SET n = n - 1 WHERE tenant = OLD.tenant AND kind = 'users';
END;
CREATE TRIGGER scim_groups_inserted AFTER INSERT ON scim_groups BEGIN
    INSERT INTO scim_counts (tenant, kind, n) VALUES (NEW.tenant, 'groups', 1)
    ON CONFLICT (tenant, kind) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER scim_groups_deleted AFTER DELETE ON scim_groups BEGIN
    UPDATE scim_counts SET n = n - 1 WHERE tenant = OLD.tenant AND kind = 'groups';
END;

INSERT INTO scim_counts (tenant, kind, n) SELECT tenant, 'users', count(*) FROM scim_users GROUP BY tenant;
INSERT INTO scim_counts (tenant, kind, n) SELECT tenant, 'groups', count(*) FROM scim_groups GROUP BY tenant;
