-- Accounts of all three roles. Times are naive UTC, always bound from Rust.
CREATE TABLE accounts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    uin BIGINT NOT NULL UNIQUE CHECK (uin BETWEEN 1000000000 AND 9999999999),
    login TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('operator', 'vendor', 'buyer')),
    password_hash TEXT NOT NULL,
    disabled_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);

-- Failed sign-ins, kept in the database so that several instances share the throttle.
CREATE TABLE sign_in_failures (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    address TEXT NOT NULL,
    failed_at TIMESTAMP NOT NULL
);
CREATE INDEX sign_in_failures_by_address ON sign_in_failures (address, failed_at);

-- In-app notifications; the text is a catalogue key so each reader sees their language.
CREATE TABLE notifications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    link TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    read_at TIMESTAMP
);
CREATE INDEX notifications_unread ON notifications (account_id, read_at);

-- What operators did, for later inspection.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    actor_id BIGINT NOT NULL REFERENCES accounts (id),
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    note TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX audit_log_by_time ON audit_log (created_at);
