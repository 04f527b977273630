-- Only orders of a subscription (prepaid and hourly purchases, renewals,
-- their refunds) have one. Indexed whole, the index's statistics after
-- ANALYZE average the NULLs in: on the seeded million orders, a million
-- rows per subscription, and SQLite, which plans without looking at bound
-- values (its query planner stability guarantee, see .cargo/config.toml),
-- scanned every order for the buyer's subscriptions (1.2 s per
-- /me/orders). Without the NULLs the estimate is what a subscription has.
DROP INDEX orders_by_subscription;
CREATE INDEX orders_by_subscription ON orders (subscription_id) WHERE subscription_id IS NOT NULL;
-- A purchase asks whether it re-orders a product the buyer had refunded
-- within five days (db::orders::reorder_of): by buyer, product and time,
-- rather than reading every order of the buyer's last five days, which a
-- buyer who buys a lot has thousands of.
CREATE INDEX orders_by_buyer_product ON orders (buyer_id, product_id, created_at);
