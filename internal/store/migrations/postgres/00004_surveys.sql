-- Brand-switching surveys (Rust, Lemon & Zeithaml 2004): one row per
-- respondent and brand with the ratings of the drivers, kept for the
-- switching report and the dashboard.

-- +goose Up
CREATE TABLE surveys (
    name        TEXT PRIMARY KEY,
    drivers     TEXT NOT NULL, -- JSON array of driver names, in column order
    brands      TEXT NOT NULL, -- JSON array, in order of first appearance
    market      TEXT,          -- the market description (JSON), when given
    respondents BIGINT NOT NULL,
    imported_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE survey_answers (
    survey        TEXT NOT NULL REFERENCES surveys (name) ON DELETE CASCADE,
    respondent_id TEXT COLLATE "C" NOT NULL,
    brand         TEXT NOT NULL,
    position      INTEGER NOT NULL, -- the respondent's row order
    ratings       TEXT NOT NULL,    -- JSON array, one number per driver
    last          INTEGER NOT NULL,
    frequency     DOUBLE PRECISION NOT NULL,
    chosen        INTEGER,          -- NULL when the respondent named no next brand
    PRIMARY KEY (survey, respondent_id, brand)
);

-- +goose Down
DROP TABLE survey_answers;
DROP TABLE surveys;
