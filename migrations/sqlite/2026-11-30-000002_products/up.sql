-- Logos as uploaded (re-encoded by the logo checks later), addressed by their hash.
CREATE TABLE logos (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    vendor_id BIGINT NOT NULL REFERENCES accounts (id),
    sha256 TEXT NOT NULL,
    content_type TEXT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    bytes BLOB NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX logos_by_hash ON logos (sha256);

CREATE TABLE products (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    vendor_id BIGINT NOT NULL REFERENCES accounts (id),
    kind TEXT NOT NULL CHECK (kind IN ('image', 'service', 'license')),
    listing TEXT NOT NULL CHECK (listing IN ('unlisted', 'listed', 'delisted')),
    -- The approved revision the storefront shows; set by approval only.
    live_revision_id BIGINT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX products_by_vendor ON products (vendor_id, updated_at);
CREATE INDEX products_by_listing ON products (listing, id);

-- Content lives in revisions: draft -> pending -> approved | rejected.
CREATE TABLE revisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    product_id BIGINT NOT NULL REFERENCES products (id),
    number INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('draft', 'pending', 'approved', 'rejected')),
    name TEXT NOT NULL,
    summary TEXT NOT NULL,
    description TEXT NOT NULL,
    category TEXT NOT NULL,
    image_id TEXT,
    os TEXT,
    arch TEXT,
    delivery_days INTEGER,
    license_term TEXT,
    delivery_method TEXT,
    logo_id BIGINT REFERENCES logos (id),
    review_reason TEXT,
    submitted_at TIMESTAMP,
    reviewed_at TIMESTAMP,
    reviewed_by BIGINT REFERENCES accounts (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (product_id, number)
);
-- At most one open (draft or pending) revision per product, whatever the code does.
CREATE UNIQUE INDEX revisions_one_open ON revisions (product_id) WHERE state IN ('draft', 'pending');
CREATE INDEX revisions_by_state ON revisions (state, submitted_at);

CREATE TABLE plans (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    revision_id BIGINT NOT NULL REFERENCES revisions (id),
    position INTEGER NOT NULL,
    billing TEXT NOT NULL CHECK (billing IN ('prepaid', 'hourly', 'onetime')),
    name TEXT NOT NULL,
    price_fen BIGINT NOT NULL CHECK (price_fen > 0),
    year_price_fen BIGINT CHECK (year_price_fen IS NULL OR year_price_fen > 0)
);
CREATE INDEX plans_by_revision ON plans (revision_id, position);

-- The product's activity log: who did what, when, with which reason.
CREATE TABLE product_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    product_id BIGINT NOT NULL REFERENCES products (id),
    actor_id BIGINT NOT NULL REFERENCES accounts (id),
    action TEXT NOT NULL,
    note TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX product_events_by_product ON product_events (product_id, id);

CREATE TABLE delist_requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    product_id BIGINT NOT NULL REFERENCES products (id),
    vendor_id BIGINT NOT NULL REFERENCES accounts (id),
    reason TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('open', 'done', 'declined')),
    decided_by BIGINT REFERENCES accounts (id),
    decision_note TEXT,
    created_at TIMESTAMP NOT NULL,
    decided_at TIMESTAMP
);
CREATE UNIQUE INDEX delist_requests_one_open ON delist_requests (product_id) WHERE state = 'open';
CREATE INDEX delist_requests_by_state ON delist_requests (state, created_at);
