-- The settlement ledger (docs/settlement.md, "The ledger"): what each order's
-- history adds to its vendor's statements, month by month, written in the
-- same transaction as the event that changed it. Entries are never changed:
-- a correction is a new entry, and a line is the sum of its entries.
CREATE TABLE ledger_entries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    vendor_id BIGINT NOT NULL,
    -- The purchase or renewal whose history this entry follows.
    source_order_id BIGINT NOT NULL,
    -- The statement month it belongs to, yyyymm in China time.
    month BIGINT NOT NULL,
    kind TEXT NOT NULL,
    note TEXT NOT NULL,
    -- The line's order (a five-day refund's own line names the refund order).
    order_id BIGINT NOT NULL,
    refund_order_id BIGINT,
    -- +1 writes a line, -1 takes it back, 0 corrects its sums.
    line_count INTEGER NOT NULL,
    hours BIGINT NOT NULL,
    paid_fen BIGINT NOT NULL,
    refunded_fen BIGINT NOT NULL,
    amount_fen BIGINT NOT NULL,
    -- When the line falls (what the statement shows), and when it was written.
    happened_at TIMESTAMP NOT NULL,
    recorded_at TIMESTAMP NOT NULL
);
CREATE INDEX ledger_by_month ON ledger_entries (vendor_id, month, happened_at);
CREATE INDEX ledger_by_source ON ledger_entries (source_order_id);

-- One row once the ledger has been filled from the orders written before it
-- existed (`yunshi ledger rebuild`, run by the first start after this migration).
CREATE TABLE ledger_built (
    id INTEGER PRIMARY KEY,
    built_at TIMESTAMP NOT NULL
);

-- The hourly subscriptions still running (not re-orders), summed by the
-- second of the hour their hours start at (`domain::settlement::start_phase`):
-- a vendor's hours so far this month come from at most 3,600 rows, however
-- many subscriptions run. Kept with the ledger: a purchase adds, a stop takes off.
CREATE TABLE running_hourly (
    vendor_id BIGINT NOT NULL,
    phase INTEGER NOT NULL,
    price_fen BIGINT NOT NULL,
    subscriptions BIGINT NOT NULL,
    PRIMARY KEY (vendor_id, phase)
);

-- The same subscriptions one by one, for their open spans (a month's hourly
-- lines) and, in the order a statement lists them, for the first lines of a
-- preview: `hour_offset` is how many seconds after an hour starts their hours
-- start, so a month's first hourly lines are the lowest offsets.
CREATE TABLE hourly_running (
    order_id BIGINT PRIMARY KEY,
    vendor_id BIGINT NOT NULL,
    started_at TIMESTAMP NOT NULL,
    unit_price_fen BIGINT NOT NULL,
    hour_offset INTEGER NOT NULL
);
CREATE INDEX hourly_running_in_order ON hourly_running (vendor_id, hour_offset, order_id);
CREATE INDEX hourly_running_by_start ON hourly_running (vendor_id, started_at);
