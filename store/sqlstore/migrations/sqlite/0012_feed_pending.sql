-- Nothing to do on SQLite: PostgreSQL's migration 0012 lets concurrent
-- writers append feed entries without the head row's lock; SQLite has one
-- writer, which numbers its entries as it appends them. This file keeps
-- both dialects' schema versions the same.
SELECT 1;
