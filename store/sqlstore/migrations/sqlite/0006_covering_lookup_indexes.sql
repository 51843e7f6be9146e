-- Two lookups SQLite, which plans without statistics, answered by walking
-- a whole tenant: it prefers a covering search on a table's key prefix to
-- an index that lacks a column the statement needs, and each index below
-- lacked one. With the column added, each lookup is one covering search.
-- (PostgreSQL plans these with statistics and keeps its indexes.)
--
-- A provider looks a user up by a typed email, emails[type eq "work" and
-- value eq "x"]: type joins (tenant, attr, value), else every value row
-- of the tenant was read along the primary key. A lookup by value alone
-- uses the first three columns, as before.
DROP INDEX scim_user_values_value;
CREATE INDEX scim_user_values_value ON scim_user_values (tenant, attr, value, type);
-- Deleting a user bumps the version of each group it was in, found by
-- member_id: group_id joins (tenant, member_id), else every membership of
-- the tenant was read along (tenant, group_id, member_id), a 100,000-row
-- walk per deleted user beside a 100,000-member group.
DROP INDEX scim_members_member;
CREATE INDEX scim_members_member ON scim_members (tenant, member_id, group_id);
