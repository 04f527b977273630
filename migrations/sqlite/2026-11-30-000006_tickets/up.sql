-- Service tickets (服务单): one per paid service or license order.
CREATE TABLE tickets (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id BIGINT NOT NULL UNIQUE REFERENCES orders (id),
    template TEXT NOT NULL CHECK (template IN ('generic', 'license')),
    state TEXT NOT NULL CHECK (state IN ('awaiting_requirement', 'awaiting_confirmation', 'rejected',
        'in_service', 'awaiting_delivery', 'awaiting_acceptance', 'completed', 'closed')),
    buyer_id BIGINT NOT NULL REFERENCES accounts (id),
    vendor_id BIGINT NOT NULL REFERENCES accounts (id),
    requirement TEXT,
    contact TEXT,
    delivery TEXT,
    -- Since when the ticket waits in its state.
    state_since TIMESTAMP NOT NULL,
    -- Settlement bills a ticket in the month it completed.
    completed_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX tickets_by_vendor ON tickets (vendor_id, state, state_since);
CREATE INDEX tickets_by_buyer ON tickets (buyer_id, id);

-- The operation log (操作日志): every transition, who, what, note.
CREATE TABLE ticket_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id BIGINT NOT NULL REFERENCES tickets (id),
    actor_id BIGINT REFERENCES accounts (id),
    actor_role TEXT NOT NULL,
    action TEXT NOT NULL,
    note TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX ticket_events_by_ticket ON ticket_events (ticket_id, id);
