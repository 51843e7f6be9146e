-- TRUNCATE fires neither row nor statement delete triggers, so emptying
-- scim_users or scim_groups that way (a host resetting a test or staging
-- database, or removing every tenant at once) left the counts of
-- migration 0014 as they were, and every list of a tenant reported the
-- rows that were gone. A TRUNCATE trigger empties the table's counts
-- with it, in its transaction. TRUNCATE holds the table's ACCESS
-- EXCLUSIVE lock, so no write that appends a delta of that table runs
-- beside it (its deltas come only from the table's own triggers).
CREATE OR REPLACE FUNCTION scim_counted_truncated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	DELETE FROM scim_counts WHERE kind = TG_ARGV[0];
	RETURN NULL;
END
$$;

CREATE TRIGGER scim_users_truncated AFTER TRUNCATE ON scim_users
    FOR EACH STATEMENT EXECUTE FUNCTION scim_counted_truncated('users');
CREATE TRIGGER scim_groups_truncated AFTER TRUNCATE ON scim_groups
    FOR EACH STATEMENT EXECUTE FUNCTION scim_counted_truncated('groups');
