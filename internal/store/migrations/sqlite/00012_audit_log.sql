-- The audit log, and settings (the server's secrets). On SQLite this table
-- holds the entries of writes, committed in the write's own transaction;
-- the entries of reads go to a file of their own beside the database
-- (audit.go), whose writes leave the customer database's page caches
-- alone. The database refuses to change or delete an entry.

-- +goose Up
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          INTEGER NOT NULL,
    user_id     INTEGER NOT NULL DEFAULT 0,
    user_name   TEXT NOT NULL,
    token_id    INTEGER NOT NULL DEFAULT 0,
    role        TEXT NOT NULL,
    department  TEXT NOT NULL DEFAULT '',
    action      TEXT NOT NULL,
    customer_id TEXT NOT NULL DEFAULT '',
    subject     TEXT NOT NULL DEFAULT '',
    route       TEXT NOT NULL,
    reason      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_customer ON audit_log (customer_id, id);
CREATE INDEX audit_log_user ON audit_log (user_name, id);

-- +goose StatementBegin
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log cannot be changed');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log cannot be changed');
END;
-- +goose StatementEnd

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- +goose Down
DROP TABLE settings;
DROP TRIGGER audit_log_no_delete;
DROP TRIGGER audit_log_no_update;
DROP TABLE audit_log;
