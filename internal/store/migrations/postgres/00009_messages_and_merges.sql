-- The message ids of the tracking API (Segment's messageId), so that a
-- message sent twice is applied once; and the history of customer merges
-- (an anonymous visitor identified, an alias), which also redirects the
-- merged id.

-- +goose Up
CREATE TABLE message_ids (
    id          TEXT COLLATE "C" PRIMARY KEY,
    received_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE customer_merges (
    from_id   TEXT COLLATE "C" PRIMARY KEY,
    into_id   TEXT COLLATE "C" NOT NULL,
    merged_at TIMESTAMPTZ NOT NULL,
    reason    TEXT NOT NULL
);
CREATE INDEX customer_merges_into ON customer_merges (into_id);

-- +goose Down
DROP TABLE customer_merges;
DROP TABLE message_ids;
