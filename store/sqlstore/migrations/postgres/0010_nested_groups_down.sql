-- A filter on groups.value eq X ("who is within group X, directly or
-- not") walks down from X: the groups that are members of X, theirs, and
-- so on. Each step reads a group's memberships whose member is a group;
-- this partial index holds only those rows, so a group holding no group
-- (nearly every group) costs one probe that finds nothing, not a read of
-- its users.
CREATE INDEX scim_members_nested_groups ON scim_members (tenant, group_id) WHERE member_type = 'Group';
