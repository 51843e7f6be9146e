-- How many users and groups each tenant holds, kept by the writes
-- themselves, so that a list of every row of a tenant (no filter: the
-- import of Okta and OneLogin, PingFederate's search for a group among
-- all) reads its totalResults from a few rows instead of counting the
-- tenant on every page (a count(*) of 100,000 users was most of each
-- page's cost, BENCHMARKS.md). RFC 7644 asks for an exact total: the
-- count is written in the transaction of the rows it counts, so a list's
-- statement reads the page and the count in one snapshot.
--
-- A single row per tenant would make every create and delete of a tenant
-- wait for the one before it to commit (its WAL flush included), so each
-- statement that inserts or deletes rows appends a delta row instead,
-- which no other write takes: concurrent writes lock nothing in common.
-- A read sums the tenant's deltas. Every 32nd delta (by id, over all
-- tenants) also folds its tenant's committed deltas into itself, in the
-- same statement, so a tenant keeps a few dozen rows however many writes
-- it had: a fold deletes only committed rows (an open write's delta is
-- invisible to it), and a sum is the same before and after it in any
-- snapshot. Two folds of one tenant at once wait for each other, one
-- write in 32 squared.
--
-- Statement triggers with transition tables: one delta per tenant per
-- statement, so a bulk insert or the delete of many rows writes one row.
-- Triggers rather than the store's own statements: every writer of the
-- tables is counted (an earlier release's process during a rolling
-- upgrade too), and the count is built here from the rows present, under
-- the trigger's lock on each table, which keeps writes out until this
-- migration commits.
CREATE TABLE scim_counts (
    tenant text   NOT NULL,
    kind   text   NOT NULL,
    id     bigint GENERATED ALWAYS AS IDENTITY,
    n      bigint NOT NULL,
    PRIMARY KEY (tenant, kind, id)
);

-- scim_count_fold folds the committed deltas of tenant t's kind k that
-- precede delta i into it (see above).
CREATE OR REPLACE FUNCTION scim_count_fold(t text, k text, i bigint) RETURNS void
LANGUAGE sql AS $$
	WITH gone AS (
		DELETE FROM scim_counts WHERE tenant = t AND kind = k AND id < i RETURNING n
	)
	UPDATE scim_counts SET n = n + (SELECT COALESCE(sum(n), 0) FROM gone)
	WHERE tenant = t AND kind = k AND id = i;
$$;

-- scim_counted appends the deltas of one statement on the table whose
-- kind is the trigger's argument: a count per tenant of the rows it
-- inserted (counted_new) or deleted (counted_old).
CREATE OR REPLACE FUNCTION scim_counted() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	d record;
BEGIN
	IF TG_OP = 'INSERT' THEN
		FOR d IN
			INSERT INTO scim_counts (tenant, kind, n)
			SELECT tenant, TG_ARGV[0], count(*) FROM counted_new GROUP BY tenant
			RETURNING tenant, kind, id
		LOOP
			IF d.id % 32 = 0 THEN
				PERFORM scim_count_fold(d.tenant, d.kind, d.id);
			END IF;
		END LOOP;
	ELSE
		FOR d IN
			INSERT INTO scim_counts (tenant, kind, n)
			SELECT tenant, TG_ARGV[0], -count(*) FROM counted_old GROUP BY tenant
			RETURNING tenant, kind, id
		LOOP
			IF d.id % 32 = 0 THEN
				PERFORM scim_count_fold(d.tenant, d.kind, d.id);
			END IF;
		END LOOP;
	END IF;
	RETURN NULL;
END
$$;

CREATE TRIGGER scim_users_inserted AFTER INSERT ON scim_users
    REFERENCING NEW TABLE AS counted_new FOR EACH STATEMENT EXECUTE FUNCTION scim_counted('users');
CREATE TRIGGER scim_users_deleted AFTER DELETE ON scim_users
    REFERENCING OLD TABLE AS counted_old FOR EACH STATEMENT EXECUTE FUNCTION scim_counted('users');
CREATE TRIGGER scim_groups_inserted AFTER INSERT ON scim_groups
    REFERENCING NEW TABLE AS counted_new FOR EACH STATEMENT EXECUTE FUNCTION scim_counted('groups');
CREATE TRIGGER scim_groups_deleted AFTER DELETE ON scim_groups
    REFERENCING OLD TABLE AS counted_old FOR EACH STATEMENT EXECUTE FUNCTION scim_counted('groups');

-- The rows present, counted after the triggers hold their tables.
INSERT INTO scim_counts (tenant, kind, n) SELECT tenant, 'users', count(*) FROM scim_users GROUP BY tenant;
INSERT INTO scim_counts (tenant, kind, n) SELECT tenant, 'groups', count(*) FROM scim_groups GROUP BY tenant;
