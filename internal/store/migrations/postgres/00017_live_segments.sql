-- Segments kept up to date fact by fact (issue 16): each change of
-- membership names the fact that caused it ('transaction:ID'); a full
-- computation leaves it ''.

-- +goose Up
ALTER TABLE segment_history ADD COLUMN fact TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE segment_history DROP COLUMN fact;
