-- Nothing to do on SQLite: PostgreSQL's migration 0015 keeps the tenant
-- counts right through a TRUNCATE, which SQLite does not have (a DELETE
-- without WHERE runs the delete triggers of migration 0014). This file
-- keeps both dialects' schema versions the same.
SELECT 1;
