-- Nothing to do on SQLite: PostgreSQL's migration 0013 leaves room on
-- scim_users pages for a row's next version (a HOT update); SQLite
-- rewrites a row in place in its B-tree and has no fill factor. This file
-- keeps both dialects' schema versions the same.
SELECT 1;
