-- Users get what the access system needs: a display name, a department,
-- scopes (a JSON array), an argon2id password hash (NULL: no password, API
-- tokens only) and a disabled flag. Tokens belong to a user and act with its
-- role; a token without a user is a service token with a role of its own.
-- The tokens made before this migration belonged to nobody and could do
-- everything: they become service tokens of role admin, and keep working
-- until revoked.

-- +goose Up
ALTER TABLE users ADD COLUMN display_name TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN department TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN scopes TEXT NOT NULL DEFAULT '[]';
ALTER TABLE users ADD COLUMN password_hash TEXT;
ALTER TABLE users ADD COLUMN disabled_at INTEGER;
ALTER TABLE api_tokens ADD COLUMN user_id INTEGER REFERENCES users (id);
ALTER TABLE api_tokens ADD COLUMN role TEXT NOT NULL DEFAULT 'admin';
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- +goose Down
DROP INDEX api_tokens_user;
ALTER TABLE api_tokens DROP COLUMN role;
ALTER TABLE api_tokens DROP COLUMN user_id;
ALTER TABLE users DROP COLUMN disabled_at;
ALTER TABLE users DROP COLUMN password_hash;
ALTER TABLE users DROP COLUMN scopes;
ALTER TABLE users DROP COLUMN department;
ALTER TABLE users DROP COLUMN display_name;
