-- Model runs (a fit with its settings and results) and the scores of
-- customers under a run. Estimates of money (expected spend, CLV) are
-- stored as integer minor units of the run's currency, like all money.

-- +goose Up
CREATE TABLE model_runs (
    id                   INTEGER PRIMARY KEY,
    created_at           INTEGER NOT NULL,
    source               TEXT NOT NULL,
    model                TEXT NOT NULL,
    spend_model          TEXT NOT NULL DEFAULT '',
    unit                 TEXT NOT NULL,
    calibration_end      TEXT,
    holdout_end          TEXT,
    time_zone            TEXT NOT NULL,
    currency             TEXT NOT NULL,
    params               TEXT NOT NULL,
    std_errors           TEXT NOT NULL,
    spend_params         TEXT NOT NULL DEFAULT '{}',
    log_likelihood       REAL NOT NULL,
    spend_log_likelihood REAL,
    customers            INTEGER NOT NULL,
    converged            INTEGER NOT NULL,
    seconds              REAL NOT NULL
);

CREATE TABLE scores (
    run_id             INTEGER NOT NULL REFERENCES model_runs (id) ON DELETE CASCADE,
    customer_id        TEXT NOT NULL,
    p_alive            REAL NOT NULL,
    expected_purchases REAL NOT NULL,
    expected_spend     INTEGER NOT NULL,
    dert               REAL NOT NULL,
    clv                INTEGER NOT NULL,
    PRIMARY KEY (run_id, customer_id)
) WITHOUT ROWID;
CREATE INDEX scores_customer ON scores (customer_id);

-- +goose Down
DROP TABLE scores;
DROP TABLE model_runs;
