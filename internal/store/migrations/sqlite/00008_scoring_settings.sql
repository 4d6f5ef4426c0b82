-- A run's scoring settings (horizon, discount rate, margin and where the
-- margin came from) are stored with its scores, as JSON, so that every
-- report can name them; NULL for a run never scored. Scores gain the
-- lifetime (unbounded horizon) DERT and CLV beside the horizon's, NULL
-- where they are not finite.

-- +goose Up
ALTER TABLE model_runs ADD COLUMN scoring TEXT;
ALTER TABLE scores ADD COLUMN dert_lifetime REAL;
ALTER TABLE scores ADD COLUMN clv_lifetime INTEGER;

-- +goose Down
ALTER TABLE scores DROP COLUMN clv_lifetime;
ALTER TABLE scores DROP COLUMN dert_lifetime;
ALTER TABLE model_runs DROP COLUMN scoring;
