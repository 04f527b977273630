CREATE TABLE sign_in_failures (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    address TEXT NOT NULL,
    failed_at TIMESTAMP NOT NULL
);
CREATE INDEX sign_in_failures_by_address ON sign_in_failures (address, failed_at);
INSERT INTO sign_in_failures (address, failed_at)
    SELECT address, happened_at FROM throttle_events WHERE kind = 'sign_in_failure';
DROP TABLE throttle_events;
