-- User.groups lists indirect memberships (groups that hold a group the
-- user is in). Walking up from a group reads its memberships as a member
-- of type Group; this partial index holds only those rows, so each step
-- of the walk is one small index lookup however many users the groups
-- hold.
CREATE INDEX scim_members_group_member ON scim_members (tenant, member_id) WHERE member_type = 'Group';
