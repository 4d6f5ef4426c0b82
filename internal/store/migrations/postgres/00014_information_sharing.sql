-- Information sharing (Rust, Moorman & Bhalla 2010): information items —
-- call notes, customer insights, research findings — on a customer or a
-- segment, with their author and department; who retrieved each, when; and
-- colleagues' ratings, one per user.

-- +goose Up
CREATE TABLE info_items (
    id          BIGSERIAL PRIMARY KEY,
    customer_id TEXT COLLATE "C" NOT NULL DEFAULT '',
    segment     TEXT NOT NULL DEFAULT '',
    author_id   BIGINT NOT NULL REFERENCES users (id),
    department  TEXT NOT NULL DEFAULT '',
    kind        TEXT NOT NULL,
    text        TEXT NOT NULL,
    tags        TEXT NOT NULL DEFAULT '[]',
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX info_items_customer ON info_items (customer_id, id);
CREATE INDEX info_items_segment ON info_items (segment, id);
CREATE INDEX info_items_created ON info_items (created_at);

CREATE TABLE info_reads (
    item_id    BIGINT NOT NULL REFERENCES info_items (id) ON DELETE CASCADE,
    reader_id  BIGINT NOT NULL REFERENCES users (id),
    department TEXT NOT NULL DEFAULT '',
    at         TIMESTAMPTZ NOT NULL
);
CREATE INDEX info_reads_item ON info_reads (item_id);
CREATE INDEX info_reads_at ON info_reads (at);

CREATE TABLE info_ratings (
    item_id BIGINT NOT NULL REFERENCES info_items (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id),
    rating  INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (item_id, user_id)
);

-- +goose Down
DROP TABLE info_ratings;
DROP TABLE info_reads;
DROP TABLE info_items;
