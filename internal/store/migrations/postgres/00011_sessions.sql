-- Browser sessions: a signed-in user's cookie, kept as the SHA-256 of its
-- secret, with the CSRF token that state-changing requests must echo, and
-- an expiry. Deleting the row signs the session out.

-- +goose Up
CREATE TABLE sessions (
    hash       TEXT PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

-- +goose Down
DROP TABLE sessions;
