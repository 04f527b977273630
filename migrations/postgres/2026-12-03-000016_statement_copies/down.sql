DROP INDEX hourly_running_by_start;
CREATE INDEX hourly_running_by_start ON hourly_running (vendor_id, started_at);
DROP INDEX hourly_running_in_order;
CREATE INDEX hourly_running_in_order ON hourly_running (vendor_id, hour_offset, order_id);
ALTER TABLE statement_lines ADD CONSTRAINT statement_lines_statement_id_fkey
    FOREIGN KEY (statement_id) REFERENCES statements (id);
