-- Users (owners of segments; roles and scopes come with the access system)
-- and segments: a CEL definition, an owner, a level, the current members and
-- the history of joins and leaves.

-- +goose Up
CREATE TABLE users (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    role       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE segments (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    definition  TEXT NOT NULL,
    owner_id    BIGINT REFERENCES users (id) ON DELETE SET NULL,
    level       TEXT NOT NULL DEFAULT 'customer_group',
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    computed_at TIMESTAMPTZ
);

CREATE TABLE segment_members (
    segment_id  BIGINT NOT NULL REFERENCES segments (id) ON DELETE CASCADE,
    customer_id TEXT COLLATE "C" NOT NULL,
    joined_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (segment_id, customer_id)
);
CREATE INDEX segment_members_customer ON segment_members (customer_id);

CREATE TABLE segment_history (
    segment_id  BIGINT NOT NULL REFERENCES segments (id) ON DELETE CASCADE,
    customer_id TEXT COLLATE "C" NOT NULL,
    at          TIMESTAMPTZ NOT NULL,
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
