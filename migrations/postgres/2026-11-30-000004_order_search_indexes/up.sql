-- A vendor's search by order number (exact or prefix) ordered by number; the
-- vendor index alone made SQLite scan all of the vendor's rows.
CREATE INDEX orders_by_vendor_number ON orders (vendor_id, order_no);
-- A buyer's own orders, newest first.
CREATE INDEX orders_by_buyer ON orders (buyer_id, created_at, id);
