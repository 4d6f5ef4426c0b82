-- The real-time engine (issue 16): per-customer counters, updated in the
-- transaction that stores a fact; the offer catalogue and the triggers,
-- versioned; the decisions they lead to; the outbox and its delivery log;
-- every offer made, with the customer's response when one comes (pending
-- until then), which teaches the propensities.

-- +goose Up
CREATE TABLE counters (
    customer_id TEXT NOT NULL,
    key         TEXT NOT NULL,
    count       INTEGER NOT NULL,
    sum         INTEGER NOT NULL,
    first_at    INTEGER NOT NULL,
    last_at     INTEGER NOT NULL,
    PRIMARY KEY (customer_id, key)
) WITHOUT ROWID;

-- One row per customer, key and UTC day with facts: the rolling windows.
CREATE TABLE counter_days (
    customer_id TEXT NOT NULL,
    key         TEXT NOT NULL,
    day         INTEGER NOT NULL,
    count       INTEGER NOT NULL,
    sum         INTEGER NOT NULL,
    PRIMARY KEY (customer_id, key, day)
) WITHOUT ROWID;

CREATE TABLE offers (
    code       TEXT PRIMARY KEY,
    class      TEXT NOT NULL,
    brand      TEXT NOT NULL DEFAULT '',
    segment    TEXT NOT NULL DEFAULT '',
    definition TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE triggers (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    segment       TEXT NOT NULL DEFAULT '',
    version       INTEGER NOT NULL,
    definition    TEXT NOT NULL,
    enabled       INTEGER NOT NULL DEFAULT 1,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    errors        INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT NOT NULL DEFAULT '',
    last_error_at INTEGER
);

CREATE TABLE trigger_versions (
    trigger_id INTEGER NOT NULL REFERENCES triggers (id) ON DELETE CASCADE,
    version    INTEGER NOT NULL,
    definition TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    created_by TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (trigger_id, version)
);

-- A customer's standing with a trigger: for "once per customer" and the
-- cooldown.
CREATE TABLE trigger_state (
    customer_id   TEXT NOT NULL,
    trigger_id    INTEGER NOT NULL REFERENCES triggers (id) ON DELETE CASCADE,
    fires         INTEGER NOT NULL,
    last_fired_at INTEGER NOT NULL,
    PRIMARY KEY (customer_id, trigger_id)
) WITHOUT ROWID;

-- A decision: what one trigger firing on one fact led to for the customer
-- (status sent, held_out, suppressed or nothing), the offers ranked with
-- their scores and reasons.
CREATE TABLE decisions (
    id              INTEGER PRIMARY KEY,
    customer_id     TEXT NOT NULL,
    at              INTEGER NOT NULL,
    fact_at         INTEGER NOT NULL,
    trigger_id      INTEGER,
    trigger_version INTEGER NOT NULL DEFAULT 0,
    fact            TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL,
    sales           INTEGER NOT NULL DEFAULT 0,
    care            INTEGER NOT NULL DEFAULT 0,
    offers          TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX decisions_customer ON decisions (customer_id, fact_at);
CREATE INDEX decisions_trigger ON decisions (trigger_id, at);

CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    decision_id     INTEGER NOT NULL,
    customer_id     TEXT NOT NULL,
    channel         TEXT NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE,
    payload         TEXT NOT NULL,
    status          TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_at         INTEGER NOT NULL,
    lease_until     INTEGER,
    last_error      TEXT NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    delivered_at    INTEGER,
    UNIQUE (decision_id, channel)
);
CREATE INDEX outbox_due ON outbox (status, next_at);
CREATE INDEX outbox_customer ON outbox (customer_id);

CREATE TABLE deliveries (
    outbox_id   INTEGER NOT NULL REFERENCES outbox (id) ON DELETE CASCADE,
    attempt     INTEGER NOT NULL,
    at          INTEGER NOT NULL,
    status_code INTEGER NOT NULL,
    error       TEXT NOT NULL DEFAULT '',
    duration_us INTEGER NOT NULL,
    PRIMARY KEY (outbox_id, attempt)
);

CREATE TABLE webhooks (
    channel    TEXT PRIMARY KEY,
    url        TEXT NOT NULL,
    secret     TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE offer_responses (
    decision_id INTEGER NOT NULL,
    offer       TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    segment     TEXT NOT NULL DEFAULT '',
    response    TEXT NOT NULL,
    at          INTEGER NOT NULL,
    answered_at INTEGER,
    PRIMARY KEY (decision_id, offer)
);
CREATE INDEX offer_responses_customer ON offer_responses (customer_id);
CREATE INDEX offer_responses_offer ON offer_responses (offer, segment);

-- The engine's settings (the contact policy), and a version that every
-- change to offers, triggers or settings raises, so that every server
-- reloads them.
CREATE TABLE engine_settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- +goose Down
DROP TABLE engine_settings;
DROP TABLE offer_responses;
DROP TABLE webhooks;
DROP TABLE deliveries;
DROP TABLE outbox;
DROP TABLE decisions;
DROP TABLE trigger_state;
DROP TABLE trigger_versions;
DROP TABLE triggers;
DROP TABLE offers;
DROP TABLE counter_days;
DROP TABLE counters;
