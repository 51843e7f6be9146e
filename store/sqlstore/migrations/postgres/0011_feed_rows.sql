-- Nothing to do on PostgreSQL: SQLite's migration 0011 keeps a write's
-- feed entries in one row (its more column); PostgreSQL keeps a row an
-- entry. This file keeps both dialects' schema versions the same.
SELECT 1;
