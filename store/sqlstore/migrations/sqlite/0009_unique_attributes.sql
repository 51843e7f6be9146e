-- The values of the host's extension attributes declared uniqueness server
-- or global (resources.ResourceType.UniqueAttributes), one row per
-- resource and attribute, under query.UniqueKeys' key. The primary key
-- decides which of two concurrent writes of one value wins: the other
-- fails on it, in the transaction that writes the resource, and is a 409.
-- Rows go with their resource (ON DELETE CASCADE). A model without such
-- attributes never writes these tables.
CREATE TABLE scim_user_unique (
    tenant    TEXT NOT NULL,
    attr      TEXT NOT NULL,
    value_key TEXT NOT NULL,
    user_id   TEXT NOT NULL,
    PRIMARY KEY (tenant, attr, value_key),
    FOREIGN KEY (tenant, user_id) REFERENCES scim_users (tenant, id) ON DELETE CASCADE
);
CREATE INDEX scim_user_unique_user ON scim_user_unique (tenant, user_id);

CREATE TABLE scim_group_unique (
    tenant    TEXT NOT NULL,
    attr      TEXT NOT NULL,
    value_key TEXT NOT NULL,
    group_id  TEXT NOT NULL,
    PRIMARY KEY (tenant, attr, value_key),
    FOREIGN KEY (tenant, group_id) REFERENCES scim_groups (tenant, id) ON DELETE CASCADE
);
CREATE INDEX scim_group_unique_group ON scim_group_unique (tenant, group_id);
