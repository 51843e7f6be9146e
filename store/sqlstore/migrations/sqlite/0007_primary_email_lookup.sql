-- A provider may look a user up by the primary email,
-- emails[primary eq true].value eq "x". SQLite, planning without
-- statistics, prefers a covering search on a key prefix to an index that
-- lacks a column the statement needs (see 0006): lacking is_primary,
-- scim_user_values_value lost to the primary key, and every value row of
-- the tenant was read. With is_primary added, that lookup is one covering
-- search too; the others use the same leading columns as before.
-- (PostgreSQL finds it by (tenant, attr, value) and tests the flag.)
DROP INDEX scim_user_values_value;
CREATE INDEX scim_user_values_value ON scim_user_values (tenant, attr, value, type, is_primary);
