DROP TABLE statement_lines;
DROP TABLE statements;
DROP INDEX tickets_by_completion;
DROP INDEX orders_by_vendor_billing;
ALTER TABLE orders DROP COLUMN reorder_of;
ALTER TABLE orders DROP COLUMN refund_kind;
ALTER TABLE accounts DROP COLUMN fee_bps;
