-- Customers created by their first transaction or event have no name and
-- no e-mail address yet. Leaving them out of the search indexes saves two
-- index inserts per such customer on a bulk import, and a search (which
-- always has a non-empty prefix, and says so: name <> '', email <> '') has
-- no use for them.

-- +goose Up
DROP INDEX customers_name;
DROP INDEX customers_email;
CREATE INDEX customers_name ON customers (lower(name)) WHERE name <> '';
CREATE INDEX customers_email ON customers (email) WHERE email <> '';

-- +goose Down
DROP INDEX customers_name;
DROP INDEX customers_email;
CREATE INDEX customers_name ON customers (lower(name));
CREATE INDEX customers_email ON customers (email);
