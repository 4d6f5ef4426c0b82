-- Model runs (a fit with its settings and results) and the scores of
-- customers under a run. Estimates of money (expected spend, CLV) are
-- stored as integer minor units of the run's currency, like all money.

-- +goose Up
CREATE TABLE model_runs (
    id                   BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_at           TIMESTAMPTZ NOT NULL,
    source               TEXT NOT NULL,
    model                TEXT NOT NULL,
    spend_model          TEXT NOT NULL DEFAULT '',
    unit                 TEXT NOT NULL,
    calibration_end      DATE,
    holdout_end          DATE,
    time_zone            TEXT NOT NULL,
    currency             TEXT NOT NULL,
    params               JSONB NOT NULL,
    std_errors           JSONB NOT NULL,
    spend_params         JSONB NOT NULL DEFAULT '{}',
    log_likelihood       DOUBLE PRECISION NOT NULL,
    spend_log_likelihood DOUBLE PRECISION,
    customers            BIGINT NOT NULL,
    converged            BOOLEAN NOT NULL,
    seconds              DOUBLE PRECISION NOT NULL
);

CREATE TABLE scores (
    run_id             BIGINT NOT NULL REFERENCES model_runs (id) ON DELETE CASCADE,
    customer_id        TEXT COLLATE "C" NOT NULL,
    p_alive            DOUBLE PRECISION NOT NULL,
    expected_purchases DOUBLE PRECISION NOT NULL,
    expected_spend     BIGINT NOT NULL,
    dert               DOUBLE PRECISION NOT NULL,
    clv                BIGINT NOT NULL,
    PRIMARY KEY (run_id, customer_id)
);
CREATE INDEX scores_customer ON scores (customer_id);

-- +goose Down
DROP TABLE scores;
DROP TABLE model_runs;
