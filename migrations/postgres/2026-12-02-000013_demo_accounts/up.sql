-- The demo accounts `serve --demo` made, with the hash of their published
-- password: while an account still has that hash, the sign-in page offers it
-- for one-click sign-in; a changed password takes it off the list.
CREATE TABLE demo_accounts (
    account_id BIGINT PRIMARY KEY REFERENCES accounts (id),
    password_hash TEXT NOT NULL
);
