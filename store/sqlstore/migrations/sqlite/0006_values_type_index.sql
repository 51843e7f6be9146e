-- A provider looks a user up by a typed email, emails[type eq "work" and
-- value eq "x"] (the filter Okta and Entra ID build for a work email
-- mapped to a matching attribute). SQLite plans without statistics and,
-- with type outside scim_user_values_value, preferred walking every value
-- row of the tenant along the primary key to reading the index and then
-- each row for its type: a scan per lookup. With type in the index the
-- lookup is one covering search on (tenant, attr, value, type); a lookup
-- by value alone uses its first three columns as before. (PostgreSQL
-- plans this lookup with its values and statistics, and keeps its index.)
DROP INDEX scim_user_values_value;
CREATE INDEX scim_user_values_value ON scim_user_values (tenant, attr, value, type);
