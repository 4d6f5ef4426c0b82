-- The audit log, and settings (the server's secrets). Reads and writes are
-- both recorded here; a write's entry commits in the write's own
-- transaction. The database refuses to change, delete or truncate an
-- entry.

-- +goose Up
CREATE TABLE audit_log (
    id          BIGSERIAL PRIMARY KEY,
    at          TIMESTAMPTZ NOT NULL,
    user_id     BIGINT NOT NULL DEFAULT 0,
    user_name   TEXT NOT NULL,
    token_id    BIGINT NOT NULL DEFAULT 0,
    role        TEXT NOT NULL,
    department  TEXT NOT NULL DEFAULT '',
    action      TEXT NOT NULL,
    customer_id TEXT COLLATE "C" NOT NULL DEFAULT '',
    subject     TEXT NOT NULL DEFAULT '',
    route       TEXT NOT NULL,
    reason      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_customer ON audit_log (customer_id, id);
CREATE INDEX audit_log_user ON audit_log (user_name, id);

-- +goose StatementBegin
CREATE FUNCTION audit_log_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log cannot be changed';
END
$$;
-- +goose StatementEnd
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_immutable();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_immutable();

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- +goose Down
DROP TABLE settings;
DROP TABLE audit_log;
DROP FUNCTION audit_log_immutable();
