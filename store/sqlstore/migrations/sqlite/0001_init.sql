-- scimkit schema, version 1 (SQLite).
-- Every table is keyed by tenant first; every query is scoped by it.
-- *_fold columns hold strings folded in Go (Unicode simple case folding),
-- compared with = and ordered byte-wise (SQLite's BINARY collation).
-- Times are Unix microseconds. seq (the rowid) is the creation order.

CREATE TABLE scim_users (
    seq               INTEGER PRIMARY KEY,
    tenant            TEXT    NOT NULL,
    id                TEXT    NOT NULL,
    user_name         TEXT    NOT NULL,
    user_name_fold    TEXT    NOT NULL,
    external_id       TEXT,
    display           TEXT    NOT NULL,
    display_fold      TEXT    NOT NULL,
    password          TEXT,
    doc               TEXT    NOT NULL,
    q                 BLOB    NOT NULL, -- JSONB
    created           INTEGER NOT NULL,
    last_modified     INTEGER NOT NULL,
    version           INTEGER NOT NULL,
    UNIQUE (tenant, id)
);
CREATE UNIQUE INDEX scim_users_user_name ON scim_users (tenant, user_name_fold);
CREATE INDEX scim_users_external_id ON scim_users (tenant, external_id);
CREATE INDEX scim_users_tenant_seq ON scim_users (tenant, seq);

CREATE TABLE scim_user_values (
    tenant      TEXT    NOT NULL,
    user_id     TEXT    NOT NULL,
    attr        TEXT    NOT NULL,
    idx         INTEGER NOT NULL,
    value       TEXT,
    display     TEXT,
    type        TEXT,
    is_primary  INTEGER,
    PRIMARY KEY (tenant, user_id, attr, idx),
    FOREIGN KEY (tenant, user_id) REFERENCES scim_users (tenant, id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX scim_user_values_value ON scim_user_values (tenant, attr, value);

CREATE TABLE scim_groups (
    seq               INTEGER PRIMARY KEY,
    tenant            TEXT    NOT NULL,
    id                TEXT    NOT NULL,
    display_name      TEXT    NOT NULL,
    display_name_fold TEXT    NOT NULL,
    external_id       TEXT,
    doc               TEXT    NOT NULL,
    q                 BLOB    NOT NULL,
    created           INTEGER NOT NULL,
    last_modified     INTEGER NOT NULL,
    version           INTEGER NOT NULL,
    UNIQUE (tenant, id)
);
CREATE UNIQUE INDEX scim_groups_display_name ON scim_groups (tenant, display_name_fold);
CREATE INDEX scim_groups_external_id ON scim_groups (tenant, external_id);
CREATE INDEX scim_groups_tenant_seq ON scim_groups (tenant, seq);

CREATE TABLE scim_members (
    seq          INTEGER PRIMARY KEY,
    tenant       TEXT    NOT NULL,
    group_id     TEXT    NOT NULL,
    member_id    TEXT    NOT NULL,
    member_type  TEXT    NOT NULL,
    UNIQUE (tenant, group_id, member_id),
    FOREIGN KEY (tenant, group_id) REFERENCES scim_groups (tenant, id) ON DELETE CASCADE
);
CREATE INDEX scim_members_member ON scim_members (tenant, member_id);
CREATE INDEX scim_members_order ON scim_members (tenant, group_id, seq);

CREATE TABLE scim_tokens (
    id             TEXT    PRIMARY KEY,
    tenant         TEXT    NOT NULL,
    name           TEXT    NOT NULL DEFAULT '',
    connection_id  TEXT    NOT NULL DEFAULT '',
    labels         TEXT,
    hint           TEXT    NOT NULL DEFAULT '',
    hash           BLOB    NOT NULL UNIQUE,
    created_at     INTEGER NOT NULL,
    expires_at     INTEGER,
    last_used_at   INTEGER,
    revoked_at     INTEGER,
    created_by     TEXT    NOT NULL DEFAULT ''
) WITHOUT ROWID;
CREATE INDEX scim_tokens_tenant ON scim_tokens (tenant, id);

CREATE TABLE scim_requests (
    seq         INTEGER PRIMARY KEY,
    tenant      TEXT    NOT NULL,
    at          INTEGER NOT NULL,
    request_id  TEXT    NOT NULL DEFAULT '',
    method      TEXT    NOT NULL DEFAULT '',
    path        TEXT    NOT NULL DEFAULT '',
    status      INTEGER NOT NULL DEFAULT 0,
    scim_type   TEXT    NOT NULL DEFAULT '',
    detail      TEXT    NOT NULL DEFAULT '',
    latency_ns  INTEGER NOT NULL DEFAULT 0,
    token_hint  TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX scim_requests_tenant ON scim_requests (tenant, seq);
