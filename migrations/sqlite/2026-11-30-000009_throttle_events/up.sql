-- The throttles' memory in one table: failed sign-ins and new accounts by
-- the address they came from. Rows older than their throttle's window are
-- deleted as new ones of the same kind and address arrive.
CREATE TABLE throttle_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    address TEXT NOT NULL,
    happened_at TIMESTAMP NOT NULL
);
CREATE INDEX throttle_events_by_address ON throttle_events (kind, address, happened_at);
INSERT INTO throttle_events (kind, address, happened_at)
    SELECT 'sign_in_failure', address, failed_at FROM sign_in_failures;
DROP TABLE sign_in_failures;
