-- scimkit schema, version 1 (PostgreSQL).
-- Every table is keyed by tenant first; every query is scoped by it.
-- *_fold columns hold strings folded in Go (Unicode simple case folding),
-- compared with = and ordered byte-wise (COLLATE "C").

CREATE SEQUENCE scim_seq;

CREATE TABLE scim_users (
    tenant            text        NOT NULL,
    id                text        NOT NULL,
    seq               bigint      NOT NULL DEFAULT nextval('scim_seq'),
    user_name         text        NOT NULL,
    user_name_fold    text        COLLATE "C" NOT NULL,
    external_id       text        COLLATE "C",
    -- what a group's members[].display shows: displayName, else userName
    display           text        NOT NULL,
    display_fold      text        COLLATE "C" NOT NULL,
    password          text,
    doc               json        NOT NULL,
    q                 jsonb       NOT NULL,
    created           timestamptz NOT NULL,
    last_modified     timestamptz NOT NULL,
    version           bigint      NOT NULL,
    PRIMARY KEY (tenant, id)
);
CREATE UNIQUE INDEX scim_users_user_name ON scim_users (tenant, user_name_fold);
CREATE INDEX scim_users_external_id ON scim_users (tenant, external_id);
CREATE UNIQUE INDEX scim_users_seq ON scim_users (tenant, seq);

-- emails and phoneNumbers, one row per element, folded.
CREATE TABLE scim_user_values (
    tenant      text    NOT NULL,
    user_id     text    NOT NULL,
    attr        text    NOT NULL,
    idx         integer NOT NULL,
    value       text    COLLATE "C",
    display     text    COLLATE "C",
    type        text    COLLATE "C",
    is_primary  boolean,
    PRIMARY KEY (tenant, user_id, attr, idx),
    FOREIGN KEY (tenant, user_id) REFERENCES scim_users (tenant, id) ON DELETE CASCADE
);
CREATE INDEX scim_user_values_value ON scim_user_values (tenant, attr, value);

CREATE TABLE scim_groups (
    tenant            text        NOT NULL,
    id                text        NOT NULL,
    seq               bigint      NOT NULL DEFAULT nextval('scim_seq'),
    display_name      text        NOT NULL,
    display_name_fold text        COLLATE "C" NOT NULL,
    external_id       text        COLLATE "C",
    doc               json        NOT NULL,
    q                 jsonb       NOT NULL,
    created           timestamptz NOT NULL,
    last_modified     timestamptz NOT NULL,
    version           bigint      NOT NULL,
    PRIMARY KEY (tenant, id)
);
CREATE UNIQUE INDEX scim_groups_display_name ON scim_groups (tenant, display_name_fold);
CREATE INDEX scim_groups_external_id ON scim_groups (tenant, external_id);
CREATE UNIQUE INDEX scim_groups_seq ON scim_groups (tenant, seq);

-- Direct memberships. member_id names a user or a group of the tenant.
CREATE TABLE scim_members (
    tenant       text   NOT NULL,
    group_id     text   NOT NULL,
    member_id    text   NOT NULL,
    member_type  text   NOT NULL, -- 'User' or 'Group'
    seq          bigint NOT NULL DEFAULT nextval('scim_seq'),
    PRIMARY KEY (tenant, group_id, member_id),
    FOREIGN KEY (tenant, group_id) REFERENCES scim_groups (tenant, id) ON DELETE CASCADE
);
CREATE INDEX scim_members_member ON scim_members (tenant, member_id);
CREATE INDEX scim_members_order ON scim_members (tenant, group_id, seq);

CREATE TABLE scim_tokens (
    id             text        PRIMARY KEY,
    tenant         text        NOT NULL,
    name           text        NOT NULL DEFAULT '',
    connection_id  text        NOT NULL DEFAULT '',
    labels         jsonb,
    hint           text        NOT NULL DEFAULT '',
    hash           bytea       NOT NULL UNIQUE,
    created_at     timestamptz NOT NULL,
    expires_at     timestamptz,
    last_used_at   timestamptz,
    revoked_at     timestamptz,
    created_by     text        NOT NULL DEFAULT ''
);
CREATE INDEX scim_tokens_tenant ON scim_tokens (tenant, id);

CREATE TABLE scim_requests (
    tenant      text        NOT NULL,
    seq         bigint      NOT NULL DEFAULT nextval('scim_seq'),
    at          timestamptz NOT NULL,
    request_id  text        NOT NULL DEFAULT '',
    method      text        NOT NULL DEFAULT '',
    path        text        NOT NULL DEFAULT '',
    status      integer     NOT NULL DEFAULT 0,
    scim_type   text        NOT NULL DEFAULT '',
    detail      text        NOT NULL DEFAULT '',
    latency_ns  bigint      NOT NULL DEFAULT 0,
    token_hint  text        NOT NULL DEFAULT '',
    PRIMARY KEY (tenant, seq)
);
