-- The brand-switching surveys of migration 00004 are switching surveys:
-- "survey" is kept for the customer surveys to come. SQLite rewrites the
-- answers' foreign key to the renamed table itself.

-- +goose Up
ALTER TABLE surveys RENAME TO switching_surveys;
ALTER TABLE survey_answers RENAME TO switching_survey_answers;

-- +goose Down
ALTER TABLE switching_survey_answers RENAME TO survey_answers;
ALTER TABLE switching_surveys RENAME TO surveys;
