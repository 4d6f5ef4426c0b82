-- Users (owners of segments; roles and scopes come with the access system)
-- and segments: a CEL definition, an owner, a level, the current members and
-- the history of joins and leaves.

-- +goose Up
CREATE TABLE users (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    role       TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE segments (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    definition  TEXT NOT NULL,
    owner_id    BIGINT REFERENCES users (id) ON DELETE SET NULL,
    level       TEXT NOT NULL DEFAULT 'customer_group',
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    computed_at INTEGER
);

CREATE TABLE segment_members (
    segment_id  BIGINT NOT NULL REFERENCES segments (id) ON DELETE CASCADE,
    customer_id TEXT NOT NULL,
    joined_at   INTEGER NOT NULL,
    PRIMARY KEY (segment_id, customer_id)
);
CREATE INDEX segment_members_customer ON segment_members (customer_id);

CREATE TABLE segment_history (
    segment_id  BIGINT NOT NULL REFERENCES segments (id) ON DELETE CASCADE,
    customer_id TEXT NOT NULL,
    at          INTEGER NOT NULL,
    change      TEXT NOT NULL,
    reason      TEXT NOT NULL
);
CREATE INDEX segment_history_customer ON segment_history (customer_id, at);
CREATE INDEX segment_history_segment ON segment_history (segment_id, at);

-- +goose Down
DROP TABLE segment_history;
DROP TABLE segment_members;
DROP TABLE segments;
DROP TABLE users;
