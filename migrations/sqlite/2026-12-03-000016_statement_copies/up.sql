-- A statement copies the lines of the hourly subscriptions running through
-- its month inside the database, in (phase, order) order: the index holds
-- every column the copy reads, so it never visits the table.
DROP INDEX hourly_running_in_order;
CREATE INDEX hourly_running_in_order
    ON hourly_running (vendor_id, hour_offset, order_id, started_at, unit_price_fen);
-- The month so far reads those bought since the month began: covered too, or
-- SQLite's planner takes the covering index above and reads every one.
DROP INDEX hourly_running_by_start;
CREATE INDEX hourly_running_by_start
    ON hourly_running (vendor_id, started_at, order_id, unit_price_fen);
