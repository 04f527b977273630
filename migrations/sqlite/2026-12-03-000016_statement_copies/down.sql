DROP INDEX hourly_running_in_order;
CREATE INDEX hourly_running_in_order ON hourly_running (vendor_id, hour_offset, order_id);
