-- The customer database: customers, their identities, accounts,
-- transactions and events, the product catalogue, API tokens and imports.
-- Times are INTEGER microseconds since the Unix epoch, UTC; money is INTEGER
-- minor units with a currency code beside it.

-- +goose Up
CREATE TABLE customers (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL DEFAULT '',
    email        TEXT NOT NULL DEFAULT '',
    phone        TEXT NOT NULL DEFAULT '',
    birth_date   TEXT,
    city         TEXT NOT NULL DEFAULT '',
    household_id TEXT NOT NULL DEFAULT '',
    attributes   TEXT NOT NULL DEFAULT '{}',
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX customers_name ON customers (lower(name));
CREATE INDEX customers_email ON customers (email);
CREATE INDEX customers_household ON customers (household_id) WHERE household_id <> '';

CREATE TABLE identities (
    kind        TEXT NOT NULL,
    value       TEXT NOT NULL,
    customer_id TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (kind, value)
) WITHOUT ROWID;
CREATE INDEX identities_customer ON identities (customer_id);

CREATE TABLE accounts (
    customer_id    TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    id             TEXT NOT NULL,
    kind           TEXT NOT NULL,
    product        TEXT NOT NULL DEFAULT '',
    tier           TEXT NOT NULL DEFAULT '',
    holder         TEXT NOT NULL DEFAULT '',
    opened_on      TEXT NOT NULL,
    closed_on      TEXT,
    parent_id      TEXT,
    spending_limit INTEGER,
    currency       TEXT NOT NULL,
    PRIMARY KEY (customer_id, id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX accounts_id ON accounts (id);

CREATE TABLE brands (
    name  TEXT PRIMARY KEY,
    owner TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;

CREATE TABLE products (
    sku       TEXT PRIMARY KEY,
    name      TEXT NOT NULL DEFAULT '',
    category  TEXT NOT NULL DEFAULT '',
    brand     TEXT NOT NULL DEFAULT '',
    price     INTEGER NOT NULL DEFAULT 0,
    unit_cost INTEGER NOT NULL DEFAULT 0,
    currency  TEXT NOT NULL
) WITHOUT ROWID;

-- Transactions, lines and events are facts: written once, never updated.
-- They carry no foreign key to customers, so that bulk loads stay fast;
-- the writer creates a customer before its first transaction or event.
-- They are clustered by their primary key (WITHOUT ROWID), so that a
-- customer's rows lie together and are read with one B-tree descent.
CREATE TABLE transactions (
    customer_id    TEXT NOT NULL,
    id             TEXT NOT NULL,
    time           INTEGER NOT NULL,
    store          TEXT NOT NULL DEFAULT '',
    channel        TEXT NOT NULL DEFAULT '',
    payment_method TEXT NOT NULL DEFAULT '',
    amount         INTEGER NOT NULL,
    margin         INTEGER,
    currency       TEXT NOT NULL,
    quantity       INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (customer_id, id)
) WITHOUT ROWID;

CREATE TABLE transaction_lines (
    customer_id    TEXT NOT NULL,
    transaction_id TEXT NOT NULL,
    line_no        INTEGER NOT NULL,
    sku            TEXT NOT NULL,
    quantity       INTEGER NOT NULL,
    unit_price     INTEGER NOT NULL,
    PRIMARY KEY (customer_id, transaction_id, line_no)
) WITHOUT ROWID;

CREATE TABLE events (
    customer_id TEXT NOT NULL,
    id          TEXT NOT NULL,
    type        TEXT NOT NULL,
    time        INTEGER NOT NULL,
    properties  TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (customer_id, id)
) WITHOUT ROWID;

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL,
    hash         TEXT NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at   INTEGER
);

CREATE TABLE imports (
    id          INTEGER PRIMARY KEY,
    source      TEXT NOT NULL,
    kind        TEXT NOT NULL,
    format      TEXT NOT NULL,
    started_at  INTEGER NOT NULL,
    finished_at INTEGER NOT NULL,
    rows_read   INTEGER NOT NULL,
    imported    INTEGER NOT NULL,
    duplicates  INTEGER NOT NULL,
    rejected    INTEGER NOT NULL
);

-- +goose Down
DROP TABLE imports;
DROP TABLE api_tokens;
DROP TABLE events;
DROP TABLE transaction_lines;
DROP TABLE transactions;
DROP TABLE products;
DROP TABLE brands;
DROP TABLE accounts;
DROP TABLE identities;
DROP TABLE customers;
