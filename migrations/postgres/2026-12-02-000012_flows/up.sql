-- 服务监管: the delivery days the product promised when it was bought, the
-- time the promise runs out (set when the requirement is confirmed) and when
-- the vendor was reminded, so that a reminder goes out once.
ALTER TABLE tickets ADD COLUMN promised_days INTEGER;
ALTER TABLE tickets ADD COLUMN due_at TIMESTAMP;
ALTER TABLE tickets ADD COLUMN reminded_at TIMESTAMP;
CREATE INDEX tickets_due ON tickets (due_at) WHERE reminded_at IS NULL;

-- Negotiated refunds: the vendor's position (agrees / disagrees) with a
-- note and a contact for the offline talk, which the operator sees before
-- deciding.
ALTER TABLE refund_requests ADD COLUMN vendor_position TEXT;
ALTER TABLE refund_requests ADD COLUMN vendor_note TEXT;
ALTER TABLE refund_requests ADD COLUMN vendor_contact TEXT;
ALTER TABLE refund_requests ADD COLUMN vendor_answered_at TIMESTAMP;
