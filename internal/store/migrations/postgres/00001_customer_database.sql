-- The customer database: customers, their identities, accounts,
-- transactions and events, the product catalogue, API tokens and imports.
-- Money is BIGINT minor units with a currency code beside it. Identifiers
-- are compared byte by byte (COLLATE "C"): they are opaque, and byte order
-- is cheap to compare and the same order the application sorts in. Every
-- customer-owned table has customer_id first in its primary key, so that it
-- can be distributed by customer (Citus) without changing a query.

-- +goose Up
CREATE TABLE customers (
    id           TEXT COLLATE "C" PRIMARY KEY,
    name         TEXT NOT NULL DEFAULT '',
    email        TEXT NOT NULL DEFAULT '',
    phone        TEXT NOT NULL DEFAULT '',
    birth_date   DATE,
    city         TEXT NOT NULL DEFAULT '',
    household_id TEXT COLLATE "C" NOT NULL DEFAULT '',
    attributes   JSONB NOT NULL DEFAULT '{}',
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX customers_name ON customers (lower(name) text_pattern_ops);
CREATE INDEX customers_email ON customers (email text_pattern_ops);
CREATE INDEX customers_household ON customers (household_id) WHERE household_id <> '';

CREATE TABLE identities (
    kind        TEXT COLLATE "C" NOT NULL,
    value       TEXT COLLATE "C" NOT NULL,
    customer_id TEXT COLLATE "C" NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    created_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (kind, value)
);
CREATE INDEX identities_customer ON identities (customer_id);

CREATE TABLE accounts (
    customer_id    TEXT COLLATE "C" NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    id             TEXT COLLATE "C" NOT NULL,
    kind           TEXT COLLATE "C" NOT NULL,
    product        TEXT NOT NULL DEFAULT '',
    tier           TEXT NOT NULL DEFAULT '',
    holder         TEXT NOT NULL DEFAULT '',
    opened_on      DATE NOT NULL,
    closed_on      DATE,
    parent_id      TEXT COLLATE "C",
    spending_limit BIGINT,
    currency       TEXT NOT NULL,
    PRIMARY KEY (customer_id, id)
);
CREATE UNIQUE INDEX accounts_id ON accounts (id);

CREATE TABLE brands (
    name  TEXT PRIMARY KEY,
    owner TEXT NOT NULL DEFAULT ''
);

CREATE TABLE products (
    sku       TEXT COLLATE "C" PRIMARY KEY,
    name      TEXT NOT NULL DEFAULT '',
    category  TEXT NOT NULL DEFAULT '',
    brand     TEXT NOT NULL DEFAULT '',
    price     BIGINT NOT NULL DEFAULT 0,
    unit_cost BIGINT NOT NULL DEFAULT 0,
    currency  TEXT NOT NULL
);

-- Transactions, lines and events are facts: written once, never updated.
-- They carry no foreign key to customers, so that bulk loads stay fast and
-- the tables can be distributed; the writer creates a customer before its
-- first transaction or event.
CREATE TABLE transactions (
    customer_id    TEXT COLLATE "C" NOT NULL,
    id             TEXT COLLATE "C" NOT NULL,
    time           TIMESTAMPTZ NOT NULL,
    store          TEXT NOT NULL DEFAULT '',
    channel        TEXT NOT NULL DEFAULT '',
    payment_method TEXT NOT NULL DEFAULT '',
    amount         BIGINT NOT NULL,
    margin         BIGINT,
    currency       TEXT NOT NULL,
    quantity       BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (customer_id, id)
);

CREATE TABLE transaction_lines (
    customer_id    TEXT COLLATE "C" NOT NULL,
    transaction_id TEXT COLLATE "C" NOT NULL,
    line_no        INTEGER NOT NULL,
    sku            TEXT COLLATE "C" NOT NULL,
    quantity       BIGINT NOT NULL,
    unit_price     BIGINT NOT NULL,
    PRIMARY KEY (customer_id, transaction_id, line_no)
);

CREATE TABLE events (
    customer_id TEXT COLLATE "C" NOT NULL,
    id          TEXT COLLATE "C" NOT NULL,
    type        TEXT NOT NULL,
    time        TIMESTAMPTZ NOT NULL,
    properties  JSONB NOT NULL DEFAULT '{}',
    PRIMARY KEY (customer_id, id)
);

CREATE TABLE api_tokens (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name         TEXT NOT NULL,
    hash         TEXT NOT NULL UNIQUE,
    created_at   TIMESTAMPTZ NOT NULL,
    last_used_at TIMESTAMPTZ,
    revoked_at   TIMESTAMPTZ
);

CREATE TABLE imports (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source      TEXT NOT NULL,
    kind        TEXT COLLATE "C" NOT NULL,
    format      TEXT NOT NULL,
    started_at  TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ NOT NULL,
    rows_read   BIGINT NOT NULL,
    imported    BIGINT NOT NULL,
    duplicates  BIGINT NOT NULL,
    rejected    BIGINT NOT NULL
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
