-- The planner must never take a tenant for a key. ANALYZE run on a table
-- that held one row (a tenant's first group, its first user), or rows of
-- as many tenants, stores its tenant column as all distinct; until the
-- next ANALYZE (autovacuum's comes after 50 rows written and its naptime;
-- a provider's push writes thousands in that minute, and a host may have
-- autovacuum behind or off) "tenant = $1" is then estimated at one row
-- however many the tenant holds now, so every index that leads with the
-- tenant looks as good as the primary key: a user's delete read all the
-- tenant's users to find one, then, for each of its 1,500 groups, every
-- membership of the tenant (seconds with a 20,000-member group;
-- TestWritePlansWithStaleStatistics). No statement's shape can correct an
-- estimate of one row, so each ANALYZE stores this instead of its count
-- of tenants: a tenant holds one row in a hundred, ANALYZE's most common
-- values (the large tenants) still counted as sampled. The other tables
-- have one index that leads with the tenant: no index to mistake.
ALTER TABLE scim_users ALTER COLUMN tenant SET (n_distinct = -0.01);
ALTER TABLE scim_user_values ALTER COLUMN tenant SET (n_distinct = -0.01);
ALTER TABLE scim_groups ALTER COLUMN tenant SET (n_distinct = -0.01);
ALTER TABLE scim_members ALTER COLUMN tenant SET (n_distinct = -0.01);
