ALTER TABLE refund_requests DROP COLUMN vendor_answered_at;
ALTER TABLE refund_requests DROP COLUMN vendor_contact;
ALTER TABLE refund_requests DROP COLUMN vendor_note;
ALTER TABLE refund_requests DROP COLUMN vendor_position;
DROP INDEX tickets_due;
ALTER TABLE tickets DROP COLUMN reminded_at;
ALTER TABLE tickets DROP COLUMN due_at;
ALTER TABLE tickets DROP COLUMN promised_days;
