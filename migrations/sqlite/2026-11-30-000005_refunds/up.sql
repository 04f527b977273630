-- Negotiated refunds (非5天无理由): the buyer asks with one of the seed's seven
-- reasons; an operator refunds all or part of what is left, or declines.
CREATE TABLE refund_requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id BIGINT NOT NULL REFERENCES orders (id),
    buyer_id BIGINT NOT NULL REFERENCES accounts (id),
    vendor_id BIGINT NOT NULL REFERENCES accounts (id),
    reason TEXT NOT NULL,
    description TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('open', 'refunded', 'declined')),
    decided_by BIGINT REFERENCES accounts (id),
    decision_note TEXT,
    refund_order_id BIGINT REFERENCES orders (id),
    created_at TIMESTAMP NOT NULL,
    decided_at TIMESTAMP
);
-- One open request per order, whatever the code does.
CREATE UNIQUE INDEX refund_requests_one_open ON refund_requests (order_id) WHERE state = 'open';
CREATE INDEX refund_requests_by_state ON refund_requests (state, created_at);
