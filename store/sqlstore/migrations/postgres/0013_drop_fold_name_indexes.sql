-- The unique indexes of the folded names (user_name_fold,
-- display_name_fold) go. Every filter operator and every sort on userName
-- and a group's displayName compares or orders by the identity key
-- (*_key, query.NameKey), and names equal under the fold have one key, so
-- the key's unique index (tenant, *_key, *_dup) already refuses every
-- name the fold's refused: the fold's index only cost a B-tree insert (a
-- page and its WAL) on every create and rename, and a page on disk.
--
-- The columns stay, written as before: a group's display_name_fold is
-- what a filter on members.display and User.groups.display compares, and
-- during a rolling upgrade a process of an earlier release (schema
-- versions 4 to 12), which writes user_name_fold NOT NULL and may sort
-- and filter by it, still runs against this schema (dropping an index changes none of its statements,
-- only their plans: its sort by a folded name reads the table instead).
-- Those versions write the key too, so the key's index keeps their names
-- unique; a process older than version 4 writes none, and must not be
-- running once this migration is applied (migration 0004 asked for the
-- Reindex that needs the same).
DROP INDEX scim_users_user_name;
DROP INDEX scim_groups_display_name;
