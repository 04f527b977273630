-- Settlement (结算): monthly statements per vendor.

-- The platform's fee on a vendor's statements, in basis points (1/100 of a percent).
ALTER TABLE accounts ADD COLUMN fee_bps INTEGER NOT NULL DEFAULT 0 CHECK (fee_bps BETWEEN 0 AND 10000);

-- Which refund a refund order is: five_day (五天无理由, excluded from settlement),
-- negotiated (decided by an operator; deducted or billed net) or stop (hourly
-- billing stopped, amount 0).
ALTER TABLE orders ADD COLUMN refund_kind TEXT CHECK (refund_kind IN ('five_day', 'negotiated', 'stop'));
UPDATE orders SET refund_kind = 'negotiated'
    WHERE order_type = 'refund' AND id IN (SELECT refund_order_id FROM refund_requests WHERE refund_order_id IS NOT NULL);
UPDATE orders SET refund_kind = 'stop' WHERE order_type = 'refund' AND refund_kind IS NULL AND billing = 'hourly';
UPDATE orders SET refund_kind = 'five_day' WHERE order_type = 'refund' AND refund_kind IS NULL;

-- A purchase placed within 5 days after a five-day refund of the same product by
-- the same buyer (重新订购单) names that refund order; it takes no part in settlement.
ALTER TABLE orders ADD COLUMN reorder_of BIGINT REFERENCES orders (id);

CREATE INDEX orders_by_vendor_billing ON orders (vendor_id, billing, created_at);
CREATE INDEX tickets_by_completion ON tickets (vendor_id, completed_at);

CREATE TABLE statements (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    vendor_id BIGINT NOT NULL REFERENCES accounts (id),
    -- The calendar month in China time, 'YYYY-MM'.
    month TEXT NOT NULL,
    fee_bps INTEGER NOT NULL,
    gross_fen BIGINT NOT NULL,
    fee_fen BIGINT NOT NULL,
    net_fen BIGINT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('ready', 'paid')),
    paid_reference TEXT,
    paid_by BIGINT REFERENCES accounts (id),
    paid_at TIMESTAMP,
    generated_at TIMESTAMP NOT NULL,
    -- One statement per vendor and month, however many generators race.
    UNIQUE (vendor_id, month)
);
CREATE INDEX statements_by_month ON statements (month, vendor_id);

CREATE TABLE statement_lines (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    statement_id BIGINT NOT NULL REFERENCES statements (id),
    kind TEXT NOT NULL,
    -- No foreign keys to orders: the lines are written only by the generator,
    -- from order rows it read in the same transaction, and orders are never
    -- deleted. A per-row check cost PostgreSQL 5 of 13 s settling a month of
    -- the 1,000,000-order benchmark (178 000 lines).
    order_id BIGINT NOT NULL,
    -- The refund order behind a deduction or an exclusion.
    refund_order_id BIGINT,
    -- Which part of the order the line bills: 0 its one billing, 1 its
    -- exclusion, yyyymm its hours in that month, minus a refund order's id the
    -- deduction of that refund; pending lines have none. (bill_part, order_id)
    -- is unique across all statements, so nothing is billed twice whatever the
    -- code does; the same index finds an order's lines (naming its parts). It
    -- leads with the part so that a month's hourly lines, most of its lines,
    -- go to the end of the index instead of all over it.
    bill_part BIGINT,
    hours BIGINT NOT NULL,
    paid_fen BIGINT NOT NULL,
    refunded_fen BIGINT NOT NULL,
    amount_fen BIGINT NOT NULL,
    note TEXT NOT NULL,
    happened_at TIMESTAMP NOT NULL
);
-- A statement page reads each kind's first lines.
CREATE INDEX statement_lines_by_statement ON statement_lines (statement_id, kind, id);
CREATE UNIQUE INDEX statement_lines_billed_once ON statement_lines (bill_part, order_id);
