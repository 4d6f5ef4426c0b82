-- A user's language for the dashboard (issue 15): a BCP 47 tag of one of
-- the languages the pages are written in, or '' for the browser's choice.

-- +goose Up
ALTER TABLE users ADD COLUMN language TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE users DROP COLUMN language;
