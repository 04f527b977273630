-- Each vendor's orders counted and summed as they are written (in the
-- order's own transaction), so the unfiltered order list says how many
-- orders and how much money without reading every one of them. The
-- operator's whole-market figures are the sum over vendors: one row per
-- vendor, and no single row every purchase in the market would wait on.
CREATE TABLE vendor_order_tallies (
    vendor_id BIGINT PRIMARY KEY NOT NULL,
    orders BIGINT NOT NULL,
    paid_fen BIGINT NOT NULL,
    refunded_fen BIGINT NOT NULL
);
INSERT INTO vendor_order_tallies (vendor_id, orders, paid_fen, refunded_fen)
SELECT vendor_id,
       COUNT(*),
       COALESCE(SUM(CASE WHEN order_type <> 'refund' THEN amount_fen ELSE 0 END), 0),
       COALESCE(SUM(CASE WHEN order_type = 'refund' THEN amount_fen ELSE 0 END), 0)
FROM orders
GROUP BY vendor_id;
