-- What a buyer owns. Prices are kept as bought: renewals are charged at them.
CREATE TABLE subscriptions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    buyer_id BIGINT NOT NULL REFERENCES accounts (id),
    vendor_id BIGINT NOT NULL REFERENCES accounts (id),
    product_id BIGINT NOT NULL REFERENCES products (id),
    plan_name TEXT NOT NULL,
    billing TEXT NOT NULL CHECK (billing IN ('prepaid', 'hourly', 'onetime')),
    unit_price_fen BIGINT NOT NULL CHECK (unit_price_fen > 0),
    year_price_fen BIGINT,
    started_at TIMESTAMP NOT NULL,
    -- Prepaid only: paid up to here.
    expires_at TIMESTAMP,
    -- Hourly billing stops here; any subscription ends here when refunded.
    stopped_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX subscriptions_by_buyer ON subscriptions (buyer_id, id);

-- Orders of every type. Product and plan facts are copied at purchase time so a
-- later revision never rewrites history.
CREATE TABLE orders (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    order_no TEXT NOT NULL UNIQUE,
    order_type TEXT NOT NULL CHECK (order_type IN ('purchase', 'renew', 'refund')),
    status TEXT NOT NULL CHECK (status IN ('paid', 'refunded')),
    product_id BIGINT NOT NULL REFERENCES products (id),
    product_kind TEXT NOT NULL CHECK (product_kind IN ('image', 'service', 'license')),
    product_name TEXT NOT NULL,
    vendor_id BIGINT NOT NULL REFERENCES accounts (id),
    buyer_id BIGINT NOT NULL REFERENCES accounts (id),
    buyer_uin BIGINT NOT NULL,
    subscription_id BIGINT REFERENCES subscriptions (id),
    -- A renewal's or refund's purchase order.
    related_order_id BIGINT REFERENCES orders (id),
    plan_name TEXT NOT NULL,
    billing TEXT NOT NULL CHECK (billing IN ('prepaid', 'hourly', 'onetime')),
    months INTEGER,
    unit_price_fen BIGINT NOT NULL,
    amount_fen BIGINT NOT NULL CHECK (amount_fen >= 0),
    refunded_fen BIGINT NOT NULL DEFAULT 0 CHECK (refunded_fen >= 0 AND refunded_fen <= amount_fen),
    created_at TIMESTAMP NOT NULL
);
-- Newest first per vendor, across all, per buyer ID and per product: keyset on (created_at, id).
CREATE INDEX orders_by_vendor ON orders (vendor_id, created_at, id);
CREATE INDEX orders_by_time ON orders (created_at, id);
CREATE INDEX orders_by_buyer_uin ON orders (buyer_uin, created_at, id);
CREATE INDEX orders_by_product ON orders (product_id, created_at, id);
CREATE INDEX orders_by_related ON orders (related_order_id);
CREATE INDEX orders_by_subscription ON orders (subscription_id);
