-- The brand-switching surveys of migration 00004 are switching surveys:
-- "survey" is kept for the customer surveys to come. The constraints are
-- renamed with their tables, so that the names are free too.

-- +goose Up
ALTER TABLE surveys RENAME TO switching_surveys;
ALTER TABLE switching_surveys RENAME CONSTRAINT surveys_pkey TO switching_surveys_pkey;
ALTER TABLE survey_answers RENAME TO switching_survey_answers;
ALTER TABLE switching_survey_answers RENAME CONSTRAINT survey_answers_pkey TO switching_survey_answers_pkey;
ALTER TABLE switching_survey_answers RENAME CONSTRAINT survey_answers_survey_fkey TO switching_survey_answers_survey_fkey;

-- +goose Down
ALTER TABLE switching_survey_answers RENAME CONSTRAINT switching_survey_answers_survey_fkey TO survey_answers_survey_fkey;
ALTER TABLE switching_survey_answers RENAME CONSTRAINT switching_survey_answers_pkey TO survey_answers_pkey;
ALTER TABLE switching_survey_answers RENAME TO survey_answers;
ALTER TABLE switching_surveys RENAME CONSTRAINT switching_surveys_pkey TO surveys_pkey;
ALTER TABLE switching_surveys RENAME TO surveys;
