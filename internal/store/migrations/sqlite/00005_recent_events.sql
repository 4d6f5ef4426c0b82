-- A customer's most recent events (the 360 view, the triggers) are read
-- newest first: this index gives them in order, n at a time, instead of
-- sorting every event of the customer.

-- +goose Up
CREATE INDEX events_customer_time ON events (customer_id, time, id);

-- +goose Down
DROP INDEX events_customer_time;
