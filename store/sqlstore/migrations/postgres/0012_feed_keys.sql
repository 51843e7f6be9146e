-- Nothing to do on PostgreSQL: SQLite's migration 0012 keys scim_feed by
-- one integer (a tenant's number and the Seq); PostgreSQL keeps
-- (tenant, seq). This file keeps both dialects' schema versions the same.
SELECT 1;
