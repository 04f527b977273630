-- Server-side sessions: the cookie carries a random token, the database
-- keeps its SHA-256, so signing out, disabling an account or changing a
-- password ends sessions for real, on every instance at once.
CREATE TABLE sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    token_sha256 TEXT NOT NULL UNIQUE,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL
);
CREATE INDEX sessions_by_account ON sessions (account_id);

-- One-time keys of checkout pages: a repeated submission of one checkout
-- finds the order the first one made instead of paying again.
CREATE TABLE checkouts (
    checkout_key TEXT PRIMARY KEY,
    buyer_id BIGINT NOT NULL REFERENCES accounts (id),
    order_id BIGINT NOT NULL REFERENCES orders (id),
    created_at TIMESTAMP NOT NULL
);
