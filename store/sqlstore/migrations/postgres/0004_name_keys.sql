-- userName and group displayName are unique by their identity key
-- (query.NameKey: PRECIS Nickname comparison form, then case folding),
-- no longer by the case fold alone: NFC and NFD "café", or full-width
-- "ｊｏｅ" and "joe", are one name. The key is computed in Go: after this
-- file, the migration (fillNameKeys) fills *_key for every row in the same
-- transaction, marks the rows that share a key with an older row, then
-- creates the unique indexes scim_users_user_name_key (tenant,
-- user_name_key, user_name_dup) and scim_groups_display_name_key
-- (tenant, display_name_key, display_name_dup): rows that were distinct
-- under the old fold and share a key now are all kept, the newer ones
-- marked with their own id in *_dup (Store.SharedNames lists them), which
-- is why the unique index holds the dup column: an unmarked row (every
-- new write) is unique by its key.
-- The *_fold columns stay (sorting, co/sw/ew/gt..., and still unique:
-- names equal under the fold have one key anyway). The key columns stay
-- nullable: a process of the previous version, still running during a
-- rolling upgrade, writes rows without one; run Store.Reindex once every
-- process runs this version.
ALTER TABLE scim_users ADD COLUMN user_name_key text COLLATE "C";
ALTER TABLE scim_users ADD COLUMN user_name_dup text COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE scim_groups ADD COLUMN display_name_key text COLLATE "C";
ALTER TABLE scim_groups ADD COLUMN display_name_dup text COLLATE "C" NOT NULL DEFAULT '';
