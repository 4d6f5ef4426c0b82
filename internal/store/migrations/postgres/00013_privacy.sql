-- Privacy: the suppression list of erased customers (keyed hashes of their
-- ids and identities, never the values), and consent per customer and
-- purpose: the current state and its history.

-- +goose Up
CREATE TABLE suppressions (
    hash      TEXT PRIMARY KEY,
    erased_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE consents (
    customer_id TEXT COLLATE "C" NOT NULL,
    purpose     TEXT NOT NULL,
    status      TEXT NOT NULL,
    source      TEXT NOT NULL DEFAULT '',
    at          TIMESTAMPTZ NOT NULL,
    recorded_by TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (customer_id, purpose)
);

CREATE TABLE consent_history (
    customer_id TEXT COLLATE "C" NOT NULL,
    purpose     TEXT NOT NULL,
    status      TEXT NOT NULL,
    source      TEXT NOT NULL DEFAULT '',
    at          TIMESTAMPTZ NOT NULL,
    recorded_by TEXT NOT NULL DEFAULT ''
);
CREATE INDEX consent_history_customer ON consent_history (customer_id, purpose, at);

-- +goose Down
DROP TABLE consent_history;
DROP TABLE consents;
DROP TABLE suppressions;
