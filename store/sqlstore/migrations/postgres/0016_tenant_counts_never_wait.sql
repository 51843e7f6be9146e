-- Migration 0014's fold deleted its tenant's committed deltas with a
-- plain DELETE, which waits for the row locks of another fold of the
-- same tenant until that fold's transaction ends. A transaction that
-- folds two tenants (a host's own transaction writing several scim_
-- rows, one statement's rows of many tenants) or that folds and then
-- waits for a row another fold's transaction holds could close a cycle
-- with it: a deadlock (40P01), the loss of a write that had nothing
-- wrong. A fold now never waits: it deletes only the deltas it can lock
-- at once (FOR UPDATE SKIP LOCKED), and a delta another fold holds is
-- that fold's (it is deleted and summed there, or stays if that fold
-- rolls back). Each delta is summed into exactly one row, so every
-- snapshot's sum is what it was. The next 32nd delta folds what was
-- skipped.
--
-- In a REPEATABLE READ or SERIALIZABLE transaction (a host's own, or
-- the store's where the host made that the default isolation) the
-- fold's DELETE of a delta that a fold committed after the transaction's
-- snapshot is a serialization failure: there the fold runs in a
-- subtransaction whose failure is dropped (the deltas stay for a later
-- fold), so the write goes on. In READ COMMITTED, the store's writes,
-- it cannot fail so, and runs without one.
--
-- A tenant whose users (or groups) were all deleted kept its deltas,
-- summing to zero, forever. Now a fold deletes its own row when the sum
-- it holds is zero, and a statement that deletes a tenant's rows folds
-- the tenant when none are left (one probe of the table's primary key),
-- so a churn of short-lived tenants (tests, trials) leaves no rows.
CREATE OR REPLACE FUNCTION scim_count_fold(t text, k text, i bigint) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	total bigint;
BEGIN
	WITH mine AS (
		SELECT id FROM scim_counts WHERE tenant = t AND kind = k AND id < i
		FOR UPDATE SKIP LOCKED
	), gone AS (
		DELETE FROM scim_counts c USING mine
		WHERE c.tenant = t AND c.kind = k AND c.id = mine.id
		RETURNING c.n
	)
	UPDATE scim_counts SET n = n + (SELECT COALESCE(sum(n), 0) FROM gone)
	WHERE tenant = t AND kind = k AND id = i
	RETURNING n INTO total;
	IF total = 0 THEN
		DELETE FROM scim_counts WHERE tenant = t AND kind = k AND id = i;
	END IF;
END
$$;

-- scim_count_settle folds delta i of tenant t's kind k when it is a 32nd,
-- or when it took rows away (shrank) and the tenant has none of the kind
-- left; outside READ COMMITTED, in a subtransaction (above).
CREATE OR REPLACE FUNCTION scim_count_settle(t text, k text, i bigint, shrank boolean) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	IF i % 32 <> 0 THEN
		IF NOT shrank THEN
			RETURN;
		ELSIF k = 'users' THEN
			IF EXISTS (SELECT FROM scim_users WHERE tenant = t) THEN
				RETURN;
			END IF;
		ELSIF EXISTS (SELECT FROM scim_groups WHERE tenant = t) THEN
			RETURN;
		END IF;
	END IF;
	IF current_setting('transaction_isolation') = 'read committed' THEN
		PERFORM scim_count_fold(t, k, i);
	ELSE
		BEGIN
			PERFORM scim_count_fold(t, k, i);
		EXCEPTION WHEN serialization_failure THEN
			NULL;
		END;
	END IF;
END
$$;

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
				PERFORM scim_count_settle(d.tenant, d.kind, d.id, false);
			END IF;
		END LOOP;
	ELSE
		FOR d IN
			INSERT INTO scim_counts (tenant, kind, n)
			SELECT tenant, TG_ARGV[0], -count(*) FROM counted_old GROUP BY tenant
			RETURNING tenant, kind, id
		LOOP
			PERFORM scim_count_settle(d.tenant, d.kind, d.id, true);
		END LOOP;
	END IF;
	RETURN NULL;
END
$$;

-- A host's UPDATE that moves a row to another tenant (the store never
-- writes a row's tenant) takes it from one count and adds it to the
-- other. A row trigger, as a statement trigger with transition tables
-- cannot name its columns and would copy every row of every UPDATE the
-- store makes; this one runs only when the statement sets tenant and
-- the value changes, so the store's updates never run it.
CREATE OR REPLACE FUNCTION scim_counted_moved() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	d record;
BEGIN
	FOR d IN
		INSERT INTO scim_counts (tenant, kind, n)
		VALUES (OLD.tenant, TG_ARGV[0], -1), (NEW.tenant, TG_ARGV[0], 1)
		RETURNING tenant, kind, id, n
	LOOP
		PERFORM scim_count_settle(d.tenant, d.kind, d.id, d.n < 0);
	END LOOP;
	RETURN NULL;
END
$$;

CREATE TRIGGER scim_users_moved AFTER UPDATE OF tenant ON scim_users
    FOR EACH ROW WHEN (OLD.tenant IS DISTINCT FROM NEW.tenant) EXECUTE FUNCTION scim_counted_moved('users');
CREATE TRIGGER scim_groups_moved AFTER UPDATE OF tenant ON scim_groups
    FOR EACH ROW WHEN (OLD.tenant IS DISTINCT FROM NEW.tenant) EXECUTE FUNCTION scim_counted_moved('groups');

-- The tenants emptied before this version: their deltas sum to zero. The
-- lock keeps every write's delta out while they go (a fold of an earlier
-- release's process could otherwise move a delta into a row this
-- statement does not see); reads go on.
LOCK TABLE scim_counts IN EXCLUSIVE MODE;
DELETE FROM scim_counts WHERE (tenant, kind) IN (
    SELECT tenant, kind FROM scim_counts GROUP BY tenant, kind HAVING sum(n) = 0
);
