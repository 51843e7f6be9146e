-- A tenant whose users (or groups) are all deleted no longer keeps a row
-- of zero: the delete that takes its count to zero deletes the row, so a
-- churn of short-lived tenants (tests, trials) leaves none behind (one
-- more seek of the page the count's UPDATE just read). A host's UPDATE
-- that moves a row to another tenant (the store never writes a row's
-- tenant) takes it from one count and adds it to the other; the trigger
-- runs only when the statement sets tenant and the value changes.
-- (PostgreSQL's migration 0016 also makes its fold never wait for a row
-- lock; SQLite has one writer at a time and no fold.)
--
-- INSERT OR REPLACE still runs no delete trigger for the row it
-- replaces: the store leaves recursive_triggers off, as a host's own
-- trigger that writes its table (an updated_at stamp) would run itself
-- again with it on.
DROP TRIGGER scim_users_deleted;
CREATE TRIGGER scim_users_deleted AFTER DELETE ON scim_users BEGIN
    UPDATE scim_counts SET n = n - 1 WHERE tenant = OLD.tenant AND kind = 'users';
    DELETE FROM scim_counts WHERE tenant = OLD.tenant AND kind = 'users' AND n = 0;
END;
DROP TRIGGER scim_groups_deleted;
CREATE TRIGGER scim_groups_deleted AFTER DELETE ON scim_groups BEGIN
    UPDATE scim_counts SET n = n - 1 WHERE tenant = OLD.tenant AND kind = 'groups';
    DELETE FROM scim_counts WHERE tenant = OLD.tenant AND kind = 'groups' AND n = 0;
END;
CREATE TRIGGER scim_users_moved AFTER UPDATE OF tenant ON scim_users
WHEN OLD.tenant IS NOT NEW.tenant BEGIN
    UPDATE scim_counts SET n = n - 1 WHERE tenant = OLD.tenant AND kind = 'users';
    DELETE FROM scim_counts WHERE tenant = OLD.tenant AND kind = 'users' AND n = 0;
    INSERT INTO scim_counts (tenant, kind, n) VALUES (NEW.tenant, 'users', 1)
    ON CONFLICT (tenant, kind) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER scim_groups_moved AFTER UPDATE OF tenant ON scim_groups
WHEN OLD.tenant IS NOT NEW.tenant BEGIN
    UPDATE scim_counts SET n = n - 1 WHERE tenant = OLD.tenant AND kind = 'groups';
    DELETE FROM scim_counts WHERE tenant = OLD.tenant AND kind = 'groups' AND n = 0;
    INSERT INTO scim_counts (tenant, kind, n) VALUES (NEW.tenant, 'groups', 1)
    ON CONFLICT (tenant, kind) DO UPDATE SET n = n + 1;
END;

-- The tenants emptied before this version.
DELETE FROM scim_counts WHERE n = 0;
