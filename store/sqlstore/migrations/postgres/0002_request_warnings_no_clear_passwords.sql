-- The request log keeps the warnings of each request (the bends the
-- handler made to accept it), as a JSON list.
ALTER TABLE scim_requests ADD COLUMN warnings text NOT NULL DEFAULT '';

-- Pushed passwords are no longer kept in clear (the handler drops them,
-- or hands the store a one-way hash): a stored password that is not a
-- PHC hash (argon2, bcrypt) is removed. PostgreSQL keeps the old row
-- versions until VACUUM; the README says to run VACUUM FULL scim_users
-- once after this upgrade.
UPDATE scim_users SET password = NULL
WHERE password IS NOT NULL
  AND password NOT LIKE '$argon2%'
  AND password NOT LIKE '$2a$%' AND password NOT LIKE '$2b$%' AND password NOT LIKE '$2y$%';
